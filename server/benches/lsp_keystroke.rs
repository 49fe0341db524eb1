//! `cargo bench --bench lsp_keystroke`: drives the real `httpvet lsp` binary
//! over stdio like an editor. In a 6,000-line Go file with hundreds of
//! findings, beside a 3,000-line file of the same package, it makes
//! single-character edits and times each `didChange` until
//! the `publishDiagnostics` of that version has been read and its JSON parsed
//! (p50 / p99 / max; target p50 < 2 ms, p99 < 5 ms, max < 20 ms). Rounds take
//! turns between two clients at the same places: one that checks each
//! message's JSON without building the diagnostics into values, as a typed
//! editor client does, and one that decodes every message into a
//! `serde_json::Value`, as a generic client does. Then
//! it opens every file of the standard library's `net/http` package and
//! prints the server's resident memory.
//!
//! `cargo bench --bench lsp_keystroke -- top` types only in the kinds of
//! place whose name holds `top`.
//!
//! `HTTPVET_BIN=/abs/a:/abs/b` measures those builds instead of this one,
//! taking turns keystroke by keystroke: on a noisy machine, only builds
//! measured side by side can be compared.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    id: i64,
}

impl Lsp {
    fn start(bin: &Path) -> Lsp {
        let mut child = Command::new(bin)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("HTTPVET_TRACE").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start httpvet lsp (build it first: cargo build --release)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Lsp {
            child,
            stdin,
            stdout,
            id: 0,
        }
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_vec(v).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next message's body, unparsed.
    fn recv_body(&mut self) -> Vec<u8> {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.stdout.read_exact(&mut buf).unwrap();
        buf
    }

    fn recv(&mut self) -> Value {
        let msg: Value = serde_json::from_slice(&self.recv_body()).unwrap();
        if msg.get("method").is_some() && msg.get("id").is_some() {
            self.send(&json!({"jsonrpc": "2.0", "id": msg["id"], "result": null}));
        }
        msg
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = self.id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m["id"] == id && m.get("method").is_none() {
                return m;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn wait_publish(&mut self, uri: &str, version: Option<i64>) -> Value {
        loop {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
            {
                return m;
            }
        }
    }

    /// Waits for the publish of `version` as an editor's reader does: each
    /// message read whole and parsed (the diagnostics' JSON is checked but
    /// not built into values), until the publish of that version for `uri`.
    /// Returns its body.
    fn wait_publish_of(&mut self, uri: &str, version: i64) -> Vec<u8> {
        #[derive(serde::Deserialize)]
        struct Message {
            method: Option<String>,
            id: Option<Value>,
            params: Option<Params>,
        }
        #[derive(serde::Deserialize)]
        struct Params {
            uri: Option<String>,
            version: Option<i64>,
            #[allow(dead_code)]
            diagnostics: Option<serde::de::IgnoredAny>,
        }
        loop {
            let body = self.recv_body();
            let m: Message = serde_json::from_slice(&body).unwrap();
            if let (Some(_), Some(id)) = (&m.method, &m.id) {
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
                continue;
            }
            let Some(p) = m.params else { continue };
            if m.method.as_deref() == Some("textDocument/publishDiagnostics")
                && p.uri.as_deref() == Some(uri)
                && p.version == Some(version)
            {
                return body;
            }
        }
    }

    fn rss_mb(&self) -> f64 {
        common::status_mb(&self.child.id().to_string(), "VmRSS")
    }
}

/// A 6,000-line server file: the example's handlers, renamed and repeated.
/// A file of `lines` lines; `tag` goes into every name it declares, so that
/// files made with different tags can share a package.
fn big_file(root: &Path, lines: usize, tag: &str) -> String {
    let src = std::fs::read_to_string(root.join("examples/bookshop/handlers.go")).unwrap();
    let body = &src[src.find("// listBooks").unwrap()..];
    let mut out = String::from("package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"io\"\n\t\"net\"\n\t\"net/http\"\n\t\"sync/atomic\"\n\t\"time\"\n)\n");
    let mut i = 0;
    while out.lines().count() < lines {
        let mut b = body.to_string();
        for name in [
            "listBooks",
            "reserve",
            "placeOrder",
            "priceFromUpstream",
            "countHit",
            "visitors",
            "streamEvents",
            "uploadCover",
            "recommend",
            "tunnel",
            "echo",
            "audit",
            "lookupEvent",
            "storeCover",
            "processPending",
        ] {
            b = b.replace(&format!("{name}("), &format!("{name}{tag}{i}("));
        }
        out.push_str(&b);
        // Package-level declarations between the handlers.
        out.push_str(&format!(
            "\n// Block {i}: limits and names.\n\nconst limit{tag}{i} = 10\n\nvar names{tag}{i} = []string{{\"a\"}}\n\ntype box{tag}{i} struct {{\n\tn int\n}}\n"
        ));
        i += 1;
    }
    out
}

/// One keystroke and its undo: (line, column, text typed).
type Place = (usize, usize, &'static str);

/// Where to type, by kind of place: up to `n` places of each, spread over
/// the file. Each keystroke leaves the file's findings as they were.
fn places(text: &str, n: usize) -> Vec<(&'static str, Vec<Place>)> {
    let lines: Vec<&str> = text.lines().collect();
    let find = |pred: &dyn Fn(&str) -> bool, col: &dyn Fn(&str) -> usize, typed: &'static str| {
        let all: Vec<Place> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| pred(l))
            .map(|(i, l)| (i, col(l), typed))
            .collect();
        let step = (all.len() / n).max(1);
        all.into_iter().step_by(step).take(n).collect::<Vec<_>>()
    };
    let end = |l: &str| l.len();
    vec![
        (
            "function body",
            find(
                &|l| l.starts_with('\t') && l.trim_end().ends_with(')'),
                &end,
                " ",
            ),
        ),
        (
            "comment between declarations",
            find(&|l| l.starts_with("// Block "), &end, "x"),
        ),
        ("import block", find(&|l| l == "\t\"fmt\"", &end, " ")),
        (
            "package-level const",
            find(&|l| l.starts_with("const limit"), &end, "0"),
        ),
        (
            "package-level var",
            find(&|l| l.starts_with("var names"), &|l| l.len() - 2, "b"),
        ),
        ("struct type", find(&|l| l == "\tn int", &|_| 2, "x")),
        (
            "function signature",
            find(
                &|l| l.starts_with("func countHit"),
                &|l| l.find('(').unwrap(),
                "x",
            ),
        ),
        ("top of the file", vec![(0, 0, "// x\n")]),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let bins: Vec<PathBuf> = match std::env::var_os("HTTPVET_BIN") {
        Some(bins) => std::env::split_paths(&bins).collect(),
        None => {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--release", "-p", "httpvet", "--bin", "httpvet"])
                .current_dir(&root)
                .status()
                .unwrap();
            assert!(status.success());
            vec![root.join("target/release/httpvet")]
        }
    };

    let dir = std::env::temp_dir().join(format!("httpvet-keystroke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join("examples/bookshop/state.go"),
        dir.join("state.go"),
    )
    .unwrap();
    // A sibling of the package, as real packages have: a keystroke must not
    // cost in proportion to the files around it.
    std::fs::write(dir.join("sibling.go"), big_file(&root, 3000, "s")).unwrap();
    let text = big_file(&root, 6000, "");
    let path = dir.join("big.go");
    std::fs::write(&path, &text).unwrap();
    let uri = format!("file://{}", path.display());

    let mut lsps: Vec<Lsp> = bins.iter().map(|b| Lsp::start(b)).collect();
    let mut first = Value::Null;
    for lsp in &mut lsps {
        lsp.request(
            "initialize",
            // What VS Code and Neovim say they take: related information
            // too (a client that does not is sent none, and smaller
            // publishes).
            json!({"processId": null, "rootUri": null, "capabilities": {
                "general": {"positionEncodings": ["utf-8"]},
                "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true}}
            }}),
        );
        lsp.notify("initialized", json!({}));
        lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
        );
        first = lsp.wait_publish(&uri, Some(1));
    }
    let findings = first["params"]["diagnostics"].as_array().unwrap().len();
    println!("file: {} lines, {findings} findings", text.lines().count());

    // Type a character (and delete it again) in every kind of place, at
    // places spread over the file.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let kinds: Vec<_> = places(&text, 100)
        .into_iter()
        .filter(|(kind, _)| only.as_ref().is_none_or(|o| kind.contains(o.as_str())))
        .collect();
    let mut version = 1;
    let rounds = 300;
    println!("targets: p50 < 2 ms, p99 < 5 ms, max < 20 ms, in every kind of place");
    // Per kind of place: per server, the times to the publish as the typed
    // client reads it, and as the generic one does.
    type Times = Vec<Vec<Duration>>;
    let mut table: Vec<(String, Times, Times)> = Vec::new();
    for (kind, at) in &kinds {
        let mut received = vec![Vec::new(); lsps.len()];
        let mut parsed = vec![Vec::new(); lsps.len()];
        for k in 0..rounds {
            let generic = k % 2 == 1;
            let (line, col, typed) = at[(k / 2 * 7919) % at.len()];
            // The position after what was typed, for the undo.
            let (end_line, end_col) = match typed.strip_suffix('\n') {
                Some(_) => (line + 1, 0),
                None => (line, col + typed.len()),
            };
            for insert in [true, false] {
                version += 1;
                let change = if insert {
                    json!({"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": typed})
                } else {
                    json!({"range": {"start": {"line": line, "character": col}, "end": {"line": end_line, "character": end_col}}, "text": ""})
                };
                for (i, lsp) in lsps.iter_mut().enumerate() {
                    let t = Instant::now();
                    lsp.notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
                    );
                    // Rounds take turns between the two clients: each
                    // message read once, by one of them.
                    let value = if generic {
                        let value = lsp.wait_publish(&uri, Some(version));
                        parsed[i].push(t.elapsed());
                        value
                    } else {
                        let body = lsp.wait_publish_of(&uri, version);
                        received[i].push(t.elapsed());
                        serde_json::from_slice(&body).unwrap()
                    };
                    assert_eq!(
                        value["params"]["diagnostics"].as_array().map(Vec::len),
                        Some(findings),
                        "{kind}: typing {typed:?} at {line}:{col} changed the findings"
                    );
                }
            }
        }
        table.push((kind.to_string(), received, parsed));
    }
    let publish_bytes = serde_json::to_vec(&first).unwrap().len();
    for (i, bin) in bins.iter().enumerate() {
        if bins.len() > 1 {
            println!("{}:", bin.display());
        }
        println!(
            "{:<30} {:>6} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}   (ms; the last three: a client that decodes every message into serde_json::Value, {} KB a publish, as a generic client does)",
            "keystroke → its publish", "edits", "p50", "p99", "max", "p50", "p99", "max",
            publish_bytes / 1024
        );
        for (kind, received, parsed) in &mut table {
            let (r, p) = (&mut received[i], &mut parsed[i]);
            r.sort();
            p.sort();
            println!(
                "{kind:<30} {:>6} {:>8.2} {:>8.2} {:>8.2}   {:>8.2} {:>8.2} {:>8.2}",
                r.len(),
                percentile(r, 0.50),
                percentile(r, 0.99),
                percentile(r, 1.0),
                percentile(p, 0.50),
                percentile(p, 0.99),
                percentile(p, 1.0)
            );
        }
    }
    for mut lsp in lsps {
        lsp.request("shutdown", Value::Null);
        lsp.notify("exit", Value::Null);
        let _ = lsp.child.wait();
    }
    let bin = &bins[0];

    // Memory with every file of net/http open.
    let goroot = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env GOROOT");
    let nethttp =
        PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim()).join("src/net/http");
    let mut lsp = Lsp::start(bin);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    let before = lsp.rss_mb();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&nethttp)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    files.sort();
    let mut bytes = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        bytes += text.len();
        let uri = format!("file://{}", f.display());
        lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
        );
    }
    for f in &files {
        lsp.wait_publish(&format!("file://{}", f.display()), None);
    }
    std::thread::sleep(Duration::from_millis(300));
    println!(
        "net/http: {} files ({:.1} MB) open: resident memory {:.0} MB (idle server {:.0} MB)",
        files.len(),
        bytes as f64 / 1e6,
        lsp.rss_mb(),
        before
    );
    lsp.request("shutdown", Value::Null);
    lsp.notify("exit", Value::Null);
    let _ = lsp.child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

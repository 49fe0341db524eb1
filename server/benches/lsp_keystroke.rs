//! `cargo bench --bench lsp_keystroke`: drives the real `httpvet lsp` binary
//! over stdio like an editor. In a 6,000-line Go file with hundreds of
//! findings it makes single-character edits and times each `didChange` until
//! the `publishDiagnostics` of that version has been read and its JSON parsed
//! (p50 / p99; target p50 < 2 ms, p99 < 5 ms), and again once the client has
//! also built it into a `serde_json::Value`, as a generic client would. Then
//! it opens every file of the standard library's `net/http` package and
//! prints the server's resident memory.
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
fn big_file(root: &Path) -> String {
    let src = std::fs::read_to_string(root.join("examples/bookshop/handlers.go")).unwrap();
    let body = &src[src.find("// listBooks").unwrap()..];
    let mut out = String::from("package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"io\"\n\t\"net\"\n\t\"net/http\"\n\t\"sync/atomic\"\n\t\"time\"\n)\n");
    let mut i = 0;
    while out.lines().count() < 6000 {
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
        ] {
            b = b.replace(&format!("{name}("), &format!("{name}{i}("));
        }
        out.push_str(&b);
        i += 1;
    }
    out
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
    let text = big_file(&root);
    let path = dir.join("big.go");
    std::fs::write(&path, &text).unwrap();
    let uri = format!("file://{}", path.display());

    let mut lsps: Vec<Lsp> = bins.iter().map(|b| Lsp::start(b)).collect();
    let mut first = Value::Null;
    for lsp in &mut lsps {
        lsp.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {"general": {"positionEncodings": ["utf-8"]}}}),
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

    // Edit inside function bodies: type a character at the end of a line,
    // then delete it, at lines spread over the file.
    let lines: Vec<&str> = text.lines().collect();
    let targets: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with('\t') && l.trim_end().ends_with(')'))
        .map(|(i, l)| (i, l.len()))
        .collect();
    let mut received = vec![Vec::new(); lsps.len()];
    let mut parsed = vec![Vec::new(); lsps.len()];
    let mut version = 1;
    let rounds = 600;
    for k in 0..rounds {
        let (line, col) = targets[(k * 7919) % targets.len()];
        for insert in [true, false] {
            version += 1;
            let change = if insert {
                json!({"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": " "})
            } else {
                json!({"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}, "text": ""})
            };
            for (i, lsp) in lsps.iter_mut().enumerate() {
                let t = Instant::now();
                lsp.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
                );
                let body = lsp.wait_publish_of(&uri, version);
                received[i].push(t.elapsed());
                let value: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(
                    value["params"]["diagnostics"].as_array().map(Vec::len),
                    Some(findings)
                );
                parsed[i].push(t.elapsed());
            }
        }
    }
    let publish_bytes = serde_json::to_vec(&first).unwrap().len();
    for (i, bin) in bins.iter().enumerate() {
        if bins.len() > 1 {
            println!("{}:", bin.display());
        }
        let (received, parsed) = (&mut received[i], &mut parsed[i]);
        received.sort();
        parsed.sort();
        println!(
            "keystroke → its publish received over {} edits: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (targets: p50 < 2, p99 < 5)",
            received.len(),
            percentile(received, 0.50),
            percentile(received, 0.99),
            percentile(received, 1.0)
        );
        println!(
            "  (read whole and its JSON parsed, {} KB; building it into a serde_json::Value as well, as a generic client would: p50 {:.2} ms, p99 {:.2} ms)",
            publish_bytes / 1024,
            percentile(parsed, 0.50),
            percentile(parsed, 0.99),
        );
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

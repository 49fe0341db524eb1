//! `cargo bench --bench lsp_keystroke`: drives the real `httpvet lsp` binary
//! over stdio like an editor. In a 6,000-line Go file with hundreds of
//! findings it makes single-character edits and times each `didChange` until
//! the `publishDiagnostics` of that version arrives (p50 / p99; target p50 <
//! 2 ms, p99 < 5 ms). Then it opens every file of the standard library's
//! `net/http` package and prints the server's resident memory.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    id: i64,
    /// When the body of the last message had been read (before parsing it).
    read_at: Instant,
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
            read_at: Instant::now(),
        }
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_vec(v).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let t = Instant::now();
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
        let t_head = t.elapsed();
        let mut buf = vec![0; len];
        self.stdout.read_exact(&mut buf).unwrap();
        self.read_at = Instant::now();
        let t_body = t.elapsed();
        let msg: Value = serde_json::from_slice(&buf).unwrap();
        if std::env::var_os("HTTPVET_TRACE").is_some() && len > 10000 {
            eprintln!(
                "client: head {t_head:?} body {t_body:?} parsed {:?} ({len} bytes)",
                t.elapsed()
            );
        }
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

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
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
    let bin = root.join("target/release/httpvet");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "httpvet", "--bin", "httpvet"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());

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

    let mut lsp = Lsp::start(&bin);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {"general": {"positionEncodings": ["utf-8"]}}}),
    );
    lsp.notify("initialized", json!({}));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
    );
    let first = lsp.wait_publish(&uri, Some(1));
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
    let mut times = Vec::new();
    let mut read_times = Vec::new();
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
            let t = Instant::now();
            lsp.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
            );
            lsp.wait_publish(&uri, Some(version));
            times.push(t.elapsed());
            read_times.push(lsp.read_at - t);
        }
    }
    times.sort();
    read_times.sort();
    let publish_bytes = serde_json::to_vec(&first).unwrap().len();
    println!(
        "keystroke → publish over {} edits: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (targets: p50 < 2, p99 < 5)",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
    println!(
        "  of which the publish's bytes were in by p50 {:.2} ms, p99 {:.2} ms; the rest is this client parsing {} KB of JSON",
        percentile(&read_times, 0.50),
        percentile(&read_times, 0.99),
        publish_bytes / 1024
    );
    lsp.request("shutdown", Value::Null);
    lsp.notify("exit", Value::Null);
    let _ = lsp.child.wait();

    // Memory with every file of net/http open.
    let goroot = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env GOROOT");
    let nethttp =
        PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim()).join("src/net/http");
    let mut lsp = Lsp::start(&bin);
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

//! A small typed LSP client for tests: speaks JSON-RPC over any byte pipe,
//! to the real service in-process (over `tokio::io::duplex`) or to the built
//! binary over stdio, with timeouts everywhere.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    reader: BufReader<Box<dyn AsyncRead + Unpin + Send>>,
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub notifications: VecDeque<Value>,
    _child: Option<tokio::process::Child>,
}

impl Client {
    fn over(
        read: impl AsyncRead + Unpin + Send + 'static,
        write: impl AsyncWrite + Unpin + Send + 'static,
        child: Option<tokio::process::Child>,
    ) -> Client {
        Client {
            reader: BufReader::new(Box::new(read)),
            writer: Box::new(write),
            next_id: 1,
            notifications: VecDeque::new(),
            _child: child,
        }
    }

    /// The real service, in-process, over an in-memory pipe.
    pub fn in_process() -> Client {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(httpvet::lsp::transport::serve(server_read, server_write));
        let (read, write) = tokio::io::split(client_side);
        Client::over(read, write, None)
    }

    /// The built binary, `httpvet lsp`, over stdio.
    pub fn spawn_binary(bin: &std::path::Path) -> Client {
        let mut child = tokio::process::Command::new(bin)
            .arg("lsp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn httpvet lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        Client::over(stdout, stdin, Some(child))
    }

    /// The built binary, `httpvet lsp`, with one end of a Unix socket pair as
    /// both its stdin and stdout (as some editors connect servers).
    pub fn spawn_binary_over_socket(bin: &std::path::Path) -> Client {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
        let theirs = std::os::fd::OwnedFd::from(theirs);
        let child = tokio::process::Command::new(bin)
            .arg("lsp")
            .stdin(theirs.try_clone().expect("dup"))
            .stdout(theirs)
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn httpvet lsp");
        ours.set_nonblocking(true).unwrap();
        let ours = tokio::net::UnixStream::from_std(ours).unwrap();
        let (read, write) = ours.into_split();
        Client::over(read, write, Some(child))
    }

    pub async fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        self.writer.write_all(head.as_bytes()).await.unwrap();
        self.writer.write_all(&body).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    /// Sends raw bytes as one message body (for malformed input).
    pub async fn send_raw(&mut self, body: &str) {
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        self.writer.write_all(head.as_bytes()).await.unwrap();
        self.writer.write_all(body.as_bytes()).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    async fn read_message(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).await.unwrap();
            assert!(n > 0, "the server closed the connection");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.reader.read_exact(&mut buf).await.unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    /// The next message; answers the server's own requests (registrations,
    /// configuration) the way editors do.
    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(TIMEOUT, self.read_message())
                .await
                .expect("timed out waiting for the server");
            if msg.get("method").is_some() && msg.get("id").is_some() {
                let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                self.send(&reply).await;
                continue;
            }
            return msg;
        }
    }

    /// Sends a request and returns its response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let msg = self.recv().await;
            if msg.get("id") == Some(&json!(id)) {
                return msg;
            }
            self.notifications.push_back(msg);
        }
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Waits for a notification satisfying `pred` (earlier ones are kept).
    pub async fn wait_for(&mut self, mut pred: impl FnMut(&Value) -> bool) -> Value {
        if let Some(i) = self.notifications.iter().position(&mut pred) {
            return self.notifications.remove(i).unwrap();
        }
        loop {
            let msg = self.recv().await;
            if pred(&msg) {
                return msg;
            }
            self.notifications.push_back(msg);
        }
    }

    /// Waits for diagnostics of `uri` published for exactly `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let msg = self
            .wait_for(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && m["params"]["version"] == version
            })
            .await;
        msg["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// `initialize` + `initialized`, offering UTF-8 when asked.
    pub async fn initialize(&mut self, utf8: bool, options: Value) -> Value {
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let resp = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": null,
                    "capabilities": {
                        "general": {"positionEncodings": encodings},
                        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
                        "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true}}
                    },
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        resp
    }

    pub async fn open(&mut self, uri: &str, text: &str, version: i64) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "go", "version": version, "text": text}}),
        )
        .await;
    }

    pub async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    pub async fn shutdown(&mut self) {
        let r = self.request("shutdown", Value::Null).await;
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null).await;
    }
}

/// A `file://` URI for a path.
pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

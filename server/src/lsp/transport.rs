//! The server's output: one writer task owns the client's stream and writes
//! whole frames — tower-lsp-server's (requests, responses, log messages) and
//! our `publishDiagnostics`, assembled from diagnostics serialised once each
//! (see [`Published`]). tower-lsp-server would turn a publish into a
//! `serde_json::Value` and serialise that again: with hundreds of findings
//! that was most of the time from keystroke to publish.

use super::convert::Published;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::sync::oneshot;
use tower_lsp_server::ls_types::Uri;

/// What the writer task receives: a frame, or a request to report once
/// everything before it is written.
enum Out {
    Frame(Vec<u8>),
    Flushed(oneshot::Sender<()>),
}

/// Sends `publishDiagnostics` frames to the writer task.
#[derive(Clone)]
pub struct Publisher {
    tx: UnboundedSender<Out>,
    spare: Spare,
}

/// Frame buffers the writer has written, for the next publish: a fresh
/// buffer of hundreds of KB costs page faults on every keystroke.
type Spare = Arc<Mutex<Vec<Vec<u8>>>>;

impl Publisher {
    /// Queues `textDocument/publishDiagnostics` for `uri`. Each diagnostic
    /// was serialised when it was first published and is copied in (its
    /// line numbers shifted when an edit above moved them).
    /// Frames leave in the order they are queued.
    pub fn publish(&self, uri: &Uri, diagnostics: &[Published], version: Option<i32>) {
        const HEAD: &str =
            r#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#;
        let uri = serde_json::to_string(uri.as_str()).expect("a string serialises");
        let version = version
            .map(|v| format!(r#","version":{v}"#))
            .unwrap_or_default();
        let items: usize = diagnostics.iter().map(|d| d.len()).sum::<usize>()
            + diagnostics.len().saturating_sub(1);
        let len = HEAD.len()
            + uri.len()
            + r#","diagnostics":["#.len()
            + items
            + "]".len()
            + version.len()
            + "}}".len();
        let mut frame = self
            .spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        frame.clear();
        frame.reserve(len + 32);
        frame.extend_from_slice(format!("Content-Length: {len}\r\n\r\n").as_bytes());
        frame.extend_from_slice(HEAD.as_bytes());
        frame.extend_from_slice(uri.as_bytes());
        frame.extend_from_slice(br#","diagnostics":["#);
        for (i, d) in diagnostics.iter().enumerate() {
            if i > 0 {
                frame.push(b',');
            }
            d.write(&mut frame);
        }
        frame.push(b']');
        frame.extend_from_slice(version.as_bytes());
        frame.extend_from_slice(b"}}");
        // The writer is gone only when the server is shutting down.
        let _ = self.tx.send(Out::Frame(frame));
    }
}

/// The stream tower-lsp-server writes to: cuts its bytes into whole frames
/// (`Content-Length` header and body) and hands each to the writer task, so
/// that no publish lands inside one of its messages.
struct FrameCutter {
    pending: Vec<u8>,
    tx: UnboundedSender<Out>,
}

impl FrameCutter {
    fn cut(&mut self) {
        loop {
            let Some(head_end) = find(&self.pending, b"\r\n\r\n") else {
                return;
            };
            let head = String::from_utf8_lossy(&self.pending[..head_end]);
            let len = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            });
            let Some(len) = len else {
                // Not a frame header: pass the bytes on as they are.
                let rest = std::mem::take(&mut self.pending);
                let _ = self.tx.send(Out::Frame(rest));
                return;
            };
            let total = head_end + 4 + len;
            if self.pending.len() < total {
                return;
            }
            let rest = self.pending.split_off(total);
            let frame = std::mem::replace(&mut self.pending, rest);
            let _ = self.tx.send(Out::Frame(frame));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl AsyncWrite for FrameCutter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.pending.extend_from_slice(buf);
        this.cut();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Serves the language server on `input` / `output` until the client exits.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = unbounded_channel::<Out>();
    let spare = Spare::default();
    let written = spare.clone();
    tokio::spawn(async move {
        let mut output = output;
        while let Some(out) = rx.recv().await {
            match out {
                Out::Frame(frame) => {
                    if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                        break;
                    }
                    if let Ok(mut spare) = written.lock() {
                        if spare.len() < 2 && frame.capacity() >= 1 << 16 {
                            spare.push(frame);
                        }
                    }
                }
                Out::Flushed(done) => {
                    let _ = done.send(());
                }
            }
        }
    });
    let (service, socket) = super::service(Publisher {
        tx: tx.clone(),
        spare,
    });
    let cutter = FrameCutter {
        pending: Vec::new(),
        tx: tx.clone(),
    };
    tower_lsp_server::Server::new(input, cutter, socket)
        .serve(service)
        .await;
    // Everything queued (the `shutdown` response) is written before returning.
    let (done, written) = oneshot::channel();
    if tx.send(Out::Flushed(done)).is_ok() {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), written).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_whole_frames_from_pieces() {
        let (tx, mut rx) = unbounded_channel();
        let mut c = FrameCutter {
            pending: Vec::new(),
            tx,
        };
        let a = b"Content-Length: 2\r\n\r\n{}";
        let b = b"Content-Length: 4\r\n\r\nnull";
        let mut all = a.to_vec();
        all.extend_from_slice(b);
        for piece in all.chunks(5) {
            c.pending.extend_from_slice(piece);
            c.cut();
        }
        for want in [a.to_vec(), b.to_vec()] {
            match rx.try_recv() {
                Ok(Out::Frame(f)) => assert_eq!(f, want),
                _ => panic!("expected a frame"),
            }
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn a_publish_is_one_frame_of_its_length_and_reuses_buffers() {
        let (tx, mut rx) = unbounded_channel();
        let p = Publisher {
            tx,
            spare: Spare::default(),
        };
        // A finding on line 9, and the same shown 91 lines lower (its two
        // line numbers gain two digits each).
        let text = "package p\n".repeat(9) + "var é = 1\n";
        let file = crate::source::SourceFile::parse("/tmp/a b.go", text.clone());
        let var = text.find("var").unwrap();
        let at = |offset: usize, column: usize| crate::diagnostic::Pos {
            offset,
            line: 9,
            column,
        };
        let diag = crate::diagnostic::Diagnostic {
            code: "HV001",
            name: "writer-escapes-handler",
            severity: crate::diagnostic::Severity::Warning,
            message: "é".into(),
            location: crate::diagnostic::Location {
                path: file.path.clone(),
                start: at(var, 0),
                end: at(var + 3, 3),
            },
            related: Default::default(),
            fixes: Default::default(),
        };
        let d = super::super::convert::published(
            &diag,
            &file,
            super::super::convert::Form {
                enc: crate::position::Encoding::Utf16,
                related: true,
            },
        );
        let lower = d.shown_moved(5, 91);
        assert_eq!(lower.range.start.line, 100);
        assert_eq!(
            (lower.len(), lower.text().len()),
            (d.len() + 4, d.len() + 4)
        );
        let uri: Uri = "file:///tmp/a%20b.go".parse().unwrap();
        let mut big = vec![d; 4999];
        big.push(lower);
        p.spare.lock().unwrap().push(Vec::with_capacity(1 << 20));
        p.publish(&uri, &big, Some(7));
        let Ok(Out::Frame(frame)) = rx.try_recv() else {
            panic!("expected a frame")
        };
        assert!(frame.capacity() >= 1 << 20, "the spare buffer was used");
        assert!(p.spare.lock().unwrap().is_empty());
        let text = String::from_utf8(frame).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["method"], "textDocument/publishDiagnostics");
        assert_eq!(v["params"]["uri"], "file:///tmp/a%20b.go");
        assert_eq!(v["params"]["version"], 7);
        assert_eq!(v["params"]["diagnostics"].as_array().unwrap().len(), 5000);
        assert_eq!(v["params"]["diagnostics"][4999]["message"], "é");
        let line = |i: usize| &v["params"]["diagnostics"][i]["range"]["end"]["line"];
        assert_eq!((line(0), line(4999)), (&9.into(), &100.into()));
        p.publish(&uri, &[], None);
        let Ok(Out::Frame(frame)) = rx.try_recv() else {
            panic!("expected a frame")
        };
        let text = String::from_utf8(frame).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["params"]["diagnostics"], serde_json::json!([]));
        assert!(v["params"].get("version").is_none());
    }
}

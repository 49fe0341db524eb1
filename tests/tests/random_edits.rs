//! Randomized edits: the document the server keeps equals the client's text
//! (and its incremental tree equals a fresh parse), and after random edit
//! sequences over the protocol, the published diagnostics equal a fresh
//! `check` of the client's text. Multi-byte text and CRLF line ends included.

use httpvet::document::{Change, Document};
use httpvet::engine::{check_source, Settings};
use httpvet::position::Encoding;
use httpvet_tests::lsp_client::{file_uri, Client};
use httpvet_tests::Scratch;
use serde_json::{json, Value};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const BASE: &str = "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nvar hits = map[string]int{}\n\n// Grüße 😀\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n\tfmt.Fprintf(w, \"%d é\", hits[r.URL.Path])\n}\n\nfunc twice(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(200)\n\tw.WriteHeader(500)\n}\n";

const SNIPPETS: &[&str] = &[
    "x",
    "é",
    "😀",
    "\n",
    "\r\n",
    "}",
    "{",
    " ",
    "\t",
    "go ",
    "w.Write(nil)\n",
    "// ç\n",
    "hits[\"k\"] = 1\n",
    "w.WriteHeader(201)\n",
    "func f(w http.ResponseWriter, r *http.Request) {\n",
    ")",
];

/// Byte offsets where an edit may start or end: char boundaries, not inside `\r\n`.
fn boundaries(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    (0..=text.len())
        .filter(|&i| {
            text.is_char_boundary(i)
                && !(i > 0 && i < b.len() && b[i - 1] == b'\r' && b[i] == b'\n')
        })
        .collect()
}

/// The LSP position of a byte offset, computed independently of the server.
fn lsp_pos(text: &str, offset: usize, enc: Encoding) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let seg = &text[start..offset];
    let col = match enc {
        Encoding::Utf8 => seg.len(),
        Encoding::Utf16 => seg.encode_utf16().count(),
    };
    (line, col as u32)
}

/// A random edit of `text`: the change (in LSP positions) and the new text.
fn random_edit(rng: &mut Rng, text: &str, enc: Encoding) -> (Change, String) {
    let bs = boundaries(text);
    let a = bs[rng.below(bs.len())];
    let i = bs.iter().position(|&x| x == a).unwrap();
    let b = if rng.below(3) == 0 {
        a
    } else {
        bs[(i + rng.below(12)).min(bs.len() - 1)]
    };
    let insert = if rng.below(4) == 0 {
        ""
    } else {
        SNIPPETS[rng.below(SNIPPETS.len())]
    };
    let mut new = text.to_string();
    new.replace_range(a..b, insert);
    let change = Change {
        range: Some((lsp_pos(text, a, enc), lsp_pos(text, b, enc))),
        text: insert.to_string(),
    };
    (change, new)
}

#[test]
fn document_text_and_tree_follow_thousands_of_random_edits() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    for seq in 0..2000 {
        let enc = if seq % 2 == 0 {
            Encoding::Utf16
        } else {
            Encoding::Utf8
        };
        let mut text = if seq % 3 == 0 {
            BASE.replace('\n', "\r\n")
        } else {
            BASE.to_string()
        };
        let mut doc = Document::new(&text, 1);
        for step in 0..12 {
            // Sometimes several changes in one notification, applied in order.
            let n = 1 + rng.below(3);
            let mut changes = Vec::new();
            for _ in 0..n {
                let (c, new) = random_edit(&mut rng, &text, enc);
                changes.push(c);
                text = new;
            }
            doc.apply(&changes, step + 2, enc);
            assert_eq!(doc.text(), text, "sequence {seq}, step {step}");
        }
        // The top level as the document has it (declarations re-parsed on
        // their own included) against a fresh parse.
        let ours = doc.source("p.go");
        let fresh = httpvet::source::SourceFile::parse("p.go", text.clone());
        assert_eq!(
            ours.outline(),
            fresh.outline(),
            "sequence {seq}: the incremental tree differs from a fresh parse"
        );
        assert_eq!(ours.has_error(), fresh.has_error(), "sequence {seq}");
    }
}

fn fresh_diagnostics(text: &str, path: &str, enc: Encoding) -> Vec<(String, u32, u32)> {
    let report = check_source(path, text.to_string(), &Settings::default());
    let mut out: Vec<(String, u32, u32)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (l, c) = lsp_pos(text, d.location.start.offset, enc);
            (d.code.to_string(), l, c)
        })
        .collect();
    out.sort();
    out
}

fn published(diags: &[Value]) -> Vec<(String, u32, u32)> {
    let mut out: Vec<(String, u32, u32)> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap() as u32,
                d["range"]["start"]["character"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_diagnostics_equal_a_fresh_check_after_random_edits() {
    let dir = Scratch::new("random");
    let mut rng = Rng(0xD1B54A32D192ED03);
    for (round, utf8) in [(0, false), (1, true)] {
        let enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let mut c = Client::in_process();
        c.initialize(utf8, Value::Null).await;
        for seq in 0..150 {
            let path = dir.join(format!("r{round}s{seq}.go"));
            let uri = file_uri(&path);
            let mut text = if seq % 3 == 0 {
                BASE.replace('\n', "\r\n")
            } else {
                BASE.to_string()
            };
            c.open(&uri, &text, 1).await;
            let mut version = 1;
            for _ in 0..1 + rng.below(15) {
                let (change, new) = random_edit(&mut rng, &text, enc);
                text = new;
                version += 1;
                let ((l0, c0), (l1, c1)) = change.range.unwrap();
                c.change(
                    &uri,
                    version,
                    json!([{"range": {"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}}, "text": change.text}]),
                )
                .await;
            }
            // What the server publishes for the last version settles on a
            // fresh check's findings: at once, or (after an edit changed the
            // file's shape, when the keystroke's publish re-checked only the
            // touched declarations) with the whole re-check that follows.
            let want = fresh_diagnostics(&text, &path.to_string_lossy(), enc);
            let mut got = Vec::new();
            let settled = tokio::time::timeout(std::time::Duration::from_secs(20), async {
                loop {
                    got = published(&c.diagnostics(&uri, version).await);
                    if got == want {
                        break;
                    }
                }
            })
            .await;
            assert!(settled.is_ok(), "round {round}, sequence {seq}: published {got:?}, a fresh check finds {want:?}; text:\n{text}");
            c.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        }
        c.shutdown().await;
    }
}

/// Typing inside the bodies of many declarations of a valid file, as a
/// developer does: each edit re-parses its declaration on its own, and the
/// server folds those back into a whole parse now and then, also while more
/// edits arrive. The publishes equal a fresh check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_inside_many_declarations_equals_a_fresh_check() {
    let dir = Scratch::new("typing");
    let path = dir.join("typing.go");
    let uri = file_uri(&path);
    let mut text =
        String::from("package p\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n");
    for i in 0..24 {
        text.push_str(&format!(
            "\n// h{i} counts.\nfunc h{i}(w http.ResponseWriter, r *http.Request) {{\n\thits[\"é{i}\"]++\n\tw.WriteHeader(200)\n}}\n"
        ));
    }
    let mut rng = Rng(0x94D049BB133111EB);
    let mut c = Client::in_process();
    c.initialize(false, Value::Null).await;
    c.open(&uri, &text, 1).await;
    // Text that breaks its declaration (an unclosed `{` reaches past it),
    // typed and then deleted.
    let mut undo: Option<(usize, usize)> = None;
    for version in 2..400 {
        let writes: Vec<usize> = text.match_indices("hits[\"").map(|(i, _)| i).collect();
        let write = writes[rng.below(writes.len())];
        let line = text[..write].rfind('\n').unwrap() + 1;
        let next = write + text[write..].find('\n').unwrap() + 1;
        const REACHING: &[&str] = &["{\n", "}\n", "`", "/*", "\"", "func() {\n"];
        let (a, b, new) = match (undo.take(), rng.below(5)) {
            (Some((a, b)), _) => (a, b, ""),
            (None, 0) => (line, line, "\tw.WriteHeader(500)\n"),
            // Delete the status line after the map write, or type in the
            // statement or in its string.
            (None, 1) if text[next..].starts_with("\tw.WriteHeader") => {
                (next, next + text[next..].find('\n').unwrap() + 1, "")
            }
            (None, 1 | 2) => (line + 1, line + 1, "_ = 1; "),
            (None, 3) => {
                let new = REACHING[rng.below(REACHING.len())];
                undo = Some((line + 1, line + 1 + new.len()));
                (line + 1, line + 1, new)
            }
            _ => (write + "hits[\"".len(), write + "hits[\"".len(), "2"),
        };
        let (start, end) = (
            lsp_pos(&text, a, Encoding::Utf16),
            lsp_pos(&text, b, Encoding::Utf16),
        );
        text.replace_range(a..b, new);
        c.change(
            &uri,
            version,
            json!([{"range": {"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}}, "text": new}]),
        )
        .await;
        // Sometimes a burst of edits: folds then overlap edits.
        if rng.below(3) == 0 || undo.is_some() || version == 399 {
            let got = published(&c.diagnostics(&uri, version).await);
            let want = fresh_diagnostics(&text, &path.to_string_lossy(), Encoding::Utf16);
            assert_eq!(got, want, "version {version}, text:\n{text}");
        }
    }
    c.shutdown().await;
}

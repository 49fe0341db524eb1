//! The language server end to end, over the real protocol: the service
//! in-process over an in-memory pipe, and once the built binary over stdio.

use httpvet_tests::lsp_client::{file_uri, Client};
use httpvet_tests::Scratch;
use serde_json::{json, Value};

const HANDLER: &str = "package shop\n\nimport \"net/http\"\n\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n";
const STATE: &str = "package shop\n\nvar hits = map[string]int{}\n";

fn workspace(name: &str) -> Scratch {
    Scratch::new(&format!("lsp-{name}"))
}

/// A workspace with the map in `state.go`, and the URI of `count.go`
/// beside it, where the tests open `HANDLER`.
fn shop(name: &str) -> (Scratch, String) {
    let dir = workspace(name);
    std::fs::write(dir.join("state.go"), STATE).unwrap();
    let uri = file_uri(&dir.join("count.go"));
    (dir, uri)
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// A client that does not say it takes related information
/// (`textDocument.publishDiagnostics.relatedInformation`) is sent none; the
/// finding is otherwise the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_information_only_when_the_client_takes_it() {
    let (_dir, uri) = shop("related");
    let mut c = Client::in_process();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    )
    .await;
    c.notify("initialized", json!({})).await;
    c.open(&uri, HANDLER, 1).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diags), ["HV007"]);
    assert!(diags[0].get("relatedInformation").is_none(), "{}", diags[0]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 5, "character": 1})
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_change_close() {
    let (_dir, uri) = shop("occ");
    let mut c = Client::in_process();
    let init = c.initialize(true, Value::Null).await;
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        2
    );

    c.open(&uri, HANDLER, 1).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(
        codes(&diags),
        ["HV007"],
        "the map lives in a sibling file on disk"
    );
    let d = &diags[0];
    assert_eq!(d["source"], "httpvet");
    assert_eq!(d["severity"], 2);
    // No repository is set in a build from a clone: no link to a page
    // that may not exist.
    assert!(d.get("codeDescription").is_none(), "{d}");
    assert_eq!(d["range"]["start"], json!({"line": 5, "character": 1}));
    let related = &d["relatedInformation"][0];
    assert!(related["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("state.go"));

    // Wrap the write in a lock: an incremental edit at the start of line 5.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 5, "character": 1}, "end": {"line": 5, "character": 1}},
                "text": "mu.Lock()\n\tdefer mu.Unlock()\n\t"}]),
    )
    .await;
    let diags = c.diagnostics(&uri, 2).await;
    assert!(diags.is_empty(), "{diags:?}");

    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let closed = c
        .wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
        })
        .await;
    assert_eq!(closed["params"]["diagnostics"], json!([]));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf16_and_utf8_columns_after_multibyte_text() {
    // "é" is 2 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 units.
    let text = "package p\n\nimport \"net/http\"\n\nvar m = map[string]int{}\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\t_ = \"é😀\"; m[\"k\"] = 1\n}\n";
    for (utf8, expected) in [(true, 15), (false, 12)] {
        let dir = workspace(if utf8 { "u8" } else { "u16" });
        let uri = file_uri(&dir.join("h.go"));
        let mut c = Client::in_process();
        let init = c.initialize(utf8, Value::Null).await;
        let enc = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(init["result"]["capabilities"]["positionEncoding"], enc);
        c.open(&uri, text, 1).await;
        let diags = c.diagnostics(&uri, 1).await;
        assert_eq!(diags[0]["range"]["start"]["character"], expected, "{enc}");
        // Insert after the emoji, addressed in the negotiated encoding.
        let col = if utf8 { 12 } else { 9 };
        c.change(
            &uri,
            2,
            json!([{"range": {"start": {"line": 7, "character": col}, "end": {"line": 7, "character": col}}, "text": "x"}]),
        )
        .await;
        let diags = c.diagnostics(&uri, 2).await;
        assert_eq!(
            diags[0]["range"]["start"]["character"],
            expected + 1,
            "{enc}"
        );
        c.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crlf_line_ends() {
    let dir = workspace("crlf");
    let uri = file_uri(&dir.join("h.go"));
    let text = HANDLER.replace('\n', "\r\n")
        + &STATE.replace("package shop\r\n", "").replace('\n', "\r\n");
    let text = text.replace("package shop\r\n\r\nvar", "var");
    let mut c = Client::in_process();
    c.initialize(false, Value::Null).await;
    c.open(&uri, &text, 1).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diags), ["HV007"]);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 5, "character": 1})
    );
    // A character past the end of a line clamps to the line's end (before \r\n).
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 5, "character": 99}, "end": {"line": 5, "character": 99}}, "text": " // x"}]),
    )
    .await;
    let diags = c.diagnostics(&uri, 2).await;
    assert_eq!(codes(&diags), ["HV007"]);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_files_recheck_the_open_files_of_the_package() {
    let (dir, uri) = shop("watch");
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, HANDLER, 1).await;
    assert_eq!(codes(&c.diagnostics(&uri, 1).await), ["HV007"]);
    // The sibling changes on disk: hits is no longer a map.
    std::fs::write(dir.join("state.go"), "package shop\n\nvar hits = []int{}\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&dir.join("state.go")), "type": 2}]}),
    )
    .await;
    assert!(c.diagnostics(&uri, 1).await.is_empty());
    // Deleted: nothing known about hits.
    std::fs::write(dir.join("state.go"), STATE).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&dir.join("state.go")), "type": 2}]}),
    )
    .await;
    assert_eq!(codes(&c.diagnostics(&uri, 1).await), ["HV007"]);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_initialization_and_configuration() {
    let (_dir, uri) = shop("settings");
    let mut c = Client::in_process();
    c.initialize(true, json!({"ignore": ["unsynchronized-map-write"]}))
        .await;
    c.open(&uri, HANDLER, 1).await;
    assert!(c.diagnostics(&uri, 1).await.is_empty());
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"httpvet": {"select": ["HV007"], "severity": {"HV007": "error"}}}}),
    )
    .await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diags), ["HV007"]);
    assert_eq!(diags[0]["severity"], 1);
    // A broken setting is shown once, and the last good settings stay.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"httpvet": {"select": ["HV999"]}}}),
    )
    .await;
    let shown = c.wait_for(|m| m["method"] == "window/showMessage").await;
    assert!(shown["params"]["message"]
        .as_str()
        .unwrap()
        .contains("HV999"));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppression_comments_work_in_the_editor() {
    let (_dir, uri) = shop("suppress");
    let text = HANDLER.replace("]++\n", "]++ //httpvet:ignore HV007 single writer\n");
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, &text, 1).await;
    assert!(c.diagnostics(&uri, 1).await.is_empty());
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_explains_the_rule() {
    let (_dir, uri) = shop("hover");
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, HANDLER, 1).await;
    c.diagnostics(&uri, 1).await;
    let r = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 3}}),
        )
        .await;
    let value = r["result"]["contents"]["value"].as_str().unwrap();
    // The finding's message, the rule's why, and where to read more; not
    // the whole page.
    assert!(
        value.starts_with("**HV007** map `hits` is written"),
        "{value}"
    );
    assert!(value.contains("Go maps are not safe"), "{value}");
    assert!(value.ends_with("More: `httpvet explain HV007`"), "{value}");
    assert!(!value.contains("## "), "{value}");
    assert!(value.lines().count() <= 6, "{value}");
    let none = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert_eq!(none["result"], Value::Null);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_errors_and_the_server_stays_up() {
    let dir = workspace("bad");
    let uri = file_uri(&dir.join("h.go"));
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    // Unknown document.
    let r = c
        .request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere.go"}, "position": {"line": 0, "character": 0}}))
        .await;
    assert!(r.get("error").is_some(), "{r}");
    // Malformed params.
    let r = c
        .request("textDocument/hover", json!({"nonsense": true}))
        .await;
    assert!(r.get("error").is_some(), "{r}");
    // A change for a document that is not open is logged, not fatal.
    c.change("file:///nowhere.go", 2, json!([{"text": "package x"}]))
        .await;
    c.wait_for(|m| m["method"] == "window/logMessage").await;
    // Unparsable Go still gets the diagnostics its well-formed parts allow.
    let text = format!(
        "{HANDLER}{}\nfunc broken( {{\n",
        STATE.replace("package shop\n", "")
    );
    c.open(&uri, &text, 1).await;
    assert_eq!(codes(&c.diagnostics(&uri, 1).await), ["HV007"]);
    // Out-of-range edits clamp.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 900, "character": 5}, "end": {"line": 901, "character": 0}}, "text": "\n// end\n"}]),
    )
    .await;
    assert_eq!(codes(&c.diagnostics(&uri, 2).await), ["HV007"]);
    // Out-of-range hover.
    let r = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 5000, "character": 0}}),
        )
        .await;
    assert!(r.get("error").is_some(), "{r}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_stress_last_publish_is_last_version() {
    let (_dir, uri) = shop("stress");
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, HANDLER, 1).await;
    let n = 400;
    for v in 2..=n {
        // Alternately add and remove a lock around the write.
        let text = if v % 2 == 0 {
            HANDLER.replace("\thits", "\tmu.Lock()\n\tdefer mu.Unlock()\n\thits")
        } else {
            HANDLER.to_string()
        };
        c.change(&uri, v, json!([{"text": text}])).await;
        if v % 25 == 0 {
            let r = c
                .request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
                )
                .await;
            assert!(r.get("error").is_none(), "{r}");
        }
    }
    // The final version gets its publish, and nothing older comes after it.
    let last = c.diagnostics(&uri, n).await;
    assert!(last.is_empty(), "version {n} has the lock");
    c.notifications.clear();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert!(r.get("error").is_none());
    let stale: Vec<&Value> = c
        .notifications
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["version"].as_i64().unwrap_or(n) < n
        })
        .collect();
    assert!(
        stale.is_empty(),
        "a stale publish came after the last version: {stale:?}"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_over_stdio() {
    let (_dir, uri) = shop("stdio");
    let mut c = Client::spawn_binary(&httpvet_tests::httpvet_bin!());
    let init = c.initialize(false, Value::Null).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "httpvet");
    c.open(&uri, HANDLER, 1).await;
    assert_eq!(codes(&c.diagnostics(&uri, 1).await), ["HV007"]);
    c.shutdown().await;
}

/// Thousands of findings: a publish of about a megabyte, more than a pipe or
/// a socket holds, so the server's non-blocking writes must wait for the
/// client to read.
fn many_findings(handlers: usize) -> String {
    let mut text = String::from("package main\n\nimport \"net/http\"\n");
    for i in 0..handlers {
        text.push_str(&format!(
            "\nfunc h{i}(w http.ResponseWriter, r *http.Request) {{\n\tresp, err := http.Get(\"http://example.com\")\n\tif err == nil {{\n\t\tresp.Body.Close()\n\t}}\n}}\n"
        ));
    }
    text
}

async fn large_publishes_arrive_whole(mut c: Client, name: &str) {
    let dir = workspace(name);
    let uri = file_uri(&dir.join("many.go"));
    c.initialize(false, Value::Null).await;
    c.open(&uri, &many_findings(4000), 1).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(diags.len(), 4000);
    assert!(codes(&diags).iter().all(|c| c == "HV002"));
    // A comment above the first handler moves every finding down a line.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "text": "// moved\n"}]),
    )
    .await;
    let diags = c.diagnostics(&uri, 2).await;
    assert_eq!(diags.len(), 4000);
    assert_eq!(diags[0]["range"]["start"]["line"], 6);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_over_stdio_sends_large_publishes_whole() {
    let c = Client::spawn_binary(&httpvet_tests::httpvet_bin!());
    large_publishes_arrive_whole(c, "stdio-large").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_over_a_socket_sends_large_publishes_whole() {
    let c = Client::spawn_binary_over_socket(&httpvet_tests::httpvet_bin!());
    large_publishes_arrive_whole(c, "socket-large").await;
}

/// A file over 2 MB is analysed on open, on save and after a pause in
/// typing, not on every keystroke.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_file_is_analysed_after_a_pause_and_on_save() {
    let dir = workspace("huge");
    let uri = file_uri(&dir.join("big.go"));
    let filler = "// a line of a generated table, here to make the file large\n".repeat(50_000);
    let text = format!("package shop\n\n{filler}\nimport \"net/http\"\n\nvar hits = map[string]int{{}}\n\nfunc count(w http.ResponseWriter, r *http.Request) {{\n\thits[r.URL.Path]++\n}}\n");
    assert!(text.len() > 2 << 20);
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, &text, 1).await;
    assert_eq!(codes(&c.diagnostics(&uri, 1).await), ["HV007"]);
    // Two keystrokes in a comment: only the last version is analysed, once
    // typing has paused.
    let at = |col: u32| json!([{"range": {"start": {"line": 2, "character": col}, "end": {"line": 2, "character": col}}, "text": "x"}]);
    let typed = std::time::Instant::now();
    c.change(&uri, 2, at(2)).await;
    c.change(&uri, 3, at(3)).await;
    assert_eq!(codes(&c.diagnostics(&uri, 3).await), ["HV007"]);
    assert!(typed.elapsed() >= std::time::Duration::from_millis(500));
    assert!(
        !c.notifications.iter().any(|m| m["params"]["version"] == 2),
        "version 2 was analysed"
    );
    // Saving analyses at once.
    c.change(&uri, 4, at(4)).await;
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    assert_eq!(codes(&c.diagnostics(&uri, 4).await), ["HV007"]);
    c.shutdown().await;
}

/// What one open document's declarations tell the checks of another
/// (here HV003's sends and receives on a field's channel) follows its
/// edits: a receive added in one document clears the other's finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sibling_documents_facts_follow_its_edits() {
    let dir = workspace("facts");
    let jobs = file_uri(&dir.join("jobs.go"));
    let wait = file_uri(&dir.join("wait.go"));
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&wait, "package work\n", 1).await;
    c.diagnostics(&wait, 1).await;
    let text = "package work\n\ntype job struct{ out chan int }\n\nfunc newJob() *job { return &job{out: make(chan int)} }\n\nfunc (j *job) run() {\n\tgo func() { j.out <- 1 }()\n}\n";
    c.open(&jobs, text, 1).await;
    assert_eq!(codes(&c.diagnostics(&jobs, 1).await), ["HV003"]);
    c.change(
        &wait,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                "text": "\nfunc (j *job) wait() int { return <-j.out }\n"}]),
    )
    .await;
    let cleared = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        c.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == jobs.as_str()
                && m["params"]["diagnostics"] == json!([])
        }),
    )
    .await;
    assert!(cleared.is_ok(), "jobs.go still reports the field's channel");
    c.shutdown().await;
}

//! Code actions over the protocol: for each rule with a fix, the preferred
//! quick fix's edit, applied by the client, removes the diagnostic in the next
//! publish; `source.fixAll.httpvet` applies every preferred safe fix.

use httpvet_tests::lsp_client::{file_uri, Client};
use httpvet_tests::{go_tool, run_ok, Scratch};
use serde_json::{json, Value};

/// Applies LSP text edits (UTF-8 positions) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let off = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        starts.get(line).copied().unwrap_or(text.len()) + p["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (a, b, t) in spans {
        out.replace_range(a..b, &t);
    }
    out
}

/// The preferred quick fix the server offers for the `code` finding.
async fn preferred_fix(c: &mut Client, uri: &str, diags: &[Value], code: &str) -> Value {
    let d = diags
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("{code}: {diags:?}"))
        .clone();
    let r = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    r["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{code}: {r}"))
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("{code}: no preferred action in {r}"))
        .clone()
}

const CASES: &[(&str, &str)] = &[
    ("HV001", "package p\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tgo func() {\n\t\tw.Write([]byte(\"late\"))\n\t}()\n}\n"),
    ("HV002", "package p\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tresp, err := http.Get(\"http://example.com\")\n\tif err != nil {\n\t\treturn\n\t}\n\tresp.Body.Close()\n}\n"),
    ("HV003", "package p\n\nimport \"context\"\n\nfunc f(ctx context.Context) int {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }()\n\tselect {\n\tcase v := <-ch:\n\t\treturn v\n\tcase <-ctx.Done():\n\t\treturn 0\n\t}\n}\n"),
    ("HV004", "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc stop(srv *http.Server) {\n\tsrv.Shutdown(context.Background())\n}\n"),
    ("HV005", "package p\n\nimport (\n\t\"io\"\n\t\"log\"\n\t\"net/http\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tgo func() {\n\t\tb, _ := io.ReadAll(r.Body)\n\t\tlog.Print(len(b))\n\t}()\n}\n"),
    ("HV006", "package p\n\nimport \"net/http\"\n\nvar last *http.Request\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tlast = r\n}\n\nfunc expired() bool { return last.Context().Err() != nil }\n"),
    ("HV007", "package p\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n"),
    ("HV008", "package p\n\nimport (\n\t\"bytes\"\n\t\"net/http\"\n)\n\nvar buf bytes.Buffer\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tbuf.WriteString(r.URL.Path)\n}\n"),
    ("HV009", "package p\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tif r.URL.Path == \"\" {\n\t\thttp.Error(w, \"no\", 400)\n\t}\n\tw.WriteHeader(201)\n}\n"),
    ("HV010", "package p\n\nimport (\n\t\"net/http\"\n\t\"sync\"\n)\n\ntype store struct {\n\tmu    sync.Mutex\n\tpages map[string][]byte\n}\n\nfunc (s *store) get(w http.ResponseWriter, r *http.Request) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tpage := s.pages[r.URL.Path]\n\tw.Write(page)\n}\n"),
    ("HV011", "package p\n\nimport (\n\t\"io\"\n\t\"net\"\n\t\"net/http\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tconn, _, err := w.(http.Hijacker).Hijack()\n\tif err != nil {\n\t\treturn\n\t}\n\tgo echo(conn)\n}\n\nfunc echo(c net.Conn) { io.Copy(c, c) }\n"),
    ("HV012", "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync/atomic\"\n)\n\nvar hits int64\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tatomic.AddInt64(&hits, 1)\n\tfmt.Fprint(w, hits)\n}\n"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rules_quick_fix_removes_its_diagnostic() {
    let dir = Scratch::new("actions");
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    let mut seen = Vec::new();
    for (i, (code, text)) in CASES.iter().enumerate() {
        let sub = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        let uri = file_uri(&sub.join("p.go"));
        c.open(&uri, text, 1).await;
        let diags = c.diagnostics(&uri, 1).await;
        let preferred = preferred_fix(&mut c, &uri, &diags, code).await;
        assert_eq!(preferred["kind"], "quickfix");
        assert_eq!(preferred["diagnostics"][0]["code"], *code);
        let edits = preferred["edit"]["changes"][&uri].as_array().unwrap();
        let fixed = apply(text, edits);
        c.change(&uri, 2, json!([{"text": fixed}])).await;
        let after = c.diagnostics(&uri, 2).await;
        assert!(
            after.is_empty(),
            "{code}: reported after the fix:\n{fixed}\n{after:?}"
        );
        seen.push(*code);
        std::fs::write(sub.join("p.go"), &fixed).unwrap();
    }
    let every: Vec<&str> = httpvet::rules::RULES.iter().map(|r| r.code).collect();
    assert_eq!(seen, every, "every rule has a case");
    c.shutdown().await;
    // What the editor wrote is Go that gofmt, vet and the compiler accept.
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/actions\n\ngo 1.22\n",
    )
    .unwrap();
    let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&dir));
    assert!(gofmt.trim().is_empty(), "not gofmt-clean:\n{gofmt}");
    run_ok(go_tool("go").args(["vet", "./..."]).current_dir(&dir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_all_applies_every_preferred_safe_fix() {
    let dir = Scratch::new("fixall");
    let uri = file_uri(&dir.join("p.go"));
    let text = CASES[2].1.to_string() + "\nfunc g(ctx context.Context) int {\n\tch := make(chan int)\n\tgo func() { ch <- 2 }()\n\tselect {\n\tcase v := <-ch:\n\t\treturn v\n\tcase <-ctx.Done():\n\t\treturn 0\n\t}\n}\n";
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, &text, 1).await;
    assert_eq!(c.diagnostics(&uri, 1).await.len(), 2);
    let r = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["source.fixAll.httpvet"]}}),
        )
        .await;
    let action = &r["result"][0];
    assert_eq!(action["kind"], "source.fixAll.httpvet");
    let fixed = apply(&text, action["edit"]["changes"][&uri].as_array().unwrap());
    c.change(&uri, 2, json!([{"text": fixed}])).await;
    assert!(c.diagnostics(&uri, 2).await.is_empty(), "{fixed}");
    c.shutdown().await;
}

/// A map declared in a sibling file that is not open: the quick fix declares
/// the mutex beside it, in that file, and guards the write in this one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_may_edit_a_sibling_file() {
    let dir = Scratch::new("sibling");
    let state = "package p\n\nvar hits = map[string]int{}\n";
    std::fs::write(dir.join("state.go"), state).unwrap();
    let text = "package p\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n";
    std::fs::write(dir.join("p.go"), text).unwrap();
    let uri = file_uri(&dir.join("p.go"));
    let state_uri = file_uri(&dir.join("state.go"));
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, text, 1).await;
    let diags = c.diagnostics(&uri, 1).await;
    let action = preferred_fix(&mut c, &uri, &diags, "HV007").await;
    let changes = &action["edit"]["changes"];
    let fixed = apply(text, changes[&uri].as_array().unwrap());
    let fixed_state = apply(
        state,
        changes[&state_uri].as_array().expect("an edit of state.go"),
    );
    assert!(
        fixed_state.contains("var hitsMu sync.Mutex"),
        "{fixed_state}"
    );
    assert!(fixed.contains("hitsMu.Lock()"), "{fixed}");
    std::fs::write(dir.join("p.go"), &fixed).unwrap();
    std::fs::write(dir.join("state.go"), &fixed_state).unwrap();
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/sibling\n\ngo 1.22\n",
    )
    .unwrap();
    c.change(&uri, 2, json!([{"text": fixed}])).await;
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": state_uri, "type": 2}]}),
    )
    .await;
    let after = c.diagnostics(&uri, 2).await;
    assert!(after.is_empty(), "{after:?}");
    run_ok(go_tool("go").args(["vet", "."]).current_dir(&dir));
    let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&dir));
    assert!(gofmt.trim().is_empty(), "{gofmt}");
    c.shutdown().await;
}

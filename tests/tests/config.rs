//! `httpvet.toml`: the search, every key, overrides from the command line and
//! from the editor, and broken files with their exact messages.

use httpvet::config::{find, Config};
use httpvet_tests::httpvet_bin;
use httpvet_tests::lsp_client::{file_uri, Client};
use httpvet_tests::Scratch;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const BUGGY: &str = "package shop\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nvar hits = map[string]int{}\n\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n\nfunc stop(srv *http.Server) {\n\tsrv.Shutdown(context.Background())\n}\n";

fn tree(name: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = Scratch::new(&format!("config-{name}"));
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// (relative path, code) of every finding.
fn check(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>, String) {
    let out = Command::new(httpvet_bin!())
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .arg(".")
        .current_dir(dir)
        .output()
        .unwrap();
    let findings: Vec<(String, String)> = serde_json::from_slice::<Value>(&out.stdout)
        .map(|v| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap().to_string(),
                        f["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        out.status.code().unwrap(),
        findings,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn search_stops_at_the_module_root_and_nested_modules_have_their_own() {
    let dir = tree(
        "search",
        &[
            ("go.mod", "module outer\n"),
            ("httpvet.toml", "ignore = [\"HV004\"]\n"),
            ("a/b/shop.go", BUGGY),
            ("inner/go.mod", "module inner\n"),
            ("inner/shop.go", BUGGY),
            ("inner/sub/.httpvet.toml", "select = [\"HV004\"]\n"),
            ("inner/sub/shop.go", BUGGY),
        ],
    );
    assert_eq!(
        find(&dir.join("a/b/shop.go")),
        Some(std::fs::canonicalize(dir.join("httpvet.toml")).unwrap())
    );
    assert_eq!(
        find(&dir.join("inner/shop.go")),
        None,
        "the inner module has no configuration"
    );
    assert!(find(&dir.join("inner/sub/shop.go"))
        .unwrap()
        .ends_with("inner/sub/.httpvet.toml"));
    let (code, findings, _) = check(&dir, &[]);
    assert_eq!(code, 1);
    let mut got: Vec<(String, String)> = findings;
    got.sort();
    assert_eq!(
        got,
        vec![
            ("./a/b/shop.go".into(), "HV007".into()),
            ("./inner/shop.go".into(), "HV004".into()),
            ("./inner/shop.go".into(), "HV007".into()),
            ("./inner/sub/shop.go".into(), "HV004".into()),
        ]
    );
}

#[test]
fn a_file_outside_any_module() {
    let dir = tree("outside", &[("shop.go", BUGGY)]);
    // No go.mod, go.work or .git up to the filesystem root: no configuration.
    assert_eq!(find(&dir.join("shop.go")), None);
    let (code, findings, _) = check(&dir, &[]);
    assert_eq!((code, findings.len()), (1, 2));
}

#[test]
fn every_key() {
    let dir = tree(
        "keys",
        &[
            ("go.mod", "module keys\n"),
            (
                "httpvet.toml",
                "select = [\"unsynchronized-map-write\", \"HV004\"]\nignore = [\"HV004\"]\nexclude = [\"gen/**\"]\n\n[severity]\nHV007 = \"error\"\n",
            ),
            ("shop.go", BUGGY),
            ("gen/shop.go", BUGGY),
        ],
    );
    let out = Command::new(httpvet_bin!())
        .args(["check", "--format", "json", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 1, "{v}");
    assert_eq!(arr[0]["path"], "./shop.go");
    assert_eq!(arr[0]["code"], "HV007");
    assert_eq!(arr[0]["severity"], "error");
}

#[test]
fn command_line_overrides_the_file() {
    let dir = tree(
        "override",
        &[
            ("go.mod", "module o\n"),
            ("httpvet.toml", "select = [\"HV007\"]\n"),
            ("other.toml", "select = [\"HV004\"]\n"),
            ("shop.go", BUGGY),
        ],
    );
    let codes =
        |args: &[&str]| -> Vec<String> { check(&dir, args).1.into_iter().map(|f| f.1).collect() };
    assert_eq!(codes(&[]), ["HV007"]);
    assert_eq!(codes(&["--select", "HV004"]), ["HV004"]);
    assert_eq!(codes(&["--ignore", "HV007"]), Vec::<String>::new());
    assert_eq!(codes(&["--config", "other.toml"]), ["HV004"]);
}

fn error_of(text: &str) -> String {
    Config::parse(Path::new("httpvet.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn broken_files_have_exact_messages() {
    assert_eq!(
        error_of("select = [\"HV001\"\n"),
        "httpvet.toml:2:1: invalid TOML: invalid array\nexpected `]`"
    );
    assert_eq!(
        error_of("ignore = [\"HV001\", \"HV099\"]\n"),
        "httpvet.toml:1:20: `ignore`: unknown rule \"HV099\" (see `httpvet rules`)"
    );
    assert_eq!(
        error_of("# comment\nselect = \"HV001\"\n"),
        "httpvet.toml:2:1: `select`: expected an array of strings, found string"
    );
    assert_eq!(
        error_of("[severity]\nHV007 = \"loud\"\n"),
        "httpvet.toml:2:1: `severity.HV007`: expected \"error\", \"warning\", \"info\" or \"hint\""
    );
    assert_eq!(
        error_of("selct = []\n"),
        "httpvet.toml:1:1: unknown key `selct`; expected `select`, `ignore`, `severity`, `exclude`, `report-unused-ignores` or `require-reason`"
    );
}

#[test]
fn a_broken_file_makes_check_exit_2_and_write_nothing() {
    let dir = tree(
        "broken",
        &[
            ("go.mod", "module b\n"),
            ("httpvet.toml", "ignore = [\"HV999\"]\n"),
            ("shop.go", BUGGY),
        ],
    );
    let out = Command::new(httpvet_bin!())
        .args(["check", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("httpvet.toml:1:11: `ignore`: unknown rule \"HV999\""),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_server_uses_watches_and_overrides_the_file() {
    let dir = tree(
        "lsp",
        &[
            ("go.mod", "module l\n"),
            ("httpvet.toml", "select = [\"HV004\"]\n"),
        ],
    );
    let uri = file_uri(&dir.join("shop.go"));
    let codes = |d: Vec<Value>| -> Vec<String> {
        d.iter()
            .map(|x| x["code"].as_str().unwrap().to_string())
            .collect()
    };
    let mut c = Client::in_process();
    c.initialize(true, Value::Null).await;
    c.open(&uri, BUGGY, 1).await;
    assert_eq!(codes(c.diagnostics(&uri, 1).await), ["HV004"]);
    // The file changes: the server re-checks open files.
    std::fs::write(
        dir.join("httpvet.toml"),
        "select = [\"HV007\"]\n[severity]\nHV007 = \"error\"\n",
    )
    .unwrap();
    let cfg_uri = file_uri(&dir.join("httpvet.toml"));
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": cfg_uri, "type": 2}]}),
    )
    .await;
    let d = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(d.clone()), ["HV007"]);
    assert_eq!(d[0]["severity"], 1);
    // Editor settings override it.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"select": ["HV004"]}}),
    )
    .await;
    assert_eq!(codes(c.diagnostics(&uri, 1).await), ["HV004"]);
    c.notify("workspace/didChangeConfiguration", json!({"settings": {}}))
        .await;
    assert_eq!(codes(c.diagnostics(&uri, 1).await), ["HV007"]);
    // A broken file: shown once, the last good configuration stays.
    std::fs::write(dir.join("httpvet.toml"), "select = [\"HV999\"]\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": cfg_uri, "type": 2}]}),
    )
    .await;
    let shown = c.wait_for(|m| m["method"] == "window/showMessage").await;
    let msg = shown["params"]["message"].as_str().unwrap();
    assert!(
        msg.contains("httpvet.toml:1:11") && msg.contains("HV999"),
        "{msg}"
    );
    assert_eq!(codes(c.diagnostics(&uri, 1).await), ["HV007"]);
    c.shutdown().await;
}

//! The `httpvet` binary as users and CI run it: output formats, exit codes,
//! walking conventions, errors.

use httpvet_tests::{httpvet_bin, repo_root};
use std::path::Path;
use std::process::{Command, Output};

fn httpvet(args: &[&str], dir: &Path) -> Output {
    Command::new(httpvet_bin!())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run httpvet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("httpvet-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const BUGGY: &str = "package main\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n";

#[test]
fn example_reports_every_rule_and_exits_1() {
    let out = httpvet(&["check", "examples"], &repo_root());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for n in 1..=12 {
        let code = format!(" HV{n:03} ");
        assert!(text.contains(&code), "example lacks {code}:\n{text}");
    }
    let first = text.lines().next().unwrap();
    // path:line:col: CODE message
    let parts: Vec<&str> = first.splitn(4, ':').collect();
    assert!(parts[0].starts_with("examples/bookshop/"), "{first}");
    assert!(
        parts[1].parse::<usize>().is_ok() && parts[2].parse::<usize>().is_ok(),
        "{first}"
    );
    assert!(parts[3].starts_with(" HV"), "{first}");
    assert!(
        text.lines().last().unwrap().starts_with("httpvet: "),
        "summary line"
    );
}

#[test]
fn json_output_has_the_documented_fields() {
    let out = httpvet(&["check", "--format", "json", "examples"], &repo_root());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let arr = v.as_array().unwrap();
    assert!(!arr.is_empty());
    for f in arr {
        for key in [
            "path",
            "code",
            "name",
            "severity",
            "message",
            "line",
            "column",
            "end_line",
            "end_column",
            "related",
            "fixes",
        ] {
            assert!(f.get(key).is_some(), "missing {key} in {f}");
        }
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    }
    let hv001 = arr.iter().find(|f| f["code"] == "HV001").unwrap();
    assert_eq!(hv001["name"], "writer-escapes-handler");
    let related = hv001["related"].as_array().unwrap();
    assert!(related[0]["path"]
        .as_str()
        .unwrap()
        .starts_with("examples/"));
}

#[test]
fn clean_code_exits_0() {
    let dir = temp_dir("clean");
    std::fs::write(
        dir.join("ok.go"),
        "package ok\n\nfunc Add(a, b int) int { return a + b }\n",
    )
    .unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no findings"));
}

#[test]
fn missing_path_is_a_one_line_error_with_exit_2() {
    let out = httpvet(&["check", "no/such/dir"], &repo_root());
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty(), "nothing half-written");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no/such/dir") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn unknown_rule_and_bad_flags_exit_2() {
    assert_eq!(
        httpvet(&["check", "--select", "HV999", "."], &repo_root())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        httpvet(&["check", "--format", "xml", "."], &repo_root())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn walking_skips_vendor_testdata_dot_and_underscore_dirs_and_gitignored() {
    let dir = temp_dir("walk");
    for sub in ["vendor/x", "testdata", ".hidden", "_old", "ignored", "pkg"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("a.go"), BUGGY).unwrap();
    }
    std::fs::write(dir.join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(dir.join("pkg/notes.txt"), "not go").unwrap();
    let out = httpvet(&["check", "--format", "json", "."], &dir);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["./pkg/a.go"], "{}", stderr(&out));
    // An explicit file is always checked.
    let out = httpvet(&["check", "testdata/a.go"], &dir);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_files_are_named_and_the_run_goes_on() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    std::fs::write(dir.join("latin1.go"), b"package x\n// caf\xe9\n").unwrap();
    std::fs::write(dir.join("notgo.go"), "This is not Go at all.\n").unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("latin1.go") && err.contains("UTF-8"), "{err}");
    assert!(err.contains("notgo.go"), "{err}");
    assert!(stdout(&out).contains("HV007"));
}

#[test]
fn unparsable_go_still_reports_its_well_formed_parts() {
    let dir = temp_dir("broken");
    let text = format!("{BUGGY}\nfunc broken( {{\n\tif x := ; {{\n}}\n");
    std::fs::write(dir.join("a.go"), text).unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("HV007"));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let dir = temp_dir("deep");
    let depth = 5000;
    let mut text = String::from(
        "package deep\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n",
    );
    text.push_str(&"if true {\n".repeat(depth));
    text.push_str("w.WriteHeader(200)\nw.WriteHeader(500)\n");
    text.push_str(&"}\n".repeat(depth));
    text.push_str("}\n");
    std::fs::write(dir.join("deep.go"), text).unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
}

#[test]
fn rules_explain_and_version() {
    let out = httpvet(&["rules"], &repo_root());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().count(), 12);
    let out = httpvet(&["explain", "HV003"], &repo_root());
    assert!(stdout(&out).contains("abandoned-unbuffered-send") && stdout(&out).contains("## Fix"));
    assert_eq!(
        httpvet(&["explain", "HV000"], &repo_root()).status.code(),
        Some(2)
    );
    let out = httpvet(&["--version"], &repo_root());
    assert!(stdout(&out).starts_with("httpvet "));
}

#[test]
fn select_and_ignore_filter_rules() {
    let out = httpvet(&["check", "--select", "HV007", "examples"], &repo_root());
    let text = stdout(&out);
    assert!(text.contains("HV007") && !text.contains("HV001"));
    let out = httpvet(
        &["check", "--ignore", "unsynchronized-map-write", "examples"],
        &repo_root(),
    );
    assert!(!stdout(&out).contains("HV007"));
}

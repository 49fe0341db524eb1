//! The `httpvet` binary as users and CI run it: output formats, exit codes,
//! walking conventions, errors.

use httpvet_tests::{httpvet_bin, repo_root, Scratch};
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

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("cli-{name}"))
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
    // path:line:col: severity: CODE [*] message
    let parts: Vec<&str> = first.splitn(5, ':').collect();
    assert!(parts[0].starts_with("examples/bookshop/"), "{first}");
    assert!(
        parts[1].parse::<usize>().is_ok() && parts[2].parse::<usize>().is_ok(),
        "{first}"
    );
    assert!(
        ["error", "warning", "info", "hint"].contains(&parts[3].trim()),
        "{first}"
    );
    assert!(parts[4].starts_with(" HV"), "{first}");
    // Findings with a safe fix are marked [*], with only unsafe fixes [~].
    assert!(
        text.contains(" HV004 [~] ") && text.contains(" HV007 [*] "),
        "{text}"
    );
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
    // Files that could not be checked are errors: exit 2, after the findings.
    assert_eq!(out.status.code(), Some(2));
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
    // One warning, naming the first line in error.
    let err = stderr(&out);
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("does not parse"))
        .collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(warned[0].contains("a.go:11: warning:"), "{err}");
}

#[test]
fn a_package_no_rule_looks_at_is_counted_and_not_parsed() {
    // No file says `net/http`, `make(chan`, `Hijack()`, `Shutdown` or
    // `sync/atomic`: no rule can find anything, so nothing is parsed, and
    // the broken line that could only hide nothing is not told either.
    let dir = temp_dir("idle");
    std::fs::write(
        dir.join("a.go"),
        "package idle

func add(a, b int) int { return a + b }
",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.go"),
        "package idle

func broken( {
",
    )
    .unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("no findings (2 files checked)"), "{all}");
    assert!(!all.contains("does not parse"), "{all}");
    // One trigger word in a file of the package and every file of that
    // package is parsed; the directory's `_test` package, a package of its
    // own with no trigger word, is still not.
    std::fs::write(dir.join("d_test.go"), "package idle_test\n\nfunc x( {\n").unwrap();
    std::fs::write(
        dir.join("c.go"),
        "package idle

import _ \"sync/atomic\"
",
    )
    .unwrap();
    let out = httpvet(&["check", "."], &dir);
    let err = stderr(&out);
    assert!(!err.contains("d_test.go"), "{err}");
    assert!(
        err.contains("b.go:3: warning:") && err.contains("does not parse"),
        "{err}"
    );
}

#[test]
fn package_patterns_walk_like_the_go_tool() {
    let dir = temp_dir("patterns");
    std::fs::create_dir_all(dir.join("pkg/sub")).unwrap();
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    std::fs::write(dir.join("pkg/sub/b.go"), BUGGY).unwrap();
    for (pattern, files) in [("./...", 2), ("./pkg/...", 1), ("pkg/...", 1), ("...", 2)] {
        let out = httpvet(&["check", "--format", "json", pattern], &dir);
        assert_eq!(out.status.code(), Some(1), "{pattern}: {}", stderr(&out));
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(found.as_array().unwrap().len(), files, "{pattern}");
    }
    let out = httpvet(&["check", "./nowhere/..."], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nowhere"), "{}", stderr(&out));
}

/// A FIFO: reading it would block forever.
#[cfg(unix)]
fn fifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// Runs httpvet, failing the test if it has not finished within 20 s.
fn httpvet_within(args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(httpvet_bin!())
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run httpvet");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("httpvet {args:?} hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn files_that_cannot_be_read_exit_2_by_name() {
    let dir = temp_dir("fifo");
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    fifo(&dir.join("x.go"));
    for args in [
        &["check", "."][..],
        &["check", "x.go"],
        &["check", "--format", "json", "."],
    ] {
        let out = httpvet_within(args, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("x.go: not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    // A configuration that is a FIFO is refused, not read.
    fifo(&dir.join("cfg.toml"));
    let out = httpvet_within(&["check", "--config", "cfg.toml", "a.go"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cfg.toml"), "{}", stderr(&out));
}

#[test]
fn a_run_that_excludes_every_file_says_so() {
    let dir = temp_dir("excluded");
    std::fs::write(dir.join("go.mod"), "module x\n").unwrap();
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    std::fs::write(dir.join("httpvet.toml"), "exclude = [\"*.go\"]\n").unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("every Go file found (1) is excluded"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("0 files checked, 1 excluded"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn suppression_comments_in_every_form() {
    let dir = temp_dir("nolint");
    let src = "package main\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n\nfunc a(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++ //nolint:httpvet\n\thits[r.URL.Path]++ //nolint:HV007\n\t//lint:ignore HV007 counted once per process\n\thits[r.URL.Path]++\n\thits[r.URL.Path]++ //nolint:errcheck\n\thits[r.URL.Path]++ //nolint:HV001 // wrong rule\n}\n";
    std::fs::write(dir.join("a.go"), src).unwrap();
    let out = httpvet(&["check", "--format", "json", "."], &dir);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![12, 13], "{}", stdout(&out));
    // The HV001 ignore silences nothing, and is reported.
    let err = stderr(&out);
    assert!(
        err.contains("a.go:13:21: warning: `//nolint:HV001 // wrong rule` silences nothing"),
        "{err}"
    );
    assert_eq!(err.matches("silences nothing").count(), 1, "{err}");
    // The file-level form.
    std::fs::write(
        dir.join("a.go"),
        format!("//httpvet:file-ignore HV007 reviewed\n{src}"),
    )
    .unwrap();
    let out = httpvet(&["check", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Opting out of the report, and requiring a reason.
    std::fs::write(dir.join("a.go"), src).unwrap();
    std::fs::write(dir.join("go.mod"), "module x\n").unwrap();
    std::fs::write(
        dir.join("httpvet.toml"),
        "report-unused-ignores = false\nrequire-reason = true\n",
    )
    .unwrap();
    let err = stderr(&httpvet(&["check", "."], &dir));
    assert!(!err.contains("silences nothing"), "{err}");
    assert_eq!(err.matches("gives no reason").count(), 2, "{err}");
}

#[test]
fn diff_paths_apply_with_git_and_exit_1() {
    let dir = temp_dir("diff");
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    let out = httpvet(&["check", "--diff", "./a.go"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("--- a/a.go\n+++ b/a.go"), "{diff}");
    std::fs::write(dir.join("fix.patch"), &diff).unwrap();
    let git = Command::new("git")
        .args(["apply", "fix.patch"])
        .current_dir(&dir)
        .output()
        .expect("git");
    assert!(
        git.status.success(),
        "{}",
        String::from_utf8_lossy(&git.stderr)
    );
    let out = httpvet(&["check", "--diff", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).is_empty());
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

const ACCEPTED: &str = r#"package accepted

import (
	"fmt"
	"net/http"
	"time"
)

// enqueue answers 202 at once and reports from a goroutine: the late write
// is HV001's bug. It also flushes the writer, so its output cannot go
// through a buffer: the only fix runs the work in the handler, which
// changes the status: unsafe.
func enqueue(w http.ResponseWriter, r *http.Request) {
	go func() {
		time.Sleep(10 * time.Millisecond)
		fmt.Fprintln(w, "queued")
		w.(http.Flusher).Flush()
	}()
	w.WriteHeader(http.StatusAccepted)
}

// enqueueBytes is the same with one w.Write: the bytes can come back over
// a channel and be written after the 202, which is safe.
func enqueueBytes(w http.ResponseWriter, r *http.Request) {
	go func() {
		time.Sleep(10 * time.Millisecond)
		w.Write([]byte("queued\n"))
	}()
	w.WriteHeader(http.StatusAccepted)
}
"#;

const ACCEPTED_TEST: &str = r#"package accepted

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func answers202(t *testing.T, h http.HandlerFunc) {
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodPost, "/jobs", nil))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202", rec.Code)
	}
}

func TestEnqueue(t *testing.T)      { answers202(t, enqueue) }
func TestEnqueueBytes(t *testing.T) { answers202(t, enqueueBytes) }
"#;

/// `check --fix` applies safe fixes only. HV001's "drop the `go`" changes
/// when the handler answers (a 202 written after the `go` becomes a
/// superfluous status behind the work's 200), so that handler keeps its 202
/// until `--unsafe-fixes` is given, and the summary says why the finding is
/// left; the safe hand-off fix keeps the 202 and is applied.
#[test]
fn fix_never_applies_an_unsafe_fix_unasked() {
    use httpvet_tests::{go_tool, run_ok};
    let dir = temp_dir("accepted");
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/accepted\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.join("accepted.go"), ACCEPTED).unwrap();
    std::fs::write(dir.join("accepted_test.go"), ACCEPTED_TEST).unwrap();
    let go_test = || {
        let out = go_tool("go")
            .args(["test", "-count=1", "."])
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert!(go_test().0, "both handlers answer 202");

    let listed = stdout(&httpvet(&["check", "."], &dir));
    assert!(listed.contains(":16:3: warning: HV001 [~] "), "{listed}");
    assert!(listed.contains(":27:3: warning: HV001 [*] "), "{listed}");
    assert!(
        listed.contains("1 fixable with --fix [*]; 2 more with --unsafe-fixes [~]"),
        "{listed}"
    );

    // JSON carries each fix's class; --diff shows the safe ones only.
    let json = httpvet(&["check", "--format", "json", "."], &dir);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let classes = |i: usize| -> Vec<String> {
        v[i]["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["applicability"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(classes(0), ["unsafe"]);
    assert_eq!(classes(1), ["unsafe"]);
    assert_eq!(classes(2)[0], "safe");
    let diff = stdout(&httpvet(&["check", "--diff", "."], &dir));
    assert!(
        diff.contains("--- a/accepted.go") && !diff.contains("-\t\tfmt.Fprintln"),
        "{diff}"
    );

    let out = httpvet(&["check", "--fix", "."], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("fixed 1 finding in 1 file; 2 left: 2 with only unsafe fixes"),
        "{said}"
    );
    assert!(stderr(&out).contains("not fixed (only an unsafe fix)"));
    let fixed = std::fs::read_to_string(dir.join("accepted.go")).unwrap();
    assert!(
        fixed.contains("\t\tfmt.Fprintln(w, \"queued\")\n\t\tw.(http.Flusher).Flush()\n\t}()\n"),
        "{fixed}"
    );
    run_ok(go_tool("gofmt").arg("-l").arg(&dir))
        .is_empty()
        .then_some(())
        .expect("gofmt");
    run_ok(go_tool("go").args(["vet", "."]).current_dir(&dir));
    assert!(go_test().0, "still 202 after check --fix");

    // Asked for, the unsafe fix removes the race and changes the status.
    let out = httpvet(&["check", "--fix", "--unsafe-fixes", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    run_ok(go_tool("go").args(["vet", "."]).current_dir(&dir));
    let (ok, said) = go_test();
    assert!(
        !ok && said.contains("TestEnqueue ")
            && said.contains("want 202")
            && !said.contains("TestEnqueueBytes "),
        "the unsafe fix changes the status, which is why it is unsafe:\n{said}"
    );
}

/// `--fix --format json` prints the findings left as JSON (the summary goes
/// to stderr).
#[test]
fn fix_with_json_prints_json() {
    let dir = temp_dir("fixjson");
    std::fs::write(dir.join("main.go"), BUGGY).unwrap();
    let out = httpvet(&["check", "--fix", "--format", "json", "."], &dir);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert!(v.as_array().is_some(), "{v}");
    assert!(stderr(&out).contains("httpvet: fixed "), "{}", stderr(&out));
}

#[test]
fn a_baseline_hides_todays_findings_and_keeps_matching_after_edits() {
    let dir = temp_dir("baseline");
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(dir.join("a.go"), BUGGY).unwrap();
    let out = httpvet(
        &["check", "--write-baseline", "ci/httpvet-baseline.json", "."],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("1 finding recorded"),
        "{}",
        stderr(&out)
    );

    let check = |from: &Path, baseline: &str| {
        let out = httpvet(
            &["check", "--format", "json", "--baseline", baseline, "."],
            from,
        );
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), found.as_array().unwrap().len())
    };
    assert_eq!(check(&dir, "ci/httpvet-baseline.json"), (Some(0), 0));
    // Edits elsewhere move the finding down; it stays known, from any
    // working directory.
    let edited = BUGGY.replace(
        "var hits",
        "// The hit counter.\n\nconst greeting = \"hi\"\n\nvar hits",
    );
    std::fs::write(dir.join("a.go"), &edited).unwrap();
    assert_eq!(check(&dir, "ci/httpvet-baseline.json"), (Some(0), 0));
    let out = httpvet(
        &["check", "--baseline", "httpvet-baseline.json", ".."],
        &dir.join("ci"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 in the baseline not shown"),
        "{}",
        stdout(&out)
    );
    // A new finding, even a copy of a known line, is reported.
    let twice = edited.replace(
        "\thits[r.URL.Path]++\n",
        "\thits[r.URL.Path]++\n\thits[r.URL.Path]++\n",
    );
    std::fs::write(dir.join("a.go"), &twice).unwrap();
    assert_eq!(check(&dir, "ci/httpvet-baseline.json"), (Some(1), 1));
    // A broken baseline is an error.
    std::fs::write(dir.join("bad.json"), "{}").unwrap();
    let out = httpvet(&["check", "--baseline", "bad.json", "."], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.json"), "{}", stderr(&out));
}

/// `check dir/a.go` checks `a.go` against its whole package, as the editor
/// does: the map it writes is declared in a sibling, whose own findings are
/// not reported.
#[test]
fn a_file_named_alone_is_checked_against_its_package() {
    let dir = temp_dir("single");
    std::fs::write(
        dir.join("state.go"),
        "package main\n\nvar hits = map[string]int{}\n",
    )
    .unwrap();
    let handler = |name: &str| {
        format!("package main\n\nimport \"net/http\"\n\nfunc {name}(w http.ResponseWriter, r *http.Request) {{\n\thits[r.URL.Path]++\n}}\n")
    };
    std::fs::write(dir.join("a.go"), handler("a")).unwrap();
    std::fs::write(dir.join("b.go"), handler("b")).unwrap();
    let parent = dir.parent().unwrap();
    let name = dir.file_name().unwrap().to_str().unwrap();
    for (args, at) in [
        (vec!["check".to_string(), "a.go".to_string()], &*dir),
        (vec!["check".to_string(), format!("{name}/a.go")], parent),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = httpvet(&args, at);
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {text}{}",
            stderr(&out)
        );
        assert!(text.contains("a.go:6:2: warning: HV007"), "{text}");
        assert!(!text.contains("b.go"), "{text}");
        assert!(text.contains("(1 file checked)"), "{text}");
    }
}

//! Each rule against its Go fixtures: every `// want` found, nothing else.

use httpvet_tests::{check_fixture, Scratch};

#[test]
fn hv001_writer_escapes_handler() {
    check_fixture("hv001");
}

#[test]
fn hv002_request_without_context() {
    check_fixture("hv002");
}

#[test]
fn hv003_abandoned_unbuffered_send() {
    check_fixture("hv003");
    // A `main` package: a sender blocked when `main` returns ends with the
    // process.
    check_fixture("mainpkg/waiter");
}

#[test]
fn hv004_shutdown_without_deadline() {
    check_fixture("hv004");
}

#[test]
fn hv005_body_read_after_return() {
    check_fixture("hv005");
}

#[test]
fn hv006_request_retained() {
    check_fixture("hv006");
}

#[test]
fn hv007_unsynchronized_map_write() {
    check_fixture("hv007");
}

#[test]
fn hv008_shared_unsafe_writer() {
    check_fixture("hv008");
}

#[test]
fn hv009_superfluous_write_header() {
    check_fixture("hv009");
}

/// When no fix is offered, HV009's message says what to do instead, and the
/// advice fits the shape: a `return` only where one makes the path safe.
#[test]
fn hv009_says_what_to_do_when_no_fix_fits() {
    let cases = [
        (
            "failed_write.go",
            "w.WriteHeader(http.StatusTooManyRequests)",
            "write the status before the body",
        ),
        (
            "failed_write.go",
            r#"http.Error(w, "write failed""#,
            "log the error instead",
        ),
        (
            "failed_write.go",
            "w.WriteHeader(http.StatusServiceUnavailable)",
            "log the error instead",
        ),
        (
            "failed_write.go",
            "w.WriteHeader(http.StatusOK) // want",
            "write the status before the body",
        ),
        (
            "failed_write.go",
            "http.Error(w, err.Error(), http.StatusBadGateway)",
            "log the error instead",
        ),
        (
            "flush.go",
            "http.Error(w, err.Error(), http.StatusInternalServerError)",
            "flushed and is streaming",
        ),
        ("missing_return.go", "// want HV009", ""),
        (
            "helpers.go",
            "w.WriteHeader(http.StatusInternalServerError) // want",
            "`parseLimit` already answered the client on this path",
        ),
        (
            "helpers.go",
            r#"http.Error(w, "denied", http.StatusForbidden)"#,
            "`authorized` already answered the client on this path",
        ),
    ];
    for (name, needle, advice) in cases {
        let file = httpvet_tests::fixtures().join("hv009").join(name);
        let v = json_findings(&file, "HV009");
        let src = std::fs::read_to_string(&file).unwrap();
        let line = 1 + src
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} is not in {name}"));
        let d = v
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["line"].as_u64() == Some(line as u64))
            .unwrap_or_else(|| panic!("no HV009 at {name}:{line}"));
        let message = d["message"].as_str().unwrap();
        if advice.is_empty() {
            // A fix is offered: the message advises nothing by hand.
            assert!(!d["fixes"].as_array().unwrap().is_empty(), "{name}:{line}");
            assert!(!message.contains("no safe fix"), "{name}:{line}: {message}");
        } else {
            assert!(message.contains(advice), "{name}:{line}: {message}");
            assert!(
                !message.contains("missing return"),
                "{name}:{line}: {message}"
            );
        }
    }
}

/// A test-support package (`…test`, or any package under `testutils/` or
/// a `…test` directory) is test code, which HV009 and HV010 leave alone; a
/// package or directory whose name only ends like one is not.
#[test]
fn rules_leave_test_support_packages_alone() {
    check_fixture("testsupport/fakeapitest");
    check_fixture("testsupport/testutils/fakepins");
    check_fixture("testsupport/e2etest/fakeacme");
    check_fixture("testsupport/latest");
    check_fixture("testsupport/latest/feeds");
    // A module of its own whose directory is named like one is a project.
    let module = Scratch::new("speedtest-module");
    let dir = module.join("speedtest");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/speedtest\n\ngo 1.22\n",
    )
    .unwrap();
    let feeds = httpvet_tests::fixtures().join("testsupport/latest/feeds/feeds.go");
    std::fs::copy(feeds, dir.join("feeds.go")).unwrap();
    check_fixture(dir.to_str().unwrap());
}

/// In test code, HV007 reports a map only as far as the package's tests
/// drive it at once: a package's map when its tests run in parallel, any
/// map when they fire requests from goroutines in a loop (the `hv007`
/// fixtures' race tests do). One request at a time, nothing.
#[test]
fn hv007_in_tests_follows_what_the_tests_drive_at_once() {
    check_fixture("testsupport/sequential");
    check_fixture("testsupport/parallel");
}

/// Leaks in the tests of a package whose tests do not check for leaked
/// goroutines (no goleak) end with the test binary: HV003 and HV011 leave
/// them alone there, and still report the package's own code. The `hv003`
/// and `hv011` fixtures' tests use goleak, and their leaks are reported.
#[test]
fn leaks_in_unchecked_tests_are_left_alone() {
    check_fixture("testsupport/unchecked");
}

#[test]
fn hv010_write_under_lock() {
    check_fixture("hv010");
}

#[test]
fn hv011_hijacked_conn_leak() {
    check_fixture("hv011");
}

#[test]
fn hv012_mixed_atomic_access() {
    check_fixture("hv012");
    // A `main` package: what `main` sets before it starts any goroutine.
    check_fixture("mainpkg/tally");
}

/// The suppression fixture: `//httpvet:ignore` silences what it names.
#[test]
fn suppression_comments() {
    check_fixture("suppress");
}

/// GoKer (GoBench's reduced real blocking bugs, shipped in the Go tree):
/// HV003 finds every abandoned unbuffered send there, local or held in a
/// struct field, and nothing else. Each entry names the file, the line of
/// the `make`, and why it is an abandoned send.
#[test]
fn goker_abandoned_unbuffered_sends() {
    const WANT: &[(&str, u64)] = &[
        // Events: sent in a worker's default case, drained by a helper
        // that returns on stop.
        ("cockroach1462.go", 116),
        // status: received only in run's select, which returns on stop.
        ("etcd6857.go", 61),
        // done: the caller's select also waits on a timer.
        ("grpc660.go", 31),
        // statusCh: Run returns on ctx.Done without receiving.
        ("istio17860.go", 114),
        // result: nothing in the package receives from it.
        ("kubernetes1321.go", 51),
        // resultChan: never received; errChan: run's select has ctx.Done.
        ("kubernetes25331.go", 53),
        ("kubernetes25331.go", 54),
        // result: sized by newCacheWatcher's chanSize, which the test passes
        // as 0; nothing in the package receives from it.
        ("kubernetes38669.go", 62),
        // ch and errCh: the receiver's select gives up on a timeout.
        ("kubernetes5316.go", 29),
        ("kubernetes5316.go", 30),
        // resetChan: monitor only closes it, through a local copy
        // (`var resetChan = i.resetChan`); nothing receives from it.
        ("kubernetes6632.go", 61),
        // doneChan: a select with time.After (the recorded leak is the lock
        // before the send; the send itself is abandoned on timeout).
        ("moby17176.go", 46),
        // progressChan: its one receiver ranges over it and returns at
        // random; the watchers send on it through ChanOutput's send-only
        // parameter.
        ("moby21233.go", 108),
        // results: the receiver returns on the first error.
        ("moby33781.go", 34),
        // inbox: dispatcherLoop returns on closed; a send after Close
        // blocks forever.
        ("syncthing5795.go", 93),
    ];
    let out = httpvet_tests::go_tool("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env GOROOT");
    let goroot = String::from_utf8(out.stdout).unwrap();
    let dir = std::path::Path::new(goroot.trim())
        .join("src/runtime/testdata/testgoroutineleakprofile/goker");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let run = std::process::Command::new(httpvet_tests::httpvet_bin!())
        .args(["check", "--format", "json", "--select", "HV003"])
        .arg(&dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stderr)));
    let mut found: Vec<(String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (name, f["line"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    let mut want: Vec<(String, u64)> = WANT.iter().map(|(f, l)| (f.to_string(), *l)).collect();
    want.sort();
    assert_eq!(found, want);
}

/// A function of an imported package that happens to be called
/// `ListenAndServe` (and reports its own failure) is not net/http's.
#[test]
fn hv004_leaves_other_packages_functions_alone() {
    check_fixture("imported");
}

/// A channel the function closes itself: the late send panics, and a
/// channel with room would panic too, so HV003 says so and offers no fix.
#[test]
fn hv003_says_a_send_after_close_panics() {
    let file = httpvet_tests::fixtures()
        .join("hv003")
        .join("closed_here.go");
    let v = json_findings(&file, "HV003");
    let found = v.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("that send panics instead"), "{message}");
    assert!(
        message.contains("leave closing `healthy` to its sender"),
        "{message}"
    );
    assert!(
        found[0]["fixes"].as_array().unwrap().is_empty(),
        "{message}"
    );
}

/// `httpvet check --format json --select RULE FILE`, parsed.
fn json_findings(file: &std::path::Path, rule: &str) -> serde_json::Value {
    let run = std::process::Command::new(httpvet_tests::httpvet_bin!())
        .args(["check", "--format", "json", "--select", rule])
        .arg(file)
        .output()
        .unwrap();
    serde_json::from_slice(&run.stdout).unwrap()
}

//! Runtime proofs: the fixture packages ship `_test.go` files that drive
//! their handlers through `net/http/httptest`. Under `go test -race`, built
//! with `GOEXPERIMENT=goroutineleakprofile` (Go 1.26; the default from
//! 1.27), each named test fails on the fixture (a data race; for HV003
//! goroutines the leak profile reports; for HV011 a hijacked connection the
//! client never sees closed) and the package passes once its files are
//! replaced by their golden (fixed) versions.

use httpvet_tests::{copy_go_mod, fixtures, go_files, go_test_race, Scratch};
use std::path::Path;

/// (package, test, what the failure must say)
const PROOFS: &[(&str, &str, &str)] = &[
    ("hv001", "TestLiteralWriteAfterReturn", "DATA RACE"),
    ("hv001", "TestReporterWriteAfterReturn", "DATA RACE"),
    ("hv003", "TestHandlerLeaksNoGoroutine", "goroutines leaked"),
    (
        "hv003",
        "TestContextSelectLeaksNoGoroutine",
        "goroutines leaked",
    ),
    ("hv005", "TestReadAllAfterReturn", "DATA RACE"),
    ("hv005", "TestDecodeAfterReturn", "DATA RACE"),
    ("hv007", "TestReserveAndLevelConcurrently", "DATA RACE"),
    ("hv007", "TestRegistryConcurrently", "DATA RACE"),
    ("hv007", "TestHeaderReadsConcurrently", "DATA RACE"),
    ("hv008", "TestAuditBufferConcurrently", "DATA RACE"),
    ("hv008", "TestTrailWriterConcurrently", "DATA RACE"),
    ("hv011", "TestSeedClosesConn", "connection never closed"),
    (
        "hv011",
        "TestControllerClosesConn",
        "connection never closed",
    ),
    ("hv011", "TestTunnelClosesConn", "connection never closed"),
    ("hv012", "TestSeedCounterConcurrently", "DATA RACE"),
    ("hv012", "TestFieldReadWhileIncremented", "DATA RACE"),
];

/// Copies a fixture package into `to`, each file replaced by its golden when
/// `fixed` and it has one.
fn copy_package(pkg: &str, to: &Path, fixed: bool) {
    let dir = fixtures().join(pkg);
    std::fs::create_dir_all(to).unwrap();
    for file in go_files(&dir) {
        let golden = file.with_extension("go.golden");
        let from = if fixed && golden.exists() {
            golden
        } else {
            file.clone()
        };
        std::fs::copy(&from, to.join(file.file_name().unwrap())).unwrap();
    }
}

#[test]
fn race_detector_fails_before_and_passes_after_the_fix() {
    let work = Scratch::new("race");
    let (before, after) = (work.join("before"), work.join("after"));
    let mut packages: Vec<&str> = PROOFS.iter().map(|p| p.0).collect();
    packages.dedup();
    for (root, fixed) in [(&before, false), (&after, true)] {
        std::fs::create_dir_all(root).unwrap();
        copy_go_mod(root);
        for pkg in &packages {
            copy_package(pkg, &root.join(pkg), fixed);
        }
    }
    let mut problems = Vec::new();
    for (pkg, test, says) in PROOFS {
        let (ok, out) = go_test_race(
            &before,
            &["-run", &format!("^{test}$"), &format!("./{pkg}")],
        );
        // The test fails, or the runtime kills it first ("concurrent map
        // writes" is fatal before the test can report): either proves it.
        let failed = out.contains(&format!("--- FAIL: {test}"))
            || out.contains("fatal error: concurrent map");
        if ok || !out.contains(says) || !failed {
            problems.push(format!(
                "{pkg}/{test} should fail on the fixture with {says:?}:\n{out}"
            ));
        }
    }
    let dirs: Vec<String> = packages.iter().map(|p| format!("./{p}")).collect();
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    let (ok, out) = go_test_race(&after, &dirs);
    if !ok {
        problems.push(format!(
            "the fixed packages should pass go test -race:\n{out}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

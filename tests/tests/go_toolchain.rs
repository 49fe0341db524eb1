//! The fixtures and the example are real Go: gofmt-clean, and `go vet`
//! type-checks them. Needs the Go toolchain; fails loudly without it.

use httpvet_tests::{fixtures, go_tool, repo_root, run_ok};

#[test]
fn fixtures_pass_go_vet() {
    run_ok(go_tool("go").args(["vet", "./..."]).current_dir(fixtures()));
}

#[test]
fn example_passes_go_vet_and_builds() {
    let dir = repo_root().join("examples/bookshop");
    run_ok(go_tool("go").args(["vet", "./..."]).current_dir(&dir));
    run_ok(
        go_tool("go")
            .args(["build", "-o", "/dev/null", "."])
            .current_dir(&dir),
    );
}

#[test]
fn fixtures_and_example_are_gofmt_clean() {
    for dir in [fixtures(), repo_root().join("examples")] {
        let out = run_ok(go_tool("gofmt").arg("-l").arg(&dir));
        assert!(out.trim().is_empty(), "not gofmt-clean:\n{out}");
    }
}

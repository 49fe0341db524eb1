//! `httpvet check --fix` (the binary) on Go servers written apart from the
//! rule fixtures (`tests/corpus/`) and on the bundled example: every file
//! stays gofmt-clean and vet-clean and the module builds, and at least 90% of
//! the findings are cleared. Prints what it measured.

use httpvet_tests::{go_test_race, go_tool, httpvet_bin, repo_root, run_ok, Scratch};
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn findings(dir: &Path) -> usize {
    let out = Command::new(httpvet_bin!())
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().len()
}

/// The tests of a corpus module's `runtime_test.go`.
fn runtime_tests(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("runtime_test.go")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("func Test"))
        .map(|rest| format!("Test{}", &rest[..rest.find('(').unwrap()]))
        .collect()
}

#[test]
fn check_fix_clears_most_findings_and_keeps_code_building() {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("go.mod").exists())
        .collect();
    modules.sort();
    modules.push(repo_root().join("examples/bookshop"));
    let work = Scratch::new("corpus");
    let (mut total_before, mut total_after) = (0, 0);
    for m in &modules {
        let name = m.file_name().unwrap().to_string_lossy().into_owned();
        let dir = work.join(&name);
        copy_tree(m, &dir);
        let before = findings(&dir);
        assert!(before > 0, "{name}: nothing to fix proves nothing");
        // The runtime proofs: each fails on the code as written.
        let proofs = runtime_tests(&dir);
        for test in &proofs {
            let (ok, out) = go_test_race(&dir, &["-run", &format!("^{test}$"), "."]);
            assert!(!ok, "{name}/{test} should fail before --fix:\n{out}");
        }
        let out = Command::new(httpvet_bin!())
            .args(["check", "--fix"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{name}: check --fix failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after = findings(&dir);
        let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&dir));
        assert!(gofmt.trim().is_empty(), "{name}: not gofmt-clean:\n{gofmt}");
        run_ok(go_tool("go").args(["vet", "./..."]).current_dir(&dir));
        run_ok(go_tool("go").args(["build", "./..."]).current_dir(&dir));
        if !proofs.is_empty() {
            let (ok, out) = go_test_race(&dir, &["./..."]);
            assert!(
                ok,
                "{name}: the runtime proofs should pass after --fix:\n{out}"
            );
        }
        println!(
            "{name}: {before} findings, {after} left after check --fix; {} runtime proofs fail before and pass after",
            proofs.len()
        );
        total_before += before;
        total_after += after;
    }
    let cleared = 100.0 * (total_before - total_after) as f64 / total_before as f64;
    println!("corpus: {total_before} findings, {total_after} left: {cleared:.1}% cleared");
    assert!(cleared >= 90.0, "only {cleared:.1}% cleared");
}

/// `check --fix` on every package of the Go tree (`$(go env GOROOT)/src`)
/// that has findings, on a copy: the fixed files must be gofmt-clean and
/// `go vet` (through an overlay, so the real tree is untouched) must accept
/// the packages, tests included. Prints how many findings were fixed.
#[test]
fn check_fix_on_the_go_tree_keeps_it_vet_clean() {
    let goroot = run_ok(go_tool("go").args(["env", "GOROOT"]));
    let src = PathBuf::from(goroot.trim()).join("src");
    let out = Command::new(httpvet_bin!())
        .args(["check", "--format", "json"])
        .arg(&src)
        .output()
        .unwrap();
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut dirs: Vec<PathBuf> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            Path::new(f["path"].as_str().unwrap())
                .parent()
                .unwrap()
                .to_path_buf()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    assert!(!dirs.is_empty(), "the Go tree has findings; none were read");
    let work = Scratch::new("goroot");
    for d in &dirs {
        let rel = d.strip_prefix(&src).unwrap();
        std::fs::create_dir_all(work.join(rel)).unwrap();
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "go") {
                std::fs::copy(&p, work.join(rel).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let before = findings(&work);
    let fixed = Command::new(httpvet_bin!())
        .args(["check", "--fix"])
        .arg(&work)
        .output()
        .unwrap();
    assert!(fixed.status.code().is_some_and(|c| c <= 1));
    let after = findings(&work);
    let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&work));
    assert!(gofmt.trim().is_empty(), "not gofmt-clean:\n{gofmt}");
    // Overlay the changed files onto the real tree and vet those packages.
    let mut replace = serde_json::Map::new();
    for d in &dirs {
        let rel = d.strip_prefix(&src).unwrap();
        for e in std::fs::read_dir(work.join(rel)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "go") {
                continue;
            }
            let orig = d.join(p.file_name().unwrap());
            if std::fs::read(&p).unwrap() != std::fs::read(&orig).unwrap() {
                replace.insert(
                    orig.to_string_lossy().into_owned(),
                    serde_json::Value::String(p.to_string_lossy().into_owned()),
                );
            }
        }
    }
    let changed = replace.len();
    let overlay = work.join("overlay.json");
    std::fs::write(
        &overlay,
        serde_json::json!({ "Replace": replace }).to_string(),
    )
    .unwrap();
    let packages: Vec<String> = dirs
        .iter()
        .map(|d| d.strip_prefix(&src).unwrap().to_string_lossy().into_owned())
        .collect();
    run_ok(
        go_tool("go")
            .arg("vet")
            .arg(format!("-overlay={}", overlay.display()))
            .args(&packages)
            // The standard library is its own module: no -mod flag there.
            .env("GOFLAGS", "")
            .current_dir(&src),
    );
    println!(
        "Go tree: {before} findings in {} packages; check --fix changed {changed} files, {after} left; gofmt and go vet clean",
        packages.len()
    );
    assert!(after < before);
}

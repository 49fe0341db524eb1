//! `httpvet check --fix` (the binary) on Go servers written apart from the
//! rule fixtures (`tests/corpus/`) and on the bundled example: every file
//! stays gofmt-clean and vet-clean and the module builds, and at least 90% of
//! the findings are cleared. Prints what it measured.

use httpvet_tests::{go_tool, httpvet_bin, repo_root, run_ok};
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

#[test]
fn check_fix_clears_most_findings_and_keeps_code_building() {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("go.mod").exists())
        .collect();
    modules.sort();
    modules.push(repo_root().join("examples/bookshop"));
    let work = std::env::temp_dir().join(format!("httpvet-corpus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let (mut total_before, mut total_after) = (0, 0);
    for m in &modules {
        let name = m.file_name().unwrap().to_string_lossy().into_owned();
        let dir = work.join(&name);
        copy_tree(m, &dir);
        let before = findings(&dir);
        assert!(before > 0, "{name}: nothing to fix proves nothing");
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
        println!("{name}: {before} findings, {after} left after check --fix");
        total_before += before;
        total_after += after;
    }
    let cleared = 100.0 * (total_before - total_after) as f64 / total_before as f64;
    println!("corpus: {total_before} findings, {total_after} left: {cleared:.1}% cleared");
    assert!(cleared >= 90.0, "only {cleared:.1}% cleared");
    let _ = std::fs::remove_dir_all(&work);
}

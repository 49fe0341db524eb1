//! Snapshots of every output format on the example server, and the SARIF
//! checked by Microsoft's validator (`@microsoft/sarif-multitool`, pinned in
//! `tests/sarif/package.json`; installed from npm on first use).

use httpvet_tests::{httpvet_bin, repo_root, run_ok};
use std::process::Command;

fn output(format: &str) -> String {
    let out = Command::new(httpvet_bin!())
        .args(["check", "--format", format, "examples"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Compares with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, got: &str) {
    let path = repo_root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "{name} changed; if intended, run UPDATE_SNAPSHOTS=1 cargo test -p httpvet-tests --test formats\n--- got ---\n{got}"
    );
}

#[test]
fn text_snapshot() {
    snapshot("example.txt", &output("text"));
}

#[test]
fn json_snapshot() {
    snapshot("example.json", &output("json"));
}

#[test]
fn github_snapshot() {
    let got = output("github");
    for line in got.lines() {
        assert!(
            line.starts_with("::warning file=examples/") || line.starts_with("::error file="),
            "{line}"
        );
    }
    snapshot("example.github", &got);
}

#[test]
fn sarif_snapshot_and_validator() {
    let got = output("sarif");
    let v: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    snapshot("example.sarif", &got);

    let dir = repo_root().join("tests/sarif");
    // The platform binary itself: the npm wrapper re-splits arguments through a shell.
    let tool = dir.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if !tool.exists() {
        let npm = Command::new("npm").arg("--version").output();
        assert!(
            npm.is_ok(),
            "npm is required to install the SARIF validator"
        );
        run_ok(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
        );
    }
    let dir = httpvet_tests::Scratch::new("sarif");
    let file = dir.join("httpvet.sarif");
    std::fs::write(&file, &got).unwrap();
    let out = run_ok(Command::new(&tool).arg("validate").arg(&file));
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        // Without a repository set (a build from a clone) there is no
        // address to give: the validator's advice to name one is declined
        // rather than answered with a link that may not exist.
        .filter(|l| httpvet::links::repository().is_some() || !l.contains("SARIF2005"))
        .collect();
    assert!(
        errors.is_empty(),
        "the SARIF validator found problems:\n{}",
        errors.join("\n")
    );
    assert!(out.contains("Analysis completed successfully"), "{out}");
}

//! The GitHub workflows: `.github/workflows/*.yml` and the job the README
//! gives teams, checked by `actionlint` (a Go module, built on first run
//! into `target/tools/`), and the README job's two httpvet steps run on the
//! bundled example: the SARIF step succeeds with findings so that the
//! upload runs, and the annotation step fails the job.

use httpvet_tests::{go_tool, httpvet_bin, output, repo_root, run_ok, Scratch};
use std::path::PathBuf;
use std::process::Command;

const ACTIONLINT: &str = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.7";

fn actionlint() -> PathBuf {
    let bin = repo_root().join("target/tools");
    let exe = bin.join("actionlint");
    if !exe.exists() {
        run_ok(
            go_tool("go")
                .args(["install", ACTIONLINT])
                .env("GOBIN", &bin),
        );
    }
    exe
}

/// The README's CI job, as written there.
fn readme_job() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\n# .github/workflows/httpvet.yml")
        .expect("the README gives a CI job");
    let body = &readme[start + "```yaml\n".len()..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn every_workflow_passes_actionlint() {
    let dir = Scratch::new("workflows");
    let flows = dir.join(".github/workflows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("httpvet.yml"), readme_job()).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("release.yml")),
        "{files:?}"
    );
    files.push(flows.join("httpvet.yml"));
    let (ok, text) = output(Command::new(actionlint()).args(&files).current_dir(&dir));
    assert!(ok, "actionlint:\n{text}");
}

#[test]
fn the_readme_job_uploads_sarif_and_fails_on_findings() {
    let job = readme_job();
    let step = |needle: &str| -> String {
        let line = job
            .lines()
            .find(|l| l.contains("- run:") && l.contains(needle))
            .unwrap_or_else(|| panic!("no step with {needle}"));
        line.split_once("- run:").unwrap().1.trim().to_string()
    };
    let dir = Scratch::new("job");
    std::fs::create_dir_all(dir.join("target/release")).unwrap();
    std::fs::copy(httpvet_bin!(), dir.join("target/release/httpvet")).unwrap();
    let example = repo_root().join("examples/bookshop");
    for e in std::fs::read_dir(&example).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    // As GitHub runs a `run:` step: bash -e.
    let run = |script: &str| {
        Command::new("bash")
            .args(["-e", "-c", script])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let sarif = run(&step("--format sarif"));
    assert!(
        sarif.status.success(),
        "{}",
        String::from_utf8_lossy(&sarif.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("httpvet.sarif")).unwrap()).unwrap();
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
    let github = run(&step("--format github"));
    assert_eq!(github.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&github.stdout).starts_with("::warning file="));
    // An error (a file that cannot be checked) stops the SARIF step.
    std::fs::write(dir.join("broken.go"), b"package x\n// caf\xe9\n").unwrap();
    assert!(!run(&step("--format sarif")).status.success());
}

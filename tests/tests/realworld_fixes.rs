//! `httpvet check --fix` on the real-world corpus (`tests/realworld/`), in a
//! scratch copy of each module, with its dependencies from the Go module
//! proxy. Safe fixes, and separately `--unsafe-fixes`. For every package a
//! fix touched: `gofmt -l` is empty on the changed files, `go build` and
//! `go vet` pass (a package that `go vet` already rejected before the fix is
//! counted apart), and a re-check shows no finding that was not there
//! before, with every finding that had a fix gone. Prints, per mode:
//! modules, fixes applied, packages changed, packages that build and vet.
//!
//! Ignored by `cargo test` (it builds real servers); `.ci/run` runs it on
//! the modules of [`QUICK`], which build in a few minutes here.
//! `HTTPVET_FIX_MODULES=all` (or a comma-separated list of module paths)
//! picks others; `HTTPVET_BIN` names the binary, as for the snapshot test.

use httpvet_tests::realworld::{download, manifest};
use httpvet_tests::{go_tool, httpvet_bin, output, Scratch};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Modules with fixable findings whose packages build in a few minutes.
const QUICK: &[&str] = &[
    "golang.org/x/net",
    "github.com/google/martian/v3",
    "github.com/coder/websocket",
    "github.com/go-kit/kit",
    "github.com/go-kratos/kratos/v2",
    "github.com/cloudflare/cfssl",
    "github.com/nats-io/nats-server/v2",
    // Ships files gofmt would change: a fix there must add no difference.
    "github.com/aws/aws-lambda-runtime-interface-emulator",
];

fn binary() -> PathBuf {
    std::env::var_os("HTTPVET_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| httpvet_bin!())
}

/// A finding as the re-check compares them: file (relative), code and
/// message; line numbers move when a fix adds lines.
type Key = (String, String, String);

struct Found {
    key: Key,
    /// Has a fix `--fix` applies in this mode.
    fixable: bool,
    /// Directories (relative) the fix edits.
    touches: Vec<String>,
}

fn check(dir: &Path, unsafe_ok: bool) -> Vec<Found> {
    let out = Command::new(binary())
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "httpvet check failed"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rel = |p: &str| {
        p.strip_prefix(dir.to_str().unwrap())
            .unwrap_or(p)
            .trim_start_matches('/')
            .to_string()
    };
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let fixes = f["fixes"].as_array().unwrap();
            let allowed = fixes
                .iter()
                .filter(|x| unsafe_ok || x["applicability"] == "safe")
                .find(|x| x["preferred"] == true)
                .or_else(|| {
                    fixes
                        .iter()
                        .find(|x| unsafe_ok || x["applicability"] == "safe")
                });
            let touches = allowed
                .map(|x| {
                    x["edits"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| parent(&rel(e["path"].as_str().unwrap())))
                        .collect()
                })
                .unwrap_or_default();
            Found {
                key: (
                    rel(f["path"].as_str().unwrap()),
                    f["code"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                ),
                fixable: allowed.is_some(),
                touches,
            }
        })
        .collect()
}

fn parent(rel: &str) -> String {
    Path::new(rel)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `go <verb> ./pkg` in the module: success and the output's tail.
fn go(module: &Path, verb: &str, pkg: &str) -> (bool, String) {
    let target = if pkg.is_empty() {
        ".".to_string()
    } else {
        format!("./{pkg}")
    };
    let (ok, text) = output(go_tool("go").args([verb, &target]).current_dir(module));
    let lines: Vec<&str> = text.lines().collect();
    (ok, lines[lines.len().saturating_sub(12)..].join("\n"))
}

/// Go files below `dir` whose bytes differ from the same path below `orig`.
fn changed_files(orig: &Path, dir: &Path, rel: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    for e in entries.flatten() {
        let r = rel.join(e.file_name());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            changed_files(orig, dir, &r, out);
        } else if r.extension().is_some_and(|x| x == "go")
            && std::fs::read(dir.join(&r)).ok() != std::fs::read(orig.join(&r)).ok()
        {
            out.push(r.to_string_lossy().into_owned());
        }
    }
}

#[derive(Default)]
struct Tally {
    modules: usize,
    fixes: usize,
    packages: usize,
    build_and_vet: usize,
    vet_failed_before: usize,
    unbuildable: usize,
    problems: Vec<String>,
}

/// The lines `gofmt -d` would take out or put in, without their places.
fn gofmt_changes(file: &Path) -> BTreeSet<String> {
    let out = go_tool("gofmt").arg("-d").arg(file).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("+++") && !l.starts_with("---"))
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .map(str::to_string)
        .collect()
}

fn fix_module(name: &str, orig: &Path, work: &Path, unsafe_ok: bool, t: &mut Tally) {
    let before = check(orig, unsafe_ok);
    let fixable: Vec<&Found> = before.iter().filter(|f| f.fixable).collect();
    if fixable.is_empty() {
        return;
    }
    let dir = work.join(name.replace('/', "_"));
    let _ = std::fs::remove_dir_all(&dir);
    let copied = Command::new("cp")
        .arg("-r")
        .arg(orig)
        .arg(&dir)
        .status()
        .unwrap();
    assert!(copied.success());
    Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&dir)
        .status()
        .unwrap();
    // `go vet` before the fix, for the packages the fixes will touch.
    let packages: BTreeSet<String> = fixable
        .iter()
        .flat_map(|f| f.touches.iter().cloned())
        .collect();
    // `go build` and `go vet` before the fix, for the packages the fixes
    // will touch: a package that does not build here as published (a
    // `replace` to a directory the module zip leaves out, C headers that are
    // not installed, build tags) proves nothing either way.
    let mut before_fix = BTreeMap::new();
    for p in &packages {
        let (built, out) = go(&dir, "build", p);
        let vetted = built && go(&dir, "vet", p).0;
        if !built {
            let first = out.lines().next().unwrap_or("");
            println!("{name}/{p}: does not build here before the fix: {first}");
        }
        before_fix.insert(p.clone(), (built, vetted));
    }
    let mut args = vec!["check", "--fix"];
    if unsafe_ok {
        args.push("--unsafe-fixes");
    }
    let fixed = Command::new(binary())
        .args(&args)
        .arg(&dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&fixed.stdout).into_owned();
    if fixed.status.code().is_none_or(|c| c > 1) {
        t.problems.push(format!(
            "{name}: check --fix failed:\n{}",
            String::from_utf8_lossy(&fixed.stderr)
        ));
        return;
    }
    let mut changed = Vec::new();
    changed_files(orig, &dir, Path::new(""), &mut changed);
    let changed_pkgs: BTreeSet<String> = changed.iter().map(|f| parent(f)).collect();
    t.modules += 1;
    t.packages += changed_pkgs.len();
    // gofmt on exactly the files the fixes wrote. A file the module
    // publishes unformatted must come out with no new difference: the
    // lines gofmt would change are those it would have changed before.
    if !changed.is_empty() {
        let out = go_tool("gofmt")
            .arg("-l")
            .args(&changed)
            .current_dir(&dir)
            .output()
            .unwrap();
        let listed = String::from_utf8_lossy(&out.stdout);
        let mut worse = Vec::new();
        for file in listed.lines().filter(|l| !l.trim().is_empty()) {
            let (was, now) = (
                gofmt_changes(&orig.join(file)),
                gofmt_changes(&dir.join(file)),
            );
            if was.is_empty() || !now.is_subset(&was) {
                worse.push(file);
            } else {
                println!("{name}/{file}: not gofmt-clean as published; the fix adds no difference");
            }
        }
        if !worse.is_empty() {
            t.problems
                .push(format!("{name}: not gofmt-clean:\n{}", worse.join("\n")));
        }
    }
    for p in &changed_pkgs {
        let (built_before, was_clean) = before_fix.get(p).copied().unwrap_or((true, true));
        if !built_before {
            t.unbuildable += 1;
            continue;
        }
        let (built, out) = go(&dir, "build", p);
        let (vetted, vet_out) = go(&dir, "vet", p);
        match (built, vetted, was_clean) {
            (true, true, _) => t.build_and_vet += 1,
            (true, false, false) => {
                t.vet_failed_before += 1;
                println!("{name}/{p}: go vet failed before the fix too");
            }
            (false, _, _) => t
                .problems
                .push(format!("{name}/{p}: go build fails after the fix:\n{out}")),
            (true, false, true) => t.problems.push(format!(
                "{name}/{p}: go vet fails after the fix:\n{vet_out}"
            )),
        }
    }
    // The re-check: nothing new, and what had a fix is gone (a fix that
    // conflicted in every pass may stay; it is counted).
    let after = check(&dir, unsafe_ok);
    let mut pool: BTreeMap<&Key, usize> = BTreeMap::new();
    for f in &before {
        *pool.entry(&f.key).or_default() += 1;
    }
    let mut left_fixable = 0;
    for f in &after {
        match pool.get_mut(&f.key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => t.problems.push(format!(
                "{name}: a new finding after --fix: {} {} {}",
                f.key.0, f.key.1, f.key.2
            )),
        }
        left_fixable += usize::from(f.fixable);
    }
    let applied = before.len().saturating_sub(after.len());
    t.fixes += applied;
    println!(
        "{name}: {} findings, {} with a fix; {applied} fixed, {} files in {} packages changed; {left_fixable} with a fix left ({})",
        before.len(),
        fixable.len(),
        changed.len(),
        changed_pkgs.len(),
        said.trim()
    );
    if left_fixable > 0 {
        t.problems.push(format!(
            "{name}: {left_fixable} findings with a fix are left after --fix"
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "builds real servers with their dependencies; .ci/run runs it"]
fn fixes_on_the_realworld_corpus_build_and_vet() {
    let chosen = std::env::var("HTTPVET_FIX_MODULES").unwrap_or_default();
    let modules: Vec<(String, String)> = manifest()
        .into_iter()
        .filter(|(p, _)| match chosen.as_str() {
            "all" => true,
            "" => QUICK.contains(&p.as_str()),
            list => list.split(',').any(|m| m.trim() == p),
        })
        .collect();
    assert!(!modules.is_empty(), "no module chosen");
    let dirs = download(&modules);
    let work = Scratch::new("rwfix");
    let mut problems = Vec::new();
    for unsafe_ok in [false, true] {
        let mode = if unsafe_ok {
            "--fix --unsafe-fixes"
        } else {
            "--fix"
        };
        let mut t = Tally::default();
        for ((name, _), dir) in modules.iter().zip(&dirs) {
            if !dir.join("go.mod").exists() {
                println!("{name}: no go.mod, so no dependencies to build with; skipped");
                continue;
            }
            fix_module(name, dir, &work, unsafe_ok, &mut t);
        }
        println!(
            "real-world fixes ({mode}): {} modules, {} fixes applied, {} packages changed, {} build and vet after ({} failed go vet before the fix too, {} did not build here before it)",
            t.modules, t.fixes, t.packages, t.build_and_vet, t.vet_failed_before, t.unbuildable
        );
        problems.extend(t.problems.into_iter().map(|p| format!("[{mode}] {p}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

//! Each fixture's preferred fixes against golden results, and the fixed
//! package proven by the Go toolchain: gofmt-clean, `go vet` and `go build`
//! pass, and the fixed findings are gone with nothing new in their place.

use httpvet::cli::{check_paths, fix_in_place, fixed_text};
use httpvet::engine::Settings;
use httpvet::fix::apply_to_files;
use httpvet_tests::{copy_go_mod, fixtures, go_files, go_tool, run_ok, Scratch};
use std::collections::BTreeMap;
use std::path::Path;

const PACKAGES: &[&str] = &[
    "hv001",
    "hv002",
    "hv003",
    "hv004",
    "hv005",
    "hv006",
    "hv007",
    "hv008",
    "hv009",
    "hv010",
    "hv011",
    "hv012",
    "mainpkg/tally",
    "mainpkg/waiter",
];

fn counts(dir: &Path) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let run = check_paths(&[dir.to_path_buf()], &Settings::default()).unwrap();
    let mut all = BTreeMap::new();
    let mut unfixable = BTreeMap::new();
    for f in &run.findings {
        *all.entry(f.code.to_string()).or_insert(0) += 1;
        if f.fixes.is_empty() {
            *unfixable.entry(f.code.to_string()).or_insert(0) += 1;
        }
    }
    (all, unfixable)
}

#[test]
fn preferred_fixes_match_goldens_and_build() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let work = Scratch::new("fixes");
    copy_go_mod(&work);
    let mut fixed_any = 0;
    for pkg in PACKAGES {
        let dir = fixtures().join(pkg);
        let out_dir = work.join(pkg);
        std::fs::create_dir_all(&out_dir).unwrap();
        for file in go_files(&dir) {
            std::fs::copy(&file, out_dir.join(file.file_name().unwrap())).unwrap();
        }
        // What `check --fix` does, on the copy: passes until nothing applies;
        // a fix may edit a sibling (a mutex beside a map declared there).
        let recheck = || check_paths(std::slice::from_ref(&out_dir), &Settings::default());
        let report = fix_in_place(recheck().unwrap(), true, recheck).unwrap();
        fixed_any += report.files.len();
        for file in go_files(&dir) {
            let golden = file.with_extension("go.golden");
            let new = std::fs::read_to_string(out_dir.join(file.file_name().unwrap())).unwrap();
            let old = std::fs::read_to_string(&file).unwrap();
            if new == old {
                assert!(
                    !golden.exists(),
                    "{} has no fixes any more",
                    golden.display()
                );
                continue;
            }
            if update {
                std::fs::write(&golden, &new).unwrap();
            }
            let want = std::fs::read_to_string(&golden)
                .unwrap_or_else(|_| panic!("{} is missing (UPDATE_GOLDEN=1)", golden.display()));
            assert_eq!(
                new,
                want,
                "{}: the fixed text differs from its golden",
                file.display()
            );
        }
        let (before_all, before_unfixable) = counts(&dir);
        let (after_all, _) = counts(&out_dir);
        // Nothing new: what remains is what could not be fixed.
        assert_eq!(after_all, before_unfixable, "{pkg}: before {before_all:?}");
    }
    assert!(fixed_any > 0, "no fix was applied: the test proves nothing");
    let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&work));
    assert!(
        gofmt.trim().is_empty(),
        "fixed files are not gofmt-clean:\n{gofmt}"
    );
    run_ok(go_tool("go").args(["vet", "./..."]).current_dir(&work));
    run_ok(go_tool("go").args(["build", "./..."]).current_dir(&work));
}

/// The alternatives (the first non-preferred fix of each finding that has
/// one) against their own goldens (`*.go.alt.golden`), with the same proof.
#[test]
fn alternative_fixes_match_goldens_and_build() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let work = Scratch::new("alt");
    copy_go_mod(&work);
    let mut applied_any = 0;
    for pkg in PACKAGES {
        let dir = fixtures().join(pkg);
        let run = check_paths(std::slice::from_ref(&dir), &Settings::default()).unwrap();
        let out_dir = work.join(pkg);
        std::fs::create_dir_all(&out_dir).unwrap();
        let (changed, applied, skipped) = apply_to_files(run.alternatives()).unwrap();
        assert_eq!(skipped, 0, "{pkg}: alternatives overlap");
        applied_any += applied;
        let expected_gone = run.alternatives().len();
        for file in go_files(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            let key = file.to_string_lossy().into_owned();
            let golden = file.with_extension("go.alt.golden");
            let new = match changed.get(&key) {
                Some((_, new)) => {
                    let new = new.clone();
                    if update {
                        std::fs::write(&golden, &new).unwrap();
                    }
                    let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
                        panic!("{} is missing (UPDATE_GOLDEN=1)", golden.display())
                    });
                    assert_eq!(new, want, "{}: differs from its golden", file.display());
                    new
                }
                None => {
                    assert!(
                        !golden.exists(),
                        "{} has no alternatives any more",
                        golden.display()
                    );
                    text
                }
            };
            std::fs::write(out_dir.join(file.file_name().unwrap()), new).unwrap();
        }
        let before = check_paths(std::slice::from_ref(&dir), &Settings::default())
            .unwrap()
            .findings
            .len();
        let after = check_paths(std::slice::from_ref(&out_dir), &Settings::default())
            .unwrap()
            .findings
            .len();
        assert_eq!(
            after,
            before - expected_gone,
            "{pkg}: alternatives left findings or made new ones"
        );
    }
    assert!(
        applied_any > 0,
        "no alternative was applied: the test proves nothing"
    );
    let gofmt = run_ok(go_tool("gofmt").arg("-l").arg(&work));
    assert!(gofmt.trim().is_empty(), "not gofmt-clean:\n{gofmt}");
    run_ok(go_tool("go").args(["vet", "./..."]).current_dir(&work));
    run_ok(go_tool("go").args(["build", "./..."]).current_dir(&work));
}

/// A fix never reaches for an API newer than the module's `go` line: HV006's
/// detached copy uses `context.WithoutCancel` from Go 1.21 and
/// `context.Background()` before; `go vet` checks the result either way.
#[test]
fn fixes_respect_the_modules_go_version() {
    for (version, want, unwanted) in [
        ("1.20", "context.Background()", "WithoutCancel"),
        ("1.22", "context.WithoutCancel(", "context.Background()"),
    ] {
        let work = Scratch::new(&format!("goversion-{version}"));
        std::fs::write(
            work.join("go.mod"),
            format!("module example.com/v\n\ngo {version}\n"),
        )
        .unwrap();
        for f in ["hv006.go", "state.go"] {
            std::fs::copy(fixtures().join("hv006").join(f), work.join(f)).unwrap();
        }
        let run = check_paths(&[work.to_path_buf()], &Settings::default()).unwrap();
        let file = work.join("hv006.go");
        let text = std::fs::read_to_string(&file).unwrap();
        let fixes = run.fixes_in(&file.to_string_lossy(), false);
        let (new, applied, _) = fixed_text(&text, &fixes);
        assert!(applied > 0);
        assert!(new.contains(want), "go {version}: expected {want}:\n{new}");
        assert!(
            !new.contains(unwanted),
            "go {version}: {unwanted} is the wrong spelling:\n{new}"
        );
        std::fs::write(&file, new).unwrap();
        run_ok(go_tool("go").args(["vet", "."]).current_dir(&work));
    }
}

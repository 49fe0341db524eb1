//! The real-world corpus (`tests/realworld/`): public Go modules at pinned
//! versions, fetched with `go mod download` into the Go module cache, are
//! checked whole, and every finding is compared with the reviewed snapshot
//! `findings.txt`. A finding that appears or disappears without the snapshot
//! changing fails the test, and so does one left unreviewed or marked
//! `false` (the tool is wrong there). It prints the
//! count per rule and verdict, and the share of `bug` per rule.
//!
//! Ignored by `cargo test` (it downloads about 700 MB once); `.ci/run` runs
//! it: `cargo test -p httpvet-tests --test realworld -- --ignored`.
//! `HTTPVET_BIN` names the binary to run (CI passes the release build; the
//! test build is several times slower on this much code).
//! `UPDATE_REALWORLD=1` rewrites the snapshot: entries that stay keep their
//! verdict and reason, new ones come in as `unreviewed`.

use httpvet_tests::realworld::{download, manifest};
use httpvet_tests::{httpvet_bin, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

const VERDICTS: &[&str] = &["bug", "harmless", "false", "unreviewed"];

/// `CODE module@version/path:line:col`: stable while the versions are pinned.
type Key = (String, String);

struct Entry {
    verdict: String,
    reason: String,
    /// The message, for a reviewer reading the snapshot.
    message: String,
}

fn binary() -> PathBuf {
    std::env::var_os("HTTPVET_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| httpvet_bin!())
}

/// Every finding httpvet reports on the corpus, with its message.
fn findings(modules: &[(String, String)], dirs: &[PathBuf]) -> BTreeMap<Key, String> {
    let mut out = BTreeMap::new();
    for ((path, version), dir) in modules.iter().zip(dirs) {
        let run = Command::new(binary())
            .args(["check", "--format", "json"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            run.status.code().is_some_and(|c| c <= 1),
            "{path}@{version}: httpvet check failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        for f in v.as_array().unwrap() {
            let file = f["path"].as_str().unwrap();
            let rel = file
                .strip_prefix(dir.to_str().unwrap())
                .unwrap_or(file)
                .trim_start_matches('/');
            let key = (
                f["code"].as_str().unwrap().to_string(),
                format!(
                    "{path}@{version}/{rel}:{}:{}",
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap()
                ),
            );
            out.insert(key, f["message"].as_str().unwrap().to_string());
        }
    }
    out
}

fn snapshot_path() -> PathBuf {
    repo_root().join("tests/realworld/findings.txt")
}

/// `verdict CODE place | reason` lines, each followed by `    message` for
/// a reader.
fn read_snapshot() -> BTreeMap<Key, Entry> {
    let text = std::fs::read_to_string(snapshot_path()).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut last: Option<Key> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(msg) = line.strip_prefix("    ") {
            let key = last.as_ref().expect("a message follows its entry");
            let e: &mut Entry = out.get_mut(key).unwrap();
            e.message = msg.to_string();
            continue;
        }
        let (head, reason) = line.split_once(" | ").unwrap_or((line, ""));
        let mut w = head.split_whitespace();
        let (Some(verdict), Some(code), Some(place)) = (w.next(), w.next(), w.next()) else {
            panic!(
                "findings.txt:{}: expected `verdict CODE place | reason`",
                i + 1
            );
        };
        assert!(
            VERDICTS.contains(&verdict),
            "findings.txt:{}: unknown verdict {verdict:?}",
            i + 1
        );
        let key = (code.to_string(), place.to_string());
        out.insert(
            key.clone(),
            Entry {
                verdict: verdict.to_string(),
                reason: reason.trim().to_string(),
                message: String::new(),
            },
        );
        last = Some(key);
    }
    out
}

fn write_snapshot(entries: &BTreeMap<Key, Entry>) {
    let mut text = String::from(
        "# Every finding of httpvet on tests/realworld/modules.txt, read by hand.\n\
         # verdict CODE module@version/file:line:col | why (the message follows, indented)\n\
         # bug: worth fixing; harmless: true to RULES.md but cannot hurt here;\n\
         # false: the tool is wrong (fix the rule, then the entry goes).\n",
    );
    // By place, so a module's findings stand together.
    let mut sorted: Vec<(&Key, &Entry)> = entries.iter().collect();
    sorted.sort_by(|a, b| (&a.0 .1, &a.0 .0).cmp(&(&b.0 .1, &b.0 .0)));
    for ((code, place), e) in sorted {
        text.push_str(&format!("{} {code} {place} | {}\n", e.verdict, e.reason));
        text.push_str(&format!("    {}\n", e.message));
    }
    std::fs::write(snapshot_path(), text).unwrap();
}

#[test]
#[ignore = "downloads the real-world corpus (about 700 MB); .ci/run runs it"]
fn realworld_findings_match_the_reviewed_snapshot() {
    let modules = manifest();
    assert!(modules.len() >= 25, "the corpus needs at least 25 modules");
    let dirs = download(&modules);
    let found = findings(&modules, &dirs);
    let mut snapshot = read_snapshot();

    let appeared: Vec<&Key> = found
        .keys()
        .filter(|k| !snapshot.contains_key(*k))
        .collect();
    let gone: Vec<Key> = snapshot
        .keys()
        .filter(|k| !found.contains_key(*k))
        .cloned()
        .collect();

    let update = std::env::var_os("UPDATE_REALWORLD").is_some();
    if update {
        for k in &gone {
            snapshot.remove(k);
        }
        for (k, msg) in &found {
            let e = snapshot.entry(k.clone()).or_insert_with(|| Entry {
                verdict: "unreviewed".into(),
                reason: String::new(),
                message: String::new(),
            });
            e.message = msg.clone();
        }
        write_snapshot(&snapshot);
    }

    // Counts per rule and verdict, from the snapshot entries still found.
    let mut counts: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for k in found.keys() {
        let verdict = snapshot.get(k).map_or("unreviewed", |e| e.verdict.as_str());
        let verdict = VERDICTS.iter().find(|v| **v == verdict).unwrap();
        *counts
            .entry(k.0.clone())
            .or_default()
            .entry(verdict)
            .or_default() += 1;
    }
    println!(
        "real-world corpus: {} modules, {} findings",
        modules.len(),
        found.len()
    );
    println!("rule   bug harmless false unreviewed  bug share");
    let mut total: BTreeMap<&str, usize> = BTreeMap::new();
    for (code, c) in &counts {
        let n: usize = c.values().sum();
        let get = |v: &str| c.get(v).copied().unwrap_or(0);
        println!(
            "{code} {:>5} {:>8} {:>5} {:>10}  {:>8.0}%",
            get("bug"),
            get("harmless"),
            get("false"),
            get("unreviewed"),
            100.0 * get("bug") as f64 / n as f64
        );
        for (v, k) in c {
            *total.entry(v).or_default() += k;
        }
    }
    let get = |v: &str| total.get(v).copied().unwrap_or(0);
    println!(
        "all   {:>5} {:>8} {:>5} {:>10}  {:>8.0}%",
        get("bug"),
        get("harmless"),
        get("false"),
        get("unreviewed"),
        100.0 * get("bug") as f64 / found.len().max(1) as f64
    );

    let unreviewed: BTreeSet<&Key> = found
        .keys()
        .filter(|k| snapshot.get(*k).is_some_and(|e| e.verdict == "unreviewed"))
        .collect();
    let shown = |keys: &mut dyn Iterator<Item = &Key>| -> String {
        keys.take(40)
            .map(|(c, p)| format!("\n  {c} {p}"))
            .collect::<String>()
    };
    assert!(
        update || (appeared.is_empty() && gone.is_empty()),
        "the findings differ from tests/realworld/findings.txt (UPDATE_REALWORLD=1 rewrites it; then review the new entries)\n{} appeared:{}\n{} gone:{}",
        appeared.len(),
        shown(&mut appeared.iter().copied()),
        gone.len(),
        shown(&mut gone.iter()),
    );
    assert!(
        unreviewed.is_empty(),
        "{} findings are unreviewed in tests/realworld/findings.txt:{}",
        unreviewed.len(),
        shown(&mut unreviewed.iter().copied())
    );
    // A `false` verdict is a bug in httpvet: fix the rule (with a fixture
    // of the shape), and the finding goes.
    let wrong: BTreeSet<&Key> = found
        .keys()
        .filter(|k| snapshot.get(*k).is_some_and(|e| e.verdict == "false"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} findings are marked `false` in tests/realworld/findings.txt: fix the rules{}",
        wrong.len(),
        shown(&mut wrong.iter().copied())
    );
}

//! `check --baseline FILE` and `--write-baseline FILE`: adopt httpvet on
//! existing code and see only new findings.
//!
//! A baseline records each finding by its file (relative to the baseline's
//! own directory, so any working directory reads it the same), its code and
//! its line of code, trimmed; not by line number, so edits elsewhere in the
//! file keep it matched. Each entry hides one finding: a second copy of a
//! recorded line is new. Fixing a recorded bug and bringing it back in
//! another file is new too.

use super::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Hash)]
struct Entry {
    path: String,
    code: String,
    /// The finding's line of code, trimmed.
    source: String,
    /// For a reader; never matched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

/// The directory paths in a baseline are relative to.
fn base_of(baseline: &Path) -> PathBuf {
    let dir = baseline
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// `path` relative to `base` (`../x.go` when outside it), with `/`
/// separators.
fn relative(path: &str, base: &Path) -> String {
    use std::path::Component;
    let p = Path::new(path);
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let names = |q: &Path| -> Vec<String> {
        q.components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (a, b) = (names(&abs), names(base));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = vec!["..".to_string(); b.len() - common];
    out.extend(a[common..].iter().cloned());
    out.join("/")
}

/// Baseline entries of findings, each file's relative path worked out once
/// (it asks the file system: once per finding is a system call each).
struct Entries<'b> {
    base: &'b Path,
    paths: HashMap<std::sync::Arc<str>, String>,
}

impl<'b> Entries<'b> {
    fn new(base: &'b Path) -> Entries<'b> {
        Entries {
            base,
            paths: HashMap::new(),
        }
    }

    fn of(&mut self, f: &Finding) -> Entry {
        let base = self.base;
        let path = self
            .paths
            .entry(f.path.clone())
            .or_insert_with(|| relative(&f.path, base));
        entry(f, path.clone())
    }
}

fn entry(f: &Finding, path: String) -> Entry {
    Entry {
        path,
        code: f.code.to_string(),
        source: f.source_line.clone(),
        message: f.message.to_string(),
    }
}

/// Writes today's findings to `baseline`.
pub fn write(baseline: &Path, findings: &[Finding]) -> Result<(), String> {
    let base = base_of(baseline);
    let mut entries = Entries::new(&base);
    let mut findings: Vec<Entry> = findings.iter().map(|f| entries.of(f)).collect();
    findings.sort_by(|a, b| (&a.path, &a.code, &a.source).cmp(&(&b.path, &b.code, &b.source)));
    let file = File {
        version: VERSION,
        findings,
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    std::fs::write(baseline, text).map_err(|e| format!("{}: {e}", baseline.display()))
}

/// Drops the findings `baseline` records; returns how many it dropped.
pub fn filter(baseline: &Path, findings: &mut Vec<Finding>) -> Result<usize, String> {
    let shown = baseline.display();
    let text = crate::source::read_regular(baseline)
        .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
        .map_err(|e| format!("{shown}: {e}"))?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| format!("{shown}: not a baseline httpvet wrote: {e}"))?;
    if file.version != VERSION {
        return Err(format!(
            "{shown}: baseline version {} (this httpvet reads {VERSION}); write it again with --write-baseline",
            file.version
        ));
    }
    let base = base_of(baseline);
    let mut left: HashMap<(String, String, String), usize> = HashMap::new();
    for e in file.findings {
        *left.entry((e.path, e.code, e.source)).or_default() += 1;
    }
    let before = findings.len();
    let mut entries = Entries::new(&base);
    findings.retain(|f| {
        let e = entries.of(f);
        match left.get_mut(&(e.path, e.code, e.source)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
    Ok(before - findings.len())
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn paths_are_relative_to_the_baseline() {
        assert_eq!(
            relative("/no/such/dir/a.go", Path::new("/no/such")),
            "dir/a.go"
        );
        assert_eq!(
            relative("/no/such/a.go", Path::new("/no/such/ci")),
            "../a.go"
        );
        assert_eq!(
            relative("/no/other/a.go", Path::new("/no/such/ci")),
            "../../other/a.go"
        );
    }
}

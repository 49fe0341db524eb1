//! Finding the Go files to check, with the go tool's conventions: skip
//! `vendor/`, `testdata/` and directories starting with `.` or `_`; honour
//! `.gitignore`; only `*.go`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directories to skip while walking.
pub fn skipped_dir(name: &str) -> bool {
    name == "vendor" || name == "testdata" || name.starts_with('.') || name.starts_with('_')
}

/// A path as given, with the go tool's package pattern `DIR/...` (and `...`)
/// read as the directory `DIR`, walked with everything below it.
pub fn pattern_dir(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    let s = s.trim_end_matches(['/', '\\']);
    if s == "..." {
        return PathBuf::from(".");
    }
    match s.strip_suffix("/...").or_else(|| s.strip_suffix("\\...")) {
        Some("") => PathBuf::from("/"),
        Some(dir) => PathBuf::from(dir),
        None => p.to_path_buf(),
    }
}

/// The Go files under `paths`, grouped by directory (one package set each).
/// A path that does not exist is an error; explicit files are always taken.
/// A `.go` name that is not a regular file (a FIFO, a socket) is taken too,
/// so that reading refuses it by name instead of hiding it.
pub fn go_files(paths: &[PathBuf]) -> Result<BTreeMap<PathBuf, Vec<PathBuf>>, String> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| pattern_dir(p)).collect();
    for p in &paths {
        if let Err(e) = std::fs::metadata(p) {
            return Err(format!("{}: {}", p.display(), io_reason(&e)));
        }
    }
    let mut dirs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in &paths {
        if !p.is_dir() {
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            dirs.entry(dir).or_default().push(p.clone());
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(false)
            .parents(true)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .ignore(false)
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_some_and(|t| t.is_dir())
                    || !skipped_dir(&e.file_name().to_string_lossy())
            })
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| format!("{}: {e}", p.display()))?;
            let path = entry.path();
            let is_go = entry
                .file_type()
                .is_some_and(|t| !t.is_dir() && !t.is_symlink())
                && path.extension().is_some_and(|x| x == "go");
            if is_go {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                dirs.entry(dir).or_default().push(path.to_path_buf());
            }
        }
    }
    for files in dirs.values_mut() {
        files.sort();
        files.dedup();
    }
    Ok(dirs)
}

/// The other `.go` files of `dir` (regular files only, not below it), for
/// the package a file named on its own belongs to.
pub fn other_go_files(dir: &Path, named: &[PathBuf]) -> Vec<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .filter(|p| !named.iter().any(|n| same_file(n, p)))
        .collect();
    out.sort();
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_dir;
    use std::path::{Path, PathBuf};

    #[test]
    fn package_patterns_name_their_directory() {
        for (given, dir) in [
            ("./...", "."),
            ("...", "."),
            ("./pkg/...", "./pkg"),
            ("pkg/sub/...", "pkg/sub"),
            ("pkg/", "pkg/"),
            ("main.go", "main.go"),
            ("/...", "/"),
        ] {
            assert_eq!(pattern_dir(Path::new(given)), PathBuf::from(dir), "{given}");
        }
    }
}

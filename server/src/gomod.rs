//! The Go version a module declares (the `go` line of the nearest `go.mod`),
//! so that fixes never reach for a standard-library API newer than that.

use crate::source::DiskCache;
use std::path::Path;

/// A Go language version, `1.21` → `GoVersion(1, 21)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion(pub u32, pub u32);

impl GoVersion {
    /// Assumed when no go.mod is found: the oldest release fixes may assume
    /// (Go 1.x before modules had `go` lines defaults to 1.16 in the go tool).
    pub const UNKNOWN: GoVersion = GoVersion(1, 16);

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= GoVersion(major, minor)
    }
}

/// The `go` directive of a go.mod text: `go 1.22`, `go 1.21.3`, `go 1.23rc1`.
pub fn parse(text: &str) -> Option<GoVersion> {
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("go")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let v = rest.trim();
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some(GoVersion(major, minor.parse().ok()?))
    })
}

/// The version declared by the go.mod nearest above `file` (cached per go.mod
/// and its modification time); [`GoVersion::UNKNOWN`] when there is none.
pub fn version_for(file: &Path) -> GoVersion {
    static CACHE: DiskCache<Option<GoVersion>> = DiskCache::new();
    nearest_above(file)
        .and_then(|gomod| CACHE.get(&gomod, |text| parse(&text)).flatten())
        .unwrap_or(GoVersion::UNKNOWN)
}

/// The `go.mod` nearest above `path` (in a directory holding it), if any.
pub fn nearest_above(path: &Path) -> Option<std::path::PathBuf> {
    path.ancestors()
        .skip(1)
        .map(|d| d.join("go.mod"))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_lines() {
        assert_eq!(parse("module x\n\ngo 1.22\n"), Some(GoVersion(1, 22)));
        assert_eq!(parse("module x\ngo 1.21.3\n"), Some(GoVersion(1, 21)));
        assert_eq!(parse("module x\ngo 1.23rc1\n"), Some(GoVersion(1, 23)));
        assert_eq!(parse("module x\ngodebug x=1\n"), None);
        assert!(GoVersion(1, 21).at_least(1, 21));
        assert!(!GoVersion(1, 20).at_least(1, 21));
    }
}

//! `httpvet.toml` (or `.httpvet.toml`): a team's settings in one file.
//!
//! ```toml
//! select = ["HV001", "unsynchronized-map-write"]   # default: every rule
//! ignore = ["HV004"]
//! exclude = ["gen/**", "**/*_gen.go"]              # relative to this file
//!
//! report-unused-ignores = true                     # an ignore that silences nothing
//! require-reason = false                            # an ignore without a reason
//!
//! [severity]
//! HV007 = "error"                                   # error, warning, info, hint
//! ```
//!
//! The file is found by walking up from each checked file to the nearest
//! directory holding `go.work`, `go.mod` or `.git` (that directory included).

use crate::diagnostic::Severity;
use crate::engine::Settings;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::fmt;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: &[&str] = &["httpvet.toml", ".httpvet.toml"];
const ROOT_MARKERS: &[&str] = &["go.work", "go.mod", ".git"];

/// A loaded configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub settings: Settings,
    pub exclude: Vec<String>,
    globs: GlobSet,
}

/// A broken configuration: where and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// The configuration file that applies to `path` (a file or directory), if any.
pub fn find(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if ROOT_MARKERS.iter().any(|m| d.join(m).exists()) {
            return None;
        }
        dir = d.parent();
    }
    None
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::source::read_regular(path)
            .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
            .map_err(|e| ConfigError {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
            })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            err(at, format!("invalid TOML: {}", e.message().trim_end()))
        })?;
        // Where a key or a string value sits in the text, for messages.
        let key_at = |key: &str| find_key(text, key);
        let value_at = |needle: &str| {
            text.find(&format!("\"{needle}\""))
                .or_else(|| text.find(&format!("'{needle}'")))
                .unwrap_or(0)
        };
        let mut settings = Settings::default();
        let mut exclude = Vec::new();
        for (key, value) in &table {
            match key.as_str() {
                "select" | "ignore" | "exclude" => {
                    let items = value.as_array().ok_or_else(|| {
                        err(key_at(key), format!("`{key}`: expected an array of strings, found {}", value.type_str()))
                    })?;
                    let mut out = Vec::new();
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            err(key_at(key), format!("`{key}`: expected strings, found {}", item.type_str()))
                        })?;
                        if key == "exclude" {
                            Glob::new(s).map_err(|e| err(value_at(s), format!("`exclude`: bad glob {s:?}: {e}")))?;
                            out.push(s.to_string());
                        } else {
                            let rule = crate::rules::find(s).ok_or_else(|| {
                                err(value_at(s), format!("`{key}`: unknown rule {s:?} (see `httpvet rules`)"))
                            })?;
                            out.push(rule.code.to_string());
                        }
                    }
                    match key.as_str() {
                        "select" => settings.select = out,
                        "ignore" => settings.ignore = out,
                        _ => exclude = out,
                    }
                }
                "severity" => {
                    let t = value.as_table().ok_or_else(|| {
                        err(key_at(key), format!("`severity`: expected a table, found {}", value.type_str()))
                    })?;
                    for (code, sev) in t {
                        let rule = crate::rules::find(code).ok_or_else(|| {
                            err(key_at(code), format!("`severity`: unknown rule {code:?} (see `httpvet rules`)"))
                        })?;
                        let level = sev.as_str().and_then(Severity::parse).ok_or_else(|| {
                            err(
                                key_at(code),
                                format!("`severity.{code}`: expected \"error\", \"warning\", \"info\" or \"hint\""),
                            )
                        })?;
                        settings.severity.insert(rule.code.to_string(), level);
                    }
                }
                "report-unused-ignores" | "require-reason" => {
                    let on = value.as_bool().ok_or_else(|| {
                        err(key_at(key), format!("`{key}`: expected true or false, found {}", value.type_str()))
                    })?;
                    if key == "require-reason" {
                        settings.require_reason = on;
                    } else {
                        settings.unused_ignores = Some(on);
                    }
                }
                other => {
                    return Err(err(
                        key_at(other),
                        format!("unknown key `{other}`; expected `select`, `ignore`, `severity`, `exclude`, `report-unused-ignores` or `require-reason`"),
                    ))
                }
            }
        }
        let mut b = GlobSetBuilder::new();
        for g in &exclude {
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        Ok(Config {
            path: path.to_path_buf(),
            settings,
            exclude,
            globs: b.build().unwrap_or_else(|_| GlobSet::empty()),
        })
    }

    /// True when `file` matches an `exclude` glob (relative to this file's directory).
    pub fn excludes(&self, file: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let base = self.path.parent().unwrap_or(Path::new("."));
        let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let rel = abs.strip_prefix(&base).unwrap_or(&abs);
        self.globs.is_match(rel)
    }
}

/// Settings from a configuration file, overridden by those given on the
/// command line or by the editor: a non-empty `select` replaces the file's,
/// `ignore` adds to it, severities override per rule.
pub fn merge(file: &Settings, over: &Settings) -> Settings {
    let mut s = file.clone();
    if !over.select.is_empty() {
        s.select = over.select.clone();
    }
    s.ignore.extend(over.ignore.iter().cloned());
    for (k, v) in &over.severity {
        s.severity.insert(k.clone(), *v);
    }
    s.unused_ignores = over.unused_ignores.or(s.unused_ignores);
    s.require_reason |= over.require_reason;
    s
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

/// The offset of a key at the start of a line (`key =` or `key=`), else 0.
fn find_key(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let bare = trimmed.trim_start_matches('"');
        if bare.starts_with(key)
            && bare[key.len()..]
                .trim_start_matches('"')
                .trim_start()
                .starts_with('=')
        {
            return offset + indent;
        }
        offset += line.len();
    }
    0
}

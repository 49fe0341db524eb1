//! What a rule reports: a diagnostic with its range, related locations and fixes.

use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" | "information" => Severity::Info,
            "hint" => Severity::Hint,
            _ => return None,
        })
    }
}

/// A position: 0-based line and byte column, plus the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// A range in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub path: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl Location {
    pub fn of_node(path: &Arc<str>, node: tree_sitter::Node) -> Location {
        let (s, e) = (node.start_position(), node.end_position());
        Location {
            path: path.clone(),
            start: Pos {
                offset: node.start_byte(),
                line: s.row,
                column: s.column,
            },
            end: Pos {
                offset: node.end_byte(),
                line: e.row,
                column: e.column,
            },
        }
    }
}

/// A secondary location that explains the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// Whether applying a fix keeps the program's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Same behaviour apart from the bug: `check --fix` and the editor's
    /// *Fix All* apply it.
    Safe,
    /// Valid Go, but what the program does may change (its title says how):
    /// applied only when asked (`--unsafe-fixes`, or one code action).
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace bytes `start..end` of `path` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub path: Arc<str>,
    pub start: usize,
    pub end: usize,
    pub new_text: String,
}

/// A set of non-overlapping edits that fixes the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub preferred: bool,
    pub applicability: Applicability,
    /// Shared by the copies of the fix: every finding in a run of
    /// statements one guard covers carries the same edits.
    pub edits: Arc<Vec<Edit>>,
    /// An import this fix removes a use of, when other uses remain: fixes
    /// applied together that remove them all drop the import too.
    pub unused_import: Option<ImportDrop>,
}

impl Fix {
    /// Calls `f` on every byte offset the fix holds in the file `path`:
    /// its edits' bounds, and those of its import drop and the uses it counts.
    pub fn each_offset(&mut self, path: &str, mut f: impl FnMut(&mut usize)) {
        let drop = self.unused_import.as_mut();
        let (uses, drop_edit) = match drop {
            Some(d) => (Some(&mut d.uses), Some(&mut d.edit)),
            None => (None, None),
        };
        for e in Arc::make_mut(&mut self.edits).iter_mut().chain(drop_edit) {
            if *e.path == *path {
                f(&mut e.start);
                f(&mut e.end);
            }
        }
        if let Some(uses) = uses {
            if self.edits.first().is_some_and(|e| *e.path == *path) {
                Arc::make_mut(uses).iter_mut().for_each(f);
            }
        }
    }

    /// The greatest byte offset [`Fix::each_offset`] visits in `path`.
    pub fn last_offset(&self, path: &str) -> Option<usize> {
        let drop = self.unused_import.as_ref();
        let edits = self.edits.iter().chain(drop.map(|d| &d.edit));
        let ends = edits
            .filter(|e| *e.path == *path)
            .map(|e| e.end.max(e.start));
        let uses = drop
            .filter(|_| self.edits.first().is_some_and(|e| *e.path == *path))
            .and_then(|d| d.uses.last().copied());
        ends.chain(uses).max()
    }
}

/// Deleting an import once none of its uses is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDrop {
    /// Where each use of the import's name starts (shared by the fixes of
    /// one file: a file of many such fixes holds the list once).
    pub uses: Arc<Vec<usize>>,
    /// The edit that deletes the import's line.
    pub edit: Edit,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

/// A finding as suppression comments and de-duplication read it: its rule,
/// and the line and column where it starts now. (The language server holds
/// findings whose lines an edit has moved without rewriting them.)
pub trait Found {
    fn code(&self) -> &'static str;
    /// 0-based line and byte column.
    fn start(&self) -> (usize, usize);
}

impl Found for Diagnostic {
    fn code(&self) -> &'static str {
        self.code
    }
    fn start(&self) -> (usize, usize) {
        (self.location.start.line, self.location.start.column)
    }
}

impl<T: Found + Clone> Found for std::borrow::Cow<'_, T> {
    fn code(&self) -> &'static str {
        (**self).code()
    }
    fn start(&self) -> (usize, usize) {
        (**self).start()
    }
}

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// Same meaning apart from the bug; safe to apply in bulk.
    Safe,
    /// Valid Go, but the behaviour changes: review before applying.
    NeedsReview,
}

/// Replace bytes `start..end` of `path` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub edits: Vec<Edit>,
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

//! Output formats of `httpvet check`: text (like `go vet`) and JSON.
//! Positions are 1-based lines and byte columns.

use crate::diagnostic::{Applicability, Diagnostic, Fix, Location};
use crate::source::SourceFile;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize, Clone, Debug)]
pub struct JsonRelated {
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct JsonEdit {
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub new_text: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct JsonFix {
    pub title: String,
    pub preferred: bool,
    /// `safe` (same behaviour, only the bug removed; `--fix` applies it) or
    /// `unsafe` (may change what the program does; `--unsafe-fixes`).
    pub applicability: Applicability,
    /// Shared, like the fix's own edits, by the findings that carry the
    /// same fix (see [`Edits`]).
    pub edits: Arc<Vec<JsonEdit>>,
}

/// The edits of the fixes already resolved for one file, by the edits they
/// were resolved from: findings that share a fix share its lines too.
#[derive(Default)]
pub struct Edits(std::collections::HashMap<usize, (SharedEdits, Arc<Vec<JsonEdit>>)>);

/// A fix's edits, shared by its copies.
type SharedEdits = Arc<Vec<crate::diagnostic::Edit>>;

/// One finding as `--format json` prints it.
#[derive(Serialize, Clone, Debug)]
pub struct Finding {
    /// Shared by the finding's related locations and edits in that file.
    pub path: Arc<str>,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub related: Vec<JsonRelated>,
    pub fixes: Vec<JsonFix>,
    /// The fixes themselves (byte offsets), in order of preference.
    #[serde(skip)]
    pub raw_fixes: Vec<Fix>,
    /// Columns in Unicode code points (SARIF), 1-based.
    #[serde(skip)]
    pub char_column: usize,
    #[serde(skip)]
    pub char_end_column: usize,
    /// The finding's first line of code, trimmed: what a baseline matches
    /// on, so that edits elsewhere in the file keep the match.
    #[serde(skip)]
    pub source_line: String,
}

impl Finding {
    /// Resolves a diagnostic of `file`, shown under `shown` (the path as the
    /// user named it).
    pub fn new(d: Diagnostic, file: &SourceFile, shown: &str) -> Finding {
        Finding::sharing(d, file, shown, &mut Edits::default())
    }

    /// [`Finding::new`], resolving each fix's edits once per `done`.
    pub fn sharing(d: Diagnostic, file: &SourceFile, shown: &str, done: &mut Edits) -> Finding {
        let shown: Arc<str> = match *file.path == *shown {
            true => file.path.clone(),
            false => shown.into(),
        };
        let show = |loc: &Location| {
            if *loc.path == *file.path {
                shown.clone()
            } else {
                loc.path.clone()
            }
        };
        let chars = |line: usize, offset: usize| {
            let start = file.line_start(line);
            file.text
                .get(start..offset.min(file.text.len()))
                .map(|s| s.chars().count())
                .unwrap_or(0)
                + 1
        };
        Finding {
            char_column: chars(d.location.start.line, d.location.start.offset),
            char_end_column: chars(d.location.end.line, d.location.end.offset),
            source_line: {
                let start = file.line_start(d.location.start.line);
                let end = file.line_start(d.location.start.line + 1);
                file.text.get(start..end).unwrap_or("").trim().to_string()
            },
            path: shown.clone(),
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            message: d.message,
            line: d.location.start.line + 1,
            column: d.location.start.column + 1,
            end_line: d.location.end.line + 1,
            end_column: d.location.end.column + 1,
            related: d
                .related
                .iter()
                .map(|r| JsonRelated {
                    path: show(&r.location),
                    line: r.location.start.line + 1,
                    column: r.location.start.column + 1,
                    message: r.message.clone(),
                })
                .collect(),
            fixes: d
                .fixes
                .iter()
                .map(|f| JsonFix {
                    title: f.title.clone(),
                    preferred: f.preferred,
                    applicability: f.applicability,
                    edits: done
                        .0
                        .entry(Arc::as_ptr(&f.edits) as usize)
                        .or_insert_with(|| (f.edits.clone(), json_edits(&f.edits, file, &shown)))
                        .1
                        .clone(),
                })
                .collect(),
            raw_fixes: d.fixes,
        }
    }

    /// A GitHub Actions workflow command: one annotation.
    pub fn github_line(&self) -> String {
        let level = match self.severity {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&self.path),
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            escape_property(&format!("{} {}", self.code, self.name)),
            escape_data(&self.message)
        )
    }

    /// The fix `--fix` applies (see [`crate::fix::to_apply`]).
    pub fn fix_to_apply(&self, unsafe_ok: bool) -> Option<&Fix> {
        crate::fix::to_apply(&self.raw_fixes, unsafe_ok)
    }

    /// `[*]` when `--fix` can fix it, `[~]` when only `--unsafe-fixes` can.
    pub fn fix_mark(&self) -> &'static str {
        if self.fix_to_apply(false).is_some() {
            " [*]"
        } else if self.raw_fixes.is_empty() {
            ""
        } else {
            " [~]"
        }
    }

    pub fn text_line(&self) -> String {
        format!(
            "{}:{}:{}: {}: {}{} {}",
            self.path,
            self.line,
            self.column,
            self.severity,
            self.code,
            self.fix_mark(),
            self.message
        )
    }
}

/// `edits` in lines and columns, each in the text of its file: a sibling
/// file's (a mutex beside the map it guards) read from disk.
fn json_edits(
    edits: &[crate::diagnostic::Edit],
    file: &SourceFile,
    shown: &Arc<str>,
) -> Arc<Vec<JsonEdit>> {
    let json = edits.iter().map(|e| {
        let other = (*e.path != *file.path)
            .then(|| std::fs::read_to_string(&*e.path).ok())
            .flatten()
            .map(|t| crate::source::line_starts(&t));
        let line_col = |offset: usize| match &other {
            Some(starts) => crate::source::line_col_in(starts, offset),
            None => file.line_col(offset),
        };
        let (l, c) = line_col(e.start);
        let (el, ec) = line_col(e.end);
        JsonEdit {
            path: match other {
                Some(_) => e.path.clone(),
                None => shown.clone(),
            },
            line: l + 1,
            column: c + 1,
            end_line: el + 1,
            end_column: ec + 1,
            new_text: e.new_text.clone(),
        }
    });
    Arc::new(json.collect())
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

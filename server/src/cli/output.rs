//! Output formats of `httpvet check`: text (like `go vet`) and JSON.
//! Positions are 1-based lines and byte columns.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::source::SourceFile;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct JsonRelated {
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub message: crate::diagnostic::Text,
}

crate::diagnostic::shared_lists!(JsonRelated);

#[derive(Serialize, Clone, Debug)]
pub struct JsonEdit {
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub new_text: crate::diagnostic::Text,
}

/// A fix as `--format json` prints it: resolved to lines and columns when
/// printed, not kept per finding.
#[derive(Serialize, Debug)]
pub struct JsonFix<'f> {
    pub title: &'f str,
    pub preferred: bool,
    /// `safe` (same behaviour, only the bug removed; `--fix` applies it) or
    /// `unsafe` (may change what the program does; `--unsafe-fixes`).
    pub applicability: Applicability,
    pub edits: Vec<JsonEdit>,
}

/// How much of a finding's line a baseline matches on (its first bytes,
/// after the indentation).
const SOURCE_LINE_BYTES: usize = 240;

type LineStarts = Arc<Vec<usize>>;

/// What a finding needs of its file to print its fixes' edits in lines and
/// columns: shared by the file's findings.
#[derive(Debug)]
pub struct FileLines {
    /// The file's path as its edits name it.
    path: Arc<str>,
    /// The path shown for it (as the user named it).
    shown: Arc<str>,
    starts: Arc<Vec<usize>>,
    len: usize,
    /// The line starts of other files that edits reach, read once each.
    others: std::sync::Mutex<std::collections::HashMap<Arc<str>, Option<LineStarts>>>,
}

impl FileLines {
    /// `file`, shown under `shown`.
    pub fn of(file: &SourceFile, shown: &str) -> Arc<FileLines> {
        Arc::new(FileLines {
            path: file.path.clone(),
            shown: match *file.path == *shown {
                true => file.path.clone(),
                false => shown.into(),
            },
            starts: file.line_starts().clone(),
            len: file.text.len(),
            others: Default::default(),
        })
    }
}

impl FileLines {
    /// Where the lines of `path` (another file) begin, read from disk the
    /// first time an edit there is printed.
    fn others_starts(&self, path: &Arc<str>) -> Option<LineStarts> {
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        others
            .entry(path.clone())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(&**path).ok()?;
                Some(Arc::new(crate::source::line_starts(&text)))
            })
            .clone()
    }
}

/// One finding as `--format json` prints it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Shared by the finding's related locations and edits in that file.
    pub path: Arc<str>,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: crate::diagnostic::Text,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub related: crate::diagnostic::Many<JsonRelated>,
    /// The fixes themselves (byte offsets), in order of preference.
    pub fixes: crate::diagnostic::Many<Fix>,
    /// Its file's lines, to print the fixes' edits by (see [`Finding::json_fixes`]).
    lines: Arc<FileLines>,
    /// Columns in Unicode code points (SARIF), 1-based.
    pub char_column: usize,
    pub char_end_column: usize,
    /// The finding's first line of code, trimmed: what a baseline matches
    /// on, so that edits elsewhere in the file keep the match.
    pub source_line: String,
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Finding", 11)?;
        st.serialize_field("path", &self.path)?;
        st.serialize_field("code", self.code)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("severity", self.severity)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("end_line", &self.end_line)?;
        st.serialize_field("end_column", &self.end_column)?;
        st.serialize_field("related", &self.related)?;
        st.serialize_field("fixes", &self.json_fixes())?;
        st.end()
    }
}

impl Finding {
    /// Resolves a diagnostic of `file`, whose `lines` its findings share.
    pub fn of(d: Diagnostic, file: &SourceFile, lines: &Arc<FileLines>) -> Finding {
        let shown = &lines.shown;
        let chars =
            |line: usize, offset: usize| file.char_column(file.line_start(line), offset) + 1;
        Finding {
            char_column: chars(d.location.start.line, d.location.start.offset),
            char_end_column: chars(d.location.end.line, d.location.end.offset),
            source_line: {
                // At most SOURCE_LINE_BYTES of it: each of many findings on
                // one long line would otherwise copy the whole line.
                let start = file.line_start(d.location.start.line);
                let end = file.line_start(d.location.start.line + 1);
                let mut end = end.min(start + SOURCE_LINE_BYTES + 1);
                while !file.text.is_char_boundary(end) {
                    end -= 1;
                }
                let line = file.text.get(start..end).unwrap_or("").trim_start();
                let mut cut = line.len().min(SOURCE_LINE_BYTES);
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line[..cut].trim_end().to_string()
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
                    path: match *r.location.path == *file.path {
                        true => shown.clone(),
                        false => r.location.path.clone(),
                    },
                    line: r.location.start.line + 1,
                    column: r.location.start.column + 1,
                    message: r.message.clone(),
                })
                .collect(),
            fixes: d.fixes,
            lines: lines.clone(),
        }
    }

    /// The fixes in lines and columns, as `--format json` and SARIF print
    /// them.
    pub fn json_fixes(&self) -> Vec<JsonFix<'_>> {
        self.fixes
            .iter()
            .map(|f| JsonFix {
                title: &f.title,
                preferred: f.preferred,
                applicability: f.applicability,
                edits: json_edits(&f.edits, &self.lines),
            })
            .collect()
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
        crate::fix::to_apply(&self.fixes, unsafe_ok)
    }

    /// `[*]` when `--fix` can fix it, `[~]` when only `--unsafe-fixes` can.
    pub fn fix_mark(&self) -> &'static str {
        if self.fix_to_apply(false).is_some() {
            " [*]"
        } else if self.fixes.is_empty() {
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
fn json_edits(edits: &[crate::diagnostic::Edit], file: &FileLines) -> Vec<JsonEdit> {
    let json = edits.iter().map(|e| {
        let other = (*e.path != *file.path)
            .then(|| file.others_starts(&e.path))
            .flatten();
        let line_col = |offset: usize| match &other {
            Some(starts) => crate::source::line_col_in(starts, offset),
            None => crate::source::line_col_in(&file.starts, offset.min(file.len)),
        };
        let (l, c) = line_col(e.start);
        let (el, ec) = line_col(e.end);
        JsonEdit {
            path: match other {
                Some(_) => e.path.clone(),
                None => file.shown.clone(),
            },
            line: l + 1,
            column: c + 1,
            end_line: el + 1,
            end_column: ec + 1,
            new_text: e.new_text.clone(),
        }
    });
    json.collect()
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

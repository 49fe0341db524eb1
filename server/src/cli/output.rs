//! Output formats of `httpvet check`: text (like `go vet`) and JSON.
//! Positions are 1-based lines and byte columns.

use crate::diagnostic::{Diagnostic, Location};
use crate::source::SourceFile;
use serde::Serialize;

#[derive(Serialize, Clone, Debug)]
pub struct JsonRelated {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct JsonEdit {
    pub path: String,
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
    pub edits: Vec<JsonEdit>,
}

/// One finding as `--format json` prints it.
#[derive(Serialize, Clone, Debug)]
pub struct Finding {
    pub path: String,
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
}

impl Finding {
    /// Resolves a diagnostic of `file`, shown under `shown` (the path as the
    /// user named it).
    pub fn new(d: &Diagnostic, file: &SourceFile, shown: &str) -> Finding {
        let show = |loc: &Location| {
            if *loc.path == *file.path {
                shown.to_string()
            } else {
                loc.path.to_string()
            }
        };
        Finding {
            path: shown.to_string(),
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            message: d.message.clone(),
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
                    edits: f
                        .edits
                        .iter()
                        .map(|e| {
                            let (l, c) = file.line_col(e.start);
                            let (el, ec) = file.line_col(e.end);
                            JsonEdit {
                                path: shown.to_string(),
                                line: l + 1,
                                column: c + 1,
                                end_line: el + 1,
                                end_column: ec + 1,
                                new_text: e.new_text.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn text_line(&self) -> String {
        format!(
            "{}:{}:{}: {} {}",
            self.path, self.line, self.column, self.code, self.message
        )
    }
}

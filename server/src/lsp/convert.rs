//! Conversions between the engine's types and LSP types, in the negotiated
//! position encoding. Only this module and `lsp/mod.rs` know LSP.

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::position::Encoding;
use crate::rules::Rule;
use crate::source::SourceFile;
use std::fmt::Write as _;
use std::sync::Arc;
use tower_lsp_server::ls_types as lsp;

/// How the client takes published diagnostics: in the position encoding it
/// chose, and with related information only when it said it accepts it
/// (`textDocument.publishDiagnostics.relatedInformation`): a client that did
/// not is sent none (in a file with hundreds of findings, that is about two
/// fifths of each publish it would have to read and skip).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub enc: Encoding,
    pub related: bool,
}

pub fn position(file: &SourceFile, offset: usize, enc: Encoding) -> lsp::Position {
    let (line, _) = file.line_col(offset);
    let start = file.line_start(line);
    lsp::Position {
        line: line as u32,
        character: file.column(start, offset, enc) as u32,
    }
}

pub fn range(file: &SourceFile, start: usize, end: usize, enc: Encoding) -> lsp::Range {
    lsp::Range {
        start: position(file, start, enc),
        end: position(file, end, enc),
    }
}

/// A location in `file` when it is that file, else by line and byte column
/// (other files are not loaded; their columns are exact for ASCII).
fn location(loc: &Location, file: &SourceFile, enc: Encoding) -> Option<lsp::Location> {
    let uri: lsp::Uri = super::uri::uri_of(&loc.path)?.parse().ok()?;
    let range = if loc.path == file.path {
        range(file, loc.start.offset, loc.end.offset, enc)
    } else {
        lsp::Range {
            start: lsp::Position::new(loc.start.line as u32, loc.start.column as u32),
            end: lsp::Position::new(loc.end.line as u32, loc.end.column as u32),
        }
    };
    Some(lsp::Location { uri, range })
}

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

/// The LSP diagnostic, and for each related location it shows, whether the
/// location is in `file`.
fn diagnostic(d: &Diagnostic, file: &SourceFile, form: Form) -> (lsp::Diagnostic, Vec<bool>) {
    let (rule, enc) = (crate::rules::find(d.code), form.enc);
    let mut here = Vec::new();
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter(|_| form.related)
        .filter_map(|r| {
            let location = location(&r.location, file, enc)?;
            here.push(r.location.path == file.path);
            Some(lsp::DiagnosticRelatedInformation {
                location,
                message: r.message.to_string(),
            })
        })
        .collect();
    let lsp = lsp::Diagnostic {
        range: range(file, d.location.start.offset, d.location.end.offset, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: rule
            .and_then(|r| crate::links::rule_page(r)?.parse().ok())
            .map(|href| lsp::CodeDescription { href }),
        source: Some("httpvet".to_string()),
        message: d.message.to_string(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    };
    (lsp, here)
}

/// A finding as published: what hover and code actions look up (code and
/// range), and the serialised LSP diagnostic that goes into
/// `publishDiagnostics` (see [`Published::write`]).
#[derive(Clone, Debug)]
pub struct Published {
    pub code: &'static str,
    /// As shown (with `shift`).
    pub range: lsp::Range,
    json: Arc<str>,
    /// Where the line numbers of this document's positions sit in `json`
    /// (byte offset and length of the digits), in order: an edit that only
    /// moves lines rewrites these and copies the rest (see [`Self::moved`]).
    lines: Arc<[(u32, u8)]>,
    /// Lines to add, when shown, to the line numbers in `json` from a line
    /// on: an edit above that moved them without rewriting `json`.
    shift: Shift,
}

#[derive(Clone, Copy, Debug, Default)]
struct Shift {
    from: u32,
    by: i32,
}

impl Shift {
    fn line(self, l: u32) -> u32 {
        match l >= self.from {
            true => l.saturating_add_signed(self.by),
            false => l,
        }
    }
}

pub fn published(d: &Diagnostic, file: &SourceFile, form: Form) -> Published {
    let (lsp, related_here) = diagnostic(d, file, form);
    let json: Arc<str> = serde_json::to_string(&lsp)
        .expect("a diagnostic serialises")
        .into();
    // The shown positions in the order they are serialised: the range, then
    // each related location kept; `"line":` can only be a key (a quote
    // inside a string is escaped).
    let shown = [true, true]
        .into_iter()
        .chain(related_here.into_iter().flat_map(|here| [here; 2]));
    let keys = json
        .match_indices("\"line\":")
        .map(|(at, key)| at + key.len());
    let lines = shown
        .zip(keys)
        .filter(|(here, _)| *here)
        .map(|(_, at)| {
            let digits = json[at..].bytes().take_while(u8::is_ascii_digit).count();
            (at as u32, digits as u8)
        })
        .collect();
    Published {
        code: d.code,
        range: lsp.range,
        json,
        lines,
        shift: Shift::default(),
    }
}

impl Published {
    /// The same diagnostic after an edit that moved every line of this
    /// document past `row` by `by` lines and changed no column the form
    /// shows: its line numbers rewritten, the rest copied.
    pub fn moved(&self, row: usize, by: isize) -> Published {
        self.rows_from(row.saturating_add(1), by)
    }

    /// The same diagnostic with `by` lines added to the line numbers it
    /// shows from line `from` on: its line numbers rewritten, the rest copied.
    pub fn rows_from(&self, from: usize, by: isize) -> Published {
        let shown = self.shown_moved(from, by);
        let mut json = String::with_capacity(shown.len());
        let mut lines = Vec::with_capacity(self.lines.len());
        shown.each_piece(|piece| match piece {
            Piece::Text(t) => json.push_str(t),
            Piece::Line(l) => {
                let start = json.len();
                let _ = write!(json, "{l}");
                lines.push((start as u32, (json.len() - start) as u8));
            }
        });
        Published {
            json: json.into(),
            lines: lines.into(),
            shift: Shift::default(),
            ..shown
        }
    }

    /// The same diagnostic with `by` lines added to the line numbers it
    /// shows from line `from` on, shown so without rewriting them: a copy of
    /// a form that is shown as it is.
    pub fn shown_moved(&self, from: usize, by: isize) -> Published {
        debug_assert_eq!(self.shift.by, 0, "moved twice without rewriting");
        let shift = Shift {
            from: u32::try_from(from).unwrap_or(u32::MAX),
            by: by.clamp(i32::MIN as isize, i32::MAX as isize) as i32,
        };
        let mut range = self.range;
        for p in [&mut range.start, &mut range.end] {
            p.line = shift.line(p.line);
        }
        Published {
            code: self.code,
            range,
            json: self.json.clone(),
            lines: self.lines.clone(),
            shift,
        }
    }

    /// The serialised form, its line numbers shifted.
    fn each_piece(&self, mut f: impl FnMut(Piece<'_>)) {
        let mut copied = 0;
        for &(at, len) in self.lines.iter() {
            let (at, end) = (at as usize, at as usize + len as usize);
            f(Piece::Text(&self.json[copied..at]));
            let old: u32 = self.json[at..end].parse().unwrap_or(0);
            f(Piece::Line(self.shift.line(old)));
            copied = end;
        }
        f(Piece::Text(&self.json[copied..]));
    }

    /// The length of the serialised form as shown.
    pub fn len(&self) -> usize {
        if self.shift.by == 0 {
            return self.json.len();
        }
        let mut n = 0;
        self.each_piece(|p| match p {
            Piece::Text(t) => n += t.len(),
            Piece::Line(l) => n += digits(l),
        });
        n
    }

    /// Appends the serialised form as shown to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        if self.shift.by == 0 {
            return out.extend_from_slice(self.json.as_bytes());
        }
        self.each_piece(|p| match p {
            Piece::Text(t) => out.extend_from_slice(t.as_bytes()),
            Piece::Line(l) => {
                let _ = std::io::Write::write_fmt(out, format_args!("{l}"));
            }
        });
    }

    /// The serialised form as shown.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self.shift.by {
            0 => std::borrow::Cow::Borrowed(&self.json),
            _ => {
                let mut out = Vec::with_capacity(self.len());
                self.write(&mut out);
                std::borrow::Cow::Owned(String::from_utf8(out).expect("copied from a str"))
            }
        }
    }
}

/// A piece of a serialised form: text as it is, or a line number.
enum Piece<'a> {
    Text(&'a str),
    Line(u32),
}

fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The hover text of a rule: its name, summary and documentation.
/// The hover over a finding: its message, why it matters (the rule's
/// "Why is this bad?" paragraph), and where to read more: the rule's page
/// when this build links one, else `httpvet explain`.
pub fn hover_markdown(rule: &Rule, message: &str) -> String {
    let why = crate::rules::section(rule, "Why is this bad?").unwrap_or(rule.summary);
    let more = match crate::links::rule_page(rule) {
        Some(url) => format!("[{} {}]({url})", rule.code, rule.name),
        None => format!("`httpvet explain {}`", rule.code),
    };
    format!(
        "**{}** {message}\n\n{}\n\nMore: {more}",
        rule.code,
        why.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

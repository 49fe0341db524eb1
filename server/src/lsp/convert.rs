//! Conversions between the engine's types and LSP types, in the negotiated
//! position encoding. Only this module and `lsp/mod.rs` know LSP.

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::position::{position_in_line, Encoding};
use crate::rules::Rule;
use crate::source::SourceFile;
use std::sync::Arc;
use tower_lsp_server::ls_types as lsp;

pub fn position(file: &SourceFile, offset: usize, enc: Encoding) -> lsp::Position {
    let (line, _) = file.line_col(offset);
    let start = file.line_start(line);
    lsp::Position {
        line: line as u32,
        character: position_in_line(&file.text, start, offset, enc),
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

fn diagnostic(d: &Diagnostic, file: &SourceFile, enc: Encoding) -> lsp::Diagnostic {
    let rule = crate::rules::find(d.code);
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(lsp::DiagnosticRelatedInformation {
                location: location(&r.location, file, enc)?,
                message: r.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(file, d.location.start.offset, d.location.end.offset, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: rule
            .and_then(|r| crate::links::rule_page(r)?.parse().ok())
            .map(|href| lsp::CodeDescription { href }),
        source: Some("httpvet".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A finding as published: what hover and code actions look up (code and
/// range), and the serialised LSP diagnostic that goes into
/// `publishDiagnostics` as it is.
#[derive(Clone, Debug)]
pub struct Published {
    pub code: &'static str,
    pub range: lsp::Range,
    pub json: Arc<str>,
}

pub fn published(d: &Diagnostic, file: &SourceFile, enc: Encoding) -> Published {
    let lsp = diagnostic(d, file, enc);
    Published {
        code: d.code,
        range: lsp.range,
        json: serde_json::to_string(&lsp)
            .expect("a diagnostic serialises")
            .into(),
    }
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

//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.

use super::Finding;
use crate::rules::RULES;
use serde_json::{json, Value};

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

fn artifact(path: &str) -> Value {
    json!({ "uri": path.trim_start_matches("./"), "uriBaseId": "%SRCROOT%" })
}

/// Writes the SARIF log of a run, pretty-printed, one result at a time: the
/// whole log as one JSON value held about thirteen times the bytes it
/// prints (10,000 findings: 34 MB of SARIF, 450 MB of memory).
pub fn write(findings: &[Finding], out: &mut impl std::io::Write) -> std::io::Result<()> {
    let log = serde_json::to_string_pretty(&log()).map_err(std::io::Error::other)?;
    const EMPTY: &str = "\"results\": []";
    let at = log.find(EMPTY).filter(|_| !findings.is_empty());
    let Some(at) = at else {
        return out.write_all(log.as_bytes());
    };
    // Where the results go: in the run, in the log's `runs` array, as
    // `to_string_pretty` would indent them.
    let indent = log[..at].rsplit('\n').next().unwrap_or("");
    let item = format!("{indent}  ");
    out.write_all(&log.as_bytes()[..at])?;
    out.write_all(b"\"results\": [\n")?;
    for (i, f) in findings.iter().enumerate() {
        let text = serde_json::to_string_pretty(&result(f)).map_err(std::io::Error::other)?;
        if i > 0 {
            out.write_all(b",\n")?;
        }
        // A JSON string holds no raw newline: every line is the value's own.
        for (k, line) in text.split('\n').enumerate() {
            if k > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(item.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
    }
    write!(out, "\n{indent}]")?;
    out.write_all(&log.as_bytes()[at + EMPTY.len()..])
}

/// The SARIF log of a run without its results.
fn log() -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let what = crate::rules::section(r, "What it does")
                .unwrap_or(r.summary)
                .replace('\n', " ");
            let mut rule = json!({
                "id": r.code,
                "name": pascal(r.name),
                "shortDescription": { "text": format!("{}.", r.summary) },
                "fullDescription": { "text": what },
                "help": { "text": format!("{}.", r.summary), "markdown": crate::rules::page(r) },
                "defaultConfiguration": { "level": "warning" },
                "properties": { "tags": ["concurrency", "net/http"] }
            });
            if let Some(url) = crate::links::rule_page(r) {
                rule["helpUri"] = url.into();
            }
            rule
        })
        .collect();
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "httpvet",
                    "version": crate::VERSION,
                    "semanticVersion": crate::VERSION,
                    "rules": rules
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The directory httpvet was run from." } }
            },
            "columnKind": "unicodeCodePoints",
            "results": []
        }]
    });
    if let Some(url) = crate::links::repository() {
        log["runs"][0]["tool"]["driver"]["informationUri"] = url.into();
    }
    log
}

/// One finding as a SARIF result.
fn result(f: &Finding) -> Value {
    let index = RULES.iter().position(|r| r.code == f.code).unwrap_or(0);
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i + 1,
                "message": { "text": r.message },
                "physicalLocation": {
                    "artifactLocation": artifact(&r.path),
                    "region": { "startLine": r.line, "startColumn": r.column }
                }
            })
        })
        .collect();
    let fixes: Vec<Value> = f
        .json_fixes()
        .iter()
        .map(|fix| {
            // One change per file, in the order the edits come.
            let mut paths: Vec<&str> = Vec::new();
            for e in fix.edits.iter() {
                if !paths.contains(&&*e.path) {
                    paths.push(&e.path);
                }
            }
            let changes: Vec<Value> = paths
                .iter()
                .map(|p| {
                    json!({
                        "artifactLocation": artifact(p),
                        "replacements": fix.edits.iter().filter(|e| &*e.path == *p).map(|e| json!({
                            "deletedRegion": {
                                "startLine": e.line, "startColumn": e.column,
                                "endLine": e.end_line, "endColumn": e.end_column
                            },
                            "insertedContent": { "text": e.new_text }
                        })).collect::<Vec<_>>()
                    })
                })
                .collect();
            json!({
                "description": { "text": fix.title },
                "artifactChanges": changes,
                "properties": { "applicability": fix.applicability.as_str() }
            })
        })
        .collect();
    let mut message = f.message.to_string();
    if !message.ends_with('.') {
        message.push('.');
    }
    let mut result = json!({
        "ruleId": f.code,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&f.path),
                "region": {
                    "startLine": f.line, "startColumn": f.char_column,
                    "endLine": f.end_line, "endColumn": f.char_end_column
                }
            }
        }]
    });
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    if !fixes.is_empty() {
        result["fixes"] = Value::Array(fixes);
    }
    result
}

/// `writer-escapes-handler` → `WriterEscapesHandler` (SARIF's rule name style).
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

//! HV009 superfluous-write-header.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::flow::{self, Flow};
use crate::syntax::http::{writer_call, WriterCall};
use crate::syntax::scope::{aliases, AliasRules};
use crate::syntax::NodeKind;
use crate::syntax::{unparen, visit_no_funcs, Call, Visit};
use std::collections::{BTreeMap, HashSet};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV009",
    name: "superfluous-write-header",
    summary: "The response status is written twice on some path",
    docs: r#"## What it does
Follows each path through a handler (if/else, switch, select, early returns;
a loop counts as its body run twice) and reports a status write —
`WriteHeader`, `http.Error`, `http.Redirect`, `http.NotFound`, or a package
helper that writes the status — made after the status was already committed
by an earlier `WriteHeader` or by a body write (`Write`, `fmt.Fprint*(w, …)`,
`io.Copy(w, …)`, `json.NewEncoder(w).Encode`).

## Why is this bad?
The status line can be sent once. The second call is ignored (the server only
logs "superfluous response.WriteHeader call"), so the client receives the
first status: a 200 with an error body, typically, because a `return` is
missing after the first write.

## Example
```go
func save(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
	}
	w.WriteHeader(http.StatusCreated)
}
```

## Use instead
```go
func save(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	w.WriteHeader(http.StatusCreated)
}
```

## Fix
When the first write is an explicit `WriteHeader(200)` (or
`http.StatusOK`) with nothing written before the second, removes it: the
first body write sends 200 anyway. Otherwise adds a `return` after the first
write where nothing after it would still run. When neither is safe, no fix is
offered and the message says so.
"#,
    check,
};

/// Only plain aliases (`rw := w`): wrappers that record the status are left alone.
const PLAIN: AliasRules = AliasRules {
    fields: &[],
    methods: &[],
    wrappers: false,
};

struct Status<'a, 'c> {
    cx: &'c Context<'a>,
    writers: HashSet<String>,
    /// second write → first commit
    found: BTreeMap<usize, (Node<'a>, Node<'a>)>,
}

impl<'a> Status<'a, '_> {
    fn classify(&self, call: &Call<'a>) -> Option<WriterCall> {
        if let Some(c) = writer_call(call, self.cx.src, self.cx.imports, &self.writers) {
            if informational(self.cx, call) {
                return None;
            }
            return Some(c);
        }
        // A package helper given the writer: writeJSON(w, 500, v).
        let (name, method) = match call.function.kind_name() {
            "identifier" => (self.cx.text(call.function), false),
            _ => return None,
        };
        for (i, a) in call.args.iter().enumerate() {
            let a = unparen(*a);
            if a.kind_name() == "identifier" && self.writers.contains(self.cx.text(a)) {
                let p = self.cx.index.param(name, method, i)?;
                if p.writes_status {
                    return Some(WriterCall::Status);
                }
                if p.commits {
                    return Some(WriterCall::Body);
                }
            }
        }
        None
    }
}

impl<'a> Flow<'a> for Status<'a, '_> {
    /// The first call that committed the status on this path.
    type State = Option<Node<'a>>;

    fn join(&mut self, into: &mut Self::State, other: Self::State) {
        if into.is_none() {
            *into = other;
        }
    }

    fn step(&mut self, node: Node<'a>, state: &mut Self::State) {
        if matches!(node.kind_name(), "go_statement" | "defer_statement") {
            return;
        }
        let mut calls = Vec::new();
        visit_no_funcs(node, |n| {
            if let Some(c) = Call::of(n) {
                calls.push(c);
            }
            Visit::Descend
        });
        // Inner calls run first: json.NewEncoder(w) before .Encode(v).
        calls.sort_by_key(|c| c.node.end_byte());
        for call in calls {
            let Some(kind) = self.classify(&call) else {
                continue;
            };
            match (kind, *state) {
                (WriterCall::Status, Some(first))
                    if !reports_failure_of(self.cx, call.node, first) =>
                {
                    self.found
                        .entry(call.node.start_byte())
                        .or_insert((call.node, first));
                }
                (_, None) => *state = Some(call.node),
                _ => {}
            }
        }
    }
}

/// `w.WriteHeader(103)`: a 1xx status may be sent any number of times
/// before the final one.
fn informational(cx: &Context, call: &Call) -> bool {
    if call.method(cx.src).map(|m| m.1) != Some("WriteHeader") {
        return false;
    }
    let Some(arg) = call.arg(0) else { return false };
    let t = cx.text(arg);
    let name = t.rsplit('.').next().unwrap_or(t);
    matches!(
        name,
        "StatusContinue" | "StatusSwitchingProtocols" | "StatusProcessing" | "StatusEarlyHints"
    ) || t.parse::<u32>().is_ok_and(|n| (100..200).contains(&n))
}

/// `if err := tmpl.Execute(w, v); err != nil { http.Error(…) }`: the error
/// path of the write itself. Nothing could be sent to fix the status by then,
/// and no `return` is missing; the idiom is left alone.
fn reports_failure_of(cx: &Context, second: Node, first: Node) -> bool {
    let mut cur = second.parent();
    while let Some(n) = cur {
        if n.kind_name() == "if_statement" {
            let in_header = ["initializer", "condition"].iter().any(|f| {
                n.child_by_field_name(f)
                    .is_some_and(|h| crate::syntax::contains(h, first))
            });
            let just_before = n.prev_named_sibling().is_some_and(|p| {
                matches!(
                    p.kind_name(),
                    "short_var_declaration" | "assignment_statement"
                ) && crate::syntax::contains(p, first)
                    && n.child_by_field_name("condition")
                        .is_some_and(|c| cx.text(c).contains("err"))
            });
            return in_header || just_before;
        }
        if crate::syntax::is_function(n) {
            return false;
        }
        cur = n.parent();
    }
    false
}

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(w) = &h.writer else { continue };
        let writers = aliases(h.func, std::slice::from_ref(w), cx.src, PLAIN);
        let mut status = Status {
            cx,
            writers,
            found: BTreeMap::new(),
        };
        flow::run(&mut status, h.body, cx.src, None);
        for (second, first) in status.found.into_values() {
            // No line number in the message: the related location says where,
            // and stays right while the editor moves it.
            let mut d = cx.diag(
                &RULE,
                second,
                format!(
                    "`{}` writes the status again: `{}` already sent it, so this status is ignored",
                    super::snippet(cx.text(second)),
                    super::snippet(cx.text(first)),
                ),
            );
            d.related
                .push(cx.related(first, "the status was first written here"));
            match remove_explicit_ok(cx, first).or_else(|| return_fix(cx, first)) {
                Some(f) => d.fixes.push(f),
                None => d
                    .message
                    .push_str(" (no safe fix: add the missing return by hand)"),
            }
            out.push(d);
        }
    }
}

/// Adds `return` after the first write when it is the last statement of an
/// `if`/`else`/`case` branch: only the code after the branch is skipped,
/// which is what wrote the status again.
fn return_fix(cx: &Context, first: Node) -> Option<crate::diagnostic::Fix> {
    let stmt = crate::syntax::statement_of(first)?;
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let list = stmt.parent()?;
    if crate::syntax::next_statement(stmt).is_some() {
        return None;
    }
    let owner = list.parent()?;
    let branch = match owner.kind() {
        "block" => owner.parent().is_some_and(|i| i.kind() == "if_statement"),
        "expression_case" | "default_case" | "type_case" | "communication_case" => true,
        _ => false,
    };
    if !branch {
        return None;
    }
    let indent = crate::fix::indent_at(cx.file, stmt.start_byte()).to_string();
    let at = cx.src[stmt.end_byte()..]
        .find('\n')
        .map_or(cx.src.len(), |i| stmt.end_byte() + i);
    Some(crate::fix::fix(
        "Return after the first status write",
        true,
        crate::diagnostic::Applicability::Safe,
        vec![crate::fix::edit(
            cx.file,
            at,
            at,
            format!("\n{indent}return"),
        )],
    ))
}

/// `w.WriteHeader(http.StatusOK)` as the first write: the first body write
/// sends 200 anyway, so the explicit one can go.
fn remove_explicit_ok(cx: &Context, first: Node) -> Option<crate::diagnostic::Fix> {
    let call = Call::of(first)?;
    let (_, "WriteHeader") = call.method(cx.src)? else {
        return None;
    };
    let code = cx.text(call.arg(0)?);
    if code != "200" && !code.ends_with("StatusOK") {
        return None;
    }
    let stmt = first
        .parent()
        .filter(|s| s.kind() == "expression_statement")?;
    let (line, _) = cx.file.line_col(stmt.start_byte());
    let (end_line, _) = cx.file.line_col(stmt.end_byte());
    let start = cx.file.line_start(line);
    let end = cx.file.line_start(end_line + 1);
    // Only when the statement has its line to itself.
    if cx.src[start..stmt.start_byte()].trim() != ""
        || !cx.src[stmt.end_byte()..end].trim().is_empty()
    {
        return None;
    }
    Some(crate::fix::fix(
        "Remove the explicit 200: the first write sends it",
        true,
        crate::diagnostic::Applicability::Safe,
        vec![crate::fix::edit(cx.file, start, end, "")],
    ))
}

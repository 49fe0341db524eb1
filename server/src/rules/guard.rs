//! The fix HV007 and HV008 share: guard a shared value with a new
//! `sync.Mutex` beside it, and wrap the handler's statement that touches it
//! in `Lock()` / `Unlock()`, keeping writes to the client outside the lock.

use super::Context;
use crate::diagnostic::{Applicability, Fix, Location};
use crate::fix::{edit, fix, import, indent_at};
use crate::syntax::handlers::Handler;
use crate::syntax::scope::{aliases, WRITER};
use crate::syntax::{any_no_funcs, named_children, statement_of, visit, Call, Visit};
use tree_sitter::Node;

/// What is guarded: a package-level variable, or a field of the handler's
/// receiver (`root.field` of struct type `type_name`).
pub enum Guarded<'s> {
    Var {
        name: &'s str,
        decl: &'s Location,
    },
    Field {
        root: &'s str,
        type_name: &'s str,
        field: &'s str,
    },
}

impl Guarded<'_> {
    fn name(&self) -> &str {
        match self {
            Guarded::Var { name, .. } => name,
            Guarded::Field { field, .. } => field,
        }
    }
}

/// The fix for an unguarded use of `what` at `access` in handler `h`.
pub fn guard_fix(cx: &Context, h: &Handler, access: Node, what: Guarded) -> Option<Fix> {
    let stmt = statement_around(cx, h, access, what.name())?;
    if unsafe_to_wrap(cx, h, stmt) {
        return None;
    }
    let (sq, simp) = import(cx.file, cx.imports, "sync");
    let mut edits: Vec<_> = simp.into_iter().collect();
    let lock = match &what {
        Guarded::Var { name, decl } => {
            let existing = format!("{name}Mu");
            let mu = match cx.index.var(&existing) {
                Some(v) if v.kind == crate::syntax::types::Kind::Mutex => existing,
                Some(_) => return None,
                None => {
                    if *decl.path != *cx.file.path {
                        return None; // declared in a sibling file: edit one file only
                    }
                    let node = cx
                        .root
                        .descendant_for_byte_range(decl.start.offset, decl.end.offset)?;
                    let top = top_level(node)?;
                    let at = top.end_byte();
                    edits.push(edit(
                        cx.file,
                        at,
                        at,
                        format!("\n\n// {existing} guards {name}.\nvar {existing} {sq}Mutex"),
                    ));
                    existing
                }
            };
            mu
        }
        Guarded::Field {
            root,
            type_name,
            field,
        } => {
            let fields = struct_fields(cx, type_name)?;
            let mu = format!("{field}Mu");
            let declared = named_children(fields).any(|f| {
                f.kind() == "field_declaration"
                    && f.child_by_field_name("name").map(|n| cx.text(n)) == Some(mu.as_str())
            });
            if !declared {
                let last = named_children(fields).last()?;
                let at = last.end_byte();
                edits.push(edit(
                    cx.file,
                    at,
                    at,
                    format!("\n\n\t{mu} {sq}Mutex // guards {field}"),
                ));
            }
            format!("{root}.{mu}")
        }
    };
    let indent = indent_at(cx.file, stmt.start_byte()).to_string();
    edits.push(edit(
        cx.file,
        stmt.start_byte(),
        stmt.start_byte(),
        format!("{lock}.Lock()\n{indent}"),
    ));
    let after = crate::fix::after_statement(cx.file, stmt.end_byte());
    edits.push(edit(
        cx.file,
        after,
        after,
        format!("\n{indent}{lock}.Unlock()"),
    ));
    Some(fix(
        format!("Guard `{}` with a mutex", what.name()),
        true,
        Applicability::Safe,
        edits,
    ))
}

/// The statement to wrap: the one holding `access`, widened to an enclosing
/// statement of the handler whose own header also mentions `name` (so that
/// two uses never take the lock twice).
fn statement_around<'t>(cx: &Context, h: &Handler, access: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut stmt = statement_of(access)?;
    let mut cur = stmt.parent();
    while let Some(p) = cur {
        if p.id() == h.body.id() || crate::syntax::is_function(p) {
            break;
        }
        if crate::syntax::statement_of(p) == Some(p) && mentions_outside(cx, p, stmt, name) {
            stmt = p;
        }
        cur = p.parent();
    }
    (!crate::syntax::is_function(stmt)).then_some(stmt)
}

fn mentions_outside(cx: &Context, outer: Node, inner: Node, name: &str) -> bool {
    let mut found = false;
    visit(outer, |n| {
        if n.id() == inner.id() {
            return Visit::Skip;
        }
        if matches!(n.kind(), "identifier" | "field_identifier") && cx.text(n) == name {
            found = true;
            return Visit::Stop;
        }
        Visit::Descend
    });
    found
}

/// A statement that leaves early, writes to the client, or starts work that
/// outlives it cannot simply be wrapped.
fn unsafe_to_wrap(cx: &Context, h: &Handler, stmt: Node) -> bool {
    if matches!(
        stmt.kind(),
        "defer_statement" | "go_statement" | "return_statement" | "labeled_statement"
    ) {
        return true;
    }
    if any_no_funcs(stmt, |n| {
        matches!(
            n.kind(),
            "return_statement"
                | "break_statement"
                | "continue_statement"
                | "goto_statement"
                | "fallthrough_statement"
        )
    }) {
        return true;
    }
    let writers = match &h.writer {
        Some(w) => aliases(h.func, std::slice::from_ref(w), cx.src, WRITER),
        None => Default::default(),
    };
    any_no_funcs(stmt, |n| {
        Call::of(n).is_some_and(|c| {
            crate::syntax::http::writes_to_client(&c, cx.src, cx.imports, &writers)
                || cx.text(c.function).ends_with(".Lock")
                || cx.text(c.function).ends_with(".RLock")
        })
    })
}

/// The top-level declaration holding `n`.
fn top_level(mut n: Node) -> Option<Node> {
    while let Some(p) = n.parent() {
        if p.kind() == "source_file" {
            return Some(n);
        }
        n = p;
    }
    None
}

/// The field list of struct type `type_name` declared in this file, when no
/// method of the file takes it by value (a mutex must not be copied).
fn struct_fields<'t>(cx: &Context<'t>, type_name: &str) -> Option<Node<'t>> {
    let mut found = None;
    let mut by_value = false;
    for decl in named_children(cx.root) {
        match decl.kind() {
            "type_declaration" => {
                for spec in named_children(decl) {
                    if spec.kind() == "type_spec"
                        && spec.child_by_field_name("name").map(|n| cx.text(n)) == Some(type_name)
                    {
                        found = spec
                            .child_by_field_name("type")
                            .filter(|t| t.kind() == "struct_type")
                            .and_then(|t| crate::syntax::child_of_kind(t, "field_declaration_list"));
                    }
                }
            }
            "method_declaration" => {
                let recv_type = decl
                    .child_by_field_name("receiver")
                    .and_then(|r| named_children(r).next())
                    .and_then(|p| p.child_by_field_name("type"));
                if recv_type.is_some_and(|t| t.kind() != "pointer_type" && cx.text(t) == type_name) {
                    by_value = true;
                }
            }
            _ => {}
        }
    }
    if by_value {
        return None;
    }
    found
}

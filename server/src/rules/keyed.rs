//! A package helper that does something (writes the status, closes a conn)
//! on the return paths its result tells (`When`, from the package index),
//! and the caller's branches on that result: after
//! `if err := handshake(conn); err != nil { return }` the effect happened on
//! the `return` branch only.

use super::Context;
use crate::index::When;
use crate::syntax::{unparen, NodeKind};
use tree_sitter::Node;

/// A call of such a helper whose result the code after it has not yet
/// looked at.
#[derive(Clone, Copy, Debug)]
pub struct Pending<'a> {
    pub call: Node<'a>,
    /// The variable holding the telling result (`err`, `ok`); `None` when
    /// the call itself is the condition (`if !parse(w, r) {`).
    pub var: Option<Node<'a>>,
    pub when: When,
}

impl<'a> Pending<'a> {
    /// `call`, whose result `idx` tells `when` it had its effect.
    pub fn new(call: Node<'a>, idx: usize, when: When) -> Pending<'a> {
        Pending {
            call,
            var: result_var(call, idx),
            when,
        }
    }

    /// True when `node`, a statement after the call, gives the variable
    /// holding the result a new value (`_, ok = lookup(id)`): a test after
    /// it says nothing of the helper's effect, which stays unknown.
    pub fn overwritten_by(&self, cx: &Context, node: Node) -> bool {
        self.var.is_some_and(|v| {
            !crate::syntax::contains(node, self.call)
                && crate::syntax::scope::overwrites(node, cx.src, cx.text(v))
        })
    }

    /// Whether taking (`taken`) or skipping a branch on `cond` means the
    /// helper had its effect: `None` when the condition does not test its
    /// result. In `a || !ok` the branch taken may be `a`'s (and in
    /// `a && ok` the branch skipped): [`Effect::Maybe`] there.
    pub fn on_branch(&self, cx: &Context, cond: Node, taken: bool) -> Option<Effect> {
        let cond = unparen(cond);
        if cond.kind_name() == "binary_expression" {
            let op = cond.field("operator").map(|o| cx.text(o));
            if let Some(both @ ("||" | "&&")) = op {
                let side = [cond.field("left"), cond.field("right")]
                    .into_iter()
                    .flatten()
                    .find_map(|c| self.on_branch(cx, c, taken))?;
                // Either side alone decides the branch one way: the other
                // way, both sides were evaluated to the same value.
                return Some(match (both, taken) {
                    ("||", false) | ("&&", true) => side,
                    _ => Effect::Maybe,
                });
            }
        }
        let is_result = |n: Node| match self.var {
            Some(v) => {
                let n = unparen(n);
                n.kind_name() == "identifier" && cx.text(n) == cx.text(v)
            }
            None => unparen(n).id() == self.call.id(),
        };
        // (the result tested, whether the test holds when the result is an
        // error / true)
        let (holds_on_error_or_true, tested) = match cond.kind_name() {
            "binary_expression" => {
                let (result, ne) = crate::syntax::nil_test(cond, cx.src)?;
                (ne, result)
            }
            "unary_expression" if cond.field("operator").map(|o| cx.text(o)) == Some("!") => {
                let operand = cond.field("operand")?;
                (false, operand)
            }
            _ => (true, cond),
        };
        if !is_result(tested) {
            return None;
        }
        // On this branch, is the result an error / true?
        let error_or_true = holds_on_error_or_true == taken;
        let had = match self.when {
            When::OnError(_) | When::OnTrue(_) => error_or_true,
            When::OnFalse(_) | When::OnNil(_) => !error_or_true,
            When::Always => true,
            When::Sometimes => false,
        };
        Some(if had { Effect::Had } else { Effect::Not })
    }
}

/// What a branch tells of a pending helper's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Had,
    Not,
    /// On some of the paths into the branch: each rule takes the side that
    /// keeps it silent.
    Maybe,
}

/// The variable a call's `idx`-th result is assigned to
/// (`id, err := parse(w, r)`).
fn result_var(call: Node, idx: usize) -> Option<Node> {
    let list = call.up().filter(|l| l.kind_name() == "expression_list")?;
    let stmt = list.up().filter(|s| {
        matches!(
            s.kind_name(),
            "short_var_declaration" | "assignment_statement"
        )
    })?;
    (crate::syntax::named_children(list).count() == 1).then_some(())?;
    crate::syntax::named_children(stmt.field("left")?)
        .nth(idx)
        .filter(|v| v.kind_name() == "identifier")
}

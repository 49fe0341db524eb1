//! Calls of `sync/atomic` functions: which variable or field they update
//! and at what width. Shared by the package index (which records the
//! targets) and HV012 (which checks the plain accesses).

use super::imports::Imports;
use super::{Call, NodeKind};
use tree_sitter::Node;

/// The atomic function names of `sync/atomic`: `AddInt64` → `Some(("Add", "Int64"))`.
pub fn func(name: &str) -> Option<(&str, &str)> {
    const OPS: &[&str] = &[
        "CompareAndSwap",
        "Add",
        "Load",
        "Store",
        "Swap",
        "And",
        "Or",
    ];
    const WIDTHS: &[&str] = &["Int32", "Int64", "Uint32", "Uint64", "Uintptr", "Pointer"];
    let op = OPS.iter().find(|op| name.starts_with(**op))?;
    let width = &name[op.len()..];
    WIDTHS.contains(&width).then_some((*op, width))
}

/// For `atomic.AddInt64(&x, 1)`: the operand `x` of `&x` and the width `Int64`.
pub fn target<'t, 's>(n: Node<'t>, src: &'s str, imports: &Imports) -> Option<(Node<'t>, &'s str)> {
    if n.kind_name() != "call_expression" {
        return None;
    }
    let name = imports.member(n.field("function")?, src, "sync/atomic")?;
    let call = Call::of(n)?;
    let (_, width) = func(name)?;
    Some((super::address_of(call.arg(0)?, src)?, width))
}

/// The operation of an atomic call: `Add` for `atomic.AddInt64(…)`.
pub fn op<'s>(n: Node, src: &'s str, imports: &Imports) -> Option<&'s str> {
    let name = imports.member(n.field("function")?, src, "sync/atomic")?;
    func(name).map(|(op, _)| op)
}

/// For a merge, `atomic.AddUint64(&total.n, part.n)`: `part.n`, the same
/// field of another value, added in.
pub fn merged_from<'t>(n: Node<'t>, src: &str, imports: &Imports) -> Option<Node<'t>> {
    let (target, _) = target(n, src, imports)?;
    if op(n, src, imports)? != "Add" {
        return None;
    }
    let from = super::unparen(Call::of(n)?.arg(1)?);
    let field = |x: Node| x.field("field").map(|f| super::text(f, src));
    let operand = |x: Node| x.field("operand").map(|o| super::text(o, src));
    (from.kind_name() == "selector_expression"
        && target.kind_name() == "selector_expression"
        && field(from) == field(target)
        && operand(from) != operand(target))
    .then_some(from)
}

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

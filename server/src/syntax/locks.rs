//! Lock regions: which locks are held when each statement of a function runs.
//!
//! A statement holds lock `X` when it follows `X.Lock()` / `X.RLock()` on some
//! path with no `X.Unlock()` / `X.RUnlock()` between them; `defer X.Unlock()`
//! keeps `X` held to the end of the function.

use super::flow::{self, Flow};
use super::{statement_call, text};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// The locks held at a statement, by their expression text (`c.mu`).
pub type Held = Vec<String>;

/// If `stmt` is `X.Lock()`-like: `X` and whether it acquires (`true`) or releases.
pub fn lock_op<'s>(stmt: Node, src: &'s str) -> Option<(&'s str, bool)> {
    if stmt.kind_name() != "expression_statement" {
        return None;
    }
    let call = statement_call(stmt)?;
    let (operand, method) = call.method(src)?;
    let acquire = match method {
        "Lock" | "RLock" => true,
        "Unlock" | "RUnlock" => false,
        _ => return None,
    };
    Some((text(operand, src), acquire))
}

struct Locks<'s, F> {
    src: &'s str,
    f: F,
}

impl<'t, F: FnMut(Node<'t>, &Held)> Flow<'t> for Locks<'t, F> {
    type State = Held;

    fn join(&mut self, into: &mut Held, other: Held) {
        for l in other {
            if !into.contains(&l) {
                into.push(l);
            }
        }
    }

    fn step(&mut self, node: Node<'t>, held: &mut Held) {
        (self.f)(node, held);
        if let Some((lock, acquire)) = lock_op(node, self.src) {
            if acquire {
                if !held.iter().any(|h| h == lock) {
                    held.push(lock.to_string());
                }
            } else {
                held.retain(|h| h != lock);
            }
        }
    }
}

/// Calls `f(statement, held)` for every statement (and clause header) of
/// `body`, possibly more than once for statements in loops.
pub fn each_statement<'t>(body: Node<'t>, src: &'t str, f: impl FnMut(Node<'t>, &Held)) {
    let mut locks = Locks { src, f };
    flow::run(&mut locks, body, src, Held::new());
}

/// True when the body takes any lock at all (a cheap pre-check).
pub fn takes_locks(body: Node, src: &str) -> bool {
    let t = text(body, src);
    t.contains(".Lock()") || t.contains(".RLock()")
}

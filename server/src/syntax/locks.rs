//! Lock regions: which locks are held when each statement of a function runs.
//!
//! A statement holds lock `X` when it follows `X.Lock()` / `X.RLock()` on some
//! path with no `X.Unlock()` / `X.RUnlock()` between them; `defer X.Unlock()`
//! keeps `X` held to the end of the function.

use super::flow::{self, Flow};
use super::{statement_call, text};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// The locks held at a statement, by their expression text (`c.mu`), each
/// with whether only its read side is held (`RLock`).
#[derive(Clone, Debug, Default)]
pub struct Held {
    locks: Vec<(String, bool)>,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.locks.is_empty()
    }

    /// The locks held, by their expression text.
    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.locks.iter().map(|(l, _)| l)
    }

    /// The locks held, each with whether it is held only for reading.
    pub fn modes(&self) -> impl Iterator<Item = (&str, bool)> {
        self.locks.iter().map(|(l, r)| (l.as_str(), *r))
    }

    /// Adds `lock`, held for reading only (`read`) or for writing: held for
    /// writing on any path, it is not held only for reading.
    fn hold(&mut self, lock: &str, read: bool) {
        match self.locks.iter_mut().find(|(h, _)| h == lock) {
            Some((_, r)) => *r &= read,
            None => self.locks.push((lock.to_string(), read)),
        }
    }

    /// When locks are held but only for reading (`RLock` on every path):
    /// the first of them. Other goroutines may hold the same read lock at
    /// once, so it excludes no other reader, nor a writer under it.
    pub fn read_only(&self) -> Option<&str> {
        let all_read = !self.locks.is_empty() && self.locks.iter().all(|(_, read)| *read);
        all_read.then(|| self.locks[0].0.as_str())
    }
}

/// If `stmt` is `X.Lock()`-like: `X`, and whether it acquires (with
/// whether only for reading, `RLock`) or releases (`None`).
fn lock_call<'s>(stmt: Node, src: &'s str) -> Option<(&'s str, Option<bool>)> {
    if stmt.kind_name() != "expression_statement" {
        return None;
    }
    let call = statement_call(stmt)?;
    let (operand, method) = call.method(src)?;
    let op = match method {
        "Lock" => Some(false),
        "RLock" => Some(true),
        "Unlock" | "RUnlock" => None,
        _ => return None,
    };
    Some((text(operand, src), op))
}

/// If `stmt` is `X.Lock()`-like: `X` and whether it acquires (`true`) or releases.
pub fn lock_op<'s>(stmt: Node, src: &'s str) -> Option<(&'s str, bool)> {
    let (lock, op) = lock_call(stmt, src)?;
    Some((lock, op.is_some()))
}

struct Locks<'s, F> {
    src: &'s str,
    f: F,
}

impl<'t, F: FnMut(Node<'t>, &Held)> Flow<'t> for Locks<'t, F> {
    type State = Held;

    fn join(&mut self, into: &mut Held, other: Held) {
        for (l, read) in other.locks {
            into.hold(&l, read);
        }
    }

    fn step(&mut self, node: Node<'t>, held: &mut Held) {
        (self.f)(node, held);
        match lock_call(node, self.src) {
            Some((lock, Some(read))) => held.hold(lock, read),
            Some((lock, None)) => held.locks.retain(|(h, _)| h != lock),
            None => {}
        }
    }
}

/// Calls `f(statement, held)` for every statement (and clause header) of
/// `body`, possibly more than once for statements in loops.
pub fn each_statement<'t>(body: Node<'t>, src: &'t str, f: impl FnMut(Node<'t>, &Held)) {
    let mut locks = Locks { src, f };
    flow::run(&mut locks, body, src, Held::default());
}

/// Where a stretch of source calls `.Lock()` or `.RLock()` (see
/// [`super::Sites`]): `within(body)` then tells whether a body takes any
/// lock at all, a cheap pre-check.
pub fn lock_sites(src: &str, range: std::ops::Range<usize>) -> super::Sites {
    super::Sites::of_text(src, range, &[".Lock()", ".RLock()"])
}

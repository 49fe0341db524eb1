//! A small forward data-flow walker over a function body's statements.
//!
//! It follows sequences, `if`/`else`, `switch`, `select`, loops (a loop body
//! runs twice, so state from one iteration reaches the next), `break`,
//! `continue` and `return`. Analyses see each simple statement (and each
//! clause header) once per path state through [`Flow::step`], and every
//! way out of the function through [`Flow::exit`].

use super::{child_of_kind, named_children, statement_call, statements, text, Call};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// An analysis over the walker.
pub trait Flow<'t> {
    type State: Clone;
    /// Merges the state of another path into `into`.
    fn join(&mut self, into: &mut Self::State, other: Self::State);
    /// A simple statement or a clause header (`if` condition, `range` clause,
    /// a `select` case's communication) evaluated in `state`.
    fn step(&mut self, node: Node<'t>, state: &mut Self::State);
    /// The function returns (explicitly or by reaching its end) in `state`.
    fn exit(&mut self, _node: Node<'t>, _state: &Self::State) {}
    /// An `if` takes its consequence (`taken`) or its alternative (or the
    /// way past it) on `condition`: called first thing on that branch.
    fn branch(&mut self, _condition: Node<'t>, _taken: bool, _state: &mut Self::State) {}
}

/// Where a statement leaves its state: the next statement, or a jump.
/// The walker recurses once per level of nesting, holding a few of these
/// per frame: the jumps, rare, are boxed, so a frame holds about one state
/// per `Out` (a first check faults in every page of stack it touches).
struct Out<S> {
    next: Option<S>,
    jumps: Option<Box<Jumps<S>>>,
}

struct Jumps<S> {
    brk: Option<S>,
    /// `break label`: it leaves a loop, not the `select` or `switch` it
    /// sits in (taken as leaving the nearest loop).
    brk_label: Option<S>,
    cont: Option<S>,
}

impl<S> Out<S> {
    fn next(s: S) -> Self {
        Out {
            next: Some(s),
            jumps: None,
        }
    }
    fn none() -> Self {
        Out {
            next: None,
            jumps: None,
        }
    }
    /// Only a jump, made by `set`.
    fn jump(set: impl FnOnce(&mut Jumps<S>)) -> Self {
        let mut jumps = Box::new(Jumps {
            brk: None,
            brk_label: None,
            cont: None,
        });
        set(&mut jumps);
        Out {
            next: None,
            jumps: Some(jumps),
        }
    }
    /// Takes the states of `break` (unlabelled) out.
    fn take_brk(&mut self) -> Option<S> {
        self.jumps.as_mut().and_then(|j| j.brk.take())
    }
}

/// Nesting beyond this is treated as one opaque statement.
const MAX_DEPTH: usize = 200;
/// Loops nested deeper than this run their body once, not twice.
const MAX_LOOP_DEPTH: usize = 4;

/// Runs `flow` over a function body from `init`.
pub fn run<'t, F: Flow<'t>>(flow: &mut F, body: Node<'t>, src: &'t str, init: F::State) {
    let mut w = Walker {
        flow,
        src,
        depth: 0,
        loops: 0,
        body,
        test: std::cell::Cell::new(None),
    };
    let out = w.stmt(body, init);
    if let Some(s) = out.next {
        w.flow.exit(body, &s);
    }
}

struct Walker<'f, 't, F: Flow<'t>> {
    flow: &'f mut F,
    src: &'t str,
    depth: usize,
    loops: usize,
    /// The body walked.
    body: Node<'t>,
    /// Walking a test (a function given a `*testing.T`, `B`, `F` or a
    /// `testing.TB`, or a literal inside one): a path that has failed the
    /// test ends there. Asked
    /// only at a call that may fail a test: finding the body's function
    /// climbs the tree, which costs its depth.
    test: std::cell::Cell<Option<bool>>,
}

/// Whether a call ends the path it is on.
#[derive(PartialEq, Eq)]
pub enum Ends {
    No,
    /// `panic`, `os.Exit`, `runtime.Goexit`, `log.Panic…`, any `….Fatal…`
    /// (`log.Fatal`, every common logger's, a test's).
    Always,
    /// In a test: a call that fails or skips it (`FailNow`, `Fail`,
    /// `Error…`, `Skip…`, testify's `require.Fail…`). What a failed test
    /// leaves behind on that path does not matter.
    InTest,
}

pub fn ends_path(call: &Call, src: &str) -> Ends {
    let f = text(call.function, src);
    if f == "panic" || f == "os.Exit" || f == "runtime.Goexit" || f.starts_with("log.Panic") {
        return Ends::Always;
    }
    let method = call.method(src).map(|(_, m)| m);
    // `log.Fatal`, a logger's `Fatalf`, or a field holding one
    // (`e.fatalf(…)`, set to `log.Fatalf`).
    if method.is_some_and(|m| m.starts_with("Fatal") || m.starts_with("fatal")) {
        return Ends::Always;
    }
    let fails = matches!(
        method,
        Some("FailNow" | "Fail" | "SkipNow" | "Skip" | "Skipf" | "Error" | "Errorf")
    ) || f.starts_with("require.Fail")
        || f.starts_with("assert.Fail");
    if fails {
        Ends::InTest
    } else {
        Ends::No
    }
}

/// True when one of the statements of `block` (a block or a case, one
/// level deep) ends the path: a case of a `select` that fails the test is
/// no way out of it.
pub fn block_ends_path(block: Node, src: &str) -> bool {
    let mut in_test = None;
    let mut in_test = || {
        *in_test.get_or_insert_with(|| within_test(crate::syntax::enclosing_function(block), src))
    };
    statements(block)
        .into_iter()
        .any(|s| match statement_call(s).map(|c| ends_path(&c, src)) {
            Some(Ends::Always) => true,
            Some(Ends::InTest) => in_test(),
            _ => false,
        })
        || (after_failed_assertion(block, src) && in_test())
}

/// True when `block` is the body of `if !assert.NoError(t, err) { … }`: it
/// runs only once the assertion has failed the test.
fn after_failed_assertion(block: Node, src: &str) -> bool {
    let block = match block.kind_name() {
        "statement_list" => block.up(),
        _ => Some(block),
    };
    block
        .filter(|b| b.kind_name() == "block")
        .and_then(|b| {
            b.up()
                .filter(|i| i.field("consequence").map(|c| c.id()) == Some(b.id()))
        })
        .filter(|i| i.kind_name() == "if_statement")
        .and_then(|i| i.field("condition"))
        .is_some_and(|c| failed_assertion(c, src))
}

/// True for `!assert.NoError(t, err)`: a testify assertion has failed the
/// test when it holds.
fn failed_assertion(condition: Node, src: &str) -> bool {
    let c = crate::syntax::unparen(condition);
    c.kind_name() == "unary_expression"
        && c.field("operator").is_some_and(|o| text(o, src) == "!")
        && c.field("operand")
            .map(crate::syntax::unparen)
            .filter(|call| call.kind_name() == "call_expression")
            .and_then(|call| call.field("function"))
            .is_some_and(|f| text(f, src).starts_with("assert."))
}

/// True when `func` or a function around it is a test (see
/// [`is_test_function`]): a goroutine's literal inside a test fails it
/// through the test's `t`.
fn within_test(func: Option<Node>, src: &str) -> bool {
    std::iter::successors(func, |f| crate::syntax::enclosing_function(*f))
        .any(|f| is_test_function(f, src))
}

/// True for a function with a `*testing.T` (`B`, `F`) or `testing.TB`
/// parameter: a test, a benchmark, a fuzz target, a subtest's literal or a
/// helper of theirs.
fn is_test_function(func: Node, src: &str) -> bool {
    crate::syntax::handlers::params(func, src).iter().any(|p| {
        matches!(
            text(p.ty, src),
            "*testing.T" | "*testing.B" | "*testing.F" | "testing.TB"
        )
    })
}

impl<'t, F: Flow<'t>> Walker<'_, 't, F> {
    fn merge(&mut self, a: Option<F::State>, b: Option<F::State>) -> Option<F::State> {
        match (a, b) {
            (Some(mut a), Some(b)) => {
                self.flow.join(&mut a, b);
                Some(a)
            }
            (a, None) => a,
            (None, b) => b,
        }
    }

    fn merge_out(&mut self, a: Out<F::State>, b: Out<F::State>) -> Out<F::State> {
        Out {
            next: self.merge(a.next, b.next),
            jumps: self.merge_jumps(a.jumps, b.jumps),
        }
    }

    fn merge_jumps(
        &mut self,
        a: Option<Box<Jumps<F::State>>>,
        b: Option<Box<Jumps<F::State>>>,
    ) -> Option<Box<Jumps<F::State>>> {
        match (a, b) {
            (Some(mut a), Some(b)) => {
                let b = *b;
                a.brk = self.merge(a.brk.take(), b.brk);
                a.brk_label = self.merge(a.brk_label.take(), b.brk_label);
                a.cont = self.merge(a.cont.take(), b.cont);
                Some(a)
            }
            (a, None) => a,
            (None, b) => b,
        }
    }

    fn seq(&mut self, stmts: &[Node<'t>], state: F::State) -> Out<F::State> {
        let mut acc = Out::next(state);
        for &s in stmts {
            let Some(cur) = acc.next.take() else {
                break;
            };
            let out = self.stmt(s, cur);
            acc.next = out.next;
            acc.jumps = self.merge_jumps(acc.jumps.take(), out.jumps);
        }
        acc
    }

    fn step(&mut self, node: Option<Node<'t>>, state: &mut F::State) {
        if let Some(n) = node {
            self.flow.step(n, state);
        }
    }

    fn stmt(&mut self, node: Node<'t>, mut state: F::State) -> Out<F::State> {
        if self.depth > MAX_DEPTH {
            self.flow.step(node, &mut state);
            return Out::next(state);
        }
        self.depth += 1;
        let out = self.stmt_inner(node, state);
        self.depth -= 1;
        out
    }

    fn stmt_inner(&mut self, node: Node<'t>, mut state: F::State) -> Out<F::State> {
        match node.kind_name() {
            "block" | "statement_list" => self.seq(&statements(node), state),
            "labeled_statement" => {
                match named_children(node).find(|n| n.kind_name() != "label_name") {
                    Some(inner) => self.stmt(inner, state),
                    None => Out::next(state),
                }
            }
            "return_statement" => {
                self.flow.step(node, &mut state);
                self.flow.exit(node, &state);
                Out::none()
            }
            "break_statement" if named_children(node).next().is_some() => {
                Out::jump(|j| j.brk_label = Some(state))
            }
            "break_statement" => Out::jump(|j| j.brk = Some(state)),
            "continue_statement" => Out::jump(|j| j.cont = Some(state)),
            "goto_statement" => Out::none(),
            "if_statement" => self.if_stmt(node, state),
            "expression_switch_statement" | "type_switch_statement" => self.switch(node, state),
            "select_statement" => self.select(node, state),
            "for_statement" => self.for_loop(node, state),
            "expression_statement" => {
                self.flow.step(node, &mut state);
                if self.terminates(node) {
                    Out::none()
                } else {
                    Out::next(state)
                }
            }
            _ => {
                self.flow.step(node, &mut state);
                Out::next(state)
            }
        }
    }

    // Each compound statement has a function of its own, kept out of line:
    // the walker recurses once per level of nesting, and a frame that held
    // the locals of every kind of statement would touch kilobytes of stack
    // per level (pages a first check faults in: 1,000 nested blocks took
    // 1,479 page faults, 800 so).

    /// An `if`, and the `else if`s of its chain one after another: a chain
    /// of a thousand `else if`s is one level of nesting, not a thousand.
    #[inline(never)]
    fn if_stmt(&mut self, node: Node<'t>, state: F::State) -> Out<F::State> {
        let (mut node, mut state) = (node, state);
        let mut acc: Out<F::State> = Out::none();
        loop {
            self.step(node.field("initializer"), &mut state);
            let cond = node.field("condition");
            self.step(cond, &mut state);
            let mut taken = state.clone();
            let mut skipped = state;
            if let Some(c) = cond {
                self.flow.branch(c, true, &mut taken);
                self.flow.branch(c, false, &mut skipped);
            }
            let then = match node.field("consequence") {
                // `if !assert.NoError(t, err) { return }`: the test has failed.
                Some(_)
                    if cond.is_some_and(|c| failed_assertion(c, self.src)) && self.in_test() =>
                {
                    Out::none()
                }
                Some(c) => self.stmt(c, taken),
                None => Out::next(taken),
            };
            acc = self.merge_out(acc, then);
            match node.field("alternative") {
                Some(a) if a.kind_name() == "if_statement" => (node, state) = (a, skipped),
                Some(a) => {
                    let els = self.stmt(a, skipped);
                    return self.merge_out(acc, els);
                }
                None => return self.merge_out(acc, Out::next(skipped)),
            }
        }
    }

    #[inline(never)]
    fn switch(&mut self, node: Node<'t>, mut state: F::State) -> Out<F::State> {
        self.step(node.field("initializer"), &mut state);
        self.step(node.field("value"), &mut state);
        let mut has_default = false;
        let mut acc: Out<F::State> = Out::none();
        for case in named_children(node) {
            if !matches!(
                case.kind_name(),
                "expression_case" | "type_case" | "default_case"
            ) {
                continue;
            }
            has_default |= case.kind_name() == "default_case";
            let mut s = state.clone();
            if case.kind_name() == "expression_case" {
                self.step(case.field("value"), &mut s);
            }
            let out = self.seq(&statements(case), s);
            acc = self.merge_out(acc, out);
        }
        if !has_default {
            acc.next = self.merge(acc.next, Some(state));
        }
        // `break` leaves the switch.
        let brk = acc.take_brk();
        acc.next = self.merge(acc.next, brk);
        acc
    }

    #[inline(never)]
    fn select(&mut self, node: Node<'t>, state: F::State) -> Out<F::State> {
        let mut acc: Out<F::State> = Out::none();
        for case in named_children(node) {
            let mut s = state.clone();
            match case.kind_name() {
                "communication_case" => {
                    self.step(case.field("communication"), &mut s);
                }
                "default_case" => {}
                _ => continue,
            }
            let out = self.seq(&statements(case), s);
            acc = self.merge_out(acc, out);
        }
        let brk = acc.take_brk();
        acc.next = self.merge(acc.next, brk);
        acc
    }

    #[inline(never)]
    fn for_loop(&mut self, node: Node<'t>, mut state: F::State) -> Out<F::State> {
        let clause = child_of_kind(node, "for_clause");
        let range = child_of_kind(node, "range_clause");
        let cond = named_children(node).find(|n| {
            n.kind_name() != "block"
                && n.kind_name() != "for_clause"
                && n.kind_name() != "range_clause"
        });
        let infinite = clause
            .map(|c| c.field("condition").is_none())
            .unwrap_or(range.is_none() && cond.is_none());
        if let Some(c) = clause {
            self.step(c.field("initializer"), &mut state);
            self.step(c.field("condition"), &mut state);
        }
        self.step(range, &mut state);
        self.step(cond, &mut state);
        let Some(body) = node.field("body") else {
            return Out::next(state);
        };
        let mut exit = (!infinite).then(|| state.clone());
        let mut cur = state;
        let rounds = if self.loops < MAX_LOOP_DEPTH { 2 } else { 1 };
        self.loops += 1;
        for _ in 0..rounds {
            let out = self.stmt(body, cur);
            let (brk, brk_label, cont) = match out.jumps {
                Some(j) => (j.brk, j.brk_label, j.cont),
                None => (None, None, None),
            };
            exit = self.merge(exit, brk);
            exit = self.merge(exit, brk_label);
            let Some(mut next) = self.merge(out.next, cont) else {
                break;
            };
            if let Some(c) = clause {
                self.step(c.field("update"), &mut next);
                self.step(c.field("condition"), &mut next);
            }
            if !infinite {
                exit = self.merge(exit, Some(next.clone()));
            }
            cur = next;
        }
        self.loops -= 1;
        Out {
            next: exit,
            jumps: None,
        }
    }

    /// `panic(...)`, `os.Exit(...)`, `log.Fatal...`: the path ends here.
    fn terminates(&self, stmt: Node<'t>) -> bool {
        let Some(call) = statement_call(stmt) else {
            return false;
        };
        match ends_path(&call, self.src) {
            Ends::Always => true,
            Ends::InTest => self.in_test(),
            Ends::No => false,
        }
    }

    fn in_test(&self) -> bool {
        if let Some(t) = self.test.get() {
            return t;
        }
        // The test's own function, or a function literal inside a test (a
        // fake server's handler that fails the test through its `t`).
        let t = within_test(self.body.up(), self.src);
        self.test.set(Some(t));
        t
    }
}

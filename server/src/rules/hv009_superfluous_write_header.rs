//! HV009 superfluous-write-header.

use super::keyed::{Effect, Pending};
use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::index::When;
use crate::syntax::flow::{self, Flow};
use crate::syntax::http::{writer_call, WriterCall};
use crate::syntax::scope::AliasRules;
use crate::syntax::NodeKind;
use crate::syntax::{unparen, Call, Visit};
use std::collections::{BTreeMap, HashMap, HashSet};
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
`io.Copy(w, …)`, `json.NewEncoder(w).Encode`). A write in an `if`
initializer commits the status too: `if _, err := w.Write(b); err != nil {
http.Error(w, …) }` sends no 500. Only writers that can fail before writing
anything (an encoder that marshals first, a template, `io.Copy` from a source
that can fail on its first read) are left alone in their own error branch,
also where their error is tested later (`err = enc.Encode(v); if err == nil
{ return }` and, after a `switch`, `if err != nil { http.Error(…) }`); a flush
commits the status too. A local set to `true` where the status is written
guards the writes taken only while it is false: `if !started {
w.WriteHeader(200); started = true }` in a loop writes once, and `if
!answered { … }` after the loop runs only where nothing was written. In the
same way, an error known `nil` on every path that wrote (`if v, err = f();
err == nil { w.Write(v) }`, or after `if err != nil { return }`) makes a
later branch that needs it set (`err != nil`, `err == ErrMissing`,
`errors.Is(err, ErrMissing)`, with a sentinel named `Err…`/`err…`) one where
nothing was written.

A status write that misses its `return` (`http.Error(w, …)` and the handler
goes on) is reported once, at the next status write after it, whose fix adds
the `return`; the later writes it also makes superfluous are not reported
again. After a body write, each later status write is reported.

A helper of the package — a function, or a method of the package's own type
(`s.fail(w, err)`) — counts where its result says it wrote: after
`id, ok := parseID(w, r); if !ok { return }` nothing has been written, nor
after `u := currentUser(w, r); if u == nil { return }` for a helper that
writes only where it returns a nil pointer, slice or map (its last `error`
or `bool` result tells, else its first pointer, slice or map: `rpt, notes
:= makeReport(w, r); if rpt == nil { return }`). A
helper that only hands the writer on to helpers that always write
(`requireAuth` calling `deny(w)`) writes where it hands it on. A helper whose
writes its result does not tell has no effect.

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
offered and the message says what to do by hand: write the status once,
before a loop; log a failed write instead of sending a status; after a
flush, log the error or end the stream (every status after one flush is
one finding); write the
status before the body when a body write is followed by `WriteHeader` on
the same path (no `return` helps there); otherwise add the missing `return`.
"#,
    // Left out of `_test.go` files: a test's handler is a double, often answering twice on purpose; a wrong status there fails the test that reads it.
    in_tests: false,
    check,
    facts: None,
};

/// Only plain aliases (`rw := w`): wrappers that record the status are left alone.
const PLAIN: AliasRules = AliasRules {
    fields: &[],
    methods: &[],
    wrappers: false,
    params: true,
};

struct Status<'a, 'c> {
    cx: &'c Context<'a>,
    writers: HashSet<String>,
    /// (second write, first commit it follows on a path to it), by where
    /// each starts
    found: BTreeMap<(usize, usize), (Node<'a>, Node<'a>)>,
}

#[derive(Clone, Copy, Default)]
struct State<'a> {
    /// The first call that committed the status on this path.
    first: Option<Node<'a>>,
    /// Other paths' first calls, joined here: after writes that each miss
    /// their `return`, a later write follows any of them (up to
    /// [`ALSO`] are followed).
    also: [Option<Node<'a>>; ALSO],
    /// With `first` set: another path joined here has written nothing yet.
    unwritten: bool,
    pending: Option<Pending<'a>>,
    /// Locals set to `true` on every path here (`answered = true`): a
    /// branch taken only while one is false (`if !answered`) is not.
    set: Flags<'a>,
    /// With `first` set: the flags set to `true` on every path that has
    /// written (`http.Error(…); answered = true`): a branch taken only
    /// while one is false has written nothing.
    implies: Flags<'a>,
    /// Locals known to be `nil` on every path here (after `if err != nil {
    /// return }`, or inside `if err == nil {…}`).
    nils: Flags<'a>,
    /// With `first` set: the locals known `nil` on every path that has
    /// written (`if v, err = f(); err == nil { w.Write(v) }`): a branch
    /// taken only while one is not nil (`if err == ErrMissing`) has written
    /// nothing.
    nils_implied: Flags<'a>,
    /// Locals known not to be `nil` on every path here (inside `if err !=
    /// nil {…}`).
    errs: Flags<'a>,
    /// With `first` set: the locals known not `nil` on every path that has
    /// written (`if err != nil { http.Error(…) }` without a `return`): a
    /// branch taken only while one is nil (past `if err != nil { return
    /// }`) has written nothing.
    errs_implied: Flags<'a>,
    /// No path reaches here (a branch on a flag that cannot hold).
    dead: bool,
}

/// Up to four local names known to be `true`.
#[derive(Clone, Copy, Default)]
struct Flags<'a>([Option<&'a str>; 4]);

impl<'a> Flags<'a> {
    fn has(&self, name: &str) -> bool {
        self.0.contains(&Some(name))
    }

    /// `name` is now `true` (`on`), or may not be.
    fn set(&mut self, name: &'a str, on: bool) {
        let at = self.0.iter().position(|f| *f == Some(name));
        match (on, at) {
            (true, None) => {
                if let Some(free) = self.0.iter_mut().find(|f| f.is_none()) {
                    *free = Some(name);
                }
            }
            (false, Some(i)) => self.0[i] = None,
            _ => {}
        }
    }

    /// Keeps the names `other` knows too (where two paths meet).
    fn meet(&mut self, other: &Flags) {
        for f in self.0.iter_mut() {
            if f.is_some_and(|name| !other.has(name)) {
                *f = None;
            }
        }
    }
}

/// How many other paths' first writes a point follows.
const ALSO: usize = 7;

impl<'a> State<'a> {
    /// Adds another path's first write.
    fn add(&mut self, other: Option<Node<'a>>) {
        let (Some(first), Some(b)) = (self.first, other) else {
            return;
        };
        let known = |n: &Option<Node>| n.is_some_and(|n| n.id() == b.id());
        if first.id() == b.id() || self.also.iter().any(known) {
            return;
        }
        if let Some(free) = self.also.iter_mut().find(|n| n.is_none()) {
            *free = Some(b);
        }
    }

    /// The first write was made on this path just now: what is known on
    /// every path here is known on every path that has written.
    fn wrote(&mut self) {
        self.implies = self.set;
        self.nils_implied = self.nils;
        self.errs_implied = self.errs;
    }

    /// A branch that no path that has written takes: nothing is written.
    fn unwrite(&mut self) {
        (self.first, self.also, self.unwritten) = (None, [None; ALSO], false);
        self.implies = Flags::default();
        self.nils_implied = Flags::default();
        self.errs_implied = Flags::default();
    }

    /// Every first write that reaches this point.
    fn firsts(&self) -> impl Iterator<Item = Node<'a>> + '_ {
        self.first
            .into_iter()
            .chain(self.also.iter().flatten().copied())
    }
}

impl<'a> Status<'a, '_> {
    /// A helper that writes a status on the branch being taken (not a
    /// body write whose failure is being reported).
    fn conditional_status(&self, first: Node<'a>) -> bool {
        Call::of(first)
            .and_then(|c| self.classify(&c))
            .is_some_and(|(k, w)| k == WriterCall::Status && w != When::Always)
    }

    /// Follows `name = true` (and any other value given to a followed
    /// name) in a simple statement.
    fn track_flags(&self, node: Node<'a>, state: &mut State<'a>) {
        if !matches!(
            node.kind_name(),
            "assignment_statement" | "short_var_declaration"
        ) {
            return;
        }
        // Every name assigned may change, paired with a value or not
        // (`info, err = read()`); then those set to `true` or `nil`.
        if let Some(left) = node.field("left") {
            for l in crate::syntax::named_children(left) {
                if l.kind_name() == "identifier" {
                    let name = self.cx.text(l);
                    state.set.set(name, false);
                    state.implies.set(name, false);
                    state.nils.set(name, false);
                    state.nils_implied.set(name, false);
                    state.errs.set(name, false);
                    state.errs_implied.set(name, false);
                }
            }
        }
        let pairs = crate::syntax::scope::assigned_pairs(node);
        for (l, r) in pairs {
            if l.kind_name() != "identifier" {
                continue;
            }
            let name = self.cx.text(l);
            let written = state.first.is_some();
            match unparen(r).kind_name() {
                "true" => {
                    state.set.set(name, true);
                    state.implies.set(name, written);
                }
                "nil" => {
                    state.nils.set(name, true);
                    state.nils_implied.set(name, written);
                }
                _ => {}
            }
        }
    }

    /// A branch that says whether a local is `nil`: `v == nil` or `v !=
    /// nil`, and `v == ErrMissing` or `errors.Is(v, ErrMissing)` (a sentinel
    /// error, never `nil`) taken. `Some(true)` when the branch has `v` nil.
    fn nil_branch(&self, cond: Node<'a>, taken: bool) -> Option<(&'a str, bool)> {
        let src = self.cx.src;
        let c = unparen(cond);
        if let Some((v, ne)) = crate::syntax::nil_test(c, src) {
            let v = unparen(v);
            return (v.kind_name() == "identifier").then(|| (self.cx.text(v), ne != taken));
        }
        if !taken {
            return None;
        }
        let (v, other) = match c.kind_name() {
            "binary_expression" if c.field("operator").map(|o| self.cx.text(o)) == Some("==") => {
                (c.field("left")?, c.field("right")?)
            }
            "call_expression" => {
                let call = Call::of(c)?;
                if !self
                    .cx
                    .imports
                    .is_member(call.function, src, "errors", "Is")
                {
                    return None;
                }
                (call.arg(0)?, call.arg(1)?)
            }
            _ => return None,
        };
        let (v, other) = (unparen(v), unparen(other));
        let sentinel = {
            let t = self.cx.text(other);
            let last = t.rsplit('.').next().unwrap_or(t);
            last.strip_prefix("Err")
                .or_else(|| last.strip_prefix("err"))
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_uppercase()))
        };
        (v.kind_name() == "identifier" && sentinel).then(|| (self.cx.text(v), false))
    }

    /// [`Flow::step`] for the writes of a statement.
    fn step_calls(&mut self, node: Node<'a>, state: &mut State<'a>) {
        // A helper's result overwritten before any test (`_, ok =
        // lookup(id)`): as if never looked at, it may have written.
        if let Some(p) = state.pending.filter(|p| p.overwritten_by(self.cx, node)) {
            state.pending = None;
            state.first = state.first.or(Some(p.call));
        }
        // Only the writes are kept (a long expression may hold many calls).
        let mut calls = Vec::new();
        crate::syntax::visit_calls_no_funcs(node, |c| {
            if let Some(write) = self.classify(&c) {
                calls.push((c.node, write));
            }
            Visit::Descend
        });
        // Inner calls run first: json.NewEncoder(w) before .Encode(v).
        calls.sort_by_key(|(c, _)| c.end_byte());
        for (node, (kind, when)) in calls {
            // A helper whose result was never looked at: it may have written.
            if let Some(p) = state.pending.take() {
                state.first = state.first.or(Some(p.call));
            }
            if let (None, Some(idx)) = (state.first, when.result()) {
                state.pending = Some(Pending::new(node, idx, when));
                continue;
            }
            match (kind, state.first) {
                (WriterCall::Status, Some(_)) => {
                    let firsts: Vec<Node<'a>> = state.firsts().collect();
                    for first in firsts {
                        if !reports_failure_of(self.cx, node, first)
                            || self.conditional_status(first)
                        {
                            self.found
                                .entry((node.start_byte(), first.start_byte()))
                                .or_insert((node, first));
                        }
                    }
                }
                (_, None) => state.first = Some(node),
                _ => {}
            }
            // On a path that had written nothing, this write is the first.
            if state.unwritten && state.first.is_some_and(|f| f.id() != node.id()) {
                state.add(Some(node));
                state.unwritten = false;
            }
        }
    }

    fn classify(&self, call: &Call<'a>) -> Option<(WriterCall, When)> {
        if let Some(c) = writer_call(call, self.cx.src, self.cx.imports, &self.writers) {
            if informational(self.cx, call) {
                return None;
            }
            // A writer that can fail before writing anything has written
            // when its error is nil: on its error's branch, nothing was.
            if let Some(idx) = error_result(self.cx, call) {
                return Some((c, When::OnNil(idx)));
            }
            return Some((c, When::Always));
        }
        // A package helper given the writer: writeJSON(w, 500, v), or
        // s.fail(w, err) on a type of the package.
        for (i, a) in call.args().enumerate() {
            let a = unparen(a);
            if a.kind_name() == "identifier" && self.writers.contains(self.cx.text(a)) {
                // A helper that writes on some paths its result does not
                // tell has no known effect.
                let p = self.cx.callee_param(call.function, i)?;
                return helper_effect(self.cx.index, p, HELPER_DEPTH);
            }
        }
        None
    }
}

/// How many helpers deep a writer lent on is followed.
const HELPER_DEPTH: usize = 3;

/// What a package helper does with the writer it is given (its parameter
/// `p`): the status or a body, and on which of its paths. A helper that
/// writes on some paths its result does not tell has no known effect. One
/// that only lends the writer on, to helpers that each write on every
/// path, writes where it lends (`requireAuth` calls `deny(w)` and returns
/// false).
fn helper_effect(
    index: &crate::index::PackageIndex,
    p: &crate::index::ParamFacts,
    depth: usize,
) -> Option<(WriterCall, When)> {
    if p.writes_status && p.status_when != When::Sometimes {
        return Some((WriterCall::Status, p.status_when));
    }
    if p.commits {
        return (p.commits_when != When::Sometimes).then_some((WriterCall::Body, p.commits_when));
    }
    if depth == 0 || p.hands_off || p.passes.is_empty() || p.lends_when == When::Sometimes {
        return None;
    }
    let mut kind = WriterCall::Status;
    for (name, method, at) in &p.passes {
        let (k, when) = helper_effect(index, index.param(name, *method, *at)?, depth - 1)?;
        if when != When::Always {
            return None;
        }
        if k == WriterCall::Body {
            kind = WriterCall::Body;
        }
    }
    Some((kind, p.lends_when))
}

impl<'a> Flow<'a> for Status<'a, '_> {
    /// Boxed: the walker holds a few states on its stack per level of
    /// nesting, and a state is some 600 bytes (200 levels took 740 KB).
    type State = Box<State<'a>>;

    fn join(&mut self, into: &mut Self::State, other: Self::State) {
        if other.dead {
            return;
        }
        if into.dead {
            *into = other;
            return;
        }
        into.set.meet(&other.set);
        into.nils.meet(&other.nils);
        into.errs.meet(&other.errs);
        match (into.first.is_some(), other.first.is_some()) {
            (true, true) => {
                into.implies.meet(&other.implies);
                into.nils_implied.meet(&other.nils_implied);
                into.errs_implied.meet(&other.errs_implied);
            }
            (false, true) => {
                into.implies = other.implies;
                into.nils_implied = other.nils_implied;
                into.errs_implied = other.errs_implied;
            }
            _ => {}
        }
        match (into.first, other.first) {
            (None, None) => {}
            (None, Some(_)) => {
                (into.first, into.also) = (other.first, other.also);
                into.unwritten = true;
            }
            (Some(_), None) => into.unwritten = true,
            (Some(_), Some(_)) => {
                into.add(other.first);
                for o in other.also {
                    into.add(o);
                }
                into.unwritten |= other.unwritten;
            }
        }
        if into.pending.is_none() {
            into.pending = other.pending;
        }
    }

    fn branch(&mut self, cond: Node<'a>, taken: bool, state: &mut Self::State) {
        // `if !answered` taken, or `if answered` not taken, after
        // `answered = true` on every path: no path goes this way.
        let c = unparen(cond);
        let (flag, wants_true) = match c.kind_name() {
            "unary_expression" if c.field("operator").map(|o| self.cx.text(o)) == Some("!") => {
                (c.field("operand").map(unparen), !taken)
            }
            _ => (Some(c), taken),
        };
        let flag = flag.filter(|f| f.kind_name() == "identifier");
        if let Some(f) = flag.filter(|_| !wants_true).map(|f| self.cx.text(f)) {
            if state.set.has(f) {
                state.dead = true;
                return;
            }
            // The paths that wrote set it: this branch has not written.
            if state.implies.has(f) {
                state.unwrite();
            }
        }
        // A name the `if` declares itself (`if err := f(); err == nil`)
        // ends with the `if`: what is known of it must not reach a name of
        // the same spelling outside.
        let own = |v: &str| {
            cond.up()
                .filter(|i| i.kind_name() == "if_statement")
                .and_then(|i| i.field("initializer"))
                .filter(|d| d.kind_name() == "short_var_declaration")
                .and_then(|d| d.field("left"))
                .is_some_and(|l| crate::syntax::named_children(l).any(|n| self.cx.text(n) == v))
        };
        if let Some((v, nil)) = self.nil_branch(cond, taken).filter(|(v, _)| !own(v)) {
            let (known, other, implied) = match nil {
                true => (&mut state.nils, &state.errs, &state.errs_implied),
                false => (&mut state.errs, &state.nils, &state.nils_implied),
            };
            if other.has(v) {
                state.dead = true;
                return;
            }
            let unwritten = implied.has(v);
            known.set(v, true);
            if unwritten {
                // Every path that wrote had `v` the other way: not this one.
                state.unwrite();
            }
            match nil {
                true => state.nils_implied.set(v, state.first.is_some()),
                false => state.errs_implied.set(v, state.first.is_some()),
            }
        }
        let Some(p) = state.pending else { return };
        if let Some(effect) = p.on_branch(self.cx, cond, taken) {
            state.pending = None;
            // A helper that may have written is taken as silent.
            if effect == Effect::Had && state.first.is_none() {
                state.first = Some(p.call);
                state.wrote();
            }
        }
    }

    fn step(&mut self, node: Node<'a>, state: &mut Self::State) {
        if state.dead || matches!(node.kind_name(), "go_statement" | "defer_statement") {
            return;
        }
        self.track_flags(node, state);
        let had = state.first.is_some();
        self.step_calls(node, state);
        if !had && state.first.is_some() {
            state.wrote();
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

/// True when `second` sits on the error side of an `if` that tests the
/// result of `first`: in its header, or in the statement just before it.
fn in_error_branch_of(cx: &Context, second: Node, first: Node) -> bool {
    let Some(if_stmt) = second
        .ancestors_in_function()
        .find(|n| n.kind_name() == "if_statement")
    else {
        return false;
    };
    if if_stmt
        .field("initializer")
        .is_some_and(|h| crate::syntax::contains(h, first))
    {
        return true;
    }
    // `_, err := w.Write(b)` just before `if err != nil { … }`.
    let tests_error = if_stmt
        .field("condition")
        .and_then(|c| crate::syntax::nil_test(c, cx.src))
        .is_some();
    tests_error
        && crate::syntax::prev_statement(if_stmt).is_some_and(|p| crate::syntax::contains(p, first))
        && on_error_side(cx, if_stmt, second)
}

/// Whether the `if` around `second` tests `first` in its condition.
fn in_condition_of(second: Node, first: Node) -> bool {
    second
        .ancestors_in_function()
        .find(|n| n.kind_name() == "if_statement")
        .and_then(|i| i.field("condition"))
        .is_some_and(|c| crate::syntax::contains(c, first))
}

/// Which result of `call` is the error of a writer that can fail before
/// writing anything (an encoder's `Encode`, a template's `Execute`,
/// `io.Copy` from a source that fails on its first read), when the call
/// is one.
fn error_result(cx: &Context, call: &Call) -> Option<usize> {
    if let Some((_, "Encode" | "Execute" | "ExecuteTemplate")) = call.method(cx.src) {
        return Some(0);
    }
    cx.imports
        .member(call.function, cx.src, "io")
        .filter(|m| matches!(*m, "Copy" | "CopyN" | "CopyBuffer"))
        .map(|_| 1)
}

/// False when `second` sits on the side of `if_stmt` its condition takes
/// for no error: the consequence of `err == nil`, the alternative of
/// `err != nil`.
fn on_error_side(cx: &Context, if_stmt: Node, second: Node) -> bool {
    let test = if_stmt
        .field("condition")
        .and_then(|c| crate::syntax::nil_test(c, cx.src));
    let error_side = match test {
        Some((_, true)) => "consequence",
        Some((_, false)) => "alternative",
        None => return true,
    };
    if_stmt
        .field(error_side)
        .is_some_and(|b| crate::syntax::contains(b, second))
}

/// True for a write that sends the status before it can fail: `w.Write`,
/// `w.WriteString`, `fmt.Fprint…(w, …)`, `io.WriteString(w, …)`. Its error
/// comes from the connection, after the status went out, so a status written
/// in its error branch is superfluous too (unlike an encoder's, a
/// template's or `io.Copy`'s, which can fail before writing anything).
fn commits_at_once(cx: &Context, first: Node) -> bool {
    let Some(call) = Call::of(first) else {
        return false;
    };
    if let Some((_, "Write" | "WriteString")) = call.method(cx.src) {
        return true;
    }
    cx.imports
        .member(call.function, cx.src, "fmt")
        .is_some_and(|m| m.starts_with("Fprint"))
        || cx
            .imports
            .is_member(call.function, cx.src, "io", "WriteString")
}

/// True when `call` is a call of the method `name` (`w.WriteHeader(…)`,
/// `w.(http.Flusher).Flush()`; a flush sends the status and headers as
/// it returns).
fn calls_method(cx: &Context, call: Node, name: &str) -> bool {
    Call::of(call).is_some_and(|c| c.method(cx.src).is_some_and(|(_, m)| m == name))
}

/// `if err := tmpl.Execute(w, v); err != nil { http.Error(…) }`: the error
/// path of the write itself. Nothing could be sent to fix the status by then,
/// and no `return` is missing; the idiom is left alone.
fn reports_failure_of(cx: &Context, second: Node, first: Node) -> bool {
    if commits_at_once(cx, first) {
        return false;
    }
    let mut cur = second.up();
    while let Some(n) = cur {
        if n.kind_name() == "if_statement" {
            let in_header = ["initializer", "condition"].iter().any(|f| {
                n.field(f)
                    .is_some_and(|h| crate::syntax::contains(h, first))
            });
            let just_before = n.prev_named().is_some_and(|p| {
                matches!(
                    p.kind_name(),
                    "short_var_declaration" | "assignment_statement"
                ) && crate::syntax::contains(p, first)
                    && n.field("condition")
                        .is_some_and(|c| cx.text(c).contains("err"))
            });
            return (in_header || just_before) && on_error_side(cx, n, second);
        }
        if crate::syntax::is_function(n) {
            return false;
        }
        cur = n.up();
    }
    false
}

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(w) = &h.writer else { continue };
        let writers = cx.aliases(h.func, std::slice::from_ref(w), PLAIN);
        let mut status = Status {
            cx,
            writers,
            found: BTreeMap::new(),
        };
        flow::run(&mut status, h.body, cx.src, Box::default());
        let found = std::mem::take(&mut status.found);
        // One finding per first status write: the next write after it (on
        // the same iteration first). A missing `return` after `http.Error`
        // makes every later status write on the way superfluous; the one
        // finding, and its fix, name the cause. (After a body write, each
        // later status is a mistake of its own.)
        let mut pairs = Vec::new();
        let homes = match found.is_empty() {
            true => Homes::new(),
            false => homes(&writes_in(cx, &status.writers, h.body)),
        };
        for (second, first) in found.into_values() {
            // A write on the way that sent the status at once (`w.Write`,
            // not an encoder that may fail before writing) is the one the
            // second write follows, with or without `first`.
            let between = written_between(&homes, first, second);
            let first = between
                .filter(|n| commits_at_once(cx, *n) || calls_method(cx, *n, "Flush"))
                .unwrap_or(first);
            // `w.WriteHeader(code)`, then `if err := enc.Encode(v); err != nil
            // { http.Error(…) }`: the failed write is the later one.
            let failed = in_error_branch_of(cx, second, first)
                || between.is_some_and(|b| in_error_branch_of(cx, second, b));
            // Only around the loop when it comes after, or is, the second
            // write: one before it is reached on the same round.
            let looped = around_a_loop(first, second) && first.start_byte() >= second.start_byte();
            pairs.push((looped, second.start_byte(), second, first, failed));
        }
        pairs.sort_by_key(|&(looped, at, _, _, _)| (looped, at));
        let (mut seconds, mut firsts) = (HashSet::new(), HashSet::new());
        for (looped, _, second, first, failed) in pairs {
            let status_only = Call::of(first)
                .and_then(|c| status.classify(&c))
                .is_some_and(|(k, _)| k == WriterCall::Status);
            // After a flush the response streams: every later status is
            // one mistake, named once.
            let flushed = calls_method(cx, first, "Flush");
            if seconds.contains(&second.id())
                || (status_only || flushed) && !firsts.insert(first.id())
            {
                continue;
            }
            seconds.insert(second.id());
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
            // A first write reached around a loop (an earlier iteration)
            // is no place to remove or return: the iterations differ.
            let fix = if looped {
                None
            } else {
                remove_explicit_ok(cx, first).or_else(|| return_fix(cx, first))
            };
            // A package helper that answered before it failed:
            // `if err := decode(w, r, &v); err != nil { w.WriteHeader(500) }`.
            // Or `if !authorized(w, r) { http.Error(…) }`: its result chose
            // the branch it answered on.
            let helper = Call::of(first)
                .filter(|_| fix.is_none())
                .filter(|c| writer_call(c, cx.src, cx.imports, &status.writers).is_none())
                .filter(|_| failed || in_condition_of(second, first))
                .map(|c| super::snippet(cx.text(c.function)));
            match fix {
                Some(f) => d.fixes.push(f),
                None if looped => d.message.push_str(
                    " on a later iteration (no safe fix: write the status once, before the loop, or only on the first iteration)",
                ),
                // `if _, err := w.Write(b); err != nil { http.Error(…) }`:
                // the write failed on the connection, after the status.
                None if helper.is_some() => d.message.push_str(&format!(
                    " (no safe fix: `{}` already answered the client on this path; return without writing a status)",
                    helper.unwrap_or_default()
                )),
                None if failed => d.message.push_str(
                    " (no safe fix: the write failed after the status went out; log the error instead of writing a status)",
                ),
                None if flushed => d.message.push_str(
                    " (no safe fix: the response was flushed and is streaming; log the error or end the stream instead of writing a status)",
                ),
                // `json.NewEncoder(w).Encode(v)` then `w.WriteHeader(429)`
                // on one path: no `return` helps; the status belongs first.
                None if !status_only && calls_method(cx, second, "WriteHeader") => d.message.push_str(
                    " (no safe fix: write the status before the body; move this `WriteHeader` above the first write)",
                ),
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
    if stmt.kind_name() != "expression_statement" {
        return None;
    }
    let list = stmt.up()?;
    if crate::syntax::next_statement(stmt).is_some() {
        return None;
    }
    let owner = list.up()?;
    let branch = match owner.kind_name() {
        "block" => owner.up().is_some_and(|i| i.kind_name() == "if_statement"),
        "expression_case" | "default_case" | "type_case" | "communication_case" => true,
        _ => false,
    };
    // The code after the branching statement must stay reachable through
    // another branch, or `go vet` reports it unreachable.
    if !branch || !another_branch_falls_through(cx, owner) {
        return None;
    }
    let indent = crate::fix::statement_indent(cx.file, stmt.start_byte())?.to_string();
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

/// True when a loop holds both writes, or `first` is `second` itself: the
/// second may follow the first only from an earlier iteration.
fn around_a_loop(first: Node, second: Node) -> bool {
    if first.id() == second.id() {
        return true;
    }
    let mut cur = first.up();
    while let Some(p) = cur {
        if crate::syntax::is_function(p) {
            return false;
        }
        if p.kind_name() == "for_statement" && crate::syntax::contains(p, second) {
            return true;
        }
        cur = p.up();
    }
    false
}

/// Whether, once `branch` (an `if` block or a case clause) returns, the code
/// after its statement still runs on some path: another branch completes
/// normally, an `if` chain lacks an `else`, or a `switch` lacks a `default`.
fn another_branch_falls_through(cx: &Context, branch: Node) -> bool {
    use crate::syntax::is_terminating;
    let Some(stmt) = branch.up() else {
        return false;
    };
    if stmt.kind_name() == "if_statement" {
        // The top of an `else if` chain, then every block of it.
        let mut top = stmt;
        while let Some(p) = top.up().filter(|p| p.kind_name() == "if_statement") {
            top = p;
        }
        let mut cur = Some(top);
        while let Some(i) = cur {
            let then = i.field("consequence");
            if then.is_some_and(|b| b.id() != branch.id() && !is_terminating(b, cx.src)) {
                return true;
            }
            match i.field("alternative") {
                None => return true,
                Some(a) if a.kind_name() == "if_statement" => cur = Some(a),
                Some(a) => return a.id() != branch.id() && !is_terminating(a, cx.src),
            }
        }
        return false;
    }
    let clauses: Vec<Node> = crate::syntax::named_children(stmt)
        .filter(|c| c.kind_name().ends_with("_case"))
        .collect();
    let has_default = stmt.kind_name() == "select_statement"
        || clauses.iter().any(|c| c.kind_name() == "default_case");
    !has_default
        || clauses.iter().any(|c| {
            c.id() != branch.id()
                && !crate::syntax::statements(*c)
                    .last()
                    .is_some_and(|s| is_terminating(*s, cx.src))
        })
        || crate::syntax::has_kind_no_funcs(stmt, crate::kinds!("break_statement"))
}

/// The last call between `first` and `second` (in the text of the body)
/// that writes to the client: `second` comes after it even without
/// `first`, so it is the write the message names, and removing `first`
/// would leave `second` superfluous (RULES.md: the 200 goes only with
/// nothing written before the second). Only a write on the way to `second`
/// counts: its statement sits in a block that holds `second` (not in a
/// branch that leaves it out). `homes` are the body's writing calls by the
/// block their statement sits in (see [`homes`]): the search climbs from
/// `second` through the blocks around it, not through every write between.
fn written_between<'a>(homes: &Homes<'a>, first: Node<'a>, second: Node<'a>) -> Option<Node<'a>> {
    let to = second.start_byte();
    let mut best: Option<Node<'a>> = None;
    let mut cur = second.up();
    while let Some(b) = cur {
        if crate::syntax::is_function(b) {
            break;
        }
        if let Some(writes) = homes.get(&b.id()) {
            let before = writes.partition_point(|w| w.start_byte() < to);
            let last = writes[..before].iter().rev().find(|w| w.end_byte() <= to);
            if let Some(&w) = last.filter(|w| w.start_byte() >= first.end_byte()) {
                if best.is_none_or(|x| w.start_byte() > x.start_byte()) {
                    best = Some(w);
                }
            }
        }
        cur = b.up();
    }
    best
}

/// Writing calls by the id of the block (or statement list) their
/// statement sits in, each list in order.
type Homes<'a> = HashMap<usize, Vec<Node<'a>>>;

/// `writes` (in order) by the block their statement sits in.
fn homes<'a>(writes: &[Node<'a>]) -> Homes<'a> {
    let mut homes = Homes::new();
    for &w in writes {
        if let Some(b) = crate::syntax::statement_of(w).and_then(|st| st.up()) {
            homes.entry(b.id()).or_default().push(w);
        }
    }
    homes
}

/// The calls of `body` that write to the client through `writers`, in
/// order; those of function literals left out.
fn writes_in<'a>(cx: &Context<'a>, writers: &HashSet<String>, body: Node<'a>) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    crate::syntax::visit_calls_no_funcs(body, |c| {
        if writer_call(&c, cx.src, cx.imports, writers).is_some() {
            out.push(c.node);
        }
        Visit::Descend
    });
    out
}

/// `w.WriteHeader(http.StatusOK)` as the first write: the first body write
/// sends 200 anyway, so the explicit one can go (RULES.md: only with
/// nothing written before the second, see [`written_between`]).
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
        .up()
        .filter(|s| s.kind_name() == "expression_statement")?;
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
        vec![crate::fix::delete_statement(cx.file, stmt)],
    ))
}

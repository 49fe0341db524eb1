//! Goroutine lifetime: does a goroutine started in a function outlive it?
//!
//! A goroutine outlives its function unless, on every path after it starts,
//! the function waits for it: `X.Wait()` on a WaitGroup or errgroup the
//! goroutine uses, or an unconditional receive from a channel it uses.

use super::flow::{self, Flow};
use super::{
    enclosing_function, named_children, statement_call, text, unparen, visit_no_funcs, Visit,
};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// A goroutine start: a `go` statement, or `g.Go(func() ...)` on an errgroup
/// or WaitGroup.
#[derive(Clone, Copy, Debug)]
pub struct Start<'t> {
    /// The statement that starts it.
    pub stmt: Node<'t>,
    /// The started call (`f(x)` or `func(){...}()`); for `g.Go(f)`, `f`.
    pub call: Node<'t>,
    /// The function literal it runs, when it is written in the statement.
    pub literal: Option<Node<'t>>,
    /// The function literal it runs through a local bound to it once and
    /// never assigned again (`f := func() {…}; go f()`): the literal sits
    /// outside the statement, so a fix that rewrites the literal in place
    /// does not apply.
    pub bound: Option<Node<'t>>,
}

impl<'t> Start<'t> {
    /// The function literal the goroutine runs: written in its statement,
    /// or [bound](Start::bound) to the local it calls.
    pub fn runs(&self) -> Option<Node<'t>> {
        self.literal.or(self.bound)
    }

    /// The code the goroutine evaluates or runs, in source order: its bound
    /// literal (written before the statement), then its statement.
    pub fn code(&self) -> impl Iterator<Item = Node<'t>> {
        self.bound.into_iter().chain([self.stmt])
    }

    /// True for a `time.AfterFunc` callback rather than a `go` statement or
    /// a group's `Go`.
    pub fn is_timer(&self, src: &str) -> bool {
        self.stmt.kind_name() == "expression_statement"
            && statement_call(self.stmt).is_some_and(|c| after_func(&c, src))
    }
}

/// True for a `time.AfterFunc(d, f)` call.
fn after_func(call: &super::Call, src: &str) -> bool {
    text(call.function, src) == "time.AfterFunc"
}

/// The goroutine started by a statement, if it starts one.
pub fn start<'t>(stmt: Node<'t>, src: &str) -> Option<Start<'t>> {
    match stmt.kind_name() {
        "go_statement" => {
            let call = named_children(stmt).next().map(unparen)?;
            let function = call.field("function").map(unparen);
            let literal = function.filter(|f| f.kind_name() == "func_literal");
            let bound = function.and_then(|f| bound_literal(f, src));
            Some(Start {
                stmt,
                call,
                literal,
                bound,
            })
        }
        "expression_statement" => {
            let call = statement_call(stmt)?;
            // `time.AfterFunc(d, f)` whose timer is dropped: nothing can stop
            // it, and `f` runs later in a goroutine of its own.
            let f = match call.method(src)? {
                (_, "Go") => call.arg(0)?,
                _ if after_func(&call, src) => call.arg(1)?,
                _ => return None,
            };
            // `g.Go(fetch)` with `fetch := func() error {…}`: the bound
            // literal runs.
            let (literal, bound) = match f.kind_name() {
                "func_literal" => (Some(f), None),
                _ => (None, Some(bound_literal(f, src)?)),
            };
            Some(Start {
                stmt,
                call: f,
                literal,
                bound,
            })
        }
        _ => None,
    }
}

/// The function literal the local `f` (an identifier) was declared from
/// (`f := func() {…}`, `var f = func() {…}`), when no assignment in the
/// function that declares it gives it another value (`f = g`).
fn bound_literal<'t>(f: Node<'t>, src: &str) -> Option<Node<'t>> {
    if f.kind_name() != "identifier" {
        return None;
    }
    let lit = super::typeref::initial_value(f, src).filter(|v| v.kind_name() == "func_literal")?;
    let func = enclosing_function(lit)?;
    let name = text(f, src);
    let assigned = |func: Node| {
        let mut names = std::collections::HashSet::new();
        super::visit_kinds(func, crate::kinds!("assignment_statement"), |a| {
            if let Some(left) = a.field("left") {
                names.extend(named_children(left).map(|n| text(unparen(n), src).to_string()));
            }
            Visit::Descend
        });
        names
    };
    // Asked per `go f()`: the names a function assigns are read once.
    let reassigned = match super::flat::memo(func, || Assigned(assigned(func))) {
        Some(known) => known.0.contains(name),
        None => assigned(func).contains(name),
    };
    (!reassigned).then_some(lit)
}

/// The names assigned with `=` anywhere in a function (its literals too).
struct Assigned(std::collections::HashSet<String>);

/// The texts one of which a goroutine start ([`start`]) holds: a byte
/// scan for them rules out most bodies before any walk.
pub const START_TEXTS: &[&str] = &["go ", ".Go(", "AfterFunc("];

/// Every goroutine start inside `root` (function literals included).
pub fn starts<'t>(root: Node<'t>, src: &str) -> Vec<Start<'t>> {
    let mut out = Vec::new();
    super::visit(root, |n| {
        if let Some(s) = start(n, src) {
            out.push(s);
        }
        Visit::Descend
    });
    out
}

/// True when `stmt` (a step of the enclosing function) waits for a
/// goroutine whose names a statement may wait on are `keys` (sorted):
/// through a WaitGroup it waits on, or a channel it receives from.
fn waits_on(stmt: Node, keys: &[&str], src: &str) -> bool {
    let named = |name: &str| keys.binary_search(&name).is_ok();
    waits(
        stmt,
        &|n| {
            if let Some((operand, "Wait")) = super::Call::of(n).and_then(|c| c.method(src)) {
                return named(text(operand, src));
            }
            received_channel(n, src).is_some_and(named)
        },
        src,
    )
}

/// True when evaluating `stmt` certainly reaches a node satisfying `pred`:
/// nodes inside function literals, or inside a `select` that has another way
/// out, do not count. A loop header counts when the loop's body waits.
pub fn waits<'t>(stmt: Node<'t>, pred: &dyn Fn(Node<'t>) -> bool, src: &str) -> bool {
    let mut found = false;
    visit_no_funcs(stmt, |n| {
        if n.kind_name() == "select_statement" && select_can_give_up(n) {
            // Every case reaches it, but those that end the path (a test
            // that fails on a timeout): the select waits.
            let cases = || {
                named_children(n)
                    .filter(|c| matches!(c.kind_name(), "communication_case" | "default_case"))
            };
            let reaches = |c: Node<'t>| named_children(c).any(|s| waits(s, pred, src));
            found = cases().all(|c| flow::block_ends_path(c, src) || reaches(c))
                || (cases().any(reaches) && comes_back(n, src));
            return if found { Visit::Stop } else { Visit::Skip };
        }
        if matches!(
            n.kind_name(),
            "if_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "for_statement"
        ) && n.id() != stmt.id()
        {
            return Visit::Skip;
        }
        if pred(n) {
            found = true;
            return Visit::Stop;
        }
        Visit::Descend
    });
    if found {
        return true;
    }
    // `for range xs { <-ch }`: the header step stands for the whole loop.
    if let Some(lp) = loop_of_header(stmt) {
        if let Some(body) = lp.field("body") {
            return super::statements(body)
                .into_iter()
                .any(|s| waits(s, pred, src));
        }
    }
    false
}

/// The loop whose header (a clause, condition or range) `n` is.
fn loop_of_header(n: Node) -> Option<Node> {
    let p = n.up()?;
    match p.kind_name() {
        "for_statement" => Some(p),
        "for_clause" => p.up(),
        _ => None,
    }
}

/// True when a `select` that can take another case comes back to every
/// case until each is taken: it sits in a loop that nothing leaves early (no
/// `return`, `goto` or `break` out of it), it has no `default`, and each case
/// receives from a channel variable (not `time.After(…)` or `ctx.Done()`).
/// Such a loop gathers the results of goroutines that each send once
/// (`for range reqs { select { case r := <-resps: … case err := <-errs: … }
/// }`); whether it runs as often as they send is not known, unless it runs
/// a literal number of times (`for i := 0; i < 2; i++`), which must then be
/// at least the number of cases.
fn comes_back(select: Node, src: &str) -> bool {
    let Some(lp) = select
        .ancestors_in_function()
        .find(|p| p.kind_name() == "for_statement")
    else {
        return false;
    };
    let mut count = 0;
    for c in named_children(select) {
        if c.kind_name() != "communication_case" {
            return false;
        }
        count += 1;
        let plain_receive = c.field("communication").is_some_and(|comm| {
            let recv = match comm.kind_name() {
                "receive_statement" => comm.field("right"),
                "expression_statement" => named_children(comm).next(),
                _ => None,
            };
            recv.map(unparen).is_some_and(|r| {
                r.kind_name() == "unary_expression"
                    && r.field("operand").map(unparen).is_some_and(|o| {
                        matches!(o.kind_name(), "identifier" | "selector_expression")
                    })
            })
        });
        if !plain_receive {
            return false;
        }
    }
    let left_early = super::any_no_funcs(lp, |m| match m.kind_name() {
        "return_statement" | "goto_statement" => true,
        "break_statement" => super::break_leaves(m, lp, src),
        _ => false,
    });
    if left_early {
        return false;
    }
    match named_children(lp).find(|c| c.kind_name() != "block") {
        Some(clause) if clause.kind_name() == "for_clause" => {
            let literal = |n: Option<Node>| n.and_then(|r| text(r, src).parse::<usize>().ok());
            let from = literal(clause.field("initializer").and_then(|i| i.field("right")));
            let bound = clause
                .field("condition")
                .filter(|c| c.field("operator").is_some_and(|o| o.kind_name() == "<"))
                .and_then(|c| literal(c.field("right")));
            match (from, bound) {
                (Some(from), Some(bound)) => bound.saturating_sub(from) >= count,
                _ => true,
            }
        }
        _ => true,
    }
}

/// A `select` with more than one case, or with a default, can skip any one case.
pub fn select_can_give_up(select: Node) -> bool {
    named_children(select)
        .filter(|c| matches!(c.kind_name(), "communication_case" | "default_case"))
        .count()
        > 1
}

/// The channel a node receives from: `<-ch`, or the `range ch` clause.
pub fn received_channel<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    match n.kind_name() {
        "unary_expression" => {
            let op = n.field("operator").map(|o| text(o, src));
            if op != Some("<-") {
                return None;
            }
            Some(text(unparen(n.field("operand")?), src))
        }
        "range_clause" => Some(text(unparen(n.field("right")?), src)),
        _ => None,
    }
}

/// The channels through which the goroutine `g` (a literal started once,
/// in no loop of `func`) tells that it is done: it closes one in a `defer`,
/// or its last statement closes one or sends on one and it has no other
/// way out (`for _, p := range parts { ch <- p }; close(done)`), or it sends
/// on one or closes one right before a `return` or as its last statement,
/// on one of its paths (`if err != nil { errs <- err; return }; conns <- c`:
/// whichever of the two is received, that path's send was its last). A
/// receive from one of them comes after every one of its sends.
///
/// Started in a loop, one of many: a receive comes after one of them only,
/// unless the channel is made in the same round (`done := make(chan
/// error)` in the loop's body, before the `go`), and is its own.
pub fn done_signals<'s>(g: &Start, func: Node, src: &'s str) -> Vec<&'s str> {
    let Some(body) = g.runs().and_then(|l| l.field("body")) else {
        return Vec::new();
    };
    /// A round sets its channels up just before it starts its goroutine:
    /// a longer run is not followed (each goroutine costs at most this).
    const LOOKBACK: usize = 16;
    let mut words = last_words(body, src);
    if words.is_empty() {
        return words;
    }
    if let Some(round) = super::loop_around(g.stmt, func).and_then(|l| l.field("body")) {
        // The statement of the round that holds the `go`, and those before it.
        let in_round = |s: &Node| {
            s.up().is_some_and(|l| {
                l.id() == round.id() || l.up().is_some_and(|b| b.id() == round.id())
            })
        };
        let at = std::iter::once(g.stmt)
            .chain(g.stmt.ancestors())
            .find(in_round);
        let before: Vec<Node> = at
            .into_iter()
            .flat_map(|s| {
                std::iter::successors(super::prev_statement(s), |p| super::prev_statement(*p))
            })
            .take(LOOKBACK)
            .collect();
        words.retain(|name| {
            before.iter().any(|s| {
                s.kind_name() == "short_var_declaration"
                    && s.field("left")
                        .is_some_and(|l| named_children(l).any(|n| text(n, src) == *name))
            })
        });
    }
    words
}

/// True when `send` (in `body`) may run more than once: it sits in a loop
/// of `body` and no `return` follows it.
pub fn sends_in_loop(send: Node, body: Node) -> bool {
    super::next_statement(send).is_none_or(|n| n.kind_name() != "return_statement")
        && super::loop_around(send, body).is_some()
}

/// True when `g` is started in a loop of `func`.
pub fn started_in_loop(g: &Start, func: Node) -> bool {
    super::loop_around(g.stmt, func).is_some()
}

/// The name an `inc_statement` or `dec_statement` steps (`n` of `n++`),
/// with true for a step up.
pub fn stepped<'s>(stmt: Node, src: &'s str) -> Option<(&'s str, bool)> {
    let up = match stmt.kind_name() {
        "inc_statement" => true,
        "dec_statement" => false,
        _ => return None,
    };
    let c = named_children(stmt).next().map(unparen)?;
    (c.kind_name() == "identifier").then(|| (text(c, src), up))
}

/// The channels a function body (a goroutine's, or a function started as
/// one) closes or sends on as the last thing it does, on one of its paths
/// (see [`done_signals`]).
pub fn last_words<'s>(body: Node, src: &'s str) -> Vec<&'s str> {
    let stmts = super::statements(body);
    let closed = |c| closed_by(c, src);
    let mut out: Vec<&'s str> = stmts
        .iter()
        .filter(|s| s.kind_name() == "defer_statement")
        .filter_map(|s| closed(named_children(*s).next().and_then(super::Call::of)))
        .collect();
    let returns = super::has_kind_no_funcs(body, crate::kinds!("return_statement"));
    if let Some(last) = stmts.last().filter(|_| !returns) {
        if last.kind_name() != "send_statement" {
            out.extend(closed(statement_call(*last)));
        }
    }
    // Sends and closes that end their path.
    super::visit_no_funcs(body, |n| {
        let channel = match n.kind_name() {
            "send_statement" => n.field("channel").map(|c| text(unparen(c), src)),
            "expression_statement" => match closed(statement_call(n)) {
                Some(c) => Some(c),
                None => return super::Visit::Skip,
            },
            _ => return super::Visit::Descend,
        };
        if ends_path(n, body) {
            out.extend(channel);
        }
        super::Visit::Skip
    });
    out
}

/// True when nothing runs after `stmt` in the function whose body is
/// `body`: a `return` follows it, or it is the last statement of that body,
/// or of a branch of an `if` or a `switch` that itself ends the path.
fn ends_path(stmt: Node, body: Node) -> bool {
    if let Some(next) = super::next_statement(stmt) {
        return next.kind_name() == "return_statement";
    }
    let Some(block) = stmt
        .up()
        .filter(|l| l.kind_name() == "statement_list")
        .and_then(|l| l.up())
    else {
        return false;
    };
    if block.id() == body.id() {
        return true;
    }
    let mut owner = match block.kind_name() {
        // `if … { stmt }`, `else { stmt }`.
        "block" => block.up().filter(|p| p.kind_name() == "if_statement"),
        "expression_case" | "type_case" | "default_case" => block.up().filter(|p| {
            matches!(
                p.kind_name(),
                "expression_switch_statement" | "type_switch_statement"
            )
        }),
        _ => None,
    };
    // An `else if` ends where the `if` above it ends.
    while let Some(up) = owner
        .and_then(|o| o.up())
        .filter(|p| p.kind_name() == "if_statement")
    {
        owner = Some(up);
    }
    owner.is_some_and(|o| ends_path(o, body))
}

/// True when the branch of `condition` taken (`!ok` taken, `ok` not) says
/// that the channel `ok` was received from, in the `select` case or the
/// statement just before, was closed, and `body` closes that channel.
fn saw_closed(condition: Node, taken: bool, closes: &dyn Fn(&str) -> bool, src: &str) -> bool {
    let c = unparen(condition);
    let ok = match (c.kind_name(), taken) {
        ("unary_expression", true) if c.field("operator").map(|o| text(o, src)) == Some("!") => {
            c.field("operand").map(unparen)
        }
        ("identifier", false) => Some(c),
        _ => None,
    };
    let Some(ok) = ok
        .filter(|o| o.kind_name() == "identifier")
        .map(|o| text(o, src))
    else {
        return false;
    };
    // `v, ok := <-ch` or `v, ok = <-ch`: the receive's channel.
    let received = |stmt: Node| -> Option<String> {
        if !matches!(
            stmt.kind_name(),
            "receive_statement" | "short_var_declaration" | "assignment_statement"
        ) {
            return None;
        }
        let left = stmt.field("left")?;
        let right = stmt.field("right")?;
        let names: Vec<Node> = named_children(left).collect();
        if names.len() != 2 || text(names[1], src) != ok {
            return None;
        }
        let recv = match right.kind_name() {
            "expression_list" => unparen(named_children(right).next()?),
            _ => unparen(right),
        };
        received_channel(recv, src).map(str::to_string)
    };
    // The `if` and what precedes it.
    let Some(stmt) = condition.up() else {
        return false;
    };
    let before = stmt.prev_named();
    let in_case = stmt
        .ancestors_in_function()
        .find(|n| n.kind_name() == "communication_case")
        .and_then(|case| case.field("communication"));
    let Some(ch) = before
        .and_then(received)
        .or_else(|| in_case.and_then(received))
    else {
        return false;
    };
    closes(&ch)
}

/// The channels `body` closes (`close(ch)`, function literals included),
/// by their text.
fn closed_in<'s>(body: Node, src: &'s str) -> std::collections::HashSet<&'s str> {
    let mut out = std::collections::HashSet::new();
    super::visit(body, |n| {
        out.extend(closed_by(super::statement_call(n), src));
        Visit::Descend
    });
    out
}

/// The channel a call closes: `ch` of `close(ch)`.
fn closed_by<'s>(call: Option<super::Call>, src: &'s str) -> Option<&'s str> {
    call.filter(|c| text(c.function, src) == "close")
        .and_then(|c| c.arg(0))
        .map(|a| text(unparen(a), src))
}

/// The statements (by id) of the goroutines in `gs` that outlive their
/// enclosing function, as [`waits_on`] tells waiting.
pub fn outliving<'t>(gs: &[Start<'t>], src: &'t str) -> std::collections::HashSet<usize> {
    // A statement waits for a goroutine through a WaitGroup it waits on or
    // a channel it receives from, which the goroutine names.
    let key = |n: Node<'t>| match super::Call::of(n).and_then(|c| c.method(src)) {
        Some((operand, "Wait")) => Some(text(operand, src)),
        _ => received_channel(n, src),
    };
    // Only calls, receives and ranges can wait: the walks call `key` on
    // those alone.
    let waiting = crate::kinds!("call_expression", "unary_expression", "range_clause");
    // The keys `node` names, with those of its function literals or not.
    let keys = |node: Node<'t>, literals: bool| {
        let mut keys = Vec::new();
        let add = |n| {
            keys.extend(key(n));
            Visit::Descend
        };
        match literals {
            true => super::visit_kinds(node, waiting, add),
            false => super::visit_kinds_no_funcs(node, waiting, add),
        }
        keys
    };
    let keys_in = |node: Node<'t>| keys(node, true);
    // What a statement itself may wait on (see [`left_running`]).
    let keys_of = |node: Node<'t>| keys(node, false);
    // Only a name some statement waits on can be a key: collected over each
    // outermost function of the goroutines once.
    let mut waited: std::collections::HashSet<&str> = Default::default();
    let mut read_to = 0;
    for g in gs {
        if let Some(body) = enclosing_function(g.stmt).and_then(|f| f.field("body")) {
            if body.start_byte() >= read_to {
                waited.extend(keys_in(body));
                read_to = body.end_byte();
            }
        }
    }
    // The keys of each goroutine, innermost first: a goroutine started in
    // another lends its keys to it instead of being read again per level.
    let mut keys_by_stmt: std::collections::HashMap<usize, Vec<&'t str>> = Default::default();
    let mut bound_keys: std::collections::HashMap<usize, Vec<&'t str>> = Default::default();
    // Nothing waited on: every goroutine's keys are empty.
    for g in gs.iter().rev().filter(|_| !waited.is_empty()) {
        let mut keys = Vec::new();
        super::visit(g.stmt, |n| {
            if n.id() != g.stmt.id() {
                if let Some(inner) = keys_by_stmt.get(&n.id()) {
                    keys.extend_from_slice(inner);
                    return Visit::Skip;
                }
            }
            if matches!(n.kind_name(), "identifier" | "selector_expression") {
                let t = text(n, src);
                if waited.contains(t) {
                    keys.push(t);
                }
            }
            Visit::Descend
        });
        // `f := func() { defer wg.Done() … }; go f()`: the bound literal's
        // names, read once however many statements start it.
        if let Some(lit) = g.bound {
            let inner = bound_keys.entry(lit.id()).or_insert_with(|| {
                let mut inner = Vec::new();
                super::visit_kinds(
                    lit,
                    crate::kinds!("identifier", "selector_expression"),
                    |n| {
                        let t = text(n, src);
                        if waited.contains(t) {
                            inner.push(t);
                        }
                        Visit::Descend
                    },
                );
                inner
            });
            keys.extend_from_slice(inner);
        }
        keys.sort_unstable();
        keys.dedup();
        keys_by_stmt.insert(g.stmt.id(), keys);
    }
    let mut out = std::collections::HashSet::new();
    let mut tracked = Vec::new();
    let mut counts_from: std::collections::HashMap<usize, Option<usize>> = Default::default();
    for g in gs {
        let func = enclosing_function(g.stmt);
        let Some(body) = func.and_then(|f| f.field("body")) else {
            out.insert(g.stmt.id());
            continue;
        };
        let counted_from = func.and_then(|f| {
            *counts_from
                .entry(f.id())
                .or_insert_with(|| first_count_for_caller(f, body, src))
        });
        if counted_from.is_some_and(|at| at < g.stmt.start_byte()) {
            continue;
        }
        let keys = keys_by_stmt.remove(&g.stmt.id()).unwrap_or_default();
        let g = *g;
        tracked.push(Tracked {
            body,
            stmt: g.stmt,
            keys: keys.clone(),
            waits: Box::new(move |n| waits_on(n, &keys, src)),
            class: tracked.len(),
        });
    }
    let left = left_running(&tracked, &keys_of, src);
    out.extend(
        tracked
            .iter()
            .zip(left)
            .filter(|(_, l)| !l.is_empty())
            .map(|(t, _)| t.stmt.id()),
    );
    out
}

/// Where `func` first counts on a WaitGroup it was handed, if it does: a
/// `sync.WaitGroup` parameter `wg` and a `wg.Add(…)` in its body (outside
/// function literals). A goroutine it starts after that is counted for its
/// caller (`wg.Add(2); go c.copyIn(); go c.copyOut()`, with `c` holding
/// `wg`): waiting is then the caller's (`helper(&wg, w, r); wg.Wait()`),
/// which the function cannot see. Read once per function, however many
/// goroutines it starts.
fn first_count_for_caller(func: Node, body: Node, src: &str) -> Option<usize> {
    let groups: Vec<String> = super::handlers::params(func, src)
        .into_iter()
        .filter(|p| {
            let ty = text(p.ty, src).trim_start_matches('*');
            ty == "WaitGroup" || ty.ends_with(".WaitGroup")
        })
        .filter_map(|p| p.name)
        .collect();
    if groups.is_empty() {
        return None;
    }
    let mut first = None;
    super::visit_kinds_no_funcs(body, crate::kinds!("call_expression"), |n| {
        if let Some((operand, "Add")) = super::Call::of(n).and_then(|c| c.method(src)) {
            if groups.iter().any(|w| text(unparen(operand), src) == w) {
                first = Some(n.start_byte());
                return Visit::Stop;
            }
        }
        Visit::Descend
    });
    first
}

/// A goroutine whose lifetime [`left_running`] follows.
pub struct Tracked<'t, 'w> {
    /// The body of the function it is followed in.
    pub body: Node<'t>,
    /// The statement of that function that starts it.
    pub stmt: Node<'t>,
    /// The names one of which a statement that waits for it names.
    pub keys: Vec<&'t str>,
    /// Whether a statement (or a `select` case's communication) waits for it.
    pub waits: Box<dyn Fn(Node<'t>) -> bool + 'w>,
    /// Goroutines of one function with the same class have the same `keys`
    /// and the same `waits` (the senders of one channel): a statement is
    /// asked once whether it waits for all of them.
    pub class: usize,
}

/// At most this many ways out are kept per goroutine by [`left_running`],
/// and one more that says there are more: a function with thousands of
/// goroutines and thousands of `return`s would hold the product.
pub const EXITS_KEPT: usize = 32;

/// For each of `tracked`: the ways out of its function (a `return`, or the
/// body for its end) that leave it running (see [`EXITS_KEPT`]), none when
/// it is waited for on every path after it starts. A deferred wait runs on every way out. One
/// walk of each function answers for all the goroutines it starts, and a
/// statement is asked whether it waits for a goroutine only when `keys_of`
/// (the names it might wait on, outside the function literals in it, as
/// `waits` reads it) meets that goroutine's keys: asking goroutine by
/// goroutine walks the function once per goroutine, and reading the
/// literals in each statement reads nested ones once per level.
pub fn left_running<'t>(
    tracked: &[Tracked<'t, '_>],
    keys_of: &dyn Fn(Node<'t>) -> Vec<&'t str>,
    src: &'t str,
) -> Vec<Vec<Node<'t>>> {
    let mut by_body: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (i, t) in tracked.iter().enumerate() {
        by_body.entry(t.body.id()).or_default().push(i);
    }
    let mut left = vec![Vec::new(); tracked.len()];
    for members in by_body.into_values() {
        let group: Vec<&Tracked> = members.iter().map(|&i| &tracked[i]).collect();
        for (i, l) in members
            .into_iter()
            .zip(left_running_in(&group, keys_of, src))
        {
            left[i] = l;
        }
    }
    left
}

/// [`left_running`] for goroutines of one function. The goroutines of a
/// class take neighbouring bits of the flow's state, so a statement that
/// waits for a class clears them at once, and is asked once, however many
/// goroutines the class has.
fn left_running_in<'t>(
    tracked: &[&Tracked<'t, '_>],
    keys_of: &dyn Fn(Node<'t>) -> Vec<&'t str>,
    src: &'t str,
) -> Vec<Vec<Node<'t>>> {
    // Bit `b` of the state stands for `tracked[order[b]]`.
    let mut order: Vec<usize> = (0..tracked.len()).collect();
    order.sort_by_key(|&i| tracked[i].class);
    let mut classes: Vec<Class> = Vec::new();
    for (b, &i) in order.iter().enumerate() {
        match classes.last_mut() {
            Some(c) if tracked[order[c.bits.start]].class == tracked[i].class => c.bits.end = b + 1,
            _ => classes.push(Class {
                bits: b..b + 1,
                first: i,
            }),
        }
    }
    let mut by_key: std::collections::HashMap<&'t str, Vec<usize>> = Default::default();
    for (c, class) in classes.iter().enumerate() {
        for k in &tracked[class.first].keys {
            let v = by_key.entry(k).or_default();
            if v.last() != Some(&c) {
                v.push(c);
            }
        }
    }
    let mut starting: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (b, &i) in order.iter().enumerate() {
        starting.entry(tracked[i].stmt.id()).or_default().push(b);
    }
    let body = tracked[0].body;
    let mut all = Lifetimes {
        tracked,
        classes,
        by_key,
        starting,
        keys_of,
        waited: vec![false; tracked.len()],
        left: vec![Vec::new(); tracked.len()],
        full: Bits::default(),
        src,
        body,
        closed: Default::default(),
        counters: Default::default(),
    };
    all.deferred_waits();
    flow::run(&mut all, body, src, Bits::default());
    let mut left = vec![Vec::new(); tracked.len()];
    for (b, l) in all.left.into_iter().enumerate() {
        left[order[b]] = l;
    }
    left
}

/// Goroutines of one class (see [`Tracked::class`]): their bits, and one
/// of them to ask.
struct Class {
    bits: std::ops::Range<usize>,
    first: usize,
}

/// Goroutines pending on a path, by their bit (see [`left_running_in`]).
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn set(&mut self, i: usize, on: bool) {
        if self.0.len() <= i / 64 {
            self.0.resize(i / 64 + 1, 0);
        }
        if on {
            self.0[i / 64] |= 1 << (i % 64);
        } else {
            self.0[i / 64] &= !(1 << (i % 64));
        }
    }
    fn any(&self) -> bool {
        self.0.iter().any(|w| *w != 0)
    }
    /// The words of `bits` (a range of bit positions), each with the mask
    /// of its bits in the range.
    fn words(&self, bits: &std::ops::Range<usize>) -> impl Iterator<Item = (usize, u64)> {
        let (start, end) = (bits.start, bits.end.min(self.0.len() * 64));
        let words = match start < end {
            true => start / 64..(end - 1) / 64 + 1,
            false => 0..0,
        };
        words.map(move |w| {
            let lo = start.max(w * 64) - w * 64;
            let hi = end.min(w * 64 + 64) - w * 64;
            let mask = if hi - lo == 64 {
                u64::MAX
            } else {
                ((1u64 << (hi - lo)) - 1) << lo
            };
            (w, mask)
        })
    }
    /// True when a bit in `bits` is set.
    fn any_in(&self, bits: &std::ops::Range<usize>) -> bool {
        self.words(bits).any(|(w, m)| self.0[w] & m != 0)
    }
    /// Clears the bits in `bits`.
    fn clear(&mut self, bits: &std::ops::Range<usize>) {
        let words: Vec<(usize, u64)> = self.words(bits).collect();
        for (w, m) in words {
            self.0[w] &= !m;
        }
    }
    /// The bits set here and not in `other`.
    fn ones_outside<'b>(&'b self, other: &'b Bits) -> impl Iterator<Item = usize> + 'b {
        self.0.iter().enumerate().flat_map(move |(k, w)| {
            let mut w = w & !other.0.get(k).copied().unwrap_or(0);
            std::iter::from_fn(move || {
                let b = (w != 0).then(|| w.trailing_zeros() as usize)?;
                w &= w - 1;
                Some(k * 64 + b)
            })
        })
    }
}

/// The flow of [`left_running`].
struct Lifetimes<'a, 't, 'w> {
    tracked: &'a [&'a Tracked<'t, 'w>],
    classes: Vec<Class>,
    /// For each key, the classes whose goroutines have it.
    by_key: std::collections::HashMap<&'t str, Vec<usize>>,
    /// The bits of the goroutines each statement starts, by its id.
    starting: std::collections::HashMap<usize, Vec<usize>>,
    keys_of: &'a dyn Fn(Node<'t>) -> Vec<&'t str>,
    /// Goroutines (by bit) a deferred statement waits for: never left
    /// running.
    waited: Vec<bool>,
    /// By bit.
    left: Vec<Vec<Node<'t>>>,
    /// The goroutines (by bit) whose `left` holds more than
    /// [`EXITS_KEPT`] ways out: no more are recorded.
    full: Bits,
    src: &'t str,
    body: Node<'t>,
    /// The channels the function closes, read at the first `if` that needs them.
    closed: std::cell::OnceCell<std::collections::HashSet<&'t str>>,
    /// The counters the function steps, read at the first `if` that needs
    /// them.
    counters: std::cell::OnceCell<Counters<'t>>,
}

impl<'t> Lifetimes<'_, 't, '_> {
    /// The classes `node` may wait for. A loop's header stands for the
    /// loop (see [`waits`]): its body's names count.
    fn candidates(&self, node: Node<'t>) -> Vec<usize> {
        self.candidates_in(&[node])
    }

    /// The classes any of `nodes` may wait for.
    fn candidates_in(&self, nodes: &[Node<'t>]) -> Vec<usize> {
        let mut keys = Vec::new();
        for &node in nodes {
            keys.extend((self.keys_of)(node));
            if let Some(body) = loop_of_header(node).and_then(|l| l.field("body")) {
                keys.extend((self.keys_of)(body));
            }
        }
        let mut out: Vec<usize> = keys
            .into_iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The `waits` of class `c`.
    fn waits(&self, c: usize) -> &dyn Fn(Node<'t>) -> bool {
        &self.tracked[self.classes[c].first].waits
    }

    /// `defer wg.Wait()` (or a deferred literal that waits) runs on every way out.
    fn deferred_waits(&mut self) {
        let mut defers = Vec::new();
        super::visit_kinds_no_funcs(self.body, crate::kinds!("defer_statement"), |n| {
            defers.push(n);
            Visit::Descend
        });
        for d in defers {
            // The names outside literals, and those of a deferred literal
            // (`defer func() { wg.Wait() }()`), which runs here.
            let mut at = vec![d];
            let call = named_children(d).next().and_then(super::Call::of);
            at.extend(
                call.map(|c| unparen(c.function))
                    .filter(|f| f.kind_name() == "func_literal")
                    .and_then(|f| f.field("body")),
            );
            for c in self.candidates_in(&at) {
                let waits = self.waits(c);
                if waits(d) || super::any(d, |m| waiting_statement(m, waits)) {
                    let bits = self.classes[c].bits.clone();
                    self.waited[bits].fill(true);
                }
            }
        }
    }
}

impl<'t> Flow<'t> for Lifetimes<'_, 't, '_> {
    type State = Bits;

    fn join(&mut self, into: &mut Bits, other: Bits) {
        if into.0.len() < other.0.len() {
            into.0.resize(other.0.len(), 0);
        }
        for (a, b) in into.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn step(&mut self, node: Node<'t>, pending: &mut Bits) {
        // A goroutine's own start leaves it pending; it may wait for
        // others, and for those of its class started before.
        if pending.any() {
            for c in self.candidates(node) {
                let bits = &self.classes[c].bits;
                if pending.any_in(bits) && (self.waits(c))(node) {
                    pending.clear(bits);
                }
            }
        }
        for &b in self.starting.get(&node.id()).into_iter().flatten() {
            if !self.waited[b] {
                pending.set(b, true);
            }
        }
    }

    fn exit(&mut self, node: Node<'t>, pending: &Bits) {
        if !pending.any() {
            return;
        }
        let waiters = returned_literals(node, self.body, self.src);
        let mut asked: Option<(usize, bool)> = None;
        let open: Vec<usize> = pending.ones_outside(&self.full).collect();
        for b in open {
            let c = self.classes.partition_point(|c| c.bits.start <= b) - 1;
            let waited = match asked {
                Some((known, waited)) if known == c => waited,
                _ => {
                    let waits = self.waits(c);
                    let waited = waiters
                        .iter()
                        .any(|body| super::any_no_funcs(*body, |s| waiting_statement(s, waits)));
                    asked = Some((c, waited));
                    waited
                }
            };
            if !waited {
                self.left[b].push(node);
                if self.left[b].len() > EXITS_KEPT {
                    self.full.set(b, true);
                }
            }
        }
    }

    /// `if !ok` after `v, ok := <-c`, where the function closes `c`: it was
    /// closed, which its closer does once production is over. A path that
    /// leaves on that has seen the goroutines finish.
    ///
    /// `if running == 0` (taken), where the function counts its workers up
    /// as it starts them and down as it takes their results: none is left.
    /// Likewise `if done == 3`, where it counts up the values its `select`
    /// takes.
    fn branch(&mut self, condition: Node<'t>, taken: bool, pending: &mut Bits) {
        if pending.any() {
            let closed = self.closed.get_or_init(|| closed_in(self.body, self.src));
            let counters = self
                .counters
                .get_or_init(|| counters_in(self.body, self.src));
            if saw_closed(condition, taken, &|ch| closed.contains(ch), self.src)
                || counted_out(condition, taken, counters, self.src)
            {
                *pending = Bits::default();
            }
        }
    }
}

/// The counters of a function's goroutines (see [`counted_out`]).
#[derive(Default)]
struct Counters<'s> {
    /// Stepped both up and down (`running++` where it starts a worker,
    /// `running--` where it takes a result).
    running: std::collections::HashSet<&'s str>,
    /// Only ever stepped up, and only in a `select` case that receives
    /// (`case <-serveCh: done++`): a tally of the values taken.
    tallies: std::collections::HashSet<&'s str>,
}

/// The counters `body` steps (`n++`, `n--`).
fn counters_in<'s>(body: Node, src: &'s str) -> Counters<'s> {
    let (mut up, mut down) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    let mut elsewhere = std::collections::HashSet::new();
    visit_no_funcs(body, |n| {
        match stepped(n, src) {
            Some((name, true)) => {
                up.insert(name);
                if !in_receiving_case(n) {
                    elsewhere.insert(name);
                }
            }
            Some((name, false)) => {
                down.insert(name);
            }
            None => return Visit::Descend,
        };
        Visit::Skip
    });
    let tallies = up
        .iter()
        .filter(|n| !down.contains(*n) && !elsewhere.contains(*n))
        .copied()
        .collect();
    up.retain(|n| down.contains(n));
    Counters {
        running: up,
        tallies,
    }
}

/// True when `stmt` sits directly in a `select` case that receives.
fn in_receiving_case(stmt: Node) -> bool {
    let case = stmt
        .up()
        .filter(|b| b.kind_name() == "statement_list")
        .and_then(|b| b.up())
        .filter(|c| c.kind_name() == "communication_case");
    case.and_then(|c| c.field("communication"))
        .is_some_and(|r| r.kind_name() != "send_statement")
}

/// True when the branch of `condition` taken says the counters are done:
/// one that runs workers is down to zero (`n == 0` or `n <= 0` taken,
/// `n > 0` or `n != 0` not), or a tally of values taken has reached its
/// total (`done == 3` or `done >= len(xs)` taken, `done < 3` or `done !=
/// 3` not). A tally counts every value of the channels it is stepped on.
fn counted_out(condition: Node, taken: bool, counters: &Counters, src: &str) -> bool {
    let c = unparen(condition);
    if c.kind_name() != "binary_expression" {
        return false;
    }
    let (Some(l), Some(op), Some(r)) = (
        c.field("left").map(unparen),
        c.field("operator").map(|o| text(o, src)),
        c.field("right").map(unparen),
    ) else {
        return false;
    };
    if l.kind_name() != "identifier" {
        return false;
    }
    let name = text(l, src);
    let zero_when = matches!((op, taken), ("==" | "<=", true) | (">" | "!=", false));
    let reached = matches!((op, taken), ("==" | ">=", true) | ("<" | "!=", false));
    zero_when && counters.running.contains(name) && text(r, src) == "0"
        || reached && counters.tallies.contains(name)
}

/// A simple statement of a deferred or returned literal that waits for a
/// goroutine, as `waits` tells.
fn waiting_statement<'t>(s: Node<'t>, waits: &dyn Fn(Node<'t>) -> bool) -> bool {
    matches!(
        s.kind_name(),
        "expression_statement"
            | "short_var_declaration"
            | "assignment_statement"
            | "return_statement"
    ) && waits(s)
}

/// The bodies of the function literals `exit` (a `return`) hands out:
/// `return func() { close(quit); <-done }`, or a name the function bound to
/// a literal (`stop := func() {…}; return stop`). A returned function that
/// waits for a goroutine hands that wait to the caller, who is told to call
/// it (a stop function, like `context.WithCancel`'s).
fn returned_literals<'t>(exit: Node<'t>, body: Node<'t>, src: &str) -> Vec<Node<'t>> {
    if exit.kind_name() != "return_statement" {
        return Vec::new();
    }
    let mut out = Vec::new();
    for result in named_children(exit).flat_map(named_children) {
        let result = super::unparen(result);
        match result.kind_name() {
            "func_literal" => out.extend(result.field("body")),
            "identifier" => {
                let name = text(result, src);
                visit_no_funcs(body, |n| {
                    if n.kind_name() == "short_var_declaration" {
                        let bound = super::scope::assigned_pairs(n)
                            .into_iter()
                            .filter(|(l, v)| {
                                text(*l, src) == name && v.kind_name() == "func_literal"
                            });
                        out.extend(bound.filter_map(|(_, v)| v.field("body")));
                    }
                    Visit::Descend
                });
            }
            _ => {}
        }
    }
    out
}

/// How a function receives from a channel, over all its receives of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Receive {
    /// It never receives from it.
    #[default]
    Never,
    /// Some receive waits for the value.
    Waits,
    /// Every receive sits in a `select` that can leave without it.
    GivesUp,
}

impl Receive {
    /// Both receives together: one that waits is enough for a sender.
    pub fn and(self, other: Receive) -> Receive {
        match (self, other) {
            (Receive::Waits, _) | (_, Receive::Waits) => Receive::Waits,
            (Receive::GivesUp, _) | (_, Receive::GivesUp) => Receive::GivesUp,
            _ => Receive::Never,
        }
    }
}

/// Whether the receive `recv` (a `<-ch` node) can be given up for good: it
/// heads a case of a `select` with another case that leaves without
/// waiting on the same channel (see [`ways_out`]).
pub fn receive_gives_up<'t>(recv: Node<'t>, same: &dyn Fn(Node<'t>) -> bool, src: &str) -> bool {
    ways_out(recv, same, src).is_some_and(|cases| !cases.is_empty())
}

/// The other cases of the `select` whose case `recv` (a `<-ch` node) heads
/// that leave without waiting on the same channel; `None` when `recv`
/// heads no case. Outside a loop, any other case (or a `default`) leaves;
/// inside a loop, the other case must leave the loop (a `return`, a
/// labelled `break`, a `goto`): a `for { select }` whose only way out is
/// the receive itself always gets to it.
pub fn ways_out<'t>(
    recv: Node<'t>,
    same: &dyn Fn(Node<'t>) -> bool,
    src: &str,
) -> Option<Vec<Node<'t>>> {
    let mut n = recv;
    let case = loop {
        let p = n.up()?;
        match p.kind_name() {
            "communication_case" => break p,
            "receive_statement" | "expression_list" | "parenthesized_expression" => n = p,
            _ => return None,
        }
    };
    let select = case.up()?;
    // Asked only of a select with another case that can be taken.
    let in_loop = std::cell::OnceCell::new();
    let waits_here = |n: Node<'t>| super::any_no_funcs(n, |m| received_by(m, same));
    let leaves = |other: Node<'t>| {
        if waits_here(other) || flow::block_ends_path(other, src) {
            return false;
        }
        !*in_loop.get_or_init(|| select_in_loop(select))
            || super::any_no_funcs(other, |m| match m.kind_name() {
                "return_statement" | "goto_statement" => true,
                "break_statement" => named_children(m)
                    .next()
                    .is_some_and(|label| !loops_back(case, label, src)),
                _ => false,
            })
    };
    Some(
        named_children(select)
            .filter(|c| matches!(c.kind_name(), "communication_case" | "default_case"))
            .filter(|c| c.id() != case.id())
            .filter(|c| leaves(*c))
            .collect(),
    )
}

/// True when `select` sits in a `for` loop of its own function. Asked of
/// every `select` of a function, a climb from each would cost the square
/// of their nesting: a laid-out function knows its selects in loops from
/// one walk.
fn select_in_loop(select: Node) -> bool {
    let climb = || {
        select
            .ancestors_in_function()
            .any(|p| p.kind_name() == "for_statement")
    };
    let Some(func) = enclosing_function(select) else {
        return climb();
    };
    match super::flat::memo(func, || SelectsInLoops::of(func)) {
        Some(known) => known.0.contains(&select.id()),
        None => climb(),
    }
}

/// The `select` statements of one function (its literals left out) that
/// sit in a `for` loop of it, by id.
struct SelectsInLoops(std::collections::HashSet<usize>);

impl SelectsInLoops {
    fn of(func: Node) -> Self {
        let mut found = std::collections::HashSet::new();
        // The ends of the loops open at the node visited (pre-order).
        let mut loops: Vec<usize> = Vec::new();
        let kinds = crate::kinds!("for_statement", "select_statement");
        super::visit_kinds_no_funcs(func, kinds, |n| {
            while loops.last().is_some_and(|&end| end <= n.start_byte()) {
                loops.pop();
            }
            match n.kind_name() {
                "for_statement" => loops.push(n.end_byte()),
                _ if !loops.is_empty() => {
                    found.insert(n.id());
                }
                _ => {}
            }
            Visit::Descend
        });
        SelectsInLoops(found)
    }
}

/// True when `break label` (taken in a case beside `case`) leaves a loop
/// that sits in an endless `for { … }` nothing else leaves: the outer loop
/// comes back to the `select` (`for { work(); wait: for { select { case
/// <-stop: return; case <-tick: break wait } } }`).
fn loops_back(case: Node, label: Node, src: &str) -> bool {
    let name = text(label, src);
    let Some(target) = case.ancestors().find(|a| {
        a.kind_name() == "labeled_statement"
            && a.field("label").is_some_and(|l| text(l, src) == name)
    }) else {
        return false;
    };
    let Some(outer) = target
        .ancestors()
        .take_while(|a| !super::is_function(*a))
        .find(|a| a.kind_name() == "for_statement")
    else {
        return false;
    };
    // Endless: `for { … }`, nothing but its body.
    if named_children(outer).count() != 1 {
        return false;
    }
    let Some(body) = outer.field("body") else {
        return false;
    };
    // Nothing in it leaves, but in `case` and the breaks back to `target`.
    !super::any_no_funcs(body, |m| {
        if super::contains(case, m) {
            return false;
        }
        match m.kind_name() {
            "return_statement" | "goto_statement" => true,
            "break_statement" => match named_children(m).next() {
                Some(l) => text(l, src) != name,
                None => super::break_leaves(m, outer, src),
            },
            _ => false,
        }
    })
}

fn received_by<'t>(n: Node<'t>, same: &dyn Fn(Node<'t>) -> bool) -> bool {
    match n.kind_name() {
        "unary_expression" => {
            n.field("operator").is_some_and(|o| o.kind_name() == "<-")
                && n.field("operand").is_some_and(|o| same(unparen(o)))
        }
        "range_clause" => n.field("right").is_some_and(|r| same(unparen(r))),
        _ => false,
    }
}

/// How `n` receives from the channel `same` picks out, if it is a receive
/// from it (`<-ch`, `range ch`).
pub fn receive_at<'t>(n: Node<'t>, same: &dyn Fn(Node<'t>) -> bool, src: &str) -> Option<Receive> {
    if !received_by(n, same) {
        return None;
    }
    Some(
        if n.kind_name() == "unary_expression" && receive_gives_up(n, same, src) {
            Receive::GivesUp
        } else {
            Receive::Waits
        },
    )
}

/// How `root` receives from the channel `same` picks out (a name, a
/// field), over every receive in it.
pub fn receives<'t>(root: Node<'t>, same: &dyn Fn(Node<'t>) -> bool, src: &str) -> Receive {
    receives_looping(root, same, src).0
}

/// [`receives`], and whether one of the receives sits in a loop of `root`
/// (`for v := range p`): how many values that takes is not known.
pub fn receives_looping<'t>(
    root: Node<'t>,
    same: &dyn Fn(Node<'t>) -> bool,
    src: &str,
) -> (Receive, bool) {
    let mut out = Receive::Never;
    let mut looping = false;
    // The ends of the loops open at the node visited (pre-order): one walk,
    // however deep the nesting.
    let mut open: Vec<usize> = Vec::new();
    super::visit(root, |n| {
        while open.last().is_some_and(|&end| end <= n.start_byte()) {
            open.pop();
        }
        if n.kind_name() == "for_statement" && n.id() != root.id() {
            open.push(n.end_byte());
        }
        if let Some(how) = receive_at(n, same, src) {
            out = out.and(how);
            looping |= !open.is_empty();
        }
        Visit::Descend
    });
    (out, looping)
}

/// True for a send that is a case of a `select` with another way out: it
/// never blocks for good.
pub fn send_can_give_up(send: Node) -> bool {
    send.up().is_some_and(|c| {
        c.kind_name() == "communication_case" && c.up().is_some_and(select_can_give_up)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function that starts a goroutine, then has `returns` ways out.
    fn returns_after_start(returns: usize) -> String {
        let mut s = String::from("package p\n\nfunc f(n int) {\n\tgo work()\n");
        for i in 0..returns {
            s.push_str(&format!("\tif n == {i} {{\n\t\treturn\n\t}}\n"));
        }
        s.push_str("}\n");
        s
    }

    #[test]
    fn a_goroutine_keeps_a_bounded_number_of_ways_out() {
        for (returns, kept) in [(3, 4), (EXITS_KEPT, EXITS_KEPT + 1), (500, EXITS_KEPT + 1)] {
            let src = returns_after_start(returns);
            let tree = crate::source::parse(&src);
            let root = tree.root_node();
            let g = starts(root, &src)[0];
            let body = enclosing_function(g.stmt)
                .and_then(|f| f.field("body"))
                .unwrap();
            let tracked = [Tracked {
                body,
                stmt: g.stmt,
                keys: vec!["wg"],
                waits: Box::new(|_| false),
                class: 0,
            }];
            let left = left_running(&tracked, &|_| Vec::new(), &src);
            // Every `return`, and the end of the body, up to the bound.
            assert_eq!(left[0].len(), kept, "{returns}");
        }
    }
}

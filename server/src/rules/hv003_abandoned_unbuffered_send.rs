//! HV003 abandoned-unbuffered-send.

use super::keyed::Pending;
use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::index::When;
use crate::syntax::flow::block_ends_path;
use crate::syntax::goroutines::{
    done_signals, left_running, receive_at, received_channel, send_can_give_up, started_in_loop,
    starts, waits, Receive, Start, Tracked,
};
use crate::syntax::handlers::params;
use crate::syntax::types::{of_expr, Kind};
use crate::syntax::NodeKind;
use crate::syntax::{enclosing_function, named_children, text, unparen, visit, Occurrences, Visit};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV003",
    name: "abandoned-unbuffered-send",
    summary: "A goroutine sends on an unbuffered channel whose receiver can give up",
    docs: r#"## What it does
Reports a channel made without capacity (or with a size its function takes
as a parameter, where a call in the file passes `0`) that a goroutine sends
on, when the
function that made it can stop receiving before the send happens: the only
receive is a `select` with another way out (`ctx.Done()`, `time.After`,
another channel, a labelled `break` out of the loop around it), or the
function can return before it receives. A channel the function hands on
(sent as a value on another channel, `queue <- ch`, or its address taken)
is received wherever it went, and is left alone; so is a named result
(`func start() (done chan error)`, handed back by a bare `return`), and one received by a
function the function returns (`return func() T { return <-ch }`, a
future), whose caller takes over the wait. A channel also received in any
other function literal that does not run where it is written (a callback
handed to a poller, a mock or `sync.Once.Do`, or kept in a variable) is left
alone: how often, and whether, that callback receives is not known here.
So is a channel handed to a package helper that starts a goroutine of its
own to receive from it (`errs := startWriter(acks)`): that receiver
outlives the call. So is a channel whose sender is started by a callback handed to other code
(`settle(v, func(n int) { go func() { results <- n }() }, …)`, a promise's
`then`): how often it sends cannot be told. `time.AfterFunc` (once,
later), `t.Run`, `once.Do` and `g.Go` are known, and followed. A goroutine
that calls a local bound once to a function literal (`fetch := func() {
found <- v }; go fetch()`) sends where that literal sends.
(A deferred `func() {…}()` runs at the return, and is followed.) The sender may send through a
package helper (`go func() { produce(ch) }()`, or `go produce(ch)`), read
from its summary like a literal: a send it selects against another way out
can give up, and a send or close that ends one of its paths is its last
word. A capacity fix is offered only when each goroutine sends at most
once (no send in a loop of its own). A goroutine that also receives from
the channel is one of its consumers, not a sender the function waits for:
a worker that puts a task back on its own queue (`for t := range queue {
… queue <- t }`, or `go drain(queue)` whose summary receives) sends to the
consumers. The `select` that gives
up may sit in a helper handed the channel. Goroutines started one per
iteration of a loop whose channel is then received fewer times (`return
<-ch` after one goroutine per mirror), or received in a loop that a
`return` or a `break` can leave early (the first error ends the wait), leak
the rest too, as does a `select` in a loop whose case for the channel
leaves the loop (`case err := <-errs: return err`); so do two or more goroutines started once each that all send,
when the function receives fewer times than there are of them, or can
return between the first receive and the last it needs. A package
function handed the channel that receives from it in a loop (`for err :=
range errs`, until a goroutine closes it after `wg.Wait()`) takes any
number of values: it is no count. A loop left only
once a channel the function closes turns out closed has seen its senders
finish, as has a path taken once a count of its workers, stepped up as it
starts them and down as it takes their results, is down to zero (`if
running == 0 { return }`) or once a tally of the values its `select`
takes reaches the total (`case <-saved: got++` … `if got == 2 { return
}`), and so has a `select` case that receives from a channel the sender
closes or sends on when it is done (`close(done)` after its last send, or
a send with nothing after it in the goroutine, right before a `return` or
last in a branch of its last `if`: with `if err != nil { errs <- err; return
}; conns <- c`, a select over both takes whichever send the goroutine made;
a literal's parameter counts as the channel passed for it: `go func(d chan
struct{}) { …; close(d) }(done)` closes `done`; for a goroutine started in
a loop, only channels made in the same round before it count, each round's
pair its own); in a test, a case that fails the test is no way out. A `select`
that only receives, in a loop nothing leaves early (no `return` or `break`
out of it), gathers every value (`for range names { select { case a :=
<-addrs: … case err := <-failures: … } }`): whether the loop runs as often
as the goroutines send cannot be told, unless it runs a literal number of
times, which must then be at least the number of cases (`for i := 0; i <
2; i++` over two channels). A goroutine started inside a function literal (a callback, a
subtest) is judged from the statement of the channel's function that holds
the literal. In test code, a helper that gives up on the sender only on
ways out whose result reports a failure, when every caller in the file
fails the test on that result (`require.NoError(t, err)`, `if err != nil {
t.Fatal(err) }`), leaves it only behind a test that has already failed.
So does a way out taken only after a failure: after `t.Errorf(…)` (in a
test's goroutine too, through the test's `t`), or in `if
!assert.NoError(t, err) { return }`.

In code that only tests run (`_test.go` files, test-support packages such
as `…test` or `testutil`, and directories such as `testutils/`), a blocked
sender lives only as long as the test binary, and harms nothing a
reviewer would fix.
There the rule reports only when the package's tests check for leaked
goroutines: a file of the package imports `go.uber.org/goleak` or
`github.com/fortytw2/leaktest`, so the leak fails the tests.

A way out that returns from the program's `main` (a `return` in `main`
of package `main`, or its end) ends the process, and the blocked sender
with it. A sender that sends only when its server failed on its own (`if
err := srv.Serve(ln); err != http.ErrServerClosed { errs <- err }`) is
not left blocked by a way out that shuts a server down (`Shutdown`, in
that `return`, deferred before it, or after the `select`): the serve call
then returns `ErrServerClosed`, and nothing is sent. A way out that only
waits for the server to start (`case <-time.After(…): return nil`) leaves
it running, and a later failure blocks the sender.

A loop that starts one goroutine per round and then, with nothing
between that could leave the round, `select`s with every case receiving
from the channel, in its communication or first thing in its body
(`case <-stop: cancel(); <-result; return`), takes each round's value
before the next round: no sender is left (a retry loop).

The other way round, a channel whose one receiver is a goroutine of the
function that ranges over it and can stop early (`for u := range updates {
if … { return } }`) leaks the next send, when every other use of it sends
plainly: the function's own sends, or a package function that takes it as
send-only (`chan<- T`), which can send but never receive, and either sends
on it itself or keeps it, where every send in the file on a channel of that
element type is plain.

It also follows a channel held in a struct field: made unbuffered in a
literal or an assignment in the file that declares the type
(`&job{out: make(chan T)}`), sent on through that field, and received only
in `select`s that can leave without it (directly, or in a package helper
handed the channel), or never received in the package at all. Sends made
only while a `bool` field says the loop runs, holding a lock under which
the stopping code clears that field (`mu.Lock(); defer mu.Unlock(); if
c.running { c.add <- e }`, and `c.running = false` as it stops the loop),
cannot come after the loop has gone, and are left alone. So is a
result-or-error pair: each send on the field is the last word of its path
in a method that sends on another channel field of the same value on its
other path (`if err != nil { p.errs <- err; return }; p.out <- v`), and
every `select` that receives it gives up only for those partners (`case v
:= <-p.out: … case err := <-p.errs: …`): whichever was sent is taken.
So is a field that a method of the type closes, when every way out of
the `select`s that receive it is a word from such a method (`case
<-w.stopping:`, where `Close` closes `stopping` and then `lines`): the
receiver stops only when told by the method that then closes the
channel, and a send still waiting panics instead of blocking forever,
as does one after `Close`. A way out of its own (`<-ctx.Done()`, a
timer), or a close made by a goroutine once every sender is done, does
not count. A use it
cannot follow (the channel returned, stored elsewhere, handed to an unknown
function, an exported field outside `main`, or the field also made with
room somewhere: `b.tokens = make(chan T, n)` beside a closed unbuffered
one) leaves the field alone, and so
does a field that also holds channels from elsewhere (`&sub{txs: txs}` with
`txs` a parameter, `s.out = out`): their receivers are out of sight.
A labelled `break` out of the waiting loop that lands in an endless `for {
… }` nothing else leaves (`for { work(); wait: for { select { case s :=
<-stop: …; return; case <-tick: break wait } } }`) comes back to the
`select`: it gives nothing up.

## Why is this bad?
A send on an unbuffered channel blocks until someone receives. Once the
receiver has gone, the sending goroutine blocks forever: it leaks, with
everything it references, once per request that timed out.

## Example
```go
func lookup(ctx context.Context, key string) (string, error) {
	found := make(chan string)
	go func() {
		found <- slowLookup(key)
	}()
	select {
	case v := <-found:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
```

## Use instead
```go
	found := make(chan string, 1)
```
With room for the value, the goroutine's send never blocks; it finishes and
is collected even when nobody reads the result.

## Fix
Gives the channel capacity 1 (the number of goroutines, when several are
started once each), or the number of senders when they are started in a
loop whose count is known before it runs: `len(xs)` for a loop
over `xs`, `N` for `for i := 0; i < N; i++` with a constant `N`. The meaning
is unchanged for the receiver. Senders started in any other loop get no fix
(capacity 1 would leave the rest blocked), and neither does a field's
channel: its senders are not counted, so no capacity is known to be enough;
give each send a `select` on the same way out, by hand. Nor does a channel
the function closes on every way out (`defer close(ch)` before the `go`):
a send left over after the close panics, with room or without. The message says so; leave closing to
the sender, by hand.
"#,
    in_tests: true,
    check,
    facts: Some(collect),
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.scope_mentions("make(chan") || !cx.leaks_matter() {
        return;
    }
    // A local channel is checked where it is made; a field's, once per
    // field, against the whole file.
    let mut fields: Vec<((String, String), Node)> = Vec::new();
    let mut seen_fields = std::collections::HashSet::new();
    let mut makes = Vec::new();
    let zero_args = std::cell::OnceCell::new();
    cx.visit_scope_kinds(
        |text| text.contains("make(chan"),
        crate::kinds!("call_expression"),
        |n| {
            let is_make = n.kind_name() == "call_expression"
                && n.field("function").map(|f| cx.text(f)) == Some("make");
            if !is_make {
                return Visit::Descend;
            }
            match of_expr(n, cx.src, cx.imports) {
                Kind::Chan(Some(0)) => {}
                Kind::Chan(None) if sized_zero_by_a_caller(cx, n, &zero_args) => {}
                _ => return Visit::Descend,
            }
            makes.push(n);
            Visit::Skip
        },
    );
    let mut bodies = HashMap::new();
    let made: Vec<Option<Made>> = makes
        .iter()
        .map(|m| Made::of(cx, *m, &mut bodies))
        .collect();
    let left = lifetimes(cx, &made);
    for (n, m) in makes.into_iter().zip(&made) {
        if let Some(d) = m.as_ref().and_then(|m| check_make(cx, m, &left)) {
            out.push(d);
        } else if let Some(d) = m
            .is_none()
            .then(|| receiver_stops_early(cx, n, &mut bodies))
            .flatten()
        {
            out.push(d);
        } else if let Some(key) = made_field(cx, n) {
            if seen_fields.insert(key.clone()) {
                fields.push((key, n));
            }
        }
    }
    for ((ty, field), make) in fields {
        out.extend(check_field(cx, &ty, &field, make));
    }
}

/// The calls of plain functions in the file that pass a literal `0`: each
/// function's name with the places of those arguments. Read once per check.
type ZeroArgs<'a> = HashMap<&'a str, Vec<usize>>;

fn zero_args<'a>(cx: &Context<'a>) -> ZeroArgs<'a> {
    let mut out: ZeroArgs<'a> = HashMap::new();
    for root in cx.file.roots() {
        visit(root, |n| {
            if let Some(c) =
                crate::syntax::Call::of(n).filter(|c| c.function.kind_name() == "identifier")
            {
                for (i, a) in c.args().enumerate() {
                    if cx.text(unparen(a)) == "0" {
                        out.entry(cx.text(c.function)).or_default().push(i);
                    }
                }
            }
            Visit::Descend
        });
    }
    out
}

/// True when `make(chan T, n)` takes its size from a parameter `n` of the
/// plain function it is in, and a call of that function in the file passes
/// `0` for it (`newWatcher(0, events)`): made that way, the channel is
/// unbuffered.
fn sized_zero_by_a_caller<'a>(
    cx: &Context<'a>,
    make: Node,
    zero: &std::cell::OnceCell<ZeroArgs<'a>>,
) -> bool {
    let Some(size) = crate::syntax::Call::of(make)
        .and_then(|c| c.arg(1))
        .map(unparen)
    else {
        return false;
    };
    let Some(func) = enclosing_function(make).filter(|f| f.kind_name() == "function_declaration")
    else {
        return false;
    };
    let Some(idx) = crate::syntax::handlers::params(func, cx.src)
        .iter()
        .position(|p| p.name.as_deref() == Some(cx.text(size)))
    else {
        return false;
    };
    let Some(name) = func.field("name").map(|n| cx.text(n)) else {
        return false;
    };
    let passed_zero = zero
        .get_or_init(|| zero_args(cx))
        .get(name)
        .is_some_and(|places| places.contains(&idx));
    // A parameter assigned in the function (`if size < 1 { size = 1 }`) is
    // no longer what callers pass.
    passed_zero
        && !crate::syntax::any(func, |n| {
            n.kind_name() == "identifier"
                && cx.text(n) == cx.text(size)
                && crate::syntax::scope::is_assigned(n)
        })
}

/// What the package function called by `call` does with its argument
/// `idx` (a channel), when the package knows it and the function does not
/// pass it on.
fn helper_facts<'c>(
    cx: &'c Context,
    call: Node,
    idx: usize,
) -> Option<&'c crate::index::ParamFacts> {
    let facts = cx.callee_param(call.field("function")?, idx)?;
    (!facts.hands_off && facts.passes.is_empty()).then_some(facts)
}

/// The index of `ch` among the arguments of `call`, when it is one.
fn arg_index(cx: &Context, call: Node, ch: &str) -> Option<usize> {
    let args = call.field("arguments")?;
    named_children(args).position(|a| {
        let a = unparen(a);
        a.kind_name() == "identifier" && cx.text(a) == ch
    })
}

/// True when `<-ch` occurs in `n`.
fn receives_from(n: Node, ch: &str, src: &str) -> bool {
    crate::syntax::any(n, |r| received_channel(r, src) == Some(ch))
}

/// True when `n` waits for a value on `ch`: `<-ch`, `range ch`, or a call
/// of a package function that receives from it without giving up. In a
/// test, a helper that gives up only where its result says so waits too
/// when the test fails on that result (`if err := waitFor(ch); err != nil
/// { t.Fatal(err) }`): the sender is left only once the test has failed.
fn waits_on(cx: &Context, n: Node, ch: &str) -> bool {
    if received_channel(n, cx.src) == Some(ch) {
        return true;
    }
    if n.kind_name() != "call_expression" {
        return false;
    }
    let Some(f) = arg_index(cx, n, ch).and_then(|i| helper_facts(cx, n, i)) else {
        return false;
    };
    match (f.receive, f.gives_up_when.result()) {
        (Receive::Waits, _) => true,
        (Receive::GivesUp, Some(idx)) => {
            crate::engine::is_test_code(cx.file, cx.imports)
                && fails_test_on(cx, n, idx, f.gives_up_when)
        }
        _ => false,
    }
}

/// True when `call` hands `ch` to a package function that receives from it
/// in a loop (`GatherErrs(errs)`, ranging over it until it is closed).
fn helper_loops(cx: &Context, call: Node, ch: &str) -> bool {
    call.kind_name() == "call_expression"
        && arg_index(cx, call, ch)
            .and_then(|i| helper_facts(cx, call, i))
            .is_some_and(|f| f.receives_in_loop)
}

/// The variable a `make` call is assigned to.
fn assigned_name<'a>(cx: &Context<'a>, make: Node) -> Option<&'a str> {
    let list = make.up()?;
    if list.kind_name() != "expression_list" {
        return None;
    }
    let decl = list.up()?;
    let idx = named_children(list).position(|e| e.id() == make.id())?;
    let name = match decl.kind_name() {
        "short_var_declaration" | "assignment_statement" => {
            named_children(decl.field("left")?).nth(idx)?
        }
        "var_spec" => {
            let names: Vec<Node> = crate::syntax::fields(decl, "name");
            *names.get(idx)?
        }
        _ => return None,
    };
    (name.kind_name() == "identifier").then(|| cx.text(name))
}

/// The goroutines of one function body, with where each starts and ends
/// and the one around it: read once per body, however many channels it
/// makes.
struct BodyFacts<'a> {
    /// In the order they start, nested ones after the one around them.
    goroutines: Vec<Start<'a>>,
    /// The bytes of each one's statement.
    spans: Vec<std::ops::Range<usize>>,
    /// The goroutine whose statement holds each one's, if any.
    around: Vec<Option<usize>>,
    /// The literals bound to a local that goroutines run (`f := func()
    /// {…}; go f()`), by where they start, each with the literal around it
    /// and the goroutines that run it.
    bound: Vec<Bound>,
    /// Where each name occurs in the body.
    uses: Occurrences<'a>,
}

/// A literal that goroutines run through a local bound to it.
struct Bound {
    span: std::ops::Range<usize>,
    around: Option<usize>,
    run_by: Vec<usize>,
}

/// The goroutines' bound literals, one entry per literal, in order, each
/// with the one around it.
fn bound_literals(goroutines: &[Start]) -> Vec<Bound> {
    let mut by_literal: Vec<(std::ops::Range<usize>, usize)> = (goroutines.iter().enumerate())
        .filter_map(|(i, g)| g.bound.map(|b| (b.byte_range(), i)))
        .collect();
    by_literal.sort_unstable_by_key(|(r, i)| (r.start, *i));
    let mut out: Vec<Bound> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (span, i) in by_literal {
        if let Some(last) = out.last_mut().filter(|b| b.span == span) {
            last.run_by.push(i);
            continue;
        }
        while open.last().is_some_and(|&o| out[o].span.end <= span.start) {
            open.pop();
        }
        open.push(out.len());
        let around = open.len().checked_sub(2).map(|k| open[k]);
        out.push(Bound {
            span,
            around,
            run_by: vec![i],
        });
    }
    out
}

impl<'a> BodyFacts<'a> {
    fn of(cx: &Context<'a>, body: Node<'a>) -> Self {
        let goroutines = starts(body, cx.src);
        let spans: Vec<_> = goroutines.iter().map(|g| g.stmt.byte_range()).collect();
        // The statements nest (or follow one another): the ones still open
        // at each start are a stack.
        let mut open: Vec<usize> = Vec::new();
        let around = (0..spans.len())
            .map(|i| {
                while open.last().is_some_and(|&o| spans[o].end <= spans[i].start) {
                    open.pop();
                }
                let outer = open.last().copied();
                open.push(i);
                outer
            })
            .collect();
        BodyFacts {
            bound: bound_literals(&goroutines),
            goroutines,
            spans,
            around,
            uses: Occurrences::of(body, cx.src),
        }
    }

    /// The goroutines (by index, in order) whose statements name `name`:
    /// those around each of its occurrences. Each occurrence climbs from
    /// the last goroutine started before it to the ones around that, and
    /// stops at one already taken, so nested goroutines cost their number,
    /// not their depth times their number.
    /// A goroutine that runs a bound literal names what the literal names:
    /// the literals are climbed the same way.
    fn naming(&self, name: &str) -> Vec<usize> {
        let mut taken = HashSet::new();
        let mut taken_bound = HashSet::new();
        let mut out = Vec::new();
        for n in self.uses.of_name(name) {
            if n.kind_name() != "identifier" {
                continue;
            }
            let at = n.start_byte();
            let mut g = self.spans.partition_point(|s| s.start <= at).checked_sub(1);
            while let Some(i) = g.filter(|&i| self.spans[i].end <= at) {
                g = self.around[i];
            }
            while let Some(i) = g.filter(|&i| taken.insert(i)) {
                out.push(i);
                g = self.around[i];
            }
            if self.bound.is_empty() {
                continue;
            }
            let mut b = self
                .bound
                .partition_point(|b| b.span.start <= at)
                .checked_sub(1);
            while let Some(k) = b.filter(|&k| self.bound[k].span.end <= at) {
                b = self.bound[k].around;
            }
            while let Some(k) = b.filter(|&k| taken_bound.insert(k)) {
                // (Not marked taken: the statement's climb goes on from it.)
                out.extend_from_slice(&self.bound[k].run_by);
                b = self.bound[k].around;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// True when every send on a field's channel is made holding a lock and
/// only while a `bool` field of the same type says the receiver runs (`mu.Lock();
/// defer mu.Unlock(); if c.running { c.add <- e }`), and some function of
/// the file clears that field holding the same lock (`c.running = false`
/// as it stops the loop): the receiver's way out and the sends are ordered
/// by the lock, so no send comes after it has gone.
fn sent_while_running(cx: &Context, ty: &str, sends: &[Node]) -> bool {
    // The lock held at the statement `at`, by its field name (`c.runningMu`
    // → `runningMu`: methods name their receivers as they like).
    let held_at = |at: Node| -> Option<String> {
        let body = enclosing_function(at)?.field("body")?;
        let mut held = None;
        crate::syntax::locks::each_statement(body, cx.src, |stmt, locks| {
            if stmt.id() == at.id() {
                held = locks
                    .iter()
                    .next()
                    .and_then(|l| l.rsplit('.').next())
                    .map(str::to_string);
            }
        });
        held
    };
    // `if c.flag { send }`, or `if !c.flag {…} else { send }`, around a
    // send: the flag's field name.
    let flag_of = |send: Node| -> Option<String> {
        let stmt = send
            .ancestors_in_function()
            .find(|a| a.kind_name() == "if_statement")?;
        let mut cond = unparen(stmt.field("condition")?);
        let negated = cond.kind_name() == "unary_expression"
            && cond.field("operator").is_some_and(|o| cx.text(o) == "!");
        if negated {
            cond = unparen(cond.field("operand")?);
        }
        let branch = stmt.field(if negated {
            "alternative"
        } else {
            "consequence"
        })?;
        if !crate::syntax::contains(branch, send) || cond.kind_name() != "selector_expression" {
            return None;
        }
        let decl = cx.field_decl(cond)?;
        (decl.type_name == ty && decl.type_text == "bool").then(|| decl.name.clone())
    };
    let mut gate: Option<(String, String)> = None;
    for &send in sends {
        let (Some(flag), Some(lock)) = (flag_of(send), held_at(send)) else {
            return false;
        };
        if gate.get_or_insert_with(|| (flag.clone(), lock.clone())) != &(flag, lock) {
            return false;
        }
    }
    let Some((flag, lock)) = gate else {
        return false;
    };
    // `x.flag = false`, holding the lock.
    let mut cleared = false;
    for root in cx.file.roots() {
        visit(root, |n| {
            if n.kind_name() != "assignment_statement" {
                return Visit::Descend;
            }
            let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                return Visit::Skip;
            };
            let sets_flag = named_children(left).next().is_some_and(|l| {
                l.kind_name() == "selector_expression"
                    && l.field("field").is_some_and(|f| cx.text(f) == flag)
                    && cx.field_decl(l).is_some_and(|d| d.type_name == ty)
            });
            if sets_flag
                && cx.text(right) == "false"
                && held_at(n).as_deref() == Some(lock.as_str())
            {
                cleared = true;
                return Visit::Stop;
            }
            Visit::Skip
        });
    }
    cleared
}

/// A local unbuffered channel, where it is made, and the goroutines that
/// send on it unguarded.
struct Made<'a> {
    make: Node<'a>,
    ch: &'a str,
    func: Node<'a>,
    body: Node<'a>,
    facts: Rc<BodyFacts<'a>>,
    senders: Vec<(Start<'a>, Node<'a>)>,
}

/// A local channel's name, its function and body, the body's facts, and
/// the goroutines of the body that name it (only they can send on it or
/// receive from it).
struct Local<'a> {
    ch: &'a str,
    func: Node<'a>,
    body: Node<'a>,
    facts: Rc<BodyFacts<'a>>,
    naming: Vec<Start<'a>>,
}

impl<'a> Local<'a> {
    fn of(
        cx: &Context<'a>,
        make: Node<'a>,
        bodies: &mut HashMap<usize, Rc<BodyFacts<'a>>>,
    ) -> Option<Local<'a>> {
        let ch = assigned_name(cx, make)?;
        let func = enclosing_function(make)?;
        let body = func.field("body")?;
        let facts = bodies
            .entry(body.id())
            .or_insert_with(|| Rc::new(BodyFacts::of(cx, body)))
            .clone();
        let naming = facts
            .naming(ch)
            .into_iter()
            .map(|i| facts.goroutines[i])
            .collect();
        Some(Local {
            ch,
            func,
            body,
            facts,
            naming,
        })
    }
}

impl<'a> Made<'a> {
    /// `None` when no goroutine sends on it, or it escapes the function.
    fn of(
        cx: &Context<'a>,
        make: Node<'a>,
        bodies: &mut HashMap<usize, Rc<BodyFacts<'a>>>,
    ) -> Option<Made<'a>> {
        let Local {
            ch,
            func,
            body,
            facts,
            naming,
        } = Local::of(cx, make, bodies)?;
        // A named result (`func start() (done chan T)`) is handed back by
        // every `return`: its caller receives.
        if named_result(cx, func, ch) {
            return None;
        }
        let senders: Vec<(Start, Node)> = naming
            .iter()
            .filter_map(|g| unguarded_send(cx, g, ch).map(|send| (*g, send)))
            .collect();
        let uses: Vec<Node> = (facts.uses.of_name(ch).iter())
            .filter(|n| n.kind_name() == "identifier")
            .copied()
            .collect();
        if senders.is_empty() || escapes(cx, body, &uses, ch, &naming, &senders) {
            return None;
        }
        // A sender started by a callback handed to code that decides
        // whether and how often to call it (`promise.Call("then",
        // js.FuncOf(func(…) any { go func() { ch <- v }() … }))`): how many
        // values come cannot be told.
        if senders
            .iter()
            .any(|(g, _)| started_by_unknown_callback(cx, g, func))
        {
            return None;
        }
        Some(Made {
            make,
            ch,
            func,
            body,
            facts,
            senders,
        })
    }
}

/// True when `name` is one of `func`'s named results.
fn named_result(cx: &Context, func: Node, name: &str) -> bool {
    func.field("result")
        .filter(|r| r.kind_name() == "parameter_list")
        .is_some_and(|r| {
            crate::syntax::handlers::param_list(r, cx.src)
                .iter()
                .any(|p| p.name.as_deref() == Some(name))
        })
}

/// The other way round: the channel's one receiver is a goroutine of the
/// function that ranges over it and can stop early (`for p := range ch {
/// if … { return } }`), while the function sends on it, or hands it only
/// to package functions that take it as send-only (`chan<- T`), which can
/// send but never receive. Once the receiver has stopped, the next send
/// blocks forever. Any other use of the channel leaves it alone.
fn receiver_stops_early<'a>(
    cx: &Context<'a>,
    make: Node<'a>,
    bodies: &mut HashMap<usize, Rc<BodyFacts<'a>>>,
) -> Option<Diagnostic> {
    let Local {
        ch,
        func,
        facts,
        naming,
        ..
    } = Local::of(cx, make, bodies)?;
    let [receiver] = naming.as_slice() else {
        return None;
    };
    let lit = receiver.runs()?;
    // One of a pool started in a loop: the others keep receiving.
    if started_in_loop(receiver, func)
        || unguarded_send(cx, receiver, ch).is_some()
        || arg_index(cx, receiver.call, ch).is_some()
    {
        return None;
    }
    // The loop over the channel in the receiver, and its early way out.
    let mut ranging = None;
    visit(lit, |n| {
        if n.kind_name() == "func_literal" && n.id() != lit.id() {
            return Visit::Skip;
        }
        let over_ch = n.kind_name() == "for_statement"
            && crate::syntax::child_of_kind(n, "range_clause")
                .is_some_and(|r| received_channel(r, cx.src) == Some(ch));
        if over_ch {
            ranging = Some(n);
            return Visit::Stop;
        }
        Visit::Descend
    });
    let ranging = ranging?;
    let started: std::collections::HashSet<usize> =
        facts.goroutines.iter().map(|g| g.stmt.id()).collect();
    let exit = leaves_early(cx, ranging, ch, &started)?;
    // Every use outside the receiver sends, closes, or lends it send-only.
    let mut sends = 0;
    for u in facts.uses.of_name(ch) {
        if u.kind_name() != "identifier" || crate::syntax::contains(lit, *u) {
            continue;
        }
        let p = u.up()?;
        match p.kind_name() {
            // Where it is made.
            "expression_list" if p.up().is_some_and(|d| crate::syntax::contains(d, make)) => {}
            // A send that can give up (`select` with `<-ctx.Done()`) is none.
            "send_statement" if p.field("channel").map(|c| c.id()) == Some(u.id()) => {
                sends += usize::from(!send_can_give_up(p));
            }
            "argument_list" => {
                let call = p.up()?;
                let f = unparen(call.field("function")?);
                if f.kind_name() == "identifier" && cx.text(f) == "close" {
                    continue;
                }
                let idx = named_children(p).position(|a| a.id() == u.id())?;
                if !send_only_param(cx, f, idx) {
                    return None;
                }
                let lent = cx.callee_param(f, idx)?;
                sends += match lent.hands_off || !lent.passes.is_empty() {
                    // It sends on it itself, or never without a way out.
                    false => usize::from(lent.sends),
                    // Kept, returned or passed on (`chanOutput(ch)`): the
                    // file's sends on channels of its element type must all
                    // be plain.
                    true => usize::from(plain_sends_elsewhere(cx, make, func)?),
                };
            }
            _ => return None,
        }
    }
    if sends == 0 {
        return None;
    }
    let mut d = cx.diag(
        &RULE,
        make,
        format!(
            "unbuffered channel `{ch}`: its one receiver can stop early (line {}), and a send after that blocks forever",
            exit.start_position().row + 1
        ),
    );
    d.related.push(cx.related(exit, "the receiver stops here"));
    d.related
        .push(cx.related(receiver.stmt, "the receiving goroutine starts here"));
    super::by_hand(&mut d, || {
        format!("let the receiver keep draining `{ch}` after it stops using the values, or let the senders give up too (`select` with a way out)")
    });
    Some(d)
}

/// Whether the file's other functions send on channels of `make`'s element
/// type (a field `reqCh chan<- request`, a receiver of a named `chan<-
/// progress` type) only plainly: `Some(true)` when they do, `Some(false)`
/// when one of those sends can give up, `None` when none is found.
fn plain_sends_elsewhere(cx: &Context, make: Node, func: Node) -> Option<bool> {
    let elem = make
        .field("arguments")
        .and_then(|a| named_children(a).next())
        .and_then(|t| t.field("value"))
        .map(|v| cx.text(v))?;
    let of_elem = |ch: Node| {
        let ty = match ch.kind_name() {
            "selector_expression" => cx.field_decl(ch).map(|d| d.type_text.clone()),
            _ => cx.type_of(ch).map(|t| match cx.index.type_decl(&t) {
                Some(d) => d.underlying.clone(),
                None => t,
            }),
        };
        ty.is_some_and(|t| t.starts_with("chan") && t.ends_with(elem))
    };
    let (mut plain, mut gives_up) = (0, false);
    for d in cx.file.top_level().filter(|d| d.id() != func.id()) {
        visit(d, |n| {
            if n.kind_name() != "send_statement" {
                return Visit::Descend;
            }
            if n.field("channel").map(unparen).is_some_and(&of_elem) {
                match send_can_give_up(n) {
                    true => gives_up = true,
                    false => plain += 1,
                }
            }
            Visit::Skip
        });
    }
    match (gives_up, plain) {
        (true, _) => Some(false),
        (false, 0) => None,
        _ => Some(true),
    }
}

/// True when the package function `f` (a name declared in this file)
/// declares its parameter `idx` as a send-only channel (`chan<- T`).
fn send_only_param(cx: &Context, f: Node, idx: usize) -> bool {
    if f.kind_name() != "identifier" {
        return false;
    }
    let [decl] = cx.declared_functions(cx.text(f)) else {
        return false;
    };
    params(*decl, cx.src)
        .get(idx)
        .is_some_and(|p| cx.text(p.ty).replace(' ', "").starts_with("chan<-"))
}

/// The ways out that leave each sender running, by its make and its
/// place among the make's senders: the senders of every channel made in one
/// function are followed in one walk of it (see [`left_running`]).
fn lifetimes<'a>(
    cx: &Context<'a>,
    made: &[Option<Made<'a>>],
) -> HashMap<(usize, usize), Vec<Node<'a>>> {
    // A statement receives from a channel (itself, or through a helper it
    // hands the channel to) only if it names it.
    // What a statement may wait on, outside its function literals (see
    // `left_running`).
    let keys_of = |node: Node<'a>| {
        let mut keys = Vec::new();
        crate::syntax::visit_no_funcs(node, |n| {
            if n.kind_name() == "identifier" {
                keys.push(cx.text(n));
            }
            Visit::Descend
        });
        keys
    };
    let mut keys = Vec::new();
    let mut tracked = Vec::new();
    let mut classes: HashMap<(usize, Vec<&str>), usize> = HashMap::new();
    for m in made.iter().flatten() {
        for (i, (g, _)) in m.senders.iter().enumerate() {
            let ch = m.ch;
            keys.push((m.make.id(), i));
            // A receive from what the sender closes or sends when it is done
            // comes after its sends: `case <-done: return`.
            let signals: Vec<&str> = done_signals_of(cx, g, m.func)
                .into_iter()
                .filter(|s| *s != ch)
                .collect();
            let mut keys_of_g = vec![ch];
            keys_of_g.extend(signals.iter().copied());
            // The senders of one channel with the same signals wait alike.
            let next = classes.len();
            let class = *classes
                .entry((m.make.id(), keys_of_g.clone()))
                .or_insert(next);
            let done = move |r: Node<'a>| {
                received_channel(r, cx.src).is_some_and(|c| signals.contains(&c))
            };
            tracked.push(Tracked {
                body: m.body,
                stmt: hoisted(g, m.func).stmt,
                keys: keys_of_g,
                waits: Box::new(move |n| waits(n, &|r| waits_on(cx, r, ch) || done(r), cx.src)),
                class,
            });
        }
    }
    keys.into_iter()
        .zip(left_running(&tracked, &keys_of, cx.src))
        .collect()
}

/// What `g` closes or sends on when it is done ([`done_signals`]); for a
/// package function started as a goroutine (`go reader(msgs, errs)`), the
/// arguments its summary says it signals on last.
fn done_signals_of<'a>(cx: &Context<'a>, g: &Start<'a>, func: Node<'a>) -> Vec<&'a str> {
    if let Some(lit) = g.runs() {
        // `go func(d chan struct{}) { …; close(d) }(done)`: the literal's
        // parameter names the caller's channel.
        let ps = params(lit, cx.src);
        let args: Vec<Node> = g
            .call
            .field("arguments")
            .map(|a| named_children(a).collect())
            .unwrap_or_default();
        return done_signals(g, func, cx.src)
            .into_iter()
            .map(|name| {
                ps.iter()
                    .position(|p| p.name.as_deref() == Some(name))
                    .and_then(|i| args.get(i))
                    .map(|a| unparen(*a))
                    .filter(|a| a.kind_name() == "identifier")
                    .map_or(name, |a| cx.text(a))
            })
            .collect();
    }
    let (Some(f), Some(args)) = (g.call.field("function"), g.call.field("arguments")) else {
        return Vec::new();
    };
    if started_in_loop(g, func) {
        return Vec::new();
    }
    named_children(args)
        .enumerate()
        .filter(|(i, a)| {
            unparen(*a).kind_name() == "identifier"
                && cx.callee_param(f, *i).is_some_and(|p| p.signals_done)
        })
        .map(|(_, a)| cx.text(unparen(a)))
        .collect()
}

fn check_make<'a>(
    cx: &Context<'a>,
    m: &Made<'a>,
    left: &HashMap<(usize, usize), Vec<Node<'a>>>,
) -> Option<Diagnostic> {
    let (make, ch, func, body, senders) = (m.make, m.ch, m.func, m.body, &m.senders);
    let outlived = senders.iter().enumerate().find(|(i, (g, send))| {
        let left = left.get(&(make.id(), *i)).map_or(&[][..], |v| &v[..]);
        !left.is_empty()
            && !abandoned_only_when_test_fails(cx, func, left)
            && !left.iter().all(|exit| ends_the_program(cx, func, *exit))
            && !sent_only_until_shut_down(cx, g, *send, body, left)
    });
    let outlived = outlived.map(|(_, s)| s);
    let fixed = fixed_senders(cx, body, senders);
    let (why, (g, send)): (std::borrow::Cow<str>, _) = match outlived {
        Some(found) => (
            "the goroutine's send blocks forever when the receiver stops waiting (a select with another way out, or an earlier return)".into(),
            found,
        ),
        None => {
            // Every sender started once gets the same answer: asked once.
            let mut once = false;
            let (found, why) = senders.iter().find_map(|s| {
                let length = loop_length(cx, s.0.stmt);
                if matches!(length, Senders::One) && std::mem::replace(&mut once, true) {
                    return None;
                }
                received_fewer_times(cx, m, &s.0, length, fixed).map(|why| (s, why))
            })?;
            (why, found)
        }
    };
    // The function closes the channel itself (`defer close(ch)`): a send
    // left over after that panics, with room or without, and capacity is
    // no fix.
    let closed = closed_on_return(cx, body, ch, g.stmt);
    let mut msg = format!("unbuffered channel `{ch}`: {why}");
    if let Some(c) = closed {
        msg.push_str(&format!(
            "; once the function has closed it (line {}), that send panics instead",
            c.start_position().row + 1
        ));
    }
    let mut d = cx.diag(&RULE, make, msg);
    d.related
        .push(cx.related(*send, "the send that can block forever"));
    d.related.push(cx.related(g.stmt, "goroutine started here"));
    if let Some(c) = closed {
        d.related
            .push(cx.related(c, "the receiving side closes the channel here"));
    } else if let Some(f) = capacity_fix(cx, make, ch, g, fixed) {
        d.fixes.push(f);
    }
    super::by_hand(&mut d, || {
        let room = format!("give `{ch}` room for every send (`make(chan T, n)`)");
        match closed {
            Some(_) => {
                format!("leave closing `{ch}` to its sender (or drop the `close`), then {room}")
            }
            None => format!("{room}, or let the sender give up too (`select` with `<-ctx.Done()`)"),
        }
    });
    Some(d)
}

/// `defer close(ch)` among the function's own statements, before the
/// goroutine starts (`start`): it runs on every way out, the early ones
/// that leave the sender too. A `close` elsewhere may lie on other paths
/// only (after a loop that gathered every value).
fn closed_on_return<'a>(
    cx: &Context<'a>,
    body: Node<'a>,
    ch: &str,
    start: Node<'a>,
) -> Option<Node<'a>> {
    // Worked out once per body: every `go` in it asks (a square on a
    // function of many goroutines otherwise).
    let closes = || DeferredCloses::of(cx, body);
    let closes = crate::syntax::flat::memo(body, closes).unwrap_or_else(|| Rc::new(closes()));
    closes
        .0
        .iter()
        .take_while(|(at, _)| at.start < start.start_byte())
        .find(|(_, closed)| closed == ch)
        .and_then(|(at, _)| body.descendant_for_byte_range(at.start, at.end))
}

/// The `defer close(x)` statements among a body's own statements: the
/// bytes of each, and the text of `x`.
struct DeferredCloses(Vec<(std::ops::Range<usize>, String)>);

impl DeferredCloses {
    fn of(cx: &Context, body: Node) -> Self {
        let closes = crate::syntax::statements(body)
            .into_iter()
            .filter(|s| s.kind_name() == "defer_statement")
            .filter_map(|s| {
                let c = named_children(s).next().and_then(crate::syntax::Call::of)?;
                let closed = (c.function.kind_name() == "identifier"
                    && cx.text(c.function) == "close")
                    .then(|| c.arg(0))??;
                Some((s.byte_range(), cx.text(unparen(closed)).to_string()))
            })
            .collect();
        DeferredCloses(closes)
    }
}

/// True when `func`, in test code, leaves the sender running only on ways
/// out (`left`) whose result reports a failure (an `error` set, the same
/// `bool` on each), and every call of `func` in the file fails the test on
/// that result: `require.NoError(t, err)`, `if err != nil { t.Fatal(err)
/// }`, `if timedOut { t.Fatalf(…) }`. The sender is then left only on a
/// path where the test has already failed.
fn abandoned_only_when_test_fails(cx: &Context, func: Node, left: &[Node]) -> bool {
    // More ways out than were kept: not all of them were seen.
    if !crate::engine::is_test_code(cx.file, cx.imports)
        || left.len() > crate::syntax::goroutines::EXITS_KEPT
    {
        return false;
    }
    let Some(name) = func.field("name").map(|n| cx.text(n)) else {
        return false;
    };
    let types = crate::index::result_texts(func, cx.src);
    let Some(idx) = crate::index::telling_result(&types) else {
        return false;
    };
    let values: Vec<String> = left
        .iter()
        .map(|exit| crate::index::returned(*exit, Some(idx), cx.src))
        .collect();
    let when = match types[idx] {
        "error" if values.iter().all(|v| !v.is_empty() && v != "nil") => When::OnError(idx),
        "bool" if values.iter().all(|v| v == "true") => When::OnTrue(idx),
        "bool" if values.iter().all(|v| v == "false") => When::OnFalse(idx),
        _ => return false,
    };
    let method = func.kind_name() == "method_declaration";
    let mut calls = Vec::new();
    // Only the declarations whose text names the helper are walked.
    let callers = cx
        .file
        .top_level()
        .filter(|d| d.id() != func.id() && cx.text(*d).contains(name));
    for d in callers {
        visit(d, |n| {
            if let Some(call) = crate::syntax::Call::of(n) {
                let callee = match (call.function.kind_name(), method) {
                    ("identifier", false) => Some(call.function),
                    ("selector_expression", true) => call.function.field("field"),
                    _ => None,
                };
                if callee.is_some_and(|c| cx.text(c) == name) {
                    calls.push(n);
                }
            }
            Visit::Descend
        });
    }
    !calls.is_empty() && calls.iter().all(|c| fails_test_on(cx, *c, idx, when))
}

/// True when the way out `exit` of `func` (a `return`, or the end of its
/// body) returns from the program's `main`: the process ends there, and a goroutine still blocked on its
/// send ends with it.
fn ends_the_program(cx: &Context, func: Node, exit: Node) -> bool {
    let returns = match exit.kind_name() {
        "return_statement" => enclosing_function(exit).map(|f| f.id()) == Some(func.id()),
        // The end of the body.
        _ => func.field("body").map(|b| b.id()) == Some(exit.id()),
    };
    returns
        && func.kind_name() == "function_declaration"
        && func.field("name").is_some_and(|n| cx.text(n) == "main")
        && crate::index::package_name(cx.file) == "main"
}

/// True when the goroutine sends only when its server failed for a reason
/// of its own (`if err := srv.Serve(ln); err != http.ErrServerClosed { errs
/// <- err }`) and every way out of the function (`left`) shuts a server
/// down, in that `return`, deferred before it, or after the goroutine
/// started when the way out is the end of `body`: the serve call then
/// returns `ErrServerClosed`, and nothing is sent. (A `Close` could be the
/// listener's, which makes the serve call fail with an error of its own.)
fn sent_only_until_shut_down(
    cx: &Context,
    g: &Start,
    send: Node,
    body: Node,
    left: &[Node],
) -> bool {
    let guarded = send
        .ancestors()
        .take_while(|a| a.kind_name() != "func_literal")
        .filter(|a| a.kind_name() == "if_statement")
        .filter_map(|a| a.field("condition"))
        .any(|c| {
            let c = cx.text(c);
            c.contains("ErrServerClosed") && (c.contains("!=") || c.contains("!errors.Is("))
        });
    if !guarded || left.len() > crate::syntax::goroutines::EXITS_KEPT {
        return false;
    }
    let shuts = |text: &str| text.contains(".Shutdown(");
    // Where the first deferred shutdown starts: it runs on the ways out
    // after it. One walk for every way out.
    let mut deferred = None;
    crate::syntax::visit_no_funcs(body, |n| {
        if n.kind_name() == "defer_statement" && shuts(cx.text(n)) {
            deferred = Some(n.start_byte());
            return Visit::Stop;
        }
        Visit::Descend
    });
    let deferred_before = |at: usize| deferred.is_some_and(|d| d < at);
    left.iter().all(|exit| match exit.kind_name() {
        "return_statement" => shuts(cx.text(*exit)) || deferred_before(exit.start_byte()),
        _ => {
            let after = cx.src.get(g.stmt.end_byte()..body.end_byte());
            deferred_before(body.end_byte()) || after.is_some_and(shuts)
        }
    })
}

/// True when the code around `call` fails the test when its result `idx`
/// says `when`.
fn fails_test_on(cx: &Context, call: Node, idx: usize, when: When) -> bool {
    // `require.NoError(t, f())`, `require.False(t, f())`: the assertion
    // that fails on that result.
    let asserts = |assertion: Node, arg_is: &dyn Fn(Node) -> bool| {
        crate::syntax::Call::of(assertion).is_some_and(|a| {
            let f = cx.text(a.function);
            let fails_on = match f.split_once('.') {
                Some(("require" | "assert", "NoError" | "Nil")) => When::OnError(idx),
                Some(("require" | "assert", "True")) => When::OnFalse(idx),
                Some(("require" | "assert", "False")) => When::OnTrue(idx),
                _ => return false,
            };
            fails_on == when && a.args().any(|x| arg_is(unparen(x)))
        })
    };
    if let Some(outer) = call
        .up()
        .filter(|a| a.kind_name() == "argument_list")
        .and_then(|a| a.up())
    {
        return asserts(outer, &|x| x.id() == call.id());
    }
    let pending = Pending::new(call, idx, when);
    // The condition holds whenever the result says `when`: off its branch
    // (or off both sides of an `||`), the helper did not give up.
    fn implied(cx: &Context, p: &Pending, cond: Node) -> bool {
        let cond = unparen(cond);
        if cond.kind_name() == "binary_expression"
            && cond
                .field("operator")
                .is_some_and(|o| o.kind_name() == "||")
        {
            return [cond.field("left"), cond.field("right")]
                .into_iter()
                .flatten()
                .any(|c| implied(cx, p, c));
        }
        p.on_branch(cx, cond, false) == Some(super::keyed::Effect::Not)
    }
    // `if err := f(); err != nil { t.Fatal(err) }`, `if f() { t.Fatal(…) }`.
    let ends_when_failed = |ifs: Node| {
        let (Some(cond), Some(then)) = (ifs.field("condition"), ifs.field("consequence")) else {
            return false;
        };
        implied(cx, &pending, cond) && block_ends_path(then, cx.src)
    };
    let Some(stmt) = crate::syntax::statement_of(call) else {
        return false;
    };
    if stmt.kind_name() == "if_statement" {
        return ends_when_failed(stmt);
    }
    // `v, err := f()`, then `require.NoError(t, err)` or the `if`.
    let Some(next) = crate::syntax::next_statement(stmt) else {
        return false;
    };
    match next.kind_name() {
        "if_statement" => ends_when_failed(next),
        "expression_statement" => named_children(next).next().is_some_and(|a| {
            asserts(unparen(a), &|x| {
                pending
                    .var
                    .is_some_and(|v| x.kind_name() == "identifier" && cx.text(x) == cx.text(v))
            })
        }),
        _ => false,
    }
}

/// `g` as seen from `func`, the function that made the channel: a goroutine
/// started inside a function literal (a callback, a subtest) starts, for
/// `func`, at the statement of `func` that holds the literal, and what
/// `func` does after that statement decides whether the send is awaited.
/// The literal alone never receives: judged on its own, every such sender
/// would look abandoned.
fn hoisted<'a>(g: &Start<'a>, func: Node<'a>) -> Start<'a> {
    let mut stmt = g.stmt;
    while let Some(f) = enclosing_function(stmt).filter(|f| f.id() != func.id()) {
        match crate::syntax::statement_of(f) {
            Some(s) => stmt = s,
            None => break,
        }
    }
    Start { stmt, ..*g }
}

/// True when `g` runs inside a function literal (below `func`) handed as
/// an argument to a call that is not known to run it exactly once:
/// `time.AfterFunc` runs it once, later; a subtest's `t.Run` and
/// `once.Do` run it there and then. Anything else may call it any number
/// of times, or never.
fn started_by_unknown_callback(cx: &Context, g: &Start, func: Node) -> bool {
    let mut at = g.stmt;
    while let Some(lit) = enclosing_function(at).filter(|f| f.id() != func.id()) {
        if lit.kind_name() != "func_literal" {
            return false;
        }
        let call = lit
            .up()
            .filter(|a| a.kind_name() == "argument_list")
            .and_then(|a| a.up())
            .filter(|c| c.kind_name() == "call_expression");
        if let Some(call) = call.and_then(crate::syntax::Call::of) {
            let known = cx
                .imports
                .is_member(call.function, cx.src, "time", "AfterFunc")
                || matches!(call.method(cx.src), Some((_, "Run" | "Do" | "Go")));
            if !known {
                return true;
            }
        }
        at = lit;
    }
    false
}

/// The senders of a channel that are started once each (in no loop, not
/// inside another goroutine): how many values the function must receive.
fn fixed_senders<'a>(cx: &Context<'a>, body: Node<'a>, senders: &[(Start<'a>, Node<'a>)]) -> usize {
    senders
        .iter()
        .filter(|(g, _)| {
            matches!(loop_length(cx, g.stmt), Senders::One)
                && enclosing_function(g.stmt)
                    .and_then(|f| f.field("body"))
                    .is_some_and(|b| b.id() == body.id())
        })
        .count()
}

/// Why the function receives from `ch` fewer times than `g` and its fellow
/// senders (`fixed` of them started once each) send, on some path:
/// - `g` is started once per iteration of a loop (one that does not make a
///   new channel each time) and `body` receives only outside any loop,
///   fewer times than a known count of senders (or at all, when the count
///   is unknown): `return <-ch` after one goroutine per URL;
/// - or it receives in a loop that can stop early (a `return` or a `break`
///   out of it: the first error ends the wait);
/// - or several goroutines are started once each, and the function
///   receives fewer times than there are of them (`return <-ch`: the first
///   answer wins), or can return between the first receive and the last it
///   needs.
///
/// Ways out that fail a test do not count.
fn received_fewer_times<'a>(
    cx: &Context<'a>,
    m: &Made<'a>,
    g: &Start<'a>,
    length: Senders,
    fixed: usize,
) -> Option<std::borrow::Cow<'static, str>> {
    let (make, body, ch, senders) = (m.make, m.body, m.ch, &m.senders);
    let goroutines = &m.facts.goroutines;
    let per_iteration =
        crate::syntax::loop_around(g.stmt, body).is_some_and(|l| crate::syntax::contains(l, make));
    if per_iteration {
        return None;
    }
    let one = matches!(length, Senders::One);
    let count = match length {
        // Counted only when every one of them sends, whatever happens in
        // it (checked before the body is read).
        Senders::One => {
            if fixed < 2 || !senders.iter().all(|(o, send)| sends_always(o, *send)) {
                return None;
            }
            None
        }
        Senders::Counted(n) => n.parse::<usize>().ok(),
        Senders::Unknown => None,
    };
    let started: std::collections::HashSet<usize> =
        goroutines.iter().map(|o| o.stmt.id()).collect();
    // Each receive, with the loop around it in `body` if any.
    let mut receives: Vec<(Node, Option<Node>)> = Vec::new();
    // Whether a `select` that can give up receives from it, and whether a
    // function literal that is no goroutine (a deferred drain, a callback)
    // does: either makes the count unknown.
    let mut in_select = false;
    let mut in_literal = false;
    // A case of a `select` in a loop that receives from it and leaves the
    // loop: the first value ends the wait.
    let mut first_ends_wait = None;
    // A package function handed it receives in a loop (`for err := range
    // errs`, until it is closed): how many it takes is not known.
    let mut drained = false;
    crate::syntax::visit(body, |n| {
        if started.contains(&n.id()) {
            return Visit::Skip;
        }
        if n.kind_name() == "func_literal" {
            in_literal |= receives_from(n, ch, cx.src);
            return Visit::Skip;
        }
        if n.kind_name() == "select_statement" && crate::syntax::goroutines::select_can_give_up(n) {
            // The other rule's case: a receive that can be given up.
            in_select |= receives_from(n, ch, cx.src);
            if !one && first_ends_wait.is_none() {
                first_ends_wait = leaves_on_receive(cx, body, n, ch, &started);
            }
            return Visit::Skip;
        }
        if waits_on(cx, n, ch) {
            drained |= helper_loops(cx, n, ch);
            receives.push((n, crate::syntax::loop_around(n, body)));
        }
        Visit::Descend
    });
    if drained {
        return None;
    }
    if first_ends_wait.is_some() && received_each_round(cx, g, ch) {
        return None;
    }
    if let Some(exit) = first_ends_wait.filter(|_| !in_literal) {
        return Some(format!("goroutines started in a loop send on it, but the loop that receives stops at the first value it takes (line {}): the sends left over block forever", exit.start_position().row + 1).into());
    }
    let first = receives.first()?;
    if one {
        // And only when the function receives outside loops, `select`s and
        // literals.
        if in_select || in_literal || receives.iter().any(|(_, l)| l.is_some()) {
            return None;
        }
        if receives.len() < fixed {
            let n = receives.len();
            let times = if n == 1 { "" } else { "s" };
            return Some(format!("{fixed} goroutines send on it, but it is received {n} time{times}: the sends left over block forever").into());
        }
        let (from, to) = (first.0.end_byte(), receives[fixed - 1].0.start_byte());
        // A goroutine started after the first receive is not left behind by
        // a return before it starts.
        let func = enclosing_function(body)?;
        if senders
            .iter()
            .any(|(o, _)| hoisted(o, func).stmt.start_byte() >= from)
        {
            return None;
        }
        let exit = first_way_out(cx, body, from..to, &started, |n| {
            n.kind_name() == "return_statement" && n.start_byte() >= from
        })?;
        return Some(format!("{fixed} goroutines send on it, but the function can return (line {}) before it has received from all of them: the sends left over block forever", exit.start_position().row + 1).into());
    }
    if let Some(receiving) = receives
        .iter()
        .find_map(|(_, l)| *l)
        .filter(|_| !in_literal)
    {
        // The loop that receives, when something leaves it before it is
        // done.
        let leaves = leaves_early(cx, receiving, ch, &started)?;
        return Some(format!("goroutines started in a loop send on it, but the loop that receives can stop early (line {}): the sends left over block forever", leaves.start_position().row + 1).into());
    }
    (count.is_none_or(|n| receives.len() < n)).then_some(
        "goroutines started in a loop send on it, but it is received fewer times: the sends left over block forever".into(),
    )
}

/// True when the loop that starts `g` receives its one value in the same
/// round, whatever happens: right after the `go` (nothing between can leave
/// the round), a `select` every case of which receives from `ch`, in its
/// communication or first thing in its body (`case <-stop: <-done;
/// return`). One sender per round, one receive per round: none is left.
fn received_each_round(cx: &Context, g: &Start, ch: &str) -> bool {
    // A round's way out, or a jump to the next round.
    let leaves = |n: Node| {
        crate::syntax::has_kind_no_funcs(
            n,
            crate::kinds!(
                "return_statement",
                "break_statement",
                "continue_statement",
                "goto_statement"
            ),
        )
    };
    let in_loop_body = g
        .stmt
        .up()
        .and_then(|list| list.up())
        .filter(|b| b.kind_name() == "block")
        .and_then(|b| b.up())
        .is_some_and(|l| l.kind_name() == "for_statement");
    if !in_loop_body {
        return false;
    }
    let mut next = crate::syntax::next_statement(g.stmt);
    while let Some(st) = next.filter(|st| st.kind_name() != "select_statement") {
        if leaves(st) || receives_from(st, ch, cx.src) {
            return false;
        }
        next = crate::syntax::next_statement(st);
    }
    let Some(select) = next else {
        return false;
    };
    let cases: Vec<Node> = named_children(select)
        .filter(|c| matches!(c.kind_name(), "communication_case" | "default_case"))
        .collect();
    !cases.is_empty()
        && cases.iter().all(|c| {
            let in_comm = c
                .field("communication")
                .is_some_and(|r| receives_from(r, ch, cx.src));
            let first_in_body = crate::syntax::statements(*c)
                .into_iter()
                .take_while(|st| !leaves(*st))
                .any(|st| {
                    matches!(
                        st.kind_name(),
                        "expression_statement" | "assignment_statement" | "short_var_declaration"
                    ) && receives_from(st, ch, cx.src)
                });
            in_comm || first_in_body
        })
}

/// True when the goroutine `g` reaches its `send` whatever happens in it:
/// the send sits in no `if`, `switch`, `select` or loop of its literal, and
/// the literal has no `return` that could leave before it.
fn sends_always(g: &Start, send: Node) -> bool {
    let Some(lit) = g.runs() else {
        return false;
    };
    let body = lit.field("body").unwrap_or(lit);
    let returns = crate::syntax::has_kind_no_funcs(body, crate::kinds!("return_statement"));
    !returns
        && send
            .ancestors()
            .take_while(|a| a.id() != lit.id())
            .all(|a| {
                !matches!(
                    a.kind_name(),
                    "if_statement"
                        | "expression_switch_statement"
                        | "type_switch_statement"
                        | "select_statement"
                        | "for_statement"
                        | "func_literal"
                )
            })
}

/// The first `return` or `break` that leaves `receiving` (a loop that
/// receives from `ch`) before it is done: not one taken once the channel
/// turns out closed (`v, ok := <-ch; if !ok { return }`, after which every
/// sender has finished), nor one that fails a test.
fn leaves_early<'a>(
    cx: &Context<'a>,
    receiving: Node<'a>,
    ch: &str,
    started: &std::collections::HashSet<usize>,
) -> Option<Node<'a>> {
    leaves_early_within(cx, receiving, receiving.byte_range(), ch, started)
}

/// The way out of the loop around `select` (in `body`) taken in a case of
/// it that receives from `ch` (`case err := <-errs: return err`).
fn leaves_on_receive<'a>(
    cx: &Context<'a>,
    body: Node<'a>,
    select: Node<'a>,
    ch: &str,
    started: &std::collections::HashSet<usize>,
) -> Option<Node<'a>> {
    let receiving = crate::syntax::loop_around(select, body)?;
    named_children(select)
        .filter(|c| c.kind_name() == "communication_case")
        .filter(|c| {
            c.field("communication")
                .is_some_and(|r| receives_from(r, ch, cx.src))
        })
        .find_map(|c| {
            let exit = leaves_early_within(cx, receiving, c.byte_range(), ch, started)?;
            decided_by_the_value(cx, c, exit).then_some(exit)
        })
}

/// True when the way out `exit` in the select case `case` is taken
/// whatever the case received, or on a test of what it received (`case err
/// := <-errs: if err != nil { return err }`), not on a count kept elsewhere
/// (`if active == 0 { return }`, which gathers every value).
fn decided_by_the_value(cx: &Context, case: Node, exit: Node) -> bool {
    let names: Vec<&str> = case
        .field("communication")
        .and_then(|r| r.field("left"))
        .map(|l| {
            named_children(l)
                .filter(|n| n.kind_name() == "identifier")
                .map(|n| cx.text(n))
                .collect()
        })
        .unwrap_or_default();
    exit.ancestors()
        .take_while(|a| a.id() != case.id())
        .all(|a| match a.kind_name() {
            "block" | "statement_list" => true,
            "if_statement" => a.field("condition").is_some_and(|c| {
                names
                    .iter()
                    .any(|name| crate::syntax::mentions(c, cx.src, name))
            }),
            _ => false,
        })
}

/// [`leaves_early`], for the ways out that lie in `range`.
fn leaves_early_within<'a>(
    cx: &Context<'a>,
    receiving: Node<'a>,
    range: std::ops::Range<usize>,
    ch: &str,
    started: &std::collections::HashSet<usize>,
) -> Option<Node<'a>> {
    // The names that tell a receive found the channel closed, and the
    // counters the loop steps (`active--`): a way out once a counter runs
    // out has gathered what it counted.
    let mut settling: Vec<&str> = Vec::new();
    crate::syntax::visit(receiving, |n| {
        if let Some((counter, _)) = crate::syntax::goroutines::stepped(n, cx.src) {
            settling.push(counter);
        }
        if matches!(
            n.kind_name(),
            "short_var_declaration" | "assignment_statement" | "receive_statement"
        ) {
            let left = n.field("left");
            let right = n.field("right");
            let received = right.is_some_and(|r| receives_from(r, ch, cx.src));
            if let (Some(l), true) = (left, received) {
                if let Some(flag) = named_children(l).nth(1) {
                    settling.push(cx.text(flag));
                }
            }
        }
        Visit::Descend
    });
    let settled = |exit: Node| {
        exit.ancestors()
            .take_while(|a| a.id() != receiving.id())
            .filter(|a| a.kind_name() == "if_statement")
            .filter_map(|a| a.field("condition"))
            .any(|c| {
                settling
                    .iter()
                    .any(|f| crate::syntax::mentions(c, cx.src, f))
            })
    };
    first_way_out(cx, receiving, range, started, |n| {
        let leaves = match n.kind_name() {
            "return_statement" => true,
            "break_statement" => crate::syntax::break_leaves(n, receiving, cx.src),
            _ => false,
        };
        leaves && !settled(n)
    })
}

/// The first node in `within` that `leaves` takes for a way out, among
/// those that overlap `range` outside function literals and goroutines,
/// and do not fail a test.
fn first_way_out<'a>(
    cx: &Context<'a>,
    within: Node<'a>,
    range: std::ops::Range<usize>,
    started: &std::collections::HashSet<usize>,
    leaves: impl Fn(Node<'a>) -> bool,
) -> Option<Node<'a>> {
    let mut found = None;
    crate::syntax::visit(within, |n| {
        if started.contains(&n.id())
            || n.kind_name() == "func_literal"
            || n.end_byte() <= range.start
            || n.start_byte() >= range.end
        {
            return Visit::Skip;
        }
        if leaves(n) && !n.up().is_some_and(|b| block_ends_path(b, cx.src)) {
            found = Some(n);
            return Visit::Stop;
        }
        Visit::Descend
    });
    found
}

/// The name `ch` goes by inside the goroutine's literal `lit`: the
/// parameter it is passed as (argument `arg_idx`), or its own.
fn bound_name(cx: &Context, lit: Node, arg_idx: Option<usize>, ch: &str) -> String {
    arg_idx
        .and_then(|i| params(lit, cx.src).into_iter().nth(i))
        .and_then(|p| p.name)
        .unwrap_or_else(|| ch.to_string())
}

/// The goroutine's send on `ch` (or on the parameter it is bound to) that is
/// not itself guarded by a `select` with another way out. A goroutine that
/// also receives from `ch` is one of its consumers (a worker that puts a
/// task back on its own queue): its sends go to the consumers, not to the
/// function, so it is no sender the function must receive from.
fn unguarded_send<'a>(cx: &Context<'a>, g: &Start<'a>, ch: &str) -> Option<Node<'a>> {
    let arg_idx = arg_index(cx, g.call, ch);
    let Some(lit) = g.runs() else {
        // `go worker(ch)`: ask the package index whether it sends.
        let facts = helper_facts(cx, g.call, arg_idx?)?;
        return (facts.sends && facts.receive == Receive::Never).then_some(g.call);
    };
    let name = bound_name(cx, lit, arg_idx, ch);
    if receives_from(lit, &name, cx.src) {
        return None;
    }
    let mut found = None;
    // Goroutines nested in this one are goroutines of their own.
    crate::syntax::visit_no_funcs(lit, |n| {
        let send = match n.kind_name() {
            "send_statement" => {
                n.field("channel").map(|c| cx.text(unparen(c))) == Some(name.as_str())
                    && !send_can_give_up(n)
            }
            // `go func() { produce(ch) }()`: a package helper that sends.
            "call_expression" => arg_index(cx, n, &name)
                .and_then(|i| helper_facts(cx, n, i))
                .is_some_and(|f| f.sends),
            _ => false,
        };
        if send {
            found = Some(n);
            return Visit::Stop;
        }
        Visit::Descend
    });
    found
}

/// True when `ch` leaves the function's sight: returned, stored, passed to a
/// call, received by another goroutine or by a callback; then its receiver
/// is elsewhere.
fn escapes<'a>(
    cx: &Context<'a>,
    body: Node<'a>,
    uses: &[Node<'a>],
    ch: &str,
    goroutines: &[Start<'a>],
    senders: &[(Start<'a>, Node<'a>)],
) -> bool {
    // Asked per use: read once into ranges and ids.
    let in_sender = crate::syntax::Spans::of(senders.iter().flat_map(|(g, _)| g.code()));
    let in_goroutine = crate::syntax::Spans::of(goroutines.iter().flat_map(Start::code));
    let literals: HashSet<usize> = goroutines
        .iter()
        .filter_map(|g| g.runs())
        .map(|l| l.id())
        .collect();
    for &n in uses {
        if in_sender.hold(n) {
            continue;
        }
        if in_callback(n, body, &literals) {
            return true;
        }
        let Some(p) = n.up() else {
            continue;
        };
        // The channel sent as a value (`queue <- ch`), or its address
        // taken (`&ch`): whoever gets it may receive.
        let handed_on = match p.kind_name() {
            "send_statement" => p.field("channel").map(|c| c.id()) != Some(n.id()),
            "unary_expression" => p.field("operator").map(|o| o.kind_name()) != Some("<-"),
            _ => false,
        };
        let ok = match p.kind_name() {
            _ if handed_on => false,
            "unary_expression" | "range_clause" | "send_statement" => {
                // A receive in another goroutine means the receiver lives there.
                !in_goroutine.hold(n)
            }
            // `close(ch)`, or a package helper that only sends on it or
            // receives from it (waiting or not: see `waits_on`), in this
            // goroutine.
            // A helper whose goroutine receives from it hands it to a
            // receiver that outlives the call: the receiver lives there.
            "argument_list" => p.up().is_some_and(|call| {
                call.field("function")
                    .is_some_and(|f| matches!(text(f, cx.src), "close" | "len" | "cap"))
                    || (arg_index(cx, call, ch)
                        .and_then(|i| helper_facts(cx, call, i))
                        .is_some_and(|f| !f.receives_in_background)
                        && !in_goroutine.hold(n))
            }),
            "expression_list" => p.up().is_some_and(|d| {
                matches!(
                    d.kind_name(),
                    "short_var_declaration" | "assignment_statement" | "var_spec"
                ) && d.field("left").map(|l| l.id()) == Some(p.id())
            }),
            "var_spec" => true,
            _ => false,
        };
        if !ok {
            return true;
        }
    }
    false
}

/// True when `n` is in a function literal that is not a goroutine, not run
/// where it is written (`defer func() {…}()`, `func() {…}()`) and not
/// returned (a future its caller waits on): a callback handed to other code
/// or kept for later. How often, and whether,
/// it receives is not known here (a mock that calls it three times for two
/// sends), so whether a send is left waiting cannot be told.
fn in_callback(n: Node, body: Node, goroutine_literals: &HashSet<usize>) -> bool {
    let mut at = n;
    while let Some(up) = at.up().filter(|u| u.id() != body.id()) {
        if up.kind_name() == "func_literal" {
            let run_here = up.up().is_some_and(|call| {
                call.kind_name() == "call_expression"
                    && call.field("function").map(|f| f.id()) == Some(up.id())
            });
            // A function handed back is a future: its caller receives.
            let returned = up
                .up()
                .filter(|l| l.kind_name() == "expression_list")
                .and_then(|l| l.up())
                .is_some_and(|r| r.kind_name() == "return_statement");
            let started = goroutine_literals.contains(&up.id());
            return !run_here && !returned && !started;
        }
        at = up;
    }
    false
}

/// Gives the channel capacity 1, or `len(xs)` when the sender is started in a
/// loop over a slice, array or map `xs`.
fn capacity_fix<'a>(
    cx: &Context<'a>,
    make: Node<'a>,
    ch: &str,
    g: &Start<'a>,
    fixed: usize,
) -> Option<crate::diagnostic::Fix> {
    let args = make.field("arguments")?;
    // Room for one send per goroutine: no use to one that sends in a loop.
    if sends_repeatedly(cx, g, ch) {
        return None;
    }
    // Started in a loop, it sends once per iteration: room for one send
    // would leave the rest blocked.
    let capacity = match loop_length(cx, g.stmt) {
        Senders::One => fixed.max(1).to_string(),
        Senders::Counted(n) => n,
        Senders::Unknown => return None,
    };
    let edit = match named_children(args).nth(1) {
        // A size the callers choose (`make(chan T, size)`) is theirs to change.
        Some(size) if cx.text(size) != "0" => return None,
        Some(zero) => crate::fix::edit(
            cx.file,
            zero.start_byte(),
            zero.end_byte(),
            capacity.clone(),
        ),
        None => {
            let close = args.end_byte() - 1;
            crate::fix::edit(cx.file, close, close, format!(", {capacity}"))
        }
    };
    Some(crate::fix::fix(
        format!("Give the channel capacity {capacity}"),
        true,
        crate::diagnostic::Applicability::Safe,
        vec![edit],
    ))
}

/// True when the goroutine `g` may send on `ch` (or on the parameter it is
/// bound to) more than once: a send in a loop of its own, or a package
/// function that sends in a loop.
fn sends_repeatedly(cx: &Context, g: &Start, ch: &str) -> bool {
    let arg_idx = arg_index(cx, g.call, ch);
    let Some(lit) = g.runs() else {
        return arg_idx
            .and_then(|i| cx.callee_param(g.call.field("function")?, i))
            .is_some_and(|p| p.sends_repeatedly);
    };
    let name = bound_name(cx, lit, arg_idx, ch);
    crate::syntax::any_no_funcs(lit, |n| {
        n.kind_name() == "send_statement"
            && n.field("channel").map(|c| cx.text(unparen(c))) == Some(name.as_str())
            && crate::syntax::goroutines::sends_in_loop(n, lit)
    })
}

/// How many goroutines a `go` statement starts.
enum Senders {
    /// It is in no loop of its function.
    One,
    /// One per iteration of a loop whose count is known before it runs:
    /// `len(xs)` for `for … range xs` over a slice, array or map declared
    /// as such, `N` for `for i := 0; i < N; i++` or `for range N` with an
    /// integer `N`.
    Counted(String),
    Unknown,
}

fn loop_length<'a>(cx: &Context<'a>, stmt: Node<'a>) -> Senders {
    let mut cur = stmt.up();
    while let Some(n) = cur {
        if crate::syntax::is_function(n) {
            return Senders::One;
        }
        if n.kind_name() == "for_statement" {
            return counted(cx, n).map_or(Senders::Unknown, Senders::Counted);
        }
        cur = n.up();
    }
    Senders::One
}

/// The number of iterations of loop `n` as an expression, when it is known
/// before the loop runs.
fn counted<'a>(cx: &Context<'a>, n: Node<'a>) -> Option<String> {
    if let Some(range) = crate::syntax::child_of_kind(n, "range_clause") {
        let xs = unparen(range.field("right")?);
        // `for range 4` (Go 1.22): four iterations.
        if xs.kind_name() == "int_literal" {
            return Some(cx.text(xs).to_string());
        }
        if xs.kind_name() != "identifier" {
            return None;
        }
        let name = cx.text(xs);
        let func = enclosing_function(n)?;
        let declared = declared_type(cx, func, name)?;
        let t = declared.trim_start();
        return (t.starts_with('[') || t.starts_with("map[")).then(|| format!("len({name})"));
    }
    // `for i := 0; i < 4; i++`
    let clause = crate::syntax::child_of_kind(n, "for_clause")?;
    let text = |f: &str| clause.field(f).map(|x| cx.text(x));
    let cond = clause.field("condition")?;
    let (left, right) = (cond.field("left")?, cond.field("right")?);
    let i = cx.text(left);
    let operator = cond.field("operator").map(|o| cx.text(o));
    (text("initializer") == Some(&format!("{i} := 0"))
        && operator == Some("<")
        && text("update") == Some(&format!("{i}++"))
        && right.kind_name() == "int_literal")
        .then(|| cx.text(right).to_string())
}

/// The declared type text of a parameter or `var` of `func`.
fn declared_type<'a>(cx: &Context<'a>, func: Node<'a>, name: &str) -> Option<&'a str> {
    let mut found = None;
    visit(func, |n| {
        if matches!(n.kind_name(), "parameter_declaration" | "var_spec")
            && crate::syntax::fields(n, "name")
                .into_iter()
                .any(|id| cx.text(id) == name)
        {
            found = n.field("type").map(|t| cx.text(t));
            return Visit::Stop;
        }
        Visit::Descend
    });
    found
}

/// The unexported field a `make` is stored in: `T{f: make(…)}` or
/// `x.f = make(…)`, as (declaring type, field).
fn made_field<'a>(cx: &Context<'a>, make: Node<'a>) -> Option<(String, String)> {
    let p = make.up()?;
    let decl = match p.kind_name() {
        "literal_element" => {
            let (ty, name, _) = keyed_field(cx, p.up()?)?;
            cx.index.field_of_type(&ty, name)?
        }
        "expression_list" => {
            let stmt = p.up().filter(|s| s.kind_name() == "assignment_statement")?;
            let idx = named_children(p).position(|e| e.id() == make.id())?;
            let left = named_children(stmt.field("left")?).nth(idx)?;
            cx.field_decl(left)?
        }
        _ => return None,
    };
    // Other packages may receive from an exported field; no package imports
    // a `main`.
    let exported = decl.name.chars().next().is_some_and(char::is_uppercase);
    let main = cx.index.files.first().is_some_and(|f| f.package == "main");
    // This file must see the field's life: its type is declared here, and
    // no other file of the package sends or receives through it.
    let here = *decl.location.path == *cx.file.path;
    let elsewhere = cx.index.files.iter().any(|f| {
        f.path.as_deref() != Some(&*cx.file.path)
            && f.facts
                .of::<FieldChannelOps>()
                .flat_map(|ops| &ops.0)
                .any(|op| {
                    op.field == decl.name
                        && op
                            .owner
                            .as_ref()
                            .and_then(|o| cx.index.resolve(o))
                            .is_none_or(|t| {
                                cx.index
                                    .field_of_type(&t, &op.field)
                                    .is_none_or(|d| d.type_name == decl.type_name)
                            })
                })
    });
    (here && !elsewhere && (!exported || main)).then(|| (decl.type_name.clone(), decl.name.clone()))
}

/// What the uses of a field's channel (or of a local holding it) do.
struct Uses<'a> {
    /// Sends that cannot give up, and calls of helpers that send on it.
    sends: Vec<Node<'a>>,
    receive: Receive,
    /// The receives that sit in a `select` that can give up on them.
    giving_up: Vec<Node<'a>>,
    /// Locals declared from the field (`ch := x.f`, `var ch = x.f`), by
    /// name and the declared name's node.
    aliases: Vec<(&'a str, Node<'a>)>,
    /// Where the package closes it (`close(x.f)`).
    closes: Vec<Node<'a>>,
}

impl<'a> Uses<'a> {
    /// Records one use of the channel (`at`, which `same` picks out); false
    /// when the use cannot be followed. A field may be held in a local
    /// (`may_alias`); a local is not followed into another.
    fn add(
        &mut self,
        cx: &Context<'a>,
        mut at: Node<'a>,
        same: &dyn Fn(Node<'a>) -> bool,
        may_alias: bool,
    ) -> bool {
        at = crate::syntax::outer_parens(at);
        let Some(p) = at.up() else {
            return true;
        };
        let assigned = |s: Node| {
            s.kind_name() == "assignment_statement"
                && s.field("left").map(|l| l.id()) == Some(p.id())
        };
        match p.kind_name() {
            "send_statement" if p.field("channel").map(|c| c.id()) == Some(at.id()) => {
                if !send_can_give_up(p) {
                    self.sends.push(p);
                }
                true
            }
            "unary_expression" | "range_clause" => match receive_at(p, same, cx.src) {
                Some(how) => {
                    if how == Receive::GivesUp {
                        self.giving_up.push(p);
                    }
                    self.receive = self.receive.and(how);
                    true
                }
                // `&x.f`, `for _, x.f = range …`: not followed.
                None => false,
            },
            // `x.f = make(…)`, `x.f = nil` (not a local: it would then hold
            // another channel). Anything else (`x.f = ch`) brings a
            // channel made elsewhere, received elsewhere.
            "expression_list" if p.up().is_some_and(assigned) => {
                let value = p.up().and_then(|s| s.field("right")).and_then(|r| {
                    let idx = named_children(p).position(|e| e.id() == at.id())?;
                    named_children(r).nth(idx)
                });
                may_alias && value.is_some_and(|v| made_or_nil(cx, v))
            }
            // `ch := x.f`, `var ch = x.f`: one name, one value.
            "expression_list" if may_alias => {
                let Some(decl) = p.up() else {
                    return false;
                };
                let names = match decl.kind_name() {
                    "short_var_declaration"
                        if decl.field("right").map(|r| r.id()) == Some(p.id()) =>
                    {
                        decl.field("left")
                            .map(|l| named_children(l).collect::<Vec<_>>())
                    }
                    "var_spec" => Some(
                        named_children(decl)
                            .filter(|n| n.kind_name() == "identifier")
                            .collect(),
                    ),
                    _ => None,
                };
                match names.as_deref() {
                    Some([name]) if named_children(p).count() == 1 => {
                        self.aliases.push((cx.text(*name), *name));
                        true
                    }
                    _ => false,
                }
            }
            // `x.f != nil`.
            "binary_expression" => true,
            "argument_list" => {
                let call = p.up();
                let f = call.and_then(|c| c.field("function")).map(unparen);
                let idx = named_children(p).position(|a| a.id() == at.id());
                let (Some(call), Some(f), Some(idx)) = (call, f, idx) else {
                    return false;
                };
                if f.kind_name() == "identifier" && matches!(cx.text(f), "close" | "len" | "cap") {
                    if cx.text(f) == "close" {
                        self.closes.push(call);
                    }
                    return true;
                }
                // A package helper handed the channel: how it sends and receives.
                match helper_facts(cx, call, idx) {
                    Some(facts) => {
                        if facts.sends {
                            self.sends.push(call);
                        }
                        self.receive = self.receive.and(facts.receive);
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// Channels held in struct fields: an unexported field (any field in a
/// `main` package) made unbuffered in
/// this file (`&job{out: make(chan T)}`, `j.out = make(chan T)`), sent on
/// through that field of that type, where every receive in the file (or in
/// a package helper handed the channel) sits in a `select` that can give it
/// up, or where nothing in the package receives from it at all. Any use the
/// file cannot follow (the channel stored elsewhere, returned, handed to an
/// unknown function, or a selector whose operand's type is unknown) leaves
/// it alone.
fn check_field<'a>(cx: &Context<'a>, ty: &str, field: &str, make: Node<'a>) -> Option<Diagnostic> {
    let same = |n: Node| {
        n.kind_name() == "selector_expression"
            && n.field("field").map(|f| cx.text(f)) == Some(field)
            && cx
                .field_decl(n)
                .is_some_and(|d| d.type_name == ty && d.name == field)
    };
    let mut uses = Uses {
        sends: Vec::new(),
        receive: Receive::Never,
        giving_up: Vec::new(),
        aliases: Vec::new(),
        closes: Vec::new(),
    };
    let mut lost = false;
    // The selectors that name the field, from each tree's index of names
    // (read once per check): a walk of the file per field would cost the
    // file's size per channel field.
    'roots: for root in cx.file.roots() {
        let names = cx.occurrences(root);
        for &f in names.of_name(field) {
            // `&sub{txs: txs}`: the field holds a channel from elsewhere,
            // whose receivers are elsewhere too.
            if keyed_from_elsewhere(cx, f, ty, make) {
                lost = true;
                break 'roots;
            }
            let Some(n) = f.up().filter(|n| {
                n.kind_name() == "selector_expression"
                    && n.field("field").is_some_and(|x| x.id() == f.id())
            }) else {
                continue;
            };
            match cx.field_decl(n) {
                Some(d) if d.type_name == ty => {}
                Some(_) => continue,
                None => {
                    // Which struct's field this is cannot be told.
                    lost = true;
                    break 'roots;
                }
            }
            // `x.f = make(chan T, n)` elsewhere: which channel a send
            // reaches cannot be told.
            if assigned(n).is_some_and(|v| !unbuffered_or_nil(cx, v, make)) {
                lost = true;
                break 'roots;
            }
            if !uses.add(cx, n, &same, true) {
                lost = true;
                break 'roots;
            }
        }
    }
    // A local that holds the channel (`ch := x.f`) is the field under
    // another name, in its function.
    for (name, decl) in std::mem::take(&mut uses.aliases) {
        if lost {
            break;
        }
        let func = enclosing_function(decl)?;
        let alias = |n: Node| n.kind_name() == "identifier" && cx.text(n) == name;
        visit(func, |n| {
            if n.id() == decl.id() || !alias(n) {
                return Visit::Descend;
            }
            if !uses.add(cx, n, &alias, false) {
                lost = true;
                return Visit::Stop;
            }
            Visit::Descend
        });
    }
    let Uses {
        sends,
        receive,
        giving_up,
        closes,
        ..
    } = uses;
    if lost || sends.is_empty() || receive == Receive::Waits {
        return None;
    }
    if receive == Receive::GivesUp && closed_by_its_stopper(cx, ty, field, &closes, &giving_up) {
        return None;
    }
    if receive == Receive::GivesUp
        && (sent_while_running(cx, ty, &sends) || one_of_a_pair(cx, ty, field, &sends, &giving_up))
    {
        return None;
    }
    let why = if receive == Receive::Never {
        "nothing in the package receives from it"
    } else {
        "every receive sits in a select that can give up on it"
    };
    let mut d = cx.diag(
        &RULE,
        make,
        format!(
            "unbuffered channel in field `{field}` of `{ty}`: {why}, so a send on it can block forever"
        ),
    );
    for s in sends.iter().take(3) {
        d.related
            .push(cx.related(*s, "a send that can block forever"));
    }
    super::by_hand(&mut d, || {
        format!("make `{field}` with room for every send, or send in a `select` that also gives up (`<-ctx.Done()`, a done channel)")
    });
    Some(d)
}

/// True when a method of `ty` closes the field (`close(w.lines)` in
/// `Close`), and every `select` that can give up on it gives up only for a
/// channel field of `ty` that such a method closes or sends on (`case
/// <-w.stop:`, where `Close` closes `stop` and then `lines`): the receiver
/// stops only when told by the method that then closes the channel. No
/// sender is then left blocked: the close makes a waiting send panic, as
/// it does a send that comes later, a use of a closed value and not a leak.
/// A close elsewhere (a goroutine that closes it once every sender is done)
/// does not count.
fn closed_by_its_stopper<'a>(
    cx: &Context<'a>,
    ty: &str,
    field: &str,
    closes: &[Node<'a>],
    giving_up: &[Node<'a>],
) -> bool {
    // The fields that the closing methods close or send on.
    let mut told: HashSet<&str> = HashSet::new();
    for &close in closes {
        let Some(method) = enclosing_function(close).filter(|m| {
            crate::syntax::handlers::receiver(*m, cx.src).is_some_and(|r| r.type_name == ty)
        }) else {
            continue;
        };
        let Some(body) = method.field("body") else {
            continue;
        };
        crate::syntax::visit_no_funcs(body, |n| {
            let channel = match n.kind_name() {
                "send_statement" => n.field("channel"),
                _ => crate::syntax::Call::of(n)
                    .filter(|c| {
                        c.function.kind_name() == "identifier" && cx.text(c.function) == "close"
                    })
                    .and_then(|c| c.arg(0)),
            };
            if let Some((_, g)) = channel.and_then(|c| field_of(cx, ty, c)) {
                told.insert(g);
            }
            Visit::Descend
        });
    }
    if told.is_empty() {
        return false;
    }
    giving_up
        .iter()
        .all(|&recv| leaves_only_for(cx, ty, field, recv, &told))
}

/// A selector `x.g` naming a channel field of `ty`: (`x`, `g`).
fn field_of<'a>(cx: &Context<'a>, ty: &str, n: Node<'a>) -> Option<(&'a str, &'a str)> {
    let n = unparen(n);
    let d = cx.field_decl(n).filter(|d| d.type_name == ty)?;
    Some((cx.text(n.field("operand")?), d.name.as_str()))
}

/// True when every way out of the `select` whose case `recv` (`<-x.f`, of
/// `field` of `ty`) heads receives from `x.g` for one of `fields`: the
/// receiver leaves only when one of those has a word for it.
fn leaves_only_for<'a>(
    cx: &Context<'a>,
    ty: &str,
    field: &str,
    recv: Node<'a>,
    fields: &HashSet<&str>,
) -> bool {
    let Some((operand, _)) = recv.field("operand").and_then(|c| field_of(cx, ty, c)) else {
        return false;
    };
    let same = |n: Node<'a>| field_of(cx, ty, n).is_some_and(|(_, g)| g == field);
    crate::syntax::goroutines::ways_out(recv, &same, cx.src).is_some_and(|cases| {
        cases.iter().all(|c| {
            c.field("communication").is_some_and(|m| {
                fields
                    .iter()
                    .any(|g| receives_from(m, &format!("{operand}.{g}"), cx.src))
            })
        })
    })
}

/// True for a result-or-error pair of fields: each send on `field` is its
/// function's last word on its path, and the same function's other last
/// words send on other channel fields of `ty` of the same value
/// (`if err != nil { p.errs <- err; return }; p.out <- v`). Every `select`
/// that could give up on `field` (`giving_up`) gives up only for one of
/// those fields of the same value: whichever the sender sent on, it is
/// received.
fn one_of_a_pair<'a>(
    cx: &Context<'a>,
    ty: &str,
    field: &str,
    sends: &[Node<'a>],
    giving_up: &[Node<'a>],
) -> bool {
    let mut partners: Option<HashSet<&str>> = None;
    // Each function's last words, read once however many sends it makes.
    let mut words_of: HashMap<usize, Vec<&str>> = HashMap::new();
    for &send in sends {
        let Some((operand, _)) = (send.kind_name() == "send_statement")
            .then(|| send.field("channel").and_then(|c| field_of(cx, ty, c)))
            .flatten()
        else {
            return false;
        };
        let Some(body) = enclosing_function(send).and_then(|f| f.field("body")) else {
            return false;
        };
        let words = words_of
            .entry(body.id())
            .or_insert_with(|| crate::syntax::goroutines::last_words(body, cx.src));
        let own = format!("{operand}.{field}");
        if !words.contains(&own.as_str()) {
            return false;
        }
        let here: HashSet<&str> = words
            .iter()
            .filter_map(|w| w.strip_prefix(operand)?.strip_prefix('.'))
            .filter(|g| *g != field)
            .collect();
        partners = Some(match partners {
            None => here,
            Some(p) => p.intersection(&here).copied().collect(),
        });
    }
    let Some(partners) = partners.filter(|p| !p.is_empty()) else {
        return false;
    };
    giving_up
        .iter()
        .all(|&recv| leaves_only_for(cx, ty, field, recv, &partners))
}

/// True for `make(…)` or `nil`: a value that brings no channel from
/// elsewhere.
fn made_or_nil(cx: &Context, v: Node) -> bool {
    let v = unparen(v);
    v.kind_name() == "nil"
        || v.kind_name() == "call_expression"
            && v.field("function").map(|f| cx.text(f)) == Some("make")
}

/// True when `key` is the key of a keyed element of a `ty` literal whose
/// value is a channel from elsewhere (`&sub{txs: txs}`), not `make(…)` or
/// `nil`, or one made with room (not `make` itself, the one checked).
fn keyed_from_elsewhere<'a>(cx: &Context<'a>, key: Node<'a>, ty: &str, make: Node) -> bool {
    let Some(keyed) = key.up().and_then(|e| e.up()) else {
        return false;
    };
    keyed_field(cx, keyed).is_some_and(|(t, name, value)| {
        t == ty && name == cx.text(key) && !unbuffered_or_nil(cx, value, make)
    })
}

/// True for `nil`, `make` itself, or another channel made without room.
fn unbuffered_or_nil(cx: &Context, v: Node, make: Node) -> bool {
    let v = unparen(v);
    made_or_nil(cx, v)
        && (v.kind_name() == "nil"
            || v.id() == make.id()
            || matches!(of_expr(v, cx.src, cx.imports), Kind::Chan(Some(0))))
}

/// The value assigned to `target` when it is the left side of an
/// assignment (`x.f = make(chan T, 1)`).
fn assigned(target: Node) -> Option<Node> {
    let stmt = target
        .up()
        .and_then(|l| l.up())
        .filter(|s| s.kind_name() == "assignment_statement")?;
    crate::syntax::scope::assigned_pairs(stmt)
        .into_iter()
        .find(|(l, _)| l.id() == target.id())
        .map(|(_, v)| v)
}

/// `keyed`, a `field: value` element of a composite literal: the literal's
/// type, the field's name and the value.
fn keyed_field<'a>(cx: &Context<'a>, keyed: Node<'a>) -> Option<(String, &'a str, Node<'a>)> {
    if keyed.kind_name() != "keyed_element" {
        return None;
    }
    let mut parts = named_children(keyed);
    let (key, value) = (parts.next()?, parts.next()?);
    let ty = cx.type_of(keyed.up()?.up()?)?;
    let value = named_children(value).next().unwrap_or(value);
    Some((ty, cx.text(unparen(key)), value))
}

/// HV003's fact: the sends on, and receives from, channels held in fields
/// (`x.f <- v`, `<-x.f`) in one declaration. A field's channel is checked
/// only when no other file of the package uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChannelOps(Vec<FieldChannelOp>);

#[derive(Clone, Debug, PartialEq)]
struct FieldChannelOp {
    field: String,
    /// The type of the operand `x` in `x.f`, as its file tells it.
    owner: Option<crate::syntax::typeref::TypeRef>,
    /// `send`, or `receive:` and how it receives (`Waits`, `GivesUp`).
    how: String,
}

impl crate::index::Fact for FieldChannelOps {}

fn collect(at: &crate::index::Declaration, out: &mut crate::index::Facts) {
    let (decl, src, imports) = (at.node, at.src, at.imports);
    if !at.text().contains("<-") {
        return;
    }
    let mut ops: Vec<FieldChannelOp> = Vec::new();
    visit(decl, |n| {
        let (chan, how) = match n.kind_name() {
            "send_statement" => (n.field("channel"), "send".to_string()),
            "unary_expression" => {
                let ch = n.field("operand").map(unparen);
                let same = |m: Node| ch.is_some_and(|c| text(m, src) == text(c, src));
                match crate::syntax::goroutines::receive_at(n, &same, src) {
                    Some(how) => (ch, format!("receive:{how:?}")),
                    None => return Visit::Descend,
                }
            }
            _ => return Visit::Descend,
        };
        let Some(sel) = chan
            .map(unparen)
            .filter(|c| c.kind_name() == "selector_expression")
        else {
            return Visit::Descend;
        };
        if let Some(field) = sel.field("field") {
            let op = FieldChannelOp {
                field: text(field, src).to_string(),
                owner: sel
                    .field("operand")
                    .and_then(|o| crate::syntax::typeref::type_ref(o, src, imports)),
                how,
            };
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
        Visit::Descend
    });
    if !ops.is_empty() {
        out.push(FieldChannelOps(ops));
    }
}

//! HV011 hijacked-conn-leak.

use super::keyed::Pending;
use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::index::PackageIndex;
use crate::syntax::handlers::params;
use crate::syntax::imports::is_standard;
use crate::syntax::scope::{derives, overwrites, AliasRules, WRITER};
use crate::syntax::types::{of_type, Kind};
use crate::syntax::NodeKind;
use crate::syntax::{enclosing_function, named_children, text, unparen, visit, Call, Span, Visit};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV011",
    name: "hijacked-conn-leak",
    summary: "A hijacked connection is never closed",
    docs: r#"## What it does
Reports a `Hijack()` (on `w.(http.Hijacker)` or on
`http.NewResponseController(w)`) whose `net.Conn` is not closed: there is no
`conn.Close()` or `defer conn.Close()` in the handler, and the goroutine or
package function the connection is handed to does not close it either. A
package function counts as closing it only when it closes it on every way
out (itself, in a `defer`, or in a goroutine it starts), also when it takes
the conn as an `io.Closer`, `io.ReadCloser`, `io.WriteCloser`,
`io.ReadWriteCloser` or an interface of the package's own (`func shut(c
closer) { c.Close() }`). A hijack in an `if` initializer (`if conn, _, err :=
hj.Hijack(); err == nil { … }`) has a conn only on the branch where it
succeeded. One that closes it on the ways out its result tells
(an `error` set, a `bool` false or true) closes it on that branch of the
caller only: after `if err := handshake(conn); err != nil { return }` the
conn is still open, and every later way out must close it. Closing or
handing off a local that holds the conn (`tcp, ok := conn.(*net.TCPConn)`)
is closing or handing off the conn, and so is storing it: sent on a
channel, kept in a field or variable, or as a key of a registry
(`sessions[conn] = time.Now()`), whose owner closes it. In tests, a way out that has already
failed the test (`t.Errorf` then `return`, `t.Fatal`) needs no close, and a
`Hijack` whose conn is dropped while its error is kept (`_, _, err :=
ctrl.Hijack()`) only probes a fake writer.

In code that only tests run (`_test.go` files, test-support packages and
directories), a leaked conn lives only as long as the test binary: the rule reports
there only when the package's tests check for leaks (a file of the
package imports `go.uber.org/goleak` or `github.com/fortytw2/leaktest`),
as HV003 does.

## Why is this bad?
After `Hijack` the server forgets the connection: the handler owns it. If
nobody closes it, the socket and its file descriptor stay open until the
peer gives up, and the process runs out of descriptors under load.

## Example
```go
func tunnel(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	go pipe(conn)
}

func pipe(c net.Conn) {
	io.Copy(c, c)
}
```

## Use instead
```go
	go func() {
		defer conn.Close()
		pipe(conn)
	}()
```

## Fix
Closes the connection in the goroutine that owns it:
`go func() { defer conn.Close(); pipe(conn) }()`, or adds
`defer conn.Close()` after the error check when the handler uses the
connection itself.
"#,
    in_tests: true,
    check,
    facts: None,
};

fn check<'a>(cx: &Context<'a>, out: &mut Vec<Diagnostic>) {
    if !cx.scope_mentions("Hijack()") || !cx.leaks_matter() {
        return;
    }
    let mut found = Vec::new();
    cx.visit_scope_kinds(
        |_| true,
        crate::kinds!("call_expression"),
        |n| {
            let Some(call) = Call::of(n) else {
                return Visit::Descend;
            };
            if call.method(cx.src).map(|m| m.1) != Some("Hijack") || !call.no_args() {
                return Visit::Descend;
            }
            found.extend(assess(cx, n));
            Visit::Descend
        },
    );
    // The conns closed on some paths: one walk of each function follows
    // all of its hijacks at once.
    let mut tracked: std::collections::HashMap<usize, (Node<'a>, Vec<Tracked<'a>>)> =
        Default::default();
    for f in &found {
        if let Found::Closed(t) = f {
            let func = enclosing_function(t.hijack).expect("assessed in a function");
            tracked
                .entry(func.id())
                .or_insert((func, Vec::new()))
                .1
                .push(t.clone());
        }
    }
    let mut leaked = std::collections::HashSet::new();
    for (func, ts) in tracked.into_values() {
        leaked.extend(open_on_some_path(cx, func, ts));
    }
    for f in found {
        match f {
            Found::Leak(d) => out.push(d),
            Found::Closed(t) if leaked.contains(&t.hijack.id()) => {
                let message = format!(
                    "`{}` from `Hijack()` is not closed on every path: one way out of the handler leaves it open",
                    t.conn
                );
                out.push(finish(cx, t.hijack, message));
            }
            Found::Closed(_) => {}
        }
    }
}

/// What a look at one hijack found: a leak, or a conn closed on some
/// paths, which a walk of its function's paths settles.
enum Found<'a> {
    Leak(Diagnostic),
    Closed(Tracked<'a>),
}

/// A hijack whose conn is closed somewhere in its function.
#[derive(Clone)]
struct Tracked<'a> {
    hijack: Node<'a>,
    conn: &'a str,
    /// The conn and its aliases.
    conns: Vec<String>,
    /// The name of the hijack's error, unless it is a conn's.
    err: Option<&'a str>,
}

/// The variable the hijacked connection is assigned to.
fn conn_name<'a>(cx: &Context<'a>, hijack: Node) -> Option<&'a str> {
    let list = hijack.up()?;
    let decl = list.up()?;
    if list.kind_name() != "expression_list"
        || !matches!(
            decl.kind_name(),
            "short_var_declaration" | "assignment_statement"
        )
    {
        return None;
    }
    let first = named_children(decl.field("left")?).next()?;
    (first.kind_name() == "identifier")
        .then(|| cx.text(first))
        .filter(|n| *n != "_")
}

/// True when the `Hijack()` call hijacks a handler's writer: its operand is
/// derived from a `http.ResponseWriter` parameter of a function around it
/// (`w.(http.Hijacker)`, `http.NewResponseController(w)`, a wrapper of `w`,
/// or a local holding one of those). Other `Hijack` methods (a test's
/// recorder, another protocol's writer) are not net/http's.
fn hijacks_handler_writer<'a>(cx: &Context<'a>, hijack: Node<'a>) -> bool {
    let Some((operand, _)) = Call::of(hijack).and_then(|c| c.method(cx.src)) else {
        return false;
    };
    std::iter::successors(enclosing_function(hijack), |f| enclosing_function(*f)).any(|f| {
        let writers: Vec<String> = params(f, cx.src)
            .into_iter()
            .filter(|p| of_type(p.ty, cx.src, cx.imports) == Kind::Writer)
            .filter_map(|p| p.name)
            .collect();
        if writers.is_empty() {
            return false;
        }
        let names = cx.aliases(f, &writers, WRITER);
        derives(operand, &names, cx.src, WRITER)
    })
}

fn assess<'a>(cx: &Context<'a>, hijack: Node<'a>) -> Option<Found<'a>> {
    if !hijacks_handler_writer(cx, hijack) {
        return None;
    }
    let func = enclosing_function(hijack)?;
    // `return h.Hijack()` hands the connection to the caller.
    let returned = hijack
        .up()
        .and_then(|l| l.up())
        .is_some_and(|r| r.kind_name() == "return_statement");
    if returned {
        return None;
    }
    let message = match conn_name(cx, hijack) {
        // A test that checks what `Hijack` answers (`_, _, err :=
        // ctrl.Hijack()`), of a fake writer, not a conn it serves.
        None if crate::engine::is_test_code(cx.file, cx.imports)
            && hijack_error_name(cx, hijack).is_some() =>
        {
            return None
        }
        None => {
            "the connection returned by `Hijack()` is discarded and can never be closed".to_string()
        }
        Some(conn) => {
            let aliases = cx.aliases(func, &[conn.to_string()], CONN);
            let conns: Vec<&str> = aliases.iter().map(String::as_str).collect();
            let scope = conn_scope(hijack, func);
            let (fate, given_to) = fate_within(cx, func, &conns, &scope);
            match fate {
                // Paths are followed only where the conn stays in sight:
                // no closure or goroutine literal of the handler uses it.
                Fate::Closed if !in_literals(cx, func, &conns, &scope) => {
                    let err = hijack_error_name(cx, hijack).filter(|e| !conns.contains(e));
                    let conns = aliases.into_iter().collect();
                    return Some(Found::Closed(Tracked {
                        hijack,
                        conn,
                        conns,
                        err,
                    }));
                }
                Fate::Closed | Fate::HandedOff | Fate::Unknown => return None,
                Fate::Kept => {}
            }
            match given_to {
                Some(g) => format!(
                    "`{conn}` from `Hijack()` is never closed: the handler owns it now, and `{}` does not close it either",
                    cx.text(g)
                ),
                None => format!("`{conn}` from `Hijack()` is never closed: the handler owns it now"),
            }
        }
    };
    Some(Found::Leak(finish(cx, hijack, message)))
}

/// The finding on `hijack`, with its fix.
fn finish<'a>(cx: &Context<'a>, hijack: Node<'a>, message: String) -> Diagnostic {
    let mut d = cx.diag(&RULE, hijack, message);
    let func = enclosing_function(hijack);
    if let (Some(conn), Some(func)) = (conn_name(cx, hijack), func) {
        d.fixes.extend(close_fix(cx, func, hijack, conn));
        super::by_hand(&mut d, || {
            format!("close `{conn}` where its last use ends: `defer {conn}.Close()` in the goroutine that owns it")
        });
    }
    d
}

/// Closes the connection in the goroutine that owns it
/// (`go func() { defer conn.Close(); echo(conn) }()`), or with
/// `defer conn.Close()` after the error check when the handler keeps it.
fn close_fix<'a>(
    cx: &Context<'a>,
    func: Node<'a>,
    hijack: Node<'a>,
    conn: &str,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix, statement_indent};
    let safe = crate::diagnostic::Applicability::Safe;
    // A goroutine that gets the conn: the first a walk of `func` meets after
    // the hijack, which holds the first use after it that is in one. Its
    // outermost `go` after the hijack is that goroutine.
    let after = |n: &Node| n.start_byte() > hijack.end_byte();
    let uses = cx.occurrences(func);
    let go_stmt = (uses.of_name(conn).iter())
        .filter(|u| u.kind_name() == "identifier" && after(u))
        .find_map(|u| {
            let climb = std::iter::successors(Some(*u), |n| n.up().filter(|_| n.id() != func.id()));
            climb
                .take_while(after)
                .filter(|n| n.kind_name() == "go_statement")
                .last()
        });
    if let Some(g) = go_stmt {
        let start = crate::syntax::goroutines::start(g, cx.src)?;
        let indent = statement_indent(cx.file, g.start_byte())?.to_string();
        let close = format!("defer {conn}.Close()");
        return Some(match start.literal {
            Some(lit) => {
                let body = lit.field("body")?;
                let at = body.start_byte() + 1;
                fix(
                    format!("Close `{conn}` in the goroutine that owns it"),
                    true,
                    safe,
                    vec![edit(cx.file, at, at, format!("\n{indent}\t{close}"))],
                )
            }
            None => fix(
                format!("Close `{conn}` in the goroutine that owns it"),
                true,
                safe,
                vec![edit(
                    cx.file,
                    g.start_byte(),
                    g.end_byte(),
                    format!(
                        "go func() {{\n{indent}\t{close}\n{indent}\t{}\n{indent}}}()",
                        cx.text(start.call)
                    ),
                )],
            ),
        });
    }
    // `defer conn.Close()` on a new line at the end of the line holding
    // byte `from` (after any comment that ends it), indented `indent`.
    let defer_close = |from: usize, indent: String| {
        let at = cx.src[from..].find('\n').map_or(cx.src.len(), |i| from + i);
        fix(
            format!("Add `defer {conn}.Close()`"),
            true,
            safe,
            vec![edit(
                cx.file,
                at,
                at,
                format!("\n{indent}defer {conn}.Close()"),
            )],
        )
    };
    // The handler keeps it: close on the way out, after the error check.
    let stmt = crate::syntax::statement_of(hijack)?;
    // `if conn, _, err := hj.Hijack(); err == nil { … }`: the conn lives in
    // the branch where the hijack succeeded; close it there. No other
    // branch has it in scope.
    let owner = Some(stmt).filter(|i| {
        i.kind_name() == "if_statement"
            && i.field("initializer")
                .is_some_and(|n| crate::syntax::contains(n, hijack))
    });
    if let Some(owner) = owner {
        let err = hijack_error_name(cx, hijack)?;
        let cond = owner.field("condition")?;
        if !error_set(cx, cond, false, err, hijack) {
            return None;
        }
        let block = owner.field("consequence")?;
        let inner = statement_indent(cx.file, owner.start_byte())?;
        return Some(defer_close(block.start_byte() + 1, format!("{inner}\t")));
    }
    let next = crate::syntax::next_statement(stmt);
    let after = match next {
        Some(n)
            if n.kind_name() == "if_statement"
                && n.field("condition")
                    .is_some_and(|c| cx.text(c).contains("err")) =>
        {
            n
        }
        _ => stmt,
    };
    let indent = statement_indent(cx.file, stmt.start_byte())?.to_string();
    Some(defer_close(after.end_byte(), indent))
}

/// True when a function literal inside `func` uses one of `conns`: its
/// paths are not the handler's to follow.
fn in_literals<'a>(cx: &Context<'a>, func: Node<'a>, conns: &[&str], scope: &Span) -> bool {
    let literals = || {
        let mut found = Vec::new();
        let id = func.id();
        crate::syntax::visit_kinds(func, crate::kinds!("func_literal"), |n| {
            if n.id() != id {
                found.push(n);
            }
            Visit::Descend
        });
        crate::syntax::Spans::of(found)
    };
    let spans =
        crate::syntax::flat::memo(func, literals).unwrap_or_else(|| std::rc::Rc::new(literals()));
    if spans.is_empty() {
        return false;
    }
    let uses = cx.occurrences(func);
    (conns.iter().flat_map(|c| uses.of_name_in(c, scope)))
        .filter(|u| u.kind_name() == "identifier")
        .any(|u| spans.hold(*u))
}

/// Where the conn that `hijack` declares can be named: the `if`, `for` or
/// `switch` whose initializer declares it, or its block from the
/// declaration on; all of `func` when `hijack` assigns a conn declared
/// elsewhere. A function may hijack many times, each conn named `c` in a
/// scope of its own: each is followed in its own scope.
fn conn_scope(hijack: Node, func: Node) -> Span {
    let whole = func.byte_range();
    let Some(decl) = hijack.up().and_then(|l| l.up()) else {
        return whole;
    };
    if decl.kind_name() != "short_var_declaration" {
        return whole;
    }
    match decl.up() {
        Some(p)
            if matches!(
                p.kind_name(),
                "if_statement"
                    | "for_clause"
                    | "expression_switch_statement"
                    | "type_switch_statement"
            ) =>
        {
            let p = if p.kind_name() == "for_clause" {
                p.up().unwrap_or(p)
            } else {
                p
            };
            p.byte_range()
        }
        Some(p) if crate::syntax::holds_statements(p) => decl.start_byte()..p.end_byte(),
        _ => whole,
    }
}

/// The hijacks of `tracked` (all in `func`) whose conn some way out of
/// `func` after a successful hijack leaves open: no `Close()` (or `defer`),
/// no hand-off to a goroutine or function that takes it over, on that path.
/// The branch where the hijack's error is set has no conn to close. One
/// walk follows every hijack: a handler that hijacks many times is walked
/// once, not once per hijack.
fn open_on_some_path<'a>(
    cx: &Context<'a>,
    func: Node<'a>,
    mut tracked: Vec<Tracked<'a>>,
) -> Vec<usize> {
    /// A hijack's conn on one path: open, or closed with a helper's call
    /// whose result is not yet tested (`None` when neither: not held).
    #[derive(Clone, Copy)]
    struct Held<'a> {
        open: bool,
        pending: Option<Pending<'a>>,
        /// The hijack's error variable still holds the hijack's error: not
        /// assigned since (`_, err = conn.Read(buf)`) on this path. Only
        /// then does `if err != nil` tell that there is no conn.
        err_fresh: bool,
    }
    struct Open<'c, 'a> {
        cx: &'c Context<'a>,
        tracked: &'c [Tracked<'a>],
        /// Each hijack's conn names.
        conns: Vec<Vec<&'c str>>,
        /// The hijacks each name is a conn of.
        by_name: std::collections::HashMap<&'c str, Vec<u32>>,
        leaked: Vec<bool>,
    }
    impl<'a> Open<'_, 'a> {
        /// The hijack `k` with the state `held` on `state`'s path.
        fn set(state: &mut Vec<(u32, Held<'a>)>, k: u32, held: Held<'a>) {
            let keep = held.open || held.pending.is_some();
            match state.binary_search_by_key(&k, |e| e.0) {
                Ok(i) if keep => state[i].1 = held,
                Ok(i) => {
                    state.remove(i);
                }
                Err(i) if keep => state.insert(i, (k, held)),
                Err(_) => {}
            }
        }
    }
    impl<'a> crate::syntax::flow::Flow<'a> for Open<'_, 'a> {
        /// The hijacks held on this path, by their place in `tracked`.
        type State = Vec<(u32, Held<'a>)>;
        fn join(&mut self, into: &mut Self::State, other: Self::State) {
            if other.is_empty() {
                return;
            }
            let mine = std::mem::take(into);
            let (mut a, mut b) = (mine.into_iter().peekable(), other.into_iter().peekable());
            loop {
                let next = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) if x.0 == y.0 => {
                        let (k, x) = a.next().unwrap();
                        let (_, y) = b.next().unwrap();
                        let pending = x.pending.or(y.pending);
                        (
                            k,
                            Held {
                                open: x.open | y.open,
                                pending,
                                err_fresh: x.err_fresh && y.err_fresh,
                            },
                        )
                    }
                    (Some(x), Some(y)) if x.0 < y.0 => a.next().unwrap(),
                    (Some(_), Some(_)) | (None, Some(_)) => b.next().unwrap(),
                    (Some(_), None) => a.next().unwrap(),
                    (None, None) => break,
                };
                into.push(next);
            }
        }
        fn step(&mut self, node: Node<'a>, state: &mut Self::State) {
            // The hijacks made here: open from now on.
            let (start, end) = (node.start_byte(), node.end_byte());
            let first = self
                .tracked
                .partition_point(|t| t.hijack.start_byte() < start);
            let made: Vec<u32> = (first..self.tracked.len())
                .take_while(|&k| self.tracked[k].hijack.start_byte() < end)
                .filter(|&k| crate::syntax::contains(node, self.tracked[k].hijack))
                .map(|k| k as u32)
                .collect();
            for &k in &made {
                let pending = state
                    .binary_search_by_key(&k, |e| e.0)
                    .ok()
                    .and_then(|i| state[i].1.pending);
                Self::set(
                    state,
                    k,
                    Held {
                        open: true,
                        pending,
                        err_fresh: true,
                    },
                );
            }
            if state.iter().all(|e| !e.1.open) {
                return;
            }
            // A variable given a new value here no longer tells of the
            // hijack's error, or of a closing helper's result (which is
            // then taken as closing).
            for (k, held) in state.iter_mut() {
                let t = &self.tracked[*k as usize];
                if held.err_fresh
                    && !made.contains(k)
                    && t.err.is_some_and(|err| overwrites(node, self.cx.src, err))
                {
                    held.err_fresh = false;
                }
                if held
                    .pending
                    .is_some_and(|p| p.overwritten_by(self.cx, node))
                {
                    (held.open, held.pending) = (false, None);
                }
            }
            state.retain(|e| e.1.open || e.1.pending.is_some());
            // The open conns this node names: only those can change. Of
            // the hijacks a name is a conn of, those held on this path,
            // read from the shorter of the two sorted lists (a handler may
            // hijack thousands of times, each conn named `c`).
            let mut named: Vec<u32> = Vec::new();
            crate::syntax::visit_kinds(node, crate::kinds!("identifier"), |n| {
                if let Some(ks) = self.by_name.get(self.cx.text(n)) {
                    let held = |k: &u32| state.binary_search_by_key(k, |e| e.0).is_ok();
                    if ks.len() <= state.len() {
                        named.extend(ks.iter().filter(|k| held(k) && !made.contains(k)));
                    } else {
                        named.extend(
                            (state.iter().map(|e| e.0))
                                .filter(|k| ks.binary_search(k).is_ok() && !made.contains(k)),
                        );
                    }
                }
                Visit::Descend
            });
            named.sort_unstable();
            named.dedup();
            for k in named {
                let Ok(i) = state.binary_search_by_key(&k, |e| e.0) else {
                    continue;
                };
                if !state[i].1.open {
                    continue;
                }
                let conns = &self.conns[k as usize];
                // Closed, deferred closed, or handed to what takes it over
                // (the caller checks that no literal of the handler uses it).
                if fate_in(self.cx, node, conns).0 != Fate::Kept {
                    let (pending, err_fresh) = (state[i].1.pending, state[i].1.err_fresh);
                    Self::set(
                        state,
                        k,
                        Held {
                            open: false,
                            pending,
                            err_fresh,
                        },
                    );
                } else if let Some(p) = keyed_close(self.cx, node, conns) {
                    state[i].1.pending = Some(p);
                }
            }
        }
        /// On the branch where a hijack's error is set (`err != nil`
        /// taken, `err == nil` not, `errors.Is(err, …)` taken) there is no
        /// conn to close; on a branch that tests a closing helper's result,
        /// the helper closed it or not.
        fn branch(&mut self, cond: Node<'a>, taken: bool, state: &mut Self::State) {
            let cx = self.cx;
            let mut i = 0;
            while i < state.len() {
                let (k, mut held) = state[i];
                let t = &self.tracked[k as usize];
                match held.pending.and_then(|p| p.on_branch(cx, cond, taken)) {
                    Some(effect) => {
                        held.pending = None;
                        // A helper that may have closed it is taken as closing.
                        if effect != super::keyed::Effect::Not {
                            held.open = false;
                        }
                    }
                    None if held.err_fresh
                        && t.err
                            .is_some_and(|err| error_set(cx, cond, taken, err, t.hijack)) =>
                    {
                        held.open = false;
                    }
                    None => {}
                }
                if held.open || held.pending.is_some() {
                    state[i].1 = held;
                    i += 1;
                } else {
                    state.remove(i);
                }
            }
        }
        fn exit(&mut self, _node: Node<'a>, state: &Self::State) {
            for (k, held) in state {
                self.leaked[*k as usize] |= held.open;
            }
        }
    }
    let Some(body) = func.field("body") else {
        return Vec::new();
    };
    tracked.sort_by_key(|t| t.hijack.start_byte());
    let conns: Vec<Vec<&str>> = (tracked.iter())
        .map(|t| t.conns.iter().map(String::as_str).collect())
        .collect();
    let mut by_name: std::collections::HashMap<&str, Vec<u32>> = Default::default();
    for (k, names) in conns.iter().enumerate() {
        for n in names {
            by_name.entry(n).or_default().push(k as u32);
        }
    }
    let mut flow = Open {
        cx,
        tracked: &tracked,
        conns,
        by_name,
        leaked: vec![false; tracked.len()],
    };
    crate::syntax::flow::run(&mut flow, body, cx.src, Vec::new());
    let leaked = flow.leaked;
    (tracked.iter().zip(leaked))
        .filter(|(_, l)| *l)
        .map(|(t, _)| t.hijack.id())
        .collect()
}

/// True when taking (`taken`) or skipping a branch on `cond` means the
/// error `err` is set: `err != nil` taken, `err == nil` skipped,
/// `errors.Is(err, …)` taken. Not when the `if` declares an `err` of its
/// own (`if err := other(); err != nil`), only when that is the hijack's
/// (`if conn, _, err := hj.Hijack(); err == nil { … }`).
fn error_set(cx: &Context, cond: Node, taken: bool, err: &str, hijack: Node) -> bool {
    let shadowed = cond
        .up()
        .and_then(|i| i.field("initializer"))
        .filter(|i| i.kind_name() == "short_var_declaration")
        .filter(|i| !crate::syntax::contains(*i, hijack))
        .and_then(|i| i.field("left"))
        .is_some_and(|l| named_children(l).any(|n| cx.text(n) == err));
    if shadowed {
        return false;
    }
    let cond = unparen(cond);
    if !crate::syntax::mentions(cond, cx.src, err) {
        return false;
    }
    let is_nil_test = cond.kind_name() == "binary_expression"
        && cond.field("operator").map(|o| cx.text(o)) == Some("==");
    taken != is_nil_test
}

/// `conn, rw, err := ….Hijack()`: the error's name, unless it is `_`.
fn hijack_error_name<'a>(cx: &Context<'a>, hijack: Node<'a>) -> Option<&'a str> {
    hijack
        .up()
        .filter(|l| l.kind_name() == "expression_list")
        .and_then(|l| l.up())
        .and_then(|d| d.field("left"))
        .and_then(|l| named_children(l).last())
        .filter(|e| e.kind_name() == "identifier")
        .map(|e| cx.text(e))
        .filter(|e| *e != "_")
}

/// How a conn is held by another local: `c := conn`, `tcp, ok :=
/// conn.(*net.TCPConn)` (closing or handing off any of them is closing or
/// handing off the conn). A literal's parameter bound to it is not one: what
/// the literal does with it is its callee's fate (see [`callee_fate`]).
const CONN: AliasRules = AliasRules {
    fields: &[],
    methods: &[],
    wrappers: false,
    params: false,
};

/// A call in `node` that hands `conn` to a package function which closes
/// it on the ways out its result tells (`if err := handshake(conn); err !=
/// nil { return }`: closed on the `return` branch only).
fn keyed_close<'a>(cx: &Context<'a>, node: Node<'a>, conns: &[&str]) -> Option<Pending<'a>> {
    let mut found = None;
    crate::syntax::visit_calls_no_funcs(node, |call| {
        let n = call.node;
        let (name, method) = match call.function.kind_name() {
            "identifier" => (cx.text(call.function), false),
            "selector_expression" => {
                if cx.imports.package_of(call.function, cx.src).is_some() {
                    return Visit::Descend;
                }
                match call.function.field("field") {
                    Some(m) => (cx.text(m), true),
                    None => return Visit::Descend,
                }
            }
            _ => return Visit::Descend,
        };
        for (i, a) in call.args().enumerate() {
            let a = unparen(a);
            if a.kind_name() != "identifier" || !conns.contains(&cx.text(a)) {
                continue;
            }
            let when = cx
                .index
                .func(name, method)
                .and_then(|f| f.params.get(i))
                .and_then(|p| p.closes_when);
            if let Some(idx) = when.and_then(|w| w.result()) {
                found = when.map(|w| Pending::new(n, idx, w));
                return Visit::Stop;
            }
        }
        Visit::Descend
    });
    found
}

/// What happens to `conn` in `func`: closed, handed off, or kept unclosed;
/// with the call it is handed to, if any.
fn fate_in<'a>(cx: &Context<'a>, func: Node<'a>, conns: &[&str]) -> (Fate, Option<Node<'a>>) {
    fate_within(cx, func, conns, &func.byte_range())
}

/// [`fate_in`], reading only the uses within `scope` (of `func`): where the
/// conn's name names it.
fn fate_within<'a>(
    cx: &Context<'a>,
    func: Node<'a>,
    conns: &[&str],
    scope: &Span,
) -> (Fate, Option<Node<'a>>) {
    let mut fate = Fate::Kept;
    let mut given_to = None;
    let is_conn = |n: Node| {
        let n = unparen(n);
        n.kind_name() == "identifier" && conns.contains(&cx.text(n))
    };
    let look = |n: Node<'a>| {
        match n.kind_name() {
            "call_expression" => {
                let Some(call) = Call::of(n) else {
                    return Visit::Descend;
                };
                if let Some((operand, "Close")) = call.method(cx.src) {
                    if is_conn(operand) {
                        fate = Fate::Closed;
                        return Visit::Stop;
                    }
                }
                for (i, a) in call.args().enumerate() {
                    if !is_conn(a) {
                        continue;
                    }
                    let f = callee_fate(cx, &call, i);
                    if f != Fate::Kept {
                        fate = f;
                        return Visit::Stop;
                    }
                    given_to.get_or_insert(call.function);
                }
            }
            "send_statement" | "return_statement" | "keyed_element" | "literal_element"
                if named_children(n).any(is_conn)
                    || n.field("value").is_some_and(is_conn)
                    || (n.kind_name() == "return_statement"
                        && named_children(n).any(|l| named_children(l).any(is_conn))) =>
            {
                fate = Fate::HandedOff;
                return Visit::Stop;
            }
            "assignment_statement" => {
                // `x = conn`, `x, ok = conn.(*net.TCPConn)`.
                let held = |e: Node| {
                    let e = unparen(e);
                    is_conn(e)
                        || (e.kind_name() == "type_assertion_expression"
                            && e.field("operand").is_some_and(is_conn))
                };
                // `_ = conn` (or `_, _ = conn.(*net.TCPConn)`) keeps nothing.
                let lefts: Vec<Node> = n
                    .field("left")
                    .map(named_children)
                    .into_iter()
                    .flatten()
                    .collect();
                let blank = |i: usize| {
                    let l = lefts.get(i).or(lefts.first());
                    l.is_some_and(|l| l.kind_name() == "identifier" && cx.text(*l) == "_")
                };
                let stored = n.field("right").is_some_and(|r| {
                    named_children(r)
                        .enumerate()
                        .any(|(i, e)| held(e) && !blank(i))
                });
                // `open[conn] = true`: kept as a key of a registry.
                let keyed = n.field("left").is_some_and(|l| {
                    named_children(l).any(|e| {
                        e.kind_name() == "index_expression" && e.field("index").is_some_and(is_conn)
                    })
                });
                if stored || keyed {
                    fate = Fate::HandedOff;
                    return Visit::Stop;
                }
            }
            _ => {}
        }
        Visit::Descend
    };
    match around_uses(cx, func, conns, scope) {
        Some(nodes) => {
            let mut look = look;
            for n in nodes {
                if look(n) == Visit::Stop {
                    break;
                }
            }
        }
        None => {
            let mut look = look;
            visit(func, |n| {
                if n.end_byte() <= scope.start {
                    Visit::Skip
                } else if n.start_byte() >= scope.end {
                    Visit::Stop
                } else if n.start_byte() < scope.start || n.end_byte() > scope.end {
                    // Around the scope: only what is inside it counts.
                    Visit::Descend
                } else {
                    look(n)
                }
            })
        }
    }
    (fate, given_to)
}

/// The nodes of `func` that hold a use of one of `names` within the few
/// levels [`fate_in`] reads (the use, parenthesised, as an operand, an
/// argument, an element, an assigned value, an index), in the order a walk
/// of `func` meets them: what `fate_in` would find by walking the whole
/// function, found from the function's index of names. `None` when `func`
/// is not laid out.
fn around_uses<'a>(
    cx: &Context<'a>,
    func: Node<'a>,
    names: &[&str],
    scope: &Span,
) -> Option<Vec<Node<'a>>> {
    let uses = cx.occurrences(func);
    let mut found: Vec<(u32, Node<'a>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in names {
        for &id in uses.of_name_in(name, scope) {
            if id.kind_name() != "identifier" {
                continue;
            }
            let mut cur = Some(id);
            while let Some(n) = cur {
                if !seen.insert(n.id()) {
                    break;
                }
                found.push((crate::syntax::flat::index_of(n)?, n));
                let through = matches!(
                    n.kind_name(),
                    "identifier"
                        | "parenthesized_expression"
                        | "selector_expression"
                        | "argument_list"
                        | "expression_list"
                        | "type_assertion_expression"
                        | "index_expression"
                        | "literal_element"
                );
                cur = n.up().filter(|_| through && n.id() != func.id());
            }
        }
    }
    found.sort_unstable_by_key(|(i, _)| *i);
    Some(found.into_iter().map(|(_, n)| n).collect())
}

/// What the callee does with its `i`-th argument.
fn callee_fate<'a>(cx: &Context<'a>, call: &Call<'a>, i: usize) -> Fate {
    let f = call.function;
    match f.kind_name() {
        "func_literal" => {
            // go func(c net.Conn) { defer c.Close() }(conn)
            let ps = params(f, cx.src);
            match ps.get(i).and_then(|p| p.name.as_deref()) {
                Some(p) => fate_in(cx, f, &[p]).0,
                None => Fate::Kept,
            }
        }
        "identifier" => match fate(cx.index, cx.text(f), false, i, 3) {
            Fate::Unknown => Fate::HandedOff,
            other => other,
        },
        "selector_expression" => {
            let operand = f.field("operand");
            let name = f.field("field").map(|m| text(m, cx.src));
            let import = cx.imports.package_of(f, cx.src);
            match (import, name) {
                // The standard library borrows a conn; it never closes it.
                (Some(path), _) if is_standard(path) => Fate::Kept,
                (Some(_), _) => Fate::HandedOff,
                (None, Some(m)) => {
                    let ty = operand.and_then(|o| cx.type_of(o));
                    let own = ty.as_deref().and_then(|t| cx.index.method(t, m));
                    let fate = match own {
                        // The method of the operand's own package type.
                        Some(func) => fate_of(cx.index, func, i, 3),
                        // A value of a standard-library type (`resp.Write(conn)`
                        // on an `*http.Response`) borrows the conn.
                        None if ty.as_deref().is_some_and(|t| standard_type(cx, t)) => Fate::Kept,
                        None => fate(cx.index, m, true, i, 3),
                    };
                    match fate {
                        Fate::Unknown => Fate::HandedOff,
                        other => other,
                    }
                }
                _ => Fate::HandedOff,
            }
        }
        _ => Fate::HandedOff,
    }
}

/// How a callee treats a value it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Closed,
    HandedOff,
    Kept,
    Unknown,
}

/// What a package function does with its `idx`-th argument, following
/// calls to other package functions a few levels deep.
fn fate(index: &PackageIndex, name: &str, method: bool, idx: usize, depth: usize) -> Fate {
    match index.func(name, method) {
        Some(f) => fate_of(index, f, idx, depth),
        None => Fate::Unknown,
    }
}

/// True for a type of the standard library (`http.Response`).
fn standard_type(cx: &Context, ty: &str) -> bool {
    ty.split_once('.')
        .and_then(|(pkg, _)| cx.imports.path_of(pkg))
        .is_some_and(is_standard)
}

/// What package function `f` does with its `idx`-th argument.
fn fate_of(index: &PackageIndex, f: &crate::index::FuncSummary, idx: usize, depth: usize) -> Fate {
    let Some(p) = f.params.get(idx) else {
        return Fate::Unknown;
    };
    if p.closes {
        return Fate::Closed;
    }
    if p.hands_off {
        return Fate::HandedOff;
    }
    if depth == 0 {
        return Fate::Unknown;
    }
    let mut out = Fate::Kept;
    for (callee, m, i) in &p.passes {
        match fate(index, callee, *m, *i, depth - 1) {
            Fate::Closed => return Fate::Closed,
            Fate::HandedOff | Fate::Unknown => out = Fate::HandedOff,
            Fate::Kept => {}
        }
    }
    out
}

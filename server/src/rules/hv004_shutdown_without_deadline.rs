//! HV004 shutdown-without-deadline.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::goroutines::start;
use crate::syntax::types::Kind;
use crate::syntax::NodeKind;
use crate::syntax::{enclosing_function, statement_call, statements, text, unparen, Call, Visit};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV004",
    name: "shutdown-without-deadline",
    summary: "Server shutdown without a deadline, or a serve error dropped in a goroutine",
    docs: r#"## What it does
Reports `Shutdown(context.Background())` and `Shutdown(context.TODO())` on an
`*http.Server` (also through a context made from them without a deadline,
`context.WithCancel(context.Background())`), and `go srv.ListenAndServe()` (also `ListenAndServeTLS` and
the package-level `http.ListenAndServe…`) whose error is dropped, and the
same call made as a statement of a function (`http.ListenAndServe(addr, mux)`
in `main`, or `_ = srv.ListenAndServe()`), whose error is dropped too: with
the port in use it returns at once, and `main` ends with status 0. When a fixed
`time.Sleep` triggers the shutdown, the message says so. A shutdown that a
watchdog guards is left alone: a `time.AfterFunc(d, f)` armed before it, in
the same function, whose `f` ends the process (`os.Exit`, a `Fatal` log
call, `panic`). So is a context that gets a deadline on a configured path
before the shutdown (`if s.grace != nil { ctx, cancel =
context.WithTimeout(ctx, *s.grace) }`): waiting for every handler is then
the user's setting. `Serve(ln)` on a
listener the caller already opened is left alone (the failure to listen was
reported there), and so is a `ListenAndServe` method of a type that is not
`*http.Server`, or a function of another package that happens to be
called so (`server.ListenAndServe(host, port)`, which panics on an
error itself).

## Why is this bad?
`Shutdown` waits for every active connection to go idle. Without a deadline,
one handler that never returns keeps the program from exiting. A serve error
dropped in a goroutine hides the commonest failure of all: the port was
already in use, and the server never started.

## Example
```go
func main() {
	srv := &http.Server{Addr: ":8080"}
	go srv.ListenAndServe()
	<-stop
	srv.Shutdown(context.Background())
}
```

## Use instead
```go
func main() {
	srv := &http.Server{Addr: ":8080"}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.ListenAndServe() }()
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Printf("shutdown: %v", err)
		srv.Close()
	}
	if err := <-errCh; err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
```

## Fix
Replaces the context with `context.WithTimeout(context.Background(),
30*time.Second)` and `defer cancel()`, with `Close()` as the fallback when
`Shutdown` fails: an unsafe fix, since requests still running after 30
seconds are then cut off (`--unsafe-fixes`). The dropped serve error goes to
`errCh := make(chan error, 1)` and is checked against `http.ErrServerClosed`
right after the same function shuts that server down; when no such `Shutdown`
follows, the goroutine logs the error unless it is `http.ErrServerClosed`.
A call made as a statement logs its error the same way, where it stands.
These are safe fixes. Imports are added.
"#,
    // Left out of `_test.go` files: a test's server is stopped by the test, and `go test -timeout` ends a hung one.
    in_tests: false,
    check,
    facts: None,
};

/// The serve calls that open their own listener.
const LISTENING: &[&str] = &["ListenAndServe", "ListenAndServeTLS"];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.scope_mentions("Shutdown") && !cx.scope_mentions("Serve") {
        return;
    }
    let kinds = crate::kinds!(
        "call_expression",
        "go_statement",
        "expression_statement",
        "assignment_statement"
    );
    let sleeps = Sleeps::default();
    let watchdogs = Watchdogs::default();
    cx.visit_scope_kinds(|_| true, kinds, |n| {
        if let Some(call) = Call::of(n) {
            if let Some(d) = check_shutdown(cx, &sleeps, &watchdogs, &call) {
                out.push(d);
            }
        } else if let Some(g) = start(n, cx.src) {
            if let Some(serve) = dropped_serve(cx, g.literal, g.call) {
                let mut d = cx.diag(
                    &RULE,
                    n,
                    format!(
                        "the error of `{}` is dropped: if the server cannot listen (port in use), nothing reports it",
                        super::snippet(cx.text(serve))
                    ),
                );
                d.related
                    .push(cx.related(serve, "serve call whose error is dropped"));
                let fixes = crate::fix::ranked(error_channel_fix(cx, &g, serve).into_iter().chain(log_error_fix(cx, &g, serve)));
                d.fixes.extend(fixes);
                super::by_hand(&mut d, || {
                    format!("check what `{}` returns and report it unless it is `http.ErrServerClosed`", super::snippet(cx.text(serve)))
                });
                out.push(d);
            }
        } else if let Some(serve) = dropped_here(cx, n) {
            let mut d = cx.diag(
                &RULE,
                n,
                format!(
                    "the error of `{}` is dropped: if the server cannot listen (port in use), it returns at once and nothing reports it",
                    super::snippet(cx.text(serve))
                ),
            );
            d.fixes.extend(log_here_fix(cx, n, serve));
            out.push(d);
        }
        Visit::Descend
    });
}

/// A serve call made as a statement of a declared function (`main`), its
/// error dropped: `http.ListenAndServe(addr, h)` or `_ = srv.ListenAndServe()`.
/// When the port is taken, it returns at once and the function goes on (or
/// the program ends with status 0) as if the server had stopped. Inside a
/// function literal it is left to the goroutine check above, which knows
/// whether the literal is a goroutine.
fn dropped_here<'a>(cx: &Context<'a>, stmt: Node<'a>) -> Option<Node<'a>> {
    let call = match stmt.kind_name() {
        "expression_statement" => statement_call(stmt)?.node,
        "assignment_statement" if stmt.field("left").map(|l| text(l, cx.src)) == Some("_") => {
            let mut right = crate::syntax::named_children(stmt.field("right")?);
            match (right.next(), right.next()) {
                (Some(c), None) => c,
                _ => return None,
            }
        }
        _ => return None,
    };
    let func = enclosing_function(stmt)?;
    let declared = matches!(
        func.kind_name(),
        "function_declaration" | "method_declaration"
    );
    (declared && is_serve(cx, call)).then_some(unparen(call))
}

/// Logs what the dropped serve call returns, unless it is
/// `http.ErrServerClosed`: the function goes on as before, and a port in
/// use is told.
fn log_here_fix<'a>(
    cx: &Context<'a>,
    stmt: Node<'a>,
    serve: Node<'a>,
) -> Option<crate::diagnostic::Fix> {
    let indent = crate::fix::statement_indent(cx.file, stmt.start_byte())?.to_string();
    Some(logging_fix(cx, stmt, cx.text(serve), |inner| {
        inner(&indent)
    }))
}

/// Replaces `target` with what `place` makes of the logging `if` (given
/// the indent of its line): `if err := serve; err != nil &&
/// !errors.Is(err, http.ErrServerClosed) { log.Print(err) }`, imports
/// added.
fn logging_fix(
    cx: &Context,
    target: Node,
    serve: &str,
    place: impl FnOnce(&dyn Fn(&str) -> String) -> String,
) -> crate::diagnostic::Fix {
    let (q, imps) = cx.import_all(&["errors", "log", "net/http"]);
    let (eq, lq, hq) = (&q[0], &q[1], &q[2]);
    let inner = |ind: &str| {
        format!(
            "if err := {serve}; err != nil && !{eq}Is(err, {hq}ErrServerClosed) {{\n{ind}\t{lq}Print(err)\n{ind}}}"
        )
    };
    let new = place(&inner);
    let mut edits = vec![crate::fix::edit(
        cx.file,
        target.start_byte(),
        target.end_byte(),
        new,
    )];
    edits.extend(imps);
    crate::fix::fix(
        "Log the serve error unless the server was closed",
        true,
        crate::diagnostic::Applicability::Safe,
        edits,
    )
}

fn is_server<'a>(cx: &Context<'a>, operand: Node<'a>) -> bool {
    if cx.kind_of(operand) == Kind::HttpServer {
        return true;
    }
    // `server.ListenAndServe(host, port)`: a function of an imported
    // package, whatever it returns, not a method of a value.
    if operand.kind_name() == "identifier" && cx.imports.path_of(cx.text(operand)).is_some() {
        return false;
    }
    match cx.type_of(operand) {
        // A type of the package (or another package's) that is not
        // net/http's server: its methods are its own.
        Some(t) => cx
            .imports
            .qualifier("net/http")
            .is_some_and(|q| t == format!("{q}Server")),
        // Built somewhere httpvet cannot see into: trust a server-like name.
        None => {
            let name = cx.text(operand).to_ascii_lowercase();
            cx.imports.has("net/http") && (name.contains("srv") || name.contains("server"))
        }
    }
}

fn check_shutdown<'a>(
    cx: &Context<'a>,
    sleeps: &Sleeps<'a>,
    watchdogs: &Watchdogs,
    call: &Call<'a>,
) -> Option<Diagnostic> {
    let (srv, "Shutdown") = call.method(cx.src)? else {
        return None;
    };
    let arg = call.arg(0)?;
    if !cx.has_no_deadline(arg) || !is_server(cx, srv) || guarded(cx, watchdogs, call.node) {
        return None;
    }
    let sleep = enclosing_function(call.node).and_then(|f| sleep_before(cx, sleeps, f, call.node));
    let mut msg = format!(
        "`{}` has no deadline: one handler that never returns keeps the program from exiting",
        super::snippet(cx.text(call.node))
    );
    if sleep.is_some() {
        msg.push_str("; and a fixed time.Sleep, not a signal, triggers the shutdown");
    }
    let mut d = cx.diag(&RULE, call.node, msg);
    if let Some(s) = sleep {
        d.related
            .push(cx.related(s, "fixed sleep used as the shutdown trigger"));
    }
    d.fixes.extend(deadline_fix(cx, call, srv, arg));
    super::by_hand(&mut d, || {
        "pass a context made with `context.WithTimeout` (and `defer cancel()`)".to_string()
    });
    Some(d)
}

/// Where the first watchdog statement of each statement list asked about
/// ends (see [`guarded`]): one look per list, however many calls ask.
type Watchdogs = super::PerNode<Option<usize>>;

/// Whether a watchdog guards the shutdown at `call`: a statement before it,
/// in one of the statement lists around it up to its declared function,
/// arms `time.AfterFunc(d, f)` where `f` ends the process. Should the
/// shutdown hang, the timer ends the program all the same: the deadline is
/// there, written another way.
fn guarded(cx: &Context, watchdogs: &Watchdogs, call: Node) -> bool {
    let mut n = call;
    while let Some(p) = n.up() {
        if matches!(p.kind_name(), "function_declaration" | "method_declaration") {
            return false;
        }
        if p.kind_name() == "statement_list" {
            let first = super::per_node(watchdogs, p, || {
                crate::syntax::named_children(p)
                    .find(|s| arms_watchdog(cx, *s))
                    .map(|s| s.end_byte())
            });
            if first.is_some_and(|end| end <= n.start_byte()) {
                return true;
            }
        }
        n = p;
    }
    false
}

/// `time.AfterFunc(d, func() { …; os.Exit(1) })` as a statement, started
/// with `go`, or assigned (`t := time.AfterFunc(…)`), whose function
/// literal ends the process.
fn arms_watchdog(cx: &Context, stmt: Node) -> bool {
    let call = match stmt.kind_name() {
        "expression_statement" | "go_statement" => crate::syntax::named_children(stmt).next(),
        "short_var_declaration" | "assignment_statement" => stmt
            .field("right")
            .and_then(|r| crate::syntax::named_children(r).next()),
        _ => None,
    };
    let Some(call) = call.and_then(Call::of) else {
        return false;
    };
    if !cx
        .imports
        .is_member(call.function, cx.src, "time", "AfterFunc")
    {
        return false;
    }
    let Some(f) = call
        .arg(1)
        .map(unparen)
        .filter(|f| f.kind_name() == "func_literal")
    else {
        return false;
    };
    let mut exits = false;
    crate::syntax::visit_calls_no_funcs(f.field("body").unwrap_or(f), |c| {
        exits = crate::syntax::flow::ends_path(&c, cx.src) == crate::syntax::flow::Ends::Always;
        match exits {
            true => Visit::Stop,
            false => Visit::Descend,
        }
    });
    exits
}

/// The first `time.Sleep(...)` statement of each function asked about, by
/// the function's id: one look per function, however many calls ask.
type Sleeps<'a> = super::PerNode<Option<Node<'a>>>;

/// A `time.Sleep(...)` statement of `func` that runs before `at`: its first
/// one, when that one does (any later one ends later).
fn sleep_before<'a>(
    cx: &Context<'a>,
    sleeps: &Sleeps<'a>,
    func: Node<'a>,
    at: Node,
) -> Option<Node<'a>> {
    let first = super::per_node(sleeps, func, || {
        let body = func.field("body")?;
        statements(body).into_iter().find(|s| {
            statement_call(*s)
                .is_some_and(|c| cx.imports.is_member(c.function, cx.src, "time", "Sleep"))
        })
    });
    first.filter(|s| s.end_byte() <= at.start_byte())
}

/// The serve call whose error the goroutine drops: `go srv.ListenAndServe()`,
/// or a literal that calls it as a bare statement or assigns it to `_`.
fn dropped_serve<'a>(
    cx: &Context<'a>,
    literal: Option<Node<'a>>,
    call: Node<'a>,
) -> Option<Node<'a>> {
    let Some(lit) = literal else {
        return is_serve(cx, call).then_some(call);
    };
    let body = lit.field("body")?;
    for s in statements(body) {
        let candidate = match s.kind_name() {
            "expression_statement" => statement_call(s).map(|c| c.node),
            "assignment_statement" => {
                let left = s.field("left").map(|l| text(l, cx.src));
                match left {
                    Some("_") => s
                        .field("right")
                        .and_then(|r| crate::syntax::named_children(r).next()),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(c) = candidate.filter(|c| is_serve(cx, *c)) {
            return Some(c);
        }
    }
    None
}

fn is_serve<'a>(cx: &Context<'a>, call: Node<'a>) -> bool {
    let Some(call) = Call::of(unparen(call)) else {
        return false;
    };
    // `Serve(ln)` on a listener the caller opened already reported the
    // failure to listen; only the calls that listen themselves are checked.
    if let Some(name) = cx.imports.member(call.function, cx.src, "net/http") {
        return LISTENING.contains(&name);
    }
    match call.method(cx.src) {
        Some((srv, m)) if LISTENING.contains(&m) => is_server(cx, srv),
        _ => false,
    }
}

/// `ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)`,
/// `defer cancel()`, and `Close()` when `Shutdown` fails. Not offered under
/// `defer` (the deadline would start too early) or when the context comes
/// from a variable.
fn deadline_fix<'a>(
    cx: &Context<'a>,
    call: &Call<'a>,
    srv: Node<'a>,
    arg: Node<'a>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix, statement_indent};
    Call::of(unparen(arg))?;
    let stmt = crate::syntax::statement_of(call.node)?;
    if stmt.kind_name() == "defer_statement" || stmt.kind_name() == "go_statement" {
        return None;
    }
    let func = enclosing_function(stmt)?;
    let ctx = cx.fresh_name(func, &["ctx", "shutdownCtx"]);
    let cancel = cx.fresh_name(func, &["cancel", "cancelShutdown"]);
    let (q, imps) = cx.import_all(&["context", "time"]);
    let (cq, tq) = (&q[0], &q[1]);
    let indent = statement_indent(cx.file, stmt.start_byte())?.to_string();
    let setup = format!(
        "{ctx}, {cancel} := {cq}WithTimeout({cq}Background(), 30*{tq}Second)\n{indent}defer {cancel}()\n{indent}"
    );
    let srv_text = cx.text(srv);
    let mut edits = Vec::new();
    if stmt.kind_name() == "expression_statement" {
        // The result was dropped: close when the graceful shutdown fails.
        edits.push(edit(
            cx.file,
            stmt.start_byte(),
            stmt.end_byte(),
            format!(
                "{setup}if err := {srv_text}.Shutdown({ctx}); err != nil {{\n{indent}\t{srv_text}.Close()\n{indent}}}"
            ),
        ));
    } else {
        edits.push(edit(cx.file, stmt.start_byte(), stmt.start_byte(), setup));
        edits.push(edit(cx.file, arg.start_byte(), arg.end_byte(), ctx.clone()));
    }
    edits.extend(imps);
    Some(fix(
        "Shut down with a 30-second deadline (unsafe: requests still running after 30 s are cut off)",
        true,
        crate::diagnostic::Applicability::Unsafe,
        edits,
    ))
}

/// The statement to rewrite for a serve call: `go srv.ListenAndServe()`
/// itself, or the statement inside the started literal.
fn serve_statement<'a>(
    g: &crate::syntax::goroutines::Start<'a>,
    serve: Node<'a>,
) -> Option<Node<'a>> {
    if g.stmt.kind_name() != "go_statement" || crate::syntax::statement_of(g.stmt) != Some(g.stmt) {
        return None;
    }
    match g.literal {
        None => Some(g.stmt),
        Some(_) => crate::syntax::statement_of(serve),
    }
}

/// The seed's shape: the serve error goes to `errCh := make(chan error, 1)`
/// and is checked against `http.ErrServerClosed` right after the same
/// function shuts that server down. Only when it does.
fn error_channel_fix<'a>(
    cx: &Context<'a>,
    g: &crate::syntax::goroutines::Start<'a>,
    serve: Node<'a>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{after_statement, edit, fix, statement_indent};
    let stmt = serve_statement(g, serve)?;
    let server = Call::of(unparen(serve))?.method(cx.src)?.0;
    let server = cx.text(server);
    // `srv.Shutdown(…)` as a later statement of the same block, not a
    // return: found from the function's names, not by walking every later
    // statement per serve.
    let func = enclosing_function(g.stmt)?;
    let block = g.stmt.up()?;
    let uses = cx.occurrences(func);
    let shutdown = (uses.of_name("Shutdown").iter())
        .filter(|m| m.start_byte() > g.stmt.end_byte())
        .find_map(|m| {
            let call = Call::of(m.up()?.up()?)?;
            let (op, "Shutdown") = call.method(cx.src)? else {
                return None;
            };
            if cx.text(op) != server {
                return None;
            }
            // The statement of `block` that holds it, outside any literal.
            let mut at = call.node;
            while at.up()?.id() != block.id() {
                at = at.up()?;
                if at.kind_name() == "func_literal" {
                    return None;
                }
            }
            Some(at)
        })?;
    if shutdown.kind_name() == "return_statement" {
        return None;
    }
    let ch = cx.fresh_name(func, &["errCh", "serveErr", "serveErrCh"]);
    let (q, imps) = cx.import_all(&["errors", "log", "net/http"]);
    let (eq, lq, hq) = (&q[0], &q[1], &q[2]);
    let indent = statement_indent(cx.file, g.stmt.start_byte())?.to_string();
    let serve_text = cx.text(serve);
    let channel = format!("{ch} := make(chan error, 1)\n{indent}");
    let mut edits = Vec::new();
    if stmt.id() == g.stmt.id() {
        // One edit at the go statement: the channel, then the goroutine.
        let goroutine = if serve_text.contains('\n') {
            let inner = crate::fix::indent_deeper(serve_text)?;
            format!("go func() {{\n{indent}\t{ch} <- {inner}\n{indent}}}()")
        } else {
            format!("go func() {{ {ch} <- {serve_text} }}()")
        };
        edits.push(edit(
            cx.file,
            g.stmt.start_byte(),
            g.stmt.end_byte(),
            format!("{channel}{goroutine}"),
        ));
    } else {
        edits.push(edit(
            cx.file,
            g.stmt.start_byte(),
            g.stmt.start_byte(),
            channel,
        ));
        edits.push(edit(
            cx.file,
            stmt.start_byte(),
            stmt.end_byte(),
            format!("{ch} <- {serve_text}"),
        ));
    }
    let at = after_statement(cx.file, shutdown.end_byte());
    edits.push(edit(
        cx.file,
        at,
        at,
        format!(
            "\n{indent}if err := <-{ch}; err != nil && !{eq}Is(err, {hq}ErrServerClosed) {{\n{indent}\t{lq}Print(err)\n{indent}}}"
        ),
    ));
    edits.extend(imps);
    Some(fix(
        "Send the serve error to a channel and check it after shutdown",
        true,
        crate::diagnostic::Applicability::Safe,
        edits,
    ))
}

/// Logs the serve error in the goroutine, unless it is `http.ErrServerClosed`.
fn log_error_fix<'a>(
    cx: &Context<'a>,
    g: &crate::syntax::goroutines::Start<'a>,
    serve: Node<'a>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::statement_indent;
    let stmt = serve_statement(g, serve)?;
    // `go srv.Serve(…)`, or a one-line `go func() { srv.Serve(…) }()`: the
    // whole statement becomes a literal over several lines, the call one
    // block deeper than the `go`.
    let one_line_literal = g.literal.is_some_and(|lit| {
        lit.start_position().row == lit.end_position().row
            && lit
                .field("parameters")
                .is_some_and(|p| crate::syntax::named_children(p).next().is_none())
            && g.call
                .field("arguments")
                .is_some_and(|a| crate::syntax::named_children(a).next().is_none())
    });
    let whole = stmt.id() == g.stmt.id() || one_line_literal;
    let go_indent = statement_indent(cx.file, g.stmt.start_byte())?.to_string();
    let serve_text = if whole {
        let depth_change =
            crate::fix::indent_at(cx.file, serve.start_byte()).len() < go_indent.len() + 1;
        if depth_change {
            crate::fix::indent_deeper(cx.text(serve))?
        } else {
            cx.text(serve).to_string()
        }
    } else {
        cx.text(serve).to_string()
    };
    Some(if whole {
        logging_fix(cx, g.stmt, &serve_text, |inner| {
            format!(
                "go func() {{\n{go_indent}\t{}\n{go_indent}}}()",
                inner(&format!("{go_indent}\t"))
            )
        })
    } else {
        let indent = statement_indent(cx.file, stmt.start_byte())?.to_string();
        logging_fix(cx, stmt, &serve_text, |inner| inner(&indent))
    })
}

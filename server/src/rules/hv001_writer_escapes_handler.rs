//! HV001 writer-escapes-handler.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::goroutines::Start;
use crate::syntax::scope::{is_declaration, own_declared_names, WRITER};
use crate::syntax::{text, visit, Visit};
use crate::syntax::{Call, NodeKind};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV001",
    name: "writer-escapes-handler",
    summary: "A goroutine that outlives the handler uses its http.ResponseWriter",
    docs: r#"## What it does
Reports a use of a handler's `http.ResponseWriter` (or of a local alias or a
wrapper built from it, such as a `bufio.Writer` or a `json.Encoder`) inside a
goroutine that the handler does not wait for. A struct that holds the writer
among other things (`u := &upload{out: w, body: r.Body}`) is the writer only
where the goroutine reaches it whole, calls its methods, or reads a field the
handler sets to the writer or never sets: `u.body.Close()` is left alone.
A buffering writer of the file's own type, as in net/http's
`TimeoutHandler` (`tw := &timeoutWriter{w: w}`, whose `Header`, `Write` and
`WriteHeader` never read `tw.w`), is not the writer either: what the
goroutine writes stays in it until the handler copies it out.
A goroutine is waited for when every way out of the handler waits for it
(`wg.Wait()`, a receive from a channel it closes or sends on), or returns a
function that does: `return func() { close(quit); <-done }` hands the wait
to the caller, like a stop function. So does a helper handed a
`*sync.WaitGroup` that adds the goroutine to it before starting it
(`wg.Add(2); go t.toClient(); go t.toBackend()`): its caller waits. A
`time.AfterFunc` callback whose timer is dropped runs in a goroutine of its
own too. A goroutine that calls a local bound once to a function literal
(`report := func() {…}; go report()`, `g.Go(report)`) runs that literal:
its uses count, each once however many statements start it, and its own
parameters are its own (the writer passed for one, `go emit(w)`, is the
use).

## Why is this bad?
The server reuses the writer as soon as the handler returns. A goroutine that
writes after that races with the server and with the handler itself: the race
detector flags it, and in production it corrupts responses or panics inside
`bufio.Writer`.

## Example
```go
func report(w http.ResponseWriter, r *http.Request) {
	go func() {
		time.Sleep(time.Second)
		fmt.Fprintln(w, "done")
	}()
	fmt.Fprintln(w, "started")
}
```

## Use instead
Let the goroutine compute and hand its bytes back over a channel with room for
one value; the handler writes them, or gives up when the client leaves:
```go
func report(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "started")
	out := make(chan []byte, 1)
	go func() {
		time.Sleep(time.Second)
		out <- []byte("done\n")
	}()
	select {
	case b := <-out:
		w.Write(b)
	case <-r.Context().Done():
		return
	}
}
```

## Fix
Preferred when the goroutine's writes are `w.Write(x)` calls: hand the bytes
back over a channel of capacity 1 and write them in the handler in a `select`
that also returns on `<-r.Context().Done()`. Otherwise: run the work
synchronously (drop the `go`). Both are unsafe fixes: the handler now waits
for the work, and with the second the work's writes (its status included)
come before the handler's later ones, so a 202 written after the `go`
becomes a superfluous status. `check --fix` leaves them to `--unsafe-fixes`
or to one code action in the editor. Neither is offered when the writer is
used in a goroutine started inside the first one that outlives it: that one
would still write late.
"#,
    in_tests: true,
    check,
    facts: None,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(w) = &h.writer else { continue };
        if !cx.body_may_hold(h.body, crate::syntax::goroutines::START_TEXTS)
            || !cx.body_may_name(h.body, w)
        {
            continue;
        }
        let mut writers = cx.aliases(h.func, std::slice::from_ref(w), WRITER);
        for name in buffering_wrappers(cx, h.func, w, &writers) {
            writers.remove(&name);
        }
        // The names the handler declares itself: a literal that declares one
        // again shadows it.
        let outer = own_declared_names(h.func, cx.src);
        let gs = cx.outliving_goroutines(h, &writers, |_| false);
        // Where the sends of the handler are: a goroutine that sends is not
        // run in the handler instead.
        let sends = std::cell::OnceCell::new();
        // A literal bound to a local may be started by more than one
        // statement: each use is reported once.
        let mut reported = HashSet::new();
        for &i in &gs.top {
            let g = gs.all()[i];
            let mut uses = writer_uses(&g, &writers, &outer, h.func, cx.src);
            uses.retain(|u| g.bound.is_none() || reported.insert(u.id()));
            if uses.is_empty() {
                continue;
            }
            // A use in a goroutine started inside this one that outlives it
            // is not fixed by handing this one's output back, nor by running
            // this one in the handler: no fix then.
            // (The starts and the uses are both in source order: the ones
            // inside a span are found by a binary search.)
            let nested_escapes = g.code().any(|span| {
                let from = gs
                    .all()
                    .partition_point(|n| n.stmt.start_byte() <= span.start_byte());
                gs.all()[from..]
                    .iter()
                    .take_while(|n| n.stmt.start_byte() < span.end_byte())
                    .any(|n| {
                        let k = uses.partition_point(|u| u.start_byte() < n.stmt.start_byte());
                        uses.get(k)
                            .is_some_and(|u| u.start_byte() < n.stmt.end_byte())
                            && gs.outlives(n.stmt)
                    })
            });
            let fixes = match nested_escapes {
                true => Vec::new(),
                false => crate::fix::ranked(handoff_fix(cx, h, &g, &uses).into_iter().chain(
                    synchronous_fix(
                        cx,
                        &g,
                        sends.get_or_init(|| {
                            crate::syntax::Sites::of_kinds(h.body, crate::kinds!("send_statement"))
                        }),
                    ),
                )),
            };
            for u in uses {
                let mut d = cx.diag(
                    &RULE,
                    use_span(u),
                    format!(
                        "`{}` is used by a goroutine that may still run after handler `{}` returns",
                        text(u, cx.src),
                        h.name
                    ),
                );
                d.related
                    .push(cx.related(g.stmt, "goroutine started here and not waited for"));
                d.fixes.extend(fixes.iter().cloned());
                super::by_hand(&mut d, || {
                    format!("have the goroutine hand its output back over a channel and write it in `{}` before it returns, or wait for the goroutine there", h.name)
                });
                out.push(d);
            }
        }
    }
}

/// The locals of `func` that hold the writer only inside a buffering
/// writer of this file's own type, as net/http's `TimeoutHandler` does:
/// `tw := &timeoutWriter{w: w, h: make(http.Header)}`, where the type
/// declares `Header`, `Write` and `WriteHeader` itself (none is promoted
/// from an embedded writer) and none of its methods reads the field that
/// holds the writer, so what the goroutine writes stays in the value. Each
/// binding of the local must be such a literal, with the writer under a
/// field's name, and `func` must never read that field itself
/// (`tw.w.Write(…)` is the writer).
fn buffering_wrappers(
    cx: &Context,
    func: Node,
    seed: &str,
    writers: &HashSet<String>,
) -> Vec<String> {
    let src = cx.src;
    // No local but the writer itself: nothing to look for.
    if writers.iter().all(|w| w == seed) {
        return Vec::new();
    }
    // Per local: the type and the fields that hold the writer; `None` once
    // a binding is anything else.
    let mut bound: HashMap<&str, Option<(&str, HashSet<&str>)>> = HashMap::new();
    let kinds = crate::kinds!(
        "short_var_declaration",
        "assignment_statement",
        "var_spec",
        "parameter_declaration"
    );
    crate::syntax::visit_kinds(func, kinds, |stmt| {
        if matches!(stmt.kind_name(), "var_spec" | "parameter_declaration") {
            for n in crate::syntax::named_children(stmt).filter(|n| n.kind_name() == "identifier") {
                if writers.contains(text(n, src)) {
                    bound.insert(text(n, src), None);
                }
            }
            return Visit::Descend;
        }
        for (l, r) in crate::syntax::scope::assigned_pairs(stmt) {
            let name = text(l, src);
            if l.kind_name() != "identifier" || name == seed || !writers.contains(name) {
                continue;
            }
            let wrapped = buffering_literal(r, writers, src);
            let entry = bound.entry(name).or_insert_with(|| wrapped.clone());
            match (entry.as_mut(), wrapped) {
                (Some((t, fields)), Some((t2, f2))) if *t == t2 => fields.extend(f2),
                _ => *entry = None,
            }
        }
        Visit::Descend
    });
    bound
        .into_iter()
        .filter_map(|(name, b)| Some((name, b?)))
        .filter(|(name, (ty, fields))| {
            keeps_field_to_itself(cx, ty, fields) && !selects_field(func, name, fields, src)
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

/// `T{f: w, …}` or `&T{…}` of a named type: `T` and the fields that hold
/// the writer (`None` when one holds it without a name).
fn buffering_literal<'t>(
    expr: Node<'t>,
    writers: &HashSet<String>,
    src: &'t str,
) -> Option<(&'t str, HashSet<&'t str>)> {
    let mut lit = crate::syntax::unparen(expr);
    if lit.kind_name() == "unary_expression" {
        lit = crate::syntax::address_of(lit, src)?;
    }
    let ty = lit
        .field("type")
        .filter(|t| t.kind_name() == "type_identifier")?;
    let mut fields = HashSet::new();
    for el in crate::syntax::named_children(lit.field("body")?) {
        let holds = |v: Node| crate::syntax::scope::derives(v, writers, src, WRITER);
        if el.kind_name() == "keyed_element" {
            let value = crate::syntax::scope::element_value(el)?;
            if holds(value) {
                fields.insert(text(el.field("key")?, src).trim());
            }
        } else if crate::syntax::scope::element_value(el).is_none_or(holds) {
            return None;
        }
    }
    (!fields.is_empty()).then(|| (text(ty, src), fields))
}

/// True when this file declares `ty`, and `Header`, `Write` and
/// `WriteHeader` on it, and no method of `ty` here reads one of `fields`
/// or uses its receiver other than through a selector.
fn keeps_field_to_itself(cx: &Context, ty: &str, fields: &HashSet<&str>) -> bool {
    let mut methods = HashSet::new();
    let mut declared = false;
    for d in cx.file.top_level() {
        if d.kind_name() == "type_declaration" {
            declared |= crate::syntax::named_children(d)
                .filter_map(|spec| spec.field("name"))
                .any(|name| text(name, cx.src) == ty);
            continue;
        }
        let Some(recv) = crate::syntax::handlers::receiver(d, cx.src) else {
            continue;
        };
        if recv.type_name != ty {
            continue;
        }
        if let Some(name) = d.field("name") {
            methods.insert(text(name, cx.src));
        }
        // A method that reads the field, or hands the whole value on
        // (`write(t, p)`, where the callee may read it), may write through.
        let reads = d.field("body").is_some_and(|b| {
            selects_field(b, &recv.name, fields, cx.src)
                || crate::syntax::any_of_kinds(
                    b,
                    crate::kinds!("identifier"),
                    &crate::syntax::KindSet::NONE,
                    |id| {
                        text(id, cx.src) == recv.name
                            && !id.up().is_some_and(|p| {
                                p.kind_name() == "selector_expression"
                                    && p.field("operand").is_some_and(|o| o.id() == id.id())
                            })
                    },
                )
        });
        if reads {
            return false;
        }
    }
    declared
        && ["Header", "Write", "WriteHeader"]
            .iter()
            .all(|m| methods.contains(m))
}

/// True when `root` reads one of `fields` of the local `name` (`name.f`).
fn selects_field(root: Node, name: &str, fields: &HashSet<&str>, src: &str) -> bool {
    crate::syntax::any_of_kinds(
        root,
        crate::kinds!("selector_expression"),
        &crate::syntax::KindSet::NONE,
        |s| {
            s.field("operand")
                .is_some_and(|o| o.kind_name() == "identifier" && text(o, src) == name)
                && s.field("field")
                    .is_some_and(|f| fields.contains(text(f, src)))
        },
    )
}

/// The whole use of the writer at `u`: the outermost call chain it takes
/// part in (`w.Header().Set(k, v)`, `fmt.Fprintln(w, x)`), else `u`.
fn use_span(u: Node) -> Node {
    let mut span = u;
    let mut n = u;
    while let Some(p) = n.up() {
        match p.kind_name() {
            "call_expression" => span = p,
            "selector_expression"
            | "argument_list"
            | "parenthesized_expression"
            | "unary_expression" => {}
            _ => break,
        }
        n = p;
    }
    span
}

/// Identifiers in the goroutine that use the writer (declarations, the
/// arguments that only bind a literal's parameters, and names a literal
/// declares again over the handler's `outer` ones excluded).
fn writer_uses<'t>(
    g: &Start<'t>,
    writers: &HashSet<String>,
    outer: &HashSet<String>,
    func: Node<'t>,
    src: &'t str,
) -> Vec<Node<'t>> {
    let binding_args = g.literal.and_then(|_| g.call.field("arguments"));
    let mut uses = Vec::new();
    // A function literal's own parameters and declarations shadow the
    // handler's names: `go func(w io.Writer) {…}(os.Stderr)`, a handler
    // literal registered inside the goroutine.
    // (The goroutine's own parameters bound to the writer are the writer:
    // `go func(w http.ResponseWriter) {…}(w)`.)
    // The literals open at the node visited (by end byte, with the writer
    // names each declares again), and how many of them declare each name:
    // a walk in source order closes a literal once it has passed its end.
    let mut open: Vec<(usize, Vec<String>)> = Vec::new();
    let mut shadows: HashMap<String, usize> = HashMap::new();
    let mut other_fields: HashMap<&str, bool> = HashMap::new();
    // A literal bound to the local the statement calls (`f := func() {…};
    // go f()`) is read like any literal in it: its own parameters are its
    // own, and the writer passed for one (`go f(w)`) is used in the call.
    // It comes before the statement, so the walk stays in source order.
    let mut on = |n: Node<'t>| {
        while open.last().is_some_and(|(end, _)| *end <= n.start_byte()) {
            for name in open.pop().map(|(_, names)| names).unwrap_or_default() {
                *shadows.entry(name).or_default() -= 1;
            }
        }
        if Some(n.id()) == binding_args.map(|a| a.id()) {
            return Visit::Skip;
        }
        if n.kind_name() == "func_literal" {
            let mut names = own_declared_names(n, src);
            if Some(n.id()) == g.literal.map(|l| l.id()) {
                if let Some(args) = binding_args {
                    let args: Vec<Node> = crate::syntax::named_children(args).collect();
                    for (p, a) in crate::syntax::handlers::params(n, src).iter().zip(&args) {
                        if let Some(name) = &p.name {
                            if writers.contains(text(crate::syntax::unparen(*a), src)) {
                                names.remove(name);
                            }
                        }
                    }
                }
            }
            let names: Vec<String> = names
                .into_iter()
                .filter(|name| writers.contains(name) && outer.contains(name))
                .collect();
            for name in &names {
                *shadows.entry(name.clone()).or_default() += 1;
            }
            open.push((n.end_byte(), names));
        }
        if n.kind_name() == "identifier"
            && writers.contains(text(n, src))
            && !is_declaration(n)
            && shadows.get(text(n, src)).is_none_or(|&c| c == 0)
            && !reads_other_field(n, writers, func, src, &mut other_fields)
        {
            uses.push(n);
        }
        Visit::Descend
    };
    // The walk stops only at what `on` reads: literals, names and the
    // arguments it skips.
    let read = crate::kinds!("func_literal", "identifier", "argument_list");
    for root in g.code() {
        crate::syntax::visit_kinds(root, read, &mut on);
    }
    uses
}

/// True when `n`, a wrapper of the writer (`c := &reqCtx{w: w, body: b}`),
/// is used only for a field the handler never sets to the writer: `c.body`
/// (read, or a method of the field called) reaches no client. Every keyed
/// element of that field in `func` must hold something else; a field the
/// handler never sets is unknown and still counts, as does a method of the
/// wrapper itself (`c.fail()`) or the wrapper passed on whole.
fn reads_other_field<'t>(
    n: Node<'t>,
    writers: &HashSet<String>,
    func: Node<'t>,
    src: &'t str,
    memo: &mut HashMap<&'t str, bool>,
) -> bool {
    let Some(sel) = n.up().filter(|p| p.kind_name() == "selector_expression") else {
        return false;
    };
    if sel.field("operand").map(|o| o.id()) != Some(n.id()) {
        return false;
    }
    let called = sel.up().is_some_and(|c| {
        c.kind_name() == "call_expression" && c.field("function").map(|f| f.id()) == Some(sel.id())
    });
    let Some(field) = sel.field("field").filter(|_| !called) else {
        return false;
    };
    let field = text(field, src);
    *memo.entry(field).or_insert_with(|| {
        let mut set = false;
        let mut to_writer = false;
        visit(func, |k| {
            if k.kind_name() == "keyed_element" {
                let mut parts = crate::syntax::named_children(k);
                if let (Some(key), Some(value)) = (parts.next(), parts.next()) {
                    if text(key, src) == field {
                        set = true;
                        to_writer |= crate::syntax::any(value, |v| {
                            v.kind_name() == "identifier" && writers.contains(text(v, src))
                        });
                    }
                }
            }
            Visit::Descend
        });
        set && !to_writer
    })
}

/// The seed's shape: `go func() { …; w.Write(x) }()` sends `x` on a channel
/// of capacity 1 instead, and the handler writes it in a `select` that gives
/// up when the request is cancelled. When the literal writes more than one
/// `w.Write(x)` (`fmt.Fprintf(w, …)`, `io.WriteString(w, …)`, several
/// writes), it writes into a `bytes.Buffer` of its own and sends the bytes
/// at its end. Only for a literal that never returns early and uses `w`
/// only as an `io.Writer`.
fn handoff_fix(
    cx: &Context,
    h: &crate::syntax::handlers::Handler,
    g: &Start,
    uses: &[Node],
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix, statement_indent};
    let w = h.writer.as_deref()?;
    let r = h.request.as_deref().filter(|r| *r != "_")?;
    let lit = g.literal?;
    if g.stmt.kind_name() != "go_statement" || crate::syntax::statement_of(g.stmt) != Some(g.stmt) {
        return None;
    }
    let lit_body = lit.field("body")?;
    if uses.iter().any(|u| cx.text(*u) != w)
        || crate::syntax::has_kind_no_funcs(lit_body, crate::kinds!("return_statement"))
    {
        return None;
    }
    let func = h.func;
    let indent = statement_indent(cx.file, g.stmt.start_byte())?.to_string();
    let at = g.stmt.start_byte();
    // One `w.Write(x)` at the top of the literal: send `x` itself.
    let single = match uses {
        [only] => crate::syntax::statement_of(*only).and_then(|stmt| {
            let call = crate::syntax::statement_call(stmt)?;
            let (operand, "Write") = call.method(cx.src)? else {
                return None;
            };
            (operand.id() == only.id()
                && stmt.up().and_then(|l| l.up()).map(|b| b.id()) == Some(lit_body.id())
                && call.args().count() == 1)
                .then_some((stmt, call))
        }),
        _ => None,
    };
    // Everything that can turn the fix down is asked before any name is
    // claimed: a name claimed for a fix not offered is wasted (later fixes
    // in the handler would get `result2`).
    // The bytes are sent before the literal's closing brace, on a line of
    // its own.
    let close = lit_body.end_byte() - 1;
    let close_line = cx.file.line_start(cx.file.line_col(close).0);
    if single.is_none()
        && (uses.iter().any(|u| as_writer(cx, *u, "").is_none())
            || !cx.src[close_line..close].trim().is_empty())
    {
        return None;
    }
    let end = last_write_point(cx, h, g.stmt);
    // A bare `return` leaves only a function without results.
    if end.is_none() && h.func.field("result").is_some() {
        return None;
    }
    let ch = cx.fresh_name(func, &["result", "out", "written"]);
    let b = cx.fresh_name(func, &["b", "data", "buf"]);
    let mut edits = vec![edit(
        cx.file,
        at,
        at,
        format!("{ch} := make(chan []byte, 1)\n{indent}"),
    )];
    match single {
        Some((stmt, call)) => edits.push(edit(
            cx.file,
            stmt.start_byte(),
            stmt.end_byte(),
            format!(
                "{ch} <- {}",
                cx.text(call.args().next().unwrap_or(call.node))
            ),
        )),
        None => {
            let buf = cx.fresh_name(func, &["buf", "output", "body"]);
            for u in uses {
                edits.push(edit(
                    cx.file,
                    u.start_byte(),
                    u.end_byte(),
                    as_writer(cx, *u, &buf)?,
                ));
            }
            let (q, imp) = cx.import("bytes");
            edits.extend(imp);
            let open = lit_body.start_byte() + 1;
            let inner = format!("{indent}\t");
            edits.push(edit(
                cx.file,
                open,
                open,
                format!("\n{inner}var {buf} {q}Buffer"),
            ));
            edits.push(edit(
                cx.file,
                close_line,
                close_line,
                format!("{inner}{ch} <- {buf}.Bytes()\n"),
            ));
        }
    }
    let case = format!("\n{indent}select {{\n{indent}case {b} := <-{ch}:\n{indent}\t{w}.Write({b})\n{indent}case <-{r}.Context().Done():");
    Some(match end {
        // The handler's own writes keep their order and status; the bytes
        // come last, as the goroutine meant them to, while it still runs.
        Some(end) => {
            edits.push(edit(cx.file, end, end, format!("{case}\n{indent}}}")));
            fix(
                "Hand the bytes back over a channel and write them at the end of the handler",
                true,
                crate::diagnostic::Applicability::Safe,
                edits,
            )
        }
        None => {
            let end = g.stmt.end_byte();
            edits.push(edit(
                cx.file,
                end,
                end,
                format!("{case}\n{indent}\treturn\n{indent}}}"),
            ));
            fix(
                "Hand the bytes back over a channel and write them right after the `go` (unsafe: the handler waits there, and its later writes, status included, come after these bytes)",
                true,
                crate::diagnostic::Applicability::Unsafe,
                edits,
            )
        }
    })
}

/// What a use of the writer becomes when the goroutine writes into a local
/// buffer `buf`: the operand of `w.Write(…)` / `w.WriteString(…)` becomes
/// `buf`, the writer argument of `fmt.Fprint…`, `io.WriteString`,
/// `io.Copy` (as destination) or `json.NewEncoder` becomes `&buf`. `None`
/// for any other use (headers, status, flushing, handing `w` on).
fn as_writer(cx: &Context, u: Node, buf: &str) -> Option<String> {
    let p = u.up()?;
    if p.kind_name() == "selector_expression" {
        let call = p.up().and_then(Call::of)?;
        let (_, m) = call.method(cx.src)?;
        return matches!(m, "Write" | "WriteString").then(|| buf.to_string());
    }
    let call = p.up().and_then(Call::of)?;
    let first = call.args().next().is_some_and(|a| a.id() == u.id());
    let writer_arg = first
        && (cx
            .imports
            .member(call.function, cx.src, "fmt")
            .is_some_and(|m| m.starts_with("Fprint"))
            || cx
                .imports
                .member(call.function, cx.src, "io")
                .is_some_and(|m| matches!(m, "WriteString" | "Copy"))
            || cx.imports.member(call.function, cx.src, "encoding/json") == Some("NewEncoder"));
    writer_arg.then(|| format!("&{buf}"))
}

/// Where the handler's last statement ends, when `go_stmt` is a statement of
/// the handler's body, no `return` follows it, and the body ends in a
/// statement that completes (not `panic`, not an endless `for`): a `select`
/// appended there runs after every write of the handler.
fn last_write_point(
    cx: &Context,
    h: &crate::syntax::handlers::Handler,
    go_stmt: Node,
) -> Option<usize> {
    let stmts = crate::syntax::statements(h.body);
    let i = stmts.iter().position(|s| s.id() == go_stmt.id())?;
    let after = &stmts[i + 1..];
    if after
        .iter()
        .any(|s| crate::syntax::has_kind_no_funcs(*s, crate::kinds!("return_statement")))
    {
        return None;
    }
    let last = *stmts.iter().rev().find(|s| s.kind_name() != "comment")?;
    let exits = crate::syntax::statement_call(last).is_some_and(|c| {
        matches!(
            cx.text(c.function),
            "os.Exit" | "log.Fatal" | "log.Fatalf" | "log.Fatalln"
        )
    });
    if exits || crate::syntax::is_terminating(last, cx.src) {
        return None;
    }
    Some(crate::fix::after_statement(cx.file, last.end_byte()))
}

/// Runs the work in the handler: `go f(w)` becomes `f(w)`. Not offered when
/// the goroutine sends on a channel (the handler may be what receives it).
fn synchronous_fix(
    cx: &Context,
    g: &Start,
    sends: &crate::syntax::Sites,
) -> Option<crate::diagnostic::Fix> {
    if g.stmt.kind_name() != "go_statement" {
        return None;
    }
    if g.code().any(|c| sends.within(c)) {
        return None;
    }
    Some(crate::fix::fix(
        "Run the work in the handler, dropping the `go` (unsafe: the handler waits, and the work writes first)",
        true,
        crate::diagnostic::Applicability::Unsafe,
        vec![crate::fix::edit(
            cx.file,
            g.stmt.start_byte(),
            g.call.start_byte(),
            "",
        )],
    ))
}

//! HV005 body-read-after-return.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::goroutines::Start;
use crate::syntax::http::reads_body;
use crate::syntax::scope::{BODY, REQUEST};
use crate::syntax::NodeKind;
use crate::syntax::{unparen, visit, Call, Visit};
use std::collections::HashSet;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV005",
    name: "body-read-after-return",
    summary: "A goroutine that outlives the handler reads the request body",
    docs: r#"## What it does
Reports reads of the request body inside a goroutine the handler does not
wait for: `io.ReadAll(r.Body)` (and `ioutil.ReadAll`), `r.Body.Read`,
`json.NewDecoder(r.Body)`, `io.Copy(…, r.Body)`, `r.ParseForm`,
`r.ParseMultipartForm`, `r.FormValue`, `r.PostFormValue`, `r.FormFile`,
`r.MultipartReader`, and handing the request to a package function that reads
its body. Waiting is read as for HV001: a helper handed a `*sync.WaitGroup`
that adds the goroutine to it before starting it leaves the wait to its
caller. A goroutine that calls a local bound once to a function literal
(`decode := func() {…}; go decode()`) runs that literal; the body is then
not read ahead by the fix, since the literal is written before the `go`.

## Why is this bad?
When the handler returns, the server closes the request body and may reuse
the connection. A goroutine that reads it later races with the server: it
reads nothing, an error, or bytes of the next request.

## Example
```go
func ingest(w http.ResponseWriter, r *http.Request) {
	go func() {
		data, _ := io.ReadAll(r.Body)
		store(data)
	}()
	w.WriteHeader(http.StatusAccepted)
}
```

## Use instead
```go
func ingest(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	go func() {
		store(data)
	}()
	w.WriteHeader(http.StatusAccepted)
}
```

## Fix
Reads the body into a variable before the `go` statement (or before the
handler's first write, so that the 400 it answers on failure is the only
status) and gives the goroutine a reader over the bytes
(`bytes.NewReader(body)`) where it read `r.Body`. Form values: the form is
parsed before the `go` statement instead. Not offered for `r.Body.Read` loops,
multipart forms, or a package function handed the whole request.
"#,
    in_tests: true,
    check,
    facts: None,
};

const PARSERS: &[&str] = &[
    "ParseForm",
    "ParseMultipartForm",
    "FormValue",
    "PostFormValue",
];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(r) = &h.request else { continue };
        if !cx.body_may_hold(h.body, crate::syntax::goroutines::START_TEXTS)
            || !cx.body_may_name(h.body, r)
        {
            continue;
        }
        let requests = cx.aliases(h.func, std::slice::from_ref(r), REQUEST);
        let seeds: Vec<String> = requests.iter().cloned().collect();
        let mut bodies = cx.aliases(h.func, &seeds, BODY);
        bodies.retain(|b| !requests.contains(b));
        // A `time.AfterFunc` callback that keeps the request is HV006's
        // closure run later: one finding for one bug.
        let named: HashSet<String> = requests.union(&bodies).cloned().collect();
        let gs = cx.outliving_goroutines(h, &named, |g| g.is_timer(cx.src));
        let mut first_parse = None;
        // A literal bound to a local may be started by more than one
        // statement: each read is reported once.
        let mut reported = HashSet::new();
        for &i in &gs.top {
            let g = gs.all()[i];
            let parsed = *first_parse
                .get_or_insert_with(|| first_form_parse(cx, h.body, &requests))
                < g.stmt.start_byte();
            let mut reads = body_reads(cx, &g, &requests, &bodies, parsed);
            reads.retain(|read| g.bound.is_none() || reported.insert(read.id()));
            if reads.is_empty() {
                continue;
            }
            let fix = hoist_fix(cx, h, &g, &reads, &requests, &bodies);
            for read in reads {
                let mut d = cx.diag(
                    &RULE,
                    read,
                    format!(
                        "`{}` reads the request body in a goroutine that may run after handler `{}` returns and the server closes the body",
                        super::snippet(cx.text(read)),
                        h.name
                    ),
                );
                d.related
                    .push(cx.related(g.stmt, "goroutine started here and not waited for"));
                d.fixes.extend(fix.clone());
                super::by_hand(&mut d, || {
                    format!("read the body in `{}` before the `go` (`io.ReadAll`) and hand the goroutine the bytes", h.name)
                });
                out.push(d);
            }
        }
    }
}

/// Where the handler first parses the request's form (`ParseForm`,
/// `FormValue`, …) outside function literals; past the end when it never
/// does. A goroutine started after it reads the parsed form, not the body.
fn first_form_parse(cx: &Context, body: Node, requests: &HashSet<String>) -> usize {
    let mut first = usize::MAX;
    crate::syntax::visit_calls_no_funcs(body, |c| {
        let n = c.node;
        if let Some((op, m)) = c.method(cx.src) {
            if PARSERS.contains(&m) && requests.contains(cx.text(unparen(op))) {
                first = n.start_byte();
                return Visit::Stop;
            }
        }
        Visit::Descend
    });
    first
}

/// The calls inside the goroutine that read the body, and the arguments that
/// hand the request to a package function that reads it.
fn body_reads<'a>(
    cx: &Context<'a>,
    g: &Start<'a>,
    requests: &HashSet<String>,
    bodies: &HashSet<String>,
    parsed: bool,
) -> Vec<Node<'a>> {
    let mut reads = Vec::new();
    // The literal it runs: written in the statement, or bound to the local
    // it calls (`f := func() {…}; go f()`), read first (it comes first).
    let binding_args = g.runs().and_then(|_| g.call.field("arguments"));
    // Parameters of the literal bound to the request count as the request.
    let mut requests = requests.clone();
    let mut bodies = bodies.clone();
    if let (Some(lit), Some(args)) = (g.runs(), binding_args) {
        let ps = crate::syntax::handlers::params(lit, cx.src);
        for (p, a) in ps.iter().zip(crate::syntax::named_children(args)) {
            let Some(name) = &p.name else { continue };
            let a = cx.text(unparen(a));
            if requests.contains(a) {
                requests.insert(name.clone());
            } else if bodies.contains(a) || a.ends_with(".Body") {
                bodies.insert(name.clone());
            }
        }
    }
    let mut on = |n: Node<'a>| {
        if Some(n.id()) == binding_args.map(|a| a.id()) {
            return Visit::Skip;
        }
        // `func(body io.Reader) {…}(r.Body)` only binds; look inside.
        if g.runs().is_some() && n.id() == g.call.id() {
            return Visit::Descend;
        }
        let Some(call) = Call::of(n) else {
            return Visit::Descend;
        };
        if reads_body(&call, cx.src, &requests, &bodies, parsed) {
            reads.push(n);
            return Visit::Skip;
        }
        // go process(r): does the package function read its body?
        if let Some(fname) = package_callee(cx, &call) {
            for (i, a) in call.args().enumerate() {
                let a = unparen(a);
                if a.kind_name() == "identifier"
                    && requests.contains(cx.text(a))
                    && cx
                        .index
                        .param(fname.0, fname.1, i)
                        .is_some_and(|p| p.reads_body)
                {
                    reads.push(n);
                }
            }
        }
        Visit::Descend
    };
    for root in g.code() {
        visit(root, &mut on);
    }
    reads
}

/// `f(...)` → ("f", false); `s.m(...)` with `s` not an import → ("m", true).
fn package_callee<'a>(cx: &Context<'a>, call: &Call<'a>) -> Option<(&'a str, bool)> {
    match call.function.kind_name() {
        "identifier" => Some((cx.text(call.function), false)),
        "selector_expression" => {
            let operand = call.function.field("operand")?;
            let is_import = operand.kind_name() == "identifier"
                && cx.imports.path_of(cx.text(operand)).is_some();
            (!is_import).then(|| (cx.text(call.function.field("field").unwrap()), true))
        }
        _ => None,
    }
}

/// The fix, one per goroutine: read the body before the `go` statement
/// (answering 400 when that fails) and give the goroutine a reader over the
/// bytes; for form values, parse the form before the `go` statement instead.
/// Not offered for reads it cannot redirect (`r.Body.Read` in a loop, a
/// multipart form, a package function handed the request).
fn hoist_fix<'a>(
    cx: &Context<'a>,
    h: &crate::syntax::handlers::Handler<'a>,
    g: &Start<'a>,
    reads: &[Node<'a>],
    requests: &HashSet<String>,
    bodies: &HashSet<String>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix, statement_indent};
    let w = h.writer.as_deref().filter(|w| *w != "_")?;
    let r = h.request.as_deref().filter(|r| *r != "_")?;
    if crate::syntax::statement_of(g.stmt) != Some(g.stmt) || g.stmt.kind_name() != "go_statement" {
        return None;
    }
    // What each read needs: the form parsed, or the body's bytes.
    let (mut form, mut body_sites) = (false, Vec::new());
    for read in reads {
        let call = Call::of(*read)?;
        if let Some((op, m)) = call.method(cx.src) {
            if requests.contains(cx.text(unparen(op))) {
                match m {
                    "FormValue" | "PostFormValue" | "ParseForm" => {
                        form = true;
                        continue;
                    }
                    _ => return None,
                }
            }
            if matches!(m, "Read" | "WriteTo") {
                return None;
            }
        }
        let mut found = false;
        for a in call.args() {
            let a = unparen(a);
            let is_req_body = a.kind_name() == "selector_expression"
                && a.field("field").map(|f| cx.text(f)) == Some("Body")
                && a.field("operand")
                    .is_some_and(|o| requests.contains(cx.text(unparen(o))));
            if is_req_body || (a.kind_name() == "identifier" && bodies.contains(cx.text(a))) {
                body_sites.push((a, false));
                found = true;
            }
        }
        if !found {
            return None;
        }
    }
    // A body bound to the literal's parameter: `go func(rc io.ReadCloser){…}(r.Body)`.
    if let (Some(_), Some(args)) = (g.literal, g.call.field("arguments")) {
        for a in crate::syntax::named_children(args) {
            let a = unparen(a);
            if a.kind_name() == "selector_expression"
                && a.field("field").map(|f| cx.text(f)) == Some("Body")
            {
                body_sites.push((a, true));
            }
        }
        body_sites.retain(|(a, bound)| *bound || !crate::syntax::contains(args, *a));
    }
    let wants_body = !body_sites.is_empty();
    if form == wants_body {
        return None; // neither, or both (parsing the form consumes the body)
    }
    // A bound literal is written before the `go`: the bytes read there
    // would not be in its scope.
    if wants_body && g.bound.is_some() {
        return None;
    }
    let func = h.func;
    let at_stmt = cx.insertion_before_writes(h, g.stmt)?;
    let indent = statement_indent(cx.file, at_stmt.start_byte())?.to_string();
    let mut edits = Vec::new();
    let at = at_stmt.start_byte();
    if form {
        edits.push(edit(
            cx.file,
            at,
            at,
            cx.bad_request_unless(
                &format!("if err := {r}.ParseForm(); err != nil"),
                w,
                &indent,
            ),
        ));
        return Some(fix(
            "Parse the form before starting the goroutine",
            true,
            crate::diagnostic::Applicability::Safe,
            edits,
        ));
    }
    let body = cx.fresh_name(func, &["body", "reqBody", "payload"]);
    let (q, imps) = cx.import_all(&["io", "bytes"]);
    let (iq, bq) = (&q[0], &q[1]);
    // Read through a local alias of the body when the goroutine used one (so
    // the alias stays used), else `r.Body`.
    let source = body_sites
        .iter()
        .find(|(a, bound)| !bound && a.kind_name() == "identifier")
        .map_or(format!("{r}.Body"), |(a, _)| cx.text(*a).to_string());
    edits.push(edit(
        cx.file,
        at,
        at,
        format!(
            "{body}, err := {iq}ReadAll({source})\n{indent}{}",
            cx.bad_request_unless("if err != nil", w, &indent)
        ),
    ));
    for (site, bound) in body_sites {
        let reader = format!("{bq}NewReader({body})");
        let new = if bound {
            format!("{iq}NopCloser({reader})")
        } else {
            reader
        };
        edits.push(edit(cx.file, site.start_byte(), site.end_byte(), new));
    }
    edits.extend(imps);
    Some(fix(
        "Read the body before starting the goroutine",
        true,
        crate::diagnostic::Applicability::Safe,
        edits,
    ))
}

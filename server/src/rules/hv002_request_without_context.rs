//! HV002 request-without-context.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::handlers::{params, Param};
use crate::syntax::types::{of_type, Kind};
use crate::syntax::NodeKind;
use crate::syntax::{enclosing_function, named_children, outer_parens, text, unparen, Call, Visit};
use std::collections::HashMap;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV002",
    name: "request-without-context",
    summary: "An outgoing HTTP request ignores the context that is in reach",
    docs: r#"## What it does
Inside a handler, or any function with a `context.Context` parameter, reports
outgoing requests that cannot be cancelled: `http.Get`, `http.Head`,
`http.Post`, `http.PostForm` (as functions, or as methods of
`http.DefaultClient` or of a known `*http.Client`), `http.NewRequest`, and
`http.NewRequestWithContext` given `context.Background()` or
`context.TODO()`, and `req.WithContext` given one when `req` is known to be
an `*http.Request` (declared as one, made by `http.NewRequest…`, or the
result of a package function or field declared as one; a logger's or a
tracer's `WithContext` builds no request). A `NewRequest` that gets its context before it is sent is
left alone: `req.WithContext(ctx)` later (also from a field it was stored
in, `s.req.WithContext(ctx)`), returned to the caller, or handed to a
function together with the context in reach (`s.do(ctx, client, req)`).
So is a request that is never sent (built only to parse a URL: nothing
takes it, only its fields are read), one that only writes itself to a conn
(`req.Write(bw)`, then `http.ReadResponse(br, req)`: no context is looked
at there, the conn's deadlines are), and a context that becomes
`context.Background()` only when it is nil (`if ctx == nil { ctx =
context.Background() }`).

The context of a function around a callback is in reach in the callback
too (`retry(func() { req, _ := http.NewRequest(…); return s.do(ctx, req)
})`), unless the callback declares the same name (`func(ctx string)`): the
request is then still reported, with no fix, as the name there is not the
context.

## Why is this bad?
These requests run on `context.Background()`. When the client of the handler
disconnects, or the caller's context is cancelled, the upstream call keeps
running: goroutines, sockets and upstream capacity are spent on an answer
nobody will read.

## Example
```go
func price(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get(upstreamURL)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}
```

## Use instead
```go
func price(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, upstreamURL, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}
```

## Fix
Builds the request with `http.NewRequestWithContext(ctx, method, url, body)`
and sends it with the same client's `Do`, where `ctx` is `r.Context()` in a
handler and the context parameter elsewhere. The `resp, err :=` shape stays;
the new error is handled the way the function already handles errors. `Post`
keeps its content type as a header; `PostForm` encodes the form. For
`http.NewRequest`, the context argument is inserted. A `context.Context`
parameter with no name, or named `_`, is named (`ctx` when that is free; its
unnamed siblings become `_`, since Go wants all parameters named or none).
"#,
    // Left out of `_test.go` files: a test's outgoing request has no client whose cancellation it should follow.
    in_tests: false,
    check,
    facts: None,
};

const SENDERS: &[&str] = &["Get", "Head", "Post", "PostForm"];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.imports.has("net/http") {
        return;
    }
    let http = "net/http";
    let mut named = HashMap::new();
    let with_contexts = WithContexts::default();
    cx.visit_scope_kinds(|_| true, crate::kinds!("call_expression"), |n| {
        let Some(call) = Call::of(n) else {
            return Visit::Descend;
        };
        let what = if let Some(name) = cx.imports.member(call.function, cx.src, http) {
            match name {
                _ if SENDERS.contains(&name) => Some(format!("`http.{name}`")),
                "NewRequest"
                    if !context_attached_later(cx, &with_contexts, n) && !never_sent(cx, n) =>
                {
                    Some("`http.NewRequest`".to_string())
                }
                "NewRequestWithContext"
                    if call.arg(0).is_some_and(|c| cx.is_background_context(c)) =>
                {
                    Some(format!(
                        "`http.NewRequestWithContext` given `{}`",
                        text(call.arg(0).unwrap(), cx.src)
                    ))
                }
                _ => None,
            }
        } else if let Some((client, method)) = call.method(cx.src) {
            // `req.WithContext(bg)` on a value known to be a request; not
            // a package's `WithContext` (`errgroup.WithContext`) or a
            // logger's (`log.WithContext(ctx)`), which make no request.
            if method == "WithContext"
                && is_request(cx, client)
                && call.arg(0).is_some_and(|c| cx.is_background_context(c))
            {
                Some(format!(
                    "`{}.WithContext` given `{}`",
                    text(client, cx.src),
                    text(call.arg(0).unwrap(), cx.src)
                ))
            } else {
                (SENDERS.contains(&method) && cx.kind_of(client) == Kind::HttpClient)
                    .then(|| format!("`{}.{method}`", text(client, cx.src)))
            }
        } else {
            None
        };
        let Some(what) = what else {
            return Visit::Descend;
        };
        let Some(Reach {
            ctx,
            naming,
            hidden,
        }) = context_in_reach(cx, n, &mut named)
        else {
            return Visit::Descend;
        };
        let mut d = cx.diag(
            &RULE,
            n,
            match naming.is_empty() {
                true => format!("{what} does not use `{ctx}`: the request keeps running after it is cancelled"),
                false => format!("{what} does not use the function's `context.Context` parameter: the request keeps running after it is cancelled"),
            },
        );
        let fix = (!hidden).then(|| context_fix(cx, &call, &ctx)).flatten();
        d.fixes.extend(fix.map(|mut f| {
            let edits = std::sync::Arc::make_mut(&mut f.edits);
            edits.extend(naming.iter().cloned());
            edits.sort_by_key(|e| (e.start, e.end));
            f
        }));
        super::by_hand(&mut d, || match hidden {
            true => format!("the function here declares its own `{}`, which hides the context: rename one, then build the request with `http.NewRequestWithContext({ctx}, …)`", ctx.split('.').next().unwrap_or(&ctx)),
            false => format!("build the request with `http.NewRequestWithContext({ctx}, …)` and send it with the client's `Do`"),
        });
        out.push(d);
        Visit::Descend
    });
}

/// True when `x` is known to be an `*http.Request`: declared as one, made
/// by `http.NewRequest…`, or the result of a package function or the field
/// of a package type declared as one. Anything else (a logger, a value of
/// unknown type) is not asked about.
fn is_request(cx: &Context, x: Node) -> bool {
    if cx.kind_of(x) == Kind::Request {
        return true;
    }
    let Some(ty) = cx.type_of(x) else {
        return false;
    };
    ty.rsplit_once('.')
        .is_some_and(|(pkg, name)| name == "Request" && cx.imports.path_of(pkg) == Some("net/http"))
}

/// `req, err := http.NewRequest(…)` followed by `req = req.WithContext(ctx)`
/// (or `req.WithContext(ctx)` passed on, also from a field the request was
/// stored in: `s.req = req; …s.req.WithContext(ctx)`), or handed to a
/// function together with a context in reach: the context is attached
/// after all.
fn context_attached_later<'a>(
    cx: &Context<'a>,
    with_contexts: &WithContexts<'a>,
    new_request: Node<'a>,
) -> bool {
    let Some((decl, name)) = request_variable(cx, new_request) else {
        return false;
    };
    let Some(func) = enclosing_function(new_request) else {
        return false;
    };
    let Some(body) = func.field("body") else {
        return false;
    };
    // Where the request's variable occurs after it is made, read from the
    // body's names (one walk per body): a walk of the body per request
    // costs the square of a long function's length.
    let uses = cx.occurrences(body);
    let made = decl.end_byte();
    let uses_after: Vec<Node<'a>> = uses
        .of_name(name)
        .iter()
        .copied()
        .filter(|n| n.kind_name() == "identifier" && n.start_byte() > made)
        .collect();
    // The request's names: its variable, and the fields it is stored in
    // (`s.req = req`).
    let mut names = vec![name];
    let assignment = |s: &Node| s.kind_name() == "assignment_statement" && s.start_byte() > made;
    for &id in &uses_after {
        let e = outer_parens(id);
        let Some(list) = e.up() else { continue };
        let Some(stmt) = list.up().filter(assignment) else {
            continue;
        };
        if stmt.field("right").map(|r| r.id()) != Some(list.id()) {
            continue;
        }
        let i = named_children(list).position(|x| x.id() == e.id());
        let left = stmt
            .field("left")
            .zip(i)
            .and_then(|(l, i)| named_children(l).nth(i));
        names.extend(left.map(|l| cx.text(l)));
    }
    // The contexts in reach: the named `context.Context` parameters of the
    // function and of the functions around it (a request built in a
    // callback, `withRetry(func() { … do(ctx, req) })`), unless a function
    // nearer the request declares the same name.
    let mut contexts: Vec<String> = Vec::new();
    let mut nearer: Vec<Node> = Vec::new();
    let mut around = Some(func);
    while let Some(f) = around {
        contexts.extend(
            params(f, cx.src)
                .into_iter()
                .filter(|p| is_context(cx, p))
                .filter_map(|p| p.name)
                .filter(|n| n != "_" && !hidden(cx, &nearer, n)),
        );
        nearer.push(f);
        around = enclosing_function(f);
    }
    // A context in reach: a context parameter, or `r.Context()`.
    let live_context = |n: Node| {
        let n = unparen(n);
        let t = cx.text(n);
        contexts.iter().any(|c| c == t)
            || Call::of(n).is_some_and(|c| {
                c.no_args() && c.method(cx.src).is_some_and(|(_, m)| m == "Context")
            })
    };
    let is_req = |n: Node| {
        let n = unparen(n);
        n.kind_name() == "identifier" && cx.text(n) == name
    };
    let attached_by = |e: Node<'a>| {
        let Some(list) = e.up() else {
            return false;
        };
        let Some(holder) = list.up().filter(|h| h.start_byte() > made) else {
            return false;
        };
        // Returned to the caller, which may still give it a context.
        if list.kind_name() == "expression_list" && holder.kind_name() == "return_statement" {
            return true;
        }
        let Some(c) = Call::of(holder).filter(|_| list.kind_name() == "argument_list") else {
            return false;
        };
        // Handed to a package function that gives it one.
        let gives = c.function.kind_name() == "identifier" && {
            let f = cx.text(c.function);
            c.args().enumerate().any(|(i, a)| {
                is_req(a)
                    && cx
                        .index
                        .param(f, false, i)
                        .is_some_and(|p| p.attaches_context)
            })
        };
        // Handed on with a context in reach, to any function: the callee
        // can attach it (`s.opts.Do(ctx, client, req)`).
        gives || c.args().any(&live_context)
    };
    if uses_after.iter().any(|&id| attached_by(outer_parens(id))) {
        return true;
    }
    // `req.WithContext(ctx)`, `s.req.WithContext(ctx)`, not with a
    // background context.
    let calls = super::per_node(with_contexts, body, || with_context_calls(cx, &uses));
    names.iter().any(|t| {
        calls
            .get(t)
            .and_then(|at| at.last())
            .is_some_and(|&at| at > made)
    })
}

/// The `x.WithContext(ctx)` calls of each body asked about, by the body's
/// id: see [`with_context_calls`].
type WithContexts<'a> = super::PerNode<Calls<'a>>;

/// Where calls start, sorted, by the text of what they are called on.
type Calls<'a> = HashMap<&'a str, Vec<usize>>;

/// The `x.WithContext(ctx)` calls among `uses` (a body's names) not given
/// a background context, by the text of `x`: found once per body, not
/// once per request in it.
fn with_context_calls<'a>(cx: &Context<'a>, uses: &crate::syntax::Occurrences<'a>) -> Calls<'a> {
    let mut calls = Calls::new();
    for &f in uses.of_name("WithContext") {
        let call = f
            .up()
            .map(outer_parens)
            .and_then(|sel| sel.up())
            .and_then(Call::of);
        let Some(c) = call else { continue };
        if let Some((operand, "WithContext")) = c.method(cx.src) {
            if !c.arg(0).is_some_and(|a| cx.is_background_context(a)) {
                calls
                    .entry(cx.text(operand))
                    .or_default()
                    .push(c.node.start_byte());
            }
        }
    }
    calls.values_mut().for_each(|at| at.sort_unstable());
    calls
}

/// True when `arg` is a local of the function around `call` that nothing
/// but this use reads: replacing it leaves it declared and unused.
fn becomes_unused<'a>(cx: &Context<'a>, call: Node<'a>, arg: Node<'a>) -> bool {
    if arg.kind_name() != "identifier" {
        return false;
    }
    let name = cx.text(arg);
    let Some(func) = enclosing_function(call) else {
        return false;
    };
    if !cx.declared_in(func, name) {
        return false;
    }
    let uses = cx
        .occurrences(func)
        .of_name(name)
        .iter()
        .filter(|n| n.kind_name() == "identifier")
        .count();
    // Its declaration and this use.
    uses <= 2
}

/// `req, err := http.NewRequest(…)` (or `=`): the statement, and the
/// variable the request goes to.
fn request_variable<'a>(cx: &Context<'a>, new_request: Node<'a>) -> Option<(Node<'a>, &'a str)> {
    let decl = new_request.up().and_then(|l| l.up())?;
    let name = decl
        .field("left")
        .and_then(|l| crate::syntax::named_children(l).next())
        .map(|n| cx.text(n))?;
    Some((decl, name))
}

/// `u, err := http.NewRequest(…)` whose request is only read or set
/// field by field (`r.URL = u.URL`) and never goes anywhere: no call is
/// given it, nothing stores it. A request built to parse a URL or a header
/// sends nothing. Nor does one that writes itself to a conn (`req.Write(bw)`,
/// `WriteProxy`) and is read back with `http.ReadResponse(br, req)`: neither
/// looks at a context (the conn's deadlines bound that exchange).
fn never_sent<'a>(cx: &Context<'a>, new_request: Node<'a>) -> bool {
    let Some((decl, name)) = request_variable(cx, new_request) else {
        return false;
    };
    if decl.kind_name() != "short_var_declaration" {
        return false;
    }
    let Some(body) = enclosing_function(new_request).and_then(|f| f.field("body")) else {
        return false;
    };
    let uses = cx.occurrences(body);
    let sent = |n: &Node| {
        let Some(p) = n.up() else { return true };
        match p.kind_name() {
            // `req.Header`, `req.Write(bw)`: a field or method of its own.
            "selector_expression" => p.field("operand").map(|o| o.id()) != Some(n.id()),
            // `http.ReadResponse(br, req)` only reads what answered it.
            "argument_list" => !p.up().and_then(crate::syntax::Call::of).is_some_and(|c| {
                cx.imports.member(c.function, cx.src, "net/http") == Some("ReadResponse")
            }),
            _ => true,
        }
    };
    !uses
        .of_name(name)
        .iter()
        .filter(|n| n.kind_name() == "identifier" && n.start_byte() >= decl.end_byte())
        .any(sent)
}

/// The context in reach: how code names it, and the edits that give the
/// `context.Context` parameter a name when it has none (or is `_`).
#[derive(Clone)]
struct Reach {
    ctx: String,
    naming: Vec<crate::diagnostic::Edit>,
    /// A function nearer the request declares the same name: the context
    /// is in reach, but not by that name (no fix).
    hidden: bool,
}

/// How the context in reach is named: `r.Context()` in a handler (or any
/// function with a named `*http.Request`), else the `context.Context`
/// parameter. A context parameter with no name, or named `_`, is still in
/// reach: it is named (`ctx` when free; unnamed siblings become `_`, as Go
/// wants all or none named), once per function (`named`).
///
/// A function nearer `at` that declares the same name (`func(ctx string)`
/// in a callback) hides it: the context is in reach, but not by its name
/// there ([`Reach::hidden`]).
fn context_in_reach(
    cx: &Context,
    at: Node,
    named: &mut HashMap<usize, Option<Reach>>,
) -> Option<Reach> {
    let mut nearer: Vec<Node> = Vec::new();
    let mut f = enclosing_function(at);
    while let Some(func) = f {
        let found = named
            .entry(func.id())
            .or_insert_with(|| reach_of(cx, func))
            .clone();
        if let Some(mut reach) = found {
            let root = reach.ctx.split('.').next().unwrap_or(&reach.ctx);
            reach.hidden = hidden(cx, &nearer, root);
            return Some(reach);
        }
        nearer.push(func);
        f = enclosing_function(func);
    }
    None
}

/// True when one of the functions `nearer` a use than the one that
/// declares `name` declares it again: the use names that one.
fn hidden(cx: &Context, nearer: &[Node], name: &str) -> bool {
    nearer.iter().any(|f| cx.declared_in(*f, name))
}

/// True for a parameter of type `context.Context`.
fn is_context(cx: &Context, p: &Param) -> bool {
    cx.imports.type_member(p.ty, cx.src, "context") == Some(("Context", false))
}

fn reach_of(cx: &Context, func: Node) -> Option<Reach> {
    let params = params(func, cx.src);
    for p in &params {
        match (&p.name, of_type(p.ty, cx.src, cx.imports)) {
            (Some(name), Kind::Request) if name != "_" => {
                return Some(Reach {
                    ctx: format!("{name}.Context()"),
                    naming: Vec::new(),
                    hidden: false,
                })
            }
            (Some(name), _) if name != "_" && is_context(cx, p) => {
                return Some(Reach {
                    ctx: name.to_string(),
                    naming: Vec::new(),
                    hidden: false,
                })
            }
            _ => {}
        }
    }
    let unnamed = params.iter().find(|p| is_context(cx, p))?;
    let ctx = cx.fresh_name(func, &["ctx", "reqCtx"]);
    fn decl<'t>(p: &Param<'t>) -> Option<Node<'t>> {
        p.ty.up()
            .filter(|d| d.kind_name().ends_with("parameter_declaration"))
    }
    let naming = match decl(unnamed)?.field("name") {
        // `_ context.Context`: the blank name is replaced.
        Some(blank) => vec![crate::fix::edit(
            cx.file,
            blank.start_byte(),
            blank.end_byte(),
            ctx.clone(),
        )],
        // `(context.Context, string)`: every parameter gets a name.
        None => params
            .iter()
            .map(|p| {
                let at = decl(p)?.start_byte();
                let name = match p.ty.id() == unnamed.ty.id() {
                    true => format!("{ctx} "),
                    false => "_ ".to_string(),
                };
                Some(crate::fix::edit(cx.file, at, at, name))
            })
            .collect::<Option<Vec<_>>>()?,
    };
    Some(Reach {
        ctx,
        naming,
        hidden: false,
    })
}

/// The fix: the context goes into the request. `NewRequest` gains it as its
/// first argument; a background context is replaced; `Get`/`Head`/`Post`/
/// `PostForm` become `NewRequestWithContext` + the same client's `Do`, when
/// the call is a whole `resp, err := …` statement whose error can be handled
/// like the function already handles it.
fn context_fix<'a>(cx: &Context<'a>, call: &Call<'a>, ctx: &str) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::Applicability::Safe;
    use crate::fix::{edit, fix};
    let http_name = cx.imports.member(call.function, cx.src, "net/http");
    let method = call.method(cx.src);
    match (http_name, method) {
        (Some("NewRequest"), _) => {
            let name = call.function.field("field")?;
            let args = call.node.field("arguments")?;
            let open = args.start_byte() + 1;
            return Some(fix(
                format!("Pass `{ctx}` with `http.NewRequestWithContext`"),
                true,
                Safe,
                vec![
                    edit(
                        cx.file,
                        name.start_byte(),
                        name.end_byte(),
                        "NewRequestWithContext",
                    ),
                    edit(cx.file, open, open, format!("{ctx}, ")),
                ],
            ));
        }
        (Some("NewRequestWithContext"), _) | (None, Some((_, "WithContext"))) => {
            let arg = call.arg(0)?;
            // `bg := context.Background()` used only here would be left
            // declared and unused, which does not compile.
            if becomes_unused(cx, call.node, unparen(arg)) {
                return None;
            }
            // A file with both `context` and a stand-in for it: the import
            // that may go unused is the one this call names.
            let named = crate::syntax::Call::of(unparen(arg))
                .and_then(|c| c.function.field("operand"))
                .map(|o| cx.text(o));
            if named.is_some_and(|n| {
                cx.imports.path_of(n) == Some("context")
                    && cx.imports.spec_of("context").map(|(_, _, local)| local) != Some(n)
            }) {
                return None;
            }
            let mut edits = vec![edit(cx.file, arg.start_byte(), arg.end_byte(), ctx)];
            let drop = cx.import_uses("context").and_then(|uses| {
                crate::fix::drop_import_if_unused(
                    cx.file,
                    cx.imports,
                    "context",
                    uses,
                    &[(arg.start_byte(), arg.end_byte())],
                )
            });
            let mut unused_import = None;
            match drop {
                Some(Ok(e)) => edits.push(e),
                Some(Err(d)) => unused_import = Some(d),
                None => {}
            }
            let mut f = fix(format!("Use `{ctx}`"), true, Safe, edits);
            f.unused_import = unused_import;
            return Some(f);
        }
        _ => {}
    }
    let (client, verb) = match (http_name, method) {
        (Some(v), _) => (None, v),
        (None, Some((client, v))) => (Some(cx.text(client)), v),
        _ => return None,
    };
    let (hq, _) = cx.import("net/http");
    let client = client.map_or(format!("{hq}DefaultClient"), str::to_string);
    // The statement: `resp, err := call` or `resp, err = call`.
    let stmt = call.node.up()?.up()?;
    if crate::syntax::statement_of(stmt) != Some(stmt) {
        return None; // an `if` initializer, a `for` clause: no room for the check
    }
    let op = match stmt.kind_name() {
        "short_var_declaration" => ":=",
        "assignment_statement" if stmt.field("operator").map(|o| cx.text(o)) == Some("=") => "=",
        _ => return None,
    };
    if crate::syntax::named_children(stmt.field("right")?).count() != 1 {
        return None;
    }
    let left: Vec<Node> = crate::syntax::named_children(stmt.field("left")?).collect();
    let [_, err_node] = left[..] else { return None };
    let err = cx.text(err_node);
    if err == "_" {
        return None;
    }
    let func = enclosing_function(stmt)?;
    let indent = crate::fix::statement_indent(cx.file, stmt.start_byte())?.to_string();
    let on_error = error_handling(cx, stmt, func, err, &indent)?;
    let req = cx.fresh_name(func, &["req", "outReq", "upstreamReq"]);
    // gofmt spaces `a + b` differently as one of several arguments: an
    // operator expression becomes a local first.
    let mut lines = Vec::new();
    let url_arg = call.arg(0)?;
    let url = if unparen(url_arg).kind_name() == "binary_expression" {
        let name = cx.fresh_name(func, &["target", "endpoint", "upstreamURL"]);
        // A statement's expression now: spaced as gofmt spaces those.
        lines.push(format!(
            "{name} := {}",
            crate::fix::expr_at_depth(url_arg, cx.src, 1)
        ));
        name
    } else {
        cx.text(url_arg).to_string()
    };
    let mut edits = Vec::new();
    let (body, content_type) = match verb {
        "Get" | "Head" => ("nil".to_string(), None),
        "Post" => (
            cx.text(call.arg(2)?).to_string(),
            Some(cx.text(call.arg(1)?).to_string()),
        ),
        "PostForm" => {
            let (sq, simp) = cx.import("strings");
            edits.extend(simp);
            (
                format!("{sq}NewReader({}.Encode())", cx.text(call.arg(1)?)),
                Some("\"application/x-www-form-urlencoded\"".to_string()),
            )
        }
        _ => return None,
    };
    let http_method = match verb {
        "Get" => "MethodGet",
        "Head" => "MethodHead",
        _ => "MethodPost",
    };
    if op == "=" {
        lines.push(format!("var {req} *{hq}Request"));
    }
    lines.push(format!(
        "{req}, {err} {op} {hq}NewRequestWithContext({ctx}, {hq}{http_method}, {url}, {body})"
    ));
    lines.push(format!("if {err} != nil {{\n{on_error}\n{indent}}}"));
    if let Some(ct) = content_type {
        lines.push(format!("{req}.Header.Set(\"Content-Type\", {ct})"));
    }
    let lhs = cx.text(stmt.field("left")?);
    lines.push(format!("{lhs} {op} {client}.Do({req})"));
    edits.push(edit(
        cx.file,
        stmt.start_byte(),
        stmt.end_byte(),
        lines.join(&format!("\n{indent}")),
    ));
    Some(fix(
        format!("Send it with `{client}.Do` and `{ctx}`"),
        true,
        Safe,
        edits,
    ))
}

/// The body of the new `if err != nil { … }`, each line indented one level
/// deeper than `indent`: a copy of the check that follows the call, else
/// `http.Error(w, …, 500)` + `return` in a handler, else `return err` when the
/// function returns only an error.
fn error_handling(cx: &Context, stmt: Node, func: Node, err: &str, indent: &str) -> Option<String> {
    if let Some(next) = crate::syntax::next_statement(stmt) {
        if next.kind_name() == "if_statement" && next.field("initializer").is_none() {
            let cond = next.field("condition").map(|c| cx.text(c));
            if cond == Some(&format!("{err} != nil")) {
                let block = next.field("consequence")?;
                let last = crate::syntax::statements(block).last().copied();
                let leaves = last.is_some_and(|l| {
                    matches!(
                        l.kind_name(),
                        "return_statement"
                            | "continue_statement"
                            | "break_statement"
                            | "goto_statement"
                    ) || crate::syntax::statement_call(l).is_some_and(|c| {
                        let f = cx.text(c.function);
                        f == "panic"
                            || f.ends_with(".Fatal")
                            || f.ends_with(".Fatalf")
                            || f.ends_with(".Fatalln")
                    })
                });
                let inner = if leaves { cx.text(block) } else { "" };
                let inner = inner.strip_prefix('{')?.strip_suffix('}')?;
                let inner = inner.trim_matches('\n').trim_end();
                if !inner.trim().is_empty() {
                    return Some(inner.to_string());
                }
            }
        }
    }
    let ps = params(func, cx.src);
    if let Some(w) = ps
        .iter()
        .find(|p| of_type(p.ty, cx.src, cx.imports) == Kind::Writer)
        .and_then(|p| p.name.clone())
    {
        if func.field("result").is_none() {
            let (hq, _) = cx.import("net/http");
            return Some(format!(
                "{indent}\t{hq}Error({w}, {err}.Error(), {hq}StatusInternalServerError)\n{indent}\treturn"
            ));
        }
    }
    let result = func.field("result").map(|r| cx.text(r));
    (result == Some("error")).then(|| format!("{indent}\treturn {err}"))
}

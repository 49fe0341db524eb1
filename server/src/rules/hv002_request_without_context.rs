//! HV002 request-without-context.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::handlers::params;
use crate::syntax::types::{of_type, Kind};
use crate::syntax::{enclosing_function, text, visit, Call, Visit};
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
`context.TODO()`.

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
`http.NewRequest`, the context argument is inserted.
"#,
    check,
};

const SENDERS: &[&str] = &["Get", "Head", "Post", "PostForm"];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.imports.has("net/http") {
        return;
    }
    let http = "net/http";
    cx.visit_scope(|n| {
        let Some(call) = Call::of(n) else {
            return Visit::Descend;
        };
        let what = if let Some(name) = cx.imports.member(call.function, cx.src, http) {
            match name {
                _ if SENDERS.contains(&name) => Some(format!("`http.{name}`")),
                "NewRequest" if !context_attached_later(cx, n) => {
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
            if method == "WithContext" && call.arg(0).is_some_and(|c| cx.is_background_context(c)) {
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
        let Some(ctx) = context_in_reach(cx, n) else {
            return Visit::Descend;
        };
        out.push(cx.diag(
            &RULE,
            n,
            format!("{what} does not use {ctx}: the request keeps running after it is cancelled"),
        ));
        Visit::Descend
    });
}

/// `req, err := http.NewRequest(…)` followed by `req = req.WithContext(ctx)`
/// (or `req.WithContext(ctx)` passed on): the context is attached after all.
fn context_attached_later(cx: &Context, new_request: Node) -> bool {
    let Some(decl) = new_request.parent().and_then(|l| l.parent()) else {
        return false;
    };
    let Some(name) = decl
        .child_by_field_name("left")
        .and_then(|l| crate::syntax::named_children(l).next())
        .map(|n| cx.text(n))
    else {
        return false;
    };
    let Some(body) = enclosing_function(new_request).and_then(|f| f.child_by_field_name("body"))
    else {
        return false;
    };
    let mut attached = false;
    visit(body, |n| {
        if n.start_byte() > decl.end_byte() {
            if let Some((operand, "WithContext")) = Call::of(n).and_then(|c| c.method(cx.src)) {
                let bg = Call::of(n)
                    .and_then(|c| c.arg(0))
                    .is_some_and(|a| cx.is_background_context(a));
                if cx.text(operand) == name && !bg {
                    attached = true;
                    return Visit::Stop;
                }
            }
        }
        Visit::Descend
    });
    attached
}

/// How the context in reach is named: `r.Context()` in a handler (or any
/// function with a named `*http.Request`), else the `context.Context` parameter.
fn context_in_reach(cx: &Context, at: Node) -> Option<String> {
    let mut f = enclosing_function(at);
    while let Some(func) = f {
        for p in params(func, cx.src) {
            let Some(name) = &p.name else { continue };
            match of_type(p.ty, cx.src, cx.imports) {
                Kind::Request => return Some(format!("`{name}.Context()`")),
                _ if cx.imports.type_member(p.ty, cx.src, "context")
                    == Some(("Context", false)) =>
                {
                    return Some(format!("`{name}`"))
                }
                _ => {}
            }
        }
        f = enclosing_function(func);
    }
    None
}

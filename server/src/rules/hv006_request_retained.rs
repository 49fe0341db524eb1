//! HV006 request-retained.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::handlers::Handler;
use crate::syntax::scope::{literal_values, RETAINED_REQUEST};
use crate::syntax::NodeKind;
use crate::syntax::{
    is_function, mentions, named_children, root_ident, text, unparen, visit, Call, Visit,
};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV006",
    name: "request-retained",
    summary: "The *http.Request is stored where it outlives the handler",
    docs: r#"## What it does
Reports a handler that stores its `*http.Request` (or the request's `Body`)
where it outlives the handler — appended to or assigned into a struct field,
a package-level variable or a map, sent on a channel, or captured by a
closure that is stored for later (a closure whose own parameter is named
`r` captures nothing) — when something may read what dies with
the handler after it returns: the body, the context (`Context()`), form and
multipart parsing, `GetBody`. That is, when a function of the file that uses
the place reads one of these (itself, or in a package function it hands a
value to) or returns the place, when a function of another file of the
package uses the place and reads one of these, when the place is exported
or holds values as `any` (a `sync.Map`, a list), and always for a stored
body. A field of a package type is followed through values of that type
only: `u.entries` of an `uploadQueue` read for its bodies says nothing about
`a.entries` of an `auditLog`. A request kept only for its method, URL,
headers or `RemoteAddr`,
which stay valid, is left alone, as is a request stored in a value the
handler gives its writer too (`c.res = w; c.req = r`, `c.response.reset(w)`,
`ctx.writer.BeginResponse(w)`):
a framework's per-request context, made for this request, unless it is a
package variable.

## Why is this bad?
When the handler returns, the server closes the body and cancels the
request's context. Code that later reads the stored request gets a closed
body and a cancelled context, or races with the server over the connection.

## Example
```go
func (q *queue) enqueue(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	q.pending = append(q.pending, r)
	q.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}
```

## Use instead
Read what is needed now, and store a copy that does not depend on the
handler:
```go
func (q *queue) enqueue(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	detached := r.Clone(context.WithoutCancel(r.Context()))
	detached.Body = io.NopCloser(bytes.NewReader(body))
	q.mu.Lock()
	q.pending = append(q.pending, detached)
	q.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}
```

## Fix
Stores a detached copy: the body is read now (400 on failure, before any
lock the store runs under), the request is cloned onto a context that is not
cancelled when the handler returns (`context.WithoutCancel(r.Context())` when
the module's `go` line is 1.21 or later, `context.Background()` before), and
the clone gets an in-memory body, so the stored type does not change and later
readers keep working.
"#,
    // Left out of `_test.go` files: a test's handler that keeps the request is a test double recording what it was sent (method, URL, headers) for the test to check.
    in_tests: false,
    check,
    facts: Some(collect),
};

const STORE_METHODS: &[&str] = &["Store", "LoadOrStore", "Swap", "PushBack", "PushFront"];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Whether a place is read after a handler returns, by its name (the
    // file is walked once per place, not once per store).
    let mut read = Reads::default();
    for h in cx.handlers() {
        let Some(r) = &h.request else { continue };
        if !cx.body_may_name(h.body, r) {
            continue;
        }
        let requests = cx.aliases(h.func, std::slice::from_ref(r), RETAINED_REQUEST);
        // The values that receive the handler's writer too, found at the
        // first store.
        let mut contexts: Option<HashSet<&str>> = None;
        let storing = crate::kinds!(
            "func_literal",
            "assignment_statement",
            "send_statement",
            "expression_statement"
        );
        crate::syntax::visit_kinds(h.body, storing, |n| {
            if n.kind_name() == "func_literal" && cx.is_handler(n) {
                return Visit::Skip;
            }
            let place = match n.kind_name() {
                "assignment_statement" => stored_by_assignment(cx, h, n, &requests),
                "send_statement" => n
                    .field("value")
                    .filter(|v| retains(cx, *v, &requests))
                    .and(n.field("channel"))
                    .map(|c| Stored {
                        place: format!("channel `{}`", cx.text(c)),
                        at: At::Place(c),
                    }),
                "expression_statement" => stored_by_call(cx, h, n, &requests),
                _ => None,
            };
            let place = place
                .filter(|p| {
                    let ctxs = contexts.get_or_insert_with(|| per_request_values(cx, h));
                    !matches!(p.at, At::Place(at) if holder(cx, at).is_some_and(|v| ctxs.contains(v)))
                })
                .filter(|p| read_after_return(cx, h, n, p, &requests, &mut read));
            match place {
                Some(Stored { place, .. }) => {
                    let mut d = cx.diag(
                        &RULE,
                        n,
                        format!(
                            "handler `{}` keeps request `{r}` in {place}: its body is closed and its context cancelled when the handler returns",
                            h.name
                        ),
                    );
                    d.fixes.extend(detach_fix(cx, h, n, &requests));
                    super::by_hand(&mut d, || {
                        format!("keep only what is needed from `{r}` (read its body and copy its fields before the handler returns), or store `{r}.Clone(context.WithoutCancel({r}.Context()))`")
                    });
                    out.push(d);
                    Visit::Skip
                }
                None => Visit::Descend,
            }
        });
    }
}

/// The value a field is selected from: `c` of `c.req` or `c.ctx.req`;
/// `None` for a place that is no field.
fn holder<'a>(cx: &Context<'a>, place: Node<'a>) -> Option<&'a str> {
    let place = unparen(place);
    (place.kind_name() == "selector_expression")
        .then(|| root_ident(place))
        .flatten()
        .map(|n| cx.text(n))
}

/// The locals, parameters and receivers (of `h` or a function around it)
/// that handler `h` gives its writer as well as its request: `c.res = w`,
/// `c.response.reset(w)` (a setter of a field).
/// Such a value is the request's own context (a framework's `Reset(w, r)`,
/// an event wrapping both), made for this request and done with it; the
/// request stored in it does not outlive the handler because of it. A
/// package variable is shared by every request, and is not one.
fn per_request_values<'a>(cx: &Context<'a>, h: &Handler<'a>) -> HashSet<&'a str> {
    let mut out = HashSet::new();
    let Some(w) = &h.writer else {
        return out;
    };
    let writers = cx.aliases(
        h.func,
        std::slice::from_ref(w),
        crate::syntax::scope::WRITER,
    );
    let is_writer =
        |v: Node| crate::syntax::scope::derives(v, &writers, cx.src, crate::syntax::scope::WRITER);
    visit(h.body, |n| {
        match n.kind_name() {
            "assignment_statement" => {
                let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                    return Visit::Descend;
                };
                for (l, v) in named_children(left).zip(named_children(right)) {
                    if let Some(root) = holder(cx, l).filter(|_| is_writer(v)) {
                        out.insert(root);
                    }
                }
            }
            "call_expression" => {
                let Some(call) = Call::of(n) else {
                    return Visit::Descend;
                };
                // A setter of one of its fields: `c.response.reset(w)`,
                // `ctx.writer.BeginResponse(w)` (not
                // `s.render(w, x)`, a server's helper that only writes).
                let setter = call.function.kind_name() == "selector_expression"
                    && call
                        .function
                        .field("operand")
                        .is_some_and(|o| unparen(o).kind_name() == "selector_expression")
                    && call.function.field("field").is_some_and(|m| {
                        let m = cx.text(m).to_ascii_lowercase();
                        ["reset", "set", "init", "begin"]
                            .iter()
                            .any(|p| m.starts_with(p))
                    });
                if setter && call.args().any(&is_writer) {
                    if let Some(root) = holder(cx, call.function) {
                        out.insert(root);
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    // A package variable is no request's own.
    out.retain(|v| {
        std::iter::successors(Some(h.func), |f| crate::syntax::enclosing_function(*f))
            .any(|f| cx.declared_in(f, v))
    });
    out
}

/// Where a handler stores its request: how the message names the place,
/// and where that is.
struct Stored<'a> {
    place: String,
    at: At<'a>,
}

enum At<'a> {
    /// A field, a variable, a map or a channel (`s.f`, `v`, `m[k]`, `ch`).
    Place(Node<'a>),
    /// A closure run later (the `func` literal).
    Later(Node<'a>),
    /// A value stored as `any` (a `sync.Map`, a list): its readers are out
    /// of sight.
    OutOfSight,
}

/// `x = …r…` where `x` outlives the handler.
fn stored_by_assignment<'a>(
    cx: &Context<'a>,
    h: &Handler,
    n: Node<'a>,
    requests: &HashSet<String>,
) -> Option<Stored<'a>> {
    let left: Vec<Node> = named_children(n.field("left")?).collect();
    let right: Vec<Node> = named_children(n.field("right")?).collect();
    if left.len() != right.len() {
        return None;
    }
    left.iter().zip(&right).find_map(|(l, v)| {
        (retains(cx, *v, requests) && outlives_handler(cx, h, *l)).then(|| Stored {
            place: format!("`{}`", cx.text(*l)),
            at: At::Place(*l),
        })
    })
}

/// `m.Store(k, r)`, `l.PushBack(r)`, `time.AfterFunc(d, func() { …r… })`.
fn stored_by_call<'a>(
    cx: &Context<'a>,
    h: &Handler,
    n: Node<'a>,
    requests: &HashSet<String>,
) -> Option<Stored<'a>> {
    let call = crate::syntax::statement_call(n)?;
    if cx
        .imports
        .is_member(call.function, cx.src, "time", "AfterFunc")
    {
        let f = call.arg(1)?;
        return (f.kind_name() == "func_literal" && captures(cx, f, requests)).then(|| Stored {
            place: "a closure run later by `time.AfterFunc`".to_string(),
            at: At::Later(f),
        });
    }
    let (operand, method) = call.method(cx.src)?;
    if !STORE_METHODS.contains(&method) || !outlives_handler(cx, h, operand) {
        return None;
    }
    call.args()
        .any(|a| retains(cx, a, requests))
        .then(|| Stored {
            place: format!("`{}`", cx.text(operand)),
            at: At::OutOfSight,
        })
}

/// True when a stored request is worth a finding: something may read what
/// dies with the handler after it returns. That holds for a stored body;
/// for a closure run later that reads it; for a place whose readers the
/// package cannot see (exported, or a value stored as `any`); and for a
/// place that a function of the package reads while it reads a request's body,
/// context or form (itself, or through a package function it hands a value
/// to), or hands out (returns).
fn read_after_return<'a>(
    cx: &Context<'a>,
    h: &Handler,
    stmt: Node,
    stored: &Stored,
    requests: &HashSet<String>,
    read: &mut Reads<'a>,
) -> bool {
    let stores_body = crate::syntax::any(stmt, |n| {
        n.kind_name() == "selector_expression"
            && n.field("field").map(|f| cx.text(f)) == Some("Body")
            && n.field("operand")
                .is_some_and(|o| requests.contains(cx.text(unparen(o))))
    });
    // A closure stored with the request in it reads what dies when it runs
    // later: `q.tasks = append(q.tasks, func() { use(r.FormValue("id")) })`.
    let stores_reading_closure = || {
        crate::syntax::any(stmt, |n| {
            n.kind_name() == "func_literal" && captures(cx, n, requests) && reads_dying(cx, n)
        })
    };
    if stores_body || stores_reading_closure() {
        return true;
    }
    let at = match stored.at {
        At::Place(at) => at,
        At::Later(f) => return reads_dying(cx, f) || functions_in_reach(cx, f),
        At::OutOfSight => return true,
    };
    // The place's name: a field, a variable, a map or a channel.
    let Some(key) = place_name(cx, at) else {
        return true;
    };
    if key.starts_with(|c: char| c.is_uppercase()) {
        return true;
    }
    // A field of a package type is the same place only through a value of
    // that type: `q.reqs` of a `queue` is not `b.reqs` of a `batch`.
    let owner = owner_type(cx, at);
    let memo = match &owner {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    };
    if let Some(known) = read.known.get(&memo) {
        return *known;
    }
    // A function of the file that uses the place (but the storing one) and
    // reads what dies, returns the place, or hands a value to a package
    // function that reads what dies. Only declarations whose text names
    // the place are walked, and the walk stops at the first such reader.
    let reader = |f: Node| {
        f.id() != h.func.id()
            && owner
                .as_deref()
                .is_none_or(|t| names_field_of(cx, f, key, t))
            && (reads_dying(cx, f)
                || crate::syntax::any_no_funcs(f, |n| {
                    n.kind_name() == "return_statement"
                        && named_children(n)
                            .flat_map(named_children)
                            .chain(named_children(n))
                            .any(|e| place_name(cx, e) == Some(key))
                })
                || functions_in_reach(cx, f))
    };
    let found = read.any_user(cx, key, reader)
        // A function of another file of the package that reads what dies
        // and names the place.
        || cx.index.files.iter().any(|s| {
            s.path.as_deref() != Some(&*cx.file.path)
                && s.facts.of::<DyingReadersUse>().any(|d| d.0.contains(key))
        });
    read.known.insert(memo, found);
    found
}

/// The package type whose field the place `e` (`x.f`, `x.f[k]`) is, when
/// the type of `x` is known.
fn owner_type(cx: &Context, e: Node) -> Option<String> {
    let e = crate::syntax::indexed(e)?;
    (e.kind_name() == "selector_expression")
        .then(|| cx.type_of(e.field("operand")?))
        .flatten()
}

/// True when `func` names field `field` through a value of type `owner`,
/// or of a type it cannot tell.
fn names_field_of(cx: &Context, func: Node, field: &str, owner: &str) -> bool {
    crate::syntax::any(func, |n| {
        n.kind_name() == "selector_expression"
            && n.field("field").is_some_and(|f| cx.text(f) == field)
            && n.field("operand")
                .is_none_or(|o| cx.type_of(o).is_none_or(|t| t == owner))
    })
}

/// What [`read_after_return`] learnt in one check: whether each place is
/// read after a handler returns, and, once many names were asked, which
/// functions use each name.
#[derive(Default)]
struct Reads<'a> {
    known: HashMap<String, bool>,
    users: Option<Users<'a>>,
}

/// For each name (a variable or a field), the functions whose own bodies
/// use it (not through a literal inside them).
type Users<'a> = HashMap<&'a str, Vec<Node<'a>>>;

/// Up to this many names, each is looked for in the declarations whose
/// text holds it, stopping at the first function that passes (in the
/// editor, the file's other declarations are mostly not walked); past it,
/// the whole file is read once for the users of every name, so that many
/// names do not walk the file once each.
const FEW_NAMES: usize = 16;

impl<'a> Reads<'a> {
    /// True when a function of the file whose own body uses `key` passes `f`.
    fn any_user(&mut self, cx: &Context<'a>, key: &str, f: impl Fn(Node<'a>) -> bool) -> bool {
        if self.known.len() < FEW_NAMES {
            return cx
                .file
                .top_level()
                .filter(|d| cx.text(*d).contains(key))
                .any(|d| {
                    crate::syntax::any(d, |n| {
                        is_function(n)
                            && n.field("body").is_some_and(|b| {
                                crate::syntax::any_no_funcs(b, |m| {
                                    matches!(m.kind_name(), "identifier" | "field_identifier")
                                        && cx.text(m) == key
                                })
                            })
                            && f(n)
                    })
                });
        }
        let users = self.users.get_or_insert_with(|| {
            let mut all = Users::new();
            for d in cx.file.top_level() {
                users_in(cx, d, &mut all);
            }
            all
        });
        users.get(key).is_some_and(|fs| fs.iter().any(|n| f(*n)))
    }
}

/// Adds the users of each name in declaration `d` to `users`: one walk.
fn users_in<'a>(cx: &Context<'a>, d: Node<'a>, users: &mut Users<'a>) {
    // The functions around the node visited, innermost last, each with its
    // body's end.
    let mut around: Vec<(Node<'a>, usize)> = Vec::new();
    crate::syntax::visit(d, |n| {
        while around.last().is_some_and(|(_, end)| n.start_byte() >= *end) {
            around.pop();
        }
        if is_function(n) {
            if let Some(b) = n.field("body") {
                around.push((n, b.end_byte()));
            }
            return Visit::Descend;
        }
        if matches!(n.kind_name(), "identifier" | "field_identifier") {
            if let Some((f, _)) = around.last() {
                let in_body = f
                    .field("body")
                    .is_some_and(|b| n.start_byte() >= b.start_byte());
                let fs = users.entry(cx.text(n)).or_default();
                if in_body && fs.last().is_none_or(|l| l.id() != f.id()) {
                    fs.push(*f);
                }
            }
        }
        Visit::Descend
    });
}

/// The name of a place: `v`, `x.f`, `m[k]` (`v`, `f`, `m`).
fn place_name<'a>(cx: &Context<'a>, e: Node) -> Option<&'a str> {
    let e = crate::syntax::indexed(e)?;
    let name = match e.kind_name() {
        "selector_expression" => e.field("field")?,
        "identifier" => e,
        _ => return None,
    };
    Some(cx.text(name))
}

/// True when `func` hands a value to a function of this file (by name)
/// that reads a request's body, context or form.
fn functions_in_reach(cx: &Context, func: Node) -> bool {
    let mut called = Vec::new();
    crate::syntax::visit_no_funcs(func, |n| {
        if let Some(call) = Call::of(n).filter(|c| !c.no_args()) {
            let name = match call.function.kind_name() {
                "identifier" => Some(call.function),
                "selector_expression" => call.function.field("field"),
                _ => None,
            };
            called.extend(name.map(|f| cx.text(f)));
        }
        Visit::Descend
    });
    if called.is_empty() {
        return false;
    }
    called.sort_unstable();
    called.dedup();
    called
        .iter()
        .flat_map(|name| cx.declared_functions(name))
        .any(|d| reads_dying(cx, *d))
}

/// True when `func`'s own body reads a body, a context or a form.
fn reads_dying(cx: &Context, func: Node) -> bool {
    crate::syntax::any_no_funcs(func, |n| {
        n.kind_name() == "selector_expression"
            && n.field("field")
                .is_some_and(|f| crate::syntax::http::dies_with_handler(cx.text(f)))
    })
}

/// True when the place (`s.f`, `pkgVar`, `m[k]`) lives beyond the handler:
/// rooted at the receiver, a parameter-less package variable or a captured
/// variable, not at a local of the handler.
fn outlives_handler(cx: &Context, h: &Handler, place: Node) -> bool {
    let place = unparen(place);
    let Some(root) = root_ident(place) else {
        return false;
    };
    let name = cx.text(root);
    if name == "_" {
        return false;
    }
    if h.receiver.as_ref().is_some_and(|r| r.name == name) {
        return place.kind_name() != "identifier";
    }
    if cx.declared_around(h.func, place, name) {
        return false;
    }
    // A package variable, or a variable captured from the function around a
    // handler literal: both are shared by every request.
    cx.index.var(name).is_some() || cx.is_local(h.func, name)
}

/// True when the value keeps the request (or its body) alive.
fn retains(cx: &Context, v: Node, requests: &HashSet<String>) -> bool {
    let v = unparen(v);
    match v.kind_name() {
        "identifier" => requests.contains(cx.text(v)),
        "selector_expression" => {
            v.field("field").map(|f| text(f, cx.src)) == Some("Body")
                && v.field("operand").is_some_and(|o| retains(cx, o, requests))
        }
        "unary_expression" => v.field("operand").is_some_and(|o| retains(cx, o, requests)),
        "composite_literal" => v
            .field("body")
            .is_some_and(|b| literal_values(b).any(|e| retains(cx, e, requests))),
        "call_expression" => {
            let Some(call) = Call::of(v) else {
                return false;
            };
            call.function.kind_name() == "identifier"
                && cx.text(call.function) == "append"
                && call.args().skip(1).any(|a| retains(cx, a, requests))
        }
        "func_literal" => captures(cx, v, requests),
        _ => false,
    }
}

fn captures(cx: &Context, f: Node, requests: &HashSet<String>) -> bool {
    requests.iter().any(|r| {
        if r.contains('.') {
            return mentions(f, cx.src, r);
        }
        // The literal's own parameters and locals shadow the handler's
        // (`u.CheckOrigin = func(r *http.Request) bool { … }`).
        let ident = crate::kinds!("identifier");
        crate::syntax::any_kind(f, ident, |n| {
            cx.text(n) == r && !cx.declared_around(f, n, r)
        })
    })
}

/// The fix: store a detached copy. Before the statement (and before the lock
/// it runs under), read the body (400 on error), clone the request onto a
/// context that is not cancelled with the handler (`context.WithoutCancel`
/// from Go 1.21, `context.Background()` before) and give the clone an
/// in-memory body; the statement then stores the clone.
fn detach_fix<'a>(
    cx: &Context<'a>,
    h: &Handler<'a>,
    stmt: Node<'a>,
    requests: &HashSet<String>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix, statement_indent};
    let w = h.writer.as_deref().filter(|w| *w != "_")?;
    let r = h.request.as_deref().filter(|r| *r != "_")?;
    if crate::syntax::statement_of(stmt) != Some(stmt) {
        return None;
    }
    // The part of the statement that holds the stored value.
    let value = match stmt.kind_name() {
        "assignment_statement" => stmt.field("right")?,
        "send_statement" => stmt.field("value")?,
        _ => crate::syntax::statement_call(stmt)?
            .node
            .field("arguments")?,
    };
    let mut sites = Vec::new();
    visit(value, |n| {
        if n.kind_name() == "identifier"
            && requests.contains(cx.text(n))
            && !crate::syntax::scope::is_declaration(n)
        {
            sites.push(n);
        }
        Visit::Descend
    });
    if sites.is_empty() {
        return None;
    }
    // Insert before the lock the statement runs under, if any.
    let mut at = stmt;
    let mut prev = stmt.prev_named();
    while let Some(p) = prev {
        match crate::syntax::locks::lock_op(p, cx.src) {
            Some((_, true)) => {
                at = p;
                break;
            }
            Some((_, false)) => break,
            None => prev = p.prev_named(),
        }
    }
    let at = cx.insertion_before_writes(h, at)?;
    let func = h.func;
    let body = cx.fresh_name(func, &["body", "reqBody", "payload"]);
    let detached = cx.fresh_name(func, &["detached", "kept", "saved"]);
    let (q, imps) = cx.import_all(&["io", "bytes", "context"]);
    let (iq, bq, cq) = (&q[0], &q[1], &q[2]);
    // `WithoutCancel` is newer than `golang.org/x/net/context`, which may
    // stand for `context` here.
    let ctx = if cx.go_version().at_least(1, 21) && !cx.imports.is_stand_in("context") {
        format!("{cq}WithoutCancel({r}.Context())")
    } else {
        format!("{cq}Background()")
    };
    let indent = statement_indent(cx.file, at.start_byte())?.to_string();
    let setup = format!(
        "{body}, err := {iq}ReadAll({r}.Body)\n{indent}{}{detached} := {r}.Clone({ctx})\n{indent}{detached}.Body = {iq}NopCloser({bq}NewReader({body}))\n{indent}",
        cx.bad_request_unless("if err != nil", w, &indent)
    );
    let mut edits = vec![edit(cx.file, at.start_byte(), at.start_byte(), setup)];
    for s in sites {
        edits.push(edit(
            cx.file,
            s.start_byte(),
            s.end_byte(),
            detached.clone(),
        ));
    }
    edits.extend(imps);
    Some(fix(
        "Store a detached copy of the request",
        true,
        crate::diagnostic::Applicability::Safe,
        edits,
    ))
}

/// HV006's fact: the names (variables, fields) a function that reads what
/// dies with a handler (a request's body, context or form) uses. A request
/// a handler stores may be read after it returns from another file.
#[derive(Clone, Debug)]
pub struct DyingReadersUse(std::collections::BTreeSet<String>);

impl crate::index::Fact for DyingReadersUse {}

fn collect(at: &crate::index::Declaration, out: &mut crate::index::Facts) {
    let (decl, src) = (at.node, at.src);
    if !is_function(decl) || !crate::syntax::http::may_read_dying(at.text()) {
        return;
    }
    let reads = crate::syntax::any(decl, |n| {
        n.kind_name() == "selector_expression"
            && n.field("field")
                .is_some_and(|f| crate::syntax::http::dies_with_handler(text(f, src)))
    });
    let Some(body) = decl.field("body").filter(|_| reads) else {
        return;
    };
    let mut names = std::collections::BTreeSet::new();
    crate::syntax::visit(body, |n| {
        if matches!(n.kind_name(), "identifier" | "field_identifier") {
            names.insert(text(n, src).to_string());
        }
        crate::syntax::Visit::Descend
    });
    out.push(DyingReadersUse(names));
}

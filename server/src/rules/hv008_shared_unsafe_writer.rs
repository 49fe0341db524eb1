//! HV008 shared-unsafe-writer.

use super::{Context, Rule};
use crate::diagnostic::{Diagnostic, Related};
use crate::syntax::locks::Held;
use crate::syntax::types::Kind;
use crate::syntax::NodeKind;
use crate::syntax::{unparen, Call, Visit};
use std::collections::BTreeMap;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV008",
    name: "shared-unsafe-writer",
    summary: "A handler uses a package-level value that is unsafe for concurrent use",
    docs: r#"## What it does
Reports a handler that calls, without holding a lock, a package-level value
that is not safe for concurrent use: `*bufio.Writer` / `*bufio.Reader`,
`bytes.Buffer`, `strings.Builder`, a `*rand.Rand` from `rand.New`, hashes from
`crypto/*` and `hash/*`, `*csv.Writer`, `*tabwriter.Writer`, and
`*json.Encoder` / `*gob.Encoder` over a shared writer.

## Why is this bad?
Every request runs its handler on its own goroutine, so two requests use the
value at once. These types keep internal buffers and counters without any
locking: output interleaves or is lost, hashes are wrong, and the race
detector reports it.

## Example
```go
var accessLog = bufio.NewWriter(os.Stdout)

func home(w http.ResponseWriter, r *http.Request) {
	accessLog.WriteString(r.URL.Path + "\n")
	accessLog.Flush()
	w.Write([]byte("welcome"))
}
```

## Use instead
```go
var accessLogMu sync.Mutex

func home(w http.ResponseWriter, r *http.Request) {
	accessLogMu.Lock()
	accessLog.WriteString(r.URL.Path + "\n")
	accessLog.Flush()
	accessLogMu.Unlock()
	w.Write([]byte("welcome"))
}
```
For logging, the `log` package is already safe: `log.Printf("%s", r.URL.Path)`.

## Fix
Guards the use with a package-level `sync.Mutex` declared beside the value
(as HV007 does, in whichever file declares it). When the value is a
`bufio.Writer` over `os.Stdout` or `os.Stderr` used for logging, the
alternative writes through the `log` package instead (`fmt.Fprintf(buf, …)`
becomes `log.Printf(…)`): an unsafe fix, since the text then goes to the
log's output with its prefix.
"#,
    in_tests: true,
    check,
    facts: None,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Only a package variable of an unsafe type is shared: without one,
    // there is nothing to look for.
    let shared = cx.index.memo(super::memo::UNSAFE_VARS, || {
        cx.index
            .files
            .iter()
            .flat_map(|f| &f.vars)
            .any(|v| matches!(v.kind, Kind::Unsafe(_)))
    });
    if !shared {
        return;
    }
    let mut found: BTreeMap<usize, Diagnostic> = BTreeMap::new();
    for h in cx.handlers() {
        cx.each_statement_or_body(h, |_, stmt, held: &Held| {
            let locked = !held.is_empty();
            crate::syntax::visit_calls_no_funcs(stmt, |call| {
                let n = call.node;
                let Some((value, what)) = shared_value(cx, &call) else {
                    return Visit::Descend;
                };
                if locked {
                    found.remove(&n.start_byte());
                    return Visit::Descend;
                }
                let name = cx.text(value);
                let mut d = cx.diag(
                    &RULE,
                    n,
                    format!(
                        "`{name}` ({what}) is not safe for concurrent use, and handler `{}` uses it without holding a lock",
                        h.name
                    ),
                );
                if let Some(v) = cx.index.var(name) {
                    d.related.push(Related {
                        location: v.location.clone(),
                        message: format!("`{name}` is shared by every request").into(),
                    });
                    let g = super::guard::Guarded::Var {
                        name,
                        decl: &v.location,
                        guarded_by: None,
                    };
                    d.fixes.extend(super::guard::guard_fix(cx, h, n, g));
                    d.fixes.extend(log_fix(cx, &call, value, &v.location));
                }
                super::by_hand(&mut d, || {
                    format!("hold one `sync.Mutex` around every use of `{name}`, or give each request its own")
                });
                found.entry(n.start_byte()).or_insert(d);
                Visit::Skip
            });
        });
    }
    out.extend(found.into_values());
}

/// The shared unsafe value a call uses: as its receiver (`buf.WriteString`)
/// or as an argument (`fmt.Fprintf(buf, …)`, `fmt.Fprintf(&buf, …)`).
fn shared_value<'a>(cx: &Context<'a>, call: &Call<'a>) -> Option<(Node<'a>, &'static str)> {
    let candidates = call
        .method(cx.src)
        .map(|(operand, _)| operand)
        .into_iter()
        .chain(call.args().map(|a| {
            let a = unparen(a);
            if a.kind_name() == "unary_expression" {
                a.field("operand").map(unparen).unwrap_or(a)
            } else {
                a
            }
        }));
    for c in candidates {
        if c.kind_name() != "identifier" {
            continue;
        }
        let name = cx.text(c);
        let Some(Kind::Unsafe(what)) = cx.index.var(name).map(|v| &v.kind) else {
            continue;
        };
        if !cx.is_local(c, name) {
            return Some((c, what));
        }
    }
    None
}

/// The seed's alternative for a `bufio.Writer` over `os.Stdout`/`os.Stderr`
/// used as a log: write through the `log` package, which is safe for
/// concurrent use (`fmt.Fprintf(buf, …)` → `log.Printf(…)`,
/// `buf.WriteString(s)` → `log.Print(s)`, `buf.Flush()` dropped).
fn log_fix(
    cx: &Context,
    call: &Call,
    value: Node,
    decl: &crate::diagnostic::Location,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{edit, fix};
    if *decl.path != *cx.file.path {
        return None;
    }
    let spec = cx.file.node_for_range(decl.start.offset, decl.end.offset)?;
    let spec =
        std::iter::successors(Some(spec), |n| n.up()).find(|n| n.kind_name() == "var_spec")?;
    let init = Call::of(unparen(
        crate::syntax::named_children(spec.field("value")?).next()?,
    ))?;
    let over_std = cx
        .imports
        .is_member(init.function, cx.src, "bufio", "NewWriter")
        && init.arg(0).is_some_and(|a| {
            matches!(
                cx.imports.member(a, cx.src, "os"),
                Some("Stdout" | "Stderr")
            )
        });
    if !over_std {
        return None;
    }
    let (lq, limp) = cx.import("log");
    let args_after = |skip: usize| {
        call.args()
            .skip(skip)
            .map(|a| cx.text(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let new = if let Some(f) = cx.imports.member(call.function, cx.src, "fmt") {
        let to = match f {
            "Fprintf" => "Printf",
            "Fprintln" => "Println",
            "Fprint" => "Print",
            _ => return None,
        };
        if call.args().next().map(|a| a.id()) != Some(value.id()) {
            return None;
        }
        format!("{lq}{to}({})", args_after(1))
    } else {
        match call.method(cx.src)? {
            (op, "WriteString") if op.id() == value.id() => format!("{lq}Print({})", args_after(0)),
            (op, "Flush") if op.id() == value.id() => {
                let stmt = crate::syntax::statement_of(call.node)?;
                if stmt.kind_name() != "expression_statement" {
                    return None;
                }
                return Some(fix(
                    "Drop the flush (unsafe: only right once every write goes through the log package, which writes at once)",
                    false,
                    crate::diagnostic::Applicability::Unsafe,
                    vec![crate::fix::delete_statement(cx.file, stmt)],
                ));
            }
            _ => return None,
        }
    };
    let mut edits = vec![edit(
        cx.file,
        call.node.start_byte(),
        call.node.end_byte(),
        new,
    )];
    edits.extend(limp);
    Some(fix(
        "Write it with the log package instead (unsafe: the text goes to the log's output, with its prefix, not to this writer)",
        false,
        crate::diagnostic::Applicability::Unsafe,
        edits,
    ))
}

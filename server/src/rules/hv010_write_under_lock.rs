//! HV010 write-under-lock.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::http::writes_to_client;
use crate::syntax::locks::{lock_op, Held};
use crate::syntax::scope::{aliases, declared_names, WRITER};
use crate::syntax::{visit, visit_no_funcs, Call, Visit};
use std::collections::BTreeMap;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV010",
    name: "write-under-lock",
    summary: "A handler writes to the client while holding a lock",
    docs: r#"## What it does
Reports, in a handler, a call that writes to the client (`Write`,
`fmt.Fprint*(w, …)`, `io.Copy(w, …)`, `json.NewEncoder(w).Encode`,
`http.Error`, flushes, templates) made while a shared lock is held, including
under `Lock(); defer Unlock()`, which holds it to the end of the function.

## Why is this bad?
A write blocks until the client accepts the bytes. A slow or stalled client
then holds the lock for as long as it likes, and every other request that
needs the lock waits behind it: one slow client stalls the server.

## Example
```go
func (s *store) get(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w.Write(s.pages[r.URL.Path])
}
```

## Use instead
```go
func (s *store) get(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	page := s.pages[r.URL.Path]
	s.mu.RUnlock()
	w.Write(page)
}
```

## Fix
Takes what is needed under the lock, releases it, then writes: the
`defer Unlock()` becomes an `Unlock()` right after the last statement that
reads the guarded state, and every early return after that point runs
unlocked. A byte slice taken from a field that other goroutines mutate is
copied under the lock.
"#,
    check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(w) = &h.writer else { continue };
        if !crate::syntax::locks::takes_locks(h.body, cx.src) {
            continue;
        }
        let writers = aliases(h.func, std::slice::from_ref(w), cx.src, WRITER);
        let locals = declared_names(h.body, cx.src);
        let mut found: BTreeMap<usize, (Node, String)> = BTreeMap::new();
        cx.each_statement(h, |stmt, held: &Held| {
            let shared: Vec<&String> = held.iter().filter(|l| !is_local_lock(l, &locals)).collect();
            let Some(lock) = shared.first() else { return };
            visit_no_funcs(stmt, |n| {
                let Some(call) = Call::of(n) else {
                    return Visit::Descend;
                };
                if writes_to_client(&call, cx.src, cx.imports, &writers) {
                    found.entry(n.start_byte()).or_insert((n, lock.to_string()));
                    return Visit::Skip;
                }
                Visit::Descend
            });
        });
        for (call, lock) in found.into_values() {
            let mut d = cx.diag(
                &RULE,
                call,
                format!(
                    "`{}` writes to the client while `{lock}` is held: a slow client stalls every request that needs `{lock}`",
                    super::snippet(cx.text(call))
                ),
            );
            if let Some(l) = lock_site(cx, h.body, &lock, call) {
                d.related
                    .push(cx.related(l, format!("`{lock}` is locked here")));
            }
            out.push(d);
        }
    }
}

/// A lock whose root variable is declared in the handler: no other
/// goroutine can see it.
fn is_local_lock(lock: &str, locals: &std::collections::HashSet<String>) -> bool {
    let root = lock.split(['.', '[', '(']).next().unwrap_or(lock);
    locals.contains(root)
}

/// The last `lock.Lock()` / `lock.RLock()` statement before `at`.
fn lock_site<'a>(cx: &Context<'a>, body: Node<'a>, lock: &str, at: Node) -> Option<Node<'a>> {
    let mut site = None;
    visit(body, |n| {
        if n.start_byte() >= at.start_byte() {
            return Visit::Stop;
        }
        if let Some((l, true)) = lock_op(n, cx.src) {
            if l == lock {
                site = Some(n);
            }
        }
        Visit::Descend
    });
    site
}

//! HV010 write-under-lock.

use super::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::locks::{lock_op, Held};
use crate::syntax::scope::{declared_names, WRITER};
use crate::syntax::{visit, Call, NodeKind, Visit};
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
Setting headers writes nothing yet, and neither does a package helper that
only sets them (`setHeader(w, k, v)` doing `w.Header().Set(k, v)`), taking
the connection over (`Hijack()`), setting a deadline, or setting an encoder
up (`enc.SetIndent(…)`, `enc.SetEscapeHTML(false)`, `enc.Indent(…)`). A writer that
buffers (`tw := tabwriter.NewWriter(w, …)`, `bufio.NewWriter(w)`) reaches
the client only when flushed: its `Flush()` under the lock is the write.

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
`defer Unlock()` (or a later explicit `Unlock()`) becomes an `Unlock()` right
before the first statement that writes to the client, and every early return
before that point unlocks first. Guarded values the write takes as arguments
are read into locals under the lock; a map is copied with `maps.Clone` when
the module's Go version allows it (1.21). Not offered when statements after
that point still touch the guarded state, or for a lock captured from an
enclosing function (it may serialise the handler on purpose).
"#,
    // Left out of `_test.go` files: a test's handler has one in-process client: no slow client can stall anyone.
    in_tests: false,
    check,
    facts: None,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for h in cx.handlers() {
        let Some(w) = &h.writer else { continue };
        if !cx.takes_locks(h.body) {
            continue;
        }
        let writers = cx.aliases(h.func, std::slice::from_ref(w), WRITER);
        let buffered = buffered_wrappers(cx, h.body, &writers);
        let locals = declared_names(h.body, cx.src);
        let mut found: BTreeMap<usize, (Node, String)> = BTreeMap::new();
        let mut sites = None;
        // The fix depends on the lock and where it is taken, not on the
        // write: made once for all the writes under one `Lock()`.
        let mut fixes: std::collections::HashMap<(usize, String), Option<crate::diagnostic::Fix>> =
            Default::default();
        cx.each_statement(h, |_, stmt, held: &Held| {
            // The first shared lock held (not a list of all: a handler may
            // hold thousands at once, each to its deferred unlock).
            let Some(lock) = held.iter().find(|l| !is_local_lock(l, &locals)) else {
                return;
            };
            crate::syntax::visit_calls_no_funcs(stmt, |call| {
                let n = call.node;
                if cx.writes_to_client(&call, &writers)
                    && !only_buffers(cx, &call, &writers, &buffered)
                {
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
            let sites = sites.get_or_insert_with(|| LockSites::of(cx, h.body));
            if let Some(l) = sites.before(&lock, call) {
                d.related
                    .push(cx.related(l, format!("`{lock}` is locked here")));
                let fix = fixes
                    .entry((l.id(), lock.clone()))
                    .or_insert_with(|| unlock_first_fix(cx, h, &writers, &lock, l, sites));
                d.fixes.extend(fix.clone());
            }
            super::by_hand(&mut d, || {
                format!("copy what the write needs into locals while `{lock}` is held, unlock, then write")
            });
            out.push(d);
        }
    }
}

/// The writers of a handler that buffer what they are given until they are
/// flushed: `bw := bufio.NewWriter(w)`, `tw := tabwriter.NewWriter(w, …)`.
fn buffered_wrappers(
    cx: &Context,
    body: Node,
    writers: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    let buffers = |v: Node| {
        let Some(call) = Call::of(crate::syntax::unparen(v)) else {
            return false;
        };
        let constructor = matches!(
            cx.imports.member(call.function, cx.src, "bufio"),
            Some("NewWriter" | "NewWriterSize")
        ) || cx.imports.member(call.function, cx.src, "text/tabwriter")
            == Some("NewWriter");
        constructor
            && call.arg(0).is_some_and(|a| {
                let a = crate::syntax::unparen(a);
                a.kind_name() == "identifier" && writers.contains(cx.text(a))
            })
    };
    let mut out = std::collections::HashSet::new();
    let binding = crate::kinds!("short_var_declaration", "assignment_statement", "var_spec");
    crate::syntax::visit_kinds(body, binding, |n| {
        let pairs = match n.kind_name() {
            // `var bw = bufio.NewWriter(w)`
            "var_spec" => n
                .field("name")
                .zip(
                    n.field("value")
                        .and_then(|v| crate::syntax::named_children(v).next()),
                )
                .into_iter()
                .collect(),
            _ => crate::syntax::scope::assigned_pairs(n),
        };
        for (name, value) in pairs {
            if name.kind_name() == "identifier" && buffers(value) {
                out.insert(cx.text(name).to_string());
            }
        }
        Visit::Descend
    });
    out
}

/// True when every writer `call` names is a buffering wrapper and the call
/// is not its `Flush()`: the bytes wait in the buffer, and no client can
/// stall them (`fmt.Fprintf(tw, …)` is not a write to the client; the
/// `tw.Flush()` that follows is).
fn only_buffers(
    cx: &Context,
    call: &Call,
    writers: &std::collections::HashSet<String>,
    buffered: &std::collections::HashSet<String>,
) -> bool {
    if buffered.is_empty() {
        return false;
    }
    let named = |e: Node| {
        let e = crate::syntax::unparen(e);
        (e.kind_name() == "identifier" && writers.contains(cx.text(e))).then(|| cx.text(e))
    };
    let method = call.method(cx.src);
    let mut names: Vec<&str> = call.args().filter_map(named).collect();
    if let Some((operand, m)) = method {
        if let Some(name) = named(operand) {
            if m == "Flush" {
                return false;
            }
            names.push(name);
        }
    }
    !names.is_empty() && names.iter().all(|n| buffered.contains(*n))
}

/// A lock whose root variable is declared in the handler: no other
/// goroutine can see it.
fn is_local_lock(lock: &str, locals: &std::collections::HashSet<String>) -> bool {
    let root = lock.split(['.', '[', '(']).next().unwrap_or(lock);
    locals.contains(root)
}

/// The `Lock()` / `RLock()` statements of a body, per lock, in order, and
/// the blocks that hold them: each read once per handler, however many
/// writes under a lock it has.
struct LockSites<'a> {
    /// Each lock's `Lock()` / `RLock()` statements, in order.
    sites: std::collections::HashMap<&'a str, Vec<Node<'a>>>,
    /// The blocks asked about, by id.
    blocks: std::collections::HashMap<usize, std::rc::Rc<Block<'a>>>,
}

/// A block's statements, where each sits, and where each lock is released
/// (by lock and method), plainly or deferred.
struct Block<'a> {
    stmts: Vec<Node<'a>>,
    at: std::collections::HashMap<usize, usize>,
    releases: std::collections::HashMap<(&'a str, &'a str), Vec<usize>>,
    defers: std::collections::HashMap<(&'a str, &'a str), Vec<usize>>,
    /// Per lock, the statements already read for what the lock guards: each
    /// `Lock()` of a long block with a deferred unlock asks about the rest
    /// of it, and reads on from where the last one stopped.
    touching: std::cell::RefCell<std::collections::HashMap<String, Scanned>>,
}

/// Statements read for what one lock guards: none from `clear` up to `to`
/// touches it; `to` does when `hit`.
#[derive(Clone, Copy)]
struct Scanned {
    clear: usize,
    to: usize,
    hit: bool,
}

impl<'a> Block<'a> {
    fn of(cx: &Context<'a>, block: Node<'a>) -> Block<'a> {
        let stmts = crate::syntax::statements(block);
        let mut b = Block {
            at: stmts.iter().enumerate().map(|(i, s)| (s.id(), i)).collect(),
            releases: Default::default(),
            defers: Default::default(),
            touching: Default::default(),
            stmts,
        };
        for (i, s) in b.stmts.iter().enumerate() {
            let (call, into) = match s.kind_name() {
                "expression_statement" => (crate::syntax::statement_call(*s), &mut b.releases),
                "defer_statement" => (
                    crate::syntax::named_children(*s).next().and_then(Call::of),
                    &mut b.defers,
                ),
                _ => continue,
            };
            if let Some((op, m)) = call.and_then(|c| c.method(cx.src)) {
                into.entry((cx.text(op), m)).or_default().push(i);
            }
        }
        b
    }

    /// The first statement from `from` up to `end` that `touches` what
    /// `lock` guards, if one does. Reads on from what earlier questions
    /// about `lock` read: the `Lock()`s of one mutex, each with a deferred
    /// unlock, read the block once between them.
    fn first_touching(
        &self,
        lock: &str,
        from: usize,
        end: usize,
        touches: impl Fn(Node<'a>) -> bool,
    ) -> Option<usize> {
        // What earlier questions about `lock` found: from `clear` to `to`
        // nothing touches, and `to` does (`hit`) or was where they stopped.
        let known = self.touching.borrow().get(lock).copied();
        let (clear, mut at) = match known {
            Some(k) if k.clear <= from && from <= k.to => {
                if k.hit {
                    return (k.to < end).then_some(k.to);
                }
                (k.clear, k.to)
            }
            _ => (from, from),
        };
        let mut hit = false;
        while at < end.min(self.stmts.len()) {
            if touches(self.stmts[at]) {
                hit = true;
                break;
            }
            at += 1;
        }
        self.touching
            .borrow_mut()
            .insert(lock.to_string(), Scanned { clear, to: at, hit });
        hit.then_some(at)
    }

    /// The first release of `lock` by `method` after statement `after`.
    fn released(&self, deferred: bool, lock: &str, method: &str, after: usize) -> Option<usize> {
        let v = if deferred {
            &self.defers
        } else {
            &self.releases
        }
        .get(&(lock, method))?;
        v.get(v.partition_point(|&i| i <= after)).copied()
    }
}

impl<'a> LockSites<'a> {
    fn of(cx: &Context<'a>, body: Node<'a>) -> Self {
        let mut sites: std::collections::HashMap<&'a str, Vec<Node<'a>>> = Default::default();
        visit(body, |n| {
            if let Some((l, true)) = lock_op(n, cx.src) {
                sites.entry(l).or_default().push(n);
            }
            Visit::Descend
        });
        LockSites {
            sites,
            blocks: Default::default(),
        }
    }

    fn block(&mut self, cx: &Context<'a>, block: Node<'a>) -> std::rc::Rc<Block<'a>> {
        self.blocks
            .entry(block.id())
            .or_insert_with(|| std::rc::Rc::new(Block::of(cx, block)))
            .clone()
    }

    /// The last `lock.Lock()` / `lock.RLock()` statement before `at`.
    fn before(&self, lock: &str, at: Node) -> Option<Node<'a>> {
        let v = self.sites.get(lock)?;
        let i = v.partition_point(|n| n.start_byte() < at.start_byte());
        i.checked_sub(1).map(|i| v[i])
    }
}

/// The fix: release the lock before the first statement that writes to the
/// client. `defer L.Unlock()` (in the handler's own body) is removed and every
/// early return before that point unlocks first; an explicit `L.Unlock()`
/// later in the block moves up. Values the write takes from the guarded
/// state are read into locals under the lock. Not offered when statements
/// after the new unlock still touch the guarded state, or when a map would
/// be handed to the writer (a copy of the reference is no snapshot).
fn unlock_first_fix<'a>(
    cx: &Context<'a>,
    h: &crate::syntax::handlers::Handler,
    writers: &std::collections::HashSet<String>,
    lock: &str,
    site: Node<'a>,
    sites: &mut LockSites<'a>,
) -> Option<crate::diagnostic::Fix> {
    use crate::fix::{delete_statement, edit, fix, indent_at};
    let block = site.up()?;
    let b = sites.block(cx, block);
    let stmts = &b.stmts;
    let at_lock = *b.at.get(&site.id())?;
    let acquire = crate::syntax::statement_call(site)?.method(cx.src)?.1;
    let release = if acquire == "RLock" {
        "RUnlock"
    } else {
        "Unlock"
    };
    let deferred = b.released(true, lock, release, at_lock);
    let explicit = b.released(false, lock, release, at_lock);
    let (release_at, is_defer) = match (deferred, explicit) {
        (Some(d), _) => (d, true),
        (None, Some(e)) => (e, false),
        _ => return None,
    };
    if is_defer && block.up().map(|b| b.id()) != Some(h.body.id()) && block.id() != h.body.id() {
        return None; // a deferred unlock in a nested block: the region is unclear
    }
    let writes = |s: Node| {
        let calls = crate::kinds!("call_expression");
        crate::syntax::any_kind_no_funcs(s, calls, |n| {
            Call::of(n).is_some_and(|c| cx.writes_to_client(&c, writers))
        })
    };
    let first = (at_lock + 1..stmts.len())
        .filter(|i| *i != release_at || !is_defer)
        .find(|i| writes(stmts[*i]))?;
    if !is_defer && first > release_at {
        return None;
    }
    // What the lock guards: fields of its root (`c` of `c.mu`), or for a
    // package-level lock the package's variables.
    let guarded = |n: Node| -> bool {
        match lock.rsplit_once('.') {
            Some((root, field)) => {
                n.kind_name() == "selector_expression"
                    && n.field("operand").map(|o| cx.text(o)) == Some(root)
                    && n.field("field").map(|f| cx.text(f)) != Some(field)
            }
            None => {
                n.kind_name() == "identifier"
                    && cx.text(n) != lock
                    && !cx.is_local(n, cx.text(n))
                    && cx.index.var(cx.text(n)).is_some()
            }
        }
    };
    if let Some((root, _)) = lock.rsplit_once('.') {
        // A lock reached through a local of an enclosing function: unclear.
        if h.receiver.as_ref().map(|r| r.name.as_str()) != Some(root)
            && cx.index.var(root).is_none()
        {
            return None;
        }
    } else if cx.index.var(lock).is_none() {
        return None; // a captured local lock: it may serialise the handler on purpose
    }
    let touches = |s: Node| crate::syntax::any_no_funcs(s, &guarded);
    let region_end = if is_defer { stmts.len() } else { release_at };
    // The first writing statement may take guarded values as arguments of
    // its write: those are hoisted. Anything else touching them stays locked.
    let mut hoists = Vec::new();
    let mut hoist_imports = Vec::new();
    let first_stmt = stmts[first];
    if touches(first_stmt) {
        let call = crate::syntax::statement_call(first_stmt)?;
        if first_stmt.kind_name() != "expression_statement" {
            return None;
        }
        let (found, imports) = cx.hoisted_arguments(h.func, &call, &guarded)?;
        hoists = found;
        hoist_imports = imports;
    }
    if b.first_touching(lock, first + 1, region_end, touches)
        .is_some()
    {
        return None;
    }
    let indent = crate::fix::statement_indent(cx.file, first_stmt.start_byte())?.to_string();
    let (mut prefix, mut edits) = super::Hoist::edits(&hoists, cx.file, &indent);
    edits.extend(hoist_imports);
    prefix.push_str(&format!("{lock}.{release}()\n{indent}"));
    edits.push(edit(
        cx.file,
        first_stmt.start_byte(),
        first_stmt.start_byte(),
        prefix,
    ));
    edits.push(delete_statement(cx.file, stmts[release_at]));
    if is_defer {
        // Early returns before the new unlock must release it themselves.
        for s in &stmts[at_lock + 1..first] {
            crate::syntax::visit_no_funcs(*s, |n| {
                if n.kind_name() == "return_statement" {
                    let ind = indent_at(cx.file, n.start_byte()).to_string();
                    edits.push(edit(
                        cx.file,
                        n.start_byte(),
                        n.start_byte(),
                        format!("{lock}.{release}()\n{ind}"),
                    ));
                }
                Visit::Descend
            });
        }
    }
    Some(fix(
        format!("Release `{lock}` before writing to the client"),
        true,
        crate::diagnostic::Applicability::Safe,
        edits,
    ))
}

//! HV012 mixed-atomic-access.

use super::{Context, Rule};
use crate::diagnostic::{Diagnostic, Related};
use crate::syntax::atomics::target as atomic_target;
use crate::syntax::NodeKind;
use crate::syntax::{
    address_of, enclosing_function, keeps_to_itself_past, named_children, new_value, text, unparen,
    visit, Fresh, Visit,
};
use std::collections::HashMap;
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV012",
    name: "mixed-atomic-access",
    summary: "A variable updated with sync/atomic is also read or written plainly",
    docs: r#"## What it does
Reports a plain read or write of a variable or struct field that is updated
elsewhere in the package through `sync/atomic` functions
(`atomic.AddInt64(&x, 1)`, `Store…`, `Load…`, `Swap…`, `CompareAndSwap…`, of
any width).

Initialisation is left alone: package-level initialisers, what `func main`
of a `main` package sets before any of its statements could start a
goroutine (a `go` statement, or a call of the package's own functions:
`count = int32(*n)` before the workers start), and what it reads as it
winds down, after a `.Wait()` statement of its body with no `go`
statement since (`wg.Wait()`, then `fmt.Println("calls:", total)`), the function a
`sync.Once` runs (`once.Do(func() { next = base })`: it ends before `Do`
returns to any caller), its receiver's fields in a method that sets a
value up in place (`init`, `Init`, `initWindow`: `func (q *quota)
init(n int32) { q.left = n }`, `initialize`), the value a functional option is
handed (`return func(s *Server) { s.next = n }`: the constructor applies
it before the value is shared), and a function filling in a value it just made (`g := &gauge{}; g.value = n`, and
the fields of a struct it holds by value, `g.stats.n = 0`; entries of
its own maps too, in loops that only reach into its fields, or in a branch
whose condition does not name it: `if c.Max > 0 { g.value = c.Max }`) before
anything could share it: it is not yet passed on, captured by a function
literal, or asked a method, save a method of the package that only reaches
its own fields or stores into one with sync/atomic (`r.setStore(s)`, with
`atomic.StorePointer(&r.store, …)` its whole body). A value is just made by `&T{…}`, `new(T)`, or
a package constructor that returns one it made and handed to no one else
(`c := newGauges()`, or `snap := g.copyOut()` where `copyOut` fills in a
`newGauges()` with atomic loads and returns it). A field that some
atomic update adds from the same field of another value
(`atomic.AddUint64(&total.rows, part.rows)`), and that no code loads
atomically, is counted plainly in private values and merged into a shared
one read once the work is done: which value a plain access reaches cannot
be told, and the rule stays silent on that field. An atomic load anywhere
says that readers run while it is updated, and plain accesses are reported
again. A variable that is only ever loaded atomically, never added to,
stored, swapped or compared-and-swapped, races only through plain writes
(reads do not race with reads): its plain reads are left alone, its plain
writes reported. A field of another struct type that shares the
name is a different variable, and so is a local declared again in an inner
block (`next := i % n` in a loop beside the function's `var next int64`). So is a local read by its own function after every atomic update of it
has run: updates the function makes itself, or makes in a callback it
passes to a call (`walk(items, func(…) { atomic.AddUint64(&seen, 1) })`,
then `seen` read after `walk` returns), not in a `go` statement, or made
in goroutines that each send on a channel after their last update, when
the function receives from it in a loop it cannot break out of before the
read (fan out, count, gather every result); and so is
a local the function sets up before it is shared: before the first atomic
update, the first function literal that makes one, and the first `&x`, in
no loop that reaches them (`var pending int64; for … { pending++ }`, then
the callbacks that count it down), or read after a `.Wait()` there, or
read in its own goroutine (the function's body, or a literal it defers)
when every atomic update of it is made there too: the one writer reads its
own writes, and the others only load it. So
is a field of a value the function made itself (`t := newTally()`,
`&tally{}`), used only through its fields and the package's methods that
keep it to themselves (in its goroutines too: never handed to a call), and
read after a `.Wait()` there: the goroutines that reach the value have
finished. So is a
plain access made holding a lock that every atomic access of
the same variable holds too (`r.Lock(); atomic.AddInt64(&r.total, 1)` in
each method that updates it, `r.Lock(); r.total = n` in another): the lock
orders them, whatever the receivers are called, when one side at least
holds it for writing (two `RLock` holders run at once). So is
double-checked locking: a plain read
made holding a lock, in a function whose every atomic write of it is made
holding a lock too (`mu.Lock(); if t.ready == 1 { return };
atomic.StoreUint32(&t.ready, 1)`). So is a field reached through a pointer
(`func (t *tally) merge(o tally) { t.hits += o.hits }`) when every atomic
access reaches it inside a value field of another struct
(`atomic.AddInt64(&s.live.hits, 1)`, `live tally`) and the file never takes
`&s.live` nor calls that method on `s.live`: finished counts merged as
values are not the live ones. So is a copy the function holds alone: a
struct returned by value from a function of the package (`u :=
c.snapshot()`, where `snapshot` returns `counts`, not `*counts`), or taken
from a map or slice of such values (`s, ok := byBucket[b]` with a
`map[string]counts`), whose
fields the function only reads or sets, never taking its address, calling
its methods or handing it on.

## Why is this bad?
Atomic operations only order memory with other atomic operations on the same
word. A plain access beside them is a data race: the read may tear or miss
updates from other goroutines, and the race detector reports it.

## Example
```go
var served int64

func hello(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&served, 1)
	fmt.Fprintf(w, "visitor #%d", served)
}
```

## Use instead
```go
func hello(w http.ResponseWriter, r *http.Request) {
	n := atomic.AddInt64(&served, 1)
	fmt.Fprintf(w, "visitor #%d", n)
}
```
Or declare `var served atomic.Int64` (Go 1.19+), whose methods are the only
way in.

## Fix
A plain read right after an `atomic.Add…(&x, d)` whose result is dropped
becomes `n := atomic.Add…(&x, d)` and the read uses `n`. Otherwise a plain
read becomes `atomic.Load…(&x)` and a plain write `atomic.Store…(&x, v)`, with
the width taken from the other atomic calls on `x`.
"#,
    // Left out of `_test.go` files: a test's plain reads of what it updated atomically are checks made after the fact; where they do race, `go test -race` runs that very code and says so.
    in_tests: false,
    check,
    facts: Some(collect),
};

/// An atomically accessed name and where it was first seen.
struct Target {
    width: String,
    /// The lock every atomic access holds, when they all hold one (see
    /// [`Guard`]).
    guard: Guard,
    /// For a local: the offset after which every atomic update of it has
    /// run, when each is made by the function itself or in a callback it
    /// passes to a call (see [`settles_at`]).
    settled: Option<usize>,
    /// For a local: the offset from which other code may touch it — the
    /// first atomic update, or the function literal that makes it (a
    /// goroutine or callback may run from there on), or the first `&x`
    /// handed anywhere. Plain accesses the function makes before that,
    /// in no loop reaching it, set the local up before it is shared.
    shared_from: usize,
    first: Related,
    /// For a field: the struct values its atomic accesses reach it
    /// through, one chain per access (see [`Chain`]).
    chains: Vec<Chain>,
    /// For a field: some atomic update adds the same field of another
    /// value of the type (`atomic.AddUint64(&total.n, part.n)`), and no
    /// code loads it atomically. Values of the type are then kept private,
    /// counted plainly and merged into a shared one that is read once the
    /// work is done: which value a plain access reaches cannot be told.
    merged: bool,
    /// For a field: some code loads it atomically, so readers run while it
    /// is updated.
    loaded: bool,
    /// Some atomic access writes it (`Add`, `Store`, `Swap`, …). When every
    /// one is a load, a plain read races with nothing atomic (reads do not
    /// race with reads): only plain writes are reported.
    updated: bool,
    /// For a local: some atomic update of it is made inside a function
    /// literal of its function. When none is, every update runs in the
    /// function's own goroutine, and its own plain reads race with none
    /// (others only load it). Always set for package variables and fields.
    updated_apart: bool,
}

/// The value fields a field access goes through, innermost first, up to
/// the first pointer or non-field operand: `atomic.AddInt64(&c.store.hits,
/// 1)` with `store Store` a value field of `Context` reaches `hits` inside
/// the `store` of a `Context` (`[("Context", "store")]`); `s.hits` with `s
/// *Store` reaches it in any `Store` (`[]`). Each element is the struct
/// type that declares the field and the field's name.
type Chain = Vec<(String, String)>;

/// Package variables (by name) and struct fields (by name and the struct
/// that declares them) updated atomically.
#[derive(Default)]
struct Globals {
    vars: HashMap<String, Target>,
    fields: HashMap<(String, String), Target>,
    /// The names of `fields`, for a quick first test.
    field_names: std::collections::HashSet<String>,
}

/// The package variables and fields updated atomically anywhere in the
/// package.
fn globals_of(index: &crate::index::PackageIndex) -> Globals {
    let mut globals = Globals::default();
    for f in &index.files {
        for t in f.facts.of::<AtomicTarget>() {
            let mut chain = Chain::new();
            let key = if t.field {
                // Only a field whose struct is known: `a.n` and `b.n` are one
                // variable only when `a` and `b` have one type.
                let Some(decl) = t
                    .owner
                    .as_ref()
                    .and_then(|o| index.resolve(o))
                    .and_then(|ty| index.field_of_type(&ty, &t.name))
                else {
                    continue;
                };
                if let Some(owner) = &t.owner {
                    chain = chain_of_ref(index, owner);
                }
                Some((decl.type_name.clone(), t.name.clone()))
            } else if index.var(&t.name).is_some() {
                None
            } else {
                continue;
            };
            let target = || Target {
                width: t.width.clone(),
                guard: Guard::Unseen,
                settled: None,
                shared_from: 0,
                first: Related {
                    location: t.location.clone(),
                    message: format!("`{}` is accessed atomically here", t.name).into(),
                },
                chains: Vec::new(),
                merged: false,
                loaded: false,
                updated: false,
                updated_apart: true,
            };
            let e = match key {
                Some(key) => {
                    globals.field_names.insert(t.name.clone());
                    globals.fields.entry(key).or_insert_with(target)
                }
                None => globals.vars.entry(t.name.clone()).or_insert_with(target),
            };
            e.guard.add(&t.held);
            e.merged |= t.merged;
            e.loaded |= t.loaded;
            e.updated |= t.updated;
            // Atomic calls of two widths on one variable: the width is unknown.
            if e.width != t.width {
                e.width.clear();
            }
            if !e.chains.contains(&chain) {
                e.chains.push(chain);
            }
        }
    }
    globals
}

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Package variables and fields, from every file of the package: once
    // per package.
    let globals = cx
        .index
        .memo(super::memo::ATOMIC_GLOBALS, || globals_of(cx.index));
    let has_locals = cx.imports.has("sync/atomic");
    if globals.vars.is_empty() && globals.fields.is_empty() && !has_locals {
        return;
    }
    if !has_locals
        && !globals
            .vars
            .keys()
            .chain(globals.field_names.iter())
            .any(|name| cx.scope_mentions(name))
    {
        return;
    }
    // Only declarations that call sync/atomic (`atomic.`, or anything under
    // a dot import) or name a variable or field some file updates with it
    // are read.
    let qualifier = cx.imports.qualifier("sync/atomic");
    let calls_atomic = |text: &str| qualifier.as_deref().is_some_and(|q| text.contains(q));
    // Word by word, each looked up: a search of the text for every name
    // costs the names times the declarations.
    let names_global = |text: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| globals.vars.contains_key(word) || globals.field_names.contains(word))
    };
    // Local variables updated atomically, per declaring function.
    let mut locals: HashMap<(usize, String), Target> = HashMap::new();
    if has_locals {
        // Only a call can update a variable atomically.
        let calls = crate::kinds!("call_expression");
        cx.visit_scope_kinds(calls_atomic, calls, |n| {
            if let Some((target, width)) = atomic_target(n, cx.src, cx.imports) {
                if target.kind_name() == "identifier" {
                    let name = cx.text(target);
                    if let Some(func) = cx.declaring_function(target, name) {
                        let settled = settles_at(func, n);
                        let exposed = exposed_at(func, n);
                        let updated =
                            crate::syntax::atomics::op(n, cx.src, cx.imports) != Some("Load");
                        // Made by a function literal inside: another goroutine, maybe.
                        let apart =
                            updated && enclosing_function(n).is_some_and(|f| f.id() != func.id());
                        locals
                            .entry((local_scope(cx, func, target, name), name.to_string()))
                            .and_modify(|t| {
                                t.settled = t.settled.zip(settled).map(|(a, b)| a.max(b));
                                t.shared_from = t.shared_from.min(exposed);
                                t.updated |= updated;
                                t.updated_apart |= apart;
                            })
                            .or_insert(Target {
                                settled,
                                shared_from: exposed.min(first_address(cx, func, name)),
                                width: width.to_string(),
                                // A local's goroutines are followed on their own.
                                guard: Guard::None,
                                first: cx.related(
                                    target,
                                    format!("`{name}` is accessed atomically here"),
                                ),
                                chains: Vec::new(),
                                merged: false,
                                loaded: false,
                                updated,
                                updated_apart: apart,
                            });
                    }
                }
            }
            Visit::Descend
        });
    }
    let wanted = |text: &str| calls_atomic(text) || names_global(text);
    let locked = LockedMemo::default();
    let places = Places::default();
    cx.visit_scope_where(wanted, |n| {
        match n.kind_name() {
            // Package-level initialisers run before any goroutine.
            "var_declaration" | "const_declaration"
                if n.up().map(|p| p.kind_name()) == Some("source_file") =>
            {
                return Visit::Skip
            }
            "function_declaration" if n.field("name").map(|i| cx.text(i)) == Some("init") => {
                return Visit::Skip
            }
            // So does a `sync.Once`'s function before `Do` returns to anyone.
            "call_expression" if runs_once(cx, n) => return Visit::Skip,
            _ => {}
        }
        if let Some((_, _)) = atomic_target(n, cx.src, cx.imports) {
            // The atomic call's own `&x`: skip it, look at the other arguments.
            if let Some(args) = n.field("arguments") {
                for a in named_children(args).skip(1) {
                    scan(cx, a, globals, &locals, &locked, &places, out);
                }
            }
            return Visit::Skip;
        }
        if let Some(d) = plain_access(cx, n, globals, &locals, &locked, &places) {
            out.push(d);
            return Visit::Skip;
        }
        Visit::Descend
    });
}

/// `once.Do(func() { … })` on a `sync.Once` (or a value whose type is not
/// known here): the function runs to its end before `Do` returns to any
/// caller, so what it sets is set before any code after `Do` can touch it
/// atomically. Initialisation, like a package-level initialiser.
fn runs_once(cx: &Context, call: Node) -> bool {
    use crate::syntax::typeref::{type_ref, TypeRef};
    let Some(c) = crate::syntax::Call::of(call) else {
        return false;
    };
    let Some((operand, "Do")) = c.method(cx.src) else {
        return false;
    };
    let mut args = c.args();
    let (Some(f), None) = (args.next().map(unparen), args.next()) else {
        return false;
    };
    // `func()`: no parameters, no result.
    let bare = f.kind_name() == "func_literal"
        && f.field("result").is_none()
        && f.field("parameters")
            .is_some_and(|p| named_children(p).next().is_none());
    if !bare {
        return false;
    }
    let ty = match type_ref(operand, cx.src, cx.imports) {
        Some(TypeRef::Var(v)) => cx.index.var(&v).and_then(|d| d.ty.clone()),
        other => other,
    };
    match ty {
        Some(TypeRef::Named(t)) => t
            .trim_start_matches('*')
            .strip_suffix(".Once")
            .is_some_and(|q| cx.imports.path_of(q) == Some("sync")),
        Some(_) => false,
        None => true,
    }
}

fn scan<'a>(
    cx: &Context<'a>,
    root: Node<'a>,
    globals: &Globals,
    locals: &HashMap<(usize, String), Target>,
    locked: &LockedMemo,
    places: &Places<'a>,
    out: &mut Vec<Diagnostic>,
) {
    visit(root, |n| {
        if atomic_target(n, cx.src, cx.imports).is_some() {
            return Visit::Skip;
        }
        if let Some(d) = plain_access(cx, n, globals, locals, locked, places) {
            out.push(d);
            return Visit::Skip;
        }
        Visit::Descend
    });
}

/// Per function (by node id): whether a lock is held at each statement
/// and clause header the lock flow visits, and the atomic writes the
/// function makes, by target text, each with whether a lock is held there.
#[derive(Default)]
struct LockedSites {
    held: HashMap<usize, bool>,
    writes: Vec<(String, bool)>,
}

/// Per function: its [`LockedSites`], and the locks held at its
/// statements (see [`held_locks`]).
#[derive(Default)]
struct LockedMemo {
    sites: std::cell::RefCell<HashMap<usize, std::rc::Rc<LockedSites>>>,
    held: std::cell::RefCell<HeldMemo>,
    /// Where each function's first `.Wait()` call starts (see [`waited_before`]).
    first_waits: std::cell::RefCell<HashMap<usize, Option<usize>>>,
    /// Where `main` may first have started a goroutine (see [`in_main_setup`]).
    main_cut: std::cell::OnceCell<usize>,
    /// The stretches of `main` after a `.Wait()` before the next `go`
    /// statement (see [`in_main_wind_down`]).
    main_waits: std::cell::OnceCell<Vec<(usize, usize)>>,
    /// Per function and local: where the first loop that gathers every
    /// goroutine's result ends (see [`gathered_before`]).
    gathers: std::cell::RefCell<HashMap<(usize, String), Option<usize>>>,
    /// Per function: the names its statements make new values for (see
    /// [`fresh`]).
    made: std::cell::RefCell<HashMap<usize, std::rc::Rc<std::collections::HashSet<String>>>>,
    /// Per function and local: where the statement that makes the value
    /// the function keeps to itself and its goroutines ends (see
    /// [`waited_for_own`]).
    kept_own: std::cell::RefCell<HashMap<(usize, String), Option<usize>>>,
}

/// `func main` of a `main` package, when `n` is in its own body (not in a
/// function literal there).
fn main_around<'a>(cx: &Context, n: Node<'a>) -> Option<Node<'a>> {
    if cx.index.files.first().is_none_or(|f| f.package != "main") {
        return None;
    }
    enclosing_function(n).filter(|f| {
        f.kind_name() == "function_declaration"
            && f.field("name").is_some_and(|m| cx.text(m) == "main")
    })
}

/// True when `n` is in `func main` of a `main` package, before any of its
/// statements could have started a goroutine: one with a `go` statement,
/// or a call of a function or method this package declares (whose own
/// goroutines might touch the variable). Other packages cannot name a
/// `main` package's variables: what `main` sets up there is initialised
/// before anything could race with it (`count = int32(*n)` before the
/// workers start).
fn in_main_setup(cx: &Context, n: Node, memo: &LockedMemo) -> bool {
    let Some(main) = main_around(cx, n) else {
        return false;
    };
    let cut = *memo.main_cut.get_or_init(|| {
        let Some(body) = main.field("body") else {
            return 0;
        };
        let starts = |st: Node| {
            crate::syntax::any(st, |m| {
                if m.kind_name() == "go_statement" {
                    return true;
                }
                let Some(call) = crate::syntax::Call::of(m) else {
                    return false;
                };
                match call.method(cx.src) {
                    Some((_, name)) => cx.index.declares_func(name, true),
                    None => cx.index.declares_func(cx.text(call.function), false),
                }
            })
        };
        crate::syntax::statements(body)
            .into_iter()
            .find(|st| starts(*st))
            .map_or(usize::MAX, |st| st.start_byte())
    });
    n.end_byte() <= cut
}

/// True when `n` is a plain read in `func main` of a `main` package, in a
/// statement of its body that follows a `.Wait()` statement there with no
/// `go` statement between them (`wg.Wait()`, then
/// `fmt.Println("calls:", total)`): the program is winding down, the
/// goroutines it waited for have made their updates, and it reports the
/// total. Other packages cannot name a `main` package's variables.
fn in_main_wind_down(cx: &Context, n: Node, memo: &LockedMemo) -> bool {
    if crate::syntax::scope::is_assigned(n) {
        return false;
    }
    let Some(main) = main_around(cx, n) else {
        return false;
    };
    let stretches = memo.main_waits.get_or_init(|| {
        let Some(body) = main.field("body") else {
            return Vec::new();
        };
        let mut stretches = Vec::new();
        let mut open: Option<usize> = None;
        for st in crate::syntax::statements(body) {
            if crate::syntax::any(st, |m| m.kind_name() == "go_statement") {
                if let Some(from) = open.take() {
                    stretches.push((from, st.start_byte()));
                }
            }
            let waits = st.kind_name() == "expression_statement"
                && named_children(st).next().is_some_and(|e| is_wait(cx, e));
            if waits && open.is_none() {
                open = Some(st.end_byte());
            }
        }
        if let Some(from) = open {
            stretches.push((from, usize::MAX));
        }
        stretches
    });
    stretches
        .iter()
        .any(|&(from, to)| from <= n.start_byte() && n.end_byte() <= to)
}

/// What `work` finds in `func`, worked out once per function and kept in
/// `memo`.
fn per_function<T>(
    memo: &std::cell::RefCell<HashMap<usize, std::rc::Rc<T>>>,
    func: Node,
    work: impl FnOnce() -> T,
) -> std::rc::Rc<T> {
    if let Some(known) = memo.borrow().get(&func.id()) {
        return known.clone();
    }
    let found = std::rc::Rc::new(work());
    memo.borrow_mut().insert(func.id(), found.clone());
    found
}

/// True for double-checked locking: a plain read made while holding a
/// lock, in a function whose every atomic write of the same target is also
/// made holding a lock (`mu.Lock(); if x.init == done { return }; defer
/// atomic.StoreUint32(&x.init, done)`). The writes are serialised by the
/// lock, and this read runs under it: it races with none of them.
fn double_checked(cx: &Context, n: Node, memo: &LockedMemo) -> bool {
    let Some(func) = enclosing_function(n) else {
        return false;
    };
    let sites = per_function(&memo.sites, func, || locked_sites(cx, func));
    let target = cx.text(n);
    let mut writes = sites.writes.iter().filter(|(t, _)| t == target).peekable();
    writes.peek().is_some() && writes.all(|(_, held)| *held) && held_at(&sites, n, func)
}

/// Whether a lock is held where `n` runs: at the innermost statement or
/// clause header around it that the lock flow visited.
fn held_at(sites: &LockedSites, n: Node, func: Node) -> bool {
    at_statement(&sites.held, n, func).is_some_and(|held| *held)
}

/// What `by_stmt` (keyed by node id) says of the innermost statement or
/// clause header of `func` around `n` that it holds.
fn at_statement<'m, T>(by_stmt: &'m HashMap<usize, T>, n: Node, func: Node) -> Option<&'m T> {
    let mut at = Some(n);
    while let Some(a) = at.filter(|a| a.id() != func.id()) {
        if let Some(v) = by_stmt.get(&a.id()) {
            return Some(v);
        }
        at = a.up();
    }
    None
}

fn locked_sites(cx: &Context, func: Node) -> LockedSites {
    let mut sites = LockedSites::default();
    let Some(body) = func.field("body") else {
        return sites;
    };
    if !cx.takes_locks(body) {
        return sites;
    }
    crate::syntax::locks::each_statement(body, cx.src, |stmt, held| {
        let h = sites.held.entry(stmt.id()).or_insert(true);
        // Visited more than once (a loop): held only if held every time.
        *h &= !held.is_empty();
    });
    let mut writes = Vec::new();
    crate::syntax::visit_no_funcs(body, |m| {
        if let Some((t, _)) = atomic_target(m, cx.src, cx.imports) {
            let name = m
                .field("function")
                .and_then(|f| cx.imports.member(f, cx.src, "sync/atomic"));
            if name.is_some_and(|f| !f.starts_with("Load")) {
                writes.push((cx.text(t).to_string(), held_at(&sites, m, func)));
            }
        }
        Visit::Descend
    });
    sites.writes = writes;
    sites
}

/// The function that declares a local `name` used at `at`, if any.
/// The local variable `name` at `at`, declared in `func`: the id of its
/// declaring scope (a name declared again in an inner block is another
/// variable), else of `func`.
fn local_scope<'a>(cx: &Context<'a>, func: Node<'a>, at: Node<'a>, name: &str) -> usize {
    let mut memo = cx.scopes.borrow_mut();
    crate::syntax::scope::declaring_scope(at, name, cx.src, &mut memo).map_or(func.id(), |s| s.id())
}

fn plain_access<'a>(
    cx: &Context<'a>,
    n: Node<'a>,
    globals: &Globals,
    locals: &HashMap<(usize, String), Target>,
    locked: &LockedMemo,
    places: &Places<'a>,
) -> Option<Diagnostic> {
    // Names first: `parent()` walks down from the root, which is slow in a
    // file with many declarations, and most nodes are not a target at all.
    let is_target = match n.kind_name() {
        "identifier" => {
            let name = cx.text(n);
            locals.keys().any(|(_, l)| l == name) || globals.vars.contains_key(name)
        }
        "selector_expression" => n
            .field("field")
            .is_some_and(|f| globals.field_names.contains(cx.text(f))),
        _ => false,
    };
    if !is_target {
        return None;
    }
    // `&x` hands the address on (often to an atomic helper): not an access.
    if n.up().is_some_and(|p| address_of(p, cx.src).is_some()) {
        return None;
    }
    let (_name, target) = match n.kind_name() {
        "identifier" => {
            let name = cx.text(n);
            if is_declaration_name(n) {
                return None;
            }
            match cx.declaring_function(n, name) {
                Some(func) => {
                    let scope = local_scope(cx, func, n, name);
                    let t = locals.get(&(scope, name.to_string()))?;
                    // Read by the function itself after every update ran.
                    let own = enclosing_function(n).is_some_and(|f| f.id() == func.id());
                    let settled = t.settled.is_some_and(|at| n.start_byte() >= at) && own;
                    let unshared = own && before_shared(func, n, t.shared_from);
                    // The only writer reads its own writes.
                    let writer = !t.updated_apart
                        && !crate::syntax::scope::is_assigned(n)
                        && in_own_goroutine(n, func);
                    if settled
                        || writer
                        || unshared
                        || waited_before(cx, func, n, locked)
                        || gathered_before(cx, func, n, name, locked)
                    {
                        return None;
                    }
                    (name, t)
                }
                None if in_main_setup(cx, n, locked) || in_main_wind_down(cx, n, locked) => {
                    return None
                }
                None => (name, globals.vars.get(name)?),
            }
        }
        "selector_expression" => {
            let field = text(n.field("field")?, cx.src);
            // `x.n.Load()`: a typed atomic field, whose methods are the only way in.
            if n.up()
                .is_some_and(|p| p.kind_name() == "selector_expression")
            {
                return None;
            }
            // pkg.Name is not a field access.
            let operand = unparen(n.field("operand")?);
            if operand.kind_name() == "identifier" && cx.imports.path_of(cx.text(operand)).is_some()
            {
                return None;
            }
            // `s.stats.hits`, with `stats` a struct held by value: part of
            // `s`, made, set up or waited for with it.
            let owner = value_owner(cx, operand);
            if own_copy(cx, owner)
                || fresh(cx, owner, n, locked)
                || initialises(cx, owner, n)
                || waited_for_own(cx, owner, n, locked)
            {
                return None;
            }
            let decl = cx.field_decl(n)?;
            let target = globals
                .fields
                .get(&(decl.type_name.clone(), field.to_string()))?;
            if (target.merged && !target.loaded)
                || merge_source(cx, n)
                || !may_share(cx, n, operand, &target.chains, places)
            {
                return None;
            }
            (field, target)
        }
        _ => return None,
    };
    let write = crate::syntax::scope::is_assigned(n);
    // Only loaded atomically: a plain read races with no atomic access.
    if !write && (!target.updated || double_checked(cx, n, locked)) {
        return None;
    }
    // Every atomic access holds a lock that this one holds too, one side
    // at least for writing: the lock orders them all, and the atomics are
    // only redundant. (Two holders of a read lock run at once.)
    if let Guard::All(guards) = &target.guard {
        let func = enclosing_function(n)?;
        let held = held_locks(
            cx.src,
            cx.lock_sites(),
            cx.declaration_at(n.start_byte()),
            func,
            n,
            &mut locked.held.borrow_mut(),
        );
        let ordered = held.iter().any(|(l, read)| {
            guards
                .iter()
                .any(|(g, g_read)| g == l && !(*read && *g_read))
        });
        if ordered {
            return None;
        }
    }
    let access = if write { "written" } else { "read" };
    let (done, races) = if target.updated {
        ("updated", "the access races with the atomic updates")
    } else {
        ("loaded", "the write races with the atomic loads")
    };
    let mut d = cx.diag(
        &RULE,
        n,
        format!(
            "`{}` is {done} with sync/atomic elsewhere but {access} here without it: {races} (use atomic.{}{})",
            cx.text(n),
            if write { "Store" } else { "Load" },
            if target.width.is_empty() { "…" } else { target.width.as_str() }
        ),
    );
    d.related.push(target.first.clone());
    let field_fits = n.kind_name() != "selector_expression" || field_fits(cx, n, &target.width);
    if !target.width.is_empty() && field_fits {
        d.fixes.extend(atomic_fixes(cx, n, &target.width, write));
    }
    super::by_hand(&mut d, || {
        format!(
            "access `{}` only through sync/atomic, or declare it as an `atomic.Int64`-style type",
            cx.text(n)
        )
    });
    Some(d)
}

/// The variable whose memory holds `operand`: through the fields that hold
/// a struct of the package by value (`s.stats` gives `s`), not through a
/// pointer, map, slice or any other reference.
fn value_owner<'a>(cx: &Context<'a>, operand: Node<'a>) -> Node<'a> {
    let mut at = unparen(operand);
    while at.kind_name() == "selector_expression" {
        let by_value = cx.field_decl(at).is_some_and(|d| {
            !d.type_text.trim_start().starts_with('*')
                && package_struct(cx, &crate::syntax::typeref::normalise(&d.type_text))
        });
        match at.field("operand") {
            Some(o) if by_value => at = unparen(o),
            _ => break,
        }
    }
    at
}

/// True when `n`, an access to a field of `operand`, sets up the receiver
/// of an initialising method (`func (q *quota) init(n int32) { q.left = n
/// }`, `Init`, `initClient`): a value is set up in place before it is
/// shared.
fn initialises(cx: &Context, operand: Node, n: Node) -> bool {
    if operand.kind_name() != "identifier" {
        return false;
    }
    let Some(func) = crate::syntax::enclosing_function(n) else {
        return false;
    };
    if func.kind_name() == "func_literal" {
        return functional_option(cx, func, cx.text(operand));
    }
    let Some(method) = Some(func).filter(|f| f.kind_name() == "method_declaration") else {
        return false;
    };
    let name = method.field("name").map(|m| cx.text(m)).unwrap_or("");
    // `init`, `Init`, `initWindow`, `initialize`, `Initialise`, `initializeDB`.
    let init_like = ["init", "Init"].iter().any(|p| {
        name.strip_prefix(p).is_some_and(|rest| {
            let rest = ["ialize", "ialise"]
                .iter()
                .find_map(|s| rest.strip_prefix(s))
                .unwrap_or(rest);
            rest.is_empty() || rest.starts_with(|c: char| c.is_uppercase())
        })
    });
    init_like
        && crate::syntax::handlers::receiver(method, cx.src)
            .is_some_and(|r| r.name == cx.text(operand))
}

/// True when `lit` is a functional option handed back to a constructor
/// (`func WithID(id uint64) Option { return func(s *Server) { s.id = id }
/// }`, or wrapped: `return optionFunc(func(s *Server) {…})`) and `name` is
/// its parameter: the constructor applies it to the value it is making,
/// before the value is shared.
fn functional_option(cx: &Context, lit: Node, name: &str) -> bool {
    let own_param = crate::syntax::handlers::params(lit, cx.src)
        .first()
        .and_then(|p| p.name.as_deref())
        == Some(name);
    let mut at = lit;
    // Through a conversion or a wrapping call of one argument.
    while let Some(up) = at.up() {
        match up.kind_name() {
            "parenthesized_expression" => at = up,
            "argument_list" if crate::syntax::named_children(up).count() == 1 => {
                at = match up.up() {
                    Some(call) if call.kind_name() == "call_expression" => call,
                    _ => return false,
                }
            }
            "expression_list" => {
                return own_param
                    && crate::syntax::named_children(up).count() == 1
                    && up.up().is_some_and(|r| r.kind_name() == "return_statement");
            }
            _ => return false,
        }
    }
    false
}

/// The chain (see [`Chain`]) of a field access whose operand has type
/// reference `owner`.
fn chain_of_ref(
    index: &crate::index::PackageIndex,
    owner: &crate::syntax::typeref::TypeRef,
) -> Chain {
    use crate::syntax::typeref::TypeRef;
    let mut chain = Chain::new();
    let mut at = owner;
    while let TypeRef::Field(inner, field) = at {
        let Some(decl) = index
            .resolve(inner)
            .and_then(|ty| index.field_of_type(&ty, field))
        else {
            break;
        };
        if decl.type_text.trim_start().starts_with('*') {
            break;
        }
        chain.push((decl.type_name.clone(), field.clone()));
        at = inner;
    }
    chain
}

/// The chain (see [`Chain`]) of a plain field access with operand
/// `operand`, and the root it starts from (`s` in `s.chunk.n`).
fn chain_of<'a>(cx: &Context<'a>, operand: Node<'a>) -> (Chain, Node<'a>) {
    let mut chain = Chain::new();
    let mut at = unparen(operand);
    while at.kind_name() == "selector_expression" {
        let Some(decl) = cx.field_decl(at) else {
            break;
        };
        if decl.type_text.trim_start().starts_with('*') {
            break;
        }
        let Some(inner) = at.field("operand") else {
            break;
        };
        chain.push((decl.type_name.clone(), decl.name.clone()));
        at = unparen(inner);
    }
    (chain, at)
}

/// Whether the plain access `n` (operand `operand`) may reach memory that
/// an atomic access with one of `chains` reaches. Each access goes through
/// value fields (its chain) from a root. When the plain access's chain
/// stops short of an atomic one's, at a pointer `s *Store` where the
/// atomic access reaches only the `Store` inside some `Context`'s `store`,
/// the two meet only if a pointer to that field exists: the file takes
/// `&x.store`, or calls the method the access sits in on `x.store` (any
/// method of it, for a root that is not the receiver). Without either, the
/// rule cannot tell that they touch the same word, and stays silent: query
/// statistics added to atomically inside a context and merged plainly as
/// values (`func (s *Store) Merge(o Store)`).
fn may_share<'a>(
    cx: &Context<'a>,
    n: Node<'a>,
    operand: Node<'a>,
    chains: &[Chain],
    places: &Places<'a>,
) -> bool {
    if chains.iter().any(|c| c.is_empty()) {
        return true;
    }
    let (plain, root) = chain_of(cx, operand);
    chains.iter().any(|atomic| {
        let shared = plain.len().min(atomic.len());
        if plain[..shared] != atomic[..shared] {
            return false;
        }
        let Some((_, outer)) = atomic.get(plain.len()) else {
            return true;
        };
        let method = enclosing_function(n)
            .filter(|f| {
                crate::syntax::handlers::receiver(*f, cx.src)
                    .is_some_and(|r| r.name == cx.text(root))
            })
            .and_then(|f| f.field("name"))
            .map(|m| cx.text(m));
        places.escapes(cx, outer, method)
    })
}

/// Where the file takes the address of a field, or calls a method on one,
/// per field name: read when a plain access first asks about that field,
/// from the declarations whose text names it.
#[derive(Default)]
struct Places<'a> {
    fields: std::cell::RefCell<HashMap<String, std::rc::Rc<FieldUses<'a>>>>,
}

/// How a file uses one field name: whether it takes `&x.field`, and the
/// methods it calls on it (`x.field.method(…)`).
#[derive(Default)]
struct FieldUses<'a> {
    addressed: bool,
    called: std::collections::HashSet<&'a str>,
}

impl<'a> Places<'a> {
    /// True when the file takes `&x.field`, or calls `x.field.method(…)`
    /// (any method when `method` is `None`).
    fn escapes(&self, cx: &Context<'a>, field: &str, method: Option<&str>) -> bool {
        let known = self.fields.borrow().get(field).cloned();
        let uses = match known {
            Some(uses) => uses,
            None => {
                let uses = std::rc::Rc::new(field_uses(cx, field));
                self.fields
                    .borrow_mut()
                    .insert(field.to_string(), uses.clone());
                uses
            }
        };
        uses.addressed
            || match method {
                Some(m) => uses.called.contains(m),
                None => !uses.called.is_empty(),
            }
    }
}

fn field_uses<'a>(cx: &Context<'a>, field: &str) -> FieldUses<'a> {
    let mut uses = FieldUses::default();
    let named = |sel: Node| sel.field("field").is_some_and(|f| cx.text(f) == field);
    let pattern = format!(".{field}");
    for decl in cx
        .file
        .top_level()
        .filter(|d| cx.text(*d).contains(&pattern))
    {
        visit(decl, |m| {
            match m.kind_name() {
                "unary_expression" => {
                    uses.addressed |= address_of(m, cx.src)
                        .is_some_and(|o| o.kind_name() == "selector_expression" && named(o));
                }
                "call_expression" => {
                    let callee = m
                        .field("function")
                        .filter(|f| f.kind_name() == "selector_expression");
                    let on = callee
                        .and_then(|f| f.field("operand"))
                        .map(unparen)
                        .filter(|o| o.kind_name() == "selector_expression" && named(*o));
                    if let (Some(name), Some(_)) = (callee.and_then(|f| f.field("field")), on) {
                        uses.called.insert(cx.text(name));
                    }
                }
                _ => {}
            }
            Visit::Descend
        });
    }
    uses
}

/// True when `operand` is a local that holds a value this function just
/// made (`x := &T{…}`, `T{…}`, `new(T)`, `var x T`) and `at` comes before
/// anything could share it: every statement between the two only reaches
/// into `x`'s fields (a constructor filling in its value, in loops too).
/// No other goroutine can see it yet. `at` may sit in a branch of an `if`
/// whose header keeps to `x` too (`if c.Max > 0 { x.unused = c.Max }`), or
/// in a `switch` or a loop that does throughout.
fn fresh(cx: &Context, operand: Node, at: Node, memo: &LockedMemo) -> bool {
    /// A constructor sets a few fields; a longer run is not followed.
    const LOOKBACK: usize = 64;
    if operand.kind_name() != "identifier" {
        return false;
    }
    let name = cx.text(operand);
    // Whether the function makes a value for the name at all, from one
    // walk of it: most accesses go through a receiver or a parameter, and
    // the walk back would read up to LOOKBACK statements for each of them.
    let Some(func) = enclosing_function(at) else {
        return false;
    };
    let made = per_function(&memo.made, func, || {
        let mut names = std::collections::HashSet::new();
        crate::syntax::visit_no_funcs(func, |n| {
            names.extend(made_name(cx, n).map(str::to_string));
            Visit::Descend
        });
        names
    });
    if !made.contains(name) {
        return false;
    }
    // A method of the package that keeps its receiver to itself, or
    // sync/atomic on one of its fields, does not share the value.
    let methods = |m: &str| cx.index.func(m, true).is_some_and(|f| f.keeps_receiver);
    let keeping = crate::syntax::Keeping {
        methods: Some(&methods),
        atomic: Some(cx.imports),
        ..Default::default()
    };
    let keeps_to_itself =
        |n: Node, name: &str, src: &str| crate::syntax::keeps_to_itself_with(n, name, keeping, src);
    let mut looked = 0;
    let mut stmt = crate::syntax::statement_of(at);
    while let Some(s) = stmt {
        let before = std::iter::successors(crate::syntax::prev_statement(s), |p| {
            crate::syntax::prev_statement(*p)
        });
        for p in before {
            looked += 1;
            if looked > LOOKBACK {
                return false;
            }
            if makes(cx, p, name) {
                return true;
            }
            if cx.text(p).contains(name) && !keeps_to_itself(p, name, cx.src) {
                return false;
            }
        }
        // The statement around this one's block (a bare block is looked
        // through).
        let mut outer = s.up();
        while let Some(o) = outer.filter(|o| !o.kind_name().ends_with("_statement")) {
            if crate::syntax::is_function(o) {
                return false;
            }
            outer = o.up();
        }
        let Some(outer) = outer else {
            return false;
        };
        let kept = match outer.kind_name() {
            "if_statement" => ["initializer", "condition"]
                .into_iter()
                .filter_map(|f| outer.field(f))
                .all(|h| keeps_to_itself(h, name, cx.src)),
            "for_statement" | "expression_switch_statement" | "type_switch_statement" => {
                keeps_to_itself(outer, name, cx.src)
            }
            "labeled_statement" => true,
            _ => false,
        };
        if !kept {
            return false;
        }
        stmt = Some(outer);
    }
    false
}

/// True when `stmt` declares or sets `name` alone, as a new value: `name
/// := &T{…}`, `T{…}`, `new(T)`, a fresh constructor's result, `var name T`,
/// or `name = &T{…}`.
fn makes(cx: &Context, stmt: Node, name: &str) -> bool {
    made_name(cx, stmt) == Some(name)
}

/// The name `stmt` sets alone to a new value (see [`makes`]).
fn made_name<'s, 't>(cx: &Context<'s>, stmt: Node<'t>) -> Option<&'s str> {
    let list = |l: Option<Node<'t>>| -> Vec<Node<'t>> {
        l.map(|l| named_children(l).collect()).unwrap_or_default()
    };
    let (names, values, typed) = match stmt.kind_name() {
        "short_var_declaration" => (list(stmt.field("left")), list(stmt.field("right")), false),
        // `n = &T{…}`: from here on `n` holds the new value.
        "assignment_statement" if stmt.field("operator").is_some_and(|o| cx.text(o) == "=") => {
            (list(stmt.field("left")), list(stmt.field("right")), false)
        }
        "var_declaration" => match named_children(stmt).collect::<Vec<_>>().as_slice() {
            [spec] if spec.kind_name() == "var_spec" => {
                let names = crate::syntax::fields(*spec, "name");
                (
                    names,
                    list(spec.field("value")),
                    spec.field("type").is_some(),
                )
            }
            _ => return None,
        },
        _ => return None,
    };
    let [n] = names.as_slice() else {
        return None;
    };
    let new = match values.as_slice() {
        [] => typed,
        [v] => new_value(*v, cx.src) || fresh_call(cx, *v),
        _ => false,
    };
    new.then(|| cx.text(*n))
}

/// True for a call of a package function or method whose result is a value
/// it just made and handed out to no one else (see
/// [`crate::syntax::Fresh`]): `d := newStats()`, `snap := s.Copy()`.
fn fresh_call(cx: &Context, v: Node) -> bool {
    /// Constructors calling constructors: a few deep.
    const DEPTH: usize = 4;
    let v = unparen(v);
    if v.kind_name() != "call_expression" {
        return false;
    }
    let mut fresh = v
        .field("function")
        .and_then(|f| cx.callee(f))
        .and_then(|s| s.result_fresh.as_ref());
    for _ in 0..DEPTH {
        match fresh {
            Some(Fresh::Here) => return true,
            Some(Fresh::Via(g)) => {
                fresh = cx
                    .index
                    .func(g, false)
                    .and_then(|s| s.result_fresh.as_ref());
            }
            None => return false,
        }
    }
    false
}

/// True when `n` (`part.rows`) is what an atomic add adds to the same field
/// of another value (`atomic.AddUint64(&total.rows, part.rows)`): the
/// merge reads its source as a value of its own.
fn merge_source(cx: &Context, n: Node) -> bool {
    n.up()
        .filter(|l| l.kind_name() == "argument_list")
        .and_then(|l| l.up())
        .and_then(|call| crate::syntax::atomics::merged_from(call, cx.src, cx.imports))
        .is_some_and(|from| from.id() == n.id())
}

/// True when `owner` (see [`value_owner`]: a field held by value is part of
/// it) is a struct the function holds by value: a value parameter or
/// receiver, or a local copy ([`copied_local`]). Its fields are the
/// function's own copy, which no other goroutine updates.
fn own_copy(cx: &Context, owner: Node) -> bool {
    owner.kind_name() == "identifier"
        && (crate::syntax::typeref::is_value_parameter(owner, cx.src) || copied_local(cx, owner))
}

/// True when `t` names a struct type the package declares.
fn package_struct(cx: &Context, t: &str) -> bool {
    cx.index
        .type_decl(t)
        .is_some_and(|d| d.underlying == "struct{…}")
}

/// True when the local `name` holds a struct copied by value from a call of
/// the package that returns one (`u := c.snapshot()`, where `snapshot`
/// returns a `Counts`, not a `*Counts`), or from a map or slice of such
/// values (`s, ok := stats[bucket]`), and the function only ever reaches
/// into its fields: never takes its address, calls its methods, hands it
/// on or captures it in a literal. No other goroutine can see that copy.
fn copied_local(cx: &Context, name: Node) -> bool {
    let Some(value) = crate::syntax::typeref::initial_value(name, cx.src) else {
        return false;
    };
    let by_value = match value.kind_name() {
        "call_expression" => {
            value
                .field("function")
                .and_then(|f| cx.callee(f))
                .is_some_and(|f| f.result_by_value)
                && cx.type_of(value).is_some_and(|t| package_struct(cx, &t))
        }
        // `s, ok := stats[bucket]` from a `map[string]Stats`: a copy.
        "index_expression" => {
            let map_type = value
                .field("operand")
                .and_then(|o| crate::syntax::typeref::type_ref(o, cx.src, cx.imports));
            match map_type {
                Some(crate::syntax::typeref::TypeRef::Named(t)) => {
                    crate::syntax::typeref::element_type(&t).is_some_and(|e| {
                        let e = e.trim();
                        !e.starts_with('*')
                            && package_struct(cx, &crate::syntax::typeref::normalise(e))
                    })
                }
                _ => false,
            }
        }
        _ => false,
    };
    // `v := f()` or `var v = f()`: the statement or spec that declares it.
    let declared = value.up().and_then(|list| list.up());
    by_value
        && crate::syntax::enclosing_function(name)
            .and_then(|f| f.field("body"))
            .is_some_and(|body| keeps_to_itself_past(body, cx.text(name), declared, false, cx.src))
}

/// `n := atomic.Add…(&x, d)` when the read follows a dropped Add (preferred),
/// else `atomic.Load…(&x)` for a read and `atomic.Store…` / `atomic.Add…` for
/// a write.
fn atomic_fixes(cx: &Context, n: Node, width: &str, write: bool) -> Vec<crate::diagnostic::Fix> {
    use crate::diagnostic::Applicability::Safe;
    use crate::fix::{edit, fix};
    let (q, imp) = cx.import("sync/atomic");
    let expr = cx.text(n);
    let mut edits = Vec::new();
    let title = if !write {
        let stmt = crate::syntax::statement_of(n);
        let prev = stmt
            .and_then(|s| s.prev_named())
            .filter(|p| p.kind_name() == "expression_statement");
        let dropped_add = prev.filter(|p| {
            crate::syntax::statement_call(*p).is_some_and(|c| {
                cx.imports
                    .member(c.function, cx.src, "sync/atomic")
                    .is_some_and(|m| m.starts_with("Add"))
                    && c.arg(0).is_some_and(|a| cx.text(a) == format!("&{expr}"))
            })
        });
        if let Some(add) = dropped_add {
            let Some(func) = enclosing_function(n) else {
                return Vec::new();
            };
            let name = cx.fresh_name(func, &["n", "count", "total"]);
            let mut e = vec![
                edit(
                    cx.file,
                    add.start_byte(),
                    add.end_byte(),
                    format!("{name} := {}", cx.text(add)),
                ),
                edit(cx.file, n.start_byte(), n.end_byte(), name.clone()),
            ];
            e.extend(imp.clone());
            return vec![fix(
                format!("Use the result of the atomic add as `{name}`"),
                true,
                Safe,
                e,
            )];
        }
        edits.push(edit(
            cx.file,
            n.start_byte(),
            n.end_byte(),
            format!("{q}Load{width}(&{expr})"),
        ));
        format!("Read `{expr}` with atomic.Load{width}")
    } else {
        let Some(p) = n.up() else {
            return Vec::new();
        };
        let stmt = if p.kind_name() == "expression_list" {
            p.up()
        } else {
            Some(p)
        };
        let Some(stmt) = stmt else { return Vec::new() };
        let signed = width.starts_with("Int");
        let new = match stmt.kind_name() {
            "inc_statement" => format!("{q}Add{width}(&{expr}, 1)"),
            "dec_statement" if signed => format!("{q}Add{width}(&{expr}, -1)"),
            "assignment_statement" => {
                let op = stmt.field("operator").map(|o| cx.text(o)).unwrap_or("");
                let right: Vec<Node> = stmt
                    .field("right")
                    .map(|r| named_children(r).collect())
                    .unwrap_or_default();
                let left = stmt.field("left").map(|l| named_children(l).count());
                if right.len() != 1 || left != Some(1) {
                    return Vec::new();
                }
                // One of two arguments now: spaced as gofmt spaces arguments.
                let v = crate::fix::expr_at_depth(right[0], cx.src, 2);
                match op {
                    "=" => format!("{q}Store{width}(&{expr}, {v})"),
                    "+=" => format!("{q}Add{width}(&{expr}, {v})"),
                    "-=" if signed => format!("{q}Add{width}(&{expr}, -({v}))"),
                    _ => return Vec::new(),
                }
            }
            _ => return Vec::new(),
        };
        edits.push(edit(cx.file, stmt.start_byte(), stmt.end_byte(), new));
        format!("Write `{expr}` with sync/atomic")
    };
    edits.extend(imp);
    vec![fix(title, true, Safe, edits)]
}

/// `x` in `x := …`, `var x`, a parameter, or a struct literal key.
fn is_declaration_name(id: Node) -> bool {
    crate::syntax::scope::is_declaration(id)
        || id.up().is_some_and(|p| {
            matches!(p.kind_name(), "keyed_element" | "literal_element")
                && p.up().is_some_and(|kv| kv.kind_name() == "keyed_element")
                && p.up().and_then(|kv| kv.field("key")).map(|k| k.id()) == Some(p.id())
        })
}

/// How far [`path_up`] goes from an access up to its function.
const SETTLE_DEPTH: usize = 64;

/// The nodes between `n` and its function `func` (neither included),
/// innermost first. `None` deeper than [`SETTLE_DEPTH`]: a bounded climb,
/// so that many deep accesses cost no square.
fn path_up<'a>(func: Node<'a>, n: Node<'a>) -> Option<Vec<Node<'a>>> {
    let path: Vec<Node> = n
        .ancestors()
        .take_while(|a| a.id() != func.id())
        .take(SETTLE_DEPTH + 1)
        .collect();
    (path.len() <= SETTLE_DEPTH).then_some(path)
}

/// The climb from an atomic update `call` up to its function `func`: the
/// outermost function literal on the way, and whether a `go` or `defer`
/// statement was on it (see [`path_up`]).
fn climb<'a>(func: Node<'a>, call: Node<'a>) -> Option<(Option<Node<'a>>, bool)> {
    let path = path_up(func, call)?;
    let outermost = path
        .iter()
        .rev()
        .find(|a| a.kind_name() == "func_literal")
        .copied();
    let later = path
        .iter()
        .any(|a| matches!(a.kind_name(), "go_statement" | "defer_statement"));
    Some((outermost, later))
}

/// Where an atomic update `call` of a local of `func` has surely run: at
/// its own end when `func` makes it itself, or at the end of the call it
/// is passed to inside a callback (`walk(root, func(e Entry) error {
/// atomic.AddUint64(&seen, 1) … })`: the callee runs it, on its own
/// goroutines or not, before it returns). `None` when a goroutine or a
/// literal kept for later may make it (or the climb is too deep: reported,
/// as before).
fn settles_at(func: Node, call: Node) -> Option<usize> {
    let (outermost, later) = climb(func, call)?;
    if later {
        return None;
    }
    let Some(lit) = outermost else {
        return Some(call.end_byte());
    };
    // The literal is an argument of a call made there and then.
    let args = lit.up().filter(|p| p.kind_name() == "argument_list")?;
    let taker = args.up().filter(|c| c.kind_name() == "call_expression")?;
    Some(taker.end_byte())
}

/// Where the atomic update `call` of a local of `func` may start to run
/// beside `func`: the outermost function literal around it (a goroutine or
/// a callback may run from there on), else the call itself. Too deep to
/// tell: from the start of `func`.
fn exposed_at(func: Node, call: Node) -> usize {
    climb(func, call).map_or(func.start_byte(), |(outermost, _)| {
        outermost.unwrap_or(call).start_byte()
    })
}

/// The first `&name` in `func`: from there, whoever got the address may
/// update it.
fn first_address(cx: &Context, func: Node, name: &str) -> usize {
    let mut first = usize::MAX;
    visit(func, |n| {
        let address = address_of(n, cx.src)
            .is_some_and(|o| o.kind_name() == "identifier" && cx.text(o) == name);
        if address {
            first = n.start_byte();
            return Visit::Stop;
        }
        Visit::Descend
    });
    first
}

/// True when `n`, an access made by `func` itself, comes before
/// `shared_from` and no loop of `func` around it reaches there (a later
/// iteration would come after it): `var pending int64; for … { pending++ }`
/// before the callbacks that count it down are made.
fn before_shared(func: Node, n: Node, shared_from: usize) -> bool {
    n.end_byte() <= shared_from
        && path_up(func, n).is_some_and(|path| {
            !path
                .iter()
                .any(|a| a.kind_name() == "for_statement" && a.end_byte() > shared_from)
        })
}

/// True for a `.Wait()` call (a `sync.WaitGroup`'s, an errgroup's).
fn is_wait(cx: &Context, n: Node) -> bool {
    matches!(
        crate::syntax::Call::of(n).and_then(|c| c.method(cx.src)),
        Some((_, "Wait"))
    )
}

/// True when a `.Wait()` call precedes `at` in `func`: the goroutines that
/// updated a local atomically have finished. Where the first one starts is
/// found once per function.
fn waited_before(cx: &Context, func: Node, at: Node, memo: &LockedMemo) -> bool {
    let first = *memo
        .first_waits
        .borrow_mut()
        .entry(func.id())
        .or_insert_with(|| {
            let mut first = None;
            visit(func, |n| {
                if is_wait(cx, n) {
                    first = Some(n.start_byte());
                    return Visit::Stop;
                }
                Visit::Descend
            });
            first
        });
    first.is_some_and(|w| w < at.start_byte())
}

/// True when `n` runs in the goroutine of `func`: in its body, or in a
/// literal it defers (`defer func() { log.Print(n) }()`).
fn in_own_goroutine(n: Node, func: Node) -> bool {
    let deferred = |f: Node| {
        f.kind_name() == "func_literal"
            && f.up()
                .filter(|c| c.kind_name() == "call_expression")
                .and_then(|c| c.up())
                .is_some_and(|d| d.kind_name() == "defer_statement")
    };
    std::iter::successors(enclosing_function(n), |f| {
        deferred(*f).then(|| enclosing_function(*f)).flatten()
    })
    .any(|f| f.id() == func.id())
}

/// True when `operand`, the value a field access `n` goes through, is a
/// local its function made itself (`stats := newStats()`, `&T{}`) and uses
/// only through its fields and the package's methods that keep it to
/// themselves, in its goroutines too, and a `.Wait()` precedes `n` there:
/// the goroutines that reach the value have finished (see
/// [`waited_before`]). A value handed to a call may be kept by it.
fn waited_for_own<'a>(cx: &Context<'a>, operand: Node<'a>, n: Node<'a>, memo: &LockedMemo) -> bool {
    if operand.kind_name() != "identifier" {
        return false;
    }
    let name = cx.text(operand);
    let Some(func) = enclosing_function(n) else {
        return false;
    };
    if cx.declaring_function(operand, name).map(|f| f.id()) != Some(func.id())
        || !waited_before(cx, func, n, memo)
    {
        return false;
    }
    // Worked out once per function and name.
    let kept_from = *memo
        .kept_own
        .borrow_mut()
        .entry((func.id(), name.to_string()))
        .or_insert_with(|| {
            let body = func.field("body")?;
            let made = crate::syntax::statements(body)
                .into_iter()
                .find(|s| makes(cx, *s, name))?;
            let methods = |m: &str| cx.index.func(m, true).is_some_and(|f| f.keeps_receiver);
            let keeping = crate::syntax::Keeping {
                declared: Some(made),
                methods: Some(&methods),
                atomic: Some(cx.imports),
                literals: true,
                ..Default::default()
            };
            crate::syntax::keeps_to_itself_with(body, name, keeping, cx.src)
                .then(|| made.end_byte())
        });
    kept_from.is_some_and(|end| end <= n.start_byte())
}

/// True when the goroutines of `func` that update the local `name`
/// atomically each send on a channel after their last update, and `func`
/// receives from that channel in a loop it cannot break out of before `at`:
/// fan out, count atomically, gather every result, then read (`for i := 0;
/// i < len(parts); i++ { r := <-results; … }`). Each receive comes after
/// its goroutine's updates. Worked out once per function and name.
fn gathered_before(cx: &Context, func: Node, at: Node, name: &str, memo: &LockedMemo) -> bool {
    let key = (func.id(), name.to_string());
    let end = *memo
        .gathers
        .borrow_mut()
        .entry(key)
        .or_insert_with(|| gather_end(cx, func, name));
    end.is_some_and(|e| e <= at.start_byte())
}

/// Where the first loop of `func` (not nested in another) that gathers the
/// results of every goroutine updating `name` ends (see
/// [`gathered_before`]). One walk of `func`: each update and send is
/// credited to the innermost `go` statement around it, kept on a stack.
fn gather_end(cx: &Context, func: Node, name: &str) -> Option<usize> {
    let src = cx.src;
    /// A `go` statement's end, its last update of `name`, and its sends
    /// (channel, offset).
    struct Started<'s> {
        end: usize,
        last_update: Option<usize>,
        sends: Vec<(&'s str, usize)>,
    }
    let mut open: Vec<Started> = Vec::new();
    let mut done: Vec<Started> = Vec::new();
    visit(func, |m| {
        while open.last().is_some_and(|g| g.end <= m.start_byte()) {
            done.extend(open.pop());
        }
        match m.kind_name() {
            "go_statement" => open.push(Started {
                end: m.end_byte(),
                last_update: None,
                sends: Vec::new(),
            }),
            "send_statement" => {
                if let (Some(g), Some(c)) = (open.last_mut(), m.field("channel")) {
                    g.sends.push((text(unparen(c), src), m.start_byte()));
                }
            }
            "call_expression" => {
                let updates = atomic_target(m, src, cx.imports).is_some_and(|(t, _)| {
                    let t = unparen(t);
                    t.kind_name() == "identifier" && text(t, src) == name
                });
                if let Some(g) = open.last_mut().filter(|_| updates) {
                    g.last_update = Some(m.end_byte());
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    done.append(&mut open);
    // The channels every updating goroutine sends on after its updates.
    let mut channels: Option<Vec<&str>> = None;
    for g in done.iter() {
        let Some(last) = g.last_update else { continue };
        let after: Vec<&str> = g
            .sends
            .iter()
            .filter(|(_, at)| *at > last)
            .map(|(c, _)| *c)
            .collect();
        channels = Some(match channels {
            None => after,
            Some(c) => c.into_iter().filter(|x| after.contains(x)).collect(),
        });
    }
    let channels = channels.filter(|c| !c.is_empty())?;
    let mut end = None;
    crate::syntax::visit_kinds_no_funcs(func, crate::kinds!("for_statement"), |l| {
        let Some(body) = l.field("body") else {
            return Visit::Skip;
        };
        let receives = crate::syntax::any_no_funcs(body, |m| {
            crate::syntax::goroutines::received_channel(m, src)
                .is_some_and(|c| channels.contains(&c))
        });
        if receives && !crate::syntax::has_kind_no_funcs(body, crate::kinds!("break_statement")) {
            end = Some(l.end_byte());
            return Visit::Stop;
        }
        Visit::Skip
    });
    end
}

/// A field `x.f` is rewritten only when its declared type is the integer
/// type of the width: no `atomic.LoadInt32` on a `bool`.
fn field_fits(cx: &Context, sel: Node, width: &str) -> bool {
    cx.field_decl(sel)
        .is_some_and(|d| d.type_text == width.to_ascii_lowercase())
}

/// HV012's fact: a package variable or a field updated through `sync/atomic`
/// functions. Identifiers count only when they are package-level variables;
/// the check tells that against the whole package.
#[derive(Clone, Debug)]
pub struct AtomicTarget {
    name: String,
    field: bool,
    /// `Int64`, `Uint32`, … taken from the function name.
    width: String,
    location: crate::diagnostic::Location,
    /// For a field `x.f`: how the type of `x` is known.
    owner: Option<crate::syntax::typeref::TypeRef>,
    /// The locks held at the call (see [`held_locks`]).
    held: Vec<HeldLock>,
    /// `atomic.AddUint64(&total.n, part.n)`: the update adds the same field
    /// of another value (see [`Target::merged`]).
    merged: bool,
    /// `atomic.LoadUint64(&x.n)`: a read (see [`Target::merged`]).
    loaded: bool,
    /// Anything but a load: `Add`, `Store`, `Swap`, `CompareAndSwap`, …
    /// (see [`Target::updated`]).
    updated: bool,
}

/// What the atomic accesses of one target hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Guard {
    #[default]
    Unseen,
    /// Every access so far holds these (see [`held_locks`]); a lock is
    /// marked read-only when some access holds it only for reading.
    All(Vec<HeldLock>),
    /// Some access holds none.
    None,
}

impl Guard {
    fn add(&mut self, held: &[HeldLock]) {
        *self = match std::mem::take(self) {
            _ if held.is_empty() => Guard::None,
            Guard::Unseen => Guard::All(held.to_vec()),
            Guard::All(mut all) => {
                intersect(&mut all, held);
                if all.is_empty() {
                    Guard::None
                } else {
                    Guard::All(all)
                }
            }
            Guard::None => Guard::None,
        }
    }
}

/// Keeps in `all` the locks `other` holds too, each read-only when either
/// holds it only for reading.
fn intersect(all: &mut Vec<HeldLock>, other: &[HeldLock]) {
    all.retain_mut(|(l, read)| match other.iter().find(|(h, _)| h == l) {
        Some((_, r)) => {
            *read |= *r;
            true
        }
        None => false,
    });
}

/// A lock by its expression text, and whether it is held only for
/// reading (`RLock`).
type HeldLock = (String, bool);

/// The locks held at `n` (a node of `func`), with the receiver of the
/// method around it written as `@` (`c.mu` in `func (c *T)` is `@.mu`), so
/// that two methods naming their receivers differently name one lock
/// alike.
fn held_locks(
    src: &str,
    sites: &crate::syntax::Sites,
    decl: Option<Node>,
    func: Node,
    n: Node,
    memo: &mut HeldMemo,
) -> Vec<HeldLock> {
    let by_stmt = memo.entry(func.id()).or_insert_with(|| {
        let mut by_stmt: HashMap<usize, Vec<HeldLock>> = HashMap::new();
        if let Some(body) = func.field("body") {
            if sites.within(body) {
                crate::syntax::locks::each_statement(body, src, |stmt, held| {
                    let now: Vec<HeldLock> =
                        held.modes().map(|(l, r)| (l.to_string(), r)).collect();
                    // Visited more than once (a loop): what every visit
                    // holds, read-only if any visit holds it so.
                    by_stmt
                        .entry(stmt.id())
                        .and_modify(|v| intersect(v, &now))
                        .or_insert(now);
                });
            }
        }
        by_stmt
    });
    // A function that takes no lock holds none anywhere: no climb.
    if by_stmt.is_empty() {
        return Vec::new();
    }
    let held = at_statement(by_stmt, n, func).cloned().unwrap_or_default();
    // Methods are top-level: the receiver is the declaration's, if any.
    let method = decl.filter(|d| d.kind_name() == "method_declaration");
    let recv = method
        .and_then(|m| crate::syntax::handlers::receiver(m, src))
        .map(|r| r.name);
    held.into_iter()
        .map(|(l, read)| {
            let l = match &recv {
                Some(r) if l == *r => "@".to_string(),
                Some(r) if l.starts_with(&format!("{r}.")) => format!("@{}", &l[r.len()..]),
                _ => l,
            };
            (l, read)
        })
        .collect()
}

type HeldMemo = HashMap<usize, HashMap<usize, Vec<HeldLock>>>;

impl crate::index::Fact for AtomicTarget {
    fn location(&self) -> Option<&crate::diagnostic::Location> {
        Some(&self.location)
    }

    fn location_mut(&mut self) -> Option<&mut crate::diagnostic::Location> {
        Some(&mut self.location)
    }

    fn shape(&self) -> String {
        let AtomicTarget {
            name,
            field,
            width,
            location: _,
            owner,
            held,
            merged,
            loaded,
            updated,
        } = self;
        format!("atomic {name} {field} {width} {owner:?} {held:?} {merged} {loaded} {updated}")
    }

    /// A file that reads the variable plainly needs a check, whatever it
    /// imports.
    fn wakes(&self) -> Option<&str> {
        Some(&self.name)
    }
}

fn collect(at: &crate::index::Declaration, out: &mut crate::index::Facts) {
    let (decl, src, imports) = (at.node, at.src, at.imports);
    // Only a declaration that calls sync/atomic (`atomic.`, or anything
    // under a dot import) records a target.
    let Some(qualifier) = imports.qualifier("sync/atomic") else {
        return;
    };
    if !at.text().contains(&qualifier) {
        return;
    }
    let mut found: Vec<AtomicTarget> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut held_memo = HeldMemo::new();
    let lock_sites = crate::syntax::locks::lock_sites(src, decl.byte_range());
    // The names each function declares, read once per function.
    let mut locals: std::collections::HashMap<usize, crate::syntax::types::Locals> =
        Default::default();
    let mut around = crate::syntax::scope::DeclaringFunctions::default();
    visit(decl, |n| {
        let Some((target, width)) = atomic_target(n, src, imports) else {
            return Visit::Descend;
        };
        let target = unparen(target);
        let (name, field, owner) = match target.kind_name() {
            "identifier" => (text(target, src), false, None),
            "selector_expression" => match target.field("field") {
                Some(f) => (
                    text(f, src),
                    true,
                    target
                        .field("operand")
                        .and_then(|o| crate::syntax::typeref::type_ref(o, src, imports)),
                ),
                None => return Visit::Descend,
            },
            _ => return Visit::Descend,
        };
        // A local of the function around it is not the package's variable
        // of the same name (the check follows locals itself).
        let local = !field
            && enclosing_function(target).is_some_and(|f| {
                around
                    .find(f, name, |f| {
                        locals
                            .entry(f.id())
                            .or_insert_with(|| crate::syntax::types::Locals::of(f, src, imports))
                            .declares(name)
                    })
                    .is_some()
            });
        let held = match enclosing_function(n) {
            Some(func) => held_locks(src, &lock_sites, Some(decl), func, n, &mut held_memo),
            None => Vec::new(),
        };
        let op = crate::syntax::atomics::op(n, src, imports);
        let loaded = field && op == Some("Load");
        let updated = op != Some("Load");
        // `atomic.AddUint64(&qs.n, src.n)`: the field of another value.
        let merged = crate::syntax::atomics::merged_from(n, src, imports).is_some();
        // Every width is kept: fields of different structs share names.
        if !local
            && seen.insert((
                name,
                field,
                width,
                owner.clone(),
                held.clone(),
                merged,
                loaded,
                updated,
            ))
        {
            found.push(AtomicTarget {
                name: name.to_string(),
                field,
                width: width.to_string(),
                location: crate::diagnostic::Location::of_node(&at.file.path, target),
                owner,
                held,
                merged,
                loaded,
                updated,
            });
        }
        Visit::Descend
    });
    for t in found {
        out.push(t);
    }
}

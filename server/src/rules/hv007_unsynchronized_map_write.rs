//! HV007 unsynchronized-map-write.

use super::guard::{guard_fix, Guarded};
use super::{Context, Rule};
use crate::diagnostic::{Diagnostic, Location};
use crate::syntax::handlers::Handler;
use crate::syntax::locks::Held;
use crate::syntax::types::Kind;
use crate::syntax::NodeKind;
use crate::syntax::{text, unparen, Call, Visit};
use std::collections::{BTreeMap, HashMap, HashSet};
use tree_sitter::Node;

pub static RULE: Rule = Rule {
    code: "HV007",
    name: "unsynchronized-map-write",
    summary: "A handler writes a shared map without holding a lock",
    docs: r#"## What it does
Reports, inside a handler, a write to a map shared by every request (a
package-level map, a map field reached through the handler's receiver, or a
map captured from the function that built the handler, outside test code;
in test code, neither is a map field of a test double that a handler
literal, built by the double's own method, reaches through its receiver)
made without holding a lock: `m[k] = v`, `m[k]++`, `m[k] += v`, `delete(m, k)`, `clear(m)`,
and `m[a][b] = v` (a map or slice reached through it). A receiver whose
type holds a request or a response writer is made per request (a
framework's context, reset for each request from a pool): its maps are left
alone. Unlocked reads of a map that a handler writes are reported too. A write
made holding only a read lock (`mu.RLock()`, and no write lock) is reported
as well: every handler may hold the read lock at the same time, so it
guards no write. (RULES.md counts `RLock` as holding the lock; for a write
it does not exclude anything.) That finding has no automatic fix: the write
needs `mu.Lock()`, and another mutex would not exclude the readers.

In test code (`_test.go` files, test-support packages and files that
import `testing`), a map is shared only as far as the package's tests
drive it at once: a package-level map is reported when some test of the
package calls `t.Parallel()` or fires requests from goroutines started in
a loop, a map field only in the second case. A fake server that the tests
ask one request at a time never writes its maps at once, and when a test
does drive it at once, `go test -race` reports it too. A test-support
package used by other packages' tests shows none of that here, and is
left alone.

A map field of a local that holds a value reached from the receiver or a
package variable, through fields, indexes and ranges, is shared the same
way: `for _, sh := range s.shards { sh.items[k] = v }`, `sh :=
s.byName[name]`. Those findings have no automatic fix: which of the value's
locks guards the map is for the reader to say.

## Why is this bad?
Handlers run concurrently, one goroutine per request. Go maps are not safe
for concurrent writes: the runtime aborts the whole process with
"concurrent map writes", or counts silently go wrong.

## Example
```go
var hits = map[string]int{}

func count(w http.ResponseWriter, r *http.Request) {
	hits[r.URL.Path]++
	fmt.Fprintln(w, hits[r.URL.Path])
}
```

## Use instead
```go
var (
	hitsMu sync.Mutex
	hits   = map[string]int{}
)

func count(w http.ResponseWriter, r *http.Request) {
	hitsMu.Lock()
	hits[r.URL.Path]++
	n := hits[r.URL.Path]
	hitsMu.Unlock()
	fmt.Fprintln(w, n)
}
```
For counters, `sync.Map` holding `*atomic.Int64` values is another option.

## Fix
Adds a `sync.Mutex` beside the map — a package-level `var mapMu sync.Mutex`
after the map's declaration, or a `mapMu` field at the end of the struct, in
whichever file declares it — and wraps the run of statements that touch the
map in `Lock()` / `Unlock()`. A map field of a struct that has exactly one
`sync.Mutex` or `sync.RWMutex` (named or embedded, as `s.mu` or `s.Lock()`)
takes that one instead, so the accesses that hold it elsewhere exclude this
one too — unless a wrapped statement calls a method of the value or passes
it on (that call could take the same mutex and deadlock). A map field
promoted from an embedded struct is reported, and guarded in the struct that
declares it. Likewise a package map that other handlers of the file use
holding one package-level mutex (`statsLock.Lock()`) takes that mutex; the
fix is not offered when they hold several, or when a wrapped statement calls
the package's own code. A write to the client that uses the map reads
the value into a local under the lock and writes after `Unlock()`. Not offered
when a touching statement returns, breaks or writes the response in its body,
or when the struct is used by value (the mutex would be copied).
"#,
    in_tests: true,
    check,
    facts: Some(collect),
};

/// A map shared by the handlers.
#[derive(Clone)]
struct Shared {
    /// How messages name it.
    name: String,
    /// How the package index knows it.
    key: String,
    decl: Option<Location>,
    /// For a field of the handler's receiver: (receiver, its type, field).
    field: Option<(String, String, String)>,
}

impl Shared {
    /// True for a package-level variable, every request's (not a field,
    /// nor a map reached through a local).
    fn package_var(&self) -> bool {
        self.field.is_none() && !self.name.contains('.')
    }
}

struct Access<'t> {
    node: Node<'t>,
    /// The map, shared by every access to it.
    shared: std::rc::Rc<Shared>,
    write: bool,
    locked: bool,
    /// A write made holding only a read lock (`mu.RLock()`): that lock.
    read_lock: Option<String>,
    /// The handler (index into `cx.handlers()`).
    owner: usize,
}

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut accesses: BTreeMap<usize, Access> = BTreeMap::new();
    // What a map expression names, once per expression text and function:
    // a handler with n accesses to one map resolves it once, not n times.
    let mut resolved: HashMap<(usize, usize, &str), Option<std::rc::Rc<Shared>>> = HashMap::new();
    // The locks held around the guarded accesses of each map.
    let mut guards: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
    // Which receiver types are made per request, once per type.
    let per_request = PerRequest::default();
    for (hi, h) in cx.handlers().iter().enumerate() {
        if !may_touch_maps(cx, h.body) {
            continue;
        }
        // Only what each statement holds is read: a handler that takes no
        // lock is read function by function, not statement by statement.
        cx.each_statement_or_body(h, |owner, stmt, held: &Held| {
            let read_only = held.read_only();
            let accessing = crate::kinds!("index_expression", "call_expression", "range_clause");
            crate::syntax::visit_kinds_no_funcs(stmt, accessing, |n| {
                if let Some((target, write)) = map_access(cx, n) {
                    // Every handler may hold a read lock at once: it
                    // guards no write.
                    let read_lock = read_only.filter(|_| write);
                    let locked = !held.is_empty() && read_lock.is_none();
                    // The function around `target`: the body being walked.
                    let func = owner.id();
                    let key = (h.func.id(), func, cx.text(target));
                    let shared = resolved
                        .entry(key)
                        .or_insert_with(|| {
                            shared_map(cx, h, target, &per_request).map(std::rc::Rc::new)
                        })
                        .clone();
                    if let Some(shared) = shared {
                        if locked {
                            guards
                                .entry(shared.key.clone())
                                .or_default()
                                .extend(held.iter().cloned());
                        }
                        let e = accesses.entry(n.start_byte()).or_insert(Access {
                            node: n,
                            shared,
                            write,
                            locked,
                            read_lock: None,
                            owner: hi,
                        });
                        e.locked &= locked;
                        if let (Some(l), None) = (read_lock, &e.read_lock) {
                            e.read_lock = Some(l.to_string());
                        }
                    }
                }
                Visit::Descend
            });
        });
    }
    // The last line a finding was made on: the accesses come in the file's
    // order, so a line's findings come together.
    let mut last_line = None;
    let mut written_keys: HashSet<String> = HashSet::new();
    for o in accesses.values().filter(|o| o.write) {
        if !written_keys.contains(&o.shared.key) {
            written_keys.insert(o.shared.key.clone());
        }
    }
    // In order, as the accesses are.
    let write_lines: Vec<usize> = accesses
        .values()
        .filter(|o| o.write)
        .map(|o| o.node.start_position().row)
        .collect();
    // In test code, a map is shared only as far as the package's tests
    // drive it at once (see [`TestsDrive`]).
    let drive = (!accesses.is_empty() && crate::engine::is_test_code(cx.file, cx.imports))
        .then(|| tests_drive(cx));
    // Taken apart as the findings are made, not held beside them (there
    // are as many of each).
    for a in accesses.into_values() {
        let Shared {
            name: map,
            decl,
            field,
            ..
        } = &*a.shared;
        if let Some(drive) = drive {
            // A package variable is every test's; a double's map only the
            // requests made to that double.
            if !(drive.fan_out || a.shared.package_var() && drive.parallel) {
                continue;
            }
        }
        let handler = &cx.handlers()[a.owner].name;
        // Reads matter when some handler of the package writes the map.
        let written = a.write
            || package_map_writes(cx).contains(&a.shared.key)
            || written_keys.contains(&a.shared.key);
        if a.locked || !written {
            continue;
        }
        let line = a.node.start_position().row;
        // A write and a read on one line are one finding.
        if a.write || write_lines.binary_search(&line).is_err() {
            if last_line.replace(line) == Some(line) {
                continue;
            }
            let what = if a.write { "written" } else { "read" };
            let tail = if a.write {
                "handlers run concurrently"
            } else {
                "handlers write it concurrently"
            };
            let message = match &a.read_lock {
                Some(lock) => format!(
                    "map `{map}` is written by handler `{handler}` holding only the read lock `{lock}`: other handlers hold it at the same time"
                ),
                None => format!(
                    "map `{}` is {what} by handler `{}` without holding a lock; {tail}",
                    map, handler
                ),
            };
            let mut d = cx.diag(&RULE, a.node, message);
            // One related location and at most one fix: sized exactly (a
            // pushed-to vector takes room for four), as a handler may make
            // thousands of these.
            if let Some(loc) = decl {
                d.related = vec![crate::diagnostic::Related {
                    location: loc.clone(),
                    message: format!("`{map}` is shared by every request").into(),
                }]
                .into();
            }
            let guarded = match (field, decl) {
                (Some((root, type_name, field)), _) => Some(Guarded::Field {
                    root,
                    type_name,
                    field,
                }),
                (None, Some(decl)) if a.shared.package_var() => Some(Guarded::Var {
                    name: map,
                    decl,
                    guarded_by: guards.get(&a.shared.key),
                }),
                _ => None,
            };
            if let Some(lock) = &a.read_lock {
                // Another mutex would not exclude the readers under this one.
                super::by_hand(&mut d, || {
                    format!("take `{lock}.Lock()` instead of `RLock()` where `{map}` is written")
                });
                out.push(d);
                continue;
            }
            if let Some(g) = guarded {
                d.fixes = guard_fix(cx, &cx.handlers()[a.owner], a.node, g)
                    .into_iter()
                    .collect();
            }
            super::by_hand(&mut d, || {
                format!(
                    "hold one `sync.Mutex` around every use of `{}` (or use a `sync.Map`)",
                    map
                )
            });
            out.push(d);
        }
    }
}

/// True when code with this text may write a map (`m[k] = v`, `delete`,
/// `clear`), or read one that a handler of the package writes (`m[k]`,
/// `len(m)`, `range m`): a handler that can do neither is not walked with
/// its locks.
fn may_touch_maps(cx: &Context, body: Node) -> bool {
    cx.body_may_hold(body, MAP_WRITE_TEXTS)
        || (cx.body_may_hold(body, &["len(", "range"]) && !package_map_writes(cx).is_empty())
}

/// The texts one of which code that may write an element of a map holds:
/// it indexes something, or calls `delete` or `clear`.
const MAP_WRITE_TEXTS: &[&str] = &["[", "delete(", "clear("];

/// True when code with this text may write an element of a map.
fn may_write_maps(text: &str) -> bool {
    MAP_WRITE_TEXTS.iter().any(|t| text.contains(t))
}

/// If `n` reads or writes an element of a map: the map expression and
/// whether it writes.
fn map_access<'t>(cx: &Context, n: Node<'t>) -> Option<(Node<'t>, bool)> {
    if let Some(target) = crate::syntax::scope::map_write_target(n, cx.src) {
        return Some((target, true));
    }
    match n.kind_name() {
        "index_expression" if !crate::syntax::scope::is_assigned(n) => {
            Some((unparen(n.field("operand")?), false))
        }
        "call_expression" => {
            let call = Call::of(n)?;
            let len = call.function.kind_name() == "identifier" && cx.text(call.function) == "len";
            Some((call.arg(0).filter(|_| len)?, false))
        }
        "range_clause" => Some((unparen(n.field("right")?), false)),
        _ => None,
    }
}

/// The shared map an expression names, if it names one.
/// For each receiver type asked about, whether it is made per request: it
/// declares a field that holds a request or a response writer (a
/// framework's context, reset for each request from a pool, or a wrapper
/// of one response). Its maps belong to one request, not to every handler.
type PerRequest = std::cell::RefCell<HashMap<String, bool>>;

fn per_request_type(cx: &Context, per_request: &PerRequest, ty: &str) -> bool {
    if let Some(&known) = per_request.borrow().get(ty) {
        return known;
    }
    let holds = cx
        .index
        .fields_of(ty)
        .any(|f| matches!(f.kind, Kind::Request | Kind::Writer));
    per_request.borrow_mut().insert(ty.to_string(), holds);
    holds
}

fn shared_map(cx: &Context, h: &Handler, target: Node, per_request: &PerRequest) -> Option<Shared> {
    match target.kind_name() {
        "identifier" => {
            let name = cx.text(target);
            if cx.declared_around(h.func, target, name) {
                return None;
            }
            // Captured from the function that built the handler literal.
            // In test code that is a test's own fake server recording what
            // it was sent for the test to check: left alone.
            if cx.is_local(h.func, name) {
                let test_double = crate::engine::is_test_code(cx.file, cx.imports);
                return (!test_double && cx.kind_of(target) == Kind::Map).then(|| Shared {
                    name: name.to_string(),
                    key: name.to_string(),
                    decl: None,
                    field: None,
                });
            }
            let var = cx.index.var(name)?;
            (var.kind == Kind::Map).then(|| Shared {
                name: name.to_string(),
                key: name.to_string(),
                decl: Some(var.location.clone()),
                field: None,
            })
        }
        "selector_expression" => {
            let operand = unparen(target.field("operand")?);
            let field = text(target.field("field")?, cx.src);
            if operand.kind_name() != "identifier" {
                return None;
            }
            let root = cx.text(operand);
            let on_receiver = is_receiver(h, root, cx);
            if on_receiver && !receiver_shared(cx, h, per_request) {
                return None;
            }
            let local = cx.is_local(target, root);
            if local && !on_receiver {
                return reached_map(cx, h, operand, field, per_request);
            }
            let decl = if on_receiver {
                // Its own field or one promoted from an embedded struct.
                cx.index.field_of_type(&r_type(h), field)
            } else if cx.index.var(root).is_some() {
                cx.index.any_field(field, |k| *k == Kind::Map)
            } else {
                None
            }?;
            let key = crate::syntax::scope::shared_key(target, h.receiver.as_ref(), cx.src)?;
            (decl.kind == Kind::Map).then(|| Shared {
                name: format!("{root}.{field}"),
                key,
                decl: Some(decl.location.clone()),
                // The struct that declares it gets the mutex.
                field: on_receiver
                    .then(|| (root.to_string(), decl.type_name.clone(), field.to_string())),
            })
        }
        _ => None,
    }
}

/// A map field of a local that holds a value reached from the handler's
/// receiver or a package variable, through fields, indexes and ranges
/// (`for _, sh := range s.shards { sh.m[k] = v }`, `sh := s.byName[k]`):
/// every request reaches the same value. Keyed by the local's type and the
/// field, as a receiver's field is; no fix (which lock guards it is for the
/// reader to say).
fn reached_map(
    cx: &Context,
    h: &Handler,
    local: Node,
    field: &str,
    per_request: &PerRequest,
) -> Option<Shared> {
    /// Locals holding locals: a few deep.
    const DEPTH: usize = 4;
    let mut at = local;
    // Whether the value is reached from the receiver (else from a package
    // variable).
    let mut from_receiver = None;
    for _ in 0..DEPTH {
        let from = crate::syntax::typeref::reached_from(at, cx.src)?;
        let e = crate::syntax::root_ident(from)?;
        // A value received from a channel (`b := <-s.pool`) is handed
        // over, not shared.
        let received = std::iter::successors(Some(e), |n| n.up())
            .take_while(|n| n.id() != from.id())
            .chain([from])
            .any(|n| {
                n.kind_name() == "unary_expression"
                    && crate::syntax::goroutines::received_channel(n, cx.src).is_some()
            });
        if received {
            return None;
        }
        let name = cx.text(e);
        if is_receiver(h, name, cx) {
            from_receiver = Some(true);
            break;
        }
        if !cx.is_local(e, name) {
            cx.index.var(name)?;
            from_receiver = Some(false);
            break;
        }
        at = e;
    }
    if from_receiver? && !receiver_shared(cx, h, per_request) {
        return None;
    }
    let ty = cx.type_of(local)?;
    if per_request_type(cx, per_request, &ty) {
        return None;
    }
    let decl = cx.index.field_of_type(&ty, field)?;
    (decl.kind == Kind::Map).then(|| Shared {
        name: format!("{}.{field}", cx.text(local)),
        key: format!("{}.{field}", decl.type_name),
        decl: Some(decl.location.clone()),
        field: None,
    })
}

/// Whether what the handler reaches through its receiver is shared by
/// every request: not when the receiver's type is made per request, nor in
/// a handler literal a method of a test double builds, writing the
/// double's own maps (`m.calls[r.URL.Path]++`): a fake server recording
/// what it was sent, as a captured map is.
fn receiver_shared(cx: &Context, h: &Handler, per_request: &PerRequest) -> bool {
    let test_literal =
        h.func.kind_name() == "func_literal" && crate::engine::is_test_code(cx.file, cx.imports);
    !test_literal && !per_request_type(cx, per_request, &r_type(h))
}

fn is_receiver(h: &Handler, root: &str, cx: &Context) -> bool {
    match &h.receiver {
        Some(r) => {
            r.name == root
                && (h.func.kind_name() == "method_declaration" || !cx.declared_in(h.func, root))
        }
        None => false,
    }
}

fn r_type(h: &Handler) -> String {
    h.receiver
        .as_ref()
        .map(|r| r.type_name.clone())
        .unwrap_or_default()
}

/// HV007's fact: the shared places whose elements the handlers in one
/// declaration write (`m[k] = v`, `delete(m, k)`), by
/// [`crate::syntax::scope::shared_key`]. A handler's read of such a map in
/// another file races with them.
#[derive(Clone, Debug)]
pub struct MapWrites(std::collections::BTreeSet<String>);

impl crate::index::Fact for MapWrites {}

/// HV007's fact about a function of a file that imports `testing`: how it
/// drives what it tests at once.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TestsDrive {
    /// It calls `t.Parallel()`: the package's tests run side by side.
    parallel: bool,
    /// It starts goroutines in a loop (`for … { go … }`, `g.Go` in a
    /// loop): requests fired at once.
    fan_out: bool,
}

impl crate::index::Fact for TestsDrive {}

impl TestsDrive {
    fn of(decl: Node, src: &str) -> TestsDrive {
        let whole = text(decl, src);
        let starts_any = crate::syntax::goroutines::START_TEXTS
            .iter()
            .any(|t| whole.contains(t));
        TestsDrive {
            parallel: whole.contains(".Parallel()"),
            fan_out: starts_any
                && crate::syntax::goroutines::starts(decl, src)
                    .iter()
                    .any(|g| crate::syntax::goroutines::started_in_loop(g, decl)),
        }
    }
}

/// What the tests of the package drive at once, from every file's
/// functions of test code: once per package.
fn tests_drive(cx: &Context) -> TestsDrive {
    *cx.index.memo(super::memo::TESTS_DRIVE, || {
        cx.index
            .files
            .iter()
            .flat_map(|f| f.facts.of::<TestsDrive>())
            .fold(TestsDrive::default(), |a, b| TestsDrive {
                parallel: a.parallel || b.parallel,
                fan_out: a.fan_out || b.fan_out,
            })
    })
}

fn collect(at: &crate::index::Declaration, out: &mut crate::index::Facts) {
    let (decl, src, imports) = (at.node, at.src, at.imports);
    // Tests, and the helpers that drive them, import `testing`.
    if imports.has("testing") && crate::syntax::is_function(decl) {
        let drive = TestsDrive::of(decl, src);
        if drive != TestsDrive::default() {
            out.push(drive);
        }
    }
    if !imports.has("net/http")
        || !crate::syntax::is_function(decl)
        || !may_write_maps(crate::syntax::text(decl, src))
    {
        return;
    }
    let mut keys = std::collections::BTreeSet::new();
    // One walk: the handlers around each node (by where their bodies
    // end), innermost last; a write counts for each of them.
    let mut around: Vec<(usize, crate::syntax::handlers::Handler)> = Vec::new();
    let kinds = crate::kinds!(
        "function_declaration",
        "method_declaration",
        "func_literal",
        "index_expression",
        "call_expression"
    );
    crate::syntax::visit_kinds(decl, kinds, |n| {
        while around.last().is_some_and(|(end, _)| *end <= n.start_byte()) {
            around.pop();
        }
        if crate::syntax::is_function(n) {
            if let Some(h) = crate::syntax::handlers::handler(n, src, imports) {
                around.push((h.body.end_byte(), h));
            }
            return Visit::Descend;
        }
        if around.is_empty() {
            return Visit::Descend;
        }
        if let Some(target) = crate::syntax::scope::map_write_target(n, src) {
            for (_, h) in &around {
                let in_body = h.body.start_byte() <= n.start_byte();
                if let Some(key) =
                    crate::syntax::scope::shared_key(target, h.receiver.as_ref(), src)
                        .filter(|_| in_body)
                {
                    keys.insert(key);
                }
            }
        }
        Visit::Descend
    });
    if !keys.is_empty() {
        out.push(MapWrites(keys));
    }
}

/// The places whose elements some handler of the package writes: once per
/// package.
fn package_map_writes<'i>(cx: &'i Context) -> &'i HashSet<String> {
    cx.index.memo(super::memo::MAP_WRITES, || {
        cx.index
            .files
            .iter()
            .flat_map(|f| f.facts.of::<MapWrites>())
            .flat_map(|w| w.0.iter().cloned())
            .collect::<HashSet<String>>()
    })
}

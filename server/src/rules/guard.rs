//! The fix HV007 and HV008 share: guard a shared value with a new
//! `sync.Mutex` beside it, and wrap the handler's statement that touches it
//! in `Lock()` / `Unlock()`, keeping writes to the client outside the lock.

use super::Context;
use crate::diagnostic::{Applicability, Fix, Location};
use crate::fix::{edit, fix, import, statement_indent};
use crate::syntax::handlers::Handler;
use crate::syntax::scope::WRITER;
use crate::syntax::{any_no_funcs, named_children, statement_of, Call, NodeKind, Visit};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

/// What is guarded: a package-level variable, or a field of the handler's
/// receiver (`root.field` of struct type `type_name`).
pub enum Guarded<'s> {
    Var {
        name: &'s str,
        decl: &'s Location,
        /// The locks held around its guarded uses elsewhere (see
        /// [`package_lock`]): the fix takes that mutex, or is not offered
        /// when it cannot.
        guarded_by: Option<&'s std::collections::BTreeSet<String>>,
    },
    Field {
        root: &'s str,
        type_name: &'s str,
        field: &'s str,
    },
}

impl<'s> Guarded<'s> {
    fn name(&self) -> &'s str {
        match self {
            Guarded::Var { name, .. } => name,
            Guarded::Field { field, .. } => field,
        }
    }
}

/// The mutex that guards a package-level value elsewhere: of the locks
/// held around its guarded uses (`held`, by their text), the one, when
/// there is just one and it is a package-level `sync.Mutex` or
/// `sync.RWMutex`. Another mutex would not exclude those uses.
fn package_lock<'h>(cx: &Context, held: &'h std::collections::BTreeSet<String>) -> Option<&'h str> {
    let mut held = held.iter();
    let lock = held.next()?;
    (held.next().is_none()
        && !lock.contains('.')
        && cx
            .index
            .var(lock)
            .is_some_and(|v| v.kind == crate::syntax::types::Kind::Mutex))
    .then_some(lock.as_str())
}

/// The fix for an unguarded use of `what` at `access` in handler `h`.
pub fn guard_fix<'a>(
    cx: &Context<'a>,
    h: &Handler<'a>,
    access: Node<'a>,
    what: Guarded,
) -> Option<Fix> {
    let name = what.name();
    let stmt = statement_around(cx, h, access, name)?;
    // Every access in one run of statements gets the same fix: computed
    // once, so a run of n accesses costs n, not n².
    let name: std::rc::Rc<str> = name.into();
    // The run is kept as the byte range of its statements, siblings in one
    // block: a run of 100,000 statements is one entry, not 100,000.
    let block = stmt.up().map_or(0, |b| b.id());
    let (start, end) = (stmt.start_byte(), stmt.end_byte());
    let at = |from: usize| (block, name.clone(), from);
    if let Some((_, (run_end, f))) = cx.guard_fixes.borrow().range(at(0)..=at(start)).next_back() {
        if *run_end >= end {
            return (**f).clone();
        }
    }
    let mut run = Vec::new();
    let fix = std::rc::Rc::new(guard_run(cx, h, stmt, what, &name, &mut run));
    let mut memo = cx.guard_fixes.borrow_mut();
    if let (Some(first), Some(last)) = (run.first(), run.last()) {
        memo.insert(at(first.0), (last.1, fix.clone()));
    }
    if !run.iter().any(|&(s, e)| s <= start && end <= e) {
        memo.insert(at(start), (end, fix.clone()));
    }
    (*fix).clone()
}

/// The fix for the run of statements around `stmt`; pushes the byte
/// ranges of the statements it wraps (adjacent siblings) onto `run`.
fn guard_run<'a>(
    cx: &Context<'a>,
    h: &Handler<'a>,
    stmt: Node<'a>,
    what: Guarded,
    name: &str,
    run: &mut Vec<(usize, usize)>,
) -> Option<Fix> {
    let writers: HashSet<String> = match &h.writer {
        Some(w) => cx.aliases(h.func, std::slice::from_ref(w), WRITER),
        None => Default::default(),
    };
    let touches =
        |n: Node| matches!(n.kind_name(), "identifier" | "field_identifier") && cx.text(n) == name;
    let names = crate::kinds!("identifier", "field_identifier");
    let mentions = |n: Node| crate::syntax::any_kind_no_funcs(n, names, touches);
    let wrappable =
        |s: Node| s.kind_name() != "comment" && mentions(s) && !unsafe_to_wrap(cx, h, &writers, s);
    // The run of adjacent statements that use the value, and a hoisted write
    // right after it.
    let (mut first, mut last, mut tail) = (stmt, stmt, None);
    if unsafe_to_wrap(cx, h, &writers, stmt) {
        tail = Some((stmt, hoistable(cx, h, stmt, &touches)?));
        first = stmt;
        while let Some(p) = crate::syntax::prev_statement(first).filter(|p| wrappable(*p)) {
            first = p;
        }
    } else {
        while let Some(p) = crate::syntax::prev_statement(first).filter(|p| wrappable(*p)) {
            first = p;
        }
        while let Some(n) = crate::syntax::next_statement(last).filter(|n| wrappable(*n)) {
            last = n;
        }
        if let Some(n) = crate::syntax::next_statement(last).filter(|n| mentions(*n)) {
            if unsafe_to_wrap(cx, h, &writers, n) {
                tail = hoistable(cx, h, n, &touches).map(|hs| (n, hs));
            }
        }
    }
    // The statements wrapped: an access in any of them gets this same fix.
    let mut cur = Some(first);
    while let Some(c) = cur {
        if tail.as_ref().is_none_or(|(t, _)| t.id() != c.id()) {
            run.push((c.start_byte(), c.end_byte()));
        }
        if c.id() == last.id() {
            break;
        }
        cur = crate::syntax::next_statement(c);
    }
    let mut edits = Vec::new();
    let lock = match &what {
        // Guarded elsewhere: by that mutex too, or by none (one of its own
        // would not exclude those uses), unless a wrapped statement calls
        // the package's own code, which could take it again.
        Guarded::Var {
            guarded_by: Some(held),
            ..
        } => {
            let lock = package_lock(cx, held)?;
            if calls_package_code(cx, first, last) {
                return None;
            }
            lock.to_string()
        }
        Guarded::Var { name, decl, .. } => {
            let existing = format!("{name}Mu");
            match cx.index.var(&existing) {
                Some(v) if v.kind == crate::syntax::types::Kind::Mutex => {}
                Some(_) => return None,
                None => {
                    // Beside the declaration, in whichever file holds it.
                    let home = Home::of(cx, &decl.path)?;
                    let text = &home.file().text;
                    if text.get(decl.start.offset..decl.end.offset) != Some(*name) {
                        return None; // the file changed since it was indexed
                    }
                    let at = decl.start.offset;
                    let top = match home {
                        Home::This(_) => cx.declaration_at(at).map(|d| d.end_byte()),
                        Home::Sibling(_) => None,
                    };
                    let at = top.or_else(|| home.file().top_level_end_at(at))?;
                    let (sq, simp) = home.import(cx, "sync");
                    edits.extend(simp);
                    edits.push(edit(
                        home.file(),
                        at,
                        at,
                        format!("\n\n// {existing} guards {name}.\nvar {existing} {sq}Mutex"),
                    ));
                }
            }
            existing
        }
        Guarded::Field {
            root,
            type_name,
            field,
        } => {
            let decl = cx.index.field(type_name, field)?;
            let home = Home::of(cx, &decl.location.path)?;
            let facts = struct_facts(cx, &home, type_name);
            // A method taking the type by value would copy the mutex.
            if facts.by_value || struct_facts(cx, &Home::this(cx), type_name).by_value {
                return None;
            }
            let end = facts.fields_end?;
            let mu = format!("{field}Mu");
            let declared = cx.index.field(type_name, &mu).is_some();
            // The struct's own mutex, when it has just one and no statement
            // wrapped calls anything on the value (that could take the
            // mutex again and deadlock): the accesses that hold it already
            // elsewhere then exclude this one too.
            let own = facts
                .mutex
                .as_ref()
                .filter(|_| !declared && !calls_on(cx, first, last, root));
            match own {
                Some((_, true)) => root.to_string(),
                Some((name, false)) => format!("{root}.{name}"),
                None => {
                    if !declared {
                        let (sq, simp) = home.import(cx, "sync");
                        edits.extend(simp);
                        edits.push(edit(
                            home.file(),
                            end,
                            end,
                            format!("\n\n\t{mu} {sq}Mutex // guards {field}"),
                        ));
                    }
                    format!("{root}.{mu}")
                }
            }
        }
    };
    let indent = statement_indent(cx.file, first.start_byte())?.to_string();
    edits.push(edit(
        cx.file,
        first.start_byte(),
        first.start_byte(),
        format!("{lock}.Lock()\n{indent}"),
    ));
    match tail {
        Some((t, (hoists, imports))) => {
            let (mut lines, uses) = super::Hoist::edits(&hoists, cx.file, &indent);
            lines.push_str(&format!("{lock}.Unlock()\n{indent}"));
            if t.id() == first.id() {
                // One insertion point: the lock, the reads, the unlock.
                edits.pop();
                lines = format!("{lock}.Lock()\n{indent}{lines}");
            }
            edits.push(edit(cx.file, t.start_byte(), t.start_byte(), lines));
            edits.extend(uses);
            edits.extend(imports);
        }
        None => {
            let after = crate::fix::after_statement(cx.file, last.end_byte());
            edits.push(edit(
                cx.file,
                after,
                after,
                format!("\n{indent}{lock}.Unlock()"),
            ));
        }
    }
    Some(fix(
        format!("Guard `{name}` with a mutex"),
        true,
        Applicability::Safe,
        edits,
    ))
}

/// A statement that cannot run under the lock (it writes to the client or
/// leaves early) but reads the value only in its header: a write's
/// arguments, an `if` condition, a `switch` value, a `range` operand, or
/// the results of a `return`. Each read is copied into a local under the
/// lock, and the statement runs after the unlock on the copies. `None` when
/// the value is also used elsewhere in the statement.
fn hoistable<'t>(
    cx: &Context,
    h: &Handler,
    s: Node<'t>,
    touches: &dyn Fn(Node) -> bool,
) -> Option<(Vec<super::Hoist<'t>>, Vec<crate::diagnostic::Edit>)> {
    let mentions = |n: Node| any_no_funcs(n, touches);
    let field = |name: &str| s.field(name);
    let header: Vec<Node<'t>> = match s.kind_name() {
        "expression_statement" => {
            let call = crate::syntax::statement_call(s)?;
            let (hoists, imports) = cx.hoisted_arguments(h.func, &call, touches)?;
            return (!hoists.is_empty()).then_some((hoists, imports));
        }
        "if_statement" | "expression_switch_statement" => {
            let head = field(if s.kind_name() == "if_statement" {
                "condition"
            } else {
                "value"
            })?;
            vec![head]
        }
        "for_statement" => {
            let range = crate::syntax::child_of_kind(s, "range_clause")?;
            if range.field("left").is_some_and(mentions) {
                return None;
            }
            vec![range.field("right")?]
        }
        "return_statement" => named_children(s)
            .flat_map(named_children)
            .filter(|e| mentions(*e))
            .collect(),
        _ => return None,
    };
    // Nothing but the header may touch the value.
    let outside = {
        let mut found = false;
        let header_ids: std::collections::HashSet<usize> = header.iter().map(|x| x.id()).collect();
        crate::syntax::visit_no_funcs(s, |n| {
            if header_ids.contains(&n.id()) {
                return Visit::Skip;
            }
            if touches(n) {
                found = true;
                return Visit::Stop;
            }
            Visit::Descend
        });
        found
    };
    if outside {
        return None;
    }
    let reads = reads_in(&header, touches, cx.src);
    if reads.is_empty() {
        return None;
    }
    cx.hoisted(h.func, &reads)
}

/// The smallest expressions in `roots` that read the value: `m[k]` (and
/// `m[a][b]`), `len(m)` / `cap(m)`, `s.field…` the same way, else the value
/// itself.
fn reads_in<'t>(roots: &[Node<'t>], touches: &dyn Fn(Node) -> bool, src: &str) -> Vec<Node<'t>> {
    let mut out: Vec<Node<'t>> = Vec::new();
    for root in roots {
        crate::syntax::visit_no_funcs(*root, |n| {
            if !touches(n) {
                return Visit::Descend;
            }
            let mut read = n;
            let climb = |read: Node<'t>| -> Option<Node<'t>> {
                if read.id() == root.id() {
                    return None;
                }
                let p = read.up()?;
                let first = |f: &str| p.field(f).is_some_and(|c| c.id() == read.id());
                match p.kind_name() {
                    "selector_expression" if first("field") => Some(p),
                    "index_expression" if first("operand") => Some(p),
                    "argument_list" => {
                        let call = p.up()?;
                        let f = call.field("function")?;
                        let builtin = matches!(crate::syntax::text(f, src), "len" | "cap");
                        (builtin && named_children(p).count() == 1).then_some(call)
                    }
                    _ => None,
                }
            };
            while let Some(up) = climb(read) {
                read = up;
            }
            // The roots are apart and in order, and so are the reads: a
            // read inside one found before is inside the last one.
            if !out
                .last()
                .is_some_and(|o| crate::syntax::contains(*o, read))
            {
                out.push(read);
            }
            Visit::Skip
        });
    }
    out
}

/// The statement to wrap: the one holding `access`, widened to an enclosing
/// statement of the handler whose own header also mentions `name` (so that
/// two uses never take the lock twice).
fn statement_around<'a>(
    cx: &Context<'a>,
    h: &Handler<'a>,
    access: Node<'a>,
    name: &str,
) -> Option<Node<'a>> {
    let stmt = statement_of(access)?;
    // The body, or its list of statements: nothing above it is climbed to.
    let at_top = |p: Node| {
        p.id() == h.body.id()
            || crate::syntax::is_function(p)
            || (p.kind_name() == "statement_list" && p.up().is_some_and(|b| b.id() == h.body.id()))
    };
    // Most accesses sit in a statement of the body itself: nothing to climb.
    if stmt.up().is_none_or(at_top) {
        return (!crate::syntax::is_function(stmt)).then_some(stmt);
    }
    let mentions = cx.occurrences(h.body);
    // Whether the nodes between `stmt` and the climb so far mention `name`:
    // each ancestor adds its own nodes beside the child climbed from, counted
    // from the body's list of mentions, so a climb costs its depth, however
    // many statements sit beside it.
    let occurs = mentions.of_name(name);
    // A step counts its parent and its child, which the step before counted
    // as its parent: the last count is kept (a node's end is a read of the
    // tree's scattered memory).
    let last = std::cell::Cell::new((usize::MAX, 0));
    let count = |n: Node| {
        if last.get().0 == n.id() {
            return last.get().1;
        }
        let (start, end) = (n.start_byte(), n.end_byte());
        let c = occurs.partition_point(|o| o.start_byte() < end)
            - occurs.partition_point(|o| o.start_byte() < start);
        last.set((n.id(), c));
        c
    };
    // The climb from a node on, given whether the nodes climbed since the
    // last widening mention `name`, ends the same for every access below
    // it: remembered per (handler, node, that flag), so that accesses at every level
    // of deep nesting do not each climb to the top.
    let mut memos = cx.widened.borrow_mut();
    if !memos.contains_key(name) {
        memos.insert(name.to_string(), Default::default());
    }
    let memo = memos.get_mut(name)?;
    let key = |child: Node, between: bool| (h.body.id(), child.id(), between);
    // One step of the climb: the parent, whether it widens (a statement of
    // its own that mentions `name`), and the next state; `None` at the top,
    // or once nothing climbed since the last widening mentions `name` and
    // the child holds every mention (no statement above can widen).
    let step = |child: Node<'a>, between: bool| {
        if !between && count(child) == occurs.len() {
            return None;
        }
        let p = child.up().filter(|p| !at_top(*p))?;
        let mentioned = between || count(p) > count(child);
        let is_statement = !crate::syntax::holds_statements(p)
            && p.up().is_some_and(crate::syntax::holds_statements);
        let widens = is_statement && mentioned;
        Some((p, widens, mentioned && !widens))
    };
    // The climb widens to the outermost statement it passes that widens, or
    // to what a climb it joins found. Climbed twice, once to learn that and
    // once to remember it along the way, so that nothing is kept per level.
    let (mut child, mut between) = (stmt, false);
    let (mut states, mut outermost, mut known) = (0, None, None);
    loop {
        if let Some(&found) = memo.get(&key(child, between)) {
            known = Some(found);
            break;
        }
        states += 1;
        let Some((p, widens, next)) = step(child, between) else {
            break;
        };
        if widens {
            outermost = Some((states - 1, p));
        }
        (child, between) = (p, next);
    }
    let widened_from = |i: usize| {
        known
            .flatten()
            .or_else(|| outermost.filter(|&(at, _)| i <= at).map(|(_, p)| p))
    };
    // Kept for the start and every 16th state climbed through: a later
    // climb that joins this one stops within 16 nodes, and a deep nesting's
    // climb keeps a sixteenth of its length.
    let (mut child, mut between) = (stmt, false);
    for i in 0..states {
        if i % 16 == 0 || i + 1 == states {
            memo.insert(key(child, between), widened_from(i));
        }
        let Some((p, _, next)) = step(child, between) else {
            break;
        };
        (child, between) = (p, next);
    }
    let widened = widened_from(0);
    let stmt = widened.unwrap_or(stmt);
    (!crate::syntax::is_function(stmt)).then_some(stmt)
}

/// A statement that leaves early, writes to the client, or starts work that
/// outlives it cannot simply be wrapped.
fn unsafe_to_wrap(cx: &Context, h: &Handler, writers: &HashSet<String>, stmt: Node) -> bool {
    if matches!(
        stmt.kind_name(),
        "defer_statement" | "go_statement" | "return_statement" | "labeled_statement"
    ) {
        return true;
    }
    // A statement of the handler's own code: one list of where its own code
    // jumps, writes or locks answers, however deeply its statements nest.
    if crate::syntax::enclosing_function(stmt).is_some_and(|f| f.id() == h.func.id()) {
        let sites = super::per_node(&cx.unsafe_sites, h.body, || {
            let mut at = Vec::new();
            crate::syntax::visit_kinds_no_funcs(h.body, unsafe_kinds(), |n| {
                if is_unsafe(cx, writers, n) {
                    at.push(n.start_byte());
                }
                Visit::Descend
            });
            crate::syntax::Sites::from_sorted(at)
        });
        return sites.within(stmt);
    }
    crate::syntax::any_kind_no_funcs(stmt, unsafe_kinds(), |n| is_unsafe(cx, writers, n))
}

/// The nodes [`unsafe_to_wrap`] looks at: jumps out, and calls.
fn unsafe_kinds() -> &'static crate::syntax::KindSet {
    crate::kinds!(
        "return_statement",
        "break_statement",
        "continue_statement",
        "goto_statement",
        "fallthrough_statement",
        "call_expression"
    )
}

/// A jump out, a write to the client, or a lock taken.
fn is_unsafe(cx: &Context, writers: &HashSet<String>, n: Node) -> bool {
    n.kind_name() != "call_expression"
        || Call::of(n).is_some_and(|c| {
            cx.writes_to_client(&c, writers)
                || cx.text(c.function).ends_with(".Lock")
                || cx.text(c.function).ends_with(".RLock")
        })
}

type Parsed = (crate::source::SourceFile, crate::syntax::imports::Imports);

/// The file that declares a guarded value: this one, or a sibling read from
/// disk (its edits then go to that file).
enum Home<'c> {
    This(&'c crate::source::SourceFile),
    Sibling(std::sync::Arc<Parsed>),
}

impl<'c> Home<'c> {
    fn this(cx: &'c Context) -> Home<'c> {
        Home::This(cx.file)
    }

    fn of(cx: &'c Context, path: &str) -> Option<Home<'c>> {
        if *path == *cx.file.path {
            return Some(Home::this(cx));
        }
        sibling(path).map(Home::Sibling)
    }

    fn file(&self) -> &crate::source::SourceFile {
        match self {
            Home::This(f) => f,
            Home::Sibling(p) => &p.0,
        }
    }

    /// [`crate::fix::import`] of `path` into the file (asked once per check
    /// for this one).
    fn import(&self, cx: &Context, path: &str) -> (String, Option<crate::diagnostic::Edit>) {
        match self {
            Home::This(..) => cx.import(path),
            Home::Sibling(p) => import(&p.0, &p.1, path),
        }
    }
}

/// A sibling file parsed once per modification time: the language server
/// computes fixes on keystrokes, and the sibling rarely changes meanwhile.
fn sibling(path: &str) -> Option<std::sync::Arc<Parsed>> {
    static CACHE: crate::source::DiskCache<std::sync::Arc<Parsed>> =
        crate::source::DiskCache::new();
    CACHE.get(std::path::Path::new(path), |text| {
        let file = crate::source::SourceFile::parse(path.to_string(), text);
        let imports = crate::syntax::imports::Imports::of(&file);
        std::sync::Arc::new((file, imports))
    })
}

/// What a guard fix needs to know of a struct type in a file: whether a
/// method of the file takes it by value (a mutex in it would be copied),
/// and, when the file declares it, where its last field (or comment) ends.
pub(crate) struct StructFacts {
    by_value: bool,
    fields_end: Option<usize>,
    /// The struct's one `sync.Mutex` or `sync.RWMutex` field (named,
    /// embedded or a pointer), when it has exactly one: its name, and
    /// whether it is embedded.
    mutex: Option<(String, bool)>,
}

/// What guard fixes read of struct types, by file and type name.
pub(crate) type StructMemo = HashMap<(std::sync::Arc<str>, String), std::rc::Rc<StructFacts>>;

/// What the files of a package declare of struct types ([`FileStructs`]),
/// read once per file and package index, shared by every batch and thread
/// checking the package: a file is known by its path and the text read.
pub(crate) type StructFiles =
    std::sync::Mutex<HashMap<(std::sync::Arc<str>, usize, usize), std::sync::Arc<FileStructs>>>;

/// The struct types of one file: where each one's last field (or comment)
/// ends, by name (the first declaration of a name), and the types a method
/// of the file takes by value.
#[derive(Default)]
pub(crate) struct FileStructs {
    fields_end: HashMap<String, Option<usize>>,
    by_value: HashSet<String>,
}

impl FileStructs {
    /// One pass over the file's top level: a package of thousands of types
    /// would read the whole file once per type otherwise.
    fn of(file: &crate::source::SourceFile) -> FileStructs {
        let src = &file.text;
        let mut out = FileStructs::default();
        for decl in file.top_level() {
            match decl.kind_name() {
                "method_declaration" => {
                    let by_value = decl
                        .field("receiver")
                        .and_then(|r| named_children(r).next())
                        .and_then(|p| p.field("type"))
                        .filter(|t| t.kind_name() != "pointer_type");
                    if let Some(t) = by_value {
                        out.by_value.insert(crate::syntax::text(t, src).to_string());
                    }
                }
                "type_declaration" => {
                    for spec in named_children(decl).filter(|s| s.kind_name() == "type_spec") {
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let end = spec
                            .field("type")
                            .filter(|t| t.kind_name() == "struct_type")
                            .and_then(|t| crate::syntax::child_of_kind(t, "field_declaration_list"))
                            .and_then(|list| named_children(list).last())
                            .map(|l| l.end_byte());
                        out.fields_end
                            .entry(crate::syntax::text(name, src).to_string())
                            .or_insert(end);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The [`StructFacts`] of `type_name` in `home`'s file, read once per check
/// (every fix of a field of the type asks).
fn struct_facts(cx: &Context, home: &Home, type_name: &str) -> std::rc::Rc<StructFacts> {
    let source = home.file();
    let key = (source.path.clone(), type_name.to_string());
    if let Some(known) = cx.structs.borrow().get(&key) {
        return known.clone();
    }
    let files: &StructFiles = cx.index.memo(super::memo::STRUCT_FILES, Default::default);
    let at = (
        source.path.clone(),
        source.text.as_ptr() as usize,
        source.text.len(),
    );
    let known = files.lock().ok().and_then(|f| f.get(&at).cloned());
    let file = known.unwrap_or_else(|| {
        let made = std::sync::Arc::new(FileStructs::of(source));
        if let Ok(mut f) = files.lock() {
            f.insert(at, made.clone());
        }
        made
    });
    let mut mutexes = cx
        .index
        .fields_of(type_name)
        .filter(|f| f.kind == crate::syntax::types::Kind::Mutex);
    let mutex = match (mutexes.next(), mutexes.next()) {
        (Some(m), None) => Some((m.name.clone(), m.embedded)),
        _ => None,
    };
    let facts = std::rc::Rc::new(StructFacts {
        by_value: file.by_value.contains(type_name),
        fields_end: file.fields_end.get(type_name).copied().flatten(),
        mutex,
    });
    cx.structs.borrow_mut().insert(key, facts.clone());
    facts
}

/// True when a statement from `first` to `last` calls a function or method
/// that is not a builtin or a standard package's (`len`, `fmt.Sprint`):
/// the package's own code, which may take a lock.
fn calls_package_code(cx: &Context, first: Node, last: Node) -> bool {
    const BUILTINS: &[&str] = &[
        "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
        "max", "min", "new", "panic", "print", "println", "real", "recover",
    ];
    run_calls(first, last, |c| {
        let f = crate::syntax::unparen(c.function);
        match f.kind_name() {
            "identifier" => !BUILTINS.contains(&cx.text(f)),
            "selector_expression" => cx.imports.package_of(f, cx.src).is_none(),
            // A conversion (`[]byte(s)`) calls nothing.
            "array_type" | "slice_type" | "map_type" | "pointer_type" | "qualified_type"
            | "parenthesized_type" => false,
            _ => true,
        }
    })
}

/// True when a statement from `first` to `last` calls a method of `root`
/// or passes `root` to a call.
fn calls_on(cx: &Context, first: Node, last: Node, root: &str) -> bool {
    let is_root = |n: Node| {
        let n = crate::syntax::unparen(n);
        n.kind_name() == "identifier" && cx.text(n) == root
    };
    run_calls(first, last, |c| {
        c.method(cx.src).is_some_and(|(o, _)| is_root(o)) || c.args().any(&is_root)
    })
}

/// True when a statement from `first` to `last` (siblings, in order) holds
/// a call that `pred` accepts.
fn run_calls(first: Node, last: Node, pred: impl Fn(&Call) -> bool) -> bool {
    let mut cur = Some(first);
    while let Some(stmt) = cur {
        if crate::syntax::any(stmt, |n| Call::of(n).is_some_and(|c| pred(&c))) {
            return true;
        }
        if stmt.id() == last.id() {
            break;
        }
        cur = crate::syntax::next_statement(stmt);
    }
    false
}

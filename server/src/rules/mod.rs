//! The rules, one file each, and the table that registers them.
//!
//! A rule sees one file plus the package index ([`Context`]) and pushes
//! diagnostics. Each rule file carries its documentation in fixed sections
//! (What it does / Why is this bad? / Example / Use instead / Fix); the same
//! text feeds `httpvet explain` and the rule's page.

mod hv001_writer_escapes_handler;
mod hv002_request_without_context;
mod hv003_abandoned_unbuffered_send;
mod hv004_shutdown_without_deadline;
mod hv005_body_read_after_return;
mod hv006_request_retained;
mod hv007_unsynchronized_map_write;
mod hv008_shared_unsafe_writer;
mod hv009_superfluous_write_header;
mod hv010_write_under_lock;
mod hv011_hijacked_conn_leak;
mod hv012_mixed_atomic_access;

mod guard;
mod keyed;

use crate::diagnostic::{Diagnostic, Location, Related, Severity};
use crate::index::PackageIndex;
use crate::source::SourceFile;
use crate::syntax::handlers::{handler, Handler};
use crate::syntax::imports::Imports;
use crate::syntax::locks::{self, Held};
use crate::syntax::scope::Bindings;
use crate::syntax::types::{of_expr, Kind, Locals};
use crate::syntax::NodeKind;
use crate::syntax::{enclosing_function, unparen, Visit};
use std::cell::OnceCell;
use tree_sitter::Node;

/// A rule: its stable code and name, a one-line summary, its docs and its check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    /// Markdown with the sections every rule documents.
    pub docs: &'static str,
    /// Whether it checks test code (`_test.go` files, and files that import
    /// `testing` or a test framework: test helpers). A rule whose harm needs a
    /// long-running server or remote clients (a hung shutdown, a slow
    /// client, a cancelled request) has none in a test, where the same
    /// shapes are test doubles.
    pub in_tests: bool,
    pub check: fn(&Context, &mut Vec<Diagnostic>),
    /// What it records about each top-level declaration for the checks of
    /// other declarations and files of the package: its own fact types,
    /// which the index keeps without knowing them.
    pub facts: Option<crate::index::Collect>,
}

/// Every rule's facts about a top-level declaration (the index's
/// [`crate::index::Collect`]).
pub fn collect_facts(decl: &crate::index::Declaration, out: &mut crate::index::Facts) {
    if decl.node.kind_name() == "import_declaration" && decl.imports.has_leak_checker() {
        out.push(ChecksLeaks);
    }
    for collect in RULES.iter().filter_map(|r| r.facts) {
        collect(decl, out);
    }
}

/// A fact of the rules that report leaks (HV003, HV011): the file imports a
/// checker of leaked goroutines, so the package's tests fail on a leak.
#[derive(Clone, Debug, PartialEq)]
pub struct ChecksLeaks;

impl crate::index::Fact for ChecksLeaks {}

/// The rules' slots in [`PackageIndex::memo`]: what each derives from the
/// whole package once.
pub(crate) mod memo {
    /// HV008: whether the package has a variable of a type unsafe for
    /// concurrent use.
    pub const UNSAFE_VARS: usize = 0;
    /// HV012: the package variables and fields updated atomically.
    pub const ATOMIC_GLOBALS: usize = 1;
    /// HV007: the shared places whose elements handlers write.
    pub const MAP_WRITES: usize = 2;
    /// HV003 and HV011: whether a file of the package imports a checker
    /// of leaked goroutines ([`super::ChecksLeaks`]).
    pub const CHECKS_LEAKS: usize = 3;
    /// Guard fixes: what each file declares of struct types
    /// ([`super::guard::StructFiles`]).
    pub const STRUCT_FILES: usize = 4;
    /// HV007: what the package's tests drive at once
    /// ([`super::hv007_unsynchronized_map_write::TestsDrive`]).
    pub const TESTS_DRIVE: usize = 5;
    const _: () = assert!(TESTS_DRIVE < crate::index::MEMO_SLOTS);
}

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &hv001_writer_escapes_handler::RULE,
    &hv002_request_without_context::RULE,
    &hv003_abandoned_unbuffered_send::RULE,
    &hv004_shutdown_without_deadline::RULE,
    &hv005_body_read_after_return::RULE,
    &hv006_request_retained::RULE,
    &hv007_unsynchronized_map_write::RULE,
    &hv008_shared_unsafe_writer::RULE,
    &hv009_superfluous_write_header::RULE,
    &hv010_write_under_lock::RULE,
    &hv011_hijacked_conn_leak::RULE,
    &hv012_mixed_atomic_access::RULE,
];

/// The sections every rule's docs must have.
pub const DOC_SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix",
];

/// The rule's page, `docs/rules/<code>.md`: generated from its docs.
/// The text of one `## heading` section of a rule's documentation.
pub fn section(rule: &Rule, heading: &str) -> Option<&'static str> {
    let docs: &'static str = rule.docs;
    let start = docs.find(&format!("## {heading}\n"))? + heading.len() + 4;
    let body = &docs[start..];
    Some(body.split("\n## ").next().unwrap_or(body).trim())
}

pub fn page(rule: &Rule) -> String {
    format!(
        "<!-- Generated from server/src/rules/ by `UPDATE_DOCS=1 cargo test -p httpvet-tests --test docs`; do not edit. -->\n\n# {} {}\n\n{}.\n\n{}",
        rule.code,
        rule.name,
        rule.summary,
        rule.docs.trim_end().to_string()
            + if rule.in_tests {
                "\n"
            } else {
                "\n\n## Tests\nLeaves test code alone (`_test.go` files, test helpers: files that\nimport `testing` or a test framework such as testify or Gomega, and test-support packages: `…test`, `testutil`): there the same shapes are test doubles or checks made\nafter the fact, and `go test` (its timeout, its race detector) reports\nwhat harm they do.\n"
            }
    )
}

/// Finds a rule by code (`HV003`, any case) or name (`abandoned-unbuffered-send`).
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// What a rule sees: one file, its imports and its package.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    pub src: &'a str,
    pub imports: &'a Imports,
    pub index: &'a PackageIndex<'a>,
    /// The top-level declarations to check (all of them, unless the caller
    /// re-checks only what an edit touched).
    scope: Vec<Node<'a>>,
    handlers: OnceCell<Vec<Handler<'a>>>,
    functions: OnceCell<Vec<Node<'a>>>,
    /// The file's function and method declarations by name.
    declared_functions: OnceCell<std::collections::HashMap<&'a str, Vec<Node<'a>>>>,
    /// Names that fixes of this check already introduce, with the byte range
    /// of the function each is declared in: one pass, one namespace, so two
    /// fixes in one handler never both declare `req`.
    claimed: std::cell::RefCell<Claimed>,
    /// The names each function asked for a fresh name declares, by node id.
    declared: PerNode<std::collections::HashSet<String>>,
    /// The guard fix of each statement a guard run covers, by statement id
    /// and guarded name (see [`guard::guard_fix`]).
    pub(crate) guard_fixes: std::cell::RefCell<GuardFixes>,
    /// Where each name occurs in a body (or function) a rule asked about,
    /// by its node id (see [`Context::occurrences`]).
    mentions: PerNode<crate::syntax::Occurrences<'a>>,
    /// The goroutines each handler body starts, and which outlive their
    /// function, by the body's id: HV001 and HV005 ask about the same ones.
    starts: PerNode<Starts<'a>>,
    /// Where each text a rule asked about occurs in the scope, by the text
    /// (see [`Context::body_may_hold`]).
    text_sites:
        std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<crate::syntax::Sites>>>,
    /// The assignments and short declarations of each function asked
    /// about, by the names they assign (see [`Context::background_at`]).
    assignments: PerNode<Assignments<'a>>,
    /// What guard fixes read of each struct type, by file and type name.
    pub(crate) structs: std::cell::RefCell<guard::StructMemo>,
    /// The function nodes of [`Context::handlers`].
    handler_ids: OnceCell<std::collections::HashSet<usize>>,
    /// The first call that writes to the client in each handler body asked
    /// about, by its id (see [`Context::insertion_before_writes`]).
    first_writes: PerNode<Option<Node<'a>>>,
    /// The bindings of each function aliases were asked of, by node id:
    /// several rules follow the writer or the request through one handler.
    bindings: PerNode<Bindings<'a>>,
    /// Each alias set asked for, by root, seeds and rules (see
    /// [`Context::aliases`]): a rule asking once per finding asks once.
    alias_sets: std::cell::RefCell<std::collections::HashMap<(usize, String), AliasSet>>,
    /// The names each function asked about declares, by node id: one walk
    /// per function, however many names are asked.
    locals: PerNode<Locals>,
    /// For each function asked about, the literals inside it that declare
    /// each name, as byte ranges (see [`Context::declared_around`]).
    literal_locals: PerNode<LiteralLocals>,
    /// The qualifier and edit of each import a fix asked for, by path: one
    /// look at the import block per path, however many fixes need it.
    imported: std::cell::RefCell<std::collections::HashMap<String, Imported>>,
    /// Where each import a fix may drop is used, by path (see
    /// [`Context::import_uses`]).
    import_uses: std::cell::RefCell<ImportUses>,
    /// Where the file calls `.Lock()` / `.RLock()` (see [`Context::takes_locks`]).
    lock_sites: OnceCell<crate::syntax::Sites>,
    /// See [`Context::declaring_function`].
    declaring_functions: std::cell::RefCell<crate::syntax::scope::DeclaringFunctions>,
    /// Where guard fixes widen the statement around an access, by name and
    /// by the node and state a climb passed (see `guard::statement_around`).
    pub(crate) widened: std::cell::RefCell<Widened<'a>>,
    /// Where locals are declared, as [`crate::syntax::scope::declaring_scope`] learnt.
    pub(crate) scopes: std::cell::RefCell<crate::syntax::scope::ScopeMemo<'a>>,
    /// Where each handler's own code jumps out, writes to the client or
    /// takes a lock, by its body's id (see `guard::unsafe_to_wrap`).
    pub(crate) unsafe_sites: PerNode<crate::syntax::Sites>,
    /// The functions [`Context::declaring_function`] climbed, by id.
    function_nodes: std::cell::RefCell<std::collections::HashMap<usize, Node<'a>>>,
}

/// A function's `x := …` and `x = …` statements by the names on their
/// left, in walk order.
type Assignments<'a> = std::collections::HashMap<&'a str, Vec<Node<'a>>>;

/// See [`Context::outliving_goroutines`].
pub struct Outliving<'a> {
    starts: std::rc::Rc<Starts<'a>>,
    /// The indexes in [`Outliving::all`] of the outermost that outlive the
    /// handler.
    pub top: Vec<usize>,
}

/// The goroutines a body starts, and (once asked) which of them outlive
/// the function starting them, by statement id.
struct Starts<'a> {
    all: Vec<crate::syntax::goroutines::Start<'a>>,
    outliving: OnceCell<std::collections::HashSet<usize>>,
}

impl<'a> Outliving<'a> {
    /// Every goroutine the handler's body starts, in order.
    pub fn all(&self) -> &[crate::syntax::goroutines::Start<'a>] {
        &self.starts.all
    }

    /// True when the goroutine started by `stmt` outlives its function.
    pub fn outlives(&self, stmt: Node) -> bool {
        (self.starts.outliving.get()).is_some_and(|o| o.contains(&stmt.id()))
    }
}

/// See [`Context::widened`].
type Widened<'a> = std::collections::HashMap<
    String,
    std::collections::HashMap<(usize, usize, bool), Option<Node<'a>>>,
>;

/// See [`Context::import_uses`].
type ImportUses = std::collections::HashMap<String, Option<std::sync::Arc<Vec<usize>>>>;

/// What [`crate::fix::import`] answers for one path.
type Imported = (String, Option<crate::diagnostic::Edit>);

/// What a check learnt about each node it asked about, by node id.
type PerNode<T> = std::cell::RefCell<std::collections::HashMap<usize, std::rc::Rc<T>>>;

/// The value `memo` holds for `node`, made by `make` the first time.
fn per_node<T>(memo: &PerNode<T>, node: Node, make: impl FnOnce() -> T) -> std::rc::Rc<T> {
    if let Some(v) = memo.borrow().get(&node.id()) {
        return v.clone();
    }
    // Not held across `make`: it may ask this memo about other nodes.
    let v = std::rc::Rc::new(make());
    memo.borrow_mut().insert(node.id(), v.clone());
    v
}

/// The byte ranges of the function literals that declare each name.
type LiteralLocals = std::collections::HashMap<String, Vec<(usize, usize)>>;

/// The names fixes claimed, each with the byte ranges of the functions it
/// was claimed in; and per function and first candidate, the next numbered
/// name to try.
#[derive(Default)]
struct Claimed {
    names: std::collections::HashMap<String, Vec<(usize, usize)>>,
    next: std::collections::HashMap<(usize, String), usize>,
}

type AliasSet = std::collections::HashSet<String>;

/// The runs of statements one guard covers, by block (its id), guarded
/// name and where the run starts: where it ends, and its fix.
type GuardFixes = std::collections::BTreeMap<
    (usize, std::rc::Rc<str>, usize),
    (usize, std::rc::Rc<Option<crate::diagnostic::Fix>>),
>;

impl<'a> Context<'a> {
    pub fn new(file: &'a SourceFile, imports: &'a Imports, index: &'a PackageIndex<'a>) -> Self {
        Context::scoped(file, imports, index, file.top_level().collect())
    }

    /// A context that checks only the given top-level declarations.
    pub fn scoped(
        file: &'a SourceFile,
        imports: &'a Imports,
        index: &'a PackageIndex<'a>,
        scope: Vec<Node<'a>>,
    ) -> Self {
        Context {
            file,
            src: &file.text,
            imports,
            index,
            scope,
            handlers: OnceCell::new(),
            functions: OnceCell::new(),
            declared_functions: OnceCell::new(),
            claimed: Default::default(),
            declared: Default::default(),
            guard_fixes: Default::default(),
            mentions: Default::default(),
            starts: Default::default(),
            text_sites: Default::default(),
            assignments: Default::default(),
            first_writes: Default::default(),
            import_uses: Default::default(),
            structs: Default::default(),
            handler_ids: OnceCell::new(),
            bindings: Default::default(),
            alias_sets: Default::default(),
            locals: Default::default(),
            literal_locals: Default::default(),
            imported: Default::default(),
            lock_sites: OnceCell::new(),
            declaring_functions: Default::default(),
            function_nodes: Default::default(),
            widened: Default::default(),
            scopes: Default::default(),
            unsafe_sites: Default::default(),
        }
    }

    /// True when `body` takes any lock at all: a cheap pre-check, answered
    /// from one scan of the file however deeply bodies nest.
    pub fn takes_locks(&self, body: Node) -> bool {
        self.lock_sites().within(body)
    }

    /// Where the declarations in scope call `.Lock()` / `.RLock()`, scanned
    /// once (in the editor, only the declarations an edit touched).
    pub fn lock_sites(&self) -> &crate::syntax::Sites {
        self.lock_sites.get_or_init(|| {
            crate::syntax::Sites::concat(
                self.scope
                    .iter()
                    .map(|d| crate::syntax::locks::lock_sites(self.src, d.byte_range())),
            )
        })
    }

    /// [`crate::fix::import`] of `path` into this file, asked once per check.
    pub fn import(&self, path: &str) -> Imported {
        if let Some(known) = self.imported.borrow().get(path) {
            return known.clone();
        }
        let made = crate::fix::import(self.file, self.imports, path);
        self.imported
            .borrow_mut()
            .insert(path.to_string(), made.clone());
        made
    }

    /// [`crate::fix::imports`] of `paths` into this file, each asked once
    /// per check.
    pub fn import_all(&self, paths: &[&str]) -> (Vec<String>, Vec<crate::diagnostic::Edit>) {
        crate::fix::imports(self.file, self.imports, paths, &|p| self.import(p))
    }

    /// [`crate::syntax::scope::aliases`], reading the bindings of `root`
    /// walked once per check.
    pub fn aliases(
        &self,
        root: Node<'a>,
        seeds: &[String],
        rules: crate::syntax::scope::AliasRules,
    ) -> std::collections::HashSet<String> {
        if seeds.is_empty() {
            return Default::default();
        }
        let bindings = per_node(&self.bindings, root, || {
            Bindings::of_leaving_out(root, self.src, &|f| self.is_handler(f))
        });
        // A small function answers faster than a look-up would.
        if bindings.is_small() {
            return bindings.aliases(seeds, self.src, rules);
        }
        let key = (root.id(), format!("{seeds:?}{rules:?}"));
        if let Some(known) = self.alias_sets.borrow().get(&key) {
            return known.clone();
        }
        let found = bindings.aliases(seeds, self.src, rules);
        self.alias_sets.borrow_mut().insert(key, found.clone());
        found
    }

    /// Where each name occurs under `root` (a body), read once per check.
    pub fn occurrences(&self, root: Node<'a>) -> std::rc::Rc<crate::syntax::Occurrences<'a>> {
        per_node(&self.mentions, root, || {
            crate::syntax::Occurrences::of(root, self.src)
        })
    }

    /// Where the file uses the import of `path` ([`crate::fix::import_uses`]),
    /// read once per check however many fixes ask.
    pub fn import_uses(&self, path: &str) -> Option<std::sync::Arc<Vec<usize>>> {
        self.import_uses
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| crate::fix::import_uses(self.file, self.imports, path))
            .clone()
    }

    /// The declaration in scope that holds byte `at`, if one does: a binary
    /// search (the scope is in file order).
    pub fn declaration_at(&self, at: usize) -> Option<Node<'a>> {
        let i = self.scope.partition_point(|d| d.start_byte() <= at);
        let d = *self.scope.get(i.checked_sub(1)?)?;
        (d.start_byte() <= at && at < d.end_byte()).then_some(d)
    }

    /// True when a leak in this file (a goroutine blocked forever, a conn
    /// never closed) matters: outside code that only tests run, always
    /// (see [`crate::engine::only_in_tests`]). There it lives only as long
    /// as the test binary, and matters only when the package's tests check
    /// for leaked goroutines (a file of the package imports
    /// `go.uber.org/goleak` or `github.com/fortytw2/leaktest`).
    pub fn leaks_matter(&self) -> bool {
        !crate::engine::only_in_tests(self.file)
            || self.imports.has_leak_checker()
            || *self.index.memo(memo::CHECKS_LEAKS, || {
                self.index
                    .files
                    .iter()
                    .any(|f| f.facts.of::<ChecksLeaks>().next().is_some())
            })
    }

    /// True when one of `patterns` occurs in the text of `node`: the
    /// scope is read once per pattern and check, so asking of each of many
    /// nested handlers does not read the inner ones again per level.
    pub fn body_may_hold(&self, node: Node, patterns: &[&str]) -> bool {
        patterns.iter().any(|p| {
            self.sites_of(p, |text| text.match_indices(p).map(|(at, _)| at).collect())
                .within(node)
        })
    }

    /// [`crate::syntax::may_name`] of `node`'s text, from where `name`
    /// occurs as a word in the scope, found once per name and check.
    pub fn body_may_name(&self, node: Node, name: &str) -> bool {
        let key = format!("\u{1}{name}");
        self.sites_of(&key, |text| {
            crate::syntax::name_starts(text, name).collect()
        })
        .within(node)
    }

    /// The sites `find` gives in each declaration's text, kept by `key`.
    fn sites_of(
        &self,
        key: &str,
        find: impl Fn(&str) -> Vec<usize>,
    ) -> std::rc::Rc<crate::syntax::Sites> {
        if let Some(known) = self.text_sites.borrow().get(key) {
            return known.clone();
        }
        let mut scope: Vec<Node> = self.scope.clone();
        scope.sort_by_key(|d| d.start_byte());
        let at: Vec<usize> = scope
            .iter()
            .flat_map(|d| {
                let from = d.start_byte();
                find(&self.src[d.byte_range()])
                    .into_iter()
                    .map(move |i| from + i)
            })
            .collect();
        let sites = std::rc::Rc::new(crate::syntax::Sites::from_sorted(at));
        self.text_sites
            .borrow_mut()
            .insert(key.to_string(), sites.clone());
        sites
    }

    /// True when the text of a declaration in scope contains `needle`: a
    /// cheap first test (in the editor the scope is the declarations an edit
    /// touched, not the whole file).
    pub fn scope_mentions(&self, needle: &str) -> bool {
        self.scope
            .iter()
            .any(|d| self.src[d.byte_range()].contains(needle))
    }

    /// Walks every declaration in scope (pre-order, with a cursor).
    pub fn visit_scope(&self, f: impl FnMut(Node<'a>) -> Visit) {
        self.visit_scope_where(|_| true, f)
    }

    /// Walks the declarations in scope whose text `wanted` accepts: a rule
    /// whose every finding needs some text skips the rest unread.
    pub fn visit_scope_where(
        &self,
        wanted: impl Fn(&str) -> bool,
        f: impl FnMut(Node<'a>) -> Visit,
    ) {
        self.visit_scope_kinds(wanted, crate::syntax::KindSet::all(), f)
    }

    /// [`Context::visit_scope_where`], calling `f` only on the nodes whose
    /// kind `kinds` holds (see [`crate::syntax::visit_kinds`]).
    pub fn visit_scope_kinds(
        &self,
        wanted: impl Fn(&str) -> bool,
        kinds: &crate::syntax::KindSet,
        mut f: impl FnMut(Node<'a>) -> Visit,
    ) {
        let scope = self
            .scope
            .iter()
            .filter(|d| wanted(&self.src[d.byte_range()]));
        for d in scope {
            let mut stopped = false;
            crate::syntax::visit_kinds(*d, kinds, |n| {
                let v = f(n);
                stopped |= v == Visit::Stop;
                v
            });
            if stopped {
                return;
            }
        }
    }

    /// Every function in scope: declarations, methods and literals.
    pub fn functions(&self) -> &[Node<'a>] {
        self.functions.get_or_init(|| {
            let mut out = Vec::new();
            let kinds = crate::kinds!("function_declaration", "method_declaration", "func_literal");
            self.visit_scope_kinds(
                |_| true,
                kinds,
                |n| {
                    out.push(n);
                    Visit::Descend
                },
            );
            // Kept for the check: not with room for as many again.
            out.shrink_to_fit();
            out
        })
    }

    /// The function and method declarations of the whole file (not only
    /// of the scope) named `name`: the top level is read once per check.
    pub fn declared_functions(&self, name: &str) -> &[Node<'a>] {
        let all = self.declared_functions.get_or_init(|| {
            let mut all = std::collections::HashMap::<&str, Vec<Node>>::new();
            for d in self.file.top_level() {
                if matches!(d.kind_name(), "function_declaration" | "method_declaration") {
                    if let Some(n) = d.field("name") {
                        all.entry(self.text(n)).or_default().push(d);
                    }
                }
            }
            all
        });
        all.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every handler of the file (none when it does not import net/http).
    pub fn handlers(&self) -> &[Handler<'a>] {
        self.handlers.get_or_init(|| {
            if !self.imports.has("net/http") {
                return Vec::new();
            }
            self.functions()
                .iter()
                .filter_map(|f| handler(*f, self.src, self.imports))
                .collect()
        })
    }

    /// True when `node` belongs to `h` itself rather than to a handler nested in it.
    pub fn owned_by(&self, node: Node, h: &Handler) -> bool {
        self.owned_with(node, h, &mut Default::default())
    }

    /// [`Context::owned_by`], remembering in `owner` the answer for each
    /// function climbed: asking for many nodes climbs each function once.
    fn owned_with(
        &self,
        node: Node,
        h: &Handler,
        owner: &mut std::collections::HashMap<usize, bool>,
    ) -> bool {
        let handlers = self.handler_ids();
        let mut climbed = Vec::new();
        let mut cur = enclosing_function(node);
        let owned = loop {
            let Some(f) = cur else { break false };
            if let Some(&known) = owner.get(&f.id()) {
                break known;
            }
            if f.id() == h.func.id() || handlers.contains(&f.id()) {
                break f.id() == h.func.id();
            }
            climbed.push(f.id());
            cur = enclosing_function(f);
        };
        owner.extend(climbed.into_iter().map(|f| (f, owned)));
        owned
    }

    /// The goroutines handler `h` starts that may still run after it
    /// returns and whose text `names` any of `names` (see
    /// [`crate::syntax::may_name`]), outermost first, leaving out those
    /// `skip` holds. One started inside another of them is the outer one's
    /// to report, and is read with it; one inside a goroutine that names
    /// none of them names none either. So each nested level is read once,
    /// not once per level around it, and which goroutines outlive the
    /// handler is worked out only when one names something. Each comes with
    /// its index in the handler's starts.
    pub fn outliving_goroutines(
        &self,
        h: &Handler<'a>,
        names: &std::collections::HashSet<String>,
        skip: impl Fn(&crate::syntax::goroutines::Start<'a>) -> bool,
    ) -> Outliving<'a> {
        use crate::syntax::goroutines::{outliving, starts};
        let known = per_node(&self.starts, h.body, || Starts {
            all: starts(h.body, self.src),
            outliving: OnceCell::new(),
        });
        let all = &known.all;
        let owned = self.owned_starts(h, all);
        let mut top = Vec::new();
        let mut claimed_to = 0;
        for (i, g) in all.iter().enumerate() {
            if !owned.contains(&g.stmt.id()) || g.stmt.start_byte() < claimed_to || skip(g) {
                continue;
            }
            // From where each name occurs in the scope, not a scan of the
            // statement's text: nested goroutines, none of them claimed,
            // would read the inner ones once per level.
            let named = |n: Node| names.iter().any(|name| self.body_may_name(n, name));
            if !named(g.stmt) && !g.bound.is_some_and(named) {
                claimed_to = g.stmt.end_byte();
                continue;
            }
            if (known.outliving)
                .get_or_init(|| outliving(all, self.src))
                .contains(&g.stmt.id())
            {
                claimed_to = g.stmt.end_byte();
                top.push(i);
            }
        }
        Outliving {
            starts: known.clone(),
            top,
        }
    }

    /// The statements of the goroutines in `all` that belong to handler `h`
    /// itself, not to a handler nested in it (see [`Context::owned_by`]):
    /// each function around them is asked once, however deeply they nest.
    pub fn owned_starts(
        &self,
        h: &Handler,
        all: &[crate::syntax::goroutines::Start],
    ) -> std::collections::HashSet<usize> {
        let mut owner = Default::default();
        all.iter()
            .filter(|g| self.owned_with(g.stmt, h, &mut owner))
            .map(|g| g.stmt.id())
            .collect()
    }

    /// A name for a new local of `func` that collides with nothing in scope:
    /// its locals, package-level variables, import names, and the names that
    /// earlier fixes of this check introduce in `func`, an enclosing function
    /// or one nested in it. The name is then claimed for later fixes.
    pub fn fresh_name(&self, func: Node, candidates: &[&str]) -> String {
        let declared = per_node(&self.declared, func, || {
            crate::syntax::scope::declared_names(func, self.src)
        });
        let (start, end) = (func.start_byte(), func.end_byte());
        let mut claimed = self.claimed.borrow_mut();
        let taken = |n: &str| {
            declared.contains(n)
                || self.index.var(n).is_some()
                || self.imports.path_of(n).is_some()
                || claimed
                    .names
                    .get(n)
                    .is_some_and(|rs| rs.iter().any(|&(s, e)| s < end && start < e))
        };
        // Numbered names below the hint were all taken in `func` when it was
        // set, and names are never given back: n fixes in one function try
        // n names in all, not n².
        let base = candidates.first().copied().unwrap_or("v");
        let hint = claimed.next.get(&(func.id(), base.to_string())).copied();
        let name = match candidates.iter().find(|c| !taken(c)) {
            Some(c) => c.to_string(),
            None => {
                let mut i = hint.unwrap_or(2);
                while taken(&format!("{base}{i}")) {
                    i += 1;
                }
                claimed.next.insert((func.id(), base.to_string()), i + 1);
                format!("{base}{i}")
            }
        };
        claimed
            .names
            .entry(name.clone())
            .or_default()
            .push((start, end));
        name
    }

    /// For a fix that must release a lock before a write: the arguments of
    /// `call` that `touches` (guarded state), hoisted (see [`Context::hoisted`]).
    /// `None` when one cannot be, or the called function itself touches the
    /// state.
    pub fn hoisted_arguments<'n>(
        &self,
        func: Node,
        call: &crate::syntax::Call<'n>,
        touches: &dyn Fn(Node) -> bool,
    ) -> Option<(Vec<Hoist<'n>>, Vec<crate::diagnostic::Edit>)> {
        if crate::syntax::any_no_funcs(call.function, touches) {
            return None;
        }
        let args: Vec<Node<'n>> = call
            .args()
            .filter(|a| crate::syntax::any_no_funcs(*a, touches))
            .collect();
        self.hoisted(func, &args)
    }

    /// Expressions that read guarded state, each with a fresh local of
    /// `func` and the expression to read into it while the lock is held (a
    /// map is copied with `maps.Clone` from Go 1.21: copying the reference
    /// copies nothing), and the import edits that needs. Expressions with
    /// the same text share one local. `None` when one cannot be snapshotted.
    pub fn hoisted<'n>(
        &self,
        func: Node,
        exprs: &[Node<'n>],
    ) -> Option<(Vec<Hoist<'n>>, Vec<crate::diagnostic::Edit>)> {
        let mut out: Vec<Hoist<'n>> = Vec::new();
        let mut imports = Vec::new();
        // The local of each text hoisted so far, and the names given.
        let mut by_text: std::collections::HashMap<&str, usize> = Default::default();
        let mut given: std::collections::HashSet<String> = Default::default();
        for a in exprs {
            if unparen(*a).kind_name() == "func_literal" {
                return None;
            }
            if let Some(&same) = by_text.get(&self.text(*a)) {
                let name = out[same].name.clone();
                out.push(Hoist {
                    arg: *a,
                    name,
                    init: None,
                });
                continue;
            }
            let init = if self.kind_of(*a) == Kind::Map {
                if !self.go_version().at_least(1, 21) {
                    return None;
                }
                let (q, imp) = self.import("maps");
                imports.extend(imp);
                format!("{q}Clone({})", self.text(*a))
            } else {
                // A statement's expression now: spaced as gofmt spaces those.
                crate::fix::expr_at_depth(*a, self.src, 1)
            };
            let base = match unparen(*a).kind_name() {
                "selector_expression" => a
                    .field("field")
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_else(|| "v".into()),
                "call_expression" => "n".into(),
                // The whole value (a map copied for a `range`): named after it.
                "identifier" => self.text(*a).to_string(),
                _ => "v".into(),
            };
            let cands: Vec<String> = [base.clone(), format!("{base}Copy"), "snapshot".into()]
                .into_iter()
                .filter(|c| !given.contains(c))
                .collect();
            let refs: Vec<&str> = cands.iter().map(String::as_str).collect();
            let name = self.fresh_name(func, &refs);
            given.insert(name.clone());
            by_text.insert(self.text(*a), out.len());
            out.push(Hoist {
                arg: *a,
                name,
                init: Some(init),
            });
        }
        imports.dedup();
        Some((out, imports))
    }

    /// Where a fix that may answer with an error status (400 on a failed
    /// body read) inserts its statements for `stmt` of handler `h`: `stmt`
    /// itself, or the first statement of its block that already writes to
    /// the client before it (the status must not be written twice). `None`
    /// when a write happens earlier somewhere else.
    pub fn insertion_before_writes(&self, h: &Handler<'a>, stmt: Node<'a>) -> Option<Node<'a>> {
        let w = h.writer.as_ref()?;
        // The body's first write, found once per handler: the calls come
        // in order, so one before `stmt` is the first.
        let first_write = per_node(&self.first_writes, h.body, || {
            let writers = self.aliases(
                h.func,
                std::slice::from_ref(w),
                crate::syntax::scope::WRITER,
            );
            let mut first = None;
            crate::syntax::visit_calls_no_funcs(h.body, |c| {
                if self.writes_to_client(&c, &writers) {
                    first = Some(c.node);
                    return Visit::Stop;
                }
                Visit::Descend
            });
            first
        });
        let Some(write) = first_write.filter(|w| w.start_byte() < stmt.start_byte()) else {
            return Some(stmt);
        };
        let at = crate::syntax::statement_of(write)?;
        (at.up().map(|p| p.id()) == stmt.up().map(|p| p.id())).then_some(at)
    }

    /// `{check} {{ http.Error(w, err.Error(), 400); return }}` over lines at
    /// `indent`, followed by a newline and `indent` (text to insert before a
    /// statement): how the body-reading fixes answer a failed read.
    pub fn bad_request_unless(&self, check: &str, w: &str, indent: &str) -> String {
        let (hq, _) = self.import("net/http");
        format!(
            "{check} {{\n{indent}\t{hq}Error({w}, err.Error(), {hq}StatusBadRequest)\n{indent}\treturn\n{indent}}}\n{indent}"
        )
    }

    /// The Go version of the module the file belongs to, for fixes.
    pub fn go_version(&self) -> crate::gomod::GoVersion {
        crate::gomod::version_for(std::path::Path::new(&*self.file.path))
    }

    pub fn location(&self, node: Node) -> Location {
        Location::of_node(&self.file.path, node)
    }

    pub fn related(&self, node: Node, message: impl Into<String>) -> Related {
        Related {
            location: self.location(node),
            message: crate::diagnostic::Text::from(message.into()),
        }
    }

    /// A diagnostic of `rule` at `node`.
    pub fn diag(&self, rule: &Rule, node: Node, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: Severity::Warning,
            message: crate::diagnostic::Text::from(message.into()),
            location: self.location(node),
            related: Default::default(),
            fixes: Default::default(),
        }
    }

    pub fn text(&self, node: Node) -> &'a str {
        crate::syntax::text(node, self.src)
    }

    /// What kind of value an expression holds, looking through local
    /// declarations of the enclosing functions, then package variables and
    /// struct fields of the package.
    pub fn kind_of(&self, expr: Node) -> Kind {
        let e = unparen(expr);
        match e.kind_name() {
            "identifier" => {
                let name = self.text(e);
                let mut f = enclosing_function(e);
                while let Some(func) = f {
                    if let Some(k) = self.locals(func).kind(name) {
                        return k.clone();
                    }
                    f = enclosing_function(func);
                }
                self.index
                    .var(name)
                    .map(|v| v.kind.clone())
                    .unwrap_or(Kind::Other)
            }
            "selector_expression" => {
                if self
                    .imports
                    .is_member(e, self.src, "net/http", "DefaultClient")
                {
                    return Kind::HttpClient;
                }
                // The field of the operand's own type: another struct's
                // field of the same name says nothing about this one.
                self.field_decl(e)
                    .map(|f| f.kind.clone())
                    .unwrap_or(Kind::Other)
            }
            _ => of_expr(e, self.src, self.imports),
        }
    }

    /// What the package function or method a call names (`function`, the
    /// call's function) does with its `idx`-th argument: a function by its
    /// name, a method through its operand's type. `None` when the package
    /// does not declare it (an interface's method, or one of a type the
    /// package cannot resolve, may do anything).
    pub fn callee_param(&self, function: Node, idx: usize) -> Option<&'a crate::index::ParamFacts> {
        self.callee(function)?.params.get(idx)
    }

    /// True when `call` writes to the client through `writers` (see
    /// [`crate::syntax::http::writes_to_client`]), unless it only hands
    /// them to package functions that edit nothing but their headers
    /// (`setHeader(w, k, v)`).
    pub fn writes_to_client(
        &self,
        call: &crate::syntax::Call,
        writers: &std::collections::HashSet<String>,
    ) -> bool {
        let lent: Vec<usize> = call
            .args()
            .enumerate()
            .filter(|(_, a)| {
                let a = unparen(*a);
                a.kind_name() == "identifier" && writers.contains(self.text(a))
            })
            .map(|(i, _)| i)
            .collect();
        let headers_only = |f: &crate::index::FuncSummary| {
            lent.iter()
                .all(|&i| f.params.get(i).is_some_and(|p| p.headers_only))
        };
        if !lent.is_empty() && self.callee(call.function).is_some_and(headers_only) {
            return false;
        }
        crate::syntax::http::writes_to_client(call, self.src, self.imports, writers)
    }

    /// The package function or method a call's `function` names: a
    /// function by its name, a method through its operand's type.
    pub fn callee(&self, function: Node) -> Option<&'a crate::index::FuncSummary> {
        let f = unparen(function);
        match f.kind_name() {
            "identifier" => self.index.func(self.text(f), false),
            "selector_expression" => {
                let ty = self.type_of(f.field("operand")?)?;
                let method = self.text(f.field("field")?);
                self.index.method(&ty, method)
            }
            _ => None,
        }
    }

    /// The package type of an expression's value (normalised: `Server` for
    /// a `*Server`), or `None` when neither the file nor the package says.
    pub fn type_of(&self, expr: Node) -> Option<String> {
        let r = crate::syntax::typeref::type_ref(expr, self.src, self.imports)?;
        self.index.resolve(&r)
    }

    /// The declaration of the field a selector `x.f` names, found through
    /// the type of `x` (promoted fields included): `None` when `x`'s type
    /// is unknown or is not a struct of the package.
    pub fn field_decl(&self, sel: Node) -> Option<&'a crate::index::FieldDecl> {
        let sel = unparen(sel);
        if sel.kind_name() != "selector_expression" {
            return None;
        }
        let operand = sel.field("operand")?;
        let field = self.text(sel.field("field")?);
        let ty = self.type_of(operand)?;
        self.index.field_of_type(&ty, field)
    }

    /// True for `context.Background()` / `context.TODO()`, directly or through
    /// a local variable assigned from one.
    pub fn is_background_context(&self, expr: Node<'a>) -> bool {
        self.background_at(expr, 0, false)
    }

    /// True for a context without a deadline: [`Context::is_background_context`],
    /// or one made from it by `context.WithCancel` or `context.WithValue`
    /// (`ctx, cancel := context.WithCancel(context.Background())`).
    pub fn has_no_deadline(&self, expr: Node<'a>) -> bool {
        self.background_at(expr, 0, true)
    }

    /// [`Context::is_background_context`] (with `derived`, also through
    /// `WithCancel` and `WithValue`), `depth` steps from where it was asked
    /// (a chain of derivations deeper than 8 is taken as having a deadline).
    fn background_at(&self, expr: Node<'a>, depth: usize, derived: bool) -> bool {
        if depth > 8 {
            return false;
        }
        let e = unparen(expr);
        if let Some(call) = crate::syntax::Call::of(e) {
            return match self.imports.member(call.function, self.src, "context") {
                Some("Background" | "TODO") => true,
                // Derived without a deadline, and still not the request's.
                Some("WithCancel" | "WithValue") if derived => call
                    .arg(0)
                    .is_some_and(|parent| self.background_at(parent, depth + 1, derived)),
                _ => false,
            };
        }
        if e.kind_name() != "identifier" {
            return false;
        }
        let name = self.text(e);
        let Some(func) = enclosing_function(e) else {
            return false;
        };
        // `ctx := v`, `ctx = v`, or `ctx, cancel := context.WithCancel(…)`:
        // the last one before `e` in a block around it (a `ctx :=` in
        // another branch declares another variable). Found from the
        // function's index of names: a walk per question would cost the
        // function's size per `ctx` asked about.
        let assignments = per_node(&self.assignments, func, || {
            let mut at = Assignments::new();
            let kinds = crate::kinds!("short_var_declaration", "assignment_statement");
            crate::syntax::visit_kinds(func, kinds, |n| {
                let left = n
                    .field("left")
                    .into_iter()
                    .flat_map(crate::syntax::named_children);
                for l in left.filter(|l| l.kind_name() == "identifier") {
                    at.entry(self.text(l)).or_default().push(n);
                }
                Visit::Descend
            });
            at
        });
        let named = assignments.get(name).map_or(&[][..], |v| &v[..]);
        let before = named.partition_point(|n| n.start_byte() < e.start_byte());
        let value_of = |n: Node<'a>| {
            crate::syntax::scope::assigned_pairs(n)
                .into_iter()
                .find(|(l, _)| self.text(*l) == name)
                .map(|(_, v)| v)
        };
        // `ctx = context.WithTimeout(…)` in a branch between the value and
        // `e` (`if s.timeout != nil { … }`): `e` may hold either.
        let mut other_on_a_branch = false;
        let init = named[..before].iter().rev().find_map(|&n| {
            let around = n
                .up()
                .is_some_and(|b| b.start_byte() <= e.start_byte() && e.end_byte() <= b.end_byte());
            // `ctx, cancel := context.WithCancel(ctx)`: the `ctx` inside is
            // the one before.
            let holds_e = e.start_byte() < n.end_byte();
            if !around && !holds_e && n.kind_name() == "assignment_statement" {
                other_on_a_branch |=
                    value_of(n).is_some_and(|v| !self.keeps_background(v, name, derived));
            }
            if !around || holds_e || self.nil_fallback(n, name) {
                return None;
            }
            value_of(n)
        });
        !other_on_a_branch
            && init.is_some_and(|v| v.id() != e.id() && self.background_at(v, depth + 1, derived))
    }

    /// True when `v`, assigned to `name` on a branch, leaves it without a
    /// deadline if it had none: `context.Background()`, `context.TODO()`,
    /// or (with `derived`) `context.WithCancel` / `WithValue` of one of
    /// those or of `name` itself. Asked without following other names, so
    /// that a name set on many branches costs one look per branch.
    fn keeps_background(&self, v: Node, name: &str, derived: bool) -> bool {
        let Some(call) = crate::syntax::Call::of(unparen(v)) else {
            return false;
        };
        match self.imports.member(call.function, self.src, "context") {
            Some("Background" | "TODO") => true,
            Some("WithCancel" | "WithValue") if derived => call.arg(0).is_some_and(|p| {
                let p = unparen(p);
                (p.kind_name() == "identifier" && self.text(p) == name)
                    || self.keeps_background(p, name, false)
            }),
            _ => false,
        }
    }

    /// True when `assign` sits in `if name == nil { … }`: a default for a
    /// missing value (`if ctx == nil { ctx = context.Background() }`), not
    /// what `name` holds otherwise.
    fn nil_fallback(&self, assign: Node, name: &str) -> bool {
        let Some(block) = assign.up().and_then(|l| l.up()) else {
            return false;
        };
        let Some(stmt) = block.up().filter(|i| i.kind_name() == "if_statement") else {
            return false;
        };
        if stmt.field("consequence").map(|c| c.id()) != Some(block.id()) {
            return false;
        }
        let cond: String = stmt
            .field("condition")
            .map(|c| self.text(c))
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        cond == format!("{name}==nil") || cond == format!("nil=={name}")
    }

    /// True when `name` is declared inside `func` (parameters included).
    pub fn declared_in(&self, func: Node, name: &str) -> bool {
        self.locals(func).declares(name)
    }

    /// The names `func` itself declares, walked once per function.
    fn locals(&self, func: Node) -> std::rc::Rc<Locals> {
        per_node(&self.locals, func, || {
            Locals::of(func, self.src, self.imports)
        })
    }

    /// True when `name` at `at` is declared by `func` or by a function
    /// literal inside `func` that holds `at`. The literals are read once per
    /// `func`; asking per literal around `at` would climb the tree, or walk
    /// every literal, per question.
    pub fn declared_around(&self, func: Node, at: Node, name: &str) -> bool {
        if self.declared_in(func, name) {
            return true;
        }
        let lits = per_node(&self.literal_locals, func, || {
            // Each literal's names are read here and not kept per literal:
            // a function of 20,000 literals would keep 20,000 tables.
            let mut by_name = LiteralLocals::new();
            let root = func.id();
            crate::syntax::visit_kinds(func, crate::kinds!("func_literal"), |lit| {
                if lit.id() != root {
                    for (n, _) in Locals::of(lit, self.src, self.imports).names() {
                        by_name
                            .entry(n.to_string())
                            .or_default()
                            .push((lit.start_byte(), lit.end_byte()));
                    }
                }
                Visit::Descend
            });
            by_name
        });
        let (s, e) = (at.start_byte(), at.end_byte());
        lits.get(name)
            .is_some_and(|rs| rs.iter().any(|&(ls, le)| ls <= s && e <= le))
    }

    /// True when `name`, used at `at`, is declared by a function around it
    /// up to and including `outer` (so it is not a package-level name).
    pub fn is_local(&self, at: Node, name: &str) -> bool {
        enclosing_function(at).is_some_and(|func| {
            self.declaring_functions
                .borrow_mut()
                .find(func, name, |f| self.declared_in(f, name))
                .is_some()
        })
    }

    /// The innermost function around `at` that declares `name` (see
    /// [`crate::syntax::scope::DeclaringFunctions`]).
    pub fn declaring_function(&self, at: Node<'a>, name: &str) -> Option<Node<'a>> {
        let func = enclosing_function(at)?;
        let mut nodes = self.function_nodes.borrow_mut();
        let id = self
            .declaring_functions
            .borrow_mut()
            .find(func, name, |f| {
                nodes.insert(f.id(), f);
                self.declared_in(f, name)
            })?;
        if let Some(&f) = nodes.get(&id) {
            return Some(f);
        }
        // Answered by an `is_local` climb, which keeps no nodes.
        let f =
            std::iter::successors(Some(func), |f| enclosing_function(*f)).find(|f| f.id() == id)?;
        nodes.insert(id, f);
        Some(f)
    }

    /// The node ids of the scope's handlers, made once: a walk that meets
    /// thousands of handler literals asks per literal.
    fn handler_ids(&self) -> &std::collections::HashSet<usize> {
        self.handler_ids
            .get_or_init(|| self.handlers().iter().map(|o| o.func.id()).collect())
    }

    /// True when `func` is one of the scope's handlers.
    pub fn is_handler(&self, func: Node) -> bool {
        self.handler_ids().contains(&func.id())
    }

    /// Calls `f(function, statement, held)` for every statement of the
    /// handler and of the function literals inside it (each literal starting
    /// with no lock held), skipping handlers nested in it; `function` is the
    /// handler or literal whose body holds the statement. Inspect statements
    /// with [`crate::syntax::visit_no_funcs`]: every node it visits has that
    /// function around it, no climb needed.
    pub fn each_statement(&self, h: &Handler<'a>, mut f: impl FnMut(Node<'a>, Node<'a>, &Held)) {
        self.each_function(h, |func, body| {
            locks::each_statement(body, self.src, |s, held| f(func, s, held))
        });
    }

    /// [`Context::each_statement`] for a rule that reads only what the
    /// statements hold: when `h` takes no lock anywhere, no lock is held at
    /// any statement, and `f` is called once per function with its whole
    /// body (read it with [`crate::syntax::visit_no_funcs`] too) instead of
    /// following the flow of each.
    pub fn each_statement_or_body(
        &self,
        h: &Handler<'a>,
        mut f: impl FnMut(Node<'a>, Node<'a>, &Held),
    ) {
        if self.lock_sites().within(h.body) {
            return self.each_statement(h, f);
        }
        let none = Held::default();
        self.each_function(h, |func, body| f(func, body, &none));
    }

    /// Calls `f(function, body)` for `h` and for each function literal it
    /// owns, in order, skipping handlers nested in it whole (asking
    /// `owned_by` per literal climbs the tree each time). Each literal is
    /// walked as it is met, without a list of them.
    fn each_function(&self, h: &Handler<'a>, mut f: impl FnMut(Node<'a>, Node<'a>)) {
        f(h.func, h.body);
        let nested = self.handler_ids();
        crate::syntax::visit_kinds(h.body, crate::kinds!("func_literal"), |lit| {
            if nested.contains(&lit.id()) {
                return Visit::Skip;
            }
            if let Some(body) = lit.field("body") {
                f(lit, body);
            }
            Visit::Descend
        });
    }
}

/// An argument read into a local before a lock is released.
pub struct Hoist<'n> {
    pub arg: Node<'n>,
    pub name: String,
    /// What the local is set to: the argument, or a copy of it; `None` when
    /// an earlier hoist of the same expression declares the local.
    pub init: Option<String>,
}

impl Hoist<'_> {
    /// The line that declares the local, and the edit that uses it.
    pub fn edits(
        hoists: &[Hoist],
        file: &SourceFile,
        indent: &str,
    ) -> (String, Vec<crate::diagnostic::Edit>) {
        let mut lines = String::new();
        let mut edits = Vec::new();
        for h in hoists {
            if let Some(init) = &h.init {
                lines.push_str(&format!("{} := {init}\n{indent}", h.name));
            }
            edits.push(crate::fix::edit(
                file,
                h.arg.start_byte(),
                h.arg.end_byte(),
                h.name.clone(),
            ));
        }
        (lines, edits)
    }
}

/// When `d` has no fix: says what to do by hand, in the terms of the code
/// in front of the user (`advice` names its variables).
pub fn by_hand(d: &mut Diagnostic, advice: impl FnOnce() -> String) {
    if d.fixes.is_empty() && !d.message.contains("no safe fix") {
        d.message
            .push_str(&format!("; no automatic fix: {}", advice()));
    }
}

/// Code as messages quote it: one line, at most about 60 characters
/// (`Serve(ln, HandlerFunc(func(…` becomes `Serve(…)`).
pub fn snippet(code: &str) -> String {
    let one_line = !code.contains('\n');
    if one_line && code.len() <= 60 {
        return code.to_string();
    }
    match code.find('(') {
        Some(i) if i <= 60 => format!("{}(…)", &code[..i]),
        _ => {
            let first = code.lines().next().unwrap_or("");
            let cut: String = first.chars().take(57).collect();
            format!("{cut}…")
        }
    }
}

/// Keeps one diagnostic per (code, line): several findings on one line say one thing.
pub fn dedupe<D: crate::diagnostic::Found>(diags: &mut Vec<D>) {
    // By line and column, not offset: the language server may hold
    // findings whose offsets are not yet moved past an edit (see
    // `lsp::cache`); in one file the orders are the same.
    diags.sort_by_key(|d| (d.start(), d.code()));
    // Sorted by position, the findings of a line are next to each other.
    let mut line = usize::MAX;
    let mut codes: Vec<&str> = Vec::new();
    diags.retain(|d| {
        if d.start().0 != line {
            line = d.start().0;
            codes.clear();
        }
        let new = !codes.contains(&d.code());
        codes.push(d.code());
        new
    });
}

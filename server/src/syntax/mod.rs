//! Syntax helpers shared by every rule: tree walking, imports, handlers,
//! scopes and aliases, lock regions and goroutine lifetime.
//!
//! Walks use a `TreeCursor` (never recursion over arbitrary depth), so deeply
//! nested input cannot overflow the stack.

pub mod atomics;
pub mod flat;
pub mod flow;
pub mod goroutines;
pub mod handlers;
pub mod http;
pub mod imports;
pub mod locks;
pub mod scope;
pub mod typeref;
pub mod types;

use std::sync::OnceLock;
use tree_sitter::Node;

/// `Node::kind` validates a C string on every call; this reads a table
/// built once from the grammar instead.
pub trait NodeKind<'t> {
    fn kind_name(&self) -> &'static str;
    /// `Node::is_named`, from the layout when the node was taken from one
    /// lately (see [`flat`]).
    fn named(&self) -> bool;
    /// The node's parent: from the layout when the node is laid out (see
    /// [`flat`]), in constant time, else from the tree, which costs the
    /// node's depth. Use it instead of `Node::parent` in anything that
    /// climbs.
    fn up(&self) -> Option<Node<'t>>;
    /// The node's ancestors, nearest first (through [`NodeKind::up`]).
    fn ancestors(&self) -> impl Iterator<Item = Node<'t>>;
    /// The child in field `name`: `Node::child_by_field_name`, but the
    /// field's id comes from a table built once (the tree looks the name up
    /// among the grammar's field names, comparing strings, on every call).
    fn field(&self, name: &str) -> Option<Node<'t>>;
    /// The next named sibling (`Node::next_named_sibling`), from the layout
    /// when the node is laid out (a tree finds it through the parent).
    fn next_named(&self) -> Option<Node<'t>>;
    /// The previous named sibling, likewise.
    fn prev_named(&self) -> Option<Node<'t>>;
    /// The ancestors up to, not including, the nearest enclosing function.
    fn ancestors_in_function(&self) -> impl Iterator<Item = Node<'t>> {
        self.ancestors().take_while(|n| !is_function(*n))
    }
}

impl<'t> NodeKind<'t> for Node<'t> {
    #[inline]
    fn up(&self) -> Option<Node<'t>> {
        flat::parent(*self).or_else(|| self.parent())
    }

    fn ancestors(&self) -> impl Iterator<Item = Node<'t>> {
        std::iter::successors(self.up(), |n| n.up())
    }

    fn next_named(&self) -> Option<Node<'t>> {
        named_sibling(*self, true)
    }

    fn prev_named(&self) -> Option<Node<'t>> {
        named_sibling(*self, false)
    }

    #[inline]
    fn field(&self, name: &str) -> Option<Node<'t>> {
        let id = field_id(name)?;
        flat::field(*self, id).unwrap_or_else(|| self.child_by_field_id(id))
    }

    #[inline]
    fn named(&self) -> bool {
        flat::named(self).unwrap_or_else(|| self.is_named())
    }

    #[inline]
    fn kind_name(&self) -> &'static str {
        let id = flat::kind(self).unwrap_or_else(|| self.kind_id());
        kind_names().get(id as usize).copied().unwrap_or("")
    }
}

/// The grammar's id of field `name`, from a table built once: the names
/// by length, so a lookup compares a few names of the same length (a
/// scan of all of them, as the tree does, compared dozens).
fn field_id(name: &str) -> Option<u16> {
    static BY_LENGTH: OnceLock<Vec<Vec<(&'static str, u16)>>> = OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        let lang = language();
        let mut table: Vec<Vec<(&'static str, u16)>> = Vec::new();
        for id in 1..=lang.field_count() as u16 {
            let Some(name) = lang.field_name_for_id(id) else {
                continue;
            };
            if table.len() <= name.len() {
                table.resize(name.len() + 1, Vec::new());
            }
            table[name.len()].push((name, id));
        }
        table
    });
    let names = by_length.get(name.len())?;
    names.iter().find(|(n, _)| *n == name).map(|&(_, id)| id)
}

/// Every child of `node` in field `name` (`Node::children_by_field_name`,
/// which steps a new tree cursor): from the layout when `node` is laid out.
pub fn fields<'t>(node: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let Some(id) = field_id(name) else {
        return Vec::new();
    };
    match flat::fields(node, id) {
        Some(found) => found,
        None => node
            .children_by_field_name(name, &mut node.walk())
            .collect(),
    }
}

fn named_sibling(node: Node<'_>, forward: bool) -> Option<Node<'_>> {
    let Some(mut next) = flat::sibling(node, forward) else {
        return match forward {
            true => node.next_named_sibling(),
            false => node.prev_named_sibling(),
        };
    };
    while let Some(n) = next {
        if n.named() {
            return Some(n);
        }
        next = flat::sibling(n, forward).flatten();
    }
    None
}

/// The Go grammar, made once.
fn language() -> &'static tree_sitter::Language {
    static LANGUAGE: OnceLock<tree_sitter::Language> = OnceLock::new();
    LANGUAGE.get_or_init(|| tree_sitter_go::LANGUAGE.into())
}

/// What to do after visiting a node.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Visit {
    /// Visit the node's children.
    Descend,
    /// Skip the node's children.
    Skip,
    /// End the walk.
    Stop,
}

/// Pre-order walk of `root` and its descendants: from the layout of its
/// declaration when there is one (see [`flat`]), else with a cursor.
pub fn visit<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>) -> Visit) {
    if flat::walk(root, &mut f) {
        return;
    }
    let root_id = root.id();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        match f(node) {
            Visit::Stop => return,
            Visit::Descend => {
                if cursor.goto_first_child() {
                    continue;
                }
            }
            Visit::Skip => {}
        }
        loop {
            if cursor.node().id() == root_id {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Walks `root` without entering function literals (other than `root` itself).
pub fn visit_no_funcs<'t>(root: Node<'t>, f: impl FnMut(Node<'t>) -> Visit) {
    visit_kinds_no_funcs(root, KindSet::all(), f)
}

/// A set of node kinds, by the grammar's ids: a walk tests a node's kind
/// against it without a string compare (see [`visit_kinds_no_funcs`]).
pub struct KindSet(Vec<u64>);

/// The grammar's kind names by id, read once (the grammar hands each one
/// out as a C string, measured and checked as UTF-8 on every call: a few
/// hundred of them per kind set made up a tenth of checking a small file).
fn kind_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let lang = language();
        (0..lang.node_kind_count())
            .map(|id| lang.node_kind_for_id(id as u16).unwrap_or(""))
            .collect()
    })
}

impl KindSet {
    /// The ids of every kind named in `names` (a name may have several).
    pub fn of(names: &[&str]) -> KindSet {
        let all = kind_names();
        let mut bits = vec![0u64; all.len().div_ceil(64)];
        for (id, name) in all.iter().enumerate() {
            if names.contains(name) {
                bits[id / 64] |= 1 << (id % 64);
            }
        }
        KindSet(bits)
    }

    /// No kind.
    pub const NONE: KindSet = KindSet(Vec::new());

    /// Every kind.
    pub fn all() -> &'static KindSet {
        static ALL: OnceLock<KindSet> = OnceLock::new();
        ALL.get_or_init(|| KindSet(vec![u64::MAX; language().node_kind_count().div_ceil(64)]))
    }

    #[inline]
    pub fn has(&self, id: u16) -> bool {
        let id = id as usize;
        self.0
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Whether `node`'s kind is one of these.
    #[inline]
    pub fn holds(&self, node: &Node) -> bool {
        self.has(flat::kind(node).unwrap_or_else(|| node.kind_id()))
    }
}

/// A [`KindSet`] of the kinds named, built once per use site.
#[macro_export]
macro_rules! kinds {
    ($($k:literal),+ $(,)?) => {{
        static SET: std::sync::OnceLock<$crate::syntax::KindSet> = std::sync::OnceLock::new();
        SET.get_or_init(|| $crate::syntax::KindSet::of(&[$($k),+]))
    }};
}

/// [`visit_no_funcs`], calling `f` only on the nodes whose kind `kinds`
/// holds: in a laid-out declaration, the others are passed over without
/// being made into nodes (a walk looking for calls in a huge expression
/// costs a few instructions per other node).
pub fn visit_kinds_no_funcs<'t>(root: Node<'t>, kinds: &KindSet, f: impl FnMut(Node<'t>) -> Visit) {
    walk_kinds(root, kinds, crate::kinds!("func_literal"), f)
}

/// [`visit`] (function literals included), calling `f` only on the nodes
/// whose kind `kinds` holds (see [`visit_kinds_no_funcs`]).
pub fn visit_kinds<'t>(root: Node<'t>, kinds: &KindSet, f: impl FnMut(Node<'t>) -> Visit) {
    walk_kinds(root, kinds, &KindSet::NONE, f)
}

/// The kind walk: `f` on the nodes of `kinds`, never entering a node of
/// `skip` below `root`; from the layout when `root` is laid out, else with
/// a cursor.
fn walk_kinds<'t>(
    root: Node<'t>,
    kinds: &KindSet,
    skip: &KindSet,
    mut f: impl FnMut(Node<'t>) -> Visit,
) {
    if flat::walk_kinds(root, kinds, skip, &mut f) {
        return;
    }
    let root_id = root.id();
    visit(root, |n| {
        if n.id() != root_id && skip.holds(&n) {
            Visit::Skip
        } else if kinds.holds(&n) {
            f(n)
        } else {
            Visit::Descend
        }
    });
}

/// True when some node of `kinds` below `root` (not inside a node of
/// `skip`) satisfies `pred`.
pub fn any_of_kinds<'t>(
    root: Node<'t>,
    kinds: &KindSet,
    skip: &KindSet,
    mut pred: impl FnMut(Node<'t>) -> bool,
) -> bool {
    let mut found = false;
    walk_kinds(root, kinds, skip, |n| {
        found = pred(n);
        match found {
            true => Visit::Stop,
            false => Visit::Descend,
        }
    });
    found
}

/// Every call below `root` (outside function literals), in order: `f`
/// steers the walk as in [`visit`] (see [`visit_kinds_no_funcs`]).
pub fn visit_calls_no_funcs<'t>(root: Node<'t>, mut f: impl FnMut(Call<'t>) -> Visit) {
    visit_kinds_no_funcs(root, crate::kinds!("call_expression"), |n| {
        match Call::of(n) {
            Some(c) => f(c),
            None => Visit::Descend,
        }
    });
}

/// True when some node of a kind `kinds` holds lies below `root`, outside
/// function literals (`return` statements, say).
pub fn has_kind_no_funcs(root: Node, kinds: &KindSet) -> bool {
    any_kind_no_funcs(root, kinds, |_| true)
}

/// [`any_no_funcs`] over the nodes whose kind `kinds` holds (see
/// [`visit_kinds_no_funcs`]).
pub fn any_kind_no_funcs<'t>(
    root: Node<'t>,
    kinds: &KindSet,
    pred: impl FnMut(Node<'t>) -> bool,
) -> bool {
    any_of_kinds(root, kinds, crate::kinds!("func_literal"), pred)
}

/// True when some node below `root` (outside function literals) satisfies `pred`.
pub fn any_no_funcs<'t>(root: Node<'t>, pred: impl FnMut(Node<'t>) -> bool) -> bool {
    any_kind_no_funcs(root, KindSet::all(), pred)
}

/// [`any`] over the nodes whose kind `kinds` holds, function literals
/// included.
pub fn any_kind<'t>(root: Node<'t>, kinds: &KindSet, pred: impl FnMut(Node<'t>) -> bool) -> bool {
    any_of_kinds(root, kinds, &KindSet::NONE, pred)
}

/// True when some node below `root` (function literals included) satisfies `pred`.
pub fn any<'t>(root: Node<'t>, pred: impl FnMut(Node<'t>) -> bool) -> bool {
    any_of_kinds(root, KindSet::all(), &KindSet::NONE, pred)
}

/// The source text of a node.
pub fn text<'s>(node: Node, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Named children that are not comments, found lazily: `find` and `take_while`
/// stop walking where they stop (the root of a large file has thousands of
/// children). From the layout of the node's declaration when there is one
/// (see [`flat`]), else with a cursor.
pub fn named_children<'t>(node: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    let mut laid_out = flat::children(node);
    // Made on the first step when the node is not laid out.
    let mut cursor: Option<tree_sitter::TreeCursor<'t>> = None;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let next = match (&mut laid_out, &mut cursor) {
            (Some(children), _) => children.next(),
            (None, Some(c)) => c.goto_next_sibling().then(|| c.node()),
            (None, None) => {
                let c = cursor.insert(node.walk());
                c.goto_first_child().then(|| c.node())
            }
        };
        let Some(n) = next else {
            done = true;
            return None;
        };
        if is_code(&n) {
            return Some(n);
        }
    })
}

/// A named node that is not a comment: what [`named_children`] gives.
pub fn is_code(n: &Node) -> bool {
    n.named() && n.kind_name() != "comment"
}

/// The child of `node` that holds `byte`, or the first one after it (a byte
/// between two children belongs to none).
pub fn child_at_byte(node: Node<'_>, byte: usize) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    cursor.goto_first_child_for_byte(byte)?;
    Some(cursor.node())
}

/// The first named child of the given kind.
pub fn child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    named_children(node).find(|n| n.kind_name() == kind)
}

/// Strips parentheses around an expression.
pub fn unparen(mut node: Node) -> Node {
    while node.kind_name() == "parenthesized_expression" {
        match named_children(node).next() {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// `node` with the parentheses around it, outermost: [`unparen`] upwards.
pub fn outer_parens(mut node: Node) -> Node {
    while let Some(p) = node
        .up()
        .filter(|p| p.kind_name() == "parenthesized_expression")
    {
        node = p;
    }
    node
}

/// The statements of a block (or of a case clause's statement list).
pub fn statements<'t>(block: Node<'t>) -> Vec<Node<'t>> {
    match block.kind_name() {
        "block" | "communication_case" | "expression_case" | "type_case" | "default_case" => {
            match child_of_kind(block, "statement_list") {
                Some(list) => named_children(list).collect(),
                None => Vec::new(),
            }
        }
        "statement_list" => named_children(block).collect(),
        _ => vec![block],
    }
}

/// The function and argument list of a call expression. Its arguments are
/// read when asked (see [`Call::args`]): most calls looked at are only
/// asked their function.
pub struct Call<'t> {
    pub node: Node<'t>,
    pub function: Node<'t>,
    arguments: Option<Node<'t>>,
}

impl<'t> Call<'t> {
    pub fn of(node: Node<'t>) -> Option<Call<'t>> {
        if node.kind_name() != "call_expression" {
            return None;
        }
        let function = node.field("function")?;
        Some(Call {
            node,
            function: unparen(function),
            arguments: node.field("arguments"),
        })
    }

    /// For `x.M(...)`: the operand `x` and the method name `M`.
    pub fn method(&self, src: &'t str) -> Option<(Node<'t>, &'t str)> {
        if self.function.kind_name() != "selector_expression" {
            return None;
        }
        let operand = self.function.field("operand")?;
        let field = self.function.field("field")?;
        Some((unparen(operand), text(field, src)))
    }

    /// The arguments, as written (parentheses kept).
    pub fn args(&self) -> impl Iterator<Item = Node<'t>> + 't {
        self.arguments.into_iter().flat_map(named_children)
    }

    /// Argument `i`, parentheses removed.
    pub fn arg(&self, i: usize) -> Option<Node<'t>> {
        self.args().nth(i).map(unparen)
    }

    /// True for a call with no argument.
    pub fn no_args(&self) -> bool {
        self.args().next().is_none()
    }
}

/// The call of an expression statement, a `go` or a `defer` statement.
pub fn statement_call(stmt: Node) -> Option<Call> {
    match stmt.kind_name() {
        "expression_statement" | "go_statement" | "defer_statement" => {
            named_children(stmt).next().map(unparen).and_then(Call::of)
        }
        "call_expression" => Call::of(stmt),
        _ => None,
    }
}

/// The nearest enclosing function (declaration, method or literal) of a node, itself excluded.
pub fn enclosing_function(node: Node) -> Option<Node> {
    if let Some(found) = flat::enclosing_function(node) {
        return found;
    }
    let mut cur = node.up();
    while let Some(n) = cur {
        if is_function(n) {
            return Some(n);
        }
        cur = n.up();
    }
    None
}

pub fn is_function(node: Node) -> bool {
    matches!(
        node.kind_name(),
        "function_declaration" | "method_declaration" | "func_literal"
    )
}

/// The innermost `for` loop around `node` that lies inside `within` (a
/// function's body, a literal): `None` when `node` runs once per run of
/// `within`.
pub fn loop_around<'t>(node: Node<'t>, within: Node<'t>) -> Option<Node<'t>> {
    node.ancestors()
        .take_while(|a| a.id() != within.id())
        .find(|a| a.kind_name() == "for_statement")
}

/// `&x`: the operand `x` (parentheses taken off), when `n` takes an
/// address.
pub fn address_of<'t>(n: Node<'t>, src: &str) -> Option<Node<'t>> {
    if n.kind_name() != "unary_expression" || n.field("operator").map(|o| text(o, src)) != Some("&")
    {
        return None;
    }
    n.field("operand").map(unparen)
}

/// True for a value made on the spot: `&T{…}`, `T{…}` or `new(T)`.
pub fn new_value(v: Node, src: &str) -> bool {
    let v = unparen(v);
    let v = address_of(v, src).unwrap_or(v);
    match v.kind_name() {
        "composite_literal" => true,
        "call_expression" => v.field("function").is_some_and(|f| text(f, src) == "new"),
        _ => false,
    }
}

/// True when `stmt` does not let the value in `name` out: it names it only
/// to reach its fields (`name.f = v`, `name.f[k]++`, `n := name.g.h`, in
/// loops and conditions too), never bare (passed, stored, returned), never
/// to call a method on it (the method could hand it on; one of a field's
/// reaches that field only), never to take a field's address, and never
/// inside a function literal.
pub fn keeps_to_itself(stmt: Node, name: &str, src: &str) -> bool {
    keeps_to_itself_with(stmt, name, Keeping::default(), src)
}

/// [`keeps_to_itself`], where the names `declared` declares (its left
/// side) are not uses, and with `returned`, neither is `return name` (the
/// first result): the value goes back to the caller and no one else.
pub fn keeps_to_itself_past(
    stmt: Node,
    name: &str,
    declared: Option<Node>,
    returned: bool,
    src: &str,
) -> bool {
    let keeping = Keeping {
        declared,
        returned,
        ..Keeping::default()
    };
    keeps_to_itself_with(stmt, name, keeping, src)
}

/// What [`keeps_to_itself_with`] lets a statement do with the value besides
/// reaching its fields.
#[derive(Clone, Copy, Default)]
pub struct Keeping<'a> {
    /// The statement that declares it: the names on its left are no uses.
    pub declared: Option<Node<'a>>,
    /// `return name` (the first result) hands it back to the caller only.
    pub returned: bool,
    /// `name.M(…)` for the methods this says keep their receiver to
    /// themselves (see [`keeps_receiver`]).
    pub methods: Option<&'a dyn Fn(&str) -> bool>,
    /// The file's imports, to tell calls of sync/atomic: `atomic.AddInt64(&name.f,
    /// 1)` keeps no pointer to the field.
    pub atomic: Option<&'a imports::Imports>,
    /// Function literals are read like the rest, not taken as sharing it.
    pub literals: bool,
}

/// [`keeps_to_itself`], with what `keeping` allows besides.
pub fn keeps_to_itself_with(stmt: Node, name: &str, keeping: Keeping, src: &str) -> bool {
    let Keeping {
        declared,
        returned,
        methods,
        atomic,
        literals,
    } = keeping;
    let mut kept = true;
    visit(stmt, |n| {
        if n.kind_name() == "func_literal" && !literals {
            kept = !mentions(n, src, name);
            return if kept { Visit::Skip } else { Visit::Stop };
        }
        if n.kind_name() != "identifier" || text(n, src) != name {
            return Visit::Descend;
        }
        let declaring = declared.is_some_and(|d| {
            n.up().is_some_and(|l| {
                (l.id() == d.id() && d.kind_name() == "var_spec")
                    || d.field("left").is_some_and(|left| left.id() == l.id())
            })
        });
        let handed_back = returned
            && n.prev_named_sibling().is_none()
            && n.up().is_some_and(|l| {
                l.kind_name() == "expression_list"
                    && l.up().is_some_and(|r| r.kind_name() == "return_statement")
            });
        if declaring || handed_back {
            return Visit::Descend;
        }
        // The chain of field selections and indexes rooted at `name`.
        let mut top = n;
        while let Some(up) = top.up() {
            let through = match up.kind_name() {
                "selector_expression" | "index_expression" => "operand",
                _ => break,
            };
            if up.field(through).map(|o| o.id()) != Some(top.id()) {
                break;
            }
            top = up;
        }
        let used = top.up();
        // `x.M()` may hand `x` on; `x.f.M()` hands on `x.f` at most, which
        // reaches none of `x`'s other fields.
        let own_method = top.field("operand").map(|o| o.id()) == Some(n.id());
        let handed_on = |u: Node| {
            let called = u.kind_name() == "call_expression"
                && u.field("function").map(|f| f.id()) == Some(top.id())
                && own_method;
            let method_keeps = || {
                let method = top.field("field").map(|f| text(f, src));
                methods.zip(method).is_some_and(|(keeps, m)| keeps(m))
            };
            (called && !method_keeps())
                || (address_of(u, src).is_some()
                    && !atomic.is_some_and(|imports| atomic_arg(u, imports, src)))
        };
        kept = top.id() != n.id() && !used.is_some_and(handed_on);
        if kept {
            Visit::Descend
        } else {
            Visit::Stop
        }
    });
    kept
}

/// True when `arg` is an argument of a call of sync/atomic:
/// `atomic.AddInt64(&x.n, 1)`.
fn atomic_arg(arg: Node, imports: &imports::Imports, src: &str) -> bool {
    arg.up()
        .filter(|l| l.kind_name() == "argument_list")
        .and_then(|l| l.up())
        .and_then(|c| c.field("function"))
        .is_some_and(|f| imports.member(f, src, "sync/atomic").is_some())
}

/// True when method `decl` keeps its receiver to itself: its body reaches
/// the receiver's fields only, and hands a field's address only to
/// sync/atomic, which keeps no pointer (`func (r *region) setStore(s
/// *store) { atomic.StorePointer(&r.store, …) }`). Calling it on a value
/// just made does not share that value.
pub fn keeps_receiver(decl: Node, imports: &imports::Imports, src: &str) -> bool {
    let Some(receiver) = handlers::receiver(decl, src) else {
        return false;
    };
    let Some(body) = decl.field("body") else {
        return false;
    };
    let keeping = Keeping {
        atomic: Some(imports),
        ..Keeping::default()
    };
    receiver.name != "_" && keeps_to_itself_with(body, &receiver.name, keeping, src)
}

/// How a function's first result is a value it just made and handed to no
/// one else: a constructor's `return &T{…}` or `return new(T)`, or a
/// local made so (`s := new(T)`, or `s := newT()`, a call of another
/// constructor) that the body only fills in before `return s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fresh {
    /// Made here.
    Here,
    /// Made by package function `.0`, when that one is fresh too.
    Via(String),
}

/// The [`Fresh`] of function declaration `decl`, whose first result is a
/// pointer: `None` when some `return` hands back anything else.
pub fn fresh_result(decl: Node, src: &str) -> Option<Fresh> {
    let first = typeref::result_types(decl, src).first().copied()?;
    if first.kind_name() != "pointer_type" {
        return None;
    }
    let body = decl.field("body")?;
    let mut returned: Vec<Node> = Vec::new();
    let mut plain = true;
    visit_kinds_no_funcs(body, crate::kinds!("return_statement"), |r| {
        match named_children(r)
            .next()
            .and_then(|l| named_children(l).next())
        {
            Some(v) => returned.push(unparen(v)),
            None => plain = false,
        }
        Visit::Skip
    });
    if !plain || returned.is_empty() {
        return None;
    }
    if returned.iter().all(|v| new_value(*v, src)) {
        return Some(Fresh::Here);
    }
    // One local, made by the body's own first statements' declaration.
    let name = text(*returned.first()?, src);
    if returned
        .iter()
        .any(|v| v.kind_name() != "identifier" || text(*v, src) != name)
    {
        return None;
    }
    let stmts = statements(body);
    let decl_stmt = stmts.iter().find(|s| {
        s.kind_name() == "short_var_declaration"
            && s.field("left")
                .is_some_and(|l| named_children(l).map(|n| text(n, src)).eq([name]))
    })?;
    let value = decl_stmt
        .field("right")
        .and_then(|r| named_children(r).next())?;
    let made = if new_value(value, src) {
        Fresh::Here
    } else {
        let value = unparen(value);
        let f = (value.kind_name() == "call_expression")
            .then(|| value.field("function"))
            .flatten()
            .filter(|f| f.kind_name() == "identifier")?;
        Fresh::Via(text(f, src).to_string())
    };
    // Nothing but the declaration and `return name` names it bare.
    keeps_to_itself_past(body, name, Some(*decl_stmt), true, src).then_some(made)
}

/// `x != nil` (or `nil != x`) or `x == nil`: `x`, and true for `!=`.
pub fn nil_test<'t>(cond: Node<'t>, src: &str) -> Option<(Node<'t>, bool)> {
    let c = unparen(cond);
    if c.kind_name() != "binary_expression" {
        return None;
    }
    let ne = match c.field("operator").map(|o| text(o, src)) {
        Some("!=") => true,
        Some("==") => false,
        _ => return None,
    };
    let (l, r) = (c.field("left")?, c.field("right")?);
    let nil = |n: Node| text(unparen(n), src) == "nil";
    match (nil(l), nil(r)) {
        (false, true) => Some((l, ne)),
        (true, false) => Some((r, ne)),
        _ => None,
    }
}

/// True when `inner` lies inside `outer` (or is it).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The byte ranges of some nodes, only the outermost of each nest, in
/// order: whether one of the nodes holds another node is a binary search,
/// not a look at each.
pub struct Spans(Vec<(usize, usize)>);

impl Spans {
    pub fn of<'t>(nodes: impl IntoIterator<Item = Node<'t>>) -> Spans {
        let mut all: Vec<(usize, usize)> = (nodes.into_iter())
            .map(|n| (n.start_byte(), n.end_byte()))
            .collect();
        all.sort_unstable_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
        let mut outer: Vec<(usize, usize)> = Vec::with_capacity(all.len());
        for r in all {
            // Syntax nodes nest or stay apart: a range that starts inside
            // the last one kept lies inside it.
            if outer.last().is_none_or(|l| r.0 >= l.1) {
                outer.push(r);
            }
        }
        Spans(outer)
    }

    /// True when one of the nodes holds `n` ([`contains`]).
    pub fn hold(&self, n: Node) -> bool {
        let i = self.0.partition_point(|s| s.0 <= n.start_byte());
        i > 0 && n.end_byte() <= self.0[i - 1].1
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What an element expression indexes, through every level: `m` for
/// `m[a][b]`, `x.f` for `x.f[k]`, and the expression itself (unparenthesised)
/// when it indexes nothing.
pub fn indexed(node: Node) -> Option<Node> {
    let mut node = unparen(node);
    while node.kind_name() == "index_expression" {
        node = unparen(node.field("operand")?);
    }
    Some(node)
}

/// The root identifier of an expression such as `a.b.c[i]` (here `a`).
pub fn root_ident(mut node: Node) -> Option<Node> {
    loop {
        node = unparen(node);
        match node.kind_name() {
            "identifier" => return Some(node),
            "selector_expression" => node = node.field("operand")?,
            "index_expression" | "slice_expression" => node = node.field("operand")?,
            "unary_expression" => node = node.field("operand")?,
            _ => return None,
        }
    }
}

/// Where each name occurs under a node: its identifiers and field names
/// (function literals included), by their text, in order. One walk answers
/// where any name occurs, and how often inside any node below it.
pub struct Occurrences<'t>(std::collections::HashMap<&'t str, Vec<Node<'t>>>);

impl<'t> Occurrences<'t> {
    pub fn of(root: Node<'t>, src: &'t str) -> Self {
        let mut at: std::collections::HashMap<&'t str, Vec<Node<'t>>> = Default::default();
        visit_kinds(root, crate::kinds!("identifier", "field_identifier"), |n| {
            at.entry(text(n, src)).or_default().push(n);
            Visit::Descend
        });
        Occurrences(at)
    }

    /// Where `name` occurs, in order.
    pub fn of_name(&self, name: &str) -> &[Node<'t>] {
        self.0.get(name).map_or(&[], |v| &v[..])
    }

    /// Where `name` occurs within `span`, in order: a binary search, so a
    /// function that reuses one name in many scopes is not read whole per
    /// scope.
    pub fn of_name_in(&self, name: &str, span: &Span) -> &[Node<'t>] {
        let all = self.of_name(name);
        let from = all.partition_point(|n| n.start_byte() < span.start);
        let to = from + all[from..].partition_point(|n| n.start_byte() < span.end);
        &all[from..to]
    }
}

/// True when the expression mentions `name` as an identifier or a selector
/// with exactly that text (`s.wg`), function literals included.
pub fn mentions(node: Node, src: &str, name: &str) -> bool {
    let kinds = crate::kinds!("identifier", "selector_expression");
    any_of_kinds(node, kinds, &KindSet::NONE, |n| text(n, src) == name)
}

/// Sorted byte offsets of things found in one pass over a stretch of
/// source: whether any lies inside a node is then a binary search. Asking
/// each node's own text or subtree instead rereads nested code once per
/// node around it, a square on deep nesting.
#[derive(Debug, Default)]
pub struct Sites(Vec<usize>);

impl Sites {
    /// Where any of `patterns` occurs in `src[range]`.
    pub fn of_text(src: &str, range: std::ops::Range<usize>, patterns: &[&str]) -> Sites {
        let mut at = Vec::new();
        for pat in patterns {
            at.extend(
                src[range.clone()]
                    .match_indices(pat)
                    .map(|(i, _)| range.start + i),
            );
        }
        at.sort_unstable();
        Sites(at)
    }

    /// Where the nodes of `root` whose kind `kinds` holds start.
    pub fn of_kinds(root: Node, kinds: &KindSet) -> Sites {
        let mut at = Vec::new();
        visit_kinds(root, kinds, |n| {
            at.push(n.start_byte());
            Visit::Descend
        });
        Sites::from_sorted(at)
    }

    /// Sites found in order (pre-order walks find them so).
    pub fn from_sorted(at: Vec<usize>) -> Sites {
        debug_assert!(at.is_sorted());
        Sites(at)
    }

    /// The sites of stretches given in order, one after another.
    pub fn concat(parts: impl Iterator<Item = Sites>) -> Sites {
        Sites::from_sorted(parts.flat_map(|p| p.0).collect())
    }

    /// True when one of the sites lies inside `node`.
    pub fn within(&self, node: Node) -> bool {
        let i = self.0.partition_point(|&o| o < node.start_byte());
        self.0.get(i).is_some_and(|&o| o < node.end_byte())
    }
}

/// True when `text` may name the variable `name`: it holds `name` as a
/// whole word that is not a field (`.name`). A byte scan that rules out a
/// handler whose body never touches its writer or request before any of
/// their aliases are followed; a word in a string or comment only makes it
/// look.
pub fn may_name(text: &str, name: &str) -> bool {
    name_starts(text, name).next().is_some()
}

/// Where `text` may name the variable `name` ([`may_name`]), in order.
pub fn name_starts<'t>(text: &'t str, name: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    word_starts(text, name).filter(move |&at| {
        !bytes
            .get(at + name.len())
            .is_some_and(|&b| is_ident_byte(b))
    })
}

/// True for a byte that may be part of a Go identifier (any byte of a
/// non-ASCII letter included).
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The offsets where `text` holds `word` not as the tail of a longer name
/// nor after a `.` (not `renew(`, `x.new(`, `c.conn.Close(`).
pub fn word_starts<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| {
            !at.checked_sub(1)
                .is_some_and(|i| is_ident_byte(bytes[i]) || bytes[i] == b'.')
        })
}

/// About this many bytes of source make a batch of declarations. Small
/// batches keep a layout in cache and little of it in memory: checking a
/// megabyte of handlers in 16 KB batches takes 30 % less time than in
/// 256 KB ones, and 20 % less memory.
pub const BATCH_BYTES: usize = 16 << 10;

/// `scope` (top-level declarations) in runs of about [`BATCH_BYTES`] of
/// source, a larger declaration on its own: what is laid out at once, and
/// what one thread summarises or checks of a large file.
pub fn batches<'a>(scope: Vec<Node<'a>>) -> impl Iterator<Item = Vec<Node<'a>>> {
    let mut scope = scope.into_iter().peekable();
    std::iter::from_fn(move || {
        let mut batch = Vec::new();
        let mut bytes = 0;
        while let Some(d) =
            scope.next_if(|d| batch.is_empty() || bytes + d.byte_range().len() <= BATCH_BYTES)
        {
            bytes += d.byte_range().len();
            batch.push(d);
        }
        (!batch.is_empty()).then_some(batch)
    })
}

/// True for a batch as large as many (one long function, on many lines):
/// two threads check it at once, sharing its rules out (see
/// [`crate::engine::check_file`]).
pub fn is_shared(batch: &[Node]) -> bool {
    let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
        return false;
    };
    last.end_byte() - first.start_byte() >= SHARED_BYTES
        && last.end_position().row - first.start_position().row >= SHARED_LINES
}

/// A batch of at least this much source, on at least [`SHARED_LINES`]
/// lines, is shared (see [`is_shared`]): 64 batches' worth, where laying
/// it out and deriving the rules' shared facts on two threads costs little
/// beside the rules.
pub const SHARED_BYTES: usize = 64 * BATCH_BYTES;

/// The rules' work follows the statements, the layout's the nodes: a
/// megabyte on a few long lines (one huge expression) keeps the rules
/// idle, and sharing would only lay it out twice (5 MB on one line: 2.57×
/// parse shared, 2.32× on one thread; 100,000 channels each in a
/// statement of its own: 3.67× shared, 5.0× on one).
pub const SHARED_LINES: usize = 20_000;

/// A byte range within one file.
pub type Span = std::ops::Range<usize>;

/// Which function literal of `decl` `lit` is, counting from 1 in source
/// order, as Go numbers closures (`name.func2`); 1 when `lit` is not in it.
/// The literals of a laid-out declaration are numbered once: a declaration
/// of thousands of handler literals asks once per literal.
pub fn closure_number(decl: Node, lit: Node) -> usize {
    struct Numbers(std::collections::HashMap<usize, usize>);
    let number = |numbers: &mut dyn FnMut(Node, usize) -> Visit| {
        let mut n = 0;
        visit_kinds(decl, crate::kinds!("func_literal"), |f| {
            n += 1;
            numbers(f, n)
        });
    };
    let all = flat::memo(decl, || {
        let mut all = std::collections::HashMap::new();
        number(&mut |f, n| {
            all.insert(f.id(), n);
            Visit::Descend
        });
        Numbers(all)
    });
    if let Some(all) = all {
        return all.0.get(&lit.id()).copied().unwrap_or(1);
    }
    let mut found = 1;
    number(&mut |f, n| match f.id() == lit.id() {
        true => {
            found = n;
            Visit::Stop
        }
        false => Visit::Descend,
    });
    found
}

/// A node whose children are statements: a block or its statement list.
pub fn holds_statements(n: Node) -> bool {
    matches!(n.kind_name(), "statement_list" | "block")
}

/// The statement of a block that contains `n` (or `n` itself); `None` when `n`
/// is not inside a function body.
pub fn statement_of(n: Node) -> Option<Node> {
    let mut cur = n;
    loop {
        let p = cur.up()?;
        if holds_statements(p) {
            return Some(cur);
        }
        if is_function(p) {
            return None;
        }
        cur = p;
    }
}

/// The statement before `stmt` in its block, comments skipped.
pub fn prev_statement(stmt: Node) -> Option<Node> {
    let mut prev = stmt.prev_named();
    while let Some(n) = prev.filter(|n| n.kind_name() == "comment") {
        prev = n.prev_named();
    }
    prev
}

/// The statement after `stmt` in its block, comments skipped.
pub fn next_statement(stmt: Node) -> Option<Node> {
    let mut next = stmt.next_named();
    while let Some(n) = next.filter(|n| n.kind_name() == "comment") {
        next = n.next_named();
    }
    next
}

/// Go's terminating statement (the spec's list, which `go vet`'s unreachable
/// check follows): code after it in the same list never runs. `return`,
/// `goto`, `panic(…)`, a block or labelled statement ending so, an `if`
/// whose branches both terminate, a `for` with no condition, and a `switch`
/// (with `default`) or `select` whose clauses all terminate; none of the
/// loops or switches may hold a `break` that leaves them.
pub fn is_terminating(stmt: Node, src: &str) -> bool {
    let list_terminates = |n: Node| {
        statements(n)
            .into_iter()
            .rev()
            .find(|s| s.kind_name() != "comment")
            .is_some_and(|s| is_terminating(s, src) || s.kind_name() == "fallthrough_statement")
    };
    match stmt.kind_name() {
        "return_statement" | "goto_statement" => true,
        "expression_statement" => {
            statement_call(stmt).is_some_and(|c| text(c.function, src) == "panic")
        }
        "block" => list_terminates(stmt),
        "labeled_statement" => named_children(stmt)
            .last()
            .is_some_and(|s| s.kind_name() != "label_name" && is_terminating(s, src)),
        "if_statement" => {
            let (Some(then), Some(alt)) = (stmt.field("consequence"), stmt.field("alternative"))
            else {
                return false;
            };
            is_terminating(then, src) && is_terminating(alt, src)
        }
        "for_statement" => {
            let endless = named_children(stmt)
                .filter(|c| c.kind_name() != "block" && c.kind_name() != "comment")
                .all(|c| c.kind_name() == "for_clause" && c.field("condition").is_none());
            endless && !breaks_out(stmt, src)
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            let clauses: Vec<Node> = named_children(stmt)
                .filter(|c| c.kind_name().ends_with("_case"))
                .collect();
            let has_default = stmt.kind_name() == "select_statement"
                || clauses.iter().any(|c| c.kind_name() == "default_case");
            has_default && clauses.iter().all(|c| list_terminates(*c)) && !breaks_out(stmt, src)
        }
        _ => false,
    }
}

/// A `break` that leaves `stmt` (a loop, switch or select): unlabelled and
/// not inside a nested one, or naming `stmt`'s label.
pub fn breaks_out(stmt: Node, src: &str) -> bool {
    let mut found = false;
    visit(stmt, |n| {
        if n.kind_name() == "func_literal" {
            return Visit::Skip;
        }
        if n.kind_name() == "break_statement" && break_leaves(n, stmt, src) {
            found = true;
            return Visit::Stop;
        }
        Visit::Descend
    });
    found
}

/// True when `brk`, a `break` inside `stmt` (a loop, switch or select),
/// leaves `stmt`: unlabelled with `stmt` the nearest breakable statement
/// around it, or naming `stmt`'s label.
pub fn break_leaves(brk: Node, stmt: Node, src: &str) -> bool {
    match named_children(brk).next().map(|l| text(l, src)) {
        Some(l) => {
            stmt.up()
                .filter(|p| p.kind_name() == "labeled_statement")
                .and_then(|p| p.field("label"))
                .map(|l| text(l, src))
                == Some(l)
        }
        None => brk
            .ancestors()
            .find(|a| {
                matches!(
                    a.kind_name(),
                    "for_statement"
                        | "expression_switch_statement"
                        | "type_switch_statement"
                        | "select_statement"
                )
            })
            .is_some_and(|a| a.id() == stmt.id()),
    }
}

/// Where each `//` comment of Go source `text` starts: a scan that steps
/// over string, rune and raw string literals and `/* */` comments, in one
/// pass (a look-up in the tree per comment descends through every child
/// before it: a block of thousands of commented statements costs a square).
/// Suppression comments and the trailing comments a fix re-aligns use it.
pub fn line_comments(text: &str) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            match b[i] {
                q @ (b'"' | b'\'') => {
                    // To the closing quote, or the end of the line when
                    // there is none.
                    i += 1;
                    while i < b.len() && b[i] != q && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'`' => {
                    i += 1;
                    i = memchr::memchr(b'`', &b[i..]).map_or(b.len(), |e| i + e + 1);
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    let at = i;
                    i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |e| i + e);
                    return Some(at);
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    i = memchr::memmem::find(&b[i..], b"*/").map_or(b.len(), |e| i + e + 2);
                }
                _ => i += 1,
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::{may_name, NodeKind};

    #[test]
    fn spans_hold_what_some_node_holds() {
        let src = "package p\n\nfunc f() {\n\tgo func() { a() }()\n\tb()\n\tgo func() { func() { c() }() }()\n\td(func() {})\n}\n";
        let tree = crate::source::parse(src);
        let root = tree.root_node();
        let mut literals = Vec::new();
        let mut calls = std::collections::HashMap::new();
        super::visit(root, |n| {
            match n.kind_name() {
                "func_literal" => literals.push(n),
                "call_expression" => {
                    let f = n.child_by_field_name("function").unwrap();
                    calls.insert(super::text(f, src).to_string(), n);
                }
                _ => {}
            }
            super::Visit::Descend
        });
        assert_eq!(literals.len(), 4);
        let spans = super::Spans::of(literals.iter().copied());
        // The nested literal folds into the one around it.
        assert_eq!(spans.0.len(), 3);
        assert!(spans.hold(calls["a"]) && spans.hold(calls["c"]));
        assert!(!spans.hold(calls["b"]) && !spans.hold(calls["d"]));
        assert!(spans.hold(literals[3]));
        assert!(!super::Spans::of([]).hold(calls["a"]));
    }

    #[test]
    fn may_name_finds_the_variable_as_a_whole_word() {
        for text in ["w.Write(b)", "fmt.Fprint(w, x)", "out := w", "{w}", "w"] {
            assert!(may_name(text, "w"), "{text}");
        }
        for text in ["rw.Write(b)", "x.w = 1", "w2 := 0", "_w", "wé", ""] {
            assert!(!may_name(text, "w"), "{text}");
        }
    }
}

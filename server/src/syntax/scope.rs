//! Names declared inside a function, and the local aliases of a value
//! (`rw := w`, `bw := bufio.NewWriter(w)`, `go func(rw ...){...}(w)`).

use super::handlers::params;
use super::{named_children, text, unparen, visit, Visit};
use crate::syntax::NodeKind;
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

/// Every name declared in `func` (parameters, results, receivers, `:=`, `var`,
/// range variables, select receives), nested literals included.
pub fn declared_names(func: Node, src: &str) -> HashSet<String> {
    names_declared(func, src, true)
}

/// Which function around a node declares a name, by node id: each
/// (function, name) is answered once, so that uses at every level of
/// deeply nested literals do not each climb to the top.
#[derive(Default)]
pub struct DeclaringFunctions(
    std::collections::HashMap<String, std::collections::HashMap<usize, Option<usize>>>,
);

impl DeclaringFunctions {
    /// The id of the innermost of `func` and the functions around it that
    /// declares `name`, as `declares(function)` tells (asked once per
    /// function and name).
    pub fn find<'t>(
        &mut self,
        func: Node<'t>,
        name: &str,
        mut declares: impl FnMut(Node<'t>) -> bool,
    ) -> Option<usize> {
        let known = self.0.get(name);
        let mut climbed = Vec::new();
        let mut at = Some(func);
        let found = loop {
            let Some(f) = at else { break None };
            if let Some(&k) = known.and_then(|m| m.get(&f.id())) {
                break k;
            }
            climbed.push(f.id());
            if declares(f) {
                break Some(f.id());
            }
            at = super::enclosing_function(f);
        };
        if !climbed.is_empty() {
            let m = self.0.entry(name.to_string()).or_default();
            m.extend(climbed.into_iter().map(|id| (id, found)));
        }
        found
    }
}

/// The names `func` declares itself: those of [`declared_names`] but the
/// ones nested function literals declare.
pub fn own_declared_names(func: Node, src: &str) -> HashSet<String> {
    names_declared(func, src, false)
}

fn names_declared(func: Node, src: &str, nested: bool) -> HashSet<String> {
    let mut names = HashSet::new();
    visit(func, |n| {
        if !nested && n.kind_name() == "func_literal" && n.id() != func.id() {
            return Visit::Skip;
        }
        names.extend(names_of(n).into_iter().map(|id| text(id, src).to_string()));
        Visit::Descend
    });
    names
}

/// The identifiers node `n` itself declares: a parameter's, a `var` or
/// `const` spec's, the left side of `:=`, of a range clause or of a select
/// receive, a type switch's alias.
fn names_of(n: Node) -> Vec<Node> {
    fn list(l: Option<Node>) -> Vec<Node> {
        l.map(|l| named_children(l).collect()).unwrap_or_default()
    }
    match n.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
            crate::syntax::fields(n, "name")
        }
        "short_var_declaration" | "range_clause" | "receive_statement" => {
            let left: Vec<Node> = list(n.field("left"));
            left.into_iter()
                .filter(|id| id.kind_name() == "identifier")
                .collect()
        }
        "type_switch_statement" => list(n.field("alias")),
        _ => Vec::new(),
    }
}

/// How aliases of a value are derived.
#[derive(Clone, Copy, Debug)]
pub struct AliasRules<'a> {
    /// Fields whose selection still refers to the value (`r.Body`).
    pub fields: &'a [&'a str],
    /// Methods whose result still refers to the value (`w.Header()`, `r.WithContext(ctx)`).
    pub methods: &'a [&'a str],
    /// Whether a call or composite literal that takes the value wraps it
    /// (`bufio.NewWriter(w)`, `&recorder{ResponseWriter: w}`).
    pub wrappers: bool,
    /// Whether a called literal's parameter bound to the value is an alias
    /// (`go func(rw http.ResponseWriter) {…}(w)`).
    pub params: bool,
}

pub const WRITER: AliasRules = AliasRules {
    fields: &[],
    methods: &["Header"],
    wrappers: true,
    params: true,
};

pub const REQUEST: AliasRules = AliasRules {
    fields: &[],
    methods: &["WithContext", "Clone"],
    wrappers: false,
    params: true,
};

/// What keeps a request when stored (HV006): `r.Clone(ctx)` is a copy whose
/// body the fix replaces, so it is not the request any more.
pub const RETAINED_REQUEST: AliasRules = AliasRules {
    fields: &[],
    methods: &["WithContext"],
    wrappers: false,
    params: true,
};

pub const BODY: AliasRules = AliasRules {
    fields: &["Body"],
    methods: &[],
    wrappers: false,
    params: true,
};

/// True when `expr` refers to (or wraps) one of `names`.
pub fn derives(expr: Node, names: &HashSet<String>, src: &str, rules: AliasRules) -> bool {
    let expr = unparen(expr);
    match expr.kind_name() {
        "identifier" => names.contains(text(expr, src)),
        "selector_expression" => {
            let field = expr.field("field").map(|f| text(f, src));
            let operand = expr.field("operand");
            match (operand, field) {
                (Some(o), Some(f)) if rules.fields.contains(&f) => derives(o, names, src, rules),
                _ => false,
            }
        }
        "call_expression" => {
            let Some(func) = expr.field("function").map(unparen) else {
                return false;
            };
            if func.kind_name() == "selector_expression" {
                let method = func.field("field").map(|f| text(f, src));
                if let (Some(o), Some(m)) = (func.field("operand"), method) {
                    if rules.methods.contains(&m) && derives(o, names, src, rules) {
                        return true;
                    }
                }
            }
            let name = match func.kind_name() {
                "selector_expression" => func.field("field").map(|f| text(f, src)),
                "identifier" => Some(text(func, src)),
                _ => None,
            }
            .unwrap_or("");
            // Constructors wrap (`bufio.NewWriter(w)`); other calls return results.
            let wraps = name.starts_with("New") || name == "MultiWriter";
            rules.wrappers
                && wraps
                && expr
                    .field("arguments")
                    .map(|args| named_children(args).any(|a| derives(a, names, src, rules)))
                    .unwrap_or(false)
        }
        "composite_literal" => {
            rules.wrappers
                && expr
                    .field("body")
                    .map(|b| literal_values(b).any(|v| derives(v, names, src, rules)))
                    .unwrap_or(false)
        }
        "type_assertion_expression" => expr
            .field("operand")
            .map(|o| derives(o, names, src, rules))
            .unwrap_or(false),
        "unary_expression" => {
            super::address_of(expr, src).is_some_and(|o| derives(o, names, src, rules))
        }
        _ => false,
    }
}

/// The value expressions of a composite literal body.
pub fn literal_values<'t>(body: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    named_children(body).filter_map(element_value)
}

/// The value of one element of a composite literal body: a keyed element's
/// value, else the element itself (a nested literal's value whole).
pub fn element_value(el: Node) -> Option<Node> {
    let el = match el.kind_name() {
        "keyed_element" => el.field("value")?,
        _ => el,
    };
    // literal_element wraps an expression or a nested literal_value.
    match named_children(el).next() {
        Some(inner) if el.kind_name() == "literal_element" => Some(inner),
        _ => Some(el),
    }
}

/// Keeps, of the pairs from `from` on, those that bind a name: `m[k] = v`
/// binds none, and `_ = v` none that can be read back. (Dropped as they
/// come: a function of 100,000 element writes kept them all until the walk
/// ended.)
fn names_only(pairs: &mut Vec<(Node, Node)>, from: usize, src: &str) {
    let mut kept = from;
    for i in from..pairs.len() {
        let l = pairs[i].0;
        if l.kind_name() == "identifier" && text(l, src) != "_" {
            pairs.swap(kept, i);
            kept += 1;
        }
    }
    pairs.truncate(kept);
}

/// The names in `root` that alias one of `seeds` (seeds included), to a fixpoint.
pub fn aliases(root: Node, seeds: &[String], src: &str, rules: AliasRules) -> HashSet<String> {
    if seeds.is_empty() {
        return HashSet::new();
    }
    Bindings::of(root, src).aliases(seeds, src, rules)
}

/// What a function binds to what, as [`aliases`] follows it: one walk,
/// which any number of seeds and rules then read.
pub struct Bindings<'t> {
    /// `left = right` pairs of assignments, declarations and `var` specs.
    pairs: Vec<(Node<'t>, Node<'t>)>,
    /// The parameters of called function literals, each with the argument
    /// it binds.
    params: Vec<(String, Node<'t>)>,
    /// Which bindings each name may flow through (see [`Bindings::index`]),
    /// made when first asked.
    index: std::cell::OnceCell<std::collections::HashMap<String, Vec<u32>>>,
}

impl<'t> Bindings<'t> {
    pub fn of(root: Node<'t>, src: &str) -> Bindings<'t> {
        Self::of_leaving_out(root, src, &|_| false)
    }

    /// [`Bindings::of`], leaving out the function literals `apart` picks
    /// (handlers nested in `root`, whose own parameters are their own: read
    /// again per level, nested handlers would cost the square of their
    /// nesting).
    pub fn of_leaving_out(
        root: Node<'t>,
        src: &str,
        apart: &dyn Fn(Node<'t>) -> bool,
    ) -> Bindings<'t> {
        let mut bindings: Vec<(Node, Node)> = Vec::new();
        let mut literal_calls: Vec<Node> = Vec::new();
        let binding = crate::kinds!(
            "short_var_declaration",
            "assignment_statement",
            "var_spec",
            "call_expression",
            "func_literal"
        );
        crate::syntax::visit_kinds(root, binding, |n| {
            match n.kind_name() {
                "func_literal" if n.id() != root.id() && apart(n) => return Visit::Skip,
                "short_var_declaration" | "assignment_statement" => {
                    if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                        let from = bindings.len();
                        pair_up(l, r, &mut bindings);
                        names_only(&mut bindings, from, src);
                    }
                }
                "var_spec" => {
                    if let Some(r) = n.field("value") {
                        let left: Vec<Node> = crate::syntax::fields(n, "name");
                        let right: Vec<Node> = named_children(r).collect();
                        if left.len() == right.len() {
                            let from = bindings.len();
                            bindings.extend(left.into_iter().zip(right));
                            names_only(&mut bindings, from, src);
                        }
                    }
                }
                "call_expression"
                    if n.field("function").map(|f| unparen(f).kind_name())
                        == Some("func_literal") =>
                {
                    literal_calls.push(n);
                }
                _ => {}
            }
            Visit::Descend
        });
        bindings.shrink_to_fit();
        let mut bound = Vec::new();
        for call in literal_calls {
            let Some(func) = call.field("function").map(unparen) else {
                continue;
            };
            let args = call.field("arguments").into_iter().flat_map(named_children);
            for (p, a) in params(func, src).into_iter().zip(args) {
                if let Some(name) = p.name.filter(|n| n != "_") {
                    bound.push((name, a));
                }
            }
        }
        Bindings {
            pairs: bindings,
            params: bound,
            index: Default::default(),
        }
    }

    /// The names that alias one of `seeds` (seeds included), to a fixpoint.
    /// A name joins when a binding's value derives from one already in. In
    /// a function of many bindings only those whose value names a new one
    /// are tried again, so it answers in the bindings that concern the
    /// seeds, not all of them per round.
    pub fn aliases(&self, seeds: &[String], src: &str, rules: AliasRules) -> HashSet<String> {
        let names: HashSet<String> = seeds.iter().cloned().collect();
        if names.is_empty() {
            return names;
        }
        match self.is_small() {
            true => self.every_round(names, src, rules),
            false => self.by_index(names, src, rules),
        }
    }

    /// [`Bindings::aliases`] through the index: a binding is tried again
    /// only when a name its value may derive from joins.
    fn by_index(
        &self,
        mut names: HashSet<String>,
        src: &str,
        rules: AliasRules,
    ) -> HashSet<String> {
        let index = self.index.get_or_init(|| self.index(src));
        let mut queue: Vec<String> = names.iter().cloned().collect();
        while let Some(name) = queue.pop() {
            for &i in index.get(name.as_str()).into_iter().flatten() {
                let Some((left, value)) = self.binding(i as usize, src, rules) else {
                    continue;
                };
                if !names.contains(left) && derives(value, &names, src, rules) {
                    names.insert(left.to_string());
                    queue.push(left.to_string());
                }
            }
        }
        names
    }

    /// Few enough bindings that trying them all, round after round, costs
    /// less than indexing them (most functions).
    pub fn is_small(&self) -> bool {
        self.pairs.len() + self.params.len() <= SMALL
    }

    /// The fixpoint the long way: every binding tried again in every round
    /// until no name joins.
    fn every_round(
        &self,
        mut names: HashSet<String>,
        src: &str,
        rules: AliasRules,
    ) -> HashSet<String> {
        loop {
            let before = names.len();
            for i in 0..self.pairs.len() + self.params.len() {
                let Some((left, value)) = self.binding(i, src, rules) else {
                    continue;
                };
                if !names.contains(left) && derives(value, &names, src, rules) {
                    names.insert(left.to_string());
                }
            }
            if names.len() == before {
                return names;
            }
        }
    }

    /// Binding `i` (the pairs, then the literals' parameters) as the name it
    /// binds and its value; `None` for a parameter when `rules` do not
    /// follow parameters.
    fn binding<'s>(
        &'s self,
        i: usize,
        src: &'s str,
        rules: AliasRules,
    ) -> Option<(&'s str, Node<'t>)> {
        match self.pairs.get(i) {
            Some((l, r)) => Some((text(*l, src), *r)),
            None if rules.params => {
                let (name, a) = self.params.get(i - self.pairs.len())?;
                Some((name.as_str(), *a))
            }
            None => None,
        }
    }

    /// For each name, the bindings (pairs, then parameters) whose value
    /// [`derives`] could find it in: the identifiers its walk reaches,
    /// whatever the rules.
    fn index(&self, src: &str) -> std::collections::HashMap<String, Vec<u32>> {
        let mut index: std::collections::HashMap<String, Vec<u32>> = Default::default();
        let values = self.pairs.iter().map(|(_, r)| *r);
        let values = values.chain(self.params.iter().map(|(_, a)| *a));
        for (i, value) in values.enumerate() {
            let mut reached = Vec::new();
            derivable(value, &mut reached);
            for id in reached {
                let at = index.entry(text(id, src).to_string()).or_default();
                if at.last() != Some(&(i as u32)) {
                    at.push(i as u32);
                }
            }
        }
        index
    }
}

/// Up to this many bindings, [`Bindings::aliases`] tries them all.
const SMALL: usize = 32;

/// The identifiers [`derives`] may look at in `expr`, under any rules.
fn derivable<'t>(expr: Node<'t>, out: &mut Vec<Node<'t>>) {
    let expr = unparen(expr);
    match expr.kind_name() {
        "identifier" => out.push(expr),
        "selector_expression" | "type_assertion_expression" | "unary_expression" => {
            if let Some(o) = expr.field("operand") {
                derivable(o, out);
            }
        }
        "call_expression" => {
            if let Some(func) = expr.field("function").map(unparen) {
                if func.kind_name() == "selector_expression" {
                    if let Some(o) = func.field("operand") {
                        derivable(o, out);
                    }
                }
            }
            for a in expr.field("arguments").into_iter().flat_map(named_children) {
                derivable(a, out);
            }
        }
        "composite_literal" => {
            for v in expr.field("body").into_iter().flat_map(literal_values) {
                derivable(v, out);
            }
        }
        _ => {}
    }
}

/// True when `node` (a statement) gives `name` a value that does not come
/// from its old one, outside function literals: `_, err = conn.Read(buf)`
/// and `n, err := f()` do; `ok = ok && more()` and `n += 1` do not. A test
/// of `name` after it is no longer about what `name` held before.
pub fn overwrites(node: Node, src: &str, name: &str) -> bool {
    let kinds = crate::kinds!("assignment_statement", "short_var_declaration");
    let literals = crate::kinds!("func_literal");
    super::any_of_kinds(node, kinds, literals, |n| {
        let plain = n
            .field("operator")
            .is_none_or(|o| matches!(text(o, src), "=" | ":="));
        let to_name = (n.field("left").into_iter().flat_map(named_children))
            .any(|l| l.kind_name() == "identifier" && text(l, src) == name);
        plain
            && to_name
            && !n
                .field("right")
                .is_some_and(|r| super::mentions(r, src, name))
    })
}

/// The `name = value` pairs an assignment or short declaration makes
/// (`ctx, cancel := context.WithCancel(…)` pairs `ctx` with the call).
pub fn assigned_pairs<'t>(stmt: Node<'t>) -> Vec<(Node<'t>, Node<'t>)> {
    let mut out = Vec::new();
    if let (Some(l), Some(r)) = (stmt.field("left"), stmt.field("right")) {
        pair_up(l, r, &mut out);
    }
    out
}

fn pair_up<'t>(left: Node<'t>, right: Node<'t>, out: &mut Vec<(Node<'t>, Node<'t>)>) {
    let l: Vec<Node> = named_children(left).collect();
    let r: Vec<Node> = named_children(right).collect();
    if l.len() == r.len() {
        out.extend(l.into_iter().zip(r));
    } else if r.len() == 1 {
        // `f, ok := w.(http.Flusher)`: the first name takes the value.
        if let Some(first) = l.first() {
            out.push((*first, r[0]));
        }
    }
}

/// True for the name being declared in `x := …`, `var x …` or a parameter.
pub fn is_declaration(id: Node) -> bool {
    let Some(p) = id.up() else { return false };
    match p.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" => true,
        "expression_list" => p
            .up()
            .map(|gp| {
                matches!(gp.kind_name(), "short_var_declaration" | "range_clause")
                    && gp.field("left").map(|l| l.id()) == Some(p.id())
            })
            .unwrap_or(false),
        _ => false,
    }
}

/// The map of an element write: `m` in `m[k] = v`, `m[k]++`, `m[k] += v`,
/// `delete(m, k)`, `clear(m)`.
pub fn map_write_target<'t>(n: Node<'t>, src: &str) -> Option<Node<'t>> {
    match n.kind_name() {
        "index_expression" => {
            if !is_assigned(n) {
                return None;
            }
            // `m[a][b] = v` writes a map (or slice) reached through `m`.
            super::indexed(n.field("operand")?)
        }
        "call_expression" => {
            let f = n.field("function")?;
            if f.kind_name() != "identifier" || !matches!(text(f, src), "delete" | "clear") {
                return None;
            }
            let args = n.field("arguments")?;
            named_children(args).next().map(unparen)
        }
        _ => None,
    }
}

/// How a shared place is known across the package: `counts` for a variable,
/// `Server.users` for a field reached through a receiver of type `Server`,
/// `app.users` for a field of another variable.
pub fn shared_key(
    target: Node,
    receiver: Option<&super::handlers::Receiver>,
    src: &str,
) -> Option<String> {
    match target.kind_name() {
        "identifier" => Some(text(target, src).to_string()),
        "selector_expression" => {
            let operand = unparen(target.field("operand")?);
            let field = text(target.field("field")?, src);
            if operand.kind_name() != "identifier" {
                return None;
            }
            let root = text(operand, src);
            match receiver {
                Some(r) if r.name == root => Some(format!("{}.{field}", r.type_name)),
                _ => Some(format!("{root}.{field}")),
            }
        }
        _ => None,
    }
}

/// True when the expression is the target of an assignment (`x = v`,
/// `x += v`) or of `x++` / `x--`.
pub fn is_assigned(n: Node) -> bool {
    let Some(p) = n.up() else { return false };
    match p.kind_name() {
        "inc_statement" | "dec_statement" => true,
        "expression_list" => p.up().is_some_and(|a| {
            a.kind_name() == "assignment_statement"
                && a.field("left").map(|l| l.id()) == Some(p.id())
        }),
        _ => false,
    }
}

/// Where the local `name` used at `at` is declared: the block (statement
/// list) that declares it before `at`, the `if`, `for`, `switch` or select
/// case whose header does, or the function whose parameters, receiver or
/// named results do. `None` when no function around `at` declares it (a
/// package-level name). Two uses of a name denote one variable only when
/// they have one declaring scope: `pidx := part(key)` in a loop's body is
/// not the function's `var pidx uint32`.
pub fn declaring_scope<'t>(
    at: Node<'t>,
    name: &str,
    src: &str,
    memo: &mut ScopeMemo<'t>,
) -> Option<Node<'t>> {
    let named = |n: Node| names_of(n).into_iter().any(|id| text(id, src) == name);
    // A statement that declares it: `:=`, or a `var` or `const` (in a
    // group too).
    let declares = |s: Node| {
        let mut found = s.kind_name() == "short_var_declaration" && named(s);
        if matches!(s.kind_name(), "var_declaration" | "const_declaration") {
            visit(s, |n| match n.kind_name() {
                "var_spec" | "const_spec" => {
                    found |= named(n);
                    Visit::Skip
                }
                "func_literal" => Visit::Skip,
                _ => Visit::Descend,
            });
        }
        found
    };
    let in_signature = |f: Node| {
        ["receiver", "parameters", "result"]
            .into_iter()
            .filter_map(|field| f.field(field))
            .flat_map(named_children)
            .any(named)
    };
    // A statement list's declaring statements of each name, by start: read
    // once per list, however many uses below it ask.
    let mut declared_before = |list: Node<'t>, child: Node<'t>| {
        let starts = memo.lists.entry(list.id()).or_insert_with(|| {
            let mut by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
            for s in named_children(list) {
                if !matches!(
                    s.kind_name(),
                    "short_var_declaration" | "var_declaration" | "const_declaration"
                ) {
                    continue;
                }
                let mut names = Vec::new();
                visit(s, |n| {
                    match n.kind_name() {
                        "func_literal" => return Visit::Skip,
                        "short_var_declaration" | "var_spec" | "const_spec" => names
                            .extend(names_of(n).into_iter().map(|id| text(id, src).to_string())),
                        _ => {}
                    }
                    match n.kind_name() {
                        "var_spec" | "const_spec" => Visit::Skip,
                        _ => Visit::Descend,
                    }
                });
                for n in names {
                    by_name.entry(n).or_default().push((s.start_byte(), s.id()));
                }
            }
            by_name
        });
        let Some(at_starts) = starts.get(name) else {
            return false;
        };
        let before = at_starts.partition_point(|(start, _)| *start <= child.start_byte());
        at_starts[..before]
            .iter()
            .any(|(_, id)| *id != child.id() || is_declaration(at))
    };
    // The climb above a node that declares nothing itself ends the same for
    // every use below it: remembered per (name, node).
    let mut climbed: Vec<usize> = Vec::new();
    let mut child = at;
    let found = loop {
        let plain = !declares(child);
        if plain {
            if let Some(&known) = memo.above.get(name).and_then(|m| m.get(&child.id())) {
                break known;
            }
            climbed.push(child.id());
        }
        let Some(p) = child.up() else { break None };
        let here = match p.kind_name() {
            "statement_list" | "block" => declared_before(p, child),
            "if_statement" | "expression_switch_statement" | "type_switch_statement" => {
                p.field("initializer").is_some_and(declares) || named(p)
            }
            "for_statement" => named_children(p).any(|c| match c.kind_name() {
                "for_clause" => c.field("initializer").is_some_and(declares),
                _ => named(c),
            }),
            "communication_case" => p.field("communication").is_some_and(named),
            "function_declaration" | "method_declaration" | "func_literal" => in_signature(p),
            "source_file" => break None,
            _ => false,
        };
        if here {
            break Some(p);
        }
        child = p;
    };
    if !climbed.is_empty() {
        let m = memo.above.entry(name.to_string()).or_default();
        m.extend(climbed.into_iter().map(|id| (id, found)));
    }
    found
}

/// What [`declaring_scope`] learnt: each statement list's declarations by
/// name, and where the climb above a node ends, by name and node id.
#[derive(Default)]
pub struct ScopeMemo<'t> {
    lists: HashMap<usize, HashMap<String, Vec<(usize, usize)>>>,
    above: HashMap<String, HashMap<usize, Option<Node<'t>>>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn aliases_reach_the_fixpoint_of_every_binding() {
        // Bindings met before the ones they depend on (a loop carries them
        // round), wrappers, methods, fields, literal parameters, `_`.
        let src = r#"package p

func h(w http.ResponseWriter, r *http.Request) {
	for {
		d := c
		c := bufio.NewWriter(b)
		b := &rec{ResponseWriter: a}
		a := w
		hd := a.Header()
		_ = a
		body := r.Body
		rd := io.NopCloser(body)
		req := r.WithContext(ctx)
		clone := req.Clone(ctx)
		go func(out http.ResponseWriter, in *http.Request, _ int) {
			_ = out
			_ = in
		}(d, clone, 1)
		x, y := r.Body, w
		var z = (y)
		_, _, _, _, _, _ = hd, rd, x, z, d, clone
	}
}
"#;
        let file = SourceFile::parse("a.go", src.to_string());
        let func = named_children(file.root())
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        let b = Bindings::of(func, src);
        let cases: [(&str, AliasRules, &[&str]); 4] = [
            (
                "w",
                WRITER,
                &["w", "a", "b", "c", "d", "hd", "out", "y", "z"],
            ),
            ("r", REQUEST, &["r", "req", "clone", "in"]),
            ("r", RETAINED_REQUEST, &["r", "req"]),
            ("r", BODY, &["r", "body", "x"]),
        ];
        for (seed, rules, want) in cases {
            let seeds = [seed.to_string()];
            let names: HashSet<String> = seeds.iter().cloned().collect();
            let got = b.by_index(names.clone(), src, rules);
            assert_eq!(got, b.every_round(names, src, rules), "{seed} {rules:?}");
            assert_eq!(got, b.aliases(&seeds, src, rules), "{seed} {rules:?}");
            let want: HashSet<String> = want.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, want, "{seed} {rules:?}");
        }
    }

    #[test]
    fn a_new_value_overwrites_an_old_one_derived_or_not() {
        let src = "package p\n\nfunc f() {\n\t_, err = conn.Read(buf)\n\tn, err := g()\n\tok = ok && more()\n\tn += 1\n\tdone = func() { err = nil }\n\tif _, err = h(); err != nil {\n\t}\n}\n";
        let file = SourceFile::parse("a.go", src.to_string());
        let func = named_children(file.root())
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        let stmts = super::super::statements(func.child_by_field_name("body").unwrap());
        let got = |i: usize, name: &str| overwrites(stmts[i], src, name);
        assert!(got(0, "err"));
        assert!(got(1, "err") && got(1, "n"));
        assert!(!got(2, "ok"), "derived from its old value");
        assert!(!got(3, "n"), "an operator assignment");
        assert!(!got(4, "err"), "inside a function literal");
        assert!(got(5, "err"), "an if's initializer");
        assert!(!got(0, "buf"));
    }
}

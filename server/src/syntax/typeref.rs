//! Which type an operand has, as far as one file's syntax tells: a
//! [`TypeRef`], which the package index resolves to a declared type
//! ([`crate::index::PackageIndex::resolve`]). The two halves keep data
//! flowing one way: the syntax of a file says *how* a value got its type
//! (a parameter's declared type, `&T{…}`, the result of `newT()`, a field of
//! another value), and only the package knows the declarations that finish
//! the answer.
//!
//! Covered: receivers and parameters, `var x T`, `x := T{…}` / `&T{…}` /
//! `new(T)` / `T(v)`, results of the package's functions and methods,
//! package variables, fields (promoted ones too, see the index), elements of
//! maps, slices and ranges, type assertions. Anything else is `None`: the
//! type is unknown, and a rule that needs identity stays silent.

use super::imports::Imports;
use super::{enclosing_function, named_children, text, unparen, visit, Visit};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// How an expression gets its type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A type as written, normalised by [`normalise`] (`Server`,
    /// `http.Server`, `map[string]*Conn`).
    Named(String),
    /// A name this file does not declare locally: a package-level variable.
    Var(String),
    /// The first result of package function `func`, or of method `func` of
    /// a value of type `recv`; a conversion `T(v)` when `func` is a type.
    Result {
        func: String,
        recv: Option<Box<TypeRef>>,
    },
    /// Field `.1` of a value of type `.0`.
    Field(Box<TypeRef>, String),
    /// An element of a map, slice, array or channel of the inner type.
    Elem(Box<TypeRef>),
    /// The first variable of a `range` over a value of the inner type: a
    /// channel's element, a map's key (a slice's index is no named type).
    First(Box<TypeRef>),
}

/// Type text as it is compared: spaces and leading `*` dropped, type
/// arguments of a named type dropped (`*List[T]` → `List`).
pub fn normalise(ty: &str) -> String {
    let t = ty.trim().trim_start_matches(['*', ' ', '\t', '(']);
    let t = t.trim_end_matches([')', ' ']);
    let named = t
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let t = match t.find('[') {
        Some(i) if named && &t[..i] != "map" => &t[..i],
        _ => t,
    };
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The element type of a map, slice, array or channel type text.
pub fn element_type(t: &str) -> Option<&str> {
    let t = t.trim();
    if let Some(rest) = t.strip_prefix("map[") {
        // Past the key type's closing bracket.
        let mut depth = 1;
        for (i, c) in rest.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(&rest[i + 1..]);
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    if let Some(rest) = t.strip_prefix('[') {
        return rest.find(']').map(|i| &rest[i + 1..]);
    }
    t.strip_prefix("chan ")
        .or_else(|| t.strip_prefix("<-chan "))
        .or_else(|| t.strip_prefix("chan<- "))
}

/// The result types of a function declaration, one per result (`(n int,
/// err error)` gives `int`, `error`; a single unnamed type gives itself).
pub fn result_types<'t>(func: Node<'t>, src: &str) -> Vec<Node<'t>> {
    match func.field("result") {
        Some(r) if r.kind_name() == "parameter_list" => super::handlers::param_list(r, src)
            .into_iter()
            .map(|p| p.ty)
            .collect(),
        Some(r) => vec![r],
        None => Vec::new(),
    }
}

/// Nesting of `x := y` chains followed before giving up.
const MAX_DEPTH: usize = 8;

/// How `expr` gets its type, or `None` when its syntax does not say.
pub fn type_ref(expr: Node, src: &str, imports: &Imports) -> Option<TypeRef> {
    of(expr, src, imports, 0)
}

fn named(ty: Node, src: &str) -> TypeRef {
    TypeRef::Named(normalise(text(ty, src)))
}

fn of(expr: Node, src: &str, imports: &Imports, depth: usize) -> Option<TypeRef> {
    if depth > MAX_DEPTH {
        return None;
    }
    let e = unparen(expr);
    match e.kind_name() {
        "identifier" => {
            let name = text(e, src);
            match local(e, name, src) {
                Some(Decl::Type(t)) => Some(named(t, src)),
                Some(Decl::Value(v)) => of(v, src, imports, depth + 1),
                Some(Decl::Elem(v)) => {
                    Some(TypeRef::Elem(Box::new(of(v, src, imports, depth + 1)?)))
                }
                Some(Decl::First(v)) => {
                    Some(TypeRef::First(Box::new(of(v, src, imports, depth + 1)?)))
                }
                Some(Decl::Unknown) => None,
                None if imports.path_of(name).is_some() || name == "_" => None,
                None => Some(TypeRef::Var(name.to_string())),
            }
        }
        "selector_expression" => {
            let operand = unparen(e.field("operand")?);
            let field = text(e.field("field")?, src).to_string();
            if is_package(operand, src, imports) {
                // Another package's variable: its type is not ours to know.
                return None;
            }
            let inner = of(operand, src, imports, depth + 1)?;
            Some(TypeRef::Field(Box::new(inner), field))
        }
        "composite_literal" => Some(named(e.field("type")?, src)),
        "unary_expression" => {
            let op = e.field("operator").map(|o| text(o, src));
            match op {
                // Pointers are normalised away: `&v` and `*p` have v's and p's type.
                Some("&" | "*") => of(e.field("operand")?, src, imports, depth + 1),
                // `<-ch`: the channel's element.
                Some("<-") => Some(TypeRef::Elem(Box::new(of(
                    e.field("operand")?,
                    src,
                    imports,
                    depth + 1,
                )?))),
                _ => None,
            }
        }
        "index_expression" => Some(TypeRef::Elem(Box::new(of(
            e.field("operand")?,
            src,
            imports,
            depth + 1,
        )?))),
        "type_assertion_expression" => Some(named(e.field("type")?, src)),
        "call_expression" => {
            let function = unparen(e.field("function")?);
            let args = e.field("arguments");
            match function.kind_name() {
                "identifier" => {
                    let name = text(function, src);
                    match name {
                        "new" | "make" => Some(named(named_children(args?).next()?, src)),
                        _ if local(function, name, src).is_some() => None,
                        _ => Some(TypeRef::Result {
                            func: name.to_string(),
                            recv: None,
                        }),
                    }
                }
                "selector_expression" => {
                    let operand = unparen(function.field("operand")?);
                    if is_package(operand, src, imports) {
                        return None;
                    }
                    let method = text(function.field("field")?, src).to_string();
                    let recv = of(operand, src, imports, depth + 1)?;
                    Some(TypeRef::Result {
                        func: method,
                        recv: Some(Box::new(recv)),
                    })
                }
                // `(*T)(v)`, `[]byte(s)`: a conversion.
                "parenthesized_type" | "pointer_type" | "slice_type" | "map_type" => {
                    Some(named(function, src))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The expression the local `expr` (an identifier) was declared from
/// (`v := f()`, `v, err := f()`, `var v = f()`), when its declaration
/// gives one.
pub fn initial_value<'t>(expr: Node<'t>, src: &str) -> Option<Node<'t>> {
    let e = unparen(expr);
    if e.kind_name() != "identifier" {
        return None;
    }
    match local(e, text(e, src), src)? {
        Decl::Value(v) => Some(unparen(v)),
        _ => None,
    }
}

/// The expression whose value, or one of whose elements, the local `expr`
/// (an identifier) holds: `v := x.f[k]` gives `x.f[k]`, `for _, v := range
/// x.items` and `for v := range x.queue` give `x.items` and `x.queue`.
pub fn reached_from<'t>(expr: Node<'t>, src: &str) -> Option<Node<'t>> {
    let e = unparen(expr);
    if e.kind_name() != "identifier" {
        return None;
    }
    match local(e, text(e, src), src)? {
        Decl::Value(v) | Decl::Elem(v) | Decl::First(v) => Some(unparen(v)),
        _ => None,
    }
}

/// True when `expr` is a parameter or receiver passed by value (declared
/// with a type that is not a pointer, map, slice, channel, function or
/// interface of another package): the function reads its own copy.
pub fn is_value_parameter(expr: Node, src: &str) -> bool {
    let e = unparen(expr);
    if e.kind_name() != "identifier" {
        return false;
    }
    let Some(Decl::Type(t)) = local(e, text(e, src), src) else {
        return false;
    };
    let is_param = t
        .up()
        .is_some_and(|p| p.kind_name() == "parameter_declaration");
    is_param && matches!(t.kind_name(), "type_identifier" | "generic_type")
}

fn is_package(operand: Node, src: &str, imports: &Imports) -> bool {
    operand.kind_name() == "identifier"
        && imports.path_of(text(operand, src)).is_some()
        && local(operand, text(operand, src), src).is_none()
}

/// What the declaration of a local says about its type.
#[derive(Clone, Copy, Debug)]
enum Decl<'t> {
    /// Declared with this type.
    Type(Node<'t>),
    /// Initialised from this expression.
    Value(Node<'t>),
    /// An element of this expression (`for _, v := range xs`).
    Elem(Node<'t>),
    /// The first variable of a range over this expression (`for v := range
    /// ch`, `for k := range m`).
    First(Node<'t>),
    /// Declared, with a type the syntax does not tell.
    Unknown,
}

/// Scopes that hide what they declare from code outside them.
fn is_scope(n: Node) -> bool {
    matches!(
        n.kind_name(),
        "block"
            | "if_statement"
            | "for_statement"
            | "expression_switch_statement"
            | "type_switch_statement"
            | "select_statement"
            | "expression_case"
            | "type_case"
            | "default_case"
            | "communication_case"
            | "func_literal"
    )
}

/// The declaration of `name` visible at `at` in the functions around it:
/// the last one before `at` in a scope that contains it. `None` when no
/// function around `at` declares it (a package-level name).
fn local<'t>(at: Node<'t>, name: &str, src: &str) -> Option<Decl<'t>> {
    let mut func = enclosing_function(at);
    while let Some(f) = func {
        // A laid-out function keeps where each name is declared in it: a
        // look-up reads those declarations, not a walk from the function's
        // start to `at` (for every look-up in a long function, the square of
        // its length).
        let found = match crate::syntax::flat::memo(f, || Declarations::of(f, src)) {
            Some(decls) => match decls.0.get(name) {
                Some(at_indexes) => declared_among(f, at, name, src, at_indexes),
                None => {
                    // Declared nowhere in `f`: go on from the nearest
                    // function around it that declares it anywhere, known
                    // once per function and name.
                    func = declaring_above(f, name, src);
                    continue;
                }
            },
            None => declared_in(f, at, name, src),
        };
        if found.is_some() {
            return found;
        }
        func = enclosing_function(f);
    }
    None
}

/// For a laid-out function, the nearest function around it that declares
/// each name asked about anywhere in its own code, as a layout index.
#[derive(Default)]
struct DeclaringAbove(std::cell::RefCell<std::collections::HashMap<String, Option<u32>>>);

/// The nearest function around laid-out `func` whose own code declares
/// `name` somewhere: nested literals that do not declare it are passed
/// over at once, after the first look-up through them.
fn declaring_above<'t>(func: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    let above = crate::syntax::flat::memo(func, DeclaringAbove::default)?;
    if let Some(&known) = above.0.borrow().get(name) {
        return known.and_then(|i| crate::syntax::flat::node_at(func, i));
    }
    let mut climbed = vec![above];
    let mut cur = enclosing_function(func);
    let found = loop {
        let Some(f) = cur else { break None };
        let Some(decls) = crate::syntax::flat::memo(f, || Declarations::of(f, src)) else {
            break Some(f);
        };
        if decls.0.contains_key(name) {
            break Some(f);
        }
        let Some(next) = crate::syntax::flat::memo(f, DeclaringAbove::default) else {
            break Some(f);
        };
        if let Some(&known) = next.0.borrow().get(name) {
            break known.and_then(|i| crate::syntax::flat::node_at(f, i));
        }
        climbed.push(next);
        cur = enclosing_function(f);
    };
    let index = found.and_then(crate::syntax::flat::index_of);
    if found.is_none() || index.is_some() {
        for memo in climbed {
            memo.0.borrow_mut().insert(name.to_string(), index);
        }
    }
    found
}

/// The nodes of a laid-out function's own code (not its literals': a
/// look-up skips them, see [`skipped`]) that may declare each name (see
/// [`declares`]), by name, as layout indexes in order.
struct Declarations(std::collections::HashMap<String, Vec<u32>>);

impl Declarations {
    fn of(func: Node, src: &str) -> Declarations {
        let mut by_name: std::collections::HashMap<String, Vec<u32>> = Default::default();
        let kinds = crate::kinds!(
            "parameter_declaration",
            "variadic_parameter_declaration",
            "var_spec",
            "const_spec",
            "short_var_declaration",
            "range_clause",
            "type_switch_statement",
            "receive_statement"
        );
        crate::syntax::visit_kinds_no_funcs(func, kinds, |n| {
            let Some(i) = crate::syntax::flat::index_of(n) else {
                return Visit::Descend;
            };
            let mut names: Vec<&str> = names_of(n).into_iter().map(|id| text(id, src)).collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                by_name.entry(name.to_string()).or_default().push(i);
            }
            Visit::Descend
        });
        Declarations(by_name)
    }
}

/// [`declared_in`], from the nodes of `func`'s layout that may declare
/// `name` (`at_indexes`, in order): the last one before `at` that a walk
/// from the function's start would reach and that declares it there.
fn declared_among<'t>(
    func: Node<'t>,
    at: Node<'t>,
    name: &str,
    src: &str,
    at_indexes: &[u32],
) -> Option<Decl<'t>> {
    let from = at.start_byte();
    let node = |i: u32| crate::syntax::flat::node_at(func, i);
    // In order, so those that start before `at` come first.
    let before = at_indexes.partition_point(|&i| node(i).is_some_and(|n| n.start_byte() < from));
    at_indexes[..before]
        .iter()
        .rev()
        .filter_map(|&i| node(i))
        .find_map(|n| {
            // Reached by the walk: neither it nor a node around it (below
            // `func`) is skipped.
            let mut cur = Some(n);
            while let Some(c) = cur.filter(|c| c.id() != func.id()) {
                if skipped(func, c, at) || (c.id() != n.id() && is_parameter(c)) {
                    return None;
                }
                cur = c.up();
            }
            cur?;
            declares(n, name, from, src)
        })
}

fn is_parameter(n: Node) -> bool {
    matches!(
        n.kind_name(),
        "parameter_declaration" | "variadic_parameter_declaration"
    )
}

/// True when the walk of [`declared_in`] over `func` leaves `n` (and what
/// is inside it) out: a scope that does not hold `at` (nothing in it is
/// visible there), or a literal (a literal that holds `at` was searched
/// first, as a function).
fn skipped(func: Node, n: Node, at: Node) -> bool {
    let (from, to) = (at.start_byte(), at.end_byte());
    n.id() != func.id()
        && (is_scope(n) && !(n.start_byte() <= from && to <= n.end_byte())
            || n.kind_name() == "func_literal")
}

fn declared_in<'t>(func: Node<'t>, at: Node<'t>, name: &str, src: &str) -> Option<Decl<'t>> {
    let from = at.start_byte();
    let mut found = None;
    visit(func, |n| {
        if n.start_byte() >= from {
            return Visit::Stop;
        }
        if skipped(func, n, at) {
            return Visit::Skip;
        }
        if let Some(d) = declares(n, name, from, src) {
            found = Some(d);
        }
        match is_parameter(n) {
            true => Visit::Skip,
            false => Visit::Descend,
        }
    });
    found
}

/// The names a declaration node (of the kinds [`declares`] reads) gives:
/// a parameter's, a spec's, the left side of `:=` or of a range, the
/// alias of a type switch or the left side of a receive (and the names in
/// it).
fn names_of(n: Node<'_>) -> Vec<Node<'_>> {
    match n.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
            crate::syntax::fields(n, "name")
        }
        "short_var_declaration" | "range_clause" => n
            .field("left")
            .into_iter()
            .flat_map(named_children)
            .collect(),
        "type_switch_statement" | "receive_statement" => n
            .field("alias")
            .or_else(|| n.field("left"))
            .into_iter()
            .flat_map(|a| std::iter::once(a).chain(named_children(a)))
            .collect(),
        _ => Vec::new(),
    }
}

/// What `n` says of `name` when it declares it, seen from byte `from`: a
/// declaration that holds `from` (`x := f(x)`) is not yet in force.
fn declares<'t>(n: Node<'t>, name: &str, from: usize, src: &str) -> Option<Decl<'t>> {
    let kind = n.kind_name();
    let holds = n.end_byte() > from;
    if holds && matches!(kind, "var_spec" | "const_spec" | "short_var_declaration") {
        return None;
    }
    let names = names_of(n);
    let i = names.iter().position(|id| text(*id, src) == name)?;
    Some(match kind {
        "parameter_declaration" => n.field("type").map_or(Decl::Unknown, Decl::Type),
        "var_spec" | "const_spec" => {
            let value = n
                .field("value")
                .filter(|v| named_children(*v).count() == names.len())
                .and_then(|v| named_children(v).nth(i));
            match (n.field("type"), value) {
                (Some(t), _) => Decl::Type(t),
                (None, Some(v)) if kind == "var_spec" => Decl::Value(v),
                _ => Decl::Unknown,
            }
        }
        "short_var_declaration" => {
            let values: Vec<Node> = named_children(n.field("right")?).collect();
            if values.len() == names.len() {
                Decl::Value(values[i])
            } else if i == 0 && values.len() == 1 {
                // `v, err := f()`, `v, ok := m[k]`: the first result.
                Decl::Value(values[0])
            } else {
                Decl::Unknown
            }
        }
        "range_clause" => match (i, n.field("right")) {
            (0, Some(xs)) => Decl::First(xs),
            (1, Some(xs)) => Decl::Elem(xs),
            _ => Decl::Unknown,
        },
        // A variadic parameter; `switch v := x.(type)`, `v := <-ch`: the
        // type varies or is not written.
        _ => Decl::Unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// The TypeRef of the first identifier or selector whose text is `what`
    /// on the line marked `// here`: the same with the declarations laid
    /// out (their functions' declared names then skip walks) as without.
    fn at(src: &str, what: &str) -> Option<TypeRef> {
        let plain = at_laid_out(src, what, false);
        assert_eq!(plain, at_laid_out(src, what, true), "laid out: {what}");
        plain
    }

    fn at_laid_out(src: &str, what: &str, laid_out: bool) -> Option<TypeRef> {
        let file = SourceFile::parse("t.go", src.to_string());
        let imports = Imports::of(&file);
        let _flat =
            laid_out.then(|| crate::syntax::flat::flatten(file.line_starts(), file.top_level()));
        let line = src.find("// here").expect("a marked line");
        let line_start = src[..line].rfind('\n').map_or(0, |i| i + 1);
        let mut node = None;
        for d in file.top_level() {
            visit(d, |n| {
                if node.is_none()
                    && n.start_byte() >= line_start
                    && n.end_byte() <= line
                    && text(n, src) == what
                {
                    node = Some(n);
                    return Visit::Stop;
                }
                Visit::Descend
            });
        }
        type_ref(node.expect("the expression"), src, &imports)
    }

    fn named(t: &str) -> Option<TypeRef> {
        Some(TypeRef::Named(t.into()))
    }

    #[test]
    fn normalises_pointers_and_type_arguments() {
        assert_eq!(normalise("*Server"), "Server");
        assert_eq!(normalise("*List[T]"), "List");
        assert_eq!(normalise("[]*Conn"), "[]*Conn");
        assert_eq!(normalise("map[string]int"), "map[string]int");
        assert_eq!(normalise("*http.Server"), "http.Server");
    }

    #[test]
    fn parameters_receivers_and_literals() {
        let src = r#"package p
import "net/http"
type S struct{ n int64 }
func (s *S) m(t *T, w http.ResponseWriter) {
	a := &S{}
	b := new(U)
	var c V
	d, err := newW()
	_ = err
	use(s, t, a, b, c, d, w) // here
}
"#;
        assert_eq!(at(src, "s"), named("S"));
        assert_eq!(at(src, "t"), named("T"));
        assert_eq!(at(src, "a"), named("S"));
        assert_eq!(at(src, "b"), named("U"));
        assert_eq!(at(src, "c"), named("V"));
        assert_eq!(
            at(src, "d"),
            Some(TypeRef::Result {
                func: "newW".into(),
                recv: None
            })
        );
        assert_eq!(at(src, "w"), named("http.ResponseWriter"));
    }

    #[test]
    fn fields_methods_and_package_names() {
        let src = r#"package p
import "os"
func f(s *S, xs []*T, m map[string]*U) {
	for _, x := range xs {
		use(s.a.b, s.get(), x, m["k"], os.Stdout, g) // here
	}
}
"#;
        let s = || Box::new(TypeRef::Named("S".into()));
        assert_eq!(
            at(src, "s.a.b"),
            Some(TypeRef::Field(
                Box::new(TypeRef::Field(s(), "a".into())),
                "b".into()
            ))
        );
        assert_eq!(
            at(src, "s.get()"),
            Some(TypeRef::Result {
                func: "get".into(),
                recv: Some(s())
            })
        );
        assert_eq!(
            at(src, "x"),
            Some(TypeRef::Elem(Box::new(TypeRef::Named("[]*T".into()))))
        );
        assert_eq!(
            at(src, "m[\"k\"]"),
            Some(TypeRef::Elem(Box::new(TypeRef::Named(
                "map[string]*U".into()
            ))))
        );
        assert_eq!(at(src, "os.Stdout"), None);
        assert_eq!(at(src, "g"), Some(TypeRef::Var("g".into())));
    }

    /// A range over a channel gives its element, over a map its key (told
    /// apart when the ranged type is resolved); `<-ch` gives the element.
    #[test]
    fn ranges_and_receives() {
        let src = r#"package p
func f(ch chan *T, m map[K]*U) {
	for v := range ch {
		w := <-ch
		for k := range m {
			use(v, w, k) // here
		}
	}
}
"#;
        let named = |t: &str| Box::new(TypeRef::Named(t.into()));
        assert_eq!(at(src, "v"), Some(TypeRef::First(named("chan *T"))));
        assert_eq!(at(src, "w"), Some(TypeRef::Elem(named("chan *T"))));
        assert_eq!(at(src, "k"), Some(TypeRef::First(named("map[K]*U"))));
    }

    #[test]
    fn scopes_and_shadowing() {
        let src = r#"package p
func f(x *A) {
	if true {
		x := &B{}
		_ = x
	}
	func(x *C) { _ = x }(nil)
	y := &D{}
	y2 := y
	use(x, y2) // here
}
"#;
        assert_eq!(at(src, "x"), named("A"));
        assert_eq!(at(src, "y2"), named("D"));
        let inner = r#"package p
func f(x *A) {
	go func(x *C) {
		use(x) // here
	}(nil)
}
"#;
        assert_eq!(at(inner, "x"), named("C"));
        // A local that shadows a package, declared by the function around
        // a literal; a package not shadowed; a package variable.
        let packages = r#"package p
import ("fmt"; "os")
func f() {
	fmt := &F{}
	go func() {
		use(fmt, os.Stdout, pkgVar) // here
	}()
}
"#;
        assert_eq!(at(packages, "fmt"), named("F"));
        // The last declaration in force wins; one in a closed scope, or in
        // a parameter's function type, is not in force.
        let redeclared = r#"package p
func f(x *A, cb func(y *Y)) {
	if true {
		y := &B{}
		_ = y
	}
	x, err := newX()
	z := &Z{}
	use(x, y, z, err) // here
}
"#;
        assert_eq!(
            at(redeclared, "x"),
            Some(TypeRef::Result {
                func: "newX".into(),
                recv: None
            })
        );
        assert_eq!(at(redeclared, "y"), Some(TypeRef::Var("y".into())));
        assert_eq!(at(redeclared, "z"), named("Z"));
        assert_eq!(at(packages, "os"), None);
        assert_eq!(at(packages, "pkgVar"), Some(TypeRef::Var("pkgVar".into())));
    }
}

//! Handler detection: any function with one `http.ResponseWriter` parameter
//! and one `*http.Request` parameter, in either order, whatever their names.

use super::imports::Imports;
use super::types::{of_type, Kind};
use super::{named_children, text, Call};
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// A parameter: its name (`None` when unnamed or `_`) and its type node.
#[derive(Clone, Debug)]
pub struct Param<'t> {
    pub name: Option<String>,
    pub ty: Node<'t>,
}

/// The parameters of a function node, one entry per name.
pub fn params<'t>(func: Node<'t>, src: &str) -> Vec<Param<'t>> {
    let Some(list) = func.field("parameters") else {
        return Vec::new();
    };
    param_list(list, src)
}

/// The entries of a parameter list, one per name.
pub fn param_list<'t>(list: Node<'t>, src: &str) -> Vec<Param<'t>> {
    let mut out = Vec::new();
    for decl in named_children(list) {
        let Some(ty) = decl.field("type") else {
            continue;
        };
        let names: Vec<Node> = crate::syntax::fields(decl, "name");
        if names.is_empty() {
            out.push(Param { name: None, ty });
        }
        for n in names {
            let name = text(n, src);
            out.push(Param {
                name: (name != "_").then(|| name.to_string()),
                ty,
            });
        }
    }
    out
}

/// A method receiver: its name and its base type name (`Server` for `*Server`).
#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub type_name: String,
}

pub fn receiver(method: Node, src: &str) -> Option<Receiver> {
    if method.kind_name() != "method_declaration" {
        return None;
    }
    let list = method.field("receiver")?;
    let p = param_list(list, src).into_iter().next()?;
    let mut ty = p.ty;
    if ty.kind_name() == "pointer_type" {
        ty = named_children(ty).next()?;
    }
    if ty.kind_name() == "generic_type" {
        ty = ty.field("type")?;
    }
    Some(Receiver {
        name: p.name?,
        type_name: text(ty, src).to_string(),
    })
}

/// A function that serves HTTP requests.
#[derive(Clone, Debug)]
pub struct Handler<'t> {
    pub func: Node<'t>,
    pub body: Node<'t>,
    /// The `http.ResponseWriter` parameter's name.
    pub writer: Option<String>,
    /// The `*http.Request` parameter's name.
    pub request: Option<String>,
    /// The receiver of the method, or of the method a literal sits in.
    pub receiver: Option<Receiver>,
    /// How messages name it: `countHandler`, `(*Server).ServeHTTP`, `handler for "/x"`.
    pub name: String,
}

/// The handler view of a function node, if it is one.
pub fn handler<'t>(func: Node<'t>, src: &str, imports: &Imports) -> Option<Handler<'t>> {
    let body = func.field("body")?;
    let ps = params(func, src);
    if ps.len() < 2 {
        return None;
    }
    // One writer and one request, among any other parameters
    // (`proxy(w, r, target)` is handler code too).
    let kinds: Vec<Kind> = ps.iter().map(|p| of_type(p.ty, src, imports)).collect();
    let only = |k: Kind| {
        let mut at = kinds.iter().enumerate().filter(|(_, x)| **x == k);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    let (wi, ri) = (only(Kind::Writer)?, only(Kind::Request)?);
    // Methods are declared only at the top level: a literal's method is
    // its declaration, found without a climb when it is laid out (a climb
    // per literal handler costs the square of their nesting).
    let receiver = receiver(func, src).or_else(|| match super::flat::declaration_of(func) {
        Some(decl) => receiver(decl, src),
        None => func
            .ancestors()
            .find(|n| n.kind_name() == "method_declaration")
            .and_then(|m| receiver(m, src)),
    });
    Some(Handler {
        func,
        body,
        writer: ps[wi].name.clone(),
        request: ps[ri].name.clone(),
        receiver,
        name: display_name(func, src),
    })
}

/// How a function is named in messages.
pub fn display_name(func: Node, src: &str) -> String {
    match func.kind_name() {
        "function_declaration" => func
            .field("name")
            .map(|n| text(n, src).to_string())
            .unwrap_or_default(),
        "method_declaration" => {
            let name = func.field("name").map(|n| text(n, src)).unwrap_or_default();
            match receiver(func, src) {
                Some(r) => format!("{}.{}", r.type_name, name),
                None => name.to_string(),
            }
        }
        _ => literal_name(func, src),
    }
}

fn literal_name(func: Node, src: &str) -> String {
    // `mux.HandleFunc("/path", func(...))` → `handler for "/path"`.
    let mut cur = func.up();
    if let Some(p) = cur {
        if p.kind_name() == "argument_list" {
            if let Some(call) = p.up().and_then(Call::of) {
                if let Some(first) = call.arg(0) {
                    if first.kind_name() == "interpreted_string_literal" {
                        return format!("handler for {}", text(first, src));
                    }
                }
            }
        }
    }
    // `h := func(...)` / `var h = func(...)`.
    while let Some(p) = cur {
        match p.kind_name() {
            "short_var_declaration" | "assignment_statement" | "var_spec" => {
                let left = p.field("left").or_else(|| p.field("name"));
                if let Some(l) = left {
                    return text(l, src).to_string();
                }
                break;
            }
            "function_declaration" | "method_declaration" => {
                // As Go names closures: `Timeout.func1`, counted in source order.
                let n = super::closure_number(p, func);
                return format!("{}.func{n}", display_name(p, src));
            }
            _ => cur = p.up(),
        }
    }
    // (No line number: a finding's message must not change when lines
    // above it move, or the editor's kept findings would go stale.)
    "func literal".to_string()
}

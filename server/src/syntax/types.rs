//! What little httpvet needs to know about types: whether a declared type or
//! an initializer makes a map, an `*http.Client`, an `*http.Server`, a
//! channel, a mutex, or a value that is unsafe for concurrent use.

use super::imports::Imports;
use super::{named_children, text, unparen, Call, Visit};
use crate::syntax::NodeKind;
use tree_sitter::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Map,
    HttpClient,
    HttpServer,
    Mutex,
    /// A channel; `Some(0)` for an unbuffered `make`, `Some(n)` for a literal capacity.
    Chan(Option<u64>),
    /// A `net.Conn`, or an interface a conn may be handed on as
    /// (`io.ReadWriteCloser`, `io.Writer`, …, or a named non-pointer type
    /// called `…Conn`, as `derp.Conn`).
    Conn,
    Request,
    Writer,
    /// A value not safe for concurrent use, with the name users know it by.
    Unsafe(&'static str),
    /// An integer that `sync/atomic` functions can operate on.
    Integer,
    Other,
}

const UNSAFE_TYPES: &[(&str, &str, &str)] = &[
    ("bufio", "Writer", "*bufio.Writer"),
    ("bufio", "Reader", "*bufio.Reader"),
    ("bufio", "ReadWriter", "*bufio.ReadWriter"),
    ("bufio", "Scanner", "*bufio.Scanner"),
    ("bytes", "Buffer", "bytes.Buffer"),
    ("strings", "Builder", "strings.Builder"),
    ("math/rand", "Rand", "*rand.Rand"),
    ("math/rand/v2", "Rand", "*rand.Rand"),
    ("hash", "Hash", "hash.Hash"),
    ("hash", "Hash32", "hash.Hash32"),
    ("hash", "Hash64", "hash.Hash64"),
    ("encoding/csv", "Writer", "*csv.Writer"),
    ("text/tabwriter", "Writer", "*tabwriter.Writer"),
    ("encoding/json", "Encoder", "*json.Encoder"),
    ("encoding/gob", "Encoder", "*gob.Encoder"),
    ("encoding/xml", "Encoder", "*xml.Encoder"),
];

const UNSAFE_CONSTRUCTORS: &[(&str, &str, &str)] = &[
    ("bufio", "NewWriter", "*bufio.Writer"),
    ("bufio", "NewWriterSize", "*bufio.Writer"),
    ("bufio", "NewReader", "*bufio.Reader"),
    ("bufio", "NewReaderSize", "*bufio.Reader"),
    ("bufio", "NewReadWriter", "*bufio.ReadWriter"),
    ("bufio", "NewScanner", "*bufio.Scanner"),
    ("bytes", "NewBuffer", "*bytes.Buffer"),
    ("bytes", "NewBufferString", "*bytes.Buffer"),
    ("math/rand", "New", "*rand.Rand"),
    ("math/rand/v2", "New", "*rand.Rand"),
    ("crypto/md5", "New", "an md5 hash"),
    ("crypto/sha1", "New", "a sha1 hash"),
    ("crypto/sha256", "New", "a sha256 hash"),
    ("crypto/sha256", "New224", "a sha224 hash"),
    ("crypto/sha512", "New", "a sha512 hash"),
    ("crypto/sha512", "New384", "a sha384 hash"),
    ("crypto/sha3", "New256", "a sha3 hash"),
    ("crypto/sha3", "New512", "a sha3 hash"),
    ("crypto/hmac", "New", "an HMAC"),
    ("hash/fnv", "New32", "an fnv hash"),
    ("hash/fnv", "New32a", "an fnv hash"),
    ("hash/fnv", "New64", "an fnv hash"),
    ("hash/fnv", "New64a", "an fnv hash"),
    ("hash/fnv", "New128", "an fnv hash"),
    ("hash/fnv", "New128a", "an fnv hash"),
    ("hash/crc32", "New", "a crc32 hash"),
    ("hash/crc32", "NewIEEE", "a crc32 hash"),
    ("hash/crc64", "New", "a crc64 hash"),
    ("hash/adler32", "New", "an adler32 hash"),
    ("hash/maphash", "New", "a maphash hash"),
    ("encoding/csv", "NewWriter", "*csv.Writer"),
    ("text/tabwriter", "NewWriter", "*tabwriter.Writer"),
    ("encoding/json", "NewEncoder", "*json.Encoder"),
    ("encoding/gob", "NewEncoder", "*gob.Encoder"),
    ("encoding/xml", "NewEncoder", "*xml.Encoder"),
];

const INTEGERS: &[&str] = &[
    "int32", "int64", "uint32", "uint64", "uintptr", "int", "uint",
];

/// Classifies a type node.
pub fn of_type(ty: Node, src: &str, imports: &Imports) -> Kind {
    let ty = if ty.kind_name() == "parenthesized_type" {
        named_children(ty).next().unwrap_or(ty)
    } else {
        ty
    };
    match ty.kind_name() {
        "map_type" => return Kind::Map,
        "channel_type" => return Kind::Chan(None),
        "type_identifier" if INTEGERS.contains(&text(ty, src)) => return Kind::Integer,
        _ => {}
    }
    let resolved = imports.resolve_type(ty, src).or_else(|| {
        // Dot imports: try the packages whose types matter.
        ["net/http", "sync", "net"]
            .into_iter()
            .chain(UNSAFE_TYPES.iter().map(|t| t.0))
            .find_map(|p| imports.type_member(ty, src, p).map(|(n, ptr)| (p, n, ptr)))
    });
    // An interface a conn is handed on as: a named type (not a pointer)
    // called `…Conn`, of another package (`derp.Conn`) or this one. A
    // `net.Conn` can be passed as one only if it is an interface.
    let conn_like = |name: &str| name.ends_with("Conn");
    let Some((path, name, ptr)) = resolved else {
        if ty.kind_name() == "type_identifier" && conn_like(text(ty, src)) {
            return Kind::Conn;
        }
        return Kind::Other;
    };
    match (path, name, ptr) {
        ("net/http", "Client", _) => return Kind::HttpClient,
        ("net/http", "Server", _) => return Kind::HttpServer,
        ("net/http", "Request", true) => return Kind::Request,
        ("net/http", "ResponseWriter", false) => return Kind::Writer,
        ("sync", "Mutex" | "RWMutex", _) => return Kind::Mutex,
        ("net", "Conn", false) => return Kind::Conn,
        // A conn handed on as one of the io interfaces.
        (
            "io",
            "Closer" | "ReadCloser" | "WriteCloser" | "ReadWriteCloser" | "Reader" | "Writer"
            | "ReadWriter",
            false,
        ) => return Kind::Conn,
        _ => {}
    }
    for (p, n, shown) in UNSAFE_TYPES {
        if *p == path && *n == name {
            return Kind::Unsafe(shown);
        }
    }
    if !ptr && conn_like(name) {
        return Kind::Conn;
    }
    Kind::Other
}

/// Classifies the value an initializer expression produces.
pub fn of_expr(expr: Node, src: &str, imports: &Imports) -> Kind {
    let expr = unparen(expr);
    match expr.kind_name() {
        "composite_literal" => match expr.field("type") {
            Some(ty) => of_type(ty, src, imports),
            None => Kind::Other,
        },
        "unary_expression" => {
            let op = expr.field("operator").map(|o| text(o, src));
            match (op, expr.field("operand")) {
                (Some("&"), Some(inner)) if unparen(inner).kind_name() == "composite_literal" => {
                    of_expr(inner, src, imports)
                }
                _ => Kind::Other,
            }
        }
        "selector_expression" if imports.is_member(expr, src, "net/http", "DefaultClient") => {
            Kind::HttpClient
        }
        "call_expression" => of_call(expr, src, imports),
        _ => Kind::Other,
    }
}

fn of_call(expr: Node, src: &str, imports: &Imports) -> Kind {
    let Some(call) = Call::of(expr) else {
        return Kind::Other;
    };
    if call.function.kind_name() == "identifier" {
        match text(call.function, src) {
            "make" => {
                let Some(ty) = call.arg(0) else {
                    return Kind::Other;
                };
                return match ty.kind_name() {
                    "map_type" => Kind::Map,
                    "channel_type" => match call.arg(1) {
                        None => Kind::Chan(Some(0)),
                        Some(n) if n.kind_name() == "int_literal" => {
                            Kind::Chan(text(n, src).parse().ok())
                        }
                        Some(_) => Kind::Chan(None),
                    },
                    _ => Kind::Other,
                };
            }
            "new" => {
                return match call.arg(0) {
                    Some(ty) => of_type(ty, src, imports),
                    None => Kind::Other,
                }
            }
            _ => {}
        }
    }
    if call.function.kind_name() != "selector_expression" {
        return Kind::Other;
    }
    let (Some(pkg), Some(func)) = (call.function.field("operand"), call.function.field("field"))
    else {
        return Kind::Other;
    };
    let Some(path) = imports.path_of(text(pkg, src)) else {
        return Kind::Other;
    };
    let func = text(func, src);
    if path == "net/http" && matches!(func, "NewRequest" | "NewRequestWithContext") {
        return Kind::Request;
    }
    for (p, n, shown) in UNSAFE_CONSTRUCTORS {
        if *p == path && *n == func {
            return Kind::Unsafe(shown);
        }
    }
    Kind::Other
}

/// The kind of `name` if `func` itself declares it (its own parameters,
/// receiver and body, not nested literals): `Some(Kind::Other)` when declared
/// with a type httpvet does not track.
pub fn local_kind(func: Node, name: &str, src: &str, imports: &Imports) -> Option<Kind> {
    scan_locals(func, src, imports, Some(name))
        .remove(name)
        .map(|(k, _)| k)
}

/// Every name a function itself declares, with its kind as [`local_kind`]
/// gives it: one walk of the function answers every name, where a
/// [`local_kind`] per name walks it per name.
#[derive(Default, Debug)]
pub struct Locals(std::collections::HashMap<String, Kind>);

impl Locals {
    pub fn of(func: Node, src: &str, imports: &Imports) -> Locals {
        let found = scan_locals(func, src, imports, None);
        Locals(found.into_iter().map(|(n, (k, _))| (n, k)).collect())
    }

    pub fn kind(&self, name: &str) -> Option<&Kind> {
        self.0.get(name)
    }

    pub fn declares(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = (&str, &Kind)> {
        self.0.iter().map(|(n, k)| (n.as_str(), k))
    }
}

/// The declarations of `func` (of `only`, or of every name) in order, each
/// name with its kind and whether that is settled. A parameter or `var`
/// settles its name's kind; a `:=`, range or receive settles it when it
/// tells a kind, else holds it until one does. With `only`, the walk stops
/// once that name is settled.
fn scan_locals(
    func: Node,
    src: &str,
    imports: &Imports,
    only: Option<&str>,
) -> std::collections::HashMap<String, (Kind, bool)> {
    let mut out = std::collections::HashMap::new();
    let wanted = |id: Node| only.is_none_or(|o| text(id, src) == o);
    // Records `k` for `name`; true when `only` is settled.
    let mut record = |name: &str, k: Kind, settles: bool| {
        let e = out.entry(name.to_string()).or_insert((Kind::Other, false));
        if !e.1 && (settles || k != Kind::Other) {
            *e = (k, true);
        }
        only.is_some() && e.1
    };
    // A literal's parameters belong to it; its body to it as well.
    let declaring = crate::kinds!(
        "parameter_declaration",
        "variadic_parameter_declaration",
        "var_spec",
        "short_var_declaration",
        "range_clause",
        "receive_statement"
    );
    crate::syntax::visit_kinds_no_funcs(func, declaring, |n| {
        let settled = match n.kind_name() {
            "parameter_declaration" | "variadic_parameter_declaration" => {
                let names: Vec<Node> = crate::syntax::fields(n, "name")
                    .into_iter()
                    .filter(|id| wanted(*id))
                    .collect();
                let k = || {
                    n.field("type")
                        .map(|t| of_type(t, src, imports))
                        .unwrap_or(Kind::Other)
                };
                let mut settled = false;
                for id in names {
                    settled |= record(text(id, src), k(), true);
                }
                settled
            }
            "var_spec" => {
                let names: Vec<Node> = crate::syntax::fields(n, "name");
                let mut settled = false;
                for (i, id) in names.iter().enumerate().filter(|(_, id)| wanted(**id)) {
                    let mut k = n
                        .field("type")
                        .map(|t| of_type(t, src, imports))
                        .unwrap_or(Kind::Other);
                    if let Some(v) = n.field("value").and_then(|v| named_children(v).nth(i)) {
                        let vk = of_expr(v, src, imports);
                        if vk != Kind::Other {
                            k = vk;
                        }
                    }
                    settled |= record(text(*id, src), k, true);
                }
                settled
            }
            "short_var_declaration" | "range_clause" | "receive_statement" => {
                let mut settled = false;
                if let Some(left) = n.field("left") {
                    for (i, id) in named_children(left)
                        .enumerate()
                        .filter(|(_, id)| wanted(*id))
                    {
                        let mut k = Kind::Other;
                        if n.kind_name() == "short_var_declaration" {
                            if let Some(v) = n.field("right").and_then(|v| named_children(v).nth(i))
                            {
                                k = of_expr(v, src, imports);
                            }
                        }
                        settled |= record(text(id, src), k, false);
                    }
                }
                settled
            }
            _ => false,
        };
        if settled {
            Visit::Stop
        } else {
            Visit::Descend
        }
    });
    out
}

//! What little httpvet needs to know about types: whether a declared type or
//! an initializer makes a map, an `*http.Client`, an `*http.Server`, a
//! channel, a mutex, or a value that is unsafe for concurrent use.

use super::imports::Imports;
use super::{named_children, text, unparen, visit, Call, Visit};
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
    /// A `net.Conn`, or an `io` interface a conn may be handed on as
    /// (`io.ReadWriteCloser`, `io.Writer`, …).
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
    let Some((path, name, ptr)) = resolved else {
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
    let mut found: Option<Kind> = None;
    let func_id = func.id();
    visit(func, |n| {
        if n.kind_name() == "func_literal" && n.id() != func_id {
            // Its parameters belong to it; its body to it as well.
            return Visit::Skip;
        }
        match n.kind_name() {
            "parameter_declaration" | "variadic_parameter_declaration" => {
                let mut c = n.walk();
                if n.children_by_field_name("name", &mut c)
                    .any(|id| text(id, src) == name)
                {
                    let k = n
                        .field("type")
                        .map(|t| of_type(t, src, imports))
                        .unwrap_or(Kind::Other);
                    found = Some(k);
                    return Visit::Stop;
                }
            }
            "var_spec" => {
                let mut c = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                if let Some(i) = names.iter().position(|id| text(*id, src) == name) {
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
                    found = Some(k);
                    return Visit::Stop;
                }
            }
            "short_var_declaration" | "range_clause" | "receive_statement" => {
                if let Some(left) = n.field("left") {
                    let names: Vec<Node> = named_children(left).collect();
                    if let Some(i) = names.iter().position(|id| text(*id, src) == name) {
                        let mut k = Kind::Other;
                        if n.kind_name() == "short_var_declaration" {
                            if let Some(v) = n.field("right").and_then(|v| named_children(v).nth(i))
                            {
                                k = of_expr(v, src, imports);
                            }
                        }
                        if found.is_none() || k != Kind::Other {
                            found = Some(k);
                        }
                        if found != Some(Kind::Other) {
                            return Visit::Stop;
                        }
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    found
}

//! What `net/http` calls do to a response or a request: which calls write the
//! status or the body, and which read the request body.

use super::imports::Imports;
use super::scope::{derives, AliasRules};
use super::{text, unparen, Call};
use crate::syntax::NodeKind;
use std::collections::HashSet;
use tree_sitter::Node;

/// What a call does to the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterCall {
    /// Writes the status line (`WriteHeader`, `http.Error`, `http.Redirect`, …).
    Status,
    /// Writes the body, committing a 200 status if none was written.
    Body,
}

const STATUS_FUNCS: &[&str] = &[
    "Error",
    "Redirect",
    "NotFound",
    "ServeContent",
    "ServeFile",
    "ServeFileFS",
];

/// Classifies a call on a response writer named in `writers` (direct names,
/// not wrappers).
pub fn writer_call(
    call: &Call,
    src: &str,
    imports: &Imports,
    writers: &HashSet<String>,
) -> Option<WriterCall> {
    let is_w = |n: Option<Node>| {
        n.map(|n| {
            let n = unparen(n);
            n.kind_name() == "identifier" && writers.contains(text(n, src))
        })
        .unwrap_or(false)
    };
    if let Some((operand, method)) = call.method(src) {
        if is_w(Some(operand)) {
            return match method {
                "WriteHeader" => Some(WriterCall::Status),
                // A flush sends the headers, with a 200 when none was set.
                "Write" | "WriteString" | "ReadFrom" | "Flush" => Some(WriterCall::Body),
                _ => None,
            };
        }
        // `w.(http.Flusher).Flush()`, `http.NewResponseController(w).Flush()`.
        if method == "Flush" {
            let operand = unparen(operand);
            let of_w = match operand.kind_name() {
                "type_assertion_expression" => is_w(operand.field("operand")),
                "call_expression" => Call::of(operand).is_some_and(|c| {
                    imports.member(c.function, src, "net/http") == Some("NewResponseController")
                        && is_w(c.arg(0))
                }),
                _ => false,
            };
            if of_w {
                return Some(WriterCall::Body);
            }
        }
        // json.NewEncoder(w).Encode(v), tmpl.Execute(w, v)
        if matches!(method, "Encode") {
            if let Some(inner) = Call::of(operand) {
                if inner.method(src).map(|m| m.1) == Some("NewEncoder") && is_w(inner.arg(0)) {
                    return Some(WriterCall::Body);
                }
            }
        }
        if matches!(method, "Execute" | "ExecuteTemplate") && is_w(call.arg(0)) {
            return Some(WriterCall::Body);
        }
    }
    if let Some(name) = imports.member(call.function, src, "net/http") {
        if STATUS_FUNCS.contains(&name) && is_w(call.arg(0)) {
            return Some(WriterCall::Status);
        }
    }
    if let Some(name) = imports.member(call.function, src, "fmt") {
        if name.starts_with("Fprint") && is_w(call.arg(0)) {
            return Some(WriterCall::Body);
        }
    }
    if let Some(name) = imports.member(call.function, src, "io") {
        if matches!(name, "Copy" | "CopyN" | "CopyBuffer" | "WriteString") && is_w(call.arg(0)) {
            return Some(WriterCall::Body);
        }
    }
    None
}

/// True when a call writes to the client through `writers` (aliases and
/// wrappers included): any writer call, a method on a wrapper other than
/// `Header`, or a call that takes the writer as an argument.
pub fn writes_to_client(
    call: &Call,
    src: &str,
    imports: &Imports,
    writers: &HashSet<String>,
) -> bool {
    if writer_call(call, src, imports, writers).is_some() {
        return true;
    }
    let is_w = |n: Node| {
        let n = unparen(n);
        n.kind_name() == "identifier" && writers.contains(text(n, src))
    };
    if let Some((operand, method)) = call.method(src) {
        if is_w(operand) {
            // Editing headers, taking the conn over, setting a deadline,
            // setting an encoder up (`enc.SetIndent`, `enc.Indent`) or asking
            // a buffer its size sends nothing.
            return !matches!(
                method,
                "Header"
                    | "Set"
                    | "Add"
                    | "Del"
                    | "Get"
                    | "Values"
                    | "Hijack"
                    | "SetReadDeadline"
                    | "SetWriteDeadline"
                    | "EnableFullDuplex"
                    | "Indent"
                    | "SetIndent"
                    | "SetEscapeHTML"
                    | "Buffered"
                    | "Available"
                    | "Size"
            );
        }
        if operand.kind_name() == "call_expression" {
            // w.Header().Set(...) only edits the header map.
            return false;
        }
    }
    if call.args().any(is_w) {
        // Wrapping the writer writes nothing yet.
        let wraps = [
            "NewEncoder",
            "NewWriter",
            "NewResponseController",
            "MultiWriter",
        ];
        let name = match call.function.kind_name() {
            "selector_expression" => call
                .function
                .field("field")
                .map(|f| text(f, src))
                .unwrap_or(""),
            _ => text(call.function, src),
        };
        return !wraps.contains(&name);
    }
    false
}

/// Request methods that read the body.
/// What dies with the handler, by a request's member: the body, the
/// context, and the form and multipart parsing that read the body (the
/// methods of [`BODY_METHODS`] and what they fill in). Method, URL,
/// headers and `RemoteAddr` stay valid.
pub fn dies_with_handler(member: &str) -> bool {
    BODY_METHODS.contains(&member)
        || matches!(
            member,
            "Body" | "GetBody" | "Context" | "Form" | "PostForm" | "MultipartForm"
        )
}

/// True when `text` selects a member that dies with the handler
/// (`x.Body`, `r.Context()`, …) somewhere: a byte scan that rules out most
/// declarations before any walk.
pub fn may_read_dying(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(at) = b[i..].iter().position(|&c| c == b'.') {
        let start = i + at + 1;
        let end = b[start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .map_or(b.len(), |k| start + k);
        if end > start && dies_with_handler(&text[start..end]) {
            return true;
        }
        i = end.max(start);
    }
    false
}

pub const BODY_METHODS: &[&str] = &[
    "ParseForm",
    "ParseMultipartForm",
    "FormValue",
    "PostFormValue",
    "FormFile",
    "MultipartReader",
];

/// True when a call reads the request body: `io.ReadAll(r.Body)`,
/// `r.Body.Read`, `json.NewDecoder(r.Body)`, `io.Copy(x, r.Body)`, `r.ParseForm()`, ….
/// `requests` are the request's aliases, `bodies` the body's (`r.Body` included).
pub fn reads_body(
    call: &Call,
    src: &str,
    requests: &HashSet<String>,
    bodies: &HashSet<String>,
    form_parsed: bool,
) -> bool {
    let is_body = |n: Node| derives(n, bodies, src, BODY_RULES) || is_req_body(n, requests, src);
    if let Some((operand, method)) = call.method(src) {
        if is_body(operand) && matches!(method, "Read" | "WriteTo") {
            return true;
        }
        let op = unparen(operand);
        if op.kind_name() == "identifier" && requests.contains(text(op, src)) {
            let form_only = matches!(method, "FormValue" | "PostFormValue");
            return BODY_METHODS.contains(&method) && !(form_only && form_parsed);
        }
    }
    call.args().any(is_body)
}

const BODY_RULES: AliasRules = AliasRules {
    fields: &[],
    methods: &[],
    wrappers: false,
    params: true,
};

fn is_req_body(n: Node, requests: &HashSet<String>, src: &str) -> bool {
    let n = unparen(n);
    if n.kind_name() != "selector_expression" {
        return false;
    }
    let field = n.field("field").map(|f| text(f, src));
    let operand = n.field("operand").map(unparen);
    field == Some("Body")
        && operand
            .map(|o| o.kind_name() == "identifier" && requests.contains(text(o, src)))
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::may_read_dying;

    #[test]
    fn dying_members_are_found_by_their_selector() {
        assert!(may_read_dying("io.ReadAll(r.Body)"));
        assert!(may_read_dying("x := q.req.Context()"));
        assert!(may_read_dying("r.FormValue(\"a\")"));
        assert!(!may_read_dying("r.URL.Path + r.Method + r.Header.Get(k)"));
        assert!(!may_read_dying("Body := 1; x.Bodyguard()"));
        assert!(!may_read_dying("trailing dot."));
    }
}

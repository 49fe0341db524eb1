//! The package index: for each file, a compact summary of its package-level
//! declarations (variables, struct fields, functions and what they do with
//! their parameters). Rules see one file plus the summaries of every file of
//! its package, so state and helpers may live in a sibling file.

use crate::diagnostic::Location;
use crate::source::SourceFile;
use crate::syntax::flat::Kept;
use crate::syntax::handlers::{params, receiver};
use crate::syntax::http::{reads_body, writer_call, WriterCall};
use crate::syntax::imports::Imports;
use crate::syntax::typeref::{element_type, normalise, result_types, type_ref, TypeRef};
use crate::syntax::types::{of_expr, of_type, Kind};
use crate::syntax::NodeKind;
use crate::syntax::{named_children, text, unparen, visit, Call, Visit};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use tree_sitter::Node;

/// A package-level variable.
#[derive(Clone, Debug)]
pub struct VarDecl {
    pub name: String,
    pub kind: Kind,
    pub location: Location,
    /// How its type is known: the declared type, or its initialiser's.
    pub ty: Option<TypeRef>,
}

/// A field of a struct type declared in the package.
#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub type_name: String,
    pub name: String,
    pub kind: Kind,
    pub location: Location,
    /// The declared type as written (`int64`, `*bufio.Writer`).
    pub type_text: String,
    /// An embedded field: its fields and methods are promoted.
    pub embedded: bool,
}

/// A type declared in the package (`type ID int`, `type S struct{…}`).
#[derive(Clone, Debug)]
pub struct TypeDecl {
    pub name: String,
    /// The type it is defined from, normalised (`struct{…}` for structs).
    pub underlying: String,
}

/// What a function does with one of its parameters.
#[derive(Clone, Debug, Default)]
pub struct ParamFacts {
    pub name: Option<String>,
    /// Closes `p` on every way out.
    pub closes: bool,
    /// On which ways out it closes `p`, by what its result says; `None`
    /// when it never closes it.
    pub closes_when: Option<When>,
    /// Stored, sent, returned or given to code outside the package.
    pub hands_off: bool,
    /// `p <- v` somewhere in the body, not in a `select` that can give up.
    pub sends: bool,
    /// Such a send sits in a loop: it may send any number of times.
    pub sends_repeatedly: bool,
    /// Sends on `p` or closes it as the last thing it does on one of its
    /// paths: run as a goroutine, a receive from `p` comes after its sends
    /// ([`crate::syntax::goroutines::done_signals`]).
    pub signals_done: bool,
    /// How it receives from `p` (a channel): the `select` that gives up on
    /// a channel may sit in a helper that was handed it.
    pub receive: crate::syntax::goroutines::Receive,
    /// One of those receives sits in a loop (`for v := range p`): it takes
    /// any number of values.
    pub receives_in_loop: bool,
    /// A goroutine it starts receives from `p`: the helper hands the
    /// channel to a receiver that outlives it (`go func() { for v := range
    /// p { … } }()`).
    pub receives_in_background: bool,
    /// When it receives only in a `select` that can give up: on which of
    /// its return paths it gave up (did not receive), by what its result
    /// says (`waitFor(ch)` returns an error on its timeout). Only the paths
    /// that gave up must say so: one that received may return anything.
    pub gives_up_when: When,
    /// Reads the request body of `p`.
    pub reads_body: bool,
    /// Gives the request `p` a context (`p.WithContext(ctx)`).
    pub attaches_context: bool,
    /// Writes a status on `p` (`WriteHeader`, `http.Error`, …).
    pub writes_status: bool,
    /// Writes a status or a body on `p`.
    pub commits: bool,
    /// On which of its return paths it commits the status, by what its
    /// result says.
    pub status_when: When,
    /// On which of its return paths it writes anything (status or body).
    pub commits_when: When,
    /// Passed on to package functions: (function name, is a method, argument index).
    pub passes: Vec<(String, bool, usize)>,
    /// For a writer passed on: on which of its return paths it was, by what
    /// its result says (`requireAuth` lends `w` to `deny` and returns
    /// false).
    pub lends_when: When,
    /// A writer used only through `p.Header()`: it edits the headers and
    /// writes nothing to the client (`setHeader(w, k, v)`).
    pub headers_only: bool,
}

/// On which return paths a helper does something, told by one of its
/// results (`id, ok := parseID(w, r); if !ok { return }`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum When {
    /// On every path that does it at all, whatever it returns.
    #[default]
    Always,
    /// Only where result `.0` (an `error`) is non-nil.
    OnError(usize),
    /// Only where result `.0` (a `bool`) is false.
    OnFalse(usize),
    /// Only where result `.0` (a `bool`) is true.
    OnTrue(usize),
    /// Only where result `.0` (a pointer, slice or map) is nil: `u :=
    /// auth(w, r); if u == nil { return }`.
    OnNil(usize),
    /// On some paths, which its result does not tell (`if !wroteHeader {
    /// w.WriteHeader(…) }`): callers take it as having no effect.
    Sometimes,
}

impl When {
    /// The index of the result that tells, unless it is done always.
    pub fn result(self) -> Option<usize> {
        match self {
            When::Always | When::Sometimes => None,
            When::OnError(i) | When::OnFalse(i) | When::OnTrue(i) | When::OnNil(i) => Some(i),
        }
    }
}

/// A package-level function or method.
#[derive(Clone, Debug)]
pub struct FuncSummary {
    pub name: String,
    pub receiver_type: Option<String>,
    pub params: Vec<ParamFacts>,
    /// The type of its first result.
    pub result: Option<TypeRef>,
    /// Its first result is a type of the package by value (`T`, not `*T`):
    /// for a struct, the caller gets a copy of its own.
    pub result_by_value: bool,
    /// Its first result is a pointer to a value it just made and handed to
    /// no one else (a constructor, or a method that builds a snapshot).
    pub result_fresh: Option<crate::syntax::Fresh>,
    /// A method that keeps its receiver to itself (see
    /// [`crate::syntax::keeps_receiver`]): calling it on a value just made
    /// does not share the value.
    pub keeps_receiver: bool,
}

/// What a rule records about one declaration for the checks of other
/// declarations and files of its package (and, in the editor, what a change
/// must re-check on). The index keeps facts without knowing what they mean:
/// each rule declares its own types, records them ([`Collect`]) and reads
/// back only those ([`Facts::of`]).
pub trait Fact: CopyFact + std::any::Any + std::fmt::Debug + Send + Sync {
    /// Where it is in the file, if that is part of it.
    fn location(&self) -> Option<&Location> {
        None
    }
    fn location_mut(&mut self) -> Option<&mut Location> {
        None
    }
    /// What it says, without its position: while the shapes of a
    /// declaration's facts stay the same, the checks of other files that
    /// read them need not run again.
    fn shape(&self) -> String {
        format!("{self:?}")
    }
    /// A word whose presence makes another file of the package worth
    /// checking although no rule's trigger is in it (a package variable
    /// some file updates atomically, read plainly in one that imports
    /// nothing of interest).
    fn wakes(&self) -> Option<&str> {
        None
    }
}

/// A copy of a fact: every fact type is `Clone`.
pub trait CopyFact {
    fn copy(&self) -> Box<dyn Fact>;
}

impl<T: Fact + Clone> CopyFact for T {
    fn copy(&self) -> Box<dyn Fact> {
        Box::new(self.clone())
    }
}

/// The facts the rules recorded about a file's declarations, in file order.
#[derive(Debug, Default)]
pub struct Facts(Vec<Box<dyn Fact>>);

impl Clone for Facts {
    fn clone(&self) -> Facts {
        Facts(self.0.iter().map(|f| f.copy()).collect())
    }
}

impl Facts {
    pub fn push(&mut self, fact: impl Fact) {
        self.0.push(Box::new(fact));
    }

    /// The facts of one type: those its rule recorded.
    pub fn of<T: Fact>(&self) -> impl Iterator<Item = &T> {
        self.0
            .iter()
            .filter_map(|f| (&**f as &dyn std::any::Any).downcast_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Fact> {
        self.0.iter().map(|f| &**f)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut dyn Fact> {
        self.0.iter_mut().map(|f| &mut **f)
    }
}

/// What the rules record about a declaration: the index calls it on every
/// top-level declaration it summarises (`crate::rules::collect_facts`).
pub type Collect = fn(&Declaration, &mut Facts);

/// The names calls of a package may name (see [`called_names`]): a
/// function none of them names needs no facts about its parameters.
pub type Called = HashSet<String>;

/// Adds to `into` every name in `text` that a call may name: each
/// identifier followed by `(` or `[` (a generic instantiation), other than
/// the name a `func` declaration declares. A glance at the bytes, not a
/// parse: a name in a comment or a string counts too, which costs only the
/// facts of a function nothing calls.
pub fn called_names(text: &str, into: &mut Called) {
    let b = text.as_bytes();
    let ident = crate::syntax::is_ident_byte;
    let (mut i, mut line) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line = i + 1;
        }
        if !ident(c) || c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && ident(b[i]) {
            i += 1;
        }
        let mut j = i;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if j < b.len() && matches!(b[j], b'(' | b'[') && !declares(&text[line..start]) {
            let word = &text[start..i];
            if !into.contains(word) {
                into.insert(word.to_string());
            }
        }
    }
}

/// True when `before`, the start of a line up to a name, makes that name
/// the one a `func` declaration declares: `func ` or `func (r *T) `.
fn declares(before: &str) -> bool {
    let t = before.trim_end();
    t == "func" || t.starts_with("func (") && t.ends_with(')') && t.len() < before.len()
}

/// A top-level declaration, as the rules' collectors see it.
pub struct Declaration<'a> {
    pub node: Node<'a>,
    pub file: &'a SourceFile,
    pub imports: &'a Imports,
    /// The file's text.
    pub src: &'a str,
}

impl<'a> Declaration<'a> {
    /// The declaration's own text.
    pub fn text(&self) -> &'a str {
        &self.src[self.node.byte_range()]
    }
}

/// The package-level facts of one file.
#[derive(Clone, Debug, Default)]
pub struct FileSummary {
    pub path: Option<Arc<str>>,
    pub package: String,
    pub vars: Vec<VarDecl>,
    pub fields: Vec<FieldDecl>,
    pub types: Vec<TypeDecl>,
    pub funcs: Vec<FuncSummary>,
    /// What the rules record for the checks of other declarations and
    /// files ([`Fact`]).
    pub facts: Facts,
}

/// The package name a file declares.
pub fn package_name(file: &SourceFile) -> String {
    file.top_level()
        .find(|n| n.kind_name() == "package_clause")
        .and_then(|p| named_children(p).next())
        .map(|id| text(id, &file.text).to_string())
        .unwrap_or_default()
}

impl FileSummary {
    /// The summary of a file no rule checks: its declarations are laid out
    /// only when deep (a walk that climbs parents in a deep tree costs the
    /// square of the depth); the summary's few walks cost less than a
    /// layout.
    pub fn of(
        file: &SourceFile,
        imports: &Imports,
        collect: Collect,
        called: Option<&Called>,
    ) -> FileSummary {
        FileSummary::build(file, imports, collect, false, called).0
    }

    /// The summary, and the layouts of the file's declarations when they
    /// are no more batches than there are threads (a small file, or a few
    /// large declarations): the check that follows reads them instead of
    /// laying them out again, and would hold as many at once anyway. A file
    /// of more batches keeps those of its first few batches that threads
    /// will share (see [`crate::syntax::is_shared`]: a function of a
    /// megabyte or more, whose layout costs as much as a rule), as many as
    /// there are threads, and no others, so that the layouts of a large
    /// file are never all held at once.
    pub fn keeping(
        file: &SourceFile,
        imports: &Imports,
        collect: Collect,
        called: Option<&Called>,
    ) -> (FileSummary, Option<Kept>) {
        FileSummary::build(file, imports, collect, true, called)
    }

    fn build(
        file: &SourceFile,
        imports: &Imports,
        collect: Collect,
        checked: bool,
        called: Option<&Called>,
    ) -> (FileSummary, Option<Kept>) {
        let package = package_name(file);
        let batches: Vec<Vec<Node>> = crate::syntax::batches(file.top_level().collect()).collect();
        // Asked only when it decides: asking starts rayon's threads, which
        // a small file does not need.
        let threads = || crate::threads().max(2);
        let all = checked && (batches.len() <= 2 || batches.len() <= threads());
        // Whether each batch's layouts are kept.
        let keeps: Vec<bool> = batches
            .iter()
            .scan(0, |kept_shared, b| {
                let shared = checked && crate::syntax::is_shared(b) && *kept_shared < threads();
                *kept_shared += shared as usize;
                Some(all || shared)
            })
            .collect();
        let kept = std::sync::Mutex::new(Kept::default());
        let summarise = |(batch, keep): (Vec<Node>, bool)| {
            // Laid out, the declarations' walks read arrays and their
            // parent climbs cost nothing (a tree finds a parent from its
            // root, past every top-level declaration before it).
            let deep = || {
                let bytes = file.text.as_bytes();
                batch
                    .iter()
                    .any(|d| crate::syntax::flat::is_deep(&bytes[d.byte_range()]))
            };
            let lay = checked || deep();
            let worth = batch
                .iter()
                .copied()
                .filter(|d| crate::syntax::flat::worth(*d));
            let laid_out = crate::syntax::flat::flatten(file.line_starts(), worth.filter(|_| lay));
            let mut s = FileSummary {
                path: Some(file.path.clone()),
                package: package.clone(),
                ..FileSummary::default()
            };
            for decl in batch {
                s.add_decl(file, imports, decl, collect, called);
            }
            if keep {
                let mine = laid_out.keep();
                kept.lock().unwrap_or_else(|p| p.into_inner()).join(mine);
            }
            s
        };
        // A large file's batches are summarised on all threads, then
        // joined in file order.
        let keep = keeps.contains(&true);
        let batches = batches.into_iter().zip(keeps).collect();
        let mut parts: Vec<FileSummary> = crate::map_in_parallel(batches, summarise);
        let mut s = match parts.is_empty() {
            true => FileSummary {
                path: Some(file.path.clone()),
                package,
                ..FileSummary::default()
            },
            false => parts.remove(0),
        };
        for p in parts {
            s.append(p);
        }
        let kept = kept.into_inner().unwrap_or_else(|p| p.into_inner());
        (s, keep.then_some(kept))
    }

    /// Adds `other`'s declarations (of the same file, later in it) to these.
    pub fn append(&mut self, other: FileSummary) {
        let FileSummary {
            path: _,
            package: _,
            vars,
            fields,
            types,
            funcs,
            facts,
        } = other;
        self.vars.extend(vars);
        self.fields.extend(fields);
        self.types.extend(types);
        self.funcs.extend(funcs);
        self.facts.0.extend(facts.0);
    }

    /// The summary of one top-level declaration (the language server keeps
    /// one per declaration and recomputes only those an edit touched).
    pub fn of_decl(
        file: &SourceFile,
        imports: &Imports,
        package: &str,
        decl: Node,
        collect: Collect,
    ) -> FileSummary {
        let mut s = FileSummary {
            path: Some(file.path.clone()),
            package: package.to_string(),
            ..FileSummary::default()
        };
        s.add_decl(file, imports, decl, collect, None);
        s
    }

    fn add_decl(
        &mut self,
        file: &SourceFile,
        imports: &Imports,
        decl: Node,
        collect: Collect,
        called: Option<&Called>,
    ) {
        let src = file.text.as_str();
        match decl.kind_name() {
            "var_declaration" => self.add_vars(file, decl, imports),
            "type_declaration" => self.add_types(file, decl, imports),
            "function_declaration" | "method_declaration" => {
                self.add_func(decl, src, imports, called)
            }
            _ => {}
        }
        let at = Declaration {
            node: decl,
            file,
            imports,
            src,
        };
        collect(&at, &mut self.facts);
    }

    fn add_vars(&mut self, file: &SourceFile, decl: Node, imports: &Imports) {
        let src = file.text.as_str();
        let mut specs: Vec<Node> = Vec::new();
        for c in named_children(decl) {
            if c.kind_name() == "var_spec" {
                specs.push(c);
            } else if c.kind_name() == "var_spec_list" {
                specs.extend(named_children(c).filter(|n| n.kind_name() == "var_spec"));
            }
        }
        for spec in specs {
            let ty = spec.field("type");
            let values: Vec<Node> = spec
                .field("value")
                .map(|v| named_children(v).collect())
                .unwrap_or_default();
            let names: Vec<Node> = crate::syntax::fields(spec, "name");
            for (i, name) in names.iter().enumerate() {
                let mut kind = ty.map(|t| of_type(t, src, imports)).unwrap_or(Kind::Other);
                let type_ref = match (ty, values.get(i)) {
                    (Some(t), _) => Some(TypeRef::Named(normalise(text(t, src)))),
                    (None, Some(v)) if values.len() == names.len() => type_ref(*v, src, imports),
                    _ => None,
                };
                if let Some(v) = values.get(i) {
                    let k = of_expr(*v, src, imports);
                    if kind == Kind::Other || matches!(k, Kind::Chan(Some(_))) {
                        kind = k;
                    }
                }
                self.vars.push(VarDecl {
                    name: text(*name, src).to_string(),
                    kind,
                    location: Location::of_node(&file.path, *name),
                    ty: type_ref,
                });
            }
        }
    }

    fn add_types(&mut self, file: &SourceFile, decl: Node, imports: &Imports) {
        let src = file.text.as_str();
        for spec in named_children(decl) {
            if spec.kind_name() != "type_spec" {
                continue;
            }
            let (Some(name), Some(ty)) = (spec.field("name"), spec.field("type")) else {
                continue;
            };
            let type_name = text(name, src).to_string();
            let underlying = if ty.kind_name() == "struct_type" {
                "struct{…}".to_string()
            } else {
                normalise(text(ty, src))
            };
            self.types.push(TypeDecl {
                name: type_name.clone(),
                underlying,
            });
            if ty.kind_name() != "struct_type" {
                continue;
            }
            let Some(list) = named_children(ty).next() else {
                continue;
            };
            for field in named_children(list) {
                let Some(fty) = field.field("type") else {
                    continue;
                };
                let kind = of_type(fty, src, imports);
                let names: Vec<Node> = crate::syntax::fields(field, "name");
                if names.is_empty() {
                    // Embedded field: named after its type.
                    let base = text(fty, src).trim_start_matches('*');
                    let base = base.rsplit('.').next().unwrap_or(base);
                    self.fields.push(FieldDecl {
                        type_name: type_name.clone(),
                        name: base.to_string(),
                        kind: kind.clone(),
                        location: Location::of_node(&file.path, fty),
                        type_text: text(fty, src).to_string(),
                        embedded: true,
                    });
                }
                for n in names {
                    self.fields.push(FieldDecl {
                        type_name: type_name.clone(),
                        name: text(n, src).to_string(),
                        kind: kind.clone(),
                        location: Location::of_node(&file.path, n),
                        type_text: text(fty, src).to_string(),
                        embedded: false,
                    });
                }
            }
        }
    }

    fn add_func(&mut self, decl: Node, src: &str, imports: &Imports, called: Option<&Called>) {
        let Some(name) = decl.field("name") else {
            return;
        };
        // What it does with its parameters is read only where a call
        // names it: nothing asks about a function nothing calls.
        let asked = called.is_none_or(|c| c.contains(text(name, src)));
        let body = decl.field("body");
        let ps = params(decl, src);
        let mut kinds: Vec<Kind> = ps.iter().map(|p| of_type(p.ty, src, imports)).collect();
        // A parameter of one of the package's own types that the body
        // closes (`func shut(c closer) { c.Close() }`): a conn passed to it
        // compiles only when that type is an interface, so it is followed
        // as a conn. Asked of the body's bytes, not a walk.
        if let Some(body) = body.filter(|_| asked) {
            let body_text = &src[body.byte_range()];
            for (p, kind) in ps.iter().zip(kinds.iter_mut()) {
                let closed = *kind == Kind::Other
                    && p.ty.kind_name() == "type_identifier"
                    && p.name.as_deref().is_some_and(|n| closes_text(body_text, n));
                if closed {
                    *kind = Kind::Conn;
                }
            }
        }
        // The parameters worth following, all read in one walk of the body.
        let wanted: Vec<(usize, &str, &Kind)> = ps
            .iter()
            .zip(&kinds)
            .enumerate()
            .filter(|(_, (_, kind))| {
                matches!(
                    kind,
                    Kind::Conn | Kind::Chan(_) | Kind::Request | Kind::Writer
                )
            })
            .filter_map(|(i, (p, kind))| Some((i, p.name.as_deref()?, kind)))
            .filter(|_| body.is_some() && asked)
            .collect();
        let mut followed = match body {
            Some(body) if !wanted.is_empty() => {
                let pairs: Vec<(&str, &Kind)> = wanted.iter().map(|&(_, n, k)| (n, k)).collect();
                param_facts(decl, &pairs, body, src, imports)
            }
            _ => Vec::new(),
        }
        .into_iter();
        let mut facts: Vec<ParamFacts> = ps
            .iter()
            .map(|p| ParamFacts {
                name: p.name.clone(),
                ..ParamFacts::default()
            })
            .collect();
        // The channels it sends on or closes as the last thing it does.
        let last_words = match body {
            Some(body) if wanted.iter().any(|w| matches!(w.2, Kind::Chan(_))) => {
                crate::syntax::goroutines::last_words(body, src)
            }
            _ => Vec::new(),
        };
        for &(i, name, kind) in &wanted {
            let (Some(mut f), Some(body)) = (followed.next(), body) else {
                break;
            };
            if matches!(kind, Kind::Chan(_)) {
                f.signals_done = last_words.contains(&name);
                let same = |n: Node| is_name(n, src, name);
                (f.receive, f.receives_in_loop) =
                    crate::syntax::goroutines::receives_looping(body, &same, src);
                f.receives_in_background = f.receive != crate::syntax::goroutines::Receive::Never
                    && crate::syntax::any(body, |n| {
                        n.kind_name() == "go_statement"
                            && crate::syntax::goroutines::receives(n, &same, src)
                                != crate::syntax::goroutines::Receive::Never
                    });
                if f.receive == crate::syntax::goroutines::Receive::GivesUp {
                    f.gives_up_when = gives_up_when(decl, name, body, src);
                }
            }
            if f.commits || (matches!(kind, Kind::Writer) && !f.passes.is_empty()) {
                (f.status_when, f.commits_when, f.lends_when) =
                    commits_when(decl, name, body, src, imports);
            }
            facts[i] = f;
        }
        let first = result_types(decl, src).first().copied();
        let result = first.map(|t| TypeRef::Named(normalise(text(t, src))));
        let result_by_value =
            first.is_some_and(|t| matches!(t.kind_name(), "type_identifier" | "generic_type"));
        self.funcs.push(FuncSummary {
            name: text(name, src).to_string(),
            receiver_type: receiver(decl, src).map(|r| r.type_name),
            params: facts,
            result,
            result_by_value,
            result_fresh: crate::syntax::fresh_result(decl, src),
            keeps_receiver: asked && crate::syntax::keeps_receiver(decl, imports, src),
        });
    }
}

/// True when `body` holds `name.Close(` with `name` a whole word.
fn closes_text(body: &str, name: &str) -> bool {
    crate::syntax::word_starts(body, &format!("{name}.Close("))
        .next()
        .is_some()
}

fn is_name(n: Node, src: &str, name: &str) -> bool {
    let n = unparen(n);
    n.kind_name() == "identifier" && text(n, src) == name
}

/// The facts of the parameters `wanted` (name and kind) of `decl`, read in
/// one walk of its body for all of them.
fn param_facts(
    decl: Node,
    wanted: &[(&str, &Kind)],
    body: Node,
    src: &str,
    imports: &Imports,
) -> Vec<ParamFacts> {
    let mut facts: Vec<ParamFacts> = wanted
        .iter()
        .map(|(name, _)| ParamFacts {
            name: Some(name.to_string()),
            ..ParamFacts::default()
        })
        .collect();
    let name_sets: Vec<HashSet<String>> = wanted
        .iter()
        .map(|(name, _)| std::iter::once(name.to_string()).collect())
        .collect();
    let bodies: HashSet<String> = HashSet::new();
    // Which parameter an expression names, if any.
    let named = |e: Node| {
        let e = unparen(e);
        if e.kind_name() != "identifier" {
            return None;
        }
        let t = text(e, src);
        wanted.iter().position(|(name, _)| *name == t)
    };
    // Writers used other than through `w.Header()` (set after the walk).
    let mut used_otherwise = vec![false; wanted.len()];
    visit(body, |n| {
        match n.kind_name() {
            "identifier" => {
                if let Some(i) = named(n).filter(|&i| *wanted[i].1 == Kind::Writer) {
                    let header = n.up().is_some_and(|sel| {
                        sel.kind_name() == "selector_expression"
                            && sel.field("field").is_some_and(|f| text(f, src) == "Header")
                            && sel.up().is_some_and(|c| c.kind_name() == "call_expression")
                    });
                    used_otherwise[i] |= !header;
                }
            }
            "send_statement" => {
                if let Some(i) = n.field("channel").and_then(named) {
                    if !crate::syntax::goroutines::send_can_give_up(n) {
                        facts[i].sends = true;
                        facts[i].sends_repeatedly |=
                            crate::syntax::goroutines::sends_in_loop(n, body);
                    }
                }
                if let Some(i) = n.field("value").and_then(named) {
                    facts[i].hands_off = true;
                }
            }
            "return_statement" => {
                for e in named_children(n).flat_map(named_children) {
                    if let Some(i) = named(e) {
                        facts[i].hands_off = true;
                    }
                }
            }
            "assignment_statement" | "short_var_declaration" | "keyed_element" => {
                let right = n.field("right").or_else(|| n.field("value"));
                if let Some(r) = right {
                    if r.kind_name() == "expression_list" {
                        for e in named_children(r) {
                            if let Some(i) = named(e) {
                                facts[i].hands_off = true;
                            }
                        }
                    } else {
                        crate::syntax::visit(r, |e| {
                            if let Some(i) = named(e) {
                                facts[i].hands_off = true;
                            }
                            Visit::Descend
                        });
                    }
                }
            }
            // `p.(io.Closer)`: taken as another type, it is not followed.
            "type_assertion_expression" => {
                if let Some(i) = n.field("operand").and_then(named) {
                    facts[i].hands_off = true;
                }
            }
            "call_expression" => {
                let Some(call) = Call::of(n) else {
                    return Visit::Descend;
                };
                if let Some((operand, method)) = call.method(src) {
                    if let Some(i) = named(operand) {
                        match method {
                            "Close" => facts[i].closes = true,
                            "WithContext" => facts[i].attaches_context = true,
                            _ => {}
                        }
                    }
                }
                for (i, (_, kind)) in wanted.iter().enumerate() {
                    let f = &mut facts[i];
                    if **kind == Kind::Request
                        && reads_body(&call, src, &name_sets[i], &bodies, false)
                    {
                        f.reads_body = true;
                    }
                    if **kind == Kind::Writer {
                        match writer_call(&call, src, imports, &name_sets[i]) {
                            Some(WriterCall::Status) => {
                                f.writes_status = true;
                                f.commits = true;
                            }
                            Some(WriterCall::Body) => f.commits = true,
                            None => {}
                        }
                    }
                }
                for (at, a) in call.args().enumerate() {
                    let Some(i) = named(a) else {
                        continue;
                    };
                    let f = &mut facts[i];
                    match call.function.kind_name() {
                        "identifier" => {
                            f.passes
                                .push((text(call.function, src).to_string(), false, at));
                        }
                        "selector_expression" => {
                            match imports.package_of(call.function, src) {
                                // The standard library never closes what it is lent.
                                Some(path) if crate::syntax::imports::is_standard(path) => {}
                                Some(_) => f.hands_off = true,
                                None => {
                                    let m = call
                                        .function
                                        .field("field")
                                        .map(|m| text(m, src).to_string())
                                        .unwrap_or_default();
                                    f.passes.push((m, true, at));
                                }
                            }
                        }
                        "func_literal" => f.hands_off = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    for ((f, (_, kind)), used) in facts.iter_mut().zip(wanted).zip(used_otherwise) {
        f.headers_only = **kind == Kind::Writer && !used;
    }
    // A function that closes its parameter on some paths only leaves it
    // open on the others: it is no closer, though its result may tell
    // where it closed it.
    for (f, (name, _)) in facts.iter_mut().zip(wanted) {
        if f.closes {
            let when = closes_when(decl, name, body, src);
            f.closes = when == When::Always;
            f.closes_when = Some(when);
        }
    }
    facts
}

/// On which ways out of `body` (of `decl`) `name` has been closed:
/// `name.Close()` on the path, a `defer` that closes it, or a goroutine
/// started on the path that closes it; keyed by its result when it closes
/// on some paths only (`handshake` closes the conn when it fails).
fn closes_when(decl: Node, name: &str, body: Node, src: &str) -> When {
    let close = |n: Node| {
        Call::of(n)
            .and_then(|c| c.method(src))
            .is_some_and(|(operand, m)| m == "Close" && is_name(operand, src, name))
    };
    let (types, idx, exits) = at_exits(decl, body, src, |node| match node.kind_name() {
        // What a deferred or started literal does counts too.
        "defer_statement" | "go_statement" => crate::syntax::any(node, close),
        _ => crate::syntax::any_no_funcs(node, close),
    });
    let exits: Vec<Exit> = exits
        .iter()
        .map(|(closed, v)| (*closed, (false, false), v.as_str()))
        .collect();
    when_of(&types, idx, &exits)
}

/// On which ways out of `body` (of `decl`) it has not received from the
/// channel `name`: keyed by its result when that tells (`select {
/// case v := <-ch: return v, nil; case <-ctx.Done(): return 0, ctx.Err() }`).
fn gives_up_when(decl: Node, name: &str, body: Node, src: &str) -> When {
    let same = |n: Node| is_name(n, src, name);
    let (types, idx, exits) = at_exits(decl, body, src, |node| {
        crate::syntax::any_no_funcs(node, |n| {
            crate::syntax::goroutines::receive_at(n, &same, src).is_some()
        })
    });
    // Gave up on some path where it did not receive on every one.
    let exits: Vec<Exit> = exits
        .iter()
        .map(|((some, all), v)| ((!all, !some), (false, false), v.as_str()))
        .collect();
    match when_of(&types, idx, &exits) {
        // A caller needs only that giving up shows in the result: the ways
        // out that received may return anything (`case err := <-ch: return
        // err`).
        When::Sometimes => idx
            .and_then(|idx| {
                let gave_up = || exits.iter().filter(|(did, _, _)| did.0).map(|(_, _, v)| *v);
                let all =
                    |on: &dyn Fn(&str) -> bool| gave_up().next().is_some() && gave_up().all(on);
                match types[idx] {
                    "error" if all(&not_nil) => Some(When::OnError(idx)),
                    "bool" if all(&|v| v == "false") => Some(When::OnFalse(idx)),
                    "bool" if all(&|v| v == "true") => Some(When::OnTrue(idx)),
                    t if nilable(t) && all(&is_nil) => Some(When::OnNil(idx)),
                    _ => None,
                }
            })
            .unwrap_or(When::Sometimes),
        when => when,
    }
}

/// Whether a statement or clause header of `body` (of `decl`) that `does`
/// accepts was reached, at each way out: (on some path, on every path),
/// with the text of the result that tells ([`telling_result`], whose index
/// comes back with the result types).
#[allow(clippy::type_complexity)]
fn at_exits<'s>(
    decl: Node,
    body: Node,
    src: &'s str,
    does: impl Fn(Node) -> bool,
) -> (Vec<&'s str>, Option<usize>, Vec<((bool, bool), String)>) {
    struct Did<'s, F> {
        does: F,
        src: &'s str,
        idx: Option<usize>,
        exits: Vec<((bool, bool), String)>,
    }
    impl<'t, F: Fn(Node) -> bool> crate::syntax::flow::Flow<'t> for Did<'_, F> {
        type State = (bool, bool);
        fn join(&mut self, into: &mut (bool, bool), other: (bool, bool)) {
            *into = (into.0 | other.0, into.1 & other.1);
        }
        fn step(&mut self, node: Node<'t>, did: &mut (bool, bool)) {
            if (self.does)(node) {
                *did = (true, true);
            }
        }
        fn exit(&mut self, node: Node<'t>, did: &(bool, bool)) {
            self.exits.push((*did, returned(node, self.idx, self.src)));
        }
    }
    let types = result_texts(decl, src);
    let mut d = Did {
        does,
        src,
        idx: telling_result(&types),
        exits: Vec::new(),
    };
    crate::syntax::flow::run(&mut d, body, src, (false, false));
    (types, d.idx, d.exits)
}

/// On which paths `decl` commits the status of the writer `name`, on which
/// it writes anything (status, body), and on which it lends the writer to a
/// package function, from a walk of every path to a return, keyed by its
/// last `error` or `bool` result.
///
/// A path that hands the writer to another function may have written
/// through it; it counts as writing when the split is by the result, and
/// makes the effect [`When::Sometimes`] otherwise.
fn commits_when(
    decl: Node,
    name: &str,
    body: Node,
    src: &str,
    imports: &Imports,
) -> (When, When, When) {
    let types = result_texts(decl, src);
    let tell = telling_result(&types);
    /// What the paths that reach a point did, each as (on some, on all):
    /// wrote the status, wrote anything, lent the writer to a function.
    #[derive(Clone, Copy, Default)]
    struct Did {
        status: (bool, bool),
        any: (bool, bool),
        lent: (bool, bool),
    }
    fn meet(a: &mut (bool, bool), b: (bool, bool)) {
        *a = (a.0 | b.0, a.1 & b.1);
    }
    struct Paths<'s, 'i> {
        names: HashSet<String>,
        src: &'s str,
        imports: &'i Imports,
        idx: Option<usize>,
        /// What each way out did, with the telling result's text.
        exits: Vec<(Did, String)>,
    }
    impl<'t> crate::syntax::flow::Flow<'t> for Paths<'_, '_> {
        type State = Did;
        fn join(&mut self, into: &mut Did, other: Did) {
            meet(&mut into.status, other.status);
            meet(&mut into.any, other.any);
            meet(&mut into.lent, other.lent);
        }
        fn step(&mut self, node: Node<'t>, did: &mut Did) {
            crate::syntax::visit_no_funcs(node, |n| {
                if let Some(c) = Call::of(n) {
                    match writer_call(&c, self.src, self.imports, &self.names) {
                        Some(WriterCall::Status) => {
                            did.status = (true, true);
                            did.any = (true, true);
                        }
                        Some(WriterCall::Body) => did.any = (true, true),
                        None => {
                            // A package function or method (what `passes`
                            // records), not the standard library's.
                            let lends = match c.function.kind_name() {
                                "identifier" => true,
                                "selector_expression" => {
                                    self.imports.package_of(c.function, self.src).is_none()
                                }
                                _ => false,
                            } && c.args().any(|a| {
                                let a = unparen(a);
                                a.kind_name() == "identifier"
                                    && self.names.contains(text(a, self.src))
                            });
                            if lends {
                                did.lent = (true, true);
                            }
                        }
                    }
                }
                Visit::Descend
            });
        }
        fn exit(&mut self, node: Node<'t>, did: &Did) {
            self.exits.push((*did, returned(node, self.idx, self.src)));
        }
    }
    let mut paths = Paths {
        names: std::iter::once(name.to_string()).collect(),
        src,
        imports,
        idx: tell,
        exits: Vec::new(),
    };
    crate::syntax::flow::run(&mut paths, body, src, Did::default());
    let exits = &paths.exits;
    let when = |wrote: &dyn Fn(&Did) -> (bool, bool)| {
        let exits: Vec<Exit> = exits
            .iter()
            .map(|(d, v)| (wrote(d), d.lent, v.as_str()))
            .collect();
        when_of(&types, tell, &exits)
    };
    (when(&|d| d.status), when(&|d| d.any), when(&|d| d.lent))
}

/// One way out of a function: whether it did something (on some path to
/// it, on every path), whether it lent the value on to another function
/// (the same), and the text of its telling result.
type Exit<'s> = ((bool, bool), (bool, bool), &'s str);

/// On which paths a function whose results are `types` did something,
/// told by result `tell` (its last `error` or `bool`), from its ways out.
/// A path that lent the value may have done it: it counts as doing it
/// when the split is by the result.
fn when_of(types: &[&str], tell: Option<usize>, exits: &[Exit]) -> When {
    if exits.iter().all(|(did, _, _)| did.1) {
        return When::Always;
    }
    let (Some(idx), true) = (tell, exits.iter().any(|(did, _, _)| did.0)) else {
        return When::Sometimes;
    };
    // Exits that did it, or lent the value, on every path give one value;
    // exits that did neither on any path give the other.
    let split = |on: &dyn Fn(&str) -> bool, clean: &dyn Fn(&str) -> bool| {
        exits.iter().all(|(did, lent, v)| {
            if did.1 || lent.1 {
                on(v)
            } else {
                !did.0 && !lent.0 && clean(v)
            }
        })
    };
    match types[idx] {
        "error" if split(&not_nil, &is_nil) => When::OnError(idx),
        "bool" if split(&|v| v == "false", &|v| v == "true") => When::OnFalse(idx),
        "bool" if split(&|v| v == "true", &|v| v == "false") => When::OnTrue(idx),
        t if nilable(t) && split(&is_nil, &not_nil) => When::OnNil(idx),
        _ => When::Sometimes,
    }
}

/// A result's text at a way out that is `nil`.
fn is_nil(v: &str) -> bool {
    v == "nil"
}

/// A result's text at a way out that is a value other than `nil`.
fn not_nil(v: &str) -> bool {
    !v.is_empty() && v != "nil"
}

/// The texts of a function's result types.
pub fn result_texts<'s>(decl: Node, src: &'s str) -> Vec<&'s str> {
    result_types(decl, src)
        .into_iter()
        .map(|t| text(t, src))
        .collect()
}

/// The index of the result that can tell on which paths a function did
/// something: its last `error` or `bool`, else its first pointer, slice or
/// map (nil on those paths): the value it is called for comes first
/// (`rpt, warnings := makeReport(w, r); if rpt == nil { return }`).
pub fn telling_result(types: &[&str]) -> Option<usize> {
    types
        .iter()
        .rposition(|t| *t == "error" || *t == "bool")
        .or_else(|| types.iter().position(|t| nilable(t)))
}

/// True for a result type that tells by being nil: a pointer, a slice or a
/// map (an interface cannot be told from its name).
fn nilable(ty: &str) -> bool {
    ty.starts_with('*') || ty.starts_with("[]") || ty.starts_with("map[")
}

/// The text of result `idx` at a way out (empty when it returns no list).
pub fn returned(node: Node, idx: Option<usize>, src: &str) -> String {
    idx.and_then(|idx| {
        (node.kind_name() == "return_statement")
            .then(|| named_children(node).next())
            .flatten()
            .and_then(|list| named_children(list).nth(idx))
    })
    .map(|v| text(v, src).to_string())
    .unwrap_or_default()
}

/// The summaries of every file of one package (in the editor, of every
/// declaration of the open file: hundreds), with tables of its declarations
/// built on first use: a lookup costs the same in a package of ten
/// functions or of a hundred thousand.
#[derive(Clone, Debug, Default)]
pub struct PackageIndex<'s> {
    /// Borrowed: the editor builds an index on every keystroke, over the
    /// summaries it keeps.
    pub files: Vec<&'s FileSummary>,
    lookup: Arc<Lookup>,
    memos: Memos,
}

/// The package's declarations by name, made the first time a rule asks.
/// They hold no positions, only where each declaration sits in the list of
/// summaries: summaries of the same shapes in the same order may share them
/// ([`PackageIndex::with_lookup`]).
#[derive(Debug, Default)]
pub struct Lookup {
    /// Variable name → (summary, index) of its first declaration.
    vars: OnceLock<HashMap<String, (usize, usize)>>,
    tables: OnceLock<Tables>,
}

/// How many values rules may derive once per package ([`PackageIndex::memo`]).
pub const MEMO_SLOTS: usize = 6;

/// Values rules derive from the whole package once, not once per batch of
/// declarations checked (a scan of every summary per batch costs the
/// square of the package's size). The index holds them without knowing
/// what they are: each rule owns its slot and its type.
#[derive(Default)]
struct Memos([OnceLock<Box<dyn std::any::Any + Send + Sync>>; MEMO_SLOTS]);

impl Clone for Memos {
    /// A copy of the index derives its values anew.
    fn clone(&self) -> Self {
        Memos::default()
    }
}

impl std::fmt::Debug for Memos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memos")
    }
}

/// The package's declarations by what rules look them up by, as (file,
/// position) pairs; each keeps the first declaration in file order, as a
/// scan would find it. Owned keys: the index stays covariant in its
/// summaries' lifetime.
#[derive(Clone, Debug, Default)]
struct Tables {
    types: HashMap<String, At>,
    /// By name and whether it is a method: every declaration.
    funcs: HashMap<(String, bool), Vec<At>>,
    methods: HashMap<(String, String), At>,
    fields: HashMap<(String, String), At>,
    fields_named: HashMap<String, Vec<At>>,
    /// Each type's fields in order (asked per type: a scan of every field
    /// of the package per type costs a square in a package of many types).
    fields_of_type: HashMap<String, Vec<At>>,
    embedded_in: HashMap<String, Vec<At>>,
}

/// A declaration's file and position in that file's list.
type At = (usize, usize);

impl Tables {
    fn of(files: &[&FileSummary]) -> Tables {
        let mut t = Tables::default();
        for (i, f) in files.iter().enumerate() {
            for (j, d) in f.types.iter().enumerate() {
                t.types.entry(d.name.clone()).or_insert((i, j));
            }
            for (j, func) in f.funcs.iter().enumerate() {
                t.funcs
                    .entry((func.name.clone(), func.receiver_type.is_some()))
                    .or_default()
                    .push((i, j));
                if let Some(r) = &func.receiver_type {
                    t.methods
                        .entry((r.clone(), func.name.clone()))
                        .or_insert((i, j));
                }
            }
            for (j, d) in f.fields.iter().enumerate() {
                t.fields
                    .entry((d.type_name.clone(), d.name.clone()))
                    .or_insert((i, j));
                t.fields_named
                    .entry(d.name.clone())
                    .or_default()
                    .push((i, j));
                t.fields_of_type
                    .entry(d.type_name.clone())
                    .or_default()
                    .push((i, j));
                if d.embedded {
                    t.embedded_in
                        .entry(d.type_name.clone())
                        .or_default()
                        .push((i, j));
                }
            }
        }
        t
    }
}

impl<'s> PackageIndex<'s> {
    pub fn new(files: Vec<&'s FileSummary>) -> PackageIndex<'s> {
        PackageIndex {
            files,
            ..PackageIndex::default()
        }
    }

    /// An index that looks declarations up in `lookup`, made for summaries
    /// of the same shapes as `files` (the same declarations, in the same
    /// order): the language server keeps it while typing changes no shape.
    pub fn with_lookup(files: Vec<&'s FileSummary>, lookup: Arc<Lookup>) -> PackageIndex<'s> {
        PackageIndex {
            files,
            lookup,
            memos: Memos::default(),
        }
    }

    /// The lookup tables, to share with a later index of the same shapes.
    pub fn lookup(&self) -> Arc<Lookup> {
        self.lookup.clone()
    }

    /// The value in `slot`, made by `make` the first time it is asked for.
    /// Each slot holds one type, the one its rule gives it.
    pub fn memo<T: std::any::Any + Send + Sync>(
        &self,
        slot: usize,
        make: impl FnOnce() -> T,
    ) -> &T {
        self.memos.0[slot]
            .get_or_init(|| Box::new(make()))
            .downcast_ref()
            .expect("a memo slot holds one type")
    }

    pub fn var(&self, name: &str) -> Option<&VarDecl> {
        let vars = self.lookup.vars.get_or_init(|| {
            let mut map = HashMap::new();
            for (i, f) in self.files.iter().enumerate() {
                for (j, v) in f.vars.iter().enumerate() {
                    map.entry(v.name.clone()).or_insert((i, j));
                }
            }
            map
        });
        let &(i, j) = vars.get(name)?;
        Some(&self.files[i].vars[j])
    }

    /// The package type a [`TypeRef`] stands for, normalised
    /// ([`normalise`]); `None` when the package does not tell.
    pub fn resolve(&self, r: &TypeRef) -> Option<String> {
        self.resolve_at(r, 0)
    }

    fn resolve_at(&self, r: &TypeRef, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let next = |r: &TypeRef| self.resolve_at(r, depth + 1);
        match r {
            TypeRef::Named(t) => Some(t.clone()),
            TypeRef::Var(name) => next(self.var(name)?.ty.as_ref()?),
            TypeRef::Result { func, recv: None } => match self.func(func, false) {
                Some(f) => next(f.result.as_ref()?),
                // A conversion to a package type.
                None => self.type_decl(func).map(|t| t.name.clone()),
            },
            TypeRef::Result {
                func,
                recv: Some(recv),
            } => {
                let t = next(recv)?;
                let m = self.method(&t, func)?;
                next(m.result.as_ref()?)
            }
            TypeRef::Field(operand, name) => {
                let t = next(operand)?;
                Some(normalise(&self.field_of_type(&t, name)?.type_text))
            }
            TypeRef::Elem(of) => element_type(&self.underlying(next(of)?)).map(normalise),
            TypeRef::First(of) => {
                let t = self.underlying(next(of)?);
                let t = t.trim();
                let elem = element_type(t)?;
                match t.starts_with("map[") {
                    // A map's key: the text between `map[` and its `]`.
                    true => Some(normalise(&t["map[".len()..t.len() - elem.len() - 1])),
                    // A channel's element; a slice's or array's index is an int.
                    false => (!t.starts_with('[')).then(|| normalise(elem)),
                }
            }
        }
    }

    /// The underlying type of package type `t` when it is not a struct
    /// (`type queue chan *job` gives `chan *job`), else `t`.
    fn underlying(&self, t: String) -> String {
        match self.type_decl(&t) {
            Some(d) if d.underlying != "struct{…}" => d.underlying.clone(),
            _ => t,
        }
    }

    fn tables(&self) -> &Tables {
        self.lookup.tables.get_or_init(|| Tables::of(&self.files))
    }

    fn func_at(&self, (i, j): At) -> &FuncSummary {
        &self.files[i].funcs[j]
    }

    fn field_at(&self, (i, j): At) -> &FieldDecl {
        &self.files[i].fields[j]
    }

    /// A type declared in the package.
    pub fn type_decl(&self, name: &str) -> Option<&TypeDecl> {
        let &(i, j) = self.tables().types.get(name)?;
        Some(&self.files[i].types[j])
    }

    /// Method `name` of package type `ty`, or of a type it embeds.
    pub fn method(&self, ty: &str, name: &str) -> Option<&FuncSummary> {
        self.promoted(ty, 0, &|t| {
            let key = (t.to_string(), name.to_string());
            self.tables().methods.get(&key).map(|&at| self.func_at(at))
        })
    }

    /// Field `name` of a value of package type `ty`: its own or one promoted
    /// from an embedded struct (the declaration says which struct owns it).
    pub fn field_of_type(&self, ty: &str, name: &str) -> Option<&FieldDecl> {
        self.promoted(ty, 0, &|t| self.field(t, name))
    }

    /// `find` on `ty`, then on the types it embeds, breadth first.
    fn promoted<'x, T>(
        &'x self,
        ty: &str,
        depth: usize,
        find: &dyn Fn(&str) -> Option<&'x T>,
    ) -> Option<&'x T> {
        if let Some(found) = find(ty) {
            return Some(found);
        }
        if depth > 4 {
            return None;
        }
        self.tables()
            .embedded_in
            .get(ty)
            .into_iter()
            .flatten()
            .map(|&at| self.field_at(at))
            .find_map(|d| self.promoted(&normalise(&d.type_text), depth + 1, find))
    }

    /// A field by its struct type and name.
    pub fn field(&self, type_name: &str, name: &str) -> Option<&FieldDecl> {
        let key = (type_name.to_string(), name.to_string());
        self.tables().fields.get(&key).map(|&at| self.field_at(at))
    }

    /// The fields struct type `type_name` declares itself, in order.
    pub fn fields_of<'q>(&'q self, type_name: &'q str) -> impl Iterator<Item = &'q FieldDecl> {
        let of_type = self.tables().fields_of_type.get(type_name);
        of_type.into_iter().flatten().map(|&at| self.field_at(at))
    }

    /// Any struct field of that name whose kind matches.
    pub fn any_field(&self, name: &str, pred: impl Fn(&Kind) -> bool) -> Option<&FieldDecl> {
        let named = self.tables().fields_named.get(name)?;
        named
            .iter()
            .map(|&at| self.field_at(at))
            .find(|d| pred(&d.kind))
    }

    /// A package function (or, with `method`, a method of any type) by name:
    /// `None` when no declaration or several have it.
    pub fn func(&self, name: &str, method: bool) -> Option<&FuncSummary> {
        match self
            .tables()
            .funcs
            .get(&(name.to_string(), method))?
            .as_slice()
        {
            &[one] => Some(self.func_at(one)),
            // An ambiguous method name (two types) tells nothing.
            _ => None,
        }
    }

    /// True when the package declares a function (or, with `method`, a
    /// method of any type) named `name`, once or more.
    pub fn declares_func(&self, name: &str, method: bool) -> bool {
        self.tables()
            .funcs
            .get(&(name.to_string(), method))
            .is_some_and(|v| !v.is_empty())
    }

    /// A predicate over the facts of a package function's `idx`-th parameter.
    pub fn param(&self, name: &str, method: bool, idx: usize) -> Option<&ParamFacts> {
        self.func(name, method)?.params.get(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn called_names_are_the_names_calls_name_not_declarations() {
        let text = "package p\n\nfunc deny(w http.ResponseWriter) { w.WriteHeader(403) }\n\nfunc (s *srv) serve(w http.ResponseWriter, r *http.Request) {\n\tif !allowed (r) {\n\t\tdeny(w)\n\t}\n\tgo s.pump[int](r)\n}\n\nfunc unused() {}\n";
        let mut called = Called::new();
        called_names(text, &mut called);
        for name in ["WriteHeader", "allowed", "deny", "pump"] {
            assert!(called.contains(name), "{name} is called");
        }
        for name in ["serve", "unused", "srv"] {
            assert!(!called.contains(name), "{name} is not called");
        }
    }
}

//! The local names of the standard packages a file imports.

use super::{named_children, text, unparen};
use crate::source::SourceFile;
use crate::syntax::NodeKind;
use tree_sitter::Node;

/// How a package is named in this file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Local {
    /// `http.Get`: the package's name or its alias.
    Name(String),
    /// `import . "net/http"`: members are used unqualified.
    Dot,
}

/// One import: its path, how it is named here, and where it sits.
#[derive(Clone, Debug)]
pub struct Import {
    /// The package it stands for: the standard one for a stand-in (see
    /// [`STAND_INS`]), as written otherwise.
    pub path: String,
    /// True when the file imports a stand-in for `path` (see [`STAND_INS`]).
    pub stand_in: bool,
    /// `None` for a blank (`_`) import.
    pub local: Option<Local>,
    pub start: usize,
    pub end: usize,
}

/// All imports of a file.
#[derive(Clone, Debug, Default)]
pub struct Imports {
    pub list: Vec<Import>,
}

/// Packages that re-export a standard package's names as aliases, and the
/// standard package each stands for. `golang.org/x/net/context` has been
/// `context` under another path since Go 1.9 (its `Context` is an alias of
/// `context.Context`, its `Background` returns the standard one), and older
/// servers still import it: `context.Background()` there is the same call.
/// It lacks the newer names (`WithoutCancel`, `AfterFunc`), which a fix
/// must not write through it (see [`Imports::is_stand_in`]).
const STAND_INS: &[(&str, &str)] = &[("golang.org/x/net/context", "context")];

/// True for an import path of the standard library: it has no dot, unlike
/// a module path, whose host has one (`github.com/…`). Quotes around the
/// path change nothing.
pub fn is_standard(path: &str) -> bool {
    !path.contains('.')
}

/// The name a package is known by when imported without an alias.
pub fn default_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    if is_version {
        if let Some(prev) = parts.next() {
            return prev;
        }
    }
    last
}

/// The import declarations of a file: those after the package clause and
/// before any other declaration (Go allows them nowhere else), found
/// without walking the rest of the file.
pub fn declarations(file: &SourceFile) -> impl Iterator<Item = Node<'_>> {
    file.top_level()
        .take_while(|d| matches!(d.kind_name(), "package_clause" | "import_declaration"))
        .filter(|d| d.kind_name() == "import_declaration")
}

impl Imports {
    pub fn of(file: &SourceFile) -> Imports {
        let src = &file.text;
        let mut imports = Imports::default();
        for decl in declarations(file) {
            for spec in named_children(decl) {
                if spec.kind_name() == "import_spec" {
                    imports.add(spec, src);
                } else if spec.kind_name() == "import_spec_list" {
                    for s in named_children(spec) {
                        if s.kind_name() == "import_spec" {
                            imports.add(s, src);
                        }
                    }
                }
            }
        }
        imports
    }

    fn add(&mut self, spec: Node, src: &str) {
        let Some(path_node) = spec.field("path") else {
            return;
        };
        let written = text(path_node, src).trim_matches(|c| c == '"' || c == '`');
        let stand_in = STAND_INS.iter().find(|(p, _)| *p == written);
        let path = stand_in.map_or(written, |(_, std)| std);
        let local = match spec.field("name") {
            Some(n) if n.kind_name() == "dot" => Some(Local::Dot),
            Some(n) if n.kind_name() == "blank_identifier" => None,
            Some(n) => Some(Local::Name(text(n, src).to_string())),
            None => Some(Local::Name(default_name(written).to_string())),
        };
        self.list.push(Import {
            path: path.to_string(),
            stand_in: stand_in.is_some(),
            local,
            start: spec.start_byte(),
            end: spec.end_byte(),
        });
    }

    /// The byte range of the import spec of `path` and its local name.
    /// The one [`Imports::local`] names, when that is a name.
    pub fn spec_of(&self, path: &str) -> Option<(usize, usize, &str)> {
        let Some(Local::Name(name)) = self.local(path) else {
            return None;
        };
        self.list.iter().find_map(|i| match &i.local {
            Some(Local::Name(n)) if i.path == path && n == name => {
                Some((i.start, i.end, n.as_str()))
            }
            _ => None,
        })
    }

    /// The path of the package imported under local name `name`.
    pub fn path_of(&self, name: &str) -> Option<&str> {
        self.list.iter().find_map(|i| match &i.local {
            Some(Local::Name(n)) if n == name => Some(i.path.as_str()),
            _ => None,
        })
    }

    fn has_dot(&self, path: &str) -> bool {
        self.list
            .iter()
            .any(|i| i.local == Some(Local::Dot) && i.path == path)
    }

    /// How `path` is named here, if it is imported (and not blank): by its
    /// own import rather than a stand-in's, when the file has both.
    pub fn local(&self, path: &str) -> Option<&Local> {
        let named = |stand_in: bool| {
            self.list
                .iter()
                .filter(|i| i.path == path && i.stand_in == stand_in)
                .find_map(|i| i.local.as_ref())
        };
        named(false).or_else(|| named(true))
    }

    pub fn has(&self, path: &str) -> bool {
        self.local(path).is_some()
    }

    /// True when the file names standard package `path` only through a
    /// stand-in (`golang.org/x/net/context` for `context`, see
    /// [`STAND_INS`]): new code may use only the names both have.
    pub fn is_stand_in(&self, path: &str) -> bool {
        self.list
            .iter()
            .filter(|i| i.path == path && i.local.is_some())
            .all(|i| i.stand_in)
            && self.has(path)
    }

    /// True when the file imports `testing` or a test framework (testify,
    /// Gomega, Ginkgo, gotest.tools): code that only tests run.
    pub fn has_test_framework(&self) -> bool {
        const FRAMEWORKS: &[&str] = &[
            "github.com/stretchr/testify/",
            "github.com/onsi/gomega",
            "github.com/onsi/ginkgo",
            "gotest.tools/",
        ];
        self.list
            .iter()
            .any(|i| i.path == "testing" || FRAMEWORKS.iter().any(|f| i.path.starts_with(f)))
    }

    /// True when the file imports a checker of leaked goroutines
    /// (`go.uber.org/goleak`, `github.com/fortytw2/leaktest`): its tests
    /// fail when a goroutine is still running at their end.
    pub fn has_leak_checker(&self) -> bool {
        const CHECKERS: &[&str] = &["go.uber.org/goleak", "github.com/fortytw2/leaktest"];
        self.list
            .iter()
            .any(|i| CHECKERS.contains(&i.path.as_str()))
    }

    /// If `node` names a member of package `path` (`http.Get`, or `Get` under a
    /// dot import), the member's name.
    pub fn member<'s>(&self, node: Node, src: &'s str, path: &str) -> Option<&'s str> {
        let node = unparen(node);
        match node.kind_name() {
            "selector_expression" => {
                let operand = node.field("operand")?;
                if operand.kind_name() != "identifier" {
                    return None;
                }
                if self.path_of(text(operand, src)) != Some(path) {
                    return None;
                }
                Some(text(node.field("field")?, src))
            }
            "identifier" => self.has_dot(path).then(|| text(node, src)),
            _ => None,
        }
    }

    /// If `node` is a selector on an import's name (`fmt.Fprintln`), that
    /// package's path.
    pub fn package_of(&self, node: Node, src: &str) -> Option<&str> {
        let node = unparen(node);
        let operand = node.field("operand")?;
        (node.kind_name() == "selector_expression" && operand.kind_name() == "identifier")
            .then(|| self.path_of(text(operand, src)))?
    }

    /// True when `node` is `path.name` (or `name` under a dot import).
    pub fn is_member(&self, node: Node, src: &str, path: &str, name: &str) -> bool {
        self.member(node, src, path) == Some(name)
    }

    /// If the type node names a type of package `path` (through one pointer
    /// when `pointer` allows it), the type's name and whether it was a pointer.
    pub fn type_member<'s>(&self, ty: Node, src: &'s str, path: &str) -> Option<(&'s str, bool)> {
        let (ty, ptr) = if ty.kind_name() == "pointer_type" {
            (named_children(ty).next()?, true)
        } else {
            (ty, false)
        };
        match ty.kind_name() {
            "qualified_type" | "selector_expression" => {
                let (pkg, name) = if ty.kind_name() == "qualified_type" {
                    (ty.field("package")?, ty.field("name")?)
                } else {
                    (ty.field("operand")?, ty.field("field")?)
                };
                (self.path_of(text(pkg, src)) == Some(path)).then(|| (text(name, src), ptr))
            }
            "type_identifier" | "identifier" => self.has_dot(path).then(|| (text(ty, src), ptr)),
            _ => None,
        }
    }

    /// The package path, type name and pointer-ness of a qualified type
    /// (`*http.Request` → `("net/http", "Request", true)`); dot imports are
    /// not resolved here.
    pub fn resolve_type<'s>(&'s self, ty: Node, src: &'s str) -> Option<(&'s str, &'s str, bool)> {
        let (ty, ptr) = if ty.kind_name() == "pointer_type" {
            (named_children(ty).next()?, true)
        } else {
            (ty, false)
        };
        let (pkg, name) = match ty.kind_name() {
            "qualified_type" => (ty.field("package")?, ty.field("name")?),
            "selector_expression" => (ty.field("operand")?, ty.field("field")?),
            _ => return None,
        };
        Some((self.path_of(text(pkg, src))?, text(name, src), ptr))
    }

    /// The prefix to write before a member of `path` in new code (`http.`),
    /// or `None` when the package is not imported.
    pub fn qualifier(&self, path: &str) -> Option<String> {
        match self.local(path)? {
            Local::Name(n) => Some(format!("{n}.")),
            Local::Dot => Some(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports_of(src: &str) -> Imports {
        Imports::of(&SourceFile::parse("a.go", src.to_string()))
    }

    /// `golang.org/x/net/context` is read as `context`, and known as a
    /// stand-in; the standard import, or both, are not.
    #[test]
    fn stand_ins_are_read_as_the_standard_package() {
        let old = imports_of("package p\n\nimport \"golang.org/x/net/context\"\n");
        assert_eq!(old.path_of("context"), Some("context"));
        assert!(old.has("context") && old.is_stand_in("context"));
        let aliased = imports_of("package p\n\nimport xctx \"golang.org/x/net/context\"\n");
        assert_eq!(aliased.qualifier("context").as_deref(), Some("xctx."));
        let std = imports_of("package p\n\nimport \"context\"\n");
        assert!(std.has("context") && !std.is_stand_in("context"));
        let both = imports_of(
            "package p\n\nimport (\n\tx \"golang.org/x/net/context\"\n\n\t\"context\"\n)\n",
        );
        assert!(!both.is_stand_in("context"));
        assert_eq!(both.qualifier("context").as_deref(), Some("context."));
        let none = imports_of("package p\n\nimport \"net/http\"\n");
        assert!(!none.has("context") && !none.is_stand_in("context"));
    }
}

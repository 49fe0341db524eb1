//! A parsed Go file: its text, its syntax tree and the line table that turns
//! byte offsets into 1-based lines and byte columns.

use std::sync::Arc;
use tree_sitter::{Node, Parser, Tree};

/// One Go source file with its syntax tree.
///
/// In the language server the tree may lag the text inside some top-level
/// declarations, each then re-parsed on its own (a *patch*, see
/// [`crate::document::Document`]): read the file's top level through
/// [`SourceFile::top_level`] and [`SourceFile::node_for_range`], which take
/// those declarations from their patches, never from `tree` directly.
pub struct SourceFile {
    pub path: Arc<str>,
    /// Shared with the document it was taken from (the language server's
    /// analyses read it without a copy).
    pub text: Arc<String>,
    tree: Tree,
    /// Trees of one top-level declaration each, in text order; each replaces
    /// the declaration of `tree` that starts where it starts.
    patches: Vec<Tree>,
    line_starts: Arc<Vec<usize>>,
}

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(new_parser());
}

/// A parser for Go.
pub fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .expect("tree-sitter-go is compatible with the linked tree-sitter");
    parser
}

/// Parses `text` with this thread's parser.
pub fn parse(text: &str) -> Tree {
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(text, None)
            .expect("parsing without a timeout or cancellation always yields a tree")
    })
}

/// Re-parses an edited tree with this thread's parser (whose buffers are
/// already grown), reading the new text in chunks.
pub fn reparse<'a, F>(read: &mut F, old: &Tree) -> Tree
where
    F: FnMut(usize, tree_sitter::Point) -> &'a [u8],
{
    PARSER.with(|p| {
        p.borrow_mut()
            .parse_with_options(read, Some(old), None)
            .expect("parsing without a timeout or cancellation always yields a tree")
    })
}

/// Parses only `range` of a text read in chunks (re-using `old`, an edited
/// earlier parse of the same range): a tree whose nodes have their offsets
/// in the whole text. Its cost follows the range's size, not the text's.
pub fn parse_range<'a, F>(
    read: &mut F,
    range: tree_sitter::Range,
    old: Option<&Tree>,
) -> Option<Tree>
where
    F: FnMut(usize, tree_sitter::Point) -> &'a [u8],
{
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        p.set_included_ranges(&[range]).ok()?;
        let tree = p.parse_with_options(read, old, None);
        p.set_included_ranges(&[])
            .expect("the whole text is always a valid range");
        tree
    })
}

impl SourceFile {
    /// True for a `_test.go` file.
    pub fn is_test(&self) -> bool {
        self.path.ends_with("_test.go")
    }

    /// True for a file a tool wrote (`// Code generated … DO NOT EDIT.`
    /// before the package clause, Go's convention): its findings belong to
    /// the generator, and an edit to it would be overwritten.
    pub fn is_generated(&self) -> bool {
        for line in self.text.lines() {
            let line = line.trim_end_matches('\r');
            if line.starts_with("package ") {
                return false;
            }
            if line.starts_with("// Code generated ") && line.ends_with(" DO NOT EDIT.") {
                return true;
            }
        }
        false
    }

    pub fn parse(path: impl Into<Arc<str>>, text: String) -> SourceFile {
        let tree = parse(&text);
        SourceFile::with_tree(path, text, tree)
    }

    pub fn with_tree(path: impl Into<Arc<str>>, text: String, tree: Tree) -> SourceFile {
        let line_starts = line_starts(&text);
        SourceFile::from_parts(
            path,
            Arc::new(text),
            Arc::new(line_starts),
            tree,
            Vec::new(),
        )
    }

    /// A file from its parts: `line_starts` is [`line_starts`] of `text`, and
    /// `tree` lags the text inside the declarations `patches` hold (in text
    /// order).
    pub fn from_parts(
        path: impl Into<Arc<str>>,
        text: Arc<String>,
        line_starts: Arc<Vec<usize>>,
        tree: Tree,
        patches: Vec<Tree>,
    ) -> SourceFile {
        SourceFile {
            path: path.into(),
            text,
            tree,
            patches,
            line_starts,
        }
    }

    /// The root of the syntax tree, for walks that need no more than where
    /// nodes are (inside a patched declaration its nodes are stale).
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The named nodes of the top level in order: the package clause,
    /// imports, declarations and comments.
    pub fn top_level(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        crate::syntax::named_children(self.tree.root_node()).map(|n| self.patched(n))
    }

    /// The top level written out, each node as its byte range and
    /// S-expression: two parses of a text compare equal when their outlines
    /// do.
    pub fn outline(&self) -> Vec<String> {
        self.top_level()
            .map(|n| format!("{:?} {}", n.byte_range(), n.to_sexp()))
            .collect()
    }

    /// A top-level node of `tree`, or the patch that replaces it.
    pub fn patched<'t>(&'t self, n: Node<'t>) -> Node<'t> {
        if self.patches.is_empty() {
            return n;
        }
        let at = n.start_byte();
        let i = self
            .patches
            .partition_point(|p| p.root_node().start_byte() < at);
        self.patches
            .get(i)
            .filter(|p| p.root_node().start_byte() == at)
            .and_then(|p| p.root_node().named_child(0))
            .unwrap_or(n)
    }

    /// True when the file has a syntax error.
    pub fn has_error(&self) -> bool {
        self.tree.root_node().has_error() || self.patches.iter().any(|p| p.root_node().has_error())
    }

    /// The smallest node that spans `start..end`.
    pub fn node_for_range(&self, start: usize, end: usize) -> Option<Node<'_>> {
        let root = self.tree.root_node();
        let top = crate::syntax::child_at_byte(root, start)
            .filter(|n| n.start_byte() <= start && end <= n.end_byte());
        match top {
            Some(top) => self.patched(top).descendant_for_byte_range(start, end),
            None => root.descendant_for_byte_range(start, end),
        }
    }

    /// The 0-based line of the first syntax error (an unparsable or a
    /// missing token), if any: one descent through the nodes that hold one.
    pub fn first_syntax_error(&self) -> Option<usize> {
        let mut n = self.root();
        if !n.has_error() {
            return None;
        }
        'down: loop {
            if n.is_error() || n.is_missing() {
                return Some(n.start_position().row);
            }
            let mut cursor = n.walk();
            for c in n.children(&mut cursor) {
                if c.has_error() {
                    n = c;
                    continue 'down;
                }
            }
            return Some(n.start_position().row);
        }
    }

    /// 0-based line and byte column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        (line, offset - self.line_starts[line])
    }

    /// Byte offset of the start of a 0-based line (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }
}

/// Reads a file, refusing what is not a regular file (a FIFO, a socket, a
/// device) without opening it: reading a FIFO would block.
pub fn read_regular(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device); not read",
        ));
    }
    std::fs::read(path)
}

/// Offsets where each line begins.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::with_capacity(text.len() / 32 + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    starts
}

/// Values derived from files on disk, kept per path and recomputed when the
/// file's modification time changes (a go.mod's `go` line, a parsed sibling).
pub struct DiskCache<T> {
    map: std::sync::Mutex<Option<std::collections::HashMap<std::path::PathBuf, Entry<T>>>>,
}

type Entry<T> = (Option<std::time::SystemTime>, T);

impl<T: Clone> Default for DiskCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> DiskCache<T> {
    pub const fn new() -> Self {
        DiskCache {
            map: std::sync::Mutex::new(None),
        }
    }

    /// `derive(text)` of the file at `path`, from the cache while the file is
    /// unchanged; `None` when it cannot be read.
    pub fn get(&self, path: &std::path::Path, derive: impl FnOnce(String) -> T) -> Option<T> {
        let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let map = map.get_or_insert_with(Default::default);
        if let Some((t, v)) = map.get(path) {
            if mtime.is_some() && *t == mtime {
                return Some(v.clone());
            }
        }
        let value = derive(std::fs::read_to_string(path).ok()?);
        map.insert(path.to_path_buf(), (mtime, value.clone()));
        Some(value)
    }
}

//! A parsed Go file: its text, its syntax tree and the line table that turns
//! byte offsets into 1-based lines and byte columns.

use crate::position::{line_prefix, Columns, Encoding, SCAN_AT_MOST};
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
    /// The rest of a large file's top level, parsed on all threads (see
    /// [`SourceFile::parse`]): trees of consecutive top-level declarations,
    /// in text order, each after the one before and all after `tree`'s.
    pieces: Vec<Tree>,
    /// Trees of one top-level declaration each, in text order; each replaces
    /// the declaration of `tree` that starts where it starts.
    patches: Vec<Tree>,
    line_starts: Arc<Vec<usize>>,
    /// Where each node of the top level starts and ends, read once when
    /// first asked for (see [`SourceFile::top_level_end_at`]).
    top_spans: std::sync::OnceLock<Vec<(usize, usize)>>,
    /// Character counts by block, made when a long line is first measured
    /// (see [`SourceFile::column`]).
    columns: std::sync::OnceLock<Columns>,
}

impl Drop for SourceFile {
    /// A file parsed in pieces, dropped by a worker of the thread pool,
    /// frees them on all its threads: freeing a tree takes about a tenth of
    /// the time parsing it did. (Elsewhere, as on the thread that frees a
    /// finished check's leftovers, waiting for the pool could wait for a
    /// worker that waits for this thread.)
    fn drop(&mut self) {
        if self.pieces.len() > 1 && rayon::current_thread_index().is_some() {
            use rayon::prelude::*;
            std::mem::take(&mut self.pieces)
                .into_par_iter()
                .for_each(drop);
        }
    }
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

/// Parses `text` with this thread's parser. Go 1.26's `new(expr)`
/// (`new(42)`, `new(n * 2)`) is parsed as the call it is: the grammar takes
/// only a type there, and its recovery can swallow the next statement. Such
/// a `new` is read as another name of the same length (`nev(`) in a second
/// parse; the nodes' offsets, and so their text, are the file's own.
pub fn parse(text: &str) -> Tree {
    let plain = |text: &str| {
        PARSER.with(|p| {
            p.borrow_mut()
                .parse(text, None)
                .expect("parsing without a timeout or cancellation always yields a tree")
        })
    };
    let mut tree = plain(text);
    if !tree.root_node().has_error() || !text.contains("new(") {
        return tree;
    }
    // One error can hide the next from the grammar's recovery: a few
    // rounds, each masking the calls the last one found.
    let mut masked: Option<String> = None;
    for _ in 0..4 {
        let now = masked.as_deref().unwrap_or(text);
        let mut calls = new_calls_in_error(&tree, now);
        if masked.is_none() {
            // What no type starts with (`new("/")`, `new(-1)`): the error
            // they make may begin elsewhere.
            calls.extend(new_calls_of_values(now));
        }
        if calls.is_empty() {
            break;
        }
        let mut bytes = now.as_bytes().to_vec();
        for at in calls {
            bytes[at + 2] = b'v';
        }
        // Only an ASCII letter changed: still UTF-8.
        let next = String::from_utf8(bytes).expect("an ASCII byte replaced an ASCII byte");
        tree = plain(&next);
        masked = Some(next);
        if !tree.root_node().has_error() {
            break;
        }
    }
    tree
}

/// True when a syntax error of `tree` (parsed from `text`) sits in a Go
/// 1.26 `new(expr)` call, which [`parse`] reads as the call it is.
pub fn errors_in_new_calls(tree: &Tree, text: &str) -> bool {
    text.contains("new(") && !new_calls_in_error(tree, text).is_empty()
}

/// The offsets of the `new(` calls that hold a syntax error of `tree`: the
/// grammar met an expression where it wants a type.
fn new_calls_in_error(tree: &Tree, text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for n in syntax_errors([tree.root_node()]) {
        out.extend(new_call_around(text, n.start_byte()));
        // An error that starts at the `new` or holds it whole.
        let start = n.start_byte();
        let mut end = n.end_byte().max(start + 4).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // From the byte before it, which tells a name's start from its tail.
        let mut from = start.saturating_sub(1);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let span = &text[from..end];
        out.extend(
            new_calls(span)
                .map(|at| from + at)
                .filter(|&at| at >= start),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The unparsable and missing tokens under `roots`, in order: a walk
/// through only the nodes that hold one.
fn syntax_errors<'t>(roots: impl IntoIterator<Item = Node<'t>>) -> impl Iterator<Item = Node<'t>> {
    let mut stack: Vec<Node> = roots.into_iter().filter(|r| r.has_error()).collect();
    stack.reverse();
    std::iter::from_fn(move || {
        while let Some(n) = stack.pop() {
            if n.is_error() || n.is_missing() {
                return Some(n);
            }
            let mut cursor = n.walk();
            let with_errors: Vec<Node> =
                n.children(&mut cursor).filter(|c| c.has_error()).collect();
            stack.extend(with_errors.into_iter().rev());
        }
        None
    })
}

/// The offsets of the calls of `new` in `text` (not `renew(`, `x.new(`).
fn new_calls(text: &str) -> impl Iterator<Item = usize> + '_ {
    crate::syntax::word_starts(text, "new(")
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

/// The offsets of the `new(` calls whose argument starts as no type does:
/// a literal, a sign, `!`, `&`, `^`.
fn new_calls_of_values(text: &str) -> Vec<usize> {
    new_calls(text)
        .filter(|&at| {
            let rest = text[at + 4..].trim_start_matches([' ', '\t']);
            rest.starts_with(|c: char| {
                c.is_ascii_digit() || matches!(c, '"' | '`' | '\'' | '-' | '+' | '!' | '&' | '^')
            })
        })
        .collect()
}

/// The offset of the `new(` on the line of byte `at` whose parentheses are
/// still open at `at`, if any: Go 1.26 takes an expression there
/// (`new(42)`), which the grammar does not know.
fn new_call_around(text: &str, at: usize) -> Option<usize> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let open = new_calls(before).last()?;
    // Still inside: the parentheses opened since `new(` are not all closed.
    let mut depth = 0i32;
    for c in before[open + 3..].chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
    }
    (depth > 0).then_some(line_start + open)
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

    /// Parses `text`. A file of [`PIECES_FROM`] bytes or more is parsed in
    /// pieces of consecutive top-level declarations, on all threads: each
    /// piece is a tree of its own whose nodes have their offsets in the whole
    /// text, and the file's top level reads them in order. When a piece
    /// holds a syntax error the split may be what broke it, and the file is
    /// parsed whole instead.
    pub fn parse(path: impl Into<Arc<str>>, text: String) -> SourceFile {
        let line_starts = line_starts(&text);
        let mut trees = match text.len() >= PIECES_FROM {
            true => parse_pieces(&text, &line_starts),
            false => Vec::new(),
        };
        if trees.is_empty() {
            trees.push(parse(&text));
        }
        let tree = trees.remove(0);
        let mut file = SourceFile::from_parts(
            path,
            Arc::new(text),
            Arc::new(line_starts),
            tree,
            Vec::new(),
        );
        file.pieces = trees;
        file
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
            pieces: Vec::new(),
            patches,
            line_starts,
            top_spans: std::sync::OnceLock::new(),
            columns: std::sync::OnceLock::new(),
        }
    }

    /// The root of the syntax tree, for walks that need no more than where
    /// nodes are (inside a patched declaration its nodes are stale). A file
    /// parsed in pieces has a root per piece: see [`SourceFile::roots`].
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The roots of the file's trees in text order: one, or one per piece.
    pub fn roots(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        std::iter::once(&self.tree)
            .chain(&self.pieces)
            .map(|t| t.root_node())
    }

    /// The root of the tree that holds byte `at`.
    pub fn root_at(&self, at: usize) -> Node<'_> {
        let i = self
            .pieces
            .partition_point(|p| p.root_node().start_byte() <= at);
        match i {
            0 => self.tree.root_node(),
            _ => self.pieces[i - 1].root_node(),
        }
    }

    /// The named nodes of the top level in order: the package clause,
    /// imports, declarations and comments.
    pub fn top_level(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        self.roots()
            .flat_map(crate::syntax::named_children)
            .map(|n| self.patched(n))
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
        // (Of the same kind: a comment an edit emptied may linger where a
        // declaration starts, until the next whole parse.)
        self.patches
            .get(i)
            .filter(|p| p.root_node().start_byte() == at)
            .and_then(|p| p.root_node().named_child(0))
            .filter(|d| d.kind_id() == n.kind_id())
            .unwrap_or(n)
    }

    /// True when the file has a syntax error.
    pub fn has_error(&self) -> bool {
        self.roots().any(|r| r.has_error())
            || self.patches.iter().any(|p| p.root_node().has_error())
    }

    /// The top-level node (declaration, comment, clause) that holds byte
    /// `at`: one step down from the root of its piece.
    pub fn top_level_at(&self, at: usize) -> Option<Node<'_>> {
        crate::syntax::child_at_byte(self.root_at(at), at)
            .filter(|n| n.start_byte() <= at)
            .map(|n| self.patched(n))
    }

    /// Where the named top-level node that holds byte `at` ends: a binary
    /// search (a tree finds a child by stepping through those before it,
    /// which for a finding per declaration of a large file is a square).
    pub fn top_level_end_at(&self, at: usize) -> Option<usize> {
        let spans = self.top_spans.get_or_init(|| {
            self.top_level()
                .map(|n| (n.start_byte(), n.end_byte()))
                .collect()
        });
        let (start, end) = spans[..spans.partition_point(|s| s.0 <= at)].last()?;
        (*start <= at && at < *end).then_some(*end)
    }

    /// The smallest node that spans `start..end`.
    pub fn node_for_range(&self, start: usize, end: usize) -> Option<Node<'_>> {
        let root = self.root_at(start);
        let top = crate::syntax::child_at_byte(root, start)
            .filter(|n| n.start_byte() <= start && end <= n.end_byte());
        match top {
            Some(top) => self.patched(top).descendant_for_byte_range(start, end),
            None => root.descendant_for_byte_range(start, end),
        }
    }

    /// The 0-based line of the first syntax error (an unparsable or a
    /// missing token), if any, other than Go 1.26's `new(expr)` (`new(42)`,
    /// `new(x * 2)`), which the grammar takes only with a type: the tree
    /// around it is whole, and the code is valid Go. A walk through the
    /// nodes that hold an error, in order.
    pub fn first_syntax_error(&self) -> Option<usize> {
        syntax_errors(self.roots())
            .find(|n| new_call_around(&self.text, n.start_byte()).is_none())
            .map(|n| n.start_position().row)
    }

    /// 0-based line and byte column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col_in(&self.line_starts, offset.min(self.text.len()))
    }

    /// The column of byte `offset` in `enc`, on the line that starts at
    /// `line_start`: counted directly on a short line, through
    /// [`Columns`] on a long one, so that many findings on one line of
    /// megabytes cost no more than the line.
    pub fn column(&self, line_start: usize, offset: usize, enc: Encoding) -> usize {
        let (start, end) = line_prefix(&self.text, line_start, offset);
        if end - start <= SCAN_AT_MOST {
            return crate::position::position_in_line(&self.text, start, end, enc) as usize;
        }
        self.columns().units(&self.text, start, end, enc)
    }

    /// Like [`SourceFile::column`], in characters (Unicode code points).
    pub fn char_column(&self, line_start: usize, offset: usize) -> usize {
        let (start, end) = line_prefix(&self.text, line_start, offset);
        if end - start <= SCAN_AT_MOST {
            return self.text[start..end].chars().count();
        }
        self.columns().chars(&self.text, start, end)
    }

    fn columns(&self) -> &Columns {
        self.columns.get_or_init(|| Columns::of(&self.text))
    }

    /// Where each line begins ([`line_starts`] of the text).
    pub fn line_starts(&self) -> &Arc<Vec<usize>> {
        &self.line_starts
    }

    /// Byte offset of the start of a 0-based line (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }
}

/// Files from this size are parsed in pieces (see [`SourceFile::parse`]).
pub const PIECES_FROM: usize = 512 << 10;

/// About how many bytes of declarations a piece holds.
const PIECE_BYTES: usize = 256 << 10;

/// The trees of `text` parsed in pieces on all threads; none when the text
/// has no place to split or a piece holds a syntax error.
fn parse_pieces(text: &str, line_starts: &[usize]) -> Vec<Tree> {
    use rayon::prelude::*;
    let every = PIECE_BYTES.max(text.len() / 256);
    let mut cuts = declaration_starts(text.as_bytes(), every);
    if cuts.is_empty() {
        return Vec::new();
    }
    cuts.insert(0, 0);
    cuts.push(text.len());
    let point = |at: usize| {
        let (row, column) = line_col_in(line_starts, at);
        tree_sitter::Point::new(row, column)
    };
    let ranges: Vec<tree_sitter::Range> = cuts
        .windows(2)
        .map(|w| tree_sitter::Range {
            start_byte: w[0],
            end_byte: w[1],
            start_point: point(w[0]),
            end_point: point(w[1]),
        })
        .collect();
    let bytes = text.as_bytes();
    // The largest pieces first: a long function is a piece of its own, and
    // parsed last it would keep one thread busy after the rest are done.
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(ranges[i].end_byte - ranges[i].start_byte));
    crate::start_threads();
    let parsed: Vec<(usize, Option<Tree>)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let read = &mut |at: usize, _| &bytes[at.min(bytes.len())..];
            (i, parse_range(read, ranges[i], None))
        })
        .collect();
    let mut trees: Vec<Option<Tree>> = (0..ranges.len()).map(|_| None).collect();
    for (i, tree) in parsed {
        trees[i] = tree;
    }
    match trees
        .iter()
        .all(|t| t.as_ref().is_some_and(|t| !t.root_node().has_error()))
    {
        true => trees.into_iter().flatten().collect(),
        false => Vec::new(),
    }
}

/// Offsets of the lines, at least `every` bytes apart, where a top-level
/// declaration (`func`, `type`, `var`, `const`) starts, or the run of `//`
/// lines just above it: a byte scan that follows Go's comments, strings and
/// brackets, so a line inside any of them is never taken.
fn declaration_starts(text: &[u8], every: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut last, mut doc) = (0usize, 0usize, None::<usize>);
    let mut i = 0;
    // Past the closing `quote` of a string or rune starting at `i`.
    let close = |mut i: usize, quote: u8| {
        i += 1;
        while i < text.len() && text[i] != quote && text[i] != b'\n' {
            i += if text[i] == b'\\' { 2 } else { 1 };
        }
        i + 1
    };
    while i < text.len() {
        if depth == 0 && (i == 0 || text[i - 1] == b'\n') {
            let line = &text[i..];
            let keyword = ["func", "type", "var", "const"].iter().any(|k| {
                line.starts_with(k.as_bytes())
                    && matches!(line.get(k.len()), Some(b' ' | b'\t' | b'('))
            });
            if line.starts_with(b"//") {
                doc = doc.or(Some(i));
            } else if keyword {
                let at = doc.unwrap_or(i);
                if at >= last + every {
                    out.push(at);
                    last = at;
                }
                doc = None;
            } else {
                doc = None;
            }
        }
        match text[i] {
            b'/' if text.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |e| i + e);
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&text[i + 2..], b"*/").map_or(text.len(), |e| i + e + 4);
            }
            b'`' => {
                i = memchr::memchr(b'`', &text[i + 1..]).map_or(text.len(), |e| i + e + 2);
            }
            q @ (b'"' | b'\'') => i = close(i, q),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
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

/// 0-based line and byte column of `offset`, given [`line_starts`].
pub fn line_col_in(starts: &[usize], offset: usize) -> (usize, usize) {
    let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
    (line, offset - starts[line])
}

/// Offsets where each line begins.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::with_capacity(text.len() / 32 + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    // Kept as long as the file: not with room for as many again.
    starts.shrink_to_fit();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Declarations whose lines inside comments, strings and brackets look
    /// like the start of another declaration.
    fn tricky(i: usize) -> String {
        format!(
            "// doc of f{i}\n// more doc\nfunc f{i}() string {{\n\tx := `\nfunc raw{i}() {{\n`\n\ty := \"\\\"{{\"\n\tz := '{{'\n\t/*\nvar hidden{i} = 1\n*/\n\treturn x + y + string(z)\n}}\n\nvar (\n\tv{i} = 1\n)\n\ntype t{i} struct{{ a int }}\n\nconst c{i} = \"}}\"\n\n"
        )
    }

    #[test]
    fn declarations_start_only_at_the_top_level() {
        let text = format!("package p\n\n{}{}", tricky(0), tricky(1));
        let starts = declaration_starts(text.as_bytes(), 0);
        let lines: Vec<&str> = starts
            .iter()
            .map(|&s| text[s..].lines().next().unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                "// doc of f0",
                "var (",
                "type t0 struct{ a int }",
                "const c0 = \"}\"",
                "// doc of f1",
                "var (",
                "type t1 struct{ a int }",
                "const c1 = \"}\"",
            ]
        );
        // Far enough apart only.
        assert!(declaration_starts(text.as_bytes(), text.len()).is_empty());
    }

    #[test]
    fn a_file_parsed_in_pieces_reads_as_the_whole_parse() {
        let mut text = String::from("package p\n\nimport \"fmt\"\n\n");
        let mut i = 0;
        while text.len() < 3 * PIECES_FROM {
            text.push_str(&tricky(i));
            i += 1;
        }
        let pieces = SourceFile::parse("p.go", text.clone());
        assert!(pieces.pieces.len() > 4, "{} pieces", pieces.pieces.len());
        let whole = SourceFile::with_tree("p.go", text.clone(), parse(&text));
        assert_eq!(pieces.outline(), whole.outline());
        let at = text.rfind("const c").unwrap();
        assert_eq!(
            pieces.node_for_range(at, at + 5).map(|n| n.byte_range()),
            whole.node_for_range(at, at + 5).map(|n| n.byte_range())
        );
        assert!(!pieces.has_error());
        // A syntax error anywhere: parsed whole, the error where it is.
        let broken = text.replacen("func f7()", "func f7(", 1);
        let file = SourceFile::parse("p.go", broken.clone());
        assert!(file.pieces.is_empty());
        let line = broken[..broken.find("func f7(").unwrap()].lines().count();
        assert_eq!(file.first_syntax_error(), Some(line));
    }

    #[test]
    fn go_1_26_new_of_an_expression_is_not_a_syntax_error() {
        let ok = "package p\n\nfunc f(v int) {\n\tc := conf{Limit: new(42), Name: new(\"x\")}\n\tx := new(v * 1000)\n\t_, _ = c, x\n}\n";
        let file = SourceFile::parse("p.go", ok.to_string());
        // Parsed as calls: nothing lost, the next statement whole.
        assert!(!file.has_error());
        assert_eq!(file.first_syntax_error(), None);
        let at = ok.find("_, _").unwrap();
        let stmt = file.node_for_range(at, at + 1).and_then(|n| n.parent());
        assert_eq!(stmt.map(|n| n.kind()), Some("expression_list"));
        let broken = format!("{ok}\nfunc g( {{\n}}\n");
        let file = SourceFile::parse("p.go", broken);
        assert_eq!(file.first_syntax_error(), Some(8));
    }
}

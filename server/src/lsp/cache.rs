//! Per-declaration results of an open document, so a keystroke re-checks
//! only the top-level declarations it touched.
//!
//! Each entry holds one declaration's summary and findings. An edit shifts
//! every remembered position after it (as an editor moves its markers) and
//! drops the entries it overlaps; the next analysis reuses the entries that
//! are still declarations of the tree (see [`reuse`]), and re-checks the
//! rest. When anything that every declaration's findings depend on changes
//! (imports, the package's declarations, settings), every entry is
//! re-checked. Each finding keeps its serialised LSP form until an edit
//! moves its line or column.

use super::convert::Published;
use crate::diagnostic::{Diagnostic, Location, Pos};
use crate::index::FileSummary;
use crate::source::SourceFile;
use crate::syntax::NodeKind;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};
use tree_sitter::{InputEdit, Node};

/// A finding and its published form, serialised the first time it is
/// published and kept until an edit moves the finding.
#[derive(Clone)]
pub struct Finding {
    pub diag: Diagnostic,
    pub published: OnceLock<Published>,
}

impl Finding {
    pub fn new(diag: Diagnostic) -> Finding {
        Finding {
            diag,
            published: OnceLock::new(),
        }
    }
}

impl std::borrow::Borrow<Diagnostic> for &Finding {
    fn borrow(&self) -> &Diagnostic {
        &self.diag
    }
}

#[derive(Clone)]
pub struct Entry {
    /// Where the comments right before the declaration start (else `start`):
    /// between two entries there is only white space.
    pub lead: usize,
    pub start: usize,
    pub end: usize,
    /// The declaration's node kind.
    pub kind: &'static str,
    /// The declaration parsed without errors.
    pub clean: bool,
    pub summary: Arc<FileSummary>,
    /// Hash of the summary without positions.
    pub shape: u64,
    /// `None` until checked in the current context. Shared with the jobs
    /// that read it; an edit copies it only when it moves one of its positions.
    pub diags: Option<Arc<Vec<Finding>>>,
    /// No position the findings remember lies past this offset: an edit
    /// after it moves none of them.
    pub reach: usize,
}

impl Entry {
    pub fn set_findings(&mut self, findings: Vec<Finding>) {
        self.reach = findings
            .iter()
            .flat_map(|f| {
                let d = &f.diag;
                let locations = std::iter::once(&d.location)
                    .chain(d.related.iter().map(|r| &r.location))
                    .map(|l| l.end.offset.max(l.start.offset));
                let edits = d
                    .fixes
                    .iter()
                    .flat_map(|x| &x.edits)
                    .map(|x| x.end.max(x.start));
                locations.chain(edits)
            })
            .max()
            .unwrap_or(0);
        self.diags = Some(Arc::new(findings));
    }
}

#[derive(Clone, Default)]
pub struct FileCache {
    pub entries: Vec<Entry>,
    /// The context the entries' findings were computed in.
    pub context: u64,
}

pub fn hash_of(x: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    x.hash(&mut h);
    h.finish()
}

fn shift_pos(p: &mut Pos, e: &InputEdit) {
    if p.offset >= e.old_end_byte {
        p.offset = p.offset - e.old_end_byte + e.new_end_byte;
        if p.line == e.old_end_position.row {
            p.column =
                p.column + e.new_end_position.column - e.old_end_position.column.min(p.column);
        }
        p.line = p.line + e.new_end_position.row - e.old_end_position.row.min(p.line);
    } else if p.offset > e.start_byte {
        p.offset = e.start_byte;
        p.line = e.start_position.row;
        p.column = e.start_position.column;
    }
}

/// The same path; findings of a document share its path's allocation, so
/// this is mostly a pointer comparison.
fn same_path(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

fn shift_location(loc: &mut Location, e: &InputEdit, path: &str) {
    if same_path(&loc.path, path) {
        shift_pos(&mut loc.start, e);
        shift_pos(&mut loc.end, e);
    }
}

fn shift_diag(d: &mut Diagnostic, e: &InputEdit, path: &str) {
    shift_location(&mut d.location, e, path);
    for r in &mut d.related {
        shift_location(&mut r.location, e, path);
    }
    for f in &mut d.fixes {
        for edit in &mut f.edits {
            if same_path(&edit.path, path) {
                for b in [&mut edit.start, &mut edit.end] {
                    if *b >= e.old_end_byte {
                        *b = *b - e.old_end_byte + e.new_end_byte;
                    } else if *b > e.start_byte {
                        *b = e.start_byte;
                    }
                }
            }
        }
    }
}

/// True when an edit changes the line or the column of a position the
/// published form of a diagnostic shows (its range and related locations).
/// Typing within a line moves the byte offsets of everything after it, but
/// only the positions on that line.
fn shown_moved(d: &Diagnostic, e: &InputEdit, path: &str) -> bool {
    let rows_shift = e.new_end_position.row != e.old_end_position.row;
    let pos = |p: &Pos| {
        p.offset >= e.start_byte
            && (rows_shift
                || p.offset < e.old_end_byte
                || p.line == e.start_position.row
                || p.line == e.old_end_position.row)
    };
    let at = |loc: &Location| (pos(&loc.start) || pos(&loc.end)) && same_path(&loc.path, path);
    at(&d.location) || d.related.iter().any(|r| at(&r.location))
}

/// True when an edit moves any position a diagnostic remembers.
fn moved_by(d: &Diagnostic, e: &InputEdit, path: &str) -> bool {
    let at = |loc: &Location| loc.end.offset > e.start_byte && same_path(&loc.path, path);
    at(&d.location)
        || d.related.iter().any(|r| at(&r.location))
        || d.fixes
            .iter()
            .flat_map(|f| &f.edits)
            .any(|x| (x.end > e.start_byte || x.start > e.start_byte) && same_path(&x.path, path))
}

fn shift_summary(s: &mut FileSummary, e: &InputEdit, path: &str) {
    for v in &mut s.vars {
        shift_location(&mut v.location, e, path);
    }
    for f in &mut s.fields {
        shift_location(&mut f.location, e, path);
    }
    for t in &mut s.atomic_targets {
        shift_location(&mut t.location, e, path);
    }
}

impl FileCache {
    /// Moves the remembered positions through one edit of the document.
    pub fn adjust(&mut self, e: &InputEdit, path: &str) {
        self.entries.retain_mut(|en| {
            let before = en.end < e.start_byte;
            let after = en.lead > e.old_end_byte;
            if !before && !after {
                return false;
            }
            if after {
                en.lead = en.lead - e.old_end_byte + e.new_end_byte;
                en.start = en.start - e.old_end_byte + e.new_end_byte;
                en.end = en.end - e.old_end_byte + e.new_end_byte;
                shift_summary(Arc::make_mut(&mut en.summary), e, path);
            }
            if let Some(diags) = en.diags.as_mut().filter(|_| en.reach > e.start_byte) {
                // Offsets only grow or shrink together: still an upper bound.
                if en.reach >= e.old_end_byte {
                    en.reach = en.reach - e.old_end_byte + e.new_end_byte;
                }
                // After the edit, every finding moves; before it, look
                // first, so that findings shared with a job are not copied
                // for nothing.
                if after || diags.iter().any(|f| moved_by(&f.diag, e, path)) {
                    for f in Arc::make_mut(diags) {
                        if shown_moved(&f.diag, e, path) {
                            f.published = OnceLock::new();
                        }
                        shift_diag(&mut f.diag, e, path);
                    }
                }
            }
            true
        });
    }
}

/// A declaration of the current tree: a remembered entry (with where its
/// leading comments start now), or a new one.
pub enum Reused<'e, 't> {
    Kept(&'e Entry, usize),
    New(usize, Node<'t>),
}

/// The declarations of `root` in order, each a remembered entry when it is
/// one. Edits drop the entries they touch, so an entry left has its text.
///
/// When the tree and every remembered declaration parse without errors, only
/// the text between the entries that is not white space is looked at:
/// keystrokes in a large file do not walk every declaration. Text re-parses
/// the same there, unless what precedes it changed so that it no longer
/// ends a declaration (a deleted `}`, an opened `/*`): then a node of the
/// changed text reaches over the entry, and every declaration is walked.
/// With syntax errors, error recovery may re-shape any declaration: every
/// one is walked, and an entry is kept when a declaration has its range.
pub fn reuse<'e, 't>(entries: &'e [Entry], file: &'t SourceFile) -> Vec<Reused<'e, 't>> {
    if !file.has_error() && entries.iter().all(|e| e.clean) {
        if let Some(found) = between(entries, file) {
            return found;
        }
    }
    let all = declarations_in(file, 0..file.text.len())
        .unwrap_or_else(|| file.top_level().map(|d| (d.start_byte(), d)).collect());
    let mut old = entries.iter().peekable();
    all.into_iter()
        .map(|(lead, d)| {
            while old.next_if(|e| e.start < d.start_byte()).is_some() {}
            match old.next_if(|e| (e.start, e.end) == (d.start_byte(), d.end_byte())) {
                Some(e) => Reused::Kept(e, lead),
                None => Reused::New(lead, d),
            }
        })
        .collect()
}

/// The entries, and the declarations in the text between them that is not
/// white space; `None` when a node there reaches over an entry.
fn between<'e, 't>(entries: &'e [Entry], file: &'t SourceFile) -> Option<Vec<Reused<'e, 't>>> {
    let text = &file.text;
    let mut out = Vec::with_capacity(entries.len() + 4);
    let mut at = 0;
    for e in entries.iter().map(Some).chain([None]) {
        let until = e.map_or(text.len(), |e| e.lead);
        let gap = text.get(at..until)?;
        if !gap.bytes().all(is_blank) {
            let found = declarations_in(file, at..until)?;
            out.extend(found.into_iter().map(|(lead, d)| Reused::New(lead, d)));
        }
        if let Some(e) = e {
            out.push(Reused::Kept(e, e.lead));
            at = e.end;
        }
    }
    Some(out)
}

/// The top-level declarations (named children but comments) in `range`,
/// each with where the comments right before it start.
///
/// `None` when a child of the root reaches outside the range, or the tree
/// does not say which child holds the range's first byte that is not white
/// space.
fn declarations_in(
    file: &SourceFile,
    range: std::ops::Range<usize>,
) -> Option<Vec<(usize, Node<'_>)>> {
    let mut out = Vec::new();
    // tree-sitter finds no child for a byte between two children.
    let Some(first) = file.text.as_bytes()[range.clone()]
        .iter()
        .position(|b| !is_blank(*b))
    else {
        return Some(out);
    };
    let mut cursor = file.root().walk();
    cursor.goto_first_child_for_byte(range.start + first)?;
    let mut lead = None;
    loop {
        let n = cursor.node();
        // (A zero-width node, a missing token, may sit at the very end.)
        if n.start_byte() > range.end || n.start_byte() == range.end && n.end_byte() > range.end {
            break;
        }
        if n.start_byte() < range.start || n.end_byte() > range.end {
            return None;
        }
        if n.is_named() {
            if n.kind_name() == "comment" {
                lead.get_or_insert(n.start_byte());
            } else {
                out.push((lead.take().unwrap_or(n.start_byte()), file.patched(n)));
            }
        }
        if !cursor.goto_next_sibling() {
            break;
        }
    }
    Some(out)
}

/// What may separate two declarations besides comments.
fn is_blank(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b';'
}

//! Per-declaration results of an open document, so a keystroke re-checks
//! only the top-level declarations it touched.
//!
//! Each entry holds one declaration's summary and findings. An edit shifts
//! every remembered position after it (as an editor moves its markers) and
//! drops the entries it overlaps; the next analysis reuses the entries whose
//! range is still a declaration's (their text is unchanged), and re-checks
//! the rest. When anything that
//! every declaration's findings depend on changes (imports, the package's
//! declarations, settings), every entry is re-checked.

use crate::diagnostic::{Diagnostic, Location, Pos};
use crate::index::FileSummary;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use tree_sitter::InputEdit;

#[derive(Clone)]
pub struct Entry {
    pub start: usize,
    pub end: usize,
    pub summary: Arc<FileSummary>,
    /// Hash of the summary without positions.
    pub shape: u64,
    /// `None` until checked in the current context. Shared with the jobs
    /// that read it; an edit copies it only when it moves one of its positions.
    pub diags: Option<Arc<Vec<Diagnostic>>>,
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

fn shift_location(loc: &mut Location, e: &InputEdit, path: &str) {
    if &*loc.path == path {
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
            if &*edit.path == path {
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

/// True when an edit moves any position a diagnostic remembers.
fn moved_by(d: &Diagnostic, e: &InputEdit, path: &str) -> bool {
    let at = |loc: &Location| &*loc.path == path && loc.end.offset > e.start_byte;
    at(&d.location)
        || d.related.iter().any(|r| at(&r.location))
        || d.fixes
            .iter()
            .flat_map(|f| &f.edits)
            .any(|x| &*x.path == path && (x.end > e.start_byte || x.start > e.start_byte))
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
            let after = en.start > e.old_end_byte;
            if !before && !after {
                return false;
            }
            if after {
                en.start = en.start - e.old_end_byte + e.new_end_byte;
                en.end = en.end - e.old_end_byte + e.new_end_byte;
                shift_summary(Arc::make_mut(&mut en.summary), e, path);
            }
            if let Some(diags) = &mut en.diags {
                if diags.iter().any(|d| moved_by(d, e, path)) {
                    for d in Arc::make_mut(diags) {
                        shift_diag(d, e, path);
                    }
                }
            }
            true
        });
    }
}

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
use std::borrow::Cow;
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

/// A finding of an entry as it is now: its lines moved by the entry's
/// pending rows (see [`FileCache::adjust`]).
#[derive(Clone, Copy)]
pub struct Shown<'a> {
    pub finding: &'a Finding,
    pending: Pending,
}

impl Shown<'_> {
    /// The published form: made the first time, then kept (in the
    /// entry's coordinates) and shown moved by the pending rows.
    pub fn published(&self, file: &SourceFile, form: super::convert::Form) -> Published {
        let p = self
            .finding
            .published
            .get_or_init(|| super::convert::published(&self.finding.diag, file, form));
        match self.pending.rows {
            0 => p.clone(),
            rows => p.shown_moved(self.pending.line, rows),
        }
    }
}

impl crate::diagnostic::Found for Shown<'_> {
    fn code(&self) -> &'static str {
        self.finding.diag.code
    }
    fn start(&self) -> (usize, usize) {
        let p = &self.finding.diag.location.start;
        (self.pending.line_of(p), p.column)
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
    /// The summary remembers positions (package-level variables, fields,
    /// atomic targets): edits before it move them.
    positioned: bool,
    /// Hash of the summary without positions.
    pub shape: u64,
    /// `None` until checked in the current context. Shared with the jobs
    /// that read it; an edit copies it only when it moves one of its positions.
    pub diags: Option<Arc<Vec<Finding>>>,
    /// No position the findings remember in this document lies past this
    /// offset: an edit after it moves none of them.
    pub reach: usize,
    /// Of the positions from the declaration's start on, none lies on a line
    /// before `first_line`; of those before its start (in declarations
    /// above, such as an import a fix adds), none lies at or past `below`,
    /// and none that is shown on a line past `below_line` (`None`: none is
    /// shown). Of all the positions, none lies before `low`, and none
    /// that is shown on a line before `low_line`. All in the findings' own
    /// coordinates (before `pending`).
    first_line: usize,
    below: usize,
    below_line: Option<usize>,
    low: usize,
    low_line: usize,
    /// Bytes and lines still to be added to the findings' positions (see
    /// [`FileCache::adjust`]).
    pending: Pending,
}

/// `by` bytes and `rows` lines to add to each remembered position from
/// `from` on, in the findings' own coordinates (before they are added);
/// those positions lie on line `line` or later, the others before it.
/// `from` is the entry's start, or 0 (`all`) when every position moves.
#[derive(Clone, Copy, Default)]
struct Pending {
    from: usize,
    by: isize,
    rows: isize,
    line: usize,
    all: bool,
}

impl Pending {
    fn is_some(&self) -> bool {
        self.by != 0 || self.rows != 0
    }

    /// Where a remembered offset is now.
    fn offset_of(&self, o: usize) -> usize {
        match o >= self.from {
            true => o.saturating_add_signed(self.by),
            false => o,
        }
    }

    /// The line a position is on now.
    fn line_of(&self, p: &Pos) -> usize {
        match p.offset >= self.from {
            true => p.line.saturating_add_signed(self.rows),
            false => p.line,
        }
    }
}

impl Entry {
    pub fn new(lead: usize, decl: Node, summary: FileSummary, shape: u64) -> Entry {
        Entry {
            lead,
            start: decl.start_byte(),
            end: decl.end_byte(),
            kind: decl.kind_name(),
            clean: !decl.has_error(),
            positioned: !(summary.vars.is_empty()
                && summary.fields.is_empty()
                && summary.facts.iter().all(|f| f.location().is_none())),
            summary: Arc::new(summary),
            shape,
            diags: None,
            reach: 0,
            first_line: 0,
            below: 0,
            below_line: None,
            low: 0,
            low_line: 0,
            pending: Pending::default(),
        }
    }

    pub fn set_findings(&mut self, findings: Vec<Finding>) {
        self.diags = Some(Arc::new(findings));
        self.pending = Pending::default();
        self.bound();
    }

    /// The entry's findings (none before it is checked).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.diags.iter().flat_map(|d| d.iter())
    }

    /// The entry's findings as they are now.
    pub fn shown(&self) -> impl Iterator<Item = Shown<'_>> {
        let pending = self.pending;
        self.findings()
            .map(move |finding| Shown { finding, pending })
    }

    /// The offsets the findings remember in this document (a finding's own
    /// location is always in it; related locations and fixes may be in other
    /// files), each with its line when a location shows it (`usize::MAX`
    /// for a fix's).
    fn positions(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.findings().flat_map(|f| {
            let d = &f.diag;
            let here = move |p: &str| same_path(p, &d.location.path);
            let locations = std::iter::once(&d.location)
                .chain(d.related.iter().map(|r| &r.location))
                .filter(move |l| here(&l.path))
                .flat_map(|l| [(l.start.offset, l.start.line), (l.end.offset, l.end.line)]);
            let edits = d
                .fixes
                .iter()
                .flat_map(|x| x.edits.iter())
                .filter(move |x| here(&x.path))
                .flat_map(|x| [(x.start, usize::MAX), (x.end, usize::MAX)]);
            locations.chain(edits)
        })
    }

    /// True when the findings remember an offset outside the declaration
    /// where `e` is made (from its start to its old end): an import a fix
    /// adds after the last spec, where the user types. Whether such an
    /// offset moves with what is typed there depends on what it stands
    /// for, so the entry is checked again.
    fn remembers_where(&self, e: &InputEdit) -> bool {
        // Above an entry after the edit, no offset waits for pending bytes.
        let after = self.start > e.old_end_byte;
        match after {
            true if self.below_now() <= e.start_byte => return false,
            false if self.reach < e.start_byte => return false,
            _ => {}
        }
        let (start, end) = (self.start, self.end);
        self.positions()
            .map(|(o, _)| self.pending.offset_of(o))
            .any(|o| (o < start || o > end) && (e.start_byte..=e.old_end_byte).contains(&o))
    }

    /// Sets `reach`, `first_line`, `below`, `below_line`, `low` and
    /// `low_line` from the findings.
    fn bound(&mut self) {
        let start = self.start;
        let (mut reach, mut first_line, mut below) = (0, usize::MAX, 0);
        let (mut below_line, mut low, mut low_line) = (None, usize::MAX, usize::MAX);
        for (o, line) in self.positions() {
            reach = reach.max(o);
            low = low.min(o);
            low_line = low_line.min(line);
            if o >= start {
                first_line = first_line.min(line);
            } else {
                below = below.max(o + 1);
                if line != usize::MAX {
                    below_line = below_line.max(Some(line));
                }
            }
        }
        (self.reach, self.first_line, self.below) = (reach, first_line, below);
        (self.below_line, self.low, self.low_line) = (below_line, low, low_line);
    }

    /// `first_line`, `below`, `low` and `low_line` as they are now.
    fn first_line_now(&self) -> usize {
        moved(self.first_line, self.pending.rows)
    }

    fn below_now(&self) -> usize {
        match (self.below, self.pending.all) {
            (0, _) | (_, false) => self.below,
            (b, true) => b.saturating_add_signed(self.pending.by),
        }
    }

    fn low_now(&self) -> usize {
        match self.pending.all || !self.pending.is_some() {
            true => moved(self.low, self.pending.by),
            false => 0,
        }
    }

    fn low_line_now(&self) -> usize {
        match self.pending.all || !self.pending.is_some() {
            true => moved(self.low_line, self.pending.rows),
            false => 0,
        }
    }

    /// Adds the pending bytes and lines to the findings' positions, and the
    /// lines to their published forms.
    fn settle(&mut self, path: &str) {
        let pending = self.pending;
        if !pending.is_some() {
            return;
        }
        if let Some(diags) = &mut self.diags {
            for f in Arc::make_mut(diags) {
                add_to_offsets(&mut f.diag, pending, path);
                if let (Some(p), true) = (f.published.get(), pending.rows != 0) {
                    f.published = OnceLock::from(p.rows_from(pending.line, pending.rows));
                }
            }
        }
        self.pending = Pending::default();
        self.bound();
    }
}

/// A bound moved (`usize::MAX`: none).
fn moved(bound: usize, by: isize) -> usize {
    match bound {
        usize::MAX => usize::MAX,
        b => b.saturating_add_signed(by),
    }
}

/// An entry of an analysis: one of the cache the analysis read, by its index
/// there (with where its leading comments start now), or a new or changed
/// one. An analysis copies only the entries it changes.
pub enum Slot {
    Kept(usize, usize),
    New(Entry),
}

impl Slot {
    pub fn entry<'a>(&'a self, read: &'a FileCache) -> &'a Entry {
        match self {
            Slot::Kept(i, _) => &read.entries[*i],
            Slot::New(e) => e,
        }
    }

    /// The entry, to change: a kept one is copied first.
    pub fn own(&mut self, read: &FileCache) -> &mut Entry {
        if let Slot::Kept(i, lead) = *self {
            let mut e = read.entries[i].clone();
            e.lead = lead;
            *self = Slot::New(e);
        }
        match self {
            Slot::New(e) => e,
            Slot::Kept(..) => unreachable!("made new above"),
        }
    }
}

/// What an analysis makes of the cache it read: its entries, and the context
/// their findings were computed in.
pub struct Update {
    pub slots: Vec<Slot>,
    pub context: u64,
    pub imports: Imported,
    pub lookup: Option<Shared>,
}

/// The package index's lookup tables, with the context whose summaries they
/// were made for: an analysis in the same context reads them again.
pub type Shared = (u64, Arc<crate::index::Lookup>);

/// A file's imports as its summaries read them: each path with its name.
pub type Imported = Vec<(String, Option<crate::syntax::imports::Local>)>;

/// Settles the pending offsets of each entry with a finding that has no
/// published form yet, before one is made from them.
pub fn settle_unpublished(slots: &mut [Slot], read: &FileCache, path: &str) {
    for s in slots {
        let en = s.entry(read);
        if en.pending.is_some() && en.findings().any(|f| f.published.get().is_none()) {
            s.own(read).settle(path);
        }
    }
}

/// Adds the pending bytes (and lines) to each offset (and line) of a
/// diagnostic in `path` they apply to.
fn add_to_offsets(d: &mut Diagnostic, pending: Pending, path: &str) {
    let mut moved = |o: &mut usize| *o = pending.offset_of(*o);
    let pos = |p: &mut Pos| (p.line, p.offset) = (pending.line_of(p), pending.offset_of(p.offset));
    let location = |l: &mut Location| {
        if same_path(&l.path, path) {
            pos(&mut l.start);
            pos(&mut l.end);
        }
    };
    location(&mut d.location);
    for r in &mut d.related {
        location(&mut r.location);
    }
    for f in &mut d.fixes {
        f.each_offset(path, &mut moved);
    }
}

#[derive(Clone, Default)]
pub struct FileCache {
    pub entries: Vec<Entry>,
    /// The context the entries' findings were computed in.
    pub context: u64,
    /// The imports the entries' summaries were made with.
    pub imports: Imported,
    pub lookup: Option<Shared>,
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
        f.each_offset(path, |b| {
            if *b >= e.old_end_byte {
                *b = *b - e.old_end_byte + e.new_end_byte;
            } else if *b > e.start_byte {
                *b = e.start_byte;
            }
        });
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

/// True when every position in `path` that a diagnostic shows is before an
/// edit, or on a line after it: the edit changes lines only, no column.
fn only_rows_moved(d: &Diagnostic, e: &InputEdit, path: &str) -> bool {
    let pos = |p: &Pos| p.offset < e.start_byte || p.line > e.old_end_position.row;
    let at = |loc: &Location| !same_path(&loc.path, path) || (pos(&loc.start) && pos(&loc.end));
    at(&d.location) && d.related.iter().all(|r| at(&r.location))
}

/// True when an edit moves any position a diagnostic remembers.
fn moved_by(d: &Diagnostic, e: &InputEdit, path: &str) -> bool {
    let at = |loc: &Location| loc.end.offset > e.start_byte && same_path(&loc.path, path);
    at(&d.location)
        || d.related.iter().any(|r| at(&r.location))
        || d.fixes
            .iter()
            .any(|f| f.last_offset(path).is_some_and(|o| o > e.start_byte))
}

fn shift_summary(s: &mut FileSummary, e: &InputEdit, path: &str) {
    for v in &mut s.vars {
        shift_location(&mut v.location, e, path);
    }
    for f in &mut s.fields {
        shift_location(&mut f.location, e, path);
    }
    for l in s.facts.iter_mut().filter_map(|f| f.location_mut()) {
        shift_location(l, e, path);
    }
}

impl FileCache {
    /// Applies the update of an analysis that read this cache as it is:
    /// kept entries are moved, not copied.
    pub fn apply(&mut self, update: Update) {
        let mut old = std::mem::take(&mut self.entries).into_iter().enumerate();
        self.entries = update
            .slots
            .into_iter()
            .filter_map(|s| match s {
                Slot::Kept(i, lead) => {
                    let found = old.find(|(j, _)| *j == i);
                    debug_assert!(found.is_some(), "kept entries come in their order");
                    let (_, mut e) = found?;
                    e.lead = lead;
                    Some(e)
                }
                Slot::New(e) => Some(e),
            })
            .collect();
        self.context = update.context;
        self.imports = update.imports;
        self.lookup = update.lookup;
    }

    /// Every finding of the document (before suppression comments and
    /// de-duplication), with its positions as they are now.
    pub fn diagnostics(&self, path: &str) -> Vec<Cow<'_, Diagnostic>> {
        self.entries
            .iter()
            .flat_map(|e| {
                e.findings().map(|f| match e.pending.is_some() {
                    false => Cow::Borrowed(&f.diag),
                    true => {
                        let mut d = f.diag.clone();
                        add_to_offsets(&mut d, e.pending, path);
                        Cow::Owned(d)
                    }
                })
            })
            .collect()
    }

    /// Moves the remembered positions through one edit of the document.
    ///
    /// An entry whose findings lie on lines after the edit (apart from
    /// positions above the edit, which do not move) keeps the shift as
    /// pending bytes and lines instead of rewriting each finding: typing
    /// within a line moves only the byte offsets of what follows it, and a
    /// new or deleted line only the lines, no column. The published forms
    /// are kept, and shown with the pending lines added.
    pub fn adjust(&mut self, e: &InputEdit, path: &str) {
        let by = e.new_end_byte as isize - e.old_end_byte as isize;
        let rows = e.new_end_position.row as isize - e.old_end_position.row as isize;
        self.entries.retain_mut(|en| {
            let before = en.end < e.start_byte;
            let after = en.lead > e.old_end_byte;
            if !before && !after || en.remembers_where(e) {
                return false;
            }
            let start = en.start;
            if after {
                en.lead = en.lead - e.old_end_byte + e.new_end_byte;
                en.start = en.start - e.old_end_byte + e.new_end_byte;
                en.end = en.end - e.old_end_byte + e.new_end_byte;
                if en.positioned {
                    shift_summary(Arc::make_mut(&mut en.summary), e, path);
                }
            }
            if en.reach <= e.start_byte {
                return true;
            }
            // Offsets only grow or shrink together: still bounds.
            if en.reach >= e.old_end_byte {
                en.reach = en.reach - e.old_end_byte + e.new_end_byte;
            }
            // Either the positions from the entry's start on move, and
            // those before it are before the edit (on earlier lines, when
            // lines are added); or every position moves.
            let row = e.old_end_position.row;
            let (some, all) = (en.pending.is_some(), en.pending.all);
            let lines_apart = rows == 0 || en.below_line.is_none_or(|l| l < en.first_line);
            let from_start = (!some || !all)
                && en.below_now() <= e.start_byte
                && en.first_line_now() > row
                && lines_apart;
            let every = (!some || all) && en.low_now() >= e.old_end_byte && en.low_line_now() > row;
            if from_start || every {
                if !some {
                    en.pending = match from_start {
                        true => Pending {
                            from: start,
                            line: en.first_line,
                            ..Pending::default()
                        },
                        false => Pending {
                            all: true,
                            ..Pending::default()
                        },
                    };
                }
                en.pending.by += by;
                en.pending.rows += rows;
                return true;
            }
            en.settle(path);
            let Some(diags) = en.diags.as_mut() else {
                return true;
            };
            // After the edit, every finding moves; before it, look first, so
            // that findings shared with a job are not copied for nothing.
            if after || diags.iter().any(|f| moved_by(&f.diag, e, path)) {
                let by = e.new_end_position.row as isize - e.old_end_position.row as isize;
                for f in Arc::make_mut(diags) {
                    if shown_moved(&f.diag, e, path) {
                        // Moved down or up whole, it keeps its form with
                        // new line numbers; else it is made anew.
                        f.published = match f.published.get() {
                            Some(p) if only_rows_moved(&f.diag, e, path) => {
                                OnceLock::from(p.moved(e.old_end_position.row, by))
                            }
                            _ => OnceLock::new(),
                        };
                    }
                    shift_diag(&mut f.diag, e, path);
                }
                en.bound();
            }
            true
        });
    }
}

/// A declaration of the current tree: a remembered entry, by its index
/// (with where its leading comments start now), or a new one.
pub enum Reused<'t> {
    Kept(usize, usize),
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
pub fn reuse<'t>(entries: &[Entry], file: &'t SourceFile) -> Vec<Reused<'t>> {
    if !file.has_error() && entries.iter().all(|e| e.clean) {
        if let Some(found) = between(entries, file) {
            return found;
        }
    }
    let all = declarations_in(file, 0..file.text.len())
        .unwrap_or_else(|| file.top_level().map(|d| (d.start_byte(), d)).collect());
    let mut old = entries.iter().enumerate().peekable();
    all.into_iter()
        .map(|(lead, d)| {
            while old.next_if(|(_, e)| e.start < d.start_byte()).is_some() {}
            match old.next_if(|(_, e)| (e.start, e.end) == (d.start_byte(), d.end_byte())) {
                Some((i, _)) => Reused::Kept(i, lead),
                None => Reused::New(lead, d),
            }
        })
        .collect()
}

/// The imports of a file as its summaries read them.
pub fn imported(imports: &crate::syntax::imports::Imports) -> Imported {
    imports
        .list
        .iter()
        .map(|i| (i.path.clone(), i.local.clone()))
        .collect()
}

/// A summary reads the imports (`sync.Mutex` is a mutex only where `sync`
/// is imported): a kept declaration that names an import added, removed or
/// renamed since `read`'s summaries were made (any, for a dot import) is
/// made new, to be summarised again.
pub fn renew_for_imports<'t>(
    reused: &mut [Reused<'t>],
    read: &FileCache,
    now: &Imported,
    file: &'t SourceFile,
) {
    use crate::syntax::imports::Local;
    if *now == read.imports {
        return;
    }
    // Each changed name as `name.`; `None` for a dot import, which may name
    // anything (a blank one names nothing).
    let changed: Vec<Option<String>> = now
        .iter()
        .filter(|i| !read.imports.contains(i))
        .chain(read.imports.iter().filter(|i| !now.contains(i)))
        .filter_map(|(_, local)| match local {
            Some(Local::Name(n)) => Some(Some(format!("{n}."))),
            Some(Local::Dot) => Some(None),
            None => None,
        })
        .collect();
    let names = |e: &Entry| {
        let text = &file.text[e.start..e.end];
        changed
            .iter()
            .any(|n| n.as_ref().is_none_or(|n| text.contains(n.as_str())))
    };
    for r in reused.iter_mut() {
        if let Reused::Kept(i, lead) = *r {
            let e = &read.entries[i];
            if let Some(d) = file.top_level_at(e.start).filter(|_| names(e)) {
                *r = Reused::New(lead, d);
            }
        }
    }
}

/// The entries, and the declarations in the text between them that is not
/// white space; `None` when a node there reaches over an entry.
fn between<'t>(entries: &[Entry], file: &'t SourceFile) -> Option<Vec<Reused<'t>>> {
    let text = &file.text;
    let mut out = Vec::with_capacity(entries.len() + 4);
    let mut at = 0;
    for (i, e) in entries.iter().map(Some).chain([None]).enumerate() {
        let until = e.map_or(text.len(), |e| e.lead);
        let gap = text.get(at..until)?;
        if !gap.bytes().all(is_blank) {
            let found = declarations_in(file, at..until)?;
            out.extend(found.into_iter().map(|(lead, d)| Reused::New(lead, d)));
        }
        if let Some(e) = e {
            out.push(Reused::Kept(i, e.lead));
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
    // tree-sitter finds no child for a byte between two children. (A `;`
    // is looked at: one that ends no declaration, as at the top of the
    // file, is a node of its own.)
    let Some(first) = file.text.as_bytes()[range.clone()]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
    else {
        return Some(out);
    };
    let mut cursor = file.root_at(range.start + first).walk();
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
        if n.named() {
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

//! Declarations laid out as arrays of their nodes, for walks that read an
//! array instead of moving a tree cursor.
//!
//! The rules walk the declarations they check many times over: each rule,
//! and each helper it calls, starts its own [`visit`](super::visit) or
//! [`named_children`](super::named_children). A cursor step costs tens of
//! nanoseconds; reading the next node of an array costs a few. While a
//! [`Flattened`] guard lives, walks of any node inside one of its
//! declarations read that declaration's nodes, laid out once in the order a
//! cursor visits them, and give the same nodes in the same order. Walks of
//! other nodes use a cursor as before.
//!
//! The layout is kept per thread, so walks on other threads (the CLI checks
//! files in parallel) are unaffected by each other.

use super::Visit;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use tree_sitter::{ffi, Node, Tree};

/// A layout as one thread holds it: shared, read-only nodes (two threads
/// that check halves of the rules over one declaration read the same
/// layout), and the guard that keeps it on this thread.
struct Flat {
    layout: Arc<Layout>,
    /// The guard that laid it out, or adopted it.
    guard: u64,
    /// What was derived once from its nodes (see [`memo`]), by node index
    /// and type.
    memos: RefCell<Memos>,
}

type Memos = std::collections::HashMap<(u32, std::any::TypeId), Rc<dyn std::any::Any>>;

impl std::ops::Deref for Flat {
    type Target = Layout;
    fn deref(&self) -> &Layout {
        &self.layout
    }
}

/// One declaration's nodes, anonymous ones included, in pre-order: each
/// node as its subtree and its context (start byte, row, column, and the
/// alias its field's bits tell), which with the tree make a `TSNode`; with
/// its kind, field, end, parent and previous sibling, 32 bytes a node.
struct Layout {
    ids: Vec<*const std::ffi::c_void>,
    /// Start byte and row: a `TSNode`'s context without its column (the
    /// start less its row's, from `lines`) and its alias.
    contexts: Vec<[u32; 2]>,
    /// Where each line of the text starts: a node's column is its start
    /// less its line's (checked as the nodes are laid out).
    lines: Arc<Vec<usize>>,
    /// Each node's kind: read here, a walk's test of a node's kind does not
    /// touch the tree's memory (scattered: on a large declaration, a cache
    /// miss per node per walk).
    kinds: Vec<u16>,
    /// Each node's field in its parent (0 for none), [`NAMED`] for a
    /// named node, and [`ALIASED`] for a node shown under an alias, which
    /// is its kind (or, when it is not, [`ODD_ALIAS`] and the alias is in
    /// `odd_aliases`): a child in a field is found in the layout too.
    fields: Vec<u16>,
    /// The tree all the nodes belong to.
    tree: *const ffi::TSTree,
    /// For each node, the index just past its descendants.
    ends: Vec<u32>,
    /// For each node, its parent's index (`NO_PARENT` for the declaration).
    parents: Vec<u32>,
    /// For each node, its previous sibling's index (`NO_PARENT` for none).
    prevs: Vec<u32>,
    /// The aliases that are not their node's kind, by node index (none in
    /// Go's grammar as pinned: only a cursor's layout records them).
    odd_aliases: Vec<(u32, u32)>,
    /// A copy of the nodes' tree: it shares their memory and keeps it alive
    /// for as long as the layout is kept.
    _tree: Tree,
}

/// A declaration a guard lays out when it is first needed (see [`flatten`]).
struct Pending {
    decl: ffi::TSNode,
    /// Where the lines of its text start.
    lines: Arc<Vec<usize>>,
    start: u32,
    end: u32,
    guard: u64,
    /// Laid out already (kept in the list: removing would shift the rest).
    done: Cell<bool>,
}

thread_local! {
    /// The layouts of the live guards, by the start of their declaration.
    static FLATS: RefCell<Vec<Rc<Flat>>> = const { RefCell::new(Vec::new()) };
    /// The declarations of the live guards not laid out yet, by start.
    static PENDING: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
    static GUARDS: Cell<u64> = const { Cell::new(0) };
    /// Where the nodes this thread took from layouts lately are laid out.
    static RECENT: Recent = const {
        Recent {
            slots: [const { Cell::new(EMPTY) }; SLOTS],
            epoch: Cell::new(1),
        }
    };
}

/// The nodes a thread took from layouts lately, one thread-local access.
struct Recent {
    slots: [Cell<Slot>; SLOTS],
    /// Moves on whenever a layout is dropped or leaves the thread: a slot
    /// filled in an earlier epoch is empty.
    epoch: Cell<u64>,
}

/// How many recent nodes are remembered (a few kilobytes, in cache).
const SLOTS: usize = 512;

/// A node taken from a layout: its kind, and where it is laid out. `flat`
/// is alive while the slot is filled: every slot is emptied (its epoch
/// passes) whenever a layout is dropped or leaves the thread.
#[derive(Clone, Copy)]
struct Slot {
    id: *const std::ffi::c_void,
    context: [u32; 4],
    flat: *const Flat,
    index: u32,
    epoch: u64,
    kind: u16,
    named: bool,
}

const EMPTY: Slot = Slot {
    id: std::ptr::null(),
    context: [0; 4],
    flat: std::ptr::null(),
    index: 0,
    epoch: 0,
    kind: 0,
    named: false,
};

#[inline(always)]
fn slot_of(id: *const std::ffi::c_void) -> usize {
    let a = id as usize;
    ((a >> 3) ^ (a >> 13)) & (SLOTS - 1)
}

/// The slot that remembers `raw`, if one does.
#[inline(always)]
fn recent(raw: &ffi::TSNode) -> Option<Slot> {
    RECENT.with(|r| {
        let s = r.slots[slot_of(raw.id)].get();
        (s.id == raw.id && s.context == raw.context && s.epoch == r.epoch.get()).then_some(s)
    })
}

/// Forgets every recent node (a layout is going away), in constant time.
fn forget_recent() {
    RECENT.with(|r| r.epoch.set(r.epoch.get() + 1));
}

impl Drop for Flat {
    fn drop(&mut self) {
        forget_recent();
    }
}

/// The kind of a node taken from a layout lately (a walk's callback asks
/// first), answered without reading the tree's memory.
#[inline]
pub fn kind(node: &Node<'_>) -> Option<u16> {
    recent(&node.into_raw()).map(|s| s.kind)
}

/// Whether a node taken from a layout lately is named, likewise.
#[inline]
pub fn named(node: &Node<'_>) -> Option<bool> {
    recent(&node.into_raw()).map(|s| s.named)
}

/// Keeps the declarations it was made for laid out until it is dropped.
pub struct Flattened<'t> {
    guard: u64,
    _tree: PhantomData<Node<'t>>,
}

/// True for a top-level declaration worth laying out for a summary (see
/// [`crate::index`]), which walks most declarations once: a function or
/// method (its parameters are read again and again), or any declaration
/// of [`WORTH_BYTES`] or more (a table, a deeply nested expression). A
/// small `var`, `const` or `type` costs a cursor walk less than its layout
/// would. (The rules walk every declaration many times over: they lay out
/// them all.)
pub fn worth(decl: Node<'_>) -> bool {
    matches!(decl.kind(), "function_declaration" | "method_declaration")
        || decl.end_byte() - decl.start_byte() >= WORTH_BYTES
}

/// See [`worth`].
const WORTH_BYTES: usize = 1024;

/// Lays out each of `decls` not laid out already, until the guard drops.
///
/// A declaration is laid out when it is first needed: when a walk starts
/// inside it, or a parent or a sibling of one of its nodes is asked for.
/// A layout costs a fraction of one cursor walk, so it pays from the
/// first walk on; a declaration no rule walks (over a third of those in
/// GOROOT's `net`) is never laid out. Asking for a node's children lays
/// its declaration out too (a cursor steps slowly through a parameter
/// list); asking for one child in a field does not: the tree answers that
/// as fast.
///
/// `lines` are where the lines of the declarations' text start
/// ([`crate::source::line_starts`]).
pub fn flatten<'t>(
    lines: &Arc<Vec<usize>>,
    decls: impl IntoIterator<Item = Node<'t>>,
) -> Flattened<'t> {
    let guard = new_guard();
    PENDING.with(|p| {
        let Ok(mut pending) = p.try_borrow_mut() else {
            return;
        };
        for d in decls {
            let (start, end) = (d.start_byte() as u32, d.end_byte() as u32);
            let at = pending.partition_point(|x| x.start <= start);
            let raw = d.into_raw();
            let waiting = pending[..at]
                .iter()
                .rev()
                .take_while(|x| x.start == start)
                .any(|x| x.decl.id == raw.id && x.decl.tree == raw.tree);
            if waiting || find(d).is_some() {
                continue;
            }
            pending.insert(
                at,
                Pending {
                    decl: raw,
                    lines: lines.clone(),
                    start,
                    end,
                    guard,
                    done: Cell::new(false),
                },
            );
        }
    });
    Flattened {
        guard,
        _tree: PhantomData,
    }
}

/// Lays out the pending declaration that holds `node`, if one does: true
/// when it did.
fn due(node: Node<'_>) -> bool {
    let raw = node.into_raw();
    let start = node.start_byte() as u32;
    let laid_out = PENDING.with(|p| {
        let pending = p.try_borrow().ok()?;
        let at = pending
            .partition_point(|x| x.start <= start)
            .checked_sub(1)?;
        let d = &pending[at];
        if d.done.get() || d.decl.tree != raw.tree || (node.end_byte() as u32) > d.end {
            return None;
        }
        d.done.set(true);
        // SAFETY: the declaration's guard is alive (its drop removes its
        // pending declarations), and the guard borrows the tree.
        let decl = unsafe { Node::from_raw(d.decl) };
        lay_out(decl, &d.lines, d.guard)
    });
    match laid_out {
        Some(flat) => insert(flat),
        None => false,
    }
}

/// Forgets the pending declarations of `guard`.
fn drop_pending(guard: u64) {
    PENDING.with(|p| {
        if let Ok(mut pending) = p.try_borrow_mut() {
            pending.retain(|x| x.guard != guard);
        }
    });
}

/// A guard id no layout of this thread has yet.
fn new_guard() -> u64 {
    GUARDS.with(|g| {
        g.set(g.get() + 1);
        g.get()
    })
}

/// Adds a layout to this thread's, in order of where it starts.
fn insert(flat: Flat) -> bool {
    FLATS.with(|f| {
        // A walk in progress holds its own reference; only a walk's
        // callback that flattens while another walk reads the list could
        // find it borrowed, and then the declaration is walked with a
        // cursor.
        let Ok(mut flats) = f.try_borrow_mut() else {
            return false;
        };
        let at = flats.partition_point(|x| x.start(0) <= flat.start(0));
        flats.insert(at, Rc::new(flat));
        true
    })
}

/// Layouts taken from the thread that made them, to be read on another
/// (see [`Flattened::keep`]); a clone shares them.
#[derive(Default, Clone)]
pub struct Kept(Vec<Arc<Layout>>);

impl Kept {
    /// Adds `other`'s layouts to these.
    pub fn join(&mut self, other: Kept) {
        self.0.extend(other.0);
    }

    /// These layouts, and those of the rest of `decls` (laid out now): for
    /// threads that will all read them (`lines`: see [`flatten`]).
    pub fn completed(self, lines: &Arc<Vec<usize>>, decls: &[Node<'_>]) -> Kept {
        let kept = adopt(self);
        let pending = flatten(lines, decls.iter().copied());
        for d in decls {
            find_or_lay_out(*d);
        }
        let mut all = kept.keep();
        all.join(pending.keep());
        all
    }

    /// Takes the layouts of `decls` out of these.
    pub fn take(&mut self, decls: &[Node<'_>]) -> Kept {
        let theirs = |f: &Arc<Layout>| decls.iter().any(|d| f.holds(0, &d.into_raw()));
        let (mine, rest) = std::mem::take(&mut self.0).into_iter().partition(theirs);
        self.0 = rest;
        Kept(mine)
    }
}

// SAFETY: a layout holds pointers into its tree's nodes, which are
// immutable and shared by every copy of the tree; the layout holds one
// copy, so they live as long as it does, on whichever thread. Nothing in
// a layout changes once it is made, so threads may read it at once.
unsafe impl Send for Layout {}
unsafe impl Sync for Layout {}

impl<'t> Flattened<'t> {
    /// Hands this guard's layouts over instead of dropping them: a second
    /// pass over the same declarations (the check after the summary),
    /// perhaps on another thread, reads them without laying them out
    /// again (see [`adopt`]).
    pub fn keep(self) -> Kept {
        let guard = self.guard;
        std::mem::forget(self);
        drop_pending(guard);
        let mine = FLATS.with(|f| match f.try_borrow_mut() {
            Ok(mut flats) => {
                let (mine, rest) = std::mem::take(&mut *flats)
                    .into_iter()
                    .partition(|x| x.guard == guard);
                *flats = rest;
                mine
            }
            Err(_) => Vec::new(),
        });
        forget_recent();
        // A layout a walk still reads is not handed over (never the case
        // between passes).
        Kept(
            mine.into_iter()
                .filter_map(|x| Rc::try_unwrap(x).ok())
                .map(|x| x.layout.clone())
                .collect(),
        )
    }
}

/// Lays out again, on this thread, what [`Flattened::keep`] kept, until the
/// guard drops. The declarations must be of a tree that lives for `'t`.
pub fn adopt<'t>(kept: Kept) -> Flattened<'t> {
    let guard = new_guard();
    for layout in kept.0 {
        insert(Flat {
            layout,
            guard,
            memos: RefCell::default(),
        });
    }
    Flattened {
        guard,
        _tree: PhantomData,
    }
}

impl Drop for Flattened<'_> {
    fn drop(&mut self) {
        drop_pending(self.guard);
        FLATS.with(|f| {
            if let Ok(mut flats) = f.try_borrow_mut() {
                flats.retain(|x| x.guard != self.guard);
            }
        });
    }
}

const NO_PARENT: u32 = u32::MAX;

/// The bit of [`Flat::fields`] that marks a named node (field ids are fewer).
const NAMED: u16 = 1 << 15;

/// The bit of [`Flat::fields`] that marks a node whose alias is its kind.
const ALIASED: u16 = 1 << 14;

/// The bit of [`Flat::fields`] that marks a node whose alias is not its
/// kind (see `Layout::odd_aliases`).
const ODD_ALIAS: u16 = 1 << 13;

/// The bits of [`Flat::fields`] that hold the field id.
const FIELD: u16 = ODD_ALIAS - 1;

/// Bracket nesting from which a declaration is worth laying out for its
/// parents: climbing from a node `d` deep costs `d²` in the tree.
const DEEP: usize = 48;

/// True when `text` (a declaration's) nests brackets at least [`DEEP`]
/// deep, or chains binary operators as long: a byte scan, much cheaper
/// than a walk. A guess only decides speed, never an answer: a laid-out
/// declaration answers every question as its tree does.
pub fn is_deep(text: &[u8]) -> bool {
    let (mut depth, mut ops) = (0usize, 0usize);
    for &b in text {
        match b {
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth >= DEEP {
                    return true;
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'+' | b'*' | b'|' | b'&' | b'.' => {
                ops += 1;
                if ops >= 4 * DEEP {
                    return true;
                }
            }
            b'\n' => ops = 0,
            _ => {}
        }
    }
    false
}

extern "C" {
    /// See `flat.c`: lays out `root` into the arrays, which hold `capacity`
    /// nodes; the number laid out, or 0 when that failed.
    #[allow(clippy::too_many_arguments)]
    fn httpvet_lay_out(
        root: ffi::TSNode,
        capacity: u32,
        named: u16,
        aliased: u16,
        no_parent: u32,
        line_starts: *const usize,
        lines: usize,
        ids: *mut *const std::ffi::c_void,
        contexts: *mut [u32; 2],
        kinds: *mut u16,
        fields: *mut u16,
        ends: *mut u32,
        parents: *mut u32,
        prevs: *mut u32,
    ) -> u32;
}

/// Lays out `root`'s nodes: those a cursor visits, in its order, with what
/// it tells of each. `flat.c` reads the tree's nodes directly, a few dozen
/// instructions a node where a cursor step costs hundreds; should it fail
/// (out of memory), a cursor does it. `None` when a node's column is not
/// where `lines` put it (the tree is not of that text): left to the tree.
fn lay_out(root: Node<'_>, lines: &Arc<Vec<usize>>, guard: u64) -> Option<Flat> {
    let count = root.descendant_count();
    let mut ids: Vec<*const std::ffi::c_void> = Vec::with_capacity(count);
    let mut contexts: Vec<[u32; 2]> = Vec::with_capacity(count);
    let mut kinds: Vec<u16> = Vec::with_capacity(count);
    let mut fields: Vec<u16> = Vec::with_capacity(count);
    let mut ends: Vec<u32> = Vec::with_capacity(count);
    let mut parents: Vec<u32> = Vec::with_capacity(count);
    let mut prevs: Vec<u32> = Vec::with_capacity(count);
    let raw = root.into_raw();
    let Ok(capacity) = u32::try_from(count) else {
        return lay_out_by_cursor(root, lines, guard);
    };
    // SAFETY: every array holds `count` elements, which `httpvet_lay_out`
    // never writes past; `raw` is a node of a live tree (`root` borrows it).
    let laid_out = unsafe {
        httpvet_lay_out(
            raw,
            capacity,
            NAMED,
            ALIASED,
            NO_PARENT,
            lines.as_ptr(),
            lines.len(),
            ids.as_mut_ptr(),
            contexts.as_mut_ptr(),
            kinds.as_mut_ptr(),
            fields.as_mut_ptr(),
            ends.as_mut_ptr(),
            parents.as_mut_ptr(),
            prevs.as_mut_ptr(),
        )
    };
    if laid_out as usize != count {
        return lay_out_by_cursor(root, lines, guard);
    }
    // SAFETY: `httpvet_lay_out` wrote the first `count` elements of each.
    unsafe {
        ids.set_len(count);
        contexts.set_len(count);
        kinds.set_len(count);
        fields.set_len(count);
        ends.set_len(count);
        parents.set_len(count);
        prevs.set_len(count);
    }
    Some(Flat {
        layout: Arc::new(Layout {
            ids,
            contexts,
            lines: lines.clone(),
            kinds,
            fields,
            tree: raw.tree,
            ends,
            parents,
            prevs,
            odd_aliases: Vec::new(),
            _tree: copy_tree(root),
        }),
        guard,
        memos: RefCell::default(),
    })
}

/// A copy of `node`'s tree, sharing its nodes.
fn copy_tree(node: Node<'_>) -> Tree {
    // SAFETY: the tree is alive (`node` borrows it); a copy only adds a
    // reference to its shared, immutable nodes.
    unsafe { Tree::from_raw(ffi::ts_tree_copy(node.into_raw().tree)) }
}

/// [`lay_out`] with a tree cursor, one step at a time.
fn lay_out_by_cursor(root: Node<'_>, lines: &Arc<Vec<usize>>, guard: u64) -> Option<Flat> {
    // A cursor visits the visible nodes, as many as the tree counts.
    let count = root.descendant_count();
    let mut ids = Vec::with_capacity(count);
    let mut contexts = Vec::with_capacity(count);
    let mut kinds = Vec::with_capacity(count);
    let mut fields = Vec::with_capacity(count);
    let mut ends = Vec::with_capacity(count);
    let mut parents = Vec::with_capacity(count);
    let mut prevs = Vec::with_capacity(count);
    let mut odd_aliases = Vec::new();
    // The indexes of the nodes whose children are being laid out, each
    // with the last of its children laid out so far.
    let mut open: Vec<usize> = Vec::new();
    let mut last: Vec<u32> = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        kinds.push(node.kind_id());
        let named = if node.is_named() { NAMED } else { 0 };
        let n = node.into_raw();
        let i = ids.len();
        let [start, row, column, alias] = n.context;
        let aliased = match alias {
            0 => 0,
            a if a == u32::from(node.kind_id()) => ALIASED,
            a => {
                odd_aliases.push((i as u32, a));
                ODD_ALIAS
            }
        };
        fields.push(cursor.field_id().map_or(0, |f| f.get()) | named | aliased);
        ids.push(n.id);
        let line = lines.get(row as usize).copied();
        if line.and_then(|l| (start as usize).checked_sub(l)) != Some(column as usize) {
            return None;
        }
        contexts.push([start, row]);
        ends.push(i as u32 + 1);
        parents.push(open.last().map_or(NO_PARENT, |&p| p as u32));
        prevs.push(match last.last_mut() {
            Some(l) => std::mem::replace(l, i as u32),
            None => NO_PARENT,
        });
        if cursor.goto_first_child() {
            open.push(i);
            last.push(NO_PARENT);
            continue;
        }
        loop {
            if open.is_empty() {
                break 'walk;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            if let Some(p) = open.pop() {
                ends[p] = ids.len() as u32;
                last.pop();
            }
        }
    }
    debug_assert_eq!(ids.len(), count);
    Some(Flat {
        layout: Arc::new(Layout {
            ids,
            contexts,
            lines: lines.clone(),
            kinds,
            fields,
            tree: root.into_raw().tree,
            ends,
            parents,
            prevs,
            odd_aliases,
            _tree: copy_tree(root),
        }),
        guard,
        memos: RefCell::default(),
    })
}

impl Layout {
    /// The start byte of node `i`.
    fn start(&self, i: usize) -> u32 {
        self.contexts[i][0]
    }

    /// True when node `i` is `raw` (of this layout's tree).
    fn holds(&self, i: usize, raw: &ffi::TSNode) -> bool {
        self.ids[i] == raw.id && self.context(i) == raw.context
    }

    /// Node `i`'s `TSNode` context: where it starts, and its alias.
    fn context(&self, i: usize) -> [u32; 4] {
        let [start, row] = self.contexts[i];
        // Checked as it was laid out: the row's start is at most `start`.
        let column = start - self.lines[row as usize] as u32;
        let f = self.fields[i];
        let alias = if f & ALIASED != 0 {
            u32::from(self.kinds[i])
        } else if f & ODD_ALIAS != 0 {
            let at = self.odd_aliases.partition_point(|&(j, _)| (j as usize) < i);
            self.odd_aliases[at].1
        } else {
            0
        };
        [start, row, column, alias]
    }

    fn raw(&self, i: usize) -> ffi::TSNode {
        ffi::TSNode {
            context: self.context(i),
            id: self.ids[i],
            tree: self.tree,
        }
    }
}

/// The layout that holds `node`, and where.
fn find(node: Node<'_>) -> Option<(Rc<Flat>, usize)> {
    let raw = node.into_raw();
    if let Some(s) = recent(&raw) {
        // SAFETY: a filled slot's layout is alive (see `Slot`), held by an
        // `Rc`; this adds a reference.
        let flat = unsafe {
            Rc::increment_strong_count(s.flat);
            Rc::from_raw(s.flat)
        };
        return Some((flat, s.index as usize));
    }
    let start = u32::try_from(node.start_byte()).ok()?;
    FLATS.with(|f| {
        let flats = f.try_borrow().ok()?;
        let at = flats.partition_point(|x| x.start(0) <= start);
        let flat = flats.get(at.checked_sub(1)?)?;
        if flat.tree != raw.tree {
            return None;
        }
        let first = flat.contexts.partition_point(|c| c[0] < start);
        let i = (first..flat.ids.len())
            .take_while(|&i| flat.start(i) == start)
            .find(|&i| flat.holds(i, &raw))?;
        Some((flat.clone(), i))
    })
}

/// [`find`], laying out the declaration that holds `node` first when it
/// waits to be (see [`flatten`]).
fn find_or_lay_out(node: Node<'_>) -> Option<(Rc<Flat>, usize)> {
    find(node).or_else(|| due(node).then(|| find(node)).flatten())
}

/// The value `make` derives from `node`, made once while `node` stays laid
/// out on this thread (the layout holds its tree, so the node stays the
/// same node): `None`, and nothing made, when `node` is not laid out.
pub fn memo<T: 'static>(node: Node<'_>, make: impl FnOnce() -> T) -> Option<Rc<T>> {
    let (flat, i) = find_or_lay_out(node)?;
    let key = (i as u32, std::any::TypeId::of::<T>());
    let known = flat.memos.borrow().get(&key).cloned();
    if let Some(v) = known.and_then(|v| v.downcast::<T>().ok()) {
        return Some(v);
    }
    // Not borrowed while `make` runs: it may ask about other nodes.
    let v = Rc::new(make());
    flat.memos.borrow_mut().insert(key, v.clone());
    Some(v)
}

/// Where `node` is laid out: an index [`node_at`] turns back into it
/// while its layout lasts (a [`memo`] of `within` may keep such indexes).
pub fn index_of(node: Node<'_>) -> Option<u32> {
    find(node).map(|(_, i)| i as u32)
}

/// The node laid out at index `i` of the layout that holds `within`.
pub fn node_at<'t>(within: Node<'t>, i: u32) -> Option<Node<'t>> {
    let (flat, _) = find(within)?;
    ((i as usize) < flat.ids.len()).then(|| node(&flat, i as usize, &within))
}

#[cfg(test)]
thread_local! {
    /// How many nodes this thread made from layouts: the work of a check,
    /// counted rather than timed (see the engine's linearity test).
    pub(crate) static MADE: Cell<u64> = const { Cell::new(0) };
}

/// A laid-out node of the same tree as `_like`.
fn node<'t>(flat: &Rc<Flat>, i: usize, _like: &Node<'t>) -> Node<'t> {
    #[cfg(test)]
    MADE.with(|m| m.set(m.get() + 1));
    let raw = flat.raw(i);
    RECENT.with(|r| {
        r.slots[slot_of(raw.id)].set(Slot {
            id: raw.id,
            context: raw.context,
            flat: Rc::as_ptr(flat),
            index: i as u32,
            epoch: r.epoch.get(),
            kind: flat.kinds[i],
            named: flat.fields[i] & NAMED != 0,
        })
    });
    // SAFETY: the node was laid out from the subtree of a node identical to
    // one the caller holds for 't (same tree, same node, same position), so
    // it is a node of that tree, alive for 't.
    unsafe { Node::from_raw(raw) }
}

/// Pre-order over `root` and its descendants from the layout, when `root`
/// is laid out; `false` (and nothing visited) when it is not.
pub fn walk<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>) -> Visit) -> bool {
    let Some((flat, i)) = find_or_lay_out(root) else {
        return false;
    };
    let end = flat.ends[i] as usize;
    let mut j = i;
    while j < end {
        match f(node(&flat, j, &root)) {
            Visit::Stop => break,
            Visit::Descend => j += 1,
            Visit::Skip => j = flat.ends[j] as usize,
        }
    }
    true
}

/// [`walk`] giving `f` only the nodes whose kind `kinds` holds, and never
/// entering a node `skip` holds (other than `root`): the others cost a
/// read of the layout's kinds each, not a node. `false` (and nothing
/// visited) when `root` is not laid out.
pub fn walk_kinds<'t>(
    root: Node<'t>,
    kinds: &super::KindSet,
    skip: &super::KindSet,
    mut f: impl FnMut(Node<'t>) -> Visit,
) -> bool {
    let Some((flat, i)) = find_or_lay_out(root) else {
        return false;
    };
    let end = flat.ends[i] as usize;
    let mut j = i;
    while j < end {
        let kind = flat.kinds[j];
        if j != i && skip.has(kind) {
            j = flat.ends[j] as usize;
            continue;
        }
        if !kinds.has(kind) {
            j += 1;
            continue;
        }
        match f(node(&flat, j, &root)) {
            Visit::Stop => break,
            Visit::Descend => j += 1,
            Visit::Skip => j = flat.ends[j] as usize,
        }
    }
    true
}

/// The parent of a laid-out node from the layout, in constant time (a tree
/// finds a parent by descending from its root, which costs the node's
/// depth); `None` when `node` is not laid out or is a declaration.
pub fn parent<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let (flat, i) = find_or_lay_out(node)?;
    let p = flat.parents[i];
    (p != NO_PARENT).then(|| self::node(&flat, p as usize, &node))
}

/// How many parents [`enclosing_function`] climbs before it reads the
/// layout's table of enclosing functions instead (made then, once).
const SHORT_CLIMB: usize = 64;

/// For each node of a layout, the index of the nearest function around it
/// (`NO_PARENT` for none): made only for a layout some node of which sits
/// deeper than [`SHORT_CLIMB`] levels below its function.
struct FunctionsAround(Vec<u32>);

/// The nearest function (declaration, method or literal) around a laid-out
/// node: `None` when `node` is not laid out, `Some(None)` when no function
/// of its declaration holds it. A short climb answers for most nodes; one
/// deeper in nesting reads a table made in one pass over the layout, so
/// that asking for every node of deep nesting costs no square.
pub fn enclosing_function<'t>(node: Node<'t>) -> Option<Option<Node<'t>>> {
    let (flat, i) = find_or_lay_out(node)?;
    let functions = crate::kinds!("function_declaration", "method_declaration", "func_literal");
    let at = |j: u32| match j {
        NO_PARENT => Some(None),
        j => Some(Some(self::node(&flat, j as usize, &node))),
    };
    let key = (u32::MAX, std::any::TypeId::of::<FunctionsAround>());
    let known = flat.memos.borrow().get(&key).cloned();
    if let Some(table) = known.and_then(|v| v.downcast::<FunctionsAround>().ok()) {
        return at(table.0[i]);
    }
    let mut j = flat.parents[i];
    for _ in 0..SHORT_CLIMB {
        if j == NO_PARENT || functions.has(flat.kinds[j as usize]) {
            return at(j);
        }
        j = flat.parents[j as usize];
    }
    // Deep: one pass over the layout, kept. Pre-order: a node's parent
    // comes before it.
    let mut around = vec![NO_PARENT; flat.parents.len()];
    for k in 0..around.len() {
        let p = flat.parents[k];
        if p != NO_PARENT {
            around[k] = match functions.has(flat.kinds[p as usize]) {
                true => p,
                false => around[p as usize],
            };
        }
    }
    let found = around[i];
    flat.memos
        .borrow_mut()
        .insert(key, Rc::new(FunctionsAround(around)));
    at(found)
}

/// The top-level declaration that holds a laid-out node (the root of its
/// layout), without a climb: `None` when `node` is not laid out.
pub fn declaration_of<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let (flat, _) = find_or_lay_out(node)?;
    Some(self::node(&flat, 0, &node))
}

/// The sibling after (`forward`) or before a laid-out node, anonymous ones
/// included, in constant time (a tree finds a sibling through the parent,
/// which it finds from its root): `None` when `node` is not laid out or is
/// a declaration, `Some(None)` when it has no such sibling.
pub fn sibling<'t>(node: Node<'t>, forward: bool) -> Option<Option<Node<'t>>> {
    let (flat, i) = find_or_lay_out(node)?;
    let p = flat.parents[i];
    if p == NO_PARENT {
        return None;
    }
    let j = if forward {
        let e = flat.ends[i];
        (e < flat.ends[p as usize]).then_some(e)
    } else {
        let q = flat.prevs[i];
        (q != NO_PARENT).then_some(q)
    };
    Some(j.map(|j| self::node(&flat, j as usize, &node)))
}

/// The first child of a laid-out `node` in field `field` (an id of the
/// grammar's), from the layout: `None` when `node` is not laid out,
/// `Some(None)` when it has no such child.
pub fn field<'t>(node: Node<'t>, field: u16) -> Option<Option<Node<'t>>> {
    let (flat, i) = find(node)?;
    let j = child_indexes(&flat, i).find(|&j| flat.fields[j] & FIELD == field);
    Some(j.map(|j| self::node(&flat, j, &node)))
}

/// Every child of `node` in field `field`, from the layout (laying its
/// declaration out when it waits to be): `None` when `node` is not laid out.
pub fn fields<'t>(node: Node<'t>, field: u16) -> Option<Vec<Node<'t>>> {
    let (flat, i) = find_or_lay_out(node)?;
    let found = child_indexes(&flat, i)
        .filter(|&j| flat.fields[j] & FIELD == field)
        .map(|j| self::node(&flat, j, &node))
        .collect();
    Some(found)
}

/// The children of `parent` (anonymous ones included) from the layout
/// (laying its declaration out when it waits to be), when it is laid out.
pub fn children<'t>(parent: Node<'t>) -> Option<impl Iterator<Item = Node<'t>>> {
    let (flat, i) = find_or_lay_out(parent)?;
    let end = flat.ends[i] as usize;
    let mut j = i + 1;
    Some(std::iter::from_fn(move || {
        let n = (j < end).then(|| node(&flat, j, &parent))?;
        j = flat.ends[j] as usize;
        Some(n)
    }))
}

/// The indexes of node `i`'s children in `flat`, in order.
fn child_indexes(flat: &Flat, i: usize) -> impl Iterator<Item = usize> + '_ {
    let end = flat.ends[i] as usize;
    let within = move |j: usize| (j < end).then_some(j);
    std::iter::successors(within(i + 1), move |&j| within(flat.ends[j] as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::parse;
    use crate::syntax::{named_children, visit};

    /// Every walk, from every node, with every choice of descending,
    /// skipping or stopping: what a cursor gives.
    #[test]
    fn laid_out_walks_equal_cursor_walks() {
        let src = "package p\n\n// c\nfunc f(w http.ResponseWriter) {\n\tgo func() { w.Write(nil) }() // x\n\tif a := b; a { return }\n\tx := []int{1, 2}\n\t_ = x\n}\n\nvar v = struct{ a int }{}\n\nfunc g() { h( }\n";
        let tree = parse(src);
        let lines = Arc::new(crate::source::line_starts(src));
        let decls: Vec<Node> = tree.root_node().named_children(&mut tree.walk()).collect();
        let mut all = Vec::new();
        visit(tree.root_node(), |n| {
            all.push(n);
            Visit::Descend
        });
        let record = |flat: bool| {
            let mut out = Vec::new();
            let _guard = flat.then(|| flatten(&lines, decls.iter().copied()));
            for (k, &root) in all.iter().enumerate() {
                for mode in 0..3 {
                    let mut seen = Vec::new();
                    visit(root, |n| {
                        seen.push((n.id(), n.start_byte(), n.kind_id()));
                        match (mode, seen.len() % 3) {
                            (1, 0) => Visit::Skip,
                            (2, _) if seen.len() > 5 + k % 4 => Visit::Stop,
                            _ => Visit::Descend,
                        }
                    });
                    out.push(seen);
                }
                out.push(
                    named_children(root)
                        .map(|n| (n.id(), n.start_byte(), n.kind_id()))
                        .collect(),
                );
            }
            out
        };
        let by_cursor = record(false);
        let laid_out = record(true);
        assert_eq!(by_cursor, laid_out);
        // The layout was used: every node of a declaration is found in it.
        let mut in_decls = 0;
        for d in &decls {
            visit(*d, |_| {
                in_decls += 1;
                Visit::Descend
            });
        }
        let _guard = flatten(&lines, decls.iter().copied());
        // Nothing is laid out before it is walked; then all of it is.
        assert!(all.iter().all(|n| find(*n).is_none()));
        for d in &decls {
            visit(*d, |_| Visit::Stop);
        }
        let found = all.iter().filter(|n| find(**n).is_some()).count();
        assert_eq!(found, in_decls);
        // And every node's parent is the tree's.
        use crate::syntax::NodeKind;
        for n in &all {
            assert_eq!(n.up(), n.parent(), "{}", n.kind_name());
        }
        assert!(all.iter().filter(|n| parent(**n).is_some()).count() > in_decls / 2);
        // And every sibling is the tree's.
        for n in &all {
            if let Some(next) = sibling(*n, true) {
                assert_eq!(next, n.next_sibling(), "{}", n.kind_name());
            }
            if let Some(prev) = sibling(*n, false) {
                assert_eq!(prev, n.prev_sibling(), "{}", n.kind_name());
            }
            assert_eq!(n.next_named(), n.next_named_sibling());
            assert_eq!(n.prev_named(), n.prev_named_sibling());
        }
        // And every child in a field is the tree's, asked of the node a
        // walk visits or of any other.
        let fields = tree.language().field_count() as u16;
        let mut asked = 0;
        for d in &decls {
            visit(*d, |n| {
                for id in 1..=fields {
                    assert_eq!(field(n, id), Some(n.child_by_field_id(id)), "{}", n.kind());
                    let all: Vec<Node> = n
                        .children_by_field_id(std::num::NonZeroU16::new(id).unwrap(), &mut n.walk())
                        .collect();
                    assert_eq!(self::fields(n, id), Some(all), "{}", n.kind());
                    asked += 1;
                }
                Visit::Descend
            });
        }
        assert!(asked > 0);
        for n in &all {
            for id in 1..=fields {
                if let Some(child) = field(*n, id) {
                    assert_eq!(child, n.child_by_field_id(id), "{}", n.kind());
                }
            }
        }
    }

    /// The layout read from the tree's nodes is the cursor's, array for
    /// array, on every fixture and example of the project (comments, syntax
    /// errors, every kind of statement and expression) and on deep nesting.
    #[test]
    fn layouts_read_from_nodes_equal_cursor_layouts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut texts = vec![
            format!(
                "package p\nfunc f() {{ {}x{} }}\n",
                "{".repeat(3000),
                "}".repeat(3000)
            ),
            format!(
                "package p\nvar v = {}1{}\n",
                "(".repeat(3000),
                ")".repeat(3000)
            ),
            "package p\nfunc g() { h( }\nfunc k() { /* c */ x := 1 // d\n}\n".to_string(),
        ];
        let mut dirs = vec![root.join("tests/fixtures"), root.join("examples")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "go") {
                    texts.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        assert!(texts.len() > 50, "the fixtures were found");
        let mut nodes = 0;
        let mut compare = |tree: &Tree, text: &str| {
            let lines = Arc::new(crate::source::line_starts(text));
            for decl in tree.root_node().children(&mut tree.walk()) {
                let (a, b) = (lay_out(decl, &lines, 0), lay_out_by_cursor(decl, &lines, 0));
                let (a, b) = (a.expect("laid out"), b.expect("laid out by cursor"));
                assert_eq!(a.ids, b.ids);
                assert_eq!(a.contexts, b.contexts);
                assert_eq!(a.kinds, b.kinds);
                assert_eq!(a.fields, b.fields);
                assert_eq!(a.ends, b.ends);
                assert_eq!(a.parents, b.parents);
                assert_eq!(a.prevs, b.prevs);
                assert!(b.odd_aliases.is_empty(), "every alias is its node's kind");
                // Each node made again from the layout is the cursor's own,
                // alias and all.
                let mut cursor = decl.walk();
                for i in 0..a.ids.len() {
                    assert_eq!(a.raw(i).context, cursor.node().into_raw().context);
                    if !cursor.goto_first_child() {
                        while !cursor.goto_next_sibling() && cursor.goto_parent() {}
                    }
                }
                nodes += a.ids.len();
            }
        };
        for text in &texts {
            let mut tree = parse(text);
            compare(&tree, text);
            // And a tree re-parsed after an edit, as the language server
            // keeps it: most of its nodes are the old tree's, reused. The
            // edit opens a line in the middle of the text (a statement, a
            // half-typed one, or a comment).
            let at = text[..text.len() / 2].rfind('\n').map_or(0, |i| i + 1);
            for typed in ["x := f(1)\n", "if (\n", "// c\n"] {
                let edited = format!("{}{typed}{}", &text[..at], &text[at..]);
                let row = text[..at].matches('\n').count();
                tree.edit(&tree_sitter::InputEdit {
                    start_byte: at,
                    old_end_byte: at,
                    new_end_byte: at + typed.len(),
                    start_position: tree_sitter::Point::new(row, 0),
                    old_end_position: tree_sitter::Point::new(row, 0),
                    new_end_position: tree_sitter::Point::new(row + 1, 0),
                });
                let bytes = edited.as_bytes();
                tree = crate::source::reparse(&mut |at, _| &bytes[at.min(bytes.len())..], &tree);
                compare(&tree, &edited);
                tree = parse(text);
            }
        }
        assert!(nodes > 200_000, "{nodes} nodes compared");
    }

    /// A node's column is read from the text's lines: lines of another
    /// text leave the declaration to its tree, in both ways of laying out.
    #[test]
    fn lines_of_another_text_lay_nothing_out() {
        let src = "package p\n\nfunc f() {\n\tx := 1\n\t_ = x\n}\n";
        let tree = parse(src);
        let decl = tree.root_node().named_child(1).expect("f");
        let right = Arc::new(crate::source::line_starts(src));
        let wrong = Arc::new(crate::source::line_starts(&format!(" {src}")));
        assert!(lay_out(decl, &right, 0).is_some());
        assert!(lay_out_by_cursor(decl, &right, 0).is_some());
        assert!(lay_out(decl, &wrong, 0).is_none());
        assert!(lay_out_by_cursor(decl, &wrong, 0).is_none());
        let _guard = flatten(&wrong, [decl]);
        let mut walked = 0;
        visit(decl, |_| {
            walked += 1;
            Visit::Descend
        });
        assert!(walked > 10 && find(decl).is_none(), "walked by cursor");
    }

    #[test]
    fn deep_declarations_are_told_from_text() {
        assert!(!is_deep(b"func f() { if a { g(b[0]) } }"));
        assert!(is_deep("func f() {".repeat(60).as_bytes()));
        assert!(is_deep(" + x".repeat(400).as_bytes()));
        assert!(!is_deep("x + y\n".repeat(400).as_bytes()));
    }

    #[test]
    fn guards_remove_only_their_own_layouts() {
        let src = "package p\nfunc a() { x() }\nfunc b() { y() }\n";
        let tree = parse(src);
        let lines = Arc::new(crate::source::line_starts(src));
        let decls: Vec<Node> = tree.root_node().named_children(&mut tree.walk()).collect();
        let touch = |d: Node| visit(d, |_| Visit::Stop);
        let outer = flatten(&lines, [decls[1]]);
        touch(decls[1]);
        {
            let _inner = flatten(&lines, [decls[1], decls[2]]);
            touch(decls[2]);
            assert!(find(decls[1]).is_some() && find(decls[2]).is_some());
        }
        assert!(find(decls[1]).is_some() && find(decls[2]).is_none());
        drop(outer);
        assert!(find(decls[1]).is_none());
    }

    #[test]
    fn a_declaration_is_laid_out_when_first_needed() {
        let src = "package p\nfunc a() { x(1) }\nfunc b() { y(2) }\n";
        let tree = parse(src);
        let lines = Arc::new(crate::source::line_starts(src));
        let decls: Vec<Node> = tree.root_node().named_children(&mut tree.walk()).collect();
        let _guard = flatten(&lines, [decls[1], decls[2]]);
        fn last(d: Node<'_>) -> Node<'_> {
            let mut last = d;
            visit(d, |n| {
                last = n;
                Visit::Descend
            });
            last
        }
        // Walking `a` lays it out; `b` waits until a parent is asked.
        let deep_a = last(decls[1]);
        assert!(find(deep_a).is_some() && find(decls[2]).is_none());
        let mut deep_b = decls[2];
        while let Some(c) = deep_b.child(deep_b.child_count().saturating_sub(2)) {
            deep_b = c;
        }
        assert!(find(decls[2]).is_none());
        assert_eq!(parent(deep_b), deep_b.parent());
        assert!(find(decls[2]).is_some());
    }
}

//! What a rule reports: a diagnostic with its range, related locations and fixes.

use serde::Serialize;
use std::sync::Arc;

/// A finding's text (a message, a note, a fix's title, an edit's new code):
/// shared, not copied, by the findings that say the same thing. A handler
/// with 100,000 writes to one map makes 100,000 findings with one message,
/// one note and one fix title, each of which held its own copies of the
/// three (some 200 bytes a finding); 100,000 dropped serve errors, fixes
/// whose edits insert the same code at different places.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(Arc<str>);

/// How many texts each thread remembers to share: a rule makes a finding's
/// texts (a dozen at most: two fixes of a few edits each) one after
/// another, so the next finding's are among the last few.
const RECENT_TEXTS: usize = 16;

thread_local! {
    static RECENT: std::cell::RefCell<(usize, [Option<Arc<str>>; RECENT_TEXTS])> =
        const { std::cell::RefCell::new((0, [const { None }; RECENT_TEXTS])) };
}

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends `more` (the text is made anew: others may share it).
    pub fn push_str(&mut self, more: &str) {
        *self = Text::from(format!("{}{more}", self.0));
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        RECENT.with(|recent| {
            let (next, texts) = &mut *recent.borrow_mut();
            if let Some(same) = texts.iter().flatten().find(|t| ***t == *s) {
                return Text(same.clone());
            }
            let text: Arc<str> = s.into();
            texts[*next] = Some(text.clone());
            *next = (*next + 1) % RECENT_TEXTS;
            Text(text)
        })
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.to_string())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

/// A finding's short list (its related locations, its fixes), shared as
/// its texts are: 100,000 writes to one map, in one run of statements one
/// guard covers, make 100,000 findings with one note and one fix, which
/// held a list of each apiece (some 170 bytes a finding). Empty lists
/// allocate nothing. A list is made anew when it grows (lists hold a few
/// items), and shared with one of the last few lists its thread made when
/// the two are equal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Many<T>(Option<Arc<[T]>>);

/// How many lists of each kind each thread remembers to share.
const RECENT_LISTS: usize = 8;

/// The last lists of one kind a thread made, and where the next goes.
pub struct RecentLists<T>(usize, [Option<Arc<[T]>>; RECENT_LISTS]);

impl<T> Default for RecentLists<T> {
    fn default() -> Self {
        RecentLists(0, [const { None }; RECENT_LISTS])
    }
}

/// An item of a [`Many`]: its kind keeps its own recent lists per thread.
pub trait Shared: Clone + PartialEq + Sized + 'static {
    fn recent<R>(f: impl FnOnce(&mut RecentLists<Self>) -> R) -> R;
}

/// Makes each type a [`Shared`] item, with its own recent lists.
macro_rules! shared_lists {
    ($($t:ty),*) => {$(
        impl $crate::diagnostic::Shared for $t {
            fn recent<R>(f: impl FnOnce(&mut $crate::diagnostic::RecentLists<Self>) -> R) -> R {
                thread_local! {
                    static LISTS: std::cell::RefCell<$crate::diagnostic::RecentLists<$t>> =
                        std::cell::RefCell::new($crate::diagnostic::RecentLists::default());
                }
                LISTS.with(|l| f(&mut l.borrow_mut()))
            }
        }
    )*};
}

pub(crate) use shared_lists;

shared_lists!(Related, Fix);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(None)
    }
}

impl<T> std::ops::Deref for Many<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl<'a, T> IntoIterator for &'a Many<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Clone> IntoIterator for &'a mut Many<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    /// Items to change in place (positions an edit moved): the list is
    /// copied first when others share it.
    fn into_iter(self) -> Self::IntoIter {
        match &mut self.0 {
            Some(list) => Arc::make_mut(list).iter_mut(),
            None => [].iter_mut(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Many<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Shared> From<Vec<T>> for Many<T> {
    fn from(items: Vec<T>) -> Many<T> {
        if items.is_empty() {
            return Many(None);
        }
        T::recent(|RecentLists(next, lists)| {
            if let Some(same) = lists.iter().flatten().find(|l| ***l == *items) {
                return Many(Some(same.clone()));
            }
            let list: Arc<[T]> = items.into();
            lists[*next] = Some(list.clone());
            *next = (*next + 1) % RECENT_LISTS;
            Many(Some(list))
        })
    }
}

impl<T: Shared> FromIterator<T> for Many<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Many<T> {
        Many::from(items.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Shared> Many<T> {
    pub fn push(&mut self, item: T) {
        self.extend(std::iter::once(item));
    }

    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        let mut all = self.to_vec();
        let before = all.len();
        all.extend(items);
        if all.len() != before {
            *self = Many::from(all);
        }
    }
}

impl<T: Serialize> Serialize for Many<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" | "information" => Severity::Info,
            "hint" => Severity::Hint,
            _ => return None,
        })
    }
}

/// A position: 0-based line and byte column, plus the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// A range in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub path: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl Location {
    pub fn of_node(path: &Arc<str>, node: tree_sitter::Node) -> Location {
        let (s, e) = (node.start_position(), node.end_position());
        Location {
            path: path.clone(),
            start: Pos {
                offset: node.start_byte(),
                line: s.row,
                column: s.column,
            },
            end: Pos {
                offset: node.end_byte(),
                line: e.row,
                column: e.column,
            },
        }
    }
}

/// A secondary location that explains the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub message: Text,
}

/// Whether applying a fix keeps the program's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Same behaviour apart from the bug: `check --fix` and the editor's
    /// *Fix All* apply it.
    Safe,
    /// Valid Go, but what the program does may change (its title says how):
    /// applied only when asked (`--unsafe-fixes`, or one code action).
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace bytes `start..end` of `path` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub path: Arc<str>,
    pub start: usize,
    pub end: usize,
    pub new_text: Text,
}

/// A set of non-overlapping edits that fixes the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: Text,
    pub preferred: bool,
    pub applicability: Applicability,
    /// Shared by the copies of the fix: every finding in a run of
    /// statements one guard covers carries the same edits.
    pub edits: Arc<Vec<Edit>>,
    /// An import this fix removes a use of, when other uses remain: fixes
    /// applied together that remove them all drop the import too.
    pub unused_import: Option<ImportDrop>,
}

impl Fix {
    /// Calls `f` on every byte offset the fix holds in the file `path`:
    /// its edits' bounds, and those of its import drop and the uses it counts.
    pub fn each_offset(&mut self, path: &str, mut f: impl FnMut(&mut usize)) {
        let drop = self.unused_import.as_mut();
        let (uses, drop_edit) = match drop {
            Some(d) => (Some(&mut d.uses), Some(&mut d.edit)),
            None => (None, None),
        };
        for e in Arc::make_mut(&mut self.edits).iter_mut().chain(drop_edit) {
            if *e.path == *path {
                f(&mut e.start);
                f(&mut e.end);
            }
        }
        if let Some(uses) = uses {
            if self.edits.first().is_some_and(|e| *e.path == *path) {
                Arc::make_mut(uses).iter_mut().for_each(f);
            }
        }
    }

    /// The greatest byte offset [`Fix::each_offset`] visits in `path`.
    pub fn last_offset(&self, path: &str) -> Option<usize> {
        let drop = self.unused_import.as_ref();
        let edits = self.edits.iter().chain(drop.map(|d| &d.edit));
        let ends = edits
            .filter(|e| *e.path == *path)
            .map(|e| e.end.max(e.start));
        let uses = drop
            .filter(|_| self.edits.first().is_some_and(|e| *e.path == *path))
            .and_then(|d| d.uses.last().copied());
        ends.chain(uses).max()
    }
}

/// Deleting an import once none of its uses is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDrop {
    /// Where each use of the import's name starts (shared by the fixes of
    /// one file: a file of many such fixes holds the list once).
    pub uses: Arc<Vec<usize>>,
    /// The edit that deletes the import's line.
    pub edit: Edit,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: Text,
    pub location: Location,
    pub related: Many<Related>,
    pub fixes: Many<Fix>,
}

/// A finding as suppression comments and de-duplication read it: its rule,
/// and the line and column where it starts now. (The language server holds
/// findings whose lines an edit has moved without rewriting them.)
pub trait Found {
    fn code(&self) -> &'static str;
    /// 0-based line and byte column.
    fn start(&self) -> (usize, usize);
}

impl Found for Diagnostic {
    fn code(&self) -> &'static str {
        self.code
    }
    fn start(&self) -> (usize, usize) {
        (self.location.start.line, self.location.start.column)
    }
}

impl<T: Found + Clone> Found for std::borrow::Cow<'_, T> {
    fn code(&self) -> &'static str {
        (**self).code()
    }
    fn start(&self) -> (usize, usize) {
        (**self).start()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_that_say_the_same_share_its_text() {
        let texts = |i: usize| {
            [
                Text::from(format!("map `m` is written by handler `h{}`", i / 1000)),
                Text::from("`m` is shared by every request".to_string()),
                Text::from("guard `m` with a mutex"),
            ]
        };
        let (first, next) = (texts(0), texts(1));
        for (a, b) in first.iter().zip(&next) {
            assert_eq!(a, b);
            assert!(Arc::ptr_eq(&a.0, &b.0), "{a} is copied");
        }
        // A text once made is not changed for those sharing it.
        let mut longer = next[0].clone();
        longer.push_str("; no automatic fix");
        assert_eq!(first[0], "map `m` is written by handler `h0`");
        assert_eq!(
            longer,
            "map `m` is written by handler `h0`; no automatic fix"
        );
        // Different texts stay apart.
        assert_ne!(texts(1000)[0], first[0]);
    }

    #[test]
    fn findings_with_the_same_note_share_its_list() {
        let path: Arc<str> = "a.go".into();
        let at = |offset: usize| Location {
            path: path.clone(),
            start: Pos {
                offset,
                line: 0,
                column: offset,
            },
            end: Pos {
                offset: offset + 1,
                line: 0,
                column: offset + 1,
            },
        };
        let note = |offset: usize| Related {
            location: at(offset),
            message: "`m` is shared by every request".into(),
        };
        let (mut a, mut b) = (Many::default(), Many::default());
        assert!(a.0.is_none(), "an empty list allocates nothing");
        a.push(note(3));
        b.push(note(3));
        let (la, lb) = (a.0.clone().unwrap(), b.0.clone().unwrap());
        assert!(Arc::ptr_eq(&la, &lb), "the same note is copied");
        // Growing one list, or moving its items in place, leaves the other.
        b.push(note(9));
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 2);
        for r in &mut a {
            r.location.start.offset = 5;
        }
        assert_eq!(la[0].location.start.offset, 3);
        assert_eq!(a[0].location.start.offset, 5);
        // Different lists stay apart.
        let c: Many<Related> = vec![note(4)].into();
        assert_ne!(c[0], lb[0]);
    }
}

//! The unified diff `check --diff` prints, in time about linear in the
//! file's lines however many of them the fixes change.
//!
//! A diff of the whole file at once (Myers, or `similar`'s patience, which
//! runs Myers over the lines each side holds once) costs the product of
//! the file's lines and the lines changed: thousands of fixes in one file
//! took minutes. Here the lines both sides hold exactly once anchor the
//! diff (the longest run of them in the same order on both sides, found by
//! patience sorting); only the gaps between anchors, a few lines each where
//! fixes insert or rewrite statements, are diffed exactly. A gap too large
//! to diff exactly in bounded time is shown as replaced whole.

use similar::udiff::UnifiedHunkHeader;
use similar::{Algorithm, DiffOp, DiffTag};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

/// Gaps of up to this many cells (old lines × new lines) are diffed exactly.
const EXACT_CELLS: usize = 1 << 22;

/// Lines of context around each change, as `diff -u` shows.
const CONTEXT: usize = 3;

/// `old` → `new` as a unified diff headed by the two names; empty when
/// they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let mut ops = Ops::default();
    anchored(&a, &b, 0..a.len(), 0..b.len(), &mut ops);
    let groups = similar::group_diff_ops(ops.0, CONTEXT);
    if groups.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for group in groups {
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&group));
        for op in &group {
            let (tag, o, n) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => lines(&mut out, ' ', &a[o]),
                DiffTag::Delete => lines(&mut out, '-', &a[o]),
                DiffTag::Insert => lines(&mut out, '+', &b[n]),
                DiffTag::Replace => {
                    lines(&mut out, '-', &a[o]);
                    lines(&mut out, '+', &b[n]);
                }
            }
        }
    }
    out
}

fn lines(out: &mut String, tag: char, lines: &[&str]) {
    for line in lines {
        out.push(tag);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// Diff operations in order, equal runs that meet merged.
#[derive(Default)]
struct Ops(Vec<DiffOp>);

impl Ops {
    fn equal(&mut self, old_index: usize, new_index: usize, len: usize) {
        if len == 0 {
            return;
        }
        if let Some(DiffOp::Equal {
            old_index: o,
            new_index: n,
            len: l,
        }) = self.0.last_mut()
        {
            if *o + *l == old_index && *n + *l == new_index {
                *l += len;
                return;
            }
        }
        self.0.push(DiffOp::Equal {
            old_index,
            new_index,
            len,
        });
    }

    fn push(&mut self, op: DiffOp) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => self.equal(old_index, new_index, len),
            op => self.0.push(op),
        }
    }
}

/// Diffs `a[o]` against `b[n]`: anchored on the lines each holds once, the
/// gaps between anchors diffed exactly.
fn anchored(a: &[&str], b: &[&str], o: Range<usize>, n: Range<usize>, ops: &mut Ops) {
    let (o, n, tail) = common_ends(a, b, o, n, ops);
    let (mut i, mut j) = (o.start, n.start);
    for (x, y) in anchors(a, b, o.clone(), n.clone()) {
        exact(a, b, i..x, j..y, ops);
        ops.equal(x, y, 1);
        (i, j) = (x + 1, y + 1);
    }
    exact(a, b, i..o.end, j..n.end, ops);
    ops.equal(o.end, n.end, tail);
}

/// Emits the lines `a[o]` and `b[n]` start with in common; returns the
/// ranges without their common start and end, and the length of that end
/// (for the caller to emit after what comes before it).
fn common_ends(
    a: &[&str],
    b: &[&str],
    o: Range<usize>,
    n: Range<usize>,
    ops: &mut Ops,
) -> (Range<usize>, Range<usize>, usize) {
    let head = a[o.clone()]
        .iter()
        .zip(&b[n.clone()])
        .take_while(|(x, y)| x == y)
        .count();
    ops.equal(o.start, n.start, head);
    let (o, n) = (o.start + head..o.end, n.start + head..n.end);
    let tail = a[o.clone()]
        .iter()
        .rev()
        .zip(b[n.clone()].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (o.start..o.end - tail, n.start..n.end - tail, tail)
}

/// The pairs (old line, new line) of lines each range holds exactly once,
/// the longest sequence of them in the same order on both sides.
fn anchors(a: &[&str], b: &[&str], o: Range<usize>, n: Range<usize>) -> Vec<(usize, usize)> {
    // Per line text: times seen in `a[o]`, where, times seen in `b[n]`, where.
    let mut seen: HashMap<&str, (u32, usize, u32, usize)> = HashMap::new();
    for i in o {
        let e = seen.entry(a[i]).or_insert((0, i, 0, 0));
        e.0 += 1;
        e.1 = i;
    }
    for j in n {
        if let Some(e) = seen.get_mut(b[j]) {
            e.2 += 1;
            e.3 = j;
        }
    }
    let mut pairs: Vec<(usize, usize)> = seen
        .into_values()
        .filter(|e| e.0 == 1 && e.2 == 1)
        .map(|e| (e.1, e.3))
        .collect();
    pairs.sort_unstable();
    longest_increasing(&pairs)
}

/// The longest subsequence of `pairs` (sorted by their first) whose seconds
/// increase: patience sorting, O(n log n).
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // tails[k]: the index of the pair ending the best run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; pairs.len()];
    for (i, p) in pairs.iter().enumerate() {
        let k = tails.partition_point(|&t| pairs[t].1 < p.1);
        before[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(i) = at {
        run.push(pairs[i]);
        at = before[i];
    }
    run.reverse();
    run
}

/// Diffs a gap between anchors exactly (Myers), or, when it is too large
/// for that, shows it as replaced.
fn exact(a: &[&str], b: &[&str], o: Range<usize>, n: Range<usize>, ops: &mut Ops) {
    let (o, n, tail) = common_ends(a, b, o, n, ops);
    if o.is_empty() && n.is_empty() {
        // Nothing between the common ends.
    } else if o.is_empty() {
        ops.push(DiffOp::Insert {
            old_index: o.start,
            new_index: n.start,
            new_len: n.len(),
        });
    } else if n.is_empty() {
        ops.push(DiffOp::Delete {
            old_index: o.start,
            old_len: o.len(),
            new_index: n.start,
        });
    } else if o.len().saturating_mul(n.len()) <= EXACT_CELLS {
        for op in similar::capture_diff(Algorithm::Myers, a, o.clone(), b, n.clone()) {
            ops.push(op);
        }
    } else {
        ops.push(DiffOp::Replace {
            old_index: o.start,
            old_len: o.len(),
            new_index: n.start,
            new_len: n.len(),
        });
    }
    ops.equal(o.end, n.end, tail);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `old` patched with `diff`, checking every context and removed line.
    fn patch(old: &str, diff: &str) -> String {
        let old: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut at = 0;
        let mut lines = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = lines.next() {
            if let Some(head) = line.strip_prefix("@@ -") {
                let start: usize = head.split([',', ' ']).next().unwrap().parse().unwrap();
                // An empty range names the line before it.
                let len_zero = head.split(' ').next().unwrap().ends_with(",0");
                let from = if len_zero { start } else { start - 1 };
                out.extend(old[at..from].iter().copied());
                at = from;
                continue;
            }
            let no_newline = lines.peek() == Some(&"\\ No newline at end of file\n");
            let text = &line[1..];
            let text = match no_newline {
                true => &text[..text.len() - 1],
                false => text,
            };
            if no_newline {
                lines.next();
            }
            match &line[..1] {
                " " | "-" => {
                    assert_eq!(old[at], text, "line {at} of the old text");
                    if line.starts_with(' ') {
                        out.push_str(text);
                    }
                    at += 1;
                }
                "+" => out.push_str(text),
                _ => panic!("not a diff line: {line:?}"),
            }
        }
        out.extend(old[at..].iter().copied());
        out
    }

    #[test]
    fn a_diff_patches_the_old_text_into_the_new() {
        let mut random = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| random.below(n);
        for round in 0..400 {
            // Lines drawn from a few texts (so many repeat) and unique ones.
            let old: Vec<String> = (0..next(60))
                .map(|i| match next(3) {
                    0 => format!("line {}\n", next(4)),
                    _ => format!("unique {i}\n"),
                })
                .collect();
            let mut new: Vec<String> = Vec::new();
            for line in &old {
                match next(6) {
                    0 => {}
                    1 => new.push(format!("inserted {}\n", next(3))),
                    2 => {
                        new.push(format!("added {}\n", next(1000)));
                        new.push(line.clone());
                    }
                    _ => new.push(line.clone()),
                }
            }
            let (mut old, mut new) = (old.concat(), new.concat());
            if next(4) == 0 {
                old.pop();
            }
            if next(4) == 0 {
                new.pop();
            }
            let diff = unified(&old, &new, "a/x.go", "b/x.go");
            if old == new {
                assert_eq!(diff, "", "round {round}");
                continue;
            }
            assert!(diff.starts_with("--- a/x.go\n+++ b/x.go\n@@ -"), "{diff}");
            assert_eq!(patch(&old, &diff), new, "round {round}:\n{diff}");
        }
    }

    #[test]
    fn a_few_changes_read_as_diff_u_shows_them() {
        let old = "package p\n\nfunc a() {\n\tx()\n}\n\nfunc b() {\n\ty()\n}\n";
        let new = "package p\n\nfunc a() {\n\tmu.Lock()\n\tx()\n\tmu.Unlock()\n}\n\nfunc b() {\n\ty()\n}\n";
        let ours = unified(old, new, "a/p.go", "b/p.go");
        let theirs = similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .header("a/p.go", "b/p.go")
            .to_string();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn a_gap_too_large_to_diff_exactly_is_replaced_whole() {
        let old = "a\n".repeat(3000);
        let new = "b\n".repeat(3000);
        let diff = unified(&old, &new, "a/x", "b/x");
        assert!(diff.starts_with("--- a/x\n+++ b/x\n@@ -1,3000 +1,3000 @@\n-a\n"));
        assert_eq!(patch(&old, &diff), new);
    }
}

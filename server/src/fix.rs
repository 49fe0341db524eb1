//! Building fixes: text edits, import insertion in gofmt's order reusing the
//! file's aliases, indentation with tabs, fresh names, and applying a set of
//! non-overlapping edits to a text.

use crate::diagnostic::{Applicability, Edit, Fix, ImportDrop, Text};
use crate::source::SourceFile;
use crate::syntax::imports::{default_name, Imports};
use crate::syntax::NodeKind;
use std::sync::Arc;

/// An edit of `file`.
pub fn edit(file: &SourceFile, start: usize, end: usize, new_text: impl Into<String>) -> Edit {
    Edit {
        path: file.path.clone(),
        start,
        end,
        new_text: Text::from(new_text.into()),
    }
}

/// A fix whose edits are sorted by position.
pub fn fix(
    title: impl Into<String>,
    preferred: bool,
    applicability: Applicability,
    mut edits: Vec<Edit>,
) -> Fix {
    edits.sort_by_key(|e| (e.start, e.end));
    Fix {
        title: crate::diagnostic::Text::from(title.into()),
        preferred,
        applicability,
        edits: std::sync::Arc::new(edits),
        unused_import: None,
    }
}

/// Fixes in order of preference: the first is marked preferred, the rest are
/// alternatives.
pub fn ranked(fixes: impl IntoIterator<Item = Fix>) -> Vec<Fix> {
    fixes
        .into_iter()
        .enumerate()
        .map(|(i, mut f)| {
            f.preferred = i == 0;
            f
        })
        .collect()
}

/// The fix to apply in bulk (`check --fix`, the editor's *Fix All*) among a
/// finding's `fixes`: the preferred one when it is allowed, else the first
/// allowed alternative. Safe fixes only, unless `unsafe_ok`.
pub fn to_apply(fixes: &[Fix], unsafe_ok: bool) -> Option<&Fix> {
    let allowed = |f: &&Fix| unsafe_ok || f.applicability == Applicability::Safe;
    let preferred = fixes.iter().filter(|f| f.preferred);
    preferred
        .chain(fixes.iter().filter(|f| !f.preferred))
        .find(allowed)
}

/// The leading whitespace of the line that holds `offset`.
pub fn indent_at(file: &SourceFile, offset: usize) -> &str {
    let (line, _) = file.line_col(offset);
    let start = file.line_start(line);
    let rest = &file.text[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}

/// The indentation of a statement that begins its line, as every statement
/// of a gofmt-clean block does but one in a one-line function literal
/// (`func() { srv.Shutdown(ctx) }`): a fix that puts new lines around it
/// would need to open that block up first, so it is not offered (`None`).
pub fn statement_indent(file: &SourceFile, offset: usize) -> Option<&str> {
    let before = &file.text[file.line_start(file.line_col(offset).0)..offset];
    before
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
        .then_some(before)
}

/// Where to insert a line after the statement ending at `offset`: past a
/// trailing `// comment` on its line, so the comment stays with the statement.
pub fn after_statement(file: &SourceFile, offset: usize) -> usize {
    let rest = &file.text[offset..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    if line.trim_start().starts_with("//") {
        offset + line.trim_end().len()
    } else {
        offset
    }
}

/// Deletes the line(s) a statement occupies, newline included, when it is
/// alone on them (a trailing comment goes with it, and a blank line that
/// would be left doubled or against a brace); else just the statement.
pub fn delete_statement(file: &SourceFile, stmt: tree_sitter::Node) -> Edit {
    let (line, _) = file.line_col(stmt.start_byte());
    let from = file.line_start(line);
    let end = after_statement(file, stmt.end_byte());
    let alone =
        file.text[from..stmt.start_byte()].trim().is_empty() && file.text[end..].starts_with('\n');
    if alone {
        delete_lines(file, stmt.start_byte(), end)
    } else {
        edit(file, stmt.start_byte(), stmt.end_byte(), "")
    }
}

/// Code moved one block deeper: every line after the first gets one more
/// tab. `None` when it holds a raw string literal, whose lines must not move.
pub fn indent_deeper(code: &str) -> Option<String> {
    if !code.contains('\n') {
        return Some(code.to_string());
    }
    if code.contains('`') {
        return None;
    }
    Some(
        code.split('\n')
            .enumerate()
            .map(|(i, l)| {
                if i == 0 || l.is_empty() {
                    l.to_string()
                } else {
                    format!("\t{l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// An expression's text as gofmt prints it at expression depth `depth`: 1 for
/// a statement's expression or a call's only argument, 2 for one of several
/// arguments. gofmt drops the blanks around `+`, `*`, … deeper down
/// (`f(a, b+1)` but `x = b + 1`), so an expression moved between the two is
/// re-spaced. Only binary operators are re-spaced; anything else keeps its
/// text.
pub fn expr_at_depth(node: tree_sitter::Node, src: &str, depth: usize) -> String {
    render_binary(node, src, depth)
}

fn binary_prec(node: tree_sitter::Node, src: &str) -> Option<usize> {
    if node.kind_name() != "binary_expression" {
        return None;
    }
    let op = node.field("operator")?;
    Some(match crate::syntax::text(op, src) {
        "||" => 1,
        "&&" => 2,
        "==" | "!=" | "<" | "<=" | ">" | ">=" => 3,
        "+" | "-" | "|" | "^" => 4,
        _ => 5,
    })
}

/// gofmt's `walkBinary`: which precedences 4 and 5 occur without parens.
fn walk_binary(node: tree_sitter::Node, src: &str) -> (bool, bool) {
    let Some(prec) = binary_prec(node, src) else {
        return (false, false);
    };
    let (mut has4, mut has5) = (prec == 4, prec == 5);
    if let Some(l) = node.field("left") {
        if binary_prec(l, src).is_some_and(|lp| lp >= prec) {
            let (a, b) = walk_binary(l, src);
            has4 |= a;
            has5 |= b;
        }
    }
    if let Some(r) = node.field("right") {
        if binary_prec(r, src).is_some_and(|rp| rp > prec) {
            let (a, b) = walk_binary(r, src);
            has4 |= a;
            has5 |= b;
        }
    }
    (has4, has5)
}

fn render_binary(node: tree_sitter::Node, src: &str, depth: usize) -> String {
    let Some(prec) = binary_prec(node, src) else {
        return crate::syntax::text(node, src).to_string();
    };
    let (Some(l), Some(op), Some(r)) = (
        node.field("left"),
        node.field("operator"),
        node.field("right"),
    ) else {
        return crate::syntax::text(node, src).to_string();
    };
    let (has4, has5) = walk_binary(node, src);
    let cutoff = match (has4 && has5, depth == 1) {
        (true, true) => 5,
        (true, false) => 4,
        (false, true) => 6,
        (false, false) => 4,
    };
    let blank = if prec < cutoff { " " } else { "" };
    let left_depth = depth + usize::from(binary_prec(l, src) != Some(prec));
    format!(
        "{}{blank}{}{blank}{}",
        render_binary(l, src, left_depth),
        crate::syntax::text(op, src),
        render_binary(r, src, depth + 1)
    )
}

/// The qualifier to use for `path` (`atomic.`), with the edit that imports it
/// when the file does not yet.
pub fn import(file: &SourceFile, imports: &Imports, path: &str) -> (String, Option<Edit>) {
    if let Some(q) = imports.qualifier(path) {
        return (q, None);
    }
    let (q, spec) = new_spec(imports, path);
    // An import block: insert in sorted position among the standard library group.
    let Some(decl) = crate::syntax::imports::declarations(file).next() else {
        // No imports: after the package clause.
        let pkg = file.top_level().find(|n| n.kind_name() == "package_clause");
        let at = pkg.map(|p| p.end_byte()).unwrap_or(0);
        return (q, Some(edit(file, at, at, format!("\n\nimport {spec}"))));
    };
    match crate::syntax::child_of_kind(decl, "import_spec_list") {
        Some(list) => {
            let specs: Vec<_> = crate::syntax::named_children(list)
                .filter(|n| n.kind_name() == "import_spec")
                .collect();
            // Standard-library specs come first in gofmt/goimports layout; keep sorted.
            let std_specs: Vec<_> = specs
                .iter()
                .filter(|s| {
                    s.field("path")
                        .map(|p| {
                            crate::syntax::imports::is_standard(crate::syntax::text(p, &file.text))
                        })
                        .unwrap_or(false)
                })
                .collect();
            let after = std_specs.iter().rev().find(|s| {
                s.field("path")
                    .map(|p| crate::syntax::text(p, &file.text).trim_matches('"') < path)
                    .unwrap_or(false)
            });
            match after {
                Some(s) => {
                    let at = s.end_byte();
                    let indent = indent_at(file, s.start_byte()).to_string();
                    (q, Some(edit(file, at, at, format!("\n{indent}{spec}"))))
                }
                None => {
                    let first = specs.first().map(|s| s.start_byte());
                    match first {
                        Some(at) => (q, Some(edit(file, at, at, format!("{spec}\n\t")))),
                        None => {
                            let at = list.start_byte() + 1;
                            (q, Some(edit(file, at, at, format!("\n\t{spec}\n"))))
                        }
                    }
                }
            }
        }
        None => {
            // `import "x"`: make it a block of two.
            let Some(one) = crate::syntax::child_of_kind(decl, "import_spec") else {
                return (q, None);
            };
            (
                q,
                Some(lone_import_to_block(file, imports, decl, one, &[path])),
            )
        }
    }
}

/// The qualifier and import spec for a package the file does not import yet:
/// aliased (`stdatomic "sync/atomic"`) when another import already has its
/// name.
fn new_spec(imports: &Imports, path: &str) -> (String, String) {
    let base = default_name(path);
    if imports.path_of(base).is_some_and(|p| p != path) {
        let alias = format!("std{base}");
        (format!("{alias}."), format!("{alias} \"{path}\""))
    } else {
        (format!("{base}."), format!("\"{path}\""))
    }
}

/// `import "x"` rewritten as a block holding it and `paths`, sorted.
fn lone_import_to_block(
    file: &SourceFile,
    imports: &Imports,
    decl: tree_sitter::Node,
    one: tree_sitter::Node,
    paths: &[&str],
) -> Edit {
    let existing_path = one
        .field("path")
        .map(|p| {
            crate::syntax::text(p, &file.text)
                .trim_matches('"')
                .to_string()
        })
        .unwrap_or_default();
    let mut specs: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.to_string(), new_spec(imports, p).1))
        .collect();
    specs.push((
        existing_path,
        crate::syntax::text(one, &file.text).to_string(),
    ));
    specs.sort();
    let body: String = specs.iter().map(|(_, s)| format!("\t{s}\n")).collect();
    edit(
        file,
        decl.start_byte(),
        decl.end_byte(),
        format!("import (\n{body})"),
    )
}

/// Where each use of the import of `path` starts (`name.X`, `name.T`): a
/// walk of the whole file, which a check makes once per import (see
/// [`drop_import_if_unused`]).
pub fn import_uses(file: &SourceFile, imports: &Imports, path: &str) -> Option<Arc<Vec<usize>>> {
    let (_, _, name) = imports.spec_of(path)?;
    let mut uses = Vec::new();
    for decl in file.top_level() {
        crate::syntax::visit(decl, |n| {
            if matches!(n.kind_name(), "identifier" | "package_identifier")
                && crate::syntax::text(n, &file.text) == name
                && n.up().is_some_and(|p| {
                    matches!(p.kind_name(), "selector_expression" | "qualified_type")
                        && p.child(0).is_some_and(|c| c.id() == n.id())
                })
            {
                uses.push(n.start_byte());
            }
            crate::syntax::Visit::Descend
        });
    }
    Some(Arc::new(uses))
}

/// What removing the text in the `removed` ranges (about to be replaced)
/// does to the import of `path`, whose uses are `uses` (see
/// [`import_uses`]): `Some(Ok(edit))` deletes it (they held all its uses);
/// `Some(Err(drop))` when other uses remain, for [`combine`] to delete it
/// once fixes applied together remove them all.
pub fn drop_import_if_unused(
    file: &SourceFile,
    imports: &Imports,
    path: &str,
    uses: Arc<Vec<usize>>,
    removed: &[(usize, usize)],
) -> Option<Result<Edit, ImportDrop>> {
    let (start, end, _) = imports.spec_of(path)?;
    let mut spec = file.node_for_range(start, end)?;
    while spec.kind_name() != "import_spec" {
        spec = spec.up()?;
    }
    let parent = spec.up()?;
    let others = parent.kind_name() == "import_spec_list"
        && crate::syntax::named_children(parent)
            .any(|s| s.kind_name() == "import_spec" && s.id() != spec.id());
    let edit = if others {
        delete_lines(file, spec.start_byte(), spec.end_byte())
    } else {
        // The whole declaration goes, with its line and a blank line after.
        let decl = if parent.kind_name() == "import_declaration" {
            parent
        } else {
            parent.up()?
        };
        delete_lines(file, decl.start_byte(), decl.end_byte())
    };
    if uses.iter().all(|u| covered(*u, removed)) {
        Some(Ok(edit))
    } else {
        Some(Err(ImportDrop { uses, edit }))
    }
}

fn covered(at: usize, ranges: &[(usize, usize)]) -> bool {
    ranges.iter().any(|(s, e)| *s <= at && at < *e)
}

/// [`covered`] for ranges sorted by start, each with the furthest end of
/// those up to it: one binary search.
fn covered_sorted(at: usize, ranges: &[(usize, usize)]) -> bool {
    let i = ranges.partition_point(|r| r.0 <= at);
    i > 0 && at < ranges[i - 1].1
}

/// Deletes whole lines `start..end` (with a trailing comment and the
/// newline), and one blank line beside them when they sat between a blank
/// line and a blank line or a line that opens or closes a block: gofmt
/// keeps neither a doubled blank line nor one after `(` or before `)`.
fn delete_lines(file: &SourceFile, start: usize, end: usize) -> Edit {
    let text = &file.text;
    let (line, _) = file.line_col(start);
    let mut from = file.line_start(line);
    let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let blank_after = text[to..].starts_with('\n');
    let before = &text[..from];
    let prev_line = before
        .strip_suffix('\n')
        .map(|b| &b[b.rfind('\n').map_or(0, |i| i + 1)..]);
    let blank_before = prev_line.is_some_and(|l| l.trim().is_empty());
    let opens =
        prev_line.is_some_and(|l| l.trim_end().ends_with('(') || l.trim_end().ends_with('{'));
    let next_line = &text[to..text[to..].find('\n').map_or(text.len(), |i| to + i)];
    let closes = next_line.trim_start().starts_with(')') || next_line.trim_start().starts_with('}');
    if blank_after && (blank_before || opens || to == text.len()) {
        to += 1;
    } else if blank_before && (closes || to >= text.len()) {
        from -= 1;
    }
    edit(file, from, to, "")
}

/// The qualifiers for several import paths (in the order given) and the
/// edits that import the missing ones (a lone `import "x"` becomes a block).
pub fn imports(
    file: &SourceFile,
    imports: &Imports,
    paths: &[&str],
    import: &dyn Fn(&str) -> (String, Option<Edit>),
) -> (Vec<String>, Vec<Edit>) {
    let mut sorted: Vec<&str> = paths.to_vec();
    sorted.sort();
    sorted.dedup();
    let missing: Vec<&str> = sorted
        .iter()
        .copied()
        .filter(|p| imports.qualifier(p).is_none())
        .collect();
    let qualifiers = paths.iter().map(|p| import(p).0).collect();
    let mut edits: Vec<Edit> = Vec::new();
    // A lone `import "x"` becomes one block with everything.
    let lone = crate::syntax::imports::declarations(file).collect::<Vec<_>>();
    if missing.len() > 1 && lone.len() == 1 {
        if let Some(one) = crate::syntax::child_of_kind(lone[0], "import_spec") {
            edits.push(lone_import_to_block(file, imports, lone[0], one, &missing));
            return (qualifiers, edits);
        }
    }
    // One edit per import: the same import added by two fixes is then one
    // shared edit, and insertions at one point land sorted by their text.
    edits.extend(missing.iter().filter_map(|p| import(p).1));
    (qualifiers, edits)
}

/// Merges fixes in order of position into one set of edits: a fix whose
/// edits overlap one already taken is skipped, except that an edit identical
/// to a taken one is shared (two findings guarded by the same new mutex both
/// insert its declaration). Returns the edits, applied and skipped counts.
pub fn combine<'f>(fixes: impl IntoIterator<Item = &'f Fix>) -> (Vec<Edit>, usize, usize) {
    let mut sorted: Vec<&Fix> = fixes.into_iter().collect();
    sorted.sort_by_key(|f| f.edits.first().map(|e| e.start).unwrap_or(0));
    let mut taken = Taken::default();
    let mut chosen: Vec<&Fix> = Vec::new();
    let (mut applied, mut skipped) = (0, 0);
    for f in sorted {
        let conflicts = f
            .edits
            .iter()
            .any(|e| !taken.contains(e) && taken.touches(e));
        if conflicts || f.edits.is_empty() {
            skipped += 1;
            continue;
        }
        for e in f.edits.iter() {
            taken.add(e);
        }
        chosen.push(f);
        applied += 1;
    }
    // An import whose uses the taken fixes all remove goes too.
    let mut drops: Vec<&ImportDrop> = Vec::new();
    for f in &chosen {
        if let Some(d) = &f.unused_import {
            if !drops.contains(&d) {
                drops.push(d);
            }
        }
    }
    for d in drops {
        let mut removed: Vec<(usize, usize)> = taken
            .edits
            .iter()
            .filter(|t| t.path == d.edit.path)
            .map(|t| (t.start, t.end))
            .collect();
        // Sorted, with the furthest end so far: each use is looked up, not
        // compared with every edit.
        removed.sort_unstable();
        let mut reach = 0;
        for r in removed.iter_mut() {
            reach = reach.max(r.1);
            r.1 = reach;
        }
        let clear = !taken
            .edits
            .iter()
            .any(|t| t.path == d.edit.path && t.start < d.edit.end && d.edit.start < t.end);
        if clear && d.uses.iter().all(|u| covered_sorted(*u, &removed)) {
            taken.add(&d.edit);
        }
    }
    let mut taken = taken.edits;
    // The order `apply` uses, so that an editor applying them in array order
    // gets the same text.
    taken.sort_by(|a, b| {
        (&a.path, a.start, a.end, &a.new_text).cmp(&(&b.path, b.start, b.end, &b.new_text))
    });
    (taken, applied, skipped)
}

/// The edits [`combine`] has taken, indexed for the two questions it asks
/// of each new one, so that thousands of fixes cost thousands of lookups,
/// not a comparison of each edit with every other.
#[derive(Default)]
struct Taken {
    edits: Vec<Edit>,
    seen: std::collections::HashSet<Edit>,
    /// Per file: the positions the taken replacements cover, as disjoint
    /// `start → end` ranges (touching ranges merged).
    covered: std::collections::HashMap<Arc<str>, std::collections::BTreeMap<usize, usize>>,
    /// Per file: where taken insertions are.
    inserts: std::collections::HashMap<Arc<str>, std::collections::BTreeSet<usize>>,
}

impl Taken {
    fn contains(&self, e: &Edit) -> bool {
        self.seen.contains(e)
    }

    /// Whether `e` touches a taken edit. Two insertions at one point both
    /// apply (in the order of their text, which keeps import lines sorted);
    /// otherwise a replacement touches any taken edit that shares one of its
    /// positions or is inserted inside it, and an insertion touches a taken
    /// replacement that covers its point.
    fn touches(&self, e: &Edit) -> bool {
        let covering = self.covered.get(&e.path).and_then(|c| {
            // The last range starting before `e` ends (at its point, for an
            // insertion): the ranges are disjoint, so no earlier one reaches
            // further.
            c.range(..e.end.max(e.start + 1)).next_back()
        });
        if covering.is_some_and(|(_, &end)| end > e.start) {
            return true;
        }
        e.start < e.end
            && self
                .inserts
                .get(&e.path)
                .is_some_and(|i| i.range(e.start..e.end).next().is_some())
    }

    fn add(&mut self, e: &Edit) {
        if !self.seen.insert(e.clone()) {
            return;
        }
        self.edits.push(e.clone());
        if e.start == e.end {
            self.inserts
                .entry(e.path.clone())
                .or_default()
                .insert(e.start);
            return;
        }
        let covered = self.covered.entry(e.path.clone()).or_default();
        let (mut start, mut end) = (e.start, e.end);
        // Merge every range that overlaps or touches start..end.
        while let Some((&s, &t)) = covered.range(..=end).next_back() {
            if t < start {
                break;
            }
            covered.remove(&s);
            start = start.min(s);
            end = end.max(t);
        }
        covered.insert(start, end);
    }
}

/// Files changed by fixes: path → (old text, new text).
pub type Changed = std::collections::BTreeMap<String, (String, String)>;

/// The files a set of fixes changes, read from disk, with the applied and
/// skipped counts ([`combine`] picks the fixes).
pub fn apply_to_files<'f>(
    fixes: impl IntoIterator<Item = &'f Fix>,
) -> std::io::Result<(Changed, usize, usize)> {
    let (edits, applied, skipped) = combine(fixes);
    let mut by_path: std::collections::BTreeMap<String, Vec<Edit>> = Default::default();
    for e in edits {
        by_path.entry(e.path.to_string()).or_default().push(e);
    }
    let mut out = std::collections::BTreeMap::new();
    for (path, edits) in by_path {
        let old = std::fs::read_to_string(&path)?;
        let new = apply(&old, &edits).ok_or_else(|| {
            std::io::Error::other(format!("{path}: the fixes do not fit the file on disk"))
        })?;
        let new = align_comments(&old, &new);
        if new != old {
            out.insert(path, (old, new));
        }
    }
    Ok((out, applied, skipped))
}

/// The trailing-comment blocks of a text: runs of consecutive lines with the
/// same indentation that each hold code and a trailing `//` comment (gofmt
/// aligns the comments of such a run). Each line as (code, comment).
fn comment_blocks(text: &str) -> Vec<(usize, Vec<(String, String)>)> {
    let mut blocks: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    let mut prev_indent: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let split = trailing_comment(line);
        let indent: String = line.chars().take_while(|c| *c == '\t').collect();
        match split {
            Some((code, comment)) => {
                let continues = prev_indent.as_deref() == Some(indent.as_str())
                    && blocks.last().is_some_and(|(start, b)| start + b.len() == i);
                if !continues {
                    blocks.push((i, Vec::new()));
                }
                blocks.last_mut().unwrap().1.push((code, comment));
                prev_indent = Some(indent);
            }
            None => prev_indent = None,
        }
    }
    blocks
}

/// `code // comment` split after the code (trimmed), when the line has code
/// and a `//` comment outside string and rune literals.
fn trailing_comment(line: &str) -> Option<(String, String)> {
    let at = crate::syntax::line_comments(line).next()?;
    let code = line[..at].trim_end();
    if code.trim().is_empty() {
        return None;
    }
    Some((code.to_string(), line[at..].to_string()))
}

/// Re-aligns the trailing comments of the blocks a fix changed, as gofmt
/// would (one space after the longest code of the block): a line inserted
/// between two commented lines splits their alignment block. Blocks that
/// appear unchanged in `old` are left alone.
pub fn align_comments(old: &str, new: &str) -> String {
    let before: std::collections::HashSet<Vec<(String, String)>> =
        comment_blocks(old).into_iter().map(|(_, b)| b).collect();
    let mut lines: Vec<String> = new.lines().map(str::to_string).collect();
    let mut changed = false;
    for (start, block) in comment_blocks(new) {
        if before.contains(&block) {
            continue;
        }
        let width = block
            .iter()
            .map(|(c, _)| c.chars().count())
            .max()
            .unwrap_or(0);
        for (k, (code, comment)) in block.iter().enumerate() {
            let pad = width + 1 - code.chars().count();
            let line = format!("{code}{}{comment}", " ".repeat(pad));
            if lines[start + k] != line {
                lines[start + k] = line;
                changed = true;
            }
        }
    }
    if !changed {
        return new.to_string();
    }
    let mut out = lines.join("\n");
    if new.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Applies non-overlapping edits to `text` (later edits first). Returns
/// `None` when two edits overlap.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    // Insertions at one point land in the order of their text.
    sorted.sort_by(|a, b| (a.start, a.end, &a.new_text).cmp(&(b.start, b.end, &b.new_text)));
    for w in sorted.windows(2) {
        if w[1].start < w[0].end {
            return None;
        }
    }
    // Built front to back: replacing in place would move the rest of the
    // text once per edit.
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for e in sorted {
        if e.end > text.len() || e.start > e.end {
            return None;
        }
        out.push_str(text.get(done..e.start)?);
        out.push_str(&e.new_text);
        done = e.end;
    }
    out.push_str(&text[done..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which fixes `combine` takes, decided the slow way: each edit compared
    /// with every edit taken before it.
    fn taken_by_comparison(fixes: &[Fix]) -> Vec<Edit> {
        let mut sorted: Vec<&Fix> = fixes.iter().collect();
        sorted.sort_by_key(|f| f.edits.first().map(|e| e.start).unwrap_or(0));
        let mut taken: Vec<Edit> = Vec::new();
        for f in sorted {
            let conflicts = f.edits.iter().any(|e| {
                !taken.contains(e)
                    && taken.iter().any(|t| {
                        let both_inserts =
                            e.start == e.end && t.start == t.end && e.start == t.start;
                        t.path == e.path
                            && !both_inserts
                            && e.start < t.end.max(t.start + 1)
                            && t.start < e.end.max(e.start + 1)
                    })
            });
            if !conflicts && !f.edits.is_empty() {
                for e in f.edits.iter() {
                    if !taken.contains(e) {
                        taken.push(e.clone());
                    }
                }
            }
        }
        taken.sort_by(|a, b| {
            (&a.path, a.start, a.end, &a.new_text).cmp(&(&b.path, b.start, b.end, &b.new_text))
        });
        taken
    }

    #[test]
    fn combine_takes_what_comparing_every_pair_would() {
        let paths: [Arc<str>; 2] = ["a.go".into(), "b.go".into()];
        let mut random = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| random.below(n);
        for round in 0..300 {
            let fixes: Vec<Fix> = (0..1 + next(12))
                .map(|_| {
                    let edits = (0..1 + next(3))
                        .map(|_| {
                            let start = next(40);
                            // Insertions, short and long replacements.
                            let len = [0, 0, 1, 2, 5][next(5)];
                            Edit {
                                path: paths[next(2)].clone(),
                                start,
                                end: start + len,
                                new_text: ["x", "y"][next(2)].into(),
                            }
                        })
                        .collect();
                    fix("f", true, Applicability::Safe, edits)
                })
                .collect();
            let (edits, applied, skipped) = combine(&fixes);
            assert_eq!(edits, taken_by_comparison(&fixes), "round {round}");
            assert_eq!(applied + skipped, fixes.len());
        }
    }

    #[test]
    fn apply_inserts_at_one_point_in_the_order_of_their_text() {
        let e = |start, end, t: &str| Edit {
            path: "a.go".into(),
            start,
            end,
            new_text: t.into(),
        };
        let edits = [e(4, 4, "b"), e(0, 1, "X"), e(4, 4, "a"), e(5, 6, "")];
        assert_eq!(apply("0123456", &edits).as_deref(), Some("X123ab46"));
        assert_eq!(apply("0123", &[e(1, 3, ""), e(2, 2, "z")]), None);
    }

    /// The first expression of `x := EXPR` in a tiny Go file, re-spaced.
    fn at_depth(expr: &str, depth: usize) -> String {
        let src = format!("package p\n\nvar x = {expr}\n");
        let file = SourceFile::parse("p.go".to_string(), src);
        let mut found = None;
        crate::syntax::visit(file.root(), |n| {
            if n.kind_name() == "expression_list" {
                found = crate::syntax::named_children(n).next();
                return crate::syntax::Visit::Stop;
            }
            crate::syntax::Visit::Descend
        });
        expr_at_depth(found.unwrap(), &file.text, depth)
    }

    #[test]
    fn expressions_are_spaced_as_gofmt_spaces_them() {
        assert_eq!(at_depth("val + 1", 2), "val+1");
        assert_eq!(at_depth("val+1", 1), "val + 1");
        assert_eq!(at_depth("a + b*c", 1), "a + b*c");
        assert_eq!(at_depth("a + b*c", 2), "a+b*c");
        assert_eq!(at_depth("a == b + 1", 1), "a == b+1");
        assert_eq!(at_depth("a == b+1", 2), "a == b+1");
        assert_eq!(at_depth("x && y || z", 2), "x && y || z");
        assert_eq!(at_depth("f(a + b)", 2), "f(a + b)");
    }

    #[test]
    fn comments_of_a_split_block_are_realigned() {
        let old = "\tx := 1   // a\n\tyy := 22 // b\n";
        let new = "\tx := 1   // a\n\tmu.Unlock()\n\tyy := 22 // b\n";
        assert_eq!(
            align_comments(old, new),
            "\tx := 1 // a\n\tmu.Unlock()\n\tyy := 22 // b\n"
        );
        // Blocks the fix did not touch stay as they are.
        assert_eq!(align_comments(old, old), old);
    }
}

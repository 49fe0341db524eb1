//! Suppression comments, in the forms Go teams already write:
//!
//! | comment | silences |
//! |---|---|
//! | `//httpvet:ignore [CODE…] [reason]` | httpvet's rules (all, or those named) |
//! | `//nolint`, `//nolint:httpvet`, `//nolint:HV007,errcheck // reason` | golangci-lint's form |
//! | `//lint:ignore HV007 reason` | staticcheck's form |
//! | `//httpvet:file-ignore [CODE…] reason`, `//lint:file-ignore HV007 reason` | the whole file |
//!
//! A comment at the end of a line of code silences that line. A comment on
//! a line of its own silences the next line and, when a statement or a
//! declaration starts there, all of its lines. A rule is named by its code
//! or its name; names of other linters are left to them.
//!
//! An ignore of ours that silences nothing is reported, as is one without a
//! reason when the configuration requires one. A bare `//nolint` (every
//! linter) is honoured but never reported: it may be there for another one.

use crate::diagnostic::Found;
use crate::engine::Settings;
use crate::rules::{Rule, RULES};
use crate::source::SourceFile;
use crate::syntax::NodeKind;
use std::ops::RangeInclusive;

/// The comment forms, as written after `//`.
const FORMS: &[(&str, Scope)] = &[
    ("httpvet:ignore", Scope::Lines),
    ("httpvet:file-ignore", Scope::File),
    ("nolint", Scope::Lines),
    ("lint:ignore", Scope::Lines),
    ("lint:file-ignore", Scope::File),
];

/// Every form holds one of these (the test below says so): a text without
/// them has no suppression comment.
const SHARED: [&str; 2] = ["httpvet:", "lint"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    Lines,
    File,
}

/// One suppression comment of ours.
struct Ignore {
    /// The comment as written, for messages.
    text: String,
    /// Where the comment starts (0-based line and column).
    line: usize,
    column: usize,
    /// The 0-based lines it silences.
    lines: RangeInclusive<usize>,
    /// The rules it silences; `None` for every rule.
    rules: Option<Vec<&'static Rule>>,
    reason: bool,
    /// Reported when unused (not a bare `//nolint`).
    reported: bool,
    used: bool,
}

/// Drops the diagnostics silenced by suppression comments and returns what
/// to tell about the comments themselves (unused, missing a reason), as
/// `path:line:column: warning: …` lines. `ran(rule)` says whether a rule ran
/// on this file: an ignore of a rule that did not run is not unused.
pub fn apply<D: Found>(
    file: &SourceFile,
    diags: &mut Vec<D>,
    settings: &Settings,
    ran: impl Fn(&Rule) -> bool,
) -> Vec<String> {
    let mut ignores = ignores(file);
    if ignores.is_empty() {
        return Vec::new();
    }
    // A sweep in line order: each diagnostic looks only at the ignores
    // whose lines hold it (thousands of findings under thousands of
    // comments cost their count, not the product).
    let mut order: Vec<usize> = (0..diags.len()).collect();
    order.sort_by_key(|&k| diags[k].start().0);
    let mut by_start: Vec<usize> = (0..ignores.len()).collect();
    by_start.sort_by_key(|&i| *ignores[i].lines.start());
    let mut by_start = by_start.into_iter().peekable();
    let mut open: std::collections::BinaryHeap<std::cmp::Reverse<(usize, usize)>> =
        Default::default();
    let mut silenced = vec![false; diags.len()];
    for k in order {
        let (line, code) = (diags[k].start().0, diags[k].code());
        while let Some(i) = by_start.next_if(|&i| *ignores[i].lines.start() <= line) {
            open.push(std::cmp::Reverse((*ignores[i].lines.end(), i)));
        }
        while open.peek().is_some_and(|o| o.0 .0 < line) {
            open.pop();
        }
        for &std::cmp::Reverse((_, i)) in open.iter() {
            let i = &mut ignores[i];
            if i.rules
                .as_ref()
                .is_none_or(|rs| rs.iter().any(|r| r.code == code))
            {
                i.used = true;
                silenced[k] = true;
            }
        }
    }
    let mut k = 0;
    diags.retain(|_| {
        k += 1;
        !silenced[k - 1]
    });
    let mut notes = Vec::new();
    let at = |i: &Ignore| format!("{}:{}:{}", file.path, i.line + 1, i.column + 1);
    for i in &ignores {
        if settings.require_reason && !i.reason {
            notes.push(format!(
                "{}: warning: `{}` gives no reason; say why after it (require-reason is set)",
                at(i),
                i.text
            ));
        }
        let all_ran = match &i.rules {
            Some(rs) => rs.iter().all(|r| ran(r)),
            None => RULES.iter().all(|r| ran(r)),
        };
        if settings.report_unused_ignores() && i.reported && !i.used && all_ran {
            notes.push(format!(
                "{}: warning: `{}` silences nothing; remove it (or set report-unused-ignores = false)",
                at(i),
                i.text
            ));
        }
    }
    notes
}

/// True when `text` holds what a suppression comment starts with, or a
/// generated-file marker: a comment that may change what is reported.
pub fn may_direct(text: &str) -> bool {
    FORMS.iter().any(|(f, _)| text.contains(f)) || text.contains("Code generated")
}

/// The suppression comments of ours in `file`.
fn ignores(file: &SourceFile) -> Vec<Ignore> {
    let text = &file.text;
    let mut out = Vec::new();
    // A vectorised search, on every keystroke in files of any size: two
    // passes over the text, not one per form ([`SHARED`]).
    let holds = |f: &str| memchr::memmem::find(text.as_bytes(), f.as_bytes()).is_some();
    if !SHARED.iter().any(|f| holds(f)) {
        return out;
    }
    for pos in crate::syntax::line_comments(text) {
        let line_end =
            memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |e| pos + e);
        let body = &text[pos + 2..line_end];
        let Some(&(form, scope)) = FORMS.iter().find(|(f, _)| {
            let plain = body.strip_prefix(f);
            // Ours may be written `// httpvet:ignore`; the others are
            // machine-readable only without the space, as their tools say.
            let spaced =
                f.starts_with("httpvet:") && body.trim_start_matches(' ').strip_prefix(f).is_some();
            plain.is_some_and(|r| r.is_empty() || r.starts_with([' ', ':', '\t', '\r'])) || spaced
        }) else {
            continue;
        };
        let rest = body.trim_start_matches(' ')[form.len()..].trim_end_matches('\r');
        let Some((rules, reason, reported)) = parse(form, rest) else {
            continue;
        };
        let (line, column) = file.line_col(pos);
        let lines = match scope {
            Scope::File => 0..=usize::MAX,
            Scope::Lines => line..=covered_until(file, pos, line),
        };
        out.push(Ignore {
            text: format!("//{}", body.trim_end_matches('\r').trim_end()),
            line,
            column,
            lines,
            rules,
            reason,
            reported,
            used: false,
        });
    }
    out
}

/// What the comment names after its form: the rules (`None` for all),
/// whether it gives a reason, and whether it is reported when unused.
/// `None` when it names only other linters' checks.
#[allow(clippy::type_complexity)]
fn parse(form: &str, rest: &str) -> Option<(Option<Vec<&'static Rule>>, bool, bool)> {
    let ours = |name: &str| -> Option<Option<&'static Rule>> {
        if name.eq_ignore_ascii_case("httpvet") {
            return Some(None);
        }
        crate::rules::find(name).map(Some)
    };
    // The names, then the reason.
    let (names, reason): (Vec<&str>, &str) = match form {
        "nolint" => {
            let Some(list) = rest.strip_prefix(':') else {
                // Bare `//nolint`: every linter, ours included.
                return Some((None, !rest.trim().is_empty(), false));
            };
            let (list, reason) = match list.find(|c: char| c.is_whitespace()) {
                Some(at) => (
                    &list[..at],
                    list[at..].trim().trim_start_matches("//").trim(),
                ),
                None => (list, ""),
            };
            (list.split(',').map(str::trim).collect(), reason)
        }
        "lint:ignore" | "lint:file-ignore" => {
            let rest = rest.trim_start();
            let (list, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            (list.split(',').collect(), reason.trim())
        }
        _ => {
            // `httpvet:ignore HV001, HV007 reason`: codes until the first word
            // that is not one.
            let mut names = Vec::new();
            let mut reason = "";
            let mut left = rest.trim_start();
            while !left.is_empty() {
                let end = left
                    .find(|c: char| c.is_whitespace() || c == ',')
                    .unwrap_or(left.len());
                let word = &left[..end];
                if ours(word).is_none() {
                    reason = left.trim();
                    break;
                }
                names.push(word);
                left = left[end..].trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            }
            if names.is_empty() {
                return Some((None, !reason.is_empty(), true));
            }
            (names, reason)
        }
    };
    let mut rules = Vec::new();
    let mut all = false;
    for n in names.iter().filter(|n| !n.is_empty()) {
        match ours(n) {
            Some(None) => all = true,
            Some(Some(r)) => rules.push(r),
            None => {}
        }
    }
    if !all && rules.is_empty() {
        return None;
    }
    Some(((!all).then_some(rules), !reason.is_empty(), true))
}

/// The last line a comment starting at `pos` on `line` silences: its own
/// line when code precedes it there; else the next line, or the last line
/// of the statement or declaration that starts on it.
fn covered_until(file: &SourceFile, pos: usize, line: usize) -> usize {
    let text = &file.text;
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..pos].trim().is_empty() {
        return line;
    }
    let Some(next) = text[pos..].find('\n').map(|i| pos + i + 1) else {
        return line;
    };
    let first = next + (text[next..].len() - text[next..].trim_start_matches([' ', '\t']).len());
    let mut last = line + 1;
    let root = file.root_at(first);
    if let Some(mut n) = root.named_descendant_for_byte_range(first, first) {
        // The outermost node that starts there, short of the list of
        // statements (or the file) that holds it: the first statement of a
        // block starts where the block's statement list does.
        while let Some(p) = n.up() {
            let holds = crate::syntax::holds_statements(p) || p.id() == root.id();
            if p.start_byte() != first || holds {
                break;
            }
            n = p;
        }
        if n.start_byte() == first && n.kind_name() != "comment" {
            last = last.max(n.end_position().row);
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Location, Pos, Severity};

    #[test]
    fn every_form_holds_a_shared_needle() {
        for (form, _) in FORMS {
            assert!(
                SHARED.iter().any(|n| form.contains(n)),
                "{form} holds none of {SHARED:?}: files with only it would be skipped"
            );
        }
    }

    #[test]
    fn line_comments_are_the_trees_line_comments() {
        let src = concat!(
            "package p // one\n",
            "var a = \"// not \\\" // still not\" // two\n",
            "var b = '/' // three\n",
            "var c = '\\'' // four\n",
            "var d = `raw // not\n// not either` // five\n",
            "/* block // not\n // nor this */ var e = 1 // six\n",
            "var f = 1 /* x */ // seven\n",
            "func g() {\n\t// eight\n\tx := \"unterminated\n\t// nine\n}\n",
        );
        let file = SourceFile::parse("a.go".to_string(), src.to_string());
        let mut tree = Vec::new();
        crate::syntax::visit(file.root(), |n| {
            if n.kind_name() == "comment" && src[n.start_byte()..].starts_with("//") {
                tree.push(n.start_byte());
            }
            crate::syntax::Visit::Descend
        });
        let ours: Vec<usize> = crate::syntax::line_comments(src).collect();
        let words: Vec<&str> = ours
            .iter()
            .map(|&p| src[p + 3..].split('\n').next().unwrap())
            .collect();
        assert_eq!(
            words,
            ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        );
        // The unterminated string is an error the tree recovers from in its
        // own way; elsewhere the two agree.
        assert_eq!(&ours[..8], &tree[..8]);
    }

    fn diag(code: &'static str, line: usize) -> Diagnostic {
        let p = Pos {
            offset: 0,
            line,
            column: 1,
        };
        Diagnostic {
            code,
            name: "",
            severity: Severity::Warning,
            message: Default::default(),
            location: Location {
                path: "x.go".into(),
                start: p,
                end: p,
            },
            related: Default::default(),
            fixes: Default::default(),
        }
    }

    /// The lines (0-based) of `codes` that survive, and the notes.
    fn run(
        src: &str,
        found: &[(&'static str, usize)],
        settings: &Settings,
    ) -> (Vec<(&'static str, usize)>, Vec<String>) {
        let file = SourceFile::parse("x.go", src.to_string());
        let mut diags: Vec<Diagnostic> = found.iter().map(|&(c, l)| diag(c, l)).collect();
        let notes = apply(&file, &mut diags, settings, |_| true);
        (
            diags
                .iter()
                .map(|d| (d.code, d.location.start.line))
                .collect(),
            notes,
        )
    }

    const SRC: &str = "package p\n\nfunc f() {\n\ta() //nolint:HV007\n\t//lint:ignore HV001 the writer outlives the handler here\n\tif x {\n\t\tb()\n\t}\n\tc() //nolint:errcheck\n\td() //nolint:httpvet,errcheck // reason\n\te() //nolint\n\ts := \"//nolint:HV007\"\n\t_ = s\n}\n";

    #[test]
    fn each_form_silences_its_lines_and_rules() {
        let found = [
            ("HV007", 3),
            ("HV001", 3),
            ("HV001", 5),
            ("HV001", 6),
            ("HV007", 6),
            ("HV007", 8),
            ("HV003", 9),
            ("HV003", 10),
            ("HV007", 11),
        ];
        let (left, notes) = run(SRC, &found, &Settings::default());
        assert_eq!(
            left,
            vec![("HV001", 3), ("HV007", 6), ("HV007", 8), ("HV007", 11)]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn unused_ignores_are_reported_unless_turned_off() {
        let (_, notes) = run(SRC, &[], &Settings::default());
        // Three of ours; neither the bare nor the errcheck one.
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].starts_with("x.go:4:6: warning: `//nolint:HV007` silences nothing"));
        let off = Settings {
            unused_ignores: Some(false),
            ..Settings::default()
        };
        assert!(run(SRC, &[], &off).1.is_empty());
    }

    #[test]
    fn a_reason_can_be_required() {
        let strict = Settings {
            require_reason: true,
            unused_ignores: Some(false),
            ..Settings::default()
        };
        let (_, notes) = run(SRC, &[], &strict);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("`//nolint:HV007` gives no reason"));
        assert!(notes[1].contains("`//nolint` gives no reason"));
    }

    #[test]
    fn an_ignore_above_the_first_statement_covers_that_statement_only() {
        let src = "package p\n\nfunc f() {\n\t//nolint:HV007\n\ta()\n\tb()\n\tif x {\n\t\t//nolint:HV007\n\t\tc()\n\t\td()\n\t}\n}\n";
        let found = [("HV007", 4), ("HV007", 5), ("HV007", 8), ("HV007", 9)];
        let (left, notes) = run(src, &found, &Settings::default());
        assert_eq!(left, vec![("HV007", 5), ("HV007", 9)]);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn file_forms_silence_the_whole_file() {
        let src = "package p\n\n//httpvet:file-ignore HV007 generated tables\n//lint:file-ignore HV001 reviewed\nfunc f() {}\n";
        let (left, notes) = run(
            src,
            &[("HV007", 40), ("HV001", 2), ("HV003", 4)],
            &Settings::default(),
        );
        assert_eq!(left, vec![("HV003", 4)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn httpvet_forms_take_codes_names_and_a_reason() {
        let src = "package p\n\nfunc f() {\n\ta() // httpvet:ignore HV001, unsynchronized-map-write because\n\tb() //httpvet:ignore\n}\n";
        let (left, notes) = run(
            src,
            &[("HV001", 3), ("HV007", 3), ("HV003", 3), ("HV003", 4)],
            &Settings::default(),
        );
        assert_eq!(left, vec![("HV003", 3)]);
        assert!(notes.is_empty());
    }
}

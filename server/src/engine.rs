//! The engine: runs the selected rules over one file with its package index,
//! catches a panicking rule, applies suppression comments and settings.

use crate::diagnostic::{Diagnostic, Severity};
use crate::index::{FileSummary, PackageIndex};
use crate::rules::{dedupe, Context, Rule, RULES};
use crate::source::SourceFile;
use crate::syntax::flat::Kept;
use crate::syntax::imports::Imports;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which rules run and how loudly.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Codes or names to run; empty means all.
    pub select: Vec<String>,
    /// Codes or names never to run.
    pub ignore: Vec<String>,
    /// Severity per code.
    pub severity: HashMap<String, Severity>,
    /// Report suppression comments that silence nothing (default: yes).
    pub unused_ignores: Option<bool>,
    /// Report suppression comments that give no reason.
    pub require_reason: bool,
}

fn matches(rule: &Rule, keys: &[String]) -> bool {
    keys.iter()
        .any(|k| rule.code.eq_ignore_ascii_case(k) || rule.name == k)
}

impl Settings {
    pub fn enabled(&self, rule: &Rule) -> bool {
        (self.select.is_empty() || matches(rule, &self.select)) && !matches(rule, &self.ignore)
    }

    pub fn report_unused_ignores(&self) -> bool {
        self.unused_ignores.unwrap_or(true)
    }
}

/// The result of checking one file.
#[derive(Debug, Default)]
pub struct FileReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Rules that panicked, with the panic message.
    pub panics: Vec<String>,
    /// What to tell about the file's suppression comments (see
    /// [`crate::suppress::apply`]).
    pub notes: Vec<String>,
    /// Time spent checking (not parsing).
    pub elapsed: std::time::Duration,
}

/// Parses nothing: checks an already parsed file against its package, then
/// applies suppression comments and keeps one finding per code and line.
/// `kept` holds layouts of the file's declarations its summary made (see
/// [`FileSummary::keeping`]), read instead of laying them out again.
pub fn check_file(
    file: &SourceFile,
    imports: &Imports,
    index: &PackageIndex<'_>,
    settings: &Settings,
    kept: Kept,
) -> FileReport {
    let scope = file.top_level().collect();
    let mut report = check_scope(file, imports, index, settings, scope, kept);
    let test_code = is_test_code(file, imports);
    let ran = |r: &Rule| runs(r, test_code, settings);
    report.notes = crate::suppress::apply(file, &mut report.diagnostics, settings, ran);
    dedupe(&mut report.diagnostics);
    report
}

/// Suppression comments, then one finding per code and line, in order.
pub fn finish<D: crate::diagnostic::Found>(file: &SourceFile, diags: &mut Vec<D>) {
    suppress(file, diags);
    dedupe(diags);
}

/// Runs the enabled rules over some top-level declarations of a file: the
/// raw findings, before suppression (see [`finish`]). Layouts in `kept`
/// are read instead of laying those declarations out again.
pub fn check_scope<'a>(
    file: &'a SourceFile,
    imports: &'a Imports,
    index: &'a PackageIndex<'a>,
    settings: &Settings,
    scope: Vec<tree_sitter::Node<'a>>,
    kept: Kept,
) -> FileReport {
    let started = std::time::Instant::now();
    let mut report = FileReport::default();
    if file.is_generated() {
        return report;
    }
    // Every rule walks the declarations it checks, many times over: a
    // batch of them at a time is laid out as arrays (see
    // [`crate::syntax::flat`]), which walks and parent climbs read instead
    // of moving a cursor, and dropped before the next batch, so the
    // layouts never hold more than a batch's nodes per thread. Batches
    // are independent: a large file's are checked on all threads (the
    // layouts are per thread), their findings kept in file order.
    // A batch as large as many (one long function) is checked by two
    // threads at once, each taking the next rule not yet taken: otherwise
    // a file of one huge handler is checked on one thread, rule after
    // rule, while the others wait. Both read one layout of the batch (the
    // one the summary kept, or one made here first), and each derives what
    // its rules share.
    // Asked only of a batch that large: asking starts rayon's threads.
    let two_threads = || crate::threads() > 1;
    let mut kept = kept;
    type Job<'a> = (usize, Vec<tree_sitter::Node<'a>>, Rules, Kept);
    let jobs: Vec<Job<'a>> = crate::syntax::batches(scope)
        .enumerate()
        .flat_map(|(n, batch)| {
            let mine = kept.take(&batch);
            match crate::syntax::is_shared(&batch) && two_threads() {
                true => {
                    let shared = mine.completed(file.line_starts(), &batch);
                    let queue = Rules::Queue(Default::default());
                    vec![
                        (n, batch.clone(), queue.clone(), shared.clone()),
                        (n, batch, queue, shared),
                    ]
                }
                false => vec![(n, batch, Rules::All, mine)],
            }
        })
        .collect();
    // Each batch takes its layouts to the thread that checks it.
    // Asked once for all batches (it may read the disk).
    let test_code = is_test_code(file, imports);
    let check = |(n, batch, rules, mine): Job<'a>| {
        let _laid_out = crate::syntax::flat::adopt(mine);
        let checked = check_batch(file, imports, index, settings, test_code, batch, rules);
        (n, checked)
    };
    type Checked = (usize, (Vec<(usize, Vec<Diagnostic>)>, Vec<String>));
    let mut results: Vec<Checked> = crate::map_in_parallel(jobs, check);
    // In file order, and within a batch in the order of the rules, however
    // its rules were shared out.
    let mut pieces: Vec<(usize, usize, Vec<Diagnostic>)> = Vec::new();
    for (n, (found, _)) in &mut results {
        pieces.extend(found.drain(..).map(|(rule, d)| (*n, rule, d)));
    }
    pieces.sort_by_key(|&(n, rule, _)| (n, rule));
    for (_, _, diagnostics) in pieces {
        // The first list is taken as it is, not copied.
        match report.diagnostics.is_empty() {
            true => report.diagnostics = diagnostics,
            false => report.diagnostics.extend(diagnostics),
        }
    }
    for (_, (_, panics)) in results {
        // Once, whichever batches it panicked on.
        for said in panics {
            if !report.panics.contains(&said) {
                report.panics.push(said);
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// True when `rule` is enabled and checks a file that is `test_code` or not
/// (see [`is_test_code`], asked once per file: it may read the disk): a
/// rule that leaves tests alone skips test code.
fn runs(rule: &Rule, test_code: bool, settings: &Settings) -> bool {
    settings.enabled(rule) && (rule.in_tests || !test_code)
}

/// True for test code: a `_test.go` file; a test helper beside the code (a
/// file that imports `testing` or a test framework such as testify or
/// Gomega: harnesses, fake servers, fixtures, compiled only into tests in
/// practice); or a file of a test-support package, named `test`,
/// `testutil` or, as Go names them, `…test` (`httptest`, `iotest`); or a
/// file in a directory of test support, at any depth (`testutils/`,
/// `testing/`: `test/testutils/pinning/fake.go`).
pub fn is_test_code(file: &SourceFile, imports: &Imports) -> bool {
    imports.has_test_framework() || only_in_tests(file)
}

/// True for code that only test binaries run: a `_test.go` file, or a file
/// of a test-support package or directory (see [`is_test_code`]). Not a
/// file that merely imports `testing`: a command may run
/// `testing.Benchmark` for its users.
pub fn only_in_tests(file: &SourceFile) -> bool {
    file.is_test()
        || is_test_package(&crate::index::package_name(file))
        || in_test_support_dir(&file.path)
}

/// True when a directory above `path` is named as test support is:
/// `testutil`, `testutils`, `testhelper(s)`, `testing`, or, inside a module,
/// as a test-support package is (`…test`: `tstest/natlab/…`, `e2etest/…`;
/// a module or a checkout of its own named `speedtest` is a project). Not
/// `test` or `tests`, where a project may well live, nor `testdata`, whose
/// programs are checked as what they are when named.
fn in_test_support_dir(path: &str) -> bool {
    let path = std::path::Path::new(path);
    path.ancestors().skip(1).any(|dir| {
        let Some(d) = dir.file_name().and_then(|d| d.to_str()) else {
            return false;
        };
        matches!(
            d,
            "testutil" | "testutils" | "testhelper" | "testhelpers" | "testing"
        ) || (!matches!(d, "test" | "tests" | "testdata")
            && is_test_package(d)
            // Rare: the disk is read only for such a name.
            && crate::gomod::nearest_above(dir).is_some())
    })
}

/// True for the name of a package that supports tests (see [`is_test_code`]).
pub fn is_test_package(name: &str) -> bool {
    let name = name.strip_suffix('s').unwrap_or(name);
    let word = ["latest", "contest", "attest", "protest", "detest"];
    name.ends_with("test") && !word.contains(&name)
        || matches!(name, "testutil" | "testhelper" | "testing" | "testdata")
}

/// Which of the rules one job runs over its batch.
#[derive(Clone)]
enum Rules {
    All,
    /// The rules not yet taken by another job over the same batch: each
    /// job takes the next, costliest first (see [`BY_COST`]), so that one
    /// costly rule runs on one thread while the others run on the other.
    Queue(std::sync::Arc<std::sync::atomic::AtomicUsize>),
}

/// The rules by their index in [`RULES`], the costliest first on large
/// generated and real files: a job that takes one late finds it short.
const BY_COST: [usize; 12] = [2, 6, 9, 8, 11, 4, 0, 1, 5, 10, 3, 7];

impl Rules {
    /// The index in [`RULES`] of the next rule this job runs.
    fn next(&self, taken: &mut usize) -> Option<usize> {
        match self {
            Rules::All => {
                let i = *taken;
                *taken += 1;
                (i < RULES.len()).then_some(i)
            }
            Rules::Queue(next) => {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                BY_COST.get(i).copied()
            }
        }
    }
}

/// The enabled rules (those of `part`) over one batch of declarations,
/// laid out while they run, in a file that is `test_code` or not: the
/// findings, and what the rules that panicked said.
fn check_batch<'a>(
    file: &'a SourceFile,
    imports: &'a Imports,
    index: &'a PackageIndex<'a>,
    settings: &Settings,
    test_code: bool,
    batch: Vec<tree_sitter::Node<'a>>,
    part: Rules,
) -> (Vec<(usize, Vec<Diagnostic>)>, Vec<String>) {
    let (mut diagnostics, mut panics) = (Vec::new(), Vec::new());
    let _laid_out = crate::syntax::flat::flatten(file.line_starts(), batch.iter().copied());
    let cx = Context::scoped(file, imports, index, batch);
    let mut taken = 0;
    while let Some(i) = part.next(&mut taken) {
        let rule = &RULES[i];
        if !runs(rule, test_code, settings) {
            continue;
        }
        let mut found = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| (rule.check)(&cx, &mut found))) {
            Ok(()) => {
                if let Some(sev) = settings.severity.get(rule.code) {
                    for d in &mut found {
                        d.severity = *sev;
                    }
                }
                if !found.is_empty() {
                    diagnostics.push((i, found));
                }
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                panics.push(format!("{} panicked on {}: {msg}", rule.code, file.path));
            }
        }
    }
    (diagnostics, panics)
}

/// Drops the diagnostics that suppression comments silence (see
/// [`crate::suppress`]).
pub fn suppress<D: crate::diagnostic::Found>(file: &SourceFile, diags: &mut Vec<D>) {
    crate::suppress::apply(file, diags, &Settings::default(), |_| false);
}

/// A parsed file with its imports and summary, ready to be checked.
pub struct Unit {
    pub file: SourceFile,
    pub imports: Imports,
    pub summary: std::sync::Arc<FileSummary>,
    /// The layout the summary made, when the check may read it (see
    /// [`FileSummary::keeping`]).
    laid_out: std::sync::Mutex<Option<crate::syntax::flat::Kept>>,
}

impl Unit {
    pub fn new(file: SourceFile) -> Unit {
        Unit::calling(file, None)
    }

    /// [`Unit::new`], for a package whose calls name only `called` (see
    /// [`crate::index::called_names`]); `None` when that is not known.
    pub fn calling(file: SourceFile, called: Option<&crate::index::Called>) -> Unit {
        let imports = Imports::of(&file);
        let (summary, laid_out) =
            FileSummary::keeping(&file, &imports, crate::rules::collect_facts, called);
        Unit::of(file, imports, summary, laid_out)
    }

    /// A unit for its summary only: a file no rule checks.
    pub fn summarised(file: SourceFile, called: Option<&crate::index::Called>) -> Unit {
        let imports = Imports::of(&file);
        let summary = FileSummary::of(&file, &imports, crate::rules::collect_facts, called);
        Unit::of(file, imports, summary, None)
    }

    fn of(file: SourceFile, imports: Imports, summary: FileSummary, kept: Option<Kept>) -> Unit {
        Unit {
            file,
            imports,
            summary: std::sync::Arc::new(summary),
            laid_out: std::sync::Mutex::new(kept),
        }
    }

    /// Checks the file against its package's index, reading the layouts
    /// its summary kept.
    pub fn check(&self, index: &PackageIndex<'_>, settings: &Settings) -> FileReport {
        let kept = self.laid_out.lock().map(|mut k| k.take()).ok().flatten();
        let kept = kept.unwrap_or_default();
        check_file(&self.file, &self.imports, index, settings, kept)
    }
}

/// The key that groups files into packages: the package clause, with `_test`
/// packages apart.
pub fn package_key(summary: &FileSummary) -> &str {
    &summary.package
}

/// Checks the parsed files of one directory: builds the package index per
/// package clause (from `units` and the summaries of `siblings`, files of
/// the directory that need no check), then checks each unit against it.
pub fn check_units(
    units: &[Unit],
    siblings: &[std::sync::Arc<FileSummary>],
    settings: &Settings,
) -> Vec<(usize, FileReport)> {
    let mut packages: HashMap<&str, Vec<&FileSummary>> = HashMap::new();
    for s in units.iter().map(|u| &u.summary).chain(siblings) {
        packages.entry(package_key(s)).or_default().push(s);
    }
    let indexes: HashMap<&str, PackageIndex> = packages
        .into_iter()
        .map(|(k, v)| (k, PackageIndex::new(v)))
        .collect();
    crate::map_in_parallel(units.iter().enumerate().collect(), |(i, u)| {
        let index = &indexes[package_key(&u.summary)];
        (i, u.check(index, settings))
    })
}

/// Checks a single Go text on its own (a package of one file).
pub fn check_source(path: &str, text: String, settings: &Settings) -> FileReport {
    let unit = Unit::new(SourceFile::parse(path, text));
    let index = PackageIndex::new(vec![&unit.summary]);
    unit.check(&index, settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_batch_runs_every_rule_once() {
        let mut by_cost = BY_COST.to_vec();
        by_cost.sort();
        assert_eq!(by_cost, (0..RULES.len()).collect::<Vec<_>>());
    }

    /// One handler long enough for two threads to share its rules, with
    /// findings of several rules; it is checked the same, in the same
    /// order, on one thread and on two.
    #[test]
    fn a_shared_batch_finds_what_one_thread_finds() {
        let mut s = String::from("package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n)\n\nvar seen = map[string]int{}\nvar mu sync.Mutex\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n");
        // Its bytes mostly in one comment: the lines are what cost.
        s.push_str(&format!(
            "\t// {}\n",
            "x".repeat(crate::syntax::SHARED_BYTES)
        ));
        let mut i = 0;
        while i * 9 < crate::syntax::SHARED_LINES + 100 {
            s.push_str(&format!("\tseen[r.URL.Path] += {i}\n\tmu.Lock()\n\tfmt.Fprintln(w, {i})\n\tmu.Unlock()\n\tc{i} := make(chan int)\n\tgo func() {{ c{i} <- {i} }}()\n\tif r.URL.Path == \"/{i}\" {{\n\t\treturn\n\t}}\n"));
            i += 1;
        }
        s.push_str("}\n");
        let found = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .stack_size(crate::cli::STACK_BYTES)
                .build()
                .unwrap();
            let report = pool.install(|| check_source("a.go", s.clone(), &Settings::default()));
            assert!(report.panics.is_empty(), "{:?}", report.panics);
            report
                .diagnostics
                .iter()
                .map(|d| (d.code, d.location.start.line, d.message.clone()))
                .collect::<Vec<_>>()
        };
        let one = found(1);
        let codes: std::collections::BTreeSet<&str> = one.iter().map(|d| d.0).collect();
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            ["HV003", "HV007", "HV010"]
        );
        assert_eq!(found(2), one);
    }

    /// The nodes a check of `text` makes from layouts, on one thread: its
    /// work, counted rather than timed.
    fn work(text: String) -> u64 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .stack_size(crate::cli::STACK_BYTES)
            .build()
            .unwrap();
        pool.install(|| {
            crate::syntax::flat::MADE.with(|m| m.set(0));
            let report = check_source("a.go", text, &Settings::default());
            assert!(report.panics.is_empty(), "{:?}", report.panics);
            crate::syntax::flat::MADE.with(|m| m.get())
        })
    }

    /// Twice the input, at most about twice the work, in every shape that
    /// once cost a square: many things in one handler that share a name, a
    /// channel, a lock or an `if` chain, each found by a look at the
    /// others or at the rest of the function; and deep nesting.
    #[test]
    fn work_grows_linearly_with_the_input() {
        let handler = |n: usize, each: &dyn Fn(usize) -> String| {
            let mut s = String::from("package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n\t\"sync/atomic\"\n)\n\nvar seen = map[string]int{}\nvar mu sync.Mutex\n\ntype S struct {\n\tn int64\n}\n\nfunc (s *S) h(w http.ResponseWriter, r *http.Request) {\n\tres := make(chan int)\n\tx := 0\n");
            (0..n).for_each(|i| s.push_str(&each(i)));
            s.push_str("\t<-res\n\tfmt.Fprintln(w, x)\n\t_ = atomic.AddInt64\n}\n");
            s
        };
        let nested = |n: usize, open: &str, close: &str| {
            handler(1, &|_| {
                format!(
                    "{}seen[r.URL.Path]++\nx++\n{}",
                    open.repeat(n),
                    close.repeat(n)
                )
            })
        };
        type Shape<'a> = (&'a str, Box<dyn Fn(usize) -> String + 'a>);
        let shapes: Vec<Shape> = vec![
            (
                "goroutines and returns",
                Box::new(|n| {
                    handler(n, &|i| {
                        format!("\tc{i} := make(chan int)\n\tgo func() {{ c{i} <- {i} }}()\n\tif r.URL.Path == \"/{i}\" {{\n\t\treturn\n\t}}\n")
                    })
                }),
            ),
            (
                "senders on one channel",
                Box::new(|n| handler(n, &|i| format!("\tgo func() {{ res <- {i} }}()\n"))),
            ),
            (
                "map writes",
                Box::new(|n| handler(n, &|i| format!("\tseen[r.URL.Path] += {i}\n"))),
            ),
            (
                "writes under one lock",
                Box::new(|n| {
                    handler(n, &|i| {
                        format!("\tmu.Lock()\n\tfmt.Fprintln(w, {i})\n\tmu.Unlock()\n")
                    })
                }),
            ),
            (
                "locks each released by a defer",
                Box::new(|n| {
                    handler(n, &|i| {
                        format!("\tmu.Lock()\n\tdefer mu.Unlock()\n\tfmt.Fprintln(w, {i})\n")
                    })
                }),
            ),
            (
                "atomics",
                Box::new(|n| handler(n, &|_| "\tatomic.AddInt64(&s.n, 1)\n\ts.n++\n".into())),
            ),
            (
                "statuses",
                Box::new(|n| {
                    handler(n, &|i| {
                        format!("\tif r.URL.Path == \"/{i}\" {{\n\t\tw.WriteHeader(201)\n\t}}\n")
                    })
                }),
            ),
            (
                "unnamed handler literals",
                Box::new(|n| {
                    handler(n, &|_| {
                        "\tgo func(w http.ResponseWriter, r *http.Request) {}(w, r)\n".repeat(3)
                    })
                }),
            ),
            (
                "goroutines of a handler handed a WaitGroup",
                Box::new(|n| {
                    let mut s = String::from("package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request, wg *sync.WaitGroup) {\n");
                    for i in 0..n {
                        s.push_str(&format!(
                            "\tgo func() {{ defer wg.Done(); fmt.Fprintln(w, {i}) }}()\n"
                        ));
                    }
                    s.push_str("}\n");
                    s
                }),
            ),
            ("nested blocks", Box::new(move |n| nested(n, "{\n", "}\n"))),
            (
                "nested ifs",
                Box::new(move |n| nested(n, "if x > 0 {\n", "}\n")),
            ),
            (
                "nested goroutines",
                Box::new(move |n| nested(n, "go func() {\n", "}()\n")),
            ),
            (
                "nested goroutines in loops",
                Box::new(move |n| nested(n, "for i := 0; i < 2; i++ {\ngo func() {\n", "}()\n}\n")),
            ),
            (
                "nested handler literals",
                Box::new(move |n| {
                    nested(
                        n,
                        "http.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {\n",
                        "})\n",
                    )
                }),
            ),
            (
                "nested selects",
                Box::new(move |n| nested(n, "select {\ncase <-r.Context().Done():\n", "}\n")),
            ),
        ];
        for (name, make) in shapes {
            let (once, twice) = (work(make(300)), work(make(600)));
            assert!(
                twice * 4 <= once * 10,
                "{name}: {once} nodes made for 300, {twice} for 600"
            );
        }
    }

    fn test_code(path: &str, text: &str) -> bool {
        let file = SourceFile::parse(path, text.to_string());
        let imports = Imports::of(&file);
        is_test_code(&file, &imports)
    }

    /// A handler whose `if` has `n` `else if`s, each writing a status; then
    /// `tail`.
    fn else_if_chain(n: usize, tail: &str) -> String {
        let mut s = String::from("package p\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tif r.URL.Path == \"\" {\n\t\tw.WriteHeader(400)\n");
        for i in 0..n {
            s.push_str(&format!(
                "\t}} else if r.URL.Path == \"/{i}\" {{\n\t\tw.WriteHeader(201)\n"
            ));
        }
        s.push_str(&format!("\t}}\n{tail}}}\n"));
        s
    }

    #[test]
    fn an_else_if_chain_is_followed_branch_by_branch_however_long() {
        let settings = Settings::default();
        // Longer than the flow walker's nesting bound: still one level.
        for n in [3, 1_000] {
            let quiet = check_source("a.go", else_if_chain(n, ""), &settings);
            assert!(quiet.diagnostics.is_empty(), "{n}: {:?}", quiet.diagnostics);
            let again = check_source(
                "a.go",
                else_if_chain(n, "\tw.WriteHeader(500)\n"),
                &settings,
            );
            let codes: Vec<&str> = again.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, ["HV009"], "{n}");
        }
    }

    #[test]
    fn test_code_is_told_by_name_imports_and_package() {
        assert!(test_code("a_test.go", "package a\n"));
        assert!(test_code("fake.go", "package a\n\nimport \"testing\"\n"));
        // A helper that asserts with a test framework is compiled into tests.
        for framework in [
            "github.com/stretchr/testify/require",
            "github.com/onsi/gomega",
            "github.com/onsi/ginkgo/v2",
            "gotest.tools/v3/assert",
        ] {
            let text = format!("package a\n\nimport (\n\t\"net/http\"\n\t\"{framework}\"\n)\n");
            assert!(test_code("server.go", &text), "{framework}");
        }
        assert!(test_code("fake.go", "package apitest\n"));
        assert!(!test_code(
            "server.go",
            "package latest\n\nimport \"net/http\"\n"
        ));
        assert!(!test_code(
            "server.go",
            "package a\n\nimport \"github.com/stretchr/objx\"\n"
        ));
    }
}

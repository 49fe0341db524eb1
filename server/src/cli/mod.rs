//! The command line front door: `check`, `rules`, `explain`, `--version`.

mod baseline;
mod diff;
mod output;
mod sarif;
pub mod walk;

pub use output::Finding;

use crate::config::Config;
use crate::engine::{check_units, Settings, Unit};
use crate::index::FileSummary;
use crate::rules::{find, RULES};
use crate::source::SourceFile;
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "httpvet",
    version,
    about = "Finds and fixes the concurrency bugs of Go net/http servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Go files and directories (default: the current directory).
    Check(CheckArgs),
    /// List the rules: code, name and summary.
    Rules,
    /// Run the language server on stdin/stdout (started by editors).
    Lsp,
    /// Print a rule's documentation.
    Explain {
        /// A code (HV003) or a name (abandoned-unbuffered-send).
        rule: String,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only run these rules (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Never run these rules (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Print the count per rule and the time spent parsing and checking (on stderr).
    #[arg(long)]
    statistics: bool,
    /// Apply the safe fix of each finding (the preferred one when safe);
    /// write each changed file atomically.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Print the preferred fixes as a unified diff; write nothing.
    #[arg(long)]
    diff: bool,
    /// With --fix or --diff, apply unsafe fixes too (they may change what
    /// the program does; each one's title says how).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Use this configuration file instead of searching for httpvet.toml.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Report only the findings this baseline does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in FILE (then `--baseline FILE` hides them);
    /// prints nothing else and exits 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "baseline"])]
    write_baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other viewers.
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
}

/// The stack of every thread that checks code: the flow walker recurses as
/// deep as statements nest (to a bound), and a debug build's frames are
/// large. Only the pages used are ever touched.
pub const STACK_BYTES: usize = 16 << 20;

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    // The language server keeps glibc's own allocator settings: it frees
    // and makes large buffers of the same sizes on every keystroke (a copy
    // of the text, for one), which glibc then keeps in the heap, where a
    // fixed threshold would map and unmap them each time (about 30 page
    // faults a keystroke in a 6,000-line file).
    if !matches!(cli.command, Command::Lsp) {
        crate::tune_allocator();
    }
    match cli.command {
        Command::Rules => {
            let mut out = String::new();
            for r in RULES {
                out.push_str(&format!("{}  {:<28} {}\n", r.code, r.name, r.summary));
            }
            print!("{out}");
            0
        }
        Command::Explain { rule } => match find(&rule) {
            Some(r) => {
                println!(
                    "# {} {}\n\n{}\n\n{}",
                    r.code,
                    r.name,
                    r.summary,
                    r.docs.trim_end()
                );
                0
            }
            None => {
                eprintln!("httpvet: unknown rule {rule:?} (see `httpvet rules`)");
                2
            }
        },
        Command::Check(args) => check(args),
        Command::Lsp => crate::lsp::run_stdio(),
    }
}

/// Everything `check` found, with the time it took.
#[derive(Default)]
pub struct Run {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub warnings: Vec<String>,
    /// Files that could not be checked (unreadable, not a regular file, not
    /// UTF-8, not Go): each makes `check` exit 2.
    pub errors: Vec<String>,
    /// Go files left out by a configuration's `exclude`.
    pub excluded: usize,
    /// Findings hidden because `--baseline` records them.
    pub known: usize,
    pub parse_time: Duration,
    pub check_time: Duration,
}

impl Run {
    /// The fix `--fix` applies for each finding that has one allowed (see
    /// [`Finding::fix_to_apply`]).
    pub fn fixes(&self, unsafe_ok: bool) -> Vec<&crate::diagnostic::Fix> {
        self.findings
            .iter()
            .filter_map(|f| f.fix_to_apply(unsafe_ok))
            .collect()
    }

    /// The fixes [`Run::fixes`] picks in one file.
    pub fn fixes_in(&self, path: &str, unsafe_ok: bool) -> Vec<crate::diagnostic::Fix> {
        self.findings
            .iter()
            .filter(|f| &*f.path == path)
            .filter_map(|f| f.fix_to_apply(unsafe_ok).cloned())
            .collect()
    }

    /// The first alternative (non-preferred) fix of each finding that has one.
    pub fn alternatives(&self) -> Vec<&crate::diagnostic::Fix> {
        self.findings
            .iter()
            .filter_map(|f| f.fixes.iter().find(|x| !x.preferred))
            .collect()
    }
}

fn check(args: CheckArgs) -> i32 {
    for key in args.select.iter().chain(&args.ignore) {
        if find(key).is_none() {
            eprintln!("httpvet: unknown rule {key:?} (see `httpvet rules`)");
            return 2;
        }
    }
    let settings = Settings {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        ..Settings::default()
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let run = match check_paths_with(&paths, &settings, args.config.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("httpvet: {e}");
            return 2;
        }
    };
    // Never freed: the process ends when this returns, and freeing a large
    // file's findings one by one took a tenth of its check.
    let mut run = std::mem::ManuallyDrop::new(run);
    if let Some(file) = &args.write_baseline {
        if let Err(e) = baseline::write(file, &run.findings) {
            eprintln!("httpvet: {e}");
            return 2;
        }
        eprintln!(
            "httpvet: {} recorded in {}",
            plural(run.findings.len(), "finding"),
            file.display()
        );
        return if run.errors.is_empty() { 0 } else { 2 };
    }
    if let Some(file) = &args.baseline {
        match baseline::filter(file, &mut run.findings) {
            Ok(n) => run.known = n,
            Err(e) => {
                eprintln!("httpvet: {e}");
                return 2;
            }
        }
    }
    for w in &run.warnings {
        eprintln!("httpvet: {w}");
    }
    for e in &run.errors {
        eprintln!("httpvet: error: {e}");
    }
    if run.files == 0 && run.excluded > 0 {
        eprintln!(
            "httpvet: warning: every Go file found ({}) is excluded by the configuration's `exclude`; nothing was checked",
            run.excluded
        );
    }
    let failed = if run.errors.is_empty() { None } else { Some(2) };
    if args.fix || args.diff {
        let config = args.config.clone();
        let known = args.baseline.clone();
        // Later passes see the baseline too: only new findings are fixed.
        let recheck = || {
            let mut run = check_paths_with(&paths, &settings, config.as_deref())?;
            if let Some(file) = &known {
                run.known = baseline::filter(file, &mut run.findings)?;
            }
            Ok(run)
        };
        let code = apply_fixes(std::mem::ManuallyDrop::into_inner(run), &args, recheck);
        return failed.unwrap_or(code).max(code);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Text => {
            let mut s = String::new();
            for f in &run.findings {
                s.push_str(&f.text_line());
                s.push('\n');
            }
            s.push_str(&summary_line(&run));
            s.push('\n');
            out.write_all(s.as_bytes())
        }
        Format::Json => serde_json::to_writer_pretty(&mut out, &run.findings)
            .map_err(std::io::Error::other)
            .and_then(|_| out.write_all(b"\n")),
        Format::Sarif => sarif::write(&run.findings, &mut out).and_then(|_| out.write_all(b"\n")),
        Format::Github => {
            let mut s = String::new();
            for f in &run.findings {
                s.push_str(&f.github_line());
                s.push('\n');
            }
            out.write_all(s.as_bytes())
        }
    };
    if written.and_then(|_| out.flush()).is_err() {
        return 2;
    }
    if args.statistics {
        eprint!("{}", statistics(&run));
    }
    if let Some(code) = failed {
        return code;
    }
    if run.findings.is_empty() {
        0
    } else {
        1
    }
}

fn summary_line(run: &Run) -> String {
    let files = run
        .findings
        .iter()
        .map(|f| &*f.path)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let mut checked = format!("{} checked", plural(run.files, "file"));
    if run.excluded > 0 {
        checked.push_str(&format!(", {} excluded", run.excluded));
    }
    if !run.errors.is_empty() {
        checked.push_str(&format!(
            ", {} not checked (see the errors above)",
            run.errors.len()
        ));
    }
    if run.known > 0 {
        checked.push_str(&format!("; {} in the baseline not shown", run.known));
    }
    if run.findings.is_empty() {
        return format!("httpvet: no findings ({checked})");
    }
    let mut s = format!(
        "httpvet: `httpvet explain {}` tells what a rule catches and how to fix it\n",
        run.findings[0].code
    );
    s.push_str(&format!(
        "httpvet: {} in {} ({checked})",
        plural(run.findings.len(), "finding"),
        plural(files, "file")
    ));
    let safe = run.fixes(false).len();
    let unsafe_only = run.fixes(true).len() - safe;
    if safe > 0 {
        s.push_str(&format!("; {safe} fixable with --fix [*]"));
    }
    if unsafe_only > 0 {
        s.push_str(&format!(
            "; {unsafe_only} more with --unsafe-fixes [~] (may change behaviour)"
        ));
    }
    s
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The count per rule and the time split, as `--statistics` prints it.
pub fn statistics(run: &Run) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &run.findings {
        *counts.entry(f.code).or_default() += 1;
    }
    let mut s = String::new();
    for r in RULES {
        s.push_str(&format!(
            "{:>6}  {} {}\n",
            counts.get(r.code).copied().unwrap_or(0),
            r.code,
            r.name
        ));
    }
    s.push_str(&format!(
        "{:>6}  total in {} files; parsing {:.2}s, checking {:.2}s (thread time)\n",
        run.findings.len(),
        run.files,
        run.parse_time.as_secs_f64(),
        run.check_time.as_secs_f64()
    ));
    s
}

/// Words that a file must contain for any rule to look at it.
const TRIGGERS: &[&str] = &[
    "net/http",
    "make(chan",
    "Hijack()",
    "Shutdown",
    "sync/atomic",
];

/// True when `text` holds a word some rule starts from ([`TRIGGERS`]).
fn triggered(text: &str) -> bool {
    TRIGGERS.iter().any(|t| text.contains(t))
}

/// Checks files and directories with the configuration files found beside them.
pub fn check_paths(paths: &[PathBuf], settings: &Settings) -> Result<Run, String> {
    check_paths_with(paths, settings, None)
}

/// Checks files and directories in parallel: directories (largest first)
/// and the files within each. Each directory uses the `httpvet.toml` found by
/// walking up from it (or `config` when given), overridden by `overrides`.
/// A broken configuration is an error before anything is checked.
pub fn check_paths_with(
    paths: &[PathBuf],
    overrides: &Settings,
    config: Option<&Path>,
) -> Result<Run, String> {
    let explicit = match config {
        Some(p) => Some(Arc::new(Config::load(p).map_err(|e| e.to_string())?)),
        None => None,
    };
    let mut loaded: HashMap<PathBuf, Arc<Config>> = HashMap::new();
    let mut dirs: Vec<(PathBuf, Vec<PathBuf>, Settings)> = Vec::new();
    let mut excluded = 0;
    // A file named on its own is checked against its whole package: the
    // other files of its directory are read for the package's declarations,
    // not reported.
    let named_files: std::collections::HashSet<PathBuf> = paths
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    for (dir, files) in walk::go_files(paths)? {
        let cfg = match &explicit {
            Some(c) => Some(c.clone()),
            None => match crate::config::find(&dir) {
                Some(path) => Some(match loaded.get(&path) {
                    Some(c) => c.clone(),
                    None => {
                        let c = Arc::new(Config::load(&path).map_err(|e| e.to_string())?);
                        loaded.insert(path, c.clone());
                        c
                    }
                }),
                None => None,
            },
        };
        let found = files.len();
        let (settings, files): (Settings, Vec<PathBuf>) = match &cfg {
            Some(c) => (
                crate::config::merge(&c.settings, overrides),
                files.into_iter().filter(|f| !c.excludes(f)).collect(),
            ),
            None => (overrides.clone(), files),
        };
        excluded += found - files.len();
        dirs.push((dir, files, settings));
    }
    dirs.sort_by_key(|(_, files, _)| std::cmp::Reverse(files.len()));
    let results: Vec<Run> = crate::map_in_parallel(dirs, |(dir, files, settings)| {
        let context = match named_files.contains(&dir) {
            true => walk::other_go_files(&dir, &files),
            false => Vec::new(),
        };
        check_dir(&files, &context, &settings)
    });
    let mut run = Run {
        excluded,
        ..Run::default()
    };
    for r in results {
        run.findings.extend(r.findings);
        run.files += r.files;
        run.warnings.extend(r.warnings);
        run.errors.extend(r.errors);
        run.parse_time += r.parse_time;
        run.check_time += r.check_time;
    }
    // In place: a stable sort would take a buffer of half the findings.
    // Findings at one place by one rule are ordered by where they end,
    // then by what they say.
    run.findings.sort_unstable_by(|a, b| {
        let key = |f: &Finding| (f.line, f.column, f.code, f.end_line, f.end_column);
        (a.path.cmp(&b.path))
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.message.cmp(&b.message))
    });
    Ok(run)
}

/// Checks the Go files of one directory against their packages: parse each
/// file once and summarise it; keep its tree only when a rule may look at it.
/// The `context` files (of the same directory) are only read for their
/// package's declarations: never reported, nor counted.
pub fn check_dir(files: &[PathBuf], context: &[PathBuf], settings: &Settings) -> Run {
    let mut run = Run::default();
    // Files a rule may look at, and the others: summary and text only.
    let mut kept: Vec<Unit> = Vec::new();
    let mut others: Vec<(Arc<FileSummary>, SourceText)> = Vec::new();
    let texts: Vec<Result<String, String>> =
        crate::map_in_parallel(files.iter().collect(), |p| read_go(p));
    // A package (the files of the directory with one package clause) none
    // of whose files has a trigger word is one no rule looks at: nothing can
    // be found in it, and its files are not parsed. A file whose clause a
    // glance cannot find, or that cannot be read as Go, goes the long way
    // (to be told as before), and so does its directory.
    let idle: Vec<bool> = {
        let clauses: Option<Vec<&str>> = texts
            .iter()
            .map(|t| t.as_ref().ok().and_then(|t| package_clause(t)))
            .collect();
        match clauses {
            None => vec![false; texts.len()],
            Some(clauses) => {
                let looked_at: HashSet<&str> = texts
                    .iter()
                    .zip(&clauses)
                    .filter(|(t, _)| t.as_ref().is_ok_and(|t| triggered(t)))
                    .map(|(_, c)| *c)
                    .collect();
                clauses.iter().map(|c| !looked_at.contains(c)).collect()
            }
        }
    };
    run.files += idle.iter().filter(|i| **i).count();
    // The names the package's calls name, the context files' too: only
    // their functions' parameters are followed.
    let context_texts: Vec<Result<String, String>> =
        crate::map_in_parallel(context.iter().collect(), |p| read_go(p));
    let called = {
        let mut called = crate::index::Called::new();
        let all = texts.iter().zip(&idle).filter(|(_, idle)| !**idle);
        let all = all.map(|(t, _)| t).chain(&context_texts);
        for text in all.flatten() {
            crate::index::called_names(text, &mut called);
        }
        called
    };
    let called = Some(&called);
    let busy = (files.iter().zip(texts).zip(idle))
        .filter(|(_, idle)| !idle)
        .map(|(loaded, _)| loaded)
        .collect();
    let loaded: Vec<((Loaded, Option<String>), Duration)> =
        crate::map_in_parallel(busy, |(path, text)| {
            let t = Instant::now();
            let l = match text {
                Ok(text) => load_text(path, text, called),
                Err(why) => skipped(path, why),
            };
            (l, t.elapsed())
        });
    for ((l, warning), took) in loaded {
        run.parse_time += took;
        run.warnings.extend(warning);
        match l {
            Loaded::Kept(u) => kept.push(u),
            Loaded::Other(summary, text) => others.push((summary, text)),
            Loaded::Skipped(e) => {
                run.errors.push(e);
                continue;
            }
        }
        run.files += 1;
    }
    // A file that mentions what a checked sibling's facts wake (a package
    // variable it updates atomically) needs checking too: parse it again
    // (rare).
    let woken: Vec<String> = kept
        .iter()
        .flat_map(|u| u.summary.facts.iter().filter_map(|f| f.wakes()))
        .map(str::to_string)
        .collect();
    let context = context.iter().zip(context_texts).collect();
    let mut siblings: Vec<Arc<FileSummary>> = crate::map_in_parallel(context, |(path, text)| {
        match text.map(|t| load_text(path, t, called).0) {
            Ok(Loaded::Kept(u)) => Some(u.summary),
            Ok(Loaded::Other(summary, _)) => Some(summary),
            Ok(Loaded::Skipped(_)) | Err(_) => None,
        }
    })
    .into_iter()
    .flatten()
    .collect();
    for (summary, (path, text)) in others {
        if woken.iter().any(|n| text.contains(n.as_str())) {
            kept.push(Unit::calling(SourceFile::parse(path, text), called));
        } else {
            siblings.push(summary);
        }
    }
    for (i, report) in check_units(&kept, &siblings, settings) {
        let u = &kept[i];
        run.check_time += report.elapsed;
        run.warnings.extend(report.panics);
        run.warnings.extend(report.notes);
        // Each diagnostic is freed as its finding is made; a file's many
        // findings are made on all threads, a run of them at a time. Their
        // fixes stay in bytes: lines and columns are worked out only if a
        // format prints them.
        let lines = output::FileLines::of(&u.file, &u.file.path);
        let finding = |d| Finding::of(d, &u.file, &lines);
        if report.diagnostics.len() <= FINDINGS_AT_ONCE {
            run.findings
                .extend(report.diagnostics.into_iter().map(finding));
            continue;
        }
        crate::start_threads();
        let found: Vec<Vec<Finding>> = report
            .diagnostics
            .into_par_iter()
            .chunks(FINDINGS_AT_ONCE)
            .map(|run| run.into_iter().map(finding).collect())
            .collect();
        run.findings.extend(found.into_iter().flatten());
    }
    // A small directory's leftovers are freed here, faster than a thread
    // could start to take them.
    let bytes: usize = kept.iter().map(|u| u.file.text.len()).sum();
    match bytes < BURY_FROM {
        true => drop((kept, siblings)),
        false => bury((kept, siblings)),
    }
    run
}

/// From how many bytes of checked source a directory's leftovers are freed
/// by [`bury`].
const BURY_FROM: usize = 64 << 10;

/// How many of a file's findings one thread makes at a time.
const FINDINGS_AT_ONCE: usize = 512;

/// Frees what a directory's check leaves behind (its trees, layouts and
/// summaries) on a thread of its own, so that the run goes on, or ends,
/// without waiting for it: freeing a large file's trees takes a tenth of
/// the time parsing them did. One burial at a time: a directory waits here
/// while the one before is still being freed, so no more trees are held
/// than before (one directory per checking thread, and the one being
/// freed). A run's end does not wait: the process's exit frees the rest.
fn bury<T: Send + 'static>(leftovers: T) {
    type Grave = std::sync::mpsc::SyncSender<Box<dyn Send>>;
    static GRAVE: std::sync::OnceLock<Option<std::sync::Mutex<Grave>>> = std::sync::OnceLock::new();
    let grave = GRAVE.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Box<dyn Send>>(0);
        std::thread::Builder::new()
            .name("httpvet-free".into())
            .spawn(move || receive.into_iter().for_each(drop))
            .ok()
            .map(|_| std::sync::Mutex::new(send))
    });
    let leftovers: Box<dyn Send> = Box::new(leftovers);
    // Without the thread (it could not start), or should it be gone, they
    // are freed here.
    if let Some(grave) = grave {
        let grave = grave.lock().unwrap_or_else(|p| p.into_inner());
        let _ = grave.send(leftovers);
    }
}

type SourceText = (Arc<str>, String);

/// A file read and parsed: kept whole when a rule may look at it, else only
/// its summary and text; or skipped, with the reason.
enum Loaded {
    Kept(Unit),
    Other(Arc<FileSummary>, SourceText),
    Skipped(String),
}

/// The name in a file's package clause, when a glance finds it: the first
/// line that starts with `package`, with no block comment before it.
fn package_clause(text: &str) -> Option<&str> {
    let at = text
        .match_indices("package")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')?;
    if text[..at].contains("/*") {
        return None;
    }
    let name = text[at + "package".len()..]
        .strip_prefix([' ', '\t'])?
        .split(|c: char| c.is_whitespace() || c == ';' || c == '/')
        .find(|w| !w.is_empty())?;
    name.chars()
        .all(|c| c.is_alphanumeric() || c == '_')
        .then_some(name)
}

/// The text of a Go file, or why it is not checked.
fn read_go(path: &Path) -> Result<String, String> {
    let bytes = crate::source::read_regular(path).map_err(|e| walk::io_reason(&e))?;
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8; not checked".to_string())
}

fn skipped(path: &Path, why: String) -> (Loaded, Option<String>) {
    (Loaded::Skipped(format!("{}: {why}", path.display())), None)
}

/// A file read, parsed and summarised (its parameters followed in the
/// functions `called` names), and a warning about it (its first syntax
/// error).
fn load_text(
    path: &Path,
    text: String,
    called: Option<&crate::index::Called>,
) -> (Loaded, Option<String>) {
    let skipped = |why: String| skipped(path, why);
    // A file no rule looks at is only summarised.
    let checked = triggered(&text);
    let file = SourceFile::parse(path.to_string_lossy().into_owned(), text);
    let unit = match checked {
        true => Unit::calling(file, called),
        false => Unit::summarised(file, called),
    };
    if unit.summary.package.is_empty() {
        return skipped("not a Go file (no package clause); not checked".into());
    }
    let warning = unit.file.first_syntax_error().map(|line| {
        format!(
            "{}:{}: warning: this line does not parse (a syntax error, or syntax newer than httpvet's parser); the findings in this file may be incomplete",
            path.display(),
            line + 1
        )
    });
    let loaded = if checked {
        Loaded::Kept(unit)
    } else {
        let Unit { file, summary, .. } = unit;
        let path = file.path.clone();
        let text = file.text.clone();
        drop(file);
        Loaded::Other(summary, (path, std::sync::Arc::unwrap_or_clone(text)))
    };
    (loaded, warning)
}

/// Checks a path; the result in JSON form (used by tests and benchmarks).
pub fn check_path(path: &Path) -> Result<Vec<Finding>, String> {
    check_paths(&[path.to_path_buf()], &Settings::default()).map(|r| r.findings)
}

/// Applies the fixes of one file whose edits all touch that file, skipping
/// any that overlap an earlier one: the new text, and how many fixes were
/// applied and skipped.
pub fn fixed_text(text: &str, fixes: &[crate::diagnostic::Fix]) -> (String, usize, usize) {
    let (edits, applied, skipped) = crate::fix::combine(fixes);
    match crate::fix::apply(text, &edits) {
        Some(t) => (crate::fix::align_comments(text, &t), applied, skipped),
        None => (text.to_string(), 0, applied + skipped),
    }
}

/// How many passes `--fix` makes at most: a fix skipped because it touched
/// the same place as another is applied in the next pass, on fresh findings.
const FIX_PASSES: usize = 4;

/// What `--fix` did: the files it wrote and the findings left at the end.
pub struct FixReport {
    pub initial: usize,
    pub files: std::collections::BTreeSet<String>,
    pub left: Run,
    /// Whether unsafe fixes were allowed.
    pub unsafe_ok: bool,
}

/// Why a finding is left after `--fix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Left {
    /// httpvet offers no fix for it.
    NoFix,
    /// Only unsafe fixes, and `--unsafe-fixes` was not given.
    OnlyUnsafe,
    /// Its fix touched the same code as another fix in every pass.
    Conflict,
}

impl FixReport {
    /// Why `f` (one of the findings left) was not fixed.
    pub fn why(&self, f: &Finding) -> Left {
        if f.fixes.is_empty() {
            Left::NoFix
        } else if f.fix_to_apply(self.unsafe_ok).is_none() {
            Left::OnlyUnsafe
        } else {
            Left::Conflict
        }
    }

    /// `fixed 3 findings in 2 files; 2 left: 1 with no fix, 1 with only an
    /// unsafe fix (--unsafe-fixes applies it)`.
    pub fn summary(&self) -> String {
        let left = self.left.findings.len();
        let mut s = format!(
            "httpvet: fixed {} in {}; {left} left",
            plural(self.initial.saturating_sub(left), "finding"),
            plural(self.files.len(), "file"),
        );
        let mut why: BTreeMap<Left, usize> = BTreeMap::new();
        for f in &self.left.findings {
            *why.entry(self.why(f)).or_default() += 1;
        }
        let parts: Vec<String> = why
            .iter()
            .map(|(w, n)| match w {
                Left::NoFix => format!("{n} with no fix"),
                Left::OnlyUnsafe if *n == 1 => {
                    "1 with only an unsafe fix (--unsafe-fixes applies it)".to_string()
                }
                Left::OnlyUnsafe => {
                    format!("{n} with only unsafe fixes (--unsafe-fixes applies them)")
                }
                Left::Conflict => format!("{n} whose fix conflicts with another"),
            })
            .collect();
        if !parts.is_empty() {
            s.push_str(": ");
            s.push_str(&parts.join(", "));
        }
        s
    }
}

/// Applies the fixes [`Run::fixes`] picks (safe ones only unless
/// `unsafe_ok`) and writes the files, pass after pass (each on fresh
/// findings) until nothing more applies or [`FIX_PASSES`] passes.
pub fn fix_in_place(
    run: Run,
    unsafe_ok: bool,
    recheck: impl Fn() -> Result<Run, String>,
) -> Result<FixReport, String> {
    let initial = run.findings.len();
    let mut run = run;
    let mut files = std::collections::BTreeSet::new();
    for _ in 0..FIX_PASSES {
        let (changed, applied, _) =
            crate::fix::apply_to_files(run.fixes(unsafe_ok)).map_err(|e| e.to_string())?;
        for (path, (_, new)) in &changed {
            write_atomically(Path::new(path), new).map_err(|e| format!("{path}: {e}"))?;
            files.insert(path.clone());
        }
        if applied == 0 || changed.is_empty() {
            break;
        }
        run = recheck()?;
        if run.fixes(unsafe_ok).is_empty() {
            break;
        }
    }
    Ok(FixReport {
        initial,
        files,
        left: run,
        unsafe_ok,
    })
}

/// `--fix` (write, see [`fix_in_place`]) or `--diff` (print the first pass).
/// Exit 0 when every finding was fixed, 1 when some remain, 2 on an I/O error.
fn apply_fixes(run: Run, args: &CheckArgs, recheck: impl Fn() -> Result<Run, String>) -> i32 {
    if args.diff {
        let (changed, _, _) = match crate::fix::apply_to_files(run.fixes(args.unsafe_fixes)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("httpvet: {e}");
                return 2;
            }
        };
        let mut out = String::new();
        for (path, (old, new)) in &changed {
            let shown = diff_path(path);
            out.push_str(&diff::unified(
                old,
                new,
                &format!("a/{shown}"),
                &format!("b/{shown}"),
            ));
        }
        let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
        // As `check`: 1 when there are findings, whether the diff fixes them
        // all or not (it changes nothing on disk).
        return if run.findings.is_empty() { 0 } else { 1 };
    }
    let report = match fix_in_place(run, args.unsafe_fixes, recheck) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("httpvet: {e}");
            return 2;
        }
    };
    let left = report.left.findings.len();
    if args.format == Format::Json {
        // The findings left, as `check --format json` prints them.
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer_pretty(&mut out, &report.left.findings)
            .map_err(std::io::Error::other)
            .and_then(|_| out.write_all(b"\n"));
        eprintln!("{}", report.summary());
        if written.is_err() {
            return 2;
        }
    } else {
        for f in &report.left.findings {
            let why = match report.why(f) {
                Left::NoFix => "no fix",
                Left::OnlyUnsafe => "only an unsafe fix",
                Left::Conflict => "conflict",
            };
            eprintln!("httpvet: not fixed ({why}): {}", f.text_line());
        }
        println!("{}", report.summary());
    }
    if left == 0 {
        0
    } else {
        1
    }
}

/// A path as a diff header shows it after `a/` and `b/`: relative, without
/// a leading `./`, so `git apply` accepts it.
fn diff_path(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p
}

/// Writes through a temporary file in the same directory, then renames.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.httpvet-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::package_clause;

    #[test]
    fn a_glance_finds_the_package_clause_or_gives_up() {
        assert_eq!(package_clause("package a\n"), Some("a"));
        assert_eq!(
            package_clause("// Package b does things.\n//go:build linux\n\npackage b_test // x\n"),
            Some("b_test")
        );
        assert_eq!(package_clause("package\tc;"), Some("c"));
        // A block comment before it could hide a false clause: give up.
        assert_eq!(package_clause("/*\npackage d\n*/\npackage e\n"), None);
        assert_eq!(package_clause("packages f\n"), None);
        assert_eq!(package_clause("no clause here\n"), None);
        assert_eq!(package_clause("var s = `\npackage g`\n"), None);
    }
}

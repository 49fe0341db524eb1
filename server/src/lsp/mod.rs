//! The language server: `httpvet lsp`, beside gopls.
//!
//! Changes are applied to the document synchronously in their handler, in
//! arrival order; analysis runs on one worker task that always takes the
//! newest version of each changed document and publishes only results for
//! the version that is still current.

mod cache;
mod convert;
#[cfg(unix)]
mod pipe;
pub mod transport;
pub mod uri;

use crate::diagnostic::Severity;
use crate::document::{Change, Document};
use crate::engine::{check_scope, finish, Settings};
use crate::index::{package_name, FileSummary, PackageIndex};
use crate::position::Encoding;
use crate::source::SourceFile;
use crate::syntax::imports::Imports;
use std::collections::{BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

/// The code action kind that applies every preferred safe fix of a document.
pub const FIX_ALL: &str = "source.fixAll.httpvet";

/// One open document and what was last published for it.
struct Doc {
    doc: Document,
    /// The path as findings name it.
    name: Arc<str>,
    /// Shared with the job that analyses the document: an edit that arrives
    /// meanwhile copies it.
    cache: Arc<cache::FileCache>,
    path: Option<PathBuf>,
    summary: Option<Summary>,
    published: Arc<Vec<convert::Published>>,
    /// When the last change arrived (for HTTPVET_TRACE timings).
    changed_at: Option<std::time::Instant>,
    /// Published from a check of only the declarations an edit touched,
    /// after a change of the file's shape: a whole re-check is due.
    full_pending: bool,
}

impl Doc {
    /// The directory of the document's file: its package.
    fn dir(&self) -> Option<&Path> {
        self.path.as_ref().and_then(|p| p.parent())
    }
}

#[derive(Default)]
struct State {
    /// How the client takes diagnostics: its position encoding, and
    /// whether it accepts related information.
    form: convert::Form,
    settings: Settings,
    docs: HashMap<Uri, Doc>,
    /// Summaries of files read from disk (unopened siblings), by path.
    disk: HashMap<PathBuf, Summary>,
    /// Directories whose files are in `disk`.
    loaded_dirs: BTreeSet<PathBuf>,
    /// Documents waiting for analysis.
    dirty: BTreeSet<Uri>,
    /// The configuration file that applies to each directory, if any.
    config_of_dir: HashMap<PathBuf, Option<PathBuf>>,
    /// The last good contents of each configuration file.
    configs: HashMap<PathBuf, Arc<crate::config::Config>>,
}

pub struct Backend {
    client: Client,
    publisher: transport::Publisher,
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
}

/// Runs the server on stdin/stdout until the client exits.
pub fn run_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(crate::cli::STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("httpvet: cannot start the runtime: {e}");
            return 2;
        }
    };
    // On a worker thread, not `block_on`'s: a task that the handling of a
    // message wakes (the analysis) then runs next on the same thread, its
    // data still in that core's caches, instead of waiting for another
    // thread to be woken.
    let served = runtime.block_on(async {
        let (input, output) = stdio();
        tokio::spawn(transport::serve(input, output)).await
    });
    if served.is_err() {
        eprintln!("httpvet: the server stopped unexpectedly");
        return 2;
    }
    0
}

type Input = Box<dyn tokio::io::AsyncRead + Unpin + Send>;
type Output = Box<dyn tokio::io::AsyncWrite + Unpin + Send>;

/// Standard input and output: as non-blocking pipes when they are pipes or
/// sockets (see [`pipe`]), else tokio's blocking standard streams.
fn stdio() -> (Input, Output) {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let input = pipe::Pipe::new(std::io::stdin().as_fd());
        let output = pipe::Pipe::new(std::io::stdout().as_fd());
        (
            input.map_or_else(|| Box::new(tokio::io::stdin()) as Input, |p| Box::new(p)),
            output.map_or_else(|| Box::new(tokio::io::stdout()) as Output, |p| Box::new(p)),
        )
    }
    #[cfg(not(unix))]
    {
        (Box::new(tokio::io::stdin()), Box::new(tokio::io::stdout()))
    }
}

/// The service; [`transport::serve`] runs it on a stream (stdio, or an
/// in-memory pipe in tests) and publishes through `publisher`.
pub fn service(
    publisher: transport::Publisher,
) -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::new(|client| {
        let state = Arc::new(Mutex::new(State::default()));
        let wake = Arc::new(Notify::new());
        tokio::spawn(worker(
            client.clone(),
            publisher.clone(),
            state.clone(),
            wake.clone(),
        ));
        Backend {
            client,
            publisher,
            state,
            wake,
        }
    })
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic while holding the lock leaves consistent data: keep going.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Settings from `initializationOptions` or `didChangeConfiguration`: either
/// `{ "select": [...], "ignore": [...], "severity": { "HV001": "error" } }` or
/// the same under an `"httpvet"` key.
pub fn parse_settings(value: &serde_json::Value) -> std::result::Result<Settings, String> {
    let v = value.get("httpvet").unwrap_or(value);
    let mut s = Settings::default();
    let list = |key: &str| -> std::result::Result<Vec<String>, String> {
        match v.get(key) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| {
                    let k = x
                        .as_str()
                        .ok_or(format!("{key}: expected rule codes or names"))?;
                    crate::rules::find(k)
                        .map(|r| r.code.to_string())
                        .ok_or(format!("{key}: unknown rule {k:?}"))
                })
                .collect(),
            Some(_) => Err(format!("{key}: expected a list of rules")),
        }
    };
    s.select = list("select")?;
    s.ignore = list("ignore")?;
    if let Some(map) = v.get("severity").and_then(|m| m.as_object()) {
        for (k, sev) in map {
            let rule = crate::rules::find(k).ok_or(format!("severity: unknown rule {k:?}"))?;
            let sev = sev.as_str().and_then(Severity::parse).ok_or(format!(
                "severity.{k}: expected error, warning, info or hint"
            ))?;
            s.severity.insert(rule.code.to_string(), sev);
        }
    }
    Ok(s)
}

impl Backend {
    /// Finds (once per directory) and loads (once per file) the configuration
    /// that applies to a document.
    async fn load_config_for(&self, path: Option<&Path>) {
        let Some(dir) = path.and_then(|p| p.parent()).map(Path::to_path_buf) else {
            return;
        };
        if lock(&self.state).config_of_dir.contains_key(&dir) {
            return;
        }
        let d = dir.clone();
        let found = tokio::task::spawn_blocking(move || crate::config::find(&d))
            .await
            .ok()
            .flatten();
        let known = {
            let mut st = lock(&self.state);
            st.config_of_dir.insert(dir, found.clone());
            found.as_ref().is_none_or(|p| st.configs.contains_key(p))
        };
        if let (Some(p), false) = (found, known) {
            self.reload_config(&p).await;
        }
    }

    /// Reads a configuration file; a broken one is shown once and the last
    /// good one stays in use.
    async fn reload_config(&self, path: &Path) {
        let p = path.to_path_buf();
        let loaded = tokio::task::spawn_blocking(move || crate::config::Config::load(&p)).await;
        match loaded {
            Ok(Ok(c)) => {
                lock(&self.state)
                    .configs
                    .insert(path.to_path_buf(), Arc::new(c));
            }
            Ok(Err(e)) => {
                self.client
                    .show_message(MessageType::ERROR, format!("httpvet: {e}"))
                    .await;
            }
            Err(_) => {}
        }
    }

    fn mark_dirty(&self, uris: impl IntoIterator<Item = Uri>) {
        let mut st = lock(&self.state);
        let before = st.dirty.len();
        st.dirty.extend(uris);
        if st.dirty.len() != before {
            self.wake.notify_one();
        }
    }

    async fn log(&self, typ: MessageType, msg: String) {
        eprintln!("httpvet: {msg}");
        self.client.log_message(typ, msg).await;
    }
}

/// The `.go` files of a directory.
fn go_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "go") && p.is_file())
        .collect()
}

/// Reads and summarises a file from disk.
fn summarise(path: &Path) -> Option<Summary> {
    let text = std::fs::read_to_string(path).ok()?;
    let file = SourceFile::parse(path.to_string_lossy().into_owned(), text);
    Some(Summary::new(
        crate::engine::Unit::summarised(file, None).summary,
    ))
}

/// A file's summary, as the checks of its siblings read it, with the hash
/// of its [`shape`] made once: every keystroke in a sibling compares the
/// shapes of the package's other files, and writing one out costs about as
/// much as checking a declaration.
#[derive(Clone)]
struct Summary {
    of: Arc<FileSummary>,
    shape: u64,
}

impl Summary {
    fn new(of: Arc<FileSummary>) -> Summary {
        let shape = cache::hash_of(shape(&of));
        Summary { of, shape }
    }
}

/// What the worker needs to analyse one document, taken under the lock.
struct Job {
    uri: Uri,
    version: i32,
    /// The document's text and trees, named as findings name it.
    file: SourceFile,
    siblings: Vec<Summary>,
    settings: Settings,
    form: convert::Form,
    cache: Arc<cache::FileCache>,
    /// Excluded by the configuration: publish nothing.
    excluded: bool,
    changed_at: Option<std::time::Instant>,
    /// Re-check every declaration when the shape changed (else only those
    /// an edit touched, and [`Doc::full_pending`] is set).
    full: bool,
}

fn take_job(st: &mut State) -> Option<Job> {
    let uri = st.dirty.pop_first()?;
    job_for(st, &uri, false)
}

/// How long typing must pause before a whole re-check starts: it would
/// take a core from the keystrokes while they come.
const FULL_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);

/// A whole re-check that a document's last analysis left due, once typing
/// in it has paused; else how long until the first one is due.
fn take_full_job(st: &mut State) -> std::result::Result<Job, Option<std::time::Duration>> {
    let mut wait: Option<std::time::Duration> = None;
    let mut due = None;
    for (u, d) in &st.docs {
        if !d.full_pending {
            continue;
        }
        let since = d.changed_at.map_or(FULL_PAUSE, |t| t.elapsed());
        if since >= FULL_PAUSE {
            due = Some(u.clone());
            break;
        }
        let left = FULL_PAUSE - since;
        wait = Some(wait.map_or(left, |w| w.min(left)));
    }
    match due {
        Some(uri) => job_for(st, &uri, true).ok_or(wait),
        None => Err(wait),
    }
}

fn job_for(st: &State, uri: &Uri, full: bool) -> Option<Job> {
    let doc = st.docs.get(uri)?;
    let dir = doc.dir().map(Path::to_path_buf);
    let own = doc.path.clone();
    let mut siblings: Vec<Summary> = Vec::new();
    if let Some(dir) = &dir {
        // Open documents take precedence over disk.
        let open: HashMap<&Path, &Summary> = st
            .docs
            .values()
            .filter_map(|d| Some((d.path.as_deref()?, d.summary.as_ref()?)))
            .collect();
        for (p, s) in &st.disk {
            if p.parent() == Some(dir) && Some(p) != own.as_ref() && !open.contains_key(p.as_path())
            {
                siblings.push(s.clone());
            }
        }
        for (p, s) in &open {
            if p.parent() == Some(dir.as_path()) && Some(*p) != own.as_deref() {
                siblings.push((*s).clone());
            }
        }
    }
    // The team's httpvet.toml, overridden by the editor's settings.
    let config = dir
        .as_ref()
        .and_then(|d| st.config_of_dir.get(d).cloned().flatten())
        .and_then(|p| st.configs.get(&p).cloned());
    let (settings, excluded) = match &config {
        Some(c) => (
            crate::config::merge(&c.settings, &st.settings),
            doc.path.as_ref().is_some_and(|p| c.excludes(p)),
        ),
        None => (st.settings.clone(), false),
    };
    Some(Job {
        full,
        changed_at: doc.changed_at,
        excluded,
        uri: uri.clone(),
        version: doc.doc.version,
        file: doc.doc.source(doc.name.clone()),
        siblings,
        settings,
        form: st.form,
        cache: doc.cache.clone(),
    })
}

struct Outcome {
    diagnostics: Vec<convert::Published>,
    /// Only the touched declarations were re-checked after a shape change.
    partial: bool,
    /// The file's summary when its package-level shape changed.
    summary: Option<Arc<FileSummary>>,
    /// The cache the job read, and what to make of it.
    read: Arc<cache::FileCache>,
    update: cache::Update,
    panics: Vec<String>,
}

/// How many new declarations an analysis lays out (see [`crate::syntax::flat`]).
const LAY_OUT_AT_MOST: usize = 16;

/// Checks a document, re-using the findings of the declarations an edit did
/// not touch.
fn analyse(job: Job) -> Outcome {
    let Job {
        file,
        siblings,
        mut settings,
        form,
        cache: read,
        excluded,
        full,
        changed_at,
        ..
    } = job;
    if excluded {
        // Nothing runs on an excluded file.
        settings.select = vec!["-".to_string()];
    }
    let t0 = std::time::Instant::now();
    let imports = Imports::of(&file);
    let package = package_name(&file);
    let t_parts = t0.elapsed();
    // The entries the edits and the re-parse left are declarations of this
    // tree as they were; only the text between them that is not white space
    // holds new or changed declarations.
    let new_entry = |lead: usize, d: tree_sitter::Node| {
        let summary =
            FileSummary::of_decl(&file, &imports, &package, d, crate::rules::collect_facts);
        let shape = cache::hash_of(shape(&summary));
        cache::Entry::new(lead, d, summary, shape)
    };
    let mut reused = cache::reuse(&read.entries, &file);
    let imported = cache::imported(&imports);
    cache::renew_for_imports(&mut reused, &read, &imported, &file);
    // The few declarations an edit touched are summarised now and walked by
    // every rule below: lay them out once for all of these walks. (Laying
    // out a whole file, when it is opened, costs about as much time as it
    // saves, and memory.)
    let touched: Vec<tree_sitter::Node> = reused
        .iter()
        .filter_map(|r| match r {
            cache::Reused::New(_, d) => Some(*d),
            cache::Reused::Kept(..) => None,
        })
        .collect();
    let _laid_out = (touched.len() <= LAY_OUT_AT_MOST)
        .then(|| crate::syntax::flat::flatten(file.line_starts(), touched));
    let mut fresh: Vec<tree_sitter::Node> = Vec::new();
    let mut slots: Vec<cache::Slot> = reused
        .into_iter()
        .map(|e| match e {
            cache::Reused::Kept(i, lead) => cache::Slot::Kept(i, lead),
            cache::Reused::New(lead, d) => {
                fresh.push(d);
                cache::Slot::New(new_entry(lead, d))
            }
        })
        .collect();
    let siblings: Vec<Summary> = siblings
        .into_iter()
        .filter(|s| s.of.package == package)
        .collect();
    let imports_text: Vec<&str> = slots
        .iter()
        .map(|s| s.entry(&read))
        .filter(|e| e.kind == "import_declaration")
        // Its exact text: where a fix adds an import depends on it.
        .map(|e| &file.text[e.start..e.end])
        .collect();
    let context = cache::hash_of((
        &package,
        imports_text,
        slots
            .iter()
            .map(|s| s.entry(&read).shape)
            .collect::<Vec<_>>(),
        siblings.iter().map(|s| s.shape).collect::<Vec<_>>(),
        format!("{settings:?}"),
    ));
    let shape_changed = context != read.context;
    // After a change of shape by an edit, a keystroke re-checks only what it touched
    // and publishes at once; the whole re-check follows off its path.
    let partial = shape_changed && !full && !fresh.is_empty() && fresh.len() < slots.len();
    let stale: Vec<tree_sitter::Node> = if shape_changed && !partial {
        for s in &mut slots {
            s.own(&read).diags = None;
        }
        file.top_level().collect()
    } else {
        fresh
    };
    let t_entries = t0.elapsed();
    let mut panics = Vec::new();
    let stale_count = stale.len();
    let mut t_index = t_entries;
    let mut lookup = read.lookup.clone().filter(|(c, _)| *c == context);
    if !stale.is_empty() {
        let files: Vec<&FileSummary> = slots
            .iter()
            .map(|s| &*s.entry(&read).summary)
            .chain(siblings.iter().map(|s| &*s.of))
            .collect();
        // In the same context, the summaries have the same shapes: the
        // declarations sit where they sat.
        let index = match lookup {
            Some((_, l)) => PackageIndex::with_lookup(files, l),
            None => PackageIndex::new(files),
        };
        // Kept for a document being typed in (tables of a large package
        // weigh megabytes: not one copy per open file).
        lookup = changed_at.is_some().then(|| (context, index.lookup()));
        t_index = t0.elapsed();
        let kept = Default::default();
        let report = check_scope(&file, &imports, &index, &settings, stale, kept);
        drop(index);
        panics = report.panics;
        let mut fresh: HashMap<usize, Vec<cache::Finding>> = HashMap::new();
        for d in report.diagnostics {
            let at = d.location.start.offset;
            let i = slots
                .partition_point(|s| s.entry(&read).end <= at)
                .min(slots.len().saturating_sub(1));
            if slots.get(i).is_some_and(|s| s.entry(&read).diags.is_none()) {
                fresh.entry(i).or_default().push(cache::Finding::new(d));
            }
        }
        for (i, s) in slots.iter_mut().enumerate() {
            if s.entry(&read).diags.is_none() {
                s.own(&read)
                    .set_findings(fresh.remove(&i).unwrap_or_default());
            }
        }
    }
    let t_check = t0.elapsed();
    cache::settle_unpublished(&mut slots, &read, &file.path);
    let entries = || slots.iter().map(|s| s.entry(&read));
    let mut all: Vec<cache::Shown> = entries().flat_map(|e| e.shown()).collect();
    finish(&file, &mut all);
    // A partial check leaves the summary, and the other documents of the
    // package, to the whole re-check that follows.
    let summary = (shape_changed && !partial).then(|| {
        let mut merged = FileSummary {
            path: Some(file.path.clone()),
            package: package.clone(),
            ..FileSummary::default()
        };
        for e in entries() {
            merged.append(FileSummary::clone(&e.summary));
        }
        Arc::new(merged)
    });
    let t1 = t0.elapsed();
    // A finding that did not move since it was last published keeps its
    // serialised form (kept entries are the cache's own: the form made now
    // stays there).
    let diagnostics: Vec<convert::Published> =
        all.iter().map(|f| f.published(&file, form)).collect();
    trace(|| {
        format!(
            "analyse: shape_changed={shape_changed} entries={} stale={} parts {t_parts:?} entries {t_entries:?} index {t_index:?} check {t_check:?} finish {t1:?} total {:?}",
            slots.len(),
            stale_count,
            t0.elapsed()
        )
    });
    // A partial check keeps the context it was told: the next check still
    // sees the change of shape.
    let context = if partial { read.context } else { context };
    Outcome {
        diagnostics,
        partial,
        summary,
        update: cache::Update {
            slots,
            context,
            imports: imported,
            lookup,
        },
        read,
        panics,
    }
}

/// With `HTTPVET_TRACE` set, where each keystroke's time goes, on stderr.
fn trace(message: impl FnOnce() -> String) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("HTTPVET_TRACE").is_some()) {
        eprintln!("{}", message());
    }
}

/// The package-level shape of a summary: every fact but positions. When it
/// changes, the other declarations and open files of the package need a new
/// check.
fn shape(s: &FileSummary) -> String {
    let mut out = s.package.clone();
    for v in &s.vars {
        out.push_str(&format!("|v{}:{:?}:{:?}", v.name, v.kind, v.ty));
    }
    for f in &s.fields {
        out.push_str(&format!(
            "|f{}.{}:{:?}:{}:{}",
            f.type_name, f.name, f.kind, f.type_text, f.embedded
        ));
    }
    for t in &s.types {
        out.push_str(&format!("|t{t:?}"));
    }
    // Functions' facts hold no positions: all of them count.
    for f in &s.funcs {
        out.push_str(&format!("|F{f:?}"));
    }
    for f in s.facts.iter() {
        out.push_str(&format!("|{}", f.shape()));
    }
    out
}

/// What the analysis tasks share: the client, the publisher, the state and
/// the worker's wake-up.
#[derive(Clone)]
struct Worker {
    client: Client,
    publisher: transport::Publisher,
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
}

async fn worker(
    client: Client,
    publisher: transport::Publisher,
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
) {
    let w = Worker {
        client,
        publisher,
        state,
        wake,
    };
    let folding = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
    loop {
        w.wake.notified().await;
        loop {
            let Some(job) = take_job(&mut lock(&w.state)) else {
                w.start_full_recheck(&full);
                // On its own thread, so that the next keystroke's analysis
                // does not wait for it; one at a time.
                if !folding.swap(true, std::sync::atomic::Ordering::AcqRel) {
                    let (state, folding) = (w.state.clone(), folding.clone());
                    tokio::task::spawn_blocking(move || {
                        fold_patches(&state);
                        folding.store(false, std::sync::atomic::Ordering::Release);
                    });
                }
                break;
            };
            let (uri, version, job_start) = (job.uri.clone(), job.version, job.changed_at);
            trace(|| {
                format!(
                    "job taken {:?} after the change",
                    job_start.map(|j| j.elapsed())
                )
            });
            let outcome = catch_unwind(AssertUnwindSafe(|| analyse(job))).ok();
            w.settle(uri, version, job_start, outcome).await;
        }
    }
}

impl Worker {
    /// A re-check of a whole document after a change of its shape, away
    /// from the keystroke path: on its own task, so that the next
    /// keystroke's analysis never waits for it; one at a time (`busy`), once
    /// typing has paused, and discarded by [`Worker::settle`] if the
    /// document changed meanwhile (then it runs again).
    fn start_full_recheck(&self, busy: &Arc<std::sync::atomic::AtomicBool>) {
        use std::sync::atomic::Ordering;
        if busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let next = take_full_job(&mut lock(&self.state));
        let (w, busy) = (self.clone(), busy.clone());
        match next {
            Ok(job) => {
                tokio::spawn(async move {
                    let (uri, version, start) = (job.uri.clone(), job.version, job.changed_at);
                    let outcome = tokio::task::spawn_blocking(move || {
                        catch_unwind(AssertUnwindSafe(|| analyse(job))).ok()
                    })
                    .await
                    .ok()
                    .flatten();
                    w.settle(uri, version, start, outcome).await;
                    busy.store(false, Ordering::Release);
                    w.wake.notify_one();
                });
            }
            Err(wait) => {
                busy.store(false, Ordering::Release);
                if let Some(wait) = wait {
                    // Look again once typing may have paused.
                    tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        w.wake.notify_one();
                    });
                }
            }
        }
    }

    /// Applies an analysis (`None`: it panicked) to its document and
    /// publishes it, when the document is still the version it read.
    async fn settle(
        &self,
        uri: Uri,
        version: i32,
        job_start: Option<std::time::Instant>,
        outcome: Option<Outcome>,
    ) {
        let Some(outcome) = outcome else {
            let msg = format!(
                "analysis of {} failed; the server keeps running",
                uri.as_str()
            );
            eprintln!("httpvet: {msg}");
            self.client.log_message(MessageType::ERROR, msg).await;
            return;
        };
        let Worker {
            client,
            publisher,
            state,
            wake,
        } = self;
        let Outcome {
            diagnostics,
            partial,
            summary,
            read,
            update,
            panics,
        } = outcome;
        for p in &panics {
            eprintln!("httpvet: {p}");
            client.log_message(MessageType::ERROR, p.clone()).await;
        }
        // What this replaces, dropped once published.
        let mut retired = None;
        let publish = {
            let mut st = lock(state);
            let mut others = Vec::new();
            let current = match st.docs.get_mut(&uri) {
                // Not edited since: the cache is still the one the job
                // read (an edit meanwhile would have copied it).
                Some(d) if d.doc.version == version && Arc::ptr_eq(&d.cache, &read) => {
                    drop(read);
                    Arc::make_mut(&mut d.cache).apply(update);
                    d.full_pending = partial;
                    retired = Some(std::mem::replace(&mut d.published, Arc::new(diagnostics)));
                    if let Some(summary) = summary {
                        let summary = Summary::new(summary);
                        let changed = d.summary.as_ref().map(|s| s.shape) != Some(summary.shape);
                        d.summary = Some(summary);
                        if changed {
                            let dir = d.dir().map(Path::to_path_buf);
                            others = st
                                .docs
                                .iter()
                                .filter(|(u, o)| **u != uri && o.dir() == dir.as_deref())
                                .map(|(u, _)| u.clone())
                                .collect();
                        }
                    }
                    Some(st.docs[&uri].published.clone())
                }
                _ => None,
            };
            if !others.is_empty() {
                st.dirty.extend(others);
                wake.notify_one();
            }
            current
        };
        if let Some(diags) = publish {
            let t = std::time::Instant::now();
            publisher.publish(&uri, &diags, Some(version));
            trace(|| {
                format!(
                    "publish {:?} (since the change {:?})",
                    t.elapsed(),
                    job_start.map(|j| j.elapsed())
                )
            });
        }
        drop(retired);
    }
}

/// While no analysis waits, re-parses whole, away from the lock, each open
/// document whose re-parsed declarations piled up (see
/// [`crate::document::Document::fold`]).
fn fold_patches(state: &Mutex<State>) {
    loop {
        let (uri, unfolded) = {
            let st = lock(state);
            if !st.dirty.is_empty() {
                return;
            }
            let found = st
                .docs
                .iter()
                .find_map(|(u, d)| Some((u.clone(), d.doc.unfolded()?)));
            match found {
                Some(found) => found,
                None => return,
            }
        };
        let folded = unfolded.parse();
        let mut st = lock(state);
        let folded = st.docs.get_mut(&uri).is_some_and(|d| d.doc.fold(folded));
        if !folded {
            // Closed, or parsed whole meanwhile: look again later.
            return;
        }
    }
}

/// A document larger than this is too large to analyse on every keystroke
/// within the keystroke target: it is analysed on open, on save, and
/// [`HUGE_PAUSE`] after the last change (the deal gopls makes).
const HUGE: usize = 2 << 20;
const HUGE_PAUSE: std::time::Duration = std::time::Duration::from_millis(600);

fn uri_path(uri: &Uri) -> Option<PathBuf> {
    uri::path_of(uri.as_str())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.clone())
            .unwrap_or_default();
        let encoding = if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        // A client that does not say it takes related information is sent
        // none (the specification's default).
        let related = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.publish_diagnostics.as_ref())
            .and_then(|p| p.related_information)
            .unwrap_or(false);
        let mut problem = None;
        {
            let mut st = lock(&self.state);
            st.form = convert::Form {
                enc: encoding,
                related,
            };
            if let Some(opts) = &params.initialization_options {
                match parse_settings(opts) {
                    Ok(s) => st.settings = s,
                    Err(e) => problem = Some(e),
                }
            }
        }
        if let Some(e) = problem {
            self.client
                .show_message(MessageType::WARNING, format!("httpvet settings: {e}"))
                .await;
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    Encoding::Utf16 => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(FIX_ALL),
                        ]),
                        ..Default::default()
                    },
                )),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "httpvet".to_string(),
                version: Some(crate::VERSION.to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let registration = Registration {
            id: "httpvet-watch-go".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers: ["**/*.go", "**/httpvet.toml", "**/.httpvet.toml"]
                    .into_iter()
                    .map(|g| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(g.to_string()),
                        kind: None,
                    })
                    .collect(),
            })
            .ok(),
        };
        if let Err(e) = self.client.register_capability(vec![registration]).await {
            eprintln!("httpvet: the client did not accept a file watcher: {e}");
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = uri_path(&item.uri);
        let load_dir = {
            let mut st = lock(&self.state);
            let name: Arc<str> = match &path {
                Some(p) => p.to_string_lossy().into(),
                None => item.uri.as_str().into(),
            };
            st.docs.insert(
                item.uri.clone(),
                Doc {
                    doc: Document::new(&item.text, item.version),
                    name,
                    cache: Arc::default(),
                    path: path.clone(),
                    summary: None,
                    published: Arc::default(),
                    changed_at: None,
                    full_pending: false,
                },
            );
            let dir = path
                .as_ref()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf);
            dir.filter(|d| st.loaded_dirs.insert(d.clone()))
        };
        self.load_config_for(path.as_deref()).await;
        if let Some(dir) = load_dir {
            // Read the package's other files once; later changes arrive as watched-file events.
            let found: Vec<(PathBuf, Summary)> = tokio::task::spawn_blocking(move || {
                go_files_in(&dir)
                    .into_iter()
                    .filter_map(|p| summarise(&p).map(|s| (p, s)))
                    .collect()
            })
            .await
            .unwrap_or_default();
            lock(&self.state).disk.extend(found);
        }
        self.mark_dirty([item.uri]);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let changes: Vec<Change> = params
            .content_changes
            .into_iter()
            .map(|c| Change {
                range: c.range.map(|r| {
                    (
                        (r.start.line, r.start.character),
                        (r.end.line, r.end.character),
                    )
                }),
                text: c.text,
            })
            .collect();
        let known = {
            let mut st = lock(&self.state);
            let enc = st.form.enc;
            match st.docs.get_mut(&uri) {
                Some(d) => {
                    d.changed_at = Some(std::time::Instant::now());
                    let edits = d.doc.apply(&changes, params.text_document.version, enc);
                    let reparsed = d.changed_at.map(|t| t.elapsed());
                    let cache = Arc::make_mut(&mut d.cache);
                    for e in &edits {
                        cache.adjust(e, &d.name);
                    }
                    trace(|| {
                        format!(
                            "change: applied and reparsed {reparsed:?}, positions moved {:?}",
                            d.changed_at.map(|t| t.elapsed())
                        )
                    });
                    if d.doc.rope.len_bytes() > HUGE {
                        // Analysed after a pause in typing (and on save).
                        let version = d.doc.version;
                        let (state, wake, uri) =
                            (self.state.clone(), self.wake.clone(), uri.clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(HUGE_PAUSE).await;
                            let mut st = lock(&state);
                            if st.docs.get(&uri).is_some_and(|d| d.doc.version == version) {
                                st.dirty.insert(uri);
                                wake.notify_one();
                            }
                        });
                    } else {
                        st.dirty.insert(uri.clone());
                        self.wake.notify_one();
                    }
                    true
                }
                None => false,
            }
        };
        if !known {
            self.log(
                MessageType::WARNING,
                format!(
                    "didChange for a document that is not open: {}",
                    uri.as_str()
                ),
            )
            .await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let mut st = lock(&self.state);
        if st.docs.contains_key(&params.text_document.uri) {
            st.dirty.insert(params.text_document.uri);
            self.wake.notify_one();
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut st = lock(&self.state);
            st.docs.remove(&uri);
            st.dirty.remove(&uri);
        }
        self.publisher.publish(&uri, &[], None);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
        let mut config_changed = false;
        for event in params.changes {
            let Some(path) = uri_path(&event.uri) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if crate::config::FILE_NAMES.contains(&name.as_str()) {
                config_changed = true;
                {
                    let mut st = lock(&self.state);
                    // Where configurations apply may have changed: search again.
                    st.config_of_dir.clear();
                    if event.typ == FileChangeType::DELETED {
                        st.configs.remove(&path);
                    }
                }
                if event.typ != FileChangeType::DELETED {
                    self.reload_config(&path).await;
                }
                continue;
            }
            if path.extension().is_none_or(|x| x != "go") {
                continue;
            }
            let summary = if event.typ == FileChangeType::DELETED {
                None
            } else {
                let p = path.clone();
                tokio::task::spawn_blocking(move || summarise(&p))
                    .await
                    .ok()
                    .flatten()
            };
            let mut st = lock(&self.state);
            match summary {
                Some(s) => {
                    st.disk.insert(path.clone(), s);
                }
                None => {
                    st.disk.remove(&path);
                }
            }
            if let Some(d) = path.parent() {
                dirs.insert(d.to_path_buf());
            }
        }
        if config_changed {
            let open: Vec<Option<PathBuf>> = lock(&self.state)
                .docs
                .values()
                .map(|d| d.path.clone())
                .collect();
            for p in open {
                self.load_config_for(p.as_deref()).await;
            }
        }
        let affected: Vec<Uri> = {
            let st = lock(&self.state);
            st.docs
                .iter()
                .filter(|(_, d)| config_changed || d.dir().is_some_and(|p| dirs.contains(p)))
                .map(|(u, _)| u.clone())
                .collect()
        };
        self.mark_dirty(affected);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match parse_settings(&params.settings) {
            Ok(s) => {
                let all: Vec<Uri> = {
                    let mut st = lock(&self.state);
                    st.settings = s;
                    st.docs.keys().cloned().collect()
                };
                self.mark_dirty(all);
            }
            Err(e) => {
                self.client
                    .show_message(MessageType::WARNING, format!("httpvet settings: {e}"))
                    .await;
            }
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params.text_document_position_params.text_document.uri;
        let pos = params.text_document_position_params.position;
        let st = lock(&self.state);
        let Some(doc) = st.docs.get(&uri) else {
            return Err(Error::invalid_params(format!(
                "unknown document: {}",
                uri.as_str()
            )));
        };
        if pos.line as usize >= doc.doc.rope.len_lines() {
            return Err(Error::invalid_params(format!(
                "line {} is past the end of the document",
                pos.line
            )));
        }
        let inside = |r: &Range| {
            (r.start.line, r.start.character) <= (pos.line, pos.character)
                && (pos.line, pos.character) <= (r.end.line, r.end.character)
        };
        let found = doc.published.iter().find(|d| inside(&d.range));
        Ok(found.and_then(|d| {
            let rule = crate::rules::find(d.code)?;
            // The message as published (read back: hovers are rare).
            let sent: serde_json::Value = serde_json::from_str(&d.text()).ok()?;
            let message = sent["message"].as_str().unwrap_or(rule.summary).to_string();
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: convert::hover_markdown(rule, &message),
                }),
                range: Some(d.range),
            })
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let st = lock(&self.state);
        let enc = st.form.enc;
        let Some(doc) = st.docs.get(&uri) else {
            return Err(Error::invalid_params(format!(
                "unknown document: {}",
                uri.as_str()
            )));
        };
        let rope = &doc.doc.rope;
        let to_range = |start: usize, end: usize| {
            let (l0, c0) = crate::position::rope_position(rope, start, enc);
            let (l1, c1) = crate::position::rope_position(rope, end, enc);
            Range::new(Position::new(l0, c0), Position::new(l1, c1))
        };
        let engine = doc.cache.diagnostics(&doc.name);
        // Edits of this document use its rope; a fix may also edit a sibling
        // (a mutex beside a map declared there): its open buffer, or the file
        // on disk.
        let doc_path = uri_path(&uri).map(|p| p.to_string_lossy().into_owned());
        let edit_of = |edits: &[crate::diagnostic::Edit]| {
            let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = Default::default();
            let mut others: std::collections::HashMap<String, Option<ropey::Rope>> =
                Default::default();
            for e in edits {
                if doc_path.as_deref().is_none_or(|p| p == &*e.path) {
                    changes.entry(uri.clone()).or_default().push(TextEdit::new(
                        to_range(e.start, e.end),
                        e.new_text.to_string(),
                    ));
                    continue;
                }
                let Some(other_uri) = uri::uri_of(&e.path).and_then(|u| u.parse::<Uri>().ok())
                else {
                    continue;
                };
                let rope = others.entry(e.path.to_string()).or_insert_with(|| {
                    st.docs
                        .get(&other_uri)
                        .map(|d| d.doc.rope.clone())
                        .or_else(|| {
                            std::fs::read_to_string(&*e.path)
                                .ok()
                                .map(|t| ropey::Rope::from_str(&t))
                        })
                });
                let Some(rope) = rope else { continue };
                let (l0, c0) = crate::position::rope_position(rope, e.start, enc);
                let (l1, c1) = crate::position::rope_position(rope, e.end, enc);
                changes.entry(other_uri).or_default().push(TextEdit::new(
                    Range::new(Position::new(l0, c0), Position::new(l1, c1)),
                    e.new_text.to_string(),
                ));
            }
            WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }
        };
        let wants = |kind: &str| {
            params
                .context
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|k| kind.starts_with(k.as_str())))
        };
        let mut actions: Vec<CodeActionOrCommand> = Vec::new();
        if wants("quickfix") {
            // The request's diagnostics are found by code and start, looked
            // up, not searched for: a selection of the whole file brings
            // them all.
            let by_start: std::collections::HashMap<(&str, usize), &crate::diagnostic::Diagnostic> =
                engine
                    .iter()
                    .rev()
                    .map(|d| ((d.code, d.location.start.offset), &**d))
                    .collect();
            for lsp_diag in &params.context.diagnostics {
                if lsp_diag.source.as_deref() != Some("httpvet") {
                    continue;
                }
                let code = match &lsp_diag.code {
                    Some(NumberOrString::String(c)) => c.as_str(),
                    _ => continue,
                };
                let start = lsp_diag.range.start;
                let at = crate::position::rope_offset(rope, start.line, start.character, enc);
                let Some(d) = by_start.get(&(code, at)).filter(|d| {
                    let shown = crate::position::rope_position(rope, d.location.start.offset, enc);
                    shown == (start.line, start.character)
                }) else {
                    continue;
                };
                for f in &d.fixes {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: f.title.to_string(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![lsp_diag.clone()]),
                        edit: Some(edit_of(&f.edits)),
                        is_preferred: Some(f.preferred),
                        ..Default::default()
                    }));
                }
            }
        }
        if wants(FIX_ALL) && params.context.only.is_some() {
            // Every preferred safe fix, skipping those that overlap an earlier one.
            // Only findings that were published (not suppressed).
            let shown: std::collections::HashSet<(&str, u32, u32)> = doc
                .published
                .iter()
                .map(|p| (p.code, p.range.start.line, p.range.start.character))
                .collect();
            let safe = engine
                .iter()
                .filter(|d| {
                    let (line, character) =
                        crate::position::rope_position(rope, d.location.start.offset, enc);
                    shown.contains(&(d.code, line, character))
                })
                .filter_map(|d| crate::fix::to_apply(&d.fixes, false));
            let (taken, _, _) = crate::fix::combine(safe);
            if !taken.is_empty() {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Fix all httpvet findings".to_string(),
                    kind: Some(CodeActionKind::new(FIX_ALL)),
                    edit: Some(edit_of(&taken)),
                    ..Default::default()
                }));
            }
        }
        Ok(Some(actions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Analyses `file` (the document's text `text`) with `cache`, checks
    /// that what is published, and what code actions read, equal a fresh
    /// check of the text, and returns the new cache.
    fn analysed_as_fresh(
        file: SourceFile,
        cache: cache::FileCache,
        text: &str,
        enc: Encoding,
        context: &str,
    ) -> cache::FileCache {
        let decls: Vec<(usize, usize)> = file
            .top_level()
            .map(|n| (n.start_byte(), n.end_byte()))
            .collect();
        let outcome = analyse(Job {
            uri: "file:///p.go".parse().unwrap(),
            version: 0,
            file,
            siblings: Vec::new(),
            settings: Settings::default(),
            form: convert::Form { enc, related: true },
            cache: Arc::new(cache),
            excluded: false,
            changed_at: None,
            // The whole re-check a change of shape leads to (a keystroke's
            // partial one is followed by it; see random_edits.rs).
            full: true,
        });
        // The job held the only reference: no copy.
        let mut cache = Arc::unwrap_or_clone(outcome.read);
        cache.apply(outcome.update);
        // What was published, serialised, against a fresh check's.
        let got: Vec<String> = outcome
            .diagnostics
            .iter()
            .map(|p| p.text().into_owned())
            .collect();
        let fresh = crate::engine::check_source("p.go", text.to_string(), &Settings::default());
        let file = SourceFile::parse("p.go", text.to_string());
        let want: Vec<String> = fresh
            .diagnostics
            .iter()
            .map(|d| {
                convert::published(d, &file, convert::Form { enc, related: true })
                    .text()
                    .into_owned()
            })
            .collect();
        let entries: Vec<(usize, usize)> = cache.entries.iter().map(|e| (e.start, e.end)).collect();
        assert_eq!(entries, decls, "{context}, text:\n{text}");
        assert_eq!(got, want, "{context}, text:\n{text}");
        // What code actions read, offsets and fixes included.
        let mut kept = cache.diagnostics("p.go");
        finish(&file, &mut kept);
        let kept: Vec<&crate::diagnostic::Diagnostic> = kept.iter().map(|d| &**d).collect();
        let fresh: Vec<&crate::diagnostic::Diagnostic> = fresh.diagnostics.iter().collect();
        assert_eq!(kept, fresh, "{context}, text:\n{text}");
        cache
    }

    /// A file with findings on a line of two declarations, one remembering
    /// a package variable above it, and a declaration without any between.
    const EDITED: &str = "package p\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n\nfunc a() { _ = 1 }; func b(w http.ResponseWriter, r *http.Request) { w.WriteHeader(1); w.WriteHeader(2) }\n\nfunc other() {\n\t_ = 2\n}\n\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n";

    /// The line and column, in `enc`, of byte `at` of `text`.
    fn position(text: &str, at: usize, enc: Encoding) -> (u32, u32) {
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let col = match enc {
            Encoding::Utf8 => at - line_start,
            Encoding::Utf16 => text[line_start..at].encode_utf16().count(),
        };
        (text[..at].matches('\n').count() as u32, col as u32)
    }

    /// The document of `text`, and its cache after a first analysis.
    fn opened(text: &str) -> (Document, cache::FileCache) {
        let doc = Document::new(text, 1);
        let fresh = cache::FileCache::default();
        let cache = analysed_as_fresh(doc.source("p.go"), fresh, text, Encoding::Utf8, "opened");
        (doc, cache)
    }

    /// Typing within a line leaves the findings of later lines where they
    /// are (their offsets move later, see `cache::FileCache::adjust`), but
    /// moves the columns of those on its line, and what a finding below
    /// remembers above the edit.
    #[test]
    fn typing_within_a_line_moves_what_follows_it() {
        let mut text = EDITED.to_string();
        let (mut doc, mut cache) = opened(&text);
        // Before a finding on the same line; between a declaration `count`
        // remembers (`hits`, and where its fix adds an import) and `count`;
        // before what it remembers.
        let typing = [
            ("_ = 1", "xy"),
            ("_ = 1", "z"),
            ("\n}\n\nfunc count", " "),
            ("var hits", "  "),
            ("hits =", " "),
        ];
        for (version, (before, typed)) in typing.into_iter().enumerate() {
            let at = text.find(before).unwrap();
            let change = Change {
                range: Some((
                    position(&text, at, Encoding::Utf8),
                    position(&text, at, Encoding::Utf8),
                )),
                text: typed.to_string(),
            };
            text.insert_str(at, typed);
            for e in &doc.apply(&[change], version as i32 + 2, Encoding::Utf8) {
                cache.adjust(e, "p.go");
            }
            cache = analysed_as_fresh(doc.source("p.go"), cache, &text, Encoding::Utf8, typed);
        }
    }

    /// Adding or deleting lines above declarations moves their findings by
    /// whole lines without rewriting them: they are shown moved (and
    /// equal a fresh check's), until an edit in between settles them.
    #[test]
    fn new_lines_above_move_what_follows_them() {
        let mut text = EDITED.to_string();
        let (mut doc, mut cache) = opened(&text);
        let count = |c: &cache::FileCache| {
            c.entries
                .iter()
                .filter(|e| e.diags.as_ref().is_some_and(|d| !d.is_empty()))
                .map(|e| Arc::as_ptr(e.diags.as_ref().unwrap()))
                .collect::<Vec<_>>()
        };
        let before = count(&cache);
        // (text where the edit starts, bytes it deletes, text typed)
        let edits = [
            ("package", 0, "// one\n"),
            ("package", 0, "\n\n"),
            ("\n\npackage", 2, ""),
            ("\n\nfunc other", 0, "\n// two\n"),
            ("// one\n", 7, ""),
            ("func other", 0, "// three\n"),
            ("var hits", 0, "\n"),
            ("// three\n", 9, ""),
        ];
        for (version, (at_text, deleted, typed)) in edits.into_iter().enumerate() {
            let at = text.find(at_text).unwrap();
            let end = at + deleted;
            let change = Change {
                range: Some((
                    position(&text, at, Encoding::Utf8),
                    position(&text, end, Encoding::Utf8),
                )),
                text: typed.to_string(),
            };
            text.replace_range(at..end, typed);
            // As when a job still reads the cache: a finding written to is
            // copied.
            let read = cache.clone();
            for e in &doc.apply(&[change], version as i32 + 2, Encoding::Utf8) {
                cache.adjust(e, "p.go");
            }
            drop(read);
            cache = analysed_as_fresh(doc.source("p.go"), cache, &text, Encoding::Utf8, typed);
            if version < 3 {
                // Above every finding: none was copied.
                assert_eq!(count(&cache), before, "edit {version}");
            }
        }
    }

    /// The per-declaration cache, driven without timing: random edits, an
    /// analysis after a random number of them (as when the worker lags), and
    /// each analysis equal to a fresh check of the text.
    #[test]
    fn cached_analysis_equals_a_fresh_check() {
        const BASE: &str = "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nvar hits = map[string]int{}\n\n// count counts.\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n\tfmt.Fprintf(w, \"%d\", hits[r.URL.Path])\n}\n\nfunc twice(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(200)\n\tw.WriteHeader(500)\n}\n";
        const SNIPPETS: &[&str] = &[
            "x",
            "\n",
            "}",
            "{",
            " ",
            "go ",
            "// c\n",
            "w.Write(nil)\n",
            "hits[\"k\"] = 1\n",
            "w.WriteHeader(201)\n",
            "func f(w http.ResponseWriter, r *http.Request) {\n",
            ")",
            "var m = map[int]int{}\n",
            "/*",
            "*/",
            "é",
            "😀",
            "`",
            "\"",
            "(",
            "type T struct {\n",
            "func (s *T) m(w http.ResponseWriter, r *http.Request) {",
            ";",
            "\"sync\"\n",
            "hitsMu.Lock()\n",
            "package q\n",
        ];
        let mut random = crate::testing::Xorshift(0x9E3779B97F4A7C15);
        let mut below = |n: usize| random.below(n);
        // Edits that keep the file valid Go, so that most analyses take the
        // path for error-free trees.
        const STATEMENTS: &[&str] = &[
            "\tw.WriteHeader(201)\n",
            "\thits[\"k\"] = 1\n",
            "\t// c\n",
            "\tgo func() { w.Write(nil) }()\n",
            "\tfmt.Println(\"é😀\")\n",
        ];
        const DECLARATIONS: &[&str] = &[
            "var m = map[int]int{}\n\n", "// c\n", "\n", "/* c */\n", "type T struct{ n int }\n\n",
            "//httpvet:ignore HV007\n", "// Code generated by x. DO NOT EDIT.\n",
            "import \"sync\"\n\n", "var hitsMu sync.Mutex\n\n", "const k = 1; var z = 2\n",
            "func f(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(201)\n\tw.WriteHeader(202)\n}\n\n",
        ];
        let mut error_free = 0;
        let mut analyses = 0;
        // Analyses of trees with declarations re-parsed on their own.
        let mut patched = 0;
        for seq in 0..1200 {
            let enc = if seq % 2 == 0 {
                Encoding::Utf8
            } else {
                Encoding::Utf16
            };
            let structured = seq % 4 != 0;
            let mut text = BASE.to_string();
            let mut doc = Document::new(&text, 1);
            let mut cache = cache::FileCache::default();
            // A typed character to delete at the next step.
            let mut undo: Option<usize> = None;
            // Where to close a comment opened before a declaration.
            let mut close: Option<usize> = None;
            for step in 0..20 {
                let len = text.len();
                let line_starts: Vec<usize> = std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .filter(|&i| i < len)
                    .collect();
                let lines_where = |f: &dyn Fn(&str) -> bool| -> Vec<usize> {
                    line_starts
                        .iter()
                        .copied()
                        .filter(|&i| f(text[i..].split('\n').next().unwrap_or("")))
                        .collect()
                };
                let body = lines_where(&|l| l.starts_with('\t'));
                let top = lines_where(&|l| {
                    ["func ", "var ", "// ", "type "]
                        .iter()
                        .any(|p| l.starts_with(p))
                });
                let (mut a, mut b, new) = match (structured, undo.take(), below(6)) {
                    (true, Some(at), _) => (at, at + 1, ""),
                    // Close the comment after the declarations it now holds.
                    (true, None, _) if close.is_some() => {
                        let at = close.take().unwrap_or(len).min(len);
                        (at, at, "*/\n")
                    }
                    // Comment out declarations: a node of the gap then reaches
                    // over remembered ones.
                    (true, None, 5) if top.len() > 2 => {
                        let i = below(top.len() - 1);
                        let to = top[i + 1 + below(top.len() - i - 1)];
                        close = Some(to + "/*\n".len());
                        (top[i], top[i], "/*\n")
                    }
                    (true, None, 0 | 1) if !body.is_empty() => {
                        let at = body[below(body.len())];
                        (at, at, STATEMENTS[below(STATEMENTS.len())])
                    }
                    (true, None, 2) if !top.is_empty() => {
                        let at = top[below(top.len())];
                        (at, at, DECLARATIONS[below(DECLARATIONS.len())])
                    }
                    (true, None, 3) if !body.is_empty() => {
                        let at = body[below(body.len())];
                        let line = text[at..].split('\n').next().unwrap_or("");
                        if line.contains(['{', '}']) {
                            (at, at, "")
                        } else {
                            (at, at + line.len() + 1, "")
                        }
                    }
                    (true, None, _) if !body.is_empty() => {
                        let at = body[below(body.len())];
                        let end = at + text[at..].find('\n').unwrap_or(len - at);
                        undo = Some(end);
                        (end, end, if below(2) == 0 { "x" } else { " " })
                    }
                    _ => {
                        let a = below(len + 1);
                        (
                            a,
                            (a + below(12)).min(len),
                            if below(3) == 0 {
                                ""
                            } else {
                                SNIPPETS[below(SNIPPETS.len())]
                            },
                        )
                    }
                };
                b = b.min(len);
                while !text.is_char_boundary(a) {
                    a -= 1;
                }
                while !text.is_char_boundary(b) {
                    b -= 1;
                }
                let change = Change {
                    range: Some((position(&text, a, enc), position(&text, b, enc))),
                    text: new.to_string(),
                };
                text.replace_range(a..b, new);
                for e in &doc.apply(&[change], step + 2, enc) {
                    cache.adjust(e, "p.go");
                }
                if below(3) == 0 || step == 19 {
                    analyses += 1;
                    let now = doc.source("p.go");
                    if !now.has_error() {
                        error_free += 1;
                    }
                    patched += usize::from(doc.patch_count() > 0);
                    cache = analysed_as_fresh(
                        now,
                        cache,
                        &text,
                        enc,
                        &format!("sequence {seq}, step {step}"),
                    );
                }
            }
        }
        // Both paths of `cache::reuse` ran often.
        assert!(
            error_free * 5 > analyses && error_free * 5 < analyses * 4,
            "{error_free} of {analyses} analyses on error-free trees"
        );
        assert!(
            patched * 10 > analyses && patched < error_free,
            "{patched} of {analyses} analyses with patched declarations"
        );
    }
}

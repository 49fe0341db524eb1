//! `cargo bench --bench scale`: how `httpvet check` scales with its input.
//! Generates Go files of 1, 5 and 50 MB of handlers, nestings of 1,000,
//! 5,000 and 20,000 (blocks, `if`s, function literals, parentheses, and
//! goroutines doing several rules' work at every level), lines
//! up to 5 MB long and files with 100,000 findings (of one map, and each on
//! a map, goroutine, channel or lock of its own, or each a request, a
//! shutdown, a body read, a status, an atomic field or a hijacked conn of
//! its own kind), 100,000 channels each received in full and 100,000
//! hijacked conns each closed on every way out; and 100,000 things that
//! share one channel, one `if` chain, one lock (each `Lock()` with its own
//! deferred unlock, or not), one context, one struct, one function (its
//! unnamed handler literals, numbered as Go numbers closures), one name
//! (a conn `c` hijacked in scopes of its own) or one package (handler
//! types, each with a map and an atomic field). For each it
//! prints the tree-sitter parse alone and the whole check of the same
//! bytes, their ratio, and the peak resident memory of each (every
//! measurement runs in a process of its own, so peaks do not mix), with how
//! much of that memory is the binary's own code (a constant: on inputs that
//! parse in under 10 MB it decides the memory ratio). Targets (issue 16): check at
//! most 2× parse everywhere and 1.5× on 50 MB; peak memory at most 1.5×
//! parse's. `cargo bench --bench scale -- NAME` runs the inputs whose name
//! contains NAME; `-- --write DIR [NAME]` writes those inputs to DIR instead.
//! The bench's binary, run as `--one parse|check FILE`, measures one file
//! (the check's line splits its time into loading, which is the parse and
//! the package summary, and the rules); with `REPEAT=N` it does the same
//! work N times in one process and prints the first, least and median time.
//!
//! Then the stages after the check, run through the `httpvet` binary on
//! 10,000 to 40,000 map writes in one handler, each with a fix of its own:
//! the text report, `--fix`, `--diff` and `--format sarif`, with the time
//! and peak memory of each, so that a cost per finding that grows with the
//! findings shows as a slope steeper than the input's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;
use common::peak_rss_mb;

const HEAD: &str = "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\n";

/// Handlers, each with a shared-map write (a finding), to about `bytes`.
fn handlers(bytes: usize) -> String {
    let mut s = String::from(HEAD);
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(
            s,
            "var hits{i} = map[string]int{{}}\n\nfunc handle{i}(w http.ResponseWriter, r *http.Request) {{\n\thits{i}[r.URL.Path]++\n\tif r.Method == http.MethodPost {{\n\t\tfmt.Fprintln(w, \"posted\", {i})\n\t\treturn\n\t}}\n\tfmt.Fprintln(w, \"ok\")\n}}\n\n"
        );
        i += 1;
    }
    s
}

/// A handler whose body nests `depth` times `open … close`.
fn nested(depth: usize, open: &str, close: &str) -> String {
    let mut s = String::from(HEAD);
    s.push_str("var seen = map[string]int{}\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tx := 0\n");
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str("seen[r.URL.Path]++\nx++\n");
    for _ in 0..depth {
        s.push_str(close);
    }
    s.push_str("\tfmt.Fprintln(w, x)\n}\n");
    s
}

/// A handler nesting `depth` goroutines, each level doing the work of
/// several rules (a map write, an atomic update of a local, a write to the
/// client under a lock): a look per level at every level around or inside
/// it shows here as a square.
fn busy(depth: usize) -> String {
    let mut s = String::from(
        "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n\t\"sync/atomic\"\n)\n\nvar seen = map[string]int{}\nvar mu sync.Mutex\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tx := 0\n\tvar n int64\n",
    );
    for _ in 0..depth {
        s.push_str("go func() {\nseen[r.URL.Path]++\nx++\natomic.AddInt64(&n, 1)\nmu.Lock()\nfmt.Fprintln(w, n)\nmu.Unlock()\n");
    }
    for _ in 0..depth {
        s.push_str("}()\n");
    }
    s.push_str("\tfmt.Fprintln(w, x, n)\n}\n");
    s
}

/// A package-level expression nested `depth` parentheses deep.
fn parens(depth: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("var v = ");
    s.push_str(&"(".repeat(depth));
    s.push('1');
    s.push_str(&")".repeat(depth));
    s.push_str("\n\nfunc h(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, v) }\n");
    s
}

/// A handler whose one statement is a line of about `bytes`.
fn long_line(bytes: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("var seen = map[string]int{}\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tseen[r.URL.Path] = 0");
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(s, " + len(r.URL.Path)*{i}");
        i += 1;
    }
    s.push_str("\n\tfmt.Fprintln(w, seen)\n}\n");
    s
}

/// One handler with `n` unguarded map writes, one per line.
fn findings(n: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("var seen = map[string]int{}\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n");
    for i in 0..n {
        let _ = writeln!(s, "\tseen[r.URL.Path] += {i}");
    }
    s.push_str("\tfmt.Fprintln(w, len(seen))\n}\n");
    s
}

/// One handler (a method) with `n` findings of `rule`, each on a place of
/// its own (a map, a goroutine, a channel, a lock, a request, a hijacked
/// conn), so no two
/// share a fix or a name; or `n` of one kind in one place (a shutdown, a
/// body read, a status written twice, an atomic field), each found by a
/// look at what comes before it; or `n` with no finding whose proof
/// follows the handler's paths (channels received, hijacks closed).
fn distinct(rule: &str, n: usize) -> String {
    let mut s = String::from(
        "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\t\"sync\"\n\t\"sync/atomic\"\n\t\"time\"\n)\n\n",
    );
    s.push_str("type S struct {\n\tn int64\n}\n\nvar srv = &http.Server{}\n\n");
    for i in 0..n {
        match rule {
            "maps" => writeln!(s, "var m{i} = map[string]int{{}}"),
            "locks" => writeln!(s, "var mu{i} sync.Mutex"),
            _ => Ok(()),
        }
        .unwrap();
    }
    s.push_str("\nfunc (s *S) h(w http.ResponseWriter, r *http.Request) {\n");
    for i in 0..n {
        match rule {
            "maps" => writeln!(s, "\tm{i}[r.URL.Path]++"),
            "goroutines" => writeln!(s, "\tgo func() {{ fmt.Fprintln(w, {i}) }}()"),
            "channels" => writeln!(
                s,
                "\tc{i} := make(chan int)\n\tgo func() {{ c{i} <- {i} }}()\n\tselect {{\n\tcase <-c{i}:\n\tcase <-time.After(time.Second):\n\t}}"
            ),
            // Received in full: every channel is counted against its senders.
            "receives" => writeln!(
                s,
                "\tr{i} := make(chan int)\n\tgo func() {{ r{i} <- {i} }}()\n\t_ = <-r{i}"
            ),
            // Each request built without the handler's context.
            "requests" => writeln!(
                s,
                "\treq{i}, _ := http.NewRequest(\"GET\", \"http://x/{i}\", nil)\n\t_, _ = http.DefaultClient.Do(req{i})"
            ),
            "shutdowns" => writeln!(s, "\t_ = srv.Shutdown(context.Background())"),
            "body reads" => writeln!(s, "\tgo func() {{ io.ReadAll(r.Body) }}()"),
            "statuses" => writeln!(s, "\tw.Write([]byte(\"{i}\"))\n\tw.WriteHeader(500)"),
            "atomics" => writeln!(s, "\tatomic.AddInt64(&s.n, 1)\n\ts.n++"),
            "hijacks" => writeln!(
                s,
                "\tconn{i}, _, _ := w.(http.Hijacker).Hijack()\n\t_ = conn{i}"
            ),
            // Each closed on every way out: one walk of the handler's
            // paths follows them all.
            "closed hijacks" => writeln!(
                s,
                "\tconn{i}, _, err{i} := w.(http.Hijacker).Hijack()\n\tif err{i} != nil {{\n\t\treturn\n\t}}\n\tdefer conn{i}.Close()"
            ),
            _ => writeln!(s, "\tmu{i}.Lock()\n\tfmt.Fprintln(w, {i})\n\tmu{i}.Unlock()"),
        }
        .unwrap();
    }
    s.push_str("\t_ = time.Second\n\tvar _ sync.Mutex\n\t_, _ = io.EOF, context.Background\n\t_ = atomic.AddInt64\n}\n");
    s
}

/// `n` things that share one name or one place, where a look per thing at
/// all the others (or at the rest of the function) costs a square: each
/// of these once did.
fn shared(shape: &str, n: usize) -> String {
    let mut s = String::from(
        "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n\t\"time\"\n)\n\nvar srv = &http.Server{}\n\n",
    );
    let each = |s: &mut String, f: &dyn Fn(usize) -> String| (0..n).for_each(|i| s.push_str(&f(i)));
    if shape == "handler types" {
        // Each type its own handler, with a map field and an atomic field.
        each(&mut s, &|i| {
            format!("type t{i} struct {{\n\tmu sync.Mutex\n\tn int64\n\tm map[string]int\n}}\n\nfunc (t *t{i}) add() {{ atomic.AddInt64(&t.n, 1) }}\n\nfunc (t *t{i}) ServeHTTP(w http.ResponseWriter, r *http.Request) {{\n\tt.m[r.URL.Path]++\n\tfmt.Fprintln(w, t.n)\n}}\n\n")
        });
        s.push_str("var _ = time.Second\nvar _ = context.Background\n");
        return s.replace("\t\"sync\"\n", "\t\"sync\"\n\t\"sync/atomic\"\n");
    }
    if shape == "channel fields" {
        s.push_str("type hub struct {\n");
        each(&mut s, &|i| format!("\tc{i} chan int\n"));
        s.push_str("}\n\nfunc newHub() *hub {\n\treturn &hub{\n");
        each(&mut s, &|i| format!("\t\tc{i}: make(chan int),\n"));
        s.push_str("\t}\n}\n\n");
        each(&mut s, &|i| {
            format!("func (h *hub) send{i}() {{ go func() {{ h.c{i} <- {i} }}() }}\n")
        });
        return s;
    }
    s.push_str("type store struct {\n\tmu sync.Mutex\n}\n\nfunc (st *store) h(w http.ResponseWriter, r *http.Request) {\n");
    match shape {
        "senders on one channel" => {
            s.push_str("\tres := make(chan int)\n");
            each(&mut s, &|i| format!("\tgo func() {{ res <- {i} }}()\n"));
            s.push_str("\t<-res\n");
        }
        "else-if statuses" => {
            s.push_str("\tif r.URL.Path == \"\" {\n\t\tw.WriteHeader(400)\n");
            each(&mut s, &|i| {
                format!("\t}} else if r.URL.Path == \"/{i}\" {{\n\t\tw.WriteHeader(201)\n")
            });
            s.push_str("\t}\n\tw.WriteHeader(500)\n");
        }
        "dropped serves" => each(&mut s, &|_| "\tgo srv.ListenAndServe()\n".into()),
        "returns under one lock" => {
            s.push_str("\tst.mu.Lock()\n\tdefer st.mu.Unlock()\n");
            each(&mut s, &|i| {
                format!(
                    "\tif r.URL.Path == \"/{i}\" {{\n\t\tfmt.Fprintln(w, {i})\n\t\treturn\n\t}}\n"
                )
            });
        }
        "goroutines and returns" => each(&mut s, &|i| {
            format!("\tc{i} := make(chan int)\n\tgo func() {{ c{i} <- {i} }}()\n\tif r.URL.Path == \"/{i}\" {{\n\t\treturn\n\t}}\n")
        }),
        "locks released by defers" => each(&mut s, &|i| {
            format!("\tst.mu.Lock()\n\tdefer st.mu.Unlock()\n\tfmt.Fprintln(w, {i})\n")
        }),
        // Each unnamed: Go numbers closures, `store.h.func7`.
        "unnamed handler literals" => each(&mut s, &|i| {
            format!("\tgo func(w http.ResponseWriter, r *http.Request) {{ fmt.Fprintln(w, {i}) }}(w, r)\n")
        }),
        // Each conn named `c`, in a scope of its own.
        "hijacks in scopes of their own" => each(&mut s, &|i| {
            format!("\tif c, _, err := w.(http.Hijacker).Hijack(); err == nil {{\n\t\tdefer c.Close()\n\t\tfmt.Fprintln(c, {i})\n\t}}\n")
        }),
        "requests on one context" => {
            s.push_str("\tctx := r.Context()\n");
            each(&mut s, &|i| {
                format!("\treq{i}, _ := http.NewRequestWithContext(ctx, \"GET\", \"http://x/{i}\", nil)\n\t_, _ = http.DefaultClient.Do(req{i})\n")
            });
        }
        _ => each(&mut s, &|i| {
            format!("\tctx{i}, cancel{i} := context.WithTimeout(context.Background(), time.Second)\n\tdefer cancel{i}()\n\t_ = srv.Shutdown(ctx{i})\n")
        }),
    }
    s.push_str("\t_ = time.Second\n\t_ = context.Background\n\t_ = fmt.Sprint\n}\n");
    s
}

fn inputs() -> Vec<(String, Box<dyn Fn() -> String>)> {
    let mut v: Vec<(String, Box<dyn Fn() -> String>)> = Vec::new();
    for mb in [1, 5, 50] {
        v.push((
            format!("size {mb} MB"),
            Box::new(move || handlers(mb << 20)),
        ));
    }
    for depth in [1_000, 5_000, 20_000] {
        v.push((
            format!("blocks {depth}"),
            Box::new(move || nested(depth, "{\n", "}\n")),
        ));
        v.push((
            format!("ifs {depth}"),
            Box::new(move || nested(depth, "if x >= 0 {\n", "}\n")),
        ));
        v.push((
            format!("func literals {depth}"),
            Box::new(move || nested(depth, "func() {\n", "}()\n")),
        ));
        v.push((format!("parens {depth}"), Box::new(move || parens(depth))));
        v.push((
            format!("selects {depth}"),
            Box::new(move || nested(depth, "select {\ncase <-r.Context().Done():\n", "}\n")),
        ));
        v.push((
            format!("busy goroutines {depth}"),
            Box::new(move || busy(depth)),
        ));
    }
    for mb in [1, 5] {
        v.push((
            format!("line {mb} MB"),
            Box::new(move || long_line(mb << 20)),
        ));
    }
    v.push(("findings 100000".into(), Box::new(|| findings(100_000))));
    // Each finding on a place of its own: a cost per finding that reads the
    // handler again would show here as a square.
    for rule in [
        "maps",
        "goroutines",
        "channels",
        "receives",
        "locks",
        "requests",
        "shutdowns",
        "body reads",
        "statuses",
        "atomics",
        "hijacks",
        "closed hijacks",
    ] {
        for n in [10_000, 100_000] {
            v.push((format!("{rule} {n}"), Box::new(move || distinct(rule, n))));
        }
    }
    for shape in [
        "senders on one channel",
        "else-if statuses",
        "dropped serves",
        "returns under one lock",
        "goroutines and returns",
        "requests on one context",
        "locks released by defers",
        "unnamed handler literals",
        "hijacks in scopes of their own",
        "handler types",
        "timed shutdowns",
        "channel fields",
    ] {
        let n = 100_000;
        v.push((format!("{shape} {n}"), Box::new(move || shared(shape, n))));
    }
    v
}

/// In a child process: runs `httpvet check` on a copy of `file` (`--fix`
/// writes to it) with the options of `stage`; prints `seconds peak_mb` of
/// that process.
fn stage(stage: &str, file: &Path) {
    let dir = file.with_extension("stage");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("input.go");
    std::fs::copy(file, &copy).unwrap();
    let options: &[&str] = match stage {
        "fix" => &["--fix"],
        "diff" => &["--diff"],
        "sarif" => &["--format", "sarif"],
        _ => &[],
    };
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_httpvet"))
        .arg("check")
        .args(options)
        .arg(&copy)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    let took = t.elapsed();
    // The only child this process has waited for: its peak is the child's.
    // SAFETY: getrusage writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{:.6} {:.1} exit {}",
        took.as_secs_f64(),
        usage.ru_maxrss as f64 / 1024.0,
        status.code().unwrap_or(-1)
    );
}

/// In a child process: parse or check `file`; prints `seconds peak_mb`.
fn one(what: &str, file: &Path) {
    // As the command line does (parse-only and check alike).
    httpvet::tune_allocator();
    if let Some(s) = what.strip_prefix("stage-") {
        return stage(s, file);
    }
    // `REPEAT=N`: the same work N times in this process, to tell a warm
    // run's cost from the first's (code faulted in, caches cold).
    if let Some(n) = std::env::var("REPEAT")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut times = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            if what == "parse" {
                let text = std::fs::read_to_string(file).unwrap();
                let tree = httpvet::source::parse(&text);
                std::hint::black_box(tree);
            } else {
                let run = httpvet::cli::check_paths(&[file.to_path_buf()], &Default::default());
                std::hint::black_box(run.ok());
            }
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let first = times[0];
        times.sort_by(f64::total_cmp);
        println!(
            "{what}: first {first:.3} ms, min {:.3} ms, median {:.3} ms",
            times[0],
            times[n / 2]
        );
        return;
    }
    let text = std::fs::read_to_string(file).unwrap();
    // Each is timed up to its result, not the freeing of it: the CLI
    // never frees its findings (it exits), and nothing frees the tree here.
    let t = Instant::now();
    let (took, detail) = if what == "parse" {
        let tree = httpvet::source::parse(&text);
        let took = t.elapsed();
        (
            took,
            format!("{} nodes", tree.root_node().descendant_count()),
        )
    } else {
        drop(text);
        let run =
            httpvet::cli::check_paths(&[file.to_path_buf()], &Default::default()).expect("check");
        let took = t.elapsed();
        (
            took,
            format!(
                "{} findings (load {:.4} s, rules {:.4} s)",
                run.findings.len(),
                run.parse_time.as_secs_f64(),
                run.check_time.as_secs_f64()
            ),
        )
    };
    println!(
        "{:.6} {:.1} {detail}, {:.1} MB code",
        took.as_secs_f64(),
        peak_rss_mb(),
        resident_code_mb()
    );
}

/// How much of this binary's code is resident (part of the peak): the
/// check runs far more of it than the parse, and the kernel maps code in
/// blocks of 64 KB around each page run, so on a small input this
/// constant, not the input, sets the memory ratio.
fn resident_code_mb() -> f64 {
    let exe = std::env::current_exe().unwrap();
    let maps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let (mut code, mut kb) = (false, 0u64);
    for line in maps.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("Rss:") if code => kb += words.next().and_then(|w| w.parse().ok()).unwrap_or(0),
            Some(range) if range.contains('-') && !range.ends_with(':') => {
                let perms = words.next().unwrap_or("");
                code = perms.contains('x') && line.ends_with(exe.to_str().unwrap_or("?"));
            }
            _ => {}
        }
    }
    kb as f64 / 1024.0
}

fn measure(what: &str, file: &Path) -> (f64, f64, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--one", what])
        .arg(file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut w = text.split_whitespace();
    let secs = w.next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
    let mb = w.next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
    (secs, mb, w.collect::<Vec<_>>().join(" "))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        one(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let only = args.iter().find(|a| !a.starts_with('-'));
    // `--write DIR [NAME]`: writes the inputs (whose name contains NAME) to
    // DIR, one file each, for a profiler to run on.
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let out = PathBuf::from(&args[i + 1]);
        std::fs::create_dir_all(&out).unwrap();
        let only = args.get(i + 2).filter(|a| !a.starts_with('-'));
        for (name, make) in inputs() {
            if only.is_none_or(|o| name.contains(o.as_str())) {
                std::fs::write(out.join(format!("{}.go", name.replace(' ', "_"))), make()).unwrap();
            }
        }
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("httpvet-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>6} {:>10} {:>10} {:>6}  result",
        "input", "size", "parse s", "check s", "ratio", "parse MB", "check MB", "ratio"
    );
    for (name, make) in inputs() {
        if only.is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let text = make();
        let file = dir.join("input.go");
        std::fs::write(&file, &text).unwrap();
        // The faster of two runs counts for time (the machine is shared).
        let (mut p, mut c) = (measure("parse", &file), measure("check", &file));
        let (p2, c2) = (measure("parse", &file), measure("check", &file));
        if p2.0 < p.0 {
            p = p2;
        }
        if c2.0 < c.0 {
            c = c2;
        }
        println!(
            "{name:<20} {:>7.1}MB {:>9.4} {:>9.4} {:>5.2}x {:>10.1} {:>10.1} {:>5.2}x  {}, {}",
            text.len() as f64 / 1e6,
            p.0,
            c.0,
            c.0 / p.0,
            p.1,
            c.1,
            c.1 / p.1,
            p.2,
            c.2
        );
    }
    stages(&dir, only.map(String::as_str));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The stages after the check: each run twice, the faster counting.
fn stages(dir: &Path, only: Option<&str>) {
    if only.is_some_and(|o| !"stages".contains(o)) {
        return;
    }
    println!(
        "\n{:<16} {:>9} {:>9}  {:>17} {:>17} {:>17} {:>17}  (s, peak MB)",
        "stages", "size", "findings", "text", "--fix", "--diff", "sarif"
    );
    for n in [10_000, 20_000, 40_000] {
        let text = distinct("maps", n);
        let file = dir.join("input.go");
        std::fs::write(&file, &text).unwrap();
        let mut cells = Vec::new();
        for s in ["text", "fix", "diff", "sarif"] {
            let what = format!("stage-{s}");
            let (a, b) = (measure(&what, &file), measure(&what, &file));
            let best = if b.0 < a.0 { b } else { a };
            cells.push(format!("{:>8.3} {:>6.0}MB", best.0, best.1));
        }
        println!(
            "{:<16} {:>7.1}MB {:>9}  {}",
            format!("maps {n}"),
            text.len() as f64 / 1e6,
            n,
            cells.join(" ")
        );
    }
}

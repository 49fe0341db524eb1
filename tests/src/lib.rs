//! Helpers for httpvet's end-to-end tests: the Go fixtures, `// want`
//! comments, the real Go toolchain, and the built binary.

pub mod lsp_client;
pub mod realworld;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}

/// The Go module that holds the rule fixtures.
pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures")
}

/// Writes the fixtures' `go.mod` into `dir`, where fixture packages are
/// copied to be fixed or tested: its `replace` of a stand-in module
/// (`./stubs/…`) is made to point back at the fixtures.
pub fn copy_go_mod(dir: &Path) {
    let text = std::fs::read_to_string(fixtures().join("go.mod")).unwrap();
    let stubs = fixtures().join("stubs");
    let text = text.replace("./stubs", &stubs.to_string_lossy());
    std::fs::write(dir.join("go.mod"), text).unwrap();
}

/// A directory of one test's own under the system's temporary directory,
/// `httpvet-<name>-<pid>`: made empty, and removed when dropped, unless
/// the test is failing (it is kept to look at).
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("httpvet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// An expected or reported finding: file name, 1-based line, code.
pub type Mark = (String, usize, String);

/// The `// want HVxxx [HVyyy…]` marks of every `.go` file in `dir`.
pub fn wants(dir: &Path) -> BTreeSet<Mark> {
    let mut out = BTreeSet::new();
    for file in go_files(dir) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("// want ") else {
                continue;
            };
            for code in line[pos + 8..].split_whitespace() {
                assert!(
                    code.starts_with("HV") && code.len() == 5,
                    "{name}:{}: malformed want {code:?}",
                    i + 1
                );
                out.insert((name.clone(), i + 1, code.to_string()));
            }
        }
    }
    out
}

/// What httpvet reports for the package in `dir` (not in the packages
/// below it, which are fixtures of their own).
pub fn reported(dir: &Path) -> BTreeSet<Mark> {
    let findings = httpvet::cli::check_path(dir).expect("check fixture");
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let here = canonical(dir);
    findings
        .into_iter()
        .filter(|f| Path::new(&*f.path).parent().map(canonical) == Some(here.clone()))
        .map(|f| {
            let name = Path::new(&*f.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, f.line, f.code.to_string())
        })
        .collect()
}

/// Checks one fixture package exactly: every want found, nothing else.
pub fn check_fixture(package: &str) {
    let dir = fixtures().join(package);
    let want = wants(&dir);
    assert!(
        !want.is_empty(),
        "{package}: a fixture without wants proves nothing"
    );
    let got = reported(&dir);
    let missing: Vec<_> = want.difference(&got).collect();
    let unexpected: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{package}:\n  missing: {missing:?}\n  unexpected: {unexpected:?}"
    );
}

/// The `.go` files directly in `dir`, sorted.
pub fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    files.sort();
    files
}

/// A command of the real Go toolchain (`go`, `gofmt`); fails loudly when the
/// toolchain is missing: these tests never skip.
pub fn go_tool(name: &str) -> Command {
    let found = Command::new(name)
        .arg(if name == "go" { "version" } else { "-h" })
        .output();
    assert!(
        found.is_ok(),
        "`{name}` is not installed: the Go toolchain is required for these tests"
    );
    let mut cmd = Command::new(name);
    cmd.env("GOFLAGS", "-mod=mod").env("GOTOOLCHAIN", "local");
    cmd
}

/// `goroutineleakprofile` where the toolchain knows the experiment (Go
/// 1.26); from Go 1.27 the profile is on by default and the tests find it
/// either way.
fn leak_experiment() -> &'static str {
    let v = go_tool("go").args(["env", "GOVERSION"]).output().unwrap();
    let v = String::from_utf8_lossy(&v.stdout);
    if v.trim().starts_with("go1.26") {
        "goroutineleakprofile"
    } else {
        ""
    }
}

/// Runs a command: whether it succeeded, and its stdout then stderr.
pub fn output(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs a command, panicking with its output when it fails.
pub fn run_ok(cmd: &mut Command) -> String {
    let (ok, text) = output(cmd);
    assert!(ok, "{cmd:?} failed:\n{text}");
    text
}

/// `go test -race -count=1 ARGS` in `dir`, with Go's goroutine leak profile
/// where it is an experiment ([`leak_experiment`]).
pub fn go_test_race(dir: &Path, args: &[&str]) -> (bool, String) {
    output(
        go_tool("go")
            .args(["test", "-race", "-count=1"])
            .env("GOEXPERIMENT", leak_experiment())
            .args(args)
            .current_dir(dir),
    )
}

/// The `httpvet` binary under test: the command line's `main`, built by cargo
/// for this package's integration tests (so it is never stale). A macro,
/// because cargo tells only the integration tests where the binary is.
#[macro_export]
macro_rules! httpvet_bin {
    () => {
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_httpvet-e2e"))
    };
}

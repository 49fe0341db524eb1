//! Compiles `src/syntax/flat.c`, the layout walk that reads tree-sitter's
//! nodes directly (see its header comment), against the internal headers of
//! the tree-sitter crate this build links: its build script tells where its
//! `include` directory is (`DEP_TREE_SITTER_INCLUDE`), and the internal
//! headers sit beside it in `src`.
//!
//! Then asks the linker to lay out the functions `check` runs together at
//! the start of the code (`link/hot-functions.txt`, made by
//! `link/order-functions.sh`): the kernel maps code in 64 KB blocks around
//! each page that runs, and scattered over the whole binary the check's
//! code made 3 MB of it resident on any input; laid out together, about
//! 2 MB on a small one.

use std::path::PathBuf;

fn main() {
    compile_flat();
    order_functions();
}

fn compile_flat() {
    println!("cargo:rerun-if-changed=src/syntax/flat.c");
    let include = PathBuf::from(
        std::env::var("DEP_TREE_SITTER_INCLUDE")
            .expect("the tree-sitter crate tells its include directory"),
    );
    let internal = include
        .parent()
        .expect("tree-sitter's include directory has a parent")
        .join("src");
    cc::Build::new()
        .std("c11")
        .include(&include)
        .include(&internal)
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-unused-function")
        .opt_level(3)
        .file("src/syntax/flat.c")
        .compile("httpvet-flat");
}

/// Passes the list of hot functions to the linker where the linker is
/// Rust's own lld, the default for x86-64 Linux since Rust 1.90, and the
/// build chose no other (lld alone reads `--symbol-ordering-file`). A name
/// the list holds and the binary does not (a function since renamed) is
/// skipped without a word; a binary linked without the list only holds more
/// of its code resident.
fn order_functions() {
    println!("cargo:rerun-if-changed=link/hot-functions.txt");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let list = PathBuf::from(var("CARGO_MANIFEST_DIR")).join("link/hot-functions.txt");
    let own_linker = var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if var("TARGET") != "x86_64-unknown-linux-gnu" || own_linker || !list.is_file() {
        return;
    }
    let version = std::process::Command::new(var("RUSTC"))
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    // "rustc 1.95.0 (…)"
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    if minor.is_none_or(|m| m < 90) {
        return;
    }
    println!(
        "cargo:rustc-link-arg=-Wl,--symbol-ordering-file={}",
        list.display()
    );
    println!("cargo:rustc-link-arg=-Wl,--no-warn-symbol-ordering");
}

//! Compiles `src/syntax/flat.c`, the layout walk that reads tree-sitter's
//! nodes directly (see its header comment), against the internal headers of
//! the tree-sitter crate this build links: its build script tells where its
//! `include` directory is (`DEP_TREE_SITTER_INCLUDE`), and the internal
//! headers sit beside it in `src`.

use std::path::PathBuf;

fn main() {
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

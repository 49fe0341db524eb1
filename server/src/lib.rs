//! httpvet: finds the concurrency bugs of Go `net/http` servers and fixes them.
//!
//! Data flows one way: text → syntax tree ([`source`]) → package index
//! ([`index`]) → rules ([`rules`], over the helpers in [`syntax`]) →
//! diagnostics and fixes ([`diagnostic`]) → the command line ([`cli`]).

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod document;
pub mod engine;
pub mod fix;
pub mod gomod;
pub mod index;
pub mod links;
pub mod lsp;
pub mod position;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
#[cfg(test)]
mod testing;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Tunes the C allocator (glibc's, which Rust uses on Linux) for what a
/// check holds. glibc serves a large allocation from its own mapping, and
/// raises that threshold each time it frees one, so the next large buffers
/// (a growing list of 100,000 findings) come from the heap, where a freed
/// one stays resident. A fixed threshold keeps large buffers in mappings
/// that go back to the system when freed: 100,000 findings in one file
/// peak at 266 MB instead of 275 MB, a 5 MB file at 294 MB instead of 303.
/// Called by the command line before a check (and by the scale and GOROOT
/// benches, which measure what it does); not by the language server.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::ffi::c_int;
        unsafe extern "C" {
            fn mallopt(param: c_int, value: c_int) -> c_int;
        }
        /// glibc's `M_MMAP_THRESHOLD`.
        const M_MMAP_THRESHOLD: c_int = -3;
        // SAFETY: mallopt only sets a parameter of the allocator; it is
        // called before any thread starts.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        }
    }
}

/// Starts rayon's global pool, whose threads check files and batches of
/// declarations, if it has not started: one thread per core, each with the
/// stack a check needs ([`cli::STACK_BYTES`]). Call it before anything asks
/// rayon (which would start the pool with its own stack size). It is
/// started only when there is work for it: each thread has a stack and an
/// allocator arena of its own, which a run of one small file does not need.
pub fn start_threads() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(cli::STACK_BYTES)
            .build_global();
    });
}

/// How many threads the pool this runs in has: rayon's global pool
/// (starting it) outside any pool.
pub fn threads() -> usize {
    if rayon::current_thread_index().is_none() {
        start_threads();
    }
    rayon::current_num_threads()
}

/// `items` mapped by `f`, in their order: on all threads, or on this one
/// when there is at most one (without starting the pool).
pub fn map_in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    use rayon::prelude::*;
    match items.len() {
        0 | 1 => items.into_iter().map(f).collect(),
        _ => {
            start_threads();
            items.into_par_iter().map(f).collect()
        }
    }
}

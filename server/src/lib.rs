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

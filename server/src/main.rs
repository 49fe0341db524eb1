//! argv → the command line front door; nothing else.

fn main() {
    std::process::exit(httpvet::cli::main());
}

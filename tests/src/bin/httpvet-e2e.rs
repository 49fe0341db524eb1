//! The `httpvet` command line, built inside the tests package so that cargo
//! always hands the tests a fresh binary (`CARGO_BIN_EXE_httpvet-e2e`).

fn main() {
    std::process::exit(httpvet::cli::main());
}

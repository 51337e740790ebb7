//! The `gridcase-server` binary: parses the command line and runs it (see `gridcase_server::cli`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    gridcase_server::cli::main()
}

//! The `ketasim` binary: parses the command line (clap), runs it through the library and maps an
//! error to its exit code. Everything else is in the library (`src/lib.rs`).

use clap::Parser;

fn main() {
    ketasim::error::install_panic_hook();
    let cli = match ketasim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successes; bad flags are bad input (exit 2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(e) = ketasim::cli::run_command(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}

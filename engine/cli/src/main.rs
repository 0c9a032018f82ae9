//! The `kiln` command.
//!
//! - `kiln run [OPTIONS] MODULE [ARGS...]` runs a WASI program.
//! - `kiln compile [OPTIONS] MODULE -o OUT` writes a compiled module.
//! - `kiln wast [--engine interp] FILE...` runs WebAssembly spec test scripts.

mod bounds_checks;
mod cache;
mod compile;
mod run;
mod stats;
mod wast;

use std::process::ExitCode;

/// Large compilations run faster on huge pages (see `HugePageAlloc`).
#[global_allocator]
static ALLOCATOR: kiln::HugePageAlloc = kiln::HugePageAlloc::new();

const USAGE: &str = "\
usage: kiln <command> [options] ...
       kiln --version

commands:
  run [OPTIONS] MODULE [ARGS...]   run a WASI program (kiln run --help)
  compile [OPTIONS] MODULE -o OUT  compile a module ahead of time (kiln compile --help)
  wast [--engine interp] FILE...   run .wast spec test scripts
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run::main(&args[1..]),
        Some("compile") => compile::main(&args[1..]),
        Some("wast") => wast::main(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("kiln {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("kiln: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

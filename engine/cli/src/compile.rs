//! `kiln compile [OPTIONS] MODULE -o OUT`: compiles a module once and writes
//! its compiled artifact (`Module::serialize`), which `kiln run` runs without
//! compiling it again.
//!
//! The artifact loads only into an engine configured as the one that made
//! it, so the options that change generated code are given here as they
//! will be at run time: `--consume-fuel` for `kiln run --fuel`,
//! `--epoch-interruption` for `kiln run --timeout`, and `--bounds-checks`.

use kiln::{Config, Engine, Module, Strategy};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: kiln compile [OPTIONS] MODULE -o OUT

Compiles MODULE (.wasm or .wat) with the compiler and writes its compiled
artifact to OUT. `kiln run OUT` runs it without compiling it again, on a
CPU with the features the code uses and with the same code options as
given here (otherwise it refuses it with an error that says which).

options:
  -o, --output OUT       where to write the artifact
  --bounds-checks KIND   guard (the default where supported) or explicit, as
                         `kiln run --bounds-checks` will use
  --consume-fuel         count fuel, for `kiln run --fuel`
  --epoch-interruption   check epochs, for `kiln run --timeout`
  --no-parallel          compile the functions one after another on one
                         thread (the default is a thread per core)
  --stats                print on stderr `kiln-stats code_bytes=..`, the
                         time of each compile phase (`kiln-stats phases
                         decode_ms=.. ..`, as `kiln run --stats` does), the
                         moves, spills and reloads the register allocator
                         inserted (`kiln-stats allocator moves=.. spills=..
                         reloads=..`) and last `kiln-stats compile_ms=..`";

struct Options {
    config: Config,
    module: String,
    output: String,
    stats: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut config = Config::new();
    config.strategy(Strategy::Compiler);
    let (mut module, mut output, mut stats) = (None, None, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-o" | "--output" => {
                output = Some(args.next().ok_or("-o needs a file name")?.clone());
            }
            "--bounds-checks" => {
                let kind = args.next().ok_or("--bounds-checks needs a value")?;
                crate::bounds_checks::apply(&mut config, kind)?;
            }
            "--consume-fuel" => {
                config.consume_fuel(true);
            }
            "--epoch-interruption" => {
                config.epoch_interruption(true);
            }
            "--no-parallel" => {
                config.parallel_compilation(false);
            }
            "--stats" => stats = true,
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option `{flag}`"));
            }
            file if module.is_none() => module = Some(file.to_string()),
            extra => return Err(format!("one module at a time (`{extra}` is a second)")),
        }
    }
    Ok(Options {
        config,
        module: module.ok_or("no module given")?,
        output: output.ok_or("no output file given (-o OUT)")?,
        stats,
    })
}

pub fn main(args: &[String]) -> ExitCode {
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("kiln compile: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let engine = Engine::new(&options.config);
    let start = Instant::now();
    let written = Module::from_file(&engine, &options.module)
        .inspect(|module| {
            if options.stats {
                crate::stats::print_module_stats(module);
                let compile_ms = crate::stats::ms(start.elapsed());
                eprintln!("kiln-stats compile_ms={compile_ms:.3}");
            }
        })
        .and_then(|module| module.serialize())
        .map_err(|err| format!("{}: {err}", options.module))
        .and_then(|artifact| {
            crate::cache::write_atomically(options.output.as_ref(), &artifact)
                .map_err(|err| format!("cannot write {}: {err}", options.output))
        });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kiln compile: {message}");
            ExitCode::FAILURE
        }
    }
}

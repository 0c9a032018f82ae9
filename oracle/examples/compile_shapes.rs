//! Compile time of every pathological shape (`kiln_oracle::shapes`) on kiln's
//! optimizing compiler, at each shape's benchmark size N and at 10N, in
//! milliseconds and in milliseconds per KB of module, so that growth faster
//! than linear shows as a ratio above 10. Last, the 60,000-statement
//! function of `long_block` on its own.
//!
//! ```sh
//! cargo run --release -p kiln-oracle --example compile_shapes
//! cargo run --release -p kiln-oracle --example compile_shapes -- --only br_table
//! cargo run --release -p kiln-oracle --example compile_shapes -- --write /tmp/shapes
//! ```
//!
//! `--write DIR` also writes each module as `DIR/SHAPE-SIZE.wasm`, so that
//! other runtimes can be timed on exactly the same bytes. `--phases` prints,
//! under each shape, the time of every compile phase at N and at 10N and
//! their ratio, so that the phase that grows faster than its input shows.
//!
//! Each time is the best of five compilations in this process (one when a
//! compilation takes over a second), and the phases are those of the best
//! one: compilations after the first reuse memory the allocator kept.
//! `--fresh` instead compiles each module once in each of five new
//! processes and takes the median, as `kiln compile` and a host that
//! compiles one plugin see it: every page of the compiler's memory is new.
//! The two differ most at 10N, whose large buffers the allocator takes from
//! and gives back to the system each time.
//!
//! Like the `kiln` command, this program allocates with
//! [`kiln::HugePageAlloc`], which puts large blocks on huge pages.

use kiln::{CompileStats, Config, Engine, Module, Strategy};
use kiln_oracle::shapes::{SHAPES, Shape, shape};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The allocator of the `kiln` command (see the module documentation).
#[global_allocator]
static ALLOCATOR: kiln::HugePageAlloc = kiln::HugePageAlloc::new();

/// Compile phases by name, in milliseconds.
type Phases = Vec<(&'static str, f64)>;

/// One measured size of a shape.
struct Measured {
    kb: f64,
    ms: f64,
    /// The phases of the compilation whose time is reported.
    phases: Phases,
}

/// Compiles `wasm` once: the time in milliseconds and the phases.
fn compile_once(engine: &Engine, wasm: &[u8]) -> (f64, Phases) {
    let start = Instant::now();
    let module = Module::new(engine, wasm).expect("kiln compiles every shape");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let phases = module.compile_stats().phases();
    let phases = phases.map(|(name, time)| (name, time.as_secs_f64() * 1000.0));
    (ms, phases.to_vec())
}

/// The best of a few compilations of `wasm` in this process.
fn best_in_process(engine: &Engine, wasm: &[u8]) -> (f64, Phases) {
    let mut best = compile_once(engine, wasm);
    for _ in 1..5 {
        if best.0 > 1000.0 {
            break;
        }
        let next = compile_once(engine, wasm);
        if next.0 < best.0 {
            best = next;
        }
    }
    best
}

/// The median of five compilations of `shape` at size `n`, each in a new
/// process (this program, run with `--compile-once`).
fn median_of_fresh_processes(shape: &Shape, n: usize) -> (f64, Phases) {
    let program = std::env::current_exe().unwrap_or_else(|e| fail(&format!("{e}")));
    let mut runs: Vec<(f64, Phases)> = (0..5)
        .map(|_| {
            let output = Command::new(&program)
                .args(["--compile-once", shape.name, &n.to_string()])
                .output()
                .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", program.display())));
            parse_compile_once(&String::from_utf8_lossy(&output.stdout))
                .unwrap_or_else(|| fail("a --compile-once process printed no time"))
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.swap_remove(runs.len() / 2)
}

/// Compiles `shape` at size `n` once and prints `ms name=ms ...`: what a
/// process started by [`median_of_fresh_processes`] does.
fn compile_once_and_print(engine: &Engine, shape: &Shape, n: usize) {
    let (ms, phases) = compile_once(engine, &shape.wasm(n));
    let phases: Vec<String> = phases
        .iter()
        .map(|(name, ms)| format!("{name}={ms}"))
        .collect();
    println!("{ms} {}", phases.join(" "));
}

/// Reads what [`compile_once_and_print`] printed.
fn parse_compile_once(line: &str) -> Option<(f64, Phases)> {
    let mut words = line.split_whitespace();
    let ms = words.next()?.parse().ok()?;
    let phases = words
        .map(|word| {
            let (name, ms) = word.split_once('=')?;
            let phases = CompileStats::default().phases();
            let (known, _) = phases.into_iter().find(|&(known, _)| known == name)?;
            Some((known, ms.parse().ok()?))
        })
        .collect::<Option<Phases>>()?;
    Some((ms, phases))
}

/// Compiles `shape` at size `n`.
fn measure(engine: &Engine, shape: &Shape, n: usize, options: &Options) -> Measured {
    let wasm = shape.wasm(n);
    if let Some(dir) = &options.write {
        let path = dir.join(format!("{}-{n}.wasm", shape.name));
        if let Err(e) = std::fs::write(&path, &wasm) {
            fail(&format!("cannot write {}: {e}", path.display()));
        }
    }
    let (ms, phases) = if options.fresh {
        median_of_fresh_processes(shape, n)
    } else {
        best_in_process(engine, &wasm)
    };
    Measured {
        kb: wasm.len() as f64 / 1024.0,
        ms,
        phases,
    }
}

/// One line per compile phase: its time at N and at 10N, and the ratio.
fn print_phases(small: &Phases, large: &Phases) {
    for (&(name, ms), &(_, ms10)) in small.iter().zip(large) {
        let ratio = if ms > 0.0 { ms10 / ms } else { f64::NAN };
        println!("  {name:<16} {ms:>34.2} {ms10:>18.2} {ratio:>6.1}");
    }
}

/// What the command line asks for.
#[derive(Clone, Default)]
struct Options {
    only: Option<String>,
    write: Option<PathBuf>,
    phases: bool,
    fresh: bool,
}

const USAGE: &str = "usage: compile_shapes [--only SHAPE] [--write DIR] [--phases] [--fresh]";

/// Prints `message` and the usage on stderr, and exits with status 2.
fn fail(message: &str) -> ! {
    eprintln!("compile_shapes: {message}\n{USAGE}");
    std::process::exit(2)
}

/// The shape named `name`, or an error that lists the shapes.
fn shape_named(name: &str) -> &'static Shape {
    shape(name).unwrap_or_else(|| {
        let names: Vec<&str> = SHAPES.iter().map(|s| s.name).collect();
        fail(&format!(
            "no shape named `{name}`; shapes: {}",
            names.join(" ")
        ))
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut options = Options::default();
    let mut config = Config::new();
    config.strategy(Strategy::Compiler);
    let engine = Engine::new(&config);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                options.only = Some(args.next().unwrap_or_else(|| fail("--only needs a shape")))
            }
            "--write" => {
                let dir = args
                    .next()
                    .unwrap_or_else(|| fail("--write needs a folder"));
                options.write = Some(PathBuf::from(dir));
            }
            "--phases" => options.phases = true,
            "--fresh" => options.fresh = true,
            "--compile-once" => {
                let name = args
                    .next()
                    .unwrap_or_else(|| fail("--compile-once SHAPE N"));
                let n = args.next().and_then(|n| n.parse().ok());
                let n = n.unwrap_or_else(|| fail("--compile-once SHAPE N"));
                compile_once_and_print(&engine, shape_named(&name), n);
                return;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown option `{other}`")),
        }
    }
    if let Some(dir) = &options.write
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        fail(&format!("cannot make {}: {e}", dir.display()));
    }
    let shapes: Vec<&Shape> = match &options.only {
        Some(name) => vec![shape_named(name)],
        None => SHAPES.iter().collect(),
    };
    println!(
        "{:<18} {:>7} {:>9} {:>8} {:>8} {:>9} {:>8} {:>6}",
        "shape", "N", "KB", "ms", "ms/KB", "10N KB", "10N ms", "ratio"
    );
    for shape in shapes {
        let n = shape.bench_size;
        let small = measure(&engine, shape, n, &options);
        let large = measure(&engine, shape, 10 * n, &options);
        println!(
            "{:<18} {:>7} {:>9.1} {:>8.2} {:>8.3} {:>9.1} {:>8.2} {:>6.1}",
            shape.name,
            n,
            small.kb,
            small.ms,
            small.ms / small.kb,
            large.kb,
            large.ms,
            large.ms / small.ms
        );
        if options.phases {
            print_phases(&small.phases, &large.phases);
        }
    }
    if options.only.is_none() {
        let unwritten = Options {
            write: None,
            ..options.clone()
        };
        let statements = measure(&engine, shape_named("long_block"), 60_000, &unwritten);
        println!(
            "60,000 statements in one function ({:.0} KB): {:.1} ms",
            statements.kb, statements.ms
        );
    }
}

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
//! Each time is the best of five compilations (one when a compilation takes
//! over a second), and the phases are those of the best one.

use kiln::{CompileStats, Config, Engine, Module, Strategy};
use kiln_oracle::shapes::{SHAPES, Shape, shape};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One measured size of a shape.
struct Measured {
    kb: f64,
    ms: f64,
    /// The phases of the fastest compilation.
    phases: CompileStats,
}

/// The best time of a few compilations of `wasm`, with that compilation's
/// phases.
fn compile_time(engine: &Engine, wasm: &[u8]) -> (Duration, CompileStats) {
    let mut best = (Duration::MAX, CompileStats::default());
    for _ in 0..5 {
        let start = Instant::now();
        let module = Module::new(engine, wasm).expect("kiln compiles every shape");
        let elapsed = start.elapsed();
        if elapsed < best.0 {
            best = (elapsed, module.compile_stats());
        }
        if best.0 > Duration::from_secs(1) {
            break;
        }
    }
    best
}

/// Compiles `shape` at size `n`.
fn measure(engine: &Engine, shape: &Shape, n: usize, write: Option<&PathBuf>) -> Measured {
    let wasm = shape.wasm(n);
    if let Some(dir) = write {
        let path = dir.join(format!("{}-{n}.wasm", shape.name));
        if let Err(e) = std::fs::write(&path, &wasm) {
            fail(&format!("cannot write {}: {e}", path.display()));
        }
    }
    let (time, phases) = compile_time(engine, &wasm);
    Measured {
        kb: wasm.len() as f64 / 1024.0,
        ms: time.as_secs_f64() * 1000.0,
        phases,
    }
}

/// One line per compile phase: its time at N and at 10N, and the ratio.
fn print_phases(small: &CompileStats, large: &CompileStats) {
    for ((name, at_n), (_, at_10n)) in small.phases().into_iter().zip(large.phases()) {
        let (ms, ms10) = (at_n.as_secs_f64() * 1000.0, at_10n.as_secs_f64() * 1000.0);
        let ratio = if ms > 0.0 { ms10 / ms } else { f64::NAN };
        println!("  {name:<16} {ms:>34.2} {ms10:>18.2} {ratio:>6.1}");
    }
}

const USAGE: &str = "usage: compile_shapes [--only SHAPE] [--write DIR] [--phases]";

/// Prints `message` and the usage on stderr, and exits with status 2.
fn fail(message: &str) -> ! {
    eprintln!("compile_shapes: {message}\n{USAGE}");
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut only, mut write, mut phases) = (None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                only = Some(args.next().unwrap_or_else(|| fail("--only needs a shape")))
            }
            "--write" => {
                let dir = args.next().unwrap_or_else(|| fail("--write needs a folder"));
                write = Some(PathBuf::from(dir));
            }
            "--phases" => phases = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown option `{other}`")),
        }
    }
    if let Some(dir) = &write
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        fail(&format!("cannot make {}: {e}", dir.display()));
    }
    let shapes: Vec<&Shape> = match &only {
        Some(name) => match shape(name) {
            Some(shape) => vec![shape],
            None => {
                let names: Vec<&str> = SHAPES.iter().map(|s| s.name).collect();
                fail(&format!("no shape named `{name}`; shapes: {}", names.join(" ")))
            }
        },
        None => SHAPES.iter().collect(),
    };
    let mut config = Config::new();
    config.strategy(Strategy::Compiler);
    let engine = Engine::new(&config);
    println!(
        "{:<18} {:>7} {:>9} {:>8} {:>8} {:>9} {:>8} {:>6}",
        "shape", "N", "KB", "ms", "ms/KB", "10N KB", "10N ms", "ratio"
    );
    for shape in shapes {
        let n = shape.bench_size;
        let small = measure(&engine, shape, n, write.as_ref());
        let large = measure(&engine, shape, 10 * n, write.as_ref());
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
        if phases {
            print_phases(&small.phases, &large.phases);
        }
    }
    if only.is_none() {
        let long_block = shape("long_block").expect("long_block is a shape");
        let statements = measure(&engine, long_block, 60_000, None);
        println!(
            "60,000 statements in one function ({:.0} KB): {:.1} ms",
            statements.kb, statements.ms
        );
    }
}

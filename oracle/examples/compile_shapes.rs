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
//! other runtimes can be timed on exactly the same bytes. Each time is the
//! best of five compilations (one when a compilation takes over a second).

use kiln::{Config, Engine, Module, Strategy};
use kiln_oracle::shapes::{SHAPES, Shape, shape};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The best time of a few compilations of `wasm`.
fn compile_time(engine: &Engine, wasm: &[u8]) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        Module::new(engine, wasm).expect("kiln compiles every shape");
        best = best.min(start.elapsed());
        if best > Duration::from_secs(1) {
            break;
        }
    }
    best
}

/// Compiles `shape` at size `n`; returns its size in KB and the time in ms.
fn measure(engine: &Engine, shape: &Shape, n: usize, write: Option<&PathBuf>) -> (f64, f64) {
    let wasm = shape.wasm(n);
    if let Some(dir) = write {
        let path = dir.join(format!("{}-{n}.wasm", shape.name));
        std::fs::write(&path, &wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let kb = wasm.len() as f64 / 1024.0;
    (kb, compile_time(engine, &wasm).as_secs_f64() * 1000.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut only, mut write) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => only = Some(args.next().expect("--only SHAPE")),
            "--write" => write = Some(PathBuf::from(args.next().expect("--write DIR"))),
            other => panic!("usage: compile_shapes [--only SHAPE] [--write DIR], not {other}"),
        }
    }
    if let Some(dir) = &write {
        std::fs::create_dir_all(dir).expect("the --write directory can be made");
    }
    let shapes: Vec<&Shape> = match &only {
        Some(name) => vec![shape(name).unwrap_or_else(|| panic!("no shape named {name}"))],
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
        let (kb, ms) = measure(&engine, shape, n, write.as_ref());
        let (kb10, ms10) = measure(&engine, shape, 10 * n, write.as_ref());
        println!(
            "{:<18} {:>7} {:>9.1} {:>8.2} {:>8.3} {:>9.1} {:>8.2} {:>6.1}",
            shape.name,
            n,
            kb,
            ms,
            ms / kb,
            kb10,
            ms10,
            ms10 / ms
        );
    }
    if only.is_none() {
        let long_block = shape("long_block").expect("long_block is a shape");
        let (kb, ms) = measure(&engine, long_block, 60_000, None);
        println!("60,000 statements in one function ({kb:.0} KB): {ms:.1} ms");
    }
}

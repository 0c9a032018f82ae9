//! What loading a compiled module costs against compiling it: the figures
//! behind `Module::serialize`, `Module::deserialize_file` and
//! `kiln run --cache`.
//!
//! ```sh
//! cargo run --release -p kiln --example artifact_load            # SQLite
//! cargo run --release -p kiln --example artifact_load -- FILE.wasm
//! ```
//!
//! The module is SQLite from `../shared/bench/apps/sqlite/module.wasm`
//! unless a file is given. It is compiled a few times, its artifact written
//! to a temporary file, then loaded many times from that file
//! (`deserialize_file`, which maps the code) and from bytes in memory
//! (`deserialize`, which copies it); each figure is the median. Every load
//! is followed by an instantiation (with WASI) and a drop of the module, so that no
//! load finds pages another left mapped.

use kiln::wasi::WasiCtx;
use kiln::{Config, Engine, Linker, Module, Store, Strategy};
use std::time::{Duration, Instant};

/// Compilations timed; the median is reported.
const COMPILES: usize = 3;

/// Loads timed of each kind; the median is reported.
const LOADS: usize = 21;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn ms(time: Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}

fn main() -> kiln::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/bench/apps/sqlite/module.wasm"
        )
        .into()
    });
    let wasm = std::fs::read(&path)
        .map_err(|err| kiln::Error::Usage(format!("cannot read {path}: {err}")))?;
    let engine = Engine::new(Config::new().strategy(Strategy::Compiler));
    let mut module = None;
    let compile = median(
        (0..COMPILES)
            .map(|_| {
                let start = Instant::now();
                module = Some(Module::new(&engine, &wasm));
                start.elapsed()
            })
            .collect(),
    );
    let module = module.expect("compiled at least once")?;
    let start = Instant::now();
    let artifact = module.serialize()?;
    let serialize = start.elapsed();
    let file =
        std::env::temp_dir().join(format!("kiln-artifact-load-{}.kilnc", std::process::id()));
    std::fs::write(&file, &artifact)
        .map_err(|err| kiln::Error::Usage(format!("cannot write {}: {err}", file.display())))?;

    let timed = |load: &dyn Fn() -> kiln::Result<Module>| -> kiln::Result<Duration> {
        let mut times = Vec::with_capacity(LOADS);
        for _ in 0..LOADS {
            let start = Instant::now();
            let loaded = load()?;
            times.push(start.elapsed());
            let mut store = Store::new(&engine, WasiCtx::builder().build()?);
            let mut linker = Linker::new(&engine);
            kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
            linker.instantiate(&mut store, &loaded)?;
        }
        Ok(median(times))
    };
    // SAFETY: the file and the bytes hold the artifact `serialize` just
    // made, and nothing changes them while the example runs.
    let from_file = timed(&|| unsafe { Module::deserialize_file(&engine, &file) })?;
    // SAFETY: as above.
    let from_bytes = timed(&|| unsafe { Module::deserialize(&engine, &artifact) })?;
    // SAFETY: as above.
    let stats = unsafe { Module::deserialize_file(&engine, &file) }?.compile_stats();
    let _ = std::fs::remove_file(&file);

    println!("module: {path} ({} bytes of wasm)", wasm.len());
    println!("artifact: {} bytes", artifact.len());
    println!(
        "compile (Module::new), median of {COMPILES}: {:.1} ms",
        ms(compile)
    );
    println!("serialize: {:.2} ms", ms(serialize));
    println!(
        "deserialize_file, median of {LOADS}: {:.2} ms",
        ms(from_file)
    );
    println!(
        "  of one deserialize_file: checking and reading the metadata {:.2} ms, mapping the code {:.2} ms",
        ms(stats.decode),
        ms(stats.link)
    );
    println!(
        "deserialize (from bytes), median of {LOADS}: {:.2} ms",
        ms(from_bytes)
    );
    Ok(())
}

//! What 1,000 live instances of a one-page module cost: resident memory and
//! address space, from `/proc/self/status`, before and after creating them.
//!
//! ```sh
//! cargo run --release -p kiln --example footprint -- guard
//! cargo run --release -p kiln --example footprint -- explicit
//! ```
//!
//! With guard pages every memory reserves 4 GiB plus a 32 MiB guard region
//! of address space (no memory: the reservation is inaccessible until the
//! memory grows into it); with explicit checks a memory with a maximum of
//! one page reserves one page.

use kiln::{Config, Engine, Instance, Linker, Module, Store};

const INSTANCES: usize = 1000;

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmSize`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn main() -> kiln::Result<()> {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "guard".to_string());
    let mut config = Config::new();
    match mode.as_str() {
        "guard" => config.signals_based_traps(true),
        "explicit" => config.signals_based_traps(false),
        other => panic!("usage: footprint [guard|explicit], not {other}"),
    };
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module
            (memory (export "memory") 1 1)
            (func (export "touch") (i32.store (i32.const 0) (i32.const 1))))"#,
    )?;
    let linker = Linker::new(&engine);
    let (rss_before, size_before) = (status_kib("VmRSS"), status_kib("VmSize"));
    let mut live: Vec<(Store<()>, Instance)> = Vec::with_capacity(INSTANCES);
    for _ in 0..INSTANCES {
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module)?;
        instance
            .get_typed_func::<(), ()>(&store, "touch")?
            .call(&mut store, ())?;
        live.push((store, instance));
    }
    let (rss_after, size_after) = (status_kib("VmRSS"), status_kib("VmSize"));
    let (rss, size) = (rss_after - rss_before, size_after - size_before);
    let each = INSTANCES as u64;
    println!(
        "{mode}: {INSTANCES} instances: RSS +{} MiB ({} KiB each), address space +{} MiB ({} KiB each)",
        rss / 1024,
        rss / each,
        size / 1024,
        size / each,
    );
    drop(live);
    Ok(())
}

//! What crossing the boundary between the host and wasm costs: calls each
//! way and instantiation, the figures an embedder running plugins pays per
//! host API call, per request and per fresh plugin.
//!
//! ```sh
//! cargo run --release -p kiln --example boundary
//! cargo run --release -p kiln --example boundary -- interp   # or ssa
//! ```
//!
//! Each figure is the median, over several batches, of the time per
//! operation within a batch. Instantiation is timed from `Store::new` to a
//! ready instance, as an embedder waits for it; dropping the store is not
//! in that figure (it discards the memory's pages for the next instance, see
//! `runtime::pool`), so the whole cycle is shown on a line of its own. Instantiating SQLite needs its module from
//! `../shared/bench/apps/sqlite/module.wasm` (or the path in
//! `KILN_SQLITE_WASM`); the line is skipped when it is absent.

use kiln::wasi::{OutputBuffer, OutputSink, WasiCtx};
use kiln::{Caller, Config, Engine, Linker, Module, Store, Strategy};
use std::time::{Duration, Instant};

/// Batches per figure; the median is reported.
const BATCHES: usize = 15;

/// The small module: one host import called in a loop, two exports to call
/// from the host, and a page of memory with a data segment.
const SMALL: &str = r#"(module
    (import "env" "host" (func $host (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello, boundary")
    (func (export "call_host") (param $n i32) (result i32)
        (local $sum i32)
        (block $done
            (loop $again
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $sum (i32.add (local.get $sum) (call $host (local.get $n))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $again)))
        (local.get $sum))
    (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1)))
    (func (export "nop")))"#;

/// The median over `BATCHES` batches of the time per operation, where one
/// batch of `ops` operations is timed by `batch`.
fn median_per_op(ops: u32, mut batch: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..BATCHES).map(|_| batch() / ops).collect();
    times.sort();
    times[BATCHES / 2]
}

fn report(what: &str, time: Duration) {
    let nanos = time.as_nanos();
    if nanos >= 10_000 {
        println!("{what:<48} {:>9.1} µs", nanos as f64 / 1000.0);
    } else {
        println!("{what:<48} {nanos:>9} ns");
    }
}

fn main() -> kiln::Result<()> {
    let strategy = match std::env::args().nth(1).as_deref() {
        None | Some("compiler") => Strategy::Compiler,
        Some("interp") => Strategy::Interpreter,
        Some("ssa") => Strategy::Ssa,
        Some(other) => {
            eprintln!("usage: boundary [compiler|interp|ssa], not {other}");
            std::process::exit(2);
        }
    };
    let engine = Engine::new(Config::new().strategy(strategy));
    println!("engine: {strategy:?}");

    let module = Module::new(&engine, SMALL)?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "host", |_: Caller<'_, ()>, x: i32| x ^ 1)?;

    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let call_host = instance.get_typed_func::<i32, i32>(&store, "call_host")?;
    let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
    let nop = instance.get_typed_func::<(), ()>(&store, "nop")?;

    const HOST_CALLS: u32 = 100_000;
    let time = median_per_op(HOST_CALLS, || {
        let start = Instant::now();
        call_host
            .call(&mut store, HOST_CALLS as i32)
            .expect("call_host");
        start.elapsed()
    });
    report("wasm -> host call (typed func_wrap)", time);

    const CALLS: u32 = 100_000;
    let time = median_per_op(CALLS, || {
        let start = Instant::now();
        for i in 0..CALLS as i32 {
            std::hint::black_box(add.call(&mut store, (i, 1)).expect("add"));
        }
        start.elapsed()
    });
    report("host -> wasm TypedFunc::call (i32, i32) -> i32", time);

    let time = median_per_op(CALLS, || {
        let start = Instant::now();
        for _ in 0..CALLS {
            nop.call(&mut store, ()).expect("nop");
        }
        start.elapsed()
    });
    report("host -> wasm TypedFunc::call () -> ()", time);

    const INSTANCES: u32 = 200;
    let pre = linker.instantiate_pre(&module)?;
    let time = median_per_op(INSTANCES, || {
        let mut total = Duration::ZERO;
        for _ in 0..INSTANCES {
            let start = Instant::now();
            let mut store = Store::new(&engine, ());
            let instance = pre.instantiate(&mut store).expect("small");
            total += start.elapsed();
            std::hint::black_box(instance);
        }
        total
    });
    report("Store::new + InstancePre::instantiate, small", time);

    let time = median_per_op(INSTANCES, || {
        let start = Instant::now();
        for _ in 0..INSTANCES {
            let mut store = Store::new(&engine, ());
            pre.instantiate(&mut store).expect("small");
        }
        start.elapsed()
    });
    report("  the same with the store dropped again", time);

    let sqlite = std::env::var("KILN_SQLITE_WASM")
        .unwrap_or_else(|_| "../shared/bench/apps/sqlite/module.wasm".into());
    match std::fs::read(&sqlite) {
        Ok(bytes) => {
            let module = Module::new(&engine, bytes)?;
            let mut linker = Linker::new(&engine);
            kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
            let pre = linker.instantiate_pre(&module)?;
            const SQLITE_INSTANCES: u32 = 20;
            let time = median_per_op(SQLITE_INSTANCES, || {
                let mut total = Duration::ZERO;
                for _ in 0..SQLITE_INSTANCES {
                    let wasi = WasiCtx::builder()
                        .stdout(OutputSink::Buffer(OutputBuffer::new()))
                        .build()
                        .expect("WASI context");
                    let start = Instant::now();
                    let mut store = Store::new(&engine, wasi);
                    let instance = pre.instantiate(&mut store).expect("sqlite");
                    total += start.elapsed();
                    std::hint::black_box(instance);
                }
                total
            });
            report("Store::new + InstancePre::instantiate, SQLite", time);
        }
        Err(err) => println!("SQLite skipped: cannot read {sqlite}: {err}"),
    }
    Ok(())
}

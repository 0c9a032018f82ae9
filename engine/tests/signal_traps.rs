//! Out-of-bounds traps through the signal handler when many threads, each
//! with its own store, fault at the same time, and when wasm on one thread
//! calls the host, which runs wasm of another store on the same thread.

use kiln::*;
use std::sync::{Arc, Barrier};

const WAT: &str = r#"(module
    (import "host" "reenter" (func $reenter (param i32) (result i32)))
    (memory (export "memory") 1)
    (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func $outer (export "outer") (param i32) (result i32) (call $load (local.get 0)))
    (func (export "through_host") (param i32) (result i32) (call $reenter (local.get 0))))"#;

/// Whether this CPU has the compiler, the only engine whose accesses fault;
/// says so when it does not, for the test to skip.
fn has_compiler() -> bool {
    let has = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
    if !has {
        eprintln!(
            "skipped: out-of-bounds faults need the compiler, which has no backend for this CPU"
        );
    }
    has
}

fn guard_engine() -> Engine {
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .signals_based_traps(true);
    Engine::new(&config)
}

/// A store with an instance of [`WAT`] whose `reenter` import calls `outer`
/// of a second instance in another store, on the same thread.
fn instance(engine: &Engine, module: &Module) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    let (inner_engine, inner_module) = (engine.clone(), module.clone());
    linker
        .func_wrap("host", "reenter", move |address: i32| -> Result<i32> {
            let mut inner = Store::new(&inner_engine, ());
            let mut linker = Linker::new(&inner_engine);
            linker.func_wrap("host", "reenter", |_: i32| -> i32 { 0 })?;
            let instance = linker.instantiate(&mut inner, &inner_module)?;
            let outer = instance.get_typed_func::<i32, i32>(&inner, "outer")?;
            match outer.call(&mut inner, address) {
                Ok(value) => Ok(value),
                Err(err) if err.trap_code() == Some(TrapCode::MemoryOutOfBounds) => Ok(-1),
                Err(err) => Err(err),
            }
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, module).unwrap();
    (store, instance)
}

#[test]
fn threads_trap_out_of_bounds_at_the_same_time() {
    if !has_compiler() {
        return;
    }
    let engine = guard_engine();
    let module = Module::new(&engine, WAT).unwrap();
    let threads = 8;
    let start = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let (engine, module, start) = (engine.clone(), module.clone(), start.clone());
            std::thread::spawn(move || {
                let (mut store, instance) = instance(&engine, &module);
                let memory = instance.get_memory(&store, "memory").unwrap();
                memory
                    .write(&mut store, 8, &(thread as i32).to_le_bytes())
                    .unwrap();
                let outer = instance
                    .get_typed_func::<i32, i32>(&store, "outer")
                    .unwrap();
                start.wait();
                for round in 0..500 {
                    assert_eq!(outer.call(&mut store, 8).unwrap(), thread as i32);
                    let err = outer.call(&mut store, 65533 + round).unwrap_err();
                    let trap = err.as_trap().expect("a trap");
                    assert_eq!(trap.code(), TrapCode::MemoryOutOfBounds);
                    let names: Vec<_> = trap
                        .backtrace()
                        .iter()
                        .map(|frame| frame.func_name.as_deref())
                        .collect();
                    assert_eq!(names, [Some("load"), Some("outer")]);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker failed");
    }
}

#[test]
fn a_trap_in_wasm_entered_from_a_host_function_stays_in_its_store() {
    if !has_compiler() {
        return;
    }
    let engine = guard_engine();
    let module = Module::new(&engine, WAT).unwrap();
    let (mut store, instance) = instance(&engine, &module);
    let through_host = instance
        .get_typed_func::<i32, i32>(&store, "through_host")
        .unwrap();
    assert_eq!(through_host.call(&mut store, 0).unwrap(), 0);
    assert_eq!(through_host.call(&mut store, 65536).unwrap(), -1);
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    let err = outer.call(&mut store, -4).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

//! `InstancePre`: imports resolved once, instantiated in many stores, on
//! many threads, with memories that start from the module's image whatever
//! other instances did to theirs.

mod support;

use kiln::*;
use support::every_engine;

/// A module that counts its calls in its host data, keeps a table of two
/// functions, and has a memory with data at two places and a mutable global.
const COUNTER: &str = r#"(module
    (import "env" "count" (func $count (param i32) (result i32)))
    (memory (export "memory") 2)
    (data (i32.const 8) "first")
    (data (i32.const 70000) "second, on the next page")
    (global $calls (mut i32) (i32.const 0))
    (table 4 funcref)
    (elem (i32.const 1) $one $two)
    (type $unit (func (result i32)))
    (func $one (result i32) (i32.const 1))
    (func $two (result i32) (i32.const 2))
    (func (export "pick") (param i32) (result i32)
        (call_indirect (type $unit) (local.get 0)))
    (func (export "run") (param i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (call $count (local.get 0)))
    (func (export "calls") (result i32) (global.get $calls))
    (func (export "scribble")
        (memory.fill (i32.const 0) (i32.const 0xee) (i32.const 131072))))"#;

fn counter_pre(engine: &Engine) -> InstancePre<u32> {
    let module = Module::new(engine, COUNTER).expect("module compiles");
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("env", "count", |mut caller: Caller<'_, u32>, by: i32| {
            *caller.data_mut() += by as u32;
            *caller.data() as i32
        })
        .expect("defined once");
    linker.instantiate_pre(&module).expect("imports resolve")
}

/// The bytes at `at` of the instance's memory.
fn memory_bytes(store: &Store<u32>, instance: Instance, at: usize, len: usize) -> Vec<u8> {
    let memory = instance.get_memory(store, "memory").expect("memory export");
    memory.data_slice(store)[at..at + len].to_vec()
}

/// Checks that a fresh instance looks as the module says and works, then
/// writes all over its memory and its global.
fn use_fresh_instance(pre: &InstancePre<u32>) {
    let mut store = Store::new(pre.module().engine(), 0);
    let instance = pre.instantiate(&mut store).expect("instantiates");
    assert_eq!(
        memory_bytes(&store, instance, 0, 16),
        b"\0\0\0\0\0\0\0\0first\0\0\0"
    );
    assert_eq!(
        memory_bytes(&store, instance, 70000, 24),
        b"second, on the next page"
    );
    assert_eq!(memory_bytes(&store, instance, 100_000, 4), [0; 4]);
    let pick = instance
        .get_typed_func::<i32, i32>(&store, "pick")
        .expect("pick");
    assert_eq!(pick.call(&mut store, 1).expect("table slot 1"), 1);
    assert_eq!(pick.call(&mut store, 2).expect("table slot 2"), 2);
    let null = pick.call(&mut store, 0).expect_err("table slot 0 is null");
    assert_eq!(null.trap_code(), Some(TrapCode::UninitializedElement));
    let calls = instance
        .get_typed_func::<(), i32>(&store, "calls")
        .expect("calls");
    assert_eq!(calls.call(&mut store, ()).expect("calls"), 0);
    let run = instance
        .get_typed_func::<i32, i32>(&store, "run")
        .expect("run");
    assert_eq!(run.call(&mut store, 5).expect("run"), 5);
    assert_eq!(run.call(&mut store, 2).expect("run"), 7);
    assert_eq!(calls.call(&mut store, ()).expect("calls"), 2);
    instance
        .get_typed_func::<(), ()>(&store, "scribble")
        .expect("scribble")
        .call(&mut store, ())
        .expect("scribble");
    assert_eq!(memory_bytes(&store, instance, 8, 5), [0xee; 5]);
}

#[test]
fn one_instance_pre_instantiates_in_many_stores_each_starting_pristine() {
    for engine in every_engine() {
        let pre = counter_pre(&engine);
        for _ in 0..20 {
            use_fresh_instance(&pre);
        }
    }
}

#[test]
fn instances_torn_down_while_others_share_the_image_leave_it_pristine() {
    for engine in every_engine() {
        let pre = counter_pre(&engine);
        let mut live = Vec::new();
        for round in 0..8 {
            let mut store = Store::new(&engine, 0);
            let instance = pre.instantiate(&mut store).expect("instantiates");
            let memory = instance.get_memory(&store, "memory").expect("memory");
            memory.data_slice_mut(&mut store)[8..13].copy_from_slice(b"dirty");
            if round % 2 == 0 {
                live.push((store, instance));
            }
            use_fresh_instance(&pre);
        }
        for (store, instance) in &live {
            assert_eq!(memory_bytes(store, *instance, 8, 5), b"dirty");
        }
    }
}

#[test]
fn one_instance_pre_instantiates_on_many_threads() {
    for engine in every_engine() {
        let pre = counter_pre(&engine);
        let spread = Module::new(&engine, SPREAD).expect("module compiles");
        let spread = Linker::<()>::new(&engine)
            .instantiate_pre(&spread)
            .expect("no imports");
        std::thread::scope(|scope| {
            for thread in 0..4u8 {
                let (pre, spread) = (pre.clone(), spread.clone());
                scope.spawn(move || {
                    for _ in 0..10 {
                        use_fresh_instance(&pre);
                        let mut store = Store::new(spread.module().engine(), ());
                        let instance = spread.instantiate(&mut store).expect("instantiates");
                        let memory = instance.get_memory(&store, "memory").expect("memory");
                        assert_spread_is_pristine(&store, memory);
                        memory.data_slice_mut(&mut store).fill(thread);
                    }
                });
            }
        });
    }
}

#[test]
fn a_module_instantiates_in_the_same_store_many_times() {
    for engine in every_engine() {
        let pre = counter_pre(&engine);
        let mut store = Store::new(&engine, 0);
        let instances: Vec<Instance> = (0..5)
            .map(|_| pre.instantiate(&mut store).expect("instantiates"))
            .collect();
        for (i, instance) in instances.iter().enumerate() {
            let run = instance
                .get_typed_func::<i32, i32>(&store, "run")
                .expect("run");
            assert_eq!(run.call(&mut store, 1).expect("run"), i as i32 + 1);
        }
    }
}

#[test]
fn instantiate_pre_reports_missing_and_mistyped_imports() {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER).expect("module compiles");
    let linker: Linker<u32> = Linker::new(&engine);
    let missing = linker
        .instantiate_pre(&module)
        .err()
        .expect("missing import");
    assert!(missing.to_string().contains("`env`.`count`"), "{missing}");
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker
        .func_wrap("env", "count", |x: i64| x)
        .expect("defined once");
    let mistyped = linker.instantiate_pre(&module).err().expect("wrong type");
    assert!(
        mistyped.to_string().contains("incompatible import type"),
        "{mistyped}"
    );
}

#[test]
fn items_of_a_store_are_checked_when_instantiating() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (import "env" "g" (global i32)))"#,
    )
    .expect("module compiles");
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let f = Func::wrap(&mut store, |_: i32| {});
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1),
    )
    .expect("global");
    linker.define("env", "f", f).expect("defined once");
    linker.define("env", "g", g).expect("defined once");
    let pre = linker.instantiate_pre(&module).expect("resolves");
    pre.instantiate(&mut store)
        .expect("instantiates in the items' store");
    let mut other = Store::new(&engine, ());
    let error = pre.instantiate(&mut other).expect_err("other store");
    assert!(error.to_string().contains("another store"), "{error}");

    let mut linker = Linker::new(&engine);
    let wrong = Func::wrap(&mut store, |_: i64| {});
    linker.define("env", "f", wrong).expect("defined once");
    linker.define("env", "g", g).expect("defined once");
    let pre = linker.instantiate_pre(&module).expect("resolves");
    let error = pre.instantiate(&mut store).expect_err("wrong type");
    assert!(
        error.to_string().contains("incompatible import type"),
        "{error}"
    );
}

/// A module whose data touches a page in each of four 64 KiB pages, enough
/// for the engine to map its memory image rather than copy it.
const SPREAD: &str = r#"(module
    (memory (export "memory") 4 8)
    (data (i32.const 0) "page zero")
    (data (i32.const 65536) "page one")
    (data (i32.const 131072) "page two")
    (data (i32.const 262136) "the end!")
    (func (export "scribble") (param $byte i32)
        (memory.fill (i32.const 0) (local.get $byte) (i32.const 262144)))
    (func (export "grow") (result i32) (memory.grow (i32.const 1)))
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

/// The bytes that `SPREAD` puts at each of its data segments' offsets.
const SPREAD_DATA: [(usize, &[u8]); 4] = [
    (0, b"page zero"),
    (65536, b"page one"),
    (131072, b"page two"),
    (262136, b"the end!"),
];

fn assert_spread_is_pristine(store: &Store<()>, memory: Memory) {
    let bytes = memory.data_slice(store);
    assert_eq!(bytes.len(), 4 * 65536);
    for (at, data) in SPREAD_DATA {
        assert_eq!(&bytes[at..at + data.len()], data, "data at {at}");
    }
    assert!(
        bytes[9..65536].iter().all(|&b| b == 0),
        "zeros after page zero"
    );
    assert!(
        bytes[196608..262136].iter().all(|&b| b == 0),
        "zeros before the end"
    );
}

#[test]
fn memories_sharing_a_mapped_image_never_see_each_others_writes() {
    for engine in every_engine() {
        let module = Module::new(&engine, SPREAD).expect("module compiles");
        let pre = Linker::<()>::new(&engine)
            .instantiate_pre(&module)
            .expect("no imports");
        let mut live = Vec::new();
        for round in 0..6u8 {
            let mut store = Store::new(&engine, ());
            let instance = pre.instantiate(&mut store).expect("instantiates");
            let memory = instance.get_memory(&store, "memory").expect("memory");
            assert_spread_is_pristine(&store, memory);
            let scribble = instance
                .get_typed_func::<i32, ()>(&store, "scribble")
                .expect("scribble");
            scribble
                .call(&mut store, i32::from(round) + 1)
                .expect("fill");
            assert!(memory.data_slice(&store).iter().all(|&b| b == round + 1));
            let grow = instance
                .get_typed_func::<(), i32>(&store, "grow")
                .expect("grow");
            assert_eq!(grow.call(&mut store, ()).expect("grow"), 4);
            let load = instance
                .get_typed_func::<i32, i32>(&store, "load")
                .expect("load");
            assert_eq!(load.call(&mut store, 5 * 65536 - 1).expect("grown page"), 0);
            let beyond = load
                .call(&mut store, 5 * 65536)
                .expect_err("beyond the memory");
            assert_eq!(beyond.trap_code(), Some(TrapCode::MemoryOutOfBounds));
            if round % 2 == 0 {
                live.push((store, memory, round + 1));
            }
        }
        for (store, memory, byte) in &live {
            let bytes = memory.data_slice(store);
            assert!(bytes[..4 * 65536].iter().all(|b| b == byte));
        }
        drop(live);
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate(&mut store).expect("instantiates");
        let memory = instance.get_memory(&store, "memory").expect("memory");
        assert_spread_is_pristine(&store, memory);
    }
}

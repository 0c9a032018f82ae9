//! Stopping guests that would not return, on every engine: fuel (counted the
//! same everywhere), epoch deadlines (with a trap or a callback, with the
//! epoch ticked from other threads), and deterministic NaNs.

use kiln::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Every strategy this CPU has: the compiler only where it has a backend.
fn strategies() -> Vec<Strategy> {
    let compiler =
        cfg!(any(target_arch = "x86_64", target_arch = "aarch64")).then_some(Strategy::Compiler);
    [Strategy::Interpreter, Strategy::Ssa]
        .into_iter()
        .chain(compiler)
        .collect()
}

fn engine(strategy: Strategy, configure: impl Fn(&mut Config)) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy);
    configure(&mut config);
    Engine::new(&config)
}

fn fuel_engine(strategy: Strategy) -> Engine {
    engine(strategy, |config| {
        config.consume_fuel(true);
    })
}

fn epoch_engine(strategy: Strategy) -> Engine {
    engine(strategy, |config| {
        config.epoch_interruption(true);
    })
}

/// Endless guests of every shape: a bare loop, a loop that calls wasm, a
/// loop that calls the host, and recursion that unwinds and starts again.
const ENDLESS: &str = r#"(module
    (import "host" "nothing" (func $nothing))
    (global $g (mut i32) (i32.const 0))
    (func $leaf (global.set $g (i32.add (global.get $g) (i32.const 1))))
    (func $down (param i32)
        (if (local.get 0) (then (call $down (i32.sub (local.get 0) (i32.const 1))))))
    (func (export "loop") (loop br 0))
    (func (export "loop_calling_wasm") (loop (call $leaf) (br 0)))
    (func (export "loop_calling_host") (loop (call $nothing) (br 0)))
    (func (export "recursion") (loop (call $down (i32.const 50)) (br 0))))"#;

const ENDLESS_EXPORTS: [&str; 4] = [
    "loop",
    "loop_calling_wasm",
    "loop_calling_host",
    "recursion",
];

fn instantiate_endless<T>(store: &mut Store<T>) -> Instance {
    let module = Module::new(store.engine(), ENDLESS).unwrap();
    let mut linker = Linker::new(store.engine());
    linker.func_wrap("host", "nothing", || {}).unwrap();
    linker.instantiate(store, &module).unwrap()
}

#[test]
fn fuel_stops_endless_guests_on_every_engine() {
    for strategy in strategies() {
        let mut store = Store::new(&fuel_engine(strategy), ());
        let instance = instantiate_endless(&mut store);
        for name in ENDLESS_EXPORTS {
            store.set_fuel(20_000).unwrap();
            let func = instance.get_typed_func::<(), ()>(&store, name).unwrap();
            let error = func.call(&mut store, ()).unwrap_err();
            assert_eq!(
                error.trap_code(),
                Some(TrapCode::OutOfFuel),
                "{name} on {strategy:?}: {error}"
            );
            // Running out leaves nothing.
            assert_eq!(store.get_fuel().unwrap(), 0, "{name} on {strategy:?}");
        }
    }
}

#[test]
fn a_store_starts_without_fuel_and_fuel_must_be_turned_on() {
    for strategy in strategies() {
        let mut store = Store::new(&fuel_engine(strategy), ());
        assert_eq!(store.get_fuel().unwrap(), 0);
        let instance = instantiate_endless(&mut store);
        let func = instance.get_typed_func::<(), ()>(&store, "loop").unwrap();
        let error = func.call(&mut store, ()).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::OutOfFuel));
    }
    let mut store = Store::new(&Engine::default(), ());
    assert!(matches!(store.set_fuel(1), Err(Error::Usage(_))));
    assert!(matches!(store.get_fuel(), Err(Error::Usage(_))));
}

/// `count(n)` loops `n` times; every iteration runs the same 7 operators of
/// one unit each (`local.get`, `i32.const`, `i32.add`, `local.tee`,
/// `local.get`, `i32.lt_u`, `br_if`); `loop` and `end` are free.
const COUNT: &str = r#"(module (func (export "count") (param $n i32)
    (local $i i32)
    (loop $again
        (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (local.get $n)
        (i32.lt_u)
        (br_if $again))))"#;

#[test]
fn every_operator_costs_what_the_table_says() {
    for strategy in strategies() {
        let mut store = Store::new(&fuel_engine(strategy), ());
        let module = Module::new(store.engine(), COUNT).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let count = instance.get_typed_func::<i32, ()>(&store, "count").unwrap();
        let mut consumed = |n: i32| {
            store.set_fuel(1_000_000).unwrap();
            count.call(&mut store, n).unwrap();
            1_000_000 - store.get_fuel().unwrap()
        };
        let (ten, eleven) = (consumed(10), consumed(11));
        assert_eq!(eleven - ten, 7, "one more iteration on {strategy:?}");
        // Ten iterations and the final `end`s, which are free.
        assert_eq!(ten, 70, "on {strategy:?}");
    }
}

/// A guest with every kind of region: branches of all sorts, calls of wasm
/// and host functions, memory and globals that record how far it got.
const BUSY: &str = r#"(module
    (import "host" "note" (func $note (param i32)))
    (memory (export "memory") 1)
    (global $steps (export "steps") (mut i32) (i32.const 0))
    (table 2 funcref)
    (elem (i32.const 0) $twice $note)
    (type $unary (func (param i32) (result i32)))
    (type $sink (func (param i32)))
    (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func $step (param $x i32) (result i32)
        (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
        (i32.store (i32.shl (i32.and (global.get $steps) (i32.const 255)) (i32.const 2))
                   (local.get $x))
        (block $default
            (block $two
                (block $one
                    (block $zero
                        (br_table $zero $one $two $default
                            (i32.rem_u (local.get $x) (i32.const 4))))
                    (return (call_indirect (type $unary) (local.get $x) (i32.const 0))))
                (call_indirect (type $sink) (local.get $x) (i32.const 1))
                (return (i32.add (local.get $x) (i32.const 3))))
            (local.set $x (if (result i32) (i32.and (local.get $x) (i32.const 8))
                (then (i32.add (local.get $x) (i32.const 5)))
                (else (i32.sub (local.get $x) (i32.const 1))))))
        (i32.add (call $twice (local.get $x)) (i32.const 1)))
    (func (export "run") (param $n i32) (result i32)
        (local $x i32)
        (local.set $x (i32.const 1))
        (loop $again
            (local.set $x (i32.and
                (i32.add
                    (i32.shr_u (i32.mul (call $step (local.get $x)) (i32.const 13)) (i32.const 3))
                    (local.get $n))
                (i32.const 0xffff)))
            (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $x)))"#;

/// How one budget ended on one engine: the outcome, the fuel left, the host
/// calls, and the guest's state.
#[derive(Debug, PartialEq)]
struct Run {
    outcome: std::result::Result<i32, TrapCode>,
    fuel_left: u64,
    notes: Vec<i32>,
    steps: i32,
    /// A digest of the bytes the guest writes to, short enough to print.
    memory_digest: u64,
}

/// FNV-1a.
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The busy guest, ready to run on one engine.
struct Busy {
    engine: Engine,
    module: Module,
    linker: Linker<Vec<i32>>,
}

impl Busy {
    fn new(strategy: Strategy) -> Busy {
        let engine = fuel_engine(strategy);
        let module = Module::new(&engine, BUSY).unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "note",
                |mut caller: Caller<'_, Vec<i32>>, x: i32| caller.data_mut().push(x),
            )
            .unwrap();
        Busy {
            engine,
            module,
            linker,
        }
    }

    /// Runs the guest in a new store with `budget` fuel.
    fn run(&self, budget: u64) -> Run {
        let mut store = Store::new(&self.engine, Vec::new());
        let instance = self.linker.instantiate(&mut store, &self.module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        store.set_fuel(budget).unwrap();
        let outcome = run
            .call(&mut store, 40)
            .map_err(|error| error.trap_code().expect("a trap"));
        let steps = instance.get_global(&store, "steps").unwrap().get(&store);
        let memory = instance.get_memory(&store, "memory").unwrap();
        Run {
            outcome,
            fuel_left: store.get_fuel().unwrap(),
            notes: store.data().clone(),
            steps: steps.i32().unwrap(),
            memory_digest: digest(&memory.data_slice(&store)[..1024]),
        }
    }
}

#[test]
fn fuel_runs_out_at_the_same_point_on_every_engine() {
    let mut engines = strategies()
        .into_iter()
        .map(|strategy| (strategy, Busy::new(strategy)));
    let (_, interpreter) = engines.next().expect("the interpreter comes first");
    let others: Vec<(Strategy, Busy)> = engines.collect();
    let full = interpreter.run(u64::MAX);
    let needed = u64::MAX - full.fuel_left;
    assert!(
        full.outcome.is_ok() && needed > 1000,
        "{full:?} after {needed}"
    );
    assert!(
        full.notes.len() > 3,
        "the guest calls the host: {:?}",
        full.notes
    );
    // Every budget around the start, then a spread over the rest.
    let budgets = (0..300).chain((300..=needed).step_by(37)).chain([needed]);
    for budget in budgets {
        let reference = interpreter.run(budget);
        assert_eq!(reference.outcome.is_ok(), budget >= needed, "{budget}");
        for (strategy, other) in &others {
            assert_eq!(
                other.run(budget),
                reference,
                "budget {budget} on {strategy:?}"
            );
        }
    }
}

#[test]
fn after_a_trap_the_fuel_is_what_the_last_call_or_return_left() {
    let wat = r#"(module
        (import "host" "nothing" (func $nothing))
        (func $helper (drop (i32.add (i32.const 1) (i32.const 2))))
        (func (export "trap_at_once") (drop (i32.const 1)) (unreachable))
        (func (export "trap_after_a_host_call")
            (call $nothing) (drop (i32.const 1)) (unreachable))
        (func (export "trap_after_a_wasm_call")
            (call $helper) (drop (i32.const 1)) (unreachable)))"#;
    // The fuel region of each export is its whole body; the helper's is 3.
    let expected = [
        ("trap_at_once", 1_000),
        ("trap_after_a_host_call", 1_000 - 2),
        ("trap_after_a_wasm_call", 1_000 - 2 - 3),
    ];
    for strategy in strategies() {
        let engine = fuel_engine(strategy);
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "nothing", || {}).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        for (name, left) in expected {
            store.set_fuel(1_000).unwrap();
            let func = instance.get_typed_func::<(), ()>(&store, name).unwrap();
            let error = func.call(&mut store, ()).unwrap_err();
            assert_eq!(error.trap_code(), Some(TrapCode::Unreachable));
            assert_eq!(store.get_fuel().unwrap(), left, "{name} on {strategy:?}");
        }
    }
}

#[test]
fn host_functions_can_read_and_charge_fuel() {
    for strategy in strategies() {
        let engine = fuel_engine(strategy);
        let module = Module::new(
            &engine,
            r#"(module (import "host" "work" (func $work))
                (func (export "run")
                    (call $work)
                    (call $work)
                    (if (i32.const 1) (then (drop (i32.const 2))))))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "work", |mut caller: Caller<'_, ()>| -> Result<()> {
                let fuel = caller.get_fuel()?;
                caller.set_fuel(fuel.saturating_sub(100))
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
        store.set_fuel(1_000).unwrap();
        run.call(&mut store, ()).unwrap();
        // The entry's region (two `call`s, `i32.const`, `if`), the host's
        // two charges, the then arm's region (`i32.const`).
        assert_eq!(
            store.get_fuel().unwrap(),
            1_000 - 4 - 200 - 1,
            "{strategy:?}"
        );
        store.set_fuel(150).unwrap();
        let error = run.call(&mut store, ()).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::OutOfFuel), "{strategy:?}");
    }
}

/// Ticks `engine`'s epoch every millisecond until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: &Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                engine.increment_epoch();
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the ticker ran");
        }
    }
}

#[test]
fn epoch_deadlines_stop_endless_guests_on_every_engine() {
    for strategy in strategies() {
        let engine = epoch_engine(strategy);
        let _ticker = Ticker::start(&engine);
        let mut store = Store::new(&engine, ());
        let instance = instantiate_endless(&mut store);
        for name in ENDLESS_EXPORTS {
            store.set_epoch_deadline(5);
            let func = instance.get_typed_func::<(), ()>(&store, name).unwrap();
            let error = func.call(&mut store, ()).unwrap_err();
            assert_eq!(
                error.trap_code(),
                Some(TrapCode::Interrupt),
                "{name} on {strategy:?}: {error}"
            );
            let trap = error.as_trap().unwrap();
            assert!(!trap.backtrace().is_empty(), "{name} on {strategy:?}");
        }
    }
}

#[test]
fn the_default_deadline_is_reached_at_the_first_check() {
    for strategy in strategies() {
        let mut store = Store::new(&epoch_engine(strategy), ());
        let instance = instantiate_endless(&mut store);
        let func = instance.get_typed_func::<(), ()>(&store, "loop").unwrap();
        let error = func.call(&mut store, ()).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Interrupt));
    }
}

/// `run` loops forever calling `tick`, which advances the epoch by one.
const TICKING: &str = r#"(module
    (import "host" "tick" (func $tick))
    (func (export "run") (loop (call $tick) (br 0))))"#;

fn ticking_store(strategy: Strategy) -> (Store<u32>, TypedFunc<(), ()>) {
    let engine = epoch_engine(strategy);
    let module = Module::new(&engine, TICKING).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "tick", |caller: Caller<'_, u32>| {
            caller.as_context().engine().increment_epoch()
        })
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    (store, run)
}

#[test]
fn a_deadline_callback_moves_the_deadline_until_it_interrupts() {
    for strategy in strategies() {
        let (mut store, run) = ticking_store(strategy);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut caller| {
            *caller.data_mut() += 1;
            Ok(match *caller.data() {
                1..=9 => UpdateDeadline::Continue(3),
                _ => UpdateDeadline::Interrupt,
            })
        });
        let error = run.call(&mut store, ()).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Interrupt), "{strategy:?}");
        assert_eq!(*store.data(), 10, "{strategy:?}");
        assert_eq!(
            store.engine().config().get_strategy(),
            strategy,
            "the engine the store was made for"
        );
    }
}

/// `mix(n)` runs `n` iterations of a loop that keeps many integers and
/// floats live across its back edge and ticks the epoch through the host on
/// every iteration; the result depends on all of them.
const MIX: &str = r#"(module
    (import "host" "tick" (func $tick))
    (func (export "mix") (param $n i32) (result f64)
        (local $a i64) (local $b i64) (local $c i64) (local $d i64)
        (local $x f64) (local $y f64) (local $z f64) (local $w f64)
        (local.set $x (f64.const 1.5)) (local.set $y (f64.const -0.25))
        (loop $again
            (call $tick)
            (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $n))))
            (local.set $b (i64.xor (local.get $b) (i64.mul (local.get $a) (i64.const 31))))
            (local.set $c (i64.add (local.get $c) (i64.rotl (local.get $b) (i64.const 7))))
            (local.set $d (i64.sub (local.get $d) (local.get $c)))
            (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (local.get $y)))
            (local.set $y (f64.sub (local.get $y) (f64.convert_i64_s (local.get $a))))
            (local.set $z (f64.add (local.get $z) (f64.mul (local.get $x) (local.get $y))))
            (local.set $w (f64.add (local.get $w) (f64.convert_i64_s (local.get $d))))
            (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (f64.add
            (f64.add (local.get $z) (local.get $w))
            (f64.convert_i64_s (i64.add (local.get $a) (i64.xor (local.get $b) (local.get $c)))))))"#;

fn mix_on(engine: &Engine, with_callback: bool) -> (u64, u32) {
    let module = Module::new(engine, MIX).unwrap();
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "tick", |caller: Caller<'_, u32>| {
            caller.as_context().engine().increment_epoch()
        })
        .unwrap();
    let mut store = Store::new(engine, 0);
    store.set_epoch_deadline(if with_callback { 1 } else { u64::MAX });
    store.epoch_deadline_callback(|mut caller| {
        *caller.data_mut() += 1;
        Ok(UpdateDeadline::Continue(1))
    });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let mix = instance.get_typed_func::<i32, f64>(&store, "mix").unwrap();
    let result = mix.call(&mut store, 1000).unwrap();
    (result.to_bits(), *store.data())
}

#[test]
fn values_live_across_a_deadline_callback_survive_it() {
    let plain = engine(Strategy::Interpreter, |_| {});
    let (expected, _) = mix_on(&plain, false);
    for strategy in strategies() {
        let (result, callbacks) = mix_on(&epoch_engine(strategy), true);
        assert_eq!(result, expected, "{strategy:?}");
        assert!(callbacks >= 999, "{callbacks} callbacks on {strategy:?}");
    }
}

#[test]
fn a_deadline_callback_error_stops_the_guest_with_that_error() {
    for strategy in strategies() {
        let (mut store, run) = ticking_store(strategy);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|_| Err(Error::host("enough")));
        let error = run.call(&mut store, ()).unwrap_err();
        assert!(
            matches!(&error, Error::Host(message) if message == "enough"),
            "{strategy:?}: {error}"
        );
        // Back to trapping.
        store.epoch_deadline_trap();
        store.set_epoch_deadline(1);
        let error = run.call(&mut store, ()).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Interrupt), "{strategy:?}");
    }
}

#[test]
fn one_ticker_interrupts_stores_running_on_several_threads() {
    let engines: Vec<Engine> = strategies().into_iter().map(epoch_engine).collect();
    let tickers: Vec<Ticker> = engines.iter().map(Ticker::start).collect();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (engines.iter())
            .chain(&engines)
            .map(|engine| {
                scope.spawn(move || {
                    let mut store = Store::new(engine, ());
                    let instance = instantiate_endless(&mut store);
                    let mut codes = Vec::new();
                    for name in ENDLESS_EXPORTS {
                        store.set_epoch_deadline(3);
                        let func = instance.get_typed_func::<(), ()>(&store, name).unwrap();
                        codes.push(func.call(&mut store, ()).unwrap_err().trap_code());
                    }
                    codes
                })
            })
            .collect();
        for run in runs {
            assert_eq!(run.join().unwrap(), [Some(TrapCode::Interrupt); 4]);
        }
    });
    drop(tickers);
}

#[test]
fn fuel_and_epochs_together() {
    for strategy in strategies() {
        let engine = engine(strategy, |config| {
            config.consume_fuel(true).epoch_interruption(true);
        });
        let mut store = Store::new(&engine, ());
        store.set_epoch_deadline(u64::MAX);
        store.set_fuel(5_000).unwrap();
        let module = Module::new(&engine, COUNT).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let count = instance.get_typed_func::<i32, ()>(&store, "count").unwrap();
        count.call(&mut store, 10).unwrap();
        assert_eq!(store.get_fuel().unwrap(), 5_000 - 70, "{strategy:?}");
        let error = count.call(&mut store, 1_000_000).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::OutOfFuel), "{strategy:?}");
        store.set_fuel(u64::MAX).unwrap();
        store.set_epoch_deadline(0);
        let error = count.call(&mut store, 10).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Interrupt), "{strategy:?}");
    }
}

/// NaN-producing arithmetic, each result's bits.
const NANS: &str = r#"(module
    (func (export "f32") (param f32 f32) (result i32 i32 i32 i32 i32 i32)
        (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 1)))
        (i32.reinterpret_f32 (f32.add (local.get 0) (f32.const nan:0x200000)))
        (i32.reinterpret_f32 (f32.sqrt (f32.const -1)))
        (i32.reinterpret_f32 (f32.min (local.get 0) (f32.const -nan:0x1)))
        (i32.reinterpret_f32 (f32.demote_f64 (f64.const -nan:0x4000000000)))
        (i32.reinterpret_f32 (f32.neg (f32.const nan:0x1))))
    (func (export "f64") (param f64 f64) (result i64 i64 i64 i64)
        (i64.reinterpret_f64 (f64.mul (local.get 0) (local.get 1)))
        (i64.reinterpret_f64 (f64.nearest (f64.const -nan:0x1234)))
        (i64.reinterpret_f64 (f64.promote_f32 (f32.const -nan:0x1)))
        (i64.reinterpret_f64 (f64.abs (f64.const -nan:0x5)))))"#;

#[test]
fn canonical_nans_are_the_same_on_every_engine() {
    for strategy in strategies() {
        let engine = engine(strategy, |config| {
            config.canonicalize_nans(true);
        });
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, NANS).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f32s = instance
            .get_typed_func::<(f32, f32), (i32, i32, i32, i32, i32, i32)>(&store, "f32")
            .unwrap();
        let canonical = 0x7fc0_0000;
        assert_eq!(
            f32s.call(&mut store, (0.0, 0.0)).unwrap(),
            (
                canonical,
                canonical,
                canonical,
                canonical,
                canonical,
                0xff80_0001u32 as i32
            ),
            "{strategy:?}"
        );
        let f64s = instance
            .get_typed_func::<(f64, f64), (i64, i64, i64, i64)>(&store, "f64")
            .unwrap();
        let canonical = 0x7ff8_0000_0000_0000;
        assert_eq!(
            f64s.call(&mut store, (f64::INFINITY, 0.0)).unwrap(),
            (canonical, canonical, canonical, 0x7ff0_0000_0000_0005),
            "{strategy:?}"
        );
    }
}

#[test]
fn deep_recursion_prints_a_short_backtrace() {
    let engine = engine(Strategy::Interpreter, |_| {});
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        max_call_depth: 500,
        ..StoreLimits::default()
    });
    let module = Module::new(&engine, r#"(module (func $f (export "f") (call $f)))"#).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<(), ()>(&store, "f").unwrap();
    let error = f.call(&mut store, ()).unwrap_err();
    assert_eq!(error.as_trap().unwrap().backtrace().len(), 500);
    let printed = error.to_string();
    assert!(
        printed.contains("... 497 more frames of f (func 0)"),
        "{printed}"
    );
    assert!(printed.lines().count() < 10, "{printed}");
}

#[test]
fn bytes_that_are_not_a_module_are_named_for_what_they_are() {
    let engine = Engine::default();
    let message = |bytes: &[u8]| Module::new(&engine, bytes).unwrap_err().to_string();
    let binary_garbage = message(b"\x7fELF\x02\x01\x01\x00");
    assert!(
        binary_garbage
            .contains("not a wasm binary (bad magic: expected 00 61 73 6d, found 7f 45 4c 46)"),
        "{binary_garbage}"
    );
    assert!(message(b"").contains("not a wasm binary"));
    assert!(message(b"hello").contains("not a wasm binary"));
    let broken_text = message(b";; a comment\n(module (func (result i32)))");
    assert!(!broken_text.contains("bad magic"), "{broken_text}");
    let truncated = message(b"\0asm\x01\0\0\0\x01");
    assert!(!truncated.contains("bad magic"), "{truncated}");
}

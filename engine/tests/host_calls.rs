//! Calls across the boundary on every engine: every value type and many
//! values each way, through typed and untyped host functions and typed
//! calls into wasm; errors and traps raised on either side; host functions
//! that call back into wasm.

mod support;

use kiln::*;
use support::every_engine;

/// A module that passes each of its parameters through a host function of
/// the same type (`host`.`<type>`) and returns what comes back.
const ECHO: &str = r#"(module
    (import "host" "i32" (func $i32 (param i32) (result i32)))
    (import "host" "i64" (func $i64 (param i64) (result i64)))
    (import "host" "f32" (func $f32 (param f32) (result f32)))
    (import "host" "f64" (func $f64 (param f64) (result f64)))
    (import "host" "funcref" (func $funcref (param funcref) (result funcref)))
    (import "host" "externref" (func $externref (param externref) (result externref)))
    (func (export "i32") (param i32) (result i32) (call $i32 (local.get 0)))
    (func (export "i64") (param i64) (result i64) (call $i64 (local.get 0)))
    (func (export "f32") (param f32) (result f32) (call $f32 (local.get 0)))
    (func (export "f64") (param f64) (result f64) (call $f64 (local.get 0)))
    (func (export "funcref") (param funcref) (result funcref) (call $funcref (local.get 0)))
    (func (export "externref") (param externref) (result externref)
        (call $externref (local.get 0))))"#;

/// Checks that every value of `values` makes the round trip through the
/// typed export `name` and its host function.
fn round_trip<P, T>(store: &mut Store<T>, instance: Instance, name: &str, values: &[P])
where
    P: WasmTy + WasmResults + Copy + std::fmt::Debug,
    P: BitEq,
{
    let func = instance
        .get_typed_func::<P, P>(&*store, name)
        .expect("typed export");
    for &value in values {
        let back = func.call(&mut *store, value).expect("round trip");
        assert!(
            back.bit_eq(&value),
            "{name}: {value:?} came back as {back:?}"
        );
    }
}

/// Equality of the bits, so that NaN payloads count.
trait BitEq {
    fn bit_eq(&self, other: &Self) -> bool;
}

macro_rules! bit_eq {
    ($($ty:ty => |$a:ident, $b:ident| $eq:expr;)*) => {$(
        impl BitEq for $ty {
            fn bit_eq(&self, other: &Self) -> bool {
                let ($a, $b) = (self, other);
                $eq
            }
        }
    )*};
}

bit_eq! {
    i32 => |a, b| a == b;
    u32 => |a, b| a == b;
    i64 => |a, b| a == b;
    u64 => |a, b| a == b;
    f32 => |a, b| a.to_bits() == b.to_bits();
    f64 => |a, b| a.to_bits() == b.to_bits();
    Option<Func> => |a, b| a == b;
    Option<ExternRef> => |a, b| a == b;
}

const I32S: [i32; 5] = [0, 1, -1, i32::MIN, i32::MAX];
const I64S: [i64; 5] = [0, 1, -1, i64::MIN, i64::MAX];

fn f32s() -> [f32; 6] {
    [
        0.0,
        -0.0,
        1.5,
        f32::INFINITY,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xff80_0123),
    ]
}

fn f64s() -> [f64; 6] {
    [
        0.0,
        -0.0,
        -2.25,
        f64::NEG_INFINITY,
        f64::from_bits(0x7ff8_0000_0000_0001),
        f64::from_bits(0xfff0_0000_dead_beef),
    ]
}

#[test]
fn every_value_type_crosses_typed_host_functions_unchanged() {
    for engine in every_engine() {
        let module = Module::new(&engine, ECHO).expect("module compiles");
        let mut linker: Linker<u32> = Linker::new(&engine);
        linker.func_wrap("host", "i32", |x: i32| x).unwrap();
        linker.func_wrap("host", "i64", |x: i64| x).unwrap();
        linker.func_wrap("host", "f32", |x: f32| x).unwrap();
        linker.func_wrap("host", "f64", |x: f64| x).unwrap();
        linker
            .func_wrap(
                "host",
                "funcref",
                |mut caller: Caller<'_, u32>, f: Option<Func>| {
                    *caller.data_mut() += 1;
                    f
                },
            )
            .unwrap();
        linker
            .func_wrap("host", "externref", |r: Option<ExternRef>| r)
            .unwrap();
        let mut store = Store::new(&engine, 0);
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("instantiates");
        round_trip(&mut store, instance, "i32", &I32S);
        round_trip(&mut store, instance, "i32", &[0u32, 1, u32::MAX]);
        round_trip(&mut store, instance, "i64", &I64S);
        round_trip(&mut store, instance, "i64", &[0u64, u64::MAX]);
        round_trip(&mut store, instance, "f32", &f32s());
        round_trip(&mut store, instance, "f64", &f64s());
        let some_func = instance.get_func(&store, "i32");
        round_trip(&mut store, instance, "funcref", &[None, some_func]);
        assert_eq!(*store.data(), 2);
        let some_ref = ExternRef::new(&mut store, "a host value");
        round_trip(&mut store, instance, "externref", &[None, Some(some_ref)]);
        let back = instance
            .get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&store, "externref")
            .unwrap()
            .call(&mut store, Some(some_ref))
            .unwrap()
            .expect("not null");
        assert_eq!(
            back.data(&store).downcast_ref::<&str>(),
            Some(&"a host value")
        );
    }
}

#[test]
fn every_value_type_crosses_untyped_host_functions_unchanged() {
    for engine in every_engine() {
        let module = Module::new(&engine, ECHO).expect("module compiles");
        let mut linker: Linker<()> = Linker::new(&engine);
        for (name, ty) in [
            ("i32", ValType::I32),
            ("i64", ValType::I64),
            ("f32", ValType::F32),
            ("f64", ValType::F64),
            ("funcref", ValType::FuncRef),
            ("externref", ValType::ExternRef),
        ] {
            linker
                .func_new(
                    "host",
                    name,
                    FuncType::new([ty], [ty]),
                    |_, args, results| {
                        results[0] = args[0];
                        Ok(())
                    },
                )
                .unwrap();
        }
        let mut store = Store::new(&engine, ());
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("instantiates");
        round_trip(&mut store, instance, "i32", &I32S);
        round_trip(&mut store, instance, "i64", &I64S);
        round_trip(&mut store, instance, "f32", &f32s());
        round_trip(&mut store, instance, "f64", &f64s());
        let some_func = instance.get_func(&store, "f64");
        round_trip(&mut store, instance, "funcref", &[None, some_func]);
        let some_ref = ExternRef::new(&mut store, 7u8);
        round_trip(&mut store, instance, "externref", &[None, Some(some_ref)]);
        let echo = instance.get_func(&store, "i64").unwrap();
        let mut out = [Val::I64(0)];
        echo.call(&mut store, &[Val::I64(-5)], &mut out).unwrap();
        assert_eq!(out[0].i64(), Some(-5));
    }
}

/// Ten parameters of mixed types go to the host, which returns six results;
/// wasm folds them and returns them with a sum of its own.
const MANY: &str = r#"(module
    (import "host" "spread" (func $spread
        (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64)
        (result i64 f64 i32 f32 i64 i32)))
    (func (export "many")
        (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64)
        (result i64 f64 i32 f32 i64 i32)
        (call $spread (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                      (local.get 5) (local.get 6) (local.get 7) (local.get 8) (local.get 9))))"#;

type Ten = (i32, i64, f32, f64, i32, i64, f32, f64, i32, i64);
type Six = (i64, f64, i32, f32, i64, i32);

/// What the host function makes of its ten parameters (as many as a typed
/// host function may have).
#[allow(clippy::too_many_arguments)]
fn spread(a: i32, b: i64, c: f32, d: f64, e: i32, f: i64, g: f32, h: f64, i: i32, j: i64) -> Six {
    (b + f + j, d * h, a - e + i, c + g, i64::from(a) << 40, i)
}

#[test]
fn many_parameters_and_results_cross_both_ways() {
    let args: Ten = (3, 1 << 40, 1.5, 2.5, 10, -7, 0.25, 4.0, 100, 9);
    let expected = spread(
        args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7, args.8, args.9,
    );
    for engine in every_engine() {
        let module = Module::new(&engine, MANY).expect("module compiles");
        let mut linker: Linker<()> = Linker::new(&engine);
        linker.func_wrap("host", "spread", spread).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let many = instance
            .get_typed_func::<Ten, Six>(&store, "many")
            .expect("typed export");
        assert_eq!(many.call(&mut store, args).expect("call"), expected);

        let untyped = instance.get_func(&store, "many").unwrap();
        let vals = [
            Val::I32(args.0),
            Val::I64(args.1),
            Val::f32(args.2),
            Val::f64(args.3),
            Val::I32(args.4),
            Val::I64(args.5),
            Val::f32(args.6),
            Val::f64(args.7),
            Val::I32(args.8),
            Val::I64(args.9),
        ];
        let mut out = [
            Val::I64(0),
            Val::F64(0),
            Val::I32(0),
            Val::F32(0),
            Val::I64(0),
            Val::I32(0),
        ];
        untyped.call(&mut store, &vals, &mut out).expect("call");
        assert_eq!(out[0].i64(), Some(expected.0));
        assert_eq!(out[1].as_f64(), Some(expected.1));
        assert_eq!(out[2].i32(), Some(expected.2));
        assert_eq!(out[3].as_f32(), Some(expected.3));
        assert_eq!(out[4].i64(), Some(expected.4));
        assert_eq!(out[5].i32(), Some(expected.5));
    }
}

#[test]
fn an_exported_host_function_is_called_typed_from_the_host() {
    for engine in every_engine() {
        let module = Module::new(
            &engine,
            r#"(module (import "host" "mul" (func $mul (param i64 i64) (result i64)))
                       (export "mul" (func $mul)))"#,
        )
        .unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap("host", "mul", |a: i64, b: i64| a * b)
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let mul = instance
            .get_typed_func::<(i64, i64), i64>(&store, "mul")
            .unwrap();
        assert_eq!(mul.call(&mut store, (6, -7)).unwrap(), -42);
    }
}

/// A module that calls a host function and then does something that only
/// happens if the host function returned.
const FALLIBLE: &str = r#"(module
    (import "host" "check" (func $check (param i32) (result i32)))
    (global $after (export "after") (mut i32) (i32.const 0))
    (func (export "run") (param i32) (result i32)
        (local $r i32)
        (local.set $r (call $check (local.get 0)))
        (global.set $after (i32.add (global.get $after) (i32.const 1)))
        (local.get $r)))"#;

#[test]
fn errors_of_host_functions_stop_the_guest_and_reach_the_caller() {
    for engine in every_engine() {
        let module = Module::new(&engine, FALLIBLE).unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap("host", "check", |x: i32| -> Result<i32> {
                match x {
                    0 => Err(Error::Host("zero is not allowed".into())),
                    _ => Ok(x * 2),
                }
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        let after = instance.get_global(&store, "after").unwrap();
        assert_eq!(run.call(&mut store, 4).unwrap(), 8);
        let error = run.call(&mut store, 0).unwrap_err();
        assert!(error.to_string().contains("zero is not allowed"), "{error}");
        assert_eq!(after.get(&store).i32(), Some(1), "the guest stopped");
        assert_eq!(
            run.call(&mut store, 5).unwrap(),
            10,
            "the store still works"
        );
        assert_eq!(after.get(&store).i32(), Some(2));
    }
}

#[test]
fn untyped_host_functions_that_return_bad_results_are_errors() {
    for engine in every_engine() {
        let module = Module::new(&engine, FALLIBLE).unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        let ty = FuncType::new([ValType::I32], [ValType::I32]);
        linker
            .func_new("host", "check", ty, |_, _, results| {
                results[0] = Val::I64(1);
                Ok(())
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        let error = run.call(&mut store, 1).unwrap_err();
        assert!(error.to_string().contains("bad result"), "{error}");
    }
}

#[test]
fn typed_host_functions_that_return_references_of_another_store_are_errors() {
    for engine in every_engine() {
        let module = Module::new(
            &engine,
            r#"(module (import "host" "get" (func $get (result funcref)))
                       (func (export "run") (result funcref) (call $get)))"#,
        )
        .unwrap();
        let mut other = Store::new(&engine, ());
        let foreign = Func::wrap(&mut other, || {});
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap("host", "get", move || Some(foreign))
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance
            .get_typed_func::<(), Option<Func>>(&store, "run")
            .unwrap();
        let error = run.call(&mut store, ()).unwrap_err();
        assert!(error.to_string().contains("another store"), "{error}");
        let argument = instance
            .get_typed_func::<(), Option<Func>>(&store, "run")
            .unwrap();
        let wrong_store = argument.call(&mut other, ()).unwrap_err();
        assert!(
            wrong_store.to_string().contains("different store"),
            "{wrong_store}"
        );
    }
}

/// `down(n)` asks the host to call `down(n - 1)` until `n` is 0, through
/// the host function `host`.`again`, and counts the levels on the way back.
const REENTRANT: &str = r#"(module
    (import "host" "again" (func $again (param i32) (result i32)))
    (func (export "down") (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
            (then (i32.const 0))
            (else (i32.add (i32.const 1)
                           (call $again (i32.sub (local.get $n) (i32.const 1)))))))
    (func (export "boom") (unreachable)))"#;

#[test]
fn host_functions_call_back_into_wasm() {
    for engine in every_engine() {
        let module = Module::new(&engine, REENTRANT).unwrap();
        let mut linker: Linker<u32> = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "again",
                |mut caller: Caller<'_, u32>, n: i32| -> Result<i32> {
                    *caller.data_mut() += 1;
                    let down = caller
                        .get_export("down")
                        .and_then(Extern::into_func)
                        .expect("down");
                    let down = down.typed::<i32, i32>(&caller)?;
                    down.call(&mut caller, n)
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, 0);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
        assert_eq!(down.call(&mut store, 25).unwrap(), 25);
        assert_eq!(*store.data(), 25);
        assert_eq!(
            down.call(&mut store, 3).unwrap(),
            3,
            "the store is reusable"
        );
    }
}

#[test]
fn traps_in_wasm_called_back_from_the_host_reach_the_outer_caller() {
    for engine in every_engine() {
        let module = Module::new(&engine, REENTRANT).unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "again",
                |mut caller: Caller<'_, ()>, _: i32| -> Result<i32> {
                    let boom = caller
                        .get_export("boom")
                        .and_then(Extern::into_func)
                        .expect("boom");
                    boom.typed::<(), ()>(&caller)?.call(&mut caller, ())?;
                    Ok(0)
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
        let error = down.call(&mut store, 1).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Unreachable), "{error}");
        assert_eq!(
            down.call(&mut store, 0).unwrap(),
            0,
            "the store is reusable"
        );
    }
}

#[test]
fn traps_raised_by_host_functions_are_traps_of_the_guest() {
    for engine in every_engine() {
        let module = Module::new(&engine, FALLIBLE).unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap("host", "check", |_: i32| -> Result<i32> {
                Err(Trap::new(TrapCode::Interrupt).into())
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        let error = run.call(&mut store, 1).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::Interrupt), "{error}");
    }
}

#[test]
fn endless_recursion_through_the_host_is_a_stack_overflow_trap() {
    for engine in every_engine() {
        let module = Module::new(&engine, REENTRANT).unwrap();
        let mut linker: Linker<()> = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "again",
                |mut caller: Caller<'_, ()>, n: i32| -> Result<i32> {
                    let down = caller
                        .get_export("down")
                        .and_then(Extern::into_func)
                        .expect("down");
                    down.typed::<i32, i32>(&caller)?.call(&mut caller, n + 1)
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
        let error = down.call(&mut store, 1).unwrap_err();
        assert_eq!(error.trap_code(), Some(TrapCode::StackOverflow), "{error}");
        assert_eq!(
            down.call(&mut store, 0).unwrap(),
            0,
            "the store is reusable"
        );
    }
}

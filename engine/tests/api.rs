//! The embedding API as a user sees it: host functions, traps and their codes,
//! limits, linking errors, and bad input that must give an `Error`, never a panic.

mod support;

use kiln::*;
use support::{HAS_COMPILER, every_engine};

fn engine() -> Engine {
    Engine::default()
}

fn instantiate(store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(store.engine(), wat).expect("module compiles");
    Linker::new(store.engine())
        .instantiate(store, &module)
        .expect("module instantiates")
}

#[test]
fn untyped_and_typed_host_functions_are_called_with_the_callers_memory_and_data() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "sum" (func $sum (param i32 i32) (result i32)))
            (import "host" "record" (func $record (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "hello")
            (func (export "run") (result i32)
                (call $record (i32.const 16) (i32.const 5))
                (call $sum (i32.const 40) (i32.const 2))))"#,
    )
    .unwrap();
    let mut linker: Linker<Vec<String>> = Linker::new(&engine);
    let sum_ty = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
    linker
        .func_new("host", "sum", sum_ty, |_, args, results| {
            results[0] = Val::I32(args[0].i32().unwrap() + args[1].i32().unwrap());
            Ok(())
        })
        .unwrap();
    linker
        .func_wrap(
            "host",
            "record",
            |mut caller: Caller<'_, Vec<String>>, ptr: u32, len: u32| -> Result<()> {
                let memory = caller
                    .get_export("memory")
                    .and_then(Extern::into_memory)
                    .ok_or_else(|| Error::host("no memory"))?;
                let mut bytes = vec![0; len as usize];
                memory.read(&caller, ptr as usize, &mut bytes)?;
                caller.data_mut().push(String::from_utf8(bytes).unwrap());
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
    assert_eq!(store.data(), &["hello".to_string()]);
}

#[test]
fn a_host_error_stops_the_guest_and_reaches_the_caller() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (import "h" "fail" (func $fail))
            (global (export "after") (mut i32) (i32.const 0))
            (func (export "run") (call $fail) (global.set 0 (i32.const 1))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("h", "fail", || -> Result<()> { Err(Error::Exit(3)) })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance
        .get_typed_func::<(), ()>(&store, "run")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    assert!(matches!(err, Error::Exit(3)));
    let after = instance.get_global(&store, "after").unwrap();
    assert_eq!(after.get(&store), Val::I32(0));
}

#[test]
fn traps_carry_their_code_and_a_named_backtrace() {
    for engine in every_engine() {
        traps_carry_their_code_and_a_named_backtrace_on(&engine);
    }
}

fn traps_carry_their_code_and_a_named_backtrace_on(engine: &Engine) {
    let mut store = Store::new(engine, ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (memory 1)
            (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
            (func $outer (export "divide") (param i32) (result i32) (call $inner (local.get 0)))
            (func $load (param i32) (result i32) (i32.load offset=4 (local.get 0)))
            (func $loader (export "load") (param i32) (result i32) (call $load (local.get 0))))"#,
    );
    let divide = instance
        .get_typed_func::<i32, i32>(&store, "divide")
        .unwrap();
    assert_eq!(divide.call(&mut store, 1).unwrap(), 1);
    let err = divide.call(&mut store, 0).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::IntegerDivideByZero);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.as_deref())
        .collect();
    assert_eq!(names, [Some("inner"), Some("outer")]);
    assert!(err.to_string().contains("integer divide by zero"));

    let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(load.call(&mut store, 65528).unwrap(), 0);
    let err = load.call(&mut store, 65529).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::MemoryOutOfBounds);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.as_deref())
        .collect();
    assert_eq!(names, [Some("load"), Some("loader")]);
}

#[test]
fn every_trap_code_is_reported() {
    for engine in every_engine() {
        every_trap_code_is_reported_on(&engine);
    }
}

fn every_trap_code_is_reported_on(engine: &Engine) {
    let mut store = Store::new(engine, ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (type $v (func))
            (memory 1)
            (table 2 funcref)
            (elem (i32.const 1) $f)
            (func $f (param i32))
            (func (export "unreachable") unreachable)
            (func (export "memory") (drop (i32.load (i32.const 65536))))
            (func (export "table") (drop (table.get 0 (i32.const 5))))
            (func (export "null") (call_indirect (type $v) (i32.const 0)))
            (func (export "signature") (call_indirect (type $v) (i32.const 1)))
            (func (export "div") (drop (i64.div_u (i64.const 1) (i64.const 0))))
            (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
            (func (export "convert") (drop (i32.trunc_f32_s (f32.const nan))))
            (func $deep (export "deep") (call $deep)))"#,
    );
    let cases = [
        ("unreachable", TrapCode::Unreachable),
        ("memory", TrapCode::MemoryOutOfBounds),
        ("table", TrapCode::TableOutOfBounds),
        ("null", TrapCode::UninitializedElement),
        ("signature", TrapCode::IndirectCallTypeMismatch),
        ("div", TrapCode::IntegerDivideByZero),
        ("overflow", TrapCode::IntegerOverflow),
        ("convert", TrapCode::InvalidConversionToInteger),
        ("deep", TrapCode::StackOverflow),
    ];
    for (name, code) in cases {
        let func = instance.get_typed_func::<(), ()>(&store, name).unwrap();
        let err = func.call(&mut store, ()).unwrap_err();
        let strategy = engine.config().get_strategy();
        let signals = engine.config().get_signals_based_traps();
        assert_eq!(
            err.trap_code(),
            Some(code),
            "export {name} on {strategy:?} (signals {signals})"
        );
    }
}

/// `down(n)` recurses `n` calls deep and returns `n`.
const COUNT_DOWN: &str = r#"(module (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
        (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#;

#[test]
fn call_depth_limit_turns_deep_recursion_into_a_trap() {
    let interpreter = Engine::new(Config::new().strategy(Strategy::Interpreter));
    let mut store = Store::new(&interpreter, ());
    store.set_limits(StoreLimits {
        max_call_depth: 100,
        ..StoreLimits::default()
    });
    let instance = instantiate(&mut store, COUNT_DOWN);
    let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
    assert_eq!(down.call(&mut store, 90).unwrap(), 90);
    let err = down.call(&mut store, 150).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow));
    // The store is usable after the trap.
    assert_eq!(down.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn the_compiler_is_the_default_where_it_has_a_backend_and_unsupported_elsewhere() {
    let default = Config::new().get_strategy();
    let compiler = Engine::new(Config::new().strategy(Strategy::Compiler));
    let module = Module::new(&compiler, "(module (func (export \"f\")))");
    if HAS_COMPILER {
        assert_eq!(default, Strategy::Compiler);
        assert!(module.is_ok());
    } else {
        assert_eq!(default, Strategy::Interpreter);
        assert!(matches!(module, Err(Error::Unsupported(_))), "{module:?}");
    }
}

#[test]
fn native_stack_limit_turns_deep_recursion_into_a_trap_in_compiled_code() {
    if !HAS_COMPILER {
        return;
    }
    let compiler = Engine::new(Config::new().strategy(Strategy::Compiler));
    let mut store = Store::new(&compiler, ());
    store.set_limits(StoreLimits {
        max_wasm_stack: 64 * 1024,
        ..StoreLimits::default()
    });
    let instance = instantiate(&mut store, COUNT_DOWN);
    let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
    assert_eq!(down.call(&mut store, 100).unwrap(), 100);
    let err = down.call(&mut store, 1_000_000).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow));
    let trap = err.as_trap().unwrap();
    assert!(
        trap.backtrace().len() > 100,
        "{} frames",
        trap.backtrace().len()
    );
    assert_eq!(trap.backtrace()[0].func_name.as_deref(), Some("down"));
    assert_eq!(down.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn memory_limit_caps_creation_and_growth() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        max_memory_pages: 4,
        ..StoreLimits::default()
    });
    let instance = instantiate(
        &mut store,
        r#"(module (memory 2) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 2);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);

    let big = Module::new(&engine, "(module (memory 5))").unwrap();
    let err = Linker::new(&engine)
        .instantiate(&mut store, &big)
        .unwrap_err();
    assert!(matches!(err, Error::Instantiate(_)), "{err}");
}

#[test]
fn memories_without_the_address_space_a_module_relies_on_are_refused() {
    let with_checks = |signals: bool| {
        let mut config = Config::new();
        config
            .strategy(if HAS_COMPILER {
                Strategy::Compiler
            } else {
                Strategy::Ssa
            })
            .signals_based_traps(signals);
        Engine::new(&config)
    };
    let (guard, explicit) = (with_checks(true), with_checks(false));
    let wat = r#"(module (import "env" "memory" (memory 1))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    if !guard.config().get_signals_based_traps() {
        return;
    }
    let relies_on_guard_pages = Module::new(&guard, wat).unwrap();
    let checks_every_access = Module::new(&explicit, wat).unwrap();

    let mut store = Store::new(&explicit, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(1))).unwrap();
    let err = Linker::new(&explicit)
        .define("env", "memory", memory)
        .unwrap()
        .instantiate(&mut store, &relies_on_guard_pages)
        .unwrap_err();
    assert!(matches!(err, Error::Link(_)), "{err}");
    assert!(err.to_string().contains("`env`.`memory`"), "{err}");

    let mut store = Store::new(&guard, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(1))).unwrap();
    let instance = Linker::new(&guard)
        .define("env", "memory", memory)
        .unwrap()
        .instantiate(&mut store, &checks_every_access)
        .unwrap();
    let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
    let err = load.call(&mut store, 65536).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn instance_limit_is_enforced() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        max_instances: 2,
        ..StoreLimits::default()
    });
    let module = Module::new(&engine, "(module)").unwrap();
    let linker = Linker::new(&engine);
    linker.instantiate(&mut store, &module).unwrap();
    linker.instantiate(&mut store, &module).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
}

#[test]
fn linking_errors_name_the_import() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (import "env" "m" (memory 2)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(matches!(err, Error::Link(_)));
    assert!(err.to_string().contains("`env`.`f`"), "{err}");

    linker.func_wrap("env", "f", |_: i64| {}).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("`env`.`f`"), "{err}");
    assert!(err.to_string().contains("(i32) -> ()"), "{err}");

    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "f", |_: i32| {}).unwrap();
    let small = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    linker.define("env", "m", small).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("`env`.`m`"), "{err}");

    assert!(
        linker.define("env", "m", small).is_err(),
        "duplicate definition"
    );
}

#[test]
fn bad_modules_are_errors() {
    let engine = engine();
    let valid = wat::parse_str("(module (func (export \"f\") (result i32) i32.const 1))").unwrap();
    // A prefix that ends between sections can be a valid module; any other
    // truncation is an error, exactly as the reference validator decides.
    let mut rejected = 0;
    for len in 0..valid.len() {
        let prefix = &valid[..len];
        let reference = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM2)
            .validate_all(prefix)
            .is_ok();
        let accepted = Module::from_binary(&engine, prefix).is_ok();
        assert_eq!(accepted, reference, "prefix of {len} bytes");
        rejected += usize::from(!accepted);
    }
    assert!(rejected > valid.len() / 2);
    let err = Module::new(&engine, b"\0asm\x01\0\0\0\x01\x04").unwrap_err();
    assert!(matches!(err, Error::InvalidModule { .. }), "{err}");
    let invalid = "(module (func (result i32) i64.const 1))";
    assert!(matches!(
        Module::new(&engine, invalid),
        Err(Error::InvalidModule { .. })
    ));
    assert!(Module::validate(&engine, b"not wasm at all").is_err());
    assert!(matches!(
        Module::new(&engine, "(module (func (param v128)))"),
        Err(Error::Unsupported(_))
    ));
}

/// The byte ranges of the function bodies of `wasm`, in order.
fn body_ranges(wasm: &[u8]) -> Vec<std::ops::Range<usize>> {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|payload| match payload.expect("the module decodes") {
            wasmparser::Payload::CodeSectionEntry(body) => {
                let range = body.range();
                Some(range.start as usize..range.end as usize)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_invalid_body_is_found_whichever_function_it_is_and_however_the_work_is_split() {
    // Twelve functions, of which the 5th and the 10th do not validate: the
    // compiling engines validate bodies on their worker threads, and the
    // error must still be the first invalid body's, on every engine, with
    // the compiler on one thread or on several.
    let mut wat = String::from("(module (memory 1)");
    for i in 0..12 {
        let body = match i {
            4 => "i64.const 1",
            9 => "i32.const 1 f32.add",
            _ => "local.get 0 i32.const 3 i32.mul i32.load",
        };
        wat.push_str(&format!(
            "(func (export \"f{i}\") (param i32) (result i32) {body})"
        ));
    }
    wat.push(')');
    let wasm = wat::parse_str(&wat).unwrap();
    let first_invalid = body_ranges(&wasm)[4].clone();
    let mut engines = every_engine();
    let mut serial = Config::new();
    serial.parallel_compilation(false);
    engines.push(Engine::new(&serial));
    for engine in &engines {
        for _ in 0..3 {
            match Module::new(engine, &wasm) {
                Err(Error::InvalidModule {
                    message,
                    offset: Some(offset),
                }) => {
                    assert!(
                        first_invalid.contains(&offset),
                        "{message} at {offset:#x}, not in {first_invalid:x?}"
                    );
                    assert!(message.contains("type mismatch"), "{message}");
                }
                other => panic!("expected an invalid module, got {other:?}"),
            }
        }
        assert!(Module::validate(engine, &wasm).is_err());
    }
}

#[test]
fn malformed_and_oversized_bodies_are_invalid_on_every_engine() {
    let valid = wat::parse_str(
        "(module (func (param i32) (result i32) (local i64) local.get 0 i32.const 1 i32.add))",
    )
    .unwrap();
    let body = body_ranges(&valid)[0].clone();
    // The body's bytes, each in turn made 0xff (an opcode that does not
    // exist, a local count or type that does not decode, a bad `end`):
    // every engine refuses exactly the modules the reference validator
    // refuses, and as invalid.
    for engine in every_engine() {
        for at in body.clone() {
            let mut wasm = valid.clone();
            wasm[at] = 0xff;
            let reference =
                wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM2)
                    .validate_all(&wasm)
                    .map(|_| ());
            match (Module::from_binary(&engine, &wasm), reference) {
                (Ok(_), Ok(_)) | (Err(Error::InvalidModule { .. }), Err(_)) => {}
                (ours, reference) => panic!(
                    "byte {at:#x} made 0xff: kiln says {:?}, the validator {reference:?}",
                    ours.map(|_| ())
                ),
            }
        }
        // More locals than any engine allows is refused before any of them
        // is made.
        let many_locals = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: [] -> []
            0x03, 0x02, 0x01, 0x00, // function 0: type 0
            0x0a, 0x0a, 0x01, // code section: one body
            0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, // 2^32 - 1 locals of i32
            0x0b, // end
        ];
        assert!(
            matches!(
                Module::from_binary(&engine, &many_locals),
                Err(Error::InvalidModule { .. })
            ),
            "2^32 - 1 locals"
        );
    }
}

#[test]
fn wrong_arguments_are_usage_errors() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(
        &mut store,
        r#"(module (func (export "id") (param i64) (result i64) local.get 0))"#,
    );
    let id = instance.get_func(&store, "id").unwrap();
    let mut out = [Val::I64(0)];
    assert!(matches!(
        id.call(&mut store, &[Val::I32(1)], &mut out),
        Err(Error::Usage(_))
    ));
    assert!(matches!(
        id.call(&mut store, &[], &mut out),
        Err(Error::Usage(_))
    ));
    assert!(matches!(
        id.call(&mut store, &[Val::I64(1)], &mut []),
        Err(Error::Usage(_))
    ));
    assert!(instance.get_typed_func::<i32, i64>(&store, "id").is_err());
    assert!(
        instance
            .get_typed_func::<i64, i64>(&store, "missing")
            .is_err()
    );
}

#[test]
fn start_function_trap_fails_instantiation_but_keeps_earlier_writes() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define("env", "memory", memory).unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "memory" (memory 1))
            (data (i32.const 0) "\2a")
            (func $start unreachable) (start $start))"#,
    )
    .unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable));
    assert_eq!(memory.data_slice(&store)[0], 42);
}

#[test]
fn tables_globals_and_externrefs_round_trip() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (table (export "t") 2 externref)
            (global (export "g") (mut f64) (f64.const 1.5))
            (func (export "get") (param i32) (result externref) (table.get 0 (local.get 0))))"#,
    );
    let table = instance.get_table(&store, "t").unwrap();
    let value = ExternRef::new(&mut store, "payload");
    table
        .set(&mut store, 1, Val::ExternRef(Some(value)))
        .unwrap();
    assert!(table.set(&mut store, 1, Val::I32(0)).is_err());
    assert_eq!(table.grow(&mut store, 3, Val::ExternRef(None)).unwrap(), 2);
    assert_eq!(table.size(&store), 5);

    let get = instance
        .get_typed_func::<i32, Option<ExternRef>>(&store, "get")
        .unwrap();
    let got = get.call(&mut store, 1).unwrap().unwrap();
    assert_eq!(got.data(&store).downcast_ref::<&str>(), Some(&"payload"));
    assert_eq!(get.call(&mut store, 0).unwrap(), None);
    assert_eq!(
        get.call(&mut store, 9).unwrap_err().trap_code(),
        Some(TrapCode::TableOutOfBounds)
    );

    let global = instance.get_global(&store, "g").unwrap();
    assert_eq!(global.get(&store).as_f64(), Some(1.5));
    global.set(&mut store, Val::f64(2.5)).unwrap();
    assert!(global.set(&mut store, Val::I32(1)).is_err());
}

#[test]
fn handles_from_another_store_are_refused() {
    let engine = engine();
    let mut first = Store::new(&engine, ());
    let mut second = Store::new(&engine, ());
    let func = Func::wrap(&mut first, || {});
    assert!(matches!(
        func.call(&mut second, &[], &mut []),
        Err(Error::Usage(_))
    ));
    let module = Module::new(&engine, r#"(module (import "" "f" (func)))"#).unwrap();
    let err = Instance::new(&mut second, &module, &[func.into()]).unwrap_err();
    assert!(matches!(err, Error::Link(_)), "{err}");
}

#[test]
fn module_reports_imports_and_exports_with_types() {
    let module = Module::new(
        &engine(),
        r#"(module
            (import "a" "t" (table 1 2 funcref))
            (import "a" "g" (global (mut i64)))
            (memory (export "mem") 1 3)
            (func (export "f") (param f32) (result f64) f64.const 0))"#,
    )
    .unwrap();
    let imports: Vec<_> = module
        .imports()
        .map(|i| format!("{}.{}: {}", i.module(), i.name(), i.ty()))
        .collect();
    assert_eq!(
        imports,
        ["a.t: table 1..2 funcref", "a.g: global (mut i64)"]
    );
    let exports: Vec<_> = module
        .exports()
        .map(|e| format!("{}: {}", e.name(), e.ty()))
        .collect();
    assert_eq!(exports, ["mem: memory 1..3", "f: func (f32) -> (f64)"]);
}

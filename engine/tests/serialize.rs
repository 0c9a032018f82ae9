//! Compiled-module artifacts as a user relies on them: a module loaded from
//! `Module::serialize`'s bytes or file behaves as the module it was made
//! from, and an artifact that is damaged or made for another configuration
//! is refused with an error.

mod support;

use kiln::*;
use support::{HAS_COMPILER, every_engine};

/// A module with a memory, a table, globals, imports and exports, calls
/// to runtime helpers (`memory.grow`, `memory.init`) and both kinds of trap.
const MODULE: &str = r#"(module $sample
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (import "host" "base" (global $base i32))
    (memory (export "memory") 1 4)
    (table (export "table") 3 funcref)
    (global $counter (export "counter") (mut i32) (i32.const 5))
    (global $scale f64 (f64.const 1.5))
    (data (i32.const 16) "kiln")
    (data $later "late")
    (elem (i32.const 0) $double $triple)
    (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
    (func (export "run") (param i32 i32) (result i32)
        (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
        (call $add
            (call_indirect (param i32) (result i32) (local.get 0) (local.get 1))
            (i32.add (global.get $base) (i32.load8_u (i32.const 17)))))
    (func (export "grow_and_init") (result i32)
        (drop (memory.grow (i32.const 1)))
        (memory.init $later (i32.const 65536) (i32.const 0) (i32.const 4))
        (i32.add (memory.size) (i32.load (i32.const 65536))))
    (func (export "scaled") (param f64) (result f64) (f64.mul (local.get 0) (global.get $scale)))
    (func $deep (export "load_far") (param i32) (result i32) (i32.load (local.get 0))))"#;

fn compiler(configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Compiler);
    configure(&mut config);
    Engine::new(&config)
}

/// What running the sample's exports gives, as text.
fn run_sample(module: &Module) -> Vec<String> {
    let engine = module.engine();
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "add", |a: i32, b: i32| a.wrapping_add(b))
        .unwrap();
    let base = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1000),
    )
    .unwrap();
    linker.define("host", "base", base).unwrap();
    let instance = linker.instantiate(&mut store, module).unwrap();
    let run = instance
        .get_typed_func::<(i32, i32), i32>(&store, "run")
        .unwrap();
    let grow = instance
        .get_typed_func::<(), i32>(&store, "grow_and_init")
        .unwrap();
    let scaled = instance
        .get_typed_func::<f64, f64>(&store, "scaled")
        .unwrap();
    let load_far = instance
        .get_typed_func::<i32, i32>(&store, "load_far")
        .unwrap();
    let mut results = vec![
        format!("{:?}", run.call(&mut store, (21, 0))),
        format!("{:?}", run.call(&mut store, (21, 1))),
        format!(
            "{:?}",
            run.call(&mut store, (21, 2)).map_err(|e| e.to_string())
        ),
        format!("{:?}", grow.call(&mut store, ())),
        format!("{:?}", scaled.call(&mut store, 4.0)),
        format!("{:?}", load_far.call(&mut store, 16)),
        format!(
            "{:?}",
            load_far.call(&mut store, -1).map_err(|e| e.to_string())
        ),
    ];
    let counter = instance.get_global(&store, "counter").unwrap();
    results.push(format!("{:?}", counter.get(&store)));
    results
}

#[test]
fn a_deserialized_module_runs_as_the_module_it_was_made_from() {
    if !HAS_COMPILER {
        return eprintln!("skipped: no compiler backend for this CPU");
    }
    for signals in [true, false] {
        let engine = compiler(|config| {
            config.signals_based_traps(signals);
        });
        let module = Module::new(&engine, MODULE).unwrap();
        let expected = run_sample(&module);
        assert!(
            expected[2].contains("uninitialized element"),
            "{expected:?}"
        );
        assert!(
            expected[6].contains("out of bounds memory access"),
            "{expected:?}"
        );
        assert!(expected[6].contains("sample!deep"), "{expected:?}");

        let artifact = module.serialize().unwrap();
        assert!(Module::is_serialized(&artifact));
        // SAFETY: the artifact was just made by `serialize`.
        let loaded = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
        assert_eq!(run_sample(&loaded), expected);
        assert_eq!(loaded.name(), Some("sample"));
        let imports: Vec<_> = loaded
            .imports()
            .map(|i| (i.module(), i.name(), i.ty().clone()))
            .collect();
        let original: Vec<_> = module
            .imports()
            .map(|i| (i.module(), i.name(), i.ty().clone()))
            .collect();
        assert_eq!(imports, original);
        let exports: Vec<_> = loaded
            .exports()
            .map(|e| (e.name(), e.ty().clone()))
            .collect();
        let original: Vec<_> = module
            .exports()
            .map(|e| (e.name(), e.ty().clone()))
            .collect();
        assert_eq!(exports, original);
        assert_eq!(
            loaded.serialize().unwrap(),
            artifact,
            "serializing again gives the same bytes"
        );

        let path = std::env::temp_dir().join(format!(
            "kiln-serialize-{}-{signals}.kilnc",
            std::process::id()
        ));
        std::fs::write(&path, &artifact).unwrap();
        // SAFETY: the file holds an artifact of `serialize` and stays unchanged.
        let mapped = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
        assert_eq!(run_sample(&mapped), expected);
        drop(mapped);
        std::fs::remove_file(&path).unwrap();
    }
}

/// Loads `bytes` into `engine`, which must fail with an artifact error.
fn refused(engine: &Engine, bytes: &[u8]) -> String {
    // SAFETY: the bytes are an artifact of `serialize`, changed; loading
    // must refuse them before anything runs.
    match unsafe { Module::deserialize(engine, bytes) } {
        Err(error @ Error::Artifact(_)) => error.to_string(),
        Err(other) => panic!("not an artifact error: {other}"),
        Ok(_) => panic!("a damaged artifact loaded"),
    }
}

#[test]
fn truncated_and_corrupted_artifacts_are_refused() {
    if !HAS_COMPILER {
        return eprintln!("skipped: no compiler backend for this CPU");
    }
    let engine = compiler(|_| {});
    let artifact = Module::new(&engine, MODULE).unwrap().serialize().unwrap();
    let step = (artifact.len() / 300).max(1);
    for len in (0..artifact.len())
        .step_by(step)
        .chain([artifact.len() - 1])
    {
        let message = refused(&engine, &artifact[..len]);
        assert!(
            message.contains("truncated") || message.contains("magic"),
            "{len} bytes: {message}"
        );
    }
    for at in (0..artifact.len()).step_by(step / 2 + 1) {
        for bit in [0, 5] {
            let mut damaged = artifact.clone();
            damaged[at] ^= 1 << bit;
            let message = refused(&engine, &damaged);
            assert!(
                ["checksum", "magic", "format", "lengths", "truncated"]
                    .iter()
                    .any(|word| message.contains(word)),
                "bit {bit} of byte {at}: {message}"
            );
        }
    }
    let mut longer = artifact.clone();
    longer.push(0);
    refused(&engine, &longer);
    let message = refused(&engine, b"\0asm\x01\0\0\0");
    assert!(message.contains("not a compiled kiln module"), "{message}");
}

/// A change to a configuration.
type Configure = fn(&mut Config);

#[test]
fn artifacts_of_another_configuration_are_refused() {
    if !HAS_COMPILER {
        return eprintln!("skipped: no compiler backend for this CPU");
    }
    let configurations: [(&str, Configure); 5] = [
        ("consume_fuel", |c| {
            c.consume_fuel(true);
        }),
        ("epoch_interruption", |c| {
            c.epoch_interruption(true);
        }),
        ("canonicalize_nans", |c| {
            c.canonicalize_nans(true);
        }),
        ("signals_based_traps", |c| {
            c.signals_based_traps(false);
        }),
        ("memory_guard_size", |c| {
            c.memory_guard_size(1 << 16);
        }),
    ];
    let plain = compiler(|_| {});
    let plain_artifact = Module::new(&plain, MODULE).unwrap().serialize().unwrap();
    for (setting, configure) in configurations {
        let other = compiler(configure);
        let artifact = Module::new(&other, MODULE).unwrap().serialize().unwrap();
        let message = refused(&plain, &artifact);
        assert!(message.contains(setting), "{setting}: {message}");
        let message = refused(&other, &plain_artifact);
        assert!(message.contains(setting), "{setting}: {message}");
        // SAFETY: an artifact of `serialize` for this very configuration.
        let module = unsafe { Module::deserialize(&other, &artifact) }.unwrap();
        assert_eq!(module.exports().len(), 7);
    }
}

#[test]
fn only_compiled_modules_serialize_and_load() {
    let artifact = HAS_COMPILER.then(|| {
        let module = Module::new(&compiler(|_| {}), MODULE).unwrap();
        module.serialize().unwrap()
    });
    for engine in every_engine() {
        let module = Module::new(&engine, MODULE).unwrap();
        if engine.config().get_strategy() == Strategy::Compiler {
            assert!(module.serialize().is_ok());
            continue;
        }
        let error = module.serialize().unwrap_err();
        assert!(
            error
                .to_string()
                .contains("only compiled modules can be serialized"),
            "{error}"
        );
        if let Some(artifact) = &artifact {
            // SAFETY: an artifact of `serialize`; the engine refuses it.
            let error = unsafe { Module::deserialize(&engine, artifact) }.unwrap_err();
            assert!(error.to_string().contains("Strategy::Compiler"), "{error}");
        }
    }
}

#[test]
fn wasm_loaders_name_an_artifact_for_what_it_is() {
    if !HAS_COMPILER {
        return eprintln!("skipped: no compiler backend for this CPU");
    }
    let engine = compiler(|_| {});
    let artifact = Module::new(&engine, MODULE).unwrap().serialize().unwrap();
    let error = Module::new(&engine, &artifact).unwrap_err();
    assert!(error.to_string().contains("Module::deserialize"), "{error}");
}

#[test]
fn compiling_on_one_thread_or_many_gives_the_same_code() {
    if !HAS_COMPILER {
        return;
    }
    let kernel = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/bench/kernels/sha256/module.wasm"
    );
    let bytes = match std::fs::read(kernel) {
        Ok(bytes) => bytes,
        Err(_) => wat::parse_str(MODULE).unwrap(),
    };
    let artifact = |parallel: bool| {
        let engine = compiler(|config| {
            config.parallel_compilation(parallel);
        });
        let module = Module::new(&engine, &bytes).unwrap();
        assert!(module.code_size() > 0);
        module.serialize().unwrap()
    };
    let serial = artifact(false);
    assert!(
        serial == artifact(true),
        "parallel compilation changed the code"
    );
    assert!(
        serial == artifact(false),
        "serial compilation is not repeatable"
    );
    let engine = compiler(|config| {
        config.parallel_compilation(false);
    });
    let sample = Module::new(&engine, MODULE).unwrap();
    assert_eq!(
        run_sample(&sample),
        run_sample(&Module::new(&compiler(|_| {}), MODULE).unwrap())
    );
}

//! Perf maps as a profiler relies on them: with `Config::perf_map`, each
//! function of a compiled module, or of one loaded from an artifact, is
//! named in `/tmp/perf-<pid>.map` with its address and size, so that
//! `perf report` can attribute samples in compiled code. Without it,
//! nothing is written. (Only where kiln has a compiler backend.)

#![cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]

use kiln::*;

/// One line of a perf map: start, size, name.
fn parse(line: &str) -> (u64, u64, String) {
    let mut fields = line.splitn(3, ' ');
    let mut hex = || u64::from_str_radix(fields.next().expect("a field"), 16).expect("hex");
    let (start, size) = (hex(), hex());
    (start, size, fields.next().expect("a name").to_string())
}

/// Where `perf` looks for this process's names.
fn path() -> String {
    format!("/tmp/perf-{}.map", std::process::id())
}

/// The lines of this process's perf map that name functions of `module`.
fn lines_of(module: &str) -> Vec<(u64, u64, String)> {
    let text = std::fs::read_to_string(path()).unwrap_or_default();
    let prefix = format!("wasm[{module}]::");
    text.lines()
        .map(parse)
        .filter(|(_, _, name)| name.starts_with(&prefix))
        .collect()
}

fn engine(perf_map: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Compiler).perf_map(perf_map);
    Engine::new(&config)
}

#[test]
fn every_compiled_function_is_named_with_its_place_in_the_perf_map() {
    // What an earlier process with this pid left is not this process's code.
    std::fs::write(path(), "1000 10 wasm[plugin]::stale\n").unwrap();
    let engine = engine(true);
    let wat = r#"(module $plugin
        (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
        (func (export "run") (param i32) (result i32) (call $square (local.get 0))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let compiled = lines_of("plugin");
    let names: Vec<&str> = compiled.iter().map(|(_, _, name)| name.as_str()).collect();
    assert_eq!(names, ["wasm[plugin]::square", "wasm[plugin]::function[1]"]);
    let (first, first_size, _) = compiled[0];
    let (second, second_size, _) = compiled[1];
    assert!(first_size > 0 && second_size > 0);
    assert_eq!(first + first_size, second, "functions follow one another");

    // SAFETY: the bytes are an artifact that `serialize` just made.
    let loaded = unsafe { Module::deserialize(&engine, module.serialize().unwrap()).unwrap() };
    let both = lines_of("plugin");
    assert_eq!(both.len(), 4, "the loaded copy adds its own lines");
    assert_ne!(both[2].0, first, "at the loaded copy's address");
    assert_eq!((both[2].1, both[3].1), (first_size, second_size));

    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &loaded, &[]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 7).unwrap(), 49);
}

#[test]
fn without_the_option_nothing_is_written() {
    Module::new(&engine(false), r#"(module $quiet (func $f))"#).unwrap();
    assert!(lines_of("quiet").is_empty());
}

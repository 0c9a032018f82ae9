//! Compiled modules through the command line: `kiln compile` writes an
//! artifact that `kiln run` runs as it runs the module, `kiln run --cache`
//! compiles a module once and then loads it, recovering from damaged
//! entries, and an artifact made for another configuration is refused.

mod wasi_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wasi_support::{Scratch, kiln};

fn hello() -> String {
    format!("{}/../../examples/hello.wat", env!("CARGO_MANIFEST_DIR"))
}

/// A program that prints a line, then traps deep in a named function.
const TRAPPING: &str = r#"(module $trapping
    (import "wasi_snapshot_preview1" "fd_write"
        (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "about to trap\n")
    (func $inner (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const -4))))
    (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 14))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (drop (call $inner (i32.const 0)))))"#;

fn run(args: &[&str]) -> Output {
    Command::new(kiln()).args(args).output().expect("kiln runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn compile(module: &str, out: &Path, options: &[&str]) {
    let output = run(&[&["compile", module, "-o", out.to_str().unwrap()], options].concat());
    assert!(output.status.success(), "{}", text(&output.stderr));
}

fn has_compiler() -> bool {
    let compiler = cfg!(target_arch = "x86_64");
    if !compiler {
        eprintln!("skipped: no compiler backend for this CPU");
    }
    compiler
}

#[test]
fn a_compiled_module_runs_as_its_wasm_does() {
    if !has_compiler() {
        return;
    }
    let scratch = Scratch::new("compiled");
    // Named like a wasm module: `kiln run` knows an artifact by its bytes.
    let artifact = scratch.path.join("hello.wasm");
    compile(&hello(), &artifact, &[]);
    let from_wasm = run(&["run", &hello(), "kiln"]);
    let from_artifact = run(&["run", artifact.to_str().unwrap(), "kiln"]);
    assert_eq!(text(&from_wasm.stdout), "Hello, kiln!\n");
    assert_eq!(text(&from_artifact.stdout), text(&from_wasm.stdout));
    assert_eq!(from_artifact.status.code(), Some(0));

    let source = scratch.path.join("trapping.wat");
    std::fs::write(&source, TRAPPING).unwrap();
    let artifact = scratch.path.join("trapping.kilnc");
    compile(
        source.to_str().unwrap(),
        &artifact,
        &["--bounds-checks", "explicit"],
    );
    let from_wasm = run(&[
        "run",
        "--bounds-checks",
        "explicit",
        source.to_str().unwrap(),
    ]);
    let from_artifact = run(&[
        "run",
        "--bounds-checks",
        "explicit",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(from_artifact.status.code(), Some(134));
    assert_eq!(text(&from_artifact.stdout), "about to trap\n");
    let trap = |output: &Output| {
        let stderr = text(&output.stderr);
        stderr[stderr.find("wasm trap").expect("a trap")..].to_string()
    };
    assert!(
        trap(&from_artifact).contains("trapping!inner"),
        "{}",
        trap(&from_artifact)
    );
    assert_eq!(trap(&from_artifact), trap(&from_wasm));
}

#[test]
fn an_artifact_for_another_configuration_is_refused_with_the_reason() {
    if !has_compiler() {
        return;
    }
    let scratch = Scratch::new("compiled");
    let artifact = scratch.path.join("hello.kilnc");
    compile(&hello(), &artifact, &[]);
    let output = run(&["run", "--fuel", "1000000", artifact.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("consume_fuel"), "{stderr}");

    let metered = scratch.path.join("metered.kilnc");
    compile(&hello(), &metered, &["--consume-fuel"]);
    let output = run(&["run", "--fuel", "1000000", metered.to_str().unwrap()]);
    assert_eq!(text(&output.stdout), "Hello, world!\n");

    let output = run(&["run", "--engine", "interp", artifact.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("Strategy::Compiler"));

    let output = run(&["compile", &hello()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("-o OUT"));
}

/// The files in the cache directory.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The time of `phase` in a `kiln-stats phases` line.
fn phase_ms(stderr: &str, phase: &str) -> f64 {
    stderr
        .split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{phase}_ms=")))
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("no {phase}_ms in {stderr}"))
}

#[test]
fn the_cache_compiles_once_and_recovers_from_damaged_entries() {
    if !has_compiler() {
        return;
    }
    let scratch = Scratch::new("cache");
    let cache = scratch.path.join("made/by/run");
    let cached_run = || {
        let output = run(&[
            "run",
            "--stats",
            "--cache",
            cache.to_str().unwrap(),
            &hello(),
            "cache",
        ]);
        assert_eq!(text(&output.stdout), "Hello, cache!\n");
        text(&output.stderr)
    };
    let first = cached_run();
    assert!(phase_ms(&first, "regalloc") > 0.0, "{first}");
    let files = entries(&cache);
    assert_eq!(files.len(), 1, "{files:?}");

    let second = cached_run();
    for phase in ["translate", "passes", "lower", "regalloc", "emit"] {
        assert_eq!(phase_ms(&second, phase), 0.0, "{phase} ran: {second}");
    }
    assert!(!second.contains("compiling again"), "{second}");
    assert_eq!(entries(&cache), files);

    let entry = &files[0];
    let bytes = std::fs::read(entry).unwrap();
    let damages: [(&str, Vec<u8>); 3] = [
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("flipped", {
            let mut flipped = bytes.clone();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0x10;
            flipped
        }),
        ("empty", Vec::new()),
    ];
    for (damage, damaged) in damages {
        std::fs::write(entry, &damaged).unwrap();
        let recovered = cached_run();
        assert!(
            recovered.contains("compiling again"),
            "{damage}: {recovered}"
        );
        assert!(
            phase_ms(&recovered, "regalloc") > 0.0,
            "{damage}: {recovered}"
        );
        assert_eq!(
            std::fs::read(entry).unwrap(),
            bytes,
            "{damage}: entry replaced"
        );
        assert_eq!(entries(&cache), files, "{damage}: no other files left");
    }

    let other_config = run(&[
        "run",
        "--bounds-checks",
        "explicit",
        "--cache",
        cache.to_str().unwrap(),
        &hello(),
    ]);
    assert_eq!(text(&other_config.stdout), "Hello, world!\n");
    assert_eq!(entries(&cache).len(), 2, "one entry per configuration");
}

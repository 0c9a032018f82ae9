//! `kiln run --stats` reports the compile time of each phase on a line of its
//! own, `kiln-stats phases decode_ms=.. translate_ms=.. ..`, before the
//! `kiln-stats compile_ms=.. run_ms=..` line that stays last for compare.py;
//! each engine reports zero for the phases it does not run. A line
//! `kiln-stats code_bytes=..` gives the size of the module's machine code,
//! and `kiln-stats allocator moves=.. spills=.. reloads=..` what the
//! compiler's register allocator inserted into it.

mod wasi_support;

use std::process::Command;
use wasi_support::kiln;

/// The phases, in the order the line gives them.
const PHASES: [&str; 7] = [
    "decode",
    "translate",
    "passes",
    "lower",
    "regalloc",
    "emit",
    "link",
];

/// Each engine, with the phases it runs.
const ENGINES: [(&str, &[&str]); 3] = [
    ("interp", &["decode"]),
    ("ssa", &["decode", "translate", "passes"]),
    ("compiler", &PHASES),
];

fn hello() -> String {
    format!("{}/../../examples/hello.wat", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `kiln run --engine ENGINE --stats MODULE` and returns its stderr.
fn stats_of(engine: &str, module: &str) -> String {
    let output = Command::new(kiln())
        .args(["run", "--engine", engine, "--stats", module])
        .output()
        .expect("kiln runs");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The milliseconds of each phase on the phases line of `stderr`, checking
/// that every phase is there, in order, as a number.
fn phases(stderr: &str) -> Vec<(String, f64)> {
    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("kiln-stats phases "))
        .unwrap_or_else(|| panic!("no phases line in {stderr:?}"));
    let fields: Vec<(String, f64)> = line
        .split(' ')
        .map(|field| {
            let (name, value) = field.split_once("_ms=").expect("NAME_ms=VALUE");
            let ms = value.parse::<f64>().expect("a number of milliseconds");
            (name.to_string(), ms)
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, PHASES, "{line}");
    fields
}

#[test]
fn every_engine_reports_the_phases_it_runs() {
    for (engine, runs) in ENGINES {
        let stderr = stats_of(engine, &hello());
        for (phase, ms) in phases(&stderr) {
            assert!(ms.is_finite() && ms >= 0.0, "{engine} {phase}: {stderr}");
            if !runs.contains(&phase.as_str()) {
                assert_eq!(ms, 0.0, "{engine} does not run {phase}: {stderr}");
            }
        }
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("kiln-stats compile_ms="),
            "{engine}: the timing line is not last in {stderr}"
        );
    }
}

#[test]
fn a_guest_that_traps_still_gets_its_phases() {
    let scratch = wasi_support::Scratch::new("compile-stats");
    let module = scratch.path.join("trap.wat");
    std::fs::write(&module, r#"(module (func (export "_start") unreachable))"#).unwrap();
    let stderr = stats_of("compiler", &module.display().to_string());
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert_eq!(phases(&stderr).len(), PHASES.len());
}

/// The number on the `kiln-stats code_bytes=` line of `stderr`.
fn code_bytes(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|line| line.strip_prefix("kiln-stats code_bytes="))
        .unwrap_or_else(|| panic!("no code_bytes line in {stderr:?}"))
        .parse()
        .expect("a number of bytes")
}

#[test]
fn the_compiler_reports_the_size_of_its_code_and_the_others_none() {
    let small = code_bytes(&stats_of("compiler", &hello()));
    assert!(small > 0, "hello compiles to {small} bytes");
    for engine in ["interp", "ssa"] {
        assert_eq!(code_bytes(&stats_of(engine, &hello())), 0, "{engine}");
    }
    let kernel = format!(
        "{}/../../../shared/bench/kernels/sieve/module.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::path::Path::new(&kernel).exists() {
        let large = code_bytes(&stats_of("compiler", &kernel));
        assert!(large > 10 * small, "sieve: {large} bytes, hello: {small}");
    }
}

/// The moves, spills and reloads on the `kiln-stats allocator` line of
/// `stderr`, checking that they are there, in order, as numbers.
fn allocator_counts(stderr: &str) -> [u64; 3] {
    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("kiln-stats allocator "))
        .unwrap_or_else(|| panic!("no allocator line in {stderr:?}"));
    let counts: Vec<u64> = ["moves", "spills", "reloads"]
        .iter()
        .zip(line.split(' '))
        .map(|(name, field)| {
            let value = field.strip_prefix(&format!("{name}=")).expect("NAME=VALUE");
            value.parse().expect("a count")
        })
        .collect();
    counts
        .try_into()
        .unwrap_or_else(|_| panic!("three counts in {line:?}"))
}

#[test]
fn the_compiler_reports_what_its_allocator_inserted_and_the_others_nothing() {
    let kernel = format!(
        "{}/../../../shared/bench/kernels/nbody/module.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::path::Path::new(&kernel).exists() {
        let [moves, spills, reloads] = allocator_counts(&stats_of("compiler", &kernel));
        assert!(
            moves > 0 && spills > 0 && reloads > 0,
            "{moves} {spills} {reloads}"
        );
    }
    for engine in ["interp", "ssa"] {
        assert_eq!(
            allocator_counts(&stats_of(engine, &hello())),
            [0, 0, 0],
            "{engine}"
        );
    }
}

#[test]
fn kiln_compile_reports_its_phases_and_one_thread_writes_the_same_artifact() {
    let scratch = wasi_support::Scratch::new("compile-stats-artifact");
    let kernel = format!(
        "{}/../../../shared/bench/kernels/bytes/module.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let module = if std::path::Path::new(&kernel).exists() {
        kernel
    } else {
        hello()
    };
    let compile = |extra: &[&str], out: &str| {
        let out = scratch.path.join(out);
        let output = Command::new(kiln())
            .arg("compile")
            .args(extra)
            .args([module.as_str(), "-o"])
            .arg(&out)
            .output()
            .expect("kiln runs");
        assert!(output.status.success(), "{output:?}");
        (
            String::from_utf8_lossy(&output.stderr).into_owned(),
            std::fs::read(out).expect("the artifact is written"),
        )
    };
    let (stderr, parallel) = compile(&["--stats"], "parallel.kiln");
    assert!(code_bytes(&stderr) > 0, "{stderr}");
    let [moves, _, _] = allocator_counts(&stderr);
    assert!(moves > 0, "{stderr}");
    for (phase, ms) in phases(&stderr) {
        assert!(ms > 0.0, "compile runs {phase}: {stderr}");
    }
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("kiln-stats compile_ms="), "{stderr}");
    let (quiet, serial) = compile(&["--no-parallel"], "serial.kiln");
    assert!(quiet.is_empty(), "{quiet}");
    assert!(
        serial == parallel,
        "one thread and many wrote different artifacts"
    );
}

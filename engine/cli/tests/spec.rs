//! The official WebAssembly 2.0 spec suite (every file of `core-2.0/` outside
//! `simd/`) through `kiln wast` on every engine, and on the compiler with
//! explicit bounds checks and with every module loaded from its compiled
//! artifact (`--serialize`) too: nothing may fail and nothing may be skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/core-2.0")
}

/// Runs `kiln wast --engine ENGINE OPTIONS...` over the suite and checks the
/// summary line.
fn run_suite(engine: &str, options: &[&str]) {
    let dir = spec_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: the spec suite is not at {}", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 90,
        "expected the 90 top-level core-2.0 files"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["wast", "--engine", engine])
        .args(options)
        .args(&files)
        .output()
        .expect("kiln runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().last().unwrap_or_default();
    let failures: Vec<&str> = stdout
        .lines()
        .filter(|line| !line.ends_with(" 0 failed, 0 skipped"))
        .collect();
    assert!(
        output.status.success() && summary.ends_with(" 0 failed, 0 skipped"),
        "spec suite on {engine} {options:?}: {summary}\n{}\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    let passed: u32 = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(passed > 28_000, "only {passed} commands ran");
}

#[test]
fn spec_suite_passes_on_the_interpreter() {
    run_suite("interp", &[]);
}

#[test]
fn spec_suite_passes_on_the_ssa_engine() {
    run_suite("ssa", &[]);
}

#[test]
fn spec_suite_passes_on_the_compiler() {
    run_suite("compiler", &[]);
}

#[test]
fn spec_suite_passes_on_the_compiler_with_explicit_bounds_checks() {
    run_suite("compiler", &["--bounds-checks", "explicit"]);
}

#[test]
fn spec_suite_passes_on_the_compiler_from_serialized_modules() {
    run_suite("compiler", &["--serialize"]);
}

//! `kiln wast` as a user runs it: failures are reported with their position and
//! make the exit status non-zero, unsupported features are skipped with a reason,
//! and bad arguments give a clear error.

use std::process::{Command, Output};

fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .output()
        .expect("kiln runs")
}

fn script(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-wast-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_shipped_example_passes() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/factorial.wast");
    let out = kiln(&["wast", example]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("6 passed, 0 failed, 0 skipped"));
}

#[test]
fn a_failing_assertion_is_reported_with_its_line_and_fails_the_run() {
    let path = script(
        "wrong.wast",
        "(module (func (export \"one\") (result i32) i32.const 1))\n\
         (assert_return (invoke \"one\") (i32.const 2))\n\
         (assert_trap (invoke \"one\") \"unreachable\")\n",
    );
    let out = kiln(&["wast", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("wrong.wast:2:1: result 0: expected i32:2, got i32:1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("wrong.wast:3:1: expected trap `unreachable`"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("1 passed, 2 failed, 0 skipped"));
}

#[test]
fn simd_is_skipped_with_a_reason_not_passed() {
    let path = script(
        "simd.wast",
        "(module (func (export \"v\") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))\n\
         (assert_return (invoke \"v\") (i32.const 1))\n",
    );
    let out = kiln(&["wast", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("skipped 2: SIMD"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("0 passed, 0 failed, 2 skipped"));
}

#[test]
fn bad_arguments_and_missing_files_are_errors() {
    let out = kiln(&["wast", "--engine", "warp", "x.wast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown engine `warp`"));

    let out = kiln(&["wast", "/nonexistent/file.wast"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot read"));

    let path = script("garbage.wast", "(module (func (oops");
    let out = kiln(&["wast", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot parse"));

    let out = kiln(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serialize_runs_modules_from_their_artifacts_on_the_compiler_only() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/factorial.wast");
    let out = kiln(&["wast", "--engine", "interp", "--serialize", example]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--serialize needs the compiler engine"),
        "{stderr}"
    );
    if cfg!(target_arch = "x86_64") {
        let out = kiln(&["wast", "--engine", "compiler", "--serialize", example]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert_eq!(stdout.lines().last(), Some("6 passed, 0 failed, 0 skipped"));
    }
}

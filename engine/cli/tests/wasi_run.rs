//! `kiln run` as a user meets it: the shipped example, arguments, environment,
//! preopened directories, exit statuses, traps, `--invoke`, `--stats`,
//! `--perf-map`, and the errors for a bad command line or module.

mod wasi_support;

use std::process::{Command, Output};
use wasi_support::{Scratch, kiln};

fn kiln_run(args: &[&str]) -> Output {
    Command::new(kiln())
        .arg("run")
        .args(args)
        .output()
        .expect("kiln runs")
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes a module to a scratch directory and returns its path.
fn module(scratch: &Scratch, name: &str, text: &str) -> String {
    let path = scratch.path.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A command that writes the environment variable `GREETING`'s value (the
/// first one) and the contents of `/data/in.txt` to stdout, then exits with
/// status 7.
const ENV_AND_FILE: &str = r#"(module
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "in.txt")
  (func (export "_start")
    ;; environ[0] is "GREETING=..."; write from after the '=' (9 bytes in).
    (drop (call $environ_get (i32.const 100) (i32.const 200)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 100)) (i32.const 9)))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; Open in.txt in the preopen (fd 3) and copy up to 100 bytes to stdout.
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 6)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24))
      (then (call $proc_exit (i32.const 99))))
    (i32.store (i32.const 0) (i32.const 1000))
    (i32.store (i32.const 4) (i32.const 100))
    (drop (call $fd_read (i32.load (i32.const 24)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 7))))"#;

#[test]
fn the_example_greets_its_argument() {
    let output = kiln_run(&[&example("hello.wat")]);
    assert_eq!(stdout(&output), "Hello, world!\n");
    assert!(output.status.success());
    let output = kiln_run(&[&example("hello.wat"), "kiln", "ignored"]);
    assert_eq!(stdout(&output), "Hello, kiln!\n");
}

#[test]
fn environment_directories_and_exit_status_reach_the_guest() {
    let scratch = Scratch::new("wasi-run");
    let data = scratch.path.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("in.txt"), "file!").unwrap();
    let wat = module(&scratch, "env.wat", ENV_AND_FILE);
    let dir = format!("{}::/data", data.display());
    let output = kiln_run(&["--env", "GREETING=howdy", "--dir", &dir, &wat]);
    assert_eq!(stdout(&output), "howdyfile!", "stderr: {}", stderr(&output));
    assert_eq!(output.status.code(), Some(7));
    // Without the directory the open fails and the guest says so.
    let output = kiln_run(&["--env", "GREETING=howdy", &wat]);
    assert_eq!(output.status.code(), Some(99));
}

#[test]
fn a_trap_prints_its_backtrace_and_exits_with_134() {
    let scratch = Scratch::new("wasi-run");
    let wat = module(
        &scratch,
        "trap.wat",
        r#"(module (func $inner unreachable) (func (export "_start") (call $inner)))"#,
    );
    let output = kiln_run(&[&wat]);
    assert_eq!(output.status.code(), Some(134));
    let message = stderr(&output);
    assert!(message.contains("wasm trap: unreachable"), "{message}");
    assert!(
        message.contains("wasm backtrace:") && message.contains("inner"),
        "{message}"
    );
}

#[test]
fn invoke_calls_an_export_with_typed_arguments() {
    let scratch = Scratch::new("wasi-run");
    let wat = module(
        &scratch,
        "math.wat",
        r#"(module (func (export "mix") (param i32 i64 f64) (result i64 f64)
            (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))
            (f64.mul (local.get 2) (f64.const 2))))"#,
    );
    let output = kiln_run(&["--invoke", "mix", &wat, "-5", "0x10", "1.25"]);
    assert_eq!(stdout(&output), "11\n2.5\n", "stderr: {}", stderr(&output));
    let output = kiln_run(&["--invoke", "mix", &wat, "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("takes 3 arguments"));
}

#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn perf_map_names_the_compiled_functions_for_perf() {
    let child = Command::new(kiln())
        .args(["run", "--perf-map", &example("hello.wat")])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kiln runs");
    let map = format!("/tmp/perf-{}.map", child.id());
    let output = child.wait_with_output().expect("kiln runs");
    assert_eq!(stdout(&output), "Hello, world!\n");
    let text = std::fs::read_to_string(&map).expect("kiln wrote its perf map");
    std::fs::remove_file(&map).expect("the perf map can be removed");
    let mut names = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        assert!(u64::from_str_radix(fields[0], 16).is_ok_and(|start| start > 0));
        assert!(u64::from_str_radix(fields[1], 16).is_ok_and(|size| size > 0));
        names.push(fields[2]);
    }
    // Named by the name section where it names them; the example's
    // `_start` has no name of its own.
    assert_eq!(names, ["wasm[]::strlen", "wasm[]::function[5]"]);
}

#[test]
fn stats_go_to_stderr() {
    let output = kiln_run(&["--stats", &example("hello.wat")]);
    assert_eq!(stdout(&output), "Hello, world!\n");
    let stderr = stderr(&output);
    let line = stderr
        .lines()
        .rfind(|line| line.starts_with("kiln-stats "))
        .unwrap_or_else(|| panic!("no kiln-stats line in {stderr:?}"));
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 3, "{line}");
    for (field, name) in fields[1..].iter().zip(["compile_ms", "run_ms"]) {
        let value = field.strip_prefix(&format!("{name}=")).expect(name);
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}

#[test]
fn bad_modules_and_command_lines_are_reported() {
    let output = kiln_run(&["no/such/module.wasm"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot read"));

    let scratch = Scratch::new("wasi-run");
    let junk = module(&scratch, "junk.wasm", "\0asm\x01\0\0\0\x05junk");
    let output = kiln_run(&[&junk]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("invalid module"));

    let output = kiln_run(&["--engine", "turbo", &example("hello.wat")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("available: interp, ssa"));

    let output = kiln_run(&["--dir", "/no/such/dir", &example("hello.wat")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot open directory"));
}

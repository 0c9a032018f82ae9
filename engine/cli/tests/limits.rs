//! `kiln run --fuel` and `--timeout` stop a guest that never returns, on every
//! engine, and say which limit stopped it; and the small things a new user
//! meets first: `kiln --version`, a readable stack-overflow backtrace, and a
//! `.wasm` file that is no module.

mod wasi_support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use wasi_support::{Scratch, kiln};

const ENGINES: [&str; 3] = ["interp", "ssa", "compiler"];

/// The guest that never returns.
const ENDLESS: &str = r#"(module (func (export "_start") (loop br 0)))"#;

/// Runs `kiln ARGS`, killing it if it has not finished within a minute (a
/// guest that was not stopped), and returns its output and running time.
fn kiln_with_watchdog(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = Command::new(kiln())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiln starts");
    while child.try_wait().expect("kiln runs").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kiln can be stopped");
            panic!("kiln {args:?} was still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("kiln's output");
    (output, started.elapsed())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write_module(scratch: &Scratch, name: &str, bytes: &[u8]) -> String {
    let path = scratch.path.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn fuel_stops_an_endless_loop_on_every_engine() {
    let scratch = Scratch::new("limits");
    let endless = write_module(&scratch, "endless.wat", ENDLESS.as_bytes());
    for engine in ENGINES {
        let args = ["run", "--engine", engine, "--fuel", "100000", &endless];
        let (output, _) = kiln_with_watchdog(&args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(125), "{engine}: {message}");
        assert!(
            message.contains("fuel exhausted after 100000 units"),
            "{engine}: {message}"
        );
        assert!(message.contains("all fuel consumed"), "{engine}: {message}");
    }
}

#[test]
fn a_timeout_stops_an_endless_loop_on_every_engine() {
    let scratch = Scratch::new("limits");
    let endless = write_module(&scratch, "endless.wasm", &wat::parse_str(ENDLESS).unwrap());
    for engine in ENGINES {
        let args = ["run", "--engine", engine, "--timeout", "300ms", &endless];
        let (output, elapsed) = kiln_with_watchdog(&args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(124), "{engine}: {message}");
        assert!(
            message.contains("timed out after 300ms"),
            "{engine}: {message}"
        );
        assert!(
            elapsed >= Duration::from_millis(300),
            "{engine}: {elapsed:?}"
        );
        println!("{engine}: stopped after {elapsed:?}");
    }
}

#[test]
fn limits_that_are_not_reached_change_nothing() {
    let hello = format!("{}/../../examples/hello.wat", env!("CARGO_MANIFEST_DIR"));
    for engine in ENGINES {
        let args = [
            "run",
            "--engine",
            engine,
            "--fuel",
            "1000000",
            "--timeout",
            "1m",
            "--stats",
            &hello,
        ];
        let (output, _) = kiln_with_watchdog(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{engine}: {}",
            stderr(&output)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, world!\n");
        // The fuel line, the code size, the phases, the allocator's counts,
        // then the timing line last, as compare.py reads it.
        let message = stderr(&output);
        let stats: Vec<&str> = (message.lines())
            .filter_map(|line| line.strip_prefix("kiln-stats "))
            .filter_map(|fields| fields.split(['=', ' ']).next())
            .collect();
        assert_eq!(
            stats,
            [
                "fuel_consumed",
                "code_bytes",
                "phases",
                "allocator",
                "compile_ms"
            ],
            "{message}"
        );
    }
}

#[test]
fn bad_limits_are_refused() {
    for args in [
        ["run", "--timeout", "soon", "m.wasm"],
        ["run", "--timeout", "10", "m.wasm"],
        ["run", "--fuel", "-5", "m.wasm"],
    ] {
        let (output, _) = kiln_with_watchdog(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains("wants"), "{}", stderr(&output));
    }
}

#[test]
fn version_is_printed() {
    let (output, _) = kiln_with_watchdog(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let version = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        version.trim(),
        format!("kiln {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_stack_overflow_backtrace_names_the_repeated_frame_once() {
    let scratch = Scratch::new("limits");
    let deep = write_module(
        &scratch,
        "deep.wat",
        br#"(module (func $deep (export "_start") (call $deep)))"#,
    );
    for engine in ENGINES {
        let (output, _) = kiln_with_watchdog(&["run", "--engine", engine, &deep]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(134), "{engine}: {message}");
        assert!(
            message.contains("call stack exhausted"),
            "{engine}: {message}"
        );
        assert!(
            message.contains("more frames of deep (func 0)"),
            "{engine}: {message}"
        );
        assert!(message.lines().count() < 10, "{engine}: {message}");
    }
}

#[test]
fn a_wasm_file_that_is_no_module_says_so() {
    let scratch = Scratch::new("limits");
    let script = write_module(&scratch, "script.wasm", b"#!/bin/sh\necho hello\n");
    let (output, _) = kiln_with_watchdog(&["run", &script]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("not a wasm binary (bad magic: expected 00 61 73 6d, found 23 21 2f 62)"),
        "{message}"
    );
}

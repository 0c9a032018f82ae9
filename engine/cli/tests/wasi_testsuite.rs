//! Runs the official WASI preview 1 test suite (`../shared/wasi-testsuite`)
//! through `kiln run`, the way the suite's reference runner does: arguments
//! and environment from each test's `.json`, its `root` copied afresh and
//! preopened as `/`, stdin an empty pipe, and the exit status and stdout
//! compared with the expectation. Tests named in `wasi_testsuite_skips.txt`
//! are not run; every other test must pass.

mod wasi_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wasi_support::json::Json;
use wasi_support::{Scratch, copy_tree, kiln, shared_dir};

/// How long one test may run before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What a test's `.json` asks for.
#[derive(Default)]
struct Expectation {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

fn string_list(value: &Json) -> Result<Vec<String>, String> {
    match value {
        Json::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or("a non-string argument".to_string())
            })
            .collect(),
        _ => Err("`args` is not a list".into()),
    }
}

/// Reads the legacy (flat) expectation form; anything else is refused rather
/// than guessed at.
fn read_expectation(path: &Path) -> Result<Expectation, String> {
    let mut expectation = Expectation::default();
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(expectation);
    };
    let Json::Object(members) = Json::parse(&text)? else {
        return Err("the expectation is not an object".into());
    };
    for (key, value) in &members {
        match (key.as_str(), value) {
            ("args", value) => expectation.args = string_list(value)?,
            ("env", Json::Object(vars)) => {
                for (name, value) in vars {
                    let value = value.as_str().ok_or("a non-string variable")?;
                    expectation.env.push((name.clone(), value.to_string()));
                }
            }
            ("root", Json::String(root)) => expectation.root = Some(root.clone()),
            ("root", Json::Null) => {}
            ("exit_code", Json::Number(code)) => expectation.exit_code = *code as i32,
            ("stdout", Json::String(out)) => expectation.stdout = Some(out.clone()),
            ("stderr", Json::String(err)) => expectation.stderr = Some(err.clone()),
            (key, _) => return Err(format!("unsupported expectation field `{key}`")),
        }
    }
    Ok(expectation)
}

/// Removes the suite's scratch files (`*.cleanup`) under `dir`.
fn remove_cleanup_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "cleanup") {
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_cleanup_files(&path);
        }
    }
}

/// Runs one test; `Err` says how it failed.
fn run_test(wasm: &Path) -> Result<(), String> {
    let expectation = read_expectation(&wasm.with_extension("json"))?;
    let scratch = Scratch::new("wasi-testsuite");
    let mut command = Command::new(kiln());
    command.arg("run");
    if let Some(root) = &expectation.root {
        let source = wasm.parent().unwrap().join(root);
        copy_tree(&source, &scratch.path).map_err(|err| format!("copying {root}: {err}"))?;
        remove_cleanup_files(&scratch.path);
        command
            .arg("--dir")
            .arg(format!("{}::/", scratch.path.display()));
    }
    for (name, value) in &expectation.env {
        command.arg("--env").arg(format!("{name}={value}"));
    }
    command.arg(wasm).args(&expectation.args);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|err| format!("cannot start kiln: {err}"))?;
    drop(child.stdin.take());
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read_all = |mut stream: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(stdout));
    let stderr = read_all(Box::new(stderr));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no exit after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    let code = status.code().unwrap_or(-1);
    if code != expectation.exit_code {
        return Err(format!(
            "exit status {code}, expected {}\n--- stderr:\n{stderr}--- stdout:\n{stdout}",
            expectation.exit_code
        ));
    }
    for (stream, actual, expected) in [
        ("stdout", &stdout, &expectation.stdout),
        ("stderr", &stderr, &expectation.stderr),
    ] {
        if let Some(expected) = expected
            && !actual.starts_with(expected.as_str())
        {
            return Err(format!("{stream} was {actual:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

/// The skip list: test name (`suite/test`) and reason.
fn skips() -> Vec<(String, String)> {
    include_str!("wasi_testsuite_skips.txt")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, reason) = line.split_once(':').expect("`<suite>/<test>: <reason>`");
            (name.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Every test: its name (`suite/test`) and module.
fn find_tests(root: &Path) -> Vec<(String, PathBuf)> {
    let mut tests = Vec::new();
    for suite in ["assemblyscript", "c", "rust"] {
        let dir = root
            .join("tests")
            .join(suite)
            .join("testsuite/wasm32-wasip1");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "wasm") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                tests.push((format!("{suite}/{name}"), path));
            }
        }
    }
    tests.sort();
    tests
}

#[test]
fn wasi_testsuite_passes() {
    let root = shared_dir().join("wasi-testsuite");
    if !root.is_dir() {
        println!("skipped: the WASI test suite is not at {}", root.display());
        return;
    }
    let tests = find_tests(&root);
    assert!(!tests.is_empty(), "no tests found under {}", root.display());
    let skips = skips();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let passed = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some((name, wasm)) = tests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Some((_, reason)) = skips.iter().find(|(skip, _)| skip == name) {
                        println!("skip {name}: {reason}");
                        skipped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    match run_test(wasm) {
                        Ok(()) => {
                            println!("pass {name}");
                            passed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(why) => {
                            println!("FAIL {name}: {why}");
                            failures.lock().unwrap().push(name.clone());
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    println!(
        "wasi-testsuite: {} passed, {} failed, {} skipped",
        passed.into_inner(),
        failures.len(),
        skipped.into_inner()
    );
    assert!(failures.is_empty(), "failed: {failures:?}");
}

#[test]
fn the_json_reader_reads_expectations() {
    let value =
        Json::parse(r#"{"args": ["a", "b \"c\"\n"], "n": -3.5, "x": null, "ok": true}"#).unwrap();
    assert_eq!(
        value.get("args"),
        Some(&Json::Array(vec![
            Json::String("a".into()),
            Json::String("b \"c\"\n".into())
        ]))
    );
    assert_eq!(value.get("n"), Some(&Json::Number(-3.5)));
    assert_eq!(value.get("x"), Some(&Json::Null));
    assert!(Json::parse("{\"a\": 1,}").is_err());
}

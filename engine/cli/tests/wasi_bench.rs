//! Every benchmark under `../shared/bench` (`kernels/` and `apps/`) run in its
//! `test` configuration through `kiln run` on every engine, and on the
//! compiler with explicit bounds checks too, as `compare.py --mode test` runs
//! it: the arguments, stdin and preopened directories of its `bench.json`,
//! and the exact expected stdout and exit status. Each run's time is printed
//! (`cargo test -- --nocapture` shows it).
//!
//! The kernels also run from their compiled artifacts (`kiln compile`, then
//! `kiln run` of the artifact: the `compiler/artifact` configuration).
//!
//! The kernels run with `--fuel`, and the fuel each consumed must be the same
//! on every engine: fuel is deterministic. (The apps run without, so that
//! real programs also run the code that counts nothing.)

mod wasi_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use wasi_support::json::Json;
use wasi_support::{Scratch, copy_tree, kiln, shared_dir};

/// The benchmark folders: those with a `bench.json`.
fn find_benchmarks(bench: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for group in ["kernels", "apps"] {
        let Ok(entries) = std::fs::read_dir(bench.join(group)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().join("bench.json").is_file() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// The benchmark's module: `module.wasm`, or the folder's only `.wasm`.
fn module_of(dir: &Path) -> Result<PathBuf, String> {
    let module = dir.join("module.wasm");
    if module.is_file() {
        return Ok(module);
    }
    let wasm: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|err| err.to_string())?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    match wasm.as_slice() {
        [only] => Ok(only.clone()),
        _ => Err(format!("no single module in {}", dir.display())),
    }
}

/// `kernels/fib` for `.../bench/kernels/fib`.
fn name_of(dir: &Path) -> String {
    let group = dir.parent().and_then(Path::file_name).unwrap_or_default();
    let name = dir.file_name().unwrap_or_default();
    format!("{}/{}", group.to_string_lossy(), name.to_string_lossy())
}

/// Fuel enough for any benchmark's test run.
const FUEL: u64 = 1 << 60;

/// The `kiln run` options of each engine configuration, by name.
const ENGINES: &[(&str, &[&str])] = &[
    ("compiler", &["--engine", "compiler"]),
    (
        "compiler/explicit",
        &["--engine", "compiler", "--bounds-checks", "explicit"],
    ),
    ("interp", &["--engine", "interp"]),
    ("ssa", &["--engine", "ssa"]),
    (FROM_ARTIFACT, &["--engine", "compiler"]),
];

/// The configuration that runs a kernel's compiled artifact (made with
/// `kiln compile` first) instead of its wasm; only kernels run in it, to
/// keep the test's time small.
const FROM_ARTIFACT: &str = "compiler/artifact";

/// Compiles `module` into an artifact in `scratch` for `kiln run` with
/// `--fuel` when `metered`.
fn compile_artifact(module: &Path, scratch: &Path, metered: bool) -> Result<PathBuf, String> {
    let artifact = scratch.join("module.kilnc");
    let output = Command::new(kiln())
        .arg("compile")
        .args(metered.then_some("--consume-fuel"))
        .arg(module)
        .arg("-o")
        .arg(&artifact)
        .output()
        .map_err(|err| format!("cannot start kiln: {err}"))?;
    match output.status.success() {
        true => Ok(artifact),
        false => Err(format!(
            "kiln compile failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

/// Runs the `test` configuration of the benchmark in `dir` on `engine`; with
/// `metered`, under `--fuel`, and returns the fuel consumed.
fn run_benchmark(
    dir: &Path,
    (engine, options): (&str, &[&str]),
    metered: bool,
) -> Result<Option<u64>, String> {
    let text = std::fs::read_to_string(dir.join("bench.json")).map_err(|err| err.to_string())?;
    let config = Json::parse(&text)?;
    let run = config
        .get("runs")
        .and_then(|runs| runs.get("test"))
        .ok_or("no `test` run")?;
    let scratch = Scratch::new("wasi-bench");
    let mut command = Command::new(kiln());
    command.arg("run").args(options);
    if metered {
        command.args(["--stats", "--fuel", &FUEL.to_string()]);
    }
    if let Some(Json::Object(dirs)) = run.get("dirs") {
        for (guest, host) in dirs {
            let host = host.as_str().ok_or("a directory that is not a string")?;
            let copy = scratch.path.join(guest.trim_matches('/').replace('/', "_"));
            std::fs::create_dir_all(&copy).map_err(|err| err.to_string())?;
            copy_tree(&dir.join(host), &copy).map_err(|err| err.to_string())?;
            command
                .arg("--dir")
                .arg(format!("{}::{guest}", copy.display()));
        }
    }
    let module = module_of(dir)?;
    command.arg(match engine {
        FROM_ARTIFACT => compile_artifact(&module, &scratch.path, metered)?,
        _ => module,
    });
    if let Some(Json::Array(args)) = run.get("args") {
        command.args(args.iter().filter_map(Json::as_str));
    }
    match run.get("stdin").and_then(Json::as_str) {
        Some(file) => {
            let input = std::fs::File::open(dir.join(file)).map_err(|err| err.to_string())?;
            command.stdin(input);
        }
        None => {
            command.stdin(Stdio::null());
        }
    }
    let expected_exit = match run.get("expect_exit") {
        Some(Json::Number(code)) => *code as i32,
        _ => 0,
    };
    let expected_stdout_file = run
        .get("expect_stdout")
        .and_then(Json::as_str)
        .ok_or("no `expect_stdout`")?;
    let expected_stdout =
        std::fs::read(dir.join(expected_stdout_file)).map_err(|err| err.to_string())?;

    let started = Instant::now();
    let output = command
        .output()
        .map_err(|err| format!("cannot start kiln: {err}"))?;
    let elapsed = started.elapsed();
    let code = output.status.code().unwrap_or(-1);
    if code != expected_exit {
        return Err(format!(
            "exit status {code}, expected {expected_exit}; stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if output.stdout != expected_stdout {
        return Err(format!(
            "stdout differs from {expected_stdout_file}:\n{}",
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    println!(
        "pass {} on {engine} in {:.2} s",
        name_of(dir),
        elapsed.as_secs_f64()
    );
    if !metered {
        return Ok(None);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let consumed = stderr
        .split_whitespace()
        .find_map(|word| word.strip_prefix("fuel_consumed="))
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| format!("no fuel_consumed in the statistics:\n{stderr}"))?;
    Ok(Some(consumed))
}

#[test]
fn bench_programs_give_their_expected_output() {
    let bench = shared_dir().join("bench");
    if !bench.is_dir() {
        println!("skipped: the benchmarks are not at {}", bench.display());
        return;
    }
    let benchmarks = find_benchmarks(&bench);
    assert!(
        !benchmarks.is_empty(),
        "no benchmarks under {}",
        bench.display()
    );
    let runs: Vec<(&PathBuf, (&str, &[&str]))> = ENGINES
        .iter()
        .flat_map(|&engine| benchmarks.iter().map(move |dir| (dir, engine)))
        .filter(|(dir, (name, _))| *name != FROM_ARTIFACT || name_of(dir).starts_with("kernels/"))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let fuel = Mutex::new(BTreeMap::<String, Vec<(&str, u64)>>::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(&(dir, engine)) = runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (name, _) = engine;
                    let metered = name_of(dir).starts_with("kernels/");
                    match run_benchmark(dir, engine, metered) {
                        Ok(None) => {}
                        Ok(Some(consumed)) => fuel
                            .lock()
                            .unwrap()
                            .entry(name_of(dir))
                            .or_default()
                            .push((name, consumed)),
                        Err(why) => {
                            println!("FAIL {} on {name}: {why}", name_of(dir));
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("{} on {name}", name_of(dir)));
                        }
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    for (name, consumed) in fuel.into_inner().unwrap() {
        println!("fuel consumed by {name}: {consumed:?}");
        if consumed.windows(2).any(|pair| pair[0].1 != pair[1].1) {
            failures.push(format!("{name} consumed different fuel: {consumed:?}"));
        }
    }
    assert!(failures.is_empty(), "failed: {failures:?}");
}

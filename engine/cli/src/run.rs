//! `kiln run [OPTIONS] MODULE [ARGS...]`: runs a WASI command module, or calls
//! one export of a module with `--invoke`.
//!
//! Exit status: the guest's (`proc_exit`'s code, or 0 when `_start` returns;
//! a code beyond 255, which a process cannot report, becomes 255);
//! 134 when the guest traps (the trap and its wasm backtrace go to stderr);
//! 124 when `--timeout` stopped it and 125 when its `--fuel` ran out; 1
//! when the module cannot be read, compiled, linked or instantiated, or an
//! invoked export fails otherwise; 2 for a bad command line.
//!
//! `--timeout` turns on epoch interruption with a deadline one tick away,
//! and a thread ticks the engine's epoch once when the time is up.

use kiln::wasi::{DirAccess, WasiCtx};
use kiln::{Config, Engine, Error, Func, Linker, Module, Store, Strategy, TrapCode, Val, ValType};
use std::io::Read;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: kiln run [OPTIONS] MODULE [ARGS...]

Runs MODULE (.wasm or .wat, or a compiled module from `kiln compile`) as a
WASI command; ARGS are its arguments, and its argv[0] is MODULE as given.
Options go before MODULE. A compiled module is machine code that runs as it
is: run only those you made.

options:
  --dir HOST[::GUEST]   let the guest use host directory HOST, named GUEST
                        (default: the same as HOST)
  --env NAME=VALUE      set an environment variable for the guest
  --invoke NAME         call export NAME instead of `_start`, with ARGS
                        parsed as its parameters; print its results
  --engine ENGINE       how to run code: compiler (the default on x86-64 and AArch64), interp or ssa
  --fuel N              stop the guest once it has run N units of fuel (about
                        one per instruction; the same count on every engine)
  --timeout DURATION    stop the guest after DURATION of running (e.g. 500ms,
                        1s, 1.5s, 2m, 1h)
  --bounds-checks KIND  how compiled code keeps memory accesses in bounds: guard
                        (guard pages and a signal handler; the default where
                        supported) or explicit (a check before every access)
  --cache DIR           keep compiled modules in DIR (made if missing) and
                        load them from there the next time, keyed by the
                        module's bytes and the configuration; an entry that
                        does not load is compiled again and replaced
  --no-parallel         compile the module's functions one after another on
                        one thread (the default is a thread per core)
  --perf-map            name the compiled functions in /tmp/perf-PID.map, so
                        that `perf record` then `perf report` show where in
                        the guest the time goes (compiler engine only)
  --stats               print on stderr `kiln-stats fuel_consumed=..` (with
                        --fuel), `kiln-stats code_bytes=..` (the machine
                        code of the module's functions; 0 for interp and
                        ssa), then the compile time by phase, `kiln-stats
                        phases decode_ms=.. translate_ms=.. passes_ms=..
                        lower_ms=.. regalloc_ms=.. emit_ms=.. link_ms=..`, the
                        moves, spills and reloads the register allocator
                        inserted, `kiln-stats allocator moves=.. spills=..
                        reloads=..` (0 unless compiled here with compiler),
                        then `kiln-stats compile_ms=.. run_ms=..`. Functions compile
                        in parallel: translate to emit are CPU time summed
                        over the worker threads; decode and link are wall
                        time. A phase the engine does not run is 0 (interp
                        runs decode only, which includes its translation;
                        ssa runs decode, translate and passes)

exit status: the guest's exit status; 134 if it traps; 124 if --timeout
stopped it; 125 if its --fuel ran out; 1 if the module cannot be loaded or
linked; 2 for a bad command line.";

/// The exit status when the guest traps, as a process killed by SIGABRT reports.
const TRAP_STATUS: u8 = 134;

/// The exit status when `--timeout` stopped the guest, as `timeout(1)` reports.
const TIMEOUT_STATUS: u8 = 124;

/// The exit status when the guest's `--fuel` ran out.
const FUEL_STATUS: u8 = 125;

/// What the command line asks for.
struct Options {
    dirs: Vec<(String, String)>,
    env: Vec<(String, String)>,
    invoke: Option<String>,
    strategy: Strategy,
    fuel: Option<u64>,
    /// The time limit, and how the command line wrote it.
    timeout: Option<(Duration, String)>,
    /// What `--bounds-checks` asked for, if given.
    bounds_checks: Option<String>,
    /// Where `--cache` keeps compiled modules.
    cache: Option<String>,
    parallel_compilation: bool,
    perf_map: bool,
    stats: bool,
    module: String,
    args: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            dirs: Vec::new(),
            env: Vec::new(),
            invoke: None,
            strategy: Strategy::default(),
            fuel: None,
            timeout: None,
            bounds_checks: None,
            cache: None,
            parallel_compilation: true,
            perf_map: false,
            stats: false,
            module: String::new(),
            args: Vec::new(),
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let (flag, inline_value) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value = |name: &str| {
                inline_value
                    .clone()
                    .or_else(|| rest.next().cloned())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag {
                "--dir" => {
                    let spec = value("--dir")?;
                    let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                    options.dirs.push((host.to_string(), guest.to_string()));
                }
                "--env" => {
                    let spec = value("--env")?;
                    let (name, val) = spec
                        .split_once('=')
                        .ok_or_else(|| format!("--env wants NAME=VALUE, not `{spec}`"))?;
                    options.env.push((name.to_string(), val.to_string()));
                }
                "--invoke" => options.invoke = Some(value("--invoke")?),
                "--engine" => {
                    options.strategy = match value("--engine")?.as_str() {
                        "interp" => Strategy::Interpreter,
                        "ssa" => Strategy::Ssa,
                        "compiler" => Strategy::Compiler,
                        other => {
                            return Err(format!(
                                "unknown engine `{other}` (available: interp, ssa, compiler)"
                            ));
                        }
                    }
                }
                "--fuel" => {
                    let text = value("--fuel")?;
                    let fuel = text
                        .parse::<u64>()
                        .map_err(|_| format!("--fuel wants a number of units, not `{text}`"))?;
                    options.fuel = Some(fuel);
                }
                "--timeout" => {
                    let text = value("--timeout")?;
                    options.timeout = Some((parse_duration(&text)?, text));
                }
                "--bounds-checks" => {
                    let kind = value("--bounds-checks")?;
                    crate::bounds_checks::apply(&mut Config::new(), &kind)?;
                    options.bounds_checks = Some(kind);
                }
                "--cache" => options.cache = Some(value("--cache")?),
                "--no-parallel" => options.parallel_compilation = false,
                "--perf-map" => options.perf_map = true,
                "--stats" => options.stats = true,
                flag if flag.starts_with('-') && flag.len() > 1 => {
                    return Err(format!("unknown option `{flag}`"));
                }
                module => {
                    if options.cache.is_some() && options.strategy != Strategy::Compiler {
                        return Err(
                            "--cache keeps compiled code: it needs --engine compiler".into()
                        );
                    }
                    options.module = module.to_string();
                    options.args = rest.cloned().collect();
                    return Ok(options);
                }
            }
        }
        Err("no module given".to_string())
    }
}

pub fn main(args: &[String]) -> ExitCode {
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("kiln run: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    run(&options)
}

/// A duration such as `500ms`, `1s`, `1.5s`, `2m` or `1h`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("--timeout wants a duration such as 500ms, 1s or 2m, not `{text}`");
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

fn run(options: &Options) -> ExitCode {
    let mut config = Config::new();
    config
        .strategy(options.strategy)
        .consume_fuel(options.fuel.is_some())
        .epoch_interruption(options.timeout.is_some())
        .parallel_compilation(options.parallel_compilation)
        .perf_map(options.perf_map);
    if let Some(kind) = &options.bounds_checks {
        crate::bounds_checks::apply(&mut config, kind).expect("checked when parsing");
    }
    let engine = Engine::new(&config);
    let compile_start = Instant::now();
    let module = match load_module(&engine, options) {
        Ok(module) => module,
        Err(err) => {
            eprintln!("kiln run: {}: {err}", options.module);
            return ExitCode::FAILURE;
        }
    };
    let compile_time = compile_start.elapsed();

    let run_start = Instant::now();
    let timer = options
        .timeout
        .as_ref()
        .map(|(timeout, _)| Timer::start(&engine, *timeout));
    let mut fuel_consumed = None;
    let outcome = wasi_context(options).and_then(|wasi| {
        let mut store = Store::new(&engine, wasi);
        store.set_epoch_deadline(1);
        if let Some(fuel) = options.fuel {
            store.set_fuel(fuel)?;
        }
        let outcome = instantiate_and_run(options, &mut store, &module);
        if let Some(fuel) = options.fuel {
            fuel_consumed = Some(fuel - store.get_fuel()?);
        }
        outcome
    });
    drop(timer);
    if options.stats {
        print_stats(&module, compile_time, run_start.elapsed(), fuel_consumed);
    }
    let module = &options.module;
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Exit(status)) => ExitCode::from(u8::try_from(status).unwrap_or(u8::MAX)),
        Err(err) => match (err.trap_code(), &options.timeout, fuel_consumed) {
            (Some(TrapCode::Interrupt), Some((_, timeout)), _) => {
                eprintln!("kiln run: {module}: timed out after {timeout}\n{err}");
                ExitCode::from(TIMEOUT_STATUS)
            }
            (Some(TrapCode::OutOfFuel), _, Some(consumed)) => {
                eprintln!("kiln run: {module}: fuel exhausted after {consumed} units\n{err}");
                ExitCode::from(FUEL_STATUS)
            }
            (Some(_), _, _) => {
                eprintln!("kiln run: {module}: {err}");
                ExitCode::from(TRAP_STATUS)
            }
            (None, _, _) => {
                eprintln!("kiln run: {module}: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The module MODULE names: a compiled module (known by its first bytes),
/// or a wasm or text module compiled now or taken from `--cache`.
fn load_module(engine: &Engine, options: &Options) -> kiln::Result<Module> {
    let path = &options.module;
    let cannot = |err: std::io::Error| Error::Usage(format!("cannot read {path}: {err}"));
    let mut start = Vec::with_capacity(8);
    std::fs::File::open(path)
        .and_then(|file| file.take(8).read_to_end(&mut start))
        .map_err(cannot)?;
    if Module::is_serialized(&start) {
        // SAFETY: the user asked to run this compiled module, which is
        // trusted as the code of a `.wasm` run by kiln is (the usage says
        // so), and the file is not expected to change while it runs.
        return unsafe { Module::deserialize_file(engine, path) };
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    match &options.cache {
        Some(dir) => crate::cache::load(engine, dir.as_ref(), &bytes),
        None => Module::new(engine, bytes),
    }
}

/// Ends the guest's time: ticks the engine's epoch once when the timeout
/// has passed, unless dropped before.
struct Timer {
    cancel: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Timer {
    fn start(engine: &Engine, timeout: Duration) -> Timer {
        let (cancel, cancelled) = mpsc::channel::<()>();
        let engine = engine.clone();
        let thread = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = cancelled.recv_timeout(timeout) {
                engine.increment_epoch();
            }
        });
        Timer {
            cancel: Some(cancel),
            thread: Some(thread),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // Hanging up wakes the thread, which then ends.
        drop(self.cancel.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The statistics lines; the timing line comes last and alone, as
/// `../shared/bench/compare.py` reads it.
fn print_stats(module: &Module, compile: Duration, run: Duration, fuel_consumed: Option<u64>) {
    if let Some(fuel) = fuel_consumed {
        eprintln!("kiln-stats fuel_consumed={fuel}");
    }
    crate::stats::print_module_stats(module);
    eprintln!(
        "kiln-stats compile_ms={:.3} run_ms={:.3}",
        crate::stats::ms(compile),
        crate::stats::ms(run)
    );
}

/// The guest's WASI context: its arguments, environment and directories.
fn wasi_context(options: &Options) -> kiln::Result<WasiCtx> {
    let mut builder = WasiCtx::builder().inherit_stdio().arg(&options.module);
    if options.invoke.is_none() {
        builder = builder.args(&options.args);
    }
    for (name, value) in &options.env {
        builder = builder.env(name, value);
    }
    for (host, guest) in &options.dirs {
        builder = builder.preopened_dir(host, guest.as_str(), DirAccess::ReadWrite);
    }
    builder.build()
}

/// Instantiates and runs `_start` or the invoked export.
fn instantiate_and_run(
    options: &Options,
    store: &mut Store<WasiCtx>,
    module: &Module,
) -> kiln::Result<()> {
    let engine = store.engine().clone();
    let mut linker = Linker::new(&engine);
    kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
    let instance = linker.instantiate(&mut *store, module)?;

    let Some(name) = &options.invoke else {
        let start = instance.get_func(&*store, "_start").ok_or_else(|| {
            Error::Usage("the module exports no `_start`; name a function with --invoke".into())
        })?;
        return start.call(&mut *store, &[], &mut []);
    };
    if let Some(initialize) = instance.get_func(&*store, "_initialize") {
        initialize.call(&mut *store, &[], &mut [])?;
    }
    let func = instance
        .get_func(&*store, name)
        .ok_or_else(|| Error::Usage(format!("the module exports no function `{name}`")))?;
    let results = invoke(store, func, &options.args)?;
    for result in results {
        println!("{}", format_value(&result));
    }
    Ok(())
}

/// Calls `func` with `args` parsed as its parameter types.
fn invoke(store: &mut Store<WasiCtx>, func: Func, args: &[String]) -> kiln::Result<Vec<Val>> {
    let ty = func.ty(&*store);
    if args.len() != ty.params().len() {
        return Err(Error::Usage(format!(
            "the function takes {} arguments, {} given",
            ty.params().len(),
            args.len()
        )));
    }
    let params = ty
        .params()
        .iter()
        .zip(args)
        .map(|(ty, arg)| parse_value(*ty, arg).map_err(Error::Usage))
        .collect::<kiln::Result<Vec<_>>>()?;
    let mut results: Vec<Val> = ty
        .results()
        .iter()
        .map(|ty| Val::default_for(*ty))
        .collect();
    func.call(store, &params, &mut results)?;
    Ok(results)
}

/// An integer in decimal or `0x` hexadecimal, negative or not.
fn parse_integer(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The value of type `ty` written as `text`. Integers may be given signed or
/// unsigned.
fn parse_value(ty: ValType, text: &str) -> Result<Val, String> {
    let bad = || format!("`{text}` is not a valid {ty}");
    let in_range = |value: i128, bits: u32| {
        (-(1i128 << (bits - 1))..(1i128 << bits))
            .contains(&value)
            .then_some(value)
    };
    match ty {
        ValType::I32 => parse_integer(text)
            .and_then(|v| in_range(v, 32))
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(bad),
        ValType::I64 => parse_integer(text)
            .and_then(|v| in_range(v, 64))
            .map(|v| Val::I64(v as u64 as i64))
            .ok_or_else(bad),
        ValType::F32 => text.parse::<f32>().map(Val::f32).map_err(|_| bad()),
        ValType::F64 => text.parse::<f64>().map(Val::f64).map_err(|_| bad()),
        other => Err(format!(
            "parameters of type {other} cannot be given on the command line"
        )),
    }
}

/// How a result is printed: integers signed, floats as Rust prints them.
fn format_value(value: &Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_stop_at_the_module() {
        let options = Options::parse(&strings(&[
            "--dir",
            "/tmp::/sandbox",
            "--env=A=b",
            "--bounds-checks=explicit",
            "--stats",
            "prog.wasm",
            "--dir",
            "x",
        ]))
        .unwrap();
        assert_eq!(options.dirs, [("/tmp".to_string(), "/sandbox".to_string())]);
        assert_eq!(options.env, [("A".to_string(), "b".to_string())]);
        assert!(options.stats);
        assert_eq!(options.bounds_checks.as_deref(), Some("explicit"));
        assert_eq!(options.module, "prog.wasm");
        assert_eq!(options.args, ["--dir", "x"]);
    }

    #[test]
    fn bad_command_lines_are_refused() {
        let message = |args: &[&str]| Options::parse(&strings(args)).err().unwrap();
        assert!(message(&["--engine", "jit", "m.wasm"]).contains("available: interp, ssa"));
        assert!(message(&["--env", "NOVALUE", "m.wasm"]).contains("NAME=VALUE"));
        assert!(message(&["--bogus", "m.wasm"]).contains("unknown option"));
        assert!(message(&["--stats"]).contains("no module"));
        assert!(message(&["--bounds-checks", "none", "m.wasm"]).contains("explicit, guard"));
    }

    #[test]
    fn limits_parse() {
        let options = Options::parse(&strings(&["--fuel", "1000", "--timeout=1.5s", "m.wasm"]));
        let options = options.unwrap();
        assert_eq!(options.fuel, Some(1000));
        let (timeout, text) = options.timeout.unwrap();
        assert_eq!(
            (timeout, text.as_str()),
            (Duration::from_millis(1500), "1.5s")
        );
        let durations = [
            ("500ms", 500),
            ("1s", 1000),
            ("2m", 120_000),
            ("1h", 3_600_000),
        ];
        for (text, millis) in durations {
            assert_eq!(parse_duration(text), Ok(Duration::from_millis(millis)));
        }
        for garbage in ["", "1", "s", "1x", "-1s", "1.2.3s", "ms500", "1e400s"] {
            assert!(parse_duration(garbage).is_err(), "{garbage}");
        }
        let message = |args: &[&str]| Options::parse(&strings(args)).err().unwrap();
        assert!(message(&["--fuel", "lots", "m.wasm"]).contains("number of units"));
        assert!(message(&["--fuel", "-1", "m.wasm"]).contains("number of units"));
        assert!(message(&["--timeout", "soon", "m.wasm"]).contains("duration"));
    }

    #[test]
    fn values_parse_by_type() {
        assert_eq!(parse_value(ValType::I32, "-1"), Ok(Val::I32(-1)));
        assert_eq!(parse_value(ValType::I32, "4294967295"), Ok(Val::I32(-1)));
        assert_eq!(parse_value(ValType::I64, "0x10"), Ok(Val::I64(16)));
        assert!(parse_value(ValType::I32, "4294967296").is_err());
        assert_eq!(parse_value(ValType::F64, "1.5"), Ok(Val::f64(1.5)));
        assert!(parse_value(ValType::F32, "one").is_err());
    }
}

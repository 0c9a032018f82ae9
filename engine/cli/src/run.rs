//! `kiln run [OPTIONS] MODULE [ARGS...]`: runs a WASI command module, or calls
//! one export of a module with `--invoke`.
//!
//! Exit status: the guest's (`proc_exit`'s code, or 0 when `_start` returns;
//! a code beyond 255, which a process cannot report, becomes 255);
//! 134 when the guest traps (the trap and its wasm backtrace go to stderr); 1
//! when the module cannot be read, compiled, linked or instantiated, or an
//! invoked export fails otherwise; 2 for a bad command line.

use kiln::wasi::{DirAccess, WasiCtx};
use kiln::{Config, Engine, Error, Func, Linker, Module, Store, Strategy, Val, ValType};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: kiln run [OPTIONS] MODULE [ARGS...]

Runs MODULE (.wasm or .wat) as a WASI command; ARGS are its arguments, and
its argv[0] is MODULE as given. Options go before MODULE.

options:
  --dir HOST[::GUEST]   let the guest use host directory HOST, named GUEST
                        (default: the same as HOST)
  --env NAME=VALUE      set an environment variable for the guest
  --invoke NAME         call export NAME instead of `_start`, with ARGS
                        parsed as its parameters; print its results
  --engine ENGINE       how to run code: compiler (the default on x86-64), interp or ssa
  --bounds-checks KIND  how compiled code keeps memory accesses in bounds: guard
                        (guard pages and a signal handler; the default where
                        supported) or explicit (a check before every access)
  --stats               print `kiln-stats compile_ms=.. run_ms=..` on stderr

exit status: the guest's exit status; 134 if it traps; 1 if the module cannot
be loaded or linked; 2 for a bad command line.";

/// The exit status when the guest traps, as a process killed by SIGABRT reports.
const TRAP_STATUS: u8 = 134;

/// What the command line asks for.
struct Options {
    dirs: Vec<(String, String)>,
    env: Vec<(String, String)>,
    invoke: Option<String>,
    strategy: Strategy,
    /// What `--bounds-checks` asked for, if given.
    bounds_checks: Option<String>,
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
            bounds_checks: None,
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
                "--bounds-checks" => {
                    let kind = value("--bounds-checks")?;
                    crate::bounds_checks::apply(&mut Config::new(), &kind)?;
                    options.bounds_checks = Some(kind);
                }
                "--stats" => options.stats = true,
                flag if flag.starts_with('-') && flag.len() > 1 => {
                    return Err(format!("unknown option `{flag}`"));
                }
                module => {
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

fn run(options: &Options) -> ExitCode {
    let mut config = Config::new();
    config.strategy(options.strategy);
    if let Some(kind) = &options.bounds_checks {
        crate::bounds_checks::apply(&mut config, kind).expect("checked when parsing");
    }
    let engine = Engine::new(&config);
    let compile_start = Instant::now();
    let module = match Module::from_file(&engine, &options.module) {
        Ok(module) => module,
        Err(err) => {
            eprintln!("kiln run: {}: {err}", options.module);
            return ExitCode::FAILURE;
        }
    };
    let compile_time = compile_start.elapsed();

    let run_start = Instant::now();
    let outcome = instantiate_and_run(options, &engine, &module);
    if options.stats {
        print_stats(compile_time, run_start.elapsed());
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Exit(status)) => ExitCode::from(u8::try_from(status).unwrap_or(u8::MAX)),
        Err(err @ Error::Trap(_)) => {
            eprintln!("kiln run: {}: {err}", options.module);
            ExitCode::from(TRAP_STATUS)
        }
        Err(err) => {
            eprintln!("kiln run: {}: {err}", options.module);
            ExitCode::FAILURE
        }
    }
}

fn print_stats(compile: Duration, run: Duration) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "kiln-stats compile_ms={:.3} run_ms={:.3}",
        ms(compile),
        ms(run)
    );
}

/// Builds the guest's WASI context, instantiates, and runs `_start` or the
/// invoked export.
fn instantiate_and_run(options: &Options, engine: &Engine, module: &Module) -> kiln::Result<()> {
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
    let mut store = Store::new(engine, builder.build()?);
    let mut linker = Linker::new(engine);
    kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
    let instance = linker.instantiate(&mut store, module)?;

    let Some(name) = &options.invoke else {
        let start = instance.get_func(&store, "_start").ok_or_else(|| {
            Error::Usage("the module exports no `_start`; name a function with --invoke".into())
        })?;
        return start.call(&mut store, &[], &mut []);
    };
    if let Some(initialize) = instance.get_func(&store, "_initialize") {
        initialize.call(&mut store, &[], &mut [])?;
    }
    let func = instance
        .get_func(&store, name)
        .ok_or_else(|| Error::Usage(format!("the module exports no function `{name}`")))?;
    let results = invoke(&mut store, func, &options.args)?;
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
    fn values_parse_by_type() {
        assert_eq!(parse_value(ValType::I32, "-1"), Ok(Val::I32(-1)));
        assert_eq!(parse_value(ValType::I32, "4294967295"), Ok(Val::I32(-1)));
        assert_eq!(parse_value(ValType::I64, "0x10"), Ok(Val::I64(16)));
        assert!(parse_value(ValType::I32, "4294967296").is_err());
        assert_eq!(parse_value(ValType::F64, "1.5"), Ok(Val::f64(1.5)));
        assert!(parse_value(ValType::F32, "one").is_err());
    }
}

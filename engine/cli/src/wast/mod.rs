//! `kiln wast`: runs WebAssembly spec test scripts (`.wast`), command by command,
//! and reports each failure with its position, then a summary per file and in all.
//!
//! Every top-level command counts once: a module definition, `register`, a bare
//! `invoke`, or an assertion. A command that needs something kiln does not
//! support (SIMD, a 3.0 feature) is skipped with the reason, never passed.
//!
//! With `--serialize`, every module that a script instantiates is compiled,
//! serialized into an artifact and loaded back from it
//! (`Module::deserialize`), and the loaded copy is what runs: the spec
//! suite then tests compiled-module artifacts too.

mod spectest;
mod values;

use kiln::{Config, Engine, Error, Instance, Linker, Module, Store, Strategy, TrapCode, Val};
use std::collections::HashMap;
use std::process::ExitCode;
use values::ExternRefs;
use wast::core::Module as WatModule;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, Wat};

/// How one command went.
enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// Pass, fail and skip counts.
#[derive(Default, Clone, Copy)]
struct Tally {
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Prints a line of the report. A closed standard output (as under `head`)
/// ends the report quietly instead of panicking; the exit status still counts.
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const USAGE: &str = "usage: kiln wast [--engine interp|ssa|compiler] [--bounds-checks guard|explicit] [--serialize] FILE...

  --serialize   run every module from its compiled artifact (Module::serialize,
                then Module::deserialize); needs the compiler engine";

pub fn main(args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    let mut strategy = Strategy::default();
    let mut config = Config::new();
    let mut serialize = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--serialize" => serialize = true,
            "--engine" => match args.next().map(String::as_str) {
                Some("interp") => strategy = Strategy::Interpreter,
                Some("ssa") => strategy = Strategy::Ssa,
                Some("compiler") => strategy = Strategy::Compiler,
                Some(other) => {
                    eprintln!(
                        "kiln wast: unknown engine `{other}` (available: interp, ssa, compiler)"
                    );
                    return ExitCode::from(2);
                }
                None => {
                    eprintln!("kiln wast: --engine needs a value\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--bounds-checks" => {
                let applied = match args.next() {
                    Some(kind) => crate::bounds_checks::apply(&mut config, kind),
                    None => Err("--bounds-checks needs a value".to_string()),
                };
                if let Err(message) = applied {
                    eprintln!("kiln wast: {message}\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
            "-h" | "--help" => {
                report!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("kiln wast: unknown option `{flag}`\n{USAGE}");
                return ExitCode::from(2);
            }
            file => files.push(file.to_string()),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }

    if serialize && strategy != Strategy::Compiler {
        eprintln!("kiln wast: --serialize needs the compiler engine\n{USAGE}");
        return ExitCode::from(2);
    }
    let engine = Engine::new(config.strategy(strategy));
    let mut total = Tally::default();
    for file in &files {
        let tally = run_file(&engine, file, serialize);
        report!("{file}: {tally}");
        total.add(tally);
    }
    report!("{total}");
    if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs one script; a file that cannot be read or parsed counts as one failure.
fn run_file(engine: &Engine, file: &str, serialize: bool) -> Tally {
    let mut tally = Tally::default();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => {
            report!("{file}: cannot read: {err}");
            tally.failed += 1;
            return tally;
        }
    };
    let mut lexer = Lexer::new(&text);
    lexer.allow_confusing_unicode(true);
    let parse_failed = |mut err: wast::Error, tally: &mut Tally| {
        err.set_path(file.as_ref());
        err.set_text(&text);
        report!("{file}: cannot parse: {err}");
        tally.failed += 1;
    };
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(err) => {
            parse_failed(err, &mut tally);
            return tally;
        }
    };
    let script = match parser::parse::<Wast>(&buffer) {
        Ok(script) => script,
        Err(err) => {
            parse_failed(err, &mut tally);
            return tally;
        }
    };

    let mut runner = match Runner::new(engine, serialize) {
        Ok(runner) => runner,
        Err(err) => {
            report!("{file}: cannot set up the spectest module: {err}");
            tally.failed += 1;
            return tally;
        }
    };
    let mut skip_reasons: Vec<(String, u32)> = Vec::new();
    for directive in script.directives {
        let (line, column) = directive.span().linecol_in(&text);
        match runner.run(directive) {
            Outcome::Passed => tally.passed += 1,
            Outcome::Failed(message) => {
                report!("{file}:{}:{}: {message}", line + 1, column.max(1));
                tally.failed += 1;
            }
            Outcome::Skipped(reason) => {
                tally.skipped += 1;
                match skip_reasons.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, count)) => *count += 1,
                    None => skip_reasons.push((reason, 1)),
                }
            }
        }
    }
    for (reason, count) in skip_reasons {
        report!("{file}: skipped {count}: {reason}");
    }
    tally
}

/// What became of a module command, for the commands that use its instance.
#[derive(Clone)]
enum ModuleState {
    Ready(Instance),
    Unsupported(String),
    Broken,
}

struct Runner {
    engine: Engine,
    /// Whether modules run from their compiled artifacts.
    serialize: bool,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<ModuleState>,
    named: HashMap<String, ModuleState>,
    externs: ExternRefs,
}

/// Whether a trap with `code` is the trap a script describes as `expected`.
fn trap_matches(code: TrapCode, expected: &str) -> bool {
    let ours = code.message();
    ours.starts_with(expected)
        || expected.starts_with(ours)
        || (code == TrapCode::TableOutOfBounds && expected.starts_with("undefined element"))
}

/// The module's binary, or `None` when the text does not encode (malformed).
fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    if let QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) = module {
        return Err("components are not supported".into());
    }
    module.encode().map_err(|err| err.to_string())
}

fn module_name(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(Wat::Module(WatModule { id, .. })) => id.map(|id| id.name().to_string()),
        _ => None,
    }
}

impl Runner {
    fn new(engine: &Engine, serialize: bool) -> kiln::Result<Runner> {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        spectest::define(&mut linker, &mut store)?;
        Ok(Runner {
            engine: engine.clone(),
            serialize,
            store,
            linker,
            current: None,
            named: HashMap::new(),
            externs: ExternRefs::default(),
        })
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => self.define_module(&mut module),
            WastDirective::Register { name, module, .. } => {
                match self.instance(module.map(|id| id.name())) {
                    Ok(instance) => match self.linker.instance(&self.store, name, instance) {
                        Ok(_) => Outcome::Passed,
                        Err(err) => Outcome::Failed(format!("register failed: {err}")),
                    },
                    Err(outcome) => outcome,
                }
            }
            WastDirective::Invoke(invoke) => match self.invoke(&invoke) {
                Ok(Ok(_)) => Outcome::Passed,
                Ok(Err(err)) => Outcome::Failed(format!("invoke `{}` failed: {err}", invoke.name)),
                Err(outcome) => outcome,
            },
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = match self.execute(exec) {
                    Ok(Ok(values)) => values,
                    Ok(Err(err)) => {
                        return Outcome::Failed(format!("expected a return, got: {err}"));
                    }
                    Err(outcome) => return outcome,
                };
                if actual.len() != results.len() {
                    return Outcome::Failed(format!(
                        "expected {} results, got {}",
                        results.len(),
                        actual.len()
                    ));
                }
                for (i, (expected, actual)) in results.iter().zip(&actual).enumerate() {
                    match values::matches(expected, actual, &self.store) {
                        Ok(true) => {}
                        Ok(false) => {
                            return Outcome::Failed(format!(
                                "result {i}: expected {}, got {}",
                                values::show_expected(expected),
                                values::show(actual)
                            ));
                        }
                        Err(reason) => return Outcome::Skipped(reason),
                    }
                }
                Outcome::Passed
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(Ok(values)) => Outcome::Failed(format!(
                    "expected trap `{message}`, got {:?}",
                    values.iter().map(values::show).collect::<Vec<_>>()
                )),
                Ok(Err(err)) => match err.trap_code() {
                    Some(code) if trap_matches(code, message) => Outcome::Passed,
                    _ => Outcome::Failed(format!("expected trap `{message}`, got: {err}")),
                },
                Err(outcome) => outcome,
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(Err(err)) if err.trap_code() == Some(TrapCode::StackOverflow) => Outcome::Passed,
                Ok(Err(err)) => Outcome::Failed(format!("expected `{message}`, got: {err}")),
                Ok(Ok(_)) => {
                    Outcome::Failed(format!("expected `{message}`, but the call returned"))
                }
                Err(outcome) => outcome,
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let Ok(bytes) = encode(&mut module) else {
                    return Outcome::Passed;
                };
                match Module::new(&self.engine, &bytes) {
                    Ok(_) => Outcome::Failed(format!(
                        "expected `{message}`, but the module was accepted"
                    )),
                    Err(Error::Unsupported(reason)) => Outcome::Skipped(reason),
                    Err(_) => Outcome::Passed,
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = match module.encode() {
                    Ok(bytes) => bytes,
                    Err(err) => return Outcome::Failed(format!("cannot encode module: {err}")),
                };
                let module = match self.load(&bytes) {
                    Ok(module) => module,
                    Err(Error::Unsupported(reason)) => return Outcome::Skipped(reason),
                    Err(err) => return Outcome::Failed(format!("module is invalid: {err}")),
                };
                match self.linker.instantiate(&mut self.store, &module) {
                    Ok(_) => {
                        Outcome::Failed(format!("expected `{message}`, but the module linked"))
                    }
                    Err(Error::Trap(trap)) => {
                        Outcome::Failed(format!("expected `{message}`, got a trap: {trap}"))
                    }
                    Err(_) => Outcome::Passed,
                }
            }
            WastDirective::ModuleDefinition(_) | WastDirective::ModuleInstance { .. } => {
                Outcome::Skipped(
                    "module definitions and instances (Wasm 3.0) are not supported".into(),
                )
            }
            WastDirective::AssertException { .. } => {
                Outcome::Skipped("exception handling is not supported".into())
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                Outcome::Skipped("custom-section annotations are not supported".into())
            }
            WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => {
                Outcome::Skipped("threads and stack switching are not supported".into())
            }
        }
    }

    fn define_module(&mut self, module: &mut QuoteWat<'_>) -> Outcome {
        let name = module_name(module);
        let (state, outcome) = match self.instantiate(module) {
            Ok(Ok(instance)) => (ModuleState::Ready(instance), Outcome::Passed),
            Ok(Err(err)) => (
                ModuleState::Broken,
                Outcome::Failed(format!("module failed: {err}")),
            ),
            Err(Outcome::Skipped(reason)) => (
                ModuleState::Unsupported(reason.clone()),
                Outcome::Skipped(reason),
            ),
            Err(outcome) => (ModuleState::Broken, outcome),
        };
        if let Some(name) = name {
            self.named.insert(name, state.clone());
        }
        self.current = Some(state);
        outcome
    }

    /// Compiles and instantiates a script module. The outer error is a skip (or
    /// an encoding failure); the inner one is kiln's error.
    fn instantiate(
        &mut self,
        module: &mut QuoteWat<'_>,
    ) -> Result<kiln::Result<Instance>, Outcome> {
        let bytes = encode(module)
            .map_err(|err| Outcome::Failed(format!("cannot encode module: {err}")))?;
        let compiled = match self.load(&bytes) {
            Ok(compiled) => compiled,
            Err(Error::Unsupported(reason)) => return Err(Outcome::Skipped(reason)),
            Err(err) => return Ok(Err(err)),
        };
        Ok(self.linker.instantiate(&mut self.store, &compiled))
    }

    /// The module of `bytes`: compiled, or with `--serialize` loaded from
    /// the artifact of the compiled module.
    fn load(&self, bytes: &[u8]) -> kiln::Result<Module> {
        let module = Module::new(&self.engine, bytes)?;
        if !self.serialize {
            return Ok(module);
        }
        let artifact = module.serialize()?;
        // SAFETY: the artifact was just made by `serialize`.
        unsafe { Module::deserialize(&self.engine, &artifact) }
    }

    /// The instance a command refers to: the named one, or the latest module.
    fn instance(&self, name: Option<&str>) -> Result<Instance, Outcome> {
        let state = match name {
            Some(name) => self.named.get(name),
            None => self.current.as_ref(),
        };
        match state {
            Some(ModuleState::Ready(instance)) => Ok(*instance),
            Some(ModuleState::Unsupported(reason)) => Err(Outcome::Skipped(reason.clone())),
            Some(ModuleState::Broken) => {
                Err(Outcome::Failed("its module did not instantiate".into()))
            }
            None => Err(Outcome::Failed(format!("no module named {name:?}"))),
        }
    }

    /// Calls an export. The outer error is a skip or a script problem.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<kiln::Result<Vec<Val>>, Outcome> {
        let instance = self.instance(invoke.module.map(|id| id.name()))?;
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| Outcome::Failed(format!("no exported function `{}`", invoke.name)))?;
        let mut args = Vec::new();
        for arg in &invoke.args {
            args.push(
                values::argument(arg, &mut self.store, &mut self.externs)
                    .map_err(Outcome::Skipped)?,
            );
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|ty| Val::default_for(*ty))
            .collect();
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<kiln::Result<Vec<Val>>, Outcome> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                let global = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| Outcome::Failed(format!("no exported global `{global}`")))?;
                Ok(Ok(vec![global.get(&self.store)]))
            }
            WastExecute::Wat(module) => {
                let mut module = QuoteWat::Wat(module);
                Ok(self.instantiate(&mut module)?.map(|_| Vec::new()))
            }
        }
    }
}

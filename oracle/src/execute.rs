//! Running a test case on one engine and writing down everything that can be
//! observed from outside: how instantiation ended, what each call returned or
//! why it trapped, which host calls it made, the fuel it consumed (on an
//! engine that counts fuel), and the final contents of every memory, global
//! and table the host can reach.

use crate::case::{Call, TestCase};
use crate::generate::store_limits;
use crate::host::{HostLog, define_imports};
use crate::value::{FuncId, FuncNames, Value, fmt_values};
use kiln::{Config, Engine, Error, Extern, Instance, Module, Store, TrapCode, Val};
use std::fmt;

/// Everything one engine did with a test case.
#[derive(Debug, PartialEq, Eq)]
pub struct Execution {
    /// Instantiation, including the start function. It returns no values.
    pub instantiation: Step,
    /// One step per call of the test case; none when instantiation failed.
    pub calls: Vec<Step>,
    /// The final state of each import and export that holds state, by name.
    pub state: Vec<(String, Snapshot)>,
}

/// How one step ended and the host calls it made on the way.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// How the step ended.
    pub outcome: Outcome,
    /// The host functions it called, in order.
    pub host_calls: Vec<HostCall>,
    /// The fuel it consumed, on an engine that consumes fuel.
    pub fuel_consumed: Option<u64>,
}

/// The fuel a store of an engine that consumes fuel starts with: more than
/// any generated module can use.
const FUEL: u64 = 1 << 62;

/// How a call (or instantiation) ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned these values, NaNs canonicalized.
    Returned(Vec<Value>),
    /// It trapped with this code.
    Trapped(TrapCode),
    /// It failed some other way; the error's message.
    Failed(String),
}

/// One call of a host function.
#[derive(Debug, PartialEq, Eq)]
pub struct HostCall {
    /// The position of the function among the module's imports.
    pub import: usize,
    /// Its arguments, NaNs canonicalized.
    pub args: Vec<Value>,
}

/// The final contents of something that holds state.
#[derive(Debug, PartialEq, Eq)]
pub enum Snapshot {
    /// A memory's bytes.
    Memory(Vec<u8>),
    /// A global's value.
    Global(Value),
    /// A table's elements.
    Table(Vec<Value>),
}

/// Runs `case` in a fresh store of an engine configured by `config`.
///
/// Fails only when the engine refuses the module; everything that happens
/// after that, traps included, is part of the [`Execution`].
pub fn execute(config: &Config, case: &TestCase) -> Result<Execution, Error> {
    let engine = Engine::new(config);
    let module = Module::new(&engine, &case.wasm)?;
    let mut store = Store::new(&engine, HostLog::default());
    store.set_limits(store_limits());
    // Both only take effect on an engine configured for them.
    let _ = store.set_fuel(FUEL);
    store.set_epoch_deadline(u64::MAX);
    let mut names = FuncNames::default();

    let imports = match define_imports(&mut store, &module) {
        Ok(imports) => imports,
        Err(error) => {
            return Ok(Execution {
                instantiation: finish_step(&mut store, &names, failure(&error)),
                calls: Vec::new(),
                state: Vec::new(),
            });
        }
    };
    let mut reachable: Vec<(String, Extern)> = Vec::new();
    for (index, (import, name)) in imports.externs.iter().zip(imports.names).enumerate() {
        if let Extern::Func(func) = import {
            names.add(*func, FuncId::Import(index));
        }
        reachable.push((name, *import));
    }

    let instantiated = Instance::new(&mut store, &module, &imports.externs);
    let outcome = match &instantiated {
        Ok(instance) => {
            for (name, export) in instance.exports(&store) {
                if let Extern::Func(func) = export {
                    names.add(func, FuncId::Export(name.clone()));
                }
                reachable.push((format!("export {name:?}"), export));
            }
            Outcome::Returned(Vec::new())
        }
        Err(error) => failure(error),
    };
    let instantiation = finish_step(&mut store, &names, outcome);
    let mut calls = Vec::new();
    if let Ok(instance) = instantiated {
        for call in &case.calls {
            let outcome = match run_call(&mut store, &names, instance, call) {
                Ok(results) => Outcome::Returned(
                    (results.into_iter())
                        .map(|v| names.observe(&store, v))
                        .collect(),
                ),
                Err(error) => failure(&error),
            };
            calls.push(finish_step(&mut store, &names, outcome));
        }
    }
    let state = (reachable.into_iter())
        .filter_map(|(name, ext)| Some((name, snapshot(&store, &names, ext)?)))
        .collect();
    Ok(Execution {
        instantiation,
        calls,
        state,
    })
}

/// Makes one call; the values it returned, or why it failed.
fn run_call(
    store: &mut Store<HostLog>,
    names: &FuncNames,
    instance: Instance,
    call: &Call,
) -> Result<Vec<Val>, Error> {
    let func = (instance.get_func(&*store, &call.export))
        .ok_or_else(|| Error::Usage(format!("no exported function {:?}", call.export)))?;
    let args = (call.args.iter())
        .map(|arg| names.resolve(&mut *store, arg))
        .collect::<Option<Vec<Val>>>()
        .ok_or_else(|| Error::Usage(format!("an argument of {call} names no function here")))?;
    let ty = func.ty(&*store);
    let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
    func.call(&mut *store, &args, &mut results)?;
    Ok(results)
}

/// The fuel consumed since the last step, if the engine counts fuel; the
/// store gets its full supply back for the next one.
fn take_fuel_consumed(store: &mut Store<HostLog>) -> Option<u64> {
    let left = store.get_fuel().ok()?;
    store.set_fuel(FUEL).ok()?;
    Some(FUEL - left)
}

/// The outcome of a step that failed with `error`.
fn failure(error: &Error) -> Outcome {
    match error.trap_code() {
        Some(code) => Outcome::Trapped(code),
        None => Outcome::Failed(error.to_string()),
    }
}

/// The step that ended with `outcome`, with the host calls made since the
/// last step.
fn finish_step(store: &mut Store<HostLog>, names: &FuncNames, outcome: Outcome) -> Step {
    let raw_calls = std::mem::take(&mut store.data_mut().calls);
    let host_calls = (raw_calls.into_iter())
        .map(|call| HostCall {
            import: call.import,
            args: (call.args.into_iter())
                .map(|v| names.observe(store, v))
                .collect(),
        })
        .collect();
    Step {
        outcome,
        host_calls,
        fuel_consumed: take_fuel_consumed(store),
    }
}

/// The current contents of a memory, global or table; `None` for a function,
/// which holds no state.
fn snapshot(store: &Store<HostLog>, names: &FuncNames, holder: Extern) -> Option<Snapshot> {
    Some(match holder {
        Extern::Memory(memory) => Snapshot::Memory(memory.data_slice(store).to_vec()),
        Extern::Global(global) => Snapshot::Global(names.observe(store, global.get(store))),
        Extern::Table(table) => Snapshot::Table(
            (0..table.size(store))
                .filter_map(|i| table.get(store, i))
                .map(|v| names.observe(store, v))
                .collect(),
        ),
        Extern::Func(_) => return None,
    })
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) => {
                f.write_str("returned ")?;
                fmt_values(f, values)
            }
            Outcome::Trapped(code) => write!(f, "trapped: {code}"),
            Outcome::Failed(message) => write!(f, "failed: {message}"),
        }
    }
}

impl fmt::Display for HostCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host import #{}", self.import)?;
        fmt_values(f, &self.args)
    }
}

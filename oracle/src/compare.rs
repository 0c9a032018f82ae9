//! Comparing two executions of the same test case, and the report made when
//! they differ: where (instantiation, which call, which piece of state), and
//! what each engine saw there.

use crate::case::{Call, TestCase};
use crate::execute::{Execution, Outcome, Snapshot, Step};
use kiln::TrapCode;
use std::fmt;

/// Where two executions first differ, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The engine whose behaviour is taken as right.
    pub reference: &'static str,
    /// The engine that behaved differently.
    pub engine: &'static str,
    /// Where they differ.
    pub place: Place,
    /// What the reference engine did there.
    pub expected: String,
    /// What the other engine did there.
    pub actual: String,
}

/// A place in an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// Instantiation, including segments and the start function.
    Instantiation,
    /// The call at this position of the test case.
    Call(usize, Call),
    /// The final state of a memory, global or table.
    State(String),
}

/// How far two executions could be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// Everything matched: every call and the final state.
    Complete,
    /// Everything matched until an engine ran out of stack, in instantiation or
    /// in a call. Engines may put their stack limit at different depths, so what
    /// follows cannot be compared.
    UntilStackOverflow {
        /// How many calls matched before that.
        calls_compared: usize,
    },
}

/// Compares `actual` (by `engine`) with `expected` (by `reference`) step by step.
pub fn compare(
    case: &TestCase,
    (reference, expected): (&'static str, &Execution),
    (engine, actual): (&'static str, &Execution),
) -> Result<Agreement, Box<Divergence>> {
    let diverge = |place: Place, expected: String, actual: String| {
        Box::new(Divergence {
            reference,
            engine,
            place,
            expected,
            actual,
        })
    };
    if overflowed(&expected.instantiation) || overflowed(&actual.instantiation) {
        return Ok(Agreement::UntilStackOverflow { calls_compared: 0 });
    }
    compare_steps(&expected.instantiation, &actual.instantiation)
        .map_err(|(e, a)| diverge(Place::Instantiation, e, a))?;
    for (index, (call, (e, a))) in (case.calls.iter())
        .zip(expected.calls.iter().zip(&actual.calls))
        .enumerate()
    {
        if overflowed(e) || overflowed(a) {
            return Ok(Agreement::UntilStackOverflow {
                calls_compared: index,
            });
        }
        compare_steps(e, a).map_err(|(e, a)| diverge(Place::Call(index, call.clone()), e, a))?;
    }
    let names = |execution: &Execution| -> Vec<String> {
        execution
            .state
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    };
    if names(expected) != names(actual) {
        return Err(diverge(
            Place::State("the set of imports and exports".into()),
            names(expected).join(", "),
            names(actual).join(", "),
        ));
    }
    for ((name, e), (_, a)) in expected.state.iter().zip(&actual.state) {
        compare_snapshots(e, a).map_err(|(e, a)| diverge(Place::State(name.clone()), e, a))?;
    }
    Ok(Agreement::Complete)
}

fn overflowed(step: &Step) -> bool {
    step.outcome == Outcome::Trapped(TrapCode::StackOverflow)
}

/// `Err` with both sides described when the steps differ.
fn compare_steps(expected: &Step, actual: &Step) -> Result<(), (String, String)> {
    if expected.outcome != actual.outcome {
        return Err((expected.outcome.to_string(), actual.outcome.to_string()));
    }
    let mut host_calls = expected.host_calls.iter().zip(&actual.host_calls);
    if let Some((i, (e, a))) = host_calls.by_ref().enumerate().find(|(_, (e, a))| e != a) {
        return Err((format!("host call {i}: {e}"), format!("host call {i}: {a}")));
    }
    if expected.host_calls.len() != actual.host_calls.len() {
        return Err((
            format!("{} host calls", expected.host_calls.len()),
            format!("{} host calls", actual.host_calls.len()),
        ));
    }
    if let (Some(expected), Some(actual)) = (expected.fuel_consumed, actual.fuel_consumed)
        && expected != actual
    {
        return Err((
            format!("consumed {expected} fuel"),
            format!("consumed {actual} fuel"),
        ));
    }
    Ok(())
}

/// `Err` with both sides described when the snapshots differ.
fn compare_snapshots(expected: &Snapshot, actual: &Snapshot) -> Result<(), (String, String)> {
    if expected == actual {
        return Ok(());
    }
    match (expected, actual) {
        (Snapshot::Memory(e), Snapshot::Memory(a)) if e.len() != a.len() => {
            Err((format!("{} bytes", e.len()), format!("{} bytes", a.len())))
        }
        (Snapshot::Memory(e), Snapshot::Memory(a)) => {
            let at = first_difference(e, a);
            Err((
                format!("byte {at:#x} is {:#04x}", e[at]),
                format!("byte {at:#x} is {:#04x}", a[at]),
            ))
        }
        (Snapshot::Global(e), Snapshot::Global(a)) => Err((e.to_string(), a.to_string())),
        (Snapshot::Table(e), Snapshot::Table(a)) if e.len() != a.len() => Err((
            format!("{} elements", e.len()),
            format!("{} elements", a.len()),
        )),
        (Snapshot::Table(e), Snapshot::Table(a)) => {
            let at = first_difference(e, a);
            Err((
                format!("element {at} is {}", e[at]),
                format!("element {at} is {}", a[at]),
            ))
        }
        (e, a) => Err((format!("{e:?}"), format!("{a:?}"))),
    }
}

/// The first index at which two different slices of the same length differ.
fn first_difference<T: PartialEq>(expected: &[T], actual: &[T]) -> usize {
    (expected.iter().zip(actual))
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len())
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Instantiation => f.write_str("instantiation"),
            Place::Call(index, call) => write!(f, "call #{index}: {call}"),
            Place::State(name) => write!(f, "final state of {name}"),
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.reference.len().max(self.engine.len());
        writeln!(
            f,
            "engines `{}` and `{}` disagree",
            self.reference, self.engine
        )?;
        writeln!(f, "  at {}", self.place)?;
        writeln!(f, "  {:width$}  {}", self.reference, self.expected)?;
        write!(f, "  {:width$}  {}", self.engine, self.actual)
    }
}

//! The differential oracle: generate a WebAssembly module and calls into it
//! from fuzzer input, run them on several kiln engines, and compare everything
//! observable — results, trap codes, host calls, and the final contents of
//! memories, globals and tables. The first engine is the reference; every other
//! engine must behave exactly like it.
//!
//! ```
//! use arbitrary::Unstructured;
//! use kiln_oracle::{NamedEngine, TestCase, all_engines, check};
//!
//! let input = [7u8; 512];
//! let case = TestCase::generate(&mut Unstructured::new(&input)).unwrap();
//! let mut engines = vec![NamedEngine::reference()];
//! engines.extend(all_engines());
//! if let Err(finding) = check(&case, &engines) {
//!     panic!("{finding}");
//! }
//! ```
//!
//! The same code runs in `cargo test` (a fixed-seed smoke run) and under
//! cargo-fuzz (the `differential` target in `fuzz/`).

mod case;
mod compare;
mod engines;
mod execute;
mod generate;
mod host;
pub mod shapes;
mod value;

pub use case::{Call, TestCase};
pub use compare::{Agreement, Divergence, Place, compare};
pub use engines::{NamedEngine, all_engines};
pub use execute::{Execution, HostCall, Outcome, Snapshot, Step, execute};
pub use generate::{
    FUEL, MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, generate_module, store_limits, wasm_smith_config,
};
pub use value::{FuncId, Value};

use std::fmt;

/// Something wrong that the oracle found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// An engine refused a module that is valid and uses only what kiln
    /// supports. (Only the reference engine must take every such module; the
    /// others may report [`kiln::Error::Unsupported`].)
    Refused {
        /// The engine.
        engine: &'static str,
        /// Its error message.
        error: String,
    },
    /// Two engines behaved differently.
    Diverged(Box<Divergence>),
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Refused { engine, error } => {
                write!(f, "engine `{engine}` refused a valid module: {error}")
            }
            Finding::Diverged(divergence) => divergence.fmt(f),
        }
    }
}

/// How one engine compared with the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The engine ran the module and agreed with the reference this far.
    Agreed(Agreement),
    /// The engine does not support something the module uses; the message says what.
    Unsupported(String),
}

/// Runs `case` on each engine of `engines` and compares every one after the
/// first with the first, the reference. Returns one verdict per compared
/// engine, or the first thing found wrong.
///
/// Each run uses a fresh store, so listing the same engine twice checks that
/// it is deterministic.
///
/// # Panics
/// If `engines` is empty.
pub fn check(case: &TestCase, engines: &[NamedEngine]) -> Result<Vec<Verdict>, Finding> {
    let (reference, others) = engines
        .split_first()
        .expect("check needs a reference engine");
    let expected = execute(&reference.config, case).map_err(|error| Finding::Refused {
        engine: reference.name,
        error: error.to_string(),
    })?;
    (others.iter())
        .map(|engine| match execute(&engine.config, case) {
            Err(kiln::Error::Unsupported(why)) => Ok(Verdict::Unsupported(why)),
            Err(error) => Err(Finding::Refused {
                engine: engine.name,
                error: error.to_string(),
            }),
            Ok(actual) => compare(case, (reference.name, &expected), (engine.name, &actual))
                .map(Verdict::Agreed)
                .map_err(Finding::Diverged),
        })
        .collect()
}

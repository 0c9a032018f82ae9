//! The engines the oracle knows how to build. Each entry of [`all_engines`] is
//! one line: when kiln gains an engine, add it there and every differential
//! test and fuzz target holds it to the reference interpreter.

use kiln::{Config, Strategy};

/// An engine configuration with a name for reports.
#[derive(Clone, Debug)]
pub struct NamedEngine {
    /// What reports call this engine.
    pub name: &'static str,
    /// How to build it.
    pub config: Config,
}

impl NamedEngine {
    /// An engine with kiln's default features and the given strategy. It
    /// compiles on the calling thread: the code is the same as with parallel
    /// compilation (`engine/tests/serialize.rs` checks it), and a fuzzer that
    /// makes thousands of small modules then starts no threads for them,
    /// which is faster and spares qemu-user (7.2 keeps about 280 KiB for
    /// every thread a process has run) when the arm64 compiler is fuzzed.
    pub fn new(name: &'static str, strategy: Strategy) -> NamedEngine {
        let mut config = Config::new();
        config.strategy(strategy).parallel_compilation(false);
        NamedEngine { name, config }
    }

    /// An engine with the given strategy that also consumes fuel and checks
    /// epochs (with a deadline that is never reached), so that the fuel each
    /// step consumes is compared too, and the checks are seen to change
    /// nothing else.
    pub fn metered(name: &'static str, strategy: Strategy) -> NamedEngine {
        let mut engine = NamedEngine::new(name, strategy);
        engine.config.consume_fuel(true).epoch_interruption(true);
        engine
    }

    /// The same engine with an explicit bounds check before every memory
    /// access instead of guard pages.
    pub fn with_explicit_bounds_checks(mut self) -> NamedEngine {
        self.config.signals_based_traps(false);
        self
    }

    /// The reference interpreter, which defines correct behaviour (and fuel).
    pub fn reference() -> NamedEngine {
        NamedEngine::metered("interpreter", Strategy::Interpreter)
    }
}

/// Every engine kiln offers, one line each.
pub fn all_engines() -> Vec<NamedEngine> {
    vec![
        NamedEngine::new("interpreter", Strategy::Interpreter),
        NamedEngine::new("ssa", Strategy::Ssa),
        NamedEngine::new("compiler", Strategy::Compiler),
        NamedEngine::new("compiler/explicit", Strategy::Compiler).with_explicit_bounds_checks(),
        NamedEngine::metered("compiler (fuel, epochs)", Strategy::Compiler),
    ]
}

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
    /// An engine with kiln's default features and the given strategy.
    pub fn new(name: &'static str, strategy: Strategy) -> NamedEngine {
        let mut config = Config::new();
        config.strategy(strategy);
        NamedEngine { name, config }
    }

    /// The reference interpreter, which defines correct behaviour.
    pub fn reference() -> NamedEngine {
        NamedEngine::new("interpreter", Strategy::Interpreter)
    }
}

/// Every engine kiln offers, one line each.
pub fn all_engines() -> Vec<NamedEngine> {
    vec![
        NamedEngine::new("interpreter", Strategy::Interpreter),
        NamedEngine::new("ssa", Strategy::Ssa),
        NamedEngine::new("compiler", Strategy::Compiler),
    ]
}

//! What several integration tests share: the engines that every behaviour
//! of the public API must hold on.

use kiln::{Config, Engine, Strategy};

/// Whether kiln has a compiler backend for the CPU the tests run on.
pub const HAS_COMPILER: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// An engine of every strategy this CPU has, and for the strategies that
/// compile, with guard pages and with explicit bounds checks.
pub fn every_engine() -> Vec<Engine> {
    let compiler = HAS_COMPILER.then_some(Strategy::Compiler);
    let mut engines = vec![Engine::new(Config::new().strategy(Strategy::Interpreter))];
    for strategy in [Strategy::Ssa].into_iter().chain(compiler) {
        for signals in [true, false] {
            let mut config = Config::new();
            config.strategy(strategy).signals_based_traps(signals);
            engines.push(Engine::new(&config));
        }
    }
    engines
}

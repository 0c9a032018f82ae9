//! `Config` and `Engine`: which wasm features are on and how code runs. An engine
//! is cheap to clone and shared by every module compiled for it.

use crate::error::{Error, Result};
use kiln_ssa::target::Backend;
use std::sync::Arc;
use wasmparser::WasmFeatures;

/// How an engine runs wasm code. The default is the compiler where kiln has a
/// backend for the CPU (x86-64), and the interpreter elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// The reference interpreter: each function body is translated once into a
    /// compact internal form and interpreted. It defines correct behaviour.
    Interpreter,
    /// The SSA engine: each function goes through the compiler's front end and
    /// optimization passes and the resulting SSA is interpreted against the real
    /// instance. It exists to test the front end and the passes before machine
    /// code is involved, and is much slower than the interpreter.
    Ssa,
    /// The optimizing compiler: front end, passes, register allocation and
    /// native code (x86-64 only), compiled for every function when the module
    /// is created.
    Compiler,
}

impl Default for Strategy {
    fn default() -> Strategy {
        if crate::code::has_native_backend() {
            Strategy::Compiler
        } else {
            Strategy::Interpreter
        }
    }
}

/// Settings for an [`Engine`].
///
/// ```
/// use kiln::{Config, Engine, Strategy};
/// let mut config = Config::new();
/// config.strategy(Strategy::Interpreter).wasm_bulk_memory(false);
/// let engine = Engine::new(&config);
/// assert_eq!(engine.config().get_strategy(), Strategy::Interpreter);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    features: WasmFeatures,
    strategy: Strategy,
}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

impl Config {
    /// All of Wasm 2.0 except SIMD, run by the default strategy.
    pub fn new() -> Config {
        Config {
            // SIMD stays on in the validator so that a SIMD module is reported as
            // unsupported rather than as malformed.
            features: WasmFeatures::WASM2,
            strategy: Strategy::default(),
        }
    }

    fn feature(&mut self, feature: WasmFeatures, enable: bool) -> &mut Config {
        self.features.set(feature, enable);
        self
    }

    /// Reference types: `funcref`/`externref` values, several tables, table instructions.
    pub fn wasm_reference_types(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::REFERENCE_TYPES, enable)
    }

    /// Bulk memory: `memory.copy/fill/init`, `table.copy/init`, passive segments.
    pub fn wasm_bulk_memory(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::BULK_MEMORY, enable)
    }

    /// Multi-value: functions and blocks with several results, blocks with parameters.
    pub fn wasm_multi_value(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::MULTI_VALUE, enable)
    }

    /// Sign-extension operators (`i32.extend8_s`, ...).
    pub fn wasm_sign_extension(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::SIGN_EXTENSION, enable)
    }

    /// Saturating float-to-int conversions (`i32.trunc_sat_f32_s`, ...).
    pub fn wasm_saturating_float_to_int(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::SATURATING_FLOAT_TO_INT, enable)
    }

    /// Importing and exporting mutable globals.
    pub fn wasm_mutable_global(&mut self, enable: bool) -> &mut Config {
        self.feature(WasmFeatures::MUTABLE_GLOBAL, enable)
    }

    /// Selects how code runs.
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Config {
        self.strategy = strategy;
        self
    }

    /// The selected strategy.
    pub fn get_strategy(&self) -> Strategy {
        self.strategy
    }

    pub(crate) fn features(&self) -> WasmFeatures {
        self.features
    }
}

/// A compilation environment: a [`Config`] shared by the modules and stores
/// that use it, and, for the compiler strategy, the machine backend for this
/// CPU.
#[derive(Clone)]
pub struct Engine {
    config: Arc<Config>,
    backend: Option<Arc<dyn Backend>>,
}

impl Engine {
    /// An engine with the given configuration.
    pub fn new(config: &Config) -> Engine {
        let backend = match config.strategy {
            Strategy::Compiler => crate::code::native_backend(),
            Strategy::Interpreter | Strategy::Ssa => None,
        };
        Engine {
            config: Arc::new(config.clone()),
            backend,
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The machine backend the compiler strategy uses.
    pub(crate) fn backend(&self) -> Result<&dyn Backend> {
        self.backend.as_deref().ok_or_else(|| {
            Error::Unsupported(
                "the compiler has no backend for this CPU yet; use the interpreter".into(),
            )
        })
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(&Config::default())
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("backend", &self.backend.as_ref().map(|b| b.name()))
            .finish()
    }
}

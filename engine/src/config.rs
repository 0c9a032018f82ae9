//! `Config` and `Engine`: which wasm features are on and how code runs. An engine
//! is cheap to clone and shared by every module compiled for it, and it holds
//! the epoch counter that [`Engine::increment_epoch`] advances.

use crate::error::{Error, Result};
use crate::runtime::EngineEpochs;
use crate::runtime::MemoryConfig;
use kiln_ssa::target::Backend;
use std::sync::Arc;
use wasmparser::WasmFeatures;

/// How an engine runs wasm code. The default is the compiler where kiln has a
/// backend for the CPU (x86-64 and AArch64), and the interpreter elsewhere.
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
    /// native code (x86-64 and AArch64), compiled for every function when the module
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
    memory: MemoryConfig,
    features: WasmFeatures,
    strategy: Strategy,
    code: kiln_frontend::Options,
    parallel_compilation: bool,
    perf_map: bool,
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
            memory: MemoryConfig::default(),
            // SIMD stays on in the validator so that a SIMD module is reported as
            // unsupported rather than as malformed.
            features: WasmFeatures::WASM2,
            strategy: Strategy::default(),
            code: kiln_frontend::Options::default(),
            parallel_compilation: true,
            perf_map: false,
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

    /// Whether compiled code relies on the hardware to catch out-of-bounds
    /// memory accesses: each memory then lives in a reservation of
    /// [`memory_reservation`](Config::memory_reservation) bytes of address
    /// space followed by a guard region of
    /// [`memory_guard_size`](Config::memory_guard_size), an access that
    /// cannot leave them needs no bounds check, and one process-wide signal
    /// handler turns the fault of an access outside the memory into a
    /// [`TrapCode::MemoryOutOfBounds`](crate::TrapCode::MemoryOutOfBounds)
    /// trap. Faults that are not wasm's pass on to the handler the host had
    /// installed before.
    ///
    /// With `false`, no signal handler is installed and every access is
    /// checked explicitly, with its address clamped so that a mispredicted
    /// check cannot read outside the memory (Spectre hardening). The
    /// default is `true` on Linux on x86-64 and AArch64, and `false`
    /// elsewhere, where it has no effect.
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Config {
        self.memory.signals_based_traps = enable && crate::runtime::SIGNAL_TRAPS_SUPPORTED;
        self
    }

    /// Bytes of address space reserved for each linear memory: a memory
    /// never moves and never grows beyond them (`memory.grow` returns -1).
    /// With signal-based traps, a reservation of at least 4 GiB lets 32-bit
    /// accesses go unchecked; with explicit checks a memory reserves only up
    /// to its maximum size. Rounded up to whole 64 KiB pages. The default
    /// is 4 GiB on 64-bit hosts and 10 MiB on 32-bit hosts, as in Wasmtime.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Config {
        self.memory.reservation = bytes.next_multiple_of(crate::runtime::PAGE_SIZE as u64);
        self
    }

    /// Bytes of inaccessible address space after each memory's reservation,
    /// with signal-based traps: an access whose static offset is below it
    /// needs no bounds check. The default is 32 MiB on 64-bit hosts and
    /// 64 KiB on 32-bit hosts, as in Wasmtime.
    pub fn memory_guard_size(&mut self, bytes: u64) -> &mut Config {
        self.memory.guard = bytes;
        self
    }

    /// Whether out-of-bounds accesses are caught by signals (see
    /// [`signals_based_traps`](Config::signals_based_traps)).
    pub fn get_signals_based_traps(&self) -> bool {
        self.memory.signals_based_traps
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

    /// Fuel: every operator the guest runs costs fuel, taken from the
    /// store's supply ([`Store::set_fuel`](crate::Store::set_fuel)); when the
    /// supply cannot pay, the guest traps with [`TrapCode::OutOfFuel`]
    /// (a store starts with none). The count is the same on every engine,
    /// CPU and run, so fuel is a deterministic limit.
    ///
    /// `nop`, `drop`, `block`, `loop`, `else`, `end`, `unreachable` and
    /// `return` cost nothing and every other operator one unit; a call to a
    /// host function costs its `call`. Fuel is paid per region of
    /// straight-line code, before the region runs; running out leaves the
    /// store with none. Running code keeps the fuel to itself and writes it
    /// to the store at every call and return, which is when host functions
    /// see it; after another trap the store has what was written last. The
    /// module documentation of `kiln_frontend::fuel` has the details. Off by
    /// default; with it on, compiled code is larger and slower.
    ///
    /// [`TrapCode::OutOfFuel`]: crate::TrapCode::OutOfFuel
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Config {
        self.code.consume_fuel = enable;
        self
    }

    /// Epoch interruption: once the engine's epoch
    /// ([`Engine::increment_epoch`]) reaches its store's deadline
    /// ([`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)), the
    /// guest stops at its next loop iteration or function entry, and traps
    /// with [`TrapCode::Interrupt`] or runs the store's callback. A store's
    /// deadline starts at 0, so a store that sets none traps at the first
    /// check. Checking costs a load and a branch per loop iteration.
    /// (Compiled code checks on the branches back to a loop, and at the
    /// entries of functions that call: one that does not returns soon unless
    /// it loops.) Off by default.
    ///
    /// [`TrapCode::Interrupt`]: crate::TrapCode::Interrupt
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Config {
        self.code.epoch_interruption = enable;
        self
    }

    /// Deterministic floats: every NaN that float arithmetic produces (`add`,
    /// `sub`, `mul`, `div`, `sqrt`, `min`, `max`, the roundings, `demote`,
    /// `promote`) becomes the canonical NaN (`0x7fc00000` for `f32`,
    /// `0x7ff8000000000000` for `f64`), so that NaN bits are the same on
    /// every engine and CPU. Off by default.
    pub fn canonicalize_nans(&mut self, enable: bool) -> &mut Config {
        self.code.canonicalize_nans = enable;
        self
    }

    /// Whether the compiler strategy compiles a module's functions in
    /// parallel, on one worker thread per core (the default), or one after
    /// another on the thread that makes the module. The code is the same
    /// either way. Turn it off where threads are dear: a host that compiles
    /// many small modules at once on its own threads, or a process under an
    /// emulator that keeps memory for every thread it ever ran.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Config {
        self.parallel_compilation = enable;
        self
    }

    /// Whether the compiler strategy names each module's functions in
    /// `/tmp/perf-<pid>.map`, where Linux `perf report` finds the names of
    /// code it sampled outside any file (off by default). Every module
    /// made from compiled code, or loaded from an artifact, appends a line
    /// per function: its address, its size and
    /// `wasm[MODULE]::NAME`, with the names of the module's name section
    /// where it has them (`function[INDEX]` otherwise). The process's first
    /// write empties the file, which an earlier process with the same pid
    /// may have left; the file is never removed, and lists code that may
    /// since have been unmapped. Other strategies write nothing.
    pub fn perf_map(&mut self, enable: bool) -> &mut Config {
        self.perf_map = enable;
        self
    }

    /// Whether [`perf_map`](Config::perf_map) is on.
    pub fn get_perf_map(&self) -> bool {
        self.perf_map
    }

    /// How many threads compile a module's functions.
    pub(crate) fn compile_threads(&self) -> usize {
        if self.parallel_compilation {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            1
        }
    }

    pub(crate) fn features(&self) -> WasmFeatures {
        self.features
    }

    /// What the engines must add to plain wasm: fuel, epoch checks, NaNs.
    pub(crate) fn code_options(&self) -> kiln_frontend::Options {
        self.code
    }

    /// How memories are laid out and checked.
    pub(crate) fn memory(&self) -> &MemoryConfig {
        &self.memory
    }
}

/// A compilation environment: a [`Config`] shared by the modules and stores
/// that use it, the epoch counter of its stores, and, for the compiler
/// strategy, the machine backend for this CPU.
#[derive(Clone)]
pub struct Engine {
    config: Arc<Config>,
    epochs: Arc<EngineEpochs>,
    backend: Option<Arc<dyn Backend>>,
    trampolines: Arc<crate::code::TrampolineCache>,
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
            epochs: Arc::default(),
            backend,
            trampolines: Arc::default(),
        }
    }

    /// What the code of this engine's modules relies on for every memory it
    /// uses (see [`MemoryConfig::guarded_bytes`]); the interpreter relies on
    /// nothing.
    pub(crate) fn memory_guarded_bytes(&self) -> u64 {
        match self.config.strategy {
            Strategy::Interpreter => 0,
            Strategy::Ssa | Strategy::Compiler => self.config.memory.guarded_bytes(),
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Advances the epoch by one. Any thread may call it, also while stores
    /// of this engine run code on other threads; a guest sees the new epoch
    /// at its next function entry or loop iteration (with
    /// [`Config::epoch_interruption`]).
    ///
    /// ```
    /// use kiln::{Config, Engine, Module, Store, TrapCode};
    /// let engine = Engine::new(Config::new().epoch_interruption(true));
    /// let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// store.set_epoch_deadline(1);
    /// let instance = kiln::Instance::new(&mut store, &module, &[])?;
    /// let spin = instance.get_typed_func::<(), ()>(&store, "spin")?;
    /// let ticker = engine.clone();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(10));
    ///     ticker.increment_epoch();
    /// });
    /// let error = spin.call(&mut store, ()).unwrap_err();
    /// assert_eq!(error.trap_code(), Some(TrapCode::Interrupt));
    /// # Ok::<(), kiln::Error>(())
    /// ```
    pub fn increment_epoch(&self) {
        self.epochs.increment();
    }

    /// The epoch counter and the stores that follow it.
    pub(crate) fn epochs(&self) -> &EngineEpochs {
        &self.epochs
    }

    /// The trampolines between Rust and compiled code, shared by the
    /// engine's stores.
    pub(crate) fn trampolines(&self) -> &crate::code::TrampolineCache {
        &self.trampolines
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

//! [`Amd64Backend`]: lowering, register allocation and emission behind
//! kiln's [`Backend`] trait.

use crate::regs::machine_env;
use crate::{Features, emit, lower, trampolines};
use kiln_regalloc::{MachineEnv, Stats, allocate};
use kiln_ssa::target::{Backend, BackendStats, CompileError, CompiledFunction, timed};
use kiln_ssa::{Function, Signature};

/// What a function compiled to, for people and for tests that check the
/// instruction selection.
#[derive(Clone, Debug)]
pub struct Listing {
    /// One instruction per line, in Intel syntax, with its offset; labels
    /// on lines of their own.
    pub text: String,
    /// The moves, spills, reloads and rematerializations the register
    /// allocator inserted.
    pub stats: Stats,
}

/// The x86-64 backend, for the CPU features found when it was made.
#[derive(Clone, Debug)]
pub struct Amd64Backend {
    features: Features,
    env: MachineEnv,
}

impl Amd64Backend {
    /// A backend for the CPU this process runs on.
    pub fn new() -> Amd64Backend {
        Amd64Backend::with_features(Features::detect())
    }

    /// A backend that uses only the given optional instructions.
    pub fn with_features(features: Features) -> Amd64Backend {
        Amd64Backend {
            features,
            env: machine_env(),
        }
    }

    /// Compiles `func` and also returns its [`Listing`].
    pub fn compile_with_listing(
        &self,
        func: &Function,
    ) -> Result<(CompiledFunction, Listing), CompileError> {
        self.compile_function(func, true, &mut BackendStats::default())
    }

    fn compile_function(
        &self,
        func: &Function,
        listing: bool,
        stats: &mut BackendStats,
    ) -> Result<(CompiledFunction, Listing), CompileError> {
        let vcode = timed(&mut stats.lower, || lower::lower(func, self.features))?;
        let output =
            timed(&mut stats.regalloc, || allocate(&vcode, &self.env)).map_err(|error| {
                CompileError {
                    function: func.name.clone(),
                    message: format!("register allocation failed: {error}"),
                }
            })?;
        let (code, text) = timed(&mut stats.emit, || emit::emit(&vcode, &output, listing));
        let inserted = output.stats();
        stats.moves += inserted.moves as u64;
        stats.spills += inserted.spills as u64;
        stats.reloads += inserted.reloads as u64;
        Ok((
            code,
            Listing {
                text,
                stats: inserted,
            },
        ))
    }

    /// The optional instructions this backend uses.
    pub fn features(&self) -> Features {
        self.features
    }
}

impl Default for Amd64Backend {
    fn default() -> Amd64Backend {
        Amd64Backend::new()
    }
}

impl Backend for Amd64Backend {
    fn name(&self) -> &'static str {
        "amd64"
    }

    fn cpu_features(&self) -> Vec<&'static str> {
        self.features.names()
    }

    fn compile_with_stats(
        &self,
        func: &Function,
        stats: &mut BackendStats,
    ) -> Result<CompiledFunction, CompileError> {
        self.compile_function(func, false, stats)
            .map(|(code, _)| code)
    }

    fn entry_trampoline(&self, sig: &Signature) -> CompiledFunction {
        trampolines::entry_trampoline(sig)
    }

    fn host_exit_trampoline(&self, sig: &Signature) -> CompiledFunction {
        trampolines::host_exit_trampoline(sig)
    }
}

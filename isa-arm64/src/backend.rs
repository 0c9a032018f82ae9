//! [`Arm64Backend`]: lowering, register allocation and emission behind
//! kiln's [`Backend`] trait.

use crate::regs::machine_env;
use crate::{emit, lower, trampolines};
use kiln_regalloc::{MachineEnv, Stats, allocate};
use kiln_ssa::target::{Backend, BackendStats, CompileError, CompiledFunction, timed};
use kiln_ssa::{Function, Signature};

/// What a function compiled to, for people and for tests that check the
/// instruction selection.
#[derive(Clone, Debug)]
pub struct Listing {
    /// One instruction per line with its offset, in the assembler's syntax;
    /// labels on lines of their own.
    pub text: String,
    /// The moves, spills, reloads and rematerializations the register
    /// allocator inserted.
    pub stats: Stats,
}

/// The AArch64 backend.
#[derive(Clone, Debug)]
pub struct Arm64Backend {
    env: MachineEnv,
}

impl Arm64Backend {
    /// A backend for any AArch64 CPU (the base ISA only).
    pub fn new() -> Arm64Backend {
        Arm64Backend { env: machine_env() }
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
        let vcode = timed(&mut stats.lower, || lower::lower(func))?;
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
}

impl Default for Arm64Backend {
    fn default() -> Arm64Backend {
        Arm64Backend::new()
    }
}

impl Backend for Arm64Backend {
    fn name(&self) -> &'static str {
        "arm64"
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

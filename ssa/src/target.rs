//! What a machine backend hands to the engine.
//!
//! Both ISAs (amd64 and arm64) compile one [`Function`] at a time into a
//! [`CompiledFunction`]: position-independent code bytes plus the places the
//! engine must patch when it loads them ([`Relocation`]) and the places where
//! the code may trap ([`TrapSite`]). The vocabulary is defined once, here, so
//! that the engine loads code of either ISA the same way. [`BackendStats`]
//! says where a backend's compile time went and what its register allocator
//! inserted, for the engine's statistics.

use crate::function::{Function, Signature};
use crate::ops::Helper;
use crate::trap::TrapCode;
use std::fmt;
use std::time::{Duration, Instant};

/// Machine code for one function, ready to be copied into executable memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompiledFunction {
    /// The code, starting at the function's entry point.
    pub code: Vec<u8>,
    /// Places in `code` to patch with addresses known only at load time.
    pub relocations: Vec<Relocation>,
    /// Instructions that may trap, sorted by offset.
    pub trap_sites: Vec<TrapSite>,
}

/// How a relocation is patched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelocationKind {
    /// 8 bytes: the absolute address of the target.
    Absolute8,
    /// amd64 `call rel32`: 4 bytes, target minus the end of the 4 bytes.
    X86PcRel4,
    /// arm64 `bl`: 26-bit word offset in the low bits of the instruction.
    Arm64Call26,
}

/// What a relocation points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelocationTarget {
    /// The entry of a function of the same module (module function index).
    Function(u32),
    /// A runtime helper.
    Helper(Helper),
}

/// One place to patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Relocation {
    /// Byte offset in [`CompiledFunction::code`].
    pub offset: u32,
    /// How to patch.
    pub kind: RelocationKind,
    /// Where to point.
    pub target: RelocationTarget,
    /// Added to the target address.
    pub addend: i64,
}

/// An instruction that traps with `code`: an explicit trap's jump to the trap
/// stub, or a faulting access the signal handler maps back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrapSite {
    /// Byte offset of the instruction in [`CompiledFunction::code`].
    pub offset: u32,
    /// Why it traps.
    pub code: TrapCode,
    /// `None` for a jump to a trap stub. For a linear-memory access that
    /// faults when it is out of bounds (it relies on guard pages): the offset
    /// in [`CompiledFunction::code`] of the function's trap stub for `code`,
    /// where the engine's signal handler makes the function resume, with the
    /// registers of the faulting instruction, when the access faults.
    pub fault_stub: Option<u32>,
}

/// Why a backend could not compile a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// The function's name.
    pub function: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot compile {}: {}", self.function, self.message)
    }
}

impl std::error::Error for CompileError {}

/// Time a backend spent in each of its phases, and the moves, spills and
/// reloads its register allocator inserted, summed over the functions it
/// compiled with [`Backend::compile_with_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackendStats {
    /// Instruction selection: SSA to machine instructions on virtual registers.
    pub lower: Duration,
    /// Register allocation.
    pub regalloc: Duration,
    /// Prologue, epilogue, encoding and label fix-ups.
    pub emit: Duration,
    /// Register-to-register moves the allocator inserted.
    pub moves: u64,
    /// Stores of registers to spill slots the allocator inserted.
    pub spills: u64,
    /// Loads from spill slots the allocator inserted.
    pub reloads: u64,
}

/// Runs `work` and adds the time it took to `total`.
pub fn timed<R>(total: &mut Duration, work: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let result = work();
    *total += start.elapsed();
    result
}

/// A machine backend: turns verified, optimized SSA into machine code, and
/// makes the trampolines through which the engine calls that code and
/// that code calls the host. Implementations must be usable from several
/// threads at once.
///
/// The trampolines follow the contract of `kiln-machinst`'s `runtime`
/// module (its README tells it whole): both take the wasm signature,
/// without the hidden `vmctx` parameter, and exchange values through an
/// array of 8-byte slots.
pub trait Backend: Send + Sync {
    /// Short name of the target (`"amd64"`, `"arm64"`).
    fn name(&self) -> &'static str;

    /// The optional CPU features this backend's code may use, by name (as
    /// `std::arch::is_x86_feature_detected!` names them): its code runs only
    /// on CPUs that have them all. None by default.
    fn cpu_features(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Compiles one function.
    fn compile(&self, func: &Function) -> Result<CompiledFunction, CompileError> {
        self.compile_with_stats(func, &mut BackendStats::default())
    }

    /// Compiles one function and adds to `stats` the time each phase took
    /// and what the allocator inserted. The code is the same as
    /// [`Backend::compile`]'s.
    fn compile_with_stats(
        &self,
        func: &Function,
        times: &mut BackendStats,
    ) -> Result<CompiledFunction, CompileError>;

    /// The code the engine calls to run a compiled function of signature
    /// `sig`: an `extern "C" fn(callee, vmctx, values) -> status`. It has
    /// no relocations.
    fn entry_trampoline(&self, sig: &Signature) -> CompiledFunction;

    /// The code compiled functions call, with the internal convention, to
    /// reach a host function of signature `sig`: it passes the arguments to
    /// the shim of the host-function record its `vmctx` points to. It has
    /// no relocations.
    fn host_exit_trampoline(&self, sig: &Signature) -> CompiledFunction;
}

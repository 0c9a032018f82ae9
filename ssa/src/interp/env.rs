//! The contract between the SSA interpreter and the world outside a function.

use crate::ops::{Helper, Region};
use crate::trap::TrapCode;

/// Everything an interpreted function reaches outside itself.
///
/// Compiled code reads the instance through the `vmctx` pointer it receives as
/// its first argument, at offsets fixed by the front end's `VmLayout`, and
/// linear memory through base pointers it loads from there. The interpreter
/// runs the same SSA, so it produces the same raw addresses and hands them
/// to this trait. An engine implements it on a real instance, where
/// addresses are host pointers into the `vmctx`, tables and memories (the
/// explicit bounds checks in the SSA run before every heap access); a test
/// implements it on a byte buffer.
///
/// Values cross the boundary as `u64` bits: `i32` and `f32` zero-extended,
/// references as pointers. Calls to wasm functions pass the callee's `vmctx`
/// as the first argument, like compiled code does.
pub trait InterpEnv {
    /// What stops execution: at least a trap, possibly more (a host error,
    /// a WASI exit). The interpreter's own traps convert with `From`.
    type Error: From<TrapCode>;

    /// Reads `size` (1, 2, 4 or 8) bytes at host address `address`,
    /// little-endian, zero-extended to `u64`. `region` says which object the
    /// address points into.
    fn load(&mut self, region: Region, address: u64, size: u32) -> Result<u64, Self::Error>;

    /// Writes the low `size` bytes of `bits` at `address`, little-endian.
    fn store(
        &mut self,
        region: Region,
        address: u64,
        size: u32,
        bits: u64,
    ) -> Result<(), Self::Error>;

    /// Calls the module's function `func` (a function index of the module,
    /// defined in it); `args[0]` is the callee's `vmctx`. An engine typically
    /// runs the callee with [`run`](super::run) again, so it should count
    /// the nesting and fail with [`TrapCode::StackOverflow`] past a limit.
    fn call(&mut self, func: u32, args: &[u64]) -> Result<Vec<u64>, Self::Error>;

    /// Calls through a code pointer loaded from a function reference or an
    /// imported-function slot of the `vmctx`; `sig` is the caller module's
    /// type index (already checked by the SSA), `args[0]` the callee's
    /// `vmctx`. The engine decides what its code pointers are.
    fn call_indirect(&mut self, code: u64, sig: u32, args: &[u64])
    -> Result<Vec<u64>, Self::Error>;

    /// Runs a runtime helper with the arguments of
    /// [`Helper::signature`] (`args[0]` is the `vmctx`).
    fn call_helper(&mut self, helper: Helper, args: &[u64]) -> Result<Vec<u64>, Self::Error>;
}

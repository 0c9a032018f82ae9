//! `Options`: what an embedder asked of the code beyond wasm's own semantics.
//!
//! The engine fills this from its `Config`. Every option is off by default,
//! and with all of them off the translation is exactly plain wasm: nothing is
//! added, so code that does not ask for interruption pays nothing for it.

/// Instrumentation and determinism choices for a translation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Charge fuel for every operator (see [`crate::fuel`]): each region of
    /// straight-line code takes its cost from the runtime record's fuel
    /// counter before it runs, and traps with `out_of_fuel` when the counter
    /// holds less.
    pub consume_fuel: bool,
    /// Compare the engine's epoch with the store's deadline at the function's
    /// entry and at every loop header; on reaching it, call the
    /// `epoch_deadline` helper.
    pub epoch_interruption: bool,
    /// Replace every NaN that float arithmetic produces by the canonical NaN
    /// (see [`crate::nans`]), so that NaN bits are the same everywhere.
    pub canonicalize_nans: bool,
}

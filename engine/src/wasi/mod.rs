//! WASI preview 1 (`wasi_snapshot_preview1`) against the host OS (Linux).
//!
//! Build a [`WasiCtx`] with [`WasiCtx::builder`] to say what a guest sees:
//! its arguments and environment, where its standard streams go, which host
//! directories it may reach and under what names, and optionally its own
//! clock and random source. Keep the context in the store's host data and
//! call [`add_to_linker`] to define the imports; [`add_to_linker`]'s example
//! runs a whole program.
//!
//! A guest reaches nothing outside its preopened directories: paths are
//! resolved one component at a time below a directory descriptor (see the
//! `sandbox` module), and a descriptor only allows what its rights say.
//!
//! The modules: `ctx` (the context and its builder), `stdio` (standard stream
//! sources and sinks), `clock` and `random` (overridable sources), `fd_table`
//! (descriptors and rights), `sandbox` (path resolution), `memory` (checked
//! guest memory access), `sys` (the system calls), `abi` and `errno` (the
//! specification's numbers and layouts), `calls` (the functions themselves)
//! and `linker` (the imports).

mod abi;
mod calls;
mod clock;
mod ctx;
mod errno;
mod fd_table;
mod linker;
mod memory;
mod random;
mod sandbox;
mod stdio;
mod sys;

pub use clock::{ClockId, HostClock, WasiClock};
pub use ctx::{DirAccess, WasiCtx, WasiCtxBuilder};
pub use linker::{MODULE, add_to_linker};
pub use random::{HostRandom, RandomSource};
pub use stdio::{InputSource, OutputBuffer, OutputSink};

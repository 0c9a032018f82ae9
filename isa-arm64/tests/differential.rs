//! Every numeric operator against kiln's SSA interpreter, for the arm64
//! backend: the suite every backend shares,
//! `backend-tests/differential.rs`, run with this crate's backend.

#![cfg(target_arch = "aarch64")]

mod support;

type IsaBackend = kiln_isa_arm64::Arm64Backend;

#[path = "../../backend-tests/differential.rs"]
mod suite;

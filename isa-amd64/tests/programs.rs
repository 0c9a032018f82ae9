//! Whole programs against kiln's SSA interpreter, for the amd64 backend: the
//! suite every backend shares, `backend-tests/programs.rs`, run with this
//! crate's backend.

#![cfg(target_arch = "x86_64")]

mod support;

#[path = "../../backend-tests/programs.rs"]
mod suite;

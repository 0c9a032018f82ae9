//! Execution tests, for the arm64 backend: the suite every backend shares,
//! `backend-tests/execute.rs`, run with this crate's backend.

#![cfg(target_arch = "aarch64")]

mod support;

#[path = "../../backend-tests/execute.rs"]
mod suite;

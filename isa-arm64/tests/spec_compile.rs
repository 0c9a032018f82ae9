//! Every function of the spec suite compiles with the arm64 backend: the
//! suite every backend shares, `backend-tests/spec_compile.rs`.

type IsaBackend = kiln_isa_arm64::Arm64Backend;

#[path = "../../backend-tests/spec_compile.rs"]
mod suite;

//! Every function of the spec suite compiles with the amd64 backend: the
//! suite every backend shares, `backend-tests/spec_compile.rs`.

type IsaBackend = kiln_isa_amd64::Amd64Backend;

#[path = "../../backend-tests/spec_compile.rs"]
mod suite;

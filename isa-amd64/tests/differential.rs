//! Every numeric operator against kiln's SSA interpreter, for the amd64
//! backend: the suite every backend shares,
//! `backend-tests/differential.rs`, run with this crate's backend.

#![cfg(target_arch = "x86_64")]

mod support;

type IsaBackend = kiln_isa_amd64::Amd64Backend;

#[path = "../../backend-tests/differential.rs"]
mod suite;

use kiln_isa_amd64::Features;
use kiln_ssa::Type;
use suite::{run_cases, unary_cases, wat_type};

/// Without the optional instructions (`lzcnt`, `tzcnt`, `popcnt`,
/// `roundsd`), the operators that use them take their fallback sequences.
#[test]
fn fallback_sequences_match_the_interpreter() {
    let mut cases = Vec::new();
    for ty in [Type::I32, Type::I64] {
        for op in ["clz", "ctz", "popcnt"] {
            unary_cases(&format!("{}.{op}", wat_type(ty)), ty, ty, &mut cases);
        }
    }
    for ty in [Type::F32, Type::F64] {
        for op in ["ceil", "floor", "trunc", "nearest"] {
            unary_cases(&format!("{}.{op}", wat_type(ty)), ty, ty, &mut cases);
        }
    }
    run_cases(&IsaBackend::with_features(Features::baseline()), &cases);
}

//! The register allocator on generated functions: a function of random shape
//! (loops, branches, calls with clobbers, fixed registers, two-address forms,
//! early defs, stack operands, constants) for one of three register files is
//! allocated, and the allocator's checker must accept the result. The
//! generator is the one the allocator's own tests and benchmark use.

#![no_main]

#[path = "../../regalloc/tests/allocator/support.rs"]
mod support;

use arbitrary::Unstructured;
use kiln_regalloc::{allocate, check};
use libfuzzer_sys::fuzz_target;
use support::{GenConfig, TestIsa, generate};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(isa), Ok(seed), Ok(size), Ok(max_depth), Ok(reach)) = (
        u.int_in_range(0..=2usize),
        u.arbitrary::<u64>(),
        u.int_in_range(1..=2000usize),
        u.int_in_range(0..=4usize),
        u.int_in_range(1..=64usize),
    ) else {
        return;
    };
    let isa = &TestIsa::all()[isa];
    let config = GenConfig {
        seed,
        size,
        max_depth,
        reach,
    };
    let func = generate(isa, config);
    let output = allocate(&func, &isa.env)
        .unwrap_or_else(|error| panic!("{} {config:?}: allocation failed: {error}", isa.name));
    if let Err(error) = check(&func, &isa.env, &output) {
        panic!("{} {config:?}: the checker rejects the allocation: {error}", isa.name);
    }
});

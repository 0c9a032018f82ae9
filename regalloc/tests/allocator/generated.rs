//! Random functions, allocated and then checked: 1,000 cases in the default
//! run, 100,000 in the ignored long run
//! (`cargo test -p kiln-regalloc --release -- --ignored`).

use crate::support::{GenConfig, TestIsa, generate};
use kiln_regalloc::{allocate, check};
use proptest::prelude::*;

/// Generates one function, allocates it and runs the checker on the result
/// (in release builds too, where `allocate` does not check by itself).
fn allocate_and_check(isa: usize, config: GenConfig) -> Result<(), TestCaseError> {
    let isa = &TestIsa::all()[isa];
    let func = generate(isa, config);
    let output = allocate(&func, &isa.env)
        .map_err(|error| TestCaseError::fail(format!("{} {config:?}: {error}", isa.name)))?;
    check(&func, &isa.env, &output)
        .map_err(|error| TestCaseError::fail(format!("{} {config:?}: {error}", isa.name)))
}

fn configs() -> impl Strategy<Value = (usize, GenConfig)> {
    (0..3usize, any::<u64>(), 1..400usize, 0..4usize, 1..64usize).prop_map(
        |(isa, seed, size, max_depth, reach)| {
            (
                isa,
                GenConfig {
                    seed,
                    size,
                    max_depth,
                    reach,
                },
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn generated_functions_allocate_correctly((isa, config) in configs()) {
        allocate_and_check(isa, config)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    #[test]
    #[ignore = "long run: 100,000 cases, run it in release mode"]
    fn generated_functions_allocate_correctly_long_run((isa, config) in configs()) {
        allocate_and_check(isa, config)?;
    }
}

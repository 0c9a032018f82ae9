//! A fixed-seed smoke run of the differential oracle: a few hundred generated
//! modules, each run on the reference interpreter and on every engine kiln
//! offers. The interpreter is in that list too, so it is also compared with a
//! fresh run of itself: it must be deterministic, never panic or hang on a
//! generated module, and trap with stable codes.

use arbitrary::Unstructured;
use kiln_oracle::{
    Agreement, NamedEngine, Outcome, TestCase, Verdict, all_engines, check, execute,
};
use std::time::{Duration, Instant};

/// How many modules the smoke run generates.
const MODULES: u64 = 500;

/// How long one module may take on all engines together before it counts as a hang.
const TIME_PER_MODULE: Duration = Duration::from_secs(10);

/// Pseudo-random fuzzer input for `seed`, between 1 and 8 KiB long (SplitMix64).
fn input(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let len = 1024 + next() as usize % (7 * 1024);
    (0..len).map(|_| next() as u8).collect()
}

#[test]
fn generated_modules_behave_the_same_on_every_engine() {
    let mut engines = vec![NamedEngine::reference()];
    engines.extend(all_engines());
    let (mut calls, mut returned, mut trapped, mut complete) = (0, 0, 0, 0);
    for seed in 0..MODULES {
        let data = input(seed);
        let Ok(case) = TestCase::generate(&mut Unstructured::new(&data)) else {
            continue;
        };
        let start = Instant::now();
        let verdicts =
            check(&case, &engines).unwrap_or_else(|finding| panic!("seed {seed}: {finding}"));
        assert!(
            start.elapsed() < TIME_PER_MODULE,
            "seed {seed} took {:?}",
            start.elapsed()
        );
        if verdicts
            .iter()
            .all(|v| *v == Verdict::Agreed(Agreement::Complete))
        {
            complete += 1;
        }
        let execution = execute(&engines[0].config, &case).expect("the reference took it above");
        for step in &execution.calls {
            calls += 1;
            match step.outcome {
                Outcome::Returned(_) => returned += 1,
                Outcome::Trapped(_) => trapped += 1,
                Outcome::Failed(_) => {}
            }
        }
    }
    println!(
        "{complete} of {MODULES} modules compared completely; {calls} calls, {returned} returned, {trapped} trapped"
    );
    assert!(
        complete > MODULES * 9 / 10,
        "too few modules compared completely"
    );
    assert!(
        returned > calls / 4 && trapped > 0,
        "generated calls should both return and trap"
    );
}

//! Differential fuzzing: a generated module and calls into it run on the
//! reference interpreter and on every engine in `kiln_oracle::all_engines`
//! (today the interpreter itself, run afresh, the SSA engine and the compiler).
//! Any difference in results, traps, host calls, memories, globals or tables,
//! or an engine refusing a valid module, is a crash with the oracle's report.

#![no_main]

use arbitrary::Unstructured;
use kiln_oracle::{NamedEngine, TestCase, all_engines, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(case) = TestCase::generate(&mut Unstructured::new(data)) else {
        return;
    };
    let mut engines = vec![NamedEngine::reference()];
    engines.extend(all_engines());
    if let Err(finding) = check(&case, &engines) {
        panic!("{finding}");
    }
});

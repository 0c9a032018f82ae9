//! Every pathological shape of `kiln_oracle::shapes`, at a small size and at
//! ten times that size, on the reference interpreter and on every engine kiln
//! offers: every engine must compute exactly what the reference computes.
//! (How long they take to compile is measured by the `compile_shapes`
//! example, not here.)

use kiln_oracle::shapes::SHAPES;
use kiln_oracle::{Agreement, NamedEngine, Outcome, Verdict, all_engines, check, execute};

/// The smaller of the two sizes each shape is checked at.
const SMALL: usize = 40;

#[test]
fn every_shape_gives_the_same_results_on_every_engine() {
    let mut engines = vec![NamedEngine::reference()];
    engines.extend(all_engines());
    for shape in SHAPES {
        for n in [SMALL, 10 * SMALL] {
            let case = shape.case(n);
            let verdicts = check(&case, &engines)
                .unwrap_or_else(|finding| panic!("shape {} at size {n}: {finding}", shape.name));
            for verdict in verdicts {
                assert_eq!(
                    verdict,
                    Verdict::Agreed(Agreement::Complete),
                    "shape {} at size {n}",
                    shape.name
                );
            }
            let reference = execute(&engines[0].config, &case).expect("the reference takes it");
            for step in &reference.calls {
                assert!(
                    matches!(step.outcome, Outcome::Returned(_)),
                    "shape {} at size {n} does not return: {:?}",
                    shape.name,
                    step.outcome
                );
            }
        }
    }
}

/// Deep nesting must not overflow the native stack of the thread that
/// compiles: every engine loads 10,000 nested blocks and 10,000 nested
/// loops on a thread with a 256 KiB stack.
#[test]
fn deep_nesting_loads_on_a_small_stack() {
    for name in ["nested_blocks", "nested_loops", "plain_loops"] {
        let wasm = kiln_oracle::shapes::shape(name)
            .expect("a shape of that name")
            .wasm(10_000);
        for engine in all_engines() {
            let wasm = wasm.clone();
            let loaded = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    kiln::Module::new(&kiln::Engine::new(&engine.config), &wasm).map(|_| ())
                })
                .expect("a thread")
                .join()
                .expect("loading does not panic");
            loaded.unwrap_or_else(|error| panic!("{name}: {error}"));
        }
    }
}

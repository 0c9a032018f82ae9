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

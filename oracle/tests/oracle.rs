//! The oracle on hand-written modules: what it records of an execution, and
//! that it reports a difference when there is one.

use kiln::TrapCode;
use kiln_oracle::{
    Agreement, Call, Execution, FuncId, HostCall, NamedEngine, Outcome, Place, Snapshot, TestCase,
    Value, compare, execute,
};

fn case(wat: &str, calls: &[(&str, Vec<Value>)]) -> TestCase {
    TestCase {
        wasm: wat::parse_str(wat).expect("test modules are valid text"),
        calls: (calls.iter())
            .map(|(export, args)| Call {
                export: export.to_string(),
                args: args.clone(),
            })
            .collect(),
    }
}

fn run(case: &TestCase) -> Execution {
    execute(&NamedEngine::reference().config, case).expect("the reference takes the module")
}

const HOST_AND_STATE: &str = r#"(module
    (import "host" "f" (func $f (param i32 f64) (result i32)))
    (memory (export "memory") 1)
    (global $g (export "g") (mut i64) (i64.const 0))
    (table (export "table") 2 funcref)
    (elem (i32.const 1) func $div)
    (func $div (export "div") (param i32 i32) (result i32)
        (global.set $g (i64.const 7))
        (i32.store8 (i32.const 3) (i32.const 0xab))
        (drop (call $f (local.get 0) (f64.const 0.5)))
        (i32.div_s (local.get 0) (local.get 1))))"#;

#[test]
fn results_traps_host_calls_and_state_are_recorded() {
    let case = case(
        HOST_AND_STATE,
        &[
            ("div", vec![Value::I32(7), Value::I32(2)]),
            ("div", vec![Value::I32(1), Value::I32(0)]),
        ],
    );
    let execution = run(&case);
    assert_eq!(execution.instantiation.outcome, Outcome::Returned(vec![]));
    let host_call = HostCall {
        import: 0,
        args: vec![Value::I32(7), Value::F64(0.5f64.to_bits())],
    };
    assert_eq!(execution.calls[0].host_calls, vec![host_call]);
    assert_eq!(
        execution.calls[0].outcome,
        Outcome::Returned(vec![Value::I32(3)])
    );
    assert_eq!(
        execution.calls[1].outcome,
        Outcome::Trapped(TrapCode::IntegerDivideByZero)
    );
    let state: Vec<&str> = execution
        .state
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        state,
        [r#"export "memory""#, r#"export "g""#, r#"export "table""#]
    );
    let Snapshot::Memory(bytes) = &execution.state[0].1 else {
        panic!("the first export is the memory");
    };
    assert_eq!((bytes.len(), bytes[3]), (65536, 0xab));
    assert_eq!(execution.state[1].1, Snapshot::Global(Value::I64(7)));
    let div = Value::FuncRef(Some(FuncId::Export("div".into())));
    assert_eq!(
        execution.state[2].1,
        Snapshot::Table(vec![Value::FuncRef(None), div])
    );
}

#[test]
fn nans_are_canonicalized_when_observed() {
    let case = case(
        r#"(module (func (export "nans") (result f32 f64)
            (f32.const -nan:0x1234) (f64.const nan:0x5)))"#,
        &[("nans", vec![])],
    );
    let expected = vec![Value::F32(0x7fc0_0000), Value::F64(0x7ff8_0000_0000_0000)];
    assert_eq!(run(&case).calls[0].outcome, Outcome::Returned(expected));
}

#[test]
fn function_references_are_named_by_export() {
    let case = case(
        r#"(module
            (func $id (export "id") (param funcref) (result funcref) (local.get 0))
            (func (export "self") (result funcref) (ref.func $id)))"#,
        &[
            (
                "id",
                vec![Value::FuncRef(Some(FuncId::Export("self".into())))],
            ),
            ("self", vec![]),
        ],
    );
    let execution = run(&case);
    let named =
        |name: &str| Outcome::Returned(vec![Value::FuncRef(Some(FuncId::Export(name.into())))]);
    assert_eq!(execution.calls[0].outcome, named("self"));
    assert_eq!(execution.calls[1].outcome, named("id"));
}

fn divergence_between(
    case: &TestCase,
    expected: &Execution,
    actual: &Execution,
) -> Box<kiln_oracle::Divergence> {
    compare(case, ("interpreter", expected), ("other", actual)).expect_err("the executions differ")
}

#[test]
fn a_different_result_is_a_divergence_at_that_call() {
    let case = case(
        HOST_AND_STATE,
        &[("div", vec![Value::I32(9), Value::I32(3)])],
    );
    let expected = run(&case);
    assert_eq!(
        compare(&case, ("interpreter", &expected), ("other", &run(&case))),
        Ok(Agreement::Complete)
    );
    let mut actual = run(&case);
    actual.calls[0].outcome = Outcome::Trapped(TrapCode::IntegerOverflow);
    let divergence = divergence_between(&case, &expected, &actual);
    assert_eq!(divergence.place, Place::Call(0, case.calls[0].clone()));
    assert_eq!(
        divergence.to_string(),
        "engines `interpreter` and `other` disagree\n  at call #0: \"div\"(i32 9, i32 3)\n  \
         interpreter  returned (i32 3)\n  other        trapped: integer overflow"
    );
}

#[test]
fn different_host_calls_and_state_are_divergences() {
    let case = case(
        HOST_AND_STATE,
        &[("div", vec![Value::I32(9), Value::I32(3)])],
    );
    let expected = run(&case);

    let mut actual = run(&case);
    actual.calls[0].host_calls.clear();
    let divergence = divergence_between(&case, &expected, &actual);
    assert_eq!(
        (divergence.expected.as_str(), divergence.actual.as_str()),
        ("1 host calls", "0 host calls")
    );

    let mut actual = run(&case);
    let Snapshot::Memory(bytes) = &mut actual.state[0].1 else {
        panic!("the first export is the memory");
    };
    bytes[0x100] = 1;
    let divergence = divergence_between(&case, &expected, &actual);
    assert_eq!(divergence.place, Place::State(r#"export "memory""#.into()));
    assert_eq!(divergence.actual, "byte 0x100 is 0x01");
}

#[test]
fn different_fuel_is_a_divergence() {
    let case = case(
        HOST_AND_STATE,
        &[("div", vec![Value::I32(9), Value::I32(3)])],
    );
    let expected = run(&case);
    // `global.set` and its operand (2), `i32.store8` and its operands (3),
    // the call and its arguments (3), `drop` (free), `i32.div_s` and its
    // operands (3), on the reference engine, which counts fuel.
    assert_eq!(expected.calls[0].fuel_consumed, Some(11));
    let mut actual = run(&case);
    actual.calls[0].fuel_consumed = Some(12);
    let divergence = divergence_between(&case, &expected, &actual);
    assert_eq!(divergence.place, Place::Call(0, case.calls[0].clone()));
    assert_eq!(
        (divergence.expected.as_str(), divergence.actual.as_str()),
        ("consumed 11 fuel", "consumed 12 fuel")
    );
    // An engine that counts no fuel is not compared on it.
    actual.calls[0].fuel_consumed = None;
    assert_eq!(
        compare(&case, ("interpreter", &expected), ("other", &actual)),
        Ok(Agreement::Complete)
    );
}

#[test]
fn a_stack_overflow_ends_the_comparison() {
    let case = case(
        HOST_AND_STATE,
        &[
            ("div", vec![Value::I32(1), Value::I32(1)]),
            ("div", vec![Value::I32(2), Value::I32(1)]),
        ],
    );
    let expected = run(&case);
    let mut actual = run(&case);
    actual.calls[1].outcome = Outcome::Trapped(TrapCode::StackOverflow);
    actual.state.clear();
    assert_eq!(
        compare(&case, ("interpreter", &expected), ("other", &actual)),
        Ok(Agreement::UntilStackOverflow { calls_compared: 1 })
    );
}

//! The verifier rejects broken functions with a message that says why.

use kiln_ssa::{parse_function, verify};

fn problems(text: &str) -> String {
    let func = parse_function(text).expect("parses");
    verify(&func).expect_err("must not verify").to_string()
}

#[test]
fn accepts_a_valid_function() {
    let func = parse_function(
        "function f0(i32) -> i32 {
         block0(v0: i32):
             brif v0, block1(v0), block2
         block1(v1: i32):
             return v1
         block2:
             v2:i32 = iconst 1
             jump block1(v2)
         }",
    )
    .expect("parses");
    assert_eq!(verify(&func), Ok(()));
}

#[test]
fn rejects_use_not_dominated_by_definition() {
    let message = problems(
        "function f0(i32) -> i32 {
         block0(v0: i32):
             brif v0, block1, block2
         block1:
             v1:i32 = iconst 1
             jump block2
         block2:
             return v1
         }",
    );
    assert!(
        message.contains("v1 used in block2 is not dominated"),
        "{message}"
    );
}

#[test]
fn rejects_use_before_definition_in_a_block() {
    let message = problems(
        "function f0(i32) -> i32 {
         block0(v0: i32):
             v2:i32 = iadd v1, v0
             v1:i32 = iconst 1
             return v2
         }",
    );
    assert!(
        message.contains("v1 used in block0 before its definition"),
        "{message}"
    );
}

#[test]
fn rejects_wrong_branch_arguments() {
    let message = problems(
        "function f0(i32, i64) {
         block0(v0: i32, v1: i64):
             brif v0, block1(v0, v0), block1(v1)
         block1(v2: i32):
             return
         }",
    );
    assert!(
        message.contains("passes 2 arguments to block1, which has 1 parameters"),
        "{message}"
    );
    assert!(
        message.contains("passes v1 of the wrong type to block1"),
        "{message}"
    );
}

#[test]
fn rejects_missing_and_misplaced_terminators() {
    let message = problems(
        "function f0(i32) {
         block0(v0: i32):
             return
             v1:i32 = iconst 1
         }",
    );
    assert!(message.contains("terminator before the end"), "{message}");
    assert!(
        message.contains("block0 does not end in a terminator"),
        "{message}"
    );
}

#[test]
fn rejects_ill_typed_operations() {
    let message = problems(
        "function f0(i32, i64) -> i32 {
         block0(v0: i32, v1: i64):
             v2:i32 = iadd v0, v1
             v3:f32 = fadd v0, v0
             v4:f32 = select_spectre_guard v0, v3, v3
             return v2
         }",
    );
    assert_eq!(
        message
            .matches("operand or result types do not fit")
            .count(),
        3,
        "{message}"
    );
}

#[test]
fn rejects_a_store_to_fixed_data() {
    let message = problems(
        "function f0(i64) {
         block0(v0: i64):
             store fixed v0+8, v0
             return
         }",
    );
    assert!(message.contains("a store to fixed data"), "{message}");
}

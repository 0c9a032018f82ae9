//! What the backend does not compile yet is an error that names it, never
//! wrong code.

use kiln_isa_amd64::Amd64Backend;
use kiln_ssa::target::Backend;

#[test]
fn v128_values_are_a_compile_error() {
    let func = kiln_ssa::parse_function(
        "function f0(i64, v128) {\nblock0(v0: i64, v1: v128):\n    return\n}\n",
    )
    .expect("a function in the text form");
    let error = Amd64Backend::new()
        .compile(&func)
        .expect_err("v128 is not supported");
    assert!(error.message.contains("v128"), "{error}");
}

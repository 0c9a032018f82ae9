//! The text form: what the printer writes the parser reads, and bad input
//! is an error with a line number.

use kiln_ssa::{parse_function, parse_functions};

const EVERY_FORM: &str = "\
function f7(i64, i32, f32) -> i32, f64 {
block0(v0: i64, v1: i32, v2: f32):
    v3:i32 = iconst -7
    v4:i64 = iconst 9223372036854775807
    v5:f64 = fconst -0
    v6:f32 = fconst nan(0x7fa00000)
    v7:f64 = fconst inf
    v8:i32 = icmp uge v1, v3
    v9:i32 = fcmp ne v2, v6
    v10:i32 = select v8, v1, v3
    v11:i64 = sextend v10
    v12:i64 = load16_s heap0 v0+65535
    v18:i64 = select_spectre_guard v8, v4, v12
    store32 heap2 v0, v11
    store vm v0+8, v12
    v13:i32, v14:f64 = call f3(v0, v1)
    v15:i32 = call_indirect sig4 v4(v0)
    v16:i32 = call_helper memory_grow(v0, v1, v3)
    trapnz v8, heap_oob, bounds heap0 v1+8
    trapnz v8, heap_oob, bounds heap1 v1+4294967303
    trapz v9, int_divz
    br_table v1, [block1(v3), block2], block1(v15)
block1(v17: i32):
    return v17, v5
block2:
    trap unreachable
}
";

#[test]
fn printing_a_parsed_function_gives_the_same_text() {
    let func = parse_function(EVERY_FORM).expect("parses");
    assert_eq!(func.to_string(), EVERY_FORM);
}

#[test]
fn several_functions_and_comments() {
    let text = "; two functions\nfunction a() {\nblock0:\n    return ; done\n}\nfunction b() {\nblock0:\n    return\n}\n";
    let functions = parse_functions(text).expect("parses");
    assert_eq!(functions.len(), 2);
    assert_eq!(functions[1].name, "b");
}

#[test]
fn errors_name_the_line() {
    let cases = [
        (
            "function f() {\nblock0:\n    v1:i32 = frobnicate v0\n}",
            3,
            "unknown opcode `frobnicate`",
        ),
        (
            "function f() {\nblock0:\n    v1:i33 = iconst 1\n}",
            3,
            "unknown type `i33`",
        ),
        ("function f() {\nblock0:\n    return\n", 3, "missing `}`"),
        ("block0:\n", 1, "expected `function`"),
        (
            "function f() {\n    return\n}",
            2,
            "instruction outside a block",
        ),
        (
            "function f() {\nblock0:\n    trap sometimes\n}",
            3,
            "unknown trap code `sometimes`",
        ),
        (
            "function f(i32) {\nblock0(v0: i32):\n    trapnz v0, heap_oob, bounds heap4294967295 v0+8\n}",
            3,
            "heap4294967295 is above the highest memory, heap4294967294",
        ),
    ];
    for (text, line, message) in cases {
        let error = parse_function(text).expect_err(text);
        assert_eq!(
            (error.line, error.message.as_str()),
            (line, message),
            "{text}"
        );
    }
}

//! Pathological shapes: modules built to make a compiler slow, each at any
//! size. One shape stretches one dimension of a function as far as it goes —
//! a long block, many blocks, deep nesting, a huge `br_table`, many locals,
//! parameters or calls — so that an algorithm that is quadratic in that
//! dimension shows in the compile time of the shape at two sizes.
//!
//! Every shape is a valid module that exports `run: [i32, i32] -> [i32]`,
//! with calls whose results depend on everything the body computes, so the
//! same shapes also check that every engine computes the same thing
//! ([`Shape::case`]). Each shape's module is written in the text format, one
//! line of text per repeated piece, and its size grows linearly with `n`.

use crate::case::{Call, TestCase};
use crate::value::Value;
use std::fmt::Write;

/// One pathological shape.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The shape's name in reports.
    pub name: &'static str,
    /// What the shape stretches.
    pub description: &'static str,
    /// A size at which compiling the shape takes measurable time; benchmarks
    /// compare it with ten times that size.
    pub bench_size: usize,
    /// The module in the text format at size `n`.
    text: fn(usize) -> String,
}

impl Shape {
    /// The module in the text format at size `n`.
    pub fn text(&self, n: usize) -> String {
        (self.text)(n)
    }

    /// The module's binary encoding at size `n`.
    pub fn wasm(&self, n: usize) -> Vec<u8> {
        wat::parse_str(self.text(n)).expect("shapes are valid modules")
    }

    /// The module at size `n` with calls of `run` whose arguments take
    /// different paths through it.
    pub fn case(&self, n: usize) -> TestCase {
        let calls = [(0, 0), (1, 2), (-1, 7), (12345, -99), (0x5555, 0x7fff_ffff)]
            .into_iter()
            .map(|(a, b)| Call {
                export: "run".to_string(),
                args: vec![Value::I32(a), Value::I32(b)],
            })
            .collect();
        TestCase {
            wasm: self.wasm(n),
            calls,
        }
    }
}

/// Every shape.
pub const SHAPES: &[Shape] = &[
    Shape {
        name: "long_block",
        description: "one block of n statements on two locals",
        bench_size: 6_000,
        text: long_block,
    },
    Shape {
        name: "diamonds",
        description: "n if/else diamonds in a row, each merging a value",
        bench_size: 2_000,
        text: diamonds,
    },
    Shape {
        name: "nested_blocks",
        description: "n blocks nested in each other, left by br_if",
        bench_size: 1_000,
        text: nested_blocks,
    },
    Shape {
        name: "nested_loops",
        description: "n loops nested in each other, each with a back edge",
        bench_size: 1_000,
        text: nested_loops,
    },
    Shape {
        name: "plain_loops",
        description: "n nested loops that never branch back",
        bench_size: 1_000,
        text: plain_loops,
    },
    Shape {
        name: "br_table",
        description: "a br_table of n distinct targets in n nested blocks",
        bench_size: 1_000,
        text: br_table,
    },
    Shape {
        name: "many_locals",
        description: "n locals, all set first and read last",
        bench_size: 1_000,
        text: many_locals,
    },
    Shape {
        name: "locals_across_joins",
        description: "n locals set first, read last, with n joins between that leave them alone",
        bench_size: 500,
        text: locals_across_joins,
    },
    Shape {
        name: "locals_across_loops",
        description: "n locals set first, read in the innermost of n nested loops that leave them alone",
        bench_size: 200,
        text: locals_across_loops,
    },
    Shape {
        name: "many_params",
        description: "a call of a function with n parameters and n results",
        bench_size: 100,
        text: many_params,
    },
    Shape {
        name: "select_chain",
        description: "a chain of n selects, each on the previous one",
        bench_size: 3_000,
        text: select_chain,
    },
    Shape {
        name: "many_calls",
        description: "n calls in a row, each on the previous result",
        bench_size: 2_000,
        text: many_calls,
    },
    Shape {
        name: "live_across_calls",
        description: "n values live across a few calls",
        bench_size: 1_000,
        text: live_across_calls,
    },
    Shape {
        name: "memory_ops",
        description: "n loads and stores at different offsets",
        bench_size: 2_000,
        text: memory_ops,
    },
    Shape {
        name: "segments",
        description: "a data segment of 64n bytes and an element segment of n functions",
        bench_size: 1_000,
        text: segments,
    },
];

/// The shape of the given name.
pub fn shape(name: &str) -> Option<&'static Shape> {
    SHAPES.iter().find(|shape| shape.name == name)
}

/// The header of `run`, whose two parameters are locals 0 and 1.
const RUN: &str = "(func $run (export \"run\") (param i32 i32) (result i32)";

/// `local.set 1 (local.get 1 + local.get 0 * local.get 1)`, `n` times.
fn long_block(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    for _ in 0..n {
        text.push_str(
            "(local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (local.get 1))))\n",
        );
    }
    text.push_str("(local.get 1)))");
    text
}

/// Each diamond tests one bit of local 0 and merges two values.
fn diamonds(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    for k in 0..n {
        let bit = 1u32 << (k % 32);
        writeln!(
            text,
            "(local.set 1 (if (result i32) (i32.and (local.get 0) (i32.const {bit})) \
             (then (i32.add (local.get 1) (i32.const {k}))) \
             (else (i32.xor (local.get 1) (local.get 0)))))"
        )
        .unwrap();
    }
    text.push_str("(local.get 1)))");
    text
}

/// Blocks opened `n` deep; after each `end`, a statement and a `br_if` that
/// leaves the next block out when a bit of local 1 is set.
fn nested_blocks(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    push_nested_blocks(&mut text, n);
    text.push_str("(local.get 1)))");
    text
}

/// `n` blocks nested in each other; after each one's `end`, local 1 is
/// updated and a `br_if` on a bit of local 0 may leave the next.
fn push_nested_blocks(text: &mut String, n: usize) {
    text.push_str(&"block\n".repeat(n));
    for k in 0..n {
        text.push_str("end\n");
        writeln!(
            text,
            "(local.set 1 (i32.add (i32.mul (local.get 1) (i32.const 3)) (i32.const {k})))"
        )
        .unwrap();
        if k + 1 < n {
            let bit = 1u32 << (k % 32);
            writeln!(text, "(br_if 0 (i32.and (local.get 0) (i32.const {bit})))").unwrap();
        }
    }
}

/// Loops nested `n` deep. Each loop ends by counting local 1 up and
/// branching back while it is below a limit taken from local 0, so the back
/// edges are taken at most 255 times in all.
fn nested_loops(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    text.push_str("(local.set 0 (i32.and (local.get 0) (i32.const 255)))\n");
    text.push_str("(local.set 1 (i32.and (local.get 1) (i32.const 255)))\n");
    text.push_str(&"loop\n".repeat(n));
    push_counting_loop_ends(&mut text, n);
    text.push_str("(local.get 1)))");
    text
}

/// The ends of `n` nested loops, each counting local 1 up and branching
/// back while it is below local 0.
fn push_counting_loop_ends(text: &mut String, n: usize) {
    for _ in 0..n {
        text.push_str("(local.set 1 (i32.add (local.get 1) (i32.const 1)))\n");
        text.push_str("(br_if 0 (i32.lt_u (local.get 1) (local.get 0)))\nend\n");
    }
}

/// Loops nested `n` deep with a statement at each level and no branch at all.
fn plain_loops(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    for k in 0..n {
        writeln!(
            text,
            "loop\n(local.set 1 (i32.xor (i32.rotl (local.get 1) (i32.const 5)) (i32.const {k})))"
        )
        .unwrap();
    }
    text.push_str(&"end\n".repeat(n));
    text.push_str("(local.get 1)))");
    text
}

/// `n` nested blocks and, in the innermost, a `br_table` on local 0 whose
/// entry `k` leaves block `k`; after each block's `end` a statement, so the
/// entry taken decides how many statements run.
fn br_table(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    text.push_str(&"block\n".repeat(n));
    let targets: Vec<String> = (0..n.saturating_sub(1)).map(|k| k.to_string()).collect();
    writeln!(
        text,
        "(br_table {} {} (local.get 0))",
        targets.join(" "),
        n - 1
    )
    .unwrap();
    for k in 0..n {
        text.push_str("end\n");
        writeln!(
            text,
            "(local.set 1 (i32.add (i32.rotl (local.get 1) (i32.const 3)) (i32.const {k})))"
        )
        .unwrap();
    }
    text.push_str("(local.get 1)))");
    text
}

/// `n` locals set from the arguments, then [`nested_blocks`]' `n` blocks,
/// whose code changes only local 1, then every local added into local 1.
/// Each local is unchanged across `n` joins: SSA construction that looks
/// each one up through every join does work that grows with the product of
/// the two (see `kiln_ssa::FunctionBuilder::join_from` for how kiln avoids
/// it).
fn locals_across_joins(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    push_locals_from_argument(&mut text, n);
    push_nested_blocks(&mut text, n);
    push_sum_of_locals(&mut text, n);
    text.push_str("(local.get 1)))");
    text
}

/// Declares `n` more i32 locals, 2 to `n + 1`, and sets local `k + 2` to
/// local 0 xor `k`.
fn push_locals_from_argument(text: &mut String, n: usize) {
    writeln!(text, "(local {})", "i32 ".repeat(n)).unwrap();
    for k in 0..n {
        let local = k + 2;
        writeln!(
            text,
            "(local.set {local} (i32.xor (local.get 0) (i32.const {k})))"
        )
        .unwrap();
    }
}

/// Adds locals 2 to `n + 1` into local 1.
fn push_sum_of_locals(text: &mut String, n: usize) {
    for k in 0..n {
        let local = k + 2;
        writeln!(
            text,
            "(local.set 1 (i32.add (local.get 1) (local.get {local})))"
        )
        .unwrap();
    }
}

/// `n` locals set from the arguments, then [`nested_loops`]' `n` loops
/// whose innermost adds every local into local 1 before counting it up.
/// Each local is unchanged in every loop, but a loop's header is still
/// open while its body is built: SSA construction gives each local a
/// parameter at every header, found trivial only when the loop ends, so the
/// work grows with the product of the two unless the front end reads ahead
/// to see which locals the loops write.
fn locals_across_loops(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    push_locals_from_argument(&mut text, n);
    text.push_str("(local.set 0 (i32.and (local.get 0) (i32.const 255)))\n");
    text.push_str(&"loop\n".repeat(n));
    push_sum_of_locals(&mut text, n);
    push_counting_loop_ends(&mut text, n);
    text.push_str("(local.get 1)))");
    text
}

/// `n` locals of alternating types, each set from the previous, then all
/// added up in reverse, so all are live at once.
fn many_locals(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    writeln!(text, "(local {})", "i32 i64 ".repeat(n.div_ceil(2))).unwrap();
    for k in 0..n {
        let local = k + 2;
        if local % 2 == 0 {
            writeln!(
                text,
                "(local.set {local} (i32.add (local.get 0) (i32.const {k})))"
            )
        } else {
            writeln!(
                text,
                "(local.set {local} (i64.mul (i64.extend_i32_s (local.get {})) (i64.const {k})))",
                local - 1
            )
        }
        .unwrap();
    }
    for k in (0..n).rev() {
        let local = k + 2;
        if local % 2 == 0 {
            writeln!(
                text,
                "(local.set 1 (i32.add (local.get 1) (local.get {local})))"
            )
            .unwrap();
        } else {
            writeln!(
                text,
                "(local.set 1 (i32.xor (local.get 1) (i32.wrap_i64 (local.get {local}))))"
            )
            .unwrap();
        }
    }
    text.push_str("(local.get 1)))");
    text
}

/// A function of `n` parameters (`i32`, `i64` and `f64` in turn) that
/// returns them rotated by one, and `run`, which calls it and folds the
/// results into one.
fn many_params(n: usize) -> String {
    let n = n.max(1);
    let types: Vec<&str> = (0..n).map(|k| ["i32", "i64", "f64"][k % 3]).collect();
    let list = types.join(" ");
    let mut text = format!("(module\n(func $many (param {list}) (result {list})\n");
    for k in 0..n {
        writeln!(text, "(local.get {})", (k + 1) % n).unwrap();
        let (have, want) = (types[(k + 1) % n], types[k]);
        text.push_str(convert(have, want));
    }
    text.push_str(")\n");
    writeln!(text, "{RUN}").unwrap();
    for (k, ty) in types.iter().enumerate() {
        writeln!(text, "(i32.add (local.get 0) (i32.const {k}))").unwrap();
        text.push_str(convert("i32", ty));
    }
    text.push_str("(call $many)\n");
    for ty in types.iter().rev() {
        text.push_str(convert(ty, "i32"));
        text.push_str("(local.get 1) (i32.mul (i32.const 31)) (i32.add) (local.set 1)\n");
    }
    text.push_str("(local.get 1)))");
    text
}

/// The instructions that turn a value of type `from` on the stack into one
/// of type `to`, without trapping.
fn convert(from: &str, to: &str) -> &'static str {
    match (from, to) {
        ("i32", "i64") => "(i64.extend_i32_s)\n",
        ("i32", "f64") => "(f64.convert_i32_s)\n",
        ("i64", "i32") => "(i32.wrap_i64)\n",
        ("i64", "f64") => "(f64.convert_i64_s)\n",
        ("f64", "i32") => "(i32.wrap_i64 (i64.reinterpret_f64))\n",
        ("f64", "i64") => "(i64.reinterpret_f64)\n",
        _ => "",
    }
}

/// Each `select` picks the previous value or a new one by a bit of local 0.
fn select_chain(n: usize) -> String {
    let mut text = format!("(module {RUN}\n");
    for k in 0..n {
        let bit = 1u32 << (k % 32);
        writeln!(
            text,
            "(local.set 1 (select (i32.add (local.get 1) (i32.const {k})) (local.get 1) \
             (i32.and (local.get 0) (i32.const {bit}))))"
        )
        .unwrap();
    }
    text.push_str("(local.get 1)))");
    text
}

/// `n` calls of a small function, each on the result of the previous one.
fn many_calls(n: usize) -> String {
    let mut text = String::from(
        "(module\n(func $step (param i32 i32) (result i32) \
         (i32.xor (i32.rotl (local.get 0) (i32.const 1)) (local.get 1)))\n",
    );
    writeln!(text, "{RUN}").unwrap();
    for k in 0..n {
        writeln!(
            text,
            "(local.set 1 (call $step (local.get 1) (i32.add (local.get 0) (i32.const {k}))))"
        )
        .unwrap();
    }
    text.push_str("(local.get 1)))");
    text
}

/// `n` values computed from the parameters, kept on the operand stack
/// across four calls, then added up.
fn live_across_calls(n: usize) -> String {
    let mut text = String::from(
        "(module\n(global $g (mut i32) (i32.const 0))\n\
         (func $touch (param i32) (global.set $g (i32.add (global.get $g) (local.get 0))))\n",
    );
    writeln!(text, "{RUN}").unwrap();
    for k in 0..n {
        writeln!(
            text,
            "(i32.mul (i32.add (local.get 0) (i32.const {k})) (local.get 1))"
        )
        .unwrap();
    }
    for k in 0..4 {
        writeln!(text, "(call $touch (i32.const {k}))").unwrap();
    }
    text.push_str(&"(i32.add)\n".repeat(n.saturating_sub(1)));
    if n == 0 {
        text.push_str("(i32.const 0)\n");
    }
    text.push_str("(global.get $g) (i32.add)))");
    text
}

/// Loads and stores at `n` different offsets of an address masked from
/// local 0, accumulated in local 1.
fn memory_ops(n: usize) -> String {
    let mut text = String::from("(module\n(memory 1)\n");
    writeln!(text, "{RUN}").unwrap();
    text.push_str("(local.set 0 (i32.and (local.get 0) (i32.const 0x3ff)))\n");
    for k in 0..n {
        let offset = (k * 4) % 60_000;
        writeln!(
            text,
            "(i32.store offset={offset} (local.get 0) (i32.add (local.get 1) (i32.const {k})))\n\
             (local.set 1 (i32.xor (local.get 1) (i32.load offset={} (local.get 0))))",
            (offset + 2) % 60_000
        )
        .unwrap();
    }
    text.push_str("(local.get 1)))");
    text
}

/// A data segment of `64 n` bytes, a table of `n` small functions filled by
/// an element segment, and `run`, which reads the data and calls through
/// the table at indices taken from its parameters.
fn segments(n: usize) -> String {
    let n = n.max(1);
    let pages = (64 * n).div_ceil(65536);
    let mut text =
        format!("(module\n(memory {pages})\n(type $unary (func (param i32) (result i32)))\n");
    writeln!(text, "(table {n} funcref)").unwrap();
    for k in 0..n {
        writeln!(
            text,
            "(func $f{k} (type $unary) (i32.add (local.get 0) (i32.const {k})))"
        )
        .unwrap();
    }
    let names: Vec<String> = (0..n).map(|k| format!("$f{k}")).collect();
    writeln!(text, "(elem (i32.const 0) func {})", names.join(" ")).unwrap();
    text.push_str("(data (i32.const 0) \"");
    for k in 0..64 * n {
        write!(text, "\\{:02x}", (k * 7 + k / 256) as u8).unwrap();
    }
    text.push_str("\")\n");
    writeln!(text, "{RUN}").unwrap();
    writeln!(
        text,
        "(call_indirect (type $unary) \
         (i32.load (i32.rem_u (local.get 0) (i32.const {}))) \
         (i32.rem_u (local.get 1) (i32.const {n}))))",
        (64 * n).saturating_sub(3).max(1)
    )
    .unwrap();
    text.push(')');
    text
}

//! Code and frames beyond the reach of short offsets: a function larger
//! than the reach of `b.cond`, `cbz` and `ldr` (literal), whose forward
//! branches over the body, float constants and prologue branch to the trap
//! stub at the end need veneers and constant islands; and a frame whose
//! spill slots lie beyond the reach of `ldr`/`str` offsets. The code must
//! still compute what the SSA interpreter computes.

#![cfg(target_arch = "aarch64")]

mod support;

use kiln_ssa::interp;
use support::{HostWorld, Instance};

/// `steps` rounds of integer and float arithmetic on the parameters, skipped
/// when the first parameter is zero; float constants that `fmov` cannot
/// hold go to the constant pool.
fn wat(steps: u32) -> String {
    let mut body = String::new();
    for k in 0..steps {
        body += &format!(
            "(local.set 0 (i32.xor (i32.mul (local.get 0) (i32.const {})) (i32.const {})))\n",
            2 * k + 3,
            k * 7919
        );
        if k % 64 == 0 {
            body += &format!(
                "(local.set 1 (f64.add (local.get 1) (f64.const {}.1)))\n",
                k
            );
        }
    }
    format!(
        r#"(module (func (param i32 f64) (result i32)
          (block (br_if 0 (i32.eqz (local.get 0)))
            {body})
          (i32.add (local.get 0) (i32.trunc_sat_f64_s (local.get 1)))))"#
    )
}

#[test]
fn code_beyond_the_reach_of_short_branches_runs_correctly() {
    let wat = wat(110_000);
    let mut instance = Instance::new(&wat);
    let (_, _, functions) = support::ssa_functions(&wat);
    let code_size = instance.code_size();
    assert!(code_size > 1 << 20, "only {code_size} bytes of code");
    let text = support::listing(&wat).text;
    assert!(text.contains("veneer to"), "no veneer");
    assert!(text.contains("island, jump to"), "no island");
    for (a, b) in [(0u64, 2.5f64), (1, 0.5), (12345, -3.0)] {
        let mut world = HostWorld {
            functions: &functions,
            first_defined: 0,
        };
        let mut args = vec![instance.vmctx(), a];
        args.push(b.to_bits());
        let expected = interp::run(&functions[0], &mut world, &args).expect("no trap");
        let actual = instance.call(0, &[a, b.to_bits()]).expect("no trap");
        assert_eq!(actual[0] as u32, expected[0] as u32, "for {a}, {b}");
    }
}

#[test]
fn spill_slots_beyond_the_reach_of_load_offsets_are_addressed_through_x17() {
    let values = 4500;
    let mut wat = String::from(
        "(module (func $id (param i64) (result i64) (local.get 0))\n(func (param i64) (result i64)",
    );
    wat += &" (local i64)".repeat(values);
    for k in 1..=values {
        wat += &format!(
            " (local.set {k} (i64.mul (local.get 0) (i64.const {})))",
            2 * k + 1
        );
    }
    wat += " (local.set 0 (call $id (local.get 0)))";
    for k in 1..=values {
        wat += &format!(
            " (local.set 0 (i64.xor (i64.rotl (local.get 0) (i64.const 5)) (local.get {k})))"
        );
    }
    wat += " (local.get 0)))";
    let mut instance = Instance::new(&wat);
    let (_, _, functions) = support::ssa_functions(&wat);
    for a in [1u64, 0x1234_5678_9abc_def1] {
        let mut world = HostWorld {
            functions: &functions,
            first_defined: 0,
        };
        let expected =
            interp::run(&functions[1], &mut world, &[instance.vmctx(), a]).expect("no trap");
        assert_eq!(
            instance.call(1, &[a]).expect("no trap"),
            expected,
            "for {a:#x}"
        );
    }
    assert!(
        support::listing(&wat).text.contains(", [sp, x17]"),
        "no far spill slot"
    );
}

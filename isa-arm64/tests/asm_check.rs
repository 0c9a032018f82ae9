//! "asm-check" tests: small wasm functions whose AArch64 listing must
//! contain, or must not contain, given instructions (substrings of one
//! line each), and a few precise-output listings.

mod support;

use kiln_isa_arm64::Listing;
use support::{compile, listing, listing_guarded};

/// Asserts that some line contains each of `present` and no line contains
/// any of `absent`.
fn check(listing: &Listing, present: &[&str], absent: &[&str]) {
    let lines: Vec<&str> = listing.text.lines().collect();
    for pattern in present {
        assert!(
            lines.iter().any(|line| line.contains(pattern)),
            "expected `{pattern}` in:\n{}",
            listing.text
        );
    }
    for pattern in absent {
        assert!(
            !lines.iter().any(|line| line.contains(pattern)),
            "did not expect `{pattern}` in:\n{}",
            listing.text
        );
    }
}

#[test]
fn arithmetic_is_three_address_with_immediates() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))",
    );
    check(&l, &["add w0, w1, w2"], &["mov w0, w"]);
    let l =
        listing("(module (func (param i64) (result i64) (i64.add (local.get 0) (i64.const 40))))");
    check(&l, &["add x0, x1, #0x28"], &["add x0, x1, x"]);
    let l =
        listing("(module (func (param i64) (result i64) (i64.add (local.get 0) (i64.const -40))))");
    check(&l, &["sub x0, x1, #0x28"], &["add x0, x1, x"]);
    let l = listing(
        "(module (func (param i32) (result i32) (i32.and (local.get 0) (i32.const 0xff00))))",
    );
    check(&l, &["and w0, w1, #0xff00"], &["and w0, w1, w"]);
    let l =
        listing("(module (func (param i32) (result i32) (i32.rotl (local.get 0) (i32.const 8))))");
    check(&l, &["ror w0, w1, #0x18"], &[]);
}

#[test]
fn compares_fuse_into_branches_selects_and_traps() {
    let l = listing(
        r#"(module (func (param i32 i32) (result i32)
          (if (result i32) (i32.lt_s (local.get 0) (local.get 1))
            (then (i32.const 7)) (else (local.get 1)))))"#,
    );
    check(&l, &["cmp w1, w2"], &["cset"]);
    let l = listing(
        r#"(module (func (param i64 i64 i64) (result i64)
          (select (local.get 0) (local.get 1) (i64.gt_u (local.get 2) (i64.const 9)))))"#,
    );
    check(&l, &["cmp x3, #9", "csel x0, x1, x2, hi"], &["cset"]);
    let l = listing(
        r#"(module (func (param i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0))
            (then (i32.const 1)) (else (i32.const 2)))))"#,
    );
    check(&l, &["cbnz w1, L"], &["cmp w1", "cset"]);
    let l = listing(
        r#"(module (func (param f64 f64) (result i32)
          (f64.le (local.get 0) (local.get 1))))"#,
    );
    check(&l, &["fcmp d0, d1", "cset w0, ls"], &[]);
}

#[test]
fn a_signed_test_against_zero_branches_on_the_sign_bit() {
    let l = listing(
        r#"(module (func (param i64) (result i32)
          (if (result i32) (i64.lt_s (local.get 0) (i64.const 0))
            (then (i32.const 1)) (else (i32.const 2)))))"#,
    );
    check(&l, &["tbz x1, #63, L"], &["cmp x1"]);
}

#[test]
fn heap_accesses_use_the_index_register_and_are_fault_sites() {
    let wat = r#"(module (memory 1)
        (func (param i32) (result i64) (i64.load (local.get 0))))"#;
    let l = listing(wat);
    check(&l, &["ldr x0, [x0, w1, uxtw]"], &["cmp x", "add x"]);
    let code = compile(wat);
    let faults: Vec<_> = code
        .trap_sites
        .iter()
        .filter(|s| s.fault_stub.is_some())
        .collect();
    assert_eq!(faults.len(), 1, "{:?}", code.trap_sites);
    let wat = r#"(module (memory 1)
        (func (param i32) (result i32) (i32.load offset=16 (local.get 0))))"#;
    check(
        &listing(wat),
        &["add x17, x", ", uxtw", "ldr w0, [x17, #16]"],
        &[],
    );
}

#[test]
fn stores_that_may_straddle_the_end_of_memory_read_their_last_byte_first() {
    let wat = r#"(module (memory 1)
        (func (param i32 i64) (i64.store offset=8 (local.get 0) (local.get 1))))"#;
    let l = listing(wat);
    check(&l, &["ldrb wzr, [x17, #15]", "str x2, [x17, #8]"], &[]);
    let code = compile(wat);
    let faults = code
        .trap_sites
        .iter()
        .filter(|s| s.fault_stub.is_some())
        .count();
    assert_eq!(faults, 2, "{:?}", code.trap_sites);
    let l = listing(
        r#"(module (memory 1)
        (func (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#,
    );
    check(&l, &["strb w2, [x"], &["ldrb"]);
}

#[test]
fn explicit_bounds_checks_trap_and_clamp_with_csel() {
    let l = listing_guarded(
        r#"(module (memory 1)
        (func (param i32) (result i32) (i32.load (local.get 0))))"#,
        0,
    );
    check(&l, &["b.hi L", "csel x"], &[]);
}

#[test]
fn division_checks_zero_and_overflow_unless_the_divisor_rules_them_out() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))",
    );
    check(
        &l,
        &[
            "cbz w2",
            "cmn w2, #1",
            "ccmp w1, #1, #0, eq",
            "b.vs",
            "sdiv w0, w1, w2",
        ],
        &[],
    );
    let l = listing(
        "(module (func (param i64) (result i64) (i64.rem_u (local.get 0) (i64.const 10))))",
    );
    check(&l, &["udiv x17", "msub x0, x17"], &["cbz", "ccmp"]);
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1))))",
    );
    check(
        &l,
        &["cbz w2", "sdiv w17, w1, w2", "msub w0, w17, w2, w1"],
        &["ccmp"],
    );
}

#[test]
fn float_constants_use_fmov_or_the_pool() {
    let l = listing("(module (func (result f64) (f64.const 1.5)))");
    check(&l, &["fmov d0, #1.5"], &["ldr d0"]);
    let l = listing("(module (func (result f32) (f32.const 0)))");
    check(&l, &["fmov s0, wzr"], &[]);
    let l = listing("(module (func (result f64) (f64.const 0.1)))");
    check(&l, &["ldr d0, L"], &[]);
}

#[test]
fn conversions_trap_only_where_wasm_says() {
    let l = listing("(module (func (param f64) (result i32) (i32.trunc_f64_s (local.get 0))))");
    check(
        &l,
        &["fcmp d0, d0", "b.vs", "b.ls", "b.ge", "fcvtzs w0, d0"],
        &[],
    );
    let l = listing("(module (func (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0))))");
    check(&l, &["fcvtzu x0, s0"], &["fcmp", "b.vs", "b.ge"]);
}

#[test]
fn calls_are_relocated_branches_with_links() {
    let wat = r#"(module
        (func $f (param i32) (result i32) (local.get 0))
        (func (param i32) (result i32) (call $f (i32.const 3))))"#;
    check(&listing(wat), &["mov x1, #0x3", "bl function 0"], &[]);
    let code = compile(wat);
    assert_eq!(code.relocations.len(), 1);
    assert_eq!(
        code.relocations[0].kind,
        kiln_ssa::target::RelocationKind::Arm64Call26
    );
}

#[test]
fn br_table_jumps_through_a_table_of_branches() {
    let l = listing(
        r#"(module (func (param i32) (result i32)
          (block (block (block
            (br_table 0 1 2 (local.get 0)))
            (return (i32.const 10)))
            (return (i32.const 11)))
          (i32.const 12)))"#,
    );
    check(&l, &["csel w17, w1, w17, lo", "adr x16, L", "br x16"], &[]);
}

/// The whole listing of a small leaf function: it calls nothing and its
/// frame is small, so its prologue makes no stack check and it has no
/// trap stub.
#[test]
fn precise_output_of_a_leaf_function() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))",
    );
    let expected = "    0  stp x29, x30, [sp, #-16]!
    4  mov x29, sp
    8  sub sp, sp, #16
    c  str x0, [x29, #-8]
   10  L0:
   10  L1:
   10  mul w0, w1, w2
   14  mov sp, x29
   18  ldp x29, x30, [sp], #16
   1c  ret
";
    assert_eq!(l.text, expected, "\n{}", l.text);
}

/// The body of a function that keeps a value across a call: in a
/// callee-saved register, saved below the `vmctx` slot and restored before
/// the return.
#[test]
fn precise_output_of_a_value_kept_across_a_call() {
    let l = listing(
        r#"(module
        (func $g (param i32) (result i32) (local.get 0))
        (func (param i32) (result i32) (i32.add (call $g (local.get 0)) (local.get 0))))"#,
    );
    let expected = "    0  stp x29, x30, [sp, #-16]!
    4  mov x29, sp
    8  sub sp, sp, #16
    c  str x0, [x29, #-8]
   10  ldr x16, [x0]
   14  ldr x16, [x16]
   18  cmp sp, x16
   1c  b.lo L2
   20  str x19, [x29, #-16]
   24  L0:
   24  mov x19, x1
   28  L1:
   28  mov x1, x19
   2c  bl function 0
   30  add w0, w0, w19
   34  ldr x19, [x29, #-16]
   38  mov sp, x29
   3c  ldp x29, x30, [sp], #16
   40  ret
";
    assert!(l.text.starts_with(expected), "\n{}", l.text);
}

/// A narrow store to linear memory with guard pages: the memory's base in
/// one load from the `vmctx`, the address through `x17`, the probe of its
/// last byte, the store, and the `HeapOutOfBounds` stub the faults resume
/// at, with its unwinding tail.
#[test]
fn precise_output_of_a_store_to_linear_memory() {
    let l = listing(
        r#"(module (memory 1)
        (func (param i32 i32) (i32.store16 offset=2 (local.get 0) (local.get 1))))"#,
    );
    let expected = "   10  L0:
   10  L1:
   10  ldr x0, [x0, #24]
   14  add x17, x0, w1, uxtw
   18  ldrb wzr, [x17, #3]
   1c  strh w2, [x17, #2]
   20  mov sp, x29
   24  ldp x29, x30, [sp], #16
   28  ret
   2c  L2:
   2c  ldr x16, [x29, #-8]
   30  ldr x16, [x16]
   34  mov w17, #0x1
   38  str w17, [x16, #16]
   3c  b L3
   40  L3:
   40  adr x2, L3
   44  mov x0, x16
   48  mov x1, x29
   4c  ldr x17, [x16, #24]
   50  blr x17
   54  ldr x16, [x29, #-8]
   58  ldr x16, [x16]
   5c  ldr x17, [x16, #8]
   60  mov sp, x17
   64  ldr x30, [sp]
   68  ret
";
    assert!(l.text.contains(expected), "\n{}", l.text);
}

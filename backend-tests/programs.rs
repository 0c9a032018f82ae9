//! Whole programs, compiled by the backend under test, against kiln's SSA
//! interpreter running the same SSA on a second, identical instance: same
//! results, same traps, same memory afterwards. The programs stress what
//! the operator tests do not: many arguments (on the stack), register
//! pressure and spills, values live across calls, recursion, loops over
//! memory, multiple results and block parameters.

use crate::support::{HostWorld, Instance};
use kiln_ssa::interp::InterpEnv;

/// Runs function `index` of `wat` on each argument list, compiled and
/// interpreted, and compares results, traps and memory.
fn compare(wat: &str, index: u32, inputs: &[&[u64]]) {
    let (env, _, functions) = crate::support::ssa_functions(wat);
    for args in inputs {
        let mut compiled = Instance::new(wat);
        let mut interpreted = Instance::new(wat);
        let actual = compiled.call(index, args);
        let mut world = HostWorld {
            functions: &functions,
            first_defined: env.num_imported_functions,
        };
        let mut full_args = vec![interpreted.vmctx()];
        full_args.extend_from_slice(args);
        let expected = world.call(index, &full_args);
        assert_eq!(actual, expected, "results of function {index} on {args:?}");
        assert!(
            compiled.memory == interpreted.memory,
            "memory after function {index} on {args:?}"
        );
    }
}

#[test]
fn many_arguments_travel_on_the_stack() {
    let wat = r#"(module
      (func $mix (param i64 i32 i64 i32 i64 i32 i64 f64 f32 f64 f32 f64 f32 f64 f32 f64 f32 i32 f64) (result f64)
        (f64.add
          (f64.convert_i64_s (i64.add (i64.add (local.get 0) (i64.extend_i32_s (local.get 1)))
            (i64.add (i64.mul (local.get 2) (i64.extend_i32_u (local.get 3)))
              (i64.sub (local.get 4) (i64.add (i64.extend_i32_s (local.get 5)) (local.get 6))))))
          (f64.add
            (f64.mul (local.get 7) (f64.promote_f32 (local.get 8)))
            (f64.add (f64.sub (local.get 9) (f64.promote_f32 (local.get 10)))
              (f64.add (f64.div (local.get 11) (f64.promote_f32 (local.get 12)))
                (f64.add (f64.mul (local.get 13) (f64.promote_f32 (local.get 14)))
                  (f64.add (f64.sub (local.get 15) (f64.promote_f32 (local.get 16)))
                    (f64.mul (f64.convert_i32_s (local.get 17)) (local.get 18)))))))))
      (func (param i64) (result f64)
        (call $mix (local.get 0) (i32.const -2) (i64.const 3) (i32.const 4) (i64.const 5) (i32.const 6)
          (i64.const 7) (f64.const 1.5) (f32.const 2.5) (f64.const 3.5) (f32.const 4.5) (f64.const 5.5)
          (f32.const 6.5) (f64.const 7.5) (f32.const 8.5) (f64.const 9.5) (f32.const 10.5) (i32.const -11)
          (f64.const 12.5))))"#;
    compare(wat, 1, &[&[1], &[u64::MAX], &[1 << 40]]);
}

#[test]
fn register_pressure_spills_across_calls() {
    let wat = r#"(module
      (func $mix (param i64 i64) (result i64)
        (i64.xor (i64.rotl (local.get 0) (i64.const 13)) (i64.mul (local.get 1) (i64.const 0x9E3779B97F4A7C15))))
      (func (param i64 i32) (result i64)
        (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64)
        (local.set 2 (local.get 0))
        (local.set 3 (i64.add (local.get 0) (i64.const 1)))
        (local.set 4 (i64.add (local.get 0) (i64.const 2)))
        (local.set 5 (i64.add (local.get 0) (i64.const 3)))
        (local.set 6 (i64.add (local.get 0) (i64.const 4)))
        (local.set 7 (i64.add (local.get 0) (i64.const 5)))
        (local.set 8 (i64.add (local.get 0) (i64.const 6)))
        (local.set 9 (i64.add (local.get 0) (i64.const 7)))
        (local.set 10 (i64.add (local.get 0) (i64.const 8)))
        (local.set 11 (i64.add (local.get 0) (i64.const 9)))
        (local.set 12 (i64.add (local.get 0) (i64.const 10)))
        (local.set 13 (i64.add (local.get 0) (i64.const 11)))
        (local.set 14 (i64.add (local.get 0) (i64.const 12)))
        (local.set 15 (i64.add (local.get 0) (i64.const 13)))
        (local.set 16 (i64.add (local.get 0) (i64.const 14)))
        (local.set 17 (i64.add (local.get 0) (i64.const 15)))
        (local.set 18 (f64.convert_i64_s (local.get 0)))
        (local.set 19 (f64.const 0.25))
        (local.set 20 (f64.const -3))
        (local.set 21 (f64.const 1e10))
        (loop $again
          (local.set 2 (call $mix (local.get 2) (local.get 17)))
          (local.set 3 (i64.add (local.get 3) (local.get 2)))
          (local.set 4 (call $mix (local.get 4) (local.get 3)))
          (local.set 5 (i64.sub (local.get 5) (local.get 4)))
          (local.set 6 (i64.xor (local.get 6) (local.get 5)))
          (local.set 7 (call $mix (local.get 7) (local.get 6)))
          (local.set 8 (i64.add (local.get 8) (local.get 7)))
          (local.set 9 (i64.mul (local.get 9) (local.get 8)))
          (local.set 10 (i64.rotr (local.get 10) (local.get 9)))
          (local.set 11 (i64.add (local.get 11) (local.get 10)))
          (local.set 12 (call $mix (local.get 12) (local.get 11)))
          (local.set 13 (i64.or (local.get 13) (local.get 12)))
          (local.set 14 (i64.add (local.get 14) (local.get 13)))
          (local.set 15 (i64.shr_u (local.get 15) (local.get 14)))
          (local.set 16 (i64.add (local.get 16) (local.get 15)))
          (local.set 17 (i64.add (local.get 17) (local.get 16)))
          (local.set 18 (f64.add (local.get 18) (local.get 19)))
          (local.set 19 (f64.mul (local.get 19) (local.get 20)))
          (local.set 20 (f64.sub (local.get 20) (local.get 21)))
          (local.set 21 (f64.div (local.get 21) (local.get 18)))
          (br_if $again (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
        (i64.add
          (i64.add (i64.add (local.get 2) (local.get 3)) (i64.add (local.get 4) (local.get 5)))
          (i64.add
            (i64.add (i64.add (local.get 6) (local.get 7)) (i64.add (local.get 8) (local.get 9)))
            (i64.add
              (i64.add (i64.add (local.get 10) (local.get 11)) (i64.add (local.get 12) (local.get 13)))
              (i64.add
                (i64.add (i64.add (local.get 14) (local.get 15)) (i64.add (local.get 16) (local.get 17)))
                (i64.reinterpret_f64 (f64.add (f64.add (local.get 18) (local.get 19))
                  (f64.add (local.get 20) (local.get 21))))))))))"#;
    compare(wat, 1, &[&[0, 1], &[7, 10], &[u64::MAX, 100]]);
}

#[test]
fn loops_over_memory() {
    let wat = r#"(module
      (memory 1)
      (func $fill (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store (i32.shl (local.get $i) (i32.const 2))
            (i32.rem_u (i32.mul (i32.add (local.get $i) (i32.const 17)) (i32.const 7919)) (i32.const 1000)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
      (func $sort (param $n i32)
        (local $i i32) (local $j i32) (local $a i32) (local $b i32)
        (block $done (loop $outer
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $j (i32.const 0))
          (block $inner_done (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $j) (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1))))
            (local.set $a (i32.load (i32.shl (local.get $j) (i32.const 2))))
            (local.set $b (i32.load offset=4 (i32.shl (local.get $j) (i32.const 2))))
            (if (i32.gt_s (local.get $a) (local.get $b)) (then
              (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $b))
              (i32.store offset=4 (i32.shl (local.get $j) (i32.const 2)) (local.get $a))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $outer))))
      (func (param $n i32) (result i64)
        (local $i i32) (local $sum i64)
        (call $fill (local.get $n))
        (call $sort (local.get $n))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $sum (i64.add (i64.mul (local.get $sum) (i64.const 31))
            (i64.load32_u (i32.shl (local.get $i) (i32.const 2)))))
          (i64.store8 offset=60000 (local.get $i) (local.get $sum))
          (i64.store16 offset=61000 (local.get $i) (local.get $sum))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (i64.add (local.get $sum) (i64.load16_s offset=61000 (i32.const 3)))))"#;
    compare(wat, 2, &[&[1], &[50], &[300], &[20000]]);
}

#[test]
fn recursion_multiple_results_and_block_parameters() {
    let wat = r#"(module
      (func $fib (param i32) (result i64)
        (if (result i64) (i32.lt_u (local.get 0) (i32.const 2))
          (then (i64.extend_i32_u (local.get 0)))
          (else (i64.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
      (func $divmod (param i64 i64) (result i64 i64 f32 f64)
        (i64.div_s (local.get 0) (local.get 1))
        (i64.rem_s (local.get 0) (local.get 1))
        (f32.convert_i64_s (local.get 0))
        (f64.convert_i64_u (local.get 1)))
      (func (param i32 i64) (result i64)
        (local f64)
        (call $divmod (call $fib (local.get 0)) (local.get 1))
        (local.set 2)
        (i64.trunc_f32_s)
        (block (param i64 i64 i64) (result i64)
          (i64.add)
          (i64.mul))
        (i64.add (i64.trunc_sat_f64_u (local.get 2)))))"#;
    compare(
        wat,
        2,
        &[&[10, 7], &[20, -3i64 as u64], &[25, 0], &[30, u64::MAX]],
    );
}

#[test]
fn state_machines_with_br_table() {
    let wat = r#"(module
      (func (param $steps i32) (param $seed i32) (result i32)
        (local $state i32) (local $acc i32)
        (loop $run
          (block $s3 (block $s2 (block $s1 (block $s0
            (br_table $s0 $s1 $s2 $s3 (local.get $state)))
            (local.set $acc (i32.add (local.get $acc) (local.get $seed)))
            (local.set $state (i32.and (local.get $acc) (i32.const 3)))
            (br 2))
            (local.set $acc (i32.xor (local.get $acc) (i32.shl (local.get $acc) (i32.const 5))))
            (local.set $state (i32.const 3))
            (br 1))
            (local.set $acc (i32.rotl (local.get $acc) (local.get $seed)))
            (local.set $state (i32.const 0)))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))
          (local.set $state (select (i32.const 2) (local.get $state) (i32.eq (local.get $state) (i32.const 3))))
          (br_if $run (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
        (local.get $acc)))"#;
    compare(wat, 0, &[&[1, 5], &[100, 12345], &[1000, 0xDEAD_BEEF]]);
}

#[test]
fn loads_folded_into_arithmetic() {
    let wat = r#"(module
      (memory 1)
      (func (param $n i32) (result f64)
        (local $i i32) (local $dot f64) (local $ints i64) (local $small i32)
        (loop $init
          (f64.store (i32.shl (local.get $i) (i32.const 3)) (f64.convert_i32_s (i32.sub (local.get $i) (i32.const 7))))
          (i64.store offset=8000 (i32.shl (local.get $i) (i32.const 3)) (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x1234567)))
          (br_if $init (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.set $i (i32.const 0))
        (loop $sum
          (local.set $dot (f64.add (local.get $dot)
            (f64.mul (f64.load (i32.shl (local.get $i) (i32.const 3)))
                     (f64.load offset=8 (i32.shl (local.get $i) (i32.const 3))))))
          (local.set $dot (f64.sub (local.get $dot) (f64.load offset=16 (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $ints (i64.xor (i64.load offset=8000 (i32.shl (local.get $i) (i32.const 3))) (local.get $ints)))
          (local.set $ints (i64.sub (local.get $ints) (i64.load offset=8008 (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $small (i32.mul (local.get $small) (i32.load offset=8000 (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $small (i32.add (i32.load offset=8004 (i32.shl (local.get $i) (i32.const 3))) (local.get $small)))
          (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.sub (local.get $n) (i32.const 2)))))
        (f64.add (local.get $dot) (f64.convert_i64_s (i64.add (local.get $ints) (i64.extend_i32_s (local.get $small)))))))"#;
    compare(wat, 0, &[&[3], &[100], &[900]]);
}

#[test]
fn tests_scaled_adds_and_wide_jump_tables() {
    let wat = r#"(module
      (func (param $n i32) (param $seed i64) (result i64)
        (local $i i32) (local $acc i64) (local $x i64) (local $k i32)
        (loop $run
          (local.set $x (i64.add (i64.mul (local.get $seed) (i64.extend_i32_u (local.get $i))) (i64.const 0x9E3779B9)))
          (if (i64.eqz (i64.and (local.get $x) (i64.const -16)))
            (then (local.set $acc (i64.add (local.get $acc) (i64.const 1)))))
          (if (i64.ne (i64.and (local.get $x) (i64.const 0x80000000)) (i64.const 0))
            (then (local.set $acc (i64.xor (local.get $acc) (local.get $x)))))
          (if (i32.and (local.get $i) (i32.wrap_i64 (local.get $seed)))
            (then (local.set $acc (i64.rotl (local.get $acc) (i64.const 7)))))
          (local.set $k (i32.add (i32.wrap_i64 (local.get $x)) (i32.shl (local.get $i) (i32.const 3))))
          (local.set $acc (i64.add (local.get $acc)
            (i64.add (i64.extend_i32_u (local.get $k)) (i64.shl (local.get $x) (i64.const 2)))))
          (block $d (block $c9 (block $c8 (block $c7 (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
            (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 $c8 $c9 $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 $c8 $c9 $d
              (i32.rem_u (local.get $k) (i32.const 23))))
            (local.set $acc (i64.add (local.get $acc) (i64.const 3))) (br $d))
            (local.set $acc (i64.mul (local.get $acc) (i64.const 5))) (br $d))
            (local.set $acc (i64.sub (local.get $acc) (i64.const 11))) (br $d))
            (local.set $acc (i64.xor (local.get $acc) (i64.const 0x55))) (br $d))
            (local.set $acc (i64.add (local.get $acc) (local.get $x))) (br $d))
            (local.set $acc (i64.shr_u (local.get $acc) (i64.const 1))) (br $d))
            (local.set $acc (i64.add (local.get $acc) (i64.const 101))) (br $d))
            (local.set $acc (i64.or (local.get $acc) (i64.const 0x100))) (br $d))
            (local.set $acc (i64.add (local.get $acc) (i64.trunc_f64_s
              (f64.sqrt (f64.convert_i32_u (i32.and (local.get $k) (i32.const 0xffff))))))) (br $d))
            (local.set $acc (i64.sub (local.get $acc) (i64.const 7))))
          (br_if $run (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $acc)))"#;
    compare(
        wat,
        0,
        &[
            &[1, 0],
            &[50, 3],
            &[300, 0xFFFF_FFFF_0000_0001],
            &[1000, 0x1234_5678_9ABC_DEF1],
        ],
    );
}

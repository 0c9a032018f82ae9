//! Execution tests: wasm compiled by the backend under test, run in executable
//! memory through the entry trampoline.

use crate::support::Instance;
use kiln_ssa::TrapCode;

fn f32_bits(x: f32) -> u64 {
    u64::from(x.to_bits())
}

fn f64_bits(x: f64) -> u64 {
    x.to_bits()
}

#[test]
fn integer_arithmetic() {
    let mut instance = Instance::new(
        r#"(module
          (func (param i32 i32) (result i32) (i32.sub (i32.mul (local.get 0) (local.get 1)) (i32.const 7)))
          (func (param i64 i64) (result i64) (i64.add (i64.shl (local.get 0) (local.get 1)) (i64.const -1)))
          (func (param i32) (result i32) (i32.rotl (local.get 0) (i32.const 8)))
          (func (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1))))"#,
    );
    assert_eq!(instance.call(0, &[6, 7]), Ok(vec![35]));
    assert_eq!(instance.call(0, &[0, 0]), Ok(vec![(-7i32) as u32 as u64]));
    assert_eq!(instance.call(1, &[3, 65]), Ok(vec![5]));
    assert_eq!(instance.call(2, &[0x1234_5678]), Ok(vec![0x3456_7812]));
    assert_eq!(
        instance.call(3, &[(-64i32) as u32 as u64, 35]),
        Ok(vec![(-8i32) as u32 as u64])
    );
}

#[test]
fn loops_and_branches() {
    let mut instance = Instance::new(
        r#"(module
          (func (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1))
          (func (param i32) (result i32)
            (block (block (block (block
              (br_table 0 1 2 3 (local.get 0)))
              (return (i32.const 10)))
              (return (i32.const 11)))
              (return (i32.const 12)))
            (i32.const 13))
          (func (param i32 i32 i32) (result i32)
            (select (local.get 0) (local.get 1) (i32.lt_s (local.get 2) (i32.const 0)))))"#,
    );
    assert_eq!(instance.call(0, &[100]), Ok(vec![5050]));
    let expected = [10, 11, 12, 13, 13];
    for (index, want) in [0u64, 1, 2, 3, 1000].into_iter().zip(expected) {
        assert_eq!(
            instance.call(1, &[index]),
            Ok(vec![want]),
            "br_table {index}"
        );
    }
    assert_eq!(
        instance.call(2, &[1, 2, (-1i32) as u32 as u64]),
        Ok(vec![1])
    );
    assert_eq!(instance.call(2, &[1, 2, 5]), Ok(vec![2]));
}

#[test]
fn calls_between_functions() {
    let mut instance = Instance::new(
        r#"(module
          (func $fact (param i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
              (then (i64.const 1))
              (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
          (func $many (param i32 i32 i32 i32 i32 i32 i32 f64 i32) (result i32)
            (i32.add (i32.add (local.get 0) (local.get 6))
              (i32.add (local.get 8) (i32.trunc_f64_s (local.get 7)))))
          (func (result i32)
            (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
              (i32.const 5) (i32.const 6) (i32.const 7) (f64.const 8.5) (i32.const 9))))"#,
    );
    assert_eq!(instance.call(0, &[20]), Ok(vec![2_432_902_008_176_640_000]));
    assert_eq!(instance.call(2, &[]), Ok(vec![1 + 7 + 9 + 8]));
}

#[test]
fn float_arithmetic() {
    let mut instance = Instance::new(
        r#"(module
          (func (param f64 f64) (result f64) (f64.add (f64.mul (local.get 0) (local.get 1)) (f64.const 0.5)))
          (func (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
          (func (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
          (func (param f64) (result f64) (f64.nearest (local.get 0)))
          (func (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
          (func (param f64) (result f64) (f64.neg (f64.abs (local.get 0))))
          (func (param f64 f64) (result i32) (f64.eq (local.get 0) (local.get 1))))"#,
    );
    assert_eq!(
        instance.call(0, &[f64_bits(3.0), f64_bits(4.0)]),
        Ok(vec![f64_bits(12.5)])
    );
    assert_eq!(
        instance.call(1, &[f32_bits(0.0), f32_bits(-0.0)]),
        Ok(vec![f32_bits(-0.0)])
    );
    assert_eq!(
        instance.call(1, &[f32_bits(2.0), f32_bits(-3.0)]),
        Ok(vec![f32_bits(-3.0)])
    );
    let nan = instance
        .call(1, &[f32_bits(f32::NAN), f32_bits(1.0)])
        .unwrap()[0];
    assert!(f32::from_bits(nan as u32).is_nan());
    assert_eq!(
        instance.call(2, &[f64_bits(-0.0), f64_bits(0.0)]),
        Ok(vec![f64_bits(0.0)])
    );
    let nan = instance
        .call(2, &[f64_bits(1.0), f64_bits(f64::NAN)])
        .unwrap()[0];
    assert!(f64::from_bits(nan).is_nan());
    assert_eq!(instance.call(3, &[f64_bits(2.5)]), Ok(vec![f64_bits(2.0)]));
    assert_eq!(
        instance.call(3, &[f64_bits(-3.5)]),
        Ok(vec![f64_bits(-4.0)])
    );
    assert_eq!(
        instance.call(4, &[f32_bits(2.0), f32_bits(-1.0)]),
        Ok(vec![f32_bits(-2.0)])
    );
    assert_eq!(instance.call(5, &[f64_bits(7.0)]), Ok(vec![f64_bits(-7.0)]));
    assert_eq!(
        instance.call(6, &[f64_bits(1.0), f64_bits(1.0)]),
        Ok(vec![1])
    );
    assert_eq!(
        instance.call(6, &[f64_bits(f64::NAN), f64_bits(f64::NAN)]),
        Ok(vec![0])
    );
}

#[test]
fn conversions() {
    let mut instance = Instance::new(
        r#"(module
          (func (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
          (func (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
          (func (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
          (func (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
          (func (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
          (func (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
          (func (param i64) (result i32) (i32.wrap_i64 (local.get 0))))"#,
    );
    assert_eq!(
        instance.call(0, &[f64_bits(-2147483648.9)]),
        Ok(vec![0x8000_0000])
    );
    assert_eq!(
        instance.call(0, &[f64_bits(2147483648.0)]),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(
        instance.call(0, &[f64_bits(f64::NAN)]),
        Err(TrapCode::BadConversionToInteger)
    );
    assert_eq!(
        instance.call(1, &[f32_bits(1.8e19)]),
        Ok(vec![18_000_000_404_716_257_280])
    );
    assert_eq!(
        instance.call(1, &[f32_bits(-1.0)]),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(instance.call(2, &[f64_bits(-5.0)]), Ok(vec![0]));
    assert_eq!(instance.call(2, &[f64_bits(1e12)]), Ok(vec![0xFFFF_FFFF]));
    assert_eq!(instance.call(2, &[f64_bits(3e9)]), Ok(vec![3_000_000_000]));
    assert_eq!(
        instance.call(3, &[f64_bits(1e300)]),
        Ok(vec![i64::MAX as u64])
    );
    assert_eq!(instance.call(3, &[f64_bits(f64::NAN)]), Ok(vec![0]));
    assert_eq!(
        instance.call(4, &[u64::MAX]),
        Ok(vec![f64_bits(18446744073709551615.0)])
    );
    assert_eq!(
        instance.call(4, &[0x8000_0000_0000_0401]),
        Ok(vec![f64_bits(9223372036854777856.0)])
    );
    assert_eq!(instance.call(5, &[0xFFFF_FFFE]), Ok(vec![(-2i64) as u64]));
    assert_eq!(instance.call(6, &[0x1_2345_6789]), Ok(vec![0x2345_6789]));
}

#[test]
fn division_traps() {
    let mut instance = Instance::new(
        r#"(module
          (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
          (func (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1))))"#,
    );
    assert_eq!(
        instance.call(0, &[(-7i32) as u32 as u64, 2]),
        Ok(vec![(-3i32) as u32 as u64])
    );
    assert_eq!(
        instance.call(0, &[1, 0]),
        Err(TrapCode::IntegerDivideByZero)
    );
    assert_eq!(
        instance.call(0, &[0x8000_0000, 0xFFFF_FFFF]),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(instance.call(1, &[i64::MIN as u64, u64::MAX]), Ok(vec![0]));
    assert_eq!(
        instance.call(1, &[(-7i64) as u64, 3]),
        Ok(vec![(-1i64) as u64])
    );
    assert_eq!(
        instance.call(2, &[7, 0]),
        Err(TrapCode::IntegerDivideByZero)
    );
    assert_eq!(instance.call(2, &[0xFFFF_FFFF, 10]), Ok(vec![5]));
}

#[test]
fn memory_and_globals() {
    let mut instance = Instance::new(
        r#"(module
          (memory 1)
          (global $g (mut i64) (i64.const 0))
          (func (param i32 i64)
            (i64.store offset=8 (local.get 0) (local.get 1))
            (global.set $g (i64.load32_s offset=8 (local.get 0))))
          (func (param i32) (result i32) (i32.load8_u (local.get 0)))
          (func (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))"#,
    );
    assert_eq!(instance.call(0, &[100, 0xFFFF_FFFF_8000_0001]), Ok(vec![]));
    assert_eq!(
        instance.memory[108..116],
        0xFFFF_FFFF_8000_0001u64.to_le_bytes()
    );
    assert_eq!(instance.global(0), 0xFFFF_FFFF_8000_0001);
    assert_eq!(instance.call(1, &[111]), Ok(vec![0x80]));
    assert_eq!(instance.call(1, &[65536]), Err(TrapCode::HeapOutOfBounds));
    assert_eq!(
        instance.call(0, &[65530, 1]),
        Err(TrapCode::HeapOutOfBounds)
    );
    assert_eq!(instance.call(2, &[10, 0xAB, 4]), Ok(vec![]));
    assert_eq!(instance.memory[10..14], [0xAB; 4]);
    assert_eq!(
        instance.call(2, &[65535, 0, 2]),
        Err(TrapCode::HeapOutOfBounds)
    );
}

#[test]
fn traps_return_their_code() {
    let mut instance = Instance::new(
        r#"(module
          (func (param i32) (result i32)
            (if (local.get 0) (then unreachable))
            (i32.const 5))
          (func $deep (param i64) (result i64)
            (i64.add (call $deep (i64.add (local.get 0) (i64.const 1))) (i64.const 1))))"#,
    );
    assert_eq!(instance.call(0, &[0]), Ok(vec![5]));
    assert_eq!(instance.call(0, &[1]), Err(TrapCode::Unreachable));
    let here = &instance as *const Instance as u64;
    instance.runtime.stack_limit = here - 256 * 1024;
    assert_eq!(instance.call(1, &[0]), Err(TrapCode::StackOverflow));
    assert_eq!(
        instance.call(0, &[0]),
        Ok(vec![5]),
        "usable again after a trap"
    );
}

#[test]
fn indirect_calls_check_null_and_type() {
    let mut instance = Instance::new(
        r#"(module
          (type $unary (func (param i32) (result i32)))
          (table 3 funcref)
          (func $double (type $unary) (i32.add (local.get 0) (local.get 0)))
          (func $pair (param i32 i32) (result i32) (local.get 0))
          (func (param i32 i32) (result i32)
            (call_indirect (type $unary) (local.get 1) (local.get 0))))"#,
    );
    instance.set_table(&[Some(0), Some(1), None]);
    assert_eq!(instance.call(2, &[0, 21]), Ok(vec![42]));
    assert_eq!(instance.call(2, &[1, 21]), Err(TrapCode::BadSignature));
    assert_eq!(
        instance.call(2, &[2, 21]),
        Err(TrapCode::IndirectCallToNull)
    );
    assert_eq!(instance.call(2, &[3, 21]), Err(TrapCode::TableOutOfBounds));
}

/// A host function `(i64, f64, i32) -> (f64, i32)`: returns `a + b` and
/// `c * 2`, or traps with `Unreachable` when `c` is 13.
extern "C" fn host_add(
    _record: *mut crate::support::HostRecord,
    values: *mut u64,
    _caller: *mut u8,
) -> u32 {
    // SAFETY: the exit trampoline passes an array of max(params, results)
    // = 3 slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, 3) };
    let (a, b, c) = (
        values[0] as i64,
        f64::from_bits(values[1]),
        values[2] as u32,
    );
    if c == 13 {
        return TrapCode::Unreachable as u32 + 1;
    }
    values[0] = (a as f64 + b).to_bits();
    values[1] = u64::from(c * 2);
    0
}

#[test]
fn imported_functions_reach_the_host_and_other_wasm() {
    let mut instance = Instance::new(
        r#"(module
          (import "env" "host" (func $host (param i64 f64 i32) (result f64 i32)))
          (import "env" "wasm" (func $wasm (param i32) (result i32)))
          (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func (param i32) (result i32) (local i32)
            (call $host (i64.const 40) (f64.const 2.5) (local.get 0))
            (local.set 1)
            (i32.trunc_f64_s)
            (i32.add (local.get 1))
            (i32.add (call $wasm (i32.const 3)))))"#,
    );
    instance.import_host(0, host_add);
    instance.import_wasm(1, 2);
    assert_eq!(instance.call(3, &[5]), Ok(vec![42 + 10 + 9]));
    assert_eq!(instance.call(3, &[13]), Err(TrapCode::Unreachable));
    assert_eq!(
        instance.call(3, &[6]),
        Ok(vec![42 + 12 + 9]),
        "usable again after a host trap"
    );
}

#[test]
fn i32_arguments_ignore_the_upper_bits_of_their_slots() {
    let mut instance = Instance::new(
        r#"(module
          (func (param i32 i32 i32 i32 i32 i32 i32) (result i64)
            (i64.add (i64.extend_i32_u (local.get 0)) (i64.extend_i32_u (local.get 6)))))"#,
    );
    let garbage = 0xDEAD_BEEF_0000_0000;
    let args = [garbage | 2, 0, 0, 0, 0, 0, garbage | 5];
    assert_eq!(instance.call(0, &args), Ok(vec![7]));
}

/// A module whose wasm function 1 and host function 0 return 10 `i64`
/// and 10 `f32` results: 8 of each class in registers, 2 each in the result
/// area. Function 2 calls one of them and folds the results into an `f64`:
/// `acc = acc * 3 + i_k + f_k` from the last pair to the first.
fn many_results_module() -> String {
    let types = "i64 f32 ".repeat(10);
    let wasm_results: String = (1..19)
        .map(|k| {
            if k % 2 == 0 {
                format!("(i64.const {k}) ")
            } else {
                format!("(f32.const {k}) ")
            }
        })
        .collect();
    let locals = "(local i64 f32) ".repeat(10);
    let pops: String = (0..20)
        .rev()
        .map(|k| format!("(local.set {})", k + 2))
        .collect();
    let fold: String = (0..10)
        .rev()
        .map(|k| {
            format!(
                "(local.set 22 (f64.add (f64.mul (local.get 22) (f64.const 3))
                   (f64.add (f64.convert_i64_s (local.get {})) (f64.promote_f32 (local.get {})))))",
                2 * k + 2,
                2 * k + 3
            )
        })
        .collect();
    format!(
        r#"(module
          (type $many (func (param i64) (result {types})))
          (import "env" "host" (func $host (type $many)))
          (func $wasm (type $many)
            (local.get 0) {wasm_results} (f32.convert_i64_s (local.get 0)))
          (func (param i32 i64) (result f64) {locals} (local f64)
            (local.get 1)
            (local.get 0)
            (if (type $many)
              (then (call $host))
              (else (call $wasm)))
            {pops}
            {fold}
            (local.get 22)))"#
    )
}

/// The host side of [`many_results_module`]: result `k` is `k + 100` (`k * 2.5`
/// for the floats, 0-based), after checking the argument.
extern "C" fn host_many(
    _record: *mut crate::support::HostRecord,
    values: *mut u64,
    _caller: *mut u8,
) -> u32 {
    // SAFETY: the exit trampoline passes max(1, 20) = 20 slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, 20) };
    if values[0] != 42 {
        return TrapCode::Unreachable as u32 + 1;
    }
    for (k, slot) in values.iter_mut().enumerate() {
        *slot = if k % 2 == 0 {
            k as u64 + 100
        } else {
            f32_bits(k as f32 * 2.5)
        };
    }
    0
}

#[test]
fn results_beyond_the_registers_use_the_result_area() {
    let mut instance = Instance::new(&many_results_module());
    instance.import_host(0, host_many);
    let results = instance.call(1, &[(-5i64) as u64]).unwrap();
    let expected: Vec<u64> = (0..20u64)
        .map(|k| match k {
            0 => (-5i64) as u64,
            19 => f32_bits(-5.0),
            k if k % 2 == 0 => k,
            k => f32_bits(k as f32),
        })
        .collect();
    assert_eq!(results, expected);
    let sum = |results: &[u64]| {
        results.chunks(2).rev().fold(0.0, |acc, pair| {
            acc * 3.0 + pair[0] as i64 as f64 + f64::from(f32::from_bits(pair[1] as u32))
        })
    };
    assert_eq!(
        instance.call(2, &[0, (-5i64) as u64]),
        Ok(vec![f64_bits(sum(&expected))])
    );
    let from_host: Vec<u64> = (0..20u64)
        .map(|k| {
            if k % 2 == 0 {
                k + 100
            } else {
                f32_bits(k as f32 * 2.5)
            }
        })
        .collect();
    assert_eq!(
        instance.call(2, &[1, 42]),
        Ok(vec![f64_bits(sum(&from_host))])
    );
    assert_eq!(instance.call(2, &[1, 7]), Err(TrapCode::Unreachable));
}

/// Returns the caller's `vmctx` as its `i64` result.
extern "C" fn host_caller(
    _record: *mut crate::support::HostRecord,
    values: *mut u64,
    caller: *mut u8,
) -> u32 {
    // SAFETY: the exit trampoline passes max(0, 1) = 1 slot.
    unsafe { *values = caller as u64 };
    0
}

#[test]
fn host_functions_learn_their_caller() {
    let mut instance = Instance::new(
        r#"(module
          (import "env" "caller" (func $caller (result i64)))
          (func (result i64) (call $caller)))"#,
    );
    instance.import_host(0, host_caller);
    let vmctx = instance.vmctx();
    assert_eq!(instance.call(1, &[]), Ok(vec![vmctx]));
    assert_eq!(
        instance.call_import(0, &[]),
        Ok(vec![0]),
        "called from the host"
    );
}

#[test]
fn traps_report_the_frames_to_the_hook() {
    let mut instance = Instance::new(
        r#"(module
          (func $outer (param i32) (result i32) (i32.add (call $middle (local.get 0)) (i32.const 1)))
          (func $middle (param i32) (result i32) (i32.mul (call $inner (local.get 0)) (i32.const 2)))
          (func $inner (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0))))"#,
    );
    assert_eq!(instance.call(0, &[0]), Err(TrapCode::IntegerDivideByZero));
    assert_eq!(instance.trap_backtrace(), [2, 1, 0]);
    assert_eq!(instance.call(1, &[0]), Err(TrapCode::IntegerDivideByZero));
    assert_eq!(instance.trap_backtrace(), [2, 1]);
}

#[test]
fn the_test_records_have_the_layout_of_the_contract() {
    use crate::support::{HostRecord, VmRuntime};
    use kiln_machinst::runtime::{host_record, vm_runtime};
    use std::mem::offset_of;
    let offset = |at: i32| at as usize;
    assert_eq!(
        offset_of!(VmRuntime, stack_limit),
        offset(vm_runtime::STACK_LIMIT)
    );
    assert_eq!(
        offset_of!(VmRuntime, entry_sp),
        offset(vm_runtime::ENTRY_SP)
    );
    assert_eq!(
        offset_of!(VmRuntime, trap_code),
        offset(vm_runtime::TRAP_CODE)
    );
    assert_eq!(
        offset_of!(VmRuntime, trap_hook),
        offset(vm_runtime::TRAP_HOOK)
    );
    assert_eq!(
        offset_of!(HostRecord, runtime),
        offset(host_record::RUNTIME)
    );
    assert_eq!(offset_of!(HostRecord, shim), offset(host_record::SHIM));
}

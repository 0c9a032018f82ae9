//! The front end translates wasm faithfully: translated functions, run in the
//! SSA interpreter against a test instance, give the results and traps the
//! WebAssembly specification prescribes.

mod support;

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_ssa::{Function, TrapCode};
use std::path::Path;
use support::Instance;

fn translate(file: &str) -> (ModuleEnv, Vec<Function>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/behaviour")
        .join(file);
    let wasm = wat::parse_file(&path).expect("parse wat");
    let (env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    let layout = VmLayout::new(&env);
    let functions = (0..bodies.len())
        .map(|i| {
            let index = env.num_imported_functions + i as u32;
            translate_function(&env, &layout, index, &bodies[i]).expect("translate")
        })
        .collect();
    (env, functions)
}

/// Calls module function `func` (imports count) on a fresh instance.
fn call(
    module: &(ModuleEnv, Vec<Function>),
    func: u32,
    args: &[u64],
) -> Result<Vec<u64>, TrapCode> {
    let (env, functions) = module;
    let mut instance = Instance::new(env, functions);
    instance.invoke(
        &functions[(func - env.num_imported_functions) as usize],
        args,
    )
}

#[test]
fn control_flow_and_traps() {
    let module = translate("control_and_traps.wat");
    // br_table: case 0 returns 11, case 1 calls the host (which adds), default 33.
    assert_eq!(call(&module, 5, &[0]), Ok(vec![11]));
    assert_eq!(call(&module, 5, &[1]), Ok(vec![23]));
    assert_eq!(call(&module, 5, &[2]), Ok(vec![33]));
    assert_eq!(call(&module, 5, &[7]), Ok(vec![33]));
    // if/else with div_s and rem_s.
    assert_eq!(call(&module, 6, &[1, 2]), Ok(vec![0]));
    assert_eq!(call(&module, 6, &[5, 2]), Ok(vec![2]));
    assert_eq!(
        call(&module, 6, &[(-6i32) as u32 as u64, 0]),
        Err(TrapCode::IntegerDivideByZero)
    );
    assert_eq!(
        call(&module, 6, &[0x8000_0000, 0xffff_ffff]),
        Err(TrapCode::IntegerOverflow)
    );
    // trunc_f64_s plus trunc_sat_f64_u.
    assert_eq!(call(&module, 7, &[2.5f64.to_bits()]), Ok(vec![4]));
    assert_eq!(call(&module, 7, &[(-1.5f64).to_bits()]), Ok(vec![u64::MAX]));
    assert_eq!(
        call(&module, 7, &[f64::NAN.to_bits()]),
        Err(TrapCode::BadConversionToInteger)
    );
    // A local assigned on one path only, then select.
    assert_eq!(call(&module, 8, &[0, 5]), Ok(vec![15]));
    assert_eq!(call(&module, 8, &[1, 0]), Ok(vec![3]));
    // Recursion, and the test instance's call depth limit.
    assert_eq!(call(&module, 9, &[5]), Ok(vec![5]));
    assert_eq!(call(&module, 9, &[100]), Err(TrapCode::StackOverflow));
    // unreachable.
    assert_eq!(call(&module, 10, &[4]), Ok(vec![12]));
    assert_eq!(call(&module, 10, &[6]), Err(TrapCode::Unreachable));
}

#[test]
fn memory_accesses() {
    let module = translate("loops_and_memory.wat");
    // i64.store at 3, i32.store16 at 0, then load32_s at 1 plus load16_u at 0:
    // bytes 08 07 00 08 07 06 ... give 0x07080007 + 0x0708.
    assert_eq!(
        call(&module, 1, &[0, 0x0102_0304_0506_0708]),
        Ok(vec![0x0708_0007 + 0x0708])
    );
    assert_eq!(
        call(&module, 1, &[65533, 1]),
        Err(TrapCode::HeapOutOfBounds)
    );
    assert_eq!(
        call(&module, 2, &[8, 1.5f64.to_bits()]),
        Ok(vec![3.0f64.to_bits()])
    );
    assert_eq!(
        call(&module, 2, &[65530, 0]),
        Err(TrapCode::HeapOutOfBounds)
    );
}

#[test]
fn imported_memory_grows() {
    let module = translate("imports.wat");
    // memory.grow to two pages; a byte stored in the new page reads back.
    assert_eq!(call(&module, 5, &[3]), Ok(vec![2 + 9]));
}

//! The `spectest` host module that the spec test scripts import from, with the
//! values the reference interpreter gives it.

use kiln::{
    Func, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Mutability, RefType, Result,
    Store, Table, TableType, Val, ValType,
};

/// Defines `spectest` in `linker`, creating its memory, table and globals in `store`.
pub fn define(linker: &mut Linker<()>, store: &mut Store<()>) -> Result<()> {
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[ValType::I32]),
        ("print_i64", &[ValType::I64]),
        ("print_f32", &[ValType::F32]),
        ("print_f64", &[ValType::F64]),
        ("print_i32_f32", &[ValType::I32, ValType::F32]),
        ("print_f64_f64", &[ValType::F64, ValType::F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(&mut *store, ty, |_, _, _| Ok(()));
        linker.define("spectest", name, func)?;
    }
    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::f32(666.6)),
        ("global_f64", Val::f64(666.6)),
    ];
    for (name, value) in globals {
        let ty = GlobalType::new(value.ty(), Mutability::Const);
        linker.define("spectest", name, Global::new(&mut *store, ty, value)?)?;
    }
    let table_type = TableType::new(RefType::FuncRef, 10, Some(20));
    let table = Table::new(&mut *store, table_type, Val::FuncRef(None))?;
    linker.define("spectest", "table", table)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define("spectest", "memory", memory)?;
    Ok(())
}

//! The host side of a generated module: a deterministic stand-in for each of its
//! imports. Host functions log every call and answer with results mixed from
//! their arguments (and now and then a host error), so that an engine that
//! passes arguments or results wrongly, or calls the host a different number of
//! times, shows up in the comparison. Imported memories start with a pattern,
//! globals with a value derived from their position.

use crate::value::ExternTag;
use kiln::{
    Caller, Error, Extern, ExternType, Func, FuncType, Global, GlobalType, Memory, Module, Result,
    Store, Table, Val, ValType,
};

/// What the host functions of a store write down as they are called.
#[derive(Default)]
pub(crate) struct HostLog {
    /// Every host call not yet collected, oldest first.
    pub calls: Vec<RawHostCall>,
}

/// A host call as it happened, with arguments that still belong to the store.
pub(crate) struct RawHostCall {
    /// The position of the called function among the module's imports.
    pub import: usize,
    /// The arguments it received.
    pub args: Vec<Val>,
}

/// The values made for a module's imports, in import order.
pub(crate) struct Imports {
    /// One value per import, ready for [`kiln::Instance::new`].
    pub externs: Vec<Extern>,
    /// A description of each import, for reports.
    pub names: Vec<String>,
}

/// Makes a value for every import of `module` in `store`.
pub(crate) fn define_imports(store: &mut Store<HostLog>, module: &Module) -> Result<Imports> {
    let mut externs = Vec::new();
    let mut names = Vec::new();
    for (index, import) in module.imports().enumerate() {
        let value: Extern = match import.ty() {
            ExternType::Func(ty) => host_func(store, index, ty.clone()).into(),
            ExternType::Global(ty) => {
                Global::new(&mut *store, *ty, initial_value(*ty, index))?.into()
            }
            ExternType::Table(ty) => {
                let null = Val::default_for(ty.element.into());
                Table::new(&mut *store, *ty, null)?.into()
            }
            ExternType::Memory(ty) => {
                let memory = Memory::new(&mut *store, *ty)?;
                for (offset, byte) in memory.data_slice_mut(store).iter_mut().enumerate() {
                    *byte = mix(index as u64, offset as u64) as u8;
                }
                memory.into()
            }
        };
        externs.push(value);
        names.push(format!(
            "import #{index} {:?}.{:?}",
            import.module(),
            import.name()
        ));
    }
    Ok(Imports { externs, names })
}

/// The host function for import `import`: logs the call, fails one time in
/// eight, and otherwise returns values mixed from its arguments.
fn host_func(store: &mut Store<HostLog>, import: usize, ty: FuncType) -> Func {
    let results = ty.results().to_vec();
    Func::new(
        store,
        ty,
        move |mut caller: Caller<'_, HostLog>, args, out| {
            caller.data_mut().calls.push(RawHostCall {
                import,
                args: args.to_vec(),
            });
            let seed = args
                .iter()
                .fold(import as u64, |seed, arg| mix(seed, argument_bits(arg)));
            if seed % 8 == 0 {
                return Err(Error::host(format!(
                    "host import #{import} fails on purpose"
                )));
            }
            for (i, (slot, ty)) in out.iter_mut().zip(&results).enumerate() {
                *slot = host_result(&mut caller, *ty, mix(seed, i as u64));
            }
            Ok(())
        },
    )
}

/// The bits of an argument that every engine must agree on: NaNs count as one
/// value, references only as null or not.
fn argument_bits(arg: &Val) -> u64 {
    match *arg {
        Val::I32(v) => v as u32 as u64,
        Val::I64(v) => v as u64,
        Val::F32(bits) if f32::from_bits(bits).is_nan() => u32::MAX as u64,
        Val::F32(bits) => bits as u64,
        Val::F64(bits) if f64::from_bits(bits).is_nan() => u64::MAX,
        Val::F64(bits) => bits,
        Val::FuncRef(func) => func.is_some() as u64,
        Val::ExternRef(ext) => ext.is_some() as u64,
    }
}

/// A result of type `ty` made from `bits`. A host `funcref` result is always null.
fn host_result(caller: &mut Caller<'_, HostLog>, ty: ValType, bits: u64) -> Val {
    match ty {
        ValType::I32 => Val::I32(bits as i32),
        ValType::I64 => Val::I64(bits as i64),
        ValType::F32 => Val::F32(bits as u32),
        ValType::F64 => Val::F64(bits),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => {
            Val::ExternRef(Some(kiln::ExternRef::new(caller, ExternTag(bits as u32))))
        }
    }
}

/// The starting value of an imported global of type `ty` at import `index`.
fn initial_value(ty: GlobalType, index: usize) -> Val {
    let bits = mix(0x676c_6f62, index as u64);
    match ty.content {
        ValType::I32 => Val::I32(bits as i32),
        ValType::I64 => Val::I64(bits as i64),
        ValType::F32 => Val::F32(bits as u32),
        ValType::F64 => Val::F64(bits),
        reference => Val::default_for(reference),
    }
}

/// Mixes two words into one well-spread word (the finalizer of SplitMix64).
fn mix(a: u64, b: u64) -> u64 {
    let mut x = a.rotate_left(29) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

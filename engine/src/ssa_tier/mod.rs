//! The SSA engine (`Strategy::Ssa`): every function goes through the compiler's
//! front end and optimization passes, and the resulting SSA runs in the SSA
//! interpreter against the real instance: its context, memories, tables and
//! globals, laid out exactly as compiled code will see them. It is a testing
//! engine: it proves the front end and the passes correct on the spec suite and
//! on real programs before any machine code is involved.

mod env;

use crate::error::{Error, FrameInfo, Result, Trap, TrapCode};
use crate::module::{CompileStats, Deferred, ModuleInfo};
use crate::runtime::FuncKind;
use crate::store::Store;
use crate::types::{FuncType, ValType};
use env::SsaEnv;
use kiln_frontend::{GlobalDesc, MemoryDesc, ModuleEnv, TableDesc, VmLayout};
use kiln_ssa::Type;
use kiln_ssa::target::timed;
use wasmparser::{BinaryReader, FuncValidatorAllocations, FunctionBody, WasmFeatures};

/// The SSA type of a wasm value type: references are pointers.
pub(crate) fn ssa_type(ty: ValType) -> Type {
    match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::FuncRef | ValType::ExternRef => Type::PTR,
    }
}

fn ssa_func_type(ty: &FuncType) -> kiln_frontend::FuncType {
    kiln_frontend::FuncType {
        params: ty.params().iter().copied().map(ssa_type).collect(),
        results: ty.results().iter().copied().map(ssa_type).collect(),
    }
}

/// What the front end needs to know about a module. Every memory, table and
/// global is described as imported, so that its context slot holds a pointer
/// to the store's record (see [`crate::runtime::VmContext`]). Every memory
/// gets `guarded_bytes` (see [`crate::runtime::MemoryConfig::guarded_bytes`]).
pub(crate) fn module_env(info: &ModuleInfo, guarded_bytes: u64) -> ModuleEnv {
    ModuleEnv {
        types: info.types.iter().map(ssa_func_type).collect(),
        functions: info.funcs.clone(),
        num_imported_functions: info.num_imported_funcs,
        globals: info
            .globals
            .iter()
            .map(|global| GlobalDesc {
                ty: ssa_type(global.content),
                imported: true,
            })
            .collect(),
        tables: vec![TableDesc { imported: true }; info.tables.len()],
        memories: info
            .memories
            .iter()
            .map(|memory| MemoryDesc {
                imported: true,
                minimum_pages: memory.limits.min,
                guarded_bytes,
            })
            .collect(),
    }
}

/// A module's parts that the compiling tiers read.
pub(crate) struct Source<'a> {
    pub info: &'a ModuleInfo,
    pub env: &'a ModuleEnv,
    pub layout: &'a VmLayout,
    pub bytes: &'a [u8],
    /// The features the module was validated with.
    pub features: WasmFeatures,
    /// The function bodies, not yet validated: [`translate`] validates each
    /// as it translates it.
    pub deferred: &'a Deferred,
    /// Fuel, epoch checks and NaNs, as the engine's configuration asks.
    pub options: kiln_frontend::Options,
}

/// Validates defined function `defined` and translates it to SSA in one
/// pass, then optimizes it, adding the time of each to `stats`. The
/// validator reuses `allocations`, and leaves its own there.
pub(crate) fn translate(
    source: &Source<'_>,
    defined: usize,
    allocations: &mut FuncValidatorAllocations,
    stats: &mut CompileStats,
) -> Result<kiln_ssa::Function> {
    let info = source.info;
    let range = info.bodies[defined].clone();
    let func_index = info.num_imported_funcs + defined as u32;
    let reader = BinaryReader::new_features(
        &source.bytes[range.clone()],
        range.start as u64,
        source.features,
    );
    let body = FunctionBody::new(reader);
    let mut validator = source
        .deferred
        .validator(defined, std::mem::take(allocations));
    let translated = timed(&mut stats.translate, || {
        kiln_frontend::translate_and_validate(
            source.env,
            source.layout,
            &source.options,
            func_index,
            &body,
            &mut validator,
        )
    });
    *allocations = validator.into_allocations();
    let mut func = translated.map_err(|err| match err.invalid {
        true => Error::InvalidModule {
            message: err.message,
            offset: Some(err.offset),
        },
        false => Error::Unsupported(format!("SSA front end, function {func_index}: {err}")),
    })?;
    // Each phase may leave the arenas mostly dead ids, and the next sizes
    // its tables by the arenas (see `kiln_ssa::Function::compact`).
    let compact = |func: &mut kiln_ssa::Function| {
        if func.mostly_dead() {
            func.compact();
        }
    };
    timed(&mut stats.translate, || compact(&mut func));
    timed(&mut stats.passes, || {
        kiln_ssa::passes::optimize(&mut func);
        compact(&mut func);
    });
    Ok(func)
}

/// Translates and optimizes every function the module defines, adding the
/// time of each phase to `stats`.
pub(crate) fn compile(
    source: &Source<'_>,
    stats: &mut CompileStats,
) -> Result<Vec<kiln_ssa::Function>> {
    let mut allocations = FuncValidatorAllocations::default();
    every_function(
        (0..source.info.bodies.len())
            .map(|defined| translate(source, defined, &mut allocations, stats))
            .collect(),
    )
}

/// The result of every defined function, in order, or the error that
/// stands for the module: the first invalid body if there is one (an invalid
/// module is invalid, whatever a tier could or could not have compiled),
/// else the first error.
pub(crate) fn every_function<T>(results: Vec<Result<T>>) -> Result<Vec<T>> {
    let invalid = results
        .iter()
        .position(|result| matches!(result, Err(Error::InvalidModule { .. })));
    match invalid {
        Some(index) => Err(results
            .into_iter()
            .nth(index)
            .and_then(Result::err)
            .expect("the invalid body's error is at its position")),
        None => results.into_iter().collect(),
    }
}

impl From<kiln_ssa::TrapCode> for Error {
    fn from(code: kiln_ssa::TrapCode) -> Error {
        use kiln_ssa::TrapCode as Ssa;
        let code = match code {
            Ssa::Unreachable => TrapCode::Unreachable,
            Ssa::HeapOutOfBounds => TrapCode::MemoryOutOfBounds,
            Ssa::TableOutOfBounds => TrapCode::TableOutOfBounds,
            Ssa::IndirectCallToNull => TrapCode::UninitializedElement,
            Ssa::BadSignature => TrapCode::IndirectCallTypeMismatch,
            Ssa::IntegerDivideByZero => TrapCode::IntegerDivideByZero,
            Ssa::IntegerOverflow => TrapCode::IntegerOverflow,
            Ssa::BadConversionToInteger => TrapCode::InvalidConversionToInteger,
            Ssa::StackOverflow => TrapCode::StackOverflow,
            Ssa::OutOfFuel => TrapCode::OutOfFuel,
            Ssa::Interrupt => TrapCode::Interrupt,
        };
        Error::Trap(Trap::new(code))
    }
}

/// Runs store function `func` (of any kind) with raw arguments on behalf of
/// `caller`, the instance whose code makes the call.
fn call_any<T>(store: &mut Store<T>, func: u32, caller: u32, args: &[u64]) -> Result<Vec<u64>> {
    match store.inner.funcs[func as usize].kind {
        FuncKind::Host { .. } => crate::call::call_host_raw(store, func, caller, args),
        FuncKind::Wasm { .. } => call(store, func, args),
    }
}

/// Runs wasm function `func` of an SSA-prepared module with raw arguments.
pub(crate) fn call<T>(store: &mut Store<T>, func: u32, args: &[u64]) -> Result<Vec<u64>> {
    let FuncKind::Wasm { instance, defined } = store.inner.funcs[func as usize].kind else {
        unreachable!("ssa_tier::call on a host function");
    };
    let inner = &mut store.inner;
    let used = inner
        .native_stack_base
        .abs_diff(crate::call::native_stack_pointer());
    if inner.call_depth >= inner.limits.max_call_depth || used > inner.limits.max_wasm_stack {
        return Err(Trap::new(TrapCode::StackOverflow).into());
    }
    let instance_data = &inner.instances[instance as usize];
    let module = instance_data.module.clone();
    let mut full_args = Vec::with_capacity(args.len() + 1);
    full_args.push(instance_data.vmctx.ptr() as u64);
    full_args.extend_from_slice(args);
    let function = &module.ssa.as_ref().expect("an SSA-prepared module")[defined as usize];

    inner.call_depth += 1;
    let mut env = SsaEnv { store, instance };
    let outcome = kiln_ssa::interp::run(function, &mut env, &full_args);
    store.inner.call_depth -= 1;
    if let Err(Error::Trap(trap)) = &outcome
        && trap.code() == TrapCode::OutOfFuel
    {
        // What the code held in its fuel variable is gone; running out leaves none.
        store.inner.set_fuel(0);
    }
    outcome.map_err(|err| match err {
        Error::Trap(trap) => {
            let info = &module.info;
            let func_index = info.num_imported_funcs + defined;
            let mut backtrace = trap.backtrace().to_vec();
            backtrace.push(FrameInfo {
                func_index,
                func_name: info.func_names.get(&func_index).cloned(),
                module_name: info.module_name.clone(),
            });
            Error::Trap(Trap::with_backtrace(trap.code(), backtrace))
        }
        other => other,
    })
}

//! The interpreter's execution loop.
//!
//! All wasm frames of one host-to-wasm call share a single value stack of raw
//! 64-bit slots. A frame is its locals followed by its operand stack; a call
//! leaves the arguments on top of the caller's operands, and they become the
//! first locals of the callee, so arguments are never copied. Wasm-to-wasm calls
//! do not recurse on the Rust stack: the loop keeps its own list of frames,
//! bounded by the store's call-depth limit.

use super::numeric::*;
use super::op::{BranchTarget, LoadKind, Op, StoreWidth};
use crate::error::{Error, FrameInfo, Result, Trap, TrapCode};
use crate::module::ModuleInner;
use crate::runtime::{FuncKind, MemoryData};
use crate::store::Store;
use kiln_frontend::nans::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};
use kiln_machinst::runtime::value_slots;
use std::sync::Arc;

/// A wasm function activation.
struct Frame {
    module: Arc<ModuleInner>,
    instance: u32,
    /// Index among the module's defined functions.
    defined: u32,
    /// Next instruction to run.
    pc: usize,
    /// Where the frame starts in the value stack.
    fp: usize,
    /// Store index of the instance's memory, if it has one.
    memory: usize,
}

impl Frame {
    fn info(&self) -> FrameInfo {
        let info = &self.module.info;
        let func_index = info.num_imported_funcs + self.defined;
        FrameInfo {
            func_index,
            func_name: info.func_names.get(&func_index).cloned(),
            module_name: info.module_name.clone(),
        }
    }
}

/// Runs wasm function `func` of the store with raw arguments and returns its
/// raw results. The interpreter's frames live on the heap, but each call
/// that comes back in through a host function nests a native one, so the
/// native stack those take counts against the store's wasm stack limit.
pub(crate) fn call<T>(store: &mut Store<T>, func: u32, args: &[u64]) -> Result<Vec<u64>> {
    let inner = &store.inner;
    let used = inner
        .native_stack_base
        .abs_diff(crate::call::native_stack_pointer());
    if used > inner.limits.max_wasm_stack {
        return Err(Trap::new(TrapCode::StackOverflow).into());
    }
    let mut stack = args.to_vec();
    run(store, func, &mut stack)?;
    Ok(stack)
}

fn load(memory: &MemoryData, kind: LoadKind, addr: u32, offset: u32) -> Result<u64, TrapCode> {
    Ok(match kind {
        LoadKind::I32 | LoadKind::F32 | LoadKind::I64U32 => {
            u32::from_le_bytes(memory.read(addr, offset)?) as u64
        }
        LoadKind::I64 | LoadKind::F64 => u64::from_le_bytes(memory.read(addr, offset)?),
        LoadKind::I32S8 => i8::from_le_bytes(memory.read(addr, offset)?) as i32 as u32 as u64,
        LoadKind::I32U8 | LoadKind::I64U8 => u8::from_le_bytes(memory.read(addr, offset)?) as u64,
        LoadKind::I32S16 => i16::from_le_bytes(memory.read(addr, offset)?) as i32 as u32 as u64,
        LoadKind::I32U16 | LoadKind::I64U16 => {
            u16::from_le_bytes(memory.read(addr, offset)?) as u64
        }
        LoadKind::I64S8 => i8::from_le_bytes(memory.read(addr, offset)?) as i64 as u64,
        LoadKind::I64S16 => i16::from_le_bytes(memory.read(addr, offset)?) as i64 as u64,
        LoadKind::I64S32 => i32::from_le_bytes(memory.read(addr, offset)?) as i64 as u64,
    })
}

fn store_value(
    memory: &mut MemoryData,
    width: StoreWidth,
    addr: u32,
    offset: u32,
    value: u64,
) -> Result<(), TrapCode> {
    let bytes = value.to_le_bytes();
    let len = match width {
        StoreWidth::B1 => 1,
        StoreWidth::B2 => 2,
        StoreWidth::B4 => 4,
        StoreWidth::B8 => 8,
    };
    memory.write(addr, offset, &bytes[..len])
}

/// Moves the top `target.keep` slots down to `fp + target.height` and returns
/// the new stack top.
#[inline]
fn branch(stack: &mut [u64], sp: usize, fp: usize, target: &BranchTarget) -> usize {
    let keep = target.keep as usize;
    let base = fp + target.height as usize;
    stack.copy_within(sp - keep..sp, base);
    base + keep
}

/// The most value-stack slots one call from the host may use (512 MiB).
const MAX_STACK_SLOTS: usize = 64 << 20;

/// Defines the conversions between raw slots and typed values that the
/// operator macros name: `$get` reads a slot as `$ty`, `$put` writes one.
macro_rules! raw_conversions {
    ($($ty:ty: $get:ident = |$r:ident| $read:expr, $put:ident = |$v:ident| $write:expr;)*) => {$(
        #[inline]
        fn $get($r: u64) -> $ty {
            $read
        }
        #[inline]
        fn $put($v: $ty) -> u64 {
            $write
        }
    )*};
}

raw_conversions! {
    i32: i32_ = |r| r as u32 as i32, from_i32 = |v| v as u32 as u64;
    u32: u32_ = |r| r as u32, from_u32 = |v| v as u64;
    i64: i64_ = |r| r as i64, from_i64 = |v| v as u64;
    u64: u64_ = |r| r, from_u64 = |v| v;
    f32: f32_ = |r| f32::from_bits(r as u32), from_f32 = |v| v.to_bits() as u64;
    f64: f64_ = |r| f64::from_bits(r), from_f64 = |v| v.to_bits();
}

#[inline]
fn from_bool(v: bool) -> u64 {
    v as u64
}

/// Runs store function `entry` (a wasm function) with its arguments in
/// `stack[..params]`; on return its results are in `stack[..results]`.
fn run<T>(store: &mut Store<T>, entry: u32, stack: &mut Vec<u64>) -> Result<()> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut sp = stack.len();
    // With fuel, the fuel left is kept here while wasm runs, and written to
    // the store at exactly the points where compiled code writes it: before
    // every call and every return (see `kiln_frontend`'s `interrupt.rs`).
    // So the store's fuel after a trap is the same on every engine.
    let metered = store.engine().config().code_options().consume_fuel;
    let mut fuel = store.inner.fuel();
    macro_rules! flush_fuel {
        () => {
            if metered {
                store.inner.set_fuel(fuel);
            }
        };
    }
    macro_rules! reload_fuel {
        () => {
            if metered {
                fuel = store.inner.fuel();
            }
        };
    }
    let Some(mut cur) = enter(store, entry, sp, &mut sp, stack)? else {
        unreachable!("run is only called for wasm functions");
    };

    // A trap in the current frame: record its position and unwind.
    macro_rules! trap_with {
        ($frame:expr, $code:expr) => {{
            let mut backtrace = vec![$frame.info()];
            backtrace.extend(frames.iter().rev().map(Frame::info));
            return Err(Trap::with_backtrace($code, backtrace).into());
        }};
    }

    'frames: loop {
        let Frame {
            module,
            instance,
            defined,
            mut pc,
            fp,
            memory,
        } = cur;
        let code = &module.code[defined as usize];
        let ops = &code.ops[..];
        let here = |pc| Frame {
            module: module.clone(),
            instance,
            defined,
            pc,
            fp,
            memory,
        };

        macro_rules! trap {
            ($code:expr) => {
                trap_with!(here(pc), $code)
            };
        }
        macro_rules! try_trap {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(code) => trap!(code),
                }
            };
        }
        macro_rules! pop {
            () => {{
                sp -= 1;
                stack[sp]
            }};
        }
        macro_rules! push {
            ($v:expr) => {{
                stack[sp] = $v;
                sp += 1;
            }};
        }
        macro_rules! unop {
            ($in:ident, $out:ident, |$a:ident| $e:expr) => {{
                let $a = $in(stack[sp - 1]);
                stack[sp - 1] = $out($e);
            }};
        }
        macro_rules! binop {
            ($in:ident, $out:ident, |$a:ident, $b:ident| $e:expr) => {{
                let $b = $in(stack[sp - 1]);
                let $a = $in(stack[sp - 2]);
                sp -= 1;
                stack[sp - 1] = $out($e);
            }};
        }
        macro_rules! unop_trap {
            ($in:ident, $out:ident, $f:expr) => {{
                let a = $in(stack[sp - 1]);
                stack[sp - 1] = $out(try_trap!($f(a)));
            }};
        }
        macro_rules! binop_trap {
            ($in:ident, $out:ident, $f:expr) => {{
                let b = $in(stack[sp - 1]);
                let a = $in(stack[sp - 2]);
                sp -= 1;
                stack[sp - 1] = $out(try_trap!($f(a, b)));
            }};
        }
        macro_rules! instance {
            () => {
                store.inner.instances[instance as usize]
            };
        }
        macro_rules! table {
            ($t:expr) => {
                store.inner.tables[instance!().tables[$t as usize] as usize]
            };
        }
        macro_rules! memory {
            () => {
                store.inner.memories[memory]
            };
        }

        // Calls store function `callee`: a wasm callee becomes the current frame,
        // a host callee runs to completion here.
        macro_rules! call {
            ($callee:expr) => {{
                let callee = $callee;
                flush_fuel!();
                match store.inner.funcs[callee as usize].kind {
                    FuncKind::Wasm { .. } => {
                        let caller = here(pc);
                        match enter(store, callee, sp, &mut sp, stack) {
                            Ok(Some(frame)) => {
                                frames.push(caller);
                                cur = frame;
                                continue 'frames;
                            }
                            Ok(None) => unreachable!("callee is a wasm function"),
                            Err(code) => trap_with!(caller, code),
                        }
                    }
                    FuncKind::Host { index } => {
                        // The arguments on the value stack become the host
                        // function's array of raw words, results replace
                        // them: validation made room for both in the frame.
                        let ty = store.inner.func_type(callee);
                        let (params, results) = (ty.params().len(), ty.results().len());
                        let base = sp - params;
                        let values = &mut stack[base..base + value_slots(params, results)];
                        match crate::call::call_host(store, index, Some(instance), values) {
                            Ok(()) => {
                                reload_fuel!();
                                sp = base + results;
                            }
                            Err(err) => return Err(with_frames(err, here(pc), &frames)),
                        }
                    }
                }
            }};
        }

        loop {
            let op = ops[pc];
            pc += 1;
            match op {
                Op::Fuel(cost) => {
                    if fuel < cost {
                        store.inner.set_fuel(0);
                        trap!(TrapCode::OutOfFuel);
                    }
                    fuel -= cost;
                }
                Op::EpochCheck => {
                    while store.inner.epoch.flag_is_set() {
                        flush_fuel!();
                        if let Err(err) = store.on_epoch_deadline(instance) {
                            return Err(with_frames(err, here(pc), &frames));
                        }
                        reload_fuel!();
                    }
                }
                Op::CanonicalizeNanF32 => {
                    if f32_(stack[sp - 1]).is_nan() {
                        stack[sp - 1] = CANONICAL_NAN_F32.into();
                    }
                }
                Op::CanonicalizeNanF64 => {
                    if f64_(stack[sp - 1]).is_nan() {
                        stack[sp - 1] = CANONICAL_NAN_F64;
                    }
                }
                Op::Unreachable => trap!(TrapCode::Unreachable),
                Op::Jump(target) => pc = target as usize,
                Op::JumpIfZero(target) => {
                    if pop!() as u32 == 0 {
                        pc = target as usize;
                    }
                }
                Op::JumpIfNonZero(target) => {
                    if pop!() as u32 != 0 {
                        pc = target as usize;
                    }
                }
                Op::Br(target) => {
                    sp = branch(stack, sp, fp, &target);
                    pc = target.pc as usize;
                }
                Op::BrIf(target) => {
                    if pop!() as u32 != 0 {
                        sp = branch(stack, sp, fp, &target);
                        pc = target.pc as usize;
                    }
                }
                Op::BrTable { start, len } => {
                    let index = (pop!() as u32).min(len - 1);
                    let target = code.branch_tables[(start + index) as usize];
                    if target.pc == u32::MAX {
                        flush_fuel!();
                        let results = target.keep as usize;
                        stack.copy_within(sp - results..sp, fp);
                        sp = fp + results;
                        store.inner.call_depth -= 1;
                        match frames.pop() {
                            Some(frame) => {
                                cur = frame;
                                continue 'frames;
                            }
                            None => break 'frames,
                        }
                    }
                    sp = branch(stack, sp, fp, &target);
                    pc = target.pc as usize;
                }
                Op::Return { results } => {
                    flush_fuel!();
                    let results = results as usize;
                    stack.copy_within(sp - results..sp, fp);
                    sp = fp + results;
                    store.inner.call_depth -= 1;
                    match frames.pop() {
                        Some(frame) => {
                            cur = frame;
                            continue 'frames;
                        }
                        None => break 'frames,
                    }
                }
                Op::Call(func) => call!(instance!().funcs[func as usize]),
                Op::CallIndirect { type_index, table } => {
                    let index = pop!() as u32;
                    let raw = match table!(table).get(index) {
                        Ok(raw) => raw,
                        Err(_) => trap!(TrapCode::TableOutOfBounds),
                    };
                    if raw == 0 {
                        trap!(TrapCode::UninitializedElement);
                    }
                    let callee = store.inner.func_of_ref(raw);
                    if store.inner.funcs[callee as usize].type_id
                        != instance!().type_ids[type_index as usize]
                    {
                        trap!(TrapCode::IndirectCallTypeMismatch);
                    }
                    call!(callee)
                }
                Op::Drop => sp -= 1,
                Op::Select => {
                    let condition = pop!() as u32;
                    let b = pop!();
                    if condition == 0 {
                        stack[sp - 1] = b;
                    }
                }
                Op::Const(value) => push!(value),
                Op::LocalGet(index) => push!(stack[fp + index as usize]),
                Op::LocalSet(index) => stack[fp + index as usize] = pop!(),
                Op::LocalTee(index) => stack[fp + index as usize] = stack[sp - 1],
                Op::GlobalGet(index) => {
                    let global = instance!().globals[index as usize];
                    push!(store.inner.globals[global as usize].value.get())
                }
                Op::GlobalSet(index) => {
                    let global = instance!().globals[index as usize];
                    let value = pop!();
                    store.inner.globals[global as usize].value.set(value);
                }
                Op::TableGet(table) => {
                    let index = pop!() as u32;
                    push!(try_trap!(store.inner.table_get(instance, table, index)))
                }
                Op::TableSet(table) => {
                    let value = pop!();
                    let index = pop!() as u32;
                    try_trap!(store.inner.table_set(instance, table, index, value))
                }
                Op::TableSize(table) => push!(from_u32(store.inner.table_size(instance, table))),
                Op::TableGrow(table) => {
                    let delta = pop!() as u32;
                    let init = pop!();
                    push!(from_u32(
                        store.inner.table_grow(instance, table, init, delta)
                    ))
                }
                Op::TableFill(table) => {
                    let len = pop!() as u32;
                    let value = pop!();
                    let dst = pop!() as u32;
                    try_trap!(store.inner.table_fill(instance, table, dst, value, len))
                }
                Op::TableCopy { dst, src } => {
                    let len = pop!() as u32;
                    let src_index = pop!() as u32;
                    let dst_index = pop!() as u32;
                    try_trap!(
                        store
                            .inner
                            .table_copy(instance, dst, src, dst_index, src_index, len)
                    )
                }
                Op::TableInit { table, elem } => {
                    let len = pop!() as u32;
                    let src = pop!() as u32;
                    let dst = pop!() as u32;
                    try_trap!(store.inner.table_init(instance, table, elem, dst, src, len))
                }
                Op::ElemDrop(elem) => store.inner.elem_drop(instance, elem),
                Op::Load(kind, offset) => {
                    let addr = stack[sp - 1] as u32;
                    stack[sp - 1] = try_trap!(load(&memory!(), kind, addr, offset));
                }
                Op::Store(width, offset) => {
                    let value = pop!();
                    let addr = pop!() as u32;
                    try_trap!(store_value(&mut memory!(), width, addr, offset, value))
                }
                Op::MemorySize => push!(memory!().pages()),
                Op::MemoryGrow => {
                    let delta = pop!() as u32;
                    push!(from_u32(store.inner.memory_grow(instance, 0, delta)))
                }
                Op::MemoryFill => {
                    let len = pop!() as u32;
                    let value = pop!() as u8;
                    let dst = pop!() as u32;
                    try_trap!(store.inner.memory_fill(instance, 0, dst, value, len))
                }
                Op::MemoryCopy => {
                    let len = pop!() as u32;
                    let src = pop!() as u32;
                    let dst = pop!() as u32;
                    try_trap!(store.inner.memory_copy(instance, 0, 0, dst, src, len))
                }
                Op::MemoryInit(data) => {
                    let len = pop!() as u32;
                    let src = pop!() as u32;
                    let dst = pop!() as u32;
                    try_trap!(store.inner.memory_init(instance, 0, data, dst, src, len))
                }
                Op::DataDrop(data) => store.inner.data_drop(instance, data),
                Op::RefIsNull => unop!(u64_, from_bool, |a| a == 0),
                Op::RefFunc(func) => push!(store.inner.ref_func(instance, func)),

                Op::I32Eqz => unop!(u32_, from_bool, |a| a == 0),
                Op::I32Eq => binop!(u32_, from_bool, |a, b| a == b),
                Op::I32Ne => binop!(u32_, from_bool, |a, b| a != b),
                Op::I32LtS => binop!(i32_, from_bool, |a, b| a < b),
                Op::I32LtU => binop!(u32_, from_bool, |a, b| a < b),
                Op::I32GtS => binop!(i32_, from_bool, |a, b| a > b),
                Op::I32GtU => binop!(u32_, from_bool, |a, b| a > b),
                Op::I32LeS => binop!(i32_, from_bool, |a, b| a <= b),
                Op::I32LeU => binop!(u32_, from_bool, |a, b| a <= b),
                Op::I32GeS => binop!(i32_, from_bool, |a, b| a >= b),
                Op::I32GeU => binop!(u32_, from_bool, |a, b| a >= b),
                Op::I64Eqz => unop!(u64_, from_bool, |a| a == 0),
                Op::I64Eq => binop!(u64_, from_bool, |a, b| a == b),
                Op::I64Ne => binop!(u64_, from_bool, |a, b| a != b),
                Op::I64LtS => binop!(i64_, from_bool, |a, b| a < b),
                Op::I64LtU => binop!(u64_, from_bool, |a, b| a < b),
                Op::I64GtS => binop!(i64_, from_bool, |a, b| a > b),
                Op::I64GtU => binop!(u64_, from_bool, |a, b| a > b),
                Op::I64LeS => binop!(i64_, from_bool, |a, b| a <= b),
                Op::I64LeU => binop!(u64_, from_bool, |a, b| a <= b),
                Op::I64GeS => binop!(i64_, from_bool, |a, b| a >= b),
                Op::I64GeU => binop!(u64_, from_bool, |a, b| a >= b),
                Op::F32Eq => binop!(f32_, from_bool, |a, b| a == b),
                Op::F32Ne => binop!(f32_, from_bool, |a, b| a != b),
                Op::F32Lt => binop!(f32_, from_bool, |a, b| a < b),
                Op::F32Gt => binop!(f32_, from_bool, |a, b| a > b),
                Op::F32Le => binop!(f32_, from_bool, |a, b| a <= b),
                Op::F32Ge => binop!(f32_, from_bool, |a, b| a >= b),
                Op::F64Eq => binop!(f64_, from_bool, |a, b| a == b),
                Op::F64Ne => binop!(f64_, from_bool, |a, b| a != b),
                Op::F64Lt => binop!(f64_, from_bool, |a, b| a < b),
                Op::F64Gt => binop!(f64_, from_bool, |a, b| a > b),
                Op::F64Le => binop!(f64_, from_bool, |a, b| a <= b),
                Op::F64Ge => binop!(f64_, from_bool, |a, b| a >= b),

                Op::I32Clz => unop!(u32_, from_u32, |a| a.leading_zeros()),
                Op::I32Ctz => unop!(u32_, from_u32, |a| a.trailing_zeros()),
                Op::I32Popcnt => unop!(u32_, from_u32, |a| a.count_ones()),
                Op::I32Add => binop!(u32_, from_u32, |a, b| a.wrapping_add(b)),
                Op::I32Sub => binop!(u32_, from_u32, |a, b| a.wrapping_sub(b)),
                Op::I32Mul => binop!(u32_, from_u32, |a, b| a.wrapping_mul(b)),
                Op::I32DivS => binop_trap!(i32_, from_i32, i32_div_s),
                Op::I32DivU => binop_trap!(u32_, from_u32, i32_div_u),
                Op::I32RemS => binop_trap!(i32_, from_i32, i32_rem_s),
                Op::I32RemU => binop_trap!(u32_, from_u32, i32_rem_u),
                Op::I32And => binop!(u32_, from_u32, |a, b| a & b),
                Op::I32Or => binop!(u32_, from_u32, |a, b| a | b),
                Op::I32Xor => binop!(u32_, from_u32, |a, b| a ^ b),
                Op::I32Shl => binop!(u32_, from_u32, |a, b| a.wrapping_shl(b)),
                Op::I32ShrS => binop!(i32_, from_i32, |a, b| a.wrapping_shr(b as u32)),
                Op::I32ShrU => binop!(u32_, from_u32, |a, b| a.wrapping_shr(b)),
                Op::I32Rotl => binop!(u32_, from_u32, |a, b| a.rotate_left(b)),
                Op::I32Rotr => binop!(u32_, from_u32, |a, b| a.rotate_right(b)),
                Op::I64Clz => unop!(u64_, from_u64, |a| a.leading_zeros() as u64),
                Op::I64Ctz => unop!(u64_, from_u64, |a| a.trailing_zeros() as u64),
                Op::I64Popcnt => unop!(u64_, from_u64, |a| a.count_ones() as u64),
                Op::I64Add => binop!(u64_, from_u64, |a, b| a.wrapping_add(b)),
                Op::I64Sub => binop!(u64_, from_u64, |a, b| a.wrapping_sub(b)),
                Op::I64Mul => binop!(u64_, from_u64, |a, b| a.wrapping_mul(b)),
                Op::I64DivS => binop_trap!(i64_, from_i64, i64_div_s),
                Op::I64DivU => binop_trap!(u64_, from_u64, i64_div_u),
                Op::I64RemS => binop_trap!(i64_, from_i64, i64_rem_s),
                Op::I64RemU => binop_trap!(u64_, from_u64, i64_rem_u),
                Op::I64And => binop!(u64_, from_u64, |a, b| a & b),
                Op::I64Or => binop!(u64_, from_u64, |a, b| a | b),
                Op::I64Xor => binop!(u64_, from_u64, |a, b| a ^ b),
                Op::I64Shl => binop!(u64_, from_u64, |a, b| a.wrapping_shl(b as u32)),
                Op::I64ShrS => binop!(i64_, from_i64, |a, b| a.wrapping_shr(b as u32)),
                Op::I64ShrU => binop!(u64_, from_u64, |a, b| a.wrapping_shr(b as u32)),
                Op::I64Rotl => binop!(u64_, from_u64, |a, b| a.rotate_left((b % 64) as u32)),
                Op::I64Rotr => binop!(u64_, from_u64, |a, b| a.rotate_right((b % 64) as u32)),

                Op::F32Abs => unop!(u32_, from_u32, |a| a & 0x7fff_ffff),
                Op::F32Neg => unop!(u32_, from_u32, |a| a ^ 0x8000_0000),
                Op::F32Ceil => unop!(f32_, from_f32, |a| quiet_f32(a.ceil())),
                Op::F32Floor => unop!(f32_, from_f32, |a| quiet_f32(a.floor())),
                Op::F32Trunc => unop!(f32_, from_f32, |a| quiet_f32(a.trunc())),
                Op::F32Nearest => unop!(f32_, from_f32, |a| quiet_f32(a.round_ties_even())),
                Op::F32Sqrt => unop!(f32_, from_f32, |a| quiet_f32(a.sqrt())),
                Op::F32Add => binop!(f32_, from_f32, |a, b| a + b),
                Op::F32Sub => binop!(f32_, from_f32, |a, b| a - b),
                Op::F32Mul => binop!(f32_, from_f32, |a, b| a * b),
                Op::F32Div => binop!(f32_, from_f32, |a, b| a / b),
                Op::F32Min => binop!(f32_, from_f32, |a, b| f32_min(a, b)),
                Op::F32Max => binop!(f32_, from_f32, |a, b| f32_max(a, b)),
                Op::F32Copysign => {
                    binop!(u32_, from_u32, |a, b| (a & 0x7fff_ffff) | (b & 0x8000_0000))
                }
                Op::F64Abs => unop!(u64_, from_u64, |a| a & 0x7fff_ffff_ffff_ffff),
                Op::F64Neg => unop!(u64_, from_u64, |a| a ^ 0x8000_0000_0000_0000),
                Op::F64Ceil => unop!(f64_, from_f64, |a| quiet_f64(a.ceil())),
                Op::F64Floor => unop!(f64_, from_f64, |a| quiet_f64(a.floor())),
                Op::F64Trunc => unop!(f64_, from_f64, |a| quiet_f64(a.trunc())),
                Op::F64Nearest => unop!(f64_, from_f64, |a| quiet_f64(a.round_ties_even())),
                Op::F64Sqrt => unop!(f64_, from_f64, |a| quiet_f64(a.sqrt())),
                Op::F64Add => binop!(f64_, from_f64, |a, b| a + b),
                Op::F64Sub => binop!(f64_, from_f64, |a, b| a - b),
                Op::F64Mul => binop!(f64_, from_f64, |a, b| a * b),
                Op::F64Div => binop!(f64_, from_f64, |a, b| a / b),
                Op::F64Min => binop!(f64_, from_f64, |a, b| f64_min(a, b)),
                Op::F64Max => binop!(f64_, from_f64, |a, b| f64_max(a, b)),
                Op::F64Copysign => binop!(u64_, from_u64, |a, b| (a & 0x7fff_ffff_ffff_ffff)
                    | (b & 0x8000_0000_0000_0000)),

                Op::I32WrapI64 => unop!(u64_, from_u32, |a| a as u32),
                Op::I32TruncF32S => unop_trap!(f32_, from_i32, i32_trunc_f32),
                Op::I32TruncF32U => unop_trap!(f32_, from_u32, u32_trunc_f32),
                Op::I32TruncF64S => unop_trap!(f64_, from_i32, i32_trunc_f64),
                Op::I32TruncF64U => unop_trap!(f64_, from_u32, u32_trunc_f64),
                Op::I64ExtendI32S => unop!(i32_, from_i64, |a| a as i64),
                Op::I64ExtendI32U => unop!(u32_, from_u64, |a| a as u64),
                Op::I64TruncF32S => unop_trap!(f32_, from_i64, i64_trunc_f32),
                Op::I64TruncF32U => unop_trap!(f32_, from_u64, u64_trunc_f32),
                Op::I64TruncF64S => unop_trap!(f64_, from_i64, i64_trunc_f64),
                Op::I64TruncF64U => unop_trap!(f64_, from_u64, u64_trunc_f64),
                Op::F32ConvertI32S => unop!(i32_, from_f32, |a| a as f32),
                Op::F32ConvertI32U => unop!(u32_, from_f32, |a| a as f32),
                Op::F32ConvertI64S => unop!(i64_, from_f32, |a| a as f32),
                Op::F32ConvertI64U => unop!(u64_, from_f32, |a| a as f32),
                Op::F32DemoteF64 => unop!(f64_, from_f32, |a| a as f32),
                Op::F64ConvertI32S => unop!(i32_, from_f64, |a| a as f64),
                Op::F64ConvertI32U => unop!(u32_, from_f64, |a| a as f64),
                Op::F64ConvertI64S => unop!(i64_, from_f64, |a| a as f64),
                Op::F64ConvertI64U => unop!(u64_, from_f64, |a| a as f64),
                Op::F64PromoteF32 => unop!(f32_, from_f64, |a| a as f64),
                Op::I32Extend8S => unop!(u32_, from_i32, |a| a as i8 as i32),
                Op::I32Extend16S => unop!(u32_, from_i32, |a| a as i16 as i32),
                Op::I64Extend8S => unop!(u64_, from_i64, |a| a as i8 as i64),
                Op::I64Extend16S => unop!(u64_, from_i64, |a| a as i16 as i64),
                Op::I64Extend32S => unop!(u64_, from_i64, |a| a as i32 as i64),
                Op::I32TruncSatF32S => unop!(f32_, from_i32, |a| a as i32),
                Op::I32TruncSatF32U => unop!(f32_, from_u32, |a| a as u32),
                Op::I32TruncSatF64S => unop!(f64_, from_i32, |a| a as i32),
                Op::I32TruncSatF64U => unop!(f64_, from_u32, |a| a as u32),
                Op::I64TruncSatF32S => unop!(f32_, from_i64, |a| a as i64),
                Op::I64TruncSatF32U => unop!(f32_, from_u64, |a| a as u64),
                Op::I64TruncSatF64S => unop!(f64_, from_i64, |a| a as i64),
                Op::I64TruncSatF64U => unop!(f64_, from_u64, |a| a as u64),
            }
        }
    }
    stack.truncate(sp);
    Ok(())
}

/// Makes `func` the current frame, taking its arguments from the top of the
/// value stack: checks the call-depth and stack limits, grows the stack to the
/// frame's size and zeroes the locals. Returns `None` for a host function.
fn enter<T>(
    store: &mut Store<T>,
    func: u32,
    top: usize,
    sp: &mut usize,
    stack: &mut Vec<u64>,
) -> Result<Option<Frame>, TrapCode> {
    let FuncKind::Wasm { instance, defined } = store.inner.funcs[func as usize].kind else {
        return Ok(None);
    };
    let inner = &mut store.inner;
    if inner.call_depth >= inner.limits.max_call_depth {
        return Err(TrapCode::StackOverflow);
    }
    let instance_data = &inner.instances[instance as usize];
    let module = instance_data.module.clone();
    let code = &module.code[defined as usize];
    let fp = top - code.params as usize;
    let frame_end = fp + code.max_height as usize;
    if frame_end > MAX_STACK_SLOTS {
        return Err(TrapCode::StackOverflow);
    }
    if stack.len() < frame_end {
        stack.resize(frame_end.max(stack.len() * 2), 0);
    }
    let locals_start = top;
    let locals_end = locals_start + code.locals as usize;
    stack[locals_start..locals_end].fill(0);
    *sp = locals_end;
    inner.call_depth += 1;
    let memory = instance_data
        .memories
        .first()
        .map_or(usize::MAX, |&m| m as usize);
    Ok(Some(Frame {
        module,
        instance,
        defined,
        pc: 0,
        fp,
        memory,
    }))
}

/// Adds the current frame and its callers to the backtrace of a trap that came
/// out of a host call.
fn with_frames(err: Error, current: Frame, frames: &[Frame]) -> Error {
    match err {
        Error::Trap(trap) => {
            let mut backtrace = trap.backtrace().to_vec();
            backtrace.push(current.info());
            backtrace.extend(frames.iter().rev().map(Frame::info));
            Error::Trap(Trap::with_backtrace(trap.code(), backtrace))
        }
        other => other,
    }
}

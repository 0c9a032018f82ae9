//! Linear memory: loads, stores, `memory.size`/`grow` and bulk operations.
//!
//! A wasm access `load offset=K (i32 address a)` of `n` bytes needs no
//! explicit bounds check when it cannot end beyond the memory's guarded span
//! (`MemoryDesc::guarded_bytes`: `0xffff_ffff + K + n` fits in the
//! reservation and guard region, which fault where they are not memory):
//!
//! ```text
//! base   = load fixed (vmctx + memory slot).base
//! value  = load heapM (iadd base, uextend a)+K
//! ```
//!
//! A memory never moves, so its base is a `fixed` load, which passes reuse
//! past stores and calls and hoist out of loops that make no call; its
//! length changes when it grows.
//!
//! Otherwise it gets an explicit bounds check, and the address it uses,
//! static offset included, becomes null on the out-of-bounds path through a
//! `select_spectre_guard` on the same condition (a conditional move, never a
//! branch), so that a mispredicted check cannot read outside the memory:
//!
//! ```text
//! base   = load fixed (vmctx + memory slot).base
//! a64    = uextend a
//! length = load vm  (vmctx + memory slot).length
//! last   = iadd a64, K+n
//! oob    = icmp ugt last, length
//! trapnz oob, heap_oob, bounds heapM a+(K+n)
//! addr   = select_spectre_guard oob, 0, iadd (iadd base, a64), K
//! value  = load heapM addr
//! ```
//!
//! The `bounds` mark on the `trapnz` lets the bounds-check pass drop checks
//! that a dominating check of the same address already covers. A constant
//! address that ends within the memory's minimum size needs no check at all.

use super::Translator;
use crate::vmctx::VmLayout;
use kiln_ssa::BinaryOp::{Iadd, Ushr};
use kiln_ssa::{
    HeapBounds, Helper, IntCC, LoadKind, Op, Region, StoreKind, TrapCode, Type, UnaryOp, Value,
};
use wasmparser::{MemArg, MemArgTarget, Operator};

/// A linear-memory access: which memory, and the static offset.
struct Access {
    memory: u32,
    offset: u64,
}

/// The access a `MemArg` describes, if it is about a linear memory.
fn access(memarg: MemArg) -> Option<Access> {
    match memarg.target {
        MemArgTarget::Memory(memory) => Some(Access {
            memory,
            offset: memarg.offset,
        }),
        MemArgTarget::Array(_) => None,
    }
}

fn load_kind(op: &Operator<'_>) -> Option<(LoadKind, Type, MemArg)> {
    use LoadKind::*;
    use Operator as O;
    use Type::{F32, F64, I32, I64};
    Some(match *op {
        O::I32Load { memarg } => (Full, I32, memarg),
        O::I64Load { memarg } => (Full, I64, memarg),
        O::F32Load { memarg } => (Full, F32, memarg),
        O::F64Load { memarg } => (Full, F64, memarg),
        O::I32Load8S { memarg } => (S8, I32, memarg),
        O::I32Load8U { memarg } => (U8, I32, memarg),
        O::I32Load16S { memarg } => (S16, I32, memarg),
        O::I32Load16U { memarg } => (U16, I32, memarg),
        O::I64Load8S { memarg } => (S8, I64, memarg),
        O::I64Load8U { memarg } => (U8, I64, memarg),
        O::I64Load16S { memarg } => (S16, I64, memarg),
        O::I64Load16U { memarg } => (U16, I64, memarg),
        O::I64Load32S { memarg } => (S32, I64, memarg),
        O::I64Load32U { memarg } => (U32, I64, memarg),
        _ => return None,
    })
}

fn store_kind(op: &Operator<'_>) -> Option<(StoreKind, MemArg)> {
    use Operator as O;
    use StoreKind::*;
    Some(match *op {
        O::I32Store { memarg } | O::I64Store { memarg } => (Full, memarg),
        O::F32Store { memarg } | O::F64Store { memarg } => (Full, memarg),
        O::I32Store8 { memarg } | O::I64Store8 { memarg } => (Low8, memarg),
        O::I32Store16 { memarg } | O::I64Store16 { memarg } => (Low16, memarg),
        O::I64Store32 { memarg } => (Low32, memarg),
        _ => return None,
    })
}

impl Translator<'_> {
    /// Translates memory operators; returns whether `op` was one.
    pub(super) fn memory(&mut self, op: &Operator<'_>) -> bool {
        if let Some((kind, ty, access)) =
            load_kind(op).and_then(|(k, t, m)| Some((k, t, access(m)?)))
        {
            let index = self.pop();
            let (address, offset) = self.heap_address(&access, index, kind.bytes(ty));
            let region = Region::Heap(access.memory);
            let value = self.builder.ins1(
                Op::Load {
                    kind,
                    region,
                    offset,
                },
                [address],
                ty,
            );
            self.stack.push(value);
            return true;
        }
        if let Some((kind, access)) = store_kind(op).and_then(|(k, m)| Some((k, access(m)?))) {
            let value = self.pop();
            let index = self.pop();
            let size = kind.bytes(self.value_type(value));
            let (address, offset) = self.heap_address(&access, index, size);
            let region = Region::Heap(access.memory);
            self.builder.ins(
                Op::Store {
                    kind,
                    region,
                    offset,
                },
                [address, value],
                &[],
            );
            return true;
        }
        match *op {
            Operator::MemorySize { mem } => {
                let length = self.memory_length(mem);
                let sixteen = self.builder.iconst(Type::I64, 16);
                let pages = self
                    .builder
                    .ins1(Op::Binary(Ushr), [length, sixteen], Type::I64);
                let pages = self
                    .builder
                    .ins1(Op::Unary(UnaryOp::Wrap), [pages], Type::I32);
                self.stack.push(pages);
            }
            Operator::MemoryGrow { mem } => self.helper(Helper::MemoryGrow, &[mem], 1),
            Operator::MemoryFill { mem } => self.helper(Helper::MemoryFill, &[mem], 3),
            Operator::MemoryCopy { dst_mem, src_mem } => {
                self.helper(Helper::MemoryCopy, &[dst_mem, src_mem], 3)
            }
            Operator::MemoryInit { data_index, mem } => {
                self.helper(Helper::MemoryInit, &[mem, data_index], 3)
            }
            Operator::DataDrop { data_index } => self.helper(Helper::DataDrop, &[data_index], 0),
            _ => return false,
        }
        true
    }

    /// Loads the base address of memory `memory`, which never moves: from
    /// the memory's record in the context, or from the copy kept beside the
    /// pointer to an imported memory's record.
    fn memory_base(&mut self, memory: u32) -> Value {
        let slot = self.layout.memory(memory);
        let offset = match self.env.memories[memory as usize].imported {
            true => slot + VmLayout::IMPORTED_MEMORY_BASE,
            false => slot + VmLayout::MEMORY_BASE,
        };
        self.load_fixed(self.vmctx, offset, Type::PTR)
    }

    /// Loads the byte length of memory `memory`.
    fn memory_length(&mut self, memory: u32) -> Value {
        let imported = self.env.memories[memory as usize].imported;
        let (record, slot) = self.vm_record(self.layout.memory(memory), imported);
        self.load_vm(record, slot + VmLayout::MEMORY_LENGTH, Type::I64)
    }

    /// Returns the host address and static offset for an access of `size`
    /// bytes at wasm address `index`, after its bounds check when it needs
    /// one.
    fn heap_address(&mut self, access: &Access, index: Value, size: u32) -> (Value, u32) {
        let desc = self.env.memories[access.memory as usize];
        let base = self.memory_base(access.memory);
        let index64 = self
            .builder
            .ins1(Op::Unary(UnaryOp::Uextend), [index], Type::I64);
        let end = access.offset + size as u64;
        let statically_in_bounds = self
            .builder
            .func
            .constant(index)
            .is_some_and(|index| index + end <= desc.minimum_bytes());
        let address = self
            .builder
            .ins1(Op::Binary(Iadd), [base, index64], Type::PTR);
        let offset = u32::try_from(access.offset).expect("memory32 offsets fit in u32");
        if statically_in_bounds || desc.guards(end) {
            return (address, offset);
        }
        let length = self.memory_length(access.memory);
        let out_of_bounds = self.bounds_check(access.memory, index, index64, end, length);
        let address = match offset {
            0 => address,
            _ => {
                let offset = self.builder.iconst(Type::I64, offset.into());
                self.builder
                    .ins1(Op::Binary(Iadd), [address, offset], Type::PTR)
            }
        };
        (self.spectre_guard(out_of_bounds, address), 0)
    }

    /// Traps unless `index + end <= length`; `index64` is `index` extended.
    /// Returns the out-of-bounds condition.
    fn bounds_check(
        &mut self,
        memory: u32,
        index: Value,
        index64: Value,
        end: u64,
        length: Value,
    ) -> Value {
        let end_value = self.builder.iconst(Type::I64, end);
        let last = self
            .builder
            .ins1(Op::Binary(Iadd), [index64, end_value], Type::I64);
        let out_of_bounds = self
            .builder
            .ins1(Op::Icmp(IntCC::Ugt), [last, length], Type::I32);
        let bounds = HeapBounds::new(memory, end)
            .expect("validation allows far fewer memories than HeapBounds::MAX_MEMORY");
        self.builder.ins(
            Op::Trapnz(TrapCode::HeapOutOfBounds, Some(bounds)),
            [out_of_bounds, index],
            &[],
        );
        out_of_bounds
    }

    /// `address`, or null where `out_of_bounds` holds: what an access checked
    /// by `out_of_bounds` uses, so that a CPU that mispredicts the check
    /// still reads nothing outside the sandbox.
    pub(super) fn spectre_guard(&mut self, out_of_bounds: Value, address: Value) -> Value {
        let null = self.builder.iconst(Type::PTR, 0);
        self.builder.ins1(
            Op::SelectSpectreGuard,
            [out_of_bounds, null, address],
            Type::PTR,
        )
    }

    /// Calls `helper` with `vmctx`, the `immediates` as `i32` constants and
    /// the top `operands` values of the stack; pushes its results.
    pub(super) fn helper(&mut self, helper: Helper, immediates: &[u32], operands: usize) {
        let mut args = vec![self.vmctx];
        for &immediate in immediates {
            args.push(self.builder.iconst(Type::I32, immediate as u64));
        }
        args.extend(self.popn(operands));
        let (_, results) = helper.signature();
        let inst = self.builder.ins(Op::CallHelper(helper), args, results);
        let values = self.builder.func.inst(inst).results.clone();
        self.stack.extend_from_slice(&values);
    }

    /// Where a `vmctx` record lives: for a defined object, `vmctx` and the
    /// slot offset; for an imported one, the pointer stored in the slot and 0.
    pub(super) fn vm_record(&mut self, slot: u32, imported: bool) -> (Value, u32) {
        if imported {
            let pointer = self.load_fixed(self.vmctx, slot, Type::PTR);
            (pointer, 0)
        } else {
            (self.vmctx, slot)
        }
    }

    /// A load of runtime data at `address + offset`.
    pub(super) fn load_vm(&mut self, address: Value, offset: u32, ty: Type) -> Value {
        self.load_runtime(Region::Vm, address, offset, ty)
    }

    /// A load of runtime data that never changes while the instance lives
    /// ([`Region::Fixed`]), which passes may reuse and hoist.
    pub(super) fn load_fixed(&mut self, address: Value, offset: u32, ty: Type) -> Value {
        self.load_runtime(Region::Fixed, address, offset, ty)
    }

    fn load_runtime(&mut self, region: Region, address: Value, offset: u32, ty: Type) -> Value {
        let op = Op::Load {
            kind: LoadKind::Full,
            region,
            offset,
        };
        self.builder.ins1(op, [address], ty)
    }
}

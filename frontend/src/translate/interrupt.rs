//! Stopping a guest that would not return: fuel charges and epoch checks,
//! both plain SSA on the store's runtime record (see [`crate::vmctx`]).
//!
//! A region's fuel charge (see [`crate::fuel`]), at the region's start:
//!
//! ```text
//! runtime = load vm vmctx+RUNTIME
//! fuel    = load vm runtime+RUNTIME_FUEL
//! trapnz (icmp ult fuel, COST), out_of_fuel
//! store vm (isub fuel, COST), runtime+RUNTIME_FUEL
//! ```
//!
//! An epoch check, at the function's entry and at every loop header `H`:
//!
//! ```text
//! H:    epoch    = load vm (load vm runtime+RUNTIME_EPOCH_COUNTER)
//!       deadline = load vm runtime+RUNTIME_EPOCH_DEADLINE
//!       brif (icmp ult epoch, deadline), body, slow
//! slow: call_helper epoch_deadline(vmctx)
//!       jump H(params of H)
//! body: ...
//! ```
//!
//! The helper runs the store's deadline behaviour: it traps, or it moves
//! the deadline and returns, and the check runs again. The slow block loops
//! back rather than falling into `body`, so that it is laid out after the
//! function and the common path runs straight through. At the entry, where
//! no branch may go, `H` is a fresh block that the entry jumps to.

use super::Translator;
use crate::vmctx::VmLayout;
use kiln_ssa::BinaryOp::Isub;
use kiln_ssa::{Block, BlockCall, Helper, IntCC, Op, Region, StoreKind, TrapCode, Type};

impl Translator<'_> {
    /// Takes `cost` from the fuel counter, trapping if it holds less. Does
    /// nothing for a free region or when fuel is off.
    pub(super) fn charge_fuel(&mut self, cost: u64) {
        if !self.options.consume_fuel || cost == 0 {
            return;
        }
        let runtime = self.load_vm(self.vmctx, VmLayout::RUNTIME, Type::PTR);
        let fuel = self.load_vm(runtime, VmLayout::RUNTIME_FUEL, Type::I64);
        let cost = self.builder.iconst(Type::I64, cost);
        let short = self
            .builder
            .ins1(Op::Icmp(IntCC::Ult), vec![fuel, cost], Type::I32);
        self.builder
            .ins(Op::Trapnz(TrapCode::OutOfFuel, None), vec![short], &[]);
        let left = self
            .builder
            .ins1(Op::Binary(Isub), vec![fuel, cost], Type::I64);
        let store = Op::Store {
            kind: StoreKind::Full,
            region: Region::Vm,
            offset: VmLayout::RUNTIME_FUEL,
        };
        self.builder.ins(store, vec![runtime, left], &[]);
    }

    /// The epoch check at the function's entry, in a block of its own.
    pub(super) fn epoch_check_at_entry(&mut self) {
        let header = self.builder.create_block();
        self.builder.jump(BlockCall::new(header));
        self.builder.switch_to_block(header);
        self.epoch_check(header);
        self.builder.seal_block(header);
    }

    /// The epoch check at the start of `header`, the current block, which
    /// the slow path jumps back to. Code goes on in a new block.
    pub(super) fn epoch_check(&mut self, header: Block) {
        let runtime = self.load_vm(self.vmctx, VmLayout::RUNTIME, Type::PTR);
        let counter = self.load_vm(runtime, VmLayout::RUNTIME_EPOCH_COUNTER, Type::PTR);
        let epoch = self.load_vm(counter, 0, Type::I64);
        let deadline = self.load_vm(runtime, VmLayout::RUNTIME_EPOCH_DEADLINE, Type::I64);
        let before_deadline =
            self.builder
                .ins1(Op::Icmp(IntCC::Ult), vec![epoch, deadline], Type::I32);
        let body = self.builder.create_block();
        let slow = self.builder.create_block();
        self.builder
            .brif(before_deadline, BlockCall::new(body), BlockCall::new(slow));
        self.builder.switch_to_block(slow);
        self.builder.seal_block(slow);
        self.builder
            .ins(Op::CallHelper(Helper::EpochDeadline), vec![self.vmctx], &[]);
        let args = self.builder.func.block(header).params.clone();
        self.builder.jump(BlockCall {
            block: header,
            args,
        });
        self.builder.switch_to_block(body);
        self.builder.seal_block(body);
    }
}

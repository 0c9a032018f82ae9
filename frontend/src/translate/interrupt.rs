//! Stopping a guest that would not return: fuel charges and epoch checks,
//! both plain SSA on the store's runtime record (see [`crate::vmctx`]).
//!
//! The runtime record's address and the epoch counter's are loaded once, at
//! the entry, and used as plain SSA values from there on.
//!
//! **Fuel** lives in a variable while the function runs, so that a region's
//! charge (see [`crate::fuel`]) is a compare and a subtraction on a register:
//!
//! ```text
//! trapnz (icmp ult fuel, COST), out_of_fuel
//! fuel = isub fuel, COST
//! ```
//!
//! The variable is loaded from the record (`RUNTIME_FUEL`) at the entry,
//! written back before every call (the callee, the host or the epoch
//! callback may read or set the fuel) and before every return, and loaded
//! again after every call. A trap writes nothing back: the engine sets the
//! fuel to 0 on `out_of_fuel`, and after any other trap the record keeps
//! what the last call or return wrote.
//!
//! **Epochs**: a check at the function's entry and at every loop header `H`:
//!
//! ```text
//! H:    brif (icmp ult (load epoch_counter), (load runtime+RUNTIME_EPOCH_DEADLINE)), body, slow
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
use kiln_ssa::{
    Block, BlockCall, Helper, IntCC, Op, Region, StoreKind, TrapCode, Type, Value, Variable,
};

/// What the interruption code of one function works with.
pub(super) struct Interruption {
    /// The store's runtime record.
    runtime: Value,
    /// The address of the engine's epoch counter, with epoch checks.
    epoch_counter: Option<Value>,
    /// The fuel left, with fuel.
    fuel: Option<Variable>,
}

impl Translator<'_> {
    /// Loads what fuel and epoch checks need at the function's entry.
    pub(super) fn start_interruption(&mut self) {
        let (fuel, epochs) = (self.options.consume_fuel, self.options.epoch_interruption);
        if !fuel && !epochs {
            return;
        }
        let runtime = self.load_vm(self.vmctx, VmLayout::RUNTIME, Type::PTR);
        let epoch_counter =
            epochs.then(|| self.load_vm(runtime, VmLayout::RUNTIME_EPOCH_COUNTER, Type::PTR));
        let fuel = fuel.then(|| self.builder.declare_var(Type::I64));
        self.interruption = Some(Interruption {
            runtime,
            epoch_counter,
            fuel,
        });
        self.reload_fuel();
    }

    /// Takes `cost` from the fuel, trapping if it holds less. Does nothing
    /// for a free region or when fuel is off.
    pub(super) fn charge_fuel(&mut self, cost: u64) {
        let Some(var) = self.interruption.as_ref().and_then(|i| i.fuel) else {
            return;
        };
        if cost == 0 {
            return;
        }
        let fuel = self.builder.use_var(var);
        let cost = self.builder.iconst(Type::I64, cost);
        let short = self
            .builder
            .ins1(Op::Icmp(IntCC::Ult), vec![fuel, cost], Type::I32);
        self.builder
            .ins(Op::Trapnz(TrapCode::OutOfFuel, None), vec![short], &[]);
        let left = self
            .builder
            .ins1(Op::Binary(Isub), vec![fuel, cost], Type::I64);
        self.builder.def_var(var, left);
    }

    /// Writes the fuel back to the runtime record, before a call or return.
    pub(super) fn flush_fuel(&mut self) {
        let Some(Interruption {
            runtime,
            fuel: Some(var),
            ..
        }) = self.interruption
        else {
            return;
        };
        let fuel = self.builder.use_var(var);
        let store = Op::Store {
            kind: StoreKind::Full,
            region: Region::Vm,
            offset: VmLayout::RUNTIME_FUEL,
        };
        self.builder.ins(store, vec![runtime, fuel], &[]);
    }

    /// Reads the fuel from the runtime record, at the entry and after a call.
    pub(super) fn reload_fuel(&mut self) {
        let Some(Interruption {
            runtime,
            fuel: Some(var),
            ..
        }) = self.interruption
        else {
            return;
        };
        let fuel = self.load_vm(runtime, VmLayout::RUNTIME_FUEL, Type::I64);
        self.builder.def_var(var, fuel);
    }

    /// The epoch check at the function's entry, in a block of its own.
    pub(super) fn epoch_check_at_entry(&mut self) {
        if self.epoch_counter().is_none() {
            return;
        }
        let header = self.builder.create_block();
        self.builder.jump(BlockCall::new(header));
        self.builder.switch_to_block(header);
        self.epoch_check(header);
        self.builder.seal_block(header);
    }

    /// The epoch check at the start of `header`, the current block, which
    /// the slow path jumps back to. Code goes on in a new block. Does nothing
    /// when epochs are off.
    pub(super) fn epoch_check(&mut self, header: Block) {
        let (Some(counter), Some(runtime)) = (self.epoch_counter(), self.runtime()) else {
            return;
        };
        // The header's own parameters, before the SSA builder adds any for
        // variables (it passes those on every edge itself).
        let args = self.builder.func.block(header).params.clone();
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
        self.flush_fuel();
        self.builder
            .ins(Op::CallHelper(Helper::EpochDeadline), vec![self.vmctx], &[]);
        self.reload_fuel();
        self.builder.jump(BlockCall {
            block: header,
            args,
        });
        self.builder.switch_to_block(body);
        self.builder.seal_block(body);
    }

    fn runtime(&self) -> Option<Value> {
        self.interruption.as_ref().map(|i| i.runtime)
    }

    fn epoch_counter(&self) -> Option<Value> {
        self.interruption.as_ref().and_then(|i| i.epoch_counter)
    }

    /// Returns `values` from the function, writing the fuel back first.
    pub(super) fn return_values(&mut self, values: Vec<Value>) {
        self.flush_fuel();
        self.builder.ret(values);
    }
}

//! Stopping a guest that would not return: fuel charges and epoch checks,
//! both plain SSA on the instance context and the store's runtime record
//! (see [`crate::vmctx`]). Every use loads the addresses it needs from
//! `vmctx` again: a value held across the whole function would take a
//! register from the code around it.
//!
//! **Fuel** lives in a variable while the function runs, so that a region's
//! charge (see [`crate::fuel`]) is a compare and a subtraction on a register:
//!
//! ```text
//! trapnz (icmp ult fuel, COST), out_of_fuel
//! fuel = isub fuel, COST
//! ```
//!
//! The variable is loaded from the runtime record (`RUNTIME_FUEL`) at the
//! entry, written back before every call (the callee, the host or the epoch
//! callback may read or set the fuel) and before every return, and loaded
//! again after every call. A trap writes nothing back: the engine sets the
//! fuel to 0 on `out_of_fuel`, and after any other trap the record keeps
//! what the last call or return wrote.
//!
//! **Epochs**: a check at every loop header and at the entry of every
//! function that calls. (A function that calls nothing returns soon unless
//! it loops, so a guest cannot spin without passing a check.) The check
//! reads the store's epoch flag, which the engine sets when the epoch may
//! have reached the store's deadline; at a header `H`:
//!
//! ```text
//! H:    brif (icmp eq (load vm (load vm vmctx+EPOCH_FLAG)), 0), body, slow
//! slow: call_helper epoch_deadline(vmctx)
//!       jump H(params of H)
//! body: ...
//! ```
//!
//! The helper runs the store's deadline behaviour: it traps, or it moves
//! the deadline (clearing the flag) and returns, and the check runs again.
//! The slow block loops back rather than falling into `body`, so that it is
//! laid out after the function and the common path runs straight through.
//! At the entry, where no branch may go, `H` is a fresh block that the entry
//! jumps to.

use super::Translator;
use crate::vmctx::VmLayout;
use kiln_ssa::BinaryOp::Isub;
use kiln_ssa::{Block, BlockCall, Helper, IntCC, Op, Region, StoreKind, TrapCode, Type, Value};
use wasmparser::{BinaryReaderError, FunctionBody, Operator};

/// Whether a body calls anything: other wasm functions, imports or tables.
fn makes_calls(body: &FunctionBody<'_>) -> Result<bool, BinaryReaderError> {
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        if let Operator::Call { .. } | Operator::CallIndirect { .. } = reader.read()? {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Translator<'_> {
    /// At the function's entry: loads the fuel, and checks the epoch if the
    /// function calls.
    pub(super) fn start_interruption(
        &mut self,
        body: &FunctionBody<'_>,
    ) -> Result<(), BinaryReaderError> {
        if self.options.consume_fuel {
            self.fuel = Some(self.builder.declare_var(Type::I64));
            self.reload_fuel();
        }
        if self.options.epoch_interruption && makes_calls(body)? {
            let header = self.builder.create_block();
            self.builder.jump(BlockCall::new(header));
            self.builder.switch_to_block(header);
            self.epoch_check(header);
            self.builder.seal_block(header);
        }
        Ok(())
    }

    /// Takes `cost` from the fuel, trapping if it holds less. Does nothing
    /// for a free region or when fuel is off.
    pub(super) fn charge_fuel(&mut self, cost: u64) {
        let Some(var) = self.fuel else {
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
        let Some(var) = self.fuel else {
            return;
        };
        let fuel = self.builder.use_var(var);
        let runtime = self.runtime();
        let store = Op::Store {
            kind: StoreKind::Full,
            region: Region::Vm,
            offset: VmLayout::RUNTIME_FUEL,
        };
        self.builder.ins(store, vec![runtime, fuel], &[]);
    }

    /// Reads the fuel from the runtime record, at the entry and after a call.
    pub(super) fn reload_fuel(&mut self) {
        let Some(var) = self.fuel else {
            return;
        };
        let runtime = self.runtime();
        let fuel = self.load_vm(runtime, VmLayout::RUNTIME_FUEL, Type::I64);
        self.builder.def_var(var, fuel);
    }

    /// The epoch check at the start of `header`, the current block, which
    /// the slow path jumps back to. Code goes on in a new block. Does nothing
    /// when epochs are off.
    pub(super) fn epoch_check(&mut self, header: Block) {
        if !self.options.epoch_interruption {
            return;
        }
        // The header's own parameters, before the SSA builder adds any for
        // variables (it passes those on every edge itself).
        let args = self.builder.func.block(header).params.clone();
        let flag_address = self.load_vm(self.vmctx, VmLayout::EPOCH_FLAG, Type::PTR);
        let flag = self.load_vm(flag_address, 0, Type::I64);
        let zero = self.builder.iconst(Type::I64, 0);
        let clear = self
            .builder
            .ins1(Op::Icmp(IntCC::Eq), vec![flag, zero], Type::I32);
        let body = self.builder.create_block();
        let slow = self.builder.create_block();
        self.builder
            .brif(clear, BlockCall::new(body), BlockCall::new(slow));
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

    /// The store's runtime record.
    fn runtime(&mut self) -> Value {
        self.load_vm(self.vmctx, VmLayout::RUNTIME, Type::PTR)
    }

    /// Returns `values` from the function, writing the fuel back first.
    pub(super) fn return_values(&mut self, values: Vec<Value>) {
        self.flush_fuel();
        self.builder.ret(values);
    }
}

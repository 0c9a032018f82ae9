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
//! **Epochs**: a check on every branch back to a loop and at the entry of
//! every function that calls, so that a guest cannot spin without passing
//! one. (A function that calls nothing returns soon unless it loops.) The
//! check reads the instance's epoch flag, which the engine sets when the
//! epoch may have reached the store's deadline. A branch back to loop header
//! `H` goes through a block of its own:
//!
//! ```text
//! C(params of H): brif (icmp ne (load vm vmctx+EPOCH_FLAG), 0), slow, H(params)
//! slow:           call_helper epoch_deadline(vmctx)
//!                 jump C(params)
//! ```
//!
//! The helper runs the store's deadline behaviour: it traps, or it moves
//! the deadline (clearing the flag) and returns, and the check runs again.
//! Checking on the back edges rather than in the header puts `C` and `slow`
//! right after the branch in the block order, inside the loop, so that the
//! common path falls through to the jump back and the loop's blocks stay
//! together for the register allocator. At the entry, `C` is a fresh block
//! that the entry jumps to, and the check goes on into the body.

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
            let check = self.builder.create_block();
            self.builder.jump(BlockCall::new(check));
            self.builder.switch_to_block(check);
            let body = self.builder.create_block();
            self.epoch_check(check, BlockCall::new(body));
            self.builder.seal_block(check);
            self.builder.switch_to_block(body);
            self.builder.seal_block(body);
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
            .ins1(Op::Icmp(IntCC::Ult), [fuel, cost], Type::I32);
        self.builder
            .ins(Op::Trapnz(TrapCode::OutOfFuel, None), [short], &[]);
        let left = self.builder.ins1(Op::Binary(Isub), [fuel, cost], Type::I64);
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
        self.builder.ins(store, [runtime, fuel], &[]);
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

    /// A block on a back edge to the loop whose header is `header`, to
    /// branch to instead of the header: it checks the epoch and goes on to
    /// the header. It is filled in by [`Self::fill_epoch_checks`], after the
    /// branch.
    pub(super) fn back_edge_check(&mut self, header: Block, num_params: usize) -> Block {
        let check = self.builder.create_block();
        let header_params = self.builder.func.block(header).params.clone();
        for &param in &header_params[..num_params] {
            let ty = self.builder.func.value_type(param);
            self.builder.append_block_param(check, ty);
        }
        self.pending_epoch_checks.push((check, header));
        check
    }

    /// Fills in the back-edge checks made for the branch just emitted.
    /// Leaves the builder in the last of them.
    pub(super) fn fill_epoch_checks(&mut self) {
        for (check, header) in std::mem::take(&mut self.pending_epoch_checks) {
            self.builder.switch_to_block(check);
            let args = self.builder.func.block(check).params.clone();
            self.epoch_check(
                check,
                BlockCall {
                    block: header,
                    args,
                },
            );
            self.builder.seal_block(check);
        }
    }

    /// The epoch check in `check`, the current block: on to `next` while the
    /// flag is clear; else the slow path runs the deadline behaviour and
    /// checks again.
    fn epoch_check(&mut self, check: Block, next: BlockCall) {
        let args = self.builder.func.block(check).params.clone();
        let flag = self.load_vm(self.vmctx, VmLayout::EPOCH_FLAG, Type::I64);
        let zero = self.builder.iconst(Type::I64, 0);
        let set = self
            .builder
            .ins1(Op::Icmp(IntCC::Ne), [flag, zero], Type::I32);
        let slow = self.builder.create_block();
        self.builder.brif(set, BlockCall::new(slow), next);
        self.builder.switch_to_block(slow);
        self.builder.seal_block(slow);
        self.flush_fuel();
        self.builder
            .ins(Op::CallHelper(Helper::EpochDeadline), [self.vmctx], &[]);
        self.reload_fuel();
        self.builder.jump(BlockCall { block: check, args });
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

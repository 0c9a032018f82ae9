//! Calls: arguments into the registers and stack slots of the internal
//! convention (or SysV for helpers), results out of their registers and
//! the result area, every caller-saved register clobbered (only `rdx`, its
//! status, for a helper that preserves registers).

use super::Lowerer;
use crate::abi::{self, Location};
use crate::inst::{Callee, MachInst};
use crate::regs::{RDX, caller_saved};
use kiln_regalloc::Operand;
use kiln_ssa::target::CompileError;
use kiln_ssa::{Type, Value};

impl Lowerer<'_> {
    /// A call: arguments into their registers and stack slots, results out
    /// of their registers, every caller-saved register clobbered.
    pub(super) fn lower_call(
        &mut self,
        callee: Callee,
        args: &[Value],
        results: &[Value],
    ) -> Result<(), CompileError> {
        let mut operands = Vec::new();
        let call_args = match callee {
            Callee::Indirect => {
                operands.push(Operand::reg_use(self.vreg(args[0])));
                &args[1..]
            }
            _ => args,
        };
        let types: Vec<Type> = call_args.iter().map(|&v| self.func.value_type(v)).collect();
        let locations = match callee {
            Callee::Helper(_) => {
                if call_args.len() > abi::SYSV_ARGS.len() {
                    return Err(self.error("a helper with more than six arguments"));
                }
                abi::SYSV_ARGS
                    .iter()
                    .take(call_args.len())
                    .map(|r| Location::Reg(r.preg()))
                    .collect()
            }
            _ => abi::param_locations(&types),
        };
        let mut stack = Vec::new();
        for (&value, location) in call_args.iter().zip(&locations) {
            match *location {
                Location::Reg(reg) => operands.push(Operand::fixed_use(self.vreg(value), reg)),
                Location::Stack(_) => stack.push(Operand::any_use(self.vreg(value))),
            }
        }
        let reg_args = (call_args.len() - stack.len()) as u16;
        let stack_args = stack.len() as u16;
        operands.extend(stack);
        let result_types: Vec<Type> = results.iter().map(|&v| self.func.value_type(v)).collect();
        let mut stack_results = Vec::new();
        for (&value, location) in results.iter().zip(abi::result_locations(&result_types)) {
            match location {
                Location::Reg(reg) => operands.push(Operand::fixed_def(self.vreg(value), reg)),
                Location::Stack(_) => stack_results.push(Operand::stack_def(self.vreg(value))),
            }
        }
        let slots = u32::from(stack_args) + stack_results.len() as u32;
        self.outgoing_slots = self.outgoing_slots.max(slots);
        let machine = MachInst::Call {
            callee,
            reg_args,
            stack_args,
            stack_results: stack_results.len() as u16,
            zero_extend_i32_result: matches!(callee, Callee::Helper(_))
                && result_types == [Type::I32],
        };
        operands.extend(stack_results);
        let clobbers = match callee {
            Callee::Helper(helper) if helper.preserves_registers() => {
                [RDX.preg()].into_iter().collect()
            }
            _ => caller_saved(),
        };
        self.emit_with_clobbers(machine, operands, clobbers);
        Ok(())
    }
}

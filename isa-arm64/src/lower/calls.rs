//! Calls: arguments into the registers and stack slots of the internal
//! convention (or AAPCS64 for helpers), results out of their registers and
//! the result area, every caller-saved register clobbered (only `x1`, its
//! status, for a helper that preserves registers).

use super::Lowerer;
use crate::abi;
use crate::inst::{Arm64Inst, Callee};
use crate::regs::{X1, caller_saved};
use kiln_machinst::Location;
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
        let mut leading = Vec::new();
        let call_args = match callee {
            Callee::Indirect => {
                leading.push(Operand::reg_use(self.cx.vreg(args[0])));
                &args[1..]
            }
            _ => args,
        };
        let types: Vec<Type> = call_args.iter().map(|&v| self.func.value_type(v)).collect();
        let locations: Vec<Location> = match callee {
            Callee::Helper(_) => {
                if call_args.len() > abi::INT_REGS.len() {
                    return Err(self.cx.error("a helper with more than eight arguments"));
                }
                abi::INT_REGS[..call_args.len()]
                    .iter()
                    .map(|&reg| Location::Reg(reg))
                    .collect()
            }
            _ => abi::INTERNAL.param_locations(&types),
        };
        let call = self
            .cx
            .call_operands(leading, call_args, &locations, results);
        let zero_extend_i32_result = matches!(callee, Callee::Helper(_))
            && results.len() == 1
            && self.func.value_type(results[0]) == Type::I32;
        let machine = Arm64Inst::Call {
            callee,
            reg_args: call.reg_args,
            stack_args: call.stack_args,
            stack_results: call.stack_results,
            zero_extend_i32_result,
        };
        let clobbers = match callee {
            Callee::Helper(helper) if helper.preserves_registers() => {
                [X1.preg()].into_iter().collect()
            }
            _ => caller_saved(),
        };
        self.cx.emit_with_clobbers(machine, call.operands, clobbers);
        Ok(())
    }
}

//! Instruction selection: SSA in, [`VCode`] out.
//!
//! The shared driver ([`kiln_machinst::lower`]) lays out the blocks, gives
//! the entry its parameters and removes unused instructions; this module
//! holds the AArch64 rules: which instructions fold into their user
//! ([`fold`]: compares into their branch, select or trap, address adds
//! into loads and stores), and how each SSA instruction becomes machine
//! instructions ([`ops`], with [`conditions`], [`addresses`] and
//! [`calls`]).

mod addresses;
mod calls;
mod conditions;
mod fold;
mod ops;

use crate::abi;
use crate::inst::Arm64Inst;
use kiln_machinst::{LowerCtx, LowerRules, VCode};
use kiln_ssa::target::CompileError;
use kiln_ssa::{Block, Function, Inst, Type};

/// The state of lowering one function on AArch64.
pub(crate) struct Lowerer<'a> {
    func: &'a Function,
    fold: fold::Folding,
    cx: LowerCtx<'a, Arm64Inst>,
}

/// Lowers `func` to machine instructions on virtual registers.
pub fn lower(func: &Function) -> Result<VCode<Arm64Inst>, CompileError> {
    if func.values.iter().any(|value| value.ty == Type::V128) {
        return Err(CompileError {
            function: func.name.clone(),
            message: "v128 values (SIMD) are not supported yet".into(),
        });
    }
    let mut cx = LowerCtx::new(func, &abi::INTERNAL);
    let fold = fold::Folding::compute(&mut cx);
    kiln_machinst::lower(Lowerer { func, fold, cx })
}

impl<'a> LowerRules<'a> for Lowerer<'a> {
    type Inst = Arm64Inst;

    fn cx(&mut self) -> &mut LowerCtx<'a, Arm64Inst> {
        &mut self.cx
    }

    fn into_cx(self) -> LowerCtx<'a, Arm64Inst> {
        self.cx
    }

    fn is_folded(&self, inst: Inst) -> bool {
        self.fold.is_folded(inst)
    }

    fn lower_inst(&mut self, block: Block, inst: Inst) -> Result<(), CompileError> {
        self.lower_op(block, inst)
    }
}

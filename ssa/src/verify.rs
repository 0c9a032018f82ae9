//! Checks the invariants every pass relies on.
//!
//! - the layout is non-empty, lists each block once, and the entry's
//!   parameters match the signature;
//! - every block ends in its only terminator;
//! - every branch target is a block of the layout (not the entry) and gets
//!   one argument of the right type per parameter;
//! - every used value is defined, and its definition dominates the use;
//! - operand and result types fit the opcode.

use crate::dominators::DominatorTree;
use crate::entities::{Block, Inst, Value};
use crate::function::{Function, ValueDef};
use crate::ops::{LoadKind, Op, Region, StoreKind, UnaryOp};
use crate::types::Type;
use std::fmt;

/// Everything the verifier found wrong with a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// One message per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// Checks `func`; lists every problem found.
pub fn verify(func: &Function) -> Result<(), VerifyError> {
    let mut verifier = Verifier {
        func,
        domtree: DominatorTree::compute(func),
        position: vec![None; func.insts.len()],
        in_layout: vec![false; func.blocks.len()],
        problems: Vec::new(),
    };
    verifier.check_layout();
    if verifier.problems.is_empty() {
        for &block in &func.layout {
            verifier.check_block(block);
        }
    }
    if verifier.problems.is_empty() {
        Ok(())
    } else {
        Err(VerifyError {
            problems: verifier.problems,
        })
    }
}

struct Verifier<'f> {
    func: &'f Function,
    domtree: DominatorTree,
    /// Block and index of each instruction in the layout.
    position: Vec<Option<(Block, usize)>>,
    in_layout: Vec<bool>,
    problems: Vec<String>,
}

impl Verifier<'_> {
    fn report(&mut self, message: String) {
        self.problems.push(message);
    }

    fn check_layout(&mut self) {
        let func = self.func;
        if func.layout.is_empty() {
            self.report("function has no blocks".into());
            return;
        }
        for &block in &func.layout {
            if std::mem::replace(&mut self.in_layout[block.index()], true) {
                self.report(format!("{block} appears twice in the layout"));
            }
            for (index, &inst) in func.block(block).insts.iter().enumerate() {
                if self.position[inst.index()]
                    .replace((block, index))
                    .is_some()
                {
                    self.report(format!("{inst} appears twice"));
                }
            }
        }
        let entry = func.entry();
        let entry_types: Vec<Type> = func
            .block(entry)
            .params
            .iter()
            .map(|&v| func.value_type(v))
            .collect();
        if entry_types != func.signature.params {
            self.report(format!("{entry} parameters do not match the signature"));
        }
    }

    fn check_block(&mut self, block: Block) {
        let func = self.func;
        let insts = &func.block(block).insts;
        match insts.last() {
            None => self.report(format!("{block} is empty")),
            Some(&last) if !func.inst(last).op.is_terminator() => {
                self.report(format!("{block} does not end in a terminator"))
            }
            _ => {}
        }
        for &param in &func.block(block).params {
            if func.value_def(param) != ValueDef::Param(block) {
                self.report(format!("{param} is not recorded as a parameter of {block}"));
            }
        }
        for (index, &inst) in insts.iter().enumerate() {
            let data = func.inst(inst);
            if data.op.is_terminator() && index + 1 != insts.len() {
                self.report(format!("{inst} in {block}: terminator before the end"));
            }
            for &result in &data.results {
                if func.value_def(result) != ValueDef::Result(inst) {
                    self.report(format!("{result} is not recorded as a result of {inst}"));
                }
            }
            for &arg in &data.args {
                self.check_use(arg, block, index);
            }
            for target in &data.targets {
                for &arg in &target.args {
                    self.check_use(arg, block, index);
                }
                self.check_target(block, target.block, &target.args);
            }
            self.check_types(block, inst);
        }
    }

    fn check_use(&mut self, value: Value, block: Block, index: usize) {
        let func = self.func;
        if value.index() >= func.values.len() {
            self.report(format!("{value} used in {block} does not exist"));
            return;
        }
        let (def_block, def_index) = match func.value_def(value) {
            ValueDef::Detached => {
                self.report(format!("{value} used in {block} is not defined"));
                return;
            }
            ValueDef::Param(def_block) => (def_block, None),
            ValueDef::Result(inst) => match self.position[inst.index()] {
                Some((def_block, def_index)) => (def_block, Some(def_index)),
                None => {
                    self.report(format!(
                        "{value} used in {block} is defined outside the layout"
                    ));
                    return;
                }
            },
        };
        if !self.in_layout[def_block.index()] {
            self.report(format!(
                "{value} used in {block} is defined outside the layout"
            ));
        } else if def_block == block {
            if def_index.is_some_and(|def_index| def_index >= index) {
                self.report(format!("{value} used in {block} before its definition"));
            }
        } else if self.domtree.is_reachable(block) && !self.domtree.dominates(def_block, block) {
            self.report(format!(
                "{value} used in {block} is not dominated by its definition"
            ));
        }
    }

    fn check_target(&mut self, from: Block, target: Block, args: &[Value]) {
        let func = self.func;
        if target.index() >= func.blocks.len() || !self.in_layout[target.index()] {
            self.report(format!("{from} branches to {target}, not in the layout"));
            return;
        }
        if target == func.entry() {
            self.report(format!("{from} branches to the entry block"));
        }
        let params = &func.block(target).params;
        if params.len() != args.len() {
            self.report(format!(
                "{from} passes {} arguments to {target}, which has {} parameters",
                args.len(),
                params.len()
            ));
            return;
        }
        for (&param, &arg) in params.iter().zip(args) {
            if arg.index() < func.values.len() && func.value_type(param) != func.value_type(arg) {
                self.report(format!("{from} passes {arg} of the wrong type to {target}"));
            }
        }
    }

    fn check_types(&mut self, block: Block, inst: Inst) {
        let func = self.func;
        let data = func.inst(inst);
        if data.args.iter().any(|v| v.index() >= func.values.len()) {
            return;
        }
        let arg = |i: usize| data.args.get(i).map(|&v| func.value_type(v));
        let result = |i: usize| data.results.get(i).map(|&v| func.value_type(v));
        let (args, results): (usize, usize) = match data.op {
            Op::Iconst(_) | Op::Fconst(_) => (0, 1),
            Op::Unary(_) => (1, 1),
            Op::Binary(_) | Op::Icmp(_) | Op::Fcmp(_) => (2, 1),
            Op::Select | Op::SelectSpectreGuard => (3, 1),
            Op::Load { .. } => (1, 1),
            Op::Store { .. } => (2, 0),
            Op::Trap(_) | Op::Jump => (0, 0),
            Op::Trapz(_) | Op::Brif | Op::BrTable => (1, 0),
            Op::Trapnz(_, bounds) => (1 + bounds.is_some() as usize, 0),
            Op::Return => (func.signature.results.len(), 0),
            Op::Call { .. } | Op::CallIndirect { .. } | Op::CallHelper(_) => {
                (data.args.len(), data.results.len())
            }
        };
        if data.args.len() != args || data.results.len() != results {
            self.report(format!(
                "{inst} in {block}: `{:?}` takes {args} operands and {results} results",
                data.op
            ));
            return;
        }
        if let Op::Store {
            region: Region::Fixed,
            ..
        } = data.op
        {
            self.report(format!(
                "{inst} in {block}: a store to fixed data, which never changes"
            ));
        }
        let ok = match data.op {
            Op::Iconst(_) => result(0).is_some_and(Type::is_int),
            Op::Fconst(_) => result(0).is_some_and(Type::is_float),
            Op::Unary(op) => unary_types_fit(op, arg(0).unwrap(), result(0).unwrap()),
            Op::Binary(op) => {
                let ty = arg(0).unwrap();
                arg(1) == Some(ty) && result(0) == Some(ty) && ty.is_float() == op.is_float()
            }
            Op::Icmp(_) => {
                arg(0).is_some_and(Type::is_int) && arg(0) == arg(1) && result(0) == Some(Type::I32)
            }
            Op::Fcmp(_) => {
                arg(0).is_some_and(Type::is_float)
                    && arg(0) == arg(1)
                    && result(0) == Some(Type::I32)
            }
            Op::Select => arg(0) == Some(Type::I32) && arg(1) == arg(2) && result(0) == arg(1),
            Op::SelectSpectreGuard => {
                arg(0) == Some(Type::I32)
                    && arg(1).is_some_and(Type::is_int)
                    && arg(1) == arg(2)
                    && result(0) == arg(1)
            }
            Op::Load { kind, .. } => {
                let ty = result(0).unwrap();
                arg(0) == Some(Type::PTR)
                    && (kind == LoadKind::Full || (ty.is_int() && kind.bytes(ty) < ty.bytes()))
            }
            Op::Store { kind, .. } => {
                let ty = arg(1).unwrap();
                arg(0) == Some(Type::PTR)
                    && (kind == StoreKind::Full || (ty.is_int() && kind.bytes(ty) < ty.bytes()))
            }
            Op::Trapz(_) | Op::Trapnz(..) => arg(0).is_some_and(Type::is_int),
            Op::Brif | Op::BrTable => arg(0) == Some(Type::I32),
            Op::Return => data.args.iter().map(|&v| func.value_type(v)).eq(func
                .signature
                .results
                .iter()
                .copied()),
            Op::CallIndirect { .. } => arg(0) == Some(Type::PTR),
            Op::CallHelper(helper) => {
                let (params, results) = helper.signature();
                data.args
                    .iter()
                    .map(|&v| func.value_type(v))
                    .eq(params.iter().copied())
                    && data
                        .results
                        .iter()
                        .map(|&v| func.value_type(v))
                        .eq(results.iter().copied())
            }
            Op::Trap(_) | Op::Jump | Op::Call { .. } => true,
        };
        if !ok {
            self.report(format!(
                "{inst} in {block}: operand or result types do not fit `{:?}`",
                data.op
            ));
        }
    }
}

/// Whether a unary operation accepts operand type `from` and result `to`.
fn unary_types_fit(op: UnaryOp, from: Type, to: Type) -> bool {
    use Type::*;
    use UnaryOp::*;
    match op {
        Clz | Ctz | Popcnt | Sextend8 | Sextend16 => from.is_int() && to == from,
        Sextend32 => from == I64 && to == I64,
        Fneg | Fabs | Sqrt | Ceil | Floor | Trunc | Nearest => from.is_float() && to == from,
        Wrap => from == I64 && to == I32,
        Sextend | Uextend => from == I32 && to == I64,
        FcvtToSint | FcvtToUint | FcvtToSintSat | FcvtToUintSat => from.is_float() && to.is_int(),
        FcvtFromSint | FcvtFromUint => from.is_int() && to.is_float(),
        Fpromote => from == F32 && to == F64,
        Fdemote => from == F64 && to == F32,
        Bitcast => from.bytes() == to.bytes() && from.is_int() != to.is_int(),
    }
}

//! Translation of a validated wasm function body into interpreter code.
//!
//! The translator walks the operators once, side by side with wasmparser's
//! function validator. Before each operator it reads two facts from the validator:
//! the operand stack height and whether the code is reachable. Unreachable code
//! is not emitted. Every branch then knows, at translation time, where its
//! target's values must end up, so that the interpreter never searches a control
//! stack at run time.
//!
//! With the engine's options, it also adds what the compiler's front end adds,
//! by the same rules (`kiln_frontend::fuel` and `kiln_frontend::nans`): a
//! `Fuel` instruction at the start of each fuel region, whose cost is filled
//! in as the region's operators go by; an `EpochCheck` at the entry and at
//! each loop header, before the region's `Fuel`; a NaN canonicalization
//! after float arithmetic.

use super::op::{BranchTarget, Code, LoadKind, Op, StoreWidth};
use crate::error::{Error, Result};
use crate::module::{ModuleInfo, SIMD_UNSUPPORTED};
use crate::types::ValType;
use kiln_frontend::Options;
use kiln_frontend::fuel::RegionTracker;
use wasmparser::{
    BlockType, FuncValidator, FuncValidatorAllocations, FunctionBody, MemArg, Operator,
    OperatorsReader, ValidatorResources,
};

/// A branch whose target instruction is not known yet (a forward branch).
enum Patch {
    /// The instruction at this index.
    Op(usize),
    /// The `br_table` target at this index.
    Table(usize),
}

enum ControlKind {
    Func,
    Block,
    Loop { start: u32 },
    If { else_jump: Option<usize> },
}

/// A block, loop, if or the function body itself, while it is open.
struct Control {
    kind: ControlKind,
    /// Operand stack height (in slots, counted from the frame start) below the
    /// block's parameters.
    height: u32,
    params: u32,
    results: u32,
    /// Whether the block was entered from unreachable code, so emits nothing.
    dead: bool,
    patches: Vec<Patch>,
}

impl Control {
    /// How many values a branch to this block carries.
    fn branch_arity(&self) -> u32 {
        match self.kind {
            ControlKind::Loop { .. } => self.params,
            _ => self.results,
        }
    }
}

struct Translator<'a> {
    info: &'a ModuleInfo,
    options: &'a Options,
    ops: Vec<Op>,
    branch_tables: Vec<BranchTarget>,
    controls: Vec<Control>,
    max_height: u32,
    /// With fuel: where regions begin, and the `Fuel` instruction of the
    /// current region.
    fuel: Option<(RegionTracker, usize)>,
}

/// Translates the body of function `func_index`, validating it as it goes.
/// Returns the code and the validator's allocations for reuse.
pub(crate) fn translate(
    info: &ModuleInfo,
    options: &Options,
    func_index: u32,
    mut validator: FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
) -> Result<(Code, FuncValidatorAllocations)> {
    let ty = info.func_type(func_index);
    let params = ty.params().len() as u32;
    let results = ty.results().len() as u32;

    let mut reader = body.get_binary_reader();
    let mut declared_locals = 0u32;
    for _ in 0..reader.read_var_u32()? {
        let offset = reader.original_position();
        let count = reader.read_var_u32()?;
        let ty = reader.read::<wasmparser::ValType>()?;
        validator.define_locals(offset, count, ty)?;
        if ValType::from_wasmparser(ty).is_none() {
            return Err(Error::Unsupported(SIMD_UNSUPPORTED.into()));
        }
        declared_locals += count;
    }

    let locals = params + declared_locals;
    let mut t = Translator {
        info,
        options,
        ops: Vec::new(),
        branch_tables: Vec::new(),
        controls: vec![Control {
            kind: ControlKind::Func,
            height: locals,
            params: 0,
            results,
            dead: false,
            patches: Vec::new(),
        }],
        max_height: locals,
        fuel: None,
    };
    if options.epoch_interruption {
        t.ops.push(Op::EpochCheck);
    }
    if options.consume_fuel {
        t.fuel = Some((RegionTracker::new(), t.ops.len()));
        t.ops.push(Op::Fuel(0));
    }

    reader.set_features(*validator.features());
    let mut operators = OperatorsReader::new(reader);
    while !operators.eof() {
        let offset = operators.original_position();
        let op = operators.read()?;
        let height = locals + validator.operand_stack_height();
        let reachable = !validator
            .get_control_frame(0)
            .is_some_and(|frame| frame.unreachable);
        validator.op(offset, &op)?;
        t.operator(&op, height, reachable)?;
        t.max_height = t.max_height.max(locals + validator.operand_stack_height());
    }
    operators.finish()?;

    let code = Code {
        ops: t.ops,
        branch_tables: t.branch_tables,
        params,
        locals: declared_locals,
        max_height: t.max_height,
    };
    Ok((code, validator.into_allocations()))
}

/// Operators that translate to an instruction of the same name with no immediates.
macro_rules! same_name_ops {
    ($op:expr, $($name:ident)*) => {
        match $op {
            $(Operator::$name => Some(Op::$name),)*
            _ => None,
        }
    };
}

fn plain_op(op: &Operator<'_>) -> Option<Op> {
    same_name_ops!(op,
        Unreachable Drop RefIsNull
        I32Eqz I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
        I64Eqz I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
        F32Eq F32Ne F32Lt F32Gt F32Le F32Ge F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
        I32Clz I32Ctz I32Popcnt I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU
        I32And I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
        I64Clz I64Ctz I64Popcnt I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
        I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
        F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
        F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
        F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
        F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
        I32WrapI64 I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
        I64ExtendI32S I64ExtendI32U I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
        F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
        F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
        I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
        I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
        I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
    )
}

/// Loads and stores: the operator's access kind and its static offset.
fn memory_op(op: &Operator<'_>) -> Option<Op> {
    let load = |kind, memarg: &MemArg| Some(Op::Load(kind, memarg.offset as u32));
    let store = |width, memarg: &MemArg| Some(Op::Store(width, memarg.offset as u32));
    match op {
        Operator::I32Load { memarg } => load(LoadKind::I32, memarg),
        Operator::I64Load { memarg } => load(LoadKind::I64, memarg),
        Operator::F32Load { memarg } => load(LoadKind::F32, memarg),
        Operator::F64Load { memarg } => load(LoadKind::F64, memarg),
        Operator::I32Load8S { memarg } => load(LoadKind::I32S8, memarg),
        Operator::I32Load8U { memarg } => load(LoadKind::I32U8, memarg),
        Operator::I32Load16S { memarg } => load(LoadKind::I32S16, memarg),
        Operator::I32Load16U { memarg } => load(LoadKind::I32U16, memarg),
        Operator::I64Load8S { memarg } => load(LoadKind::I64S8, memarg),
        Operator::I64Load8U { memarg } => load(LoadKind::I64U8, memarg),
        Operator::I64Load16S { memarg } => load(LoadKind::I64S16, memarg),
        Operator::I64Load16U { memarg } => load(LoadKind::I64U16, memarg),
        Operator::I64Load32S { memarg } => load(LoadKind::I64S32, memarg),
        Operator::I64Load32U { memarg } => load(LoadKind::I64U32, memarg),
        Operator::I32Store { memarg } | Operator::F32Store { memarg } => {
            store(StoreWidth::B4, memarg)
        }
        Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
            store(StoreWidth::B8, memarg)
        }
        Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
            store(StoreWidth::B1, memarg)
        }
        Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
            store(StoreWidth::B2, memarg)
        }
        Operator::I64Store32 { memarg } => store(StoreWidth::B4, memarg),
        _ => None,
    }
}

impl Translator<'_> {
    fn pc(&self) -> u32 {
        self.ops.len() as u32
    }

    /// Parameter and result counts of a block type.
    fn block_arity(&self, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(index) => {
                let ty = &self.info.types[index as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    /// Opens a block whose parameters (and, for `if`, condition) are on top of a
    /// stack of `height` slots.
    fn open(&mut self, kind: ControlKind, ty: BlockType, height: u32, reachable: bool) {
        let (params, results) = self.block_arity(ty);
        let consumed = params + u32::from(matches!(kind, ControlKind::If { .. }));
        let dead = !reachable || self.controls.last().is_some_and(|c| c.dead);
        self.controls.push(Control {
            kind,
            height: height.saturating_sub(consumed),
            params,
            results,
            dead,
            patches: Vec::new(),
        });
    }

    /// Where a branch to the block `depth` levels out goes, and a patch to fill in
    /// its target later when the block's end is not known yet.
    fn branch_target(&self, depth: u32) -> (BranchTarget, bool) {
        let control = &self.controls[self.controls.len() - 1 - depth as usize];
        let pc = match control.kind {
            ControlKind::Loop { start } => start,
            _ => u32::MAX,
        };
        let target = BranchTarget {
            pc,
            keep: control.branch_arity(),
            height: control.height,
        };
        (target, pc == u32::MAX)
    }

    fn add_patch(&mut self, depth: u32, patch: Patch) {
        let index = self.controls.len() - 1 - depth as usize;
        self.controls[index].patches.push(patch);
    }

    fn is_function_level(&self, depth: u32) -> bool {
        depth as usize == self.controls.len() - 1
    }

    /// `br depth` from a stack of `height` slots.
    fn branch(&mut self, depth: u32, height: u32) {
        if self.is_function_level(depth) {
            let results = self.controls[0].results;
            self.ops.push(Op::Return { results });
            return;
        }
        let (target, forward) = self.branch_target(depth);
        let op = if height == target.height + target.keep {
            Op::Jump(target.pc)
        } else {
            Op::Br(target)
        };
        if forward {
            self.add_patch(depth, Patch::Op(self.ops.len()));
        }
        self.ops.push(op);
    }

    /// `br_if depth` with the condition on top of a stack of `height` slots.
    fn branch_if(&mut self, depth: u32, height: u32) {
        if self.is_function_level(depth) {
            // A conditional return: skip over an unconditional one.
            let results = self.controls[0].results;
            let skip = self.pc() + 2;
            self.ops.push(Op::JumpIfZero(skip));
            self.ops.push(Op::Return { results });
            return;
        }
        let (target, forward) = self.branch_target(depth);
        let op = if height - 1 == target.height + target.keep {
            Op::JumpIfNonZero(target.pc)
        } else {
            Op::BrIf(target)
        };
        if forward {
            self.add_patch(depth, Patch::Op(self.ops.len()));
        }
        self.ops.push(op);
    }

    fn branch_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<()> {
        let start = self.branch_tables.len() as u32;
        let depths = targets
            .targets()
            .chain(std::iter::once(Ok(targets.default())))
            .collect::<Result<Vec<u32>, _>>()?;
        for depth in depths {
            let target = if self.is_function_level(depth) {
                // Returning through a table: the function's results go to the
                // frame start, which the interpreter treats as a return.
                BranchTarget {
                    pc: u32::MAX,
                    keep: self.controls[0].results,
                    height: 0,
                }
            } else {
                let (target, forward) = self.branch_target(depth);
                if forward {
                    self.add_patch(depth, Patch::Table(self.branch_tables.len()));
                }
                target
            };
            self.branch_tables.push(target);
        }
        let len = self.branch_tables.len() as u32 - start;
        self.ops.push(Op::BrTable { start, len });
        Ok(())
    }

    fn resolve(&mut self, patches: Vec<Patch>, pc: u32) {
        for patch in patches {
            match patch {
                Patch::Table(index) => self.branch_tables[index].pc = pc,
                Patch::Op(index) => match &mut self.ops[index] {
                    Op::Jump(target) | Op::JumpIfZero(target) | Op::JumpIfNonZero(target) => {
                        *target = pc
                    }
                    Op::Br(target) | Op::BrIf(target) => target.pc = pc,
                    other => unreachable!("patching a non-branch {other:?}"),
                },
            }
        }
    }

    /// Translates one valid operator, with the fuel and epoch instructions
    /// around it.
    fn operator(&mut self, op: &Operator<'_>, height: u32, reachable: bool) -> Result<()> {
        let step = self.fuel.as_mut().map(|(tracker, _)| tracker.step(op));
        if let (Some(step), Some((_, region))) = (step, &self.fuel)
            && let Op::Fuel(cost) = &mut self.ops[*region]
        {
            *cost += step.cost;
        }
        self.translate(op, height, reachable)?;
        let emitted = reachable && !self.controls.last().is_some_and(|c| c.dead);
        if self.options.epoch_interruption && matches!(op, Operator::Loop { .. }) && emitted {
            self.ops.push(Op::EpochCheck);
        }
        if self.options.canonicalize_nans
            && emitted
            && let Some(ty) = kiln_frontend::nans::arithmetic_nan_type(op)
        {
            self.ops.push(match ty {
                kiln_ssa::Type::F32 => Op::CanonicalizeNanF32,
                _ => Op::CanonicalizeNanF64,
            });
        }
        if let (Some(step), Some((_, region))) = (step, &mut self.fuel)
            && step.region_follows
        {
            *region = self.ops.len();
            self.ops.push(Op::Fuel(0));
        }
        Ok(())
    }

    fn translate(&mut self, op: &Operator<'_>, height: u32, reachable: bool) -> Result<()> {
        match op {
            Operator::Block { blockty } => {
                self.open(ControlKind::Block, *blockty, height, reachable);
                return Ok(());
            }
            Operator::Loop { blockty } => {
                let start = self.pc();
                self.open(ControlKind::Loop { start }, *blockty, height, reachable);
                return Ok(());
            }
            Operator::If { blockty } => {
                let emit = reachable && !self.controls.last().is_some_and(|c| c.dead);
                let else_jump = emit.then(|| {
                    self.ops.push(Op::JumpIfZero(u32::MAX));
                    self.ops.len() - 1
                });
                self.open(ControlKind::If { else_jump }, *blockty, height, reachable);
                return Ok(());
            }
            Operator::Else => {
                let pc = self.pc();
                let control = self.controls.last_mut().expect("else inside an if");
                if control.dead {
                    return Ok(());
                }
                if reachable {
                    control.patches.push(Patch::Op(pc as usize));
                }
                let else_jump = match &mut control.kind {
                    ControlKind::If { else_jump } => else_jump.take(),
                    _ => None,
                };
                if reachable {
                    self.ops.push(Op::Jump(u32::MAX));
                }
                if let Some(index) = else_jump {
                    self.resolve(vec![Patch::Op(index)], self.pc());
                }
                return Ok(());
            }
            Operator::End => {
                let control = self.controls.pop().expect("end closes a block");
                if control.dead {
                    return Ok(());
                }
                let pc = self.pc();
                self.resolve(control.patches, pc);
                if let ControlKind::If {
                    else_jump: Some(index),
                } = control.kind
                {
                    self.resolve(vec![Patch::Op(index)], pc);
                }
                if let ControlKind::Func = control.kind {
                    self.ops.push(Op::Return {
                        results: control.results,
                    });
                }
                return Ok(());
            }
            _ => {}
        }

        if !reachable || self.controls.last().is_some_and(|c| c.dead) {
            return Ok(());
        }
        if let Some(op) = plain_op(op).or_else(|| memory_op(op)) {
            self.ops.push(op);
            return Ok(());
        }
        let op = match *op {
            // Reinterpretation changes only the type: the raw slot stays as it is.
            Operator::Nop
            | Operator::I32ReinterpretF32
            | Operator::I64ReinterpretF64
            | Operator::F32ReinterpretI32
            | Operator::F64ReinterpretI64 => return Ok(()),
            Operator::Br { relative_depth } => {
                self.branch(relative_depth, height);
                return Ok(());
            }
            Operator::BrIf { relative_depth } => {
                self.branch_if(relative_depth, height);
                return Ok(());
            }
            Operator::BrTable { ref targets } => return self.branch_table(targets),
            Operator::Return => Op::Return {
                results: self.controls[0].results,
            },
            Operator::Call { function_index } => Op::Call(function_index),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => Op::CallIndirect {
                type_index,
                table: table_index,
            },
            Operator::Select | Operator::TypedSelect { .. } => Op::Select,
            Operator::LocalGet { local_index } => Op::LocalGet(local_index),
            Operator::LocalSet { local_index } => Op::LocalSet(local_index),
            Operator::LocalTee { local_index } => Op::LocalTee(local_index),
            Operator::GlobalGet { global_index } => Op::GlobalGet(global_index),
            Operator::GlobalSet { global_index } => Op::GlobalSet(global_index),
            Operator::I32Const { value } => Op::Const(value as u32 as u64),
            Operator::I64Const { value } => Op::Const(value as u64),
            Operator::F32Const { value } => Op::Const(value.bits() as u64),
            Operator::F64Const { value } => Op::Const(value.bits()),
            Operator::RefNull { .. } => Op::Const(0),
            Operator::RefFunc { function_index } => Op::RefFunc(function_index),
            Operator::TableGet { table } => Op::TableGet(table),
            Operator::TableSet { table } => Op::TableSet(table),
            Operator::TableSize { table } => Op::TableSize(table),
            Operator::TableGrow { table } => Op::TableGrow(table),
            Operator::TableFill { table } => Op::TableFill(table),
            Operator::TableCopy {
                dst_table,
                src_table,
            } => Op::TableCopy {
                dst: dst_table,
                src: src_table,
            },
            Operator::TableInit { elem_index, table } => Op::TableInit {
                table,
                elem: elem_index,
            },
            Operator::ElemDrop { elem_index } => Op::ElemDrop(elem_index),
            Operator::MemorySize { .. } => Op::MemorySize,
            Operator::MemoryGrow { .. } => Op::MemoryGrow,
            Operator::MemoryFill { .. } => Op::MemoryFill,
            Operator::MemoryCopy { .. } => Op::MemoryCopy,
            Operator::MemoryInit { data_index, .. } => Op::MemoryInit(data_index),
            Operator::DataDrop { data_index } => Op::DataDrop(data_index),
            ref other => {
                return Err(Error::Unsupported(format!(
                    "the operator {other:?} is not supported"
                )));
            }
        };
        self.ops.push(op);
        Ok(())
    }
}

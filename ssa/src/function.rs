//! A function: arenas of blocks, instructions and values, plus the block order.
//!
//! Everything is stored by dense id in plain vectors. Blocks list their
//! parameters and instructions; the order in which blocks are laid out (and
//! printed) is [`Function::layout`], whose first block is the entry. A block
//! or instruction removed by a pass simply leaves the layout; its arena slot
//! stays behind, unused, so ids never change meaning while passes run.
//! Between phases, [`Function::compact`] may drop the dead slots.

use crate::entities::{Block, Inst, Value};
use crate::ops::Op;
use crate::types::Type;
use crate::value_list::ValueList;
use smallvec::SmallVec;

/// Parameter and result types of a function. For wasm functions the first
/// parameter is the `vmctx` pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Result types.
    pub results: Vec<Type>,
}

/// A branch target: a block and the arguments for its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockCall {
    /// The target block.
    pub block: Block,
    /// One argument per parameter of `block`.
    pub args: ValueList,
}

impl BlockCall {
    /// A target without arguments.
    pub fn new(block: Block) -> BlockCall {
        BlockCall {
            block,
            args: ValueList::new(),
        }
    }
}

/// One instruction: what it does, its operands, targets and results.
#[derive(Clone, Debug)]
pub struct InstData {
    /// The operation and its immediates.
    pub op: Op,
    /// Value operands.
    pub args: ValueList,
    /// Branch targets (terminators only). A boxed slice rather than a
    /// `Vec`: targets are set once, and the eight bytes of capacity saved
    /// are paid by every instruction.
    pub targets: Box<[BlockCall]>,
    /// Result values, defined by this instruction.
    pub results: ValueList,
}

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    /// A parameter of a block.
    Param(Block),
    /// A result of an instruction.
    Result(Inst),
    /// No longer (or never) defined: left behind by a pass or by the parser.
    Detached,
}

/// Type and definition of a value.
#[derive(Clone, Copy, Debug)]
pub struct ValueData {
    /// The value's type.
    pub ty: Type,
    /// Its definition.
    pub def: ValueDef,
}

/// The instructions of a block. Up to four sit in the block record itself:
/// walks over the control flow read each block's terminator, and in code
/// full of small blocks (an `if` arm, a jump between two others) that is
/// then one read fewer, with no pointer to follow.
pub type InstList = SmallVec<[Inst; 4]>;

/// Parameters and instructions of a block.
#[derive(Clone, Debug, Default)]
pub struct BlockData {
    /// Block parameters, in order: a value list, so that the few parameters
    /// most blocks have sit in the block itself, which passes that look at
    /// every block's parameters then read without following a pointer.
    pub params: ValueList,
    /// Instructions in execution order; the last is the terminator.
    pub insts: InstList,
}

/// A function in SSA form.
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// Name used in the text form (`f3` for wasm function 3).
    pub name: String,
    /// Parameter and result types; the entry block's parameters match `params`.
    pub signature: Signature,
    /// Block arena.
    pub blocks: Vec<BlockData>,
    /// Instruction arena.
    pub insts: Vec<InstData>,
    /// Value arena.
    pub values: Vec<ValueData>,
    /// Blocks in program order; `layout[0]` is the entry.
    pub layout: Vec<Block>,
}

impl Function {
    /// An empty function.
    pub fn new(name: impl Into<String>, signature: Signature) -> Function {
        Function {
            name: name.into(),
            signature,
            ..Function::default()
        }
    }

    /// An empty function with room for `insts` instructions, a quarter
    /// more values and a block per eight instructions, so that building a
    /// long function does not copy its arenas again and again as they grow.
    pub fn with_capacity(name: impl Into<String>, signature: Signature, insts: usize) -> Function {
        let mut func = Function::new(name, signature);
        func.insts.reserve(insts);
        // Compiled C has nine to ten instructions per block (SQLite).
        func.blocks.reserve(insts / 8);
        // Block parameters and calls' results make about 1.2 values per
        // instruction in compiled C.
        func.values.reserve(insts + insts / 4);
        func
    }

    /// The entry block.
    pub fn entry(&self) -> Block {
        self.layout[0]
    }

    /// Creates a block that is not yet in the layout.
    pub fn create_block(&mut self) -> Block {
        self.blocks.push(BlockData::default());
        Block(self.blocks.len() as u32 - 1)
    }

    /// Creates a value with the given type and definition.
    pub fn create_value(&mut self, ty: Type, def: ValueDef) -> Value {
        self.values.push(ValueData { ty, def });
        Value(self.values.len() as u32 - 1)
    }

    /// Appends a parameter of type `ty` to `block`.
    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        let value = self.create_value(ty, ValueDef::Param(block));
        self.blocks[block.index()].params.push(value);
        value
    }

    /// Creates an instruction with fresh results of the given types. It is
    /// not yet in any block.
    pub fn create_inst(
        &mut self,
        op: Op,
        args: impl Into<ValueList>,
        targets: Vec<BlockCall>,
        result_types: &[Type],
    ) -> Inst {
        let inst = Inst(self.insts.len() as u32);
        let results = result_types
            .iter()
            .map(|&ty| self.create_value(ty, ValueDef::Result(inst)))
            .collect();
        self.insts.push(InstData {
            op,
            args: args.into(),
            targets: targets.into_boxed_slice(),
            results,
        });
        inst
    }

    /// The type of a value.
    pub fn value_type(&self, value: Value) -> Type {
        self.values[value.index()].ty
    }

    /// The definition of a value.
    pub fn value_def(&self, value: Value) -> ValueDef {
        self.values[value.index()].def
    }

    /// The instruction data.
    pub fn inst(&self, inst: Inst) -> &InstData {
        &self.insts[inst.index()]
    }

    /// The block data.
    pub fn block(&self, block: Block) -> &BlockData {
        &self.blocks[block.index()]
    }

    /// The last instruction of a block, if it is a terminator.
    pub fn terminator(&self, block: Block) -> Option<Inst> {
        let last = *self.blocks[block.index()].insts.last()?;
        self.insts[last.index()].op.is_terminator().then_some(last)
    }

    /// The blocks a block may branch to, in target order (with repeats).
    pub fn successors(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        self.terminator(block)
            .into_iter()
            .flat_map(|inst| self.insts[inst.index()].targets.iter().map(|t| t.block))
    }

    /// If `value` is the result of an instruction, that instruction's data.
    pub fn defining_inst(&self, value: Value) -> Option<&InstData> {
        match self.value_def(value) {
            ValueDef::Result(inst) => Some(self.inst(inst)),
            _ => None,
        }
    }

    /// The constant bits of `value`, if an `iconst` or `fconst` defines it.
    pub fn constant(&self, value: Value) -> Option<u64> {
        match self.defining_inst(value)?.op {
            Op::Iconst(bits) | Op::Fconst(bits) => Some(bits),
            _ => None,
        }
    }

    /// Rewrites every use of a value (operands and branch arguments) through
    /// `map`, in the blocks of the layout.
    pub fn rewrite_uses(&mut self, mut map: impl FnMut(Value) -> Value) {
        for &block in &self.layout {
            for &inst in &self.blocks[block.index()].insts {
                let data = &mut self.insts[inst.index()];
                for arg in &mut data.args {
                    *arg = map(*arg);
                }
                for target in &mut data.targets {
                    for arg in &mut target.args {
                        *arg = map(*arg);
                    }
                }
            }
        }
    }

    /// Visits the instructions of `block` in order and keeps those for which
    /// `keep` returns true; the others leave the block and their results are
    /// detached. The block is rebuilt in one sweep, so a pass that removes
    /// many instructions from a long block stays linear.
    ///
    /// While `keep` runs, the block's instruction list is empty: `keep` must
    /// not rely on it.
    pub fn retain_insts(
        &mut self,
        block: Block,
        mut keep: impl FnMut(&mut Function, Inst) -> bool,
    ) {
        let mut insts = std::mem::take(&mut self.blocks[block.index()].insts);
        // Indexed as a slice: a small vector would decide at every index
        // whether its items are in place or on the heap.
        let slice = insts.as_mut_slice();
        let mut kept = 0;
        for index in 0..slice.len() {
            let inst = slice[index];
            if keep(self, inst) {
                slice[kept] = inst;
                kept += 1;
            } else {
                for &result in &self.insts[inst.index()].results {
                    self.values[result.index()].def = ValueDef::Detached;
                }
            }
        }
        insts.truncate(kept);
        self.blocks[block.index()].insts = insts;
    }

    /// Number of instructions in the blocks of the layout.
    pub fn inst_count(&self) -> usize {
        self.layout
            .iter()
            .map(|block| self.blocks[block.index()].insts.len())
            .sum()
    }
}

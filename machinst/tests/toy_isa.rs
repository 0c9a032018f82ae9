//! A toy ISA built on the public interface alone, the way a real one is:
//! an instruction enum, lowering rules with a folding decision, a register
//! file, a label-use kind, an emitter. A function goes through the shared
//! lowering driver, the register allocator and the shared emission driver.
//!
//! The toy's code is one 4-byte word per instruction: an opcode and three
//! register numbers, or an opcode and a 24-bit word offset for branches.

use kiln_machinst::{
    CallConv, EditSink, EmitCtx, EmitIsa, FrameLayout, FrameSpec, JumpTemplate, LabelUse, LowerCtx,
    LowerRules, MachBuffer, MachInst, VCode,
};
use kiln_regalloc::{Inst, MachineEnv, Operand, PReg, PRegSet, RegClass, SpillSlot};
use kiln_ssa::target::CompileError;
use kiln_ssa::{BinaryOp, Block, Function, Op, parse_function};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Toy {
    Args,
    StackArg(u32),
    Jump,
    Const(u64),
    Add,
    AddImm(u64),
    BranchNonZero,
    Return,
}

impl MachInst for Toy {
    fn args() -> Toy {
        Toy::Args
    }
    fn stack_arg(slot: u32) -> Toy {
        Toy::StackArg(slot)
    }
    fn jump() -> Toy {
        Toy::Jump
    }
    fn is_jump(&self) -> bool {
        *self == Toy::Jump
    }
    fn is_pure(&self) -> bool {
        matches!(self, Toy::Const(_) | Toy::Add | Toy::AddImm(_))
    }
}

const fn r(n: u8) -> PReg {
    PReg::new(n, RegClass::Int)
}

const CONV: CallConv = CallConv {
    int_args: &[r(0), r(1)],
    float_args: &[],
    int_results: &[r(0)],
    float_results: &[],
};

fn machine_env() -> MachineEnv {
    MachineEnv {
        allocatable: [
            (0..7).map(r).collect(),
            (0..7).map(|n| PReg::new(n, RegClass::Float)).collect(),
        ],
        callee_saved: PRegSet::empty(),
        caller_saved: (0..7).map(r).collect(),
        scratch: [r(7), PReg::new(7, RegClass::Float)],
    }
}

/// The lowering rules: an `iconst` read only as the second operand of
/// `iadd`s folds into them as an immediate.
struct Rules<'a> {
    func: &'a Function,
    folded: Vec<bool>,
    cx: LowerCtx<'a, Toy>,
}

impl<'a> LowerRules<'a> for Rules<'a> {
    type Inst = Toy;

    fn cx(&mut self) -> &mut LowerCtx<'a, Toy> {
        &mut self.cx
    }

    fn into_cx(self) -> LowerCtx<'a, Toy> {
        self.cx
    }

    fn is_folded(&self, inst: kiln_ssa::Inst) -> bool {
        self.folded[inst.index()]
    }

    fn lower_inst(&mut self, block: Block, inst: kiln_ssa::Inst) -> Result<(), CompileError> {
        let data = self.func.inst(inst);
        let cx = &mut self.cx;
        match data.op {
            Op::Iconst(bits) => cx.emit_constant(Toy::Const(bits), cx.vreg(data.results[0])),
            Op::Binary(BinaryOp::Iadd) => {
                let def = Operand::reg_def(cx.vreg(data.results[0]));
                let a = Operand::reg_use(cx.vreg(data.args[0]));
                match self.func.constant(data.args[1]) {
                    Some(bits) if data.args[0] != data.args[1] => {
                        cx.emit(Toy::AddImm(bits), vec![a, def])
                    }
                    _ => {
                        let b = Operand::reg_use(cx.vreg(data.args[1]));
                        cx.emit(Toy::Add, vec![a, b, def])
                    }
                }
            }
            Op::Brif => {
                cx.emit(
                    Toy::BranchNonZero,
                    vec![Operand::reg_use(cx.vreg(data.args[0]))],
                );
                cx.set_successors(block);
            }
            Op::Jump => {
                cx.emit(Toy::Jump, Vec::new());
                cx.set_successors(block);
            }
            Op::Return => {
                let ret = cx.return_operands(&data.args);
                cx.emit(Toy::Return, ret.operands);
            }
            op => return Err(cx.error(format!("{op:?} is not in the toy ISA"))),
        }
        Ok(())
    }
}

fn lower(func: &Function) -> VCode<Toy> {
    let cx = LowerCtx::new(func, &CONV);
    let mut immediate_uses = vec![0; func.values.len()];
    for &block in cx.reachable() {
        for &inst in &func.block(block).insts {
            let data = func.inst(inst);
            if data.op == Op::Binary(BinaryOp::Iadd) && data.args[0] != data.args[1] {
                immediate_uses[data.args[1].index()] += 1;
            }
        }
    }
    let folded = (0..func.insts.len() as u32)
        .map(|inst| {
            let data = func.inst(kiln_ssa::Inst(inst));
            matches!(data.op, Op::Iconst(_)) && {
                let value = data.results[0];
                cx.uses(value) == immediate_uses[value.index()]
            }
        })
        .collect();
    kiln_machinst::lower(Rules { func, folded, cx }).expect("lowers")
}

/// A branch: a signed 24-bit word offset in the low bits of the word at
/// the use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Branch24;

impl LabelUse for Branch24 {
    const PADDING: u8 = 0;
    const JUMP: JumpTemplate<Branch24> = JumpTemplate {
        code: &[0, 0, 0, 0xEE],
        use_at: 0,
        kind: Branch24,
    };
    fn max_forward(self) -> u32 {
        (1 << 25) - 4
    }
    fn max_backward(self) -> u32 {
        1 << 25
    }
    fn patch(self, code: &mut [u8], at: u32, target: u32) {
        let words = (i64::from(target) - i64::from(at)) / 4;
        let at = at as usize;
        let word = u32::from_le_bytes(code[at..at + 4].try_into().expect("a word"));
        let word = (word & 0xFF00_0000) | (words as u32 & 0x00FF_FFFF);
        code[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }
    fn veneer(self) -> Option<JumpTemplate<Branch24>> {
        None
    }
}

struct Emitter<'a> {
    cx: EmitCtx<'a, Toy>,
    buffer: MachBuffer<Branch24>,
}

impl Emitter<'_> {
    fn word(&mut self, text: String, opcode: u8, fields: [u8; 3]) {
        self.buffer.note(|| text);
        self.buffer.put(&[fields[0], fields[1], fields[2], opcode]);
    }

    fn reg(&self, inst: Inst, operand: usize) -> u8 {
        self.cx.output.inst_allocs(inst)[operand]
            .as_reg()
            .expect("a register")
            .hw()
    }
}

impl<'a> EmitIsa<'a> for Emitter<'a> {
    type Inst = Toy;
    type LabelUse = Branch24;
    const MAX_EDIT_SIZE: u32 = 4;

    fn cx(&self) -> &EmitCtx<'a, Toy> {
        &self.cx
    }
    fn cx_mut(&mut self) -> &mut EmitCtx<'a, Toy> {
        &mut self.cx
    }
    fn buffer(&mut self) -> &mut MachBuffer<Branch24> {
        &mut self.buffer
    }
    fn worst_case_size(&self, _: Inst) -> u32 {
        8
    }
    fn prologue(&mut self) {
        let size = self.cx.frame.size;
        self.word(format!("enter {size}"), 0x01, [size as u8, 0, 0]);
    }
    fn inst(&mut self, inst: Inst) {
        match self.cx.vcode.insts[inst.index()] {
            Toy::Args => {}
            Toy::StackArg(slot) => {
                let to = self.reg(inst, 0);
                self.word(format!("ldarg r{to}, {slot}"), 0x02, [to, slot as u8, 0]);
            }
            Toy::Const(bits) => self.remat(&Toy::Const(bits), r(self.reg(inst, 0))),
            Toy::Add => {
                let (a, b, d) = (self.reg(inst, 0), self.reg(inst, 1), self.reg(inst, 2));
                self.word(format!("add r{d}, r{a}, r{b}"), 0x04, [d, a, b]);
            }
            Toy::AddImm(imm) => {
                let (a, d) = (self.reg(inst, 0), self.reg(inst, 1));
                self.word(format!("add r{d}, r{a}, {imm}"), 0x05, [d, a, imm as u8]);
            }
            Toy::BranchNonZero => {
                let cond = self.reg(inst, 0);
                let (taken, other) = (self.cx.destination(0), self.cx.destination(1));
                let label = self.cx.block_label(taken);
                self.word(format!("bnz r{cond}, {label}"), 0x06, [0, 0, 0]);
                let at = self.buffer.offset() - 4;
                self.buffer.use_label(at, label, Branch24);
                if self.cx.next_block() != Some(other) {
                    self.jump(other);
                }
            }
            Toy::Jump => {
                let to = self.cx.destination(0);
                if self.cx.next_block() != Some(to) {
                    self.jump(to);
                }
            }
            Toy::Return => self.word("ret".into(), 0x07, [0, 0, 0]),
        }
    }
    fn after_blocks(&mut self) {}
}

impl Emitter<'_> {
    fn jump(&mut self, block: usize) {
        let label = self.cx.block_label(block);
        self.word(format!("b {label}"), 0xEE, [0, 0, 0]);
        let at = self.buffer.offset() - 4;
        self.buffer.use_label(at, label, Branch24);
    }
}

impl EditSink<Toy> for Emitter<'_> {
    fn move_reg(&mut self, from: PReg, to: PReg) {
        self.word(format!("mov {to}, {from}"), 0x10, [to.hw(), from.hw(), 0]);
    }
    fn spill(&mut self, from: PReg, to: SpillSlot) {
        let offset = self.cx.frame.spill_offset(to);
        self.word(
            format!("st {from}, [fp{offset}]"),
            0x11,
            [from.hw(), offset as u8, 0],
        );
    }
    fn reload(&mut self, from: SpillSlot, to: PReg) {
        let offset = self.cx.frame.spill_offset(from);
        self.word(
            format!("ld {to}, [fp{offset}]"),
            0x12,
            [to.hw(), offset as u8, 0],
        );
    }
    fn remat(&mut self, constant: &Toy, to: PReg) {
        let Toy::Const(bits) = *constant else {
            panic!("only constants are recomputed")
        };
        self.word(format!("li {to}, {bits}"), 0x03, [to.hw(), bits as u8, 0]);
    }
    fn scratch(&self, class: RegClass) -> PReg {
        PReg::new(7, class)
    }
}

const FRAME: FrameSpec<'static> = FrameSpec {
    reserved: 0,
    callee_saved: &[],
    spill_slot_size: [8, 8],
    stack_alignment: 16,
};

/// `v5` is never read, `v2` folds into the add that reads it, the edge
/// from `block0` to `block2` is critical.
const FUNCTION: &str = "\
function f(i64, i64, i64) -> i64 {
block0(v0: i64, v1: i64, v9: i64):
    v2:i64 = iconst 5
    v3:i64 = iadd v0, v1
    v4:i64 = iadd v3, v2
    v5:i64 = iadd v0, v0
    brif v0, block1, block2(v4)
block1:
    v6:i64 = iadd v4, v9
    jump block2(v6)
block2(v7: i64):
    return v7
}
";

#[test]
fn the_lowering_driver_lays_out_blocks_and_drops_unused_instructions() {
    let func = parse_function(FUNCTION).expect("parses");
    let vcode = lower(&func);
    let insts = |b: usize| {
        let (start, end) = vcode.blocks[b].range;
        vcode.insts[start.index()..end.index()].to_vec()
    };
    assert_eq!(insts(0), [Toy::Args, Toy::StackArg(0), Toy::Jump]);
    assert_eq!(
        vcode.operands_of(Inst(0)).len(),
        2,
        "two register parameters"
    );
    assert_eq!(vcode.flow.branch_args(0, 0).len(), 3);
    assert_eq!(insts(1), [Toy::Add, Toy::AddImm(5), Toy::BranchNonZero]);
    assert_eq!(vcode.blocks.len(), 5, "entry, three blocks, one split edge");
    let split = vcode.flow.succs(1)[1].index();
    assert_eq!(insts(split), [Toy::Jump]);
    assert_eq!(vcode.flow.preds(split), [kiln_regalloc::Block(1)]);
    assert_eq!(vcode.flow.branch_args(split, 0).len(), 1);
    assert_eq!(
        vcode.flow.branch_args(1, 1),
        [],
        "the split block passes them"
    );
    let body: Vec<Toy> = vcode.insts.clone();
    assert!(
        !body.contains(&Toy::Const(5)),
        "the folded constant is not lowered"
    );
    assert_eq!(
        body.iter().filter(|&&i| i == Toy::Add).count(),
        2,
        "the unused add is gone"
    );
}

#[test]
fn a_lowered_function_is_allocated_and_emitted_by_the_shared_drivers() {
    let func = parse_function(FUNCTION).expect("parses");
    let vcode = lower(&func);
    let env = machine_env();
    let output = kiln_regalloc::allocate(&vcode, &env).expect("allocates");
    kiln_regalloc::check(&vcode, &env, &output).expect("a correct allocation");
    let mut buffer = MachBuffer::with_listing();
    let frame = FrameLayout::new(&FRAME, &output, vcode.outgoing_slots);
    let cx = EmitCtx::new(&vcode, &output, frame, &mut buffer);
    let mut emitter = Emitter { cx, buffer };
    kiln_machinst::emit(&mut emitter);
    let listing = emitter.buffer.listing();
    let function = emitter.buffer.finish();
    assert_eq!(function.code.len() % 4, 0);
    let lines: Vec<&str> = listing.lines().map(|line| &line[7..]).collect();
    assert_eq!(lines[0], "enter 0", "no spill slots: {listing}");
    assert_eq!(lines[1], "L0:", "{listing}");
    assert_eq!(
        lines[2], "ldarg r2, 0",
        "the third argument, then no jump: {listing}"
    );
    assert_eq!(lines[3], "L1:", "the entry falls through: {listing}");
    assert!(
        lines.iter().any(|l| l.ends_with(", 5")),
        "the immediate add: {listing}"
    );
    assert_eq!(lines.iter().filter(|l| **l == "ret").count(), 1);
    for (offset, word) in function.code.chunks(4).enumerate() {
        if word[3] == 0x06 || word[3] == 0xEE {
            let field = u32::from_le_bytes(word.try_into().expect("a word")) & 0xFF_FFFF;
            let target = (offset as i64 + i64::from((field << 8) as i32 >> 8)) * 4;
            assert!(
                (0..function.code.len() as i64).contains(&target),
                "{listing}"
            );
        }
    }
}

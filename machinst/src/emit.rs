//! The emission driver: allocated [`VCode`] to bytes, with the encoding
//! supplied by the ISA through [`EmitIsa`].
//!
//! The driver emits the prologue, then every block in order, binding the
//! block's label (after whatever padding the ISA puts before a loop of one
//! block), and before each instruction the allocator's edits
//! (moves, spills, reloads, recomputed constants: [`dispatch_edit`]) and
//! then the instruction; last the code after the blocks (trap stubs). It
//! reserves room in the [`MachBuffer`] before each piece so that islands
//! come in time.
//!
//! A block that holds only a jump, with no edits (as split edges often
//! are), is not emitted at all: a jump to it goes straight to the end of
//! the chain ([`EmitCtx::destination`]).

use crate::buffer::{Label, LabelUse, MachBuffer};
use crate::frame::FrameLayout;
use crate::inst::MachInst;
use crate::vcode::VCode;
use kiln_regalloc::{Allocation, Edit, Inst, Output, PReg, RegClass, SpillSlot};
use kiln_ssa::TrapCode;

/// How an ISA carries out the allocator's edits.
pub trait EditSink<I> {
    /// A copy between two registers of the same class.
    fn move_reg(&mut self, from: PReg, to: PReg);

    /// A store of a register into a spill slot.
    fn spill(&mut self, from: PReg, to: SpillSlot);

    /// A load of a spill slot into a register.
    fn reload(&mut self, from: SpillSlot, to: PReg);

    /// Recomputes a constant, whose defining instruction is `constant`,
    /// into `to`.
    fn remat(&mut self, constant: &I, to: PReg);

    /// The register of `class` that the allocator never hands out.
    fn scratch(&self, class: RegClass) -> PReg;
}

/// Carries out one edit through the ISA's hooks. A constant recomputed
/// into a spill slot goes through the scratch register of its class.
pub fn dispatch_edit<I, S: EditSink<I>>(sink: &mut S, vcode: &VCode<I>, edit: Edit) {
    match edit {
        Edit::Move { from, to } => match (from, to) {
            (Allocation::Reg(from), Allocation::Reg(to)) => sink.move_reg(from, to),
            (Allocation::Reg(from), Allocation::Stack(to)) => sink.spill(from, to),
            (Allocation::Stack(from), Allocation::Reg(to)) => sink.reload(from, to),
            (Allocation::Stack(_), Allocation::Stack(_)) => {
                unreachable!("the allocator never moves between two spill slots")
            }
        },
        Edit::Remat { vreg, to } => {
            let constant = vcode.constants[vreg.index()]
                .as_ref()
                .expect("only constants are recomputed");
            match to {
                Allocation::Reg(reg) => sink.remat(constant, reg),
                Allocation::Stack(slot) => {
                    let scratch = sink.scratch(vcode.vreg_classes[vreg.index()]);
                    sink.remat(constant, scratch);
                    sink.spill(scratch, slot);
                }
            }
        }
    }
}

/// What an ISA supplies to the emission driver. The implementing type
/// holds the [`EmitCtx`] and the ISA's assembler over a [`MachBuffer`].
pub trait EmitIsa<'a>: EditSink<Self::Inst> {
    /// The ISA's machine instruction.
    type Inst: MachInst + 'a;
    /// The ISA's kinds of label uses.
    type LabelUse: LabelUse;

    /// The most bytes one edit may add (see [`MachBuffer::reserve`]).
    const MAX_EDIT_SIZE: u32;

    /// The driver's state.
    fn cx(&self) -> &EmitCtx<'a, Self::Inst>;

    /// The driver's state, to change the current block.
    fn cx_mut(&mut self) -> &mut EmitCtx<'a, Self::Inst>;

    /// The buffer the code goes to.
    fn buffer(&mut self) -> &mut MachBuffer<Self::LabelUse>;

    /// The most bytes `inst` may add (see [`MachBuffer::reserve`]).
    fn worst_case_size(&self, inst: Inst) -> u32;

    /// Emits the prologue.
    fn prologue(&mut self);

    /// Pads the code before the header of a loop made of one block, so
    /// that the loop starts where the ISA fetches it best. Nothing by
    /// default.
    fn align_loop_header(&mut self) {}

    /// Emits `inst`, whose operands' locations are
    /// `cx().output.inst_allocs(inst)`.
    fn inst(&mut self, inst: Inst);

    /// Emits what follows the last block (trap stubs), reserving room in
    /// the buffer before each piece.
    fn after_blocks(&mut self);
}

/// Emits the whole function into the ISA's buffer.
pub fn emit<'a, E: EmitIsa<'a>>(isa: &mut E) {
    isa.prologue();
    let vcode = isa.cx().vcode;
    let output = isa.cx().output;
    let mut edits = output.edits().iter().peekable();
    for (b, block) in vcode.blocks.iter().enumerate() {
        if isa.cx().destinations[b] != b {
            continue;
        }
        isa.cx_mut().block = b;
        if is_single_block_loop(isa.cx(), b) {
            isa.align_loop_header();
        }
        let label = isa.cx().block_labels[b];
        isa.buffer().bind(label);
        for i in block.range.0.0..block.range.1.0 {
            let inst = Inst(i);
            while let Some((_, edit)) = edits.next_if(|(at, _)| *at == inst) {
                isa.buffer().reserve(E::MAX_EDIT_SIZE);
                dispatch_edit(isa, vcode, *edit);
            }
            let size = isa.worst_case_size(inst);
            isa.buffer().reserve(size);
            isa.inst(inst);
        }
    }
    isa.after_blocks();
}

/// Whether block `b` is a loop on its own: it branches back to itself,
/// directly or through an edge block that only jumps. Such tight inner
/// loops are where the alignment of the code counts; aligning the headers
/// of larger loops moves the blocks of their bodies around to no gain
/// (`vm_switch`'s dispatch loop ran half as fast again with them aligned).
fn is_single_block_loop<I: MachInst>(cx: &EmitCtx<'_, I>, b: usize) -> bool {
    let flow = &cx.vcode.flow;
    flow.preds(b).iter().any(|pred| {
        let p = pred.index();
        p == b || (cx.destinations[p] == b && flow.preds(p).iter().all(|q| q.index() == b))
    })
}

/// The state of emitting one function that the driver and the ISA share.
pub struct EmitCtx<'a, I> {
    /// The function.
    pub vcode: &'a VCode<I>,
    /// Its allocation.
    pub output: &'a Output,
    /// Its frame.
    pub frame: FrameLayout,
    block_labels: Vec<Label>,
    /// Where a jump to each block really goes.
    destinations: Vec<usize>,
    /// The block being emitted.
    block: usize,
    trap_labels: Vec<(TrapCode, Label)>,
}

impl<'a, I: MachInst> EmitCtx<'a, I> {
    /// Starts emitting `vcode` into `buffer`: a label for every block.
    pub fn new<K: LabelUse>(
        vcode: &'a VCode<I>,
        output: &'a Output,
        frame: FrameLayout,
        buffer: &mut MachBuffer<K>,
    ) -> EmitCtx<'a, I> {
        EmitCtx {
            vcode,
            output,
            frame,
            block_labels: vcode.blocks.iter().map(|_| buffer.new_label()).collect(),
            destinations: jump_destinations(vcode, output.edits()),
            block: 0,
            trap_labels: Vec::new(),
        }
    }

    /// The block being emitted.
    pub fn block(&self) -> usize {
        self.block
    }

    /// The label of block `b`.
    pub fn block_label(&self, b: usize) -> Label {
        self.block_labels[b]
    }

    /// The block emitted right after the current one.
    pub fn next_block(&self) -> Option<usize> {
        (self.block + 1..self.vcode.blocks.len()).find(|&b| self.destinations[b] == b)
    }

    /// Where a jump to successor `succ` of the current block goes.
    pub fn destination(&self, succ: usize) -> usize {
        self.destinations[self.vcode.flow.succs(self.block)[succ].index()]
    }

    /// The label of the stub that traps with `code`, made on first use.
    pub fn trap_label<K: LabelUse>(&mut self, code: TrapCode, buffer: &mut MachBuffer<K>) -> Label {
        if let Some(&(_, label)) = self.trap_labels.iter().find(|(c, _)| *c == code) {
            return label;
        }
        let label = buffer.new_label();
        self.trap_labels.push((code, label));
        label
    }

    /// The trap codes used so far and the labels of their stubs, in order
    /// of first use; the list starts empty again.
    pub fn take_trap_labels(&mut self) -> Vec<(TrapCode, Label)> {
        std::mem::take(&mut self.trap_labels)
    }
}

/// Where a jump to each block really goes: the block itself, or, for a
/// block that only jumps on (no edits on the way), the end of that chain.
fn jump_destinations<I: MachInst>(vcode: &VCode<I>, edits: &[(Inst, Edit)]) -> Vec<usize> {
    let mut has_edits = vec![false; vcode.insts.len()];
    for (inst, _) in edits {
        has_edits[inst.index()] = true;
    }
    let only_jumps = |b: usize| {
        let (start, end) = vcode.blocks[b].range;
        b != 0
            && end.0 - start.0 == 1
            && vcode.insts[start.index()].is_jump()
            && !has_edits[start.index()]
    };
    (0..vcode.blocks.len())
        .map(|b| {
            let mut destination = b;
            for _ in 0..vcode.blocks.len() {
                if !only_jumps(destination) {
                    return destination;
                }
                destination = vcode.flow.succs(destination)[0].index();
            }
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vcode::{ControlFlow, MachBlock};
    use kiln_regalloc::{Block, PRegSet, VReg};

    #[derive(Clone, Debug, PartialEq)]
    enum Fake {
        Jump,
        Const(u64),
        Return,
    }

    impl MachInst for Fake {
        fn args() -> Fake {
            unreachable!("not lowered here")
        }
        fn stack_arg(_: u32) -> Fake {
            unreachable!("not lowered here")
        }
        fn jump() -> Fake {
            Fake::Jump
        }
        fn is_jump(&self) -> bool {
            *self == Fake::Jump
        }
        fn is_pure(&self) -> bool {
            matches!(self, Fake::Const(_))
        }
    }

    /// Blocks `insts`, each jumping to the next but the last.
    fn chain(blocks: &[&[Fake]]) -> VCode<Fake> {
        let mut vcode = VCode {
            insts: Vec::new(),
            operands: Vec::new(),
            operand_starts: vec![0],
            clobbers: Vec::new(),
            blocks: Vec::new(),
            flow: ControlFlow::default(),
            vreg_classes: vec![RegClass::Int, RegClass::Float],
            constants: vec![Some(Fake::Const(7)), Some(Fake::Const(9))],
            outgoing_slots: 0,
        };
        for (b, insts) in blocks.iter().enumerate() {
            let start = Inst(vcode.insts.len() as u32);
            for inst in *insts {
                vcode.insts.push(inst.clone());
                vcode.operand_starts.push(0);
                vcode.clobbers.push(PRegSet::empty());
            }
            let end = Inst(vcode.insts.len() as u32);
            vcode.blocks.push(MachBlock {
                range: (start, end),
            });
            vcode.flow.push_block();
            if b + 1 < blocks.len() {
                vcode.flow.push_succ(Block(b as u32 + 1), []);
            }
        }
        vcode.flow.find_preds();
        vcode
    }

    #[test]
    fn jumps_to_blocks_that_only_jump_go_to_the_end_of_the_chain() {
        let vcode = chain(&[&[Fake::Jump], &[Fake::Jump], &[Fake::Jump], &[Fake::Return]]);
        assert_eq!(jump_destinations(&vcode, &[]), [0, 3, 3, 3]);
    }

    #[test]
    fn a_block_with_edits_is_a_destination_of_its_own() {
        let vcode = chain(&[&[Fake::Jump], &[Fake::Jump], &[Fake::Jump], &[Fake::Return]]);
        let r0 = PReg::new(0, RegClass::Int);
        let edit = Edit::Move {
            from: Allocation::Reg(r0),
            to: Allocation::Stack(SpillSlot(0)),
        };
        assert_eq!(jump_destinations(&vcode, &[(Inst(2), edit)]), [0, 2, 2, 3]);
    }

    /// Writes down what it is asked to emit.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl EditSink<Fake> for Recorder {
        fn move_reg(&mut self, from: PReg, to: PReg) {
            self.0.push(format!("move {from} -> {to}"));
        }
        fn spill(&mut self, from: PReg, to: SpillSlot) {
            self.0.push(format!("spill {from} -> slot{}", to.0));
        }
        fn reload(&mut self, from: SpillSlot, to: PReg) {
            self.0.push(format!("reload slot{} -> {to}", from.0));
        }
        fn remat(&mut self, constant: &Fake, to: PReg) {
            self.0.push(format!("remat {constant:?} -> {to}"));
        }
        fn scratch(&self, class: RegClass) -> PReg {
            PReg::new(15, class)
        }
    }

    #[test]
    fn edits_go_to_the_hook_of_their_kind() {
        let vcode = chain(&[&[Fake::Return]]);
        let (r1, r2) = (PReg::new(1, RegClass::Int), PReg::new(2, RegClass::Int));
        let f3 = PReg::new(3, RegClass::Float);
        let slot = Allocation::Stack(SpillSlot(4));
        let edits = [
            Edit::Move {
                from: Allocation::Reg(r1),
                to: Allocation::Reg(r2),
            },
            Edit::Move {
                from: Allocation::Reg(r1),
                to: slot,
            },
            Edit::Move {
                from: slot,
                to: Allocation::Reg(r2),
            },
            Edit::Remat {
                vreg: VReg(0),
                to: Allocation::Reg(r2),
            },
            Edit::Remat {
                vreg: VReg(1),
                to: Allocation::Reg(f3),
            },
        ];
        let mut recorder = Recorder::default();
        for edit in edits {
            dispatch_edit(&mut recorder, &vcode, edit);
        }
        assert_eq!(
            recorder.0,
            [
                "move r1 -> r2",
                "spill r1 -> slot4",
                "reload slot4 -> r2",
                "remat Const(7) -> r2",
                "remat Const(9) -> f3",
            ]
        );
    }

    #[test]
    fn a_constant_recomputed_into_a_spill_slot_goes_through_the_scratch_register() {
        let vcode = chain(&[&[Fake::Return]]);
        let mut recorder = Recorder::default();
        let to = Allocation::Stack(SpillSlot(2));
        dispatch_edit(&mut recorder, &vcode, Edit::Remat { vreg: VReg(1), to });
        assert_eq!(recorder.0, ["remat Const(9) -> f15", "spill f15 -> slot2"]);
    }
}

//! Turns allocated intervals into the allocator's output: a location for
//! every operand, and the moves that keep every value where the next reader
//! expects it.
//!
//! Moves happen in two kinds of places, each a parallel move:
//!
//! - in the gap before each instruction: results of the previous
//!   instruction leave a fixed register or slot for their interval's home
//!   (and a spilled value is stored to its slot, once, where it is defined),
//!   values move where an interval was split, and inputs go into the fixed
//!   registers, slots or two-address registers that the instruction wants;
//! - on each control-flow edge: values live into the successor, and branch
//!   arguments into block parameters, go from where they are at the end of
//!   the predecessor to where the successor expects them. The moves sit
//!   before the predecessor's jump when it has a single successor, and at
//!   the top of the successor otherwise (there are no critical edges).

use smallvec::SmallVec;

use crate::entry_regs::EntryRegs;
use crate::function::{Function, MachineEnv};
use crate::homes::{Home, Homes};
use crate::interval::{Pos, early, late};
use crate::linear_scan::Allocated;
use crate::operand::{Constraint, Operand, OperandKind, Reuses};
use crate::output::{Edit, Output};
use crate::parallel_move::{MoveEmitter, MoveSource};
use crate::spill_slots::SpillSlots;
use crate::types::{Allocation, Block, Inst, PReg, PRegSet, VReg};

/// A parallel move being built.
type Moves = Vec<(MoveSource, Allocation)>;

/// Builds the output for `func` from its allocated intervals.
pub(crate) fn resolve<F: Function>(
    func: &F,
    env: &MachineEnv,
    def_block: &[Block],
    allocated: &Allocated,
    slots: SpillSlots,
) -> Output {
    let SpillSlots {
        slot_of,
        mut classes,
    } = slots;
    let homes = Homes::new(func, allocated, &slot_of);
    let operands = OperandAllocs::new(func, &homes);
    let resolver = Resolver {
        func,
        homes: &homes,
        operands: &operands,
        entry_regs: &EntryRegs::new(func, allocated),
        def_block,
    };
    let mut gap = GapLookups::new(classes.len());
    let mut emitter = MoveEmitter::new(env, &mut classes);
    let mut moves = Moves::new();
    let split_points = split_points(func, allocated);
    let mut next_split = 0;
    // Where each block first appears among the successors of the block
    // that branches to it (used for blocks with one predecessor).
    let mut index_in_pred = vec![0usize; func.num_blocks()];
    for b in 0..func.num_blocks() as u32 {
        for (index, succ) in func.block_succs(Block(b)).iter().enumerate().rev() {
            index_in_pred[succ.index()] = index;
        }
    }
    for b in 0..func.num_blocks() as u32 {
        let block = Block(b);
        let (first, end) = func.block_insts(block);
        if let [pred] = func.block_preds(block)
            && func.block_succs(*pred).len() > 1
        {
            resolver.edge_moves(*pred, block, index_in_pred[block.index()], &mut moves);
            emitter.emit_parallel(first, &moves);
        }
        for i in first.0..end.0 {
            let inst = Inst(i);
            while next_split < split_points.len() && split_points[next_split].0 < early(inst) {
                next_split += 1;
            }
            let split_start = next_split;
            while next_split < split_points.len() && split_points[next_split].0 == early(inst) {
                next_split += 1;
            }
            let splits = &split_points[split_start..next_split];
            let block_params = (inst == first).then(|| func.block_params(block));
            resolver.gap_moves(inst, block_params, splits, &mut gap, &mut moves);
            emitter.emit_parallel(inst, &moves);
        }
        if let [succ] = func.block_succs(block) {
            resolver.edge_moves(block, *succ, 0, &mut moves);
            emitter.emit_parallel(Inst(end.0 - 1), &moves);
        }
    }
    let MoveEmitter { edits, stats, .. } = emitter;
    let used_callee_saved = callee_saved_written(env.callee_saved, func, &operands, &edits);
    Output {
        operand_allocs: operands.allocs,
        operand_offsets: operands.offsets,
        edits,
        spill_slot_classes: classes,
        used_callee_saved,
        stats,
    }
}

/// The location of every operand, instruction after instruction.
struct OperandAllocs {
    allocs: Vec<Allocation>,
    /// Where the operands of each instruction start in `allocs`.
    offsets: Vec<u32>,
}

impl OperandAllocs {
    fn new<F: Function>(func: &F, homes: &Homes<'_, F>) -> OperandAllocs {
        let mut allocs = Vec::with_capacity(func.num_insts() * 3);
        let mut offsets = Vec::with_capacity(func.num_insts() + 1);
        offsets.push(0);
        for i in 0..func.num_insts() as u32 {
            let inst = Inst(i);
            let operands = func.inst_operands(inst);
            let reuses = Reuses::of(operands);
            for (index, op) in operands.iter().enumerate() {
                let reusing_def = reuses.def_reusing(index).map(|def| &operands[def]);
                let alloc = match (op.kind, op.constraint) {
                    (_, Constraint::Fixed(reg)) => Allocation::Reg(reg),
                    (_, Constraint::Stack) => Allocation::Stack(homes.slot(op.vreg)),
                    (OperandKind::Use, _) => match reusing_def {
                        Some(def) => homes.loc(def.vreg, early(inst)),
                        None => homes.loc(op.vreg, early(inst)),
                    },
                    (OperandKind::Def, Constraint::Reuse(_)) | (OperandKind::EarlyDef, _) => {
                        homes.loc(op.vreg, early(inst))
                    }
                    (OperandKind::Def, _) => homes.loc(op.vreg, late(inst)),
                };
                allocs.push(alloc);
            }
            offsets.push(allocs.len() as u32);
        }
        OperandAllocs { allocs, offsets }
    }

    /// The locations of the operands of `inst`.
    fn of(&self, inst: Inst) -> &[Allocation] {
        &self.allocs[self.offsets[inst.index()] as usize..self.offsets[inst.index() + 1] as usize]
    }
}

/// The positions (sorted) where a value moves from one interval straight
/// into the next, away from block starts (edges handle those).
fn split_points<F: Function>(func: &F, allocated: &Allocated) -> Vec<(Pos, VReg)> {
    let mut block_starts = vec![false; func.num_insts()];
    for b in 0..func.num_blocks() as u32 {
        block_starts[func.block_insts(Block(b)).0.index()] = true;
    }
    let mut points = Vec::new();
    for (v, children) in allocated.children.iter().enumerate() {
        for pair in children.windows(2) {
            let before = &allocated.intervals[pair[0] as usize];
            let after = &allocated.intervals[pair[1] as usize];
            let at = after.start();
            if before.end() == at && !block_starts[(at / 2) as usize] {
                points.push((at, VReg(v as u32)));
            }
        }
    }
    points.sort_unstable();
    points
}

/// What building the moves reads.
struct Resolver<'a, F> {
    func: &'a F,
    homes: &'a Homes<'a, F>,
    operands: &'a OperandAllocs,
    /// The values in a register at each block start.
    entry_regs: &'a EntryRegs,
    /// The block that defines each value.
    def_block: &'a [Block],
}

impl<F: Function> Resolver<'_, F> {
    /// The parallel move in the gap before `inst`. When `inst` starts a
    /// block, `block_params` are the block's parameters, which are defined
    /// in this gap; `splits` are the values split right at `inst`.
    fn gap_moves(
        &self,
        inst: Inst,
        block_params: Option<&[VReg]>,
        splits: &[(Pos, VReg)],
        gap: &mut GapLookups,
        moves: &mut Moves,
    ) {
        moves.clear();
        let (func, homes) = (self.func, self.homes);
        let here = early(inst);
        let operands = func.inst_operands(inst);
        let allocs = self.operands.of(inst);
        let params = block_params.unwrap_or(&[]);
        // The instruction just before, in the same block, if any: its
        // results are still where it wrote them.
        let (previous_operands, previous_allocs) = match block_params {
            Some(_) => (&[][..], &[][..]),
            None => {
                let previous = Inst(inst.0 - 1);
                (func.inst_operands(previous), self.operands.of(previous))
            }
        };
        // The values that may need a move here. The others (a plain register
        // or anywhere operand, read or written where its interval is, and not
        // a constant that may have to be recomputed into a slot) are already
        // in place.
        let plain = |ops: &[Operand], reuses: &Reuses, index: usize| {
            matches!(
                ops[index].constraint,
                Constraint::Reg | Constraint::Any | Constraint::Reuse(_)
            ) && reuses.def_reusing(index).is_none()
                && !func.is_constant(ops[index].vreg)
        };
        let (reuses, previous_reuses) = (Reuses::of(operands), Reuses::of(previous_operands));
        let mut values: SmallVec<[VReg; 8]> = splits.iter().map(|&(_, v)| v).collect();
        values.extend(
            operands
                .iter()
                .enumerate()
                .filter(|&(index, op)| !op.is_def() && !plain(operands, &reuses, index))
                .map(|(_, op)| op.vreg),
        );
        values.extend(
            previous_operands
                .iter()
                .enumerate()
                .filter(|&(index, op)| {
                    op.is_def()
                        && (!plain(previous_operands, &previous_reuses, index)
                            || homes.stored_at_def(op.vreg))
                })
                .map(|(_, op)| op.vreg),
        );
        values.extend_from_slice(params);
        if values.is_empty() {
            return;
        }
        values.sort_unstable();
        values.dedup();
        gap.start(operands, previous_operands, params);
        for &v in &values {
            let defined_by_previous = gap.previous_def(v);
            let defined_here = defined_by_previous.is_some() || gap.is_param(v);
            let source = match defined_by_previous {
                Some(index) => Home::Loc(previous_allocs[index]),
                None if block_params.is_some() => {
                    if !homes.is_ever_live(v) {
                        continue; // an unused block parameter
                    }
                    homes.at(v, here)
                }
                None => homes.at(v, here - 1),
            };
            let source = match source {
                Home::Loc(loc) => MoveSource::Loc(loc),
                Home::Remat => MoveSource::Remat(v),
            };
            let mut add = |dst: Allocation, gap: &mut GapLookups| {
                let redundant = source == MoveSource::Loc(dst)
                    || (!defined_here && homes.already_in(v, dst))
                    || !gap.write(dst);
                if !redundant {
                    moves.push((source, dst));
                }
            };
            if defined_here && homes.stored_at_def(v) {
                add(Allocation::Stack(homes.slot(v)), gap);
            }
            if block_params.is_none()
                && let Some(Home::Loc(dst)) = homes.live_at(v, here)
            {
                add(dst, gap);
            }
            let mut nth = 0;
            while let Some(index) = gap.use_of(v, nth) {
                add(allocs[index], gap);
                nth += 1;
            }
        }
    }

    /// The parallel move on the edge from `pred` to `succ`, its successor
    /// number `succ_index`.
    fn edge_moves(&self, pred: Block, succ: Block, succ_index: usize, moves: &mut Moves) {
        moves.clear();
        let (func, homes) = (self.func, self.homes);
        let pred_last = early(func.block_insts(pred).1) - 1;
        let succ_first = early(func.block_insts(succ).0);
        let mut add = |from: VReg, to: VReg| {
            if !homes.is_ever_live(to) {
                return; // an unused block parameter
            }
            let Home::Loc(dst) = homes.at(to, succ_first) else {
                return;
            };
            if from == to && homes.already_in(from, dst) {
                return;
            }
            let src = match homes.at(from, pred_last) {
                Home::Loc(loc) => MoveSource::Loc(loc),
                Home::Remat => MoveSource::Remat(from),
            };
            moves.push((src, dst));
        };
        // Of the values live into `succ`, only those in a register there
        // can need a move (see `entry_regs`); the others in a register there
        // are defined at its start. A value that was never split is in the
        // same place everywhere.
        for &v in self.entry_regs.of(succ) {
            if self.def_block[v.index()] != succ && homes.was_split(v) {
                add(v, v);
            }
        }
        debug_assert_eq!(func.block_succs(pred)[succ_index], succ);
        for (&arg, &param) in func
            .branch_args(pred, succ_index)
            .iter()
            .zip(func.block_params(succ))
        {
            add(arg, param);
        }
    }
}

/// What [`Resolver::gap_moves`] looks values up in, rebuilt for every gap
/// in storage kept from one gap to the next. Sorted lists and a stamped
/// table keep the lookups of a gap linear (or n log n) in the number of
/// operands, where searching the operands for every value would be
/// quadratic: a call with a thousand arguments and a thousand results.
struct GapLookups {
    /// The defs of the previous instruction, as (value, operand index),
    /// sorted.
    previous_defs: SmallVec<[(VReg, usize); 4]>,
    /// The uses of this instruction, as (value, operand index), sorted.
    uses: SmallVec<[(VReg, usize); 8]>,
    /// The parameters defined in this gap, sorted.
    params: SmallVec<[VReg; 4]>,
    /// For every register and spill slot, the number of the last gap that
    /// moved a value into it.
    written_in: Vec<u32>,
    /// The number of this gap.
    stamp: u32,
}

impl GapLookups {
    /// Lookups for a function with `num_slots` spill slots.
    fn new(num_slots: usize) -> GapLookups {
        GapLookups {
            previous_defs: SmallVec::new(),
            uses: SmallVec::new(),
            params: SmallVec::new(),
            written_in: vec![0; PReg::NUM_INDICES + num_slots],
            stamp: 0,
        }
    }

    /// Starts the gap before an instruction with `operands`, after one
    /// with `previous_operands`, where `params` are defined.
    fn start(&mut self, operands: &[Operand], previous_operands: &[Operand], params: &[VReg]) {
        self.stamp += 1;
        self.previous_defs.clear();
        self.previous_defs.extend(
            previous_operands
                .iter()
                .enumerate()
                .filter(|(_, op)| op.is_def())
                .map(|(index, op)| (op.vreg, index)),
        );
        self.previous_defs.sort_unstable();
        self.uses.clear();
        self.uses.extend(
            operands
                .iter()
                .enumerate()
                .filter(|(_, op)| op.kind == OperandKind::Use)
                .map(|(index, op)| (op.vreg, index)),
        );
        self.uses.sort_unstable();
        self.params.clear();
        self.params.extend_from_slice(params);
        self.params.sort_unstable();
    }

    /// The first def of `v` by the previous instruction, by operand index.
    fn previous_def(&self, v: VReg) -> Option<usize> {
        let at = self.previous_defs.partition_point(|&(def, _)| def < v);
        self.previous_defs
            .get(at)
            .filter(|&&(def, _)| def == v)
            .map(|&(_, index)| index)
    }

    /// Whether `v` is a parameter defined in this gap.
    fn is_param(&self, v: VReg) -> bool {
        self.params.binary_search(&v).is_ok()
    }

    /// The operand index of this instruction's use number `nth` of `v` (in
    /// operand order), if it has that many.
    fn use_of(&self, v: VReg, nth: usize) -> Option<usize> {
        let from = self.uses.partition_point(|&(used, _)| used < v);
        self.uses
            .get(from + nth)
            .filter(|&&(used, _)| used == v)
            .map(|&(_, index)| index)
    }

    /// Records a move into `dst` in this gap; false if one already goes
    /// there.
    fn write(&mut self, dst: Allocation) -> bool {
        let index = match dst {
            Allocation::Reg(reg) => reg.index(),
            Allocation::Stack(slot) => PReg::NUM_INDICES + slot.index(),
        };
        let first = self.written_in[index] != self.stamp;
        self.written_in[index] = self.stamp;
        first
    }
}

/// The callee-saved registers that operands or moves write.
fn callee_saved_written<F: Function>(
    callee_saved: PRegSet,
    func: &F,
    operands: &OperandAllocs,
    edits: &[(Inst, Edit)],
) -> PRegSet {
    let mut written = PRegSet::empty();
    let mut note = |loc: Allocation| {
        if let Allocation::Reg(reg) = loc
            && callee_saved.contains(reg)
        {
            written.insert(reg);
        }
    };
    for i in 0..func.num_insts() as u32 {
        let inst = Inst(i);
        for (op, &alloc) in func.inst_operands(inst).iter().zip(operands.of(inst)) {
            if op.is_def() {
                note(alloc);
            }
        }
    }
    for (_, edit) in edits {
        match *edit {
            Edit::Move { to, .. } | Edit::Remat { to, .. } => note(to),
        }
    }
    written
}

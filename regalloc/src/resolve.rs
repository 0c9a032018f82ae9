//! Turns allocated intervals into the allocator's output: a location for
//! every operand, and the moves that keep every value where the next reader
//! expects it.
//!
//! Moves happen in two kinds of places, each a parallel move:
//!
//! - in the gap before each instruction: results of the previous
//!   instruction leave a fixed register or slot for their interval's home,
//!   values move where an interval was split, and inputs go into the fixed
//!   registers, slots or two-address registers that the instruction wants;
//! - on each control-flow edge: values live into the successor, and branch
//!   arguments into block parameters, go from where they are at the end of
//!   the predecessor to where the successor expects them. The moves sit
//!   before the predecessor's jump when it has a single successor, and at
//!   the top of the successor otherwise (there are no critical edges).

use smallvec::SmallVec;

use crate::function::{Function, MachineEnv};
use crate::interval::{Assignment, Pos, early, late};
use crate::linear_scan::Allocated;
use crate::operand::{Constraint, OperandKind};
use crate::output::{Edit, Output};
use crate::parallel_move::{MoveEmitter, MoveSource};
use crate::spill_slots::SpillSlots;
use crate::types::{Allocation, Block, Inst, PRegSet, SpillSlot, VReg};

/// Where a value is kept by one of its intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Home {
    Loc(Allocation),
    /// A spilled constant: not kept anywhere, recomputed when needed.
    Remat,
}

/// Builds the output for `func` from its allocated intervals.
pub(crate) fn resolve<F: Function>(
    func: &F,
    env: &MachineEnv,
    live_in: &[Vec<VReg>],
    allocated: &Allocated,
    slots: SpillSlots,
) -> Output {
    let SpillSlots {
        slot_of,
        mut classes,
    } = slots;
    let homes = Homes::new(func, allocated, &slot_of);
    let operand_offsets = operand_offsets(func);
    let operand_allocs = operand_allocations(func, &homes, &operand_offsets);
    let mut emitter = MoveEmitter::new(env, &mut classes);
    let mut moves: Vec<(MoveSource, Allocation)> = Vec::new();
    let split_points = split_points(func, allocated);
    let mut next_split = 0;
    for b in 0..func.num_blocks() as u32 {
        let block = Block(b);
        let (first, end) = func.block_insts(block);
        if let [pred] = func.block_preds(block)
            && func.block_succs(*pred).len() > 1
        {
            edge_moves(func, &homes, live_in, *pred, block, &mut moves);
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
            let params: &[VReg] = if inst == first {
                func.block_params(block)
            } else {
                &[]
            };
            gap_moves(
                func,
                &homes,
                &operand_offsets,
                &operand_allocs,
                inst,
                inst == first,
                params,
                splits,
                &mut moves,
            );
            emitter.emit_parallel(inst, &moves);
        }
        if let [succ] = func.block_succs(block) {
            edge_moves(func, &homes, live_in, block, *succ, &mut moves);
            emitter.emit_parallel(Inst(end.0 - 1), &moves);
        }
    }
    let MoveEmitter { edits, stats, .. } = emitter;
    let used_callee_saved = callee_saved_written(
        env.callee_saved,
        func,
        &operand_offsets,
        &operand_allocs,
        &edits,
    );
    Output {
        operand_allocs,
        operand_offsets,
        edits,
        spill_slot_classes: classes,
        used_callee_saved,
        stats,
    }
}

/// Looks up where each value is at each position.
struct Homes<'a, F> {
    func: &'a F,
    allocated: &'a Allocated,
    slot_of: &'a [Option<SpillSlot>],
    /// The start and home of every interval, grouped by virtual register
    /// (the intervals of `v` are at `offsets[v]..offsets[v + 1]`): a compact
    /// copy of what most look-ups need.
    starts: Vec<Pos>,
    homes: Vec<Home>,
    offsets: Vec<u32>,
}

impl<'a, F: Function> Homes<'a, F> {
    fn new(func: &'a F, allocated: &'a Allocated, slot_of: &'a [Option<SpillSlot>]) -> Self {
        let mut homes = Homes {
            func,
            allocated,
            slot_of,
            starts: Vec::with_capacity(allocated.intervals.len()),
            homes: Vec::with_capacity(allocated.intervals.len()),
            offsets: Vec::with_capacity(allocated.children.len() + 1),
        };
        homes.offsets.push(0);
        for (v, children) in allocated.children.iter().enumerate() {
            for &id in children {
                let interval = &allocated.intervals[id as usize];
                let home = homes.home(VReg(v as u32), interval.assignment);
                homes.starts.push(interval.start());
                homes.homes.push(home);
            }
            homes.offsets.push(homes.starts.len() as u32);
        }
        homes
    }

    /// Where `v` is at `pos`, if it is live there.
    fn live_at(&self, v: VReg, pos: Pos) -> Option<Home> {
        let assignment = self.allocated.assignment_at(v, pos)?;
        Some(self.home(v, assignment))
    }

    /// Where `v` is at `pos`, where it is known to be live.
    fn at(&self, v: VReg, pos: Pos) -> Home {
        let range = self.offsets[v.index()] as usize..self.offsets[v.index() + 1] as usize;
        let later = self.starts[range.clone()].partition_point(|&start| start <= pos);
        debug_assert!(later > 0, "{v} is not live at position {pos}");
        self.homes[range.start + later - 1]
    }

    /// Whether `v` is live anywhere.
    fn is_ever_live(&self, v: VReg) -> bool {
        self.offsets[v.index()] < self.offsets[v.index() + 1]
    }

    fn home(&self, v: VReg, assignment: Assignment) -> Home {
        match assignment {
            Assignment::Reg(reg) => Home::Loc(Allocation::Reg(reg)),
            Assignment::Spilled if self.func.is_constant(v) => Home::Remat,
            Assignment::Spilled => Home::Loc(Allocation::Stack(self.slot(v))),
            Assignment::Unassigned => unreachable!("every interval is assigned"),
        }
    }

    fn slot(&self, v: VReg) -> SpillSlot {
        self.slot_of[v.index()].expect("spilled values have a slot")
    }

    /// Whether `v` is stored to its slot where it is defined, so that its
    /// slot holds it wherever it is live (constants are recomputed instead).
    fn stored_at_def(&self, v: VReg) -> bool {
        self.slot_of[v.index()].is_some() && !self.func.is_constant(v)
    }

    /// Whether a copy of `v` into `dst` is redundant because `dst` is the
    /// slot that has held `v` since its definition.
    fn already_in(&self, v: VReg, dst: Allocation) -> bool {
        self.stored_at_def(v) && dst == Allocation::Stack(self.slot(v))
    }

    /// The location `v` has at `pos` as an operand. A spilled constant is
    /// recomputed into its slot for an operand that accepts a slot.
    fn loc(&self, v: VReg, pos: Pos) -> Allocation {
        match self.at(v, pos) {
            Home::Loc(loc) => loc,
            Home::Remat => Allocation::Stack(self.slot(v)),
        }
    }
}

/// Where each instruction's operands start in the flat list of allocations.
fn operand_offsets<F: Function>(func: &F) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(func.num_insts() + 1);
    let mut total = 0u32;
    offsets.push(0);
    for i in 0..func.num_insts() as u32 {
        total += func.inst_operands(Inst(i)).len() as u32;
        offsets.push(total);
    }
    offsets
}

/// The location of every operand.
fn operand_allocations<F: Function>(
    func: &F,
    homes: &Homes<'_, F>,
    offsets: &[u32],
) -> Vec<Allocation> {
    let mut allocs = Vec::with_capacity(*offsets.last().unwrap_or(&0) as usize);
    for i in 0..func.num_insts() as u32 {
        let inst = Inst(i);
        let operands = func.inst_operands(inst);
        for (index, op) in operands.iter().enumerate() {
            let reusing_def = operands
                .iter()
                .find(|o| o.constraint == Constraint::Reuse(index));
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
    }
    allocs
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

/// The parallel move in the gap before `inst`. When `inst` starts a block,
/// `params` are the block's parameters, which are defined in this gap.
#[allow(clippy::too_many_arguments)]
fn gap_moves<F: Function>(
    func: &F,
    homes: &Homes<'_, F>,
    offsets: &[u32],
    allocs: &[Allocation],
    inst: Inst,
    starts_block: bool,
    params: &[VReg],
    splits: &[(Pos, VReg)],
    moves: &mut Vec<(MoveSource, Allocation)>,
) {
    moves.clear();
    let here = early(inst);
    let operands = func.inst_operands(inst);
    let inst_allocs = &allocs[offsets[inst.index()] as usize..offsets[inst.index() + 1] as usize];
    let previous = Inst(inst.0.wrapping_sub(1));
    let (previous_operands, previous_allocs) = if starts_block {
        (&[][..], &[][..])
    } else {
        let range = offsets[previous.index()] as usize..offsets[inst.index()] as usize;
        (func.inst_operands(previous), &allocs[range])
    };
    let mut values: SmallVec<[VReg; 8]> = splits.iter().map(|&(_, v)| v).collect();
    values.extend(operands.iter().filter(|op| !op.is_def()).map(|op| op.vreg));
    values.extend(
        previous_operands
            .iter()
            .filter(|op| op.is_def())
            .map(|op| op.vreg),
    );
    values.extend_from_slice(params);
    values.sort_unstable();
    values.dedup();
    for &v in &values {
        let defined_by_previous = previous_operands
            .iter()
            .position(|op| op.is_def() && op.vreg == v);
        let defined_here = defined_by_previous.is_some() || params.contains(&v);
        let source = match defined_by_previous {
            Some(index) => Home::Loc(previous_allocs[index]),
            None if starts_block => {
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
        let add = |dst: Allocation, moves: &mut Vec<(MoveSource, Allocation)>| {
            let redundant = source == MoveSource::Loc(dst)
                || (!defined_here && homes.already_in(v, dst))
                || moves.iter().any(|&(_, d)| d == dst);
            if !redundant {
                moves.push((source, dst));
            }
        };
        if defined_here && homes.stored_at_def(v) {
            add(Allocation::Stack(homes.slot(v)), moves);
        }
        if !starts_block && let Some(Home::Loc(dst)) = homes.live_at(v, here) {
            add(dst, moves);
        }
        for (op, &alloc) in operands.iter().zip(inst_allocs) {
            if op.vreg == v && op.kind == OperandKind::Use {
                add(alloc, moves);
            }
        }
    }
}

/// The parallel move on the edge from `pred` to `succ`.
fn edge_moves<F: Function>(
    func: &F,
    homes: &Homes<'_, F>,
    live_in: &[Vec<VReg>],
    pred: Block,
    succ: Block,
    moves: &mut Vec<(MoveSource, Allocation)>,
) {
    moves.clear();
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
    for &v in &live_in[succ.index()] {
        // A value that was never split is in the same place everywhere.
        if homes.allocated.children[v.index()].len() > 1 {
            add(v, v);
        }
    }
    let succ_index = func
        .block_succs(pred)
        .iter()
        .position(|&s| s == succ)
        .expect("an edge joins a block to a successor");
    for (&arg, &param) in func
        .branch_args(pred, succ_index)
        .iter()
        .zip(func.block_params(succ))
    {
        add(arg, param);
    }
}

/// The callee-saved registers that operands or moves write.
fn callee_saved_written<F: Function>(
    callee_saved: PRegSet,
    func: &F,
    offsets: &[u32],
    allocs: &[Allocation],
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
    for i in 0..func.num_insts() {
        let operands = func.inst_operands(Inst(i as u32));
        for (op, &alloc) in operands
            .iter()
            .zip(&allocs[offsets[i] as usize..offsets[i + 1] as usize])
        {
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

//! The linear scan itself, after Wimmer and Franz: intervals are visited in
//! order of their start; each gets a register that is free for all of it,
//! or for a first part of it (the rest is split off and visited later), or
//! takes a register from the intervals that are cheapest to spill.
//!
//! Spilling an interval splits it twice: the part from the current position
//! goes to the stack, and the part from just before its next use that needs
//! a register is visited again. Reloads are hoisted out of loops when the
//! use is deeper in a loop than the spill; but a piece whose value is
//! already in its slot takes no register that it would lose before its
//! next read, nor one that it would lose inside the loop whose start it
//! was hoisted to (every back edge would reload it): it stays in its slot
//! up to its next use that needs a register. What a spill costs is the loop
//! weight of the next use divided by its distance, so that values used soon
//! and inside loops stay in registers. Every use counts, not only those
//! that need a register: a value read as a memory-capable operand, a fixed
//! operand or a branch argument costs a load from its slot when spilled.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use smallvec::SmallVec;

use crate::build::FixedRanges;
use crate::cfg::LoopInfo;
use crate::error::AllocError;
use crate::function::{Function, MachineEnv};
use crate::interval::{
    Assignment, LiveInterval, Pos, UsePosition, early, gap_at_or_before, inst_of,
};
use crate::types::{Block, PReg, PRegSet, VReg};

/// The allocated intervals of every virtual register.
pub(crate) struct Allocated<'a> {
    /// All intervals: whole lifetimes first, then the pieces split off.
    pub(crate) intervals: Vec<LiveInterval<'a>>,
    /// The intervals of each virtual register, sorted by start.
    pub(crate) children: Vec<SmallVec<[u32; 2]>>,
}

impl Allocated<'_> {
    /// Where the interval of `v` that covers `pos` is, if one does.
    pub(crate) fn assignment_at(&self, v: VReg, pos: Pos) -> Option<Assignment> {
        let children = &self.children[v.index()];
        let id = match children.as_slice() {
            [only] => *only,
            _ => {
                let index =
                    children.partition_point(|&id| self.intervals[id as usize].start() <= pos);
                *children.get(index.checked_sub(1)?)?
            }
        };
        let interval = &self.intervals[id as usize];
        interval.covers(pos).then_some(interval.assignment)
    }
}

/// A value no position reaches.
const NEVER: Pos = Pos::MAX;

/// Runs the linear scan over the whole lifetimes `intervals`, splitting
/// them as it goes.
pub(crate) fn linear_scan<'a, F: Function>(
    func: &'a F,
    env: &'a MachineEnv,
    loops: &'a LoopInfo,
    intervals: Vec<LiveInterval<'a>>,
    fixed: FixedRanges,
    hint_from: Vec<Option<(VReg, Pos)>>,
) -> Result<Allocated<'a>, AllocError> {
    let mut block_of_inst = vec![Block(0); func.num_insts()];
    let mut block_start = Vec::with_capacity(func.num_blocks());
    for b in 0..func.num_blocks() as u32 {
        let (first, end) = func.block_insts(Block(b));
        block_of_inst[first.index()..end.index()].fill(Block(b));
        block_start.push(early(first));
    }
    let allocatable = RegClassTable::new(env);
    let mut scan = Scan {
        func,
        env,
        loops,
        allocatable,
        block_of_inst,
        block_start,
        children: (0..intervals.len() as u32)
            .map(|v| SmallVec::from_elem(v, 1))
            .collect(),
        intervals,
        fixed,
        fixed_cursor: vec![0; PReg::NUM_INDICES],
        hint_from,
        unhandled: Unhandled::default(),
        active: Vec::new(),
        inactive: Vec::new(),
        used_callee_saved: PRegSet::empty(),
    };
    scan.unhandled.whole = scan
        .intervals
        .iter()
        .enumerate()
        .filter(|(_, interval)| !interval.is_empty())
        .map(|(id, interval)| (interval.start(), id as u32))
        .collect();
    scan.unhandled.whole.sort_unstable_by(|a, b| b.cmp(a));
    while let Some((pos, id)) = scan.unhandled.pop() {
        scan.advance_to(pos);
        if !scan.try_free_register(id, pos) {
            scan.allocate_blocked_register(id, pos)?;
        }
    }
    let Scan {
        mut children,
        intervals,
        ..
    } = scan;
    for list in &mut children {
        list.retain(|&mut id| !intervals[id as usize].is_empty());
        list.sort_by_key(|&id| intervals[id as usize].start());
    }
    Ok(Allocated {
        intervals,
        children,
    })
}

/// The allocatable registers of each class, as sets.
struct RegClassTable {
    sets: [PRegSet; 2],
}

impl RegClassTable {
    fn new(env: &MachineEnv) -> RegClassTable {
        RegClassTable {
            sets: [
                env.allocatable[0].iter().copied().collect(),
                env.allocatable[1].iter().copied().collect(),
            ],
        }
    }
}

/// The intervals not yet visited, by start: the whole lifetimes, sorted
/// once, and the pieces split off during the scan, in a heap.
#[derive(Default)]
struct Unhandled {
    /// Sorted by decreasing start, so that the next one is at the end.
    whole: Vec<(Pos, u32)>,
    pieces: BinaryHeap<Reverse<(Pos, u32)>>,
}

impl Unhandled {
    /// Takes the interval that starts first.
    fn pop(&mut self) -> Option<(Pos, u32)> {
        match (self.whole.last(), self.pieces.peek()) {
            (Some(&whole), Some(&Reverse(piece))) if piece < whole => {
                self.pieces.pop();
                Some(piece)
            }
            (Some(_), _) => self.whole.pop(),
            (None, _) => self.pieces.pop().map(|Reverse(piece)| piece),
        }
    }
}

/// The state of the scan.
struct Scan<'a, F> {
    func: &'a F,
    env: &'a MachineEnv,
    loops: &'a LoopInfo,
    allocatable: RegClassTable,
    block_of_inst: Vec<Block>,
    block_start: Vec<Pos>,
    intervals: Vec<LiveInterval<'a>>,
    children: Vec<SmallVec<[u32; 2]>>,
    fixed: FixedRanges,
    /// Per physical register, the first reservation that may still matter.
    fixed_cursor: Vec<usize>,
    hint_from: Vec<Option<(VReg, Pos)>>,
    unhandled: Unhandled,
    /// Intervals in a register and live at the current position.
    active: Vec<Held>,
    /// Intervals in a register, in a hole at the current position.
    inactive: Vec<Held>,
    /// Callee-saved registers handed out so far: using them again is free.
    used_callee_saved: PRegSet,
}

/// An interval that holds a register, with the position up to which the
/// last look at it still holds: before `until`, an active interval is still
/// inside the same range and an inactive one still in the same hole, so the
/// scan need not look again. (0 until the first look.)
#[derive(Clone, Copy)]
struct Held {
    id: u32,
    until: Pos,
}

/// Looks again at the intervals of `list` whose last look has expired by
/// `pos`: drops those that have ended, keeps those that are still live (if
/// `live_stay`) or still in a hole (if not), and moves the others to
/// `other`.
fn sweep(
    intervals: &[LiveInterval],
    list: &mut Vec<Held>,
    other: &mut Vec<Held>,
    pos: Pos,
    live_stay: bool,
) {
    let mut index = 0;
    while index < list.len() {
        let Held { id, until } = list[index];
        if until > pos {
            index += 1;
            continue;
        }
        let Some(range) = intervals[id as usize].range_after(pos) else {
            list.swap_remove(index);
            continue;
        };
        let live = range.from <= pos;
        let until = if live { range.to } else { range.from };
        if live == live_stay {
            list[index].until = until;
            index += 1;
        } else {
            list.swap_remove(index);
            other.push(Held { id, until });
        }
    }
}

/// What a spill of an interval from `pos` costs: the weight of its next use
/// (of any kind), less the farther away that use is.
fn spill_cost(next_use: Option<UsePosition>, pos: Pos) -> f32 {
    match next_use {
        None => 0.0,
        Some(u) => u.weight / ((u.pos.saturating_sub(pos)) as f32 + 1.0),
    }
}

impl<'a, F: Function> Scan<'a, F> {
    fn interval(&self, id: u32) -> &LiveInterval<'a> {
        &self.intervals[id as usize]
    }

    fn reg_of(&self, id: u32) -> PReg {
        match self.interval(id).assignment {
            Assignment::Reg(reg) => reg,
            _ => unreachable!("active and inactive intervals have registers"),
        }
    }

    /// Moves intervals between the active and inactive sets, and drops
    /// those that have ended, for the position `pos`.
    fn advance_to(&mut self, pos: Pos) {
        sweep(
            &self.intervals,
            &mut self.active,
            &mut self.inactive,
            pos,
            true,
        );
        sweep(
            &self.intervals,
            &mut self.inactive,
            &mut self.active,
            pos,
            false,
        );
    }

    /// The first position at or after `pos` where `reg` is reserved by
    /// someone other than the interval `id`, while `id` is live.
    fn first_reservation(&mut self, reg: PReg, id: u32, pos: Pos) -> Pos {
        let list = self.fixed.of(reg);
        let cursor = &mut self.fixed_cursor[reg.index()];
        while *cursor < list.len() && list[*cursor].range.to <= pos {
            *cursor += 1;
        }
        let interval = &self.intervals[id as usize];
        for reservation in &list[*cursor..] {
            if reservation.range.from >= interval.end() {
                break;
            }
            if reservation.owner == Some(interval.vreg) {
                continue;
            }
            if let Some(at) = interval.first_overlap_with_range(pos, reservation.range) {
                return at;
            }
        }
        NEVER
    }

    /// The register suggested for interval `id`, if any.
    fn hints(&self, id: u32) -> [Option<PReg>; 2] {
        let interval = self.interval(id);
        let from_other =
            self.hint_from
                .get(id as usize)
                .copied()
                .flatten()
                .and_then(|(source, at)| {
                    self.children[source.index()].iter().find_map(|&child| {
                        let other = self.interval(child);
                        match other.assignment {
                            Assignment::Reg(reg) if other.covers(at) => Some(reg),
                            _ => None,
                        }
                    })
                });
        [interval.hint, from_other]
    }

    /// Gives `reg` to interval `id`, which becomes active.
    fn assign(&mut self, id: u32, reg: PReg) {
        self.intervals[id as usize].assignment = Assignment::Reg(reg);
        if self.env.callee_saved.contains(reg) {
            self.used_callee_saved.insert(reg);
        }
        self.active.push(Held { id, until: 0 });
    }

    /// Splits interval `id` at `pos` and queues the new piece.
    fn split_and_queue(&mut self, id: u32, pos: Pos) {
        let tail = self.intervals[id as usize].split_off(pos);
        let tail_id = self.add_piece(tail);
        let start = self.interval(tail_id).start();
        self.unhandled.pieces.push(Reverse((start, tail_id)));
    }

    /// Whether `pos` is the start of a block that enters a loop: one
    /// nested deeper than the block before it.
    fn enters_loop(&self, pos: Pos) -> bool {
        let block = self.block_of_inst[inst_of(pos).index()];
        block.0 > 0
            && self.block_start[block.index()] == pos
            && self.loops.depth(Block(block.0 - 1)) < self.loops.depth(block)
    }

    /// Whether some piece of `vreg`'s lifetime went to the stack, so that
    /// its slot holds the value from its definition on.
    fn has_spilled_piece(&self, vreg: VReg) -> bool {
        self.children[vreg.index()]
            .iter()
            .any(|&piece| self.interval(piece).assignment == Assignment::Spilled)
    }

    /// Stores a new piece of a virtual register's lifetime.
    fn add_piece(&mut self, interval: LiveInterval<'a>) -> u32 {
        let id = self.intervals.len() as u32;
        self.children[interval.vreg.index()].push(id);
        self.intervals.push(interval);
        id
    }

    /// Tries to find a register that is free for interval `id` from `pos`,
    /// for all of it or a first part of it. Returns whether it did.
    fn try_free_register(&mut self, id: u32, pos: Pos) -> bool {
        let class = self.func.vreg_class(self.interval(id).vreg);
        let mut free_until = [NEVER; PReg::NUM_INDICES];
        for other in self.active.iter().map(|held| held.id) {
            let reg = self.reg_of(other);
            if reg.class() == class {
                free_until[reg.index()] = 0;
            }
        }
        for other in self.inactive.iter().map(|held| held.id) {
            let reg = self.reg_of(other);
            if reg.class() == class
                && free_until[reg.index()] > pos
                && let Some(at) = self.interval(other).first_overlap(self.interval(id), pos)
            {
                free_until[reg.index()] = free_until[reg.index()].min(at);
            }
        }
        let regs = self.env.regs(class);
        for &reg in regs {
            if free_until[reg.index()] > pos {
                let at = self.first_reservation(reg, id, pos);
                free_until[reg.index()] = free_until[reg.index()].min(at);
            }
        }
        let end = self.interval(id).end();
        let allocatable = self.allocatable.sets[class.index()];
        let hints = self.hints(id);
        for hint in hints.into_iter().flatten() {
            if allocatable.contains(hint) && free_until[hint.index()] >= end {
                self.assign(id, hint);
                return true;
            }
        }
        if self.take_hint_through_loop_block(id, pos, hints, allocatable, &free_until) {
            return true;
        }
        let cheap = |reg: PReg| {
            !self.env.callee_saved.contains(reg) || self.used_callee_saved.contains(reg)
        };
        let whole = regs
            .iter()
            .copied()
            .filter(|reg| free_until[reg.index()] >= end)
            .min_by_key(|&reg| !cheap(reg));
        if let Some(reg) = whole {
            self.assign(id, reg);
            return true;
        }
        let Some(&best) = regs
            .iter()
            .max_by_key(|reg| (free_until[reg.index()], Reverse(reg.index())))
        else {
            return false;
        };
        let limit = free_until[best.index()];
        if gap_at_or_before(limit) <= pos {
            return false;
        }
        let interval = self.interval(id);
        let unread = interval.next_use(pos).is_none_or(|u| u.pos >= limit);
        let needs_reg_now = interval
            .next_reg_use(pos)
            .is_some_and(|u| gap_at_or_before(u.pos) <= pos);
        if (unread || self.enters_loop(pos))
            && !needs_reg_now
            && self.has_spilled_piece(interval.vreg)
        {
            // The value's slot already holds it, and it would have to leave
            // the register again at `limit`. If nothing reads it before
            // then, holding it there only costs the move in and the move
            // out. If `pos` is where a reload was hoisted to, the start of a
            // loop, the move in runs on every edge into the loop's header,
            // back edges included, since the value leaves the register
            // inside the loop. Either way it stays in its slot up to its
            // next use that needs a register, and is reloaded there.
            self.spill(id);
            return true;
        }
        let split = self.split_position(self.interval(id).last_use_before(limit).max(pos), limit);
        self.split_and_queue(id, split);
        self.assign(id, best);
        true
    }

    /// Inside a loop, gives interval `id` a suggested register that is free
    /// for the rest of its uses in the block of `pos`, though not for all
    /// of it, and splits it where the register is taken. The suggestion
    /// comes from the value it is computed from in place or the parameter
    /// it is passed to: a loop counter `j - 1` passed back to `j`, in
    /// `j`'s register, needs no move on the back edge, and the move to
    /// another register happens where the register is needed, after the
    /// loop (the split prefers a shallower block). Taking any register free
    /// for the whole interval would instead cost a move on every
    /// iteration.
    fn take_hint_through_loop_block(
        &mut self,
        id: u32,
        pos: Pos,
        hints: [Option<PReg>; 2],
        allocatable: PRegSet,
        free_until: &[Pos; PReg::NUM_INDICES],
    ) -> bool {
        let block = self.block_of_inst[inst_of(pos).index()];
        if self.loops.depth(block) == 0 {
            return false;
        }
        let block_end = self
            .block_start
            .get(block.index() + 1)
            .copied()
            .unwrap_or(NEVER);
        let last_here = self.interval(id).last_use_before(block_end);
        for hint in hints.into_iter().flatten() {
            let until = free_until[hint.index()];
            if allocatable.contains(hint) && until > last_here && gap_at_or_before(until) > pos {
                let split = self.split_position(last_here.max(pos), until);
                self.split_and_queue(id, split);
                self.assign(id, hint);
                return true;
            }
        }
        false
    }

    /// Finds a register for interval `id` by spilling, either the interval
    /// itself (up to its next use that needs a register) or the intervals
    /// that hold the register that is cheapest to take.
    fn allocate_blocked_register(&mut self, id: u32, pos: Pos) -> Result<(), AllocError> {
        let class = self.func.vreg_class(self.interval(id).vreg);
        // Intervals in the way leave their register from this gap on.
        let evict_at = gap_at_or_before(pos);
        let mut usable = [false; PReg::NUM_INDICES];
        let mut cost = [0.0f32; PReg::NUM_INDICES];
        let mut next_use = [NEVER; PReg::NUM_INDICES];
        let regs = self.env.regs(class);
        for &reg in regs {
            usable[reg.index()] = true;
        }
        for other in self.active.iter().map(|held| held.id) {
            let reg = self.reg_of(other);
            if reg.class() != class {
                continue;
            }
            let next = self.interval(other).next_reg_use(evict_at);
            if next.is_some_and(|u| gap_at_or_before(u.pos) <= evict_at) {
                usable[reg.index()] = false;
            }
            cost[reg.index()] += spill_cost(self.interval(other).next_use(evict_at), pos);
            next_use[reg.index()] = next_use[reg.index()].min(next.map_or(NEVER, |u| u.pos));
        }
        for other in self.inactive.iter().map(|held| held.id) {
            let reg = self.reg_of(other);
            if reg.class() != class
                || self
                    .interval(other)
                    .first_overlap(self.interval(id), pos)
                    .is_none()
            {
                continue;
            }
            let next = self.interval(other).next_reg_use(pos);
            cost[reg.index()] += spill_cost(self.interval(other).next_use(pos), pos);
            next_use[reg.index()] = next_use[reg.index()].min(next.map_or(NEVER, |u| u.pos));
        }
        let mut reserved_at = [NEVER; PReg::NUM_INDICES];
        for &reg in regs {
            let at = self.first_reservation(reg, id, pos);
            reserved_at[reg.index()] = at;
            if at != NEVER && gap_at_or_before(at) <= pos {
                usable[reg.index()] = false;
            }
        }
        let best = regs
            .iter()
            .copied()
            .filter(|reg| usable[reg.index()])
            .min_by(|a, b| {
                cost[a.index()]
                    .total_cmp(&cost[b.index()])
                    .then(next_use[b.index()].cmp(&next_use[a.index()]))
            });

        let first_use = self.interval(id).next_reg_use(pos);
        let must_have_reg = first_use.is_some_and(|u| gap_at_or_before(u.pos) <= pos);
        let own_cost = spill_cost(self.interval(id).next_use(pos), pos);
        if !must_have_reg && best.is_none_or(|reg| own_cost <= cost[reg.index()]) {
            self.spill(id);
            return Ok(());
        }
        let Some(reg) = best else {
            return Err(AllocError::OutOfRegisters(inst_of(pos)));
        };
        if reserved_at[reg.index()] < self.interval(id).end() {
            let limit = reserved_at[reg.index()];
            let split =
                self.split_position(self.interval(id).last_use_before(limit).max(pos), limit);
            self.split_and_queue(id, split);
        }
        self.evict(reg, id, evict_at, pos);
        self.assign(id, reg);
        Ok(())
    }

    /// Takes `reg` away from the intervals that hold it and overlap interval
    /// `id`: active ones leave it from `evict_at`, inactive ones from their
    /// next range.
    fn evict(&mut self, reg: PReg, id: u32, evict_at: Pos, pos: Pos) {
        let holders: SmallVec<[u32; 4]> = self
            .active
            .iter()
            .map(|held| held.id)
            .filter(|&other| self.reg_of(other) == reg)
            .collect();
        self.active.retain(|held| !holders.contains(&held.id));
        for other in holders {
            let start = self.interval(other).start();
            if evict_at <= start {
                self.spill_from(other, evict_at);
                continue;
            }
            // From its last read on, the holder may leave the register
            // anywhere up to `evict_at`: at the start of the loop that
            // `evict_at` is in, if it is not read in the loop before, so
            // that the loop header does not expect it in the register and
            // every back edge reload it. The split lies after the last
            // read, so after the start.
            let last_read = self.interval(other).last_use_before(evict_at).max(start);
            let at = self.split_position(last_read, evict_at);
            let tail = self.intervals[other as usize].split_off(at);
            let tail_id = self.add_piece(tail);
            self.spill_from(tail_id, evict_at);
        }
        let holders: SmallVec<[u32; 4]> = self
            .inactive
            .iter()
            .map(|held| held.id)
            .filter(|&other| {
                self.reg_of(other) == reg
                    && self
                        .interval(other)
                        .first_overlap(self.interval(id), pos)
                        .is_some()
            })
            .collect();
        self.inactive.retain(|held| !holders.contains(&held.id));
        for other in holders {
            let next_range = self.interval(other).next_range_start(pos);
            self.split_and_queue(other, next_range);
        }
    }

    /// Sends interval `id` to the stack up to its next use that needs a
    /// register; the piece from there on is queued.
    fn spill(&mut self, id: u32) {
        self.spill_from(id, self.interval(id).start());
    }

    /// Sends interval `id` to the stack up to its next use that needs a
    /// register at or after `from`, where the scan is (the piece may start
    /// earlier, with no use in between); the piece from there on is
    /// queued, never before `from`.
    fn spill_from(&mut self, id: u32, from: Pos) {
        if let Some(next) = self.interval(id).next_reg_use(from) {
            let reload = self.split_position(from, next.pos);
            debug_assert!(reload > self.interval(id).start());
            self.split_and_queue(id, reload);
        }
        self.intervals[id as usize].assignment = Assignment::Spilled;
    }

    /// Where to split an interval that must leave its place by `limit`
    /// (and is used last at `after`, or starts there): in a gap no later
    /// than `limit`, moved back to the start of a loop when that takes the
    /// split's moves out of it, so that they do not run on every iteration.
    fn split_position(&self, after: Pos, limit: Pos) -> Pos {
        const MAX_BLOCKS_BACK: usize = 64;
        let mut best = gap_at_or_before(limit);
        if best <= after {
            return best;
        }
        let mut block = self.block_of_inst[inst_of(limit).index()].index();
        let mut best_depth = self.loops.depth(Block(block as u32));
        for _ in 0..MAX_BLOCKS_BACK {
            let start = self.block_start[block];
            if best_depth == 0 || block == 0 || start <= after {
                break;
            }
            let entry_depth = self.loops.depth(Block(block as u32 - 1));
            if entry_depth < best_depth {
                best = start;
                best_depth = entry_depth;
            }
            block -= 1;
        }
        best
    }
}

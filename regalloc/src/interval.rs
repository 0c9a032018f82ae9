//! Live intervals: the program positions where a virtual register holds a
//! value that is still needed, with holes where it does not, and the
//! positions where it is used.
//!
//! Positions number the two moments of every instruction: `2 * inst` is its
//! *early* point (uses are read, early defs written) and `2 * inst + 1` its
//! *late* point (defs written). Moves are inserted in the gap just before an
//! early point, so an interval can only be split at an even position.

use std::collections::VecDeque;

use crate::types::{Inst, PReg, VReg};

/// A program position (see the module documentation).
pub(crate) type Pos = u32;

/// The early point of `inst`.
pub(crate) fn early(inst: Inst) -> Pos {
    inst.0 * 2
}

/// The late point of `inst`.
pub(crate) fn late(inst: Inst) -> Pos {
    inst.0 * 2 + 1
}

/// The instruction that `pos` belongs to.
pub(crate) fn inst_of(pos: Pos) -> Inst {
    Inst(pos / 2)
}

/// The latest gap (an even position) at or before `pos`.
pub(crate) fn gap_at_or_before(pos: Pos) -> Pos {
    pos & !1
}

/// A half-open range of positions `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LiveRange {
    pub(crate) from: Pos,
    pub(crate) to: Pos,
}

/// A position where an interval's value is read or written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UsePosition {
    pub(crate) pos: Pos,
    /// The value must be in a register of the interval itself here.
    pub(crate) needs_reg: bool,
    /// How much keeping the value in a register here is worth.
    pub(crate) weight: f32,
}

/// Where the allocator put an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Assignment {
    /// Not yet decided.
    Unassigned,
    /// A physical register for the whole interval.
    Reg(PReg),
    /// The virtual register's spill slot, or nowhere if it is a constant that
    /// is recomputed when needed.
    Spilled,
}

/// The lifetime of one virtual register, or of one piece of it after
/// splitting.
#[derive(Clone, Debug)]
pub(crate) struct LiveInterval {
    pub(crate) vreg: VReg,
    /// Sorted, disjoint, non-adjacent ranges. (Double-ended, like `uses`, so
    /// that splitting moves only the part before the split: the scan splits
    /// the same long interval again and again at later positions, and moving
    /// the rest each time would be quadratic.)
    pub(crate) ranges: VecDeque<LiveRange>,
    /// Sorted by position.
    pub(crate) uses: VecDeque<UsePosition>,
    /// The uses that need a register, also sorted: the scan asks for the
    /// next one at every step, and a binary search here answers in log time
    /// however many uses need none. Derived by [`LiveInterval::sort_uses`].
    reg_uses: VecDeque<UsePosition>,
    /// A register that would save a move.
    pub(crate) hint: Option<PReg>,
    pub(crate) assignment: Assignment,
}

impl LiveInterval {
    /// An interval for `vreg` with no ranges yet.
    pub(crate) fn new(vreg: VReg) -> LiveInterval {
        LiveInterval {
            vreg,
            ranges: VecDeque::new(),
            uses: VecDeque::new(),
            reg_uses: VecDeque::new(),
            hint: None,
            assignment: Assignment::Unassigned,
        }
    }

    /// The first position covered.
    pub(crate) fn start(&self) -> Pos {
        self.ranges[0].from
    }

    /// One past the last position covered.
    pub(crate) fn end(&self) -> Pos {
        self.ranges[self.ranges.len() - 1].to
    }

    /// The index of the first range that ends after `pos`.
    fn range_index_after(&self, pos: Pos) -> usize {
        self.ranges.partition_point(|r| r.to <= pos)
    }

    /// Whether the interval is live at `pos`.
    pub(crate) fn covers(&self, pos: Pos) -> bool {
        self.ranges
            .get(self.range_index_after(pos))
            .is_some_and(|r| r.from <= pos)
    }

    /// The first position at or after `from` where this interval and
    /// `range` are both live.
    pub(crate) fn first_overlap_with_range(&self, from: Pos, range: LiveRange) -> Option<Pos> {
        let start = from.max(range.from);
        let index = self.range_index_after(start);
        let r = self.ranges.get(index)?;
        let overlap = start.max(r.from);
        (overlap < range.to && overlap < r.to).then_some(overlap)
    }

    /// The first position at or after `from` where both intervals are live.
    pub(crate) fn first_overlap(&self, other: &LiveInterval, from: Pos) -> Option<Pos> {
        let mut i = self.range_index_after(from);
        let mut j = other.range_index_after(from);
        while let (Some(a), Some(b)) = (self.ranges.get(i), other.ranges.get(j)) {
            let lo = a.from.max(b.from).max(from);
            if lo < a.to.min(b.to) {
                return Some(lo);
            }
            if a.to <= b.to {
                i += 1;
            } else {
                j += 1;
            }
        }
        None
    }

    /// Sorts the uses pushed so far by position and notes which need a
    /// register.
    pub(crate) fn sort_uses(&mut self) {
        let uses = self.uses.make_contiguous();
        if !uses.is_sorted_by_key(|u| u.pos) {
            uses.sort_by_key(|u| u.pos);
        }
        let count = uses.iter().filter(|u| u.needs_reg).count();
        self.reg_uses = VecDeque::with_capacity(count);
        self.reg_uses
            .extend(uses.iter().copied().filter(|u| u.needs_reg));
    }

    /// The first use at or after `pos` that needs a register.
    pub(crate) fn next_reg_use(&self, pos: Pos) -> Option<UsePosition> {
        let index = self.reg_uses.partition_point(|u| u.pos < pos);
        self.reg_uses.get(index).copied()
    }

    /// The first use of any kind at or after `pos`.
    pub(crate) fn next_use(&self, pos: Pos) -> Option<UsePosition> {
        let index = self.uses.partition_point(|u| u.pos < pos);
        self.uses.get(index).copied()
    }

    /// The position of the last use before `pos`, or the start if none.
    pub(crate) fn last_use_before(&self, pos: Pos) -> Pos {
        let index = self.uses.partition_point(|u| u.pos < pos);
        index
            .checked_sub(1)
            .map_or(self.start(), |i| self.uses[i].pos)
    }

    /// Cuts the interval at `pos` (an even position after its start): this
    /// interval keeps what lies before `pos` and the returned one takes the
    /// rest, unassigned. Costs the size of the part before `pos`.
    pub(crate) fn split_off(&mut self, pos: Pos) -> LiveInterval {
        debug_assert!(pos > self.start() && pos < self.end() && pos.is_multiple_of(2));
        let index = self.range_index_after(pos);
        let mut head_ranges: VecDeque<LiveRange> = self.ranges.drain(..index).collect();
        if self.ranges[0].from < pos {
            head_ranges.push_back(LiveRange {
                from: self.ranges[0].from,
                to: pos,
            });
            self.ranges[0].from = pos;
        }
        let use_index = self.uses.partition_point(|u| u.pos < pos);
        let head_uses: VecDeque<UsePosition> = self.uses.drain(..use_index).collect();
        let reg_use_index = self.reg_uses.partition_point(|u| u.pos < pos);
        let head_reg_uses: VecDeque<UsePosition> = self.reg_uses.drain(..reg_use_index).collect();
        LiveInterval {
            vreg: self.vreg,
            ranges: std::mem::replace(&mut self.ranges, head_ranges),
            uses: std::mem::replace(&mut self.uses, head_uses),
            reg_uses: std::mem::replace(&mut self.reg_uses, head_reg_uses),
            hint: match self.assignment {
                Assignment::Reg(reg) => Some(reg),
                _ => self.hint,
            },
            assignment: Assignment::Unassigned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Live over [2, 10) and [20, 30), used at 4 (in a register), 24 and 29.
    fn interval() -> LiveInterval {
        let mut interval = LiveInterval::new(VReg(0));
        interval.ranges.push_back(LiveRange { from: 2, to: 10 });
        interval.ranges.push_back(LiveRange { from: 20, to: 30 });
        for (pos, needs_reg) in [(4, true), (24, false), (29, true)] {
            interval.uses.push_back(UsePosition {
                pos,
                needs_reg,
                weight: 1.0,
            });
        }
        interval.sort_uses();
        interval
    }

    #[test]
    fn covers_its_ranges_but_not_its_holes() {
        let interval = interval();
        assert!(interval.covers(2) && interval.covers(9) && interval.covers(20));
        assert!(!interval.covers(10) && !interval.covers(15) && !interval.covers(30));
    }

    #[test]
    fn splitting_inside_a_range_cuts_it() {
        let mut head = interval();
        let tail = head.split_off(6);
        assert_eq!(head.ranges, [LiveRange { from: 2, to: 6 }]);
        assert_eq!(tail.start(), 6);
        assert_eq!(tail.ranges.len(), 2);
        assert_eq!(head.uses.len(), 1);
        assert_eq!(tail.uses.len(), 2);
    }

    #[test]
    fn splitting_in_a_hole_starts_the_tail_at_the_next_range() {
        let mut head = interval();
        let tail = head.split_off(14);
        assert_eq!(head.end(), 10);
        assert_eq!(tail.start(), 20);
    }

    #[test]
    fn finds_where_two_intervals_overlap() {
        let interval = interval();
        let mut other = LiveInterval::new(VReg(1));
        other.ranges.push_back(LiveRange { from: 12, to: 22 });
        assert_eq!(interval.first_overlap(&other, 0), Some(20));
        assert_eq!(other.first_overlap(&interval, 21), Some(21));
        assert_eq!(interval.first_overlap(&other, 22), None);
        assert_eq!(
            interval.first_overlap_with_range(0, LiveRange { from: 8, to: 12 }),
            Some(8)
        );
    }

    #[test]
    fn next_register_use_skips_uses_that_need_none() {
        let interval = interval();
        assert_eq!(interval.next_reg_use(5).map(|u| u.pos), Some(29));
        assert_eq!(interval.last_use_before(24), 4);
    }
}

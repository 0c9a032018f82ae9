//! Live intervals: the program positions where a virtual register holds a
//! value that is still needed, with holes where it does not, and the
//! positions where it is used.
//!
//! Positions number the two moments of every instruction: `2 * inst` is its
//! *early* point (uses are read, early defs written) and `2 * inst + 1` its
//! *late* point (defs written). Moves are inserted in the gap just before an
//! early point, so an interval can only be split at an even position.

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
///
/// An interval does not own its ranges and uses: it is a window onto the
/// lists its virtual register's whole lifetime holds in [`IntervalPools`],
/// which are built once and never change. Splitting an interval narrows two
/// windows and clips the range it cuts, so it costs a binary search and no
/// allocation however often the scan splits the same long lifetime.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiveInterval<'a> {
    pub(crate) vreg: VReg,
    /// Sorted, disjoint, non-adjacent ranges, of which the first is read
    /// from `start` on and the last up to `end`.
    ranges: &'a [LiveRange],
    start: Pos,
    end: Pos,
    /// Sorted by position.
    uses: &'a [UsePosition],
    /// The uses that need a register, also sorted: the scan asks for the
    /// next one at every step, and a binary search here answers in log time
    /// however many uses need none.
    reg_uses: &'a [UsePosition],
    /// A register that would save a move.
    pub(crate) hint: Option<PReg>,
    pub(crate) assignment: Assignment,
}

/// The ranges and uses of every virtual register's whole lifetime, each
/// register's stored together in one list per kind, so that a function's
/// intervals take three allocations rather than three each.
#[derive(Default)]
pub(crate) struct IntervalPools {
    ranges: Vec<LiveRange>,
    uses: Vec<UsePosition>,
    reg_uses: Vec<UsePosition>,
    /// Per virtual register, where its lists begin and end in each pool.
    bounds: Vec<PoolBounds>,
}

/// Where one virtual register's lists lie in the pools.
#[derive(Clone, Copy, Default)]
struct PoolBounds {
    ranges: (u32, u32),
    uses: (u32, u32),
    reg_uses: (u32, u32),
}

impl IntervalPools {
    /// Pools with room for the lifetimes of `num_vregs` registers (to be
    /// added in the order of their numbers) and `num_uses` uses.
    pub(crate) fn with_capacity(num_vregs: usize, num_uses: usize) -> IntervalPools {
        IntervalPools {
            ranges: Vec::with_capacity(num_vregs),
            uses: Vec::with_capacity(num_uses),
            reg_uses: Vec::new(),
            bounds: Vec::with_capacity(num_vregs),
        }
    }

    /// Adds a range to the lifetime being built, merging it with the
    /// previous one when they touch.
    pub(crate) fn push_range(&mut self, range: LiveRange) {
        let first = self.ranges_start();
        match self.ranges[first..].last_mut() {
            Some(last) if last.to == range.from => last.to = range.to,
            _ => self.ranges.push(range),
        }
    }

    /// Adds a use to the lifetime being built, in any order.
    pub(crate) fn push_use(&mut self, position: UsePosition) {
        self.uses.push(position);
    }

    /// Ends the lifetime of the next virtual register: sorts the uses
    /// pushed for it by position (keeping the order of equal ones) and
    /// notes which need a register.
    pub(crate) fn finish_vreg(&mut self) {
        let (ranges_start, uses_start) = (self.ranges_start(), self.uses_start());
        let uses = &mut self.uses[uses_start..];
        if !uses.is_sorted_by_key(|u| u.pos) {
            uses.sort_by_key(|u| u.pos);
        }
        let reg_uses_start = self.reg_uses.len();
        self.reg_uses
            .extend(uses.iter().copied().filter(|u| u.needs_reg));
        self.bounds.push(PoolBounds {
            ranges: (ranges_start as u32, self.ranges.len() as u32),
            uses: (uses_start as u32, self.uses.len() as u32),
            reg_uses: (reg_uses_start as u32, self.reg_uses.len() as u32),
        });
    }

    fn ranges_start(&self) -> usize {
        self.bounds.last().map_or(0, |b| b.ranges.1 as usize)
    }

    fn uses_start(&self) -> usize {
        self.bounds.last().map_or(0, |b| b.uses.1 as usize)
    }

    /// The whole lifetime of each virtual register, unassigned, with the
    /// given hints. The list has room for a quarter more intervals: the
    /// pieces that splitting adds, which would otherwise copy all of them
    /// when the first one comes.
    pub(crate) fn whole_intervals(&self, hints: &[Option<PReg>]) -> Vec<LiveInterval<'_>> {
        let mut intervals = Vec::with_capacity(self.bounds.len() + self.bounds.len() / 4);
        let whole = self
            .bounds
            .iter()
            .zip(hints)
            .enumerate()
            .map(|(v, (bounds, &hint))| {
                let ranges = &self.ranges[bounds.ranges.0 as usize..bounds.ranges.1 as usize];
                LiveInterval {
                    vreg: VReg(v as u32),
                    ranges,
                    start: ranges.first().map_or(0, |r| r.from),
                    end: ranges.last().map_or(0, |r| r.to),
                    uses: &self.uses[bounds.uses.0 as usize..bounds.uses.1 as usize],
                    reg_uses: &self.reg_uses
                        [bounds.reg_uses.0 as usize..bounds.reg_uses.1 as usize],
                    hint,
                    assignment: Assignment::Unassigned,
                }
            });
        intervals.extend(whole);
        intervals
    }
}

impl<'a> LiveInterval<'a> {
    /// Whether the interval covers no position at all (a block parameter
    /// that nothing reads).
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The first position covered.
    pub(crate) fn start(&self) -> Pos {
        self.start
    }

    /// One past the last position covered.
    pub(crate) fn end(&self) -> Pos {
        self.end
    }

    /// The `index`th range, clipped to the interval.
    fn range(&self, index: usize) -> Option<LiveRange> {
        self.ranges.get(index).map(|r| LiveRange {
            from: r.from.max(self.start),
            to: r.to.min(self.end),
        })
    }

    /// The ranges, clipped to the interval, in order.
    pub(crate) fn clipped_ranges(&self) -> impl Iterator<Item = LiveRange> + '_ {
        (0..self.ranges.len())
            .filter_map(|index| self.range(index))
            .filter(|range| range.from < range.to)
    }

    /// The index of the first range that ends after `pos`.
    fn range_index_after(&self, pos: Pos) -> usize {
        self.ranges.partition_point(|r| r.to.min(self.end) <= pos)
    }

    /// The first range that ends after `pos`, if the interval has one: it
    /// covers `pos` if it starts at or before it.
    pub(crate) fn range_after(&self, pos: Pos) -> Option<LiveRange> {
        self.range(self.range_index_after(pos))
    }

    /// Whether the interval is live at `pos`.
    pub(crate) fn covers(&self, pos: Pos) -> bool {
        self.range_after(pos).is_some_and(|r| r.from <= pos)
    }

    /// The start of the first range that ends after `pos`, which must
    /// exist.
    pub(crate) fn next_range_start(&self, pos: Pos) -> Pos {
        self.range_after(pos)
            .expect("the interval is live after pos")
            .from
    }

    /// The first position at or after `from` where this interval and
    /// `range` are both live.
    pub(crate) fn first_overlap_with_range(&self, from: Pos, range: LiveRange) -> Option<Pos> {
        let start = from.max(range.from);
        let r = self.range(self.range_index_after(start))?;
        let overlap = start.max(r.from);
        (overlap < range.to && overlap < r.to).then_some(overlap)
    }

    /// The first position at or after `from` where both intervals are live.
    pub(crate) fn first_overlap(&self, other: &LiveInterval, from: Pos) -> Option<Pos> {
        let mut i = self.range_index_after(from);
        let mut j = other.range_index_after(from);
        while let (Some(a), Some(b)) = (self.range(i), other.range(j)) {
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
    /// rest, unassigned.
    pub(crate) fn split_off(&mut self, pos: Pos) -> LiveInterval<'a> {
        debug_assert!(pos > self.start() && pos < self.end() && pos.is_multiple_of(2));
        let index = self.range_index_after(pos);
        let cut = self.range(index).expect("pos is before the end");
        // A cut inside a range leaves its two parts to both intervals; a
        // cut in a hole leaves the head ending with its last range.
        let (head_ranges, tail_ranges, head_end) = if cut.from < pos {
            (&self.ranges[..=index], &self.ranges[index..], pos)
        } else {
            let end = self.range(index - 1).expect("pos is after the start").to;
            let (head, tail) = self.ranges.split_at(index);
            (head, tail, end)
        };
        let (head_uses, tail_uses) = self
            .uses
            .split_at(self.uses.partition_point(|u| u.pos < pos));
        let (head_reg_uses, tail_reg_uses) = self
            .reg_uses
            .split_at(self.reg_uses.partition_point(|u| u.pos < pos));
        let tail = LiveInterval {
            vreg: self.vreg,
            ranges: tail_ranges,
            start: cut.from.max(pos),
            end: self.end,
            uses: tail_uses,
            reg_uses: tail_reg_uses,
            hint: match self.assignment {
                Assignment::Reg(reg) => Some(reg),
                _ => self.hint,
            },
            assignment: Assignment::Unassigned,
        };
        self.ranges = head_ranges;
        self.end = head_end;
        self.uses = head_uses;
        self.reg_uses = head_reg_uses;
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pools of one register live over [2, 10) and [20, 30), used at 4
    /// (in a register), 24 and 29 (in a register).
    fn pools() -> IntervalPools {
        let mut pools = IntervalPools::with_capacity(1, 3);
        pools.push_range(LiveRange { from: 2, to: 6 });
        pools.push_range(LiveRange { from: 6, to: 10 });
        pools.push_range(LiveRange { from: 20, to: 30 });
        for (pos, needs_reg) in [(29, true), (4, true), (24, false)] {
            pools.push_use(UsePosition {
                pos,
                needs_reg,
                weight: 1.0,
            });
        }
        pools.finish_vreg();
        pools
    }

    fn ranges(interval: &LiveInterval) -> Vec<LiveRange> {
        interval.clipped_ranges().collect()
    }

    #[test]
    fn touching_ranges_merge_and_uses_are_sorted() {
        let pools = pools();
        let interval = pools.whole_intervals(&[None])[0];
        assert_eq!(
            ranges(&interval),
            [
                LiveRange { from: 2, to: 10 },
                LiveRange { from: 20, to: 30 }
            ]
        );
        let positions: Vec<Pos> = interval.uses.iter().map(|u| u.pos).collect();
        assert_eq!(positions, [4, 24, 29]);
    }

    #[test]
    fn covers_its_ranges_but_not_its_holes() {
        let pools = pools();
        let interval = pools.whole_intervals(&[None])[0];
        assert!(interval.covers(2) && interval.covers(9) && interval.covers(20));
        assert!(!interval.covers(10) && !interval.covers(15) && !interval.covers(30));
    }

    #[test]
    fn splitting_inside_a_range_cuts_it() {
        let pools = pools();
        let mut head = pools.whole_intervals(&[None])[0];
        let tail = head.split_off(6);
        assert_eq!(ranges(&head), [LiveRange { from: 2, to: 6 }]);
        assert_eq!(
            ranges(&tail),
            [
                LiveRange { from: 6, to: 10 },
                LiveRange { from: 20, to: 30 }
            ]
        );
        assert!(!head.covers(6) && tail.covers(6) && !tail.covers(5));
        assert_eq!(head.uses.len(), 1);
        assert_eq!(tail.uses.len(), 2);
    }

    #[test]
    fn splitting_in_a_hole_starts_the_tail_at_the_next_range() {
        let pools = pools();
        let mut head = pools.whole_intervals(&[None])[0];
        let tail = head.split_off(14);
        assert_eq!(head.end(), 10);
        assert_eq!(tail.start(), 20);
        assert!(head.next_reg_use(5).is_none());
        assert_eq!(tail.next_reg_use(14).map(|u| u.pos), Some(29));
    }

    #[test]
    fn splitting_a_piece_again_keeps_both_cuts() {
        let pools = pools();
        let mut first = pools.whole_intervals(&[None])[0];
        let mut second = first.split_off(4);
        let third = second.split_off(8);
        assert_eq!(ranges(&first), [LiveRange { from: 2, to: 4 }]);
        assert_eq!(ranges(&second), [LiveRange { from: 4, to: 8 }]);
        assert_eq!(third.start(), 8);
        assert_eq!(third.next_range_start(12), 20);
    }

    #[test]
    fn finds_where_two_intervals_overlap() {
        let mut pools = pools();
        pools.push_range(LiveRange { from: 12, to: 22 });
        pools.finish_vreg();
        let intervals = pools.whole_intervals(&[None, None]);
        let (interval, other) = (intervals[0], intervals[1]);
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
        let pools = pools();
        let interval = pools.whole_intervals(&[None])[0];
        assert_eq!(interval.next_reg_use(5).map(|u| u.pos), Some(29));
        assert_eq!(interval.last_use_before(24), 4);
    }
}

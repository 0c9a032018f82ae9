//! Where each value is at each program position, after the linear scan:
//! the look-ups that the resolution of moves is made of.

use std::cell::Cell;

use crate::function::Function;
use crate::interval::{Assignment, Pos};
use crate::linear_scan::Allocated;
use crate::types::{Allocation, SpillSlot, VReg};

/// Where a value is kept by one of its intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Home {
    /// A register or the value's spill slot.
    Loc(Allocation),
    /// A spilled constant: not kept anywhere, recomputed when needed.
    Remat,
}

/// Looks up where each value is at each position.
pub(crate) struct Homes<'a, F> {
    func: &'a F,
    allocated: &'a Allocated<'a>,
    slot_of: &'a [Option<SpillSlot>],
    /// The start and home of every interval, grouped by virtual register
    /// (the intervals of `v` are at `offsets[v]..offsets[v + 1]`): a compact
    /// copy of what most look-ups need.
    starts: Vec<Pos>,
    homes: Vec<Home>,
    offsets: Vec<u32>,
    /// For every virtual register, the interval (counted from its first)
    /// that its last look-up found. Resolution asks about positions mostly
    /// in increasing order, so the next look-up of a value usually lands in
    /// that interval or the next one, without a search over all of them: a
    /// value split at each of its thousands of uses would otherwise cost a
    /// binary search over thousands of starts, far apart in memory, for
    /// every block it is live into.
    last_found: Vec<Cell<u32>>,
}

impl<'a, F: Function> Homes<'a, F> {
    /// Indexes the intervals of `allocated`.
    pub(crate) fn new(
        func: &'a F,
        allocated: &'a Allocated<'a>,
        slot_of: &'a [Option<SpillSlot>],
    ) -> Self {
        let mut homes = Homes {
            func,
            allocated,
            slot_of,
            starts: Vec::with_capacity(allocated.intervals.len()),
            homes: Vec::with_capacity(allocated.intervals.len()),
            offsets: Vec::with_capacity(allocated.children.len() + 1),
            last_found: vec![Cell::new(0); allocated.children.len()],
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
    pub(crate) fn live_at(&self, v: VReg, pos: Pos) -> Option<Home> {
        let assignment = self.allocated.assignment_at(v, pos)?;
        Some(self.home(v, assignment))
    }

    /// Where `v` is at `pos`, where it is known to be live.
    pub(crate) fn at(&self, v: VReg, pos: Pos) -> Home {
        let first = self.offsets[v.index()] as usize;
        let starts = &self.starts[first..self.offsets[v.index() + 1] as usize];
        let holds = |index: usize| {
            starts[index] <= pos && starts.get(index + 1).is_none_or(|&next| pos < next)
        };
        let last = self.last_found[v.index()].get() as usize;
        let found = if holds(last) {
            last
        } else if last + 1 < starts.len() && holds(last + 1) {
            last + 1
        } else {
            let later = starts.partition_point(|&start| start <= pos);
            debug_assert!(later > 0, "{v} is not live at position {pos}");
            later - 1
        };
        self.last_found[v.index()].set(found as u32);
        self.homes[first + found]
    }

    /// Whether `v` has more than one interval.
    pub(crate) fn was_split(&self, v: VReg) -> bool {
        self.offsets[v.index() + 1] - self.offsets[v.index()] > 1
    }

    /// Whether `v` is live anywhere.
    pub(crate) fn is_ever_live(&self, v: VReg) -> bool {
        self.offsets[v.index()] < self.offsets[v.index() + 1]
    }

    /// The home of an interval of `v` with this assignment.
    fn home(&self, v: VReg, assignment: Assignment) -> Home {
        match assignment {
            Assignment::Reg(reg) => Home::Loc(Allocation::Reg(reg)),
            Assignment::Spilled if self.func.is_constant(v) => Home::Remat,
            Assignment::Spilled => Home::Loc(Allocation::Stack(self.slot(v))),
            Assignment::Unassigned => unreachable!("every interval is assigned"),
        }
    }

    /// The spill slot of `v`, which must have one.
    pub(crate) fn slot(&self, v: VReg) -> SpillSlot {
        self.slot_of[v.index()].expect("spilled values have a slot")
    }

    /// Whether `v` is stored to its slot where it is defined, so that its
    /// slot holds it wherever it is live (constants are recomputed instead).
    pub(crate) fn stored_at_def(&self, v: VReg) -> bool {
        self.slot_of[v.index()].is_some() && !self.func.is_constant(v)
    }

    /// Whether a copy of `v` into `dst` is redundant because `dst` is the
    /// slot that has held `v` since its definition.
    pub(crate) fn already_in(&self, v: VReg, dst: Allocation) -> bool {
        self.stored_at_def(v) && dst == Allocation::Stack(self.slot(v))
    }

    /// The location `v` has at `pos` as an operand. A spilled constant is
    /// recomputed into its slot for an operand that accepts a slot.
    pub(crate) fn loc(&self, v: VReg, pos: Pos) -> Allocation {
        match self.at(v, pos) {
            Home::Loc(loc) => loc,
            Home::Remat => Allocation::Stack(self.slot(v)),
        }
    }
}

//! Gives each spilled virtual register a stack slot, reusing a slot once the
//! value that had it is dead, in the manner of a linear scan over the
//! stretches of code where each value needs its slot.
//!
//! A spilled value is stored to its slot once, right after its definition,
//! so its slot is its own for its whole lifetime; every later spill of it is
//! then free. Constants have no slot for their spilled pieces: they are
//! recomputed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::function::Function;
use crate::interval::{Assignment, LiveRange, Pos, early, late};
use crate::linear_scan::Allocated;
use crate::operand::{Constraint, OperandKind};
use crate::types::{Inst, RegClass, SpillSlot, VReg};

/// The spill slot of each virtual register that has one, and the class of
/// every slot.
pub(crate) struct SpillSlots {
    pub(crate) slot_of: Vec<Option<SpillSlot>>,
    pub(crate) classes: Vec<RegClass>,
}

/// Assigns slots to the values that are spilled or have stack operands.
pub(crate) fn assign_spill_slots<F: Function>(
    func: &F,
    allocated: &Allocated,
    stack_ranges: &[(VReg, LiveRange)],
) -> SpillSlots {
    let num_vregs = func.num_vregs();
    // The stretch of code in which each value may be in its slot.
    let mut extent: Vec<Option<LiveRange>> = vec![None; num_vregs];
    let mut widen = |v: VReg, range: LiveRange| {
        let entry = &mut extent[v.index()];
        *entry = Some(match *entry {
            None => range,
            Some(e) => LiveRange {
                from: e.from.min(range.from),
                to: e.to.max(range.to),
            },
        });
    };
    for interval in &allocated.intervals {
        if interval.assignment == Assignment::Spilled && !func.is_constant(interval.vreg) {
            widen(
                interval.vreg,
                LiveRange {
                    from: interval.start(),
                    to: interval.end(),
                },
            );
        }
    }
    for &(v, range) in stack_ranges {
        widen(v, range);
    }
    // A spilled constant is recomputed into its slot for an operand that
    // accepts a slot and not a register.
    for i in 0..func.num_insts() as u32 {
        let inst = Inst(i);
        for op in func.inst_operands(inst) {
            let pos = match op.kind {
                OperandKind::Def => late(inst),
                OperandKind::Use | OperandKind::EarlyDef => early(inst),
            };
            if op.constraint == Constraint::Any
                && func.is_constant(op.vreg)
                && allocated.assignment_at(op.vreg, pos) == Some(Assignment::Spilled)
            {
                widen(
                    op.vreg,
                    LiveRange {
                        from: pos,
                        to: pos + 1,
                    },
                );
            }
        }
    }
    // Any other value is stored once, where it is defined, and its slot
    // then holds it for the rest of its lifetime (see `resolve`).
    for (v, entry) in extent.iter_mut().enumerate() {
        let children = &allocated.children[v];
        if let (Some(e), Some(&first), Some(&last)) =
            (entry.as_mut(), children.first(), children.last())
            && !func.is_constant(VReg(v as u32))
        {
            e.from = e.from.min(allocated.intervals[first as usize].start());
            e.to = e.to.max(allocated.intervals[last as usize].end());
        }
    }

    let mut order: Vec<(Pos, Pos, VReg)> = extent
        .iter()
        .enumerate()
        .filter_map(|(v, e)| e.map(|e| (e.from, e.to, VReg(v as u32))))
        .collect();
    order.sort_unstable();
    let mut slots = SpillSlots {
        slot_of: vec![None; num_vregs],
        classes: Vec::new(),
    };
    let mut in_use: [BinaryHeap<Reverse<(Pos, u32)>>; 2] = Default::default();
    let mut free: [Vec<u32>; 2] = Default::default();
    for (from, to, v) in order {
        let class = func.vreg_class(v).index();
        while let Some(&Reverse((end, slot))) = in_use[class].peek() {
            if end > from {
                break;
            }
            in_use[class].pop();
            free[class].push(slot);
        }
        let slot = free[class].pop().unwrap_or_else(|| {
            slots.classes.push(func.vreg_class(v));
            slots.classes.len() as u32 - 1
        });
        in_use[class].push(Reverse((to, slot)));
        slots.slot_of[v.index()] = Some(SpillSlot(slot));
    }
    slots
}

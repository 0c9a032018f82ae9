//! Turns a parallel move (a set of copies that all read before any writes)
//! into a sequence of single machine moves.
//!
//! Copies are emitted as soon as nothing still waiting reads their
//! destination: each copy counts the waiting copies that read its
//! destination, and emitting a copy lets the copy that writes its source go
//! when that count drops to zero, so a move of k copies costs O(k log k)
//! (the log to find the copy that writes a location). What is left then
//! consists of disjoint cycles; one location of a cycle is saved in the
//! scratch register (or, when the cycle itself needs the scratch register
//! to move between two stack slots, in a spare stack slot), which breaks it. Moves between two stack slots go through the
//! scratch register, and constants are recomputed last, since they read no
//! location.

use crate::function::MachineEnv;
use crate::output::{Edit, Stats};
use crate::types::{Allocation, Inst, RegClass, SpillSlot, VReg};

/// Where a copy takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MoveSource {
    /// A register or a spill slot.
    Loc(Allocation),
    /// A constant to recompute.
    Remat(VReg),
}

/// The lists that put the copies of one parallel move in order: each
/// copy's destination with the copy's index (sorted, to find the copy that
/// writes a location), how many waiting copies read each copy's
/// destination, the copies ready to go, and those already emitted.
#[derive(Default)]
struct CopyOrder {
    writers: Vec<(Allocation, usize)>,
    readers: Vec<u32>,
    ready: Vec<usize>,
    emitted: Vec<bool>,
}

/// Emits sequences of machine moves for parallel moves.
pub(crate) struct MoveEmitter<'a> {
    env: &'a MachineEnv,
    /// The class of every spill slot; a spare slot is added when needed.
    slot_classes: &'a mut Vec<RegClass>,
    spare_slots: [Option<SpillSlot>; 2],
    /// Copies not yet emitted (kept to reuse its memory).
    pending: Vec<(Allocation, Allocation)>,
    /// The lists that order the copies of one parallel move (kept to reuse
    /// their memory).
    order: CopyOrder,
    pub(crate) edits: Vec<(Inst, Edit)>,
    pub(crate) stats: Stats,
}

impl<'a> MoveEmitter<'a> {
    /// An emitter for a function whose slots have the classes `slot_classes`.
    pub(crate) fn new(env: &'a MachineEnv, slot_classes: &'a mut Vec<RegClass>) -> MoveEmitter<'a> {
        MoveEmitter {
            env,
            slot_classes,
            spare_slots: [None; 2],
            pending: Vec::new(),
            order: CopyOrder::default(),
            edits: Vec::new(),
            stats: Stats::default(),
        }
    }

    fn class_of(&self, loc: Allocation) -> RegClass {
        match loc {
            Allocation::Reg(reg) => reg.class(),
            Allocation::Stack(slot) => self.slot_classes[slot.index()],
        }
    }

    fn spare_slot(&mut self, class: RegClass) -> SpillSlot {
        if let Some(slot) = self.spare_slots[class.index()] {
            return slot;
        }
        let slot = SpillSlot(self.slot_classes.len() as u32);
        self.slot_classes.push(class);
        self.spare_slots[class.index()] = Some(slot);
        slot
    }

    /// Emits, before `inst`, the copies `moves` as if they all happened at
    /// once. Destinations must be distinct.
    pub(crate) fn emit_parallel(&mut self, inst: Inst, moves: &[(MoveSource, Allocation)]) {
        let mut copies = std::mem::take(&mut self.pending);
        copies.clear();
        copies.extend(moves.iter().filter_map(|&(src, dst)| match src {
            MoveSource::Loc(loc) if loc != dst => Some((loc, dst)),
            _ => None,
        }));
        match copies[..] {
            [] => {}
            // Nearly every gap moves one value: it needs no ordering.
            [(src, dst)] => self.emit_move(inst, src, dst),
            _ => self.emit_copies(inst, &mut copies),
        }
        self.pending = copies;
        for &(src, dst) in moves {
            if let MoveSource::Remat(vreg) = src {
                self.emit_remat(inst, vreg, dst);
            }
        }
    }

    /// Emits the `copies` of a parallel move (two or more, distinct
    /// destinations, no copy onto itself) in an order that reads every
    /// location before it is overwritten.
    fn emit_copies(&mut self, inst: Inst, copies: &mut [(Allocation, Allocation)]) {
        let mut order = std::mem::take(&mut self.order);
        self.order_copies(inst, copies, &mut order);
        self.order = order;
    }

    /// [`MoveEmitter::emit_copies`], with its lists in `order`.
    fn order_copies(
        &mut self,
        inst: Inst,
        copies: &mut [(Allocation, Allocation)],
        order: &mut CopyOrder,
    ) {
        let CopyOrder {
            writers,
            readers,
            ready,
            emitted,
        } = order;
        writers.clear();
        writers.extend(copies.iter().enumerate().map(|(i, &(_, dst))| (dst, i)));
        writers.sort_unstable();
        let writer = |loc: Allocation| {
            (writers.binary_search_by(|probe| probe.0.cmp(&loc)))
                .ok()
                .map(|at| writers[at].1)
        };
        // For every copy, how many waiting copies read its destination.
        readers.clear();
        readers.resize(copies.len(), 0);
        for &(src, _) in copies.iter() {
            if let Some(w) = writer(src) {
                readers[w] += 1;
            }
        }
        ready.clear();
        ready.extend((0..copies.len()).rev().filter(|&i| readers[i] == 0));
        emitted.clear();
        emitted.resize(copies.len(), false);
        let mut first_waiting = 0;
        loop {
            while let Some(i) = ready.pop() {
                emitted[i] = true;
                let (src, dst) = copies[i];
                self.emit_move(inst, src, dst);
                if let Some(w) = writer(src) {
                    readers[w] -= 1;
                    if readers[w] == 0 {
                        ready.push(w);
                    }
                }
            }
            while first_waiting < copies.len() && emitted[first_waiting] {
                first_waiting += 1;
            }
            if first_waiting == copies.len() {
                break;
            }
            // Only cycles wait: every waiting destination is read by exactly
            // one waiting copy, the one before it on its cycle.
            let start = first_waiting;
            let saved = copies[start].1;
            let class = self.class_of(saved);
            let mut cycle_needs_scratch = false;
            let mut at = start;
            let reader_of_saved = loop {
                let (src, dst) = copies[at];
                cycle_needs_scratch |=
                    src.is_stack() && dst.is_stack() && self.class_of(dst) == class;
                let previous = writer(src).expect("a waiting copy reads a waiting destination");
                if previous == start {
                    break at;
                }
                at = previous;
            };
            let temp = if cycle_needs_scratch {
                Allocation::Stack(self.spare_slot(class))
            } else {
                Allocation::Reg(self.env.scratch(class))
            };
            self.emit_move(inst, saved, temp);
            copies[reader_of_saved].0 = temp;
            readers[start] -= 1;
            ready.push(start);
        }
    }

    /// Emits one copy, through the scratch register if both sides are slots.
    fn emit_move(&mut self, inst: Inst, from: Allocation, to: Allocation) {
        if from.is_stack() && to.is_stack() {
            let scratch = Allocation::Reg(self.env.scratch(self.class_of(to)));
            self.push(inst, from, scratch);
            self.push(inst, scratch, to);
        } else {
            self.push(inst, from, to);
        }
    }

    fn push(&mut self, inst: Inst, from: Allocation, to: Allocation) {
        match (from.is_stack(), to.is_stack()) {
            (false, false) => self.stats.moves += 1,
            (false, true) => self.stats.spills += 1,
            (true, false) => self.stats.reloads += 1,
            (true, true) => unreachable!("stack-to-stack copies go through the scratch register"),
        }
        self.edits.push((inst, Edit::Move { from, to }));
    }

    /// Recomputes `vreg` into `to`, through the scratch register for a slot.
    fn emit_remat(&mut self, inst: Inst, vreg: VReg, to: Allocation) {
        self.stats.remats += 1;
        if to.is_stack() {
            let scratch = Allocation::Reg(self.env.scratch(self.class_of(to)));
            self.edits.push((inst, Edit::Remat { vreg, to: scratch }));
            self.push(inst, scratch, to);
        } else {
            self.edits.push((inst, Edit::Remat { vreg, to }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::types::PReg;

    fn reg(hw: u8) -> Allocation {
        Allocation::Reg(PReg::new(hw, RegClass::Int))
    }

    fn slot(index: u32) -> Allocation {
        Allocation::Stack(SpillSlot(index))
    }

    fn env() -> MachineEnv {
        MachineEnv {
            allocatable: [
                (0..4).map(|hw| PReg::new(hw, RegClass::Int)).collect(),
                Vec::new(),
            ],
            callee_saved: Default::default(),
            caller_saved: Default::default(),
            scratch: [PReg::new(7, RegClass::Int), PReg::new(7, RegClass::Float)],
        }
    }

    /// What a location holds: its own original content, or a constant.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Content {
        Original(Allocation),
        Constant(VReg),
    }

    /// Emits `moves` and runs the edits on locations that start out holding
    /// themselves; checks that the result is that of a parallel copy, that
    /// only the scratch register and the spare slot are used besides, and
    /// that no edit moves between two slots.
    fn run(moves: &[(MoveSource, Allocation)]) -> Vec<Edit> {
        let env = env();
        let mut classes = vec![RegClass::Int; 4];
        let mut emitter = MoveEmitter::new(&env, &mut classes);
        emitter.emit_parallel(Inst(0), moves);
        let edits: Vec<Edit> = emitter.edits.iter().map(|&(_, edit)| edit).collect();
        let mut state: HashMap<Allocation, Content> = HashMap::new();
        let read = |state: &HashMap<Allocation, Content>, loc| {
            *state.get(&loc).unwrap_or(&Content::Original(loc))
        };
        for edit in &edits {
            match *edit {
                Edit::Move { from, to } => {
                    assert!(
                        !(from.is_stack() && to.is_stack()),
                        "{edit:?} moves between slots"
                    );
                    let value = read(&state, from);
                    state.insert(to, value);
                }
                Edit::Remat { vreg, to } => {
                    state.insert(to, Content::Constant(vreg));
                }
            }
        }
        let scratch = Allocation::Reg(env.scratch(RegClass::Int));
        let spare = slot(4);
        for (&loc, &content) in &state {
            let expected = match moves.iter().find(|&&(_, dst)| dst == loc) {
                Some(&(MoveSource::Loc(src), _)) => Content::Original(src),
                Some(&(MoveSource::Remat(vreg), _)) => Content::Constant(vreg),
                None if loc == scratch || loc == spare => continue,
                None => Content::Original(loc),
            };
            assert_eq!(content, expected, "{loc} after {edits:?}");
        }
        for &(src, dst) in moves {
            if src != MoveSource::Loc(dst) {
                assert!(state.contains_key(&dst), "{dst} not written by {edits:?}");
            }
        }
        edits
    }

    fn copy(from: Allocation, to: Allocation) -> (MoveSource, Allocation) {
        (MoveSource::Loc(from), to)
    }

    #[test]
    fn swaps_two_registers_through_the_scratch_register() {
        let edits = run(&[copy(reg(0), reg(1)), copy(reg(1), reg(0))]);
        assert_eq!(edits.len(), 3);
    }

    #[test]
    fn rotates_a_cycle_of_three() {
        run(&[
            copy(reg(0), reg(1)),
            copy(reg(1), reg(2)),
            copy(reg(2), reg(0)),
        ]);
    }

    #[test]
    fn copies_one_source_to_several_destinations() {
        run(&[
            copy(reg(0), reg(1)),
            copy(reg(0), reg(2)),
            copy(reg(1), reg(3)),
        ]);
    }

    #[test]
    fn swaps_two_slots_through_a_spare_slot() {
        run(&[copy(slot(0), slot(1)), copy(slot(1), slot(0))]);
    }

    #[test]
    fn breaks_a_cycle_through_registers_and_slots() {
        run(&[
            copy(reg(0), slot(0)),
            copy(slot(0), reg(1)),
            copy(reg(1), reg(0)),
        ]);
    }

    #[test]
    fn recomputes_constants_after_their_destination_is_read() {
        run(&[
            copy(reg(0), reg(1)),
            (MoveSource::Remat(VReg(9)), reg(0)),
            (MoveSource::Remat(VReg(8)), slot(2)),
        ]);
    }

    #[test]
    fn sequences_random_sets_of_copies() {
        let locations = [reg(0), reg(1), reg(2), slot(0), slot(1), slot(2)];
        // Random sets of copies among six locations (each destination gets
        // a random source, or none), from a fixed xorshift sequence.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            let mut moves = Vec::new();
            for &dst in &locations {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pick = (seed % (locations.len() as u64 + 2)) as usize;
                if pick < locations.len() {
                    moves.push(copy(locations[pick], dst));
                }
            }
            run(&moves);
        }
    }
}

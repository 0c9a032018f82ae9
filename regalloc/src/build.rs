//! Builds the live intervals of all virtual registers, the ranges where
//! fixed-register operands and clobbers reserve physical registers, and the
//! live-in sets of the blocks.
//!
//! Liveness is computed one virtual register at a time, the way SSA allows:
//! from each use, walk the predecessors backwards until the block that
//! defines the value. A loop that the definition lies outside of is taken
//! whole where it can be (see `loop_forest`): the value is live in all its
//! blocks, which are one range, and the walk goes on from the loop's
//! entries without visiting them. The work is proportional to the number of
//! live ranges, and no bit set of all values per block is ever built, so
//! large functions and deep loop nests stay cheap.

use crate::cfg::LoopInfo;
use crate::error::AllocError;
use crate::function::Function;
use crate::interval::{IntervalPools, LiveRange, Pos, UsePosition, early, late};
use crate::loop_forest::{LoopForest, WholeLoop};
use crate::operand::{Constraint, OperandKind, Reuses};
use crate::types::{Block, Inst, PReg, VReg};

/// A range in which a physical register is reserved by an operand or a
/// clobber.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedRange {
    pub(crate) range: LiveRange,
    /// The virtual register that the reservation is for, if any: that
    /// register's own intervals may live in the physical register here.
    pub(crate) owner: Option<VReg>,
}

/// The reservations of every physical register, in one list grouped by
/// register, each register's sorted by start.
pub(crate) struct FixedRanges {
    ranges: Vec<FixedRange>,
    /// Where each register's reservations begin, by [`PReg::index`] (one
    /// more entry than registers).
    starts: Vec<u32>,
}

impl FixedRanges {
    /// Groups `reservations`, given in instruction order, by register.
    fn new(reservations: &[(PReg, FixedRange)]) -> FixedRanges {
        let (mut ranges, starts) = group_by_owner(
            reservations,
            PReg::NUM_INDICES,
            |(reg, _)| reg.index(),
            |&(_, range)| range,
        );
        for bounds in starts.windows(2) {
            ranges[bounds[0] as usize..bounds[1] as usize].sort_by_key(|f| f.range.from);
        }
        FixedRanges { ranges, starts }
    }

    /// The reservations of `reg`, sorted by start.
    pub(crate) fn of(&self, reg: PReg) -> &[FixedRange] {
        &self.ranges[self.starts[reg.index()] as usize..self.starts[reg.index() + 1] as usize]
    }
}

/// Everything the allocation loop and the resolution need to know about
/// lifetimes.
pub(crate) struct Lifetimes {
    /// The ranges and uses of each virtual register's whole lifetime; empty
    /// if the register is never live (an unused block parameter).
    pub(crate) pools: IntervalPools,
    /// For each virtual register, the physical register a fixed operand
    /// asks it to be in, if any.
    pub(crate) hints: Vec<Option<PReg>>,
    /// The reservations of each physical register, sorted by start.
    pub(crate) fixed: FixedRanges,
    /// The block that defines each virtual register.
    pub(crate) def_block: Vec<Block>,
    /// Ranges where a value must also be in its spill slot (stack operands).
    pub(crate) stack_ranges: Vec<(VReg, LiveRange)>,
    /// For some values, another value whose register at a position would
    /// make a good home (the input a two-address def overwrites, the argument
    /// a block parameter receives).
    pub(crate) hint_from: Vec<Option<(VReg, Pos)>>,
}

/// A position where a value must be live, found while scanning the code.
#[derive(Clone, Copy)]
struct UseRecord {
    vreg: VReg,
    block: Block,
    /// The value must be live up to here (exclusive) in `block`, or, for a
    /// branch argument, until the end of `block`.
    end: Pos,
    branch_arg: bool,
    position: UsePosition,
}

/// Builds the lifetimes of `func`.
pub(crate) fn build_lifetimes<F: Function>(
    func: &F,
    loops: &LoopInfo,
    forest: &LoopForest,
) -> Result<Lifetimes, AllocError> {
    let num_vregs = func.num_vregs();
    let mut def_pos = vec![Pos::MAX; num_vregs];
    let mut def_block = vec![Block(u32::MAX); num_vregs];
    let mut def_is_early = vec![false; num_vregs];
    let mut records = Vec::with_capacity(func.num_insts() * 3);
    let mut def_use: Vec<Option<UsePosition>> = vec![None; num_vregs];
    let mut hints: Vec<Option<PReg>> = vec![None; num_vregs];
    let mut fixed = Vec::new();
    let mut stack_ranges = Vec::new();
    let mut hint_from = vec![None; num_vregs];

    for b in 0..func.num_blocks() as u32 {
        let block = Block(b);
        let (first, end) = func.block_insts(block);
        let weight = loops.use_weight(block);
        for &param in func.block_params(block) {
            def_pos[param.index()] = early(first);
            def_block[param.index()] = block;
        }
        for i in first.0..end.0 {
            let inst = Inst(i);
            let operands = func.inst_operands(inst);
            let reuses = Reuses::of(operands);
            for (index, op) in operands.iter().enumerate() {
                let v = op.vreg;
                let reused = reuses.def_reusing(index).is_some();
                if let Constraint::Fixed(reg) = op.constraint {
                    hints[v.index()].get_or_insert(reg);
                    let range = match op.kind {
                        OperandKind::Use => LiveRange {
                            from: early(inst),
                            to: late(inst),
                        },
                        OperandKind::Def => LiveRange {
                            from: late(inst),
                            to: late(inst) + 1,
                        },
                        OperandKind::EarlyDef => LiveRange {
                            from: early(inst),
                            to: late(inst) + 1,
                        },
                    };
                    fixed.push((
                        reg,
                        FixedRange {
                            range,
                            owner: Some(v),
                        },
                    ));
                }
                if op.constraint == Constraint::Stack {
                    let at = match op.kind {
                        OperandKind::Def => late(inst),
                        OperandKind::Use | OperandKind::EarlyDef => early(inst),
                    };
                    stack_ranges.push((
                        v,
                        LiveRange {
                            from: at,
                            to: at + 1,
                        },
                    ));
                }
                let needs_reg = match op.constraint {
                    Constraint::Reg | Constraint::Reuse(_) => !reused,
                    Constraint::Any | Constraint::Fixed(_) | Constraint::Stack => false,
                };
                match op.kind {
                    OperandKind::Use => {
                        // An input that a def overwrites is copied into the
                        // def's register just before the instruction, so it
                        // need not live into the instruction itself, unless
                        // the instruction starts its block.
                        let shortened = reused && i > first.0;
                        let pos = if shortened {
                            early(inst) - 1
                        } else {
                            early(inst)
                        };
                        records.push(UseRecord {
                            vreg: v,
                            block,
                            end: pos + 1,
                            branch_arg: false,
                            position: UsePosition {
                                pos,
                                needs_reg,
                                weight,
                            },
                        });
                    }
                    OperandKind::Def | OperandKind::EarlyDef => {
                        let is_early = op.kind == OperandKind::EarlyDef
                            || matches!(op.constraint, Constraint::Reuse(_));
                        let pos = if is_early { early(inst) } else { late(inst) };
                        def_pos[v.index()] = pos;
                        def_block[v.index()] = block;
                        def_is_early[v.index()] = is_early;
                        def_use[v.index()] = Some(UsePosition {
                            pos,
                            needs_reg,
                            weight,
                        });
                        if let Constraint::Reuse(target) = op.constraint {
                            hint_from[v.index()] =
                                Some((operands[target].vreg, early(inst).saturating_sub(1)));
                        }
                    }
                }
            }
            let clobbers = func.inst_clobbers(inst);
            for reg in clobbers.iter() {
                let defined_here = operands
                    .iter()
                    .any(|op| op.is_def() && op.constraint == Constraint::Fixed(reg));
                if !defined_here {
                    fixed.push((
                        reg,
                        FixedRange {
                            range: LiveRange {
                                from: late(inst),
                                to: late(inst) + 1,
                            },
                            owner: None,
                        },
                    ));
                }
            }
        }
        let block_end = early(end);
        for (index, &succ) in func.block_succs(block).iter().enumerate() {
            for (&arg, &param) in func
                .branch_args(block, index)
                .iter()
                .zip(func.block_params(succ))
            {
                records.push(UseRecord {
                    vreg: arg,
                    block,
                    end: block_end,
                    branch_arg: true,
                    position: UsePosition {
                        pos: block_end - 1,
                        needs_reg: false,
                        weight,
                    },
                });
                // A parameter would like its first argument's register; an
                // argument on a back edge, its (already placed) parameter's.
                if hint_from[param.index()].is_none() {
                    hint_from[param.index()] = Some((arg, block_end - 1));
                }
                if hint_from[arg.index()].is_none() {
                    hint_from[arg.index()] = Some((param, early(func.block_insts(succ).0)));
                }
            }
        }
    }
    let fixed = FixedRanges::new(&fixed);

    let (records, first_record) = group_by_owner(&records, num_vregs, |r| r.vreg.index(), |&r| r);
    let mut pools = IntervalPools::with_capacity(num_vregs, records.len() + num_vregs);
    let mut walk = LivenessWalk::new(func.num_blocks(), forest);
    for (v, bounds) in first_record.windows(2).enumerate() {
        let uses = &records[bounds[0] as usize..bounds[1] as usize];
        if let Some(position) = def_use[v] {
            pools.push_use(position);
        }
        if !uses.is_empty() {
            if def_pos[v] == Pos::MAX {
                return Err(AllocError::InvalidFunction(format!(
                    "{} is used but never defined",
                    VReg(v as u32)
                )));
            }
            let def = Definition {
                pos: def_pos[v],
                block: def_block[v],
                early: def_is_early[v],
            };
            walk.compute(func, VReg(v as u32), def, uses, &mut pools)?;
        } else if def_use[v].is_some() {
            // A def that nothing reads still needs a place to be written.
            let pos = def_pos[v];
            let to = if def_is_early[v] { pos + 2 } else { pos + 1 };
            pools.push_range(LiveRange { from: pos, to });
        }
        pools.finish_vreg();
    }
    Ok(Lifetimes {
        pools,
        hints,
        fixed,
        def_block,
        stack_ranges,
        hint_from,
    })
}

/// Orders `items` by owner with a counting sort, in time linear in their
/// number (a comparison sort of the use records was a tenth of the
/// allocator's time on long functions), keeping the items of one owner in
/// the order they came, and keeps of each item the part `keep` takes (the
/// owner is implied by the position). Returns them with, for each owner
/// `o`, the index of its first item at `o` and the end of its items at
/// `o + 1`.
pub(crate) fn group_by_owner<T, U: Copy>(
    items: &[T],
    num_owners: usize,
    owner: impl Fn(&T) -> usize,
    keep: impl Fn(&T) -> U,
) -> (Vec<U>, Vec<u32>) {
    let mut start = vec![0u32; num_owners + 1];
    for item in items {
        start[owner(item) + 1] += 1;
    }
    for o in 0..num_owners {
        start[o + 1] += start[o];
    }
    let Some(first) = items.first() else {
        return (Vec::new(), start);
    };
    let mut next = start.clone();
    let mut grouped = vec![keep(first); items.len()];
    for item in items {
        let slot = &mut next[owner(item)];
        grouped[*slot as usize] = keep(item);
        *slot += 1;
    }
    (grouped, start)
}

/// Where and how a value is defined.
#[derive(Clone, Copy)]
struct Definition {
    pos: Pos,
    block: Block,
    early: bool,
}

/// Scratch state for computing one value's liveness at a time. Marks are
/// stamped with the value's number, so nothing is cleared between values.
struct LivenessWalk<'a> {
    forest: &'a LoopForest,
    live_in_stamp: Vec<u32>,
    live_out_stamp: Vec<u32>,
    /// For blocks with a use of the current value: the end of its last use.
    last_use_stamp: Vec<u32>,
    last_use_end: Vec<Pos>,
    /// For each loop: whether the current value is live in all of it.
    whole_loop_stamp: Vec<u32>,
    /// The blocks where the current value is live that no loop in
    /// `whole_loops` covers, with its defining block.
    blocks: Vec<Block>,
    /// The loops the current value is live in from end to end.
    whole_loops: Vec<WholeLoop>,
    /// Where the current value is live on entry and whose predecessors
    /// have yet to learn that it is live on exit from them.
    worklist: Vec<LiveOnEntry>,
}

/// A place where a value is live on entry.
#[derive(Clone, Copy)]
enum LiveOnEntry {
    Block(Block),
    /// A whole loop, entered from its entries alone.
    Loop(WholeLoop),
}

impl<'a> LivenessWalk<'a> {
    fn new(num_blocks: usize, forest: &'a LoopForest) -> LivenessWalk<'a> {
        LivenessWalk {
            forest,
            live_in_stamp: vec![u32::MAX; num_blocks],
            live_out_stamp: vec![u32::MAX; num_blocks],
            last_use_stamp: vec![u32::MAX; num_blocks],
            last_use_end: vec![0; num_blocks],
            whole_loop_stamp: vec![u32::MAX; forest.num_loops()],
            blocks: Vec::new(),
            whole_loops: Vec::new(),
            worklist: Vec::new(),
        }
    }

    /// Finds where `v` is live and adds its ranges and uses to `pools`.
    fn compute<F: Function>(
        &mut self,
        func: &F,
        v: VReg,
        def: Definition,
        uses: &[UseRecord],
        pools: &mut IntervalPools,
    ) -> Result<(), AllocError> {
        let stamp = v.0;
        self.blocks.clear();
        self.whole_loops.clear();
        self.blocks.push(def.block);
        self.last_use_stamp[def.block.index()] = stamp;
        self.last_use_end[def.block.index()] = def.pos + if def.early { 2 } else { 1 };
        for record in uses {
            pools.push_use(record.position);
            let b = record.block;
            if record.branch_arg {
                self.live_out_stamp[b.index()] = stamp;
            } else {
                if self.last_use_stamp[b.index()] != stamp {
                    self.last_use_stamp[b.index()] = stamp;
                    self.last_use_end[b.index()] = 0;
                }
                self.last_use_end[b.index()] = self.last_use_end[b.index()].max(record.end);
                if b == def.block && record.end <= def.pos {
                    return Err(AllocError::InvalidFunction(format!(
                        "{v} is used before its definition"
                    )));
                }
            }
            if b != def.block {
                self.mark_live_in(v, b, def.block)?;
            }
        }
        while let Some(live) = self.worklist.pop() {
            let preds = match live {
                LiveOnEntry::Block(block) => func.block_preds(block),
                LiveOnEntry::Loop(whole) => self.forest.entries(whole),
            };
            for &pred in preds {
                self.live_out_stamp[pred.index()] = stamp;
                if pred != def.block {
                    self.mark_live_in(v, pred, def.block)?;
                }
            }
        }
        self.sort_blocks(def.block, stamp);
        self.whole_loops.sort_unstable_by_key(|l| l.header);
        let mut whole_loops = self.whole_loops.iter().peekable();
        let mut blocks = self.blocks.iter().peekable();
        loop {
            let next_block = blocks.peek().map(|b| b.0);
            let next_loop = whole_loops.peek().map(|l| l.header.0);
            let range = match (next_block, next_loop) {
                (None, None) => break,
                (Some(b), l) if l.is_none_or(|l| b < l) => {
                    let b = *blocks.next().expect("peeked");
                    let (first, end) = func.block_insts(b);
                    let from = if b == def.block {
                        def.pos
                    } else {
                        early(first)
                    };
                    let to = if self.live_out_stamp[b.index()] == stamp {
                        early(end)
                    } else {
                        self.last_use_end[b.index()]
                    };
                    LiveRange { from, to }
                }
                _ => {
                    // Every block of the loop can reach a use in it, so the
                    // value is live from the top of its header to the end
                    // of its last block.
                    let whole = whole_loops.next().expect("peeked");
                    LiveRange {
                        from: early(func.block_insts(whole.header).0),
                        to: early(func.block_insts(Block(whole.end.0 - 1)).1),
                    }
                }
            };
            pools.push_range(range);
        }
        Ok(())
    }

    /// Puts the blocks where the current value (stamped `stamp`) lives in
    /// order. A value live through a large part of the function is cheaper
    /// to order by walking all blocks once than by sorting its blocks: the
    /// walk costs the number of blocks, the sort that times its logarithm,
    /// and a value live across tens of thousands of blocks pays the
    /// difference for every such value.
    fn sort_blocks(&mut self, def_block: Block, stamp: u32) {
        const DENSE: usize = 16;
        const FEW: usize = 32;
        let num_blocks = self.live_in_stamp.len();
        if self.blocks.len() < FEW || self.blocks.len() * DENSE < num_blocks {
            self.blocks.sort_unstable();
            return;
        }
        self.blocks.clear();
        self.blocks.extend(
            (0..num_blocks as u32)
                .map(Block)
                .filter(|&b| b == def_block || self.live_in_stamp[b.index()] == stamp),
        );
    }

    /// Records that `v` is live on entry to `block` (not its defining block
    /// `def_block`), and queues the block so that its predecessors learn it
    /// too. If `block` is in a loop that `def_block` is outside of, `v` is
    /// live in the whole of the outermost such loop, which is recorded
    /// instead when it can be taken whole, and only the loop's entries
    /// are to learn it.
    fn mark_live_in(&mut self, v: VReg, block: Block, def_block: Block) -> Result<(), AllocError> {
        if self.live_in_stamp[block.index()] == v.0 {
            return Ok(());
        }
        if let Some(whole) = self.forest.outermost_around(block, def_block) {
            if self.whole_loop_stamp[whole.id as usize] != v.0 {
                if whole.header == Block(0) {
                    return Err(AllocError::InvalidFunction(format!(
                        "{v} is used where its definition does not reach"
                    )));
                }
                self.whole_loop_stamp[whole.id as usize] = v.0;
                self.whole_loops.push(whole);
                self.worklist.push(LiveOnEntry::Loop(whole));
            }
            return Ok(());
        }
        if block == Block(0) {
            return Err(AllocError::InvalidFunction(format!(
                "{v} is used where its definition does not reach"
            )));
        }
        self.live_in_stamp[block.index()] = v.0;
        self.worklist.push(LiveOnEntry::Block(block));
        self.blocks.push(block);
        if self.last_use_stamp[block.index()] != v.0 {
            self.last_use_stamp[block.index()] = v.0;
            self.last_use_end[block.index()] = 0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfg::DepthFirst;
    use crate::interval::LiveRange;
    use crate::operand::Operand;
    use crate::test_code::Code;

    /// The ranges of each value of `code`.
    fn ranges(code: &Code) -> Vec<Vec<LiveRange>> {
        let search = DepthFirst::of(code);
        let loops = LoopInfo::compute(code, &search);
        let forest = LoopForest::compute(code, &search);
        let lifetimes = build_lifetimes(code, &loops, &forest).unwrap();
        let hints = vec![None; code.num_vregs()];
        let intervals = lifetimes.pools.whole_intervals(&hints);
        intervals
            .iter()
            .map(|interval| interval.clipped_ranges().collect())
            .collect()
    }

    /// `v0` defined in block 0 and `v1` in the outer loop's header 1, both
    /// read by the latch 3 of the inner loop 2..4 inside the outer loop
    /// 1..5; block 5 is the exit. One instruction per block, so block `b`
    /// spans positions `2b..2b + 2`.
    fn nest_reading_two_values() -> Code {
        let mut code = Code::with_vregs(2);
        let read = |v: u32| vec![vec![Operand::reg_use(VReg(v))]];
        code.block(&[], vec![vec![Operand::reg_def(VReg(0))]], &[(1, &[])]);
        code.block(&[], vec![vec![Operand::reg_def(VReg(1))]], &[(2, &[])]);
        code.block(&[], vec![vec![]], &[(3, &[])]);
        code.block(
            &[],
            vec![vec![Operand::reg_use(VReg(0)), Operand::reg_use(VReg(1))]],
            &[(2, &[]), (4, &[])],
        );
        code.block(&[], read(0), &[(1, &[]), (5, &[])]);
        code.block(&[], vec![vec![]], &[]);
        code.link()
    }

    #[test]
    fn a_value_read_in_a_loop_it_is_defined_outside_of_lives_through_the_whole_loop() {
        let ranges = ranges(&nest_reading_two_values());
        // v0: from its def (late point 1) through the outer loop's last
        // block 4.
        assert_eq!(ranges[0], [LiveRange { from: 1, to: 10 }]);
        // v1: from its def in the outer header through the inner loop 2..4
        // (blocks 2 and 3), and no further: the outer latch 4 does not
        // read it.
        assert_eq!(ranges[1], [LiveRange { from: 3, to: 8 }]);
    }
}

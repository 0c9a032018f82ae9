//! The values that are in a register where each block starts.
//!
//! On a control-flow edge, only these live-in values can need a move: a
//! value in its spill slot at the top of a block has been there since its
//! definition (spilled values are stored once, where they are defined), and
//! a spilled constant is recomputed where it is read. So the resolution asks
//! about these values alone rather than about every value live into the
//! block. That bounds its work by the number of registers per block: `n`
//! values live through `n` nested loops are `n * n` (block, value) pairs,
//! but a register holds one value at a time, so at most a register file's
//! worth of them per block are in registers.

use crate::build::group_by_owner;
use crate::function::Function;
use crate::interval::{Assignment, Pos, early};
use crate::linear_scan::Allocated;
use crate::types::{Block, VReg};

/// For each block, the values in a register at its first position, in
/// increasing order, stored flat.
pub(crate) struct EntryRegs {
    start: Vec<u32>,
    vregs: Vec<VReg>,
}

impl EntryRegs {
    /// Finds the values in registers at each block start of `func`.
    pub(crate) fn new<F: Function>(func: &F, allocated: &Allocated) -> EntryRegs {
        let block_starts: Vec<Pos> = (0..func.num_blocks() as u32)
            .map(|b| early(func.block_insts(Block(b)).0))
            .collect();
        let mut pairs = Vec::new();
        for children in &allocated.children {
            for &id in children {
                let interval = &allocated.intervals[id as usize];
                if !matches!(interval.assignment, Assignment::Reg(_)) {
                    continue;
                }
                for range in interval.clipped_ranges() {
                    let first = block_starts.partition_point(|&start| start < range.from);
                    let covered = block_starts[first..]
                        .iter()
                        .take_while(|&&start| start < range.to)
                        .count();
                    pairs.extend((first..first + covered).map(|b| (b, interval.vreg)));
                }
            }
        }
        let (mut vregs, start) =
            group_by_owner(&pairs, func.num_blocks(), |&(b, _)| b, |&(_, v)| v);
        for bounds in start.windows(2) {
            vregs[bounds[0] as usize..bounds[1] as usize].sort_unstable();
        }
        EntryRegs { start, vregs }
    }

    /// The values in a register where `block` starts, in increasing order:
    /// the values live into it and those defined right at its start.
    pub(crate) fn of(&self, block: Block) -> &[VReg] {
        &self.vregs[self.start[block.index()] as usize..self.start[block.index() + 1] as usize]
    }
}

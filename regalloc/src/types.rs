//! The small value types the allocator talks in: virtual and physical
//! registers, register classes, blocks, instructions, spill slots and the
//! location ([`Allocation`]) that the allocator gives to each operand.
//!
//! They are plain `Copy` newtypes over integers so that the tables the
//! allocator keeps stay dense and cheap to index.

use core::fmt;

/// A register class: the kind of register file a value lives in.
///
/// Moves only happen between registers and spill slots of one class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegClass {
    /// General-purpose integer registers (also pointers).
    Int = 0,
    /// Floating-point and vector registers.
    Float = 1,
}

impl RegClass {
    /// Both classes, in index order.
    pub const ALL: [RegClass; 2] = [RegClass::Int, RegClass::Float];

    /// A dense index (0 or 1) for per-class tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A virtual register: one SSA value of the code being allocated.
///
/// Virtual registers are dense indices `0..Function::num_vregs()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VReg(pub u32);

impl VReg {
    /// The dense index of this virtual register.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for VReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// A physical (machine) register: a hardware encoding within a class.
///
/// The hardware number is the ISA's own register number (0..64), so a
/// backend can encode it without a lookup table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PReg(u8);

impl PReg {
    /// The largest hardware number plus one, per class.
    pub const MAX_PER_CLASS: usize = 64;
    /// The number of distinct physical registers over both classes.
    pub const NUM_INDICES: usize = 2 * Self::MAX_PER_CLASS;

    /// The register with hardware number `hw` (below 64) in `class`.
    pub const fn new(hw: u8, class: RegClass) -> PReg {
        assert!((hw as usize) < Self::MAX_PER_CLASS);
        PReg(hw | ((class as u8) << 6))
    }

    /// The hardware number of this register within its class.
    pub fn hw(self) -> u8 {
        self.0 & 63
    }

    /// The class of this register.
    pub fn class(self) -> RegClass {
        if self.0 & 64 == 0 {
            RegClass::Int
        } else {
            RegClass::Float
        }
    }

    /// A dense index over both classes (`0..PReg::NUM_INDICES`).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The register with the given dense index.
    pub fn from_index(index: usize) -> PReg {
        assert!(index < Self::NUM_INDICES);
        PReg(index as u8)
    }
}

impl fmt::Display for PReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.class() {
            RegClass::Int => write!(f, "r{}", self.hw()),
            RegClass::Float => write!(f, "f{}", self.hw()),
        }
    }
}

/// A set of physical registers, as a bit set over [`PReg::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PRegSet(u128);

impl PRegSet {
    /// The empty set.
    pub const fn empty() -> PRegSet {
        PRegSet(0)
    }

    /// Adds `reg` to the set.
    pub fn insert(&mut self, reg: PReg) {
        self.0 |= 1 << reg.index();
    }

    /// Removes `reg` from the set.
    pub fn remove(&mut self, reg: PReg) {
        self.0 &= !(1 << reg.index());
    }

    /// Whether `reg` is in the set.
    pub fn contains(self, reg: PReg) -> bool {
        self.0 & (1 << reg.index()) != 0
    }

    /// Whether the set has no register.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The registers of the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = PReg> {
        let mut bits = self.0;
        core::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let index = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Some(PReg::from_index(index))
        })
    }
}

impl FromIterator<PReg> for PRegSet {
    fn from_iter<I: IntoIterator<Item = PReg>>(iter: I) -> Self {
        let mut set = PRegSet::empty();
        for reg in iter {
            set.insert(reg);
        }
        set
    }
}

/// A basic block, by dense index `0..Function::num_blocks()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(pub u32);

impl Block {
    /// The dense index of this block.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An instruction, by dense index `0..Function::num_insts()`.
///
/// The instructions of one block have consecutive indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(pub u32);

impl Inst {
    /// The dense index of this instruction.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A spill slot in the function's stack frame, by dense index.
///
/// Each slot holds one value of the class given by
/// [`Output::spill_slot_classes`](crate::Output::spill_slot_classes);
/// the backend chooses the slot's size and offset from that class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpillSlot(pub u32);

impl SpillSlot {
    /// The dense index of this slot.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a value is at one program point: a register or a spill slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Allocation {
    /// A physical register.
    Reg(PReg),
    /// A spill slot in the stack frame.
    Stack(SpillSlot),
}

impl Allocation {
    /// The register, if this is one.
    pub fn as_reg(self) -> Option<PReg> {
        match self {
            Allocation::Reg(reg) => Some(reg),
            Allocation::Stack(_) => None,
        }
    }

    /// Whether this is a spill slot.
    pub fn is_stack(self) -> bool {
        matches!(self, Allocation::Stack(_))
    }
}

impl fmt::Display for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allocation::Reg(reg) => write!(f, "{reg}"),
            Allocation::Stack(slot) => write!(f, "stack{}", slot.0),
        }
    }
}

//! Operands: how an instruction reads or writes a virtual register, and the
//! constraint on where that register must be at that moment.
//!
//! Each instruction reads all its uses at its *early* point and writes its
//! ordinary defs at its *late* point, so a def may share a register with a
//! use that dies at the instruction. An *early def* is written before the
//! uses are read, so it never shares a register with any of them (a scratch
//! register the instruction needs, or an output written before all inputs
//! are consumed).

use crate::types::{PReg, VReg};

/// Whether an operand reads or writes its virtual register, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// Read at the instruction's early point.
    Use,
    /// Written at the instruction's late point.
    Def,
    /// Written at the instruction's early point: it may not share a location
    /// with any use of the same instruction.
    EarlyDef,
}

/// Where an operand's value must be when the instruction executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// Any register of the value's class, or a spill slot (an x86 `r/m`
    /// operand, for example).
    Any,
    /// Any register of the value's class.
    Reg,
    /// This very register: call arguments and results, x86 `div` in
    /// `rdx:rax`, shift counts in `cl`.
    Fixed(PReg),
    /// For a def only: the register that the use operand with this index
    /// (in the same instruction) was given. This is the x86 two-address form,
    /// where `add a, b` overwrites its first input. The use must be a
    /// [`Constraint::Reg`] or [`Constraint::Any`] use of the same class.
    Reuse(usize),
    /// A spill slot.
    Stack,
}

/// One operand of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operand {
    /// The virtual register read or written.
    pub vreg: VReg,
    /// Read or write, early or late.
    pub kind: OperandKind,
    /// Where the value must be.
    pub constraint: Constraint,
}

impl Operand {
    /// An operand of any kind and constraint.
    pub fn new(vreg: VReg, kind: OperandKind, constraint: Constraint) -> Operand {
        Operand {
            vreg,
            kind,
            constraint,
        }
    }

    /// A use in any register.
    pub fn reg_use(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Use, Constraint::Reg)
    }

    /// A use in a register or a spill slot.
    pub fn any_use(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Use, Constraint::Any)
    }

    /// A use in the register `reg`.
    pub fn fixed_use(vreg: VReg, reg: PReg) -> Operand {
        Operand::new(vreg, OperandKind::Use, Constraint::Fixed(reg))
    }

    /// A use in a spill slot.
    pub fn stack_use(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Use, Constraint::Stack)
    }

    /// A def in any register.
    pub fn reg_def(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Def, Constraint::Reg)
    }

    /// A def in a register or a spill slot.
    pub fn any_def(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Def, Constraint::Any)
    }

    /// A def in the register `reg`.
    pub fn fixed_def(vreg: VReg, reg: PReg) -> Operand {
        Operand::new(vreg, OperandKind::Def, Constraint::Fixed(reg))
    }

    /// A def in the register of the use operand number `use_index`.
    pub fn reuse_def(vreg: VReg, use_index: usize) -> Operand {
        Operand::new(vreg, OperandKind::Def, Constraint::Reuse(use_index))
    }

    /// A def in a spill slot.
    pub fn stack_def(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::Def, Constraint::Stack)
    }

    /// An early def in any register.
    pub fn early_reg_def(vreg: VReg) -> Operand {
        Operand::new(vreg, OperandKind::EarlyDef, Constraint::Reg)
    }

    /// Whether the operand writes its register.
    pub fn is_def(&self) -> bool {
        !matches!(self.kind, OperandKind::Use)
    }
}

/// Which def of one instruction takes the register of which use.
///
/// Lowering gives an instruction one such def at most (the two-address
/// form), so this keeps the first one found and answers from it in
/// constant time. Searching all operands for a `Reuse` of each use instead
/// would take the square of the operand count: a million steps for a call
/// with a thousand arguments. Only an instruction with several reusing
/// defs, which kiln's lowering never makes, falls back to that search.
pub(crate) struct Reuses<'a> {
    operands: &'a [Operand],
    /// The first reusing def, as (use index, def index).
    first: Option<(usize, usize)>,
    /// Whether there is more than one.
    several: bool,
}

impl<'a> Reuses<'a> {
    /// The reusing defs among `operands`.
    #[inline]
    pub(crate) fn of(operands: &'a [Operand]) -> Reuses<'a> {
        let mut reuses = Reuses {
            operands,
            first: None,
            several: false,
        };
        for (def, op) in operands.iter().enumerate() {
            if let Constraint::Reuse(used) = op.constraint {
                if reuses.first.is_some() {
                    reuses.several = true;
                    break;
                }
                reuses.first = Some((used, def));
            }
        }
        reuses
    }

    /// The def that takes the register of the use number `index`, if any.
    #[inline]
    pub(crate) fn def_reusing(&self, index: usize) -> Option<usize> {
        if self.several {
            return self
                .operands
                .iter()
                .position(|op| op.constraint == Constraint::Reuse(index));
        }
        self.first
            .filter(|&(used, _)| used == index)
            .map(|(_, def)| def)
    }
}

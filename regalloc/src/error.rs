//! Why an allocation can fail.

use core::fmt;

use crate::checker::CheckError;
use crate::types::Inst;

/// An error from [`allocate`](crate::allocate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The function breaks the contract of [`Function`](crate::Function);
    /// the message says how.
    InvalidFunction(String),
    /// The operands of this instruction need more registers of one class at
    /// once than the machine has.
    OutOfRegisters(Inst),
    /// The checker rejected the allocation: a bug in the allocator.
    Rejected(CheckError),
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::InvalidFunction(reason) => write!(f, "invalid function: {reason}"),
            AllocError::OutOfRegisters(inst) => write!(
                f,
                "instruction {} needs more registers at once than the machine has",
                inst.0
            ),
            AllocError::Rejected(error) => write!(f, "allocation rejected by the checker: {error}"),
        }
    }
}

impl std::error::Error for AllocError {}

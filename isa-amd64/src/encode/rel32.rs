//! [`Rel32`]: how x86-64 code refers to a label of its own function.

use kiln_machinst::{JumpTemplate, LabelUse};

/// A signed 32-bit displacement counted from the end of the instruction:
/// `jmp`/`jcc rel32` and RIP-relative memory operands. The use is
/// recorded at the 4-byte field. It reaches ±1 GiB, more than any
/// function, so x86-64 code never needs veneers or islands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rel32 {
    /// Bytes of the instruction after the field (an immediate operand):
    /// the displacement counts from their end.
    pub trailing: u8,
}

impl LabelUse for Rel32 {
    /// `int3`.
    const PADDING: u8 = 0xCC;

    /// `jmp rel32`.
    const JUMP: JumpTemplate<Rel32> = JumpTemplate {
        code: &[0xE9, 0, 0, 0, 0],
        use_at: 1,
        kind: Rel32 { trailing: 0 },
    };

    fn max_forward(self) -> u32 {
        1 << 30
    }

    fn max_backward(self) -> u32 {
        1 << 30
    }

    fn patch(self, code: &mut [u8], at: u32, target: u32) {
        let end = i64::from(at) + 4 + i64::from(self.trailing);
        let displacement = i32::try_from(i64::from(target) - end).expect("within ±1 GiB");
        let at = at as usize;
        code[at..at + 4].copy_from_slice(&displacement.to_le_bytes());
    }

    fn veneer(self) -> Option<JumpTemplate<Rel32>> {
        None
    }
}

//! [`Arm64LabelUse`]: how AArch64 code refers to a label of its own
//! function, with the reach of each pc-relative field. A use is recorded
//! at the start of its instruction, from which the offset counts.

use crate::encode::branch::{PcRelField, b};
use kiln_machinst::{JumpTemplate, LabelUse};

/// A kind of pc-relative reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arm64LabelUse {
    /// `b`, `bl`: ±128 MiB.
    Branch26,
    /// `b.cond`, `cbz`, `cbnz`: ±1 MiB, extended by a `b` veneer.
    Branch19,
    /// `tbz`, `tbnz`: ±32 KiB, extended by a `b` veneer.
    Branch14,
    /// `ldr` (literal): ±1 MiB; constants are placed in reach.
    Literal19,
    /// `adr`: ±1 MiB.
    Adr21,
}

impl Arm64LabelUse {
    fn field(self) -> PcRelField {
        match self {
            Arm64LabelUse::Branch26 => PcRelField::Imm26,
            Arm64LabelUse::Branch19 | Arm64LabelUse::Literal19 => PcRelField::Imm19,
            Arm64LabelUse::Branch14 => PcRelField::Imm14,
            Arm64LabelUse::Adr21 => PcRelField::Adr,
        }
    }
}

/// The bytes of `b .` (patched to its label).
const B: [u8; 4] = b().to_le_bytes();

/// The `b` that jumps over islands and extends short branches.
const JUMP: JumpTemplate<Arm64LabelUse> = JumpTemplate {
    code: &B,
    use_at: 0,
    kind: Arm64LabelUse::Branch26,
};

impl LabelUse for Arm64LabelUse {
    /// Zero words are `udf #0`: padding traps if it is ever executed.
    const PADDING: u8 = 0;

    const JUMP: JumpTemplate<Arm64LabelUse> = JUMP;

    fn max_forward(self) -> u32 {
        self.field().range().1 as u32
    }

    fn max_backward(self) -> u32 {
        (-self.field().range().0) as u32
    }

    fn patch(self, code: &mut [u8], at: u32, target: u32) {
        let at = at as usize;
        let word = u32::from_le_bytes(code[at..at + 4].try_into().expect("a word"));
        let offset = i64::from(target) - at as i64;
        let word = self
            .field()
            .patch(word, offset)
            .expect("a label use within reach");
        code[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }

    fn veneer(self) -> Option<JumpTemplate<Arm64LabelUse>> {
        match self {
            Arm64LabelUse::Branch19 | Arm64LabelUse::Branch14 => Some(JUMP),
            _ => None,
        }
    }
}

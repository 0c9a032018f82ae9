//! [`Rel32`]: how x86-64 code refers to a label of its own function.

use kiln_machinst::{JumpTemplate, LabelUse};

/// A signed 32-bit offset of a label, counted from a point `origin` bytes
/// after the start of the 4-byte field that holds it. A `jmp`/`jcc rel32`
/// or a RIP-relative memory operand counts from the end of its
/// instruction ([`Rel32::pc_relative`]); an entry of a jump table counts
/// from the start of its table ([`Rel32::table_entry`]). It reaches
/// ±1 GiB, more than any function, so x86-64 code never needs veneers or
/// islands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rel32 {
    /// Where the offset counts from, relative to the field.
    pub origin: i32,
}

impl Rel32 {
    /// The displacement of an instruction that ends `trailing` bytes (an
    /// immediate operand) after the field.
    pub const fn pc_relative(trailing: u8) -> Rel32 {
        Rel32 {
            origin: 4 + trailing as i32,
        }
    }

    /// Entry number `index` of a table of 32-bit offsets from the table's
    /// start.
    pub fn table_entry(index: u32) -> Rel32 {
        let origin = i32::try_from(4 * u64::from(index)).expect("a table within ±1 GiB");
        Rel32 { origin: -origin }
    }
}

impl LabelUse for Rel32 {
    /// `int3`.
    const PADDING: u8 = 0xCC;

    /// `jmp rel32`.
    const JUMP: JumpTemplate<Rel32> = JumpTemplate {
        code: &[0xE9, 0, 0, 0, 0],
        use_at: 1,
        kind: Rel32::pc_relative(0),
    };

    fn max_forward(self) -> u32 {
        1 << 30
    }

    fn max_backward(self) -> u32 {
        1 << 30
    }

    fn patch(self, code: &mut [u8], at: u32, target: u32) {
        let origin = i64::from(at) + i64::from(self.origin);
        let displacement = i32::try_from(i64::from(target) - origin).expect("within ±1 GiB");
        let at = at as usize;
        code[at..at + 4].copy_from_slice(&displacement.to_le_bytes());
    }

    fn veneer(self) -> Option<JumpTemplate<Rel32>> {
        None
    }
}

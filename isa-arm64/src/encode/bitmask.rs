//! Logical immediates: the `N:immr:imms` operand of `and`, `orr`, `eor` and
//! `ands` with an immediate.
//!
//! Such an immediate is an element of `e` bits (`e` = 2, 4, 8, 16, 32 or
//! 64) repeated to fill the register, where the element is a run of 1 to
//! `e - 1` ones rotated right by 0 to `e - 1` places. The fields say:
//!
//! ```text
//! N:imms   element size and run length: 1 ones(6)        e = 64 (64-bit only)
//!                                        0 0xxxxx         e = 32
//!                                        0 10xxxx         e = 16
//!                                        0 110xxx         e = 8
//!                                        0 1110xx         e = 4
//!                                        0 11110x         e = 2
//!          the x bits hold the number of ones minus one
//! immr     the rotation right of the run, within the element
//! ```
//!
//! So 0 and all-ones are never encodable, and about 5,000 of the 2^64
//! 64-bit values (about 1,300 of the 32-bit ones) are.

use super::Size;

/// An immediate that `and`/`orr`/`eor`/`ands` of `size` can encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogicalImm {
    n: bool,
    immr: u8,
    imms: u8,
    size: Size,
}

impl LogicalImm {
    /// The encoding of `value` for an operation of `size`, if there is one.
    /// For 32-bit operations only the low 32 bits of `value` count.
    pub fn new(value: u64, size: Size) -> Option<LogicalImm> {
        let value = match size {
            Size::S64 => value,
            Size::S32 => (value & 0xFFFF_FFFF) | (value << 32),
        };
        if value == 0 || value == u64::MAX {
            return None;
        }
        let e = element_size(value);
        let mask = u64::MAX >> (64 - e);
        let element = value & mask;
        // Where the run of ones starts, counted from bit 0 of the element.
        let start = if element & 1 == 0 || element & (1 << (e - 1)) == 0 {
            element.trailing_zeros()
        } else {
            // The run wraps around the top of the element: it starts where
            // the (non-wrapping) run of zeros ends.
            let zeros = !element & mask;
            zeros.trailing_zeros() + zeros.count_ones()
        };
        let ones = element.count_ones();
        if rotate_right(element, start, e) != mask >> (e - ones) {
            return None;
        }
        Some(LogicalImm {
            n: e == 64,
            immr: ((e - start) % e) as u8,
            imms: ((!(2 * e - 1) & 0x3F) | (ones - 1)) as u8,
            size,
        })
    }

    /// The fields `(N, immr, imms)`.
    pub fn fields(self) -> (bool, u8, u8) {
        (self.n, self.immr, self.imms)
    }

    /// The width of the operation this immediate is for.
    pub fn size(self) -> Size {
        self.size
    }

    /// The fields at their place in the instruction (bits 22 and 21:10).
    pub(super) fn bits(self) -> u32 {
        u32::from(self.n) << 22 | u32::from(self.immr) << 16 | u32::from(self.imms) << 10
    }
}

/// `value` rotated right by `amount` within its low `e` bits.
fn rotate_right(value: u64, amount: u32, e: u32) -> u64 {
    let mask = u64::MAX >> (64 - e);
    if amount == 0 {
        value
    } else {
        ((value >> amount) | (value << (e - amount))) & mask
    }
}

/// The smallest element size `e` such that `value` is a repetition of its
/// low `e` bits.
fn element_size(value: u64) -> u32 {
    let mut e = 64;
    while e > 2 {
        let half = e / 2;
        let mask = u64::MAX >> (64 - half);
        if value & mask != (value >> half) & mask {
            break;
        }
        e = half;
    }
    e
}

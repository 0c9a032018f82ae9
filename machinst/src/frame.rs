//! [`FrameLayout`]: where a function keeps what does not fit in registers.
//!
//! The frame lies below the frame pointer, which points at the saved
//! frame pointer of the caller (x86-64 `push rbp; mov rbp, rsp`, AArch64
//! `stp x29, x30, [sp, #-16]!; mov x29, sp`). From the frame pointer
//! down:
//!
//! ```text
//! fp - reserved              slots the ISA keeps for itself (kiln: the vmctx)
//! below                      callee-saved registers the allocator used, 8 bytes each
//! below                      spill slots, each sized and aligned for its class
//! sp + 8k                    outgoing stack argument k, then the result area
//! ```
//!
//! The size (from the frame pointer down to the stack pointer) is a
//! multiple of the stack alignment, so that the stack pointer stays
//! aligned at every call when the frame pointer is.
//!
//! Every prologue compares the stack pointer with the stack limit, but for
//! a function that calls nothing and whose frame is small (at most
//! [`UNCHECKED_LEAF_FRAME`] bytes): its caller checked its own frame, and
//! the limit already leaves room below it for the runtime helpers and host
//! functions that wasm calls, far more than such a frame. Cranelift skips
//! the check in the same way, for leaf functions without a frame.

use kiln_regalloc::{Output, PReg, RegClass, SpillSlot};

/// The most bytes from the frame pointer down that a function calling
/// nothing may take without checking the stack limit.
pub const UNCHECKED_LEAF_FRAME: u32 = 256;

/// What fixes the shape of a frame, besides the allocation.
#[derive(Clone, Copy, Debug)]
pub struct FrameSpec<'a> {
    /// Bytes right below the frame pointer that the ISA uses itself.
    pub reserved: u32,
    /// The registers a function must preserve, in the order they are
    /// saved (the first lies highest).
    pub callee_saved: &'a [PReg],
    /// The size (and alignment) of a spill slot of each class, indexed by
    /// [`RegClass::index`].
    pub spill_slot_size: [u32; 2],
    /// The alignment of the stack pointer at a call.
    pub stack_alignment: u32,
}

/// The layout of one function's frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameLayout {
    /// The callee-saved registers to save, and where (offsets from the
    /// frame pointer).
    pub saved: Vec<(PReg, i32)>,
    /// The offset of each spill slot from the frame pointer.
    spill_offsets: Vec<i32>,
    /// Bytes from the frame pointer down to the stack pointer.
    pub size: u32,
}

impl FrameLayout {
    /// The frame for an allocation whose calls pass at most
    /// `outgoing_slots` 8-byte slots on the stack.
    pub fn new(spec: &FrameSpec<'_>, output: &Output, outgoing_slots: u32) -> FrameLayout {
        let used = output.used_callee_saved();
        let classes = output.spill_slot_classes();
        Self::with(spec, |reg| used.contains(reg), classes, outgoing_slots)
    }

    /// The frame given which registers were used and the classes of the
    /// spill slots.
    fn with(
        spec: &FrameSpec<'_>,
        used: impl Fn(PReg) -> bool,
        spill_slot_classes: &[RegClass],
        outgoing_slots: u32,
    ) -> FrameLayout {
        let mut depth = spec.reserved;
        let mut saved = Vec::new();
        for &reg in spec.callee_saved.iter().filter(|&&reg| used(reg)) {
            depth += 8;
            saved.push((reg, -(depth as i32)));
        }
        let spill_offsets = spill_slot_classes
            .iter()
            .map(|class| {
                let size = spec.spill_slot_size[class.index()];
                depth = (depth + size).next_multiple_of(size);
                -(depth as i32)
            })
            .collect();
        let size = (depth + 8 * outgoing_slots).next_multiple_of(spec.stack_alignment);
        FrameLayout {
            saved,
            spill_offsets,
            size,
        }
    }

    /// The offset of a spill slot from the frame pointer.
    pub fn spill_offset(&self, slot: SpillSlot) -> i32 {
        self.spill_offsets[slot.index()]
    }

    /// Whether the prologue of a function with this frame compares the
    /// stack pointer with the stack limit: unless the function is a `leaf`
    /// (it calls nothing) and the frame is at most
    /// [`UNCHECKED_LEAF_FRAME`] bytes.
    pub fn checks_stack(&self, leaf: bool) -> bool {
        !leaf || self.size > UNCHECKED_LEAF_FRAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn int(n: u8) -> PReg {
        PReg::new(n, RegClass::Int)
    }

    #[test]
    fn saved_registers_then_spill_slots_below_the_reserved_slots() {
        let spec = FrameSpec {
            reserved: 8,
            callee_saved: &[int(3), int(12), int(13)],
            spill_slot_size: [8, 8],
            stack_alignment: 16,
        };
        let classes = [RegClass::Int, RegClass::Float];
        let frame = FrameLayout::with(&spec, |reg| reg != int(12), &classes, 3);
        assert_eq!(frame.saved, [(int(3), -16), (int(13), -24)]);
        assert_eq!(frame.spill_offset(SpillSlot(0)), -32);
        assert_eq!(frame.spill_offset(SpillSlot(1)), -40);
        // 40 bytes of frame plus 24 of outgoing arguments, rounded up.
        assert_eq!(frame.size, 64);
    }

    #[test]
    fn spill_slots_are_aligned_to_their_size() {
        let spec = FrameSpec {
            reserved: 8,
            callee_saved: &[],
            spill_slot_size: [8, 16],
            stack_alignment: 16,
        };
        let classes = [RegClass::Int, RegClass::Float, RegClass::Int];
        let frame = FrameLayout::with(&spec, |_| false, &classes, 0);
        assert_eq!(frame.spill_offset(SpillSlot(0)), -16);
        assert_eq!(frame.spill_offset(SpillSlot(1)), -32);
        assert_eq!(frame.spill_offset(SpillSlot(2)), -40);
        assert_eq!(frame.size, 48);
    }

    #[test]
    fn an_empty_frame_is_the_reserved_slots_aligned() {
        let spec = FrameSpec {
            reserved: 8,
            callee_saved: &[int(3)],
            spill_slot_size: [8, 8],
            stack_alignment: 16,
        };
        let frame = FrameLayout::with(&spec, |_| false, &[], 0);
        assert!(frame.saved.is_empty());
        assert_eq!(frame.size, 16);
    }
}

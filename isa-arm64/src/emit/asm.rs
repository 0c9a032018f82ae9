//! [`Asm`]: instruction words into a [`MachBuffer`], each with the text of
//! the instruction when a listing is kept, and the names of registers and
//! addresses in that text.

use super::label::Arm64LabelUse;
use crate::encode::Size;
use crate::encode::float::FloatWidth;
use kiln_machinst::{Label, MachBuffer};
use kiln_ssa::TrapCode;
use kiln_ssa::target::{CompiledFunction, RelocationKind, RelocationTarget};

/// The assembler: a code buffer with AArch64 label uses.
pub(crate) struct Asm {
    buffer: MachBuffer<Arm64LabelUse>,
}

impl Asm {
    /// An assembler; with `listing`, it keeps the text of every
    /// instruction.
    pub fn new(listing: bool) -> Asm {
        Asm {
            buffer: if listing {
                MachBuffer::with_listing()
            } else {
                MachBuffer::new()
            },
        }
    }

    /// The buffer.
    pub fn buffer(&mut self) -> &mut MachBuffer<Arm64LabelUse> {
        &mut self.buffer
    }

    /// Appends one instruction word, written `text` in the listing.
    pub fn put(&mut self, word: u32, text: impl FnOnce() -> String) {
        self.buffer.note(text);
        self.buffer.put(&word.to_le_bytes());
    }

    /// Appends an instruction that refers to `label` with a use of `kind`.
    pub fn put_use(
        &mut self,
        word: u32,
        kind: Arm64LabelUse,
        label: Label,
        text: impl FnOnce() -> String,
    ) {
        let at = self.buffer.offset();
        self.put(word, text);
        self.buffer.use_label(at, label, kind);
    }

    /// Appends an instruction patched by the engine to reach `target`.
    pub fn put_relocated(
        &mut self,
        word: u32,
        target: RelocationTarget,
        text: impl FnOnce() -> String,
    ) {
        self.buffer.relocation(RelocationKind::Arm64Call26, target);
        self.put(word, text);
    }

    /// A new label.
    pub fn new_label(&mut self) -> Label {
        self.buffer.new_label()
    }

    /// Binds `label` here.
    pub fn bind(&mut self, label: Label) {
        self.buffer.bind(label);
    }

    /// The label of a constant in the pool.
    pub fn constant(&mut self, bits: u128) -> Label {
        self.buffer.constant(bits)
    }

    /// Records that the next instruction may trap with `code`.
    pub fn trap_site(&mut self, code: TrapCode) {
        self.buffer.trap_site(code);
    }

    /// Records that the next instruction accesses linear memory and
    /// resumes at `stub` if that faults.
    pub fn fault_site(&mut self, stub: Label) {
        self.buffer.fault_site(TrapCode::HeapOutOfBounds, stub);
    }

    /// The listing so far.
    pub fn listing(&self) -> String {
        self.buffer.listing()
    }

    /// The finished code.
    pub fn finish(self) -> CompiledFunction {
        self.buffer.finish()
    }
}

/// An integer register of `size` (`x3`, `w3`; 31 is the zero register).
pub(crate) fn xr(size: Size, hw: u8) -> String {
    match (size, hw) {
        (Size::S64, 31) => "xzr".into(),
        (Size::S32, 31) => "wzr".into(),
        (Size::S64, _) => format!("x{hw}"),
        (Size::S32, _) => format!("w{hw}"),
    }
}

/// A 64-bit integer register or `sp` (31) as a base.
pub(crate) fn base(hw: u8) -> String {
    if hw == 31 {
        "sp".into()
    } else {
        format!("x{hw}")
    }
}

/// A float register of `width` (`s3`, `d3`).
pub(crate) fn fr(width: FloatWidth, hw: u8) -> String {
    match width {
        FloatWidth::F32 => format!("s{hw}"),
        FloatWidth::F64 => format!("d{hw}"),
    }
}

//! Float sequences: copysign through the integer scratch registers, and
//! float-to-integer conversions with wasm's semantics. `fcvtzs`/`fcvtzu`
//! already saturate and turn NaN into 0, which is what the saturating
//! forms want; the trapping forms first trap on NaN
//! (`BadConversionToInteger`) and on values outside the integer range
//! (`IntegerOverflow`), comparing with the range's bounds in `v31`.

use super::asm::{fr, xr};
use super::{Emitter, fpr, gpr};
use crate::encode::bitfield;
use crate::encode::float::{self as fp, FloatWidth, Signedness};
use crate::encode::{Cond, Size};
use crate::regs::{SCRATCH_FPR, X16, X17};
use kiln_ssa::TrapCode;

/// The integer size with as many bits as `width`.
fn int_size(width: FloatWidth) -> Size {
    match width {
        FloatWidth::F32 => Size::S32,
        FloatWidth::F64 => Size::S64,
    }
}

/// The bits of `value` as a float of `width`.
fn float_bits(width: FloatWidth, value: f64) -> u64 {
    match width {
        FloatWidth::F32 => u64::from((value as f32).to_bits()),
        FloatWidth::F64 => value.to_bits(),
    }
}

impl Emitter<'_> {
    /// `d = |a|` with the sign of `b`.
    pub(super) fn copysign(&mut self, width: FloatWidth, d: u8, a: u8, b: u8) {
        let size = int_size(width);
        let top = (size.bits() - 1) as u8;
        let (t, u) = (X16.hw(), X17.hw());
        self.asm.put(fp::fmov_to_gpr(size, X16, fpr(a)), || {
            format!("fmov {}, {}", xr(size, t), fr(width, a))
        });
        self.asm.put(fp::fmov_to_gpr(size, X17, fpr(b)), || {
            format!("fmov {}, {}", xr(size, u), fr(width, b))
        });
        self.put_imm(
            bitfield::lsr_imm(size, X17, X17, top),
            "lsr",
            size,
            u,
            u,
            u64::from(top),
        );
        self.asm.put(bitfield::insert(size, X16, X17, top, 1), || {
            format!("bfi {}, {}, #{top}, #1", xr(size, t), xr(size, u))
        });
        self.asm.put(fp::fmov_from_gpr(size, fpr(d), X16), || {
            format!("fmov {}, {}", fr(width, d), xr(size, t))
        });
    }

    /// Traps unless `v<s>` converts to an integer of `size`: NaN, and
    /// values at or beyond the bounds of the range after truncation.
    pub(super) fn conversion_checks(&mut self, width: FloatWidth, size: Size, signed: bool, s: u8) {
        self.fcmp(width, s, s);
        self.trap_when(Cond::Vs, TrapCode::BadConversionToInteger);
        let bits = size.bits() as i32;
        let (low, low_inclusive) = if !signed {
            (-1.0, true)
        } else if width == FloatWidth::F64 && size == Size::S32 {
            (-(2f64.powi(31)) - 1.0, true)
        } else {
            (-(2f64.powi(bits - 1)), false)
        };
        let high = if signed {
            2f64.powi(bits - 1)
        } else {
            2f64.powi(bits)
        };
        let scratch = SCRATCH_FPR.hw();
        self.float_constant(width, float_bits(width, low), scratch);
        self.fcmp(width, s, scratch);
        // After an ordered compare: `ls` is `<=`, `mi` is `<`.
        let below = if low_inclusive { Cond::Ls } else { Cond::Mi };
        self.trap_when(below, TrapCode::IntegerOverflow);
        self.float_constant(width, float_bits(width, high), scratch);
        self.fcmp(width, s, scratch);
        self.trap_when(Cond::Ge, TrapCode::IntegerOverflow);
    }

    /// `fcvtzs`/`fcvtzu`: truncation, saturating, NaN to 0.
    pub(super) fn convert_to_int(
        &mut self,
        width: FloatWidth,
        size: Size,
        signed: bool,
        d: u8,
        s: u8,
    ) {
        let signedness = if signed {
            Signedness::Signed
        } else {
            Signedness::Unsigned
        };
        let word = fp::fp_to_int(signedness, size, width, gpr(d), fpr(s));
        self.asm.put(word, || {
            let name = if signed { "fcvtzs" } else { "fcvtzu" };
            format!("{name} {}, {}", xr(size, d), fr(width, s))
        });
    }

    /// `fcmp a, b`.
    fn fcmp(&mut self, width: FloatWidth, a: u8, b: u8) {
        self.asm.put(fp::fcmp(width, fpr(a), fpr(b)), || {
            format!("fcmp {}, {}", fr(width, a), fr(width, b))
        });
    }

    /// Branches to the stub of `code` when `cond` holds.
    fn trap_when(&mut self, cond: Cond, code: TrapCode) {
        let label = self.trap_label(code);
        self.asm.trap_site(code);
        self.b_cond(cond, label);
    }
}

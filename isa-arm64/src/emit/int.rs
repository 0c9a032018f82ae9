//! Integer sequences: three-address arithmetic, immediates, the one-source
//! operations (`ctz` as `rbit` + `clz`, popcnt as the parallel bit count in
//! `x16`/`x17`), and division with wasm's checks.

use super::Emitter;
use super::asm::xr;
use super::gpr;
use crate::encode::arith::{self, AddSubOp, Imm12, MulAddOp, OneSourceOp, TwoSourceOp};
use crate::encode::bitfield::{self, ExtendFrom};
use crate::encode::bitmask::LogicalImm;
use crate::encode::logical::{self, LogicalImmOp, LogicalOp};
use crate::encode::select::{self, CondCompareOp};
use crate::encode::{Cond, Shift, Size};
use crate::inst::{AluImmOp, AluOp, DivOp, IntUnaryOp};
use crate::regs::{X16, X17};
use kiln_ssa::TrapCode;

impl Emitter<'_> {
    /// `d = a op b`.
    pub(super) fn alu(&mut self, op: AluOp, size: Size, d: u8, a: u8, b: u8) {
        let (rd, ra, rb) = (gpr(d), gpr(a), gpr(b));
        let (word, name) = match op {
            AluOp::Add => (
                arith::add_sub_shifted(AddSubOp::Add, size, rd, ra, rb, Shift::Lsl, 0),
                "add",
            ),
            AluOp::Sub => (
                arith::add_sub_shifted(AddSubOp::Sub, size, rd, ra, rb, Shift::Lsl, 0),
                "sub",
            ),
            AluOp::And => (
                logical::logical_shifted(LogicalOp::And, size, rd, ra, rb, Shift::Lsl, 0),
                "and",
            ),
            AluOp::Orr => (
                logical::logical_shifted(LogicalOp::Orr, size, rd, ra, rb, Shift::Lsl, 0),
                "orr",
            ),
            AluOp::Eor => (
                logical::logical_shifted(LogicalOp::Eor, size, rd, ra, rb, Shift::Lsl, 0),
                "eor",
            ),
            AluOp::Mul => (arith::mul(size, rd, ra, rb), "mul"),
            AluOp::Lsl => (
                arith::two_source(TwoSourceOp::Lslv, size, rd, ra, rb),
                "lsl",
            ),
            AluOp::Lsr => (
                arith::two_source(TwoSourceOp::Lsrv, size, rd, ra, rb),
                "lsr",
            ),
            AluOp::Asr => (
                arith::two_source(TwoSourceOp::Asrv, size, rd, ra, rb),
                "asr",
            ),
            AluOp::Ror => (
                arith::two_source(TwoSourceOp::Rorv, size, rd, ra, rb),
                "ror",
            ),
            AluOp::Rol => {
                self.put2(arith::neg(size, X17, rb), "neg", size, X17.hw(), b);
                (
                    arith::two_source(TwoSourceOp::Rorv, size, rd, ra, X17),
                    "ror",
                )
            }
        };
        let b = if op == AluOp::Rol { X17.hw() } else { b };
        self.put3(word, name, size, d, a, b);
    }

    /// `d = a op imm`.
    pub(super) fn alu_imm(&mut self, op: AluImmOp, size: Size, d: u8, a: u8) {
        let (rd, ra) = (gpr(d), gpr(a));
        let imm12 = |imm: u32| Imm12::new(u64::from(imm)).expect("a 12-bit immediate");
        let logical = |op: LogicalImmOp, value: u64| {
            let imm = LogicalImm::new(value, size).expect("a logical immediate");
            logical::logical_imm(op, rd, ra, imm)
        };
        let (word, name, imm) = match op {
            AluImmOp::Add(imm) => (
                arith::add_sub_imm(AddSubOp::Add, size, rd, ra, imm12(imm)),
                "add",
                u64::from(imm),
            ),
            AluImmOp::Sub(imm) => (
                arith::add_sub_imm(AddSubOp::Sub, size, rd, ra, imm12(imm)),
                "sub",
                u64::from(imm),
            ),
            AluImmOp::And(imm) => (logical(LogicalImmOp::And, imm), "and", imm),
            AluImmOp::Orr(imm) => (logical(LogicalImmOp::Orr, imm), "orr", imm),
            AluImmOp::Eor(imm) => (logical(LogicalImmOp::Eor, imm), "eor", imm),
            AluImmOp::Lsl(n) => (bitfield::lsl_imm(size, rd, ra, n), "lsl", u64::from(n)),
            AluImmOp::Lsr(n) => (bitfield::lsr_imm(size, rd, ra, n), "lsr", u64::from(n)),
            AluImmOp::Asr(n) => (bitfield::asr_imm(size, rd, ra, n), "asr", u64::from(n)),
            AluImmOp::Ror(n) => (bitfield::ror_imm(size, rd, ra, n), "ror", u64::from(n)),
        };
        self.put_imm(word, name, size, d, a, imm);
    }

    /// `d = op s` on integers.
    pub(super) fn int_unary(&mut self, op: IntUnaryOp, size: Size, d: u8, s: u8) {
        let (rd, rs) = (gpr(d), gpr(s));
        match op {
            IntUnaryOp::Clz => self.put2(
                arith::one_source(OneSourceOp::Clz, size, rd, rs),
                "clz",
                size,
                d,
                s,
            ),
            IntUnaryOp::Ctz => {
                let word = arith::one_source(OneSourceOp::Rbit, size, X17, rs);
                self.put2(word, "rbit", size, X17.hw(), s);
                let word = arith::one_source(OneSourceOp::Clz, size, rd, X17);
                self.put2(word, "clz", size, d, X17.hw());
            }
            IntUnaryOp::Popcnt => self.popcnt(size, d, s),
            IntUnaryOp::Sext8 => {
                let word = bitfield::sign_extend(size, rd, rs, ExtendFrom::B8);
                self.put2(word, "sxtb", size, d, s);
            }
            IntUnaryOp::Sext16 => {
                let word = bitfield::sign_extend(size, rd, rs, ExtendFrom::B16);
                self.put2(word, "sxth", size, d, s);
            }
            IntUnaryOp::Sext32 => {
                let word = bitfield::sign_extend(Size::S64, rd, rs, ExtendFrom::B32);
                self.asm
                    .put(word, || format!("sxtw x{d}, {}", xr(Size::S32, s)));
            }
            IntUnaryOp::Wrap => self.mov(Size::S32, d, s),
        }
    }

    /// The parallel bit count of `s` into `d`, through `x16` and `x17`.
    fn popcnt(&mut self, size: Size, d: u8, s: u8) {
        let bits = size.bits();
        let mask = |byte: u64| {
            let wide = byte * 0x0101_0101_0101_0101;
            if bits == 64 { wide } else { wide & 0xFFFF_FFFF }
        };
        let (t, u) = (X16.hw(), X17.hw());
        self.put_imm(
            bitfield::lsr_imm(size, X16, gpr(s), 1),
            "lsr",
            size,
            t,
            s,
            1,
        );
        self.and_imm(size, t, t, mask(0x55));
        self.put3(
            arith::add_sub_shifted(AddSubOp::Sub, size, X16, gpr(s), X16, Shift::Lsl, 0),
            "sub",
            size,
            t,
            s,
            t,
        );
        self.and_imm(size, u, t, mask(0x33));
        self.put_imm(bitfield::lsr_imm(size, X16, X16, 2), "lsr", size, t, t, 2);
        self.and_imm(size, t, t, mask(0x33));
        self.put3(
            arith::add_sub_shifted(AddSubOp::Add, size, X16, X16, X17, Shift::Lsl, 0),
            "add",
            size,
            t,
            t,
            u,
        );
        let word = arith::add_sub_shifted(AddSubOp::Add, size, X16, X16, X16, Shift::Lsr, 4);
        self.asm
            .put(word, || format!("add {0}, {0}, {0}, lsr #4", xr(size, t)));
        self.and_imm(size, t, t, mask(0x0F));
        self.mov_imm(size, u, mask(0x01));
        self.put3(arith::mul(size, X16, X16, X17), "mul", size, t, t, u);
        let shift = (bits - 8) as u8;
        self.put_imm(
            bitfield::lsr_imm(size, gpr(d), X16, shift),
            "lsr",
            size,
            d,
            t,
            u64::from(shift),
        );
    }

    /// `d = a & value`, a logical immediate.
    fn and_imm(&mut self, size: Size, d: u8, a: u8, value: u64) {
        let imm = LogicalImm::new(value, size).expect("a logical immediate");
        let word = logical::logical_imm(LogicalImmOp::And, gpr(d), gpr(a), imm);
        self.put_imm(word, "and", size, d, a, value);
    }

    /// Division and remainder with wasm's traps: divide by zero, and
    /// `MIN / -1` for `div_s` (`rem_s` of it is 0, which `sdiv` and
    /// `msub` give: `MIN / -1` is `MIN` on AArch64).
    pub(super) fn division(
        &mut self,
        op: DivOp,
        size: Size,
        (a, b, d): (u8, u8, u8),
        check_zero: bool,
        check_minus_one: bool,
    ) {
        if check_zero {
            let label = self.trap_label(TrapCode::IntegerDivideByZero);
            self.asm.trap_site(TrapCode::IntegerDivideByZero);
            self.cbz(false, size, b, label);
        }
        if op == DivOp::Sdiv && check_minus_one {
            // `b == -1` sets Z; then `a - 1` overflows only for `a == MIN`.
            let one = Imm12::new(1).expect("fits");
            self.asm.put(arith::cmn_imm(size, gpr(b), one), || {
                format!("cmn {}, #1", xr(size, b))
            });
            let word = select::cond_compare_imm(CondCompareOp::Ccmp, size, gpr(a), 1, 0, Cond::Eq);
            self.asm
                .put(word, || format!("ccmp {}, #1, #0, eq", xr(size, a)));
            let label = self.trap_label(TrapCode::IntegerOverflow);
            self.asm.trap_site(TrapCode::IntegerOverflow);
            self.b_cond(Cond::Vs, label);
        }
        let (ra, rb, rd) = (gpr(a), gpr(b), gpr(d));
        match op {
            DivOp::Sdiv => self.put3(
                arith::two_source(TwoSourceOp::Sdiv, size, rd, ra, rb),
                "sdiv",
                size,
                d,
                a,
                b,
            ),
            DivOp::Udiv => self.put3(
                arith::two_source(TwoSourceOp::Udiv, size, rd, ra, rb),
                "udiv",
                size,
                d,
                a,
                b,
            ),
            DivOp::Srem | DivOp::Urem => {
                let (two, name) = if op == DivOp::Srem {
                    (TwoSourceOp::Sdiv, "sdiv")
                } else {
                    (TwoSourceOp::Udiv, "udiv")
                };
                let u = X17.hw();
                self.put3(
                    arith::two_source(two, size, X17, ra, rb),
                    name,
                    size,
                    u,
                    a,
                    b,
                );
                let word = arith::mul_add(MulAddOp::Msub, size, rd, X17, rb, ra);
                self.asm.put(word, || {
                    format!(
                        "msub {}, {}, {}, {}",
                        xr(size, d),
                        xr(size, u),
                        xr(size, b),
                        xr(size, a)
                    )
                });
            }
        }
    }
}

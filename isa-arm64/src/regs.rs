//! The AArch64 register file: names, hardware numbers, the roles AAPCS64
//! gives to registers, and the sets the register allocator works with.
//!
//! Register number 31 is not one register: depending on the operand it
//! names the stack pointer or the zero register (`xzr`/`wzr`, which reads
//! as 0 and discards writes). The types say which: a [`Gpr`] is one of
//! `x0`–`x30` and never 31, and an operand that accepts number 31 takes a
//! [`GprOrSp`] or a [`GprOrZr`], so `sp` cannot be passed where the
//! instruction would read it as `xzr`, or the other way round.

use kiln_regalloc::{MachineEnv, PReg, PRegSet, RegClass};

/// A general-purpose register `x0`–`x30` (`w0`–`w30` in 32-bit operations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gpr(u8);

/// A SIMD and floating-point register `v0`–`v31` (`q`, `d`, `s`, `h` and `b`
/// name its low 128, 64, 32, 16 and 8 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fpr(u8);

/// An operand in which register number 31 is the stack pointer (`sp`/`wsp`):
/// the base of every address, and both registers of `add`/`sub` immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GprOrSp {
    /// One of `x0`–`x30`.
    Reg(Gpr),
    /// The stack pointer.
    Sp,
}

/// An operand in which register number 31 is the zero register
/// (`xzr`/`wzr`): most data-processing operands, and the data register of
/// loads and stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GprOrZr {
    /// One of `x0`–`x30`.
    Reg(Gpr),
    /// The zero register.
    Zr,
}

/// The stack pointer.
pub const SP: GprOrSp = GprOrSp::Sp;
/// The zero register.
pub const XZR: GprOrZr = GprOrZr::Zr;

macro_rules! registers {
    ($ty:ident, $prefix:literal: $($name:ident = $hw:literal),* $(,)?) => {
        $(
            #[doc = concat!("`", $prefix, stringify!($hw), "`.")]
            pub const $name: $ty = $ty($hw);
        )*
    };
}

registers!(Gpr, "x":
    X0 = 0, X1 = 1, X2 = 2, X3 = 3, X4 = 4, X5 = 5, X6 = 6, X7 = 7,
    X8 = 8, X9 = 9, X10 = 10, X11 = 11, X12 = 12, X13 = 13, X14 = 14, X15 = 15,
    X16 = 16, X17 = 17, X18 = 18, X19 = 19, X20 = 20, X21 = 21, X22 = 22, X23 = 23,
    X24 = 24, X25 = 25, X26 = 26, X27 = 27, X28 = 28, X29 = 29, X30 = 30,
);

registers!(Fpr, "v":
    V0 = 0, V1 = 1, V2 = 2, V3 = 3, V4 = 4, V5 = 5, V6 = 6, V7 = 7,
    V8 = 8, V9 = 9, V10 = 10, V11 = 11, V12 = 12, V13 = 13, V14 = 14, V15 = 15,
    V16 = 16, V17 = 17, V18 = 18, V19 = 19, V20 = 20, V21 = 21, V22 = 22, V23 = 23,
    V24 = 24, V25 = 25, V26 = 26, V27 = 27, V28 = 28, V29 = 29, V30 = 30, V31 = 31,
);

/// The first intra-procedure-call scratch register (`ip0`): linker veneers
/// may destroy it between a branch and its target, and the backend uses it
/// as its own temporary. Never allocated.
pub const IP0: Gpr = X16;
/// The second intra-procedure-call scratch register (`ip1`): like [`IP0`],
/// kept for veneers and for sequences that need a second temporary. Never
/// allocated.
pub const IP1: Gpr = X17;
/// The platform register. Some systems (macOS, Windows) give it a meaning
/// of their own, so compiled code never reads or writes it.
pub const PLATFORM_REGISTER: Gpr = X18;
/// The frame pointer: every frame links to its caller's through it.
pub const FP: Gpr = X29;
/// The link register: `bl` and `blr` write the return address to it.
pub const LR: Gpr = X30;

/// The integer register the allocator never hands out: it moves values
/// between spill slots and breaks cycles of moves.
pub const SCRATCH_GPR: Gpr = IP0;
/// The float register the allocator never hands out (same role as
/// [`SCRATCH_GPR`]).
pub const SCRATCH_FPR: Fpr = V31;

/// Integer registers a function must preserve, in the order a prologue
/// saves them (`x29` and `x30` are saved by the frame record itself).
pub const CALLEE_SAVED_GPRS: [Gpr; 10] = [X19, X20, X21, X22, X23, X24, X25, X26, X27, X28];
/// Float registers of which a function must preserve the low 64 bits (the
/// `d` register); their upper 64 bits are destroyed by calls.
pub const CALLEE_SAVED_FPRS: [Fpr; 8] = [V8, V9, V10, V11, V12, V13, V14, V15];

impl Gpr {
    /// `x<hw>`, for `hw` in 0..=30; number 31 is [`SP`] or [`XZR`].
    pub const fn new(hw: u8) -> Option<Gpr> {
        if hw <= 30 { Some(Gpr(hw)) } else { None }
    }

    /// The hardware number (0..=30).
    pub const fn hw(self) -> u8 {
        self.0
    }

    /// The allocator's name for this register.
    pub fn preg(self) -> PReg {
        PReg::new(self.0, RegClass::Int)
    }
}

impl Fpr {
    /// `v<hw>`, for `hw` in 0..=31.
    pub const fn new(hw: u8) -> Option<Fpr> {
        if hw <= 31 { Some(Fpr(hw)) } else { None }
    }

    /// The hardware number (0..=31).
    pub const fn hw(self) -> u8 {
        self.0
    }

    /// The allocator's name for this register.
    pub fn preg(self) -> PReg {
        PReg::new(self.0, RegClass::Float)
    }
}

impl GprOrSp {
    /// The number that goes into the instruction's register field.
    pub const fn hw(self) -> u8 {
        match self {
            GprOrSp::Reg(reg) => reg.0,
            GprOrSp::Sp => 31,
        }
    }
}

impl GprOrZr {
    /// The number that goes into the instruction's register field.
    pub const fn hw(self) -> u8 {
        match self {
            GprOrZr::Reg(reg) => reg.0,
            GprOrZr::Zr => 31,
        }
    }
}

impl From<Gpr> for GprOrSp {
    fn from(reg: Gpr) -> GprOrSp {
        GprOrSp::Reg(reg)
    }
}

impl From<Gpr> for GprOrZr {
    fn from(reg: Gpr) -> GprOrZr {
        GprOrZr::Reg(reg)
    }
}

/// The integer register an allocator location names.
pub fn gpr(reg: PReg) -> Gpr {
    debug_assert_eq!(reg.class(), RegClass::Int);
    Gpr::new(reg.hw()).expect("the allocator names x0-x30 only")
}

/// The float register an allocator location names.
pub fn fpr(reg: PReg) -> Fpr {
    debug_assert_eq!(reg.class(), RegClass::Float);
    Fpr::new(reg.hw()).expect("the allocator names v0-v31 only")
}

/// Float registers a call destroys entirely.
const CALLER_SAVED_FPRS: [Fpr; 24] = [
    V0, V1, V2, V3, V4, V5, V6, V7, V16, V17, V18, V19, V20, V21, V22, V23, V24, V25, V26, V27,
    V28, V29, V30, V31,
];

/// Every register whose value a call does not keep: `x0`–`x17` (`x16` and
/// `x17` even by a veneer on the way), `x30` (the call writes the return
/// address there), and `v0`–`v7`, `v16`–`v31`. `v8`–`v15` are not listed:
/// the callee keeps their low 64 bits, which is all a scalar float uses.
pub fn caller_saved() -> PRegSet {
    let ints = (0..=17).chain([LR.0]).map(|hw| Gpr(hw).preg());
    let floats = CALLER_SAVED_FPRS.map(Fpr::preg);
    ints.chain(floats).collect()
}

/// The register file as the allocator sees it. Caller-saved registers come
/// first (callee-saved ones cost a save and a restore); `x16`, `x17`,
/// `x18`, `x29`, `x30`, `sp` and `v31` are never handed out.
pub fn machine_env() -> MachineEnv {
    let ints = (0..=15).map(Gpr).chain(CALLEE_SAVED_GPRS);
    let floats = CALLER_SAVED_FPRS
        .into_iter()
        .filter(|&reg| reg != SCRATCH_FPR)
        .chain(CALLEE_SAVED_FPRS);
    MachineEnv {
        allocatable: [
            ints.map(Gpr::preg).collect(),
            floats.map(Fpr::preg).collect(),
        ],
        callee_saved: CALLEE_SAVED_GPRS
            .map(Gpr::preg)
            .into_iter()
            .chain(CALLEE_SAVED_FPRS.map(Fpr::preg))
            .collect(),
        caller_saved: caller_saved(),
        scratch: [SCRATCH_GPR.preg(), SCRATCH_FPR.preg()],
    }
}

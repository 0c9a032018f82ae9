//! The x86-64 register file: names, hardware numbers, and the sets the
//! register allocator and the calling convention work with.

use kiln_regalloc::{MachineEnv, PReg, PRegSet, RegClass};

/// A general-purpose register, by hardware number (`rax` = 0 ... `r15` = 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gpr(pub u8);

/// An SSE register, by hardware number (`xmm0` = 0 ... `xmm15` = 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Xmm(pub u8);

/// `rax`.
pub const RAX: Gpr = Gpr(0);
/// `rcx`.
pub const RCX: Gpr = Gpr(1);
/// `rdx`.
pub const RDX: Gpr = Gpr(2);
/// `rbx`.
pub const RBX: Gpr = Gpr(3);
/// `rsp`.
pub const RSP: Gpr = Gpr(4);
/// `rbp`.
pub const RBP: Gpr = Gpr(5);
/// `rsi`.
pub const RSI: Gpr = Gpr(6);
/// `rdi`.
pub const RDI: Gpr = Gpr(7);
/// `r8`.
pub const R8: Gpr = Gpr(8);
/// `r9`.
pub const R9: Gpr = Gpr(9);
/// `r10`.
pub const R10: Gpr = Gpr(10);
/// `r11`.
pub const R11: Gpr = Gpr(11);
/// `r12`.
pub const R12: Gpr = Gpr(12);
/// `r13`.
pub const R13: Gpr = Gpr(13);
/// `r14`.
pub const R14: Gpr = Gpr(14);
/// `r15`.
pub const R15: Gpr = Gpr(15);

/// The integer register the allocator never hands out: it moves between
/// spill slots, and instruction sequences use it as a temporary.
pub const SCRATCH_GPR: Gpr = R11;
/// The float register the allocator never hands out (same role as
/// [`SCRATCH_GPR`]).
pub const SCRATCH_XMM: Xmm = Xmm(15);

/// Registers a function must preserve (besides `rbp` and `rsp`), in the
/// order the prologue saves them.
pub const CALLEE_SAVED: [Gpr; 5] = [RBX, R12, R13, R14, R15];

impl Gpr {
    /// The allocator's name for this register.
    pub const fn preg(self) -> PReg {
        PReg::new(self.0, RegClass::Int)
    }
}

impl Xmm {
    /// The allocator's name for this register.
    pub const fn preg(self) -> PReg {
        PReg::new(self.0, RegClass::Float)
    }
}

/// The integer register an allocator location names.
pub fn gpr(reg: PReg) -> Gpr {
    debug_assert_eq!(reg.class(), RegClass::Int);
    Gpr(reg.hw())
}

/// The float register an allocator location names.
pub fn xmm(reg: PReg) -> Xmm {
    debug_assert_eq!(reg.class(), RegClass::Float);
    Xmm(reg.hw())
}

/// Every register that a call destroys: all but the callee-saved ones.
pub fn caller_saved() -> PRegSet {
    let ints = [RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11].map(Gpr::preg);
    let floats = (0..16).map(|n| Xmm(n).preg());
    ints.into_iter().chain(floats).collect()
}

/// The register file as the allocator sees it: caller-saved registers are
/// preferred, callee-saved ones cost a save and a restore.
pub fn machine_env() -> MachineEnv {
    let ints = [
        RAX, RCX, RDX, RSI, RDI, R8, R9, R10, RBX, R12, R13, R14, R15,
    ];
    MachineEnv {
        allocatable: [
            ints.map(Gpr::preg).to_vec(),
            (0..15).map(|n| Xmm(n).preg()).collect(),
        ],
        callee_saved: CALLEE_SAVED.map(Gpr::preg).into_iter().collect(),
        caller_saved: caller_saved(),
        scratch: [SCRATCH_GPR.preg(), SCRATCH_XMM.preg()],
    }
}

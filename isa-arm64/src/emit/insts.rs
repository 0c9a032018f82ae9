//! Emission of each machine instruction from its allocated operands.

use super::asm::{fr, xr};
use super::label::Arm64LabelUse;
use super::memory::{Access, Address};
use super::{Emitter, FP, cond_name, fpr, gpr};
use crate::encode::arith::{self, AddSubOp};
use crate::encode::branch::{self, BranchRegOp, TestBranchOp};
use crate::encode::float::{self as fp, FloatWidth, Signedness};
use crate::encode::memory::{Load, Store};
use crate::encode::select::{self, CondSelectOp};
use crate::encode::{Cond, Shift, Size};
use crate::inst::{Amode, AmodeKind, Arm64Inst, Callee, Compare, Condition, LoadOp, StoreOp};
use crate::regs::{X0, X1, X16, X17};
use kiln_machinst::Label;
use kiln_regalloc::{Allocation, Inst};
use kiln_ssa::TrapCode;
use kiln_ssa::target::RelocationTarget;

/// The register number of an operand that must be in a register.
fn reg(allocs: &[Allocation], index: usize) -> u8 {
    allocs[index].as_reg().expect("a register operand").hw()
}

impl Emitter<'_> {
    /// `name d, a, b` on integer registers.
    pub(super) fn put3(&mut self, word: u32, name: &'static str, size: Size, d: u8, a: u8, b: u8) {
        self.asm.put(word, || {
            format!("{name} {}, {}, {}", xr(size, d), xr(size, a), xr(size, b))
        });
    }

    /// `name d, a, #imm` on integer registers.
    pub(super) fn put_imm(
        &mut self,
        word: u32,
        name: &'static str,
        size: Size,
        d: u8,
        a: u8,
        imm: u64,
    ) {
        self.asm.put(word, || {
            format!("{name} {}, {}, #{imm:#x}", xr(size, d), xr(size, a))
        });
    }

    /// `name d, a` on integer registers.
    pub(super) fn put2(&mut self, word: u32, name: &'static str, size: Size, d: u8, a: u8) {
        self.asm
            .put(word, || format!("{name} {}, {}", xr(size, d), xr(size, a)));
    }

    /// `name d, a[, b]` on float registers.
    pub(super) fn fput(&mut self, word: u32, name: &'static str, width: FloatWidth, regs: &[u8]) {
        let regs = regs.to_vec();
        self.asm.put(word, || {
            let names: Vec<String> = regs.iter().map(|&r| fr(width, r)).collect();
            format!("{name} {}", names.join(", "))
        });
    }

    /// Records the next instruction as a trap site for `code`, when there
    /// is one.
    fn maybe_trap_site(&mut self, trap: Option<TrapCode>) {
        if let Some(code) = trap {
            self.asm.trap_site(code);
        }
    }

    /// Sets the flags of `cond` (reading its operands from `allocs`) and
    /// branches to `label` when it holds: `cbz`/`cbnz` for a test of zero,
    /// `tbnz`/`tbz` on the sign bit for a signed compare with zero. With
    /// `trap`, the branch is a trap site.
    fn branch_if(
        &mut self,
        cond: Condition,
        allocs: &[Allocation],
        label: Label,
        trap: Option<TrapCode>,
    ) {
        match (cond.compare, cond.cond) {
            (Compare::Zero(size), Cond::Eq | Cond::Ne) => {
                self.maybe_trap_site(trap);
                self.cbz(cond.cond == Cond::Ne, size, reg(allocs, 0), label);
            }
            (Compare::Zero(size), Cond::Lt | Cond::Ge) => {
                self.maybe_trap_site(trap);
                let (rt, bit) = (reg(allocs, 0), (size.bits() - 1) as u8);
                let (op, name) = if cond.cond == Cond::Lt {
                    (TestBranchOp::Tbnz, "tbnz")
                } else {
                    (TestBranchOp::Tbz, "tbz")
                };
                let word = branch::test_branch(op, gpr(rt), bit);
                self.asm.put_use(word, Arm64LabelUse::Branch14, label, || {
                    format!("{name} {}, #{bit}, {label}", xr(size, rt))
                });
            }
            _ => {
                self.compare(cond.compare, allocs);
                self.maybe_trap_site(trap);
                self.b_cond(cond.cond, label);
            }
        }
    }

    /// Copies the 8 bytes of a value, wherever it is, to a stack slot of
    /// the argument or result areas.
    fn store_to_stack(&mut self, from: Allocation, to: Address) {
        match from {
            Allocation::Reg(reg) => {
                self.access(Access::of_class(reg.class(), false), reg.hw(), to);
            }
            Allocation::Stack(slot) => {
                let address = self.slot(slot);
                self.access(Access::Load(Load::LdrX), X16.hw(), address);
                self.access(Access::Store(Store::StrX), X16.hw(), to);
            }
        }
    }

    /// The label of the `HeapOutOfBounds` stub when `addr` is in linear
    /// memory: a fault there resumes at it.
    fn fault_stub(&mut self, addr: Amode) -> Option<Label> {
        addr.heap
            .then(|| self.trap_label(TrapCode::HeapOutOfBounds))
    }

    /// The address of a load or store whose operands start the list,
    /// adding `extra` to its offset. A base, index and offset together go
    /// through `x17`.
    fn amode_address(&mut self, allocs: &[Allocation], addr: Amode, extra: i64) -> Address {
        match addr.kind {
            AmodeKind::Base { offset } => Address::offset(reg(allocs, 0), offset + extra),
            AmodeKind::BaseIndex { extend, offset } if offset == 0 && extra == 0 => {
                Address::Index {
                    base: reg(allocs, 0),
                    index: reg(allocs, 1),
                    extend,
                }
            }
            AmodeKind::BaseIndex { extend, offset } => {
                self.add_index(reg(allocs, 0), reg(allocs, 1), extend);
                Address::offset(X17.hw(), i64::from(offset) + extra)
            }
        }
    }

    /// Emits one instruction.
    pub(super) fn emit_inst(&mut self, inst: Inst) {
        let output = self.cx.output;
        let allocs = output.inst_allocs(inst);
        let last = allocs.len().wrapping_sub(1);
        match self.cx.vcode.insts[inst.index()] {
            Arm64Inst::Args => {}
            Arm64Inst::StackArg { slot } => {
                let to = allocs[0].as_reg().expect("a register operand");
                let from = Address::offset(FP.hw(), 16 + 8 * i64::from(slot));
                self.access(Access::of_class(to.class(), true), to.hw(), from);
            }
            constant @ (Arm64Inst::Const { .. } | Arm64Inst::FloatConst { .. }) => {
                self.constant(constant, reg(allocs, 0));
            }
            Arm64Inst::Alu { op, size } => {
                let (a, b, d) = (reg(allocs, 0), reg(allocs, 1), reg(allocs, 2));
                self.alu(op, size, d, a, b);
            }
            Arm64Inst::AluImm { op, size } => {
                let (a, d) = (reg(allocs, 0), reg(allocs, 1));
                self.alu_imm(op, size, d, a);
            }
            Arm64Inst::IntUnary { op, size } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                self.int_unary(op, size, d, s);
            }
            Arm64Inst::Div {
                op,
                size,
                check_zero,
                check_minus_one,
            } => {
                let (a, b, d) = (reg(allocs, 0), reg(allocs, 1), reg(allocs, 2));
                self.division(op, size, (a, b, d), check_zero, check_minus_one);
            }
            Arm64Inst::CondSet { cond } => {
                self.compare(cond.compare, allocs);
                let d = reg(allocs, last);
                self.asm
                    .put(select::cset(Size::S32, gpr(d), cond.cond), || {
                        format!("cset {}, {}", xr(Size::S32, d), cond_name(cond.cond))
                    });
            }
            Arm64Inst::Select { cond, size, float } => {
                self.compare(cond.compare, allocs);
                let n = cond.compare.num_operands();
                let (a, b, d) = (reg(allocs, n), reg(allocs, n + 1), reg(allocs, n + 2));
                let c = cond.cond;
                match float {
                    Some(width) => {
                        self.asm
                            .put(fp::fcsel(width, fpr(d), fpr(a), fpr(b), c), || {
                                format!(
                                    "fcsel {}, {}, {}, {}",
                                    fr(width, d),
                                    fr(width, a),
                                    fr(width, b),
                                    cond_name(c)
                                )
                            })
                    }
                    None => {
                        let word = select::cond_select(
                            CondSelectOp::Csel,
                            size,
                            gpr(d),
                            gpr(a),
                            gpr(b),
                            c,
                        );
                        self.asm.put(word, || {
                            format!(
                                "csel {}, {}, {}, {}",
                                xr(size, d),
                                xr(size, a),
                                xr(size, b),
                                cond_name(c)
                            )
                        });
                    }
                }
            }
            Arm64Inst::TrapIf { cond, code } => {
                let label = self.trap_label(code);
                self.branch_if(cond, allocs, label, Some(code));
            }
            Arm64Inst::Load { op, addr } => {
                let stub = self.fault_stub(addr);
                let address = self.amode_address(allocs, addr, 0);
                let d = reg(allocs, last);
                let access = match op {
                    LoadOp::Int(op) => Access::Load(op),
                    LoadOp::Float(width) => Access::float(width, true),
                };
                self.access_at(access, d, address, stub);
            }
            Arm64Inst::Store { op, addr } => {
                let stub = self.fault_stub(addr);
                let value = reg(allocs, last);
                let access = match op {
                    StoreOp::Int(op) => Access::Store(op),
                    StoreOp::Float(width) => Access::float(width, false),
                };
                let bytes = op.bytes();
                let address = if addr.heap && bytes > 1 {
                    // A store that crosses the end of memory must write
                    // nothing, and AArch64 may write the bytes before a
                    // faulting page: its last byte is read first, so that
                    // such a store faults before it writes.
                    let address = match addr.kind {
                        AmodeKind::BaseIndex { extend, .. } => {
                            self.add_index(reg(allocs, 0), reg(allocs, 1), extend);
                            let offset = match addr.kind {
                                AmodeKind::BaseIndex { offset, .. } => i64::from(offset),
                                AmodeKind::Base { offset } => offset,
                            };
                            Address::offset(X17.hw(), offset)
                        }
                        AmodeKind::Base { offset } => Address::offset(reg(allocs, 0), offset),
                    };
                    let Address::Offset { base, offset } = address else {
                        unreachable!("made as an offset above")
                    };
                    let probe = Address::offset(base, offset + i64::from(bytes) - 1);
                    self.access_at(Access::Load(Load::Ldrb), 31, probe, stub);
                    address
                } else {
                    self.amode_address(allocs, addr, 0)
                };
                self.access_at(access, value, address, stub);
            }
            Arm64Inst::FloatBinary { op, width } => {
                let (a, b, d) = (reg(allocs, 0), reg(allocs, 1), reg(allocs, 2));
                let name = match op {
                    fp::FpBinaryOp::Fmul => "fmul",
                    fp::FpBinaryOp::Fdiv => "fdiv",
                    fp::FpBinaryOp::Fadd => "fadd",
                    fp::FpBinaryOp::Fsub => "fsub",
                    fp::FpBinaryOp::Fmax => "fmax",
                    fp::FpBinaryOp::Fmin => "fmin",
                    fp::FpBinaryOp::Fmaxnm => "fmaxnm",
                    fp::FpBinaryOp::Fminnm => "fminnm",
                };
                let word = fp::fp_binary(op, width, fpr(d), fpr(a), fpr(b));
                self.fput(word, name, width, &[d, a, b]);
            }
            Arm64Inst::FloatUnary { op, width } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                let name = match op {
                    fp::FpUnaryOp::Fmov => "fmov",
                    fp::FpUnaryOp::Fabs => "fabs",
                    fp::FpUnaryOp::Fneg => "fneg",
                    fp::FpUnaryOp::Fsqrt => "fsqrt",
                    fp::FpUnaryOp::Frintn => "frintn",
                    fp::FpUnaryOp::Frintp => "frintp",
                    fp::FpUnaryOp::Frintm => "frintm",
                    fp::FpUnaryOp::Frintz => "frintz",
                };
                self.fput(
                    fp::fp_unary(op, width, fpr(d), fpr(s)),
                    name,
                    width,
                    &[d, s],
                );
            }
            Arm64Inst::FloatConvert { from } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                let to = match from {
                    FloatWidth::F32 => FloatWidth::F64,
                    FloatWidth::F64 => FloatWidth::F32,
                };
                self.asm.put(fp::fcvt(to, fpr(d), fpr(s)), || {
                    format!("fcvt {}, {}", fr(to, d), fr(from, s))
                });
            }
            Arm64Inst::Copysign { width } => {
                let (a, b, d) = (reg(allocs, 0), reg(allocs, 1), reg(allocs, 2));
                self.copysign(width, d, a, b);
            }
            Arm64Inst::IntToFloat {
                width,
                size,
                signed,
            } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                let signedness = if signed {
                    Signedness::Signed
                } else {
                    Signedness::Unsigned
                };
                let word = fp::int_to_fp(signedness, width, size, fpr(d), gpr(s));
                self.asm.put(word, || {
                    let name = if signed { "scvtf" } else { "ucvtf" };
                    format!("{name} {}, {}", fr(width, d), xr(size, s))
                });
            }
            Arm64Inst::FloatToInt {
                width,
                size,
                signed,
                saturating,
            } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                if !saturating {
                    self.conversion_checks(width, size, signed, s);
                }
                self.convert_to_int(width, size, signed, d, s);
            }
            Arm64Inst::MovToFloat { size } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                let width = float_width(size);
                self.asm.put(fp::fmov_from_gpr(size, fpr(d), gpr(s)), || {
                    format!("fmov {}, {}", fr(width, d), xr(size, s))
                });
            }
            Arm64Inst::MovFromFloat { size } => {
                let (s, d) = (reg(allocs, 0), reg(allocs, 1));
                let width = float_width(size);
                self.asm.put(fp::fmov_to_gpr(size, gpr(d), fpr(s)), || {
                    format!("fmov {}, {}", xr(size, d), fr(width, s))
                });
            }
            Arm64Inst::Call {
                callee,
                reg_args,
                stack_args,
                stack_results,
                zero_extend_i32_result,
            } => {
                let first_arg = usize::from(callee == Callee::Indirect);
                let first_stack = first_arg + usize::from(reg_args);
                for k in 0..usize::from(stack_args) {
                    let to = Address::offset(31, 8 * k as i64);
                    self.store_to_stack(allocs[first_stack + k], to);
                }
                match callee {
                    Callee::Direct(func) => self.asm.put_relocated(
                        branch::bl(),
                        RelocationTarget::Function(func),
                        || format!("bl function {func}"),
                    ),
                    Callee::Indirect => {
                        let code = reg(allocs, 0);
                        self.asm
                            .put(branch::branch_reg(BranchRegOp::Blr, gpr(code)), || {
                                format!("blr x{code}")
                            });
                    }
                    Callee::Helper(helper) => {
                        self.asm.put_relocated(
                            branch::bl(),
                            RelocationTarget::Helper(helper),
                            || format!("bl {helper}"),
                        );
                        let label = self.helper_trap_label();
                        self.cbz(true, Size::S64, X1.hw(), label);
                        if zero_extend_i32_result {
                            self.mov(Size::S32, X0.hw(), X0.hw());
                        }
                    }
                }
                let first_stack_result = allocs.len() - usize::from(stack_results);
                for j in 0..usize::from(stack_results) {
                    let from = Address::offset(31, 8 * (i64::from(stack_args) + j as i64));
                    let Allocation::Stack(slot) = allocs[first_stack_result + j] else {
                        unreachable!("results in the result area are spill-slot defs")
                    };
                    self.access(Access::Load(Load::LdrX), X16.hw(), from);
                    let to = self.slot(slot);
                    self.access(Access::Store(Store::StrX), X16.hw(), to);
                }
            }
            Arm64Inst::BrTable => self.br_table(reg(allocs, 0)),
            Arm64Inst::Jump => {
                let succ = self.cx.destination(0);
                if self.cx.next_block() != Some(succ) {
                    self.b(self.cx.block_label(succ));
                }
            }
            Arm64Inst::Branch { cond } => {
                let (taken, not_taken) = (self.cx.destination(0), self.cx.destination(1));
                let (taken_label, not_taken_label) =
                    (self.cx.block_label(taken), self.cx.block_label(not_taken));
                if self.cx.next_block() == Some(taken) {
                    let inverse = Condition {
                        cond: cond.cond.invert(),
                        ..cond
                    };
                    self.branch_if(inverse, allocs, not_taken_label, None);
                } else {
                    self.branch_if(cond, allocs, taken_label, None);
                    if self.cx.next_block() != Some(not_taken) {
                        self.b(not_taken_label);
                    }
                }
            }
            Arm64Inst::Return {
                stack_params,
                stack_results,
            } => {
                let first = allocs.len() - usize::from(stack_results);
                for (j, &alloc) in allocs[first..].iter().enumerate() {
                    let offset = 16 + 8 * (i64::from(stack_params) + j as i64);
                    self.store_to_stack(alloc, Address::offset(FP.hw(), offset));
                }
                self.epilogue();
            }
            Arm64Inst::Trap { code } => {
                let label = self.trap_label(code);
                self.asm.trap_site(code);
                self.b(label);
            }
        }
    }

    /// Jumps through a table of `b`s to the successor the index in `w<index>`
    /// picks, the last one for every index out of range.
    fn br_table(&mut self, index: u8) {
        let succs = self.cx.vcode.flow.succs(self.cx.block()).len();
        let default = succs as u64 - 1;
        self.mov_imm(Size::S32, X17.hw(), default);
        self.asm.put(arith::cmp(Size::S32, gpr(index), X17), || {
            format!("cmp w{index}, w17")
        });
        let word = select::cond_select(
            CondSelectOp::Csel,
            Size::S32,
            X17,
            gpr(index),
            X17,
            Cond::Lo,
        );
        self.asm
            .put(word, || format!("csel w17, w{index}, w17, lo"));
        let table = self.asm.new_label();
        self.asm
            .put_use(branch::adr(X16), Arm64LabelUse::Adr21, table, || {
                format!("adr x16, {table}")
            });
        let word = arith::add_sub_shifted(AddSubOp::Add, Size::S64, X16, X16, X17, Shift::Lsl, 2);
        self.asm.put(word, || "add x16, x16, x17, lsl #2".into());
        self.asm
            .put(branch::branch_reg(BranchRegOp::Br, X16), || "br x16".into());
        self.asm.bind(table);
        for succ in 0..succs {
            let label = self.cx.block_label(self.cx.destination(succ));
            self.b(label);
        }
    }
}

/// The float width with as many bits as `size`.
fn float_width(size: Size) -> FloatWidth {
    match size {
        Size::S32 => FloatWidth::F32,
        Size::S64 => FloatWidth::F64,
    }
}

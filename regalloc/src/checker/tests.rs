//! The checker on hand-written allocations: it accepts the right ones and
//! rejects each kind of mistake.

use super::check;
use crate::function::MachineEnv;
use crate::operand::Operand;
use crate::output::{Edit, Output, Stats};
use crate::test_code::Code;
use crate::types::{Allocation, Inst, PReg, PRegSet, RegClass, SpillSlot, VReg};

fn r(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Int)
}

fn reg(hw: u8) -> Allocation {
    Allocation::Reg(r(hw))
}

fn slot(index: u32) -> Allocation {
    Allocation::Stack(SpillSlot(index))
}

fn v(index: u32) -> VReg {
    VReg(index)
}

/// Registers r0..r3, r3 callee-saved, r7 scratch.
fn env() -> MachineEnv {
    MachineEnv {
        allocatable: [(0..4).map(r).collect(), vec![PReg::new(0, RegClass::Float)]],
        callee_saved: [r(3)].into_iter().collect(),
        caller_saved: [r(0), r(1), r(2)].into_iter().collect(),
        scratch: [r(7), PReg::new(7, RegClass::Float)],
    }
}

/// An output with the given operand locations (one list per instruction).
fn output(allocs: Vec<Vec<Allocation>>, edits: Vec<(u32, Edit)>, slots: usize) -> Output {
    let mut operand_offsets = vec![0];
    let mut operand_allocs = Vec::new();
    for list in allocs {
        operand_allocs.extend(list);
        operand_offsets.push(operand_allocs.len() as u32);
    }
    Output {
        operand_allocs,
        operand_offsets,
        edits: edits.into_iter().map(|(i, e)| (Inst(i), e)).collect(),
        spill_slot_classes: vec![RegClass::Int; slots],
        used_callee_saved: PRegSet::empty(),
        stats: Stats::default(),
    }
}

fn mv(from: Allocation, to: Allocation) -> Edit {
    Edit::Move { from, to }
}

/// v0 and v1 defined, v0 spilled across the def of v1 into the same
/// register, reloaded into r1, both read by the return.
fn spill_and_reload() -> (Code, Output) {
    let mut code = Code::with_vregs(2);
    code.block(
        &[],
        vec![
            vec![Operand::reg_def(v(0))],
            vec![Operand::reg_def(v(1))],
            vec![Operand::reg_use(v(0)), Operand::reg_use(v(1))],
        ],
        &[],
    );
    let out = output(
        vec![vec![reg(0)], vec![reg(0)], vec![reg(1), reg(0)]],
        vec![(1, mv(reg(0), slot(0))), (2, mv(slot(0), reg(1)))],
        1,
    );
    (code.link(), out)
}

#[test]
fn accepts_a_spill_and_a_reload() {
    let (code, out) = spill_and_reload();
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

#[test]
fn rejects_a_missing_spill() {
    let (code, mut out) = spill_and_reload();
    out.edits.remove(0);
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_a_missing_reload() {
    let (code, mut out) = spill_and_reload();
    out.edits.remove(1);
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_a_use_of_an_overwritten_register() {
    let (code, mut out) = spill_and_reload();
    out.operand_allocs[2] = reg(0);
    let error = check(&code, &env(), &out).unwrap_err();
    assert_eq!(error.inst, Inst(2));
}

#[test]
fn rejects_a_move_between_two_slots() {
    let (code, mut out) = spill_and_reload();
    out.spill_slot_classes.push(RegClass::Int);
    out.edits.insert(1, (Inst(2), mv(slot(0), slot(1))));
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_recomputing_a_value_that_is_not_a_constant() {
    let (code, mut out) = spill_and_reload();
    out.edits[1] = (
        Inst(2),
        Edit::Remat {
            vreg: v(0),
            to: reg(1),
        },
    );
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn accepts_recomputing_a_constant() {
    let (mut code, mut out) = spill_and_reload();
    code.constants.push(v(0));
    out.edits[1] = (
        Inst(2),
        Edit::Remat {
            vreg: v(0),
            to: reg(1),
        },
    );
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

/// v0 lives across a call that clobbers r0..r2.
fn across_a_call(home: Allocation) -> (Code, Output) {
    let mut code = Code::with_vregs(1);
    let clobbers: PRegSet = [r(0), r(1), r(2)].into_iter().collect();
    code.block_with_clobbers(
        &[],
        vec![
            (vec![Operand::reg_def(v(0))], PRegSet::empty()),
            (vec![], clobbers),
            (vec![Operand::reg_use(v(0))], PRegSet::empty()),
        ],
        &[],
    );
    let out = output(vec![vec![home], vec![], vec![home]], vec![], 0);
    (code.link(), out)
}

#[test]
fn rejects_a_value_kept_in_a_clobbered_register() {
    let (code, out) = across_a_call(reg(1));
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_an_unreported_callee_saved_register() {
    let (code, mut out) = across_a_call(reg(3));
    assert!(check(&code, &env(), &out).is_err());
    out.used_callee_saved.insert(r(3));
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

/// A loop whose parameter v1 gets v2 from the back edge, read after the
/// loop. The edge move r1 -> r0 is what makes it right.
fn loop_with_parameter() -> (Code, Output) {
    let mut code = Code::with_vregs(3);
    code.block(
        &[],
        vec![vec![Operand::reg_def(v(0))], vec![]],
        &[(1, &[0])],
    );
    code.block(
        &[1],
        vec![
            vec![Operand::reg_use(v(1)), Operand::reg_def(v(2))],
            vec![Operand::reg_use(v(2))],
        ],
        &[(2, &[]), (3, &[])],
    );
    code.block(&[], vec![vec![]], &[(1, &[2])]);
    code.block(&[], vec![vec![Operand::reg_use(v(1))]], &[]);
    let out = output(
        vec![
            vec![reg(0)],
            vec![],
            vec![reg(0), reg(1)],
            vec![reg(1)],
            vec![],
            vec![reg(0)],
        ],
        vec![(4, mv(reg(1), reg(0)))],
        0,
    );
    (code.link(), out)
}

#[test]
fn accepts_a_loop_parameter_moved_on_the_back_edge() {
    let (code, out) = loop_with_parameter();
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

#[test]
fn rejects_a_value_left_over_from_the_previous_iteration() {
    let (code, mut out) = loop_with_parameter();
    out.edits.clear();
    // The loop header's read of its parameter is the first to go wrong.
    let error = check(&code, &env(), &out).unwrap_err();
    assert_eq!(error.inst, Inst(2));
}

/// x86 `div`: dividend in r0, divisor anywhere, quotient in r0, remainder
/// in r2; the result is two-address-added to the divisor.
fn divide() -> (Code, Output) {
    let mut code = Code::with_vregs(5);
    code.block(
        &[],
        vec![
            vec![Operand::reg_def(v(0)), Operand::reg_def(v(1))],
            vec![
                Operand::fixed_use(v(0), r(0)),
                Operand::reg_use(v(1)),
                Operand::fixed_def(v(2), r(0)),
                Operand::fixed_def(v(3), r(2)),
            ],
            vec![
                Operand::reg_use(v(2)),
                Operand::any_use(v(3)),
                Operand::reuse_def(v(4), 0),
            ],
            vec![Operand::fixed_use(v(4), r(0))],
        ],
        &[],
    );
    let out = output(
        vec![
            vec![reg(0), reg(1)],
            vec![reg(0), reg(1), reg(0), reg(2)],
            vec![reg(0), reg(2), reg(0)],
            vec![reg(0)],
        ],
        vec![],
        0,
    );
    (code.link(), out)
}

#[test]
fn accepts_fixed_registers_and_a_reused_input() {
    let (code, out) = divide();
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

#[test]
fn rejects_a_fixed_def_elsewhere() {
    let (code, mut out) = divide();
    out.operand_allocs[5] = reg(3);
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_a_reuse_def_in_another_register() {
    let (code, mut out) = divide();
    out.operand_allocs[8] = reg(1);
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_two_defs_in_one_register() {
    let (code, mut out) = divide();
    out.operand_allocs[1] = reg(0);
    assert!(check(&code, &env(), &out).is_err());
}

#[test]
fn rejects_an_early_def_that_shares_a_use_register() {
    let mut code = Code::with_vregs(3);
    code.block(
        &[],
        vec![
            vec![Operand::reg_def(v(0))],
            vec![Operand::reg_use(v(0)), Operand::early_reg_def(v(1))],
            vec![Operand::reg_use(v(1))],
        ],
        &[],
    );
    let code = code.link();
    let shared = output(
        vec![vec![reg(0)], vec![reg(0), reg(0)], vec![reg(0)]],
        vec![],
        0,
    );
    assert!(check(&code, &env(), &shared).is_err());
    let apart = output(
        vec![vec![reg(0)], vec![reg(0), reg(1)], vec![reg(1)]],
        vec![],
        0,
    );
    assert_eq!(check(&code, &env(), &apart), Ok(()));
}

/// Block 0 branches to block 1 passing the constant v0 to its parameter v2;
/// the allocator recomputes v0 at the top of block 1 for the parameter.
fn constant_argument(recomputed: u32) -> (Code, Output) {
    let mut code = Code::with_vregs(4);
    code.constants = vec![v(0), v(3)];
    code.block(
        &[],
        vec![
            vec![Operand::reg_def(v(0))],
            vec![Operand::reg_def(v(3))],
            vec![Operand::reg_def(v(1))],
            vec![Operand::reg_use(v(1))],
        ],
        &[(1, &[0]), (2, &[])],
    );
    code.block(&[2], vec![vec![Operand::reg_use(v(2))]], &[]);
    code.block(&[], vec![vec![]], &[]);
    let out = output(
        vec![
            vec![reg(0)],
            vec![reg(2)],
            vec![reg(1)],
            vec![reg(1)],
            vec![reg(1)],
            vec![],
        ],
        vec![(
            4,
            Edit::Remat {
                vreg: v(recomputed),
                to: reg(1),
            },
        )],
        0,
    );
    (code.link(), out)
}

#[test]
fn accepts_a_constant_argument_recomputed_after_the_edge() {
    let (code, out) = constant_argument(0);
    assert_eq!(check(&code, &env(), &out), Ok(()));
}

#[test]
fn rejects_another_constant_recomputed_for_a_parameter() {
    let (code, out) = constant_argument(3);
    assert!(check(&code, &env(), &out).is_err());
}

//! Hand-written functions with the constraints of real instructions,
//! allocated for x86-64: the results land where the instructions need them,
//! and invalid functions are refused with a clear error.

use crate::support::{TestBlock, TestFunction, TestInst, TestIsa};
use kiln_regalloc::{
    AllocError, Allocation, Block, Constraint, Inst, Operand, Output, PReg, PRegSet, RegClass,
    VReg, allocate, check, validate,
};

fn v(index: u32) -> VReg {
    VReg(index)
}

fn r(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Int)
}

const RAX: u8 = 0;
const RCX: u8 = 1;
const RDX: u8 = 2;

/// A single-block function of `insts` over `num_vregs` integer values.
fn straight_line(num_vregs: u32, insts: Vec<(Vec<Operand>, PRegSet)>) -> TestFunction {
    TestFunction {
        blocks: vec![TestBlock {
            first: 0,
            end: insts.len() as u32,
            ..TestBlock::default()
        }],
        insts: insts
            .into_iter()
            .map(|(operands, clobbers)| TestInst { operands, clobbers })
            .collect(),
        classes: vec![RegClass::Int; num_vregs as usize],
        constants: vec![false; num_vregs as usize],
    }
}

fn plain(operands: Vec<Operand>) -> (Vec<Operand>, PRegSet) {
    (operands, PRegSet::empty())
}

fn allocate_x86(func: &TestFunction) -> Output {
    let isa = TestIsa::x86_64();
    let output = allocate(func, &isa.env).expect("the function allocates");
    check(func, &isa.env, &output).expect("the checker accepts the allocation");
    output
}

#[test]
fn divide_uses_rdx_rax() {
    let func = straight_line(
        5,
        vec![
            plain(vec![
                Operand::reg_def(v(0)),
                Operand::reg_def(v(1)),
                Operand::reg_def(v(2)),
            ]),
            plain(vec![
                Operand::fixed_use(v(0), r(RAX)),
                Operand::fixed_use(v(1), r(RDX)),
                Operand::reg_use(v(2)),
                Operand::fixed_def(v(3), r(RAX)),
                Operand::fixed_def(v(4), r(RDX)),
            ]),
            plain(vec![
                Operand::any_use(v(3)),
                Operand::any_use(v(4)),
                Operand::any_use(v(2)),
            ]),
        ],
    );
    let output = allocate_x86(&func);
    let allocs = output.inst_allocs(Inst(1));
    assert_eq!(
        &allocs[..2],
        &[Allocation::Reg(r(RAX)), Allocation::Reg(r(RDX))]
    );
    assert!(
        ![r(RAX), r(RDX)].map(Allocation::Reg).contains(&allocs[2]),
        "the divisor is not in rdx:rax"
    );
}

#[test]
fn shift_count_goes_to_cl_and_the_result_reuses_the_input() {
    let func = straight_line(
        3,
        vec![
            plain(vec![Operand::reg_def(v(0)), Operand::reg_def(v(1))]),
            plain(vec![
                Operand::reg_use(v(0)),
                Operand::fixed_use(v(1), r(RCX)),
                Operand::reuse_def(v(2), 0),
            ]),
            plain(vec![Operand::fixed_use(v(2), r(RAX))]),
        ],
    );
    let output = allocate_x86(&func);
    let allocs = output.inst_allocs(Inst(1));
    assert_eq!(allocs[1], Allocation::Reg(r(RCX)));
    assert_eq!(allocs[0], allocs[2]);
}

#[test]
fn a_dying_input_is_overwritten_in_place() {
    // v2 = v0 + v1 in two-address form, where v0 dies: no copy is needed.
    let func = straight_line(
        3,
        vec![
            plain(vec![Operand::reg_def(v(0)), Operand::reg_def(v(1))]),
            plain(vec![
                Operand::reg_use(v(0)),
                Operand::any_use(v(1)),
                Operand::reuse_def(v(2), 0),
            ]),
            plain(vec![Operand::any_use(v(2)), Operand::any_use(v(1))]),
        ],
    );
    let output = allocate_x86(&func);
    assert_eq!(
        output.inst_allocs(Inst(0))[0],
        output.inst_allocs(Inst(1))[2]
    );
    assert!(output.edits().is_empty(), "{:?}", output.edits());
}

#[test]
fn values_live_across_a_call_avoid_clobbered_registers() {
    let isa = TestIsa::x86_64();
    let mut insts = vec![plain((0..4).map(|i| Operand::reg_def(v(i))).collect())];
    insts.push((
        vec![
            Operand::fixed_use(v(0), isa.int_args[0]),
            Operand::fixed_def(v(4), r(RAX)),
        ],
        isa.env.caller_saved,
    ));
    insts.push(plain((0..5).map(|i| Operand::reg_use(v(i))).collect()));
    let func = straight_line(5, insts);
    let output = allocate_x86(&func);
    let after = output.inst_allocs(Inst(2));
    for alloc in &after[1..4] {
        if let Allocation::Reg(reg) = *alloc {
            assert!(
                isa.env.callee_saved.contains(reg),
                "{reg} survives the call"
            );
            assert!(output.used_callee_saved().contains(reg));
        }
    }
}

/// A call that passes one value in three argument registers (the first,
/// the third and the last) and other values in the rest reads each value
/// everywhere it asked for it, and the checker proves it.
#[test]
fn a_value_passed_in_several_argument_registers_reaches_each_of_them() {
    let isa = TestIsa::x86_64();
    let args = &isa.int_args;
    let last = args.len() - 1;
    let passed = |a: usize| match a {
        0 | 2 => v(0),
        a if a == last => v(0),
        a => v(a as u32),
    };
    let defs = plain((0..=last as u32).map(|i| Operand::reg_def(v(i))).collect());
    let mut call: Vec<Operand> = (0..=last)
        .map(|a| Operand::fixed_use(passed(a), args[a]))
        .collect();
    call.push(Operand::fixed_def(v(last as u32 + 1), r(RAX)));
    let result = plain(vec![Operand::reg_use(v(last as u32 + 1))]);
    let func = straight_line(
        last as u32 + 2,
        vec![defs, (call.clone(), isa.env.caller_saved), result],
    );
    let output = allocate_x86(&func);
    for (operand, alloc) in call.iter().zip(output.inst_allocs(Inst(1))) {
        if let Constraint::Fixed(reg) = operand.constraint {
            assert_eq!(*alloc, Allocation::Reg(reg), "{operand:?}");
        }
    }
}

#[test]
fn high_pressure_spills_and_reloads() {
    // Twenty values, all live at once, with 13 registers.
    let mut insts: Vec<_> = (0..20)
        .map(|i| plain(vec![Operand::reg_def(v(i))]))
        .collect();
    insts.extend((0..20).map(|i| plain(vec![Operand::reg_use(v(i))])));
    let func = straight_line(20, insts);
    let output = allocate_x86(&func);
    let stats = output.stats();
    assert!(stats.spills >= 7 && stats.reloads >= 7, "{stats:?}");
    assert!(output.num_spill_slots() >= 7);
}

#[test]
fn spilled_constants_are_recomputed() {
    let mut insts: Vec<_> = (0..20)
        .map(|i| plain(vec![Operand::reg_def(v(i))]))
        .collect();
    insts.extend((0..20).map(|i| plain(vec![Operand::reg_use(v(i))])));
    let mut func = straight_line(20, insts);
    func.constants = vec![true; 20];
    let output = allocate_x86(&func);
    let stats = output.stats();
    assert_eq!((stats.spills, stats.reloads), (0, 0), "{stats:?}");
    assert!(stats.remats >= 7, "{stats:?}");
}

#[test]
fn too_many_fixed_operands_is_an_error() {
    let isa = TestIsa::tiny();
    // Five values needed in registers at once, on a machine with four.
    let func = straight_line(
        6,
        vec![
            plain((0..5).map(|i| Operand::reg_def(v(i))).collect()),
            plain((0..5).map(|i| Operand::reg_use(v(i))).collect()),
        ],
    );
    assert!(matches!(
        allocate(&func, &isa.env),
        Err(AllocError::OutOfRegisters(_))
    ));
}

/// `validate` finds the broken rules of the contract (`allocate` runs it in
/// debug builds only); a use of a value never defined is refused by
/// `allocate` itself, in every build.
#[test]
fn invalid_functions_are_refused() {
    let isa = TestIsa::x86_64();
    let twice = straight_line(
        1,
        vec![
            plain(vec![Operand::reg_def(v(0))]),
            plain(vec![Operand::reg_def(v(0))]),
        ],
    );
    assert!(matches!(
        validate(&twice, &isa.env),
        Err(AllocError::InvalidFunction(_))
    ));

    let undefined = straight_line(1, vec![plain(vec![Operand::reg_use(v(0))])]);
    assert!(matches!(
        allocate(&undefined, &isa.env),
        Err(AllocError::InvalidFunction(_))
    ));

    let reuse_of_undefined = straight_line(
        2,
        vec![plain(vec![
            Operand::reg_use(v(0)),
            Operand::reuse_def(v(1), 0),
        ])],
    );
    assert!(matches!(
        allocate(&reuse_of_undefined, &isa.env),
        Err(AllocError::InvalidFunction(_))
    ));

    // Block 0 branches to blocks 1 and 2; block 1 jumps to block 2: the
    // edge from 0 to 2 is critical.
    let mut critical = straight_line(
        1,
        vec![
            plain(vec![Operand::reg_def(v(0))]),
            plain(vec![Operand::reg_use(v(0))]),
        ],
    );
    critical
        .insts
        .extend([TestInst::default(), TestInst::default()]);
    critical.blocks = vec![
        TestBlock {
            first: 0,
            end: 2,
            succs: vec![Block(1), Block(2)],
            branch_args: vec![vec![], vec![]],
            ..TestBlock::default()
        },
        TestBlock {
            first: 2,
            end: 3,
            succs: vec![Block(2)],
            preds: vec![Block(0)],
            branch_args: vec![vec![]],
            ..TestBlock::default()
        },
        TestBlock {
            first: 3,
            end: 4,
            preds: vec![Block(0), Block(1)],
            ..TestBlock::default()
        },
    ];
    let error = validate(&critical, &isa.env).unwrap_err();
    assert!(error.to_string().contains("critical"), "{error}");
}

/// One block of [`blocks`]: parameters, instructions, and successors with
/// their arguments.
type BlockSpec = (Vec<u32>, Vec<Vec<Operand>>, Vec<(u32, Vec<u32>)>);

/// A function of several blocks; predecessors are derived.
fn blocks(num_vregs: u32, spec: Vec<BlockSpec>) -> TestFunction {
    let mut func = TestFunction {
        classes: vec![RegClass::Int; num_vregs as usize],
        constants: vec![false; num_vregs as usize],
        ..TestFunction::default()
    };
    for (params, insts, succs) in spec {
        let first = func.insts.len() as u32;
        func.insts
            .extend(insts.into_iter().map(|operands| TestInst {
                operands,
                clobbers: PRegSet::empty(),
            }));
        func.blocks.push(TestBlock {
            first,
            end: func.insts.len() as u32,
            params: params.into_iter().map(VReg).collect(),
            succs: succs.iter().map(|&(s, _)| Block(s)).collect(),
            preds: Vec::new(),
            branch_args: succs
                .into_iter()
                .map(|(_, args)| args.into_iter().map(VReg).collect())
                .collect(),
        });
    }
    for b in 0..func.blocks.len() {
        for succ in func.blocks[b].succs.clone() {
            func.blocks[succ.index()].preds.push(Block(b as u32));
        }
    }
    func
}

#[test]
fn irreducible_control_flow() {
    // Blocks 3 and 4 form a loop that can be entered at either block.
    let branch = |v: u32| vec![Operand::reg_use(VReg(v))];
    let func = blocks(
        4,
        vec![
            (
                vec![],
                vec![
                    vec![Operand::reg_def(v(0)), Operand::reg_def(v(1))],
                    branch(0),
                ],
                vec![(1, vec![]), (2, vec![])],
            ),
            (vec![], vec![vec![]], vec![(3, vec![1])]),
            (vec![], vec![vec![]], vec![(4, vec![])]),
            (
                vec![3],
                vec![vec![Operand::reg_use(v(3))], branch(0)],
                vec![(5, vec![]), (7, vec![])],
            ),
            (
                vec![],
                vec![
                    vec![Operand::reg_use(v(1)), Operand::reg_def(v(2))],
                    branch(2),
                ],
                vec![(6, vec![]), (8, vec![])],
            ),
            (vec![], vec![vec![]], vec![(4, vec![])]),
            (vec![], vec![vec![]], vec![(3, vec![2])]),
            (vec![], vec![vec![]], vec![(9, vec![])]),
            (vec![], vec![vec![]], vec![(9, vec![])]),
            (vec![], vec![vec![Operand::fixed_use(v(1), r(RAX))]], vec![]),
        ],
    );
    allocate_x86(&func);
    allocate(&func, &TestIsa::tiny().env).expect("the tiny machine allocates it too");
}

#[test]
fn edits_before_an_instruction_are_the_ones_listed_for_it() {
    let mut insts: Vec<_> = (0..20)
        .map(|i| plain(vec![Operand::reg_def(v(i))]))
        .collect();
    insts.extend((0..20).map(|i| plain(vec![Operand::reg_use(v(i))])));
    let func = straight_line(20, insts);
    let output = allocate_x86(&func);
    let mut listed = 0;
    for i in 0..func.insts.len() as u32 {
        let expected: Vec<_> = output
            .edits()
            .iter()
            .filter(|&&(at, _)| at == Inst(i))
            .map(|&(_, edit)| edit)
            .collect();
        assert_eq!(output.edits_before(Inst(i)).collect::<Vec<_>>(), expected);
        listed += expected.len();
    }
    assert_eq!(listed, output.edits().len());
    assert!(listed > 0);
}

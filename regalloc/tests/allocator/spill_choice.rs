//! What the allocator sends to the stack when registers run out: values
//! that a loop reads stay in registers, and values that only live through
//! the loop leave, even when the loop reads its values only through
//! operands that could come from memory.

use crate::support::{TestBlock, TestFunction, TestInst, TestIsa};
use kiln_regalloc::{
    Allocation, Block, Edit, Inst, Operand, Output, PRegSet, RegClass, VReg, allocate, check,
};

fn v(index: u32) -> VReg {
    VReg(index)
}

fn inst(operands: Vec<Operand>) -> TestInst {
    TestInst {
        operands,
        clobbers: Default::default(),
    }
}

/// On a machine with four registers:
///
/// ```text
/// b0: v0..v3 = ...; v6 = ...; jump b1(v6)
/// b1(v4): v5 = ...; v8 = ...; v9 = ...
///         v7 = op v5:any, v8:any, v9:any, v4:reg (v7 reuses v4)
///         branch b3, b2
/// b2: use v0..v3
/// b3: jump b1(v7)
/// ```
///
/// The loop needs four registers at once; `v0`..`v3` are live through it
/// but read only after it.
fn loop_under_pressure() -> TestFunction {
    let mut insts: Vec<TestInst> = (0..4).map(|i| inst(vec![Operand::reg_def(v(i))])).collect();
    insts.push(inst(vec![Operand::reg_def(v(6))]));
    insts.push(inst(vec![]));
    let loop_first = insts.len() as u32;
    insts.push(inst(vec![Operand::reg_def(v(5))]));
    insts.push(inst(vec![Operand::reg_def(v(8))]));
    insts.push(inst(vec![Operand::reg_def(v(9))]));
    insts.push(inst(vec![
        Operand::any_use(v(5)),
        Operand::any_use(v(8)),
        Operand::any_use(v(9)),
        Operand::reg_use(v(4)),
        Operand::reuse_def(v(7), 3),
    ]));
    insts.push(inst(vec![Operand::reg_use(v(7))]));
    let exit_first = insts.len() as u32;
    insts.push(inst((0..4).map(|i| Operand::reg_use(v(i))).collect()));
    let latch_first = insts.len() as u32;
    insts.push(inst(vec![]));
    let end = insts.len() as u32;
    TestFunction {
        blocks: vec![
            TestBlock {
                first: 0,
                end: loop_first,
                succs: vec![Block(1)],
                branch_args: vec![vec![v(6)]],
                ..TestBlock::default()
            },
            TestBlock {
                first: loop_first,
                end: exit_first,
                params: vec![v(4)],
                succs: vec![Block(3), Block(2)],
                preds: vec![Block(0), Block(3)],
                branch_args: vec![vec![], vec![]],
            },
            TestBlock {
                first: exit_first,
                end: latch_first,
                preds: vec![Block(1)],
                ..TestBlock::default()
            },
            TestBlock {
                first: latch_first,
                end,
                succs: vec![Block(1)],
                preds: vec![Block(1)],
                branch_args: vec![vec![v(7)]],
                ..TestBlock::default()
            },
        ],
        insts,
        classes: vec![RegClass::Int; 10],
        constants: vec![false; 10],
    }
}

/// A block of instructions `first..end` without parameters or branch
/// arguments, with its successors and predecessors by number.
fn block(first: u32, end: u32, succs: Vec<u32>, preds: Vec<u32>) -> TestBlock {
    TestBlock {
        first,
        end,
        branch_args: vec![vec![]; succs.len()],
        succs: succs.into_iter().map(Block).collect(),
        preds: preds.into_iter().map(Block).collect(),
        ..TestBlock::default()
    }
}

/// Allocates `func` on the four-register machine, checked.
fn allocate_tiny(func: &TestFunction) -> Output {
    let isa = TestIsa::tiny();
    let output = allocate(func, &isa.env).expect("the function allocates");
    check(func, &isa.env, &output).expect("the checker accepts the allocation");
    output
}

/// Where `output` reloads a value from the stack before an instruction of
/// `insts`.
fn reloads_in(output: &Output, insts: std::ops::Range<u32>) -> Vec<Inst> {
    output
        .edits()
        .iter()
        .filter(|(at, edit)| {
            insts.contains(&at.0)
                && matches!(
                    edit,
                    Edit::Move {
                        from: Allocation::Stack(_),
                        ..
                    }
                )
        })
        .map(|(at, _)| *at)
        .collect()
}

#[test]
fn values_a_loop_reads_through_memory_capable_operands_keep_their_registers() {
    let func = loop_under_pressure();
    let output = allocate_tiny(&func);
    let combine = Inst(func.blocks[1].first + 3);
    let allocs = output.inst_allocs(combine);
    for (operand, alloc) in allocs.iter().take(3).enumerate() {
        assert!(
            matches!(alloc, Allocation::Reg(_)),
            "operand {operand} of the loop's instruction is read from {alloc:?}"
        );
    }
    let reloads_in_loop = reloads_in(&output, func.blocks[1].first..func.blocks[1].end);
    assert!(reloads_in_loop.is_empty(), "edits: {:?}", output.edits());
}

/// On the four-register machine, where calls clobber every register:
///
/// ```text
/// b0: v0..v4 = ...; use v1..v4; jump b1       (v0 spilled: no room)
/// b1: v5 = ...; use v5; branch b2, b4         (loop header)
/// b2: call; jump b3
/// b3: use v0; call; jump b1
/// b4: (exit)
/// ```
///
/// `v0` lives through the loop in its slot and is read once, in `b3`. It
/// is reloaded on the way there, and nowhere else in the loop: holding it in a
/// register from the header to the first call would serve no reader, and
/// would cost a reload on the back edge, on every iteration.
fn value_read_between_calls_in_a_loop() -> TestFunction {
    let all: PRegSet = TestIsa::tiny().env.allocatable[0].iter().copied().collect();
    let call = || TestInst {
        operands: vec![],
        clobbers: all,
    };
    let mut insts: Vec<TestInst> = (0..5).map(|i| inst(vec![Operand::reg_def(v(i))])).collect();
    insts.push(inst((1..5).map(|i| Operand::reg_use(v(i))).collect()));
    insts.push(inst(vec![]));
    let header = insts.len() as u32;
    insts.push(inst(vec![Operand::reg_def(v(5))]));
    insts.push(inst(vec![Operand::reg_use(v(5))]));
    let calls = insts.len() as u32;
    insts.push(call());
    insts.push(inst(vec![]));
    let latch = insts.len() as u32;
    insts.push(inst(vec![Operand::reg_use(v(0))]));
    insts.push(call());
    insts.push(inst(vec![]));
    let exit = insts.len() as u32;
    insts.push(inst(vec![]));
    let end = insts.len() as u32;
    TestFunction {
        blocks: vec![
            block(0, header, vec![1], vec![]),
            block(header, calls, vec![2, 4], vec![0, 3]),
            block(calls, latch, vec![3], vec![1]),
            block(latch, exit, vec![1], vec![2]),
            block(exit, end, vec![], vec![1]),
        ],
        insts,
        classes: vec![RegClass::Int; 6],
        constants: vec![false; 6],
    }
}

#[test]
fn a_value_spilled_through_a_loop_is_reloaded_where_it_is_read_not_on_the_back_edge() {
    let func = value_read_between_calls_in_a_loop();
    let output = allocate_tiny(&func);
    let reloads_in_loop = reloads_in(&output, func.blocks[1].first..func.blocks[4].first);
    // The one reload sits on the way into `b3` (before `b2`'s jump), and
    // none before `b3`'s jump back to the header.
    let into_b3 = Inst(func.blocks[2].end - 1);
    assert_eq!(reloads_in_loop, [into_b3], "edits: {:?}", output.edits());
}

/// On the four-register machine:
///
/// ```text
/// b0: v0..v3 = ...; use v0; jump b1
/// b1: v4 = ...; v5 = ...; use v4, v5; branch b2, b3     (loop header)
/// b2: jump b1                                         (latch)
/// b3: use v0..v3                                      (exit)
/// ```
///
/// `v0`..`v3` hold all four registers when the loop starts and none is
/// read in it, so two of them leave their registers for `v4` and `v5`.
/// They leave at the start of the loop, not where `v4` is defined: the
/// header would otherwise expect them in their registers, and the back
/// edge would reload them on every iteration.
fn values_evicted_inside_a_loop_they_live_through() -> TestFunction {
    let mut insts: Vec<TestInst> = (0..4).map(|i| inst(vec![Operand::reg_def(v(i))])).collect();
    insts.push(inst(vec![Operand::reg_use(v(0))]));
    insts.push(inst(vec![]));
    let header = insts.len() as u32;
    insts.push(inst(vec![Operand::reg_def(v(4))]));
    insts.push(inst(vec![Operand::reg_def(v(5))]));
    insts.push(inst(vec![Operand::reg_use(v(4)), Operand::reg_use(v(5))]));
    insts.push(inst(vec![]));
    let latch = insts.len() as u32;
    insts.push(inst(vec![]));
    let exit = insts.len() as u32;
    insts.push(inst((0..4).map(|i| Operand::reg_use(v(i))).collect()));
    let end = insts.len() as u32;
    TestFunction {
        blocks: vec![
            block(0, header, vec![1], vec![]),
            block(header, latch, vec![2, 3], vec![0, 2]),
            block(latch, exit, vec![1], vec![1]),
            block(exit, end, vec![], vec![1]),
        ],
        insts,
        classes: vec![RegClass::Int; 6],
        constants: vec![false; 6],
    }
}

#[test]
fn values_evicted_inside_a_loop_leave_at_its_start_and_are_not_reloaded_on_the_back_edge() {
    let func = values_evicted_inside_a_loop_they_live_through();
    let output = allocate_tiny(&func);
    let (header, latch) = (&func.blocks[1], &func.blocks[2]);
    assert!(
        reloads_in(&output, header.first..latch.end).is_empty(),
        "edits: {:?}",
        output.edits()
    );
}

/// On the four-register machine:
///
/// ```text
/// b0: v0 = ... (in r0); jump b1(v0)
/// b1(v1): v2 = op v1; branch b2, b3                    (loop header)
/// b2: jump b1(v2)                                      (latch)
/// b3: clobber r0; use v2                               (exit)
/// ```
///
/// `v2` is the loop's next `v1`. It takes `v1`'s register, `r0`, although
/// `r0` is not free for all of it (the exit destroys it): it leaves `r0`
/// after the loop, and the back edge needs no move, where a register free
/// for all of `v2` would cost a move on every iteration.
fn value_passed_back_to_its_loop_parameter() -> TestFunction {
    let r0 = TestIsa::tiny().env.allocatable[0][0];
    let insts = vec![
        inst(vec![Operand::fixed_def(v(0), r0)]),
        inst(vec![]),
        inst(vec![Operand::reg_use(v(1)), Operand::reg_def(v(2))]),
        inst(vec![]),
        inst(vec![]),
        TestInst {
            operands: vec![],
            clobbers: [r0].into_iter().collect(),
        },
        inst(vec![Operand::reg_use(v(2))]),
    ];
    TestFunction {
        blocks: vec![
            TestBlock {
                first: 0,
                end: 2,
                succs: vec![Block(1)],
                branch_args: vec![vec![v(0)]],
                ..TestBlock::default()
            },
            TestBlock {
                first: 2,
                end: 4,
                params: vec![v(1)],
                succs: vec![Block(2), Block(3)],
                preds: vec![Block(0), Block(2)],
                branch_args: vec![vec![], vec![]],
            },
            TestBlock {
                first: 4,
                end: 5,
                succs: vec![Block(1)],
                preds: vec![Block(1)],
                branch_args: vec![vec![v(2)]],
                ..TestBlock::default()
            },
            TestBlock {
                first: 5,
                end: 7,
                preds: vec![Block(1)],
                ..TestBlock::default()
            },
        ],
        insts,
        classes: vec![RegClass::Int; 3],
        constants: vec![false; 3],
    }
}

#[test]
fn a_value_passed_back_to_its_loop_parameter_takes_the_parameters_register() {
    let func = value_passed_back_to_its_loop_parameter();
    let output = allocate_tiny(&func);
    let in_loop = |at: &Inst| (2..5).contains(&at.0);
    let loop_moves: Vec<_> = output
        .edits()
        .iter()
        .filter(|(at, _)| in_loop(at))
        .collect();
    assert!(loop_moves.is_empty(), "edits: {:?}", output.edits());
}

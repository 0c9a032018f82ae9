//! Test support shared by the tests and the benchmark: a plain
//! [`Function`] made of vectors, three register files (x86-64-like,
//! AArch64-like, and a tiny one that forces spills), and a generator of
//! random functions with loops, branches, calls, fixed registers, two-address
//! forms, early defs, stack operands and constants.

use kiln_regalloc::{
    Block, Constraint, Function, Inst, MachineEnv, Operand, OperandKind, PReg, PRegSet, RegClass,
    VReg,
};

/// One block of a [`TestFunction`].
#[derive(Clone, Debug, Default)]
pub struct TestBlock {
    pub first: u32,
    pub end: u32,
    pub params: Vec<VReg>,
    pub succs: Vec<Block>,
    pub preds: Vec<Block>,
    pub branch_args: Vec<Vec<VReg>>,
}

/// One instruction of a [`TestFunction`].
#[derive(Clone, Debug, Default)]
pub struct TestInst {
    pub operands: Vec<Operand>,
    pub clobbers: PRegSet,
}

/// A function on virtual registers, stored as plain vectors.
#[derive(Clone, Debug, Default)]
pub struct TestFunction {
    pub blocks: Vec<TestBlock>,
    pub insts: Vec<TestInst>,
    pub classes: Vec<RegClass>,
    pub constants: Vec<bool>,
}

impl Function for TestFunction {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn num_vregs(&self) -> usize {
        self.classes.len()
    }
    fn block_insts(&self, block: Block) -> (Inst, Inst) {
        let b = &self.blocks[block.index()];
        (Inst(b.first), Inst(b.end))
    }
    fn block_succs(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].succs
    }
    fn block_preds(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].preds
    }
    fn block_params(&self, block: Block) -> &[VReg] {
        &self.blocks[block.index()].params
    }
    fn branch_args(&self, block: Block, succ_index: usize) -> &[VReg] {
        &self.blocks[block.index()].branch_args[succ_index]
    }
    fn inst_operands(&self, inst: Inst) -> &[Operand] {
        &self.insts[inst.index()].operands
    }
    fn inst_clobbers(&self, inst: Inst) -> PRegSet {
        self.insts[inst.index()].clobbers
    }
    fn vreg_class(&self, vreg: VReg) -> RegClass {
        self.classes[vreg.index()]
    }
    fn is_constant(&self, vreg: VReg) -> bool {
        self.constants[vreg.index()]
    }
}

/// A register file and the fixed registers its instructions use.
#[derive(Clone, Debug)]
pub struct TestIsa {
    pub name: &'static str,
    pub env: MachineEnv,
    pub int_args: Vec<PReg>,
    pub float_args: Vec<PReg>,
    pub int_ret: PReg,
    pub float_ret: PReg,
    /// Dividend/quotient and high half/remainder registers of a divide.
    pub div: Option<(PReg, PReg)>,
    /// The register that holds a shift count.
    pub shift_count: Option<PReg>,
}

fn int(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Int)
}

fn float(hw: u8) -> PReg {
    PReg::new(hw, RegClass::Float)
}

impl TestIsa {
    /// x86-64 with the System V calling convention: rsp and rbp reserved,
    /// r11 and xmm15 as scratch registers.
    pub fn x86_64() -> TestIsa {
        let int_regs: Vec<PReg> = [0, 1, 2, 6, 7, 8, 9, 10, 3, 12, 13, 14, 15]
            .map(int)
            .to_vec();
        let float_regs: Vec<PReg> = (0..15).map(float).collect();
        let callee_saved: PRegSet = [3, 12, 13, 14, 15].map(int).into_iter().collect();
        let mut caller_saved: PRegSet =
            [0, 1, 2, 6, 7, 8, 9, 10, 11].map(int).into_iter().collect();
        for hw in 0..16 {
            caller_saved.insert(float(hw));
        }
        TestIsa {
            name: "x86-64",
            env: MachineEnv {
                allocatable: [int_regs, float_regs],
                callee_saved,
                caller_saved,
                scratch: [int(11), float(15)],
            },
            int_args: [7, 6, 2, 1, 8, 9].map(int).to_vec(),
            float_args: (0..8).map(float).collect(),
            int_ret: int(0),
            float_ret: float(0),
            div: Some((int(0), int(2))),
            shift_count: Some(int(1)),
        }
    }

    /// AArch64 with the AAPCS64 calling convention: x16 and v31 as scratch
    /// registers, x18, the frame pointer and the link register reserved.
    pub fn aarch64() -> TestIsa {
        let mut int_regs: Vec<PReg> = (0..16).map(int).collect();
        int_regs.extend((19..29).map(int));
        let float_regs: Vec<PReg> = (0..31).map(float).collect();
        let mut callee_saved: PRegSet = (19..29).map(int).collect();
        for hw in 8..16 {
            callee_saved.insert(float(hw));
        }
        let mut caller_saved: PRegSet = (0..18).map(int).collect();
        for hw in (0..8).chain(16..32) {
            caller_saved.insert(float(hw));
        }
        TestIsa {
            name: "aarch64",
            env: MachineEnv {
                allocatable: [int_regs, float_regs],
                callee_saved,
                caller_saved,
                scratch: [int(16), float(31)],
            },
            int_args: (0..8).map(int).collect(),
            float_args: (0..8).map(float).collect(),
            int_ret: int(0),
            float_ret: float(0),
            div: None,
            shift_count: None,
        }
    }

    /// Four integer and three float registers: everything spills.
    pub fn tiny() -> TestIsa {
        TestIsa {
            name: "tiny",
            env: MachineEnv {
                allocatable: [(0..4).map(int).collect(), (0..3).map(float).collect()],
                callee_saved: [int(3)].into_iter().collect(),
                caller_saved: [
                    int(0),
                    int(1),
                    int(2),
                    int(4),
                    float(0),
                    float(1),
                    float(2),
                    float(3),
                ]
                .into_iter()
                .collect(),
                scratch: [int(4), float(3)],
            },
            int_args: vec![int(0), int(1)],
            float_args: vec![float(0)],
            int_ret: int(0),
            float_ret: float(0),
            div: Some((int(0), int(2))),
            shift_count: Some(int(1)),
        }
    }

    /// The three register files.
    pub fn all() -> [TestIsa; 3] {
        [TestIsa::x86_64(), TestIsa::aarch64(), TestIsa::tiny()]
    }
}

/// A small deterministic random number generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct GenConfig {
    pub seed: u64,
    /// About how many instructions.
    pub size: usize,
    /// Deepest nesting of loops and branches.
    pub max_depth: usize,
    /// How far back (in values) operands reach: larger means longer
    /// lifetimes and more pressure.
    pub reach: usize,
}

/// A block under construction.
#[derive(Default)]
struct BlockBuild {
    insts: Vec<TestInst>,
    params: Vec<VReg>,
    succs: Vec<usize>,
    args: Vec<Vec<VReg>>,
}

struct Generator<'a> {
    rng: Rng,
    isa: &'a TestIsa,
    config: GenConfig,
    blocks: Vec<BlockBuild>,
    classes: Vec<RegClass>,
    constants: Vec<bool>,
    budget: usize,
    /// The exit block of each loop being generated, innermost last.
    loop_exits: Vec<usize>,
}

/// Generates a random function for `isa`.
pub fn generate(isa: &TestIsa, config: GenConfig) -> TestFunction {
    let mut generator = Generator {
        rng: Rng(config.seed),
        isa,
        config,
        blocks: vec![BlockBuild::default()],
        classes: Vec::new(),
        constants: Vec::new(),
        budget: config.size,
        loop_exits: Vec::new(),
    };
    let mut current = 0;
    let mut available = Vec::new();
    while generator.budget > 0 {
        generator.region(&mut current, &mut available, 0);
    }
    generator.ret(current, &mut available);
    generator.finish()
}

impl Generator<'_> {
    fn new_vreg(&mut self, class: RegClass, constant: bool) -> VReg {
        self.classes.push(class);
        self.constants.push(constant);
        VReg(self.classes.len() as u32 - 1)
    }

    fn new_block(&mut self) -> usize {
        self.blocks.push(BlockBuild::default());
        self.blocks.len() - 1
    }

    fn push(&mut self, block: usize, operands: Vec<Operand>, clobbers: PRegSet) {
        self.budget = self.budget.saturating_sub(1);
        self.blocks[block]
            .insts
            .push(TestInst { operands, clobbers });
    }

    /// A value of `class` from `available`, mostly a recent one; a new
    /// constant if there is none.
    fn pick(&mut self, block: usize, available: &mut Vec<VReg>, class: RegClass) -> VReg {
        for _ in 0..8 {
            if available.is_empty() {
                break;
            }
            let reach = if self.rng.chance(85) {
                8
            } else {
                self.config.reach
            };
            let reach = reach.min(available.len());
            let v = available[available.len() - 1 - self.rng.below(reach)];
            if self.classes[v.index()] == class {
                return v;
            }
        }
        self.constant(block, available, class)
    }

    fn constant(&mut self, block: usize, available: &mut Vec<VReg>, class: RegClass) -> VReg {
        let v = self.new_vreg(class, true);
        let op = if class == RegClass::Int && self.rng.chance(30) {
            Operand::any_def(v)
        } else {
            Operand::reg_def(v)
        };
        self.push(block, vec![op], PRegSet::empty());
        available.push(v);
        v
    }

    fn random_class(&mut self) -> RegClass {
        if self.rng.chance(25) {
            RegClass::Float
        } else {
            RegClass::Int
        }
    }

    /// A straight run, a branch diamond or switch, a loop, or a conditional
    /// exit from the innermost loop, continuing in `current`.
    fn region(&mut self, current: &mut usize, available: &mut Vec<VReg>, depth: usize) {
        let choice = self.rng.below(10);
        if depth < self.config.max_depth && choice < 2 {
            self.diamond(current, available, depth);
        } else if depth < self.config.max_depth && choice < 4 {
            self.loop_(current, available, depth);
        } else if choice == 9 && !self.loop_exits.is_empty() {
            self.break_out(current, available);
        } else {
            for _ in 0..1 + self.rng.below(8) {
                self.instruction(*current, available);
            }
        }
    }

    /// A few regions in a row.
    fn sequence(&mut self, current: &mut usize, available: &mut Vec<VReg>, depth: usize) {
        for _ in 0..1 + self.rng.below(3) {
            if self.budget == 0 {
                break;
            }
            self.region(current, available, depth);
        }
    }

    /// Ends `block` with a jump to `target` passing `args`.
    fn jump(&mut self, block: usize, target: usize, args: Vec<VReg>) {
        self.push(block, Vec::new(), PRegSet::empty());
        self.blocks[block].succs.push(target);
        self.blocks[block].args.push(args);
    }

    /// Ends `block` with a conditional branch (or a switch) to `targets`.
    fn branch(&mut self, block: usize, available: &mut Vec<VReg>, targets: &[usize]) {
        let cond = self.pick(block, available, RegClass::Int);
        let op = if self.rng.chance(50) {
            Operand::reg_use(cond)
        } else {
            Operand::any_use(cond)
        };
        self.push(block, vec![op], PRegSet::empty());
        self.blocks[block].succs.extend_from_slice(targets);
        self.blocks[block]
            .args
            .extend(targets.iter().map(|_| Vec::new()));
    }

    fn diamond(&mut self, current: &mut usize, available: &mut Vec<VReg>, depth: usize) {
        let arms: Vec<usize> = (0..2 + self.rng.below(2))
            .map(|_| self.new_block())
            .collect();
        // Some arms receive arguments from the branch itself.
        let arm_args: Vec<Vec<VReg>> = arms
            .iter()
            .map(|_| {
                let count = if self.rng.chance(50) {
                    1 + self.rng.below(2)
                } else {
                    0
                };
                (0..count)
                    .map(|_| {
                        let class = self.random_class();
                        self.pick(*current, available, class)
                    })
                    .collect()
            })
            .collect();
        self.branch(*current, available, &arms);
        let branch_args = self.blocks[*current].args.len() - arms.len();
        for (k, (&arm, args)) in arms.iter().zip(arm_args).enumerate() {
            for &arg in &args {
                let param = self.new_vreg(self.classes[arg.index()], false);
                self.blocks[arm].params.push(param);
            }
            self.blocks[*current].args[branch_args + k] = args;
        }
        let join = self.new_block();
        let param_classes: Vec<RegClass> = (0..self.rng.below(4))
            .map(|_| self.random_class())
            .collect();
        for arm in arms {
            let mut block = arm;
            let mut arm_available = available.clone();
            arm_available.extend(self.blocks[arm].params.iter().copied());
            self.sequence(&mut block, &mut arm_available, depth + 1);
            let args = param_classes
                .iter()
                .map(|&class| self.pick(block, &mut arm_available, class))
                .collect();
            self.jump(block, join, args);
        }
        for class in param_classes {
            let param = self.new_vreg(class, false);
            self.blocks[join].params.push(param);
            available.push(param);
        }
        *current = join;
    }

    fn loop_(&mut self, current: &mut usize, available: &mut Vec<VReg>, depth: usize) {
        let header = self.new_block();
        let carried: Vec<VReg> = (0..self.rng.below(4))
            .map(|_| {
                let class = self.random_class();
                self.pick(*current, available, class)
            })
            .collect();
        self.jump(*current, header, carried.clone());
        for &value in &carried {
            let param = self.new_vreg(self.classes[value.index()], false);
            self.blocks[header].params.push(param);
            available.push(param);
        }
        for _ in 0..self.rng.below(3) {
            self.instruction(header, available);
        }
        let body = self.new_block();
        let leave = self.new_block();
        let exit = self.new_block();
        self.branch(header, available, &[body, leave]);
        self.jump(leave, exit, Vec::new());
        let mut block = body;
        let mut body_available = available.clone();
        self.loop_exits.push(exit);
        self.sequence(&mut block, &mut body_available, depth + 1);
        self.loop_exits.pop();
        let args = carried
            .iter()
            .map(|&value| {
                let class = self.classes[value.index()];
                self.pick(block, &mut body_available, class)
            })
            .collect();
        self.jump(block, header, args);
        *current = exit;
    }

    /// Leaves the innermost loop if a condition holds, else goes on in a new
    /// block.
    fn break_out(&mut self, current: &mut usize, available: &mut Vec<VReg>) {
        let exit = *self.loop_exits.last().expect("inside a loop");
        let stay = self.new_block();
        let leave = self.new_block();
        self.branch(*current, available, &[stay, leave]);
        self.jump(leave, exit, Vec::new());
        *current = stay;
    }

    /// One random non-branching instruction in `block`.
    fn instruction(&mut self, block: usize, available: &mut Vec<VReg>) {
        let isa = self.isa;
        match self.rng.below(20) {
            0 | 1 => {
                let class = self.random_class();
                self.constant(block, available, class);
            }
            2..=5 | 16..=19 => {
                // Three-address arithmetic.
                let class = self.random_class();
                let a = self.pick(block, available, class);
                let b = self.pick(block, available, class);
                let d = self.new_vreg(class, false);
                let b_op = if self.rng.chance(50) {
                    Operand::any_use(b)
                } else {
                    Operand::reg_use(b)
                };
                self.push(
                    block,
                    vec![Operand::reg_use(a), b_op, Operand::reg_def(d)],
                    PRegSet::empty(),
                );
                available.push(d);
            }
            6..=8 => {
                // Two-address arithmetic.
                let class = self.random_class();
                let a = self.pick(block, available, class);
                let b = self.pick(block, available, class);
                let d = self.new_vreg(class, false);
                self.push(
                    block,
                    vec![
                        Operand::reg_use(a),
                        Operand::any_use(b),
                        Operand::reuse_def(d, 0),
                    ],
                    PRegSet::empty(),
                );
                available.push(d);
            }
            9 => match isa.div {
                Some((lo, hi)) => {
                    let a = self.pick(block, available, RegClass::Int);
                    let h = self.pick(block, available, RegClass::Int);
                    let b = self.pick(block, available, RegClass::Int);
                    let q = self.new_vreg(RegClass::Int, false);
                    let r = self.new_vreg(RegClass::Int, false);
                    self.push(
                        block,
                        vec![
                            Operand::fixed_use(a, lo),
                            Operand::fixed_use(h, hi),
                            Operand::reg_use(b),
                            Operand::fixed_def(q, lo),
                            Operand::fixed_def(r, hi),
                        ],
                        PRegSet::empty(),
                    );
                    available.extend([q, r]);
                }
                None => self.early_def(block, available),
            },
            10 => match isa.shift_count {
                Some(count_reg) => {
                    let a = self.pick(block, available, RegClass::Int);
                    let c = self.pick(block, available, RegClass::Int);
                    let d = self.new_vreg(RegClass::Int, false);
                    self.push(
                        block,
                        vec![
                            Operand::reg_use(a),
                            Operand::fixed_use(c, count_reg),
                            Operand::reuse_def(d, 0),
                        ],
                        PRegSet::empty(),
                    );
                    available.push(d);
                }
                None => self.early_def(block, available),
            },
            11 => self.call(block, available),
            12 => self.early_def(block, available),
            13 => {
                // A value loaded straight into a slot, and one read from one.
                let class = self.random_class();
                let a = self.pick(block, available, class);
                let d = self.new_vreg(class, false);
                let def = if self.rng.chance(50) {
                    Operand::stack_def(d)
                } else {
                    Operand::any_def(d)
                };
                self.push(block, vec![Operand::stack_use(a), def], PRegSet::empty());
                available.push(d);
            }
            _ => {
                // A store-like sink that reads many values from anywhere.
                let operands = (0..1 + self.rng.below(6))
                    .map(|_| {
                        let class = self.random_class();
                        Operand::any_use(self.pick(block, available, class))
                    })
                    .collect();
                self.push(block, operands, PRegSet::empty());
            }
        }
    }

    /// An instruction that writes one result (in any register, or in a
    /// fixed one) before it reads its inputs.
    fn early_def(&mut self, block: usize, available: &mut Vec<VReg>) {
        let a = self.pick(block, available, RegClass::Int);
        let b = self.pick(block, available, RegClass::Int);
        let e = self.new_vreg(RegClass::Int, false);
        let d = self.new_vreg(RegClass::Int, false);
        let early = if self.rng.chance(30) {
            Operand::new(
                e,
                OperandKind::EarlyDef,
                Constraint::Fixed(self.isa.int_ret),
            )
        } else {
            Operand::early_reg_def(e)
        };
        self.push(
            block,
            vec![
                Operand::reg_use(a),
                Operand::reg_use(b),
                early,
                Operand::reg_def(d),
            ],
            PRegSet::empty(),
        );
        available.extend([e, d]);
    }

    fn call(&mut self, block: usize, available: &mut Vec<VReg>) {
        let isa = self.isa;
        let mut operands = Vec::new();
        for &reg in &isa.int_args[..self.rng.below(isa.int_args.len().min(4) + 1)] {
            operands.push(Operand::fixed_use(
                self.pick(block, available, RegClass::Int),
                reg,
            ));
        }
        for &reg in &isa.float_args[..self.rng.below(isa.float_args.len().min(3) + 1)] {
            operands.push(Operand::fixed_use(
                self.pick(block, available, RegClass::Float),
                reg,
            ));
        }
        if self.rng.chance(30) {
            let class = self.random_class();
            operands.push(Operand::new(
                self.pick(block, available, class),
                OperandKind::Use,
                Constraint::Stack,
            ));
        }
        if self.rng.chance(30) {
            // An indirect call: the target in any register.
            operands.push(Operand::reg_use(self.pick(block, available, RegClass::Int)));
        }
        let result = if self.rng.chance(30) {
            let f = self.new_vreg(RegClass::Float, false);
            operands.push(Operand::fixed_def(f, isa.float_ret));
            f
        } else {
            let r = self.new_vreg(RegClass::Int, false);
            operands.push(Operand::fixed_def(r, isa.int_ret));
            r
        };
        self.push(block, operands, isa.env.caller_saved);
        available.push(result);
    }

    /// Ends the function: the result in the return register, and a few
    /// more values read from anywhere.
    fn ret(&mut self, block: usize, available: &mut Vec<VReg>) {
        let result = self.pick(block, available, RegClass::Int);
        let mut operands = vec![Operand::fixed_use(result, self.isa.int_ret)];
        for _ in 0..self.rng.below(4) {
            let class = self.random_class();
            operands.push(Operand::any_use(self.pick(block, available, class)));
        }
        self.push(block, operands, PRegSet::empty());
    }

    /// Lays the blocks out in reverse post-order (loop bodies right after
    /// their header, as a backend would) and links predecessors.
    fn finish(self) -> TestFunction {
        let order = reverse_post_order(&self.blocks);
        let mut new_index = vec![0; self.blocks.len()];
        for (position, &b) in order.iter().enumerate() {
            new_index[b] = position;
        }
        let mut function = TestFunction {
            classes: self.classes,
            constants: self.constants,
            ..TestFunction::default()
        };
        for &b in &order {
            let build = &self.blocks[b];
            let first = function.insts.len() as u32;
            function.insts.extend(build.insts.iter().cloned());
            function.blocks.push(TestBlock {
                first,
                end: function.insts.len() as u32,
                params: build.params.clone(),
                succs: build
                    .succs
                    .iter()
                    .map(|&s| Block(new_index[s] as u32))
                    .collect(),
                preds: Vec::new(),
                branch_args: build.args.clone(),
            });
        }
        for b in 0..function.blocks.len() {
            for succ in function.blocks[b].succs.clone() {
                function.blocks[succ.index()].preds.push(Block(b as u32));
            }
        }
        function
    }
}

/// The blocks in reverse post-order from block 0, visiting successors so
/// that the first one comes first.
fn reverse_post_order(blocks: &[BlockBuild]) -> Vec<usize> {
    let mut visited = vec![false; blocks.len()];
    let mut post_order = Vec::with_capacity(blocks.len());
    let mut stack = vec![(0, blocks[0].succs.len())];
    visited[0] = true;
    while let Some((block, next)) = stack.last_mut() {
        if *next == 0 {
            post_order.push(*block);
            stack.pop();
            continue;
        }
        *next -= 1;
        let succ = blocks[*block].succs[*next];
        if !visited[succ] {
            visited[succ] = true;
            stack.push((succ, blocks[succ].succs.len()));
        }
    }
    post_order.reverse();
    post_order
}

//! Building SSA from a program with mutable variables.
//!
//! The front end speaks of variables (wasm locals) that it reads and writes;
//! the builder turns them into SSA values with the algorithm of Braun et al.,
//! "Simple and Efficient Construction of Static Single Assignment Form"
//! (CC 2013), using block parameters where the paper uses phis:
//!
//! - A write records the variable's current value in the current block.
//! - A read looks in the current block, then walks up to the predecessor if
//!   there is exactly one. Where control flow joins it adds a block
//!   parameter and asks every predecessor for the variable, passing the
//!   answers as branch arguments.
//! - A block is *sealed* once all its predecessors are known. Reads in an
//!   unsealed block (a loop header before its back edges exist) add a
//!   parameter at once and fill in the branch arguments when it is sealed.
//! - A parameter that turns out trivial (every predecessor passes the same
//!   value, or the parameter itself) is replaced by that value. At a sealed
//!   join this happens as soon as its arguments are in, as the paper does:
//!   there the parameter is the block's last, so it and its arguments are
//!   simply dropped, and later reads get the value itself. Compiled C reads
//!   most locals after joins that do not change them, so nine parameters
//!   in ten go this way. The rest (parameters of loop headers, filled in
//!   when the header is sealed, and those that become trivial only later)
//!   are removed when the function is finished, by
//!   [`passes::redundant_params`], which also rewrites any argument that
//!   still names a dropped parameter.
//! - A read at a join asks every predecessor, so `n` variables read after
//!   `n` joins that leave them alone cost `n * n` steps, however linear the
//!   source. A front end that knows where a join's code began (a structured
//!   construct's start) says so with [`FunctionBuilder::join_from`]; a read
//!   at such a join of a variable nothing wrote since then goes straight to
//!   that start.
//! - Likewise a read inside `n` nested loops adds a parameter at each of
//!   their open headers. A front end that knows a variable is not written
//!   from a point to the end of the loops around the read (it reads ahead)
//!   reads it from that point with
//!   [`FunctionBuilder::use_var_unchanged_since`].

use crate::entities::{Block, Inst, Value};
use crate::function::{BlockCall, Function, ValueDef};
use crate::ops::Op;
use crate::passes;
use crate::trap::TrapCode;
use crate::types::Type;
use crate::value_list::ValueList;
use crate::var_defs::VarDefs;

/// A mutable variable of the source program (for wasm: a local).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Variable(pub u32);

/// A point of the building: the current block and how many variable writes
/// came before (see [`FunctionBuilder::join_from`] and
/// [`FunctionBuilder::use_var_unchanged_since`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    block: Block,
    writes: u32,
}

/// Where the code that reaches a join began: at the end of `from`, after
/// `after` writes, and it was all built by the time of write `until`.
#[derive(Clone, Copy, Debug)]
struct JoinOrigin {
    from: Block,
    after: u32,
    until: u32,
}

/// Appends blocks and instructions to a function and builds SSA for variables.
pub struct FunctionBuilder<'f> {
    /// The function being built.
    pub func: &'f mut Function,
    current: Option<Block>,
    var_types: Vec<Type>,
    /// The value of each variable at the end of each block, where known.
    defs: VarDefs,
    /// For each variable, the entry of `defs` written last: most
    /// reads ask for the block the variable was just written or read in,
    /// and find it here without hashing.
    last_def: Vec<(Block, Value)>,
    /// How many times any variable was written ([`Self::def_var`]).
    writes: u32,
    /// For each variable, the numbers of the writes to it (counted from 1,
    /// in increasing order).
    writes_of: Vec<Vec<u32>>,
    /// For each block, where the code that reaches it began, if known.
    join_origins: Vec<Option<JoinOrigin>>,
    sealed: Vec<bool>,
    in_layout: Vec<bool>,
    incomplete_params: Vec<Vec<(Variable, Value, usize)>>,
    /// How many parameters reads added to blocks not yet sealed.
    open_params: usize,
    pred_edges: Vec<Vec<PredEdge>>,
    /// For each block, the last branch that listed it as a target (to find
    /// the distinct targets of a branch in one pass).
    last_branch_to: Vec<Option<Inst>>,
    /// Scratch for the blocks a variable lookup walked through, kept to
    /// reuse its memory from one lookup to the next.
    walked: Vec<Block>,
    /// Scratch for the joins a variable lookup still has to fill in, kept
    /// for the same reason.
    waiting_joins: Vec<PendingOperands>,
    /// For each dropped trivial parameter (by value), the value it stands
    /// for; `None` for every other value.
    replaced: Vec<Option<Value>>,
}

/// A branch into a block from a predecessor, with the positions among the
/// branch's targets that name the block (a `br_table` may name it often).
#[derive(Clone, Debug)]
struct PredEdge {
    pred: Block,
    branch: Inst,
    /// The branch's first target that goes to the block, by number.
    first_slot: u32,
    /// Its further targets to the same block (a `br_table` may name a
    /// block many times); empty, so unallocated, for nearly every edge.
    more_slots: Vec<u32>,
}

impl PredEdge {
    /// The numbers of the branch's targets that go to the block.
    fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first_slot).chain(self.more_slots.iter().copied())
    }
}

/// A join block whose new parameter still waits for arguments on some of
/// its incoming edges (see [`FunctionBuilder::read_var`]).
struct PendingOperands {
    block: Block,
    position: usize,
    next_edge: usize,
}

/// A list of `n` entries made by `fill`, with room for `room`.
fn per_block<T>(n: usize, room: usize, fill: impl FnMut() -> T) -> Vec<T> {
    let mut list = Vec::with_capacity(room);
    list.resize_with(n, fill);
    list
}

impl<'f> FunctionBuilder<'f> {
    /// A builder appending to `func` (normally empty).
    ///
    /// The lists kept per block are made with room for as many blocks as
    /// `func`'s block arena has room for, so that a function built in a
    /// presized [`Function`] seldom grows them.
    pub fn new(func: &'f mut Function) -> FunctionBuilder<'f> {
        let n = func.blocks.len();
        let room = func.blocks.capacity().max(n);
        let mut in_layout = per_block(n, room, || false);
        for block in &func.layout {
            in_layout[block.index()] = true;
        }
        FunctionBuilder {
            current: None,
            var_types: Vec::new(),
            defs: VarDefs::new(),
            last_def: Vec::new(),
            writes: 0,
            writes_of: Vec::new(),
            join_origins: per_block(n, room, || None),
            sealed: per_block(n, room, || false),
            in_layout,
            incomplete_params: per_block(n, room, Vec::new),
            open_params: 0,
            pred_edges: per_block(n, room, Vec::new),
            last_branch_to: per_block(n, room, || None),
            func,
            walked: Vec::new(),
            waiting_joins: Vec::new(),
            replaced: Vec::new(),
        }
    }

    /// Creates a block; it enters the layout when first switched to.
    pub fn create_block(&mut self) -> Block {
        let block = self.func.create_block();
        self.join_origins.push(None);
        self.sealed.push(false);
        self.in_layout.push(false);
        self.incomplete_params.push(Vec::new());
        self.pred_edges.push(Vec::new());
        self.last_branch_to.push(None);
        block
    }

    /// Adds an explicit parameter to `block`. Must happen before any branch to
    /// `block` and any variable read in it.
    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        self.func.append_block_param(block, ty)
    }

    /// Continues building at the end of `block`, placing it in the layout.
    pub fn switch_to_block(&mut self, block: Block) {
        if !std::mem::replace(&mut self.in_layout[block.index()], true) {
            self.func.layout.push(block);
        }
        self.current = Some(block);
    }

    /// The block instructions are appended to.
    pub fn current_block(&self) -> Block {
        self.current.expect("switch_to_block before building")
    }

    /// Declares that every predecessor of `block` is now known.
    pub fn seal_block(&mut self, block: Block) {
        if self.sealed[block.index()] {
            return;
        }
        let pending = std::mem::take(&mut self.incomplete_params[block.index()]);
        for (var, param, position) in pending {
            self.add_param_operands(block, var, param, position);
        }
        self.sealed[block.index()] = true;
    }

    /// The current point of the building, for [`Self::join_from`] and
    /// [`Self::use_var_unchanged_since`].
    pub fn mark(&self) -> Mark {
        Mark {
            block: self.current_block(),
            writes: self.writes,
        }
    }

    /// Declares that every path into `join` passes the point `since` (taken
    /// with [`Self::mark`]) and from there only code built since: a
    /// variable that no write since `since` changed holds at `join` the
    /// value it held there, and a read at `join` takes it from the end of
    /// `since`'s block instead of adding a parameter to `join` and asking
    /// each of its predecessors. Code built after this call does not count:
    /// it cannot reach `join` by the promise made here.
    pub fn join_from(&mut self, join: Block, since: Mark) {
        self.join_origins[join.index()] = Some(JoinOrigin {
            from: since.block,
            after: since.writes,
            until: self.writes,
        });
    }

    /// The block to read `var` in instead of the join `block`, if the code
    /// that reaches `block` does not write `var` and began at the end of a
    /// block that is finished (so its end is where that code began).
    fn unchanged_through(&self, block: Block, var: Variable) -> Option<Block> {
        let origin = self.join_origins[block.index()]?;
        let writes = &self.writes_of[var.0 as usize];
        let first_after = writes.partition_point(|&write| write <= origin.after);
        let unchanged = writes
            .get(first_after)
            .is_none_or(|&write| write > origin.until);
        let finished = origin.from != block && self.func.terminator(origin.from).is_some();
        (unchanged && finished).then_some(origin.from)
    }

    /// How many parameters reads have added to blocks that were not sealed
    /// yet (loop headers, for a structured front end).
    pub fn open_params(&self) -> usize {
        self.open_params
    }

    /// Whether `var` was written since `since` (taken with [`Self::mark`]).
    pub fn written_since(&self, var: Variable, since: Mark) -> bool {
        self.writes_of[var.0 as usize]
            .last()
            .is_some_and(|&write| write > since.writes)
    }

    /// The value of `var` in the current block, for a front end that knows
    /// that `var` holds there the value it held at `since`, which no write
    /// has changed since: it is read at the end of `since`'s block, without
    /// a walk through the blocks between and without parameters at the
    /// joins and open loop headers there. The front end answers for the
    /// code not built yet (the rest of a loop that branches back); the
    /// builder checks the code built so far.
    pub fn use_var_unchanged_since(&mut self, var: Variable, since: Mark) -> Value {
        assert!(
            !self.written_since(var, since),
            "variable {} was written since the mark",
            var.0
        );
        let value = self.read_var(var, since.block);
        let block = self.current_block();
        self.set_def(block, var, value);
        value
    }

    /// Declares a variable of type `ty`.
    pub fn declare_var(&mut self, ty: Type) -> Variable {
        self.writes_of.push(Vec::new());
        self.var_types.push(ty);
        self.last_def.push((Block(u32::MAX), Value(u32::MAX)));
        Variable(self.var_types.len() as u32 - 1)
    }

    /// Sets `var` to `value` in the current block.
    pub fn def_var(&mut self, var: Variable, value: Value) {
        self.writes = self
            .writes
            .checked_add(1)
            .expect("fewer than 2^32 variable writes");
        self.writes_of[var.0 as usize].push(self.writes);
        let block = self.current_block();
        self.set_def(block, var, value);
    }

    /// Records that `var` holds `value` at the end of `block`.
    fn set_def(&mut self, block: Block, var: Variable, value: Value) {
        self.defs.insert(block, var, value);
        self.last_def[var.0 as usize] = (block, value);
    }

    /// The value of `var` at the end of `block`, if known yet.
    fn def_in(&self, block: Block, var: Variable) -> Option<Value> {
        let value = match self.last_def[var.0 as usize] {
            (last, value) if last == block => value,
            _ => self.defs.get(block, var)?,
        };
        Some(self.resolve(value))
    }

    /// What `value` stands for: itself, unless it is a dropped trivial
    /// parameter.
    fn resolve(&self, mut value: Value) -> Value {
        while let Some(&Some(replacement)) = self.replaced.get(value.index()) {
            value = replacement;
        }
        value
    }

    /// The value of `var` in the current block.
    pub fn use_var(&mut self, var: Variable) -> Value {
        let block = self.current_block();
        self.read_var(var, block)
    }

    /// The value of `var` at the end of `block`.
    ///
    /// Reading at a sealed join adds a parameter and reads the variable in
    /// every predecessor, which may reach further joins. That walk keeps its
    /// own stack of joins still waiting for arguments instead of recursing,
    /// so deeply nested control flow cannot overflow the native stack.
    fn read_var(&mut self, var: Variable, block: Block) -> Value {
        let mut pending = std::mem::take(&mut self.waiting_joins);
        let value = self.find_or_add_param(var, block, &mut pending);
        while let Some(top) = pending.last_mut() {
            let (join, position, next_edge) = (top.block, top.position, top.next_edge);
            if next_edge == self.pred_edges[join.index()].len() {
                pending.pop();
                self.drop_if_trivial(join, position);
                continue;
            }
            top.next_edge += 1;
            let pred = self.pred_edges[join.index()][next_edge].pred;
            let operand = self.find_or_add_param(var, pred, &mut pending);
            self.push_branch_arg(join, next_edge, position, operand);
        }
        self.waiting_joins = pending;
        self.resolve(value)
    }

    /// Drops parameter `position` of the sealed join `block`, whose
    /// arguments are all in, if it is trivial: if every edge passes one and
    /// the same value or the parameter itself. It is then the block's last
    /// parameter, added by the lookup that just finished, so dropping it
    /// takes the last argument off every edge in.
    fn drop_if_trivial(&mut self, block: Block, position: usize) {
        let params = &self.func.blocks[block.index()].params;
        if position + 1 != params.len() {
            return;
        }
        let param = params[position];
        let args = self.pred_edges[block.index()].iter().map(|edge| {
            let target = &self.func.insts[edge.branch.index()].targets[edge.first_slot as usize];
            self.resolve(target.args[position])
        });
        let Some(value) = passes::redundant_params::only_value(param, args) else {
            return;
        };
        self.func.blocks[block.index()].params.pop();
        for edge in &self.pred_edges[block.index()] {
            for slot in edge.slots() {
                let target = &mut self.func.insts[edge.branch.index()].targets[slot as usize];
                target.args.truncate(position);
            }
        }
        self.func.values[param.index()].def = ValueDef::Detached;
        if self.replaced.len() <= param.index() {
            self.replaced.resize(self.func.values.len(), None);
        }
        self.replaced[param.index()] = Some(value);
    }

    /// Looks for the value of `var` at the end of `block`, walking up through
    /// sealed blocks with a single predecessor (there the value is whatever
    /// the predecessor has). Where the walk stops at a join, adds a parameter
    /// for the variable; when the join is sealed, it goes on `pending` to get
    /// its arguments.
    fn find_or_add_param(
        &mut self,
        var: Variable,
        block: Block,
        pending: &mut Vec<PendingOperands>,
    ) -> Value {
        let mut chain = std::mem::take(&mut self.walked);
        chain.clear();
        let mut at = block;
        let value = loop {
            if let Some(value) = self.def_in(at, var) {
                break value;
            }
            let edges = &self.pred_edges[at.index()];
            if self.sealed[at.index()] && edges.len() == 1 {
                chain.push(at);
                at = edges[0].pred;
                continue;
            }
            if self.sealed[at.index()]
                && let Some(from) = self.unchanged_through(at, var)
            {
                chain.push(at);
                at = from;
                continue;
            }
            let ty = self.var_types[var.0 as usize];
            let param = self.func.append_block_param(at, ty);
            let position = self.func.blocks[at.index()].params.len() - 1;
            self.set_def(at, var, param);
            if self.sealed[at.index()] {
                assert!(
                    !self.pred_edges[at.index()].is_empty(),
                    "variable {} read in {at} before any definition",
                    var.0
                );
                pending.push(PendingOperands {
                    block: at,
                    position,
                    next_edge: 0,
                });
            } else {
                self.incomplete_params[at.index()].push((var, param, position));
                self.open_params += 1;
            }
            break param;
        };
        // The block the read started in goes last, so that the next read
        // there finds it in `last_def`.
        for &link in chain.iter().rev() {
            self.set_def(link, var, value);
        }
        self.walked = chain;
        value
    }

    /// Passes the value of `var` in each predecessor as the argument for
    /// `param`, at `position` among the parameters of `block`, on every edge
    /// into `block`.
    fn add_param_operands(&mut self, block: Block, var: Variable, param: Value, position: usize) {
        debug_assert_eq!(self.func.blocks[block.index()].params[position], param);
        for edge in 0..self.pred_edges[block.index()].len() {
            let pred = self.pred_edges[block.index()][edge].pred;
            let value = self.read_var(var, pred);
            self.push_branch_arg(block, edge, position, value);
        }
    }

    /// Appends `value` to the arguments of every target of incoming edge
    /// `edge` of `block`; it is the argument for parameter `position`.
    fn push_branch_arg(&mut self, block: Block, edge: usize, position: usize, value: Value) {
        let edge = &self.pred_edges[block.index()][edge];
        let branch = edge.branch;
        for slot in edge.slots() {
            let target = &mut self.func.insts[branch.index()].targets[slot as usize];
            debug_assert_eq!(target.args.len(), position);
            target.args.push(value);
        }
    }

    /// Appends an instruction with results of the given types.
    pub fn ins(&mut self, op: Op, args: impl Into<ValueList>, result_types: &[Type]) -> Inst {
        self.append(op, args, Vec::new(), result_types)
    }

    /// Appends an instruction with exactly one result and returns it.
    pub fn ins1(&mut self, op: Op, args: impl Into<ValueList>, ty: Type) -> Value {
        let inst = self.ins(op, args, &[ty]);
        self.func.insts[inst.index()].results[0]
    }

    /// An integer constant of type `ty` (bits truncated to the type).
    pub fn iconst(&mut self, ty: Type, bits: u64) -> Value {
        let bits = if ty == Type::I32 {
            bits as u32 as u64
        } else {
            bits
        };
        self.ins1(Op::Iconst(bits), Vec::new(), ty)
    }

    fn append(
        &mut self,
        op: Op,
        args: impl Into<ValueList>,
        targets: Vec<BlockCall>,
        result_types: &[Type],
    ) -> Inst {
        let block = self.current_block();
        let inst = self.func.create_inst(op, args, targets, result_types);
        let insts = &mut self.func.blocks[block.index()].insts;
        // Blocks of compiled C hold about 25 instructions: starting with
        // room for 16 saves most of the small steps a list grows by.
        if insts.capacity() == 0 {
            insts.reserve(16);
        }
        insts.push(inst);
        inst
    }

    fn branch(&mut self, op: Op, args: impl Into<ValueList>, targets: Vec<BlockCall>) -> Inst {
        let block = self.current_block();
        let inst = self.func.insts.len() as u32;
        let inst = Inst(inst);
        for (slot, target) in targets.iter().enumerate() {
            let to = target.block.index();
            assert!(!self.sealed[to], "branch to sealed {}", target.block);
            if self.last_branch_to[to] == Some(inst) {
                let edge = self.pred_edges[to].last_mut().expect("edge added above");
                edge.more_slots.push(slot as u32);
            } else {
                self.last_branch_to[to] = Some(inst);
                self.pred_edges[to].push(PredEdge {
                    pred: block,
                    branch: inst,
                    first_slot: slot as u32,
                    more_slots: Vec::new(),
                });
            }
        }
        let appended = self.append(op, args, targets, &[]);
        debug_assert_eq!(appended, inst);
        inst
    }

    /// `jump target`.
    pub fn jump(&mut self, target: BlockCall) {
        self.branch(Op::Jump, [], vec![target]);
    }

    /// `brif cond, then, else`.
    pub fn brif(&mut self, cond: Value, then: BlockCall, otherwise: BlockCall) {
        self.branch(Op::Brif, [cond], vec![then, otherwise]);
    }

    /// `br_table index, targets..., default`.
    pub fn br_table(&mut self, index: Value, mut targets: Vec<BlockCall>, default: BlockCall) {
        targets.push(default);
        self.branch(Op::BrTable, [index], targets);
    }

    /// `return values`.
    pub fn ret(&mut self, values: Vec<Value>) {
        self.append(Op::Return, values, Vec::new(), &[]);
    }

    /// `trap code`.
    pub fn trap(&mut self, code: TrapCode) {
        self.append(Op::Trap(code), Vec::new(), Vec::new(), &[]);
    }

    /// Finishes construction: every block must be sealed. Removes the block
    /// parameters that turned out trivial.
    pub fn finish(self) {
        for &block in &self.func.layout {
            assert!(self.sealed[block.index()], "{block} was never sealed");
        }
        let mut replaced = self.replaced;
        replaced.resize(self.func.values.len(), None);
        let incoming = passes::incoming_edges(self.func);
        passes::redundant_params::remove(self.func, replaced, &incoming);
    }
}

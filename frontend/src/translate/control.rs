//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, branches.
//!
//! Each wasm construct gets an *end* block whose parameters are the
//! construct's results; branches to a `block` or `if` jump there with the
//! result values as arguments. A `loop` also gets a *header* block whose
//! parameters are the loop's parameters; branches to the loop jump back to
//! it. A block is sealed (for the SSA builder) as soon as all its
//! predecessors exist: the header at the loop's `end`, the end block at the
//! construct's `end`, the arms of an `if` right away. When nothing branches
//! to the end of a `block` or `loop`, its end block is never used: the code
//! after it simply continues in the current block. Every path to an end
//! block starts where its construct began, and the SSA builder is told so
//! ([`kiln_ssa::FunctionBuilder::join_from`]): a local that the construct
//! does not write is read from before the construct, not through each of
//! its joins. With epoch interruption,
//! branches back to a loop go through an epoch check (see
//! [`super::interrupt`]).

use super::Translator;
use kiln_ssa::{Block, BlockCall, Mark, TrapCode, Type};
use wasmparser::{BlockType, Operator};

/// What kind of construct a frame is.
pub(super) enum FrameKind {
    /// `block`, and the function body itself.
    Block,
    /// `loop`; branches go to `header`.
    Loop { header: Block },
    /// `if`; `else_block` runs when the condition is zero. `params` are the
    /// values the else arm starts with; `has_else` tells if `else` was seen.
    If {
        else_block: Block,
        params: Vec<kiln_ssa::Value>,
        has_else: bool,
    },
}

/// An enclosing construct.
pub(super) struct Frame {
    kind: FrameKind,
    /// Number of values a branch to this frame carries to a loop header.
    num_params: usize,
    /// Number of results, carried by branches to the end block.
    num_results: usize,
    /// Where control continues after the construct; parameters = results.
    end: Block,
    /// Height of the operand stack below the construct's parameters.
    height: usize,
    /// Whether any branch or fallthrough reaches `end`.
    end_reachable: bool,
    /// Where the construct began: every path to `end` starts there.
    start: Mark,
}

impl Frame {
    /// The branch target of `br` to this frame and how many values it takes.
    fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.num_params),
            _ => (self.end, self.num_results),
        }
    }
}

impl Translator<'_> {
    /// The frame for the function body; its end block returns.
    pub(super) fn push_function_frame(&mut self, results: Vec<Type>) {
        let start = self.builder.mark();
        let end = self.block_with_params(&results);
        self.push_frame(FrameKind::Block, 0, &results, end, start);
    }

    fn block_with_params(&mut self, types: &[Type]) -> Block {
        let block = self.builder.create_block();
        for &ty in types {
            self.builder.append_block_param(block, ty);
        }
        block
    }

    fn block_type(&self, ty: BlockType) -> (Vec<Type>, Vec<Type>) {
        match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(ty) => (Vec::new(), vec![crate::module_env::ssa_type(ty)]),
            BlockType::FuncType(index) => {
                let ty = &self.env.types[index as usize];
                (ty.params.clone(), ty.results.clone())
            }
        }
    }

    fn frame_at_depth(&mut self, depth: u32) -> &mut Frame {
        let index = self.frames.len() - 1 - depth as usize;
        &mut self.frames[index]
    }

    /// A branch target for `br depth` with the values on top of the stack.
    /// With epoch checks, a branch back to a loop goes through a check block
    /// (see [`super::interrupt`]); [`Self::fill_epoch_checks`] fills it in
    /// after the branch is emitted.
    fn branch_to_depth(&mut self, depth: u32) -> BlockCall {
        let epochs = self.options.epoch_interruption;
        let frame = self.frame_at_depth(depth);
        let (mut block, count) = frame.branch_target();
        match frame.kind {
            FrameKind::Loop { header } if epochs => {
                block = self.back_edge_check(header, count);
            }
            FrameKind::Loop { .. } => {}
            _ => frame.end_reachable = true,
        }
        BlockCall {
            block,
            args: self.peekn(count).into(),
        }
    }

    /// Translates control operators; returns whether `op` was one.
    pub(super) fn control(&mut self, op: &Operator<'_>) -> Result<bool, String> {
        match *op {
            Operator::Unreachable => {
                self.builder.trap(TrapCode::Unreachable);
                self.reachable = false;
            }
            Operator::Block { blockty } => {
                let start = self.builder.mark();
                let (params, results) = self.block_type(blockty);
                let end = self.block_with_params(&results);
                self.push_frame(FrameKind::Block, params.len(), &results, end, start);
            }
            Operator::Loop { blockty } => {
                let start = self.builder.mark();
                let (params, results) = self.block_type(blockty);
                let header = self.block_with_params(&params);
                let args = self.popn(params.len());
                self.builder.jump(BlockCall {
                    block: header,
                    args: args.into(),
                });
                self.builder.switch_to_block(header);
                let header_params = self.builder.func.block(header).params.clone();
                self.stack.extend_from_slice(&header_params);
                let end = self.block_with_params(&results);
                self.open_loop(start);
                self.push_frame(
                    FrameKind::Loop { header },
                    params.len(),
                    &results,
                    end,
                    start,
                );
            }
            Operator::If { blockty } => {
                let start = self.builder.mark();
                let cond = self.pop();
                let (params, results) = self.block_type(blockty);
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                self.builder
                    .brif(cond, BlockCall::new(then_block), BlockCall::new(else_block));
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                let end = self.block_with_params(&results);
                let kind = FrameKind::If {
                    else_block,
                    params: self.peekn(params.len()).to_vec(),
                    has_else: false,
                };
                self.push_frame(kind, params.len(), &results, end, start);
            }
            Operator::Else => self.else_arm(),
            Operator::End => self.end(),
            Operator::Br { relative_depth } => {
                let target = self.branch_to_depth(relative_depth);
                self.builder.jump(target);
                self.fill_epoch_checks();
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let target = self.branch_to_depth(relative_depth);
                let next = self.builder.create_block();
                self.builder.brif(cond, target, BlockCall::new(next));
                self.fill_epoch_checks();
                self.builder.seal_block(next);
                self.builder.switch_to_block(next);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let mut cases = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    let depth = depth.map_err(|e| e.to_string())?;
                    cases.push(self.branch_to_depth(depth));
                }
                let default = self.branch_to_depth(targets.default());
                self.builder.br_table(index, cases, default);
                self.fill_epoch_checks();
                self.reachable = false;
            }
            Operator::Return => {
                let count = self.frames[0].num_results;
                let values = self.popn(count);
                self.return_values(values);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Opens a construct that began at `start`.
    fn push_frame(
        &mut self,
        kind: FrameKind,
        num_params: usize,
        results: &[Type],
        end: Block,
        start: Mark,
    ) {
        self.frames.push(Frame {
            kind,
            num_params,
            num_results: results.len(),
            end,
            height: self.stack.len() - num_params,
            end_reachable: false,
            start,
        });
    }

    /// Handles an operator in unreachable code: only the nesting matters,
    /// until the `else` or `end` that makes code reachable again.
    pub(super) fn unreachable_operator(&mut self, op: &Operator<'_>) -> Result<(), String> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.unreachable_depth += 1;
            }
            Operator::End if self.unreachable_depth > 0 => self.unreachable_depth -= 1,
            Operator::Else if self.unreachable_depth == 0 => self.else_arm(),
            Operator::End => self.end(),
            _ => {}
        }
        Ok(())
    }

    /// `else`: the then arm flows to the end; the else arm starts with the
    /// `if`'s parameters.
    fn else_arm(&mut self) {
        let frame = self.frames.last_mut().expect("else inside if");
        if self.reachable {
            frame.end_reachable = true;
        }
        let (end, num_results, height) = (frame.end, frame.num_results, frame.height);
        let FrameKind::If {
            else_block,
            params,
            has_else,
        } = &mut frame.kind
        else {
            unreachable!("valid wasm has `else` only in `if`");
        };
        *has_else = true;
        let else_block = *else_block;
        let params = params.clone();
        if self.reachable {
            let args = self.popn(num_results);
            self.builder.jump(BlockCall {
                block: end,
                args: args.into(),
            });
        }
        self.stack.truncate(height);
        self.stack.extend(params);
        self.builder.switch_to_block(else_block);
        self.reachable = true;
    }

    /// `end`: the construct's body flows to its end block, which becomes the
    /// current block if anything reaches it.
    fn end(&mut self) {
        let mut frame = self.frames.pop().expect("end of a construct");
        if let FrameKind::Loop { header } = frame.kind {
            self.builder.seal_block(header);
            self.close_loop();
        }
        let falls_through_only =
            self.reachable && !frame.end_reachable && !matches!(frame.kind, FrameKind::If { .. });
        if falls_through_only {
            // Nothing branches to the end: the results are on the stack and
            // the code simply goes on in the current block.
            if self.frames.is_empty() {
                let results = self.popn(frame.num_results);
                self.return_values(results);
                self.reachable = false;
            }
            return;
        }
        if self.reachable {
            let args = self.popn(frame.num_results);
            self.builder.jump(BlockCall {
                block: frame.end,
                args: args.into(),
            });
            frame.end_reachable = true;
        }
        if let FrameKind::If {
            else_block,
            params,
            has_else: false,
        } = &frame.kind
        {
            // An `if` without `else` passes its parameters through.
            self.builder.switch_to_block(*else_block);
            self.builder.jump(BlockCall {
                block: frame.end,
                args: params.as_slice().into(),
            });
            frame.end_reachable = true;
        }
        self.builder.join_from(frame.end, frame.start);
        self.builder.seal_block(frame.end);
        self.stack.truncate(frame.height);
        self.reachable = frame.end_reachable;
        if !frame.end_reachable {
            return;
        }
        self.builder.switch_to_block(frame.end);
        let results = self.builder.func.block(frame.end).params.clone();
        if self.frames.is_empty() {
            self.return_values(results.to_vec());
            self.reachable = false;
        } else {
            self.stack.extend_from_slice(&results);
        }
    }
}

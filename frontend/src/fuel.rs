//! Fuel: what each operator costs, and where the regions that pay for it begin.
//!
//! Every engine counts fuel by this module, so a program consumes the same fuel
//! on the interpreter, the SSA engine and the compiler, on every CPU and in
//! every run.
//!
//! **Cost.** [`operator_cost`]: operators that do no work of their own (`nop`,
//! `drop`, `block`, `loop`, `else`, `end`, `unreachable`, `return`) cost
//! nothing, every other operator one unit (as in Wasmtime). A call costs its
//! `call` operator; the callee's operators are counted as they run, and a host
//! function costs nothing more (it may read or set the fuel itself).
//!
//! **Regions.** Counting operator by operator would cost compiled code a
//! counter update per instruction, so fuel is paid per *region* instead: a
//! run of operators that control can enter only at its first operator and
//! that, once entered, runs to its end unless something traps. A region
//! begins at the function's entry, right after `loop` (the header, where
//! branches to the loop land), after `if` (the then arm), after `else`,
//! after `br_if` (the fall-through), and after the `end` of an `if` or of a
//! `block` that a branch targets (where paths merge). It ends where the next
//! one begins, or at `br`, `br_table`, `return` or `unreachable`; calls do not
//! end it. Code that cannot be reached belongs to no region.
//!
//! **Payment.** Before the first operator of a region runs, the region's cost
//! (the sum of its operators' costs) is taken from the fuel. If the fuel is
//! less than that, the guest traps with `out_of_fuel` before running any of
//! it, and the store's fuel is then 0. So after a call returns, the fuel it
//! consumed is exactly the sum of the costs of the operators it executed,
//! the same on every engine.
//!
//! **Where the fuel is.** Running code keeps the fuel to itself (compiled code
//! in a register) and writes it to the store's runtime record before every
//! call and every return; code that is called reads it from there. After a
//! trap other than `out_of_fuel` (or a host function's error, or a WASI
//! exit), the store's fuel is therefore what the last call or return before
//! it wrote: the work since is not counted. Every engine writes at the same
//! points, so this too is the same on every engine. (A stack overflow is the
//! exception: where it happens depends on the engine's stack.)
//!
//! [`RegionTracker`] finds the regions as a translator walks the operators;
//! [`FuelRegions`] runs it over a whole body first, for translators that
//! want each region's cost at its start.

use wasmparser::{BinaryReaderError, FunctionBody, Operator};

/// The fuel one execution of `op` costs.
pub fn operator_cost(op: &Operator<'_>) -> u64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Unreachable
        | Operator::Return => 0,
        _ => 1,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Construct {
    Function,
    Block,
    Loop,
    If,
}

/// A construct that is open at the current operator.
struct Open {
    construct: Construct,
    /// Whether control could enter the construct.
    entered: bool,
    /// Whether a reachable branch goes to the construct's end.
    targeted: bool,
    /// For an `if`: whether its `else` was seen.
    has_else: bool,
    /// For an `if` with `else`: whether the then arm falls through to the end.
    then_reaches_end: bool,
}

/// What the tracker says about one operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The fuel the operator adds to the current region: its cost, or 0
    /// when it cannot be reached.
    pub cost: u64,
    /// Whether a new region begins right after the operator.
    pub region_follows: bool,
}

/// Follows a function body operator by operator, keeping track of what can
/// be reached, and says where regions begin. A region begins at the entry.
///
/// The body must be valid; on an invalid one the answers are meaningless but
/// the tracker does not panic.
pub struct RegionTracker {
    open: Vec<Open>,
    reachable: bool,
}

impl Default for RegionTracker {
    fn default() -> RegionTracker {
        RegionTracker::new()
    }
}

impl RegionTracker {
    /// The tracker at a function's entry, where the first region begins.
    pub fn new() -> RegionTracker {
        RegionTracker {
            open: vec![Open {
                construct: Construct::Function,
                entered: true,
                targeted: false,
                has_else: false,
                then_reaches_end: false,
            }],
            reachable: true,
        }
    }

    /// Takes the next operator of the body.
    pub fn step(&mut self, op: &Operator<'_>) -> Step {
        let cost = if self.reachable { operator_cost(op) } else { 0 };
        let region_follows = match op {
            Operator::Block { .. } => self.open(Construct::Block),
            Operator::Loop { .. } => self.open(Construct::Loop),
            Operator::If { .. } => self.open(Construct::If),
            Operator::Else => self.else_arm(),
            Operator::End => self.end(),
            Operator::Br { relative_depth } => {
                self.target(*relative_depth);
                self.reachable = false;
                false
            }
            Operator::BrIf { relative_depth } => {
                self.target(*relative_depth);
                self.reachable
            }
            Operator::BrTable { targets } => {
                for depth in targets.targets().flatten() {
                    self.target(depth);
                }
                self.target(targets.default());
                self.reachable = false;
                false
            }
            Operator::Return | Operator::Unreachable => {
                self.reachable = false;
                false
            }
            _ => false,
        };
        Step {
            cost,
            region_follows,
        }
    }

    /// Opens a construct; a loop's header and an `if`'s then arm begin regions.
    fn open(&mut self, construct: Construct) -> bool {
        self.open.push(Open {
            construct,
            entered: self.reachable,
            targeted: false,
            has_else: false,
            then_reaches_end: false,
        });
        self.reachable && matches!(construct, Construct::Loop | Construct::If)
    }

    /// A reachable branch to the construct `depth` levels out.
    fn target(&mut self, depth: u32) {
        if !self.reachable {
            return;
        }
        let index = self.open.len().checked_sub(1 + depth as usize);
        if let Some(open) = index.and_then(|index| self.open.get_mut(index)) {
            open.targeted = true;
        }
    }

    /// `else`: the else arm is reachable if the `if` was.
    fn else_arm(&mut self) -> bool {
        if let Some(open) = self.open.last_mut() {
            open.has_else = true;
            open.then_reaches_end = self.reachable;
            self.reachable = open.entered;
        }
        self.reachable
    }

    /// `end`: whether anything reaches the end decides what follows. A loop's
    /// end is reached only by falling through; a block's end begins a region
    /// when a branch goes there; an `if`'s end always does.
    fn end(&mut self) -> bool {
        let Some(open) = self.open.pop() else {
            return false;
        };
        let falls_through = self.reachable;
        let (reached, region_follows) = match open.construct {
            Construct::Function => (false, false),
            Construct::Loop => (falls_through, false),
            Construct::Block => (falls_through || open.targeted, open.targeted),
            Construct::If => {
                let other_arm = if open.has_else {
                    open.then_reaches_end
                } else {
                    open.entered
                };
                let reached = falls_through || open.targeted || other_arm;
                (reached, reached)
            }
        };
        self.reachable = reached;
        region_follows
    }
}

/// The regions of one function body with their costs, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuelRegions {
    /// The cost of the region that begins at the entry.
    pub entry: u64,
    /// For every other region: the index of the operator it follows (counted
    /// from 0 in the body) and its cost.
    pub after: Vec<(u32, u64)>,
}

impl FuelRegions {
    /// Finds the regions of a valid body.
    pub fn of_body(body: &FunctionBody<'_>) -> Result<FuelRegions, BinaryReaderError> {
        let mut tracker = RegionTracker::new();
        let mut entry = 0;
        let mut after: Vec<(u32, u64)> = Vec::new();
        let mut reader = body.get_operators_reader()?;
        let mut index = 0u32;
        while !reader.eof() {
            let step = tracker.step(&reader.read()?);
            match after.last_mut() {
                Some((_, cost)) => *cost += step.cost,
                None => entry += step.cost,
            }
            if step.region_follows {
                after.push((index, 0));
            }
            index += 1;
        }
        Ok(FuelRegions { entry, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regions of the only function of a module in text form.
    fn regions(wat: &str) -> FuelRegions {
        let wasm = wat::parse_str(wat).expect("valid text");
        let mut regions = None;
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid module") {
                regions = Some(FuelRegions::of_body(&body).expect("valid body"));
            }
        }
        regions.expect("one function")
    }

    #[test]
    fn straight_line_code_is_one_region() {
        let found = regions("(module (func (result i32) nop i32.const 1 i32.const 2 i32.add))");
        assert_eq!(found.entry, 3);
        assert!(found.after.is_empty());
    }

    #[test]
    fn if_arms_and_the_merge_begin_regions() {
        // 0 local.get, 1 if, 2 nop, 3 end, 4 i32.const, 5 end
        let found = regions(
            "(module (func (param i32) (result i32)
                local.get 0 if nop end i32.const 1))",
        );
        assert_eq!(found.entry, 2);
        assert_eq!(found.after, [(1, 0), (3, 1)]);
    }

    #[test]
    fn branch_targets_begin_regions_and_dead_code_costs_nothing() {
        // 0 block, 1 block, 2 local.get, 3 br_table, 4 end, 5 i32.const,
        // 6 drop, 7 end, 8 end
        let found = regions(
            "(module (func (param i32)
                block block local.get 0 br_table 0 1 end i32.const 1 drop end))",
        );
        assert_eq!(found.entry, 2);
        assert_eq!(found.after, [(4, 1), (7, 0)]);
    }

    #[test]
    fn a_branch_the_validator_thinks_reachable_but_is_not_targets_nothing() {
        // After `block $y return end` nothing runs, though the validator
        // considers the `br_if $x` reachable; so the end of $x merges
        // nothing and begins no region.
        // 0 block $x, 1 block $z, 2 local.get, 3 br_if $z, 4 block $y,
        // 5 return, 6 end, 7 i32.const, 8 br_if $x, 9 end $z, 10 nop,
        // 11 end $x, 12 i32.const, 13 drop, 14 end
        let found = regions(
            "(module (func (param i32)
                block $x
                  block $z
                    local.get 0
                    br_if $z
                    block $y return end
                    i32.const 1
                    br_if $x
                  end
                  nop
                end
                i32.const 5
                drop))",
        );
        assert_eq!(found.entry, 2);
        assert_eq!(found.after, [(3, 0), (9, 1)]);
    }

    #[test]
    fn loop_headers_begin_regions_and_loop_ends_do_not() {
        // 0 loop, 1 local.get, 2 br_if, 3 end, 4 i32.const, 5 drop, 6 end
        let found = regions(
            "(module (func (param i32)
                loop local.get 0 br_if 0 end i32.const 1 drop))",
        );
        assert_eq!(found.entry, 0);
        assert_eq!(found.after, [(0, 2), (2, 1)]);
    }
}

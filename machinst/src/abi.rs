//! Where arguments and results travel: the location algorithm every kiln
//! calling convention shares, parametrized by the ISA's register lists.
//!
//! Arguments take the next free register of their class (integer or
//! float) while the class's argument registers last, then the next 8-byte
//! slot of the stack argument area, in parameter order. Results take the
//! next result register of their class, then the next 8-byte slot of the
//! result area, which the caller reserves right after its stack arguments.

use kiln_regalloc::{PReg, RegClass};
use kiln_ssa::Type;

/// The register lists of one calling convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallConv {
    /// Integer argument registers, in order.
    pub int_args: &'static [PReg],
    /// Float argument registers, in order.
    pub float_args: &'static [PReg],
    /// Integer result registers, in order.
    pub int_results: &'static [PReg],
    /// Float result registers, in order.
    pub float_results: &'static [PReg],
}

/// Where one argument or result travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In a register.
    Reg(PReg),
    /// In the stack argument area (or the result area, for results), at
    /// this 8-byte slot.
    Stack(u32),
}

/// The register class of values of type `ty`.
pub fn class_of(ty: Type) -> RegClass {
    if ty.is_float() {
        RegClass::Float
    } else {
        RegClass::Int
    }
}

/// The number of stack slots among `locations`.
pub fn stack_slots(locations: &[Location]) -> u32 {
    locations
        .iter()
        .filter(|loc| matches!(loc, Location::Stack(_)))
        .count() as u32
}

/// Assigns registers from `int` and `float` while they last, stack slots
/// after.
fn assign(types: &[Type], int: &[PReg], float: &[PReg]) -> Vec<Location> {
    let (mut ints, mut floats, mut stack) = (0, 0, 0);
    types
        .iter()
        .map(|&ty| {
            let (regs, used) = match class_of(ty) {
                RegClass::Int => (int, &mut ints),
                RegClass::Float => (float, &mut floats),
            };
            match regs.get(*used) {
                Some(&reg) => {
                    *used += 1;
                    Location::Reg(reg)
                }
                None => {
                    stack += 1;
                    Location::Stack(stack - 1)
                }
            }
        })
        .collect()
}

impl CallConv {
    /// The locations of the parameters of a function with these types
    /// (the hidden `vmctx`, when there is one, included, first).
    pub fn param_locations(&self, params: &[Type]) -> Vec<Location> {
        assign(params, self.int_args, self.float_args)
    }

    /// The locations of results of these types: registers while they last,
    /// then slots of the result area (`Location::Stack(j)` is its `j`-th
    /// slot).
    pub fn result_locations(&self, results: &[Type]) -> Vec<Location> {
        assign(results, self.int_results, self.float_results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn int(n: u8) -> PReg {
        PReg::new(n, RegClass::Int)
    }

    const fn float(n: u8) -> PReg {
        PReg::new(n, RegClass::Float)
    }

    /// A convention with few registers, so that both lists run out.
    const SMALL: CallConv = CallConv {
        int_args: &[int(7), int(6)],
        float_args: &[float(0)],
        int_results: &[int(0)],
        float_results: &[float(0), float(1)],
    };

    #[test]
    fn arguments_take_registers_of_their_class_then_stack_slots_in_order() {
        let types = [
            Type::I64,
            Type::F64,
            Type::I32,
            Type::F32,
            Type::I64,
            Type::F64,
        ];
        assert_eq!(
            SMALL.param_locations(&types),
            [
                Location::Reg(int(7)),
                Location::Reg(float(0)),
                Location::Reg(int(6)),
                Location::Stack(0),
                Location::Stack(1),
                Location::Stack(2),
            ]
        );
    }

    #[test]
    fn results_beyond_the_registers_go_to_the_result_area() {
        let types = [Type::F32, Type::I32, Type::I64, Type::F64, Type::F64];
        let locations = SMALL.result_locations(&types);
        assert_eq!(
            locations,
            [
                Location::Reg(float(0)),
                Location::Reg(int(0)),
                Location::Stack(0),
                Location::Reg(float(1)),
                Location::Stack(1),
            ]
        );
        assert_eq!(stack_slots(&locations), 2);
    }

    #[test]
    fn a_convention_without_float_registers_passes_floats_on_the_stack() {
        let ints_only = CallConv {
            float_args: &[],
            ..SMALL
        };
        assert_eq!(
            ints_only.param_locations(&[Type::F64, Type::I32]),
            [Location::Stack(0), Location::Reg(int(7))]
        );
    }
}

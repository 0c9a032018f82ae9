//! `kiln-isa-amd64`: kiln's x86-64 backend.
//!
//! A function goes through:
//!
//! 1. `lower`: SSA to machine instructions (`inst`) on virtual
//!    registers, by pattern matching on the use-def graph, through the
//!    shared lowering driver of `kiln-machinst` into its `VCode`;
//! 2. `kiln_regalloc::allocate`: registers, spills and moves;
//! 3. `emit`: prologue, instructions, edits and trap stubs, through the
//!    shared emission driver and the assembler ([`encode`]) into a
//!    [`CompiledFunction`](kiln_ssa::target::CompiledFunction).
//!
//! Only what is true of x86-64 lives here: the instructions, their
//! selection and encoding, the registers (`regs`, `abi`), the frame's
//! prologue and epilogue, trap stubs, and the [`trampolines`] that connect
//! compiled code to the engine. The README gives the x86-64 side of the
//! contract with the engine; `kiln-machinst`'s README gives the rest.

#![warn(missing_docs)]

mod abi;
mod backend;
mod emit;
pub mod encode;
mod inst;
mod lower;
pub mod regs;
pub mod trampolines;

pub use backend::{Amd64Backend, Listing};
pub use trampolines::{entry_trampoline, host_exit_trampoline};

/// Optional instructions the backend may use, found at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// SSE4.1 (`roundss`/`roundsd`).
    pub sse41: bool,
    /// `popcnt`.
    pub popcnt: bool,
    /// `lzcnt` (ABM).
    pub lzcnt: bool,
    /// BMI1 (`tzcnt`).
    pub bmi1: bool,
}

impl Features {
    /// The features of the CPU this process runs on; only the baseline
    /// when it is not an x86-64 CPU (the code can be generated there, not
    /// run).
    pub fn detect() -> Features {
        #[cfg(target_arch = "x86_64")]
        return Features {
            sse41: std::arch::is_x86_feature_detected!("sse4.1"),
            popcnt: std::arch::is_x86_feature_detected!("popcnt"),
            lzcnt: std::arch::is_x86_feature_detected!("lzcnt"),
            bmi1: std::arch::is_x86_feature_detected!("bmi1"),
        };
        #[cfg(not(target_arch = "x86_64"))]
        Features::baseline()
    }

    /// The names of the features that are on, as
    /// `std::arch::is_x86_feature_detected!` names them.
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("sse4.1", self.sse41),
            ("popcnt", self.popcnt),
            ("lzcnt", self.lzcnt),
            ("bmi1", self.bmi1),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
    }

    /// Only what every x86-64 CPU has: the fallback sequences everywhere.
    pub fn baseline() -> Features {
        Features {
            sse41: false,
            popcnt: false,
            lzcnt: false,
            bmi1: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Features;

    #[test]
    fn features_are_named_as_the_detection_macro_names_them() {
        assert!(Features::baseline().names().is_empty());
        let all = Features {
            sse41: true,
            popcnt: true,
            lzcnt: true,
            bmi1: true,
        };
        assert_eq!(all.names(), ["sse4.1", "popcnt", "lzcnt", "bmi1"]);
        let some = Features {
            popcnt: true,
            ..Features::baseline()
        };
        assert_eq!(some.names(), ["popcnt"]);
    }
}

//! Dense ids for the things a function is made of.
//!
//! Values, blocks and instructions are plain `u32` indices into the arenas of
//! a [`Function`](crate::Function), so they are cheap to copy, hash and
//! compare, and tables keyed by them are just vectors.

use std::fmt;

macro_rules! entity {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as a vector index.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

entity!(
    /// An SSA value: a block parameter or an instruction result.
    Value,
    "v"
);
entity!(
    /// A basic block.
    Block,
    "block"
);
entity!(
    /// An instruction.
    Inst,
    "inst"
);

//! kiln's SSA intermediate representation.
//!
//! A [`Function`] is a list of blocks; each block has parameters (there are no
//! phi instructions) and ends in one terminator. Values, blocks and
//! instructions are dense ids into arenas. The crate provides:
//!
//! - the IR itself: [`types`], [`entities`], [`ops`], [`function`];
//! - [`builder`]: SSA construction from variables (Braun et al.);
//! - [`verify`](verify::verify), the text form ([`print`](mod@print) and [`parse`]);
//! - [`passes`]: the optimizations;
//! - [`interp`]: an interpreter, used to check front end and passes;
//! - [`target`]: what machine backends hand to the engine.

pub mod builder;
mod compact;
pub mod dominators;
pub mod entities;
pub mod eval;
pub mod flat_lists;
pub mod function;
mod id_hash;
pub mod interp;
mod named;
pub mod ops;
pub mod parse;
pub mod passes;
pub mod print;
pub mod target;
pub mod trap;
pub mod types;
pub mod value_list;
mod var_defs;
pub mod verify;

pub use builder::{FunctionBuilder, Mark, Variable};
pub use entities::{Block, Inst, Value};
pub use function::{BlockCall, BlockData, Function, InstData, Signature, ValueData, ValueDef};
pub use ops::{
    BinaryOp, FloatCC, HeapBounds, Helper, IntCC, LoadKind, Op, Region, StoreKind, UnaryOp,
};
pub use parse::{ParseError, parse_function, parse_functions};
pub use trap::TrapCode;
pub use types::Type;
pub use value_list::ValueList;
pub use verify::{VerifyError, verify};

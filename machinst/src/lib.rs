//! `kiln-machinst`: the machine-independent half of kiln's backends, what
//! every ISA needs and none should own.
//!
//! An ISA crate provides its instruction type ([`MachInst`]), its lowering
//! rules ([`LowerRules`]), its register lists ([`CallConv`],
//! [`FrameSpec`]), its encoder and label-use kinds ([`LabelUse`]), its
//! prologue, epilogue and trap stubs ([`EmitIsa`]), and its trampolines.
//! This crate does the rest:
//!
//! - [`lower`]: block layout (reverse post-order, a new entry, critical
//!   edges split), use counts, the per-block driver, removal of unused
//!   instructions, and flattening into a [`VCode`];
//! - [`VCode`]: the lowered function, as the register allocator reads it;
//! - [`CallConv`]: where arguments and results travel;
//! - [`MachBuffer`]: bytes, labels, label uses with ranges, veneers and
//!   islands, constants, relocations, trap sites, a listing;
//! - [`FrameLayout`] and [`emit()`]: the frame, the emission loop and the
//!   dispatch of the allocator's edits;
//! - [`runtime`]: the contract with the engine (`VmRuntime`, host-function
//!   records, helper returns, value arrays).
//!
//! `README.md` says what an ISA must provide, step by step.

#![warn(missing_docs)]

mod abi;
mod buffer;
mod emit;
mod frame;
mod inst;
mod layout;
mod lower;
pub mod runtime;
mod vcode;

pub use abi::{CallConv, Location, class_of, stack_slots};
pub use buffer::{JumpTemplate, Label, LabelUse, MachBuffer};
pub use emit::{EditSink, EmitCtx, EmitIsa, dispatch_edit, emit};
pub use frame::{FrameLayout, FrameSpec};
pub use inst::MachInst;
pub use layout::{BlockLayout, BlockOrigin};
pub use lower::{CallOperands, LowerCtx, LowerRules, Operands, ReturnOperands, lower};
pub use vcode::{ControlFlow, MachBlock, VCode};

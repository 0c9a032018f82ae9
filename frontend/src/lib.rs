//! Translates WebAssembly function bodies into kiln SSA.
//!
//! - [`ModuleEnv`]: the plain facts about the module a body needs;
//! - [`VmLayout`]: the layout of the per-instance context compiled code reads;
//! - [`translate_function`]: one body in, one [`kiln_ssa::Function`] out
//!   (it passes the SSA verifier). Functions are independent, so a module's
//!   bodies can be translated in parallel;
//! - [`Options`]: fuel, epoch checks and canonical NaNs, which an embedder
//!   may ask for ([`translate_function_with_options`]);
//! - [`translate_and_validate`]: the same for a body not yet validated,
//!   checked operator by operator as it is translated;
//! - [`fuel`] and [`nans`]: the rules for both that every engine follows,
//!   the interpreter included.

pub mod fuel;
mod module_env;
pub mod nans;
mod options;
mod translate;
mod vmctx;

pub use module_env::{FuncType, GlobalDesc, MemoryDesc, ModuleEnv, TableDesc, ssa_type};
pub use options::Options;
pub use translate::{
    TranslateError, translate_and_validate, translate_function, translate_function_with_options,
};
pub use vmctx::VmLayout;

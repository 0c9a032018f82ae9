//! Translates WebAssembly function bodies into kiln SSA.
//!
//! - [`ModuleEnv`]: the plain facts about the module a body needs;
//! - [`VmLayout`]: the layout of the per-instance context compiled code reads;
//! - [`translate_function`]: one body in, one [`kiln_ssa::Function`] out
//!   (it passes the SSA verifier). Functions are independent, so a module's
//!   bodies can be translated in parallel.

mod module_env;
mod translate;
mod vmctx;

pub use module_env::{FuncType, GlobalDesc, MemoryDesc, ModuleEnv, TableDesc, ssa_type};
pub use translate::{TranslateError, translate_function};
pub use vmctx::VmLayout;

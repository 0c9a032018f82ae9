//! kiln: an embeddable WebAssembly runtime.
//!
//! Load a [`Module`], give it a [`Store`] to live in, satisfy its imports with a
//! [`Linker`], and call its exports:
//!
//! ```
//! # fn main() -> kiln::Result<()> {
//! use kiln::{Engine, Linker, Module, Store};
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (func (export "add") (param i32 i32) (result i32)
//!         (i32.add (local.get 0) (local.get 1))))"#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
//! let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
//! assert_eq!(add.call(&mut store, (2, 40))?, 42);
//! # Ok(()) }
//! ```
//!
//! Wasm 2.0 is supported except SIMD. How code runs is the engine's
//! [`Strategy`]: native code from kiln's own compiler (the default on x86-64 and AArch64),
//! the reference interpreter (the default elsewhere, and the definition of
//! correct behaviour), or the SSA engine, which tests the compiler's front end.
//! WASI preview 1 programs run through [`wasi`].
//!
//! A compiled module can be kept: [`Module::serialize`] gives an artifact
//! that [`Module::deserialize`] or [`Module::deserialize_file`] (which maps
//! the code from the file) loads in a few milliseconds, without compiling
//! again, into an engine of the same configuration on a CPU with the
//! features the code uses. Loading machine code trusts it, so those two are
//! `unsafe`: see their documentation.

mod call;
mod code;
mod config;
mod error;
mod extern_;
mod func;
mod huge_pages;
mod instance;
mod instance_pre;
mod interp;
mod limits;
mod linker;
mod module;
mod runtime;
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod signals;
mod ssa_tier;
mod store;
mod types;
mod values;
pub mod wasi;

pub use config::{Config, Engine, Strategy};
pub use error::{Error, FrameInfo, Result, Trap, TrapCode};
pub use extern_::{Extern, Global, Memory, Table};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use huge_pages::HugePageAlloc;
pub use instance::Instance;
pub use instance_pre::InstancePre;
pub use limits::StoreLimits;
pub use linker::Linker;
pub use module::{CompileStats, ExportType, ImportType, Module};
pub use store::{AsContext, AsContextMut, Store, UpdateDeadline};
pub use types::{
    ExternType, FuncType, GlobalType, Limits, MemoryType, Mutability, RefType, TableType, ValType,
};
pub use values::{ExternRef, Val};

//! `VmLayout`: where compiled code finds the instance.
//!
//! Every compiled function receives a pointer to its instance's context, the
//! `vmctx`, as a hidden first argument. The context is a flat record whose
//! layout depends only on how many memories, tables, globals, imported
//! functions and types the module has. The front end emits loads at these
//! offsets; the engine allocates each instance's context by the same layout.
//!
//! ```text
//! offset 0                   pointer (u64) to the store's runtime record, whose
//!                              first field is the stack limit (lowest stack
//!                              pointer allowed); see below for its fuel and
//!                              epoch fields
//! offset 8                   the epoch flag (u64): non-zero when the engine's
//!                              epoch may have reached the store's deadline;
//!                              other threads write it
//! memories      16 bytes each  defined: VmMemory { base: u64, length: u64 (bytes) }
//!                              imported: pointer (u64) to the owner's VmMemory,
//!                              then a copy of its base (u64), which never
//!                              moves: an access loads it in one step
//! tables        16 bytes each  defined: VmTable { base: u64, length: u32 (elements) }
//!                              imported: pointer (u64) to the owner's VmTable
//! globals       16 bytes each  defined: the value, little-endian
//!                              imported: pointer (u64) to the owner's value
//! imported functions 16 bytes  { code: u64, vmctx: u64 }
//! type ids      4 bytes each   u32 id of module type i, equal ids for equal
//!                              signatures across the store
//! ```
//!
//! A table element is a pointer (u64) to a [`VmFuncRef`](VmLayout::FUNCREF_CODE)
//! record `{ code: u64, vmctx: u64, type_id: u32 }`, or 0 for null. External
//! references are opaque non-zero pointers, 0 for null.
//!
//! The runtime record is the store's, shared by all its instances. With fuel
//! on, compiled code reads and writes its field `RUNTIME_FUEL` (u64, the
//! fuel left) at calls and returns.

use crate::module_env::ModuleEnv;

/// Byte offsets of everything in an instance's `vmctx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmLayout {
    memories: u32,
    tables: u32,
    globals: u32,
    imported_functions: u32,
    type_ids: u32,
    size: u32,
}

/// Size of the per-item records of memories, tables, globals and imported
/// functions.
const SLOT: u32 = 16;

impl VmLayout {
    /// Offset of the pointer (u64) to the store's runtime record, whose first
    /// field is the stack limit that function prologues check.
    pub const RUNTIME: u32 = 0;
    /// Offset of the epoch flag (u64), which other threads set when the
    /// engine's epoch may have reached the store's deadline.
    pub const EPOCH_FLAG: u32 = 8;
    /// In the runtime record: the fuel left (u64).
    pub const RUNTIME_FUEL: u32 = 48;
    /// In a memory record: the base address (u64).
    pub const MEMORY_BASE: u32 = 0;
    /// In a memory record: the length in bytes (u64).
    pub const MEMORY_LENGTH: u32 = 8;
    /// In the slot of an imported memory, after the pointer to its record: a
    /// copy of the memory's base address (u64). A memory's base never moves,
    /// so the copy stays true, and code reaches the base with one load
    /// instead of two.
    pub const IMPORTED_MEMORY_BASE: u32 = 8;
    /// In a table record: the address of the element array (u64).
    pub const TABLE_BASE: u32 = 0;
    /// In a table record: the number of elements (u32).
    pub const TABLE_LENGTH: u32 = 8;
    /// Size of a table element (a pointer).
    pub const TABLE_ELEMENT_SIZE: u32 = 8;
    /// In an imported-function record: the code pointer (u64).
    pub const IMPORT_CODE: u32 = 0;
    /// In an imported-function record: the callee's `vmctx` (u64).
    pub const IMPORT_VMCTX: u32 = 8;
    /// In a function reference: the code pointer (u64).
    pub const FUNCREF_CODE: u32 = 0;
    /// In a function reference: the callee's `vmctx` (u64).
    pub const FUNCREF_VMCTX: u32 = 8;
    /// In a function reference: the type id of the function (u32).
    pub const FUNCREF_TYPE_ID: u32 = 16;
    /// Size of a function reference record.
    pub const FUNCREF_SIZE: u32 = 24;

    /// The layout for a module.
    pub fn new(env: &ModuleEnv) -> VmLayout {
        let count = |n: usize| n as u32;
        let memories = 16;
        let tables = memories + SLOT * count(env.memories.len());
        let globals = tables + SLOT * count(env.tables.len());
        let imported_functions = globals + SLOT * count(env.globals.len());
        let type_ids = imported_functions + SLOT * env.num_imported_functions;
        let size = (type_ids + 4 * count(env.types.len())).next_multiple_of(16);
        VmLayout {
            memories,
            tables,
            globals,
            imported_functions,
            type_ids,
            size,
        }
    }

    /// Offset of the record (or pointer, if imported) of memory `index`.
    pub fn memory(&self, index: u32) -> u32 {
        self.memories + SLOT * index
    }

    /// Offset of the record (or pointer, if imported) of table `index`.
    pub fn table(&self, index: u32) -> u32 {
        self.tables + SLOT * index
    }

    /// Offset of the value (or pointer, if imported) of global `index`.
    pub fn global(&self, index: u32) -> u32 {
        self.globals + SLOT * index
    }

    /// Offset of the record of imported function `index`.
    pub fn imported_function(&self, index: u32) -> u32 {
        self.imported_functions + SLOT * index
    }

    /// Offset of the type id of module type `index`.
    pub fn type_id(&self, index: u32) -> u32 {
        self.type_ids + 4 * index
    }

    /// Total size of the context in bytes.
    pub fn size(&self) -> u32 {
        self.size
    }
}

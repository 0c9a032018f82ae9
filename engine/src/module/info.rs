//! `ModuleInfo`: everything the runtime needs to know about a module, decoded once
//! and shared by all its instances. It holds no code; the execution tiers keep
//! their own form of each function body.

use crate::types::{FuncType, GlobalType, MemoryType, TableType};
use std::collections::HashMap;
use std::ops::Range;

/// A constant expression, as used by global initializers and segment offsets.
/// Wasm 2.0 allows exactly one instruction here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ConstExpr {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
}

/// What an import asks for.
#[derive(Clone, Debug)]
pub(crate) enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

#[derive(Clone, Debug)]
pub(crate) struct ImportInfo {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// The kind of item an export names, with its index in that kind's index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SegmentMode {
    Passive,
    Active { index: u32, offset: ConstExpr },
    Declared,
}

#[derive(Clone, Debug)]
pub(crate) struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
}

#[derive(Clone, Debug)]
pub(crate) struct DataSegment {
    pub mode: SegmentMode,
    /// Where the bytes are in the module's binary.
    pub bytes: Range<usize>,
}

/// A decoded, validated module.
#[derive(Default, Debug)]
pub(crate) struct ModuleInfo {
    pub types: Vec<FuncType>,
    pub imports: Vec<ImportInfo>,
    /// The type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    pub num_imported_globals: u32,
    /// Initializers of the globals the module defines (not imports).
    pub global_inits: Vec<ConstExpr>,
    pub exports: Vec<(String, ExportIndex)>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// Where each defined function's body is in the binary.
    pub bodies: Vec<Range<usize>>,
    pub module_name: Option<String>,
    pub func_names: HashMap<u32, String>,
}

impl ModuleInfo {
    /// The signature of function `index` (in the function index space).
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// The number of functions the module defines (not imports).
    pub fn num_defined_funcs(&self) -> u32 {
        self.funcs.len() as u32 - self.num_imported_funcs
    }
}

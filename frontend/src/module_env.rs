//! What the front end needs to know about the module around a function.
//!
//! Translating one function body needs only plain facts about the module:
//! the function types, the type of every function, the globals, tables and
//! memories and which of them are imported. [`ModuleEnv`] holds exactly
//! that. The engine fills it from its own parsed module;
//! [`ModuleEnv::from_wasm`] builds it (and collects the function bodies)
//! straight from a binary, for tests and tools.

use kiln_ssa::Type;
use wasmparser::{FunctionBody, Parser, Payload, TypeRef, ValType};

/// A function type with SSA types (references are pointers, [`Type::PTR`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuncType {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Result types.
    pub results: Vec<Type>,
}

/// A global variable of the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalDesc {
    /// Its value type.
    pub ty: Type,
    /// Whether it is imported (its `vmctx` slot then holds a pointer to it).
    pub imported: bool,
}

/// A table of the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableDesc {
    /// Whether it is imported (its `vmctx` slot then holds a pointer to it).
    pub imported: bool,
}

/// A linear memory of the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryDesc {
    /// Whether it is imported (its `vmctx` slot then holds a pointer to it).
    pub imported: bool,
    /// The minimum size in 64 KiB pages from its type. Memories never shrink,
    /// so accesses below this size need no bounds check.
    pub minimum_pages: u64,
    /// How many bytes from the memory's base either belong to the memory or
    /// fault when touched (its address-space reservation and the guard region
    /// after it), with the engine turning such a fault into a `heap_oob` trap;
    /// 0 when the engine relies on explicit bounds checks only. An access that
    /// cannot end beyond this span gets no explicit check.
    pub guarded_bytes: u64,
}

impl MemoryDesc {
    /// The minimum size in bytes.
    pub fn minimum_bytes(&self) -> u64 {
        self.minimum_pages * 65536
    }

    /// Whether every access that ends `end` bytes (static offset plus size)
    /// after a 32-bit address stays within [`guarded_bytes`](Self::guarded_bytes),
    /// so that it either succeeds or faults.
    pub fn guards(&self, end: u64) -> bool {
        u64::from(u32::MAX) + end <= self.guarded_bytes
    }
}

/// Plain facts about a module, as the front end needs them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleEnv {
    /// The type section.
    pub types: Vec<FuncType>,
    /// Type index of every function, imported functions first.
    pub functions: Vec<u32>,
    /// How many of `functions` are imported.
    pub num_imported_functions: u32,
    /// Every global, imported ones first.
    pub globals: Vec<GlobalDesc>,
    /// Every table, imported ones first.
    pub tables: Vec<TableDesc>,
    /// Every linear memory, imported ones first.
    pub memories: Vec<MemoryDesc>,
}

/// The SSA type of a wasm value type.
pub fn ssa_type(ty: ValType) -> Type {
    match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::V128 => Type::V128,
        ValType::Ref(_) => Type::PTR,
    }
}

fn func_type(ty: &wasmparser::FuncType) -> FuncType {
    FuncType {
        params: ty.params().iter().copied().map(ssa_type).collect(),
        results: ty.results().iter().copied().map(ssa_type).collect(),
    }
}

impl ModuleEnv {
    /// The type of function `func`.
    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.functions[func as usize] as usize]
    }

    /// Whether function `func` is imported.
    pub fn is_imported_function(&self, func: u32) -> bool {
        func < self.num_imported_functions
    }

    /// Reads the module facts and the function bodies (in order of the
    /// defined functions) from a wasm binary. The binary is assumed valid.
    pub fn from_wasm(wasm: &[u8]) -> wasmparser::Result<(ModuleEnv, Vec<FunctionBody<'_>>)> {
        let mut env = ModuleEnv::default();
        let mut bodies = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        env.types.push(func_type(&ty?));
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        match import?.ty {
                            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                                env.functions.push(ty);
                                env.num_imported_functions += 1;
                            }
                            TypeRef::Table(_) => env.tables.push(TableDesc { imported: true }),
                            TypeRef::Memory(memory) => env.memories.push(MemoryDesc {
                                imported: true,
                                minimum_pages: memory.initial,
                                guarded_bytes: 0,
                            }),
                            TypeRef::Global(global) => env.globals.push(GlobalDesc {
                                ty: ssa_type(global.content_type),
                                imported: true,
                            }),
                            TypeRef::Tag(_) => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        env.functions.push(ty?);
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        table?;
                        env.tables.push(TableDesc { imported: false });
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        env.memories.push(MemoryDesc {
                            imported: false,
                            minimum_pages: memory?.initial,
                            guarded_bytes: 0,
                        });
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        env.globals.push(GlobalDesc {
                            ty: ssa_type(global?.ty.content_type),
                            imported: false,
                        });
                    }
                }
                Payload::CodeSectionEntry(body) => bodies.push(body),
                _ => {}
            }
        }
        Ok((env, bodies))
    }
}

//! Decoding and validation: one pass over the binary with wasmparser's parser and
//! validator, filling in a `ModuleInfo`. Each function body is validated there
//! and then, translated for the interpreter as it is validated, or left to be
//! validated by the compiling tiers as they translate it, on their worker
//! threads ([`Bodies`]).

use super::info::{
    ConstExpr, DataSegment, ElemSegment, ExportIndex, ImportInfo, ImportKind, ModuleInfo,
    SegmentMode,
};
use crate::error::{Error, Result};
use crate::interp::{self, Code};
use crate::types::{
    FuncType, GlobalType, Limits, MemoryType, Mutability, RefType, TableType, ValType,
};
use kiln_frontend::Options;
use wasmparser::{
    ElementItems, ElementKind, ExternalKind, FuncToValidate, FuncValidator,
    FuncValidatorAllocations, KnownCustom, Name, Operator, Parser, Payload, TypeRef, ValidPayload,
    Validator, ValidatorResources, WasmFeatures,
};

/// What decoding does with each function body.
#[derive(Clone, Copy)]
pub(crate) enum Bodies<'o> {
    /// Validates it, and keeps nothing.
    Validate,
    /// Validates it and translates it for the interpreter, in one pass.
    Interpret(&'o Options),
    /// Leaves its validation to whoever translates it, with the validator
    /// that [`Deferred::validator`] makes.
    Defer,
}

/// A module decoded and validated but for the bodies that [`Bodies::Defer`]
/// left, with the interpreter's code when [`Bodies::Interpret`] asked for it.
pub(crate) struct Decoded {
    pub info: ModuleInfo,
    pub code: Vec<Code>,
    pub deferred: Deferred,
}

/// The function bodies whose validation was deferred, by defined function.
#[derive(Default)]
pub(crate) struct Deferred {
    funcs: Vec<FuncToValidate<ValidatorResources>>,
}

impl Deferred {
    /// A validator for the body of defined function `defined`, which must
    /// have been deferred, reusing `allocations`. Validators of different
    /// functions are independent, so each thread can validate its own.
    pub fn validator(
        &self,
        defined: usize,
        allocations: FuncValidatorAllocations,
    ) -> FuncValidator<ValidatorResources> {
        let func = &self.funcs[defined];
        FuncToValidate {
            resources: func.resources.clone(),
            index: func.index,
            ty: func.ty,
            features: func.features,
        }
        .into_validator(allocations)
    }
}

/// Why a module that uses SIMD is refused.
pub(crate) const SIMD_UNSUPPORTED: &str =
    "SIMD (the v128 type and its instructions) is not supported yet";

fn unsupported_if_simd(ty: wasmparser::ValType) -> Result<ValType> {
    ValType::from_wasmparser(ty).ok_or_else(|| Error::Unsupported(SIMD_UNSUPPORTED.into()))
}

fn ref_type(ty: wasmparser::RefType) -> Result<RefType> {
    RefType::from_wasmparser(ty)
        .ok_or_else(|| Error::Unsupported(format!("reference type {ty} is not supported")))
}

fn table_type(ty: &wasmparser::TableType) -> Result<TableType> {
    Ok(TableType {
        element: ref_type(ty.element_type)?,
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
    })
}

fn memory_type(ty: &wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
    }
}

fn global_type(ty: &wasmparser::GlobalType) -> Result<GlobalType> {
    Ok(GlobalType {
        content: unsupported_if_simd(ty.content_type)?,
        mutability: if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    })
}

fn func_type(ty: &wasmparser::FuncType) -> Result<FuncType> {
    let params = ty.params().iter().map(|&t| unsupported_if_simd(t));
    let results = ty.results().iter().map(|&t| unsupported_if_simd(t));
    Ok(FuncType::new(
        params.collect::<Result<Vec<_>>>()?,
        results.collect::<Result<Vec<_>>>()?,
    ))
}

/// Reads a (validated) constant expression: one instruction and `end`.
fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    let mut reader = expr.get_operators_reader();
    let value = match reader.read()? {
        Operator::I32Const { value } => ConstExpr::I32(value),
        Operator::I64Const { value } => ConstExpr::I64(value),
        Operator::F32Const { value } => ConstExpr::F32(value.bits()),
        Operator::F64Const { value } => ConstExpr::F64(value.bits()),
        Operator::RefNull { .. } => ConstExpr::RefNull,
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(function_index),
        Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(global_index),
        Operator::V128Const { .. } => return Err(Error::Unsupported(SIMD_UNSUPPORTED.into())),
        other => {
            return Err(Error::Unsupported(format!(
                "constant expression {other:?} is not supported"
            )));
        }
    };
    match reader.read()? {
        Operator::End => Ok(value),
        _ => Err(Error::Unsupported(
            "extended constant expressions are not supported".into(),
        )),
    }
}

/// The features the module is validated with: SIMD is validated as absent,
/// since no tier runs it yet (see [`unsupported_if_only_simd`]).
pub(crate) fn validated_features(features: WasmFeatures) -> WasmFeatures {
    features - WasmFeatures::SIMD
}

/// `result`, except that a module found invalid only because it uses SIMD,
/// which `features` enable, is reported as unsupported rather than invalid.
pub(crate) fn unsupported_if_only_simd<T>(
    result: Result<T>,
    bytes: &[u8],
    features: WasmFeatures,
) -> Result<T> {
    match result {
        Err(Error::InvalidModule { .. })
            if features.contains(WasmFeatures::SIMD)
                && Validator::new_with_features(features)
                    .validate_all(bytes)
                    .is_ok() =>
        {
            Err(Error::Unsupported(SIMD_UNSUPPORTED.into()))
        }
        other => other,
    }
}

/// Decodes and validates `bytes` under `features`, doing with each function
/// body what `bodies` asks.
pub(crate) fn decode(bytes: &[u8], features: WasmFeatures, bodies: Bodies<'_>) -> Result<Decoded> {
    unsupported_if_only_simd(
        decode_with(bytes, validated_features(features), bodies),
        bytes,
        features,
    )
}

fn decode_with(bytes: &[u8], features: WasmFeatures, bodies: Bodies<'_>) -> Result<Decoded> {
    let mut validator = Validator::new_with_features(features);
    let mut info = ModuleInfo::default();
    let mut code = Vec::new();
    let mut deferred = Deferred::default();
    let mut func_allocations = Default::default();
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        if let ValidPayload::Func(to_validate, body) = validator.payload(&payload)? {
            match bodies {
                Bodies::Validate => {
                    let mut func_validator = to_validate.into_validator(func_allocations);
                    func_validator.validate(&body)?;
                    func_allocations = func_validator.into_allocations();
                }
                Bodies::Interpret(options) => {
                    let func_index = info.num_imported_funcs + info.bodies.len() as u32;
                    let func_validator = to_validate.into_validator(func_allocations);
                    let (translated, allocations) =
                        interp::translate(&info, options, func_index, func_validator, &body)?;
                    func_allocations = allocations;
                    code.push(translated);
                }
                Bodies::Defer => deferred.funcs.push(to_validate),
            }
            let range = body.range();
            info.bodies.push(range.start as usize..range.end as usize);
            continue;
        }
        read_section(&mut info, payload)?;
    }
    Ok(Decoded {
        info,
        code,
        deferred,
    })
}

/// Records what one (already validated) section says about the module.
fn read_section(info: &mut ModuleInfo, payload: Payload<'_>) -> Result<()> {
    match payload {
        Payload::TypeSection(reader) => {
            for group in reader {
                for sub_type in group?.into_types() {
                    info.types.push(func_type(sub_type.unwrap_func())?);
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import?;
                let kind = match import.ty {
                    TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                        info.funcs.push(ty);
                        info.num_imported_funcs += 1;
                        ImportKind::Func(ty)
                    }
                    TypeRef::Table(ty) => {
                        let ty = table_type(&ty)?;
                        info.tables.push(ty);
                        info.num_imported_tables += 1;
                        ImportKind::Table(ty)
                    }
                    TypeRef::Memory(ty) => {
                        let ty = memory_type(&ty);
                        info.memories.push(ty);
                        info.num_imported_memories += 1;
                        ImportKind::Memory(ty)
                    }
                    TypeRef::Global(ty) => {
                        let ty = global_type(&ty)?;
                        info.globals.push(ty);
                        info.num_imported_globals += 1;
                        ImportKind::Global(ty)
                    }
                    TypeRef::Tag(_) => {
                        return Err(Error::Unsupported(
                            "exception tags are not supported".into(),
                        ));
                    }
                };
                info.imports.push(ImportInfo {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    kind,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader {
                info.funcs.push(ty?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table?;
                if !matches!(table.init, wasmparser::TableInit::RefNull) {
                    return Err(Error::Unsupported(
                        "table initializer expressions are not supported".into(),
                    ));
                }
                info.tables.push(table_type(&table.ty)?);
            }
        }
        Payload::MemorySection(reader) => {
            for memory in reader {
                info.memories.push(memory_type(&memory?));
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader {
                let global = global?;
                info.globals.push(global_type(&global.ty)?);
                info.global_inits.push(const_expr(&global.init_expr)?);
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader {
                let export = export?;
                let index = match export.kind {
                    ExternalKind::Func | ExternalKind::FuncExact => ExportIndex::Func(export.index),
                    ExternalKind::Table => ExportIndex::Table(export.index),
                    ExternalKind::Memory => ExportIndex::Memory(export.index),
                    ExternalKind::Global => ExportIndex::Global(export.index),
                    ExternalKind::Tag => {
                        return Err(Error::Unsupported(
                            "exception tags are not supported".into(),
                        ));
                    }
                };
                info.exports.push((export.name.to_string(), index));
            }
        }
        Payload::StartSection { func, .. } => info.start = Some(func),
        Payload::ElementSection(reader) => {
            for elem in reader {
                info.elems.push(elem_segment(elem?)?);
            }
        }
        Payload::DataSection(reader) => {
            for data in reader {
                let data = data?;
                let mode = match data.kind {
                    wasmparser::DataKind::Passive => SegmentMode::Passive,
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => SegmentMode::Active {
                        index: memory_index,
                        offset: const_expr(&offset_expr)?,
                    },
                };
                let end = data.range.end as usize;
                let start = end - data.data.len();
                info.datas.push(DataSegment {
                    mode,
                    bytes: start..end,
                });
            }
        }
        Payload::CustomSection(reader) => {
            if let KnownCustom::Name(names) = reader.as_known() {
                // A malformed name section does not make a module invalid: keep
                // whatever names could be read.
                for name in names.into_iter().map_while(|n| n.ok()) {
                    match name {
                        Name::Module { name, .. } => info.module_name = Some(name.to_string()),
                        Name::Function(map) => {
                            for naming in map.into_iter().map_while(|n| n.ok()) {
                                info.func_names
                                    .insert(naming.index, naming.name.to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        Payload::TagSection(_) => {
            return Err(Error::Unsupported(
                "exception tags are not supported".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

fn elem_segment(elem: wasmparser::Element<'_>) -> Result<ElemSegment> {
    let mode = match elem.kind {
        ElementKind::Passive => SegmentMode::Passive,
        ElementKind::Declared => SegmentMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => SegmentMode::Active {
            index: table_index.unwrap_or(0),
            offset: const_expr(&offset_expr)?,
        },
    };
    let items = match elem.items {
        ElementItems::Functions(reader) => reader
            .into_iter()
            .map(|f| f.map(ConstExpr::RefFunc).map_err(Error::from))
            .collect::<Result<Vec<_>>>()?,
        ElementItems::Expressions(ty, reader) => {
            let items = reader
                .into_iter()
                .map(|e| const_expr(&e?))
                .collect::<Result<Vec<_>>>()?;
            ref_type(ty)?;
            items
        }
    };
    Ok(ElemSegment { mode, items })
}

//! The module's metadata in an artifact: its [`ModuleInfo`] (types,
//! imports, exports, globals, tables, memories, segments, names) and the
//! bytes of its data segments, which become the deserialized module's
//! binary. Function bodies are not kept: the code replaces them.
//!
//! Decoding checks every index against what it indexes ([`check`]), so that
//! a module read from damaged metadata cannot make the runtime index out of
//! bounds later.

use super::codec::{Reader, Writer, corrupt};
use crate::error::Result;
use crate::module::info::{DataSegment, ElemSegment, ImportInfo};
use crate::module::{ConstExpr, ExportIndex, ImportKind, ModuleInfo, SegmentMode};
use crate::runtime::MAX_PAGES;
use crate::types::{
    FuncType, GlobalType, Limits, MemoryType, Mutability, RefType, TableType, ValType,
};

/// Value types by their tag in the encoding.
const VAL_TYPES: [ValType; 6] = [
    ValType::I32,
    ValType::I64,
    ValType::F32,
    ValType::F64,
    ValType::FuncRef,
    ValType::ExternRef,
];

/// Reference types by their tag.
const REF_TYPES: [RefType; 2] = [RefType::FuncRef, RefType::ExternRef];

/// The tag of `value` in `table`, whose entries are all different.
fn tag<T: PartialEq>(table: &[T], value: &T) -> u8 {
    table
        .iter()
        .position(|entry| entry == value)
        .expect("every value has a tag") as u8
}

fn untag<T: Copy>(table: &[T], reader: &mut Reader<'_>, what: &str) -> Result<T> {
    let tag = reader.u8()?;
    table
        .get(usize::from(tag))
        .copied()
        .ok_or_else(|| corrupt(format!("{tag} is not a {what}")))
}

/// Writes `info`, whose data segments are in `binary`, followed by the
/// bytes of its data segments, which the deserialized module's segments
/// point into.
pub(super) fn write(w: &mut Writer, info: &ModuleInfo, binary: &[u8]) {
    w.list(&info.types, write_func_type);
    w.list(&info.imports, |w, import| {
        w.str(&import.module);
        w.str(&import.name);
        match &import.kind {
            ImportKind::Func(ty) => {
                w.u8(0);
                w.u32(*ty);
            }
            ImportKind::Table(ty) => {
                w.u8(1);
                write_table_type(w, ty);
            }
            ImportKind::Memory(ty) => {
                w.u8(2);
                write_limits(w, &ty.limits);
            }
            ImportKind::Global(ty) => {
                w.u8(3);
                write_global_type(w, ty);
            }
        }
    });
    w.list(&info.funcs, |w, &ty| w.u32(ty));
    w.u32(info.num_imported_funcs);
    w.list(&info.tables, write_table_type);
    w.u32(info.num_imported_tables);
    w.list(&info.memories, |w, ty| write_limits(w, &ty.limits));
    w.u32(info.num_imported_memories);
    w.list(&info.globals, write_global_type);
    w.u32(info.num_imported_globals);
    w.list(&info.global_inits, write_const);
    w.list(&info.exports, |w, (name, index)| {
        w.str(name);
        let (kind, index) = match *index {
            ExportIndex::Func(i) => (0, i),
            ExportIndex::Table(i) => (1, i),
            ExportIndex::Memory(i) => (2, i),
            ExportIndex::Global(i) => (3, i),
        };
        w.u8(kind);
        w.u32(index);
    });
    w.option(info.start, Writer::u32);
    w.list(&info.elems, |w, segment| {
        write_mode(w, &segment.mode);
        w.list(&segment.items, write_const);
    });
    let mut data = Vec::new();
    w.list(&info.datas, |w, segment| {
        write_mode(w, &segment.mode);
        let start = data.len();
        data.extend_from_slice(&binary[segment.bytes.clone()]);
        w.usize(start);
        w.usize(data.len());
    });
    w.bytes(&data);
    w.usize(info.bodies.len());
    w.option(info.module_name.as_deref(), Writer::str);
    let mut names: Vec<(&u32, &String)> = info.func_names.iter().collect();
    names.sort_unstable();
    w.list(&names, |w, (index, name)| {
        w.u32(**index);
        w.str(name);
    });
}

/// Reads what [`write`] wrote: the module's info and the bytes its data
/// segments point into, checked with [`check`].
pub(super) fn read(r: &mut Reader<'_>) -> Result<(ModuleInfo, Box<[u8]>)> {
    let mut info = ModuleInfo {
        types: r.list(16, read_func_type)?,
        imports: r.list(17, |r| {
            let module = r.str()?.to_string();
            let name = r.str()?.to_string();
            let kind = match r.u8()? {
                0 => ImportKind::Func(r.u32()?),
                1 => ImportKind::Table(read_table_type(r)?),
                2 => ImportKind::Memory(MemoryType {
                    limits: read_limits(r)?,
                }),
                3 => ImportKind::Global(read_global_type(r)?),
                other => return Err(corrupt(format!("{other} is not an import kind"))),
            };
            Ok(ImportInfo { module, name, kind })
        })?,
        funcs: r.list(4, Reader::u32)?,
        num_imported_funcs: r.u32()?,
        tables: r.list(10, read_table_type)?,
        num_imported_tables: r.u32()?,
        memories: r.list(9, |r| {
            Ok(MemoryType {
                limits: read_limits(r)?,
            })
        })?,
        num_imported_memories: r.u32()?,
        globals: r.list(2, read_global_type)?,
        num_imported_globals: r.u32()?,
        global_inits: r.list(1, read_const)?,
        exports: r.list(13, |r| {
            let name = r.str()?.to_string();
            let index = match (r.u8()?, r.u32()?) {
                (0, i) => ExportIndex::Func(i),
                (1, i) => ExportIndex::Table(i),
                (2, i) => ExportIndex::Memory(i),
                (3, i) => ExportIndex::Global(i),
                (other, _) => return Err(corrupt(format!("{other} is not an export kind"))),
            };
            Ok((name, index))
        })?,
        start: r.option(Reader::u32)?,
        elems: r.list(9, |r| {
            Ok(ElemSegment {
                mode: read_mode(r)?,
                items: r.list(1, read_const)?,
            })
        })?,
        datas: r.list(17, |r| {
            let mode = read_mode(r)?;
            let (start, end) = (r.usize()?, r.usize()?);
            if start > end {
                return Err(corrupt("a data segment ends before it starts"));
            }
            Ok(DataSegment {
                mode,
                bytes: start..end,
            })
        })?,
        ..ModuleInfo::default()
    };
    let data: Box<[u8]> = r.bytes()?.into();
    let bodies = r.usize()?;
    if bodies > info.funcs.len() {
        return Err(corrupt("more function bodies than functions"));
    }
    info.bodies = vec![0..0; bodies];
    info.module_name = r.option(|r| r.str().map(str::to_string))?;
    info.func_names = r
        .list(12, |r| Ok((r.u32()?, r.str()?.to_string())))?
        .into_iter()
        .collect();
    check(&info, data.len())?;
    Ok((info, data))
}

/// Checks that every index in `info` is in range and that the counts agree,
/// as validation guarantees of a module decoded from wasm.
fn check(info: &ModuleInfo, data_len: usize) -> Result<()> {
    let types = info.types.len();
    let funcs = info.funcs.len();
    let count = |kind: fn(&ImportKind) -> bool| {
        info.imports
            .iter()
            .filter(|import| kind(&import.kind))
            .count()
    };
    let imported = [
        (
            count(|k| matches!(k, ImportKind::Func(_))),
            info.num_imported_funcs,
            funcs,
        ),
        (
            count(|k| matches!(k, ImportKind::Table(_))),
            info.num_imported_tables,
            info.tables.len(),
        ),
        (
            count(|k| matches!(k, ImportKind::Memory(_))),
            info.num_imported_memories,
            info.memories.len(),
        ),
        (
            count(|k| matches!(k, ImportKind::Global(_))),
            info.num_imported_globals,
            info.globals.len(),
        ),
    ];
    for (imports, recorded, total) in imported {
        if imports != recorded as usize || imports > total {
            return Err(corrupt("the import counts disagree"));
        }
    }
    let defined_funcs = funcs - info.num_imported_funcs as usize;
    let defined_globals = info.globals.len() - info.num_imported_globals as usize;
    if info.bodies.len() != defined_funcs || info.global_inits.len() != defined_globals {
        return Err(corrupt("the numbers of definitions disagree"));
    }
    let func_types_ok = info.funcs.iter().all(|&ty| (ty as usize) < types)
        && info.imports.iter().all(|import| match import.kind {
            ImportKind::Func(ty) => (ty as usize) < types,
            _ => true,
        });
    // The type of a constant, when its indices are in range.
    let const_type = |expr: &ConstExpr| match *expr {
        ConstExpr::I32(_) => Some(ValType::I32),
        ConstExpr::I64(_) => Some(ValType::I64),
        ConstExpr::F32(_) => Some(ValType::F32),
        ConstExpr::F64(_) => Some(ValType::F64),
        ConstExpr::RefNull => None,
        ConstExpr::GlobalGet(global) => info.globals.get(global as usize).map(|g| g.content),
        ConstExpr::RefFunc(func) => ((func as usize) < funcs).then_some(ValType::FuncRef),
    };
    let const_ok = |expr: &ConstExpr, ty: ValType| match expr {
        ConstExpr::RefNull => matches!(ty, ValType::FuncRef | ValType::ExternRef),
        _ => const_type(expr) == Some(ty),
    };
    let mode_ok = |mode: &SegmentMode, targets: usize| match mode {
        SegmentMode::Active { index, offset } => {
            (*index as usize) < targets && const_ok(offset, ValType::I32)
        }
        SegmentMode::Passive | SegmentMode::Declared => true,
    };
    let within = |limits: &Limits, most: u64| {
        limits.min <= most
            && limits
                .max
                .is_none_or(|max| limits.min <= max && max <= most)
    };
    let memories = info.memories.iter().map(|ty| ty.limits);
    let limits_ok = memories.clone().all(|limits| within(&limits, MAX_PAGES))
        && info
            .tables
            .iter()
            .all(|ty| within(&ty.limits, u32::MAX.into()));
    let exports_ok = info.exports.iter().all(|(_, index)| match *index {
        ExportIndex::Func(i) => (i as usize) < funcs,
        ExportIndex::Table(i) => (i as usize) < info.tables.len(),
        ExportIndex::Memory(i) => (i as usize) < info.memories.len(),
        ExportIndex::Global(i) => (i as usize) < info.globals.len(),
    });
    let defined = &info.globals[info.num_imported_globals as usize..];
    let ok = func_types_ok
        && exports_ok
        && limits_ok
        && (info.global_inits.iter().zip(defined)).all(|(init, ty)| const_ok(init, ty.content))
        && info.start.is_none_or(|start| (start as usize) < funcs)
        && info.elems.iter().all(|segment| {
            let element = match segment.mode {
                SegmentMode::Active { index, .. } => info.tables.get(index as usize),
                SegmentMode::Passive | SegmentMode::Declared => None,
            };
            let element = element.map(|table| match table.element {
                RefType::FuncRef => ValType::FuncRef,
                RefType::ExternRef => ValType::ExternRef,
            });
            let item_ok = |item: &ConstExpr| match element {
                Some(ty) => const_ok(item, ty),
                None => const_ok(item, ValType::FuncRef) || const_ok(item, ValType::ExternRef),
            };
            mode_ok(&segment.mode, info.tables.len()) && segment.items.iter().all(item_ok)
        })
        && info.datas.iter().all(|segment| {
            mode_ok(&segment.mode, info.memories.len()) && segment.bytes.end <= data_len
        });
    match ok {
        true => Ok(()),
        false => Err(corrupt("an index is out of range")),
    }
}

fn write_func_type(w: &mut Writer, ty: &FuncType) {
    let tags =
        |types: &[ValType]| -> Vec<u8> { types.iter().map(|ty| tag(&VAL_TYPES, ty)).collect() };
    w.bytes(&tags(ty.params()));
    w.bytes(&tags(ty.results()));
}

fn read_func_type(r: &mut Reader<'_>) -> Result<FuncType> {
    let types = |r: &mut Reader<'_>| -> Result<Vec<ValType>> {
        r.bytes()?
            .iter()
            .map(|&tag| {
                VAL_TYPES
                    .get(usize::from(tag))
                    .copied()
                    .ok_or_else(|| corrupt(format!("{tag} is not a value type")))
            })
            .collect()
    };
    let params = types(r)?;
    Ok(FuncType::new(params, types(r)?))
}

fn write_limits(w: &mut Writer, limits: &Limits) {
    w.u64(limits.min);
    w.option(limits.max, Writer::u64);
}

fn read_limits(r: &mut Reader<'_>) -> Result<Limits> {
    Ok(Limits {
        min: r.u64()?,
        max: r.option(Reader::u64)?,
    })
}

fn write_table_type(w: &mut Writer, ty: &TableType) {
    w.u8(tag(&REF_TYPES, &ty.element));
    write_limits(w, &ty.limits);
}

fn read_table_type(r: &mut Reader<'_>) -> Result<TableType> {
    Ok(TableType {
        element: untag(&REF_TYPES, r, "reference type")?,
        limits: read_limits(r)?,
    })
}

fn write_global_type(w: &mut Writer, ty: &GlobalType) {
    w.u8(tag(&VAL_TYPES, &ty.content));
    w.bool(ty.mutability == Mutability::Var);
}

fn read_global_type(r: &mut Reader<'_>) -> Result<GlobalType> {
    let content = untag(&VAL_TYPES, r, "value type")?;
    let mutability = match r.bool()? {
        true => Mutability::Var,
        false => Mutability::Const,
    };
    Ok(GlobalType {
        content,
        mutability,
    })
}

fn write_const(w: &mut Writer, expr: &ConstExpr) {
    let (kind, value) = match *expr {
        ConstExpr::I32(v) => (0, v as u32 as u64),
        ConstExpr::I64(v) => (1, v as u64),
        ConstExpr::F32(bits) => (2, bits.into()),
        ConstExpr::F64(bits) => (3, bits),
        ConstExpr::RefNull => (4, 0),
        ConstExpr::RefFunc(func) => (5, func.into()),
        ConstExpr::GlobalGet(global) => (6, global.into()),
    };
    w.u8(kind);
    w.u64(value);
}

fn read_const(r: &mut Reader<'_>) -> Result<ConstExpr> {
    let (kind, value) = (r.u8()?, r.u64()?);
    let small = || u32::try_from(value).map_err(|_| corrupt("a constant is out of range"));
    Ok(match kind {
        0 => ConstExpr::I32(small()? as i32),
        1 => ConstExpr::I64(value as i64),
        2 => ConstExpr::F32(small()?),
        3 => ConstExpr::F64(value),
        4 => ConstExpr::RefNull,
        5 => ConstExpr::RefFunc(small()?),
        6 => ConstExpr::GlobalGet(small()?),
        other => return Err(corrupt(format!("{other} is not a constant kind"))),
    })
}

fn write_mode(w: &mut Writer, mode: &SegmentMode) {
    match mode {
        SegmentMode::Passive => w.u8(0),
        SegmentMode::Active { index, offset } => {
            w.u8(1);
            w.u32(*index);
            write_const(w, offset);
        }
        SegmentMode::Declared => w.u8(2),
    }
}

fn read_mode(r: &mut Reader<'_>) -> Result<SegmentMode> {
    Ok(match r.u8()? {
        0 => SegmentMode::Passive,
        1 => SegmentMode::Active {
            index: r.u32()?,
            offset: read_const(r)?,
        },
        2 => SegmentMode::Declared,
        other => return Err(corrupt(format!("{other} is not a segment mode"))),
    })
}

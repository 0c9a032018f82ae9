//! Compiled-module artifacts: what [`Module::serialize`] writes and
//! [`Module::deserialize`] and [`Module::deserialize_file`] load, so that a
//! module compiled once runs later, or in another process, without being
//! compiled again.
//!
//! An artifact is one file:
//!
//! | offset | size | what |
//! | --- | --- | --- |
//! | 0 | 8 | the magic `\0kilnart` |
//! | 8 | 8 | checksum: XXH64 of every byte from offset 16 to the end |
//! | 16 | 4 | format version ([`FORMAT`]) |
//! | 20 | 4 | code alignment: the page size of the host that wrote it |
//! | 24 | 8 | metadata length (the metadata starts at offset 48) |
//! | 32 | 8 | code offset, a multiple of the code alignment |
//! | 40 | 8 | code length; the code ends the artifact |
//! | 48 | … | metadata: what the code depends on ([`compat`]), the module's description and data segments ([`info`]), where functions start, the places that hold absolute addresses and the fault table |
//! | code offset | … | the code, laid out as in executable memory, absolute addresses zeroed |
//!
//! All integers are little-endian. Because the code is page-aligned in the
//! file, [`Module::deserialize_file`] maps it from the file privately
//! (copy-on-write) and makes it executable where it is: only the pages where
//! an address is written (calls to runtime helpers) are copied.
//!
//! Loading checks, in order: the magic, the format version, the lengths, the
//! checksum, the kiln version, the ISA, CPU features and engine settings
//! ([`compat`]), then every length and index of the metadata. Any failure is
//! [`Error::Artifact`], never a panic.

mod checksum;
mod codec;
mod compat;
mod info;

use super::{CompileStats, Module, ModuleInner, image};
use crate::code::{CompiledModule, PortableCode, PortableFixup, PortableTarget};
use crate::config::{Engine, Strategy};
use crate::error::{Error, Result};
use crate::runtime::host_page_size;
use codec::{Reader, Writer, corrupt};
use compat::Compat;
use kiln_frontend::VmLayout;
use kiln_ssa::Helper;
use kiln_ssa::target::timed;
use memmap2::MmapMut;
use std::sync::Arc;

/// The first bytes of every artifact.
pub(crate) const MAGIC: [u8; 8] = *b"\0kilnart";

/// The version of the layout above and of the metadata's encoding.
const FORMAT: u32 = 1;

/// The size of the fixed header; the metadata follows it.
const HEADER: usize = 48;

/// Where the parts of an artifact are, from its header.
struct Layout {
    meta: std::ops::Range<usize>,
    code_offset: usize,
    code_len: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Checks the header and the checksum of `bytes`, a whole artifact.
fn check_header(bytes: &[u8]) -> Result<Layout> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::Artifact(
            "not a compiled kiln module (bad magic)".into(),
        ));
    }
    if bytes.len() < HEADER {
        return Err(Error::Artifact("it is truncated (no whole header)".into()));
    }
    let format = u32_at(bytes, 16);
    if format != FORMAT {
        return Err(Error::Artifact(format!(
            "it has artifact format {format}; this kiln reads format {FORMAT}"
        )));
    }
    let size = |at: usize| usize::try_from(u64_at(bytes, at)).unwrap_or(usize::MAX);
    let (meta_len, code_offset, code_len) = (size(24), size(32), size(40));
    let meta_end = HEADER.checked_add(meta_len);
    let end = code_offset.checked_add(code_len);
    match (meta_end, end) {
        (Some(meta_end), Some(end)) if meta_end <= code_offset && end == bytes.len() => {
            if checksum::xxh64(&bytes[16..]) != u64_at(bytes, 8) {
                return Err(Error::Artifact("it is corrupt (checksum mismatch)".into()));
            }
            Ok(Layout {
                meta: HEADER..meta_end,
                code_offset,
                code_len,
            })
        }
        (Some(_), Some(end)) if end > bytes.len() => Err(Error::Artifact(format!(
            "it is truncated ({} bytes of {end})",
            bytes.len()
        ))),
        _ => Err(Error::Artifact(
            "it is corrupt (inconsistent lengths)".into(),
        )),
    }
}

/// Writes the artifact of `module` (see the module documentation).
pub(super) fn serialize(module: &ModuleInner) -> Result<Vec<u8>> {
    let compiled = module.compiled.as_ref().ok_or_else(|| {
        Error::Unsupported(
            "only compiled modules can be serialized: use an engine with Strategy::Compiler".into(),
        )
    })?;
    let compat = Compat::of(&module.engine)?;
    let code = compiled.portable()?;
    let mut w = Writer::default();
    compat.write(&mut w);
    info::write(&mut w, &module.info, &module.bytes);
    write_code_tables(&mut w, &code);
    let meta = w.bytes;
    let align = host_page_size();
    let code_offset = (HEADER + meta.len()).next_multiple_of(align);
    let mut out = Vec::with_capacity(code_offset + code.code.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(align as u32).to_le_bytes());
    for value in [meta.len(), code_offset, code.code.len()] {
        out.extend_from_slice(&(value as u64).to_le_bytes());
    }
    out.extend_from_slice(&meta);
    out.resize(code_offset, 0);
    out.extend_from_slice(&code.code);
    let checksum = checksum::xxh64(&out[16..]);
    out[8..16].copy_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

fn write_code_tables(w: &mut Writer, code: &PortableCode) {
    w.list(&code.starts, |w, &start| w.usize(start));
    w.list(&code.fixups, |w, fixup| {
        w.usize(fixup.at);
        match fixup.target {
            PortableTarget::Function(index) => {
                w.u8(0);
                w.usize(index);
            }
            PortableTarget::Helper(helper) => {
                w.u8(1);
                w.str(helper.name());
            }
        }
        w.u64(fixup.addend as u64);
    });
    w.list(&code.faults, |w, sites| {
        w.list(sites, |w, &(site, stub)| {
            w.u32(site);
            w.u32(stub);
        })
    });
}

/// The code tables: function starts, fixups and fault sites.
type CodeTables = (Vec<usize>, Vec<PortableFixup>, Vec<Box<[(u32, u32)]>>);

fn read_code_tables(r: &mut Reader<'_>) -> Result<CodeTables> {
    let starts = r.list(8, Reader::usize)?;
    let fixups = r.list(17, |r| {
        let at = r.usize()?;
        let target = match r.u8()? {
            0 => PortableTarget::Function(r.usize()?),
            1 => {
                let name = r.str()?;
                PortableTarget::Helper(
                    Helper::from_name(name)
                        .ok_or_else(|| corrupt(format!("`{name}` is no runtime helper")))?,
                )
            }
            other => return Err(corrupt(format!("{other} is not a fixup kind"))),
        };
        let addend = r.u64()? as i64;
        Ok(PortableFixup { at, target, addend })
    })?;
    let faults = r.list(8, |r| {
        Ok(r.list(8, |r| Ok((r.u32()?, r.u32()?)))?.into_boxed_slice())
    })?;
    Ok((starts, fixups, faults))
}

/// Loads the artifact `bytes` for `engine`; `map_code` gives a fresh
/// private writable mapping of the code, from its offset and length.
///
/// # Safety
/// As for [`Module::deserialize`]: the artifact's code runs as it is.
pub(super) unsafe fn deserialize(
    engine: &Engine,
    bytes: &[u8],
    map_code: impl FnOnce(usize, usize) -> std::io::Result<MmapMut>,
) -> Result<Module> {
    if engine.config().get_strategy() != Strategy::Compiler {
        return Err(Error::Unsupported(
            "compiled modules load only into an engine with Strategy::Compiler".into(),
        ));
    }
    let mut stats = CompileStats::default();
    let (info, data, (starts, fixups, faults), layout) = timed(&mut stats.decode, || {
        let layout = check_header(bytes)?;
        let mut r = Reader::new(&bytes[layout.meta.clone()]);
        Compat::read(&mut r)?.check(&Compat::of(engine)?)?;
        let (info, data) = info::read(&mut r)?;
        let tables = read_code_tables(&mut r)?;
        if !r.is_empty() {
            return Err(corrupt("bytes are left after it"));
        }
        if tables.0.len() != info.bodies.len() {
            return Err(corrupt("the code does not have one entry per function"));
        }
        Ok((info, data, tables, layout))
    })?;
    let guarded = engine.memory_guarded_bytes() > 0 && !info.memories.is_empty();
    let compiled = timed(&mut stats.link, || {
        let map = map_code(layout.code_offset, layout.code_len)
            .map_err(|err| Error::Artifact(format!("cannot map its code: {err}")))?;
        // SAFETY: the caller vouches for the artifact's code; its header,
        // checksum and engine settings were checked above.
        unsafe { CompiledModule::load(map, starts, &fixups, faults, guarded) }
    })?;
    let env = crate::ssa_tier::module_env(&info, engine.memory_guarded_bytes());
    let memory_images = image::memory_images(&info, &data);
    let table_images = image::table_images(&info);
    Ok(Module {
        inner: Arc::new(ModuleInner {
            layout: VmLayout::new(&env),
            info,
            code: Vec::new(),
            ssa: None,
            compiled: Some(compiled),
            bytes: data,
            memory_images,
            table_images,
            stats,
            engine: engine.clone(),
        }),
    })
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::config::Config;

    fn engine() -> Engine {
        Engine::new(Config::new().strategy(Strategy::Compiler))
    }

    fn artifact(engine: &Engine) -> Vec<u8> {
        let module = Module::new(
            engine,
            r#"(module
                (import "env" "f" (func (param i32)))
                (memory 1) (table 2 funcref) (global (mut i64) (i64.const 7))
                (data (i32.const 8) "abc") (elem (i32.const 0) 1)
                (func (export "g") (param i32) (result i32)
                    (drop (memory.grow (local.get 0)))
                    (i32.load (local.get 0))))"#,
        )
        .unwrap();
        module.serialize().unwrap()
    }

    /// Writes the checksum of `bytes` as the artifact's.
    fn reseal(bytes: &mut [u8]) {
        let checksum = checksum::xxh64(&bytes[16..]);
        bytes[8..16].copy_from_slice(&checksum.to_le_bytes());
    }

    fn load(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        // SAFETY: nothing of the loaded module runs.
        unsafe { Module::deserialize(engine, bytes) }
    }

    #[test]
    fn an_artifact_of_another_kiln_is_refused_by_name() {
        let engine = engine();
        let mut bytes = artifact(&engine);
        let version = compat::VERSION.as_bytes();
        let at = bytes
            .windows(version.len())
            .position(|window| window == version)
            .unwrap();
        bytes[at + version.len() - 1] ^= 0x01;
        reseal(&mut bytes);
        let message = load(&engine, &bytes).unwrap_err().to_string();
        assert!(message.contains("it was compiled by kiln "), "{message}");

        let mut bytes = artifact(&engine);
        bytes[16] = 99;
        let message = load(&engine, &bytes).unwrap_err().to_string();
        assert!(message.contains("artifact format 99"), "{message}");
    }

    #[test]
    fn damaged_metadata_under_a_valid_checksum_is_an_error_not_a_panic() {
        let engine = engine();
        let bytes = artifact(&engine);
        let meta_end = HEADER + u64_at(&bytes, 24) as usize;
        for at in HEADER..meta_end {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                reseal(&mut damaged);
                let _ = load(&engine, &damaged);
            }
        }
    }
}

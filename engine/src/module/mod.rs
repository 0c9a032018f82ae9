//! `Module`: a decoded, validated and translated WebAssembly module, ready to be
//! instantiated any number of times in any store of the same engine.

mod artifact;
mod image;
mod info;
mod parse;
mod stats;

pub(crate) use image::{MemoryImage, TableImage};
pub(crate) use info::{ConstExpr, ExportIndex, ImportKind, ModuleInfo, SegmentMode};
pub(crate) use parse::{Deferred, SIMD_UNSUPPORTED};
pub use stats::CompileStats;

use crate::config::{Engine, Strategy};
use crate::error::{Error, Result};
use crate::interp::Code;
use crate::types::ExternType;
use kiln_frontend::VmLayout;
use kiln_ssa::target::timed;
use std::sync::Arc;

/// A compiled WebAssembly module.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::{Engine, ExternType, Module};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "host" "log" (func (param i32)))
///     (func (export "answer") (result i32) i32.const 42))"#)?;
/// let import = module.imports().next().unwrap();
/// assert_eq!((import.module(), import.name()), ("host", "log"));
/// let export = module.exports().next().unwrap();
/// assert_eq!(export.name(), "answer");
/// assert!(matches!(export.ty(), ExternType::Func(_)));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    pub info: ModuleInfo,
    /// With the interpreter strategy, the interpreter's code of each defined
    /// function.
    pub code: Vec<Code>,
    /// With the SSA strategy, the optimized SSA of each defined function.
    pub ssa: Option<Vec<kiln_ssa::Function>>,
    /// With the compiler strategy, the machine code of the defined functions.
    pub compiled: Option<crate::code::CompiledModule>,
    /// Where generated code finds things in an instance's context.
    pub layout: VmLayout,
    /// The module's binary, which data segments and function bodies point into.
    pub bytes: Box<[u8]>,
    /// The initial contents of the memories the module defines, when
    /// instantiation may write them as a whole (see [`image`]).
    pub memory_images: Option<Vec<MemoryImage>>,
    /// The initial elements of the tables the module defines, when
    /// instantiation may write them without running the element segments.
    pub table_images: Option<Vec<TableImage>>,
    /// How long each phase of making the module took.
    pub stats: CompileStats,
    pub engine: Engine,
}

impl ModuleInner {
    /// The machine-code entry of defined function `defined`, when compiled.
    pub fn compiled_entry(&self, defined: usize) -> Option<*const u8> {
        self.compiled.as_ref().map(|code| code.entry(defined))
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let info = &self.inner.info;
        f.debug_struct("Module")
            .field("name", &info.module_name)
            .field("imports", &info.imports.len())
            .field("exports", &info.exports.len())
            .field("functions", &info.funcs.len())
            .finish()
    }
}

impl Module {
    /// Decodes, validates and prepares a module from its binary encoding or, with
    /// the `wat` feature (on by default), from the text format.
    ///
    /// Bytes that start with the binary magic `\0asm` are binary. Others are
    /// read as text; if that fails and they do not look like text (a module
    /// in the text format starts with `(` after white space and comments),
    /// the error says that they are not a wasm binary.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(&WASM_MAGIC) {
            return Module::from_binary(engine, bytes);
        }
        #[cfg(feature = "wat")]
        match wat::parse_bytes(bytes) {
            Ok(binary) => Module::from_binary(engine, &binary),
            Err(err) if looks_like_text(bytes) => Err(Error::InvalidModule {
                message: err.to_string(),
                offset: None,
            }),
            Err(_) => Err(bad_magic(bytes)),
        }
        #[cfg(not(feature = "wat"))]
        Err(bad_magic(bytes))
    }

    /// Decodes, validates and prepares a module from its binary encoding.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        if !bytes.starts_with(&WASM_MAGIC) {
            return Err(bad_magic(bytes));
        }
        let features = engine.config().features();
        let strategy = engine.config().get_strategy();
        let options = engine.config().code_options();
        let bodies = match strategy {
            Strategy::Interpreter => parse::Bodies::Interpret(&options),
            Strategy::Ssa | Strategy::Compiler => parse::Bodies::Defer,
        };
        let mut stats = CompileStats::default();
        let decoded = timed(&mut stats.decode, || parse::decode(bytes, features, bodies))?;
        let env = crate::ssa_tier::module_env(&decoded.info, engine.memory_guarded_bytes());
        let layout = VmLayout::new(&env);
        let source = crate::ssa_tier::Source {
            info: &decoded.info,
            env: &env,
            layout: &layout,
            bytes,
            features: parse::validated_features(features),
            deferred: &decoded.deferred,
            options,
        };
        // The compiling tiers validate the bodies as they translate them, so
        // an invalid body is found here.
        let compiled = match strategy {
            Strategy::Interpreter => Ok((None, None)),
            Strategy::Ssa => {
                crate::ssa_tier::compile(&source, &mut stats).map(|ssa| (Some(ssa), None))
            }
            Strategy::Compiler => engine.backend().and_then(|backend| {
                crate::code::compile(
                    backend,
                    &source,
                    engine.config().compile_threads(),
                    &mut stats,
                )
                .map(|compiled| (None, Some(compiled)))
            }),
        };
        let (ssa, compiled) = parse::unsupported_if_only_simd(compiled, bytes, features)?;
        let memory_images = image::memory_images(&decoded.info, bytes);
        let table_images = image::table_images(&decoded.info);
        Module {
            inner: Arc::new(ModuleInner {
                info: decoded.info,
                code: decoded.code,
                ssa,
                compiled,
                layout,
                memory_images,
                table_images,
                bytes: bytes.into(),
                stats,
                engine: engine.clone(),
            }),
        }
        .in_perf_map()
    }

    /// The module, after its compiled code (if any) was added to the perf
    /// map when the engine's configuration asks for one.
    fn in_perf_map(self) -> Result<Module> {
        let inner = &self.inner;
        if let Some(compiled) = &inner.compiled
            && inner.engine.config().get_perf_map()
        {
            compiled.append_perf_map(&inner.info)?;
        }
        Ok(self)
    }

    /// Reads a module from a file: binary, or text with the `wat` feature.
    pub fn from_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|err| Error::usage(format!("cannot read {}: {err}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// Checks that `bytes` is a valid binary module that this engine can run,
    /// without keeping anything.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        if !bytes.starts_with(&WASM_MAGIC) {
            return Err(bad_magic(bytes));
        }
        parse::decode(bytes, engine.config().features(), parse::Bodies::Validate).map(|_| ())
    }

    /// The module compiled into an artifact that [`Module::deserialize`]
    /// and [`Module::deserialize_file`] load without compiling it again, in
    /// this process or another, into an engine with the same configuration
    /// on a CPU with the features the code uses.
    ///
    /// The artifact holds the machine code (page-aligned, so that
    /// [`Module::deserialize_file`] maps it from the file), the module's
    /// types, imports, exports, globals, tables, memories and segments, and
    /// what the code depends on: the version of kiln, the ISA and CPU
    /// features, and every setting of the engine that changes generated
    /// code (bounds checks and memory reservation, fuel, epochs, NaN
    /// canonicalization, wasm features), all under a checksum.
    ///
    /// Only modules of the compiler strategy have code to keep: with
    /// [`Strategy::Interpreter`] or [`Strategy::Ssa`] this is
    /// [`Error::Unsupported`], since loading a module there is compiling
    /// its wasm again (keep the `.wasm` instead).
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// # if kiln::Config::new().get_strategy() != kiln::Strategy::Compiler { return Ok(()); }
    /// use kiln::{Engine, Instance, Module, Store};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (func (export "answer") (result i32) i32.const 42))"#)?;
    /// let artifact = module.serialize()?;
    /// // SAFETY: the bytes are an artifact that `serialize` just made.
    /// let module = unsafe { Module::deserialize(&engine, &artifact)? };
    /// let mut store = Store::new(&engine, ());
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let answer = instance.get_typed_func::<(), i32>(&store, "answer")?;
    /// assert_eq!(answer.call(&mut store, ())?, 42);
    /// # Ok(()) }
    /// ```
    pub fn serialize(&self) -> Result<Vec<u8>> {
        artifact::serialize(&self.inner)
    }

    /// Loads a module from an artifact that [`Module::serialize`] made,
    /// copying its code into fresh executable memory.
    ///
    /// Bytes that are not an artifact, a truncated or damaged artifact
    /// (every byte is under a checksum), or an artifact of another version
    /// of kiln, of an engine configured otherwise or of a CPU with features
    /// this one lacks is an [`Error::Artifact`], checked before anything
    /// runs; compiling the module again gives one that loads. `engine`
    /// must use [`Strategy::Compiler`].
    ///
    /// # Safety
    ///
    /// The artifact's machine code runs as it is: the checks above catch
    /// accidents (a truncated or corrupted file, a stale cache entry, an
    /// artifact of another kiln or engine), not an artifact made to pass
    /// them. Bytes made to look like an artifact can run any code in this
    /// process. Give this function only bytes that [`Module::serialize`]
    /// wrote and that nobody could change since; never bytes from an
    /// untrusted source. Artifacts of other versions of kiln, older or
    /// newer, are refused with an error, so a cache may outlive an upgrade.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        // SAFETY: per this function's contract.
        unsafe {
            artifact::deserialize(engine, bytes, |offset, len| {
                let mut map = memmap2::MmapMut::map_anon(len)?;
                map.copy_from_slice(&bytes[offset..offset + len]);
                Ok(map)
            })
        }?
        .in_perf_map()
    }

    /// Loads a module from a file that holds an artifact of
    /// [`Module::serialize`], as [`Module::deserialize`] does, but maps the
    /// code from the file instead of copying it: the file's code pages are
    /// mapped privately and made executable where they are, and only the
    /// pages where an address must be written are copied. The whole code
    /// is copied when it is not aligned to this host's pages (an artifact
    /// written on a host with smaller pages) or, on Linux, when the file
    /// system is mounted `noexec`. Loading costs little more than reading
    /// and checking the metadata and the checksum.
    ///
    /// # Safety
    ///
    /// Everything that [`Module::deserialize`] requires, and more: the file
    /// must not change while the module (or any instance of it) lives.
    /// Pages of a file mapping that were not copied show the file as it is
    /// when they are read, so code changed in the file after the checks
    /// would run as it is.
    pub unsafe fn deserialize_file(
        engine: &Engine,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Module> {
        let path = path.as_ref();
        let cannot =
            |err: std::io::Error| Error::usage(format!("cannot read {}: {err}", path.display()));
        let file = std::fs::File::open(path).map_err(cannot)?;
        let len = file.metadata().map_err(cannot)?.len();
        if len == 0 {
            return Err(Error::Artifact("the file is empty".into()));
        }
        // SAFETY: the file stays unchanged while mapped, per this
        // function's contract.
        let whole = unsafe { memmap2::Mmap::map(&file) }.map_err(cannot)?;
        // The code is mapped from the file where it is page-aligned for
        // this host and the file system lets files be mapped executable;
        // otherwise it is copied.
        let mappable = crate::runtime::host_page_size();
        let mappable = |offset: usize| offset.is_multiple_of(mappable) && !mounted_noexec(&file);
        // SAFETY: as above; the code's mapping is private, so writing the
        // fixups changes no file.
        unsafe {
            artifact::deserialize(engine, &whole, |offset, len| {
                if mappable(offset) {
                    memmap2::MmapOptions::new()
                        .offset(offset as u64)
                        .len(len)
                        .map_copy(&file)
                } else {
                    let mut map = memmap2::MmapMut::map_anon(len)?;
                    map.copy_from_slice(&whole[offset..offset + len]);
                    Ok(map)
                }
            })
        }?
        .in_perf_map()
    }

    /// Whether `bytes` start as an artifact of [`Module::serialize`] does
    /// (its magic), as opposed to a wasm module. They may still fail to load.
    pub fn is_serialized(bytes: &[u8]) -> bool {
        bytes.starts_with(&artifact::MAGIC)
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// How long each phase of making this module took: decoding and
    /// validation, translation to SSA, the optimization passes, lowering,
    /// register allocation, emission and linking. See [`CompileStats`] for
    /// which phases each strategy runs and how parallel phases are summed.
    pub fn compile_stats(&self) -> CompileStats {
        self.inner.stats
    }

    /// How many bytes of machine code the module's functions take (with the
    /// padding that aligns each function and the veneers that reach far
    /// runtime helpers), or 0 when the engine's strategy generates no machine
    /// code.
    ///
    /// ```
    /// # fn main() -> kiln::Result<()> {
    /// let mut config = kiln::Config::new();
    /// config.strategy(kiln::Strategy::Interpreter);
    /// let interpreted = kiln::Module::new(&kiln::Engine::new(&config), "(module (func))")?;
    /// assert_eq!(interpreted.code_size(), 0);
    /// # Ok(()) }
    /// ```
    pub fn code_size(&self) -> usize {
        self.inner.compiled.as_ref().map_or(0, |code| code.size())
    }

    /// The module's name from its name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.info.module_name.as_deref()
    }

    /// What the module imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> {
        let info = &self.inner.info;
        info.imports.iter().map(move |import| ImportType {
            module: &import.module,
            name: &import.name,
            ty: info.import_type(&import.kind),
        })
    }

    /// What the module exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> {
        let info = &self.inner.info;
        info.exports.iter().map(move |(name, index)| ExportType {
            name,
            ty: info.export_type(*index),
        })
    }
}

/// Whether `file` lies on a file system mounted `noexec`, where its pages
/// cannot be made executable.
#[cfg(target_os = "linux")]
fn mounted_noexec(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `statvfs` is plain data, for which all zeros is a valid value.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open for the call and `stats` is writable.
    let status = unsafe { libc::fstatvfs(file.as_raw_fd(), &mut stats) };
    status == 0 && stats.f_flag & libc::ST_NOEXEC != 0
}

/// Elsewhere, mapping the file executable is tried (and fails with an
/// error where the file system forbids it).
#[cfg(not(target_os = "linux"))]
fn mounted_noexec(_file: &std::fs::File) -> bool {
    false
}

/// The first four bytes of every binary module.
const WASM_MAGIC: [u8; 4] = *b"\0asm";

/// The error for bytes that are not a binary module.
fn bad_magic(bytes: &[u8]) -> Error {
    if Module::is_serialized(bytes) {
        return Error::InvalidModule {
            message: "this is a compiled kiln module, not wasm: load it with Module::deserialize"
                .into(),
            offset: Some(0),
        };
    }
    let start: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Error::InvalidModule {
        message: format!(
            "not a wasm binary (bad magic: expected 00 61 73 6d, found {})",
            match start.is_empty() {
                true => "no bytes".to_string(),
                false => start.join(" "),
            }
        ),
        offset: Some(0),
    }
}

/// Whether `bytes` could be a module in the text format: UTF-8 whose first
/// character after white space and comments is `(`.
#[cfg(feature = "wat")]
fn looks_like_text(bytes: &[u8]) -> bool {
    let Ok(mut text) = std::str::from_utf8(bytes) else {
        return false;
    };
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix(";;") {
            text = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = text.strip_prefix("(;") {
            text = rest.split_once(";)").map_or("", |(_, after)| after);
        } else {
            return text.starts_with('(');
        }
    }
}

impl ModuleInfo {
    pub(crate) fn import_type(&self, kind: &ImportKind) -> ExternType {
        match kind {
            ImportKind::Func(ty) => ExternType::Func(self.types[*ty as usize].clone()),
            ImportKind::Table(ty) => ExternType::Table(*ty),
            ImportKind::Memory(ty) => ExternType::Memory(*ty),
            ImportKind::Global(ty) => ExternType::Global(*ty),
        }
    }

    pub(crate) fn export_type(&self, index: ExportIndex) -> ExternType {
        match index {
            ExportIndex::Func(i) => ExternType::Func(self.func_type(i).clone()),
            ExportIndex::Table(i) => ExternType::Table(self.tables[i as usize]),
            ExportIndex::Memory(i) => ExternType::Memory(self.memories[i as usize]),
            ExportIndex::Global(i) => ExternType::Global(self.globals[i as usize]),
        }
    }
}

/// One import of a module: where it comes from and what type it must have.
#[derive(Clone, Debug)]
pub struct ImportType<'a> {
    module: &'a str,
    name: &'a str,
    ty: ExternType,
}

impl<'a> ImportType<'a> {
    /// The module name the import is looked up under.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The item name within that module.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The type the imported item must have.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}

/// One export of a module: its name and type.
#[derive(Clone, Debug)]
pub struct ExportType<'a> {
    name: &'a str,
    ty: ExternType,
}

impl<'a> ExportType<'a> {
    /// The export's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The exported item's type.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}

//! Test support (run on AArch64 only): compiles `.wat` modules through the front end, the SSA
//! passes and the arm64 backend, links them into executable memory, and
//! runs them through the entry trampoline against a fake instance built
//! the way the engine builds one (every memory, table and global slot of
//! the `vmctx` holds a pointer to its record).

#![allow(dead_code)]

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_isa_arm64::{Arm64Backend, Listing, entry_trampoline};
use kiln_machinst::runtime::HelperReturn;
use kiln_ssa::interp::{self, InterpEnv};
use kiln_ssa::target::{Backend, CompiledFunction, RelocationKind, RelocationTarget};
use kiln_ssa::{Function, Helper, Region, Signature, TrapCode};
use memmap2::{Mmap, MmapMut};

/// The store's runtime record, as the contract lays it out (checked by
/// `execute.rs`).
#[repr(C)]
pub struct VmRuntime {
    pub stack_limit: u64,
    pub entry_sp: u64,
    pub trap_code: u32,
    pub trap_hook: extern "C" fn(*mut VmRuntime, u64, u64),
    /// The module's code, for the hook's walk (the tests' own fields).
    pub code_range: std::ops::Range<u64>,
    /// The code offsets of the frames of the last trap, innermost first.
    pub backtrace: Vec<u64>,
}

/// The trap hook: walks the frame-pointer chain from the trapping frame
/// while the return addresses lie in the module's code.
extern "C" fn record_trap(runtime: *mut VmRuntime, fp: u64, pc: u64) {
    // SAFETY: trap stubs pass the runtime record of the instance, and `fp`
    // heads a chain of live frames of compiled functions, each starting with
    // the caller's frame pointer and the return address, up to the entry
    // trampoline, whose return address lies outside the module's code.
    unsafe {
        let runtime = &mut *runtime;
        runtime.backtrace.clear();
        let (mut fp, mut pc) = (fp, pc);
        while runtime.code_range.contains(&pc) {
            runtime.backtrace.push(pc - runtime.code_range.start);
            (fp, pc) = (*(fp as *const u64), *((fp + 8) as *const u64));
        }
    }
}

/// A linear memory record.
#[repr(C)]
pub struct VmMemory {
    pub base: u64,
    pub length: u64,
}

/// `memory.grow` that always fails (returns -1).
extern "C" fn memory_grow(_vmctx: *mut u8, _memory: u32, _delta: u32) -> HelperReturn {
    HelperReturn::value(u64::from(u32::MAX))
}

/// `memory.fill` on memory 0, with the bounds check the engine does.
extern "C" fn memory_fill(
    vmctx: *mut u8,
    _memory: u32,
    dst: u32,
    byte: u32,
    len: u32,
) -> HelperReturn {
    // SAFETY: the test instance stores a valid `VmMemory` pointer in the
    // slot of memory 0 (offset 16 of the vmctx), and the memory it describes
    // is `length` bytes long; the range is checked before writing.
    unsafe {
        let memory = *(vmctx.add(16) as *const *const VmMemory);
        if u64::from(dst) + u64::from(len) > (*memory).length {
            return HelperReturn::trap(TrapCode::HeapOutOfBounds);
        }
        std::ptr::write_bytes(
            ((*memory).base as *mut u8).add(dst as usize),
            byte as u8,
            len as usize,
        );
    }
    HelperReturn::value(0)
}

fn helper_address(helper: Helper) -> u64 {
    match helper {
        Helper::MemoryGrow => memory_grow as *const () as u64,
        Helper::MemoryFill => memory_fill as *const () as u64,
        other => panic!("the tests provide no {other} helper"),
    }
}

/// Executable code with the offsets of its pieces.
pub struct Code {
    map: Mmap,
}

impl Code {
    /// Copies the functions into fresh executable memory, 16-byte aligned,
    /// followed by a veneer (`ldr x16, #8; br x16; address`) for each
    /// helper, and applies their relocations. Returns the code and each
    /// function's offset.
    pub fn link(functions: &[CompiledFunction], first_defined: u32) -> (Code, Vec<usize>) {
        let mut offsets = Vec::new();
        let mut size = 0;
        for function in functions {
            offsets.push(size);
            size = (size + function.code.len() + 15) & !15;
        }
        let helpers: Vec<Helper> = functions
            .iter()
            .flat_map(|f| &f.relocations)
            .filter_map(|r| match r.target {
                RelocationTarget::Helper(helper) => Some(helper),
                RelocationTarget::Function(_) => None,
            })
            .collect();
        let veneers_at = size;
        size += 16 * helpers.len();
        let mut map = MmapMut::map_anon(size.max(16)).expect("map code");
        let base = map.as_ptr() as u64;
        for (i, &helper) in helpers.iter().enumerate() {
            let at = veneers_at + 16 * i;
            map[at..at + 8].copy_from_slice(&[0x50, 0x00, 0x00, 0x58, 0x00, 0x02, 0x1f, 0xd6]);
            map[at + 8..at + 16].copy_from_slice(&helper_address(helper).to_le_bytes());
        }
        let mut helper_index = 0;
        for (function, &offset) in functions.iter().zip(&offsets) {
            map[offset..offset + function.code.len()].copy_from_slice(&function.code);
            for reloc in &function.relocations {
                let at = offset + reloc.offset as usize;
                let target = match reloc.target {
                    RelocationTarget::Function(index) => {
                        base + offsets[(index - first_defined) as usize] as u64
                    }
                    RelocationTarget::Helper(_) => {
                        helper_index += 1;
                        base + (veneers_at + 16 * (helper_index - 1)) as u64
                    }
                };
                assert_eq!(reloc.kind, RelocationKind::Arm64Call26);
                let delta = target
                    .wrapping_add(reloc.addend as u64)
                    .wrapping_sub(base + at as u64);
                let delta = delta as i64 >> 2;
                assert!(
                    (-(1 << 25)..1 << 25).contains(&delta),
                    "a call within 128 MiB"
                );
                let word = u32::from_le_bytes(map[at..at + 4].try_into().expect("a word"));
                let word = (word & !0x03FF_FFFF) | (delta as u32 & 0x03FF_FFFF);
                map[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
        let code = Code {
            map: map.make_exec().expect("make code executable"),
        };
        code.flush_instruction_cache();
        (code, offsets)
    }

    /// Makes the instruction fetches see the bytes just written.
    #[cfg(target_arch = "aarch64")]
    fn flush_instruction_cache(&self) {
        unsafe extern "C" {
            fn __clear_cache(begin: *mut u8, end: *mut u8);
        }
        let range = self.range();
        // SAFETY: libgcc's `__clear_cache` only maintains the caches of
        // the given range, which is this mapping.
        unsafe { __clear_cache(range.start as *mut u8, range.end as *mut u8) };
    }

    /// Other hosts only build the tests that run code.
    #[cfg(not(target_arch = "aarch64"))]
    fn flush_instruction_cache(&self) {}

    /// The addresses the code occupies.
    pub fn range(&self) -> std::ops::Range<u64> {
        let start = self.map.as_ptr() as u64;
        start..start + self.map.len() as u64
    }

    /// The address of `offset`.
    pub fn address(&self, offset: usize) -> *const u8 {
        // SAFETY: callers pass offsets inside the mapping.
        unsafe { self.map.as_ptr().add(offset) }
    }
}

/// A compiled module and a fake instance of it.
pub struct Instance {
    pub env: ModuleEnv,
    pub layout: VmLayout,
    code: Code,
    offsets: Vec<usize>,
    vmctx: Vec<u64>,
    pub runtime: Box<VmRuntime>,
    pub memory: Vec<u8>,
    memory_record: Box<VmMemory>,
    global_cells: Vec<u64>,
    /// Function references, elements and records of table 0.
    funcrefs: Vec<[u64; 3]>,
    elements: Vec<u64>,
    table_record: Box<[u64; 2]>,
    /// Trampolines and host records the instance refers to.
    extra_code: Vec<Code>,
    host_records: Vec<std::pin::Pin<Box<HostRecord>>>,
}

/// A host function as the exit trampoline calls it: (record, values,
/// caller's vmctx) -> status.
pub type HostShim = extern "C" fn(*mut HostRecord, *mut u64, *mut u8) -> u32;

/// A host-function record, as the exit trampoline reads it.
#[repr(C)]
pub struct HostRecord {
    pub runtime: *mut VmRuntime,
    pub shim: HostShim,
}

/// The guarded span of a memory in the engine's default configuration: a
/// 4 GiB reservation and a 32 MiB guard region.
pub const DEFAULT_GUARDED_BYTES: u64 = (4 << 30) + (32 << 20);

/// The module's SSA functions, optimized, ready for the backend, with an
/// explicit bounds check before every memory access.
pub fn ssa_functions(wat: &str) -> (ModuleEnv, VmLayout, Vec<Function>) {
    ssa_functions_guarded(wat, 0)
}

/// [`ssa_functions`] for memories with a guarded span of `guarded_bytes`
/// (`MemoryDesc::guarded_bytes`), whose accesses within it go unchecked.
pub fn ssa_functions_guarded(
    wat: &str,
    guarded_bytes: u64,
) -> (ModuleEnv, VmLayout, Vec<Function>) {
    let wasm = wat::parse_str(wat).expect("valid wat");
    wasmparser::Validator::new()
        .validate_all(&wasm)
        .expect("a valid module");
    let (mut env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    for memory in &mut env.memories {
        memory.imported = true;
        memory.guarded_bytes = guarded_bytes;
    }
    for table in &mut env.tables {
        table.imported = true;
    }
    for global in &mut env.globals {
        global.imported = true;
    }
    let layout = VmLayout::new(&env);
    let functions = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let index = env.num_imported_functions + i as u32;
            let mut func = translate_function(&env, &layout, index, body).expect("translate");
            kiln_ssa::passes::optimize(&mut func);
            func
        })
        .collect();
    (env, layout, functions)
}

/// Compiles every function of the module with `backend`.
pub fn compile_with(
    backend: &Arm64Backend,
    wat: &str,
) -> (ModuleEnv, VmLayout, Vec<CompiledFunction>) {
    let (env, layout, functions) = ssa_functions(wat);
    let compiled = functions
        .iter()
        .map(|func| {
            backend
                .compile(func)
                .unwrap_or_else(|e| panic!("{e}\n{func}"))
        })
        .collect();
    (env, layout, compiled)
}

impl Instance {
    /// Compiles `wat` and builds an instance with one page of memory (if
    /// the module has a memory) and zeroed globals.
    pub fn new(wat: &str) -> Instance {
        Instance::with_backend(&Arm64Backend::new(), wat)
    }

    /// Like [`Instance::new`], with a given backend.
    pub fn with_backend(backend: &Arm64Backend, wat: &str) -> Instance {
        let (env, layout, compiled) = compile_with(backend, wat);
        let (code, offsets) = Code::link(&compiled, env.num_imported_functions);
        let mut instance = Instance {
            vmctx: vec![0; layout.size() as usize / 8],
            runtime: Box::new(VmRuntime {
                stack_limit: 0,
                entry_sp: 0,
                trap_code: 0,
                trap_hook: record_trap,
                code_range: 0..0,
                backtrace: Vec::new(),
            }),
            memory: vec![0; 65536],
            memory_record: Box::new(VmMemory {
                base: 0,
                length: 65536,
            }),
            global_cells: vec![0; env.globals.len() * 2],
            funcrefs: Vec::new(),
            elements: Vec::new(),
            table_record: Box::new([0; 2]),
            extra_code: Vec::new(),
            host_records: Vec::new(),
            env,
            layout,
            code,
            offsets,
        };
        instance.memory_record.base = instance.memory.as_mut_ptr() as u64;
        instance.runtime.code_range = instance.code.range();
        instance.vmctx[0] = &mut *instance.runtime as *mut VmRuntime as u64;
        if !instance.env.memories.is_empty() {
            let slot = instance.layout.memory(0) as usize / 8;
            instance.vmctx[slot] = &mut *instance.memory_record as *mut VmMemory as u64;
            let base_copy = slot + VmLayout::IMPORTED_MEMORY_BASE as usize / 8;
            instance.vmctx[base_copy] = instance.memory_record.base;
        }
        for t in 0..instance.env.types.len() as u32 {
            let at = instance.layout.type_id(t) as usize;
            let bytes = instance.vmctx.as_mut_ptr() as *mut u8;
            // SAFETY: `type_id(t)` is inside the vmctx, which is
            // `layout.size()` bytes long.
            unsafe { (bytes.add(at) as *mut u32).write_unaligned(t) };
        }
        for g in 0..instance.env.globals.len() {
            let slot = instance.layout.global(g as u32) as usize / 8;
            instance.vmctx[slot] = instance.global_cells.as_mut_ptr().wrapping_add(2 * g) as u64;
        }
        instance
    }

    /// The wasm signature (without `vmctx`) of function `index`.
    pub fn signature(&self, index: u32) -> Signature {
        let ty = self.env.func_type(index);
        Signature {
            params: ty.params.clone(),
            results: ty.results.clone(),
        }
    }

    /// Calls function `index` with raw argument bits; returns the raw
    /// results or the trap code.
    pub fn call(&mut self, index: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let callee = self.function_address(index);
        let vmctx = self.vmctx();
        self.call_code(index, callee, vmctx, args)
    }

    /// Calls imported function `index` the way the engine calls a function
    /// reference: straight through its code and context.
    pub fn call_import(&mut self, index: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let slot = self.layout.imported_function(index) as usize / 8;
        let (code, vmctx) = (self.vmctx[slot], self.vmctx[slot + 1]);
        self.call_code(index, code as *const u8, vmctx, args)
    }

    fn call_code(
        &mut self,
        index: u32,
        callee: *const u8,
        vmctx: u64,
        args: &[u64],
    ) -> Result<Vec<u64>, TrapCode> {
        let sig = self.signature(index);
        assert_eq!(args.len(), sig.params.len(), "argument count");
        let (tramp_code, _) = Code::link(&[entry_trampoline(&sig)], 0);
        let mut values = vec![0u64; sig.params.len().max(sig.results.len()).max(1)];
        values[..args.len()].copy_from_slice(args);
        // SAFETY: the trampoline was generated for this signature by
        // `entry_trampoline`, whose contract is this C signature; the
        // callee is code for the same signature (compiled or an exit
        // trampoline) with its context; the vmctx and everything it points
        // to live as long as `self`; `values` has a slot for every argument
        // and result.
        let status = unsafe {
            let entry: extern "C" fn(*const u8, *mut u8, *mut u64) -> u32 =
                std::mem::transmute(tramp_code.address(0));
            entry(callee, vmctx as *mut u8, values.as_mut_ptr())
        };
        if status == 0 {
            values.truncate(sig.results.len());
            Ok(values)
        } else {
            Err(TrapCode::ALL[status as usize - 1])
        }
    }

    /// The functions of the last trap's backtrace, innermost first.
    pub fn trap_backtrace(&self) -> Vec<u32> {
        let first = self.env.num_imported_functions;
        self.runtime
            .backtrace
            .iter()
            .map(|&offset| {
                let defined = self
                    .offsets
                    .iter()
                    .rposition(|&start| start as u64 <= offset);
                first + defined.expect("an offset in the module's code") as u32
            })
            .collect()
    }

    /// The entry of defined function `index`.
    pub fn function_address(&self, index: u32) -> *const u8 {
        self.code
            .address(self.offsets[(index - self.env.num_imported_functions) as usize])
    }

    /// Fills table 0 with references to the given functions (or null).
    pub fn set_table(&mut self, entries: &[Option<u32>]) {
        let vmctx = self.vmctx.as_mut_ptr() as u64;
        self.funcrefs = entries
            .iter()
            .map(|entry| match entry {
                Some(f) => [
                    self.function_address(*f) as u64,
                    vmctx,
                    u64::from(self.env.functions[*f as usize]),
                ],
                None => [0; 3],
            })
            .collect();
        self.elements = entries
            .iter()
            .zip(&self.funcrefs)
            .map(|(entry, record)| {
                if entry.is_some() {
                    record.as_ptr() as u64
                } else {
                    0
                }
            })
            .collect();
        *self.table_record = [self.elements.as_ptr() as u64, entries.len() as u64];
        let slot = self.layout.table(0) as usize / 8;
        self.vmctx[slot] = self.table_record.as_ptr() as u64;
    }

    /// Makes imported function `index` a host function served by `shim`,
    /// through an exit trampoline.
    pub fn import_host(&mut self, index: u32, shim: HostShim) {
        let trampoline = kiln_isa_arm64::host_exit_trampoline(&self.signature(index));
        let (code, _) = Code::link(&[trampoline], 0);
        let mut record = Box::pin(HostRecord {
            runtime: &mut *self.runtime,
            shim,
        });
        let slot = self.layout.imported_function(index) as usize / 8;
        self.vmctx[slot] = code.address(0) as u64;
        self.vmctx[slot + 1] = &mut *record as *mut HostRecord as u64;
        self.extra_code.push(code);
        self.host_records.push(record);
    }

    /// Makes imported function `index` the defined function `target` of the
    /// same instance.
    pub fn import_wasm(&mut self, index: u32, target: u32) {
        let slot = self.layout.imported_function(index) as usize / 8;
        self.vmctx[slot] = self.function_address(target) as u64;
        self.vmctx[slot + 1] = self.vmctx.as_mut_ptr() as u64;
    }

    /// The bytes of the module's code.
    pub fn code_size(&self) -> usize {
        let range = self.code.range();
        (range.end - range.start) as usize
    }

    /// The instance context, as compiled code receives it.
    pub fn vmctx(&mut self) -> u64 {
        self.vmctx.as_mut_ptr() as u64
    }

    /// The raw bits of global `index`.
    pub fn global(&self, index: usize) -> u64 {
        self.global_cells[2 * index]
    }
}

/// The SSA interpreter's view of a test instance: raw host addresses and
/// calls to the module's own functions.
pub struct HostWorld<'a> {
    /// The module's SSA functions, defined ones only.
    pub functions: &'a [Function],
    /// The index of the first defined function.
    pub first_defined: u32,
}

impl InterpEnv for HostWorld<'_> {
    type Error = TrapCode;

    fn load(&mut self, _: Region, address: u64, size: u32) -> Result<u64, TrapCode> {
        let mut bytes = [0u8; 8];
        // SAFETY: the SSA computes addresses inside the test instance (its
        // vmctx, records and memory, all alive for the run) and checks heap
        // accesses against the memory length before making them.
        unsafe {
            std::ptr::copy_nonoverlapping(address as *const u8, bytes.as_mut_ptr(), size as usize)
        };
        Ok(u64::from_le_bytes(bytes))
    }

    fn store(&mut self, _: Region, address: u64, size: u32, bits: u64) -> Result<(), TrapCode> {
        // SAFETY: as for `load`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bits.to_le_bytes().as_ptr(),
                address as *mut u8,
                size as usize,
            )
        };
        Ok(())
    }

    fn call(&mut self, func: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let functions = self.functions;
        interp::run(&functions[(func - self.first_defined) as usize], self, args)
    }

    fn call_indirect(&mut self, _: u64, _: u32, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        unreachable!("the test programs make no indirect calls")
    }

    fn call_helper(&mut self, helper: Helper, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        unreachable!("the test programs call no {helper}")
    }
}

/// The listing of the last function of `wat`, whose memories have a
/// guarded span of `guarded_bytes`.
pub fn listing_guarded(wat: &str, guarded_bytes: u64) -> Listing {
    let (_, _, functions) = ssa_functions_guarded(wat, guarded_bytes);
    let func = functions.last().expect("a function");
    let (_, listing) = Arm64Backend::new()
        .compile_with_listing(func)
        .unwrap_or_else(|e| panic!("{e}\n{func}"));
    listing
}

/// The listing of the last function of `wat` with guard pages, the
/// engine's default.
pub fn listing(wat: &str) -> Listing {
    listing_guarded(wat, DEFAULT_GUARDED_BYTES)
}

/// The code of the last function of `wat`, with guard pages.
pub fn compile(wat: &str) -> CompiledFunction {
    let (_, _, functions) = ssa_functions_guarded(wat, DEFAULT_GUARDED_BYTES);
    let func = functions.last().expect("a function");
    Arm64Backend::new()
        .compile(func)
        .unwrap_or_else(|e| panic!("{e}\n{func}"))
}

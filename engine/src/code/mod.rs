//! The compiler tier (`Strategy::Compiler`): machine code for every function of
//! a module, made when the module is created, and everything the engine needs
//! to run it: executable memory ([`memory`]), the runtime helpers compiled code
//! calls ([`runtime`]), trampolines between Rust and compiled code
//! ([`trampolines`]), host functions called from compiled code ([`host`]), and
//! the way in ([`enter`]). [`portable`] gives a module's code in a form that
//! compiled-module artifacts store, and maps it back.
//!
//! The engine reaches the backend only through `kiln_ssa::target::Backend`,
//! chosen for the CPU by [`target`]; on a CPU without a backend the compiler
//! strategy reports [`Error::Unsupported`]. Compiled code and the engine call
//! each other as `extern "C"` functions, following the contract of
//! `kiln_machinst::runtime`.

mod backtrace;
mod enter;
mod faults;
mod host;
mod memory;
mod perf_map;
mod portable;
mod runtime;
mod target;
mod trampolines;

pub(crate) use enter::{call, runtime_record};
pub(crate) use portable::{PortableCode, PortableFixup, PortableTarget};
pub(crate) use target::{has_native_backend, native_backend};
pub(crate) use trampolines::{HostRecords, TrampolineCache, prepare_host_function};

use crate::error::{Error, Result};
use crate::module::CompileStats;
use crate::ssa_tier::Source;
use faults::FaultTable;
use kiln_ssa::target::{Backend, BackendStats, CompiledFunction, RelocationTarget, timed};
use memory::{CodeMemory, Target};
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmparser::FuncValidatorAllocations;

/// A module's functions in executable memory.
pub(crate) struct CompiledModule {
    memory: CodeMemory,
    /// Where each function resumes after a fault at one of its accesses.
    faults: FaultTable,
}

impl CompiledModule {
    /// The entry of the module's `defined`th function.
    pub fn entry(&self, defined: usize) -> *const u8 {
        self.memory.function(defined)
    }

    /// Bytes of machine code: every function, the padding that aligns each
    /// one, and the veneers that reach far helpers.
    pub fn size(&self) -> usize {
        self.memory.bytes().len()
    }

    /// Which defined function contains `address`, and at which offset.
    pub fn locate(&self, address: usize) -> Option<(usize, u32)> {
        self.memory.locate(address)
    }

    /// Appends this code's functions to the process's perf map
    /// ([`perf_map`]), named after `info`.
    pub fn append_perf_map(&self, info: &crate::module::ModuleInfo) -> Result<()> {
        perf_map::append(self, info).map_err(|err| {
            Error::Instantiate(format!(
                "cannot write the perf map {}: {err}",
                perf_map::path().display()
            ))
        })
    }
}

/// Compiles every function the module defines with `backend` on `threads`
/// worker threads (on the calling thread when that is one), adding the time
/// of each phase to `stats`: each worker sums the phases of its own
/// functions, and the sums are added when it finishes.
///
/// Workers take functions from one shared queue, largest body first: the
/// largest function is the longest single piece of work, so starting it
/// first keeps it off the end of the critical path, and small functions
/// fill in around it. Where each function lands in code memory follows its
/// index, not the order it was compiled in, so the code is the same from
/// run to run.
pub(crate) fn compile(
    backend: &dyn Backend,
    source: &Source<'_>,
    threads: usize,
    stats: &mut CompileStats,
) -> Result<CompiledModule> {
    if source
        .env
        .memories
        .iter()
        .any(|memory| memory.guarded_bytes > 0)
    {
        install_fault_handler()?;
    }
    let count = source.info.bodies.len();
    let threads = threads.min(count).max(1);
    let compile_one = |defined: usize,
                       allocations: &mut FuncValidatorAllocations,
                       worker_stats: &mut CompileStats,
                       backend_stats: &mut BackendStats| {
        let func = crate::ssa_tier::translate(source, defined, allocations, worker_stats)?;
        backend
            .compile_with_stats(&func, backend_stats)
            .map_err(|err| Error::Unsupported(err.to_string()))
    };
    let queue = largest_first(&source.info.bodies);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut worker_stats = CompileStats::default();
        let mut backend_stats = BackendStats::default();
        let mut allocations = FuncValidatorAllocations::default();
        let mut compiled = Vec::new();
        while let Some(&defined) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
            compiled.push((
                defined,
                compile_one(
                    defined,
                    &mut allocations,
                    &mut worker_stats,
                    &mut backend_stats,
                ),
            ));
        }
        worker_stats.add_backend(&backend_stats);
        (compiled, worker_stats)
    };
    let finished = if threads == 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("a compiler thread panicked"))
                .collect()
        })
    };
    let mut results: Vec<Option<Result<_>>> = (0..count).map(|_| None).collect();
    for (compiled, worker_stats) in finished {
        for (defined, result) in compiled {
            results[defined] = Some(result);
        }
        stats.add(&worker_stats);
    }
    let functions = crate::ssa_tier::every_function(
        results
            .into_iter()
            .map(|result| result.expect("every function was compiled"))
            .collect(),
    )?;
    timed(&mut stats.link, || link(&functions, source))
}

/// The indices of `bodies`, largest body first (ties in index order).
fn largest_first(bodies: &[std::ops::Range<usize>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..bodies.len()).collect();
    order.sort_by_key(|&defined| std::cmp::Reverse(bodies[defined].len()));
    order
}

/// Puts compiled functions into executable memory, with their relocations
/// patched, and makes their table of trap sites.
fn link(functions: &[CompiledFunction], source: &Source<'_>) -> Result<CompiledModule> {
    let imported = source.info.num_imported_funcs as usize;
    let memory = CodeMemory::new(functions, |_, relocation| match relocation.target {
        RelocationTarget::Function(index) => Target::Function(index as usize - imported),
        RelocationTarget::Helper(helper) => Target::Address(runtime::helper_address(helper)),
    })
    .map_err(|err| Error::Instantiate(format!("cannot map compiled code: {err}")))?;
    let faults = FaultTable::new(functions);
    Ok(CompiledModule { memory, faults })
}

/// Installs the process-wide handler that turns faults of compiled code
/// into traps, which the code of a module relies on when its memories have
/// a guarded span.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
fn install_fault_handler() -> Result<()> {
    crate::signals::install(faults::resolve_fault).map_err(|message| {
        Error::Unsupported(format!(
            "{message}; use Config::signals_based_traps(false) for explicit bounds checks"
        ))
    })
}

/// Nothing can catch faults of compiled code on this host, and nothing
/// compiles code that relies on it: `Config::signals_based_traps` is off.
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
fn install_fault_handler() -> Result<()> {
    Err(Error::Unsupported(
        "this host cannot turn faults into traps".into(),
    ))
}

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
use kiln_ssa::target::{Backend, BackendTimes, CompiledFunction, RelocationTarget, timed};
use memory::{CodeMemory, Target};

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

    /// Which defined function contains `address`, and at which offset.
    pub fn locate(&self, address: usize) -> Option<(usize, u32)> {
        self.memory.locate(address)
    }
}

/// Compiles every function the module defines with `backend`, in parallel on
/// all cores, adding the time of each phase to `stats`: each worker sums the
/// phases of its own functions, and the sums are added when it finishes.
pub(crate) fn compile(
    backend: &dyn Backend,
    source: &Source<'_>,
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
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count.max(1));
    let compile_one =
        |defined: usize, worker_stats: &mut CompileStats, times: &mut BackendTimes| {
            let func = crate::ssa_tier::translate(source, defined, worker_stats)?;
            backend
                .compile_timed(&func, times)
                .map_err(|err| Error::Unsupported(err.to_string()))
        };
    let mut results: Vec<Option<Result<_>>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let compile_one = &compile_one;
                scope.spawn(move || {
                    let mut worker_stats = CompileStats::default();
                    let mut times = BackendTimes::default();
                    let compiled = (worker..count)
                        .step_by(threads)
                        .map(|defined| {
                            (defined, compile_one(defined, &mut worker_stats, &mut times))
                        })
                        .collect::<Vec<_>>();
                    worker_stats.add_backend(&times);
                    (compiled, worker_stats)
                })
            })
            .collect();
        for worker in workers {
            let (compiled, worker_stats) = worker.join().expect("a compiler thread panicked");
            for (defined, result) in compiled {
                results[defined] = Some(result);
            }
            stats.add(&worker_stats);
        }
    });
    let functions = results
        .into_iter()
        .map(|result| result.expect("every function was compiled"))
        .collect::<Result<Vec<_>>>()?;
    timed(&mut stats.link, || link(&functions, source))
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

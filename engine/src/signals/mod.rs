//! Out-of-bounds accesses caught by the hardware.
//!
//! With signal-based traps ([`Config::signals_based_traps`]), compiled code
//! accesses linear memory without a bounds check wherever the access cannot
//! leave the memory's reservation and guard region (see
//! [`crate::runtime::MemoryConfig`]): an access beyond the memory's size
//! touches inaccessible address space and the CPU faults. This module turns
//! such a fault into a wasm trap:
//!
//! - one handler for `SIGSEGV` and `SIGBUS`, installed once per process
//!   ([`install`]) when the first module that relies on it is compiled, on
//!   the alternate signal stack that each thread gets before it first runs
//!   wasm ([`altstack`]);
//! - a thread-local pointer to the runtime record of the store whose wasm
//!   code runs on this thread ([`Activation`]): set by the entry path,
//!   cleared while a host function runs, so the handler reads the store
//!   only while nothing else changes it;
//! - the handler asks the [`FaultResolver`] whether the faulting pc is a
//!   faulting-access trap site of that store's compiled code and the
//!   faulting address lies in one of its memories' reservations. If so, it
//!   makes the thread resume at the trap path of the function that faulted,
//!   which records the trap and its backtrace and unwinds to the entry
//!   trampoline as for any other trap. Every other fault goes to the
//!   handler that was installed before (see [`handler`]), so the host's own
//!   handlers keep working.
//!
//! The handler does nothing that is not async-signal-safe: no allocation, no
//! lock, only reads of records that do not change while wasm runs, the
//! rewrite of the interrupted context, and `sigaction`.
//!
//! [`Config::signals_based_traps`]: crate::Config::signals_based_traps

mod altstack;
mod context;
mod handler;

use crate::runtime::VmRuntime;
use std::cell::Cell;

/// Given the running store's runtime record, the faulting pc and the address
/// that faulted, where the thread resumes: the trap path of the compiled
/// function whose trap site the pc is, or `None` if the fault is not wasm's.
///
/// It runs inside the signal handler, so it must be async-signal-safe.
pub(crate) type FaultResolver = unsafe fn(*mut VmRuntime, usize, usize) -> Option<usize>;

/// Installs the process-wide handler, which resolves faults with `resolver`
/// (the first caller's resolver is the one kept).
pub(crate) fn install(resolver: FaultResolver) -> Result<(), String> {
    handler::install(resolver)
}

thread_local! {
    /// The runtime record of the store whose wasm runs on this thread right
    /// now, or null. No destructor, constant initializer: reading it in a
    /// signal handler neither allocates nor registers anything.
    static RUNNING: Cell<*mut VmRuntime> = const { Cell::new(std::ptr::null_mut()) };
}

/// The store whose wasm runs on this thread, if any.
fn running() -> Option<*mut VmRuntime> {
    Some(RUNNING.get()).filter(|runtime| !runtime.is_null())
}

/// While alive, says which store's wasm runs on this thread (or that none
/// does, while a host function runs); restores what was before when dropped,
/// so that nested calls between wasm and the host unwind correctly.
pub(crate) struct Activation {
    previous: *mut VmRuntime,
}

impl Activation {
    /// The thread is about to run compiled wasm of the store whose runtime
    /// record is `runtime`. Once the handler is installed, sets up the
    /// thread's alternate signal stack the first time; fails only if that
    /// cannot be done.
    pub fn wasm(runtime: *mut VmRuntime) -> std::io::Result<Activation> {
        if handler::is_installed() {
            altstack::ensure()?;
        }
        Ok(Activation {
            previous: RUNNING.replace(runtime),
        })
    }

    /// The thread leaves wasm for a host function.
    pub fn host() -> Activation {
        Activation {
            previous: RUNNING.replace(std::ptr::null_mut()),
        }
    }
}

impl Drop for Activation {
    fn drop(&mut self) {
        RUNNING.set(self.previous);
    }
}

//! The process-wide handler for the signals an out-of-bounds access raises,
//! and the chain to the handlers installed before it.

use super::{FaultResolver, context};
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::io;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// The signals an access to inaccessible memory raises: `SIGSEGV` for a
/// protection fault, `SIGBUS` on some systems for the same.
const SIGNALS: [c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

/// The `sigaction` each of [`SIGNALS`] had before ours, written once while
/// installing (before our handler can run) and only read afterwards.
struct Previous([UnsafeCell<MaybeUninit<libc::sigaction>>; 2]);

// SAFETY: the cells are written only inside `install`, which `OnceLock` runs
// once, before the handler that reads them is installed; afterwards they are
// only read.
unsafe impl Sync for Previous {}

static PREVIOUS: Previous = Previous([
    UnsafeCell::new(MaybeUninit::uninit()),
    UnsafeCell::new(MaybeUninit::uninit()),
]);

/// What turns a fault into a trap; set once, with the handler.
static RESOLVER: OnceLock<FaultResolver> = OnceLock::new();

/// The outcome of installing the handler, once it was tried.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Whether the handler is installed.
pub(super) fn is_installed() -> bool {
    INSTALLED.get().is_some_and(Result::is_ok)
}

/// Installs the handler for every signal of [`SIGNALS`] (once per process;
/// later calls return the first outcome).
pub(super) fn install(resolver: FaultResolver) -> Result<(), String> {
    INSTALLED
        .get_or_init(|| {
            RESOLVER.get_or_init(|| resolver);
            for (index, &signal) in SIGNALS.iter().enumerate() {
                // SAFETY: only this closure writes PREVIOUS, and it runs once.
                unsafe { install_one(signal, PREVIOUS.0[index].get()) }.map_err(|err| {
                    format!("cannot install the handler of signal {signal}: {err}")
                })?;
            }
            Ok(())
        })
        .clone()
}

/// Installs the handler for `signal`, saving the previous action in `previous`.
///
/// # Safety
/// Nothing may read `previous` concurrently.
unsafe fn install_one(
    signal: c_int,
    previous: *mut MaybeUninit<libc::sigaction>,
) -> io::Result<()> {
    // SAFETY: a zeroed `sigaction` is a valid value to fill in.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // On the alternate stack, with the interrupted context, and able to
    // fault again inside (a fault in a chained handler must reach it).
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
    action.sa_sigaction =
        handle as extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) as usize;
    // SAFETY: `sa_mask` is a valid signal set to empty.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: `action` is fully initialized and `previous` is writable.
    if unsafe { libc::sigaction(signal, &action, (*previous).as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The handler. It does only async-signal-safe things: it reads the running
/// store's records (which nothing changes while wasm runs on this thread),
/// rewrites the interrupted context, or calls the previous handler.
extern "C" fn handle(signal: c_int, info: *mut libc::siginfo_t, ucontext: *mut c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t` and `ucontext_t` to an
    // `SA_SIGINFO` handler.
    let (pc, address) = unsafe { (context::pc(ucontext), (*info).si_addr() as usize) };
    let resume = super::running().and_then(|runtime| {
        let resolver = RESOLVER.get()?;
        // SAFETY: `running` returns the runtime record that the entry path
        // set for the wasm code running on this thread right now.
        unsafe { resolver(runtime, pc, address) }
    });
    match resume {
        // SAFETY: the resolver returns the trap path of the function that
        // faulted, which runs with the interrupted registers.
        Some(resume) => unsafe { context::set_pc(ucontext, resume) },
        // SAFETY: the arguments are the kernel's, passed on unchanged.
        None => unsafe { chain(signal, info, ucontext) },
    }
}

/// Passes a fault that is not wasm's to the action installed before ours:
/// its handler is called as it asked to be; a default or ignoring action is
/// restored, so that the faulting instruction runs again on return and the
/// fault does what it would have done without kiln.
///
/// # Safety
/// The arguments must be those the kernel passed to [`handle`].
unsafe fn chain(signal: c_int, info: *mut libc::siginfo_t, ucontext: *mut c_void) {
    let index = SIGNALS
        .iter()
        .position(|&s| s == signal)
        .expect("the handler is installed only for SIGNALS");
    // SAFETY: `install` wrote the previous action before installing `handle`.
    let previous = unsafe { (*PREVIOUS.0[index].get()).assume_init_ref() };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // SAFETY: restoring the host's own action for this signal.
        unsafe { libc::sigaction(signal, previous, std::ptr::null_mut()) };
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the host installed `handler` as an `SA_SIGINFO` handler.
        let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { std::mem::transmute(handler) };
        handler(signal, info, ucontext);
    } else {
        // SAFETY: the host installed `handler` as a plain handler.
        let handler: extern "C" fn(c_int) = unsafe { std::mem::transmute(handler) };
        handler(signal);
    }
}

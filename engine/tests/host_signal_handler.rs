//! A host program with its own `SIGSEGV` handler, installed before kiln's:
//! faults in wasm become traps, and every fault outside wasm, in the host's
//! own code or in a host function that wasm called, still reaches the
//! host's handler. A host's alternate signal stack stays in place.
//!
//! One test in its own binary, so that the order of installation is the
//! test's: the host's handler first, kiln's when the first module that
//! relies on it is compiled.

use kiln::*;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Pages the host protects and its handler makes accessible on a fault,
/// as a host might for lazily allocated memory.
static LAZY_PAGES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// How many faults the host's handler resolved.
static HANDLED: AtomicUsize = AtomicUsize::new(0);
/// The host's page size (4 KiB, 16 KiB, 64 KiB), read before any fault.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn host_handler(_: i32, info: *mut libc::siginfo_t, _: *mut c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t`.
    let address = unsafe { (*info).si_addr() } as usize;
    for page in &LAZY_PAGES {
        let page = page.load(Ordering::SeqCst);
        let size = PAGE_SIZE.load(Ordering::SeqCst);
        if page != 0 && (page..page + size).contains(&address) {
            // SAFETY: the page is the test's own mapping.
            unsafe {
                libc::mprotect(
                    page as *mut c_void,
                    size,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            HANDLED.fetch_add(1, Ordering::SeqCst);
            return;
        }
    }
    // Not ours either: the default action ends the process.
    // SAFETY: restoring the default action is async-signal-safe.
    unsafe { libc::signal(libc::SIGSEGV, libc::SIG_DFL) };
}

fn protected_page() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    PAGE_SIZE.store(size, Ordering::SeqCst);
    // SAFETY: a fresh anonymous mapping.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(page, libc::MAP_FAILED);
    page as usize
}

/// Writes through a pointer the compiler cannot see through.
fn touch(page: usize, value: u8) {
    // SAFETY: the page is mapped; the host's handler makes it writable.
    unsafe { std::ptr::write_volatile(page as *mut u8, value) }
}

#[test]
fn faults_outside_wasm_reach_the_hosts_handler() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        eprintln!(
            "skipped: out-of-bounds faults need the compiler, which has no backend for this CPU"
        );
        return;
    }
    // SAFETY: installing a handler that only touches atomics and mprotect.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = host_handler as extern "C" fn(_, _, _) as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
    }
    let host_stack = vec![0u8; 256 << 10];
    let host_altstack = libc::stack_t {
        ss_sp: host_stack.as_ptr() as *mut c_void,
        ss_flags: 0,
        ss_size: host_stack.len(),
    };
    // SAFETY: the stack outlives the test, which runs on this thread.
    assert_eq!(
        unsafe { libc::sigaltstack(&host_altstack, std::ptr::null_mut()) },
        0
    );
    for page in &LAZY_PAGES {
        page.store(protected_page(), Ordering::SeqCst);
    }

    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .signals_based_traps(true);
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "touch" (func $touch))
            (memory 1)
            (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func (export "call_host") (param i32) (result i32)
                (call $touch)
                (i32.load (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "touch", || {
            touch(LAZY_PAGES[1].load(Ordering::SeqCst), 2)
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
    let call_host = instance
        .get_typed_func::<i32, i32>(&store, "call_host")
        .unwrap();

    let err = load.call(&mut store, 65536).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        HANDLED.load(Ordering::SeqCst),
        0,
        "a wasm fault reached the host"
    );

    touch(LAZY_PAGES[0].load(Ordering::SeqCst), 1);
    assert_eq!(HANDLED.load(Ordering::SeqCst), 1, "the host's own fault");

    assert_eq!(call_host.call(&mut store, 0).unwrap(), 0);
    assert_eq!(
        HANDLED.load(Ordering::SeqCst),
        2,
        "a fault in a host function"
    );

    let err = call_host.call(&mut store, -1).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds));
    assert_eq!(HANDLED.load(Ordering::SeqCst), 2);

    let mut current: libc::stack_t = libc::stack_t {
        ss_sp: std::ptr::null_mut(),
        ss_flags: 0,
        ss_size: 0,
    };
    // SAFETY: querying the alternate stack only writes `current`.
    assert_eq!(
        unsafe { libc::sigaltstack(std::ptr::null(), &mut current) },
        0
    );
    assert_eq!(
        current.ss_sp, host_altstack.ss_sp,
        "the host's alternate stack was replaced"
    );
}

//! The alternate signal stack of each thread that runs wasm.
//!
//! A fault handler must not run on the stack of the code that faulted: that
//! stack may be the one that overflowed. Each thread gets its own stack for
//! signal handlers (`sigaltstack`), made the first time it enters wasm and
//! released when the thread ends. A thread whose host program installed an
//! alternate stack already keeps that one, untouched.

use std::cell::RefCell;
use std::io;

/// Room for the handler, the previous handlers it chains to, and the
/// kernel's signal frame.
const STACK_SIZE: usize = 64 << 10;

/// An alternate stack that this module installed: `STACK_SIZE` usable bytes
/// at `usable`, above one inaccessible guard page at the start of `mapping`.
struct AltStack {
    mapping: *mut libc::c_void,
    mapping_size: usize,
    usable: *mut libc::c_void,
}

/// The thread's alternate stack right now.
fn current() -> io::Result<libc::stack_t> {
    let mut current = libc::stack_t {
        ss_sp: std::ptr::null_mut(),
        ss_flags: 0,
        ss_size: 0,
    };
    // SAFETY: querying the alternate stack only writes `current`.
    if unsafe { libc::sigaltstack(std::ptr::null(), &mut current) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(current)
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // The host may have replaced the stack meanwhile: then it is not
        // this module's to disable.
        if current().is_ok_and(|stack| stack.ss_sp == self.usable) {
            let disable = libc::stack_t {
                ss_sp: std::ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            // SAFETY: the thread is ending and no handler runs on it now, so
            // nothing is on the stack being disabled.
            unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) };
        }
        // SAFETY: the mapping is this stack's own and no longer the thread's
        // alternate stack.
        unsafe { libc::munmap(self.mapping, self.mapping_size) };
    }
}

thread_local! {
    /// `Some` once the thread's alternate stack is set up; it holds the
    /// stack when this module made it.
    static ALT_STACK: RefCell<Option<Option<AltStack>>> = const { RefCell::new(None) };
}

/// Makes sure the calling thread has an alternate signal stack.
pub(super) fn ensure() -> io::Result<()> {
    ALT_STACK.with(|slot| {
        if slot.borrow().is_some() {
            return Ok(());
        }
        let made = install()?;
        *slot.borrow_mut() = Some(made);
        Ok(())
    })
}

/// Installs a new alternate stack unless the thread has one of sufficient size.
fn install() -> io::Result<Option<AltStack>> {
    let current = current()?;
    if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= STACK_SIZE {
        return Ok(None);
    }
    let page = crate::runtime::host_page_size();
    let mapping_size = STACK_SIZE + page;
    // SAFETY: a fresh anonymous mapping touches no existing memory.
    let mapping = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            mapping_size,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if mapping == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the range above the guard page lies inside the mapping above.
    let usable = unsafe { mapping.cast::<u8>().add(page) }.cast();
    let stack = AltStack {
        mapping,
        mapping_size,
        usable,
    };
    // SAFETY: as above; on failure, dropping `stack` unmaps everything.
    if unsafe { libc::mprotect(usable, STACK_SIZE, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let new = libc::stack_t {
        ss_sp: usable,
        ss_flags: 0,
        ss_size: STACK_SIZE,
    };
    // SAFETY: `new` describes readable and writable memory that lives until
    // the thread ends (it is owned by the thread-local above).
    if unsafe { libc::sigaltstack(&new, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Some(stack))
}

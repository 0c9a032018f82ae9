//! The interrupted thread's registers, as the kernel hands them to a signal
//! handler (`ucontext_t`): the program counter to read and to redirect.

use std::ffi::c_void;

/// The program counter of the interrupted code.
///
/// # Safety
/// `context` must be the third argument of an `SA_SIGINFO` handler.
#[cfg(target_arch = "x86_64")]
pub(super) unsafe fn pc(context: *mut c_void) -> usize {
    // SAFETY: per the caller, `context` points to the kernel's `ucontext_t`.
    unsafe {
        (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs[libc::REG_RIP as usize] as usize
    }
}

/// Makes the interrupted code resume at `pc` when the handler returns.
///
/// # Safety
/// As for [`pc`]; `pc` must be code that can run with the interrupted
/// registers.
#[cfg(target_arch = "x86_64")]
pub(super) unsafe fn set_pc(context: *mut c_void, pc: usize) {
    // SAFETY: per the caller, `context` points to the kernel's `ucontext_t`,
    // which the kernel restores from when the handler returns.
    unsafe {
        (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs[libc::REG_RIP as usize] = pc as i64
    }
}

/// The program counter of the interrupted code.
///
/// # Safety
/// `context` must be the third argument of an `SA_SIGINFO` handler.
#[cfg(target_arch = "aarch64")]
pub(super) unsafe fn pc(context: *mut c_void) -> usize {
    // SAFETY: per the caller, `context` points to the kernel's `ucontext_t`.
    unsafe { (*context.cast::<libc::ucontext_t>()).uc_mcontext.pc as usize }
}

/// Makes the interrupted code resume at `pc` when the handler returns.
///
/// # Safety
/// As for [`pc`]; `pc` must be code that can run with the interrupted
/// registers.
#[cfg(target_arch = "aarch64")]
pub(super) unsafe fn set_pc(context: *mut c_void, pc: usize) {
    // SAFETY: per the caller, `context` points to the kernel's `ucontext_t`,
    // which the kernel restores from when the handler returns.
    unsafe { (*context.cast::<libc::ucontext_t>()).uc_mcontext.pc = pc as u64 }
}

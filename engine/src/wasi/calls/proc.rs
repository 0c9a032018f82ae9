//! `proc_raise` and `sched_yield`. (`proc_exit` does not return to the guest,
//! so it is an error of the call itself; see the linker.)

use crate::wasi::WasiCtx;
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::memory::GuestMemory;

/// Signals are not part of WASI's model any more: `nosys`, as the
/// specification's later versions say.
pub(crate) fn proc_raise(
    _ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    _signal: u32,
) -> WasiResult<()> {
    Err(Errno::NoSys)
}

pub(crate) fn sched_yield(_ctx: &mut WasiCtx, _memory: &mut GuestMemory) -> WasiResult<()> {
    std::thread::yield_now();
    Ok(())
}

//! `clock_res_get`, `clock_time_get` and `random_get`: reading the context's
//! clock and random source.

use crate::wasi::WasiCtx;
use crate::wasi::clock::ClockId;
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::memory::GuestMemory;

pub(crate) fn clock_res_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    id: u32,
    resolution: u32,
) -> WasiResult<()> {
    let clock = ClockId::from_wasi(id).ok_or(Errno::Inval)?;
    let value = ctx.clock.resolution(clock).ok_or(Errno::Inval)?;
    memory.write_u64(resolution, value)
}

pub(crate) fn clock_time_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    id: u32,
    _precision: u64,
    time: u32,
) -> WasiResult<()> {
    let clock = ClockId::from_wasi(id).ok_or(Errno::Inval)?;
    let value = ctx.clock.now(clock).ok_or(Errno::Inval)?;
    memory.write_u64(time, value)
}

pub(crate) fn random_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    buf: u32,
    len: u32,
) -> WasiResult<()> {
    let target = memory.slice_mut(buf, len)?;
    ctx.random.fill(target).map_err(Errno::from)
}

//! `args_*` and `environ_*`: the guest's command line and environment, as
//! arrays of pointers to NUL-terminated strings laid out in a guest buffer.

use crate::wasi::WasiCtx;
use crate::wasi::errno::WasiResult;
use crate::wasi::memory::GuestMemory;

/// Writes each string NUL-terminated into `buf` and a pointer to it into the
/// array at `pointers`.
fn write_strings(
    memory: &mut GuestMemory,
    strings: &[Vec<u8>],
    pointers: u32,
    buf: u32,
) -> WasiResult<()> {
    let mut next = buf;
    for (i, string) in strings.iter().enumerate() {
        memory.write_u32(pointers.wrapping_add(4 * i as u32), next)?;
        memory.write_bytes(next, string)?;
        memory.write_u8(next.wrapping_add(string.len() as u32), 0)?;
        next = next.wrapping_add(string.len() as u32 + 1);
    }
    Ok(())
}

/// Writes how many strings there are and how many bytes they take with their NULs.
fn write_sizes(
    memory: &mut GuestMemory,
    strings: &[Vec<u8>],
    count: u32,
    buf_size: u32,
) -> WasiResult<()> {
    memory.write_size(count, strings.len())?;
    memory.write_size(buf_size, strings.iter().map(|s| s.len() + 1).sum())
}

pub(crate) fn args_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    argv: u32,
    argv_buf: u32,
) -> WasiResult<()> {
    write_strings(memory, &ctx.args, argv, argv_buf)
}

pub(crate) fn args_sizes_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    argc: u32,
    argv_buf_size: u32,
) -> WasiResult<()> {
    write_sizes(memory, &ctx.args, argc, argv_buf_size)
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    environ: u32,
    environ_buf: u32,
) -> WasiResult<()> {
    write_strings(memory, &ctx.env, environ, environ_buf)
}

pub(crate) fn environ_sizes_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    count: u32,
    buf_size: u32,
) -> WasiResult<()> {
    write_sizes(memory, &ctx.env, count, buf_size)
}

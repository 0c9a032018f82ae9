//! A descriptor's attributes and the file behind it: `fd_fdstat_*` (type,
//! flags, rights), `fd_filestat_*` (size, times), `fd_advise`, `fd_allocate`,
//! `fd_sync` and `fd_datasync`.

use super::filestat::{FilestatFields, set_times, write_filestat, write_filestat_fields};
use crate::wasi::WasiCtx;
use crate::wasi::abi::{ADVICE_MAX, fdflags, layout::FDSTAT_SIZE, rights};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::Handle;
use crate::wasi::memory::GuestMemory;
use crate::wasi::sys;

/// The WASI `fdflags` of host status flags.
fn fdflags_of(status: i32) -> u16 {
    let mut flags = 0;
    if status & libc::O_APPEND != 0 {
        flags |= fdflags::APPEND;
    }
    if status & libc::O_NONBLOCK != 0 {
        flags |= fdflags::NONBLOCK;
    }
    if status & libc::O_SYNC == libc::O_SYNC {
        flags |= fdflags::SYNC | fdflags::RSYNC;
    }
    if status & libc::O_DSYNC != 0 {
        flags |= fdflags::DSYNC;
    }
    flags
}

pub(crate) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    stat: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, 0)?;
    let flags = match &descriptor.handle {
        Handle::Host(_) => fdflags_of(sys::get_status_flags(descriptor.host_fd()?)?),
        _ => 0,
    };
    let mut record = [0u8; FDSTAT_SIZE as usize];
    record[0] = descriptor.filetype;
    record[2..4].copy_from_slice(&flags.to_le_bytes());
    record[8..16].copy_from_slice(&descriptor.base.to_le_bytes());
    record[16..24].copy_from_slice(&descriptor.inheriting.to_le_bytes());
    memory.write_bytes(stat, &record)
}

/// Only `append` and `nonblock` can change on an open descriptor on Linux, so
/// a request that would switch a synchronous mode on or off is `inval`.
pub(crate) fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    flags: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_FDSTAT_SET_FLAGS)?;
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let host = descriptor.host_fd()?;
    let status = sys::get_status_flags(host)?;
    let changeable = fdflags::APPEND | fdflags::NONBLOCK;
    if flags & !changeable != fdflags_of(status) & !changeable {
        return Err(Errno::Inval);
    }
    let mut new_status = status & !(libc::O_APPEND | libc::O_NONBLOCK);
    if flags & fdflags::APPEND != 0 {
        new_status |= libc::O_APPEND;
    }
    if flags & fdflags::NONBLOCK != 0 {
        new_status |= libc::O_NONBLOCK;
    }
    sys::set_status_flags(host, new_status)
}

/// Rights can only be dropped, never gained back.
pub(crate) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, 0)?;
    if base & !descriptor.base != 0 || inheriting & !descriptor.inheriting != 0 {
        return Err(Errno::NotCapable);
    }
    descriptor.base = base;
    descriptor.inheriting = inheriting;
    Ok(())
}

pub(crate) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    buf: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_FILESTAT_GET)?;
    match &descriptor.handle {
        Handle::Host(_) => write_filestat(memory, buf, &sys::fstat(descriptor.host_fd()?)?),
        _ => write_filestat_fields(
            memory,
            buf,
            FilestatFields {
                dev: 0,
                ino: 0,
                filetype: descriptor.filetype,
                nlink: 1,
                size: 0,
                atim: 0,
                mtim: 0,
                ctim: 0,
            },
        ),
    }
}

pub(crate) fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    size: u64,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_FILESTAT_SET_SIZE)?;
    let size = i64::try_from(size).map_err(|_| Errno::Fbig)?;
    sys::ftruncate(descriptor.host_fd()?, size)
}

pub(crate) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_FILESTAT_SET_TIMES)?;
    let times = set_times(atim, mtim, flags)?;
    sys::futimens(descriptor.host_fd()?, &times)
}

pub(crate) fn fd_advise(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_ADVISE)?;
    let host_advice = match u8::try_from(advice).map_err(|_| Errno::Inval)? {
        0 => libc::POSIX_FADV_NORMAL,
        1 => libc::POSIX_FADV_SEQUENTIAL,
        2 => libc::POSIX_FADV_RANDOM,
        3 => libc::POSIX_FADV_WILLNEED,
        4 => libc::POSIX_FADV_DONTNEED,
        ADVICE_MAX => libc::POSIX_FADV_NOREUSE,
        _ => return Err(Errno::Inval),
    };
    let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
    let len = i64::try_from(len).map_err(|_| Errno::Inval)?;
    sys::fadvise(descriptor.host_fd()?, offset, len, host_advice)
}

pub(crate) fn fd_allocate(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_ALLOCATE)?;
    let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
    let len = i64::try_from(len).map_err(|_| Errno::Inval)?;
    sys::fallocate(descriptor.host_fd()?, offset, len)
}

pub(crate) fn fd_sync(ctx: &mut WasiCtx, _memory: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_SYNC)?;
    sys::sync(descriptor.host_fd()?, false)
}

pub(crate) fn fd_datasync(ctx: &mut WasiCtx, _memory: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_DATASYNC)?;
    sys::sync(descriptor.host_fd()?, true)
}

//! Reading, writing and moving around in a descriptor: `fd_read`, `fd_write`,
//! `fd_pread`, `fd_pwrite`, `fd_seek` and `fd_tell`.

use crate::wasi::WasiCtx;
use crate::wasi::abi::{rights, whence};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::{Descriptor, Handle};
use crate::wasi::memory::{GuestMemory, IoVec};
use crate::wasi::sys;
use std::os::fd::AsFd;

/// Reads into `buf` from the descriptor's current position, or from `offset`.
fn read_into(
    descriptor: &mut Descriptor,
    buf: &mut [u8],
    offset: Option<u64>,
) -> WasiResult<usize> {
    match (&mut descriptor.handle, offset) {
        (Handle::Host(fd), None) => sys::read(fd.as_fd(), buf),
        (Handle::Host(fd), Some(offset)) => sys::pread(fd.as_fd(), buf, offset),
        (Handle::Bytes { data, position }, None) => {
            let rest = &data[*position..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            *position += n;
            Ok(n)
        }
        (Handle::Null, None) => Ok(0),
        (Handle::Buffer(_), _) => Err(Errno::Badf),
        (_, Some(_)) => Err(Errno::Spipe),
    }
}

/// Writes `buf` at the descriptor's current position, or at `offset`.
fn write_from(descriptor: &mut Descriptor, buf: &[u8], offset: Option<u64>) -> WasiResult<usize> {
    match (&mut descriptor.handle, offset) {
        (Handle::Host(fd), None) => sys::write(fd.as_fd(), buf),
        (Handle::Host(fd), Some(offset)) => sys::pwrite(fd.as_fd(), buf, offset),
        (Handle::Buffer(buffer), None) => {
            buffer.append(buf);
            Ok(buf.len())
        }
        (Handle::Null, None) => Ok(buf.len()),
        (Handle::Bytes { .. }, _) => Err(Errno::Badf),
        (_, Some(_)) => Err(Errno::Spipe),
    }
}

/// Runs `transfer` over each buffer in turn until one comes back short.
/// An error after some bytes moved ends the call with those bytes.
fn each_buffer(
    iovecs: &[IoVec],
    mut transfer: impl FnMut(IoVec, u64) -> WasiResult<usize>,
) -> WasiResult<usize> {
    let mut total = 0usize;
    for &iovec in iovecs {
        match transfer(iovec, total as u64) {
            Ok(n) => {
                total += n;
                if n < iovec.len as usize {
                    break;
                }
            }
            Err(_) if total > 0 => break,
            Err(errno) => return Err(errno),
        }
    }
    Ok(total)
}

fn read(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: Option<u64>,
) -> WasiResult<usize> {
    let needed = rights::FD_READ | offset.map_or(0, |_| rights::FD_SEEK);
    let descriptor = ctx.fds.get(fd, needed)?;
    let iovecs = memory.iovecs(iovs, iovs_len)?;
    each_buffer(&iovecs, |iovec, done| {
        let buf = memory.slice_mut(iovec.ptr, iovec.len)?;
        read_into(descriptor, buf, offset.map(|start| start + done))
    })
}

fn write(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: Option<u64>,
) -> WasiResult<usize> {
    let needed = rights::FD_WRITE | offset.map_or(0, |_| rights::FD_SEEK);
    let descriptor = ctx.fds.get(fd, needed)?;
    let iovecs = memory.iovecs(iovs, iovs_len)?;
    each_buffer(&iovecs, |iovec, done| {
        let buf = memory.slice(iovec.ptr, iovec.len)?;
        write_from(descriptor, buf, offset.map(|start| start + done))
    })
}

pub(crate) fn fd_read(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult<()> {
    let n = read(ctx, memory, fd, iovs, iovs_len, None)?;
    memory.write_size(nread, n)
}

pub(crate) fn fd_pread(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    let n = read(ctx, memory, fd, iovs, iovs_len, Some(offset))?;
    memory.write_size(nread, n)
}

pub(crate) fn fd_write(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult<()> {
    let n = write(ctx, memory, fd, iovs, iovs_len, None)?;
    memory.write_size(nwritten, n)
}

pub(crate) fn fd_pwrite(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    let n = write(ctx, memory, fd, iovs, iovs_len, Some(offset))?;
    memory.write_size(nwritten, n)
}

pub(crate) fn fd_seek(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    offset: u64,
    from: u32,
    new_offset: u32,
) -> WasiResult<()> {
    let host_whence = match u8::try_from(from).map_err(|_| Errno::Inval)? {
        whence::SET => libc::SEEK_SET,
        whence::CUR => libc::SEEK_CUR,
        whence::END => libc::SEEK_END,
        _ => return Err(Errno::Inval),
    };
    let offset = offset as i64;
    let needed = if offset == 0 && host_whence == libc::SEEK_CUR {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let descriptor = ctx.fds.get(fd, needed)?;
    let position = sys::lseek(descriptor.host_fd()?, offset, host_whence)?;
    memory.write_u64(new_offset, position)
}

pub(crate) fn fd_tell(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    offset: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_TELL)?;
    let position = sys::lseek(descriptor.host_fd()?, 0, libc::SEEK_CUR)?;
    memory.write_u64(offset, position)
}

//! The `sock_*` calls, on sockets the guest was given (an inherited or
//! embedder-supplied standard stream can be one). WASI preview1 has no call
//! that creates a socket, so on any other descriptor these report `notsock`.

use crate::wasi::WasiCtx;
use crate::wasi::abi::{fdflags, filetype, riflags, rights, sdflags};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::Descriptor;
use crate::wasi::memory::GuestMemory;
use crate::wasi::sys;

/// The socket `fd` with the rights `needed`: `badf` if there is no such
/// descriptor, `notsock` if it is not a socket.
fn socket(ctx: &mut WasiCtx, fd: u32, needed: u64) -> WasiResult<&mut Descriptor> {
    let descriptor = ctx.fds.get(fd, 0)?;
    if !matches!(
        descriptor.filetype,
        filetype::SOCKET_STREAM | filetype::SOCKET_DGRAM
    ) {
        return Err(Errno::NotSock);
    }
    ctx.fds.get(fd, needed)
}

pub(crate) fn sock_accept(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    flags: u32,
    new_fd: u32,
) -> WasiResult<()> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Inval);
    }
    let listener = socket(ctx, fd, rights::SOCK_ACCEPT)?;
    let host_flags = if flags & fdflags::NONBLOCK != 0 {
        libc::SOCK_NONBLOCK
    } else {
        0
    };
    let connection = sys::accept(listener.host_fd()?, host_flags)?;
    let descriptor = Descriptor::host(connection, rights::SOCKET)?;
    let number = ctx.fds.insert(descriptor);
    memory.write_u32(new_fd, number)
}

pub(crate) fn sock_recv(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    ri_flags: u32,
    ro_datalen: u32,
    ro_flags: u32,
) -> WasiResult<()> {
    let known = (riflags::RECV_PEEK | riflags::RECV_WAITALL) as u32;
    if ri_flags & !known != 0 {
        return Err(Errno::Inval);
    }
    let mut host_flags = 0;
    if ri_flags & riflags::RECV_PEEK as u32 != 0 {
        host_flags |= libc::MSG_PEEK;
    }
    if ri_flags & riflags::RECV_WAITALL as u32 != 0 {
        host_flags |= libc::MSG_WAITALL;
    }
    let iovecs = memory.iovecs(ri_data, ri_data_len)?;
    let descriptor = socket(ctx, fd, rights::FD_READ)?;
    let host = descriptor.host_fd()?;
    let mut total = 0;
    for iovec in iovecs {
        let n = sys::recv(host, memory.slice_mut(iovec.ptr, iovec.len)?, host_flags)?;
        total += n;
        if n < iovec.len as usize {
            break;
        }
    }
    memory.write_size(ro_datalen, total)?;
    memory.write_u16(ro_flags, 0)
}

pub(crate) fn sock_send(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    si_data: u32,
    si_data_len: u32,
    si_flags: u32,
    so_datalen: u32,
) -> WasiResult<()> {
    if si_flags != 0 {
        return Err(Errno::Inval);
    }
    let iovecs = memory.iovecs(si_data, si_data_len)?;
    let descriptor = socket(ctx, fd, rights::FD_WRITE)?;
    let host = descriptor.host_fd()?;
    let mut total = 0;
    for iovec in iovecs {
        let n = sys::send(host, memory.slice(iovec.ptr, iovec.len)?)?;
        total += n;
        if n < iovec.len as usize {
            break;
        }
    }
    memory.write_size(so_datalen, total)
}

pub(crate) fn sock_shutdown(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    fd: u32,
    how: u32,
) -> WasiResult<()> {
    let descriptor = socket(ctx, fd, rights::SOCK_SHUTDOWN)?;
    let how = match u8::try_from(how).map_err(|_| Errno::Inval)? {
        sdflags::RD => libc::SHUT_RD,
        sdflags::WR => libc::SHUT_WR,
        both if both == sdflags::RD | sdflags::WR => libc::SHUT_RDWR,
        _ => return Err(Errno::Inval),
    };
    sys::shutdown(descriptor.host_fd()?, how)
}

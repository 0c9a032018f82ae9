//! The descriptor table itself and directory listings: `fd_close`,
//! `fd_renumber`, `fd_prestat_get`, `fd_prestat_dir_name` and `fd_readdir`.

use crate::wasi::WasiCtx;
use crate::wasi::abi::{PREOPENTYPE_DIR, filetype, layout::DIRENT_SIZE, rights};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::filetype_of;
use crate::wasi::memory::GuestMemory;
use crate::wasi::sys::{self, HostDirEntry};

pub(crate) fn fd_close(ctx: &mut WasiCtx, _memory: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    ctx.fds.remove(fd).map(drop)
}

pub(crate) fn fd_renumber(
    ctx: &mut WasiCtx,
    _memory: &mut GuestMemory,
    from: u32,
    to: u32,
) -> WasiResult<()> {
    ctx.fds.renumber(from, to)
}

/// Writes the `prestat` record: tag `u8` at 0, `pr_name_len: u32` at 4.
pub(crate) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    prestat: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, 0)?;
    let name = descriptor.preopen.as_ref().ok_or(Errno::Badf)?;
    memory.write_u8(prestat, PREOPENTYPE_DIR)?;
    memory.write_size(prestat + 4, name.len())
}

pub(crate) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, 0)?;
    let name = descriptor.preopen.as_ref().ok_or(Errno::Badf)?;
    if (path_len as usize) < name.len() {
        return Err(Errno::NameTooLong);
    }
    memory.write_bytes(path, name)
}

/// The WASI file type of a directory entry, asking the host when the listing
/// does not say.
fn entry_filetype(dir: std::os::fd::BorrowedFd, entry: &HostDirEntry) -> u8 {
    match entry.d_type {
        libc::DT_REG => filetype::REGULAR_FILE,
        libc::DT_DIR => filetype::DIRECTORY,
        libc::DT_LNK => filetype::SYMBOLIC_LINK,
        libc::DT_CHR => filetype::CHARACTER_DEVICE,
        libc::DT_BLK => filetype::BLOCK_DEVICE,
        libc::DT_SOCK => filetype::SOCKET_STREAM,
        libc::DT_FIFO => filetype::UNKNOWN,
        _ => sys::c_name(&entry.name)
            .and_then(|name| sys::stat_at(dir, &name, libc::AT_SYMLINK_NOFOLLOW))
            .map_or(filetype::UNKNOWN, |stat| filetype_of(&stat)),
    }
}

/// Lists a directory into `buf` as `dirent` records, each followed by its
/// name, starting at entry number `cookie`. The cookie of an entry is its
/// position in the host's listing, so a guest resumes where it stopped. The
/// last record is cut off when `buf` is full, and `bufused == buf_len` tells
/// the guest to ask again.
pub(crate) fn fd_readdir(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult<()> {
    let descriptor = ctx.fds.get(fd, rights::FD_READDIR)?;
    let dir = descriptor.host_fd()?;
    if !descriptor.is_dir() {
        return Err(Errno::NotDir);
    }
    let entries = sys::read_dir(dir)?;
    let mut out = Vec::new();
    for (index, entry) in entries
        .iter()
        .enumerate()
        .skip(usize::try_from(cookie).unwrap_or(usize::MAX))
    {
        if out.len() >= buf_len as usize {
            break;
        }
        let mut record = [0u8; DIRENT_SIZE];
        record[0..8].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        record[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        record[16..20].copy_from_slice(&(entry.name.len() as u32).to_le_bytes());
        record[20] = entry_filetype(dir, entry);
        out.extend_from_slice(&record);
        out.extend_from_slice(&entry.name);
    }
    out.truncate(buf_len as usize);
    memory.write_bytes(buf, &out)?;
    memory.write_size(bufused, out.len())
}

//! The `path_*` calls other than `path_open`: creating and removing
//! directories, unlinking, renaming, links and symbolic links, and reading or
//! setting a path's attributes. Each resolves its path through the sandbox
//! and then acts on the last component with a `*at` call that does not follow
//! symbolic links.

use super::filestat::{set_times, write_filestat};
use crate::wasi::WasiCtx;
use crate::wasi::abi::{lookupflags, rights};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::memory::GuestMemory;
use crate::wasi::sandbox::{self, Resolved};
use crate::wasi::sys;

/// Resolves the guest path at `path`/`path_len` under directory `fd`, which
/// must have the rights `needed`.
fn resolve(
    ctx: &mut WasiCtx,
    memory: &GuestMemory,
    fd: u32,
    needed: u64,
    path: u32,
    path_len: u32,
    follow: bool,
) -> WasiResult<Resolved> {
    let dir = ctx.fds.dir(fd, needed)?;
    let path = memory.path(path, path_len)?;
    sandbox::resolve(dir.host_fd()?, &path, follow)
}

/// Whether the lookup flags ask to follow a symbolic link at the end.
fn follows(flags: u32) -> bool {
    flags & lookupflags::SYMLINK_FOLLOW != 0
}

/// For a path that must name something new: with a trailing `/`, the new
/// thing could only be a directory, so a file or link is refused the way
/// Linux does (`exist` if the name is taken, else `noent`).
fn check_new_name_for_non_directory(target: &Resolved) -> WasiResult<()> {
    if !target.must_be_dir {
        return Ok(());
    }
    match target.stat() {
        Ok(_) => Err(Errno::Exist),
        Err(_) => Err(Errno::NoEnt),
    }
}

pub(crate) fn path_create_directory(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let target = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_CREATE_DIRECTORY,
        path,
        path_len,
        false,
    )?;
    sys::mkdir_at(target.dir(), &target.name)
}

pub(crate) fn path_remove_directory(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let target = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_REMOVE_DIRECTORY,
        path,
        path_len,
        false,
    )?;
    sys::unlink_at(target.dir(), &target.name, libc::AT_REMOVEDIR)
}

pub(crate) fn path_unlink_file(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let target = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_UNLINK_FILE,
        path,
        path_len,
        false,
    )?;
    if target.must_be_dir {
        return Err(if target.is_dir()? {
            Errno::IsDir
        } else {
            Errno::NotDir
        });
    }
    sys::unlink_at(target.dir(), &target.name, 0)
}

pub(crate) fn path_rename(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let from = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_RENAME_SOURCE,
        old_path,
        old_len,
        false,
    )?;
    let to = resolve(
        ctx,
        memory,
        new_fd,
        rights::PATH_RENAME_TARGET,
        new_path,
        new_len,
        false,
    )?;
    if (from.must_be_dir || to.must_be_dir) && !from.is_dir()? {
        return Err(Errno::NotDir);
    }
    sys::rename_at(from.dir(), &from.name, to.dir(), &to.name)
}

/// Creates a symbolic link. Its contents may be any relative path: following
/// it later goes through the sandbox like any path. An absolute target could
/// never be followed inside the sandbox, so it is refused (`notcapable`).
pub(crate) fn path_symlink(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let contents = memory.path(old_path, old_len)?;
    if contents.first() == Some(&b'/') {
        return Err(Errno::NotCapable);
    }
    let contents = sys::c_name(&contents)?;
    let link = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_SYMLINK,
        new_path,
        new_len,
        false,
    )?;
    check_new_name_for_non_directory(&link)?;
    sys::symlink_at(&contents, link.dir(), &link.name)
}

pub(crate) fn path_readlink(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult<()> {
    let link = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_READLINK,
        path,
        path_len,
        false,
    )?;
    let target = sys::readlink_at(link.dir(), &link.name)?;
    let n = target.len().min(buf_len as usize);
    memory.write_bytes(buf, &target[..n])?;
    memory.write_size(bufused, n)
}

pub(crate) fn path_link(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let from = resolve(
        ctx,
        memory,
        old_fd,
        rights::PATH_LINK_SOURCE,
        old_path,
        old_len,
        follows(old_flags),
    )?;
    let to = resolve(
        ctx,
        memory,
        new_fd,
        rights::PATH_LINK_TARGET,
        new_path,
        new_len,
        false,
    )?;
    if from.must_be_dir {
        return Err(if from.is_dir()? {
            Errno::Perm
        } else {
            Errno::NotDir
        });
    }
    check_new_name_for_non_directory(&to)?;
    sys::link_at(from.dir(), &from.name, to.dir(), &to.name)
}

pub(crate) fn path_filestat_get(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    buf: u32,
) -> WasiResult<()> {
    let target = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_FILESTAT_GET,
        path,
        path_len,
        follows(flags),
    )?;
    target.check_trailing_slash()?;
    write_filestat(memory, buf, &target.stat()?)
}

pub(crate) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult<()> {
    let times = set_times(atim, mtim, fst_flags)?;
    let target = resolve(
        ctx,
        memory,
        fd,
        rights::PATH_FILESTAT_SET_TIMES,
        path,
        path_len,
        follows(flags),
    )?;
    target.check_trailing_slash()?;
    sys::utimens_at(target.dir(), &target.name, &times)
}

//! `path_open`: opening or creating a file or directory inside a directory
//! descriptor. The path goes through the sandbox; the host `openat` sees only
//! the last component, relative to its parent, with `O_NOFOLLOW`.

use crate::wasi::WasiCtx;
use crate::wasi::abi::{fdflags, lookupflags, oflags, rights};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::Descriptor;
use crate::wasi::memory::GuestMemory;
use crate::wasi::{sandbox, sys};

/// The host `open` flags for a WASI open of a file with rights `base`.
fn host_flags(open: u16, flags: u16, base: u64, must_be_dir: bool) -> i32 {
    let mut host = libc::O_NOFOLLOW;
    let reads = base & rights::READING != 0;
    let writes = base & rights::WRITING != 0;
    if open & oflags::DIRECTORY != 0 || must_be_dir {
        host |= libc::O_DIRECTORY;
    }
    host |= if reads && writes {
        libc::O_RDWR
    } else if writes {
        libc::O_WRONLY
    } else {
        libc::O_RDONLY
    };
    let pairs = [
        (open & oflags::CREAT, libc::O_CREAT),
        (open & oflags::EXCL, libc::O_EXCL),
        (open & oflags::TRUNC, libc::O_TRUNC),
        (flags & fdflags::APPEND, libc::O_APPEND),
        (flags & fdflags::NONBLOCK, libc::O_NONBLOCK),
        (flags & fdflags::DSYNC, libc::O_DSYNC),
        (flags & fdflags::SYNC, libc::O_SYNC),
        (flags & fdflags::RSYNC, libc::O_RSYNC),
    ];
    for (wanted, flag) in pairs {
        if wanted != 0 {
            host |= flag;
        }
    }
    host
}

/// Opens `path` under directory `fd`. The new descriptor gets the rights it
/// asks for, limited to what `fd` may hand down (its inheriting rights) and to
/// what its kind of object can have.
pub(crate) fn path_open(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    open: u32,
    base: u64,
    inheriting: u64,
    flags: u32,
    opened: u32,
) -> WasiResult<()> {
    let open = u16::try_from(open).map_err(|_| Errno::Inval)?;
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let mut needed = rights::PATH_OPEN;
    if open & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    if open & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let dir = ctx.fds.dir(fd, needed)?;
    let handed_down = dir.inheriting;
    let path = memory.path(path, path_len)?;
    let follow = dirflags & lookupflags::SYMLINK_FOLLOW != 0;
    let resolved = sandbox::resolve(dir.host_fd()?, &path, follow)?;
    let base = base & handed_down;
    let host = host_flags(open, flags, base, resolved.must_be_dir);
    let file = sys::open_at(resolved.dir(), &resolved.name, host, 0o666)?;
    let mut descriptor = Descriptor::host(file, base)?;
    descriptor.inheriting = inheriting & handed_down;
    let new_fd = ctx.fds.insert(descriptor);
    memory.write_u32(opened, new_fd)
}

//! Thin wrappers over the host's system calls that the standard library does
//! not offer on descriptors (`openat`, `fstatat`, `renameat`, `utimensat`, ...).
//! Each one checks the return value and turns a failure into the WASI errno;
//! every `unsafe` block of the WASI implementation lives here.

use super::errno::{Errno, WasiResult};
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The errno of the last failed system call, as a WASI errno.
fn last_errno() -> Errno {
    Errno::from(std::io::Error::last_os_error())
}

/// `ret` when it is not negative, else the errno of the failed call.
fn check(ret: libc::c_int) -> WasiResult<libc::c_int> {
    if ret < 0 { Err(last_errno()) } else { Ok(ret) }
}

/// A count returned by `read`, `write` and friends, or their errno.
fn check_size(ret: libc::ssize_t) -> WasiResult<usize> {
    usize::try_from(ret).map_err(|_| last_errno())
}

/// A file name as a C string. Guest paths were checked for NUL bytes when they
/// were read from memory.
pub(crate) fn c_name(name: &[u8]) -> WasiResult<CString> {
    CString::new(name).map_err(|_| Errno::Inval)
}

/// `openat(dir, name, flags, mode)`, always with `O_CLOEXEC`.
pub(crate) fn open_at(dir: BorrowedFd, name: &CStr, flags: i32, mode: u32) -> WasiResult<OwnedFd> {
    // SAFETY: `name` is a valid NUL-terminated string and `dir` a live descriptor.
    let fd = check(unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_CLOEXEC,
            mode,
        )
    })?;
    // SAFETY: `openat` succeeded, so `fd` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `fstatat(dir, name, flags)`.
pub(crate) fn stat_at(dir: BorrowedFd, name: &CStr, flags: i32) -> WasiResult<libc::stat> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `stat` has room for a `struct stat`; `name` is NUL-terminated.
    check(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), stat.as_mut_ptr(), flags) })?;
    // SAFETY: `fstatat` succeeded and filled in the whole structure.
    Ok(unsafe { stat.assume_init() })
}

/// `fstat(fd)`.
pub(crate) fn fstat(fd: BorrowedFd) -> WasiResult<libc::stat> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `stat` has room for a `struct stat`.
    check(unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) })?;
    // SAFETY: `fstat` succeeded and filled in the whole structure.
    Ok(unsafe { stat.assume_init() })
}

/// The target of the symbolic link `name` in `dir`.
pub(crate) fn readlink_at(dir: BorrowedFd, name: &CStr) -> WasiResult<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: `buf` is writable for `buf.len()` bytes; `name` is NUL-terminated.
        let len = check_size(unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        })?;
        if len < buf.len() {
            buf.truncate(len);
            return Ok(buf);
        }
        buf.resize(buf.len() * 2, 0);
    }
}

/// `mkdirat(dir, name, 0o777)`.
pub(crate) fn mkdir_at(dir: BorrowedFd, name: &CStr) -> WasiResult<()> {
    // SAFETY: `name` is NUL-terminated and `dir` a live descriptor.
    check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o777) }).map(drop)
}

/// `unlinkat(dir, name, flags)`: removes a file, or a directory with `AT_REMOVEDIR`.
pub(crate) fn unlink_at(dir: BorrowedFd, name: &CStr, flags: i32) -> WasiResult<()> {
    // SAFETY: `name` is NUL-terminated and `dir` a live descriptor.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) }).map(drop)
}

/// `renameat(from_dir, from, to_dir, to)`.
pub(crate) fn rename_at(
    from_dir: BorrowedFd,
    from: &CStr,
    to_dir: BorrowedFd,
    to: &CStr,
) -> WasiResult<()> {
    // SAFETY: both names are NUL-terminated and both descriptors live.
    check(unsafe {
        libc::renameat(
            from_dir.as_raw_fd(),
            from.as_ptr(),
            to_dir.as_raw_fd(),
            to.as_ptr(),
        )
    })
    .map(drop)
}

/// `linkat(from_dir, from, to_dir, to, 0)`: never follows a symbolic link.
pub(crate) fn link_at(
    from_dir: BorrowedFd,
    from: &CStr,
    to_dir: BorrowedFd,
    to: &CStr,
) -> WasiResult<()> {
    // SAFETY: both names are NUL-terminated and both descriptors live.
    check(unsafe {
        libc::linkat(
            from_dir.as_raw_fd(),
            from.as_ptr(),
            to_dir.as_raw_fd(),
            to.as_ptr(),
            0,
        )
    })
    .map(drop)
}

/// `symlinkat(target, dir, name)`.
pub(crate) fn symlink_at(target: &CStr, dir: BorrowedFd, name: &CStr) -> WasiResult<()> {
    // SAFETY: both strings are NUL-terminated and `dir` a live descriptor.
    check(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) }).map(drop)
}

/// `utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW)`.
pub(crate) fn utimens_at(
    dir: BorrowedFd,
    name: &CStr,
    times: &[libc::timespec; 2],
) -> WasiResult<()> {
    // SAFETY: `times` points at two timespecs; `name` is NUL-terminated.
    check(unsafe {
        libc::utimensat(
            dir.as_raw_fd(),
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(drop)
}

/// `futimens(fd, times)`.
pub(crate) fn futimens(fd: BorrowedFd, times: &[libc::timespec; 2]) -> WasiResult<()> {
    // SAFETY: `times` points at two timespecs.
    check(unsafe { libc::futimens(fd.as_raw_fd(), times.as_ptr()) }).map(drop)
}

/// `read(fd, buf)`.
pub(crate) fn read(fd: BorrowedFd, buf: &mut [u8]) -> WasiResult<usize> {
    // SAFETY: `buf` is writable for its whole length.
    check_size(unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
}

/// `write(fd, buf)`.
pub(crate) fn write(fd: BorrowedFd, buf: &[u8]) -> WasiResult<usize> {
    // SAFETY: `buf` is readable for its whole length.
    check_size(unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) })
}

/// `pread(fd, buf, offset)`.
pub(crate) fn pread(fd: BorrowedFd, buf: &mut [u8], offset: u64) -> WasiResult<usize> {
    let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
    // SAFETY: `buf` is writable for its whole length.
    check_size(unsafe { libc::pread(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), offset) })
}

/// `pwrite(fd, buf, offset)`.
pub(crate) fn pwrite(fd: BorrowedFd, buf: &[u8], offset: u64) -> WasiResult<usize> {
    let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
    // SAFETY: `buf` is readable for its whole length.
    check_size(unsafe { libc::pwrite(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), offset) })
}

/// `lseek(fd, offset, whence)`: the new offset.
pub(crate) fn lseek(fd: BorrowedFd, offset: i64, whence: i32) -> WasiResult<u64> {
    // SAFETY: `lseek` only reads its integer arguments.
    let position = unsafe { libc::lseek(fd.as_raw_fd(), offset, whence) };
    u64::try_from(position).map_err(|_| last_errno())
}

/// `fsync(fd)`, or `fdatasync(fd)` when `data_only`.
pub(crate) fn sync(fd: BorrowedFd, data_only: bool) -> WasiResult<()> {
    // SAFETY: both calls only take a descriptor.
    check(unsafe {
        if data_only {
            libc::fdatasync(fd.as_raw_fd())
        } else {
            libc::fsync(fd.as_raw_fd())
        }
    })
    .map(drop)
}

/// The value of a `posix_*` call, which returns the error number itself.
fn check_posix(ret: libc::c_int) -> WasiResult<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(Errno::from_host(ret))
    }
}

/// `posix_fadvise(fd, offset, len, advice)`.
pub(crate) fn fadvise(fd: BorrowedFd, offset: i64, len: i64, advice: i32) -> WasiResult<()> {
    // SAFETY: `posix_fadvise` only reads its integer arguments.
    check_posix(unsafe { libc::posix_fadvise(fd.as_raw_fd(), offset, len, advice) })
}

/// `posix_fallocate(fd, offset, len)`.
pub(crate) fn fallocate(fd: BorrowedFd, offset: i64, len: i64) -> WasiResult<()> {
    // SAFETY: `posix_fallocate` only reads its integer arguments.
    check_posix(unsafe { libc::posix_fallocate(fd.as_raw_fd(), offset, len) })
}

/// `ftruncate(fd, size)`.
pub(crate) fn ftruncate(fd: BorrowedFd, size: i64) -> WasiResult<()> {
    // SAFETY: `ftruncate` only reads its integer arguments.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), size) }).map(drop)
}

/// The descriptor's status flags (`fcntl(F_GETFL)`).
pub(crate) fn get_status_flags(fd: BorrowedFd) -> WasiResult<i32> {
    // SAFETY: `F_GETFL` takes no further argument.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })
}

/// Sets the descriptor's status flags (`fcntl(F_SETFL)`).
pub(crate) fn set_status_flags(fd: BorrowedFd, flags: i32) -> WasiResult<()> {
    // SAFETY: `F_SETFL` takes an integer argument.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) }).map(drop)
}

/// One entry of a directory listing.
pub(crate) struct HostDirEntry {
    pub ino: u64,
    pub d_type: u8,
    pub name: Vec<u8>,
}

/// Every entry of the directory `dir`, `.` and `..` included, in the order the
/// host lists them.
pub(crate) fn read_dir(dir: BorrowedFd) -> WasiResult<Vec<HostDirEntry>> {
    // `fdopendir` takes over the descriptor it gets, so it gets a copy; the copy
    // shares the read position, which `rewinddir` resets.
    let copy = dir.try_clone_to_owned()?;
    let raw: RawFd = std::os::fd::IntoRawFd::into_raw_fd(copy);
    // SAFETY: `raw` is a descriptor that we own and hand over to the stream.
    let stream = unsafe { libc::fdopendir(raw) };
    if stream.is_null() {
        let errno = last_errno();
        // SAFETY: `fdopendir` failed, so `raw` is still ours to close.
        unsafe { libc::close(raw) };
        return Err(errno);
    }
    // SAFETY: `stream` is a live directory stream.
    unsafe { libc::rewinddir(stream) };
    let mut entries = Vec::new();
    loop {
        // SAFETY: `stream` is a live directory stream; a null result is the end.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            break;
        }
        // SAFETY: `readdir` returned a valid entry whose `d_name` is
        // NUL-terminated; it stays valid until the next call on the stream.
        let (ino, d_type, name) = unsafe {
            let entry = &*entry;
            (
                entry.d_ino,
                entry.d_type,
                CStr::from_ptr(entry.d_name.as_ptr()).to_bytes().to_vec(),
            )
        };
        entries.push(HostDirEntry { ino, d_type, name });
    }
    // SAFETY: `stream` is live and closed exactly once, closing `raw` with it.
    unsafe { libc::closedir(stream) };
    Ok(entries)
}

/// `poll(fds, timeout_ms)`: the number of descriptors with events.
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> WasiResult<usize> {
    // SAFETY: `fds` points at `fds.len()` initialized pollfd records.
    let ready =
        check(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) })?;
    Ok(ready as usize)
}

/// How many bytes can be read from `fd` without blocking (`FIONREAD`).
pub(crate) fn bytes_readable(fd: BorrowedFd) -> WasiResult<u64> {
    let mut count: libc::c_int = 0;
    // SAFETY: `FIONREAD` writes one int to the pointer it gets.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut count) })?;
    Ok(count.max(0) as u64)
}

/// `clock_gettime(clock)` in nanoseconds.
pub(crate) fn clock_time(clock: libc::clockid_t) -> WasiResult<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to fill in.
    check(unsafe { libc::clock_gettime(clock, &mut ts) })?;
    Ok(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// `clock_getres(clock)` in nanoseconds.
pub(crate) fn clock_resolution(clock: libc::clockid_t) -> WasiResult<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to fill in.
    check(unsafe { libc::clock_getres(clock, &mut ts) })?;
    Ok(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// Fills `buf` from the kernel's random number generator.
pub(crate) fn getrandom(mut buf: &mut [u8]) -> WasiResult<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is writable for its whole length.
        let filled = check_size(unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) });
        match filled {
            Ok(n) => buf = &mut buf[n..],
            Err(Errno::Intr) => {}
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}

/// `recv(fd, buf, flags)`.
pub(crate) fn recv(fd: BorrowedFd, buf: &mut [u8], flags: i32) -> WasiResult<usize> {
    // SAFETY: `buf` is writable for its whole length.
    check_size(unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags) })
}

/// `send(fd, buf, MSG_NOSIGNAL)`.
pub(crate) fn send(fd: BorrowedFd, buf: &[u8]) -> WasiResult<usize> {
    // SAFETY: `buf` is readable for its whole length.
    check_size(unsafe {
        libc::send(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
        )
    })
}

/// `shutdown(fd, how)`.
pub(crate) fn shutdown(fd: BorrowedFd, how: i32) -> WasiResult<()> {
    // SAFETY: `shutdown` only reads its integer arguments.
    check(unsafe { libc::shutdown(fd.as_raw_fd(), how) }).map(drop)
}

/// `accept4(fd, flags)`: a connection from a listening socket.
pub(crate) fn accept(fd: BorrowedFd, flags: i32) -> WasiResult<OwnedFd> {
    // SAFETY: null address pointers ask for no peer address.
    let new = check(unsafe {
        libc::accept4(
            fd.as_raw_fd(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            flags | libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: `accept4` succeeded, so `new` is a descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

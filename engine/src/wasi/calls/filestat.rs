//! The `filestat` record and the timestamps of `*_set_times`, shared by the
//! `fd_*` and `path_*` calls that read or change a file's attributes.

use crate::wasi::abi::{fstflags, layout::FILESTAT_SIZE};
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::filetype_of;
use crate::wasi::memory::GuestMemory;

fn nanoseconds(seconds: i64, nanos: i64) -> u64 {
    (seconds as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(nanos as u64)
}

/// Writes the `filestat` of a host `stat` at `ptr`.
pub(crate) fn write_filestat(
    memory: &mut GuestMemory,
    ptr: u32,
    stat: &libc::stat,
) -> WasiResult<()> {
    // `nlink_t` is `u64` on x86-64 Linux and `u32` on AArch64 Linux.
    #[allow(clippy::unnecessary_cast)]
    let nlink = stat.st_nlink as u64;
    write_filestat_fields(
        memory,
        ptr,
        FilestatFields {
            dev: stat.st_dev,
            ino: stat.st_ino,
            filetype: filetype_of(stat),
            nlink,
            size: stat.st_size as u64,
            atim: nanoseconds(stat.st_atime, stat.st_atime_nsec),
            mtim: nanoseconds(stat.st_mtime, stat.st_mtime_nsec),
            ctim: nanoseconds(stat.st_ctime, stat.st_ctime_nsec),
        },
    )
}

/// The fields of a `filestat`.
pub(crate) struct FilestatFields {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// Writes a `filestat` record at `ptr`.
pub(crate) fn write_filestat_fields(
    memory: &mut GuestMemory,
    ptr: u32,
    fields: FilestatFields,
) -> WasiResult<()> {
    let mut record = [0u8; FILESTAT_SIZE as usize];
    record[0..8].copy_from_slice(&fields.dev.to_le_bytes());
    record[8..16].copy_from_slice(&fields.ino.to_le_bytes());
    record[16] = fields.filetype;
    record[24..32].copy_from_slice(&fields.nlink.to_le_bytes());
    record[32..40].copy_from_slice(&fields.size.to_le_bytes());
    record[40..48].copy_from_slice(&fields.atim.to_le_bytes());
    record[48..56].copy_from_slice(&fields.mtim.to_le_bytes());
    record[56..64].copy_from_slice(&fields.ctim.to_le_bytes());
    memory.write_bytes(ptr, &record)
}

/// One timestamp for `utimensat`: a time, now, or unchanged.
fn timespec(time: u64, set: bool, now: bool) -> libc::timespec {
    if now {
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        }
    } else if set {
        libc::timespec {
            tv_sec: (time / 1_000_000_000) as libc::time_t,
            tv_nsec: (time % 1_000_000_000) as libc::c_long,
        }
    } else {
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        }
    }
}

/// The access and modification times that `flags` ask for; `inval` when a
/// time is both given and asked to be "now", or a flag is unknown.
pub(crate) fn set_times(atim: u64, mtim: u64, flags: u32) -> WasiResult<[libc::timespec; 2]> {
    let known = fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW;
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let has = |flag: u16| flags & flag != 0;
    if flags & !known != 0
        || (has(fstflags::ATIM) && has(fstflags::ATIM_NOW))
        || (has(fstflags::MTIM) && has(fstflags::MTIM_NOW))
    {
        return Err(Errno::Inval);
    }
    Ok([
        timespec(atim, has(fstflags::ATIM), has(fstflags::ATIM_NOW)),
        timespec(mtim, has(fstflags::MTIM), has(fstflags::MTIM_NOW)),
    ])
}

//! The guest's file descriptor table: what each WASI descriptor number stands
//! for (a host descriptor or an in-memory stream), the rights it carries, and
//! whether it is a preopened directory. Every call that takes a descriptor
//! looks it up here, which is where missing rights become `notcapable`.

use super::abi::{filetype, rights};
use super::errno::{Errno, WasiResult};
use super::stdio::OutputBuffer;
use super::sys;
use std::collections::BTreeMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// What a descriptor reads from or writes to.
pub(crate) enum Handle {
    /// A host descriptor: a file, directory, pipe, terminal or socket.
    Host(OwnedFd),
    /// Input from bytes in memory, read from `position` on.
    Bytes { data: Vec<u8>, position: usize },
    /// Output collected in memory.
    Buffer(OutputBuffer),
    /// Input that is always at its end, or output that is dropped.
    Null,
}

/// One open descriptor.
pub(crate) struct Descriptor {
    pub handle: Handle,
    /// The WASI file type, fixed when the descriptor was opened.
    pub filetype: u8,
    /// The rights of this descriptor.
    pub base: u64,
    /// The rights that descriptors opened through this one may get.
    pub inheriting: u64,
    /// For a preopened directory, the name the guest knows it by.
    pub preopen: Option<Vec<u8>>,
}

impl Descriptor {
    /// A descriptor for the open host descriptor `fd`, with every right that
    /// its kind of object can have, limited to `allowed`.
    pub fn host(fd: OwnedFd, allowed: u64) -> WasiResult<Descriptor> {
        let filetype = filetype_of(&sys::fstat(fd.as_fd())?);
        let own = match filetype {
            filetype::DIRECTORY => rights::DIRECTORY,
            filetype::SOCKET_STREAM | filetype::SOCKET_DGRAM => rights::SOCKET,
            // A terminal cannot seek; wasi-libc's `isatty` looks for exactly that.
            filetype::CHARACTER_DEVICE => rights::FILE & !(rights::FD_SEEK | rights::FD_TELL),
            _ => rights::FILE,
        };
        Ok(Descriptor {
            handle: Handle::Host(fd),
            filetype,
            base: own & allowed,
            inheriting: if filetype == filetype::DIRECTORY {
                allowed
            } else {
                0
            },
            preopen: None,
        })
    }

    /// A descriptor for an in-memory stream; it looks like a character device.
    pub fn in_memory(handle: Handle, stream_rights: u64) -> Descriptor {
        Descriptor {
            handle,
            filetype: filetype::CHARACTER_DEVICE,
            base: stream_rights | rights::FD_FILESTAT_GET | rights::POLL_FD_READWRITE,
            inheriting: 0,
            preopen: None,
        }
    }

    /// The host descriptor, for calls that only make sense on one.
    pub fn host_fd(&self) -> WasiResult<BorrowedFd<'_>> {
        match &self.handle {
            Handle::Host(fd) => Ok(fd.as_fd()),
            _ => Err(Errno::Spipe),
        }
    }

    /// Whether the descriptor is a directory.
    pub fn is_dir(&self) -> bool {
        self.filetype == filetype::DIRECTORY
    }
}

/// The WASI file type of a host `stat`.
pub(crate) fn filetype_of(stat: &libc::stat) -> u8 {
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFREG => filetype::REGULAR_FILE,
        libc::S_IFDIR => filetype::DIRECTORY,
        libc::S_IFLNK => filetype::SYMBOLIC_LINK,
        libc::S_IFCHR => filetype::CHARACTER_DEVICE,
        libc::S_IFBLK => filetype::BLOCK_DEVICE,
        libc::S_IFSOCK => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

/// The descriptors of one guest, by number.
#[derive(Default)]
pub(crate) struct FdTable {
    entries: BTreeMap<u32, Descriptor>,
}

impl FdTable {
    /// Adds `descriptor` under the lowest free number and returns the number.
    pub fn insert(&mut self, descriptor: Descriptor) -> u32 {
        let fd = (0..)
            .zip(self.entries.keys())
            .find(|(expected, used)| expected != *used)
            .map_or(self.entries.len() as u32, |(free, _)| free);
        self.entries.insert(fd, descriptor);
        fd
    }

    /// The descriptor `fd`, which must exist and have all of `needed`.
    ///
    /// A directory asked for a right that only files have is a bad descriptor
    /// for that call (`badf`, as `read` on a directory is in POSIX terms); any
    /// other missing right is `notcapable`.
    pub fn get(&mut self, fd: u32, needed: u64) -> WasiResult<&mut Descriptor> {
        let descriptor = self.entries.get_mut(&fd).ok_or(Errno::Badf)?;
        if descriptor.base & needed != needed {
            if descriptor.is_dir() && needed & !rights::DIRECTORY != 0 {
                return Err(Errno::Badf);
            }
            return Err(Errno::NotCapable);
        }
        Ok(descriptor)
    }

    /// The directory `fd`, which must have all of `needed`: `notdir` if it is
    /// something else.
    pub fn dir(&mut self, fd: u32, needed: u64) -> WasiResult<&mut Descriptor> {
        let descriptor = self.entries.get_mut(&fd).ok_or(Errno::Badf)?;
        if !descriptor.is_dir() {
            return Err(Errno::NotDir);
        }
        if descriptor.base & needed != needed {
            return Err(Errno::NotCapable);
        }
        Ok(descriptor)
    }

    /// Removes `fd` and returns it; its host descriptor closes when dropped.
    pub fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    /// Moves descriptor `from` to number `to`, closing what `to` was. Both
    /// must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        if !self.entries.contains_key(&from) || !self.entries.contains_key(&to) {
            return Err(Errno::Badf);
        }
        let descriptor = self.entries.remove(&from).expect("checked above");
        self.entries.insert(to, descriptor);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn null() -> Descriptor {
        Descriptor::in_memory(Handle::Null, rights::FD_READ)
    }

    #[test]
    fn numbers_are_reused_lowest_first() {
        let mut table = FdTable::default();
        assert_eq!(table.insert(null()), 0);
        assert_eq!(table.insert(null()), 1);
        assert_eq!(table.insert(null()), 2);
        table.remove(1).unwrap();
        assert_eq!(table.insert(null()), 1);
        assert_eq!(table.insert(null()), 3);
    }

    #[test]
    fn missing_rights_and_descriptors_are_reported() {
        let mut table = FdTable::default();
        let fd = table.insert(null());
        assert!(table.get(fd, rights::FD_READ).is_ok());
        assert_eq!(
            table.get(fd, rights::FD_WRITE).err(),
            Some(Errno::NotCapable)
        );
        assert_eq!(table.get(fd + 1, 0).err(), Some(Errno::Badf));
        assert_eq!(table.dir(fd, 0).err(), Some(Errno::NotDir));
        assert_eq!(table.renumber(fd, fd + 1), Err(Errno::Badf));
    }
}

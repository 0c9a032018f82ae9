//! A memory's initial contents in an anonymous in-memory file (`memfd`),
//! made once per module and mapped copy-on-write over each fresh memory at
//! instantiation: one `mmap` instead of faulting in, zeroing and copying
//! every page the data segments touch. Pages the guest only reads are
//! shared with the file; a page it writes becomes its own private copy, so
//! no instance ever sees another's writes, and dropping an instance leaves
//! the image as it was.
//!
//! Linux only; elsewhere, and whenever a step fails, instantiation copies
//! the image's bytes instead.

use std::io;

/// The initial contents of one memory, from its first byte up to the end of
/// the last page that a data segment touches, in a file.
#[cfg(target_os = "linux")]
#[derive(Debug)]
pub(crate) struct CowImage {
    file: std::fs::File,
    /// Bytes of the file, a whole number of host pages.
    len: usize,
}

#[cfg(target_os = "linux")]
impl CowImage {
    /// A file of `len` bytes (a multiple of the host page size) holding
    /// `runs` (each at its offset) and zeros elsewhere.
    pub fn new<'a>(
        len: usize,
        runs: impl Iterator<Item = (usize, &'a [u8])>,
    ) -> io::Result<CowImage> {
        use std::os::fd::FromRawFd;
        use std::os::unix::fs::FileExt;
        debug_assert_eq!(len % super::host_page_size(), 0, "whole pages");
        // SAFETY: the name is a NUL-terminated string; the call has no
        // other preconditions.
        let fd = unsafe { libc::memfd_create(c"kiln-memory-image".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        file.set_len(len as u64)?;
        for (offset, bytes) in runs {
            file.write_all_at(bytes, offset as u64)?;
        }
        Ok(CowImage { file, len })
    }

    /// Bytes the image covers from the start of a memory.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Maps the image copy-on-write at `base`, replacing what was there.
    ///
    /// # Safety
    /// `[base, base + self.len())` must be accessible memory that the caller
    /// owns and that no reference points into.
    pub unsafe fn map_at(&self, base: *mut u8) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        // SAFETY: per the caller, the range is the caller's own memory, so
        // replacing its pages with a private mapping of the file (readable
        // and writable, as before) affects nothing else.
        let mapped = unsafe {
            libc::mmap(
                base.cast(),
                self.len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                self.file.as_raw_fd(),
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Without `memfd`, there is no image to map.
#[cfg(not(target_os = "linux"))]
#[derive(Debug)]
pub(crate) enum CowImage {}

#[cfg(not(target_os = "linux"))]
impl CowImage {
    pub fn new<'a>(_: usize, _: impl Iterator<Item = (usize, &'a [u8])>) -> io::Result<CowImage> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub fn len(&self) -> usize {
        match *self {}
    }

    /// # Safety
    /// Never called: no value exists.
    pub unsafe fn map_at(&self, _: *mut u8) -> io::Result<()> {
        match *self {}
    }
}

//! A reservation of address space for one linear memory.
//!
//! The whole range is mapped inaccessible (`PROT_NONE`) and without swap
//! accounting (`MAP_NORESERVE`), so it costs address space but no memory.
//! Growing a memory makes the next pages readable and writable in place
//! (`mprotect`); nothing ever moves or is copied, so the base address that
//! compiled code loads stays valid for the memory's whole life. Dropping the
//! reservation unmaps all of it; clearing it (for reuse by another memory,
//! see [`super::pool`]) discards its pages instead.

use std::io;
use std::ptr::NonNull;

/// `size` bytes of address space at a fixed address; the first `accessible`
/// bytes may be read and written, the rest faults when touched.
pub(crate) struct Reservation {
    base: NonNull<u8>,
    size: usize,
    accessible: usize,
}

// SAFETY: the reservation owns its mapping exclusively; the mapping is plain
// memory that any thread may access, and `&Reservation` allows no mutation.
unsafe impl Send for Reservation {}
// SAFETY: as above.
unsafe impl Sync for Reservation {}

/// The host's page size, which `mprotect` works in.
pub(crate) fn host_page_size() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

impl Reservation {
    /// Reserves `size` bytes (a multiple of the host page size), none of them
    /// accessible yet. A reservation of 0 bytes maps nothing.
    pub fn new(size: usize) -> io::Result<Reservation> {
        if size == 0 {
            return Ok(Reservation::empty());
        }
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing touches no existing memory.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Reservation {
            base: NonNull::new(address.cast()).expect("mmap never returns null on success"),
            size,
            accessible: 0,
        })
    }

    /// A reservation of no bytes, which maps nothing.
    pub fn empty() -> Reservation {
        Reservation {
            base: NonNull::dangling(),
            size: 0,
            accessible: 0,
        }
    }

    /// The first byte of the reservation.
    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// How many bytes are reserved.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many bytes from the base may be read and written.
    pub fn accessible(&self) -> usize {
        self.accessible
    }

    /// Makes the first `len` bytes (a multiple of the host page size, at most
    /// the reservation's size) readable and writable and the rest
    /// inaccessible. Bytes keep their contents: bytes never accessible
    /// before read as zero, and a reservation is shrunk only right after
    /// [`Reservation::clear`], so that every byte made accessible is zero.
    pub fn set_accessible(&mut self, len: usize) -> io::Result<()> {
        assert!(
            len <= self.size,
            "accessible bytes stay within the reservation"
        );
        let (start, end, protection) = match len.cmp(&self.accessible) {
            std::cmp::Ordering::Equal => return Ok(()),
            std::cmp::Ordering::Greater => {
                (self.accessible, len, libc::PROT_READ | libc::PROT_WRITE)
            }
            std::cmp::Ordering::Less => (len, self.accessible, libc::PROT_NONE),
        };
        // SAFETY: the range lies inside this reservation's own mapping (the
        // size was checked above), which nothing else owns; pages that become
        // inaccessible are past every slice `bytes` hands out from now on.
        let status =
            unsafe { libc::mprotect(self.base().add(start).cast(), end - start, protection) };
        if status != 0 {
            return Err(io::Error::last_os_error());
        }
        self.accessible = len;
        Ok(())
    }

    /// Makes every accessible byte zero again by replacing the accessible
    /// pages with fresh ones, whatever was mapped there (anonymous pages or a
    /// copy-on-write image), so that the memory they held is freed.
    pub fn clear(&mut self) -> io::Result<()> {
        if self.accessible == 0 {
            return Ok(());
        }
        // SAFETY: the range is this reservation's own accessible part, and
        // `&mut self` means that nothing borrows its bytes.
        let address = unsafe {
            libc::mmap(
                self.base().cast(),
                self.accessible,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The accessible bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the first `accessible` bytes are mapped readable and belong
        // to this reservation; a dangling base comes with length 0.
        unsafe { std::slice::from_raw_parts(self.base(), self.accessible) }
    }

    /// The accessible bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.base(), self.accessible) }
    }

    /// Whether `address` lies anywhere in the reservation.
    pub fn contains(&self, address: usize) -> bool {
        let base = self.base() as usize;
        address >= base && address - base < self.size
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.size == 0 {
            return;
        }
        // SAFETY: the mapping was made by `new` with this base and size and is
        // unmapped only here; no reference into it outlives `self`.
        let status = unsafe { libc::munmap(self.base().cast(), self.size) };
        debug_assert_eq!(status, 0, "munmap of a reservation failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_keeps_the_base_and_zeroes_new_bytes() {
        let page = host_page_size();
        let mut reservation = Reservation::new(16 * page).unwrap();
        let base = reservation.base();
        reservation.set_accessible(page).unwrap();
        reservation.bytes_mut()[page - 1] = 7;
        reservation.set_accessible(4 * page).unwrap();
        assert_eq!(reservation.base(), base);
        assert_eq!(reservation.bytes()[page - 1], 7);
        assert!(reservation.bytes()[page..].iter().all(|&b| b == 0));
        assert!(reservation.contains(base as usize + 16 * page - 1));
        assert!(!reservation.contains(base as usize + 16 * page));
    }

    #[test]
    fn an_empty_reservation_maps_nothing() {
        let mut reservation = Reservation::new(0).unwrap();
        reservation.set_accessible(0).unwrap();
        assert!(reservation.bytes().is_empty());
        assert!(!reservation.contains(reservation.base() as usize));
    }

    #[test]
    fn clearing_zeroes_the_accessible_bytes_and_shrinking_hides_the_rest() {
        let page = host_page_size();
        let mut reservation = Reservation::new(8 * page).unwrap();
        reservation.set_accessible(4 * page).unwrap();
        reservation.bytes_mut().fill(0xaa);
        reservation.clear().unwrap();
        assert_eq!(reservation.bytes().len(), 4 * page);
        assert!(reservation.bytes().iter().all(|&b| b == 0));
        reservation.set_accessible(2 * page).unwrap();
        assert_eq!(reservation.bytes().len(), 2 * page);
        reservation.set_accessible(4 * page).unwrap();
        assert!(reservation.bytes().iter().all(|&b| b == 0));
    }
}

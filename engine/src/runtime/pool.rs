//! Reservations that dropped memories leave behind, kept for the next memory
//! that fits in one. Mapping and unmapping gigabytes of address space for
//! every short-lived instance costs more than the rest of instantiating a
//! small module; a reservation from the pool has its pages discarded already
//! ([`Reservation::clear`]) and its first pages accessible, so a new memory
//! usually needs no system call to get its address space.
//!
//! Address space belongs to the process, so there is one pool for the whole
//! process and every engine shares it: a host that makes an engine per tenant
//! or per test reuses the same few reservations instead of mapping new ones.
//! Reusing addresses also matters under emulators such as qemu-user, which
//! keep bookkeeping for every address range a process has ever mapped.

use super::reservation::Reservation;
use std::sync::Mutex;

/// At most this many idle reservations are kept: with guard pages each is
/// 4 GiB of address space (but no memory).
const MAX_IDLE: usize = 32;

/// The process's idle reservations.
pub(crate) struct ReservationPool {
    idle: Mutex<Vec<Reservation>>,
}

/// The one pool of the process.
pub(crate) static IDLE_RESERVATIONS: ReservationPool = ReservationPool::new();

impl ReservationPool {
    /// An empty pool.
    const fn new() -> ReservationPool {
        ReservationPool {
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The smallest idle reservation of at least `size` bytes, if there is
    /// one. Its accessible bytes are all zero. A memory may have a larger
    /// reservation than it asked for: the rest is inaccessible address space
    /// that it never grows into (its maximum is fixed when it is made) and
    /// that faults like the guard. Taking the best fit instead of an exact
    /// size lets memories with explicit bounds checks, whose reservations
    /// follow their types' maxima, reuse what other memories left.
    pub fn take(&self, size: usize) -> Option<Reservation> {
        let mut idle = self.lock();
        let (at, _) = idle
            .iter()
            .enumerate()
            .filter(|(_, reservation)| reservation.size() >= size)
            .min_by_key(|(_, reservation)| reservation.size())?;
        Some(idle.swap_remove(at))
    }

    /// Keeps `reservation` for a later memory once its pages are discarded.
    /// When the pool is full it keeps the larger reservations, which can
    /// serve any request a smaller one could; the reservation it does not
    /// keep is unmapped.
    pub fn give_back(&self, mut reservation: Reservation) {
        if reservation.size() == 0 || reservation.clear().is_err() {
            return;
        }
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(reservation);
            return;
        }
        let smallest = (0..idle.len()).min_by_key(|&at| idle[at].size());
        if let Some(at) = smallest.filter(|&at| idle[at].size() < reservation.size()) {
            idle[at] = reservation;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Reservation>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::host_page_size;

    #[test]
    fn a_request_takes_the_smallest_reservation_that_fits() {
        let page = host_page_size();
        let pool = ReservationPool::new();
        let sizes = [4 * page, 16 * page, 8 * page];
        let bases: Vec<*mut u8> = sizes
            .iter()
            .map(|&size| {
                let reservation = Reservation::new(size).unwrap();
                let base = reservation.base();
                pool.give_back(reservation);
                base
            })
            .collect();
        let fit = pool.take(5 * page).unwrap();
        assert_eq!((fit.base(), fit.size()), (bases[2], 8 * page));
        assert!(pool.take(17 * page).is_none());
        let exact = pool.take(4 * page).unwrap();
        assert_eq!(exact.base(), bases[0]);
        let last = pool.take(page).unwrap();
        assert_eq!(last.base(), bases[1]);
        assert!(pool.take(page).is_none());
    }

    #[test]
    fn a_reused_reservation_reads_as_zero() {
        let page = host_page_size();
        let pool = ReservationPool::new();
        let mut reservation = Reservation::new(8 * page).unwrap();
        reservation.set_accessible(2 * page).unwrap();
        reservation.bytes_mut().fill(0x5a);
        pool.give_back(reservation);
        let reused = pool.take(8 * page).unwrap();
        assert!(reused.bytes().iter().all(|&byte| byte == 0));
    }

    #[test]
    fn a_full_pool_keeps_the_largest_reservations() {
        let page = host_page_size();
        let pool = ReservationPool::new();
        for _ in 0..MAX_IDLE {
            pool.give_back(Reservation::new(2 * page).unwrap());
        }
        pool.give_back(Reservation::new(page).unwrap());
        pool.give_back(Reservation::new(3 * page).unwrap());
        let sizes: Vec<usize> = pool.lock().iter().map(Reservation::size).collect();
        assert_eq!(sizes.len(), MAX_IDLE);
        assert_eq!(sizes.iter().filter(|&&size| size == 3 * page).count(), 1);
        assert!(!sizes.contains(&page));
    }
}

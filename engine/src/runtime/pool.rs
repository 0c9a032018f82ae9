//! Reservations that dropped memories leave behind, kept by the engine for
//! the next memory of the same size. Mapping and unmapping gigabytes of
//! address space for every short-lived instance costs more than the rest of
//! instantiating a small module; a reservation from the pool has its pages
//! discarded already ([`Reservation::clear`]) and its first pages accessible,
//! so a new memory of the same size usually needs no system call at all.

use super::reservation::Reservation;
use std::sync::Mutex;

/// At most this many idle reservations are kept: with guard pages each is
/// 4 GiB of address space (but no memory).
const MAX_IDLE: usize = 32;

/// The engine's idle reservations.
#[derive(Default)]
pub(crate) struct ReservationPool {
    idle: Mutex<Vec<Reservation>>,
}

impl ReservationPool {
    /// An idle reservation of exactly `size` bytes, if there is one. Its
    /// accessible bytes are all zero.
    pub fn take(&self, size: usize) -> Option<Reservation> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let at = idle
            .iter()
            .rposition(|reservation| reservation.size() == size)?;
        Some(idle.swap_remove(at))
    }

    /// Keeps `reservation` for a later memory once its pages are discarded,
    /// or unmaps it when they cannot be or the pool is full.
    pub fn give_back(&self, mut reservation: Reservation) {
        if reservation.size() == 0 || reservation.clear().is_err() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(reservation);
        }
    }
}

//! The clocks a guest reads through `clock_time_get` and `clock_res_get`, and
//! that `poll_oneoff` measures absolute deadlines against. The host's clocks
//! by default; an embedder may supply its own for deterministic runs.

use super::sys;

/// The four WASI clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockId {
    /// Wall-clock time since 1970-01-01 00:00:00 UTC.
    Realtime,
    /// Time since an arbitrary point, never going backwards.
    Monotonic,
    /// CPU time used by the process.
    ProcessCpuTime,
    /// CPU time used by the calling thread.
    ThreadCpuTime,
}

impl ClockId {
    /// The clock with WASI number `id`, if there is one.
    pub(crate) fn from_wasi(id: u32) -> Option<ClockId> {
        use super::abi::clockid;
        Some(match id {
            clockid::REALTIME => ClockId::Realtime,
            clockid::MONOTONIC => ClockId::Monotonic,
            clockid::PROCESS_CPUTIME_ID => ClockId::ProcessCpuTime,
            clockid::THREAD_CPUTIME_ID => ClockId::ThreadCpuTime,
            _ => return None,
        })
    }

    fn host_clock(self) -> libc::clockid_t {
        match self {
            ClockId::Realtime => libc::CLOCK_REALTIME,
            ClockId::Monotonic => libc::CLOCK_MONOTONIC,
            ClockId::ProcessCpuTime => libc::CLOCK_PROCESS_CPUTIME_ID,
            ClockId::ThreadCpuTime => libc::CLOCK_THREAD_CPUTIME_ID,
        }
    }
}

/// A source of time for a guest.
///
/// ```
/// use kiln::wasi::{ClockId, WasiClock};
/// /// Always 10^9 seconds after 1970 began (2001-09-09 01:46:40 UTC).
/// struct Frozen;
/// impl WasiClock for Frozen {
///     fn now(&self, _clock: ClockId) -> Option<u64> {
///         Some(1_000_000_000 * 1_000_000_000)
///     }
///     fn resolution(&self, _clock: ClockId) -> Option<u64> {
///         Some(1)
///     }
/// }
/// assert_eq!(Frozen.now(ClockId::Monotonic), Some(1_000_000_000_000_000_000));
/// ```
pub trait WasiClock: Send {
    /// The time of `clock` in nanoseconds, or `None` if this source lacks it
    /// (the guest then gets the `inval` errno).
    fn now(&self, clock: ClockId) -> Option<u64>;
    /// The resolution of `clock` in nanoseconds, or `None` if this source lacks it.
    fn resolution(&self, clock: ClockId) -> Option<u64>;
}

/// The host's clocks, read with `clock_gettime`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostClock;

impl WasiClock for HostClock {
    fn now(&self, clock: ClockId) -> Option<u64> {
        sys::clock_time(clock.host_clock()).ok()
    }

    fn resolution(&self, clock: ClockId) -> Option<u64> {
        sys::clock_resolution(clock.host_clock()).ok()
    }
}

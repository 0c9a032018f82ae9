//! `poll_oneoff`: waiting for clocks and for descriptors to become readable or
//! writable. Regular files and in-memory streams are always ready; pipes,
//! terminals and sockets are asked with the host's `poll`; clock
//! subscriptions bound how long the call waits.

use crate::wasi::WasiCtx;
use crate::wasi::abi::{event, layout, rights};
use crate::wasi::clock::ClockId;
use crate::wasi::errno::{Errno, WasiResult};
use crate::wasi::fd_table::{Descriptor, Handle};
use crate::wasi::memory::GuestMemory;
use crate::wasi::{abi::filetype, sys};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

/// One event to report to the guest.
struct Event {
    userdata: u64,
    error: Option<Errno>,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
    fn new(userdata: u64, kind: u8) -> Event {
        Event {
            userdata,
            error: None,
            kind,
            nbytes: 0,
            hangup: false,
        }
    }

    fn failed(userdata: u64, kind: u8, errno: Errno) -> Event {
        Event {
            error: Some(errno),
            ..Event::new(userdata, kind)
        }
    }

    fn write(&self, memory: &mut GuestMemory, ptr: u32) -> WasiResult<()> {
        let mut record = [0u8; layout::EVENT_SIZE as usize];
        record[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        record[8..10].copy_from_slice(&self.error.map_or(0, Errno::code).to_le_bytes());
        record[10] = self.kind;
        record[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        let flags = if self.hangup { event::HANGUP } else { 0 };
        record[24..26].copy_from_slice(&flags.to_le_bytes());
        memory.write_bytes(ptr, &record)
    }
}

/// A clock subscription: fires once `timeout` has passed since the call began.
struct Timer {
    userdata: u64,
    timeout: Duration,
}

/// A descriptor subscription that the host's `poll` decides.
struct Waiting {
    userdata: u64,
    kind: u8,
    fd: u32,
}

/// How long from now until a clock subscription's deadline.
fn clock_timeout(ctx: &WasiCtx, id: u32, timeout: u64, flags: u16) -> WasiResult<Duration> {
    let clock = ClockId::from_wasi(id).ok_or(Errno::Inval)?;
    let nanos = if flags & event::CLOCK_ABSTIME != 0 {
        timeout.saturating_sub(ctx.clock.now(clock).ok_or(Errno::Inval)?)
    } else {
        timeout
    };
    Ok(Duration::from_nanos(nanos))
}

/// The event of a descriptor that needs no waiting, if it is one.
fn ready_at_once(descriptor: &Descriptor, userdata: u64, kind: u8) -> WasiResult<Option<Event>> {
    let mut ready = Event::new(userdata, kind);
    match &descriptor.handle {
        Handle::Host(fd) if descriptor.filetype == filetype::REGULAR_FILE => {
            if kind == event::FD_READ {
                let size = sys::fstat(fd.as_fd())?.st_size as u64;
                let position = sys::lseek(fd.as_fd(), 0, libc::SEEK_CUR)?;
                ready.nbytes = size.saturating_sub(position);
            }
            Ok(Some(ready))
        }
        Handle::Host(_) => Ok(None),
        Handle::Bytes { data, position } => {
            ready.nbytes = (data.len() - position) as u64;
            Ok(Some(ready))
        }
        Handle::Buffer(_) | Handle::Null => Ok(Some(ready)),
    }
}

/// The subscriptions of one call, sorted by how they are decided.
#[derive(Default)]
struct Subscriptions {
    /// Events decided already: ready descriptors and invalid subscriptions.
    fired: Vec<Event>,
    timers: Vec<Timer>,
    /// Descriptors that the host's `poll` decides, with `pollfds` in step.
    waiting: Vec<Waiting>,
    pollfds: Vec<libc::pollfd>,
}

/// Reads the `count` subscriptions at `ptr` and sorts them.
fn read_subscriptions(
    ctx: &mut WasiCtx,
    memory: &GuestMemory,
    ptr: u32,
    count: u32,
) -> WasiResult<Subscriptions> {
    let mut subs = Subscriptions::default();
    for i in 0..count {
        let sub = ptr + i * layout::SUBSCRIPTION_SIZE;
        let userdata = memory.read_u64(sub)?;
        let kind = memory.read_u8(sub + 8)?;
        match kind {
            event::CLOCK => {
                let id = memory.read_u32(sub + 16)?;
                let timeout = memory.read_u64(sub + 24)?;
                let flags = memory.read_u16(sub + 40)?;
                match clock_timeout(ctx, id, timeout, flags) {
                    Ok(timeout) => subs.timers.push(Timer { userdata, timeout }),
                    Err(errno) => subs.fired.push(Event::failed(userdata, kind, errno)),
                }
            }
            event::FD_READ | event::FD_WRITE => {
                let fd = memory.read_u32(sub + 16)?;
                let (needed, poll_events) = if kind == event::FD_READ {
                    (rights::FD_READ, libc::POLLIN)
                } else {
                    (rights::FD_WRITE, libc::POLLOUT)
                };
                let ready = ctx
                    .fds
                    .get(fd, needed | rights::POLL_FD_READWRITE)
                    .and_then(|descriptor| ready_at_once(descriptor, userdata, kind));
                match ready {
                    Ok(Some(ready)) => subs.fired.push(ready),
                    Ok(None) => {
                        let host = ctx.fds.get(fd, 0)?.host_fd()?;
                        subs.pollfds.push(libc::pollfd {
                            fd: host.as_raw_fd(),
                            events: poll_events,
                            revents: 0,
                        });
                        subs.waiting.push(Waiting { userdata, kind, fd });
                    }
                    Err(errno) => subs.fired.push(Event::failed(userdata, kind, errno)),
                }
            }
            _ => return Err(Errno::Inval),
        }
    }
    Ok(subs)
}

/// Waits until at least one subscription fires, and returns what fired: at
/// once if something is ready already, else when a descriptor becomes ready
/// or the earliest timer runs out.
fn wait(ctx: &mut WasiCtx, mut subs: Subscriptions) -> WasiResult<Vec<Event>> {
    let start = Instant::now();
    let wait = if subs.fired.is_empty() {
        subs.timers.iter().map(|timer| timer.timeout).min()
    } else {
        Some(Duration::ZERO)
    };
    loop {
        let remaining = wait.map(|wait| wait.saturating_sub(start.elapsed()));
        if subs.pollfds.is_empty() {
            if let Some(remaining) = remaining {
                std::thread::sleep(remaining);
            }
        } else {
            let timeout_ms = remaining.map_or(-1, |d| {
                i32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
            });
            match sys::poll(&mut subs.pollfds, timeout_ms) {
                Ok(_) | Err(Errno::Intr) => {}
                Err(errno) => return Err(errno),
            }
        }
        for (pollfd, sub) in subs.pollfds.iter().zip(&subs.waiting) {
            if pollfd.revents == 0 {
                continue;
            }
            let mut ready = Event::new(sub.userdata, sub.kind);
            ready.hangup = pollfd.revents & libc::POLLHUP != 0;
            if pollfd.revents & libc::POLLNVAL != 0 {
                ready.error = Some(Errno::Badf);
            } else if sub.kind == event::FD_READ {
                ready.nbytes = ctx
                    .fds
                    .get(sub.fd, 0)
                    .and_then(|descriptor| sys::bytes_readable(descriptor.host_fd()?))
                    .unwrap_or(0);
            }
            subs.fired.push(ready);
        }
        let elapsed = start.elapsed();
        subs.fired.extend(
            subs.timers
                .iter()
                .filter(|timer| timer.timeout <= elapsed)
                .map(|timer| Event::new(timer.userdata, event::CLOCK)),
        );
        if !subs.fired.is_empty() {
            return Ok(subs.fired);
        }
    }
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    memory: &mut GuestMemory,
    subscriptions: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> WasiResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    let subscriptions_size = count.checked_mul(layout::SUBSCRIPTION_SIZE);
    memory.slice(subscriptions, subscriptions_size.ok_or(Errno::Fault)?)?;
    let events_size = count.checked_mul(layout::EVENT_SIZE);
    memory.slice(events, events_size.ok_or(Errno::Fault)?)?;

    let subs = read_subscriptions(ctx, memory, subscriptions, count)?;
    let fired = wait(ctx, subs)?;
    for (i, ready) in fired.iter().enumerate() {
        ready.write(memory, events + i as u32 * layout::EVENT_SIZE)?;
    }
    memory.write_size(nevents, fired.len())
}

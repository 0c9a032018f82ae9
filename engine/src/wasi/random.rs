//! The bytes `random_get` returns: the kernel's random number generator by
//! default, or an embedder's own source for deterministic runs.

use super::sys;

/// A source of random bytes for a guest.
///
/// ```
/// use kiln::wasi::RandomSource;
/// /// Counts up from a seed: repeatable, and of course not random at all.
/// struct Counter(u8);
/// impl RandomSource for Counter {
///     fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
///         for byte in buf {
///             self.0 = self.0.wrapping_add(1);
///             *byte = self.0;
///         }
///         Ok(())
///     }
/// }
/// let mut source = Counter(0);
/// let mut buf = [0; 3];
/// source.fill(&mut buf).unwrap();
/// assert_eq!(buf, [1, 2, 3]);
/// ```
pub trait RandomSource: Send {
    /// Fills `buf` with random bytes. A failure reaches the guest as the `io`
    /// errno.
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()>;
}

/// The kernel's random number generator (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
pub struct HostRandom;

impl RandomSource for HostRandom {
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        sys::getrandom(buf).map_err(|errno| std::io::Error::other(errno.to_string()))
    }
}

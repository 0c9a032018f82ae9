//! Where a guest's standard input comes from and where its standard output
//! and error go: the host's own streams, a pipe or file the embedder opened,
//! bytes in memory, or nowhere.

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

/// The source of a guest's standard input.
#[derive(Debug, Default)]
pub enum InputSource {
    /// The host process's own standard input.
    Inherit,
    /// Nothing: reads return end of file at once. The default.
    #[default]
    Empty,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// A host descriptor the embedder opened: the read end of a pipe, a file...
    Fd(OwnedFd),
}

/// The destination of a guest's standard output or standard error.
#[derive(Debug, Default)]
pub enum OutputSink {
    /// The host process's own stream (stdout for stdout, stderr for stderr).
    Inherit,
    /// Nowhere: writes succeed and the bytes are dropped. The default.
    #[default]
    Discard,
    /// A buffer in memory that the embedder reads after the run.
    Buffer(OutputBuffer),
    /// A host descriptor the embedder opened: the write end of a pipe, a file...
    Fd(OwnedFd),
}

/// Bytes a guest wrote, collected in memory. Clones share the same bytes, so
/// the embedder keeps one clone and gives another to the context.
///
/// ```
/// use kiln::wasi::OutputBuffer;
/// let buffer = OutputBuffer::new();
/// buffer.clone().append(b"hello");
/// assert_eq!(buffer.contents(), b"hello");
/// ```
#[derive(Clone, Debug, Default)]
pub struct OutputBuffer {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl OutputBuffer {
    /// An empty buffer.
    pub fn new() -> OutputBuffer {
        OutputBuffer::default()
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().clone()
    }

    /// Adds bytes at the end.
    pub fn append(&self, data: &[u8]) {
        self.lock().extend_from_slice(data);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A writer that panicked left whole appends behind, so the bytes are
        // still meaningful.
        self.bytes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

//! `WasiCtx`, everything one guest's WASI calls act on (arguments, environment,
//! descriptors, clock and random source), and `WasiCtxBuilder`, with which an
//! embedder decides what the guest may see.

use super::abi::rights;
use super::clock::{HostClock, WasiClock};
use super::fd_table::{Descriptor, FdTable, Handle};
use super::random::{HostRandom, RandomSource};
use super::stdio::{InputSource, OutputSink};
use crate::error::{Error, Result};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The state of one guest's WASI calls. Build one with [`WasiCtx::builder`],
/// keep it in the store's host data, and link the imports with
/// [`add_to_linker`](crate::wasi::add_to_linker).
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    /// `NAME=VALUE` strings.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
    pub(crate) clock: Box<dyn WasiClock>,
    pub(crate) random: Box<dyn RandomSource>,
}

impl WasiCtx {
    /// A builder for a context that, until told otherwise, has no arguments, no
    /// environment, no preopened directories, empty stdin, discarded stdout and
    /// stderr, and the host's clock and random generator.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args.len())
            .field("env", &self.env.len())
            .finish_non_exhaustive()
    }
}

/// What a guest may do in a preopened directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirAccess {
    /// Read, create, change and remove anything inside.
    ReadWrite,
    /// Read and list only: no right to create, write, rename or remove is given
    /// out, so the guest cannot change anything inside.
    ReadOnly,
}

struct Preopen {
    host: PathBuf,
    guest: String,
    access: DirAccess,
}

/// Builds a [`WasiCtx`].
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::wasi::{DirAccess, OutputBuffer, OutputSink, WasiCtx};
/// let stdout = OutputBuffer::new();
/// let dir = std::env::temp_dir();
/// let ctx = WasiCtx::builder()
///     .arg("prog.wasm")
///     .arg("--verbose")
///     .env("LANG", "C")
///     .stdout(OutputSink::Buffer(stdout.clone()))
///     .preopened_dir(&dir, "/tmp", DirAccess::ReadOnly)
///     .build()?;
/// # let _ = ctx;
/// # Ok(()) }
/// ```
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdin: InputSource,
    stdout: OutputSink,
    stderr: OutputSink,
    preopens: Vec<Preopen>,
    clock: Box<dyn WasiClock>,
    random: Box<dyn RandomSource>,
}

impl Default for WasiCtxBuilder {
    fn default() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// The same as [`WasiCtx::builder`].
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: InputSource::default(),
            stdout: OutputSink::default(),
            stderr: OutputSink::default(),
            preopens: Vec::new(),
            clock: Box::new(HostClock),
            random: Box::new(HostRandom),
        }
    }

    /// Adds one argument. The first one is the program's name (`argv[0]`).
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Adds arguments.
    pub fn args<A: AsRef<[u8]>>(self, args: impl IntoIterator<Item = A>) -> Self {
        args.into_iter().fold(self, WasiCtxBuilder::arg)
    }

    /// Adds the environment variable `name=value`.
    pub fn env(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        let mut entry = name.as_ref().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(value.as_ref());
        self.env.push(entry);
        self
    }

    /// Adds every variable of the host process's environment.
    pub fn inherit_env(self) -> Self {
        use std::os::unix::ffi::OsStrExt;
        std::env::vars_os().fold(self, |builder, (name, value)| {
            builder.env(name.as_bytes(), value.as_bytes())
        })
    }

    /// Where standard input comes from.
    pub fn stdin(mut self, source: InputSource) -> Self {
        self.stdin = source;
        self
    }

    /// Where standard output goes.
    pub fn stdout(mut self, sink: OutputSink) -> Self {
        self.stdout = sink;
        self
    }

    /// Where standard error goes.
    pub fn stderr(mut self, sink: OutputSink) -> Self {
        self.stderr = sink;
        self
    }

    /// Gives the guest the host process's stdin, stdout and stderr.
    pub fn inherit_stdio(self) -> Self {
        self.stdin(InputSource::Inherit)
            .stdout(OutputSink::Inherit)
            .stderr(OutputSink::Inherit)
    }

    /// Lets the guest reach the host directory `host` under the name `guest`.
    /// The guest reaches nothing outside it: not through `..`, not through
    /// absolute paths, not through symbolic links.
    pub fn preopened_dir(
        mut self,
        host: impl AsRef<Path>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        self.preopens.push(Preopen {
            host: host.as_ref().to_path_buf(),
            guest: guest.into(),
            access,
        });
        self
    }

    /// Replaces the clocks the guest reads.
    pub fn clock(mut self, clock: impl WasiClock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Replaces the source of `random_get`.
    pub fn random(mut self, random: impl RandomSource + 'static) -> Self {
        self.random = Box::new(random);
        self
    }

    /// Opens the preopened directories and the standard streams, and makes the
    /// context. Fails if a directory cannot be opened.
    pub fn build(self) -> Result<WasiCtx> {
        let mut fds = FdTable::default();
        fds.insert(input_descriptor(self.stdin)?);
        fds.insert(output_descriptor(self.stdout, std::io::stdout().as_fd())?);
        fds.insert(output_descriptor(self.stderr, std::io::stderr().as_fd())?);
        for preopen in self.preopens {
            fds.insert(open_preopen(&preopen)?);
        }
        Ok(WasiCtx {
            args: self.args,
            env: self.env,
            fds,
            clock: self.clock,
            random: self.random,
        })
    }
}

fn host_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{what}: {err}"))
}

fn input_descriptor(source: InputSource) -> Result<Descriptor> {
    let reading = rights::FD_READ;
    Ok(match source {
        InputSource::Inherit => {
            let fd = std::io::stdin().as_fd().try_clone_to_owned();
            host_stream(fd.map_err(|err| host_error("cannot use stdin", err))?)?
        }
        InputSource::Empty => Descriptor::in_memory(Handle::Null, reading),
        InputSource::Bytes(data) => {
            Descriptor::in_memory(Handle::Bytes { data, position: 0 }, reading)
        }
        InputSource::Fd(fd) => host_stream(fd)?,
    })
}

fn output_descriptor(sink: OutputSink, inherited: std::os::fd::BorrowedFd) -> Result<Descriptor> {
    let writing = rights::FD_WRITE;
    Ok(match sink {
        OutputSink::Inherit => {
            let fd = inherited.try_clone_to_owned();
            host_stream(fd.map_err(|err| host_error("cannot use stdout/stderr", err))?)?
        }
        OutputSink::Discard => Descriptor::in_memory(Handle::Null, writing),
        OutputSink::Buffer(buffer) => Descriptor::in_memory(Handle::Buffer(buffer), writing),
        OutputSink::Fd(fd) => host_stream(fd)?,
    })
}

fn host_stream(fd: OwnedFd) -> Result<Descriptor> {
    Descriptor::host(fd, rights::FILE | rights::SOCKET)
        .map_err(|errno| host_error("cannot use a standard stream", errno))
}

fn open_preopen(preopen: &Preopen) -> Result<Descriptor> {
    let cannot_open = |err: &dyn std::fmt::Display| {
        host_error(
            &format!("cannot open directory {}", preopen.host.display()),
            err,
        )
    };
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(&preopen.host)
        .map_err(|err| cannot_open(&err))?;
    let allowed = match preopen.access {
        DirAccess::ReadWrite => rights::ALL,
        DirAccess::ReadOnly => rights::ALL & !rights::MUTATING,
    };
    let mut descriptor =
        Descriptor::host(dir.into(), allowed).map_err(|errno| cannot_open(&errno))?;
    descriptor.preopen = Some(preopen.guest.as_bytes().to_vec());
    Ok(descriptor)
}

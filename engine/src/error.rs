//! Errors and traps: everything that can go wrong, as types with messages a user
//! can act on. A module that does not decode or validate, an import that does not
//! link, a trap while running, a host function's own failure, and a guest's request
//! to exit all come back as an [`Error`]; none of them panics.

use std::fmt;

/// Why a WebAssembly computation stopped abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// The `unreachable` instruction ran.
    Unreachable,
    /// A load, store or bulk memory operation touched bytes outside the memory.
    MemoryOutOfBounds,
    /// A table access or bulk table operation went past the end of the table.
    TableOutOfBounds,
    /// `call_indirect` found a function of another signature.
    IndirectCallTypeMismatch,
    /// `call_indirect` found a null entry.
    UninitializedElement,
    /// A null reference was used where a function was needed.
    NullReference,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed integer division overflowed (`INT_MIN / -1`).
    IntegerOverflow,
    /// A float-to-integer conversion got NaN or a value out of range.
    InvalidConversionToInteger,
    /// Calls nested deeper than the store's limit allows.
    StackOverflow,
    /// The store's fuel could not pay for the next code to run
    /// ([`Config::consume_fuel`](crate::Config::consume_fuel)).
    OutOfFuel,
    /// The engine's epoch reached the store's deadline
    /// ([`Config::epoch_interruption`](crate::Config::epoch_interruption)).
    Interrupt,
}

impl TrapCode {
    /// The message the WebAssembly specification uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::NullReference => "null reference",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::Interrupt => "interrupted: the epoch deadline was reached",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// One wasm function on the stack when a trap happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module's function index space.
    pub func_index: u32,
    /// The function's name from the module's name section, if it has one.
    pub func_name: Option<String>,
    /// The name of the module from the name section, if it has one.
    pub module_name: Option<String>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(module) = &self.module_name {
            write!(f, "{module}!")?;
        }
        match &self.func_name {
            Some(name) => write!(f, "{name} (func {})", self.func_index),
            None => write!(f, "func {}", self.func_index),
        }
    }
}

/// A trap: the code saying why, and the wasm functions that were running,
/// innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    code: TrapCode,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    /// A trap with `code` and no backtrace (the engine fills it in as it unwinds).
    pub fn new(code: TrapCode) -> Trap {
        Trap {
            code,
            backtrace: Vec::new(),
        }
    }

    pub(crate) fn with_backtrace(code: TrapCode, backtrace: Vec<FrameInfo>) -> Trap {
        Trap { code, backtrace }
    }

    /// Why the trap happened.
    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The wasm functions that were active, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }
}

/// How many frames of a run of identical frames a printed backtrace shows
/// before it says how many more there are.
const REPEATS_SHOWN: usize = 3;

impl fmt::Display for Trap {
    /// The code, then the backtrace with runs of the same function (deep
    /// recursion) shortened to a few frames and a count of the rest.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code)?;
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
        }
        let mut i = 0;
        for run in self.backtrace.chunk_by(|a, b| a == b) {
            for frame in run.iter().take(REPEATS_SHOWN) {
                write!(f, "\n  {i}: {frame}")?;
                i += 1;
            }
            let hidden = run.len().saturating_sub(REPEATS_SHOWN);
            if hidden > 0 {
                write!(f, "\n  ... {hidden} more frames of {}", run[0])?;
                i += hidden;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Trap {}

/// Everything that can fail in kiln.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed module, or it does not validate.
    /// `offset` is the byte offset in the module where the problem was found.
    InvalidModule {
        /// What is wrong.
        message: String,
        /// Where in the binary, if known.
        offset: Option<usize>,
    },
    /// The module is valid but uses a feature this build or configuration lacks.
    Unsupported(String),
    /// An import could not be satisfied: missing, or of the wrong type.
    Link(String),
    /// A compiled-module artifact ([`Module::deserialize`](crate::Module::deserialize))
    /// cannot be loaded: it is corrupt or truncated, or it was made by another
    /// version of kiln, for another engine configuration or for another CPU.
    /// Compiling the module again gives one that loads.
    Artifact(String),
    /// Instantiation failed for a reason other than a trap (e.g. a resource limit).
    Instantiate(String),
    /// A resource limit of the store was reached.
    Limit(String),
    /// Wasm code trapped.
    Trap(Trap),
    /// The guest asked to exit the process with this status (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed with this message.
    Host(String),
    /// The embedder misused the API: wrong number or types of arguments, a
    /// missing export, a value of the wrong type, and so on.
    Usage(String),
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(trap) => Some(trap),
            _ => None,
        }
    }

    /// The trap code, if this error is a trap.
    pub fn trap_code(&self) -> Option<TrapCode> {
        self.as_trap().map(Trap::code)
    }

    /// A host function failure with the given message.
    pub fn host(message: impl Into<String>) -> Error {
        Error::Host(message.into())
    }

    pub(crate) fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidModule {
                message,
                offset: Some(offset),
            } => write!(f, "invalid module: {message} (at offset {offset:#x})"),
            Error::InvalidModule {
                message,
                offset: None,
            } => write!(f, "invalid module: {message}"),
            Error::Unsupported(message) => write!(f, "unsupported: {message}"),
            Error::Link(message) => write!(f, "link error: {message}"),
            Error::Artifact(message) => write!(f, "cannot load compiled module: {message}"),
            Error::Instantiate(message) => write!(f, "instantiation failed: {message}"),
            Error::Limit(message) => write!(f, "resource limit exceeded: {message}"),
            Error::Trap(trap) => trap.fmt(f),
            Error::Exit(code) => write!(f, "exited with status {code}"),
            Error::Host(message) => write!(f, "host error: {message}"),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<Trap> for Error {
    fn from(trap: Trap) -> Error {
        Error::Trap(trap)
    }
}

impl From<TrapCode> for Error {
    fn from(code: TrapCode) -> Error {
        Error::Trap(Trap::new(code))
    }
}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(err: wasmparser::BinaryReaderError) -> Error {
        Error::InvalidModule {
            message: err.message().to_string(),
            offset: Some(err.offset() as usize),
        }
    }
}

/// The result type of kiln's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

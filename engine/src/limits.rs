//! Per-store resource limits: how much a guest may allocate and how deep it may
//! call, so that a hostile or buggy module fails cleanly instead of exhausting
//! the host.

/// Limits that a [`Store`](crate::Store) enforces on everything created in it.
///
/// ```
/// use kiln::{Engine, Store, StoreLimits};
/// let limits = StoreLimits { max_memory_pages: 16, ..StoreLimits::default() };
/// let mut store = Store::new(&Engine::default(), ());
/// store.set_limits(limits);
/// assert_eq!(store.limits().max_memory_pages, 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// The most 64 KiB pages any one memory may have. Growing past it makes
    /// `memory.grow` return -1; creating a larger memory fails instantiation.
    pub max_memory_pages: u64,
    /// The most elements any one table may have.
    pub max_table_elements: u64,
    /// The most instances the store may hold.
    pub max_instances: usize,
    /// The most wasm (and host) calls that may be active at once; one more is a
    /// `StackOverflow` trap. The interpreter and the SSA engine count every
    /// call; compiled code counts host calls only and is bounded by
    /// [`max_wasm_stack`](StoreLimits::max_wasm_stack) instead.
    pub max_call_depth: u32,
    /// The most bytes of native stack that wasm frames may use below the
    /// outermost call from the host; more is a `StackOverflow` trap. It applies
    /// to the tiers that run wasm frames on the native stack (the compiler and
    /// the SSA engine); the interpreter keeps its frames on the heap, and
    /// counts only what calls back into wasm from host functions nest.
    pub max_wasm_stack: usize,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            max_memory_pages: 65536,
            max_table_elements: 10_000_000,
            max_instances: 10_000,
            max_call_depth: 20_000,
            max_wasm_stack: 1 << 20,
        }
    }
}

//! kiln: an embeddable WebAssembly runtime.

//! Integration tests of the allocator through its public interface:
//! generated functions (`generated`) and hand-written ones with the
//! constraints of real instructions (`constraints`).

mod constraints;
mod generated;
mod support;

//! Integration tests of the allocator through its public interface:
//! generated functions (`generated`) and hand-written ones with the
//! constraints of real instructions (`constraints`), and the choice of what
//! to spill (`spill_choice`).

mod constraints;
mod generated;
mod spill_choice;
mod support;

//! Optimization passes, each in its own module, and the default pipeline.
//!
//! Every pass takes a verified function and leaves a verified function that
//! computes the same results and traps.

pub mod redundant_params;

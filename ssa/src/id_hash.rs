//! A fast hash for keys made of ids and small integers.
//!
//! The standard library's default hasher resists hash flooding, which the
//! compiler does not need: its tables are keyed by values, blocks and opcodes
//! of the function being compiled. This multiplicative hash (the one rustc
//! uses internally, "FxHash") is several times faster on such keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`IdHasher`].
pub type IdHashMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Folds each integer written into the state with a rotate, xor and multiply.
#[derive(Clone, Copy, Default)]
pub struct IdHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }

    fn write_u16(&mut self, n: u16) {
        self.add(n as u64);
    }

    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// The multiply leaves its best-mixed bits at the top, but the table
    /// picks buckets with the low bits: rotating the top bits down keeps
    /// keys that differ only in a high operand from piling into one probe
    /// sequence (rustc's FxHasher does the same since version 2).
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

//! A test environment for the SSA interpreter: one byte buffer is the whole
//! address space, and calls go to other functions of the test.

use kiln_ssa::interp::{self, InterpEnv, Outcome};
use kiln_ssa::{Function, Helper, Region, TrapCode, Type};
use proptest::prelude::*;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Size of the address space; addresses at or above it trap.
pub const MEMORY_SIZE: usize = 1 << 16;

/// A flat address space and the functions `call fN` may reach.
pub struct FlatEnv<'f> {
    pub memory: Vec<u8>,
    pub functions: &'f [Function],
}

impl FlatEnv<'_> {
    fn range(&self, address: u64, size: u32) -> Result<std::ops::Range<usize>, TrapCode> {
        let start = usize::try_from(address).map_err(|_| TrapCode::HeapOutOfBounds)?;
        let end = start
            .checked_add(size as usize)
            .ok_or(TrapCode::HeapOutOfBounds)?;
        if end > self.memory.len() {
            return Err(TrapCode::HeapOutOfBounds);
        }
        Ok(start..end)
    }
}

impl InterpEnv for FlatEnv<'_> {
    type Error = TrapCode;

    fn load(&mut self, _: Region, address: u64, size: u32) -> Result<u64, TrapCode> {
        let range = self.range(address, size)?;
        let mut bytes = [0u8; 8];
        bytes[..size as usize].copy_from_slice(&self.memory[range]);
        Ok(u64::from_le_bytes(bytes))
    }

    fn store(&mut self, _: Region, address: u64, size: u32, bits: u64) -> Result<(), TrapCode> {
        let range = self.range(address, size)?;
        self.memory[range].copy_from_slice(&bits.to_le_bytes()[..size as usize]);
        Ok(())
    }

    fn call(&mut self, func: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let functions = self.functions;
        let callee = functions.get(func as usize).expect("callee exists");
        interp::run(callee, self, args)
    }

    fn call_indirect(&mut self, code: u64, _: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        self.call(code as u32, args)
    }

    fn call_helper(&mut self, helper: Helper, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        panic!("pass tests do not call helpers ({helper})")
    }
}

/// Runs `func` alone on a zeroed memory; returns the outcome and a hash of
/// the memory afterwards.
pub fn run(func: &Function, args: &[u64]) -> (Outcome, u64) {
    let functions = std::slice::from_ref(func);
    let mut env = FlatEnv {
        memory: vec![0; MEMORY_SIZE],
        functions,
    };
    let outcome = interp::run(func, &mut env, args);
    let mut hasher = DefaultHasher::new();
    env.memory.hash(&mut hasher);
    (outcome, hasher.finish())
}

/// Arguments of the given types: small numbers, edge cases and random bits.
pub fn arguments(types: &[Type]) -> impl Strategy<Value = Vec<u64>> {
    let per_type: Vec<_> = types
        .iter()
        .map(|&ty| {
            let mask = if ty.bytes() == 4 {
                u32::MAX as u64
            } else {
                u64::MAX
            };
            prop_oneof![
                (0u64..16),
                Just(u64::MAX),
                Just(1u64 << (ty.bits() - 1)),
                any::<u64>(),
            ]
            .prop_map(move |bits| bits & mask)
        })
        .collect();
    per_type
}

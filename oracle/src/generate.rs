//! Module generation: a `wasm-smith` configuration that stays inside what kiln
//! runs (Wasm 2.0 without SIMD), with every loop and call paid for from a fuel
//! global so that each generated module terminates, and small caps on memories
//! and tables so that snapshots stay cheap to compare.

use arbitrary::Unstructured;
use kiln::StoreLimits;

/// Fuel each generated module starts with: every function entry, loop iteration
/// and element of a bulk operation costs one unit, and the module traps with
/// `unreachable` once it has spent them all.
pub const FUEL: u32 = 1_000;

/// The most 64 KiB pages a generated memory may declare, and may grow to.
pub const MAX_MEMORY_PAGES: u64 = 16;

/// The most elements a generated table may declare, and may grow to.
pub const MAX_TABLE_ELEMENTS: u64 = 1_000;

/// The `wasm-smith` configuration for kiln: the Wasm 2.0 proposals are on
/// (multi-value, reference types, bulk memory, sign extension, saturating
/// conversions, mutable globals); SIMD, threads and every later proposal are off.
pub fn wasm_smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        // Wasm 2.0.
        multi_value_enabled: true,
        reference_types_enabled: true,
        bulk_memory_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        // Not in kiln.
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        acquire_release_atomics_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        custom_descriptors_enabled: false,
        multibyte_array_access_enabled: false,
        compact_imports_enabled: false,
        max_memories: 1,
        // Several tables are part of reference types.
        max_tables: 3,
        max_memory32_bytes: MAX_MEMORY_PAGES * 65536,
        max_table_elements: MAX_TABLE_ELEMENTS,
        // At least one function to call.
        min_types: 1,
        min_funcs: 1,
        // Every function, global, table and memory becomes observable.
        export_everything: true,
        // Arithmetic NaNs have unspecified payloads; canonicalizing them in the
        // module keeps memory and integers derived from floats deterministic.
        canonicalize_nans: true,
        ..wasm_smith::Config::default()
    }
}

/// The store limits every engine runs a generated module under: growing past
/// the caps above fails the same way everywhere, and cannot exhaust the host.
pub fn store_limits() -> StoreLimits {
    StoreLimits {
        max_memory_pages: MAX_MEMORY_PAGES,
        max_table_elements: MAX_TABLE_ELEMENTS,
        ..StoreLimits::default()
    }
}

/// Generates a valid, terminating module in binary form from `u`.
pub fn generate_module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let mut module = wasm_smith::Module::new(wasm_smith_config(), u)?;
    module
        .ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(module.to_bytes())
}

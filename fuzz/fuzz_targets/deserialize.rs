//! Artifact fuzzing: `Module::deserialize` refuses every damaged artifact
//! with an error and never panics.
//!
//! The first input byte picks the artifact: arbitrary bytes (odd; when it is
//! 1 modulo 4 they follow the artifact magic, so that they reach the header
//! checks), or the artifact of a module with a memory, a table, globals,
//! imports, exports, segments and helper calls, damaged by the rest of the
//! input (even): each 5 bytes are a position (4 bytes, taken modulo the
//! length) and a byte to xor there, where a zero byte truncates the
//! artifact at that position instead.

#![no_main]

use kiln::{Config, Engine, Module, Strategy};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const MODULE: &str = r#"(module
    (import "env" "f" (func $f (param i32) (result i32)))
    (import "env" "g" (global $g i32))
    (memory (export "memory") 1 2)
    (table (export "table") 2 funcref)
    (global $counter (export "counter") (mut i64) (i64.const 7))
    (data (i32.const 8) "kiln") (data $passive "later")
    (elem (i32.const 0) $f $run)
    (func $run (export "run") (param i32) (result i32)
        (drop (memory.grow (local.get 0)))
        (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 5))
        (call_indirect (param i32) (result i32)
            (i32.load (local.get 0)) (global.get $g))))"#;

/// The compiler's engine and the sample's artifact, made once.
fn sample() -> Option<&'static (Engine, Vec<u8>)> {
    static SAMPLE: OnceLock<Option<(Engine, Vec<u8>)>> = OnceLock::new();
    SAMPLE
        .get_or_init(|| {
            let engine = Engine::new(Config::new().strategy(Strategy::Compiler));
            let artifact = Module::new(&engine, MODULE).ok()?.serialize().ok()?;
            Some((engine, artifact))
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    // Without a compiler backend for this CPU there are no artifacts.
    let Some((engine, artifact)) = sample() else {
        return;
    };
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let damaged = if mode % 2 == 1 {
        let magic: &[u8] = if mode % 4 == 1 { b"\0kilnart" } else { b"" };
        [magic, rest].concat()
    } else {
        let mut damaged = artifact.clone();
        for edit in rest.chunks_exact(5) {
            if damaged.is_empty() {
                break;
            }
            let at = u32::from_le_bytes(edit[..4].try_into().unwrap()) as usize % damaged.len();
            match edit[4] {
                0 => damaged.truncate(at),
                flip => damaged[at] ^= flip,
            }
        }
        if damaged == *artifact {
            return;
        }
        damaged
    };
    // SAFETY: loading must refuse the bytes before any of their code runs;
    // nothing of a module would be run if it loaded.
    let loaded = unsafe { Module::deserialize(engine, &damaged) };
    assert!(loaded.is_err(), "a damaged artifact loaded");
});

//! The trampolines against GNU `as`: `golden/trampolines.s` holds the code
//! expected for a few signatures, `golden/generate_trampolines.py`
//! assembles it into `golden/trampolines.txt`, and this test compares that
//! with what `entry_trampoline` and `host_exit_trampoline` make. Running
//! the trampolines is the engine's test (under qemu on x86-64 hosts).

use kiln_isa_arm64::trampolines::{entry_trampoline, host_exit_trampoline};
use kiln_ssa::target::CompiledFunction;
use kiln_ssa::{Signature, TrapCode, Type};

const GOLDEN: &str = include_str!("golden/trampolines.txt");

/// One section of the golden file.
struct Expected {
    header: &'static str,
    exit: bool,
    sig: Signature,
    /// (word, source line).
    words: Vec<(u32, &'static str)>,
}

fn parse_type(name: &str) -> Type {
    match name {
        "i32" => Type::I32,
        "i64" => Type::I64,
        "f32" => Type::F32,
        "f64" => Type::F64,
        _ => panic!("unknown type {name} in the golden file"),
    }
}

fn golden() -> Vec<Expected> {
    let mut sections: Vec<Expected> = Vec::new();
    for line in GOLDEN.lines().filter(|line| !line.starts_with('#')) {
        if let Some(header) = line.strip_prefix("== ") {
            let (kind, sig) = header.split_once(' ').expect("kind and signature");
            let (params, results) = sig.split_once("->").expect("params -> results");
            let types = |list: &str| list.split_whitespace().map(parse_type).collect();
            sections.push(Expected {
                header,
                exit: kind == "exit",
                sig: Signature {
                    params: types(params),
                    results: types(results),
                },
                words: Vec::new(),
            });
        } else {
            let (word, text) = line.split_once("  ").expect("word and source line");
            let word = u32::from_str_radix(word, 16).expect("a hex word");
            sections
                .last_mut()
                .expect("a section")
                .words
                .push((word, text));
        }
    }
    sections
}

fn words(function: &CompiledFunction) -> Vec<u32> {
    function
        .code
        .chunks(4)
        .map(|word| u32::from_le_bytes(word.try_into().expect("whole words")))
        .collect()
}

#[test]
fn trampolines_are_the_code_gnu_as_assembles_from_the_golden_listing() {
    let sections = golden();
    assert_eq!(sections.len(), 8);
    for section in sections {
        let function = if section.exit {
            host_exit_trampoline(&section.sig)
        } else {
            entry_trampoline(&section.sig)
        };
        let actual = words(&function);
        for (i, (&(word, text), &got)) in section.words.iter().zip(&actual).enumerate() {
            assert_eq!(
                got, word,
                "{}: word {i} is {got:08x}, expected {word:08x} `{text}`",
                section.header
            );
        }
        assert_eq!(actual.len(), section.words.len(), "{}", section.header);
        assert!(function.relocations.is_empty(), "{}", section.header);
    }
}

#[test]
fn only_the_exit_trampolines_stack_check_is_a_trap_site() {
    for section in golden() {
        let sites = if section.exit {
            host_exit_trampoline(&section.sig).trap_sites
        } else {
            entry_trampoline(&section.sig).trap_sites
        };
        if section.exit {
            let (index, _) = section
                .words
                .iter()
                .enumerate()
                .find(|(_, (_, text))| text.starts_with("b.lo"))
                .expect("a stack check");
            assert_eq!(sites.len(), 1, "{}", section.header);
            assert_eq!(sites[0].offset, 4 * index as u32);
            assert_eq!(sites[0].code, TrapCode::StackOverflow);
        } else {
            assert!(sites.is_empty(), "{}", section.header);
        }
    }
}

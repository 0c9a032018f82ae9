//! "asm-check" tests in the style of Go's codegen tests: small wasm
//! functions whose machine code must contain, or must not contain, given
//! instructions. Each pattern is a substring of one line of the listing
//! (Intel syntax).

mod support;

use kiln_isa_amd64::{Amd64Backend, Features, Listing};
use kiln_ssa::TrapCode;

/// Compiles the last function of `wat`, whose memories have a guarded span
/// of `guarded_bytes`, and returns its listing.
fn listing_guarded(backend: &Amd64Backend, wat: &str, guarded_bytes: u64) -> Listing {
    let (_, _, functions) = support::ssa_functions_guarded(wat, guarded_bytes);
    let func = functions.last().expect("a function");
    let (_, listing) = backend
        .compile_with_listing(func)
        .unwrap_or_else(|e| panic!("{e}\n{func}"));
    listing
}

/// The listing of the last function of `wat` with guard pages, the
/// engine's default.
fn listing_with(backend: &Amd64Backend, wat: &str) -> Listing {
    listing_guarded(backend, wat, support::DEFAULT_GUARDED_BYTES)
}

fn listing(wat: &str) -> Listing {
    listing_with(&Amd64Backend::new(), wat)
}

/// The listing with an explicit bounds check before every memory access.
fn listing_explicit(wat: &str) -> Listing {
    listing_guarded(&Amd64Backend::new(), wat, 0)
}

/// Asserts that some line contains each of `present` and no line contains
/// any of `absent`.
fn check(listing: &Listing, present: &[&str], absent: &[&str]) {
    let lines: Vec<&str> = listing.text.lines().collect();
    for pattern in present {
        assert!(
            lines.iter().any(|line| line.contains(pattern)),
            "expected `{pattern}` in:\n{}",
            listing.text
        );
    }
    for pattern in absent {
        assert!(
            !lines.iter().any(|line| line.contains(pattern)),
            "did not expect `{pattern}` in:\n{}",
            listing.text
        );
    }
}

/// Asserts that a line containing `first` is directly followed by a line
/// containing `second`.
fn check_adjacent(listing: &Listing, first: &str, second: &str) {
    let lines: Vec<&str> = listing.text.lines().collect();
    assert!(
        lines
            .windows(2)
            .any(|w| w[0].contains(first) && w[1].contains(second)),
        "expected `{first}` right before `{second}` in:\n{}",
        listing.text
    );
}

#[test]
fn adds_use_lea() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))",
    );
    check(&l, &["lea eax, [rsi+rdx*1]"], &["add e"]);
    let l =
        listing("(module (func (param i64) (result i64) (i64.add (local.get 0) (i64.const 40))))");
    check(&l, &["lea rax, [rsi+0x28]"], &["add r"]);
}

#[test]
fn compares_fuse_with_branches() {
    let l = listing(
        "(module (func (param i32 i32) (result i32)
           (if (result i32) (i32.lt_s (local.get 0) (local.get 1))
             (then (i32.const 1)) (else (i32.const 2)))))",
    );
    check_adjacent(&l, "cmp esi, edx", "jge");
    check(&l, &[], &["setl", "movzx"]);
}

#[test]
fn compares_fuse_with_selects() {
    let l = listing(
        "(module (func (param i64 i64 i32 i32) (result i32)
           (select (local.get 2) (local.get 3) (i64.gt_u (local.get 0) (local.get 1)))))",
    );
    check_adjacent(&l, "cmp rsi, rdx", "cmova");
    check(&l, &[], &["seta", " ja "]);
}

#[test]
fn a_compare_with_zero_is_a_test() {
    let l = listing(
        "(module (func (param i32) (result i32) (if (local.get 0) (then unreachable)) (i32.const 0)))",
    );
    check_adjacent(&l, "test esi, esi", "je");
    check(&l, &[], &["cmp esi"]);
}

#[test]
fn a_simple_loop_does_not_spill() {
    let l = listing(
        "(module (memory 1)
          (func (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (i32.load offset=4 (local.get 0))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1)))",
    );
    assert_eq!((l.stats.spills, l.stats.reloads), (0, 0), "{}", l.text);
    check(&l, &["lea esi, [rsi-0x1]"], &["[rbp-0x10]"]);
}

#[test]
fn guard_pages_leave_accesses_unchecked_unless_the_offset_passes_the_guard() {
    let l = listing(
        "(module (memory 1)
          (func (param i32) (result i32) (i32.load offset=33554429 (local.get 0))))",
    );
    check(&l, &["*1+0x1fffffd]"], &[" ja ", "cmov"]);
    let l = listing(
        "(module (memory 1)
          (func (param i32) (result i32) (i32.load offset=33554430 (local.get 0))))",
    );
    check(&l, &[" ja ", "cmova"], &[]);
}

#[test]
fn every_heap_access_is_a_fault_site_that_resumes_at_the_heap_stub() {
    let (_, _, functions) = support::ssa_functions_guarded(
        "(module (memory 1) (global $g (mut i64) (i64.const 0))
          (func (param i32) (result i64)
            (i32.store8 offset=3 (local.get 0) (i32.const 1))
            (global.set $g (i64.load offset=8 (local.get 0)))
            (i64.add (global.get $g) (i64.load offset=16 (local.get 0)))))",
        support::DEFAULT_GUARDED_BYTES,
    );
    let (compiled, l) = Amd64Backend::new()
        .compile_with_listing(&functions[0])
        .unwrap();
    let offset_of = |line: &str| u32::from_str_radix(line.split_whitespace().next().unwrap(), 16);
    let lines: Vec<&str> = l.text.lines().collect();
    let faults: Vec<_> = compiled
        .trap_sites
        .iter()
        .filter_map(|site| Some((site.offset, site.code, site.fault_stub?)))
        .collect();
    let accesses: Vec<&str> = faults
        .iter()
        .map(|&(offset, ..)| {
            let at = |line: &&&str| offset_of(line) == Ok(offset) && !line.ends_with(':');
            *lines
                .iter()
                .find(at)
                .expect("an instruction at the fault site")
        })
        .collect();
    assert_eq!(accesses.len(), 3, "{}", l.text);
    for (access, displacement) in accesses.iter().zip(["+0x3]", "+0x8]", "+0x10]"]) {
        assert!(access.contains(displacement), "{access}:\n{}", l.text);
    }
    let stub = faults[0].2;
    assert!(
        faults
            .iter()
            .all(|&(_, code, s)| code == TrapCode::HeapOutOfBounds && s == stub)
    );
    let stub_line = lines
        .iter()
        .position(|line| offset_of(line) == Ok(stub) && !line.trim_end().ends_with(':'))
        .expect("the stub");
    assert!(
        lines[stub_line..stub_line + 3]
            .iter()
            .any(|line| line.contains("mov dword [r11+0x10], 0x1")),
        "the stub records HeapOutOfBounds:\n{}",
        l.text
    );
}

#[test]
fn explicit_checks_clamp_the_address_with_a_conditional_move() {
    let l = listing_explicit(
        "(module (memory 1)
          (func (param i32) (result i32) (i32.load offset=8 (local.get 0))))",
    );
    let lines: Vec<&str> = l.text.lines().collect();
    let position = |pattern: &str| {
        lines
            .iter()
            .position(|line| line.contains(pattern))
            .unwrap_or_else(|| panic!("expected `{pattern}` in:\n{}", l.text))
    };
    let (check, clamp) = (position(" ja "), position("cmova"));
    assert!(check < clamp, "the check comes first:\n{}", l.text);
    assert!(
        lines[clamp + 1..]
            .iter()
            .any(|line| line.contains("mov eax, [")),
        "the access uses the clamped address:\n{}",
        l.text
    );
    let compares = lines.iter().filter(|line| line.contains("cmp ")).count();
    assert_eq!(
        compares, 2,
        "the bounds check and its guard (a leaf makes no stack check):\n{}",
        l.text
    );
}

#[test]
fn only_functions_that_call_check_the_stack_limit() {
    let leaf =
        listing("(module (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))");
    check(&leaf, &[], &["cmp rsp", "mov dword [r11+0x10], 0x8"]);
    let caller = listing(
        "(module (func $f (param i32) (result i32) (local.get 0))
                 (func (result i32) (call $f (i32.const 5))))",
    );
    check(
        &caller,
        &["cmp rsp, [r11]", "mov dword [r11+0x10], 0x8"],
        &[],
    );
}

#[test]
fn a_leaf_with_a_large_frame_checks_the_stack_limit() {
    // Sixty values live across one another spill more than the 256 bytes
    // a leaf may take unchecked.
    let mut body = String::new();
    for k in 0..60 {
        body.push_str(&format!("(i64.mul (local.get 0) (i64.const {}))\n", k + 3));
    }
    body.push_str(&"(i64.add)\n".repeat(59));
    let l = listing(&format!("(module (func (param i64) (result i64) {body}))"));
    check(&l, &["cmp rsp, [r11]"], &[]);
}

#[test]
fn the_memory_base_is_one_load_from_the_context() {
    let l = listing("(module (memory 1) (func (param i32) (result i32) (i32.load (local.get 0))))");
    check(&l, &["mov rax, [rdi+0x18]", "mov eax, [rax+rsi*1]"], &[]);
}

#[test]
fn call_indirect_clamps_the_table_element_with_a_conditional_move() {
    let l = listing(
        "(module (type $v (func)) (table 4 funcref)
          (func (param i32) (call_indirect (type $v) (local.get 0))))",
    );
    check(&l, &[" jae ", "cmovae"], &[]);
}

#[test]
fn heap_accesses_use_base_index_displacement() {
    let l = listing(
        "(module (memory 1)
          (func (param i32) (result i64) (i64.load offset=24 (local.get 0))))",
    );
    check(&l, &["*1+0x18]"], &[]);
}

#[test]
fn one_bounds_check_covers_nearby_accesses() {
    let l = listing_explicit(
        "(module (memory 1)
          (func (param i32) (result i32)
            (i32.add (i32.load offset=8 (local.get 0)) (i32.load offset=4 (local.get 0)))))",
    );
    let checks = l.text.lines().filter(|line| line.contains(" ja ")).count();
    assert_eq!(checks, 1, "{}", l.text);
}

#[test]
fn immediates_fold_into_instructions() {
    let l = listing(
        "(module (memory 1) (func (param i64 i32) (result i64)
           (i32.store (local.get 1) (i32.const 7))
           (i64.xor (i64.and (local.get 0) (i64.const 255)) (i64.const -2))))",
    );
    check(
        &l,
        &["and rsi, 0xff", ", 0xfffffffe", "mov dword ["],
        &["movabs"],
    );
}

#[test]
fn shifts_take_their_count_in_cl_or_an_immediate() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1))))",
    );
    check(&l, &["shl", ", cl"], &[]);
    let l =
        listing("(module (func (param i64) (result i64) (i64.rotr (local.get 0) (i64.const 67))))");
    check(&l, &["ror rax, 3"], &["cl"]);
}

#[test]
fn division_checks_only_what_can_happen() {
    let l = listing(
        "(module (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))",
    );
    check(
        &l,
        &["test e", "cmp e", "neg eax", "jo", "cdq", "idiv"],
        &[],
    );
    let l =
        listing("(module (func (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 7))))");
    check(&l, &["cdq", "idiv"], &["test", "neg", "jo"]);
    let l = listing(
        "(module (func (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1))))",
    );
    check(&l, &["test r", "div r"], &["idiv", "cqo"]);
}

#[test]
fn bit_counts_use_the_cpu_instructions_or_fall_back() {
    let wat = "(module (func (param i32 i64) (result i64)
        (i64.add (i64.extend_i32_u (i32.clz (local.get 0))) (i64.ctz (local.get 1)))))";
    let l = listing(wat);
    check(&l, &["lzcnt", "tzcnt"], &["bsr", "bsf"]);
    let l = listing_with(&Amd64Backend::with_features(Features::baseline()), wat);
    check(&l, &["bsr", "bsf", "cmove"], &["lzcnt", "tzcnt"]);
    let wat = "(module (func (param i64) (result i64) (i64.popcnt (local.get 0))))";
    check(&listing(wat), &["popcnt rax, rsi"], &[]);
    let baseline = Amd64Backend::with_features(Features::baseline());
    check(&listing_with(&baseline, wat), &["imul"], &["popcnt"]);
}

#[test]
fn rounding_uses_sse41_or_falls_back() {
    let wat = "(module (func (param f64) (result f64) (f64.floor (local.get 0))))";
    check(&listing(wat), &["roundsd xmm0, xmm0, 9"], &[]);
    let baseline = Amd64Backend::with_features(Features::baseline());
    check(
        &listing_with(&baseline, wat),
        &["addsd", "subsd"],
        &["roundsd"],
    );
}

#[test]
fn br_table_jumps_through_a_table() {
    let l = listing(
        "(module (func (param i32) (result i32)
           (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 1))) (return (i32.const 2)))
           (i32.const 3)))",
    );
    check(&l, &["cmovae", "lea r11, [rip+", "jmp r11"], &[]);
    // One jump: the table holds offsets, not jumps to the targets.
    check_adjacent(&l, "movsxd rax, [r11+rax*4]", "add r11, rax");
    check_adjacent(&l, "add r11, rax", "jmp r11");
    let entries = l.text.lines().filter(|line| line.contains(" dd L")).count();
    assert_eq!(entries, 3, "{}", l.text);
}

#[test]
fn a_tested_and_is_a_test() {
    let l = listing(
        "(module (func (param i32) (result i32)
           (if (i32.and (local.get 0) (i32.const 0xe0)) (then unreachable)) (i32.const 0)))",
    );
    check_adjacent(&l, "test esi, 0xe0", "je");
    check(&l, &[], &["and esi"]);
    let l = listing(
        "(module (func (param i64 i64) (result i32)
           (i64.eqz (i64.and (local.get 0) (local.get 1)))))",
    );
    check_adjacent(&l, "test rsi, rdx", "sete");
    check(&l, &[], &["and rsi"]);
    // An `and` read elsewhere too is still computed, and tested as itself.
    let l = listing(
        "(module (func (param i32) (result i32) (local i32)
           (local.set 1 (i32.and (local.get 0) (i32.const 6)))
           (if (local.get 1) (then unreachable)) (local.get 1)))",
    );
    check(&l, &["and e"], &["test esi, 0x6"]);
}

#[test]
fn adds_of_shifted_values_use_a_scaled_index() {
    let l = listing(
        "(module (func (param i32 i32) (result i32)
           (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))",
    );
    check(&l, &["lea eax, [rsi+rdx*8]"], &["shl"]);
    let l = listing(
        "(module (func (param i64 i64) (result i64)
           (i64.add (i64.shl (local.get 1) (i64.const 2)) (local.get 0))))",
    );
    check(&l, &["lea rax, [rsi+rdx*4]"], &["shl"]);
    let l = listing(
        "(module (func (param i32 i32) (result i32)
           (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 4)))))",
    );
    check(&l, &["shl eax, 4", "lea eax, [rsi+rax*1]"], &[]);
}

#[test]
fn a_sum_plus_a_constant_is_one_lea() {
    let l = listing(
        "(module (func (param i32 i32) (result i32)
           (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 5))))",
    );
    check(&l, &["lea eax, [rsi+rdx*1+0x5]"], &["add"]);
    let leas = l.text.lines().filter(|line| line.contains("lea e")).count();
    assert_eq!(leas, 1, "{}", l.text);
    let l = listing(
        "(module (func (param i64 i64) (result i64)
           (i64.add (i64.add (local.get 0) (i64.shl (local.get 1) (i64.const 2))) (i64.const -8))))",
    );
    check(&l, &["lea rax, [rsi+rdx*4-0x8]"], &["shl"]);
}

#[test]
fn scalar_float_writes_do_not_wait_for_the_old_destination() {
    let l = listing("(module (func (param f64 f64) (result f64) (f64.sqrt (local.get 1))))");
    check_adjacent(&l, "xorps xmm0, xmm0", "sqrtsd xmm0, xmm1");
    let l = listing("(module (func (param i32) (result f64) (f64.convert_i32_s (local.get 0))))");
    check_adjacent(&l, "xorps xmm0, xmm0", "cvtsi2sd xmm0, esi");
    let l = listing("(module (func (param f64) (result f64) (f64.sqrt (local.get 0))))");
    check(&l, &["sqrtsd xmm0, xmm0"], &["xorps"]);
}

#[test]
fn calls_are_relocated() {
    let l = listing(
        "(module (func $f (param i32) (result i32) (local.get 0))
                 (func (result i32) (call $f (i32.const 5))))",
    );
    check(&l, &["mov esi, 0x5", "call Function(0)"], &[]);
}

#[test]
fn zero_extensions_are_free() {
    let l = listing(
        "(module (func (param i32 i64) (result i64)
           (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))))",
    );
    check(&l, &["lea rax, [rsi+rdx*1]"], &["mov e"]);
}

#[test]
fn loads_fold_into_arithmetic() {
    let l = listing(
        "(module (memory 1) (func (param i32 i64) (result i64)
           (i64.add (local.get 1) (i64.load offset=8 (local.get 0)))))",
    );
    let heap_reads: Vec<&str> = l
        .text
        .lines()
        .filter(|line| line.contains("*1+0x8]"))
        .collect();
    assert_eq!(heap_reads.len(), 1, "{}", l.text);
    assert!(heap_reads[0].contains("  add r"), "{}", l.text);
    let l = listing(
        "(module (memory 1) (func (param i32 f64) (result f64)
           (f64.mul (f64.load (local.get 0)) (local.get 1))))",
    );
    check(&l, &["mulsd xmm0, ["], &["movsd"]);
}

#[test]
fn multiplications_by_constants_take_an_immediate() {
    let l =
        listing("(module (func (param i32) (result i32) (i32.mul (local.get 0) (i32.const 10))))");
    check(&l, &["imul eax, esi, 0xa"], &["mov eax, 0xa"]);
}

#[test]
fn branches_skip_blocks_that_only_jump() {
    let l = listing(
        "(module (func (param i32) (result i32) (local i32)
           (loop $again
             (local.set 1 (i32.add (local.get 1) (local.get 0)))
             (br_if $again (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
           (local.get 1)))",
    );
    check(&l, &["jne L"], &["jmp L"]);
}

/// `while (a[--j] > pivot) {}`: quicksort's partition loop, one block.
const COUNTDOWN: &str = "(module (memory 1)
  (func (param i32 i32) (result i32)
    (loop $l
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (i32.gt_s (i32.load (i32.shl (local.get 0) (i32.const 2))) (local.get 1))))
    (local.get 0)))";

#[test]
fn a_counter_counted_down_in_a_loop_stays_in_its_register() {
    let l = listing(COUNTDOWN);
    check(&l, &["lea esi, [rsi-0x1]", "jg L2"], &["jmp L2"]);
    assert_eq!(l.stats.moves, 2, "{}", l.text);
}

#[test]
fn loop_headers_start_at_a_multiple_of_32_bytes() {
    let l = listing(COUNTDOWN);
    let header = l
        .text
        .lines()
        .find(|line| line.trim_end().ends_with("L2:"))
        .unwrap_or_else(|| panic!("the loop header in:\n{}", l.text));
    let offset = u32::from_str_radix(header.split_whitespace().next().unwrap(), 16).unwrap();
    assert_eq!(offset % 32, 0, "{}", l.text);
    check(&l, &["nop"], &[]);
}

#[test]
fn loops_of_several_blocks_are_not_padded() {
    let l = listing(
        "(module (memory 1)
          (func (param i32 i32) (result i32)
            (loop $l
              (if (i32.and (local.get 0) (i32.const 1))
                (then (local.set 1 (i32.add (local.get 1) (i32.const 3)))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br_if $l (local.get 0)))
            (local.get 1)))",
    );
    check(&l, &["jne L"], &["nop"]);
}

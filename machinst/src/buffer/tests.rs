//! The buffer on a made-up ISA whose branches reach only a few dozen
//! bytes, so that islands and veneers show up in a few hundred bytes of
//! code. Its instructions:
//!
//! - `0x90`: a one-byte no-op;
//! - `0xB0 d16`: a short branch, reaching ±`SHORT` bytes from its field;
//! - `0xB1 d16`: a load of a constant, reaching ±`LITERAL` bytes;
//! - `0xE9 d32`: a jump, reaching ±1 MiB (islands and veneers use it);
//! - `0xC3`: the end of the code.

use super::*;

const SHORT: u32 = 96;
const LITERAL: u32 = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fake {
    Short,
    Literal,
    Long,
}

impl LabelUse for Fake {
    const PADDING: u8 = 0xCC;
    const JUMP: JumpTemplate<Fake> = JumpTemplate {
        code: &[0xE9, 0, 0, 0, 0],
        use_at: 1,
        kind: Fake::Long,
    };

    fn max_forward(self) -> u32 {
        match self {
            Fake::Short => SHORT,
            Fake::Literal => LITERAL,
            Fake::Long => 1 << 20,
        }
    }

    fn max_backward(self) -> u32 {
        self.max_forward()
    }

    fn patch(self, code: &mut [u8], at: u32, target: u32) {
        let distance = i64::from(target) - i64::from(at);
        let at = at as usize;
        match self {
            Fake::Short | Fake::Literal => {
                let field = i16::try_from(distance).expect("in reach");
                code[at..at + 2].copy_from_slice(&field.to_le_bytes());
            }
            Fake::Long => {
                let field = i32::try_from(distance).expect("in reach");
                code[at..at + 4].copy_from_slice(&field.to_le_bytes());
            }
        }
    }

    fn veneer(self) -> Option<JumpTemplate<Fake>> {
        match self {
            Fake::Short => Some(Fake::JUMP),
            Fake::Literal | Fake::Long => None,
        }
    }
}

/// The most one instruction adds: 3 bytes, a veneer and a constant.
const WORST_CASE: u32 = 3 + 5 + 16;

fn nop(buffer: &mut MachBuffer<Fake>) {
    buffer.reserve(WORST_CASE);
    buffer.put_u8(0x90);
}

/// A short branch; returns the offset of its field.
fn branch(buffer: &mut MachBuffer<Fake>, label: Label) -> u32 {
    buffer.reserve(WORST_CASE);
    buffer.put(&[0xB0, 0, 0]);
    let at = buffer.offset() - 2;
    buffer.use_label(at, label, Fake::Short);
    at
}

/// A load of a constant; returns the offset of its field.
fn load(buffer: &mut MachBuffer<Fake>, bits: u128) -> u32 {
    buffer.reserve(WORST_CASE);
    let label = buffer.constant(bits);
    buffer.put(&[0xB1, 0, 0]);
    let at = buffer.offset() - 2;
    buffer.use_label(at, label, Fake::Literal);
    at
}

fn end(mut buffer: MachBuffer<Fake>) -> CompiledFunction {
    buffer.reserve(WORST_CASE);
    buffer.put_u8(0xC3);
    buffer.finish()
}

/// Where the field at `at` points.
fn target(code: &[u8], at: u32, kind: Fake) -> u32 {
    let at_usize = at as usize;
    let distance = match kind {
        Fake::Short | Fake::Literal => {
            i64::from(i16::from_le_bytes([code[at_usize], code[at_usize + 1]]))
        }
        Fake::Long => i64::from(i32::from_le_bytes(
            code[at_usize..at_usize + 4].try_into().expect("4 bytes"),
        )),
    };
    (i64::from(at) + distance) as u32
}

/// Where execution really continues from `offset`: through jumps.
fn land(code: &[u8], mut offset: u32) -> u32 {
    while code[offset as usize] == 0xE9 {
        offset = target(code, offset + 1, Fake::Long);
    }
    offset
}

/// Where the branch whose field is at `at` leads.
fn branch_destination(code: &[u8], at: u32) -> u32 {
    land(code, target(code, at, Fake::Short))
}

/// Runs the code straight through, taking no branch: the offsets of the
/// instructions executed. Islands must be jumped over.
fn straight_line(code: &[u8]) -> Vec<u32> {
    let (mut pc, mut executed) = (0, Vec::new());
    loop {
        executed.push(pc);
        pc = match code[pc as usize] {
            0x90 => pc + 1,
            0xB0 | 0xB1 => pc + 3,
            0xE9 => target(code, pc + 1, Fake::Long),
            0xC3 => return executed,
            byte => panic!("executed {byte:#x} at {pc:#x}"),
        };
    }
}

fn opcodes(code: &[u8], offsets: &[u32]) -> Vec<u8> {
    offsets
        .iter()
        .map(|&pc| code[pc as usize])
        .filter(|&op| op != 0xE9)
        .collect()
}

#[test]
fn uses_of_bound_and_unbound_labels_are_patched() {
    let mut buffer = MachBuffer::<Fake>::new();
    let (back, forward) = (buffer.new_label(), buffer.new_label());
    buffer.bind(back);
    nop(&mut buffer);
    let backward_use = branch(&mut buffer, back);
    let forward_use = branch(&mut buffer, forward);
    nop(&mut buffer);
    buffer.bind(forward);
    let function = end(buffer);
    let code = &function.code;
    assert_eq!(code.len(), 9, "no island in reach");
    assert_eq!(target(code, backward_use, Fake::Short), 0);
    assert_eq!(target(code, forward_use, Fake::Short), 8);
}

#[test]
fn a_forward_branch_out_of_reach_goes_through_a_veneer_in_an_island() {
    let mut buffer = MachBuffer::<Fake>::new();
    let far = buffer.new_label();
    let at = branch(&mut buffer, far);
    for _ in 0..300 {
        nop(&mut buffer);
    }
    buffer.bind(far);
    let far_offset = buffer.offset();
    let function = end(buffer);
    let code = &function.code;
    let veneer = target(code, at, Fake::Short);
    assert!(veneer - at <= SHORT, "the veneer is in reach");
    assert_eq!(code[veneer as usize], 0xE9, "a veneer is a jump");
    assert_eq!(branch_destination(code, at), far_offset);
    let executed = straight_line(code);
    assert_eq!(opcodes(code, &executed).len(), 1 + 300 + 1);
}

#[test]
fn a_backward_branch_out_of_reach_gets_a_veneer() {
    let mut buffer = MachBuffer::<Fake>::new();
    let start = buffer.new_label();
    buffer.bind(start);
    for _ in 0..150 {
        nop(&mut buffer);
    }
    let at = branch(&mut buffer, start);
    for _ in 0..10 {
        nop(&mut buffer);
    }
    let function = end(buffer);
    let code = &function.code;
    assert_eq!(branch_destination(code, at), 0);
    assert_eq!(opcodes(code, &straight_line(code)).len(), 150 + 1 + 10 + 1);
}

#[test]
fn many_branches_to_one_far_label_all_arrive() {
    let mut buffer = MachBuffer::<Fake>::new();
    let far = buffer.new_label();
    let uses: Vec<u32> = (0..40)
        .map(|_| {
            let at = branch(&mut buffer, far);
            for _ in 0..7 {
                nop(&mut buffer);
            }
            at
        })
        .collect();
    buffer.bind(far);
    let far_offset = buffer.offset();
    let function = end(buffer);
    for at in uses {
        assert_eq!(branch_destination(&function.code, at), far_offset);
    }
}

#[test]
fn constants_go_to_the_end_shared_and_aligned_when_in_reach() {
    let mut buffer = MachBuffer::<Fake>::new();
    let bits = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
    let first = load(&mut buffer, bits);
    let second = load(&mut buffer, bits);
    let function = end(buffer);
    let code = &function.code;
    let constant = target(code, first, Fake::Literal);
    assert_eq!(target(code, second, Fake::Literal), constant);
    assert_eq!(constant % 16, 0);
    assert_eq!(code[7..16], [0xCC; 9], "padding up to the pool");
    assert_eq!(code[16..32], bits.to_le_bytes());
    assert_eq!(code.len(), 32);
}

#[test]
fn constants_are_placed_in_islands_before_their_loads_lose_reach() {
    let mut buffer = MachBuffer::<Fake>::new();
    let bits = 0x1111_2222_3333_4444_5555_6666_7777_8888;
    let mut loads = Vec::new();
    for _ in 0..6 {
        loads.push(load(&mut buffer, bits));
        for _ in 0..100 {
            nop(&mut buffer);
        }
    }
    let function = end(buffer);
    let code = &function.code;
    let mut copies = Vec::new();
    for at in loads {
        let constant = target(code, at, Fake::Literal);
        assert!(constant.abs_diff(at) <= LITERAL);
        assert_eq!(constant % 16, 0);
        assert_eq!(code[constant as usize..][..16], bits.to_le_bytes());
        copies.push(constant);
    }
    copies.dedup();
    assert!(copies.len() > 1, "later loads get copies of their own");
    assert_eq!(opcodes(code, &straight_line(code)).len(), 6 * 101 + 1);
}

#[test]
fn trap_sites_and_relocations_name_their_instructions_after_islands() {
    let mut buffer = MachBuffer::<Fake>::new();
    let far = buffer.new_label();
    branch(&mut buffer, far);
    let mut trapping = Vec::new();
    for i in 0..200 {
        nop(&mut buffer);
        if i % 50 == 0 {
            buffer.reserve(WORST_CASE);
            buffer.trap_site(TrapCode::Unreachable);
            buffer.relocation(RelocationKind::Absolute8, RelocationTarget::Function(i));
            trapping.push(buffer.offset());
            buffer.put(&[0xB1, 0, 0]);
            let label = buffer.constant(u128::from(i));
            buffer.use_label(buffer.offset() - 2, label, Fake::Literal);
        }
    }
    buffer.bind(far);
    let function = end(buffer);
    let sites: Vec<u32> = function.trap_sites.iter().map(|s| s.offset).collect();
    let relocations: Vec<u32> = function.relocations.iter().map(|r| r.offset).collect();
    assert_eq!(sites, trapping);
    assert_eq!(relocations, trapping);
    for offset in sites {
        assert_eq!(function.code[offset as usize], 0xB1);
    }
}

#[test]
fn fault_sites_name_their_access_and_the_stub_they_resume_at() {
    let mut buffer = MachBuffer::<Fake>::new();
    let stub = buffer.new_label();
    let mut accesses = Vec::new();
    for i in 0..3 {
        nop(&mut buffer);
        buffer.reserve(WORST_CASE);
        if i == 1 {
            buffer.trap_site(TrapCode::Unreachable);
        } else {
            buffer.fault_site(TrapCode::HeapOutOfBounds, stub);
            accesses.push(buffer.offset());
        }
        buffer.put(&[0x90]);
    }
    buffer.put_u8(0xC3);
    let stub_offset = buffer.offset();
    buffer.bind(stub);
    buffer.put_u8(0xC3);
    let function = buffer.finish();
    let faults: Vec<_> = function
        .trap_sites
        .iter()
        .filter_map(|site| Some((site.offset, site.code, site.fault_stub?)))
        .collect();
    let expected: Vec<_> = accesses
        .iter()
        .map(|&at| (at, TrapCode::HeapOutOfBounds, stub_offset))
        .collect();
    assert_eq!(faults, expected);
    assert_eq!(function.trap_sites.len(), 3);
    assert!(function.trap_sites.is_sorted_by_key(|site| site.offset));
}

#[test]
fn the_listing_shows_labels_islands_and_veneers() {
    let mut buffer = MachBuffer::<Fake>::with_listing();
    let far = buffer.new_label();
    buffer.note(|| "branch".into());
    branch(&mut buffer, far);
    for _ in 0..200 {
        nop(&mut buffer);
    }
    buffer.bind(far);
    let listing = buffer.listing();
    assert!(listing.starts_with("    0  branch\n"), "{listing}");
    assert!(listing.contains("island, jump to L1"), "{listing}");
    assert!(listing.contains("veneer to L0"), "{listing}");
    assert!(listing.contains("L0:"), "{listing}");
}

#[test]
#[should_panic(expected = "never bound")]
fn a_label_used_but_never_bound_is_an_emitter_bug() {
    let mut buffer = MachBuffer::<Fake>::new();
    let label = buffer.new_label();
    branch(&mut buffer, label);
    end(buffer);
}

/// A small deterministic generator, for the mixed test below.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn mixed_code_keeps_every_use_right_and_every_island_jumped_over() {
    for seed in 0..30 {
        let mut random = Lcg(seed);
        let mut buffer = MachBuffer::<Fake>::new();
        let labels: Vec<Label> = (0..40).map(|_| buffer.new_label()).collect();
        let mut offsets = vec![None; labels.len()];
        let (mut bound, mut branches, mut loads) = (0, Vec::new(), Vec::new());
        let mut emitted = 0;
        for _ in 0..600 {
            match random.below(10) {
                0 if bound < labels.len() => {
                    buffer.bind(labels[bound]);
                    offsets[bound] = Some(buffer.offset());
                    bound += 1;
                }
                1 | 2 => {
                    let label = random.below(labels.len() as u64) as usize;
                    branches.push((branch(&mut buffer, labels[label]), label));
                    emitted += 1;
                }
                3 => {
                    let bits = u128::from(random.below(5)) << 64 | 0x77;
                    loads.push((load(&mut buffer, bits), bits));
                    emitted += 1;
                }
                _ => {
                    nop(&mut buffer);
                    emitted += 1;
                }
            }
        }
        for (label, offset) in labels.iter().zip(&mut offsets).skip(bound) {
            buffer.bind(*label);
            *offset = Some(buffer.offset());
        }
        let function = end(buffer);
        let code = &function.code;
        for (at, label) in branches {
            let expected = land(code, offsets[label].expect("bound"));
            assert_eq!(branch_destination(code, at), expected, "seed {seed}");
        }
        for (at, bits) in loads {
            let constant = target(code, at, Fake::Literal) as usize;
            assert_eq!(code[constant..][..16], bits.to_le_bytes(), "seed {seed}");
        }
        let executed = straight_line(code);
        assert_eq!(opcodes(code, &executed).len(), emitted + 1, "seed {seed}");
    }
}

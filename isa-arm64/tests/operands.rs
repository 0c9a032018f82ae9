//! The operand checks a lowering relies on: which values each immediate
//! type accepts (logical immediates against a brute-force decoder of every
//! encoding, the add/sub, memory and `fmov` immediates at their bounds), the
//! pc-relative fields' ranges and patching, constant materialization run
//! through a small interpreter, and the register sets of `machine_env`.

use kiln_isa_arm64::encode::Size::{self, S32, S64};
use kiln_isa_arm64::encode::arith::Imm12;
use kiln_isa_arm64::encode::bitmask::LogicalImm;
use kiln_isa_arm64::encode::branch::{
    CompareBranchOp, PcRelField, TestBranchOp, adrp, b_cond, compare_branch, test_branch,
};
use kiln_isa_arm64::encode::constant::mov_imm;
use kiln_isa_arm64::encode::float::FpImm8;
use kiln_isa_arm64::encode::memory::{
    AddrMode, FpSize, Load, PairOffset, ScaledOffset, Store, UnscaledOffset,
};
use kiln_isa_arm64::encode::{Cond, Words};
use kiln_isa_arm64::regs::*;
use kiln_regalloc::RegClass;
use std::collections::HashSet;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The architecture's `DecodeBitMasks`, written out bit by bit: the value
/// of the logical immediate fields `N:immr:imms` for an operation of
/// `width` bits, or `None` for a reserved encoding.
fn decode_bit_masks(n: bool, immr: u32, imms: u32, width: u32) -> Option<u64> {
    // The element size is 2^len, len the highest set bit of N:NOT(imms).
    let selector = (u32::from(n) << 6) | (!imms & 0x3F);
    let len = (0..7).rev().find(|&bit| selector & (1 << bit) != 0)?;
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    if esize > width {
        return None;
    }
    let levels = esize - 1;
    if imms & levels == levels {
        return None;
    }
    let ones = (imms & levels) + 1;
    let rotation = immr & levels;
    let mut element = vec![false; esize as usize];
    for bit in 0..ones {
        element[bit as usize] = true;
    }
    for _ in 0..rotation {
        element.rotate_left(1);
    }
    let mut value = 0u64;
    for bit in 0..width {
        if element[(bit % esize) as usize] {
            value |= 1 << bit;
        }
    }
    Some(value)
}

/// Every value a logical immediate of `size` can hold.
fn encodable(size: Size) -> HashSet<u64> {
    let width = size.bits();
    let mut values = HashSet::new();
    for n in [false, true] {
        for immr in 0..64 {
            for imms in 0..64 {
                if let Some(value) = decode_bit_masks(n, immr, imms, width) {
                    values.insert(value);
                }
            }
        }
    }
    values
}

/// Checks `LogicalImm::new(value)` against membership in `encodable`.
fn check_logical(value: u64, size: Size, encodable: &HashSet<u64>) {
    let value = match size {
        S32 => value & 0xFFFF_FFFF,
        S64 => value,
    };
    match LogicalImm::new(value, size) {
        Some(imm) => {
            let (n, immr, imms) = imm.fields();
            let decoded = decode_bit_masks(n, immr.into(), imms.into(), size.bits());
            assert_eq!(
                decoded,
                Some(value),
                "{value:#x} encoded as {:?}",
                imm.fields()
            );
        }
        None => assert!(!encodable.contains(&value), "{value:#x} rejected"),
    }
}

#[test]
fn logical_immediates_are_encoded_exactly_when_the_architecture_can() {
    for size in [S32, S64] {
        let encodable = encodable(size);
        let expected_count = match size {
            S32 => 1302,
            S64 => 5334,
        };
        assert_eq!(encodable.len(), expected_count);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for &value in &encodable {
            check_logical(value, size, &encodable);
            // The values next to an encodable one: one or two bits flipped.
            for i in 0..size.bits() {
                check_logical(value ^ (1 << i), size, &encodable);
                let j = rng.next() as u32 % size.bits();
                check_logical(value ^ (1 << i) ^ (1 << j), size, &encodable);
            }
        }
        for value in [0, u64::MAX, 0xFFFF_FFFF, 0xFFFF_FFFF_0000_0000 | 1] {
            check_logical(value, size, &encodable);
        }
        for _ in 0..1_000_000 {
            check_logical(rng.next(), size, &encodable);
        }
    }
}

#[test]
#[ignore = "all 2^32 values: run with `cargo test --release -p kiln-isa-arm64 -- --ignored`"]
fn logical_immediates_of_every_32_bit_value() {
    let encodable = encodable(S32);
    for value in 0..=u32::MAX {
        check_logical(value.into(), S32, &encodable);
    }
}

#[test]
fn add_sub_immediates_are_12_bits_optionally_shifted_by_12() {
    for accepted in [0, 1, 4095, 4096, 0x1000 * 4095, 0x7F_F000] {
        assert!(Imm12::new(accepted).is_some(), "{accepted:#x}");
    }
    for rejected in [4097, 0x1001, 0x100_0000, 0xFFF_FFFF, u64::MAX] {
        assert!(Imm12::new(rejected).is_none(), "{rejected:#x}");
    }
}

#[test]
fn memory_offsets_hold_their_ranges() {
    // The widths that scale the offsets.
    let loads = [
        Load::Ldrb,
        Load::LdrsbW,
        Load::LdrsbX,
        Load::Ldrh,
        Load::LdrshW,
        Load::LdrshX,
        Load::LdrW,
        Load::Ldrsw,
        Load::LdrX,
    ];
    assert_eq!(loads.map(Load::bytes), [1, 1, 1, 2, 2, 2, 4, 4, 8]);
    let stores = [Store::Strb, Store::Strh, Store::StrW, Store::StrX];
    assert_eq!(stores.map(Store::bytes), [1, 2, 4, 8]);
    assert_eq!(
        [FpSize::S, FpSize::D, FpSize::Q].map(FpSize::bytes),
        [4, 8, 16]
    );
    // Scaled: a multiple of the width, 0 to 4095 times it.
    for (bytes, max) in [(1, 4095), (2, 8190), (4, 16380), (8, 32760), (16, 65520)] {
        assert!(ScaledOffset::new(0, bytes).is_some());
        assert!(ScaledOffset::new(max, bytes).is_some());
        assert!(ScaledOffset::new(max + i64::from(bytes), bytes).is_none());
        assert!(ScaledOffset::new(-i64::from(bytes), bytes).is_none());
        if bytes > 1 {
            assert!(ScaledOffset::new(i64::from(bytes) + 1, bytes).is_none());
        }
    }
    // Unscaled: -256 to 255, any alignment.
    assert!(UnscaledOffset::new(-256).is_some());
    assert!(UnscaledOffset::new(255).is_some());
    assert!(UnscaledOffset::new(-257).is_none());
    assert!(UnscaledOffset::new(256).is_none());
    // Pairs: a multiple of the width, -64 to 63 times it.
    for bytes in [4, 8, 16] {
        let unit = i64::from(bytes);
        assert!(PairOffset::new(-64 * unit, bytes).is_some());
        assert!(PairOffset::new(63 * unit, bytes).is_some());
        assert!(PairOffset::new(64 * unit, bytes).is_none());
        assert!(PairOffset::new(-65 * unit, bytes).is_none());
        assert!(PairOffset::new(unit / 2, bytes).is_none());
    }
    // The choice of a plain offset: scaled first, then unscaled.
    assert!(matches!(AddrMode::offset(8, 8), Some(AddrMode::Scaled(_))));
    assert!(matches!(
        AddrMode::offset(32760, 8),
        Some(AddrMode::Scaled(_))
    ));
    assert!(matches!(
        AddrMode::offset(12, 8),
        Some(AddrMode::Unscaled(_))
    ));
    assert!(matches!(
        AddrMode::offset(-8, 8),
        Some(AddrMode::Unscaled(_))
    ));
    assert_eq!(AddrMode::offset(32768, 8), None);
    assert_eq!(AddrMode::offset(-257, 1), None);
}

#[test]
fn pc_relative_fields_hold_their_ranges_and_nothing_else() {
    let fields = [
        (PcRelField::Imm26, -(1 << 27), (1 << 27) - 4, 4),
        (PcRelField::Imm19, -(1 << 20), (1 << 20) - 4, 4),
        (PcRelField::Imm14, -(1 << 15), (1 << 15) - 4, 4),
        (PcRelField::Adr, -(1 << 20), (1 << 20) - 1, 1),
        (PcRelField::Adrp, -(1 << 32), (1 << 32) - 4096, 4096),
    ];
    for (field, low, high, unit) in fields {
        assert_eq!(field.range(), (low, high), "{field:?}");
        for offset in [low, low + unit, -unit, 0, unit, high - unit, high] {
            let word = field.patch(0, offset).expect("in range");
            assert_eq!(field.offset(word), offset, "{field:?} {offset}");
        }
        assert_eq!(field.patch(0, low - unit), None, "{field:?}");
        assert_eq!(field.patch(0, high + unit), None, "{field:?}");
        if unit > 1 {
            assert_eq!(field.patch(0, unit / 2), None, "{field:?} misaligned");
        }
    }
}

#[test]
fn patching_an_offset_keeps_the_rest_of_the_instruction() {
    let mut rng = Rng(7);
    let words = [
        (PcRelField::Imm19, b_cond(Cond::Le)),
        (
            PcRelField::Imm19,
            compare_branch(CompareBranchOp::Cbnz, S64, X30),
        ),
        (PcRelField::Imm14, test_branch(TestBranchOp::Tbnz, X29, 63)),
        (PcRelField::Adrp, adrp(X28)),
    ];
    for (field, word) in words {
        let (low, high) = field.range();
        for _ in 0..1000 {
            let unit = match field {
                PcRelField::Adrp => 4096,
                _ => 4,
            };
            let span = (high - low) / unit + 1;
            let offset = low + (rng.next() as i64).rem_euclid(span) * unit;
            let patched = field.patch(word, offset).expect("in range");
            assert_eq!(field.offset(patched), offset);
            // Patching again (a veneer retargeting the branch) then back to
            // zero gives the original word.
            let again = field.patch(patched, (-offset).min(high)).expect("in range");
            assert_eq!(field.patch(again, 0), Some(word));
        }
    }
}

#[test]
fn fmov_immediates_are_the_256_values_of_the_architecture() {
    let mut bits = HashSet::new();
    for sign in [1.0, -1.0] {
        for exponent in -3..=4 {
            for mantissa in 16..32 {
                let value = sign * f64::from(mantissa) / 16.0 * 2f64.powi(exponent);
                let imm = FpImm8::new(value).unwrap_or_else(|| panic!("{value} rejected"));
                assert_eq!(imm.value(), value);
                assert!(FpImm8::new(f64::from(value as f32)).is_some());
                bits.insert(imm.bits());
            }
        }
    }
    assert_eq!(bits.len(), 256);
    let rejected = [
        0.0,
        -0.0,
        32.0,
        0.0625,
        1.03125,
        0.1,
        f64::NAN,
        f64::INFINITY,
        f64::from_bits(1.0f64.to_bits() + 1),
        f64::from(f32::from_bits(1.0f32.to_bits() + 1)),
    ];
    for value in rejected {
        assert!(FpImm8::new(value).is_none(), "{value} accepted");
    }
}

/// Runs `words` (move wide and `orr` of an immediate into one register
/// from `xzr`) and returns the register's value.
fn run_constant(words: &Words) -> u64 {
    let mut reg = 0xDEAD_BEEF_DEAD_BEEF_u64;
    let mut target = None;
    for &word in words.iter() {
        let wide = word >> 31 == 1;
        let rd = word & 0x1F;
        assert_eq!(*target.get_or_insert(rd), rd, "one register throughout");
        let result = if word & 0x1F80_0000 == 0x1280_0000 {
            let shift = 16 * ((word >> 21) & 3);
            let imm = u64::from((word >> 5) & 0xFFFF) << shift;
            match (word >> 29) & 3 {
                0b00 => !imm,
                0b10 => imm,
                0b11 => (reg & !(0xFFFF << shift)) | imm,
                _ => panic!("{word:08x}: not a move wide"),
            }
        } else if word & 0x7F80_0000 == 0x3200_0000 {
            assert_eq!((word >> 5) & 0x1F, 31, "orr from xzr");
            let n = word & (1 << 22) != 0;
            let width = if wide { 64 } else { 32 };
            decode_bit_masks(n, (word >> 16) & 0x3F, (word >> 10) & 0x3F, width)
                .expect("a valid immediate")
        } else {
            panic!("{word:08x}: not a constant instruction");
        };
        reg = if wide { result } else { result & 0xFFFF_FFFF };
    }
    reg
}

/// The longest a move-wide sequence for `value` may be: one instruction
/// per halfword that differs from all-zeros or all-ones, whichever is fewer.
fn longest_sequence(value: u64, size: Size) -> usize {
    let halfwords: Vec<u16> = (0..size.bits() / 16)
        .map(|i| (value >> (16 * i)) as u16)
        .collect();
    let differing = |from: u16| halfwords.iter().filter(|&&h| h != from).count();
    differing(0).min(differing(0xFFFF)).max(1)
}

#[test]
fn constants_are_materialized_exactly_and_briefly() {
    let mut rng = Rng(42);
    let mut values: Vec<u64> = (0..20_000).map(|_| rng.next()).collect();
    // Every mix of zero, all-ones and arbitrary halfwords.
    for pattern in 0..81u32 {
        let mut value = 0u64;
        let mut digits = pattern;
        for i in 0..4 {
            let halfword = match digits % 3 {
                0 => 0,
                1 => 0xFFFF,
                _ => rng.next() & 0xFFFF,
            };
            value |= halfword << (16 * i);
            digits /= 3;
        }
        values.push(value);
    }
    values.extend(encodable(S64));
    values.extend(encodable(S32));
    for value in values {
        for size in [S32, S64] {
            let expected = match size {
                S32 => value & 0xFFFF_FFFF,
                S64 => value,
            };
            let words = mov_imm(size, X9, value);
            assert_eq!(run_constant(&words), expected, "{value:#x} {size:?}");
            assert!(
                words.len() <= longest_sequence(expected, size),
                "{value:#x} {size:?}"
            );
            if LogicalImm::new(expected, size).is_some() {
                assert_eq!(words.len(), 1, "{value:#x} {size:?}");
            }
        }
    }
}

#[test]
fn machine_env_follows_aapcs64() {
    let env = machine_env();
    let ints = env.regs(RegClass::Int);
    let floats = env.regs(RegClass::Float);
    assert_eq!((ints.len(), floats.len()), (26, 31));
    for reserved in [IP0, IP1, PLATFORM_REGISTER, FP, LR] {
        assert!(!ints.contains(&reserved.preg()), "{reserved:?} allocatable");
    }
    assert!(!ints.contains(&env.scratch(RegClass::Int)));
    assert!(!floats.contains(&env.scratch(RegClass::Float)));
    assert_eq!(env.scratch(RegClass::Int), X16.preg());
    assert_eq!(env.scratch(RegClass::Float), V31.preg());
    // Each allocatable register is preserved by calls or destroyed by them,
    // never both, and the preserved ones come last.
    for regs in [ints, floats] {
        let first_saved = regs
            .iter()
            .position(|&reg| env.callee_saved.contains(reg))
            .expect("some callee-saved registers");
        for (i, &reg) in regs.iter().enumerate() {
            assert_ne!(
                env.callee_saved.contains(reg),
                env.caller_saved.contains(reg)
            );
            assert_eq!(env.callee_saved.contains(reg), i >= first_saved, "{reg:?}");
        }
    }
    for hw in 19..=28 {
        assert!(env.callee_saved.contains(Gpr::new(hw).unwrap().preg()));
    }
    for hw in 8..=15 {
        assert!(env.callee_saved.contains(Fpr::new(hw).unwrap().preg()));
    }
    assert!(env.caller_saved.contains(LR.preg()));
    assert!(!env.caller_saved.contains(PLATFORM_REGISTER.preg()));
    // The allocator's names lead back to the registers.
    for &reg in ints {
        assert_eq!(gpr(reg).preg(), reg);
    }
    for &reg in floats {
        assert_eq!(fpr(reg).preg(), reg);
    }
    assert_eq!(Gpr::new(31), None);
    assert_eq!(SP.hw(), 31);
    assert_eq!(XZR.hw(), 31);
}

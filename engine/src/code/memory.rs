//! Executable memory for compiled code.
//!
//! The functions of a module are copied one after another (32-byte aligned)
//! into a fresh anonymous mapping, followed by a veneer for each distinct
//! far target: a few instructions that jump to an absolute address, so that a
//! short pc-relative call (`call rel32`, `bl`) reaches runtime helpers wherever
//! the host binary was loaded. Relocations are patched while the mapping is
//! writable; then it becomes read + execute. It is never writable and
//! executable at the same time. The mapping is a whole number of host pages
//! (whatever their size: 4 KiB, 16 KiB, 64 KiB); `mmap` rounds it up. On
//! AArch64 the new code is then made visible to instruction fetch
//! ([`icache`]).
//!
//! The places that hold absolute addresses (`Absolute8` relocations and the
//! veneers' targets) are kept as [`Fixup`]s: with them, code laid out once
//! can be mapped again anywhere, from a compiled-module artifact.

#[cfg(target_arch = "aarch64")]
mod icache;

use kiln_ssa::target::{CompiledFunction, RelocationKind};
use memmap2::{Mmap, MmapMut};
use std::collections::HashMap;
use std::io;

/// Where a relocation points, once the engine has resolved it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// The start of the `n`th function given to [`CodeMemory::new`].
    Function(usize),
    /// An absolute address outside the mapping (a runtime helper).
    Address(u64),
}

/// A veneer: code that jumps to the absolute address stored right after it.
struct Veneer {
    /// The instructions, followed in memory by the 8-byte address.
    code: &'static [u8],
}

/// `jmp qword ptr [rip + 0]`, then the address.
const X86_VENEER: Veneer = Veneer {
    code: &[0xff, 0x25, 0x00, 0x00, 0x00, 0x00],
};

/// `ldr x16, #8; br x16`, then the address.
const ARM64_VENEER: Veneer = Veneer {
    code: &[0x50, 0x00, 0x00, 0x58, 0x00, 0x02, 0x1f, 0xd6],
};

fn veneer_for(kind: RelocationKind) -> Option<&'static Veneer> {
    match kind {
        RelocationKind::X86PcRel4 => Some(&X86_VENEER),
        RelocationKind::Arm64Call26 => Some(&ARM64_VENEER),
        RelocationKind::Absolute8 => None,
    }
}

/// A place in the code holding the 8-byte absolute address of `target`
/// plus `addend`, which depends on where the code and the host are mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fixup {
    /// Byte offset in the code.
    pub at: usize,
    pub target: Target,
    pub addend: i64,
}

/// Compiled functions in executable memory.
pub(crate) struct CodeMemory {
    map: Mmap,
    starts: Vec<usize>,
    /// Sorted by offset.
    fixups: Vec<Fixup>,
}

fn align16(n: usize) -> usize {
    n.next_multiple_of(16)
}

/// Where each function starts: at a multiple of the alignment the
/// backends give loop headers inside a function (x86-64 aligns them to 32
/// bytes), so that a small loop never straddles a 64-byte fetch line.
const FUNCTION_ALIGNMENT: usize = 32;

fn out_of_range(what: &str) -> io::Error {
    io::Error::other(format!("{what} relocation target out of range"))
}

/// Writes the value of one relocation at `place` in `bytes` (which will be
/// mapped at `base`).
fn patch(
    bytes: &mut [u8],
    base: u64,
    place: usize,
    kind: RelocationKind,
    target: u64,
) -> io::Result<()> {
    let place_address = base + place as u64;
    match kind {
        RelocationKind::Absolute8 => bytes[place..place + 8].copy_from_slice(&target.to_le_bytes()),
        RelocationKind::X86PcRel4 => {
            let delta = target.wrapping_sub(place_address + 4) as i64;
            let delta = i32::try_from(delta).map_err(|_| out_of_range("rel32"))?;
            bytes[place..place + 4].copy_from_slice(&delta.to_le_bytes());
        }
        RelocationKind::Arm64Call26 => {
            let delta = target.wrapping_sub(place_address) as i64;
            if delta % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&delta) {
                return Err(out_of_range("arm64 call26"));
            }
            let word = u32::from_le_bytes(bytes[place..place + 4].try_into().expect("4 bytes"));
            let word = (word & !0x03ff_ffff) | ((delta >> 2) as u32 & 0x03ff_ffff);
            bytes[place..place + 4].copy_from_slice(&word.to_le_bytes());
        }
    }
    Ok(())
}

/// Makes written code read + execute, and visible to instruction fetch.
fn publish(map: MmapMut) -> io::Result<Mmap> {
    let map = map.make_exec()?;
    #[cfg(target_arch = "aarch64")]
    icache::publish(&map);
    Ok(map)
}

impl CodeMemory {
    /// Maps `functions` executable, resolving each relocation's target with
    /// `resolve` (called with the function's position and the relocation).
    pub fn new(
        functions: &[CompiledFunction],
        resolve: impl Fn(usize, &kiln_ssa::target::Relocation) -> Target,
    ) -> io::Result<CodeMemory> {
        let mut starts = Vec::with_capacity(functions.len());
        let mut size = 0;
        for function in functions {
            starts.push(size);
            size = (size + function.code.len()).next_multiple_of(FUNCTION_ALIGNMENT);
        }
        // One veneer per distinct (kind, address) of far targets.
        let mut veneers: HashMap<(RelocationKind, u64), usize> = HashMap::new();
        for (index, function) in functions.iter().enumerate() {
            for relocation in &function.relocations {
                if let (Target::Address(address), Some(veneer)) =
                    (resolve(index, relocation), veneer_for(relocation.kind))
                {
                    veneers
                        .entry((relocation.kind, address))
                        .or_insert_with(|| {
                            let at = size;
                            size = align16(size + veneer.code.len() + 8);
                            at
                        });
                }
            }
        }

        let mut map = MmapMut::map_anon(size.max(1))?;
        let base = map.as_ptr() as u64;
        let mut fixups = Vec::new();
        for (&(kind, address), &at) in &veneers {
            let code = veneer_for(kind)
                .expect("veneers only for pc-relative kinds")
                .code;
            map[at..at + code.len()].copy_from_slice(code);
            map[at + code.len()..at + code.len() + 8].copy_from_slice(&address.to_le_bytes());
            fixups.push(Fixup {
                at: at + code.len(),
                target: Target::Address(address),
                addend: 0,
            });
        }
        for (index, function) in functions.iter().enumerate() {
            let start = starts[index];
            map[start..start + function.code.len()].copy_from_slice(&function.code);
            for relocation in &function.relocations {
                let resolved = resolve(index, relocation);
                if relocation.kind == RelocationKind::Absolute8 {
                    fixups.push(Fixup {
                        at: start + relocation.offset as usize,
                        target: resolved,
                        addend: relocation.addend,
                    });
                }
                let target = match resolved {
                    Target::Function(callee) => base + starts[callee] as u64,
                    Target::Address(address) => match veneers.get(&(relocation.kind, address)) {
                        Some(&at) => base + at as u64,
                        None => address,
                    },
                };
                let target = target.wrapping_add(relocation.addend as u64);
                patch(
                    &mut map,
                    base,
                    start + relocation.offset as usize,
                    relocation.kind,
                    target,
                )?;
            }
        }
        fixups.sort_unstable_by_key(|fixup| fixup.at);
        Ok(CodeMemory {
            map: publish(map)?,
            starts,
            fixups,
        })
    }

    /// Makes code that [`CodeMemory::new`] laid out executable again in
    /// `map` (a fresh writable mapping of its bytes): writes every fixup's
    /// address for where `map` is, with `Target::Address` targets already
    /// resolved for this process. Function starts and fixups that do not
    /// lie in the code are an error.
    pub fn load(
        mut map: MmapMut,
        starts: Vec<usize>,
        fixups: Vec<Fixup>,
    ) -> io::Result<CodeMemory> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        if starts.iter().any(|&start| start >= map.len()) {
            return Err(bad("a function starts outside the code"));
        }
        let base = map.as_ptr() as u64;
        for fixup in &fixups {
            let target = match fixup.target {
                Target::Function(index) => {
                    base + *starts
                        .get(index)
                        .ok_or_else(|| bad("a fixup names no function"))?
                        as u64
                }
                Target::Address(address) => address,
            };
            if fixup.at.checked_add(8).is_none_or(|end| end > map.len()) {
                return Err(bad("a fixup lies outside the code"));
            }
            let value = target.wrapping_add(fixup.addend as u64);
            patch(&mut map, base, fixup.at, RelocationKind::Absolute8, value)?;
        }
        Ok(CodeMemory {
            map: publish(map)?,
            starts,
            fixups,
        })
    }

    /// The code's bytes, as mapped here (fixups hold this mapping's addresses).
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Where each function starts in [`CodeMemory::bytes`].
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// The places that hold absolute addresses, by offset.
    pub fn fixups(&self) -> &[Fixup] {
        &self.fixups
    }

    /// The entry address of the `index`th function.
    pub fn function(&self, index: usize) -> *const u8 {
        // SAFETY: `starts[index]` is within the mapping, which lives as long as
        // `self`.
        unsafe { self.map.as_ptr().add(self.starts[index]) }
    }

    /// Whether `address` lies in this code, and at which offset of which
    /// function, for mapping a fault or a return address back to wasm.
    pub fn locate(&self, address: usize) -> Option<(usize, u32)> {
        let base = self.map.as_ptr() as usize;
        let offset = address.checked_sub(base).filter(|&o| o < self.map.len())?;
        let index = self
            .starts
            .partition_point(|&start| start <= offset)
            .checked_sub(1)?;
        Some((index, (offset - self.starts[index]) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ssa::target::{Relocation, RelocationTarget};

    fn function(code: &[u8], relocations: Vec<Relocation>) -> CompiledFunction {
        CompiledFunction {
            code: code.to_vec(),
            relocations,
            trap_sites: Vec::new(),
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn calls_between_functions_and_to_far_helpers_are_patched() {
        extern "C" fn seven() -> u32 {
            7
        }
        let call_at_1 = |target| Relocation {
            offset: 1,
            kind: RelocationKind::X86PcRel4,
            target,
            addend: 0,
        };
        let functions = [
            // mov eax, 42; ret
            function(&[0xb8, 0x2a, 0, 0, 0, 0xc3], vec![]),
            // call f0; ret   (keeps the stack aligned: the callee does not care)
            function(
                &[0xe8, 0, 0, 0, 0, 0xc3],
                vec![call_at_1(RelocationTarget::Function(0))],
            ),
            // call helper; ret
            function(
                &[0xe8, 0, 0, 0, 0, 0xc3],
                vec![call_at_1(RelocationTarget::Helper(
                    kiln_ssa::Helper::MemoryGrow,
                ))],
            ),
        ];
        let memory = CodeMemory::new(&functions, |_, relocation| match relocation.target {
            RelocationTarget::Function(index) => Target::Function(index as usize),
            RelocationTarget::Helper(_) => {
                Target::Address(seven as extern "C" fn() -> u32 as usize as u64)
            }
        })
        .unwrap();
        let results: Vec<u32> = (0..3)
            .map(|index| {
                // SAFETY: each function follows the C convention (SysV) for
                // `fn() -> u32` and only calls code that does too.
                let entry: extern "C" fn() -> u32 =
                    unsafe { std::mem::transmute(memory.function(index)) };
                entry()
            })
            .collect();
        assert_eq!(results, [42, 42, 7]);
        let second = memory.function(1) as usize;
        assert_eq!(memory.locate(second + 3), Some((1, 3)));
        assert_eq!(memory.locate(0), None);
    }

    /// AArch64 instruction words as code bytes.
    #[cfg(target_arch = "aarch64")]
    fn words(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|word| word.to_le_bytes()).collect()
    }

    #[test]
    #[cfg(target_arch = "aarch64")]
    fn arm64_calls_between_functions_and_to_far_helpers_are_patched() {
        extern "C" fn seven() -> u32 {
            7
        }
        // stp x29, x30, [sp, #-16]!; mov x29, sp; bl <target>;
        // ldp x29, x30, [sp], #16; ret
        let calling = |target| {
            let code = words(&[0xa9bf7bfd, 0x910003fd, 0x94000000, 0xa8c17bfd, 0xd65f03c0]);
            let call = Relocation {
                offset: 8,
                kind: RelocationKind::Arm64Call26,
                target,
                addend: 0,
            };
            function(&code, vec![call])
        };
        let functions = [
            // mov w0, #42; ret
            function(&words(&[0x52800540, 0xd65f03c0]), vec![]),
            calling(RelocationTarget::Function(0)),
            calling(RelocationTarget::Helper(kiln_ssa::Helper::MemoryGrow)),
        ];
        let memory = CodeMemory::new(&functions, |_, relocation| match relocation.target {
            RelocationTarget::Function(index) => Target::Function(index as usize),
            RelocationTarget::Helper(_) => {
                Target::Address(seven as extern "C" fn() -> u32 as usize as u64)
            }
        })
        .unwrap();
        let results: Vec<u32> = (0..3)
            .map(|index| {
                // SAFETY: each function follows AAPCS64 for `fn() -> u32` and
                // only calls code that does too.
                let entry: extern "C" fn() -> u32 =
                    unsafe { std::mem::transmute(memory.function(index)) };
                entry()
            })
            .collect();
        assert_eq!(results, [42, 42, 7]);
    }

    /// A function that returns `value` (below 2^16), for this CPU.
    fn returning(value: u32) -> CompiledFunction {
        #[cfg(target_arch = "x86_64")]
        let code = {
            // mov eax, value; ret
            let mut code = vec![0xb8];
            code.extend(value.to_le_bytes());
            code.push(0xc3);
            code
        };
        #[cfg(target_arch = "aarch64")]
        // mov w0, #value; ret
        let code = words(&[0x52800000 | value << 5, 0xd65f03c0]);
        function(&code, vec![])
    }

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn new_code_runs_where_older_code_was_unmapped() {
        // Mappings come and go, and the kernel hands out the same addresses
        // again: each time the new code must run, not what the caches or the
        // pipeline kept of the old.
        for value in 0..64 {
            let memory = CodeMemory::new(&[returning(value)], |_, _| Target::Function(0)).unwrap();
            // SAFETY: the function is a C `fn() -> u32` for this CPU.
            let entry: extern "C" fn() -> u32 = unsafe { std::mem::transmute(memory.function(0)) };
            assert_eq!(entry(), value);
        }
    }

    #[test]
    #[cfg(unix)]
    fn code_is_readable_but_not_writable() {
        let memory = CodeMemory::new(&[function(&[0x5a; 40_000], vec![])], |_, _| {
            Target::Function(0)
        })
        .unwrap();
        let last = memory.function(0).wrapping_add(39_999) as *mut libc::c_void;
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // The kernel reports memory it may not read or write as `EFAULT`
        // instead of faulting: the code's last byte goes into the pipe, and
        // cannot come back out into the code.
        // SAFETY: the descriptors are the pipe's; `last` is a byte of the
        // mapping, which the kernel checks before it touches it.
        let (written, read, error) = unsafe {
            let written = libc::write(fds[1], last, 1);
            let read = libc::read(fds[0], last, 1);
            let error = std::io::Error::last_os_error().raw_os_error();
            libc::close(fds[0]);
            libc::close(fds[1]);
            (written, read, error)
        };
        assert_eq!(written, 1);
        assert_eq!((read, error), (-1, Some(libc::EFAULT)));
    }

    #[test]
    fn every_function_starts_at_a_multiple_of_the_loop_alignment() {
        let functions: Vec<_> = [1, 17, 33, 64, 5]
            .iter()
            .map(|&len| function(&vec![0xc3; len], vec![]))
            .collect();
        let memory = CodeMemory::new(&functions, |_, _| Target::Function(0)).unwrap();
        for index in 0..functions.len() {
            assert_eq!(memory.function(index) as usize % FUNCTION_ALIGNMENT, 0);
        }
    }

    #[test]
    fn absolute_relocations_hold_the_address() {
        let functions = [
            function(&[0xc3], vec![]),
            function(
                &[0; 8],
                vec![Relocation {
                    offset: 0,
                    kind: RelocationKind::Absolute8,
                    target: RelocationTarget::Function(0),
                    addend: 4,
                }],
            ),
        ];
        let memory = CodeMemory::new(&functions, |_, _| Target::Function(0)).unwrap();
        // SAFETY: the second function's 8 bytes are readable in the mapping.
        let stored = unsafe { (memory.function(1) as *const u64).read_unaligned() };
        assert_eq!(stored, memory.function(0) as u64 + 4);
    }

    #[test]
    fn code_laid_out_once_loads_elsewhere_with_its_fixups_rewritten() {
        let functions = [
            function(&[0xc3], vec![]),
            function(
                &[0; 16],
                vec![
                    Relocation {
                        offset: 0,
                        kind: RelocationKind::Absolute8,
                        target: RelocationTarget::Function(0),
                        addend: 2,
                    },
                    Relocation {
                        offset: 8,
                        kind: RelocationKind::Absolute8,
                        target: RelocationTarget::Helper(kiln_ssa::Helper::DataDrop),
                        addend: 0,
                    },
                ],
            ),
        ];
        let memory = CodeMemory::new(&functions, |_, relocation| match relocation.target {
            RelocationTarget::Function(index) => Target::Function(index as usize),
            RelocationTarget::Helper(_) => Target::Address(0x1234_5678),
        })
        .unwrap();
        let second = memory.starts()[1];
        assert_eq!(
            memory.fixups(),
            [
                Fixup {
                    at: second,
                    target: Target::Function(0),
                    addend: 2
                },
                Fixup {
                    at: second + 8,
                    target: Target::Address(0x1234_5678),
                    addend: 0
                },
            ]
        );
        let mut copy = MmapMut::map_anon(memory.bytes().len()).unwrap();
        copy.copy_from_slice(memory.bytes());
        let mut fixups = memory.fixups().to_vec();
        fixups[1].target = Target::Address(0x9abc);
        let loaded = CodeMemory::load(copy, memory.starts().to_vec(), fixups.clone()).unwrap();
        let word = |at: usize| u64::from_le_bytes(loaded.bytes()[at..at + 8].try_into().unwrap());
        assert_eq!(word(second), loaded.function(0) as u64 + 2);
        assert_eq!(word(second + 8), 0x9abc);

        fixups[0].at = memory.bytes().len() - 4;
        let mut copy = MmapMut::map_anon(memory.bytes().len()).unwrap();
        copy.copy_from_slice(memory.bytes());
        assert!(CodeMemory::load(copy, memory.starts().to_vec(), fixups).is_err());
    }
}

//! [`MachBuffer`]: the code of one function as it is emitted, with labels,
//! label uses of limited range, a constant pool, relocations and trap
//! sites.
//!
//! Every reference to a position in the function (a branch to a block, a
//! load of a constant, a jump table) is a *label use* of a kind the ISA
//! defines ([`LabelUse`]): how far forward and backward it reaches and how
//! its field is patched. A use of a bound label within reach is patched at
//! once; any other waits in a pending list. Each pending use has a
//! *deadline*, the last offset its target may lie at.
//!
//! The emitter calls [`MachBuffer::reserve`] before each instruction with
//! the most bytes it may add. When those bytes plus the worst-case size
//! of an island would pass the earliest deadline, the buffer first patches
//! the uses whose labels have been bound since, and if a deadline is still
//! in the way it emits an *island* right there:
//!
//! ```text
//!     jump over the island          (the ISA's unconditional jump)
//!     veneers                       one per use that cannot wait: a jump of
//!                                   longer range to the use's label; the
//!                                   use is patched to reach the veneer
//!     constants                     the pool so far, 16-byte aligned
//! ```
//!
//! At the end, [`MachBuffer::finish`] places the remaining constants,
//! resolves every use and sorts the trap sites. An ISA whose label uses
//! reach the whole function (x86-64's `rel32`) never gets an island: its
//! constants all go at the end.

use kiln_ssa::TrapCode;
use kiln_ssa::target::{CompiledFunction, Relocation, RelocationKind, RelocationTarget, TrapSite};
use std::fmt;

/// A position in the code, bound once, used before or after it is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(u32);

impl Label {
    /// The label's number, in the order labels were made.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.0)
    }
}

/// A jump to a label as fixed code: the bytes, with the one label use
/// in them. Islands are jumped over with one, and veneers are made of
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JumpTemplate<K> {
    /// The instruction bytes, with a zero field where the label goes.
    pub code: &'static [u8],
    /// Where the label use is recorded, from the start of `code`.
    pub use_at: u32,
    /// The kind of that use.
    pub kind: K,
}

/// A kind of label use: one way an ISA's instructions refer to a label.
///
/// A use is recorded at an offset the kind chooses (the start of the
/// instruction, or of the field), after the instruction's bytes are in the
/// buffer; distances are measured from that offset.
pub trait LabelUse: Copy + fmt::Debug + PartialEq + Sized {
    /// The byte that fills alignment gaps. It is never executed; a byte
    /// that traps is best.
    const PADDING: u8;

    /// The unconditional jump that hops over an island emitted between two
    /// instructions.
    const JUMP: JumpTemplate<Self>;

    /// How many bytes after the use its label may lie.
    fn max_forward(self) -> u32;

    /// How many bytes before the use its label may lie.
    fn max_backward(self) -> u32;

    /// Writes into `code` the reference from the use at `at` to `target`,
    /// which lies within the kind's reach.
    fn patch(self, code: &mut [u8], at: u32, target: u32);

    /// The veneer that extends a use of this kind when its label is out of
    /// reach: a jump of longer range, placed in an island, that the use is
    /// patched to reach. `None` when the kind cannot be extended (a load of
    /// a constant: constants are placed in reach instead).
    fn veneer(self) -> Option<JumpTemplate<Self>>;
}

/// A use that is not patched yet.
#[derive(Clone, Copy, Debug)]
struct PendingUse<K> {
    at: u32,
    label: Label,
    kind: K,
}

impl<K: LabelUse> PendingUse<K> {
    /// The last offset the use's target (or its veneer) may lie at.
    fn deadline(&self) -> u64 {
        u64::from(self.at) + u64::from(self.kind.max_forward())
    }
}

/// Whether a use of `kind` at `at` reaches `target`.
fn reaches<K: LabelUse>(kind: K, at: u32, target: u32) -> bool {
    if target >= at {
        target - at <= kind.max_forward()
    } else {
        at - target <= kind.max_backward()
    }
}

/// Bytes of constant data per pool entry, and their alignment.
const CONSTANT_SIZE: u32 = 16;

/// The code of one function being emitted.
pub struct MachBuffer<K: LabelUse> {
    code: Vec<u8>,
    /// The offset of each bound label.
    labels: Vec<Option<u32>>,
    pending: Vec<PendingUse<K>>,
    /// The earliest deadline of `pending` (`u64::MAX` when empty).
    deadline: u64,
    /// The bytes of veneers `pending` would need at worst.
    veneer_bytes: u64,
    /// Constants not placed yet, and their labels.
    constants: Vec<(u128, Label)>,
    relocations: Vec<Relocation>,
    trap_sites: Vec<TrapSite>,
    /// Accesses that may fault: where, with which code, and the label of
    /// the stub the function resumes at.
    fault_sites: Vec<(u32, TrapCode, Label)>,
    /// The text of each instruction and where it starts, when asked for.
    listing: Option<Vec<(u32, String)>>,
}

impl<K: LabelUse> Default for MachBuffer<K> {
    fn default() -> Self {
        MachBuffer {
            code: Vec::new(),
            labels: Vec::new(),
            pending: Vec::new(),
            deadline: u64::MAX,
            veneer_bytes: 0,
            constants: Vec::new(),
            relocations: Vec::new(),
            trap_sites: Vec::new(),
            fault_sites: Vec::new(),
            listing: None,
        }
    }
}

impl<K: LabelUse> MachBuffer<K> {
    /// An empty buffer.
    pub fn new() -> MachBuffer<K> {
        MachBuffer::default()
    }

    /// An empty buffer that also keeps a text listing (see
    /// [`MachBuffer::note`]).
    pub fn with_listing() -> MachBuffer<K> {
        MachBuffer {
            listing: Some(Vec::new()),
            ..MachBuffer::default()
        }
    }

    /// The offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u32 {
        self.code.len() as u32
    }

    /// The bytes so far.
    #[inline]
    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// Appends one byte.
    #[inline]
    pub fn put_u8(&mut self, byte: u8) {
        self.code.push(byte);
    }

    /// Appends bytes.
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) {
        self.code.extend_from_slice(bytes);
    }

    /// Writes down the instruction about to be emitted, when listing.
    #[inline]
    pub fn note(&mut self, text: impl FnOnce() -> String) {
        let offset = self.offset();
        if let Some(listing) = &mut self.listing {
            listing.push((offset, text()));
        }
    }

    /// The listing so far: one line per note with its offset (empty unless
    /// made by [`MachBuffer::with_listing`]).
    pub fn listing(&self) -> String {
        let lines = self.listing.iter().flatten();
        lines
            .map(|(offset, text)| format!("{offset:5x}  {text}\n"))
            .collect()
    }

    /// A new, unbound label.
    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the current offset.
    pub fn bind(&mut self, label: Label) {
        self.note(|| format!("{label}:"));
        debug_assert!(self.labels[label.index()].is_none(), "label bound twice");
        self.labels[label.index()] = Some(self.offset());
    }

    /// Records a use of `label` of `kind` at `at`, whose bytes are already
    /// in the buffer.
    pub fn use_label(&mut self, at: u32, label: Label, kind: K) {
        if let Some(target) = self.labels[label.index()]
            && reaches(kind, at, target)
        {
            kind.patch(&mut self.code, at, target);
            return;
        }
        self.add_pending(PendingUse { at, label, kind });
    }

    /// The label of 16 bytes of constant data, shared by every use of the
    /// same bits until the pool is placed.
    pub fn constant(&mut self, bits: u128) -> Label {
        if let Some(&(_, label)) = self.constants.iter().find(|(b, _)| *b == bits) {
            return label;
        }
        let label = self.new_label();
        self.constants.push((bits, label));
        label
    }

    /// Records that the next instruction may trap with `code`.
    pub fn trap_site(&mut self, code: TrapCode) {
        self.trap_sites.push(TrapSite {
            offset: self.offset(),
            code,
            fault_stub: None,
        });
    }

    /// Records that the next instruction is a memory access that faults
    /// when it is out of bounds, which traps with `code`: the engine then
    /// resumes the function at `stub`, the label of its trap stub for `code`
    /// (see `TrapSite::fault_stub`).
    pub fn fault_site(&mut self, code: TrapCode, stub: Label) {
        self.fault_sites.push((self.offset(), code, stub));
    }

    /// Records that the bytes about to be emitted are patched by the engine
    /// with the address of `target`.
    pub fn relocation(&mut self, kind: RelocationKind, target: RelocationTarget) {
        self.relocations.push(Relocation {
            offset: self.offset(),
            kind,
            target,
            addend: 0,
        });
    }

    /// Makes room for the code about to be emitted: emits an island first
    /// when the code could carry a pending use past its deadline.
    ///
    /// `bytes` bounds what that code adds before the next call: its own
    /// bytes, plus the veneers its label uses may need and the constants
    /// it adds to the pool (16 bytes each), which all land in the next
    /// island.
    #[inline]
    pub fn reserve(&mut self, bytes: u32) {
        if self.passes_deadline(bytes) && self.island_needed(bytes) {
            self.emit_island(bytes, true);
        }
    }

    /// Places the remaining constants, resolves every label use and hands
    /// over the code.
    ///
    /// # Panics
    /// When a label was used but never bound, or a use without veneers was
    /// left out of reach: both are bugs of the emitter.
    pub fn finish(mut self) -> CompiledFunction {
        self.emit_island(0, false);
        if let Some(unresolved) = self.pending.first() {
            let state = match self.labels[unresolved.label.index()] {
                Some(_) => "out of reach",
                None => "never bound",
            };
            panic!(
                "{:?} use of {} at {:#x}: {state}",
                unresolved.kind, unresolved.label, unresolved.at
            );
        }
        for (offset, code, stub) in std::mem::take(&mut self.fault_sites) {
            let stub = self.labels[stub.index()]
                .unwrap_or_else(|| panic!("the trap stub {stub} of a fault site was never bound"));
            self.trap_sites.push(TrapSite {
                offset,
                code,
                fault_stub: Some(stub),
            });
        }
        self.trap_sites.sort_by_key(|site| site.offset);
        CompiledFunction {
            code: self.code,
            relocations: self.relocations,
            trap_sites: self.trap_sites,
        }
    }

    fn add_pending(&mut self, pending: PendingUse<K>) {
        self.deadline = self.deadline.min(pending.deadline());
        self.veneer_bytes += veneer_size(pending.kind);
        self.pending.push(pending);
    }

    /// The most bytes an island emitted now could take.
    #[inline]
    fn worst_case_island(&self) -> u64 {
        let constants = if self.constants.is_empty() {
            0
        } else {
            u64::from(CONSTANT_SIZE - 1) + u64::from(CONSTANT_SIZE) * self.constants.len() as u64
        };
        K::JUMP.code.len() as u64 + self.veneer_bytes + constants
    }

    /// Whether `bytes` more bytes and then an island could pass the
    /// earliest deadline.
    #[inline]
    fn passes_deadline(&self, bytes: u32) -> bool {
        u64::from(self.offset()) + u64::from(bytes) + self.worst_case_island() >= self.deadline
    }

    /// Whether `bytes` more bytes and then an island would pass a deadline
    /// once the uses of labels bound since are patched.
    fn island_needed(&mut self, bytes: u32) -> bool {
        self.resolve_bound();
        self.passes_deadline(bytes)
    }

    /// Patches the pending uses whose labels are now bound within reach.
    fn resolve_bound(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.deadline = u64::MAX;
        self.veneer_bytes = 0;
        for use_ in pending {
            match self.labels[use_.label.index()] {
                Some(target) if reaches(use_.kind, use_.at, target) => {
                    use_.kind.patch(&mut self.code, use_.at, target)
                }
                _ => self.add_pending(use_),
            }
        }
    }

    /// Emits an island at the current offset (jumped over when
    /// `jump_over`): veneers for the pending uses whose deadline falls
    /// before `bytes` more bytes and another island, or whose label lies
    /// behind them out of reach, and every constant not placed yet.
    fn emit_island(&mut self, bytes: u32, jump_over: bool) {
        self.resolve_bound();
        let threshold = u64::from(self.offset()) + u64::from(bytes) + self.worst_case_island();
        let after = jump_over.then(|| {
            let label = self.new_label();
            self.note(|| format!("island, jump to {label}"));
            self.put_jump(K::JUMP, label);
            label
        });
        let pending = std::mem::take(&mut self.pending);
        self.deadline = u64::MAX;
        self.veneer_bytes = 0;
        let mut waiting = Vec::new();
        for use_ in pending {
            // After `resolve_bound`, a pending use of a bound label is one
            // that cannot reach it: only a veneer helps.
            let needs_veneer = match self.labels[use_.label.index()] {
                Some(_) => true,
                None => {
                    let is_constant = self.constants.iter().any(|&(_, l)| l == use_.label);
                    jump_over && !is_constant && use_.deadline() <= threshold
                }
            };
            if !needs_veneer {
                waiting.push(use_);
                continue;
            }
            let veneer = use_.kind.veneer().unwrap_or_else(|| {
                panic!(
                    "{:?} use of {} at {:#x} is out of reach and has no veneer",
                    use_.kind, use_.label, use_.at
                )
            });
            let here = self.offset();
            assert!(
                reaches(use_.kind, use_.at, here),
                "{:?} use of {} at {:#x} passed its deadline before an island",
                use_.kind,
                use_.label,
                use_.at
            );
            use_.kind.patch(&mut self.code, use_.at, here);
            self.note(|| format!("veneer to {}", use_.label));
            self.put_jump(veneer, use_.label);
        }
        if !self.constants.is_empty() {
            while !self.offset().is_multiple_of(CONSTANT_SIZE) {
                self.put_u8(K::PADDING);
            }
            for (bits, label) in std::mem::take(&mut self.constants) {
                self.bind(label);
                self.put(&bits.to_le_bytes());
            }
        }
        for use_ in waiting {
            self.use_label(use_.at, use_.label, use_.kind);
        }
        if let Some(label) = after {
            self.bind(label);
        }
    }

    /// Emits `jump` to `label`.
    fn put_jump(&mut self, jump: JumpTemplate<K>, label: Label) {
        let start = self.offset();
        self.put(jump.code);
        self.use_label(start + jump.use_at, label, jump.kind);
    }
}

fn veneer_size<K: LabelUse>(kind: K) -> u64 {
    kind.veneer().map_or(0, |veneer| veneer.code.len() as u64)
}

#[cfg(test)]
mod tests;

//! A module's compiled code in a form that holds in any process, for
//! compiled-module artifacts: the code as laid out in executable memory with
//! every absolute address zeroed, where functions start, the places that
//! need an address (named by function or by runtime helper, never by a
//! host address), and the fault table. [`CompiledModule::load`] maps it
//! again and writes this process's addresses.

use super::memory::{CodeMemory, Fixup, Target};
use super::{CompiledModule, FaultTable, install_fault_handler, runtime};
use crate::error::{Error, Result};
use kiln_ssa::Helper;
use memmap2::MmapMut;

/// What a place holding an absolute address points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PortableTarget {
    /// The entry of the module's `n`th defined function.
    Function(usize),
    /// A runtime helper.
    Helper(Helper),
}

/// A place in the code that holds `target`'s address plus `addend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PortableFixup {
    pub at: usize,
    pub target: PortableTarget,
    pub addend: i64,
}

/// Compiled code that any process can map (see the module documentation).
pub(crate) struct PortableCode {
    /// The code, with every fixup's 8 bytes zero.
    pub code: Vec<u8>,
    /// Where each defined function starts in `code`.
    pub starts: Vec<usize>,
    pub fixups: Vec<PortableFixup>,
    /// Per defined function: `(offset of a faulting access, offset of its
    /// stub)`, sorted by the access.
    pub faults: Vec<Box<[(u32, u32)]>>,
}

impl CompiledModule {
    /// The module's code in portable form.
    pub fn portable(&self) -> Result<PortableCode> {
        let mut code = self.memory.bytes().to_vec();
        let fixups = self
            .memory
            .fixups()
            .iter()
            .map(|fixup| {
                code[fixup.at..fixup.at + 8].fill(0);
                let target = match fixup.target {
                    Target::Function(index) => PortableTarget::Function(index),
                    Target::Address(address) => PortableTarget::Helper(
                        Helper::ALL
                            .iter()
                            .copied()
                            .find(|&helper| runtime::helper_address(helper) == address)
                            .ok_or_else(|| {
                                Error::Unsupported(format!(
                                    "compiled code refers to {address:#x}, which is no runtime helper"
                                ))
                            })?,
                    ),
                };
                Ok(PortableFixup {
                    at: fixup.at,
                    target,
                    addend: fixup.addend,
                })
            })
            .collect::<Result<_>>()?;
        Ok(PortableCode {
            code,
            starts: self.memory.starts().to_vec(),
            fixups,
            faults: self.faults.sites().to_vec(),
        })
    }

    /// Makes code executable from `map`, a fresh private writable mapping
    /// of the bytes of a [`PortableCode`], with its `starts`, `fixups` and
    /// `faults`. `guarded` says whether the code relies on guard pages and
    /// the fault handler, which is then installed.
    ///
    /// # Safety
    /// The bytes must be machine code that kiln generated for this CPU and
    /// for the configuration of the engine that will run it, with the
    /// matching starts, fixups and faults: running it runs whatever it is.
    pub unsafe fn load(
        map: MmapMut,
        starts: Vec<usize>,
        fixups: &[PortableFixup],
        faults: Vec<Box<[(u32, u32)]>>,
        guarded: bool,
    ) -> Result<CompiledModule> {
        let corrupt = |what: &str| Error::Artifact(format!("corrupt code: {what}"));
        if faults.len() != starts.len() {
            return Err(corrupt(
                "the fault table does not have one entry per function",
            ));
        }
        if !starts.is_sorted() {
            return Err(corrupt("functions are out of order"));
        }
        let code_len = map.len();
        let stubs_in_code = faults.iter().zip(&starts).all(|(sites, &start)| {
            sites
                .iter()
                .all(|&(site, stub)| start.saturating_add(site.max(stub) as usize) < code_len)
        });
        if !stubs_in_code {
            return Err(corrupt("a fault site lies outside the code"));
        }
        let faults =
            FaultTable::from_sites(faults).ok_or_else(|| corrupt("a fault table is not sorted"))?;
        let fixups = fixups
            .iter()
            .map(|fixup| Fixup {
                at: fixup.at,
                target: match fixup.target {
                    PortableTarget::Function(index) => Target::Function(index),
                    PortableTarget::Helper(helper) => {
                        Target::Address(runtime::helper_address(helper))
                    }
                },
                addend: fixup.addend,
            })
            .collect();
        let memory = CodeMemory::load(map, starts, fixups)
            .map_err(|err| Error::Artifact(format!("cannot map compiled code: {err}")))?;
        if guarded {
            install_fault_handler()?;
        }
        Ok(CompiledModule { memory, faults })
    }
}

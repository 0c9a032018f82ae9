//! Backtraces of traps in compiled code. A trap stub calls [`record_trap`]
//! while the trapping frames are still on the stack, with the frame pointer of
//! the trapping function and an address inside it. Every compiled frame keeps
//! the `rbp` chain (`[fp]` = the caller's frame pointer, `[fp + 8]` = the
//! return address), so the walk goes from caller to caller until a return
//! address lies outside compiled wasm code: the entry trampoline.

use crate::error::FrameInfo;
use crate::runtime::{StoreInner, VmRuntime};

/// More frames than this are not recorded.
const MAX_FRAMES: usize = 1000;

/// The wasm function whose machine code contains `pc`.
fn frame_at(inner: &StoreInner, pc: u64) -> Option<FrameInfo> {
    inner.instances.iter().find_map(|instance| {
        let module = &instance.module;
        let (defined, _) = module.compiled.as_ref()?.locate(pc as usize)?;
        let info = &module.info;
        let func_index = info.num_imported_funcs + defined as u32;
        Some(FrameInfo {
            func_index,
            func_name: info.func_names.get(&func_index).cloned(),
            module_name: info.module_name.clone(),
        })
    })
}

/// The trap hook (a `kiln_machinst::runtime::TrapHook`): records the wasm
/// frames from `fp`/`pc` outwards into the store's `trap_backtrace`.
pub(super) extern "C" fn record_trap(runtime: *mut u8, fp: u64, pc: u64) {
    // SAFETY: trap stubs pass the runtime record of the store running compiled
    // code, whose `inner` the entry path set to that store.
    let inner = unsafe { &mut *(*(runtime as *mut VmRuntime)).inner };
    let mut frames = Vec::new();
    let (mut fp, mut pc) = (fp, pc);
    while frames.len() < MAX_FRAMES {
        let Some(frame) = frame_at(inner, pc) else {
            break;
        };
        frames.push(frame);
        // SAFETY: `pc` lies in compiled wasm code, so `fp` is the frame
        // pointer of that function's frame, still on the stack: its first
        // two words are the caller's frame pointer and the return address.
        (fp, pc) = unsafe { (*(fp as *const u64), *((fp + 8) as *const u64)) };
    }
    inner.trap_backtrace = frames;
}

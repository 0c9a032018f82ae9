//! An interpreter for SSA functions.
//!
//! It exists to prove the front end and each pass correct before any machine
//! code is involved: a function must compute the same results and the same
//! traps before and after every pass. Everything outside the function —
//! memory, the instance context, calls — goes through [`InterpEnv`], which a
//! test implements with a byte buffer and the engine with a real instance.
//!
//! Values are `u64` bits as in [`eval`].

mod env;

pub use env::InterpEnv;

use crate::entities::Value;
use crate::eval;
use crate::function::{BlockCall, Function};
use crate::ops::{LoadKind, Op, StoreKind};
use crate::trap::TrapCode;

/// Runs `func` with `args` for the entry block's parameters (for a wasm
/// function: `vmctx` first, then the wasm arguments) and returns its results.
pub fn run<E: InterpEnv>(func: &Function, env: &mut E, args: &[u64]) -> Result<Vec<u64>, E::Error> {
    let mut regs = vec![0u64; func.values.len()];
    let mut block = func.entry();
    assert_eq!(
        args.len(),
        func.block(block).params.len(),
        "argument count of {}",
        func.name
    );
    for (&param, &arg) in func.block(block).params.iter().zip(args) {
        regs[param.index()] = arg;
    }
    let mut incoming = Vec::new();
    loop {
        let mut next: Option<&BlockCall> = None;
        for &inst in &func.block(block).insts {
            let data = func.inst(inst);
            let arg = |i: usize| regs[data.args[i].index()];
            let ty = |v: Value| func.value_type(v);
            let set = |regs: &mut Vec<u64>, bits: u64| regs[data.results[0].index()] = bits;
            match data.op {
                Op::Iconst(bits) | Op::Fconst(bits) => set(&mut regs, bits),
                Op::Unary(op) => {
                    let bits = eval::unary(op, ty(data.args[0]), ty(data.results[0]), arg(0))?;
                    set(&mut regs, bits);
                }
                Op::Binary(op) => {
                    let bits = eval::binary(op, ty(data.results[0]), arg(0), arg(1))?;
                    set(&mut regs, bits);
                }
                Op::Icmp(cc) => {
                    let bits = eval::icmp(cc, ty(data.args[0]), arg(0), arg(1)) as u64;
                    set(&mut regs, bits);
                }
                Op::Fcmp(cc) => {
                    let bits = eval::fcmp(cc, ty(data.args[0]), arg(0), arg(1)) as u64;
                    set(&mut regs, bits);
                }
                Op::Select | Op::SelectSpectreGuard => {
                    let bits = if arg(0) as u32 != 0 { arg(1) } else { arg(2) };
                    set(&mut regs, bits);
                }
                Op::Load {
                    kind,
                    region,
                    offset,
                } => {
                    let result_ty = ty(data.results[0]);
                    let size = kind.bytes(result_ty);
                    let address = arg(0).wrapping_add(offset as u64);
                    let raw = env.load(region, address, size)?;
                    let bits = match kind {
                        LoadKind::S8 => raw as u8 as i8 as i64 as u64,
                        LoadKind::S16 => raw as u16 as i16 as i64 as u64,
                        LoadKind::S32 => raw as u32 as i32 as i64 as u64,
                        _ => raw,
                    };
                    set(&mut regs, eval::truncate(result_ty, bits));
                }
                Op::Store {
                    kind,
                    region,
                    offset,
                } => {
                    let size = kind.bytes(ty(data.args[1]));
                    let address = arg(0).wrapping_add(offset as u64);
                    let bits = match kind {
                        StoreKind::Full => arg(1),
                        _ => arg(1) & (u64::MAX >> (64 - 8 * size)),
                    };
                    env.store(region, address, size, bits)?;
                }
                Op::Call { func: callee } => {
                    let values: Vec<u64> = data.args.iter().map(|v| regs[v.index()]).collect();
                    let results = env.call(callee, &values)?;
                    write_results(&mut regs, &data.results, &results);
                }
                Op::CallIndirect { sig } => {
                    let values: Vec<u64> = data.args[1..].iter().map(|v| regs[v.index()]).collect();
                    let results = env.call_indirect(arg(0), sig, &values)?;
                    write_results(&mut regs, &data.results, &results);
                }
                Op::CallHelper(helper) => {
                    let values: Vec<u64> = data.args.iter().map(|v| regs[v.index()]).collect();
                    let results = env.call_helper(helper, &values)?;
                    write_results(&mut regs, &data.results, &results);
                }
                Op::Trap(code) => return Err(code.into()),
                Op::Trapz(code) if arg(0) == 0 => return Err(code.into()),
                Op::Trapnz(code, _) if arg(0) != 0 => return Err(code.into()),
                Op::Trapz(_) | Op::Trapnz(..) => {}
                Op::Jump => next = Some(&data.targets[0]),
                Op::Brif => next = Some(&data.targets[if arg(0) as u32 != 0 { 0 } else { 1 }]),
                Op::BrTable => {
                    let last = data.targets.len() - 1;
                    next = Some(&data.targets[(arg(0) as u32 as usize).min(last)]);
                }
                Op::Return => return Ok(data.args.iter().map(|v| regs[v.index()]).collect()),
            }
        }
        let target = next.unwrap_or_else(|| panic!("{block} fell off its end"));
        // Block arguments are a parallel copy: read them all before writing.
        incoming.clear();
        incoming.extend(target.args.iter().map(|v| regs[v.index()]));
        for (param, &bits) in func.block(target.block).params.iter().zip(&incoming) {
            regs[param.index()] = bits;
        }
        block = target.block;
    }
}

fn write_results(regs: &mut [u64], results: &[Value], values: &[u64]) {
    assert_eq!(
        results.len(),
        values.len(),
        "call returned a wrong number of results"
    );
    for (result, &bits) in results.iter().zip(values) {
        regs[result.index()] = bits;
    }
}

/// A run's outcome, comparable across runs: the results or the trap code.
pub type Outcome = Result<Vec<u64>, TrapCode>;

//! Translates whole modules and runs the SSA pipeline on every function,
//! reporting instruction counts before and after the passes, the share of
//! linear-memory accesses left without a bounds check (removed by the front
//! end for constant addresses or by the passes), and the throughput of front
//! end plus passes.
//!
//! ```text
//! cargo run --release -p kiln-frontend --example ssa_stats -- a.wasm b.wasm ...
//! ```

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_ssa::{Function, Op, Region, passes, verify};
use std::time::{Duration, Instant};

/// Instructions, linear-memory accesses and bounds checks of a function.
fn counts(func: &Function) -> (usize, usize, usize) {
    let ops = || {
        func.layout
            .iter()
            .flat_map(|&block| func.block(block).insts.iter())
            .map(|&inst| func.inst(inst).op)
    };
    let accesses = ops()
        .filter(|op| {
            matches!(
                op,
                Op::Load {
                    region: Region::Heap(_),
                    ..
                } | Op::Store {
                    region: Region::Heap(_),
                    ..
                }
            )
        })
        .count();
    let checks = ops()
        .filter(|op| matches!(op, Op::Trapnz(_, Some(_))))
        .count();
    (func.inst_count(), accesses, checks)
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: ssa_stats MODULE.wasm...");
        std::process::exit(2);
    }
    println!(
        "{:<40} {:>8} {:>10} {:>10} {:>8} {:>12} {:>8}",
        "module", "funcs", "insts", "after", "ratio", "unchecked", "MB/s"
    );
    let (mut all_bytes, mut all_code_bytes, mut all_time) = (0usize, 0u64, Duration::ZERO);
    for path in &paths {
        let wasm = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (env, bodies) = ModuleEnv::from_wasm(&wasm).unwrap_or_else(|e| panic!("{path}: {e}"));
        let layout = VmLayout::new(&env);
        let (mut before, mut after, mut accesses, mut checks) = (0, 0, 0, 0);
        let start = Instant::now();
        let mut functions = Vec::with_capacity(bodies.len());
        for (i, body) in bodies.iter().enumerate() {
            let index = env.num_imported_functions + i as u32;
            let mut func = translate_function(&env, &layout, index, body)
                .unwrap_or_else(|e| panic!("{path}: f{index}: {e}"));
            let (insts, heap_accesses, _) = counts(&func);
            before += insts;
            accesses += heap_accesses;
            passes::optimize(&mut func);
            functions.push(func);
        }
        let elapsed = start.elapsed();
        for func in &functions {
            if let Err(e) = verify(func) {
                panic!(
                    "{path}: {} does not verify after the passes:\n{e}\n{func}",
                    func.name
                );
            }
            let (insts, _, bounds_checks) = counts(func);
            after += insts;
            checks += bounds_checks;
        }
        all_bytes += wasm.len();
        all_code_bytes += bodies
            .iter()
            .map(|b| b.range().end - b.range().start)
            .sum::<u64>();
        all_time += elapsed;
        println!(
            "{:<40} {:>8} {:>10} {:>10} {:>7.1}% {:>11.1}% {:>8.1}",
            path.rsplit('/').nth(1).unwrap_or(path),
            functions.len(),
            before,
            after,
            100.0 * after as f64 / before.max(1) as f64,
            100.0 * (accesses - checks) as f64 / accesses.max(1) as f64,
            wasm.len() as f64 / 1e6 / elapsed.as_secs_f64(),
        );
    }
    println!(
        "total: {:.2} MB of modules ({:.2} MB of function bodies) in {:.3} s = {:.1} MB/s \
         ({:.1} MB/s of bodies), front end + passes, one core",
        all_bytes as f64 / 1e6,
        all_code_bytes as f64 / 1e6,
        all_time.as_secs_f64(),
        all_bytes as f64 / 1e6 / all_time.as_secs_f64(),
        all_code_bytes as f64 / 1e6 / all_time.as_secs_f64(),
    );
}

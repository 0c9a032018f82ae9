//! Allocation speed and spill counts on generated functions of 1k, 10k and
//! 100k instructions: `cargo bench -p kiln-regalloc`.
//!
//! Each size is allocated several times and the best time is reported, in
//! nanoseconds per instruction, with the moves, spills, reloads and
//! rematerializations per 100 instructions. The first allocation of each
//! size is also run through the checker.

#[path = "../tests/allocator/support.rs"]
mod support;

use std::time::Instant;

use kiln_regalloc::{Function, allocate, check};
use support::{GenConfig, TestIsa, generate};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const SEEDS: u64 = 4;

fn main() {
    println!("isa      insts  ns/inst  moves/100 spills/100 reloads/100 remats/100");
    for isa in TestIsa::all() {
        for size in SIZES {
            let mut best_ns_per_inst = f64::MAX;
            let mut totals = [0usize; 4];
            let mut insts = 0;
            for seed in 0..SEEDS {
                let config = GenConfig {
                    seed,
                    size,
                    max_depth: 3,
                    reach: 48,
                };
                let func = generate(&isa, config);
                let runs = (200_000 / size).clamp(2, 50);
                let mut output = None;
                for _ in 0..runs {
                    let start = Instant::now();
                    let result = allocate(&func, &isa.env).expect("generated functions allocate");
                    let ns = start.elapsed().as_nanos() as f64 / func.num_insts() as f64;
                    best_ns_per_inst = best_ns_per_inst.min(ns);
                    output = Some(result);
                }
                let output = output.expect("at least one run");
                check(&func, &isa.env, &output).expect("the checker accepts the allocation");
                let stats = output.stats();
                totals[0] += stats.moves;
                totals[1] += stats.spills;
                totals[2] += stats.reloads;
                totals[3] += stats.remats;
                insts += func.num_insts();
            }
            let per_100 = |n: usize| 100.0 * n as f64 / insts as f64;
            println!(
                "{:8} {:6} {:8.1} {:9.2} {:10.2} {:11.2} {:10.2}",
                isa.name,
                size,
                best_ns_per_inst,
                per_100(totals[0]),
                per_100(totals[1]),
                per_100(totals[2]),
                per_100(totals[3]),
            );
        }
    }
}

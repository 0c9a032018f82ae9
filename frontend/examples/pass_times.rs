//! Time spent in each pass of the SSA pipeline, summed over every function
//! of the given modules, so that a slow pass shows on its own rather than
//! inside `kiln compile --stats`'s one `passes_ms` figure.
//! Every pass of the pipeline runs, including the second runs that
//! `passes::optimize` skips when nothing changed in between.
//!
//! ```text
//! cargo run --release -p kiln-frontend --example pass_times -- a.wasm b.wasm ...
//! ```

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use kiln_ssa::passes;
use std::time::{Duration, Instant};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: pass_times MODULE.wasm...");
        std::process::exit(2);
    }
    for path in &paths {
        let wasm = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (env, bodies) = ModuleEnv::from_wasm(&wasm).unwrap_or_else(|e| panic!("{path}: {e}"));
        let layout = VmLayout::new(&env);
        let mut translate = Duration::ZERO;
        let mut per_pass = vec![Duration::ZERO; passes::PIPELINE.len()];
        for (i, body) in bodies.iter().enumerate() {
            let index = env.num_imported_functions + i as u32;
            let start = Instant::now();
            let mut func = translate_function(&env, &layout, index, body)
                .unwrap_or_else(|e| panic!("{path}: f{index}: {e}"));
            translate += start.elapsed();
            let mut analyses = passes::Analyses::default();
            for (slot, (_, pass)) in per_pass.iter_mut().zip(passes::PIPELINE) {
                let start = Instant::now();
                pass(&mut func, &mut analyses);
                *slot += start.elapsed();
            }
        }
        println!("{path}");
        println!(
            "  {:<20} {:>9.2} ms",
            "translate",
            translate.as_secs_f64() * 1e3
        );
        for ((name, _), time) in passes::PIPELINE.iter().zip(&per_pass) {
            println!("  {:<20} {:>9.2} ms", name, time.as_secs_f64() * 1e3);
        }
    }
}

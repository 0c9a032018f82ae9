//! The `kiln-stats` lines that `kiln run --stats` and `kiln compile --stats`
//! print on stderr about a module: the size of its machine code, the time
//! of each compile phase and the moves, spills and reloads the register
//! allocator inserted, one `NAME=VALUE` field per measure, so that
//! scripts (`../shared/bench/compare.py`, `isa-arm64/bench/qemu_ratios.py`)
//! can read them.

use kiln::Module;
use std::time::Duration;

/// Milliseconds, as the stats lines give times.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `kiln-stats code_bytes=..`, `kiln-stats phases decode_ms=.. ..` and
/// `kiln-stats allocator moves=.. spills=.. reloads=..`.
pub fn print_module_stats(module: &Module) {
    eprintln!("kiln-stats code_bytes={}", module.code_size());
    let stats = module.compile_stats();
    let phases: Vec<String> = stats
        .phases()
        .iter()
        .map(|(phase, time)| format!("{phase}_ms={:.3}", ms(*time)))
        .collect();
    eprintln!("kiln-stats phases {}", phases.join(" "));
    let counts: Vec<String> = stats
        .allocator_counts()
        .iter()
        .map(|(name, count)| format!("{name}={count}"))
        .collect();
    eprintln!("kiln-stats allocator {}", counts.join(" "));
}

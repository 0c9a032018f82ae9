//! The `kiln-stats` lines that `kiln run --stats` and `kiln compile --stats`
//! print on stderr about a module: the size of its machine code and the
//! time of each compile phase, one `NAME=VALUE` field per measure, so that
//! scripts (`../shared/bench/compare.py`, `isa-arm64/bench/qemu_ratios.py`)
//! can read them.

use kiln::Module;
use std::time::Duration;

/// Milliseconds, as the stats lines give times.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `kiln-stats code_bytes=..` and `kiln-stats phases decode_ms=.. ..`.
pub fn print_module_stats(module: &Module) {
    eprintln!("kiln-stats code_bytes={}", module.code_size());
    let phases: Vec<String> = module
        .compile_stats()
        .phases()
        .iter()
        .map(|(phase, time)| format!("{phase}_ms={:.3}", ms(*time)))
        .collect();
    eprintln!("kiln-stats phases {}", phases.join(" "));
}

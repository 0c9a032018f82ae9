//! `--bounds-checks explicit|guard`, shared by `kiln run` and `kiln wast`:
//! how compiled code keeps memory accesses inside linear memory.

use kiln::Config;

/// What the flag's value asks of a [`Config`]: `explicit` checks every
/// access; `guard` relies on guard pages and the signal handler where it can
/// (the default where the host supports it).
pub fn apply(config: &mut Config, value: &str) -> Result<(), String> {
    match value {
        "explicit" => {
            config.signals_based_traps(false);
            Ok(())
        }
        "guard" if config.signals_based_traps(true).get_signals_based_traps() => Ok(()),
        "guard" => Err("--bounds-checks guard is not supported on this host".to_string()),
        other => Err(format!(
            "unknown bounds checks `{other}` (available: explicit, guard)"
        )),
    }
}

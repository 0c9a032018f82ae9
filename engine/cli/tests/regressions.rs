//! Minimized cases of bugs found by fuzzing or by hand, as `.wast` scripts in
//! `tests/regressions/`, run on every engine: each must pass everywhere.

use std::path::Path;
use std::process::Command;

#[test]
fn regression_scripts_pass_on_every_engine() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("the regressions folder")
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts in {}", dir.display());
    for engine in ["interp", "ssa", "compiler"] {
        let output = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["wast", "--engine", engine])
            .args(&scripts)
            .output()
            .expect("kiln runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.trim_end().ends_with(" 0 failed, 0 skipped"),
            "on {engine}:\n{stdout}"
        );
    }
}

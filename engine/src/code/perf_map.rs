//! Perf maps: names for compiled wasm functions in Linux `perf` profiles.
//!
//! Compiled code lives in anonymous mappings, so a profiler sees only
//! addresses there. `perf report` looks such addresses up in
//! `/tmp/perf-<pid>.map`, a text file with one line per function: its start
//! and size in hexadecimal, and its name. [`append`] adds a module's
//! functions to that file when [`Config::perf_map`](crate::Config::perf_map)
//! is on. The first write of a process replaces whatever the file held: a
//! file of that name was left by an earlier process that had the same
//! pid, and its lines would name code that is not there. Later writes
//! append, since several modules (and engines) of one process may write
//! it, and the profiler reads it after the process ends.

use super::CompiledModule;
use crate::module::ModuleInfo;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Mutex;

/// Whether this process has written its perf map yet. The lock is held
/// across the open and the write, so that no module's lines go to a file
/// that the first write then empties.
static WRITTEN: Mutex<bool> = Mutex::new(false);

/// Where `perf` looks for the names of this process's code.
pub(crate) fn path() -> PathBuf {
    PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// The perf map lines of `compiled`'s functions: `START SIZE NAME`. A
/// function's size runs to the next function's start (its alignment
/// padding included); the last one's to the end of the code, veneers
/// included. The name is the function's name from the module's name
/// section, or `function[INDEX]`, after the module's name if it has one.
fn lines(compiled: &CompiledModule, info: &ModuleInfo) -> String {
    let starts = compiled.memory.starts();
    let base = compiled.memory.bytes().as_ptr() as usize;
    let end = compiled.memory.bytes().len();
    let module = info.module_name.as_deref().unwrap_or("");
    let mut text = String::new();
    for (defined, &start) in starts.iter().enumerate() {
        let next = starts.get(defined + 1).copied().unwrap_or(end);
        let func_index = info.num_imported_funcs + defined as u32;
        let name = match info.func_names.get(&func_index) {
            Some(name) => name.clone(),
            None => format!("function[{func_index}]"),
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{:x} {:x} wasm[{module}]::{name}",
            base + start,
            next - start
        );
    }
    text
}

/// Appends `compiled`'s functions to this process's perf map, emptying
/// the file first if this is the process's first write.
pub(crate) fn append(compiled: &CompiledModule, info: &ModuleInfo) -> io::Result<()> {
    let text = lines(compiled, info);
    let mut written = WRITTEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if *written {
        options.append(true);
    } else {
        options.write(true).truncate(true);
    }
    // One write, so that the lines of a module stay together.
    options.open(path())?.write_all(text.as_bytes())?;
    *written = true;
    Ok(())
}

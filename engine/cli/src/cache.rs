//! `kiln run --cache DIR`: compiled modules kept between runs, one artifact
//! per module and configuration, named by a hash of the module's bytes and
//! of the engine's configuration (and kiln's version).
//!
//! An entry that does not load (damaged, or left by another kiln or for
//! another CPU) is compiled again and replaced: the cache never makes a run
//! fail, and a cache that cannot be written only costs the compile. Entries
//! are written to a temporary file and renamed into place, so a reader sees
//! a whole entry or none, and an entry is never changed in place while
//! another run has it mapped.

use kiln::{Engine, Module};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file of the entry for `bytes` under `engine`'s configuration: 128
/// bits of two differently seeded hashes, so that two modules never share
/// an entry by accident.
fn entry(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let key: Vec<String> = [0u8, 1]
        .iter()
        .map(|seed| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            seed.hash(&mut hasher);
            env!("CARGO_PKG_VERSION").hash(&mut hasher);
            format!("{:?}", engine.config()).hash(&mut hasher);
            bytes.hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        })
        .collect();
    dir.join(format!("{}.kilnc", key.concat()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder,
/// renamed into place when complete.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The module of `bytes` (a wasm or text module) from the cache in `dir`,
/// or compiled and then kept there. Problems with the cache are reported
/// on stderr and otherwise ignored.
pub fn load(engine: &Engine, dir: &Path, bytes: &[u8]) -> kiln::Result<Module> {
    let path = entry(dir, engine, bytes);
    if path.is_file() {
        // SAFETY: cache entries are artifacts that `Module::serialize` wrote,
        // and they are replaced by renaming, never changed in place.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(module) => return Ok(module),
            Err(err) => eprintln!(
                "kiln run: cache entry {} does not load ({err}); compiling again",
                path.display()
            ),
        }
    }
    let module = Module::new(engine, bytes)?;
    let kept = module.serialize().and_then(|artifact| {
        std::fs::create_dir_all(dir)
            .and_then(|()| write_atomically(&path, &artifact))
            .map_err(|err| kiln::Error::Usage(err.to_string()))
    });
    if let Err(err) = kept {
        eprintln!(
            "kiln run: cannot keep the compiled module in {}: {err}",
            dir.display()
        );
    }
    Ok(module)
}

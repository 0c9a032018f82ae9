//! WASI fuzzing: a guest makes random `wasi_snapshot_preview1` calls against a
//! preopened directory, with paths built from `..`, symbolic links and
//! absolute names, and must never reach outside it nor crash the host.
//!
//! Each run lays out a fresh sandbox: `root/`, preopened read-write as
//! `/sandbox`, holds files, a subdirectory, and symbolic links that point out
//! of it (`../..`, `../outside`, an absolute path); `outside/` beside it holds a
//! secret. Afterwards nothing outside `root/` may have changed, and the secret
//! may appear neither in guest memory nor on the guest's standard output.

#![no_main]

use arbitrary::Unstructured;
use kiln::wasi::{DirAccess, OutputBuffer, OutputSink, WasiCtx};
use kiln::{Engine, Func, Linker, Memory, Module, Store, Val};
use libfuzzer_sys::fuzz_target;
use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The parameter types of a WASI function, `true` for `i64`, `false` for `i32`.
type Params = &'static [bool];

const I: bool = false;
const L: bool = true;

/// The functions the guest calls, with their parameters. `poll_oneoff` is left
/// out: a guest may ask it to sleep for as long as it likes.
const FUNCTIONS: &[(&str, Params)] = &[
    ("args_get", &[I, I]),
    ("args_sizes_get", &[I, I]),
    ("environ_get", &[I, I]),
    ("environ_sizes_get", &[I, I]),
    ("clock_res_get", &[I, I]),
    ("clock_time_get", &[I, L, I]),
    ("random_get", &[I, I]),
    ("fd_advise", &[I, L, L, I]),
    ("fd_allocate", &[I, L, L]),
    ("fd_close", &[I]),
    ("fd_datasync", &[I]),
    ("fd_fdstat_get", &[I, I]),
    ("fd_fdstat_set_flags", &[I, I]),
    ("fd_fdstat_set_rights", &[I, L, L]),
    ("fd_filestat_get", &[I, I]),
    ("fd_filestat_set_size", &[I, L]),
    ("fd_filestat_set_times", &[I, L, L, I]),
    ("fd_pread", &[I, I, I, L, I]),
    ("fd_prestat_get", &[I, I]),
    ("fd_prestat_dir_name", &[I, I, I]),
    ("fd_pwrite", &[I, I, I, L, I]),
    ("fd_read", &[I, I, I, I]),
    ("fd_readdir", &[I, I, I, L, I]),
    ("fd_renumber", &[I, I]),
    ("fd_seek", &[I, L, I, I]),
    ("fd_sync", &[I]),
    ("fd_tell", &[I, I]),
    ("fd_write", &[I, I, I, I]),
    ("path_create_directory", &[I, I, I]),
    ("path_filestat_get", &[I, I, I, I, I]),
    ("path_filestat_set_times", &[I, I, I, I, L, L, I]),
    ("path_link", &[I, I, I, I, I, I, I]),
    ("path_open", &[I, I, I, I, I, L, L, I, I]),
    ("path_readlink", &[I, I, I, I, I, I]),
    ("path_remove_directory", &[I, I, I]),
    ("path_rename", &[I, I, I, I, I, I]),
    ("path_symlink", &[I, I, I, I, I]),
    ("path_unlink_file", &[I, I, I]),
    ("proc_exit", &[I]),
    ("proc_raise", &[I]),
    ("sched_yield", &[]),
    ("sock_accept", &[I, I, I]),
    ("sock_recv", &[I, I, I, I, I, I]),
    ("sock_send", &[I, I, I, I, I]),
    ("sock_shutdown", &[I, I]),
];

/// Bytes that must never leave `outside/`, new for every run: a fixed secret
/// would be learnt by libFuzzer from the comparisons that look for it, and
/// written into guest memory by the fuzzer itself.
fn fresh_secret() -> Vec<u8> {
    let random = || RandomState::new().build_hasher().finish();
    format!("kiln-fuzz-wasi secret {:016x}{:016x}", random(), random()).into_bytes()
}

/// Path components that a guest might use to get out.
const PATH_PARTS: &[&str] = &[
    "..",
    ".",
    "",
    "/",
    "sub",
    "a.txt",
    "sub/b.txt",
    "up",
    "abs",
    "out",
    "outside",
    "secret.txt",
    "new",
    "sandbox",
];

/// The guest: one exported wrapper per WASI function, so that every call
/// comes from wasm code with the guest's memory, as a real program's would.
fn guest_wat() -> String {
    let mut imports = String::new();
    let mut wrappers = String::new();
    for (name, params) in FUNCTIONS {
        let types: Vec<&str> = (params.iter())
            .map(|&long| if long { "i64" } else { "i32" })
            .collect();
        let result = if *name == "proc_exit" {
            ""
        } else {
            "(result i32)"
        };
        let signature = format!("(param {}) {result}", types.join(" "));
        let args: String = (0..params.len())
            .map(|i| format!(" (local.get {i})"))
            .collect();
        imports += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} {signature}))\n"
        );
        wrappers += &format!("  (func (export \"{name}\") {signature} (call ${name}{args}))\n");
    }
    format!("(module\n{imports}  (memory (export \"memory\") 1)\n{wrappers})")
}

/// The compiled guest and the folder its sandboxes live in, made once.
struct Setup {
    engine: Engine,
    module: Module,
    base: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let engine = Engine::default();
        let module = Module::new(&engine, guest_wat()).expect("the guest is valid");
        let base = std::env::temp_dir().join(format!("kiln-fuzz-wasi-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("outside")).expect("can create the sandbox folder");
        Setup {
            engine,
            module,
            base,
        }
    })
}

/// Lays out a fresh `root/` under `base`.
fn fresh_root(base: &Path) -> PathBuf {
    let root = base.join("root");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("sub")).expect("can create root/sub");
    fs::write(root.join("a.txt"), b"inside").expect("can write root/a.txt");
    fs::write(root.join("sub/b.txt"), b"also inside").expect("can write root/sub/b.txt");
    std::os::unix::fs::symlink("../..", root.join("sub/up")).expect("can link root/sub/up");
    std::os::unix::fs::symlink("../outside", root.join("out")).expect("can link root/out");
    std::os::unix::fs::symlink(base.join("outside/secret.txt"), root.join("abs"))
        .expect("can link root/abs");
    root
}

/// Everything outside `root/`: each entry of `base` but `root`, with the
/// contents of the files in `outside/`.
fn outside_state(base: &Path) -> Vec<(String, Vec<u8>)> {
    let mut state = Vec::new();
    for dir in [base, &base.join("outside")] {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            if path != base.join("root") {
                let contents = fs::read(&path).unwrap_or_default();
                state.push((path.display().to_string(), contents));
            }
        }
    }
    state
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The guest's view of the last path it wrote: where it is and how long.
#[derive(Clone, Copy, Default)]
struct PathInMemory {
    offset: u32,
    len: u32,
}

/// An argument: often the last path, a small number (descriptors, flags), or
/// a nearby pointer; otherwise anything.
fn argument(u: &mut Unstructured<'_>, long: bool, path: PathInMemory) -> arbitrary::Result<Val> {
    let value: u64 = match u.int_in_range(0..=4)? {
        0 => path.offset.into(),
        1 => path.len.into(),
        2 => u.int_in_range(0..=16)?,
        3 => u.int_in_range(0..=1023)? * 8,
        _ => u.arbitrary()?,
    };
    Ok(if long {
        Val::I64(value as i64)
    } else {
        Val::I32(value as i32)
    })
}

struct Host {
    wasi: WasiCtx,
}

/// A guest instance in a fresh sandbox, with its memory and its functions.
struct Guest {
    store: Store<Host>,
    memory: Memory,
    funcs: Vec<(Func, Params)>,
}

fn start_guest(setup: &Setup, stdout: &OutputBuffer) -> kiln::Result<Guest> {
    let root = fresh_root(&setup.base);
    let wasi = WasiCtx::builder()
        .arg("guest")
        .stdout(OutputSink::Buffer(stdout.clone()))
        .preopened_dir(&root, "/sandbox", DirAccess::ReadWrite)
        .build()?;
    let mut linker = Linker::new(&setup.engine);
    kiln::wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
    let mut store = Store::new(&setup.engine, Host { wasi });
    let instance = linker.instantiate(&mut store, &setup.module)?;
    let memory = (instance.get_memory(&store, "memory")).expect("the guest exports its memory");
    let funcs = (FUNCTIONS.iter())
        .map(|(name, params)| (instance.get_func(&store, name).expect("exported"), *params))
        .collect();
    Ok(Guest {
        store,
        memory,
        funcs,
    })
}

/// The biggest offset at which the guest writes, leaving room for what it writes.
const MAX_WRITE_OFFSET: u32 = 60_000;

/// Lets the guest write bytes and paths into its memory and call WASI
/// functions until the input runs out. Whatever a call returns, even an exit
/// request or a trap, the guest goes on.
fn play(u: &mut Unstructured<'_>, guest: &mut Guest) -> arbitrary::Result<()> {
    let mut path = PathInMemory::default();
    while !u.is_empty() {
        match u.int_in_range(0..=3u8)? {
            0 => {
                let offset = u.int_in_range(0..=MAX_WRITE_OFFSET)?;
                let bytes: &[u8] = u.arbitrary()?;
                write(guest, offset, &bytes[..bytes.len().min(1024)]);
            }
            1 => {
                let offset = u.int_in_range(0..=MAX_WRITE_OFFSET)?;
                let mut text = String::new();
                for _ in 0..u.int_in_range(1..=6)? {
                    if !text.is_empty() {
                        text.push('/');
                    }
                    text.push_str(u.choose(PATH_PARTS)?);
                }
                write(guest, offset, text.as_bytes());
                path = PathInMemory {
                    offset,
                    len: text.len() as u32,
                };
            }
            _ => {
                let (func, params) = *u.choose(&guest.funcs)?;
                let args = (params.iter())
                    .map(|&long| argument(u, long, path))
                    .collect::<arbitrary::Result<Vec<Val>>>()?;
                let mut results = vec![Val::I32(0); func.ty(&guest.store).results().len()];
                let _ = func.call(&mut guest.store, &args, &mut results);
            }
        }
    }
    Ok(())
}

fn write(guest: &mut Guest, offset: u32, bytes: &[u8]) {
    (guest.memory)
        .write(&mut guest.store, offset as usize, bytes)
        .expect("writes stay inside the guest's one page");
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let secret = fresh_secret();
    fs::write(setup.base.join("outside/secret.txt"), &secret).expect("can write the secret");
    let before = outside_state(&setup.base);
    let stdout = OutputBuffer::new();
    let mut guest = start_guest(setup, &stdout).expect("the guest starts");
    let _ = play(&mut Unstructured::new(data), &mut guest);
    let memory = guest.memory.data_slice(&guest.store);
    assert_eq!(
        outside_state(&setup.base),
        before,
        "the guest changed something outside its sandbox"
    );
    assert!(
        !contains(memory, &secret),
        "the guest read the secret into its memory"
    );
    assert!(
        !contains(&stdout.contents(), &secret),
        "the guest wrote the secret to stdout"
    );
});

//! The WASI sandbox against a hostile guest (`wasi_sandbox_guest.wat`): it
//! aims `..`, absolute paths, symbolic links that lead outside (also while
//! they are being swapped in and out) and renames across the boundary at its
//! preopened directory, and each attempt must fail with the right errno and
//! leave the host's files outside untouched.

use kiln::wasi::{DirAccess, WasiCtx};
use kiln::{Engine, Instance, Linker, Module, Store, Val};
use std::path::{Path, PathBuf};

/// WASI errno values.
const SUCCESS: i32 = 0;
const EXIST: i32 = 20;
const LOOP: i32 = 32;
const NOENT: i32 = 44;
const NOTDIR: i32 = 54;
const NOTCAPABLE: i32 = 76;

/// The guest's descriptors: the read-write preopen and the read-only one.
const SANDBOX: i32 = 3;
const READ_ONLY: i32 = 4;

/// A host directory tree with a sandbox inside it, and a guest instance that
/// has the sandbox preopened:
///
/// ```text
/// root/outside/secret.txt            "secret"   (the guest must never reach it)
/// root/sandbox/inside.txt            "inside"   preopened read-write as /sandbox
/// root/sandbox/sub/
/// root/sandbox/up      -> ../outside/secret.txt
/// root/sandbox/abs     -> root/outside/secret.txt (absolute)
/// root/sandbox/out_dir -> ../outside
/// root/sandbox/near    -> sub/../inside.txt      (stays inside)
/// root/readonly/kept.txt             "kept"     preopened read-only as /readonly
/// ```
struct Fixture {
    root: PathBuf,
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Fixture {
    fn new(label: &str) -> Fixture {
        let root =
            std::env::temp_dir().join(format!("kiln-wasi-sandbox-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["outside", "sandbox/sub", "readonly"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("outside/secret.txt"), "secret").unwrap();
        std::fs::write(root.join("sandbox/inside.txt"), "inside").unwrap();
        std::fs::write(root.join("readonly/kept.txt"), "kept").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join("sandbox").join(name)).unwrap()
        };
        link(Path::new("../outside/secret.txt"), "up");
        link(&root.join("outside/secret.txt"), "abs");
        link(Path::new("../outside"), "out_dir");
        link(Path::new("sub/../inside.txt"), "near");

        let engine = Engine::default();
        let module = Module::new(&engine, include_str!("wasi_sandbox_guest.wat")).unwrap();
        let wasi = WasiCtx::builder()
            .preopened_dir(root.join("sandbox"), "/sandbox", DirAccess::ReadWrite)
            .preopened_dir(root.join("readonly"), "/readonly", DirAccess::ReadOnly)
            .build()
            .unwrap();
        let mut store = Store::new(&engine, wasi);
        let mut linker = Linker::new(&engine);
        kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Fixture {
            root,
            store,
            instance,
        }
    }

    /// Calls the guest's `export` on directory `dir` with `paths` (each passed
    /// as pointer and length) and then `extra`; returns the errno.
    fn call(&mut self, export: &str, dir: i32, paths: &[&str], extra: &[i32]) -> i32 {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        let mut args = vec![Val::I32(dir)];
        for (i, path) in paths.iter().enumerate() {
            let at = 4096 + 1024 * i;
            memory.write(&mut self.store, at, path.as_bytes()).unwrap();
            args.extend([Val::I32(at as i32), Val::I32(path.len() as i32)]);
        }
        args.extend(extra.iter().map(|&v| Val::I32(v)));
        let func = self.instance.get_func(&self.store, export).unwrap();
        let mut result = [Val::I32(0)];
        func.call(&mut self.store, &args, &mut result).unwrap();
        result[0].i32().unwrap()
    }

    /// What `open_and_read` read last.
    fn bytes_read(&self) -> Vec<u8> {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        let data = memory.data_slice(&self.store);
        let count = u32::from_le_bytes(data[1028..1032].try_into().unwrap()) as usize;
        data[2048..2048 + count].to_vec()
    }

    /// The names in a host directory, sorted.
    fn listing(&self, dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Checks that nothing outside the sandbox changed.
    fn assert_outside_untouched(&self) {
        assert_eq!(self.listing("outside"), ["secret.txt"]);
        assert_eq!(
            std::fs::read_to_string(self.root.join("outside/secret.txt")).unwrap(),
            "secret"
        );
        let mut top = self.listing("");
        top.sort();
        assert_eq!(top, ["outside", "readonly", "sandbox"]);
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn paths_inside_the_sandbox_work() {
    let mut fx = Fixture::new("inside");
    assert_eq!(
        fx.call("open_and_read", SANDBOX, &["inside.txt"], &[]),
        SUCCESS
    );
    assert_eq!(fx.bytes_read(), b"inside");
    assert_eq!(
        fx.call("open_and_read", SANDBOX, &["sub/../inside.txt"], &[]),
        SUCCESS
    );
    assert_eq!(fx.call("open_and_read", SANDBOX, &["near"], &[]), SUCCESS);
    assert_eq!(fx.bytes_read(), b"inside");
    assert_eq!(
        fx.call("rename", SANDBOX, &["inside.txt", "sub/moved.txt"], &[]),
        SUCCESS
    );
    assert!(fx.root.join("sandbox/sub/moved.txt").is_file());
    assert_eq!(
        fx.call("open_and_read", READ_ONLY, &["kept.txt"], &[]),
        SUCCESS
    );
    assert_eq!(fx.bytes_read(), b"kept");
}

#[test]
fn dot_dot_and_absolute_paths_are_refused() {
    let mut fx = Fixture::new("dotdot");
    let secret = fx.root.join("outside/secret.txt").display().to_string();
    for path in [
        "../outside/secret.txt",
        "sub/../../outside/secret.txt",
        "..",
        "/etc/passwd",
        secret.as_str(),
    ] {
        assert_eq!(
            fx.call("open_and_read", SANDBOX, &[path], &[]),
            NOTCAPABLE,
            "{path}"
        );
        assert_eq!(fx.call("stat", SANDBOX, &[path], &[]), NOTCAPABLE, "{path}");
    }
    assert_eq!(fx.bytes_read(), b"");
    fx.assert_outside_untouched();
}

#[test]
fn symlinks_that_lead_outside_are_not_followed() {
    let mut fx = Fixture::new("symlinks");
    for path in ["up", "abs", "out_dir/secret.txt", "sub/../up"] {
        assert_eq!(
            fx.call("open_and_read", SANDBOX, &[path], &[]),
            NOTCAPABLE,
            "{path}"
        );
        assert_eq!(fx.call("stat", SANDBOX, &[path], &[]), NOTCAPABLE, "{path}");
        assert_eq!(
            fx.call("touch", SANDBOX, &[path], &[]),
            NOTCAPABLE,
            "{path}"
        );
    }
    // Not following the final link opens the link itself, which O_NOFOLLOW refuses.
    assert_eq!(fx.call("open", SANDBOX, &["up"], &[0, 0]), LOOP);
    // Writing through a link must not create or change the file outside.
    assert_eq!(
        fx.call("create_and_write", SANDBOX, &["up", "pwned"], &[]),
        NOTCAPABLE
    );
    assert_eq!(
        fx.call(
            "create_and_write",
            SANDBOX,
            &["out_dir/new.txt", "pwned"],
            &[]
        ),
        NOTCAPABLE
    );
    // A guest-made link is created (it is only text), but cannot be followed out.
    assert_eq!(
        fx.call("symlink", SANDBOX, &["../outside/secret.txt", "mine"], &[]),
        SUCCESS
    );
    assert_eq!(
        fx.call("open_and_read", SANDBOX, &["mine"], &[]),
        NOTCAPABLE
    );
    assert_eq!(
        fx.call("symlink", SANDBOX, &["/etc/passwd", "mine_abs"], &[]),
        NOTCAPABLE
    );
    assert_eq!(fx.bytes_read(), b"");
    fx.assert_outside_untouched();
}

#[test]
fn renames_links_and_removals_across_the_boundary_are_refused() {
    let mut fx = Fixture::new("boundary");
    let cases: [(&str, &[&str]); 10] = [
        ("rename", &["inside.txt", "../outside/moved.txt"]),
        ("rename", &["../outside/secret.txt", "stolen.txt"]),
        ("rename", &["inside.txt", "out_dir/moved.txt"]),
        ("rename", &["out_dir/secret.txt", "stolen.txt"]),
        ("link", &["up", "hard.txt"]),
        ("link", &["inside.txt", "../outside/hard.txt"]),
        ("unlink", &["../outside/secret.txt"]),
        ("unlink", &["out_dir/secret.txt"]),
        ("mkdir", &["../outside/newdir"]),
        ("rmdir", &["out_dir/../outside"]),
    ];
    for (export, paths) in cases {
        assert_eq!(
            fx.call(export, SANDBOX, paths, &[]),
            NOTCAPABLE,
            "{export} {paths:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(fx.root.join("sandbox/inside.txt")).unwrap(),
        "inside"
    );
    assert!(!fx.root.join("sandbox/hard.txt").exists());
    // Removing the link itself is fine: the target outside stays.
    assert_eq!(fx.call("unlink", SANDBOX, &["out_dir"], &[]), SUCCESS);
    fx.assert_outside_untouched();
}

#[test]
fn a_read_only_preopen_changes_nothing() {
    let mut fx = Fixture::new("readonly");
    assert_eq!(
        fx.call("create_and_write", READ_ONLY, &["new.txt", "x"], &[]),
        NOTCAPABLE
    );
    assert_eq!(
        fx.call("open", READ_ONLY, &["kept.txt"], &[1, 8]),
        NOTCAPABLE
    );
    assert_eq!(fx.call("unlink", READ_ONLY, &["kept.txt"], &[]), NOTCAPABLE);
    assert_eq!(fx.call("mkdir", READ_ONLY, &["dir"], &[]), NOTCAPABLE);
    assert_eq!(
        fx.call("rename", READ_ONLY, &["kept.txt", "moved.txt"], &[]),
        NOTCAPABLE
    );
    assert_eq!(
        fx.call("symlink", READ_ONLY, &["kept.txt", "link"], &[]),
        NOTCAPABLE
    );
    assert_eq!(fx.call("touch", READ_ONLY, &["kept.txt"], &[]), NOTCAPABLE);
    // Opening for writing silently gets no write right, so the write fails.
    assert_ne!(
        fx.call("create_and_write", READ_ONLY, &["kept.txt", "x"], &[]),
        SUCCESS
    );
    assert_eq!(fx.listing("readonly"), ["kept.txt"]);
    assert_eq!(
        std::fs::read_to_string(fx.root.join("readonly/kept.txt")).unwrap(),
        "kept"
    );
}

#[test]
fn existing_names_and_missing_paths_get_their_errnos() {
    let mut fx = Fixture::new("errnos");
    assert_eq!(fx.call("mkdir", SANDBOX, &["sub"], &[]), EXIST);
    assert_eq!(
        fx.call("open_and_read", SANDBOX, &["missing.txt"], &[]),
        NOENT
    );
    assert_eq!(
        fx.call("open_and_read", SANDBOX, &["sub/missing/x"], &[]),
        NOENT
    );
}

/// A host thread swaps `sandbox/flip` between a real directory and a link to
/// the outside while the guest keeps reading `flip/secret.txt`. Whatever the
/// timing, the guest only ever reads the file inside.
#[test]
fn a_symlink_swapped_in_during_resolution_never_leads_outside() {
    let mut fx = Fixture::new("swap");
    let flip = fx.root.join("sandbox/flip");
    let parked = fx.root.join("sandbox/parked");
    std::fs::create_dir(&flip).unwrap();
    std::fs::write(flip.join("secret.txt"), "inside").unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let outside = fx.root.join("outside");
    let outcomes = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::rename(&flip, &parked).unwrap();
                std::os::unix::fs::symlink(&outside, &flip).unwrap();
                std::os::unix::fs::symlink("../outside", flip.with_extension("tmp")).unwrap();
                std::fs::rename(flip.with_extension("tmp"), &flip).unwrap();
                std::fs::remove_file(&flip).unwrap();
                std::fs::rename(&parked, &flip).unwrap();
            }
        });
        // No assertion runs while the swapper does, so that a failure cannot
        // leave it running forever.
        let outcomes: Vec<(i32, Vec<u8>)> = (0..3000)
            .map(|_| {
                let errno = fx.call("open_and_read", SANDBOX, &["flip/secret.txt"], &[]);
                (errno, fx.bytes_read())
            })
            .collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        outcomes
    });
    let mut inside_reads = 0;
    for (errno, bytes) in outcomes {
        match errno {
            SUCCESS => {
                assert_eq!(bytes, b"inside");
                inside_reads += 1;
            }
            NOTCAPABLE | NOENT | LOOP | NOTDIR => assert_eq!(bytes, b""),
            other => panic!("unexpected errno {other}"),
        }
    }
    println!("{inside_reads} of 3000 reads found the directory in place");
    fx.assert_outside_untouched();
}

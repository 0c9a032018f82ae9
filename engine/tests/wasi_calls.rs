//! WASI calls one at a time, through a guest that passes its exports' arguments
//! on to its imports, so that each test calls them with chosen arguments and reads the results from
//! guest memory: bad pointers, the builder's deterministic clock, random
//! source and in-memory streams, directory listings with cookies, and
//! `poll_oneoff`.

use kiln::wasi::{
    ClockId, InputSource, OutputBuffer, OutputSink, RandomSource, WasiClock, WasiCtx,
};
use kiln::{Engine, Instance, Linker, Module, Store, Val};

const SUCCESS: i32 = 0;
const BADF: i32 = 8;
const FAULT: i32 = 21;
const INVAL: i32 = 28;
const NOTCAPABLE: i32 = 76;

/// The WASI functions the tests call, with their parameter types.
const CALLS: [(&str, &[&str]); 10] = [
    ("args_sizes_get", &["i32", "i32"]),
    ("environ_get", &["i32", "i32"]),
    ("clock_time_get", &["i32", "i64", "i32"]),
    ("random_get", &["i32", "i32"]),
    ("fd_read", &["i32", "i32", "i32", "i32"]),
    ("fd_write", &["i32", "i32", "i32", "i32"]),
    ("fd_readdir", &["i32", "i32", "i32", "i64", "i32"]),
    ("fd_seek", &["i32", "i64", "i32", "i32"]),
    ("poll_oneoff", &["i32", "i32", "i32", "i32"]),
    ("proc_raise", &["i32"]),
];

/// The guest: one page of memory and, for each of [`CALLS`], an export of
/// the same name that passes its arguments on to the import. (The guest's own
/// code must make the call: a host function called straight from the host
/// has no calling instance, so no memory.)
fn passthrough_guest() -> String {
    let mut imports = String::new();
    let mut exports = String::new();
    for (name, types) in CALLS {
        let params = types.join(" ");
        let args: String = (0..types.len())
            .map(|i| format!(" (local.get {i})"))
            .collect();
        imports += &format!(
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        );
        exports += &format!(
            "(func (export \"{name}\") (param {params}) (result i32) (call ${name}{args}))\n"
        );
    }
    format!("(module\n{imports}(memory (export \"memory\") 1)\n{exports})")
}

/// A clock stopped at 42 seconds.
struct Stopped;

impl WasiClock for Stopped {
    fn now(&self, clock: ClockId) -> Option<u64> {
        (clock != ClockId::ThreadCpuTime).then_some(42_000_000_000)
    }

    fn resolution(&self, _clock: ClockId) -> Option<u64> {
        Some(1)
    }
}

/// Bytes 0, 1, 2, ...
struct Counting(u8);

impl RandomSource for Counting {
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        for byte in buf {
            *byte = self.0;
            self.0 = self.0.wrapping_add(1);
        }
        Ok(())
    }
}

struct Guest {
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Guest {
    fn new(wasi: WasiCtx) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, passthrough_guest()).unwrap();
        let mut store = Store::new(&engine, wasi);
        let mut linker = Linker::new(&engine);
        kiln::wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Guest { store, instance }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        let func = self.instance.get_func(&self.store, name).unwrap();
        let mut result = [Val::I32(0)];
        func.call(&mut self.store, args, &mut result).unwrap();
        result[0].i32().unwrap()
    }

    fn memory(&self) -> &[u8] {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        memory.data_slice(&self.store)
    }

    fn write(&mut self, at: usize, bytes: &[u8]) {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        memory.write(&mut self.store, at, bytes).unwrap();
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.memory()[at..at + 4].try_into().unwrap())
    }

    fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.memory()[at..at + 8].try_into().unwrap())
    }

    /// Writes one iovec at `at` for the `len` bytes at `buf`.
    fn iovec(&mut self, at: usize, buf: u32, len: u32) {
        self.write(at, &buf.to_le_bytes());
        self.write(at + 4, &len.to_le_bytes());
    }
}

fn i32s(values: &[i32]) -> Vec<Val> {
    values.iter().map(|&v| Val::I32(v)).collect()
}

#[test]
fn pointers_outside_memory_are_faults() {
    let mut guest = Guest::new(WasiCtx::builder().arg("prog").build().unwrap());
    assert_eq!(guest.call("args_sizes_get", &i32s(&[65536, 0])), FAULT);
    assert_eq!(guest.call("args_sizes_get", &i32s(&[65534, 0])), FAULT);
    assert_eq!(guest.call("random_get", &i32s(&[65000, 1000])), FAULT);
    assert_eq!(guest.call("random_get", &i32s(&[-1, 2])), FAULT);
    // An iovec that reaches past the end, and an iovec array that does.
    guest.iovec(0, 65530, 100);
    assert_eq!(guest.call("fd_write", &i32s(&[1, 0, 1, 16])), FAULT);
    assert_eq!(guest.call("fd_write", &i32s(&[1, 65532, 1, 16])), FAULT);
    assert_eq!(guest.call("args_sizes_get", &i32s(&[0, 4])), SUCCESS);
    assert_eq!((guest.u32_at(0), guest.u32_at(4)), (1, 5));
}

#[test]
fn clock_and_random_sources_can_be_replaced() {
    let wasi = WasiCtx::builder()
        .clock(Stopped)
        .random(Counting(7))
        .build()
        .unwrap();
    let mut guest = Guest::new(wasi);
    let realtime = [Val::I32(0), Val::I64(1), Val::I32(8)];
    assert_eq!(guest.call("clock_time_get", &realtime), SUCCESS);
    assert_eq!(guest.u64_at(8), 42_000_000_000);
    let thread_time = [Val::I32(3), Val::I64(1), Val::I32(8)];
    assert_eq!(guest.call("clock_time_get", &thread_time), INVAL);
    let no_such_clock = [Val::I32(9), Val::I64(1), Val::I32(8)];
    assert_eq!(guest.call("clock_time_get", &no_such_clock), INVAL);
    assert_eq!(guest.call("random_get", &i32s(&[100, 4])), SUCCESS);
    assert_eq!(&guest.memory()[100..104], &[7, 8, 9, 10]);
}

#[test]
fn standard_streams_can_be_in_memory() {
    let stdout = OutputBuffer::new();
    let wasi = WasiCtx::builder()
        .stdin(InputSource::Bytes(b"input".to_vec()))
        .stdout(OutputSink::Buffer(stdout.clone()))
        .env("A", "1")
        .build()
        .unwrap();
    let mut guest = Guest::new(wasi);
    guest.iovec(0, 100, 3);
    assert_eq!(guest.call("fd_read", &i32s(&[0, 0, 1, 16])), SUCCESS);
    assert_eq!(
        (guest.u32_at(16), &guest.memory()[100..103]),
        (3, &b"inp"[..])
    );
    guest.iovec(0, 100, 10);
    assert_eq!(guest.call("fd_read", &i32s(&[0, 0, 1, 16])), SUCCESS);
    assert_eq!(
        (guest.u32_at(16), &guest.memory()[100..102]),
        (2, &b"ut"[..])
    );
    assert_eq!(guest.call("fd_read", &i32s(&[0, 0, 1, 16])), SUCCESS);
    assert_eq!(guest.u32_at(16), 0);
    // Stdin is not writable, stdout is, and neither can seek.
    assert_eq!(guest.call("fd_write", &i32s(&[0, 0, 1, 16])), NOTCAPABLE);
    assert_eq!(guest.call("fd_write", &i32s(&[1, 0, 1, 16])), SUCCESS);
    // The second read put "ut" over "inp": the 10 bytes at 100 are "utp" and zeros.
    assert_eq!(stdout.contents(), b"utp\0\0\0\0\0\0\0");
    let seek = [Val::I32(1), Val::I64(0), Val::I32(0), Val::I32(16)];
    assert_eq!(guest.call("fd_seek", &seek), NOTCAPABLE);
    assert_eq!(guest.call("fd_write", &i32s(&[9, 0, 1, 16])), BADF);
    assert_eq!(guest.call("environ_get", &i32s(&[200, 300])), SUCCESS);
    assert_eq!(&guest.memory()[300..304], b"A=1\0");
    assert_eq!(guest.call("proc_raise", &i32s(&[6])), 52);
}

/// Reads the names out of `fd_readdir` records, and the last record's cookie.
fn dirent_names(bytes: &[u8]) -> (Vec<String>, u64) {
    let (mut names, mut at, mut last_cookie) = (Vec::new(), 0, 0);
    while at + 24 <= bytes.len() {
        last_cookie = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        if at + 24 + len > bytes.len() {
            break;
        }
        names.push(String::from_utf8_lossy(&bytes[at + 24..at + 24 + len]).into_owned());
        at += 24 + len;
    }
    (names, last_cookie)
}

#[test]
fn directory_listings_resume_at_their_cookie() {
    let dir = std::env::temp_dir().join(format!("kiln-wasi-readdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["a", "bb", "ccc", "dddd"] {
        std::fs::write(dir.join(name), name).unwrap();
    }
    let wasi = WasiCtx::builder()
        .preopened_dir(&dir, "/d", kiln::wasi::DirAccess::ReadOnly)
        .build()
        .unwrap();
    let mut guest = Guest::new(wasi);
    // A buffer too small for everything: the guest gets whole records, then
    // asks again from the last whole record's cookie.
    let mut seen = Vec::new();
    let mut cookie = 0u64;
    loop {
        let args = [
            Val::I32(3),
            Val::I32(1000),
            Val::I32(60),
            Val::I64(cookie as i64),
            Val::I32(8),
        ];
        assert_eq!(guest.call("fd_readdir", &args), SUCCESS);
        let used = guest.u32_at(8) as usize;
        let (names, last) = dirent_names(&guest.memory()[1000..1000 + used]);
        if names.is_empty() {
            break;
        }
        seen.extend(names);
        cookie = last;
        if used < 60 {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, [".", "..", "a", "bb", "ccc", "dddd"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes a clock subscription (relative `timeout` ns on the monotonic clock)
/// at `at`.
fn clock_subscription(guest: &mut Guest, at: usize, userdata: u64, timeout: u64) {
    let mut record = [0u8; 48];
    record[0..8].copy_from_slice(&userdata.to_le_bytes());
    record[16..20].copy_from_slice(&1u32.to_le_bytes());
    record[24..32].copy_from_slice(&timeout.to_le_bytes());
    guest.write(at, &record);
}

/// Writes a descriptor subscription of `kind` (1 read, 2 write) at `at`.
fn fd_subscription(guest: &mut Guest, at: usize, userdata: u64, kind: u8, fd: u32) {
    let mut record = [0u8; 48];
    record[0..8].copy_from_slice(&userdata.to_le_bytes());
    record[8] = kind;
    record[16..20].copy_from_slice(&fd.to_le_bytes());
    guest.write(at, &record);
}

#[test]
fn poll_waits_for_the_first_clock_or_ready_stream() {
    let (reader, writer) = std::io::pipe().unwrap();
    let wasi = WasiCtx::builder()
        .stdin(InputSource::Fd(reader.into()))
        .stdout(OutputSink::Discard)
        .build()
        .unwrap();
    let mut guest = Guest::new(wasi);
    // Nothing to read yet: the 20 ms clock fires.
    clock_subscription(&mut guest, 0, 11, 20_000_000);
    fd_subscription(&mut guest, 48, 22, 1, 0);
    let started = std::time::Instant::now();
    assert_eq!(
        guest.call("poll_oneoff", &i32s(&[0, 1000, 2, 2000])),
        SUCCESS
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(20));
    assert_eq!(guest.u32_at(2000), 1);
    assert_eq!((guest.u64_at(1000), guest.memory()[1010]), (11, 0));
    // Bytes in the pipe: stdin is readable at once, with their count.
    std::io::Write::write_all(&mut &writer, b"abc").unwrap();
    clock_subscription(&mut guest, 0, 11, 10_000_000_000);
    assert_eq!(
        guest.call("poll_oneoff", &i32s(&[0, 1000, 2, 2000])),
        SUCCESS
    );
    assert_eq!(guest.u32_at(2000), 1);
    assert_eq!((guest.u64_at(1000), guest.memory()[1010]), (22, 1));
    assert_eq!(guest.u64_at(1016), 3);
    // An in-memory stdout is always writable; a closed descriptor is an error event.
    fd_subscription(&mut guest, 0, 33, 2, 1);
    fd_subscription(&mut guest, 48, 44, 2, 7);
    assert_eq!(
        guest.call("poll_oneoff", &i32s(&[0, 1000, 2, 2000])),
        SUCCESS
    );
    assert_eq!(guest.u32_at(2000), 2);
    assert_eq!(guest.u64_at(1000), 33);
    let badf = u16::from_le_bytes(guest.memory()[1040..1042].try_into().unwrap());
    assert_eq!((guest.u64_at(1032), badf), (44, BADF as u16));
    assert_eq!(guest.call("poll_oneoff", &i32s(&[0, 1000, 0, 2000])), INVAL);
}

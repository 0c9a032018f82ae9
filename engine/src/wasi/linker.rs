//! `add_to_linker`: defines every `wasi_snapshot_preview1` import in a
//! [`Linker`]. Each import is a host function that finds the calling
//! instance's exported `memory`, reaches the [`WasiCtx`] inside the store's
//! host data, runs the call, and returns its errno as an `i32`.

use super::calls;
use super::ctx::WasiCtx;
use super::errno::WasiResult;
use super::memory::GuestMemory;
use crate::error::{Error, Result};
use crate::extern_::Extern;
use crate::func::Caller;
use crate::linker::Linker;

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// The guest's memory and the WASI context, both borrowed from the caller. A
/// module without an exported memory gets an empty one, so every pointer it
/// passes is a `fault`.
fn split<'a, T>(
    caller: &'a mut Caller<'_, T>,
    access: fn(&mut T) -> &mut WasiCtx,
) -> (GuestMemory<'a>, &'a mut WasiCtx) {
    match caller.get_export("memory").and_then(Extern::into_memory) {
        Some(memory) => {
            let (bytes, data) = memory.data_and_store_mut(caller);
            (GuestMemory::new(bytes), access(data))
        }
        None => (GuestMemory::new(&mut []), access(caller.data_mut())),
    }
}

/// The `errno` result the guest sees: 0 for success.
fn errno(result: WasiResult<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.code()),
    }
}

/// Defines all of `wasi_snapshot_preview1` in `linker`. `access` finds the
/// [`WasiCtx`] in the store's host data.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// use kiln::wasi::{OutputBuffer, OutputSink, WasiCtx};
/// use kiln::{Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "wasi_snapshot_preview1" "fd_write"
///         (func $fd_write (param i32 i32 i32 i32) (result i32)))
///     (memory (export "memory") 1)
///     (data (i32.const 8) "\10\00\00\00\03\00\00\00")
///     (data (i32.const 16) "hi\n")
///     (func (export "_start")
///         (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)))))"#)?;
///
/// struct Host {
///     wasi: WasiCtx,
/// }
/// let stdout = OutputBuffer::new();
/// let wasi = WasiCtx::builder()
///     .stdout(OutputSink::Buffer(stdout.clone()))
///     .build()?;
/// let mut linker = Linker::new(&engine);
/// kiln::wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
/// let mut store = Store::new(&engine, Host { wasi });
/// let instance = linker.instantiate(&mut store, &module)?;
/// instance.get_typed_func::<(), ()>(&store, "_start")?.call(&mut store, ())?;
/// assert_eq!(stdout.contents(), b"hi\n");
/// # Ok(()) }
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    access: fn(&mut T) -> &mut WasiCtx,
) -> Result<()> {
    macro_rules! define {
        ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
            linker.func_wrap(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> i32 {
                    let (mut memory, ctx) = split(&mut caller, access);
                    errno(calls::$name(ctx, &mut memory, $($arg),*))
                },
            )?;
        )*};
    }

    define! {
        args_get(argv: u32, argv_buf: u32);
        args_sizes_get(argc: u32, argv_buf_size: u32);
        environ_get(environ: u32, environ_buf: u32);
        environ_sizes_get(count: u32, buf_size: u32);
        clock_res_get(id: u32, resolution: u32);
        clock_time_get(id: u32, precision: u64, time: u32);
        random_get(buf: u32, len: u32);
        fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd_allocate(fd: u32, offset: u64, len: u64);
        fd_close(fd: u32);
        fd_datasync(fd: u32);
        fd_fdstat_get(fd: u32, stat: u32);
        fd_fdstat_set_flags(fd: u32, flags: u32);
        fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd_filestat_get(fd: u32, buf: u32);
        fd_filestat_set_size(fd: u32, size: u64);
        fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
        fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
        fd_prestat_get(fd: u32, prestat: u32);
        fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
        fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
        fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32);
        fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
        fd_renumber(from: u32, to: u32);
        fd_seek(fd: u32, offset: u64, whence: u32, new_offset: u32);
        fd_sync(fd: u32);
        fd_tell(fd: u32, offset: u32);
        fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
        path_create_directory(fd: u32, path: u32, path_len: u32);
        path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32);
        path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32);
        path_link(old_fd: u32, old_flags: u32, old_path: u32, old_len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, base: u64, inheriting: u64, fdflags: u32, opened: u32);
        path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32);
        path_remove_directory(fd: u32, path: u32, path_len: u32);
        path_rename(fd: u32, old_path: u32, old_len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_symlink(old_path: u32, old_len: u32, fd: u32, new_path: u32, new_len: u32);
        path_unlink_file(fd: u32, path: u32, path_len: u32);
        poll_oneoff(subscriptions: u32, events: u32, count: u32, nevents: u32);
        proc_raise(signal: u32);
        sched_yield();
        sock_accept(fd: u32, flags: u32, new_fd: u32);
        sock_recv(fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32);
        sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
        sock_shutdown(fd: u32, how: u32);
    }

    // `proc_exit` never returns to the guest: it ends the call with an error
    // that carries the exit status up to whoever started the guest.
    linker.func_wrap(MODULE, "proc_exit", |code: u32| -> Result<()> {
        Err(Error::Exit(code as i32))
    })?;
    Ok(())
}

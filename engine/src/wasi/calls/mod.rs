//! The `wasi_snapshot_preview1` functions, grouped by what they act on. Each
//! takes the context, the guest's memory and the call's arguments, and
//! returns `Ok` for `errno::success` or the errno; the linker turns that into
//! the number the guest sees.
//!
//! The functions take the arguments of the WASI signatures one for one, which
//! is more than clippy likes for some of them.
#![allow(clippy::too_many_arguments)]

mod args_env;
mod fd_attr;
mod fd_dir;
mod fd_io;
mod filestat;
mod path;
mod path_open;
mod poll;
mod proc;
mod sock;
mod time_random;

pub(crate) use args_env::{args_get, args_sizes_get, environ_get, environ_sizes_get};
pub(crate) use fd_attr::{
    fd_advise, fd_allocate, fd_datasync, fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights,
    fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times, fd_sync,
};
pub(crate) use fd_dir::{fd_close, fd_prestat_dir_name, fd_prestat_get, fd_readdir, fd_renumber};
pub(crate) use fd_io::{fd_pread, fd_pwrite, fd_read, fd_seek, fd_tell, fd_write};
pub(crate) use path::{
    path_create_directory, path_filestat_get, path_filestat_set_times, path_link, path_readlink,
    path_remove_directory, path_rename, path_symlink, path_unlink_file,
};
pub(crate) use path_open::path_open;
pub(crate) use poll::poll_oneoff;
pub(crate) use proc::{proc_raise, sched_yield};
pub(crate) use sock::{sock_accept, sock_recv, sock_send, sock_shutdown};
pub(crate) use time_random::{clock_res_get, clock_time_get, random_get};

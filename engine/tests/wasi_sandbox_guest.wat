;; A hostile guest for the WASI sandbox tests: each export makes one WASI call
;; on paths that the test writes into memory, and returns the call's errno.
;; The test aims it at `..`, absolute paths, symbolic links that lead outside
;; and renames across the preopen's boundary.
;;
;; Memory: the test's path strings anywhere below 64 KiB; the descriptor that
;; `open` returns at 1024; bytes read by `open_and_read` at 2048 (count at 1028).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link"
    (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory"
    (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times"
    (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (memory (export "memory") 1)

  ;; Opens a path with every right, the lookup flags $lookup (1: follow a
  ;; final symbolic link) and the open flags $oflags (1: create, 8: truncate).
  (func $open (export "open") (param $dir i32) (param $path i32) (param $len i32)
      (param $lookup i32) (param $oflags i32) (result i32)
    (call $path_open (local.get $dir) (local.get $lookup) (local.get $path) (local.get $len)
      (local.get $oflags) (i64.const 0x3fffffff) (i64.const 0x3fffffff) (i32.const 0) (i32.const 1024)))

  ;; Opens a path (following links), reads up to 64 bytes to 2048, closes it.
  (func (export "open_and_read") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (local $errno i32)
    (i32.store (i32.const 1028) (i32.const 0))
    (local.set $errno (call $open (local.get $dir) (local.get $path) (local.get $len) (i32.const 1) (i32.const 0)))
    (if (local.get $errno) (then (return (local.get $errno))))
    ;; One iovec at 1040: 64 bytes at 2048.
    (i32.store (i32.const 1040) (i32.const 2048))
    (i32.store (i32.const 1044) (i32.const 64))
    (local.set $errno (call $fd_read (i32.load (i32.const 1024)) (i32.const 1040) (i32.const 1) (i32.const 1028)))
    (drop (call $fd_close (i32.load (i32.const 1024))))
    (local.get $errno))

  ;; Opens (creating it if needed), writes the $len bytes at $data, closes.
  (func (export "create_and_write") (param $dir i32) (param $path i32) (param $path_len i32)
      (param $data i32) (param $len i32) (result i32)
    (local $errno i32)
    (local.set $errno (call $open (local.get $dir) (local.get $path) (local.get $path_len) (i32.const 1) (i32.const 1)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (i32.store (i32.const 1040) (local.get $data))
    (i32.store (i32.const 1044) (local.get $len))
    (local.set $errno (call $fd_write (i32.load (i32.const 1024)) (i32.const 1040) (i32.const 1) (i32.const 1028)))
    (drop (call $fd_close (i32.load (i32.const 1024))))
    (local.get $errno))

  (func (export "rename") (param $dir i32) (param $old i32) (param $old_len i32)
      (param $new i32) (param $new_len i32) (result i32)
    (call $path_rename (local.get $dir) (local.get $old) (local.get $old_len)
      (local.get $dir) (local.get $new) (local.get $new_len)))

  (func (export "symlink") (param $dir i32) (param $target i32) (param $target_len i32)
      (param $link i32) (param $link_len i32) (result i32)
    (call $path_symlink (local.get $target) (local.get $target_len)
      (local.get $dir) (local.get $link) (local.get $link_len)))

  (func (export "link") (param $dir i32) (param $old i32) (param $old_len i32)
      (param $new i32) (param $new_len i32) (result i32)
    (call $path_link (local.get $dir) (i32.const 1) (local.get $old) (local.get $old_len)
      (local.get $dir) (local.get $new) (local.get $new_len)))

  (func (export "unlink") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (call $path_unlink_file (local.get $dir) (local.get $path) (local.get $len)))

  (func (export "mkdir") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (call $path_create_directory (local.get $dir) (local.get $path) (local.get $len)))

  (func (export "rmdir") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (call $path_remove_directory (local.get $dir) (local.get $path) (local.get $len)))

  ;; The status of a path, following a final link, into 3072.
  (func (export "stat") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (call $path_filestat_get (local.get $dir) (i32.const 1) (local.get $path) (local.get $len) (i32.const 3072)))

  ;; Sets a path's times to "now", following a final link.
  (func (export "touch") (param $dir i32) (param $path i32) (param $len i32) (result i32)
    (call $path_filestat_set_times (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
      (i64.const 0) (i64.const 0) (i32.const 10))))

;; hello.wat: a WASI command that greets its first argument, or the world.
;;
;;   kiln run examples/hello.wat          prints "Hello, world!"
;;   kiln run examples/hello.wat kiln     prints "Hello, kiln!"
;;
;; It reads its arguments with args_sizes_get/args_get, writes one line to
;; stdout with fd_write (three buffers gathered in one call), and exits with
;; status 1 through proc_exit if the write fails.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param $argc_ptr i32) (param $buf_size_ptr i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param $argv_ptr i32) (param $buf_ptr i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nwritten_ptr i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param $status i32)))

  ;; Memory layout:
  ;;     0  argc              4  size of the argument strings
  ;;    16  "Hello, "        32  "world"        40  "!\n"
  ;;    64  three iovecs (pointer, length)     100  bytes written
  ;;  1024  argv pointers (up to 256)         2048  argument strings (up to 62 KiB)
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, ")
  (data (i32.const 32) "world")
  (data (i32.const 40) "!\n")

  ;; The length of the NUL-terminated string at $s.
  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "_start")
    (local $name i32)
    (local $name_len i32)
    (local.set $name (i32.const 32))
    (local.set $name_len (i32.const 5))
    ;; Use argv[1] when there is one and the arguments fit the space above.
    (if (i32.eqz (call $args_sizes_get (i32.const 0) (i32.const 4)))
      (then
        (if (i32.and
              (i32.and (i32.ge_u (i32.load (i32.const 0)) (i32.const 2))
                       (i32.le_u (i32.load (i32.const 0)) (i32.const 256)))
              (i32.le_u (i32.load (i32.const 4)) (i32.const 63488)))
          (then
            (if (i32.eqz (call $args_get (i32.const 1024) (i32.const 2048)))
              (then
                (local.set $name (i32.load (i32.const 1028)))
                (local.set $name_len (call $strlen (local.get $name)))))))))
    (i32.store (i32.const 64) (i32.const 16))
    (i32.store (i32.const 68) (i32.const 7))
    (i32.store (i32.const 72) (local.get $name))
    (i32.store (i32.const 76) (local.get $name_len))
    (i32.store (i32.const 80) (i32.const 40))
    (i32.store (i32.const 84) (i32.const 2))
    (if (call $fd_write (i32.const 1) (i32.const 64) (i32.const 3) (i32.const 100))
      (then (call $proc_exit (i32.const 1))))))

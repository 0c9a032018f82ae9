;; guarded_bytes: 4328521728
;; Memories in a 4 GiB reservation with a 32 MiB guard region: an access
;; whose static offset plus size stays within the guard needs no check, one
;; that may reach beyond it keeps its check and Spectre guard.
(module
  (memory 1)
  (func (param i32) (result i64)
    (i64.add
      (i64.load offset=8 (local.get 0))
      (i64.load32_s offset=33554428 (local.get 0))))
  (func (param i32 f64)
    (f64.store offset=33554424 (local.get 0) (local.get 1))
    (i32.store8 offset=33554433 (local.get 0) (i32.const 255)))
)

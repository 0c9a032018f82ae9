;; Found by the `differential` fuzz target (interpreter against compiler).
;; With more float results than float return registers (8 on amd64), the
;; ninth goes to the result area; the entry trampoline copied it out through
;; RAX, where the i32 result was still waiting, and returned the low bits of
;; that float instead of -129.
(module
  (func (export "nine_f64_then_i32")
    (result f64 f64 f64 f64 f64 f64 f64 f64 f64 i32)
    (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
    (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9)
    (i32.const -129))
  (func (export "nine_f32_then_i64")
    (result f32 f32 f32 f32 f32 f32 f32 f32 f32 i64)
    (f32.const 1) (f32.const 2) (f32.const 3) (f32.const 4) (f32.const 5)
    (f32.const 6) (f32.const 7) (f32.const 8) (f32.const 9)
    (i64.const -129)))

;; Found by the differential fuzzer: with more float results than result
;; registers, the extra ones travel in a result area, and copying them out in
;; the entry trampoline overwrote the integer result still waiting in `rax`.
(module
  (func $many (export "many") (result f64 f64 f64 f64 f64 f64 f64 f64 f64 i32 i64)
    f64.const 1 f64.const 2 f64.const 3 f64.const 4 f64.const 5 f64.const 6
    f64.const 7 f64.const 8 f64.const 9
    i32.const -129 i64.const -137438953473)
  (func (export "through_a_call") (result i32 f64 i64)
    (local f64 i32 i64)
    call $many
    local.set 2 local.set 1 local.set 0
    drop drop drop drop drop drop drop drop
    local.get 1 local.get 0 local.get 2))
(assert_return (invoke "many")
  (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5) (f64.const 6)
  (f64.const 7) (f64.const 8) (f64.const 9) (i32.const -129) (i64.const -137438953473))
(assert_return (invoke "through_a_call") (i32.const -129) (f64.const 9) (i64.const -137438953473))

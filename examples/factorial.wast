;; A small spec-style test script: `kiln wast examples/factorial.wast`.
(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))

(assert_return (invoke "fac" (i64.const 0)) (i64.const 1))
(assert_return (invoke "fac" (i64.const 20)) (i64.const 2432902008176640000))
(assert_return (invoke "div" (i32.const 7) (i32.const -2)) (i32.const -3))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")

;; Loads and stores of every width, memory.size/grow, bulk memory.
(module
  (memory 1)
  (data "abc")
  (func (param i32) (result i64)
    (i64.add
      (i64.load offset=8 (local.get 0))
      (i64.load32_s offset=4 (local.get 0))))
  (func (param i32) (result i32)
    (i32.add (i32.load8_s (local.get 0)) (i32.load16_u offset=2 (local.get 0))))
  (func (param i32 f64)
    (f64.store offset=16 (local.get 0) (local.get 1))
    (i32.store8 (local.get 0) (i32.const 255))
    (i64.store32 (local.get 0) (i64.const -1)))
  (func (param i32) (result i32)
    (drop (memory.grow (local.get 0)))
    (memory.size))
  (func (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))
    (memory.copy (local.get 0) (local.get 1) (local.get 2))
    (memory.init 0 (local.get 0) (local.get 1) (local.get 2))
    (data.drop 0))
;; A constant address within the minimum size (one page) needs no check;
  ;; one that may reach past it does.
  (func (result i32)
    (i32.add (i32.load offset=4 (i32.const 100)) (i32.load (i32.const 65533))))
)

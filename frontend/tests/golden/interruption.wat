;; options: consume_fuel epoch_interruption
;; Fuel regions (entry, loop header, if arms, br_if fall-through, merge
;; points) and epoch checks (entry, loop headers).
(module
  (import "env" "tick" (func $tick))
  (memory 1)

  ;; A free function: no fuel charge, only the entry's epoch check.
  (func $empty)

  ;; A counting loop: nothing before the loop costs anything, the header pays
  ;; for the whole body, the fall-through after br_if for the rest.
  (func $count (param $n i32) (result i32)
    (local $i i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))

  ;; Both arms of an if and the merge after it are regions of their own; a
  ;; call does not end a region.
  (func $branches (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (call $tick) (i32.const 1))
      (else (i32.load (i32.const 0))))
    (i32.const 2)
    (i32.add))

  ;; A block whose end a branch targets begins a region; code after br is
  ;; unreachable and costs nothing.
  (func $targeted (param $x i32) (result i32)
    (block $out (result i32)
      (br_if $out (i32.const 7) (local.get $x))
      (drop)
      (br $out (i32.const 8))
      (i32.const 9))
    (i32.const 1)
    (i32.add)))

;; options: canonicalize_nans
;; Float arithmetic gets the canonical NaN; sign and bit operations keep
;; their bits.
(module
  (func (param f32 f32) (result f32)
    (f32.add (local.get 0) (local.get 1)))
  (func (param f64) (result f64)
    (f64.sqrt (local.get 0)))
  (func (param f64) (result f32)
    (f32.demote_f64 (local.get 0)))
  (func (param f32 f32) (result f32)
    (f32.copysign (f32.neg (local.get 0)) (local.get 1))))

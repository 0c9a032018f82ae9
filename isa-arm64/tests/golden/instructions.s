// The instructions of the golden encoding tests, one a line, assembled by
// generate.py into encodings.txt. Each one is checked by a case in
// ../encoding.rs.

// Add and subtract, immediate.
add x0, x1, #0
add x0, x1, #4095
add w2, w3, #1, lsl #12
add x4, x5, #4095, lsl #12
add sp, sp, #16
add x29, sp, #0
sub sp, sp, #4095, lsl #12
sub x30, x0, #1
sub wsp, w1, #2
adds x0, x1, #1
subs w0, wsp, #7
subs xzr, x2, #3
cmp x0, #4095
cmp sp, #16
cmp w30, #1, lsl #12
cmn w1, #1
mov sp, x29
mov x29, sp
mov x0, sp

// Add and subtract, shifted register.
add x0, x1, x2
add w0, w1, w2
add x3, x4, x5, lsl #63
add w3, w4, w5, asr #31
add x0, xzr, x1
sub x6, x7, x8, lsr #1
sub x0, xzr, x1
neg w2, w3
neg x4, x5
adds x0, x1, x2
subs w3, w4, w5, lsl #2
cmp x0, x1
cmp w30, wzr
cmn x0, x1

// Add and subtract, extended register.
add x0, x1, w2, uxtw
add x0, x1, w2, sxtw #3
add sp, sp, x0, uxtx
add x2, sp, w3, uxtb #4
add w0, w1, w2, uxth
sub x5, x6, w7, sxth
sub x5, x6, w7, sxtb #1
sub sp, sp, x1, uxtx #2
sub x8, x9, x10, sxtx
adds x0, sp, x1, uxtx
subs x0, x1, w2, sxtw #4
cmp sp, x0
cmp x0, w1, uxtw

// Logical, shifted register.
and x0, x1, x2
and w0, w1, w2, lsl #31
bic x3, x4, x5, ror #63
orr w6, w7, w8, lsr #4
orn x9, x10, x11, asr #2
eor x12, x13, x14
eon w15, w16, w17
ands x19, x20, x21
bics w21, w22, w23, lsl #1
mov x0, x1
mov w2, wzr
mov x3, xzr
mvn x4, x5
mvn w6, w7
tst x8, x9
tst w10, w11

// Logical, immediate.
and x0, x1, #0xff
and w0, w1, #0xff
orr x2, xzr, #0x5555555555555555
eor w3, w4, #0x80000000
and sp, x0, #0xfffffffffffffff0
orr w5, wzr, #0xaaaaaaaa
eor x10, x11, #0x7ffffffffffffffe
and x12, x13, #0xffffffff00000000
orr x14, x15, #0xf0f0f0f0f0f0f0f
and w16, w17, #0xfffffffe
orr x0, x1, #0x3333333333333333
eor x2, x3, #0x8001800180018001
and x4, x5, #0x8000000000000000
orr w6, w7, #0x7fffffff
ands x6, x7, #0x1
ands w8, w9, #0xfff0
tst w8, #0x3
tst x9, #0x8000000000000000

// Move wide.
movz x0, #0
movz x0, #0x1234
movz x0, #0xffff, lsl #48
movz w1, #0x1234, lsl #16
movn x2, #0
movn w3, #0xffff
movn x6, #0x1, lsl #16
movk x4, #0xabcd, lsl #32
movk w5, #1
movk xzr, #2, lsl #48

// Bitfield moves and their aliases, extract.
lsl x0, x1, #0
lsl x0, x1, #1
lsl x0, x1, #63
lsl w2, w3, #31
lsl w2, w3, #4
lsr x4, x5, #63
lsr w6, w7, #1
asr x8, x9, #32
asr w10, w11, #31
ror x12, x13, #7
ror w14, w15, #31
uxtb w0, w1
uxth w2, w3
ubfx x2, x3, #0, #16
ubfx x2, x3, #0, #32
sxtb x4, w5
sxtb w6, w7
sxth x8, w9
sxth w10, w11
sxtw x12, w13
ubfx x0, x1, #8, #8
ubfx w2, w3, #31, #1
sbfx x4, x5, #60, #4
sbfx w6, w7, #1, #31
bfi x6, x7, #16, #8
bfi w8, w9, #31, #1
bfxil x10, x11, #0, #64
ubfm x0, x1, #3, #5
sbfm w2, w3, #31, #0
bfm x4, x5, #63, #63
extr x0, x1, x2, #63
extr w3, w4, w5, #0

// Multiply and divide, variable shifts, one-source bit operations.
madd x0, x1, x2, x3
msub w4, w5, w6, w7
msub x0, x1, x2, xzr
mul x8, x9, x10
mul w11, w12, wzr
smulh x13, x14, x15
umulh x16, x17, xzr
sdiv x0, x1, x2
sdiv w0, w1, w2
udiv w3, w4, w5
udiv x3, x4, x5
lslv x6, x7, x8
lsrv w9, w10, w11
asrv x12, x13, x14
rorv w15, w16, w17
rbit x0, x1
rbit w2, w3
rev x4, x5
rev w6, w7
clz x8, x9
clz w10, w11
cls x12, x13
cls w14, wzr

// Conditional select and compare.
csel x0, x1, x2, eq
csel w3, w4, wzr, lt
csinc x5, x6, x7, hs
csinv w8, w9, w10, le
csneg x11, x12, x13, vs
csel x14, x15, x16, nv
cset w0, ne
cset x1, hi
cset w2, vc
csetm x2, lo
csetm w3, ge
ccmp x0, x1, #0, eq
ccmp w2, w3, #15, ne
ccmp x4, #31, #4, gt
ccmn w5, #0, #8, al
ccmn x6, x7, #2, mi
ccmp xzr, xzr, #1, pl

// Loads and stores, unsigned scaled offset.
ldr x0, [x1]
ldr x0, [sp, #32760]
ldr w2, [x3, #16380]
ldrb w4, [x5, #4095]
ldrh w6, [x7, #8190]
ldrsb x8, [x9, #1]
ldrsb w10, [x11]
ldrsh x12, [x13, #2]
ldrsh w14, [sp, #4]
ldrsw x15, [x16, #16380]
str x17, [sp, #8]
str wzr, [x0, #4]
str xzr, [sp]
strb w1, [x2, #4095]
strh w3, [x4, #2]
ldr s0, [x1, #4]
ldr d2, [sp, #32760]
ldr q3, [x4, #65520]
str s5, [x6]
str d7, [x8, #8]
str q31, [sp, #16]

// Unscaled signed offset.
ldur x0, [x1, #-256]
ldur x0, [x1, #8]
ldur w2, [sp, #255]
ldurb w3, [x4, #-1]
ldurh w3, [x4, #1]
ldursb w3, [x4, #-3]
ldursh x5, [x6, #3]
ldursw x7, [x8, #-4]
stur x9, [x10, #1]
stur w9, [x10, #-5]
sturb w9, [x10, #255]
sturh w11, [sp, #-2]
ldur d12, [x13, #-8]
stur s14, [x15, #7]
ldur q16, [x17, #-16]
stur q0, [sp, #1]

// Pre- and post-index.
ldr x0, [sp], #16
str x1, [sp, #-16]!
ldr w2, [x3, #255]!
strb w4, [x5], #-256
ldrsw x9, [x10, #-4]!
ldrh w11, [x12], #2
ldr d6, [x7], #8
str q8, [sp, #-32]!
str s9, [x0], #-4

// Register offset.
ldr x0, [x1, x2]
ldr x0, [x1, x2, lsl #3]
ldr w3, [x4, w5, uxtw]
ldr w3, [x4, w5, uxtw #2]
ldrb w6, [x7, w8, sxtw]
ldrb w6, [x7, x8, lsl #0]
ldrh w9, [sp, x10, lsl #1]
ldrsh x11, [x12, w13, sxtw #1]
ldrsb w11, [x12, w13, uxtw]
ldrsw x14, [x15, x16, sxtx #2]
str x17, [x0, xzr]
strb w1, [x2, x3]
strh w4, [x5, w6, uxtw #1]
str w7, [sp, w8, sxtw #2]
ldr s7, [x8, x9, lsl #2]
ldr d10, [x11, w12, sxtw #3]
str q13, [x14, x15, lsl #4]
str d16, [x17, x0]

// Pairs.
stp x29, x30, [sp, #-16]!
ldp x29, x30, [sp], #16
stp x19, x20, [sp, #16]
ldp x21, x22, [sp, #504]
stp x0, x1, [x2, #-512]
stp xzr, xzr, [sp, #-16]!
ldp w3, w4, [x5, #252]
stp w6, w7, [sp, #-256]!
ldp w8, w9, [x10], #-4
stp d8, d9, [sp, #-64]!
ldp d10, d11, [sp, #16]
ldp d14, d15, [sp], #64
stp s0, s1, [x2, #-4]
ldp q0, q1, [sp, #1008]
stp q2, q3, [x4, #-1024]!

// Literal loads.
ldr x0, .+8
ldr w1, .-4
ldrsw x2, .+1048572
ldr d3, .-1048576
ldr s4, .
ldr q5, .+16

// Branches.
b .
b .+8
b .-4
b .+134217724
b .-134217728
bl .+4
bl .-134217728
b.eq .+8
b.ne .-8
b.hs .+1048572
b.lo .-1048576
b.mi .
b.pl .+4
b.vs .+4
b.vc .+4
b.hi .+4
b.ls .+4
b.ge .+4
b.lt .+4
b.gt .+4
b.le .+4
b.al .+4
b.nv .+4
cbz x0, .+8
cbz w1, .-1048576
cbnz x2, .+1048572
cbnz wzr, .-4
tbz x3, #63, .+32764
tbz w4, #0, .-32768
tbnz w5, #31, .+4
tbnz x6, #32, .-4
br x16
blr x17
blr x30
ret
ret x0
adr x0, .
adr x1, .+1048575
adr x2, .-1048576
adr x3, .+1
adr x4, .-3
adrp x4, .+0x1000
adrp x5, .-0x100000000
adrp x6, .+0xfffff000
adrp x7, .
adrp x8, .+0x3000

// Floating point: arithmetic.
fadd s0, s1, s2
fadd d3, d4, d5
fsub d6, d7, d8
fsub s29, s30, s31
fmul s9, s10, s11
fmul d9, d10, d11
fdiv d12, d13, d14
fdiv s12, s13, s14
fmin s15, s16, s17
fmax d18, d19, d20
fminnm d21, d22, d23
fmaxnm s24, s25, s26

// One source.
fmov s0, s1
fmov d2, d3
fabs s4, s5
fabs d6, d7
fneg s8, s9
fneg d10, d11
fsqrt s12, s13
fsqrt d14, d15
frintn s16, s17
frintn d18, d19
frintm d20, d21
frintm s20, s21
frintp s22, s23
frintp d22, d23
frintz d24, d25
frintz s26, s27
fcvt d0, s1
fcvt s2, d3

// Compare and select.
fcmp s0, s1
fcmp d2, d3
fcmp s4, #0.0
fcmp d5, #0.0
fcsel s0, s1, s2, eq
fcsel d3, d4, d5, vs

// Conversions and moves to and from general registers.
scvtf s0, w1
scvtf d2, x3
scvtf s4, x5
scvtf d6, w7
ucvtf s8, w9
ucvtf d10, x11
ucvtf s10, x11
ucvtf d12, wzr
fcvtzs w0, s1
fcvtzs x2, d3
fcvtzs w4, d5
fcvtzs x6, s7
fcvtzu w8, s9
fcvtzu x10, d11
fcvtzu x12, s13
fcvtzu w14, d15
fmov w0, s1
fmov x2, d3
fmov s4, w5
fmov d6, x7
fmov d8, xzr

// Immediate.
fmov s0, #1.0
fmov d1, #-2.0
fmov d2, #0.125
fmov s3, #31.0
fmov d4, #-1.9375
fmov s5, #0.5
fmov d6, #10.0
fmov d7, #-0.1875
fmov s8, #-31.0

// System.
nop
brk #0
brk #0xf000
brk #0xffff
udf #0
udf #0xffff
dmb ish
dsb ish
isb
dc cvau, x0
ic ivau, x30
mrs x1, ctr_el0

// Constants put in a register by mov_imm.
movn x0, #0
movn x0, #0xedcb
movn x0, #0xffff, lsl #32
movz x0, #0x1234, lsl #48
movz x0, #0xffff, lsl #32
movz x0, #0x5678
movk x0, #0x1234, lsl #16
movn w0, #0xedcb
movz x0, #0xdef0
movk x0, #0x9abc, lsl #16
movk x0, #0x5678, lsl #32
movk x0, #0x1234, lsl #48
movn x0, #0xa987
movk x0, #0x1234, lsl #32
movz x0, #0x2, lsl #16
movk x0, #0x1, lsl #48
orr x0, xzr, #0x5555555555555555
orr x0, xzr, #0xff00ff00ff00ff
orr w0, wzr, #0xf0f0f0f
movn w0, #0
movz w0, #0x8000, lsl #16
movz w0, #0x5678
movk w0, #0x1234, lsl #16
movz w0, #0x1
orr w0, wzr, #0xff00ff

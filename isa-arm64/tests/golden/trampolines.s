// The trampolines of isa-arm64/src/trampolines.rs for a few signatures, as
// GNU assembler text. Each section starts with a line
// `// == entry|exit <params> -> <results>`; generate_trampolines.py assembles
// each section alone and writes trampolines.txt, which tests/trampolines.rs
// compares with the code the trampoline functions make.
//
// a: every type in registers; b: integer arguments and results beyond the
// registers (stack arguments, result area, i32 slots zero-extended);
// the empty signature; f: float arguments and results beyond the registers.

// == entry i32 i64 f32 f64 -> i32 f64
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0xb0
    stp x19, xzr, [x29, #-16]
    stp x20, x21, [x29, #-32]
    stp x22, x23, [x29, #-48]
    stp x24, x25, [x29, #-64]
    stp x26, x27, [x29, #-80]
    stp d8, d9, [x29, #-112]
    stp d10, d11, [x29, #-128]
    stp d12, d13, [x29, #-144]
    stp d14, d15, [x29, #-160]
    mov x19, x0
    mov x20, x1
    mov x21, x2
    ldr x22, [x20]
    ldr x17, [x22, #8]
    stp x28, x17, [x29, #-96]
    adr x16, landing
    stp x16, x22, [sp]
    mov x16, sp
    str x16, [x22, #8]
    ldr w1, [x21]
    ldr x2, [x21, #8]
    ldr s0, [x21, #16]
    ldr d1, [x21, #24]
    mov x0, x20
    blr x19
    mov w16, w0
    str x16, [x21]
    str d0, [x21, #8]
    mov w0, #0x0
    b restore
landing:
    add x29, sp, #0xb0
    ldr x16, [sp, #8]
    ldr w0, [x16, #16]
    add w0, w0, #0x1
restore:
    ldur x16, [x29, #-168]
    ldp x28, x17, [x29, #-96]
    str x17, [x16, #8]
    ldp x19, xzr, [x29, #-16]
    ldp x20, x21, [x29, #-32]
    ldp x22, x23, [x29, #-48]
    ldp x24, x25, [x29, #-64]
    ldp x26, x27, [x29, #-80]
    ldp d8, d9, [x29, #-112]
    ldp d10, d11, [x29, #-128]
    ldp d12, d13, [x29, #-144]
    ldp d14, d15, [x29, #-160]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret

// == exit i32 i64 f32 f64 -> i32 f64
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0x30
    stur x0, [x29, #-8]
    ldr x16, [x0]
    ldr x16, [x16]
    cmp sp, x16
    b.lo overflow
    mov w16, w1
    str x16, [sp]
    str x2, [sp, #8]
    fmov w16, s0
    str x16, [sp, #16]
    str d1, [sp, #24]
    ldr x16, [x29]
    ldur x2, [x16, #-8]
    mov x1, sp
    ldr x16, [x0, #8]
    blr x16
    cbnz w0, trap
    ldr w0, [sp]
    ldr d0, [sp, #8]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
overflow:
    mov w0, #0x9
trap:
    ldur x16, [x29, #-8]
    ldr x16, [x16]
    sub w0, w0, #0x1
    str w0, [x16, #16]
    ldr x17, [x16, #8]
    mov sp, x17
    ldr x16, [sp]
    br x16

// == entry i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 -> i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0xb0
    stp x19, xzr, [x29, #-16]
    stp x20, x21, [x29, #-32]
    stp x22, x23, [x29, #-48]
    stp x24, x25, [x29, #-64]
    stp x26, x27, [x29, #-80]
    stp d8, d9, [x29, #-112]
    stp d10, d11, [x29, #-128]
    stp d12, d13, [x29, #-144]
    stp d14, d15, [x29, #-160]
    mov x19, x0
    mov x20, x1
    mov x21, x2
    ldr x22, [x20]
    ldr x17, [x22, #8]
    stp x28, x17, [x29, #-96]
    adr x16, landing
    stp x16, x22, [sp]
    mov x16, sp
    str x16, [x22, #8]
    sub sp, sp, #0x30
    ldr x1, [x21]
    ldr x2, [x21, #8]
    ldr x3, [x21, #16]
    ldr x4, [x21, #24]
    ldr x5, [x21, #32]
    ldr x6, [x21, #40]
    ldr x7, [x21, #48]
    ldr x16, [x21, #56]
    str x16, [sp]
    ldr x16, [x21, #64]
    str x16, [sp, #8]
    ldr w16, [x21, #72]
    str x16, [sp, #16]
    mov x0, x20
    blr x19
    mov w16, w0
    str x16, [x21]
    mov w16, w1
    str x16, [x21, #8]
    mov w16, w2
    str x16, [x21, #16]
    mov w16, w3
    str x16, [x21, #24]
    mov w16, w4
    str x16, [x21, #32]
    mov w16, w5
    str x16, [x21, #40]
    mov w16, w6
    str x16, [x21, #48]
    mov w16, w7
    str x16, [x21, #56]
    ldr w16, [sp, #24]
    str x16, [x21, #64]
    ldr w16, [sp, #32]
    str x16, [x21, #72]
    mov w0, #0x0
    b restore
landing:
    add x29, sp, #0xb0
    ldr x16, [sp, #8]
    ldr w0, [x16, #16]
    add w0, w0, #0x1
restore:
    ldur x16, [x29, #-168]
    ldp x28, x17, [x29, #-96]
    str x17, [x16, #8]
    ldp x19, xzr, [x29, #-16]
    ldp x20, x21, [x29, #-32]
    ldp x22, x23, [x29, #-48]
    ldp x24, x25, [x29, #-64]
    ldp x26, x27, [x29, #-80]
    ldp d8, d9, [x29, #-112]
    ldp d10, d11, [x29, #-128]
    ldp d12, d13, [x29, #-144]
    ldp d14, d15, [x29, #-160]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret

// == exit i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 -> i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0x60
    stur x0, [x29, #-8]
    ldr x16, [x0]
    ldr x16, [x16]
    cmp sp, x16
    b.lo overflow
    str x1, [sp]
    str x2, [sp, #8]
    str x3, [sp, #16]
    str x4, [sp, #24]
    str x5, [sp, #32]
    str x6, [sp, #40]
    str x7, [sp, #48]
    ldr x16, [x29, #16]
    str x16, [sp, #56]
    ldr x16, [x29, #24]
    str x16, [sp, #64]
    ldr w16, [x29, #32]
    str x16, [sp, #72]
    ldr x16, [x29]
    ldur x2, [x16, #-8]
    mov x1, sp
    ldr x16, [x0, #8]
    blr x16
    cbnz w0, trap
    ldr w0, [sp]
    ldr w1, [sp, #8]
    ldr w2, [sp, #16]
    ldr w3, [sp, #24]
    ldr w4, [sp, #32]
    ldr w5, [sp, #40]
    ldr w6, [sp, #48]
    ldr w7, [sp, #56]
    ldr w16, [sp, #64]
    str x16, [x29, #40]
    ldr w16, [sp, #72]
    str x16, [x29, #48]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
overflow:
    mov w0, #0x9
trap:
    ldur x16, [x29, #-8]
    ldr x16, [x16]
    sub w0, w0, #0x1
    str w0, [x16, #16]
    ldr x17, [x16, #8]
    mov sp, x17
    ldr x16, [sp]
    br x16

// == entry ->
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0xb0
    stp x19, xzr, [x29, #-16]
    stp x20, x21, [x29, #-32]
    stp x22, x23, [x29, #-48]
    stp x24, x25, [x29, #-64]
    stp x26, x27, [x29, #-80]
    stp d8, d9, [x29, #-112]
    stp d10, d11, [x29, #-128]
    stp d12, d13, [x29, #-144]
    stp d14, d15, [x29, #-160]
    mov x19, x0
    mov x20, x1
    mov x21, x2
    ldr x22, [x20]
    ldr x17, [x22, #8]
    stp x28, x17, [x29, #-96]
    adr x16, landing
    stp x16, x22, [sp]
    mov x16, sp
    str x16, [x22, #8]
    mov x0, x20
    blr x19
    mov w0, #0x0
    b restore
landing:
    add x29, sp, #0xb0
    ldr x16, [sp, #8]
    ldr w0, [x16, #16]
    add w0, w0, #0x1
restore:
    ldur x16, [x29, #-168]
    ldp x28, x17, [x29, #-96]
    str x17, [x16, #8]
    ldp x19, xzr, [x29, #-16]
    ldp x20, x21, [x29, #-32]
    ldp x22, x23, [x29, #-48]
    ldp x24, x25, [x29, #-64]
    ldp x26, x27, [x29, #-80]
    ldp d8, d9, [x29, #-112]
    ldp d10, d11, [x29, #-128]
    ldp d12, d13, [x29, #-144]
    ldp d14, d15, [x29, #-160]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret

// == exit ->
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0x10
    stur x0, [x29, #-8]
    ldr x16, [x0]
    ldr x16, [x16]
    cmp sp, x16
    b.lo overflow
    ldr x16, [x29]
    ldur x2, [x16, #-8]
    mov x1, sp
    ldr x16, [x0, #8]
    blr x16
    cbnz w0, trap
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
overflow:
    mov w0, #0x9
trap:
    ldur x16, [x29, #-8]
    ldr x16, [x16]
    sub w0, w0, #0x1
    str w0, [x16, #16]
    ldr x17, [x16, #8]
    mov sp, x17
    ldr x16, [sp]
    br x16

// == entry f64 f64 f64 f64 f64 f64 f64 f64 f64 f32 -> f32 f64 f64 f64 f64 f64 f64 f64 f32 f64
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0xb0
    stp x19, xzr, [x29, #-16]
    stp x20, x21, [x29, #-32]
    stp x22, x23, [x29, #-48]
    stp x24, x25, [x29, #-64]
    stp x26, x27, [x29, #-80]
    stp d8, d9, [x29, #-112]
    stp d10, d11, [x29, #-128]
    stp d12, d13, [x29, #-144]
    stp d14, d15, [x29, #-160]
    mov x19, x0
    mov x20, x1
    mov x21, x2
    ldr x22, [x20]
    ldr x17, [x22, #8]
    stp x28, x17, [x29, #-96]
    adr x16, landing
    stp x16, x22, [sp]
    mov x16, sp
    str x16, [x22, #8]
    sub sp, sp, #0x20
    ldr d0, [x21]
    ldr d1, [x21, #8]
    ldr d2, [x21, #16]
    ldr d3, [x21, #24]
    ldr d4, [x21, #32]
    ldr d5, [x21, #40]
    ldr d6, [x21, #48]
    ldr d7, [x21, #56]
    ldr x16, [x21, #64]
    str x16, [sp]
    ldr w16, [x21, #72]
    str x16, [sp, #8]
    mov x0, x20
    blr x19
    fmov w16, s0
    str x16, [x21]
    str d1, [x21, #8]
    str d2, [x21, #16]
    str d3, [x21, #24]
    str d4, [x21, #32]
    str d5, [x21, #40]
    str d6, [x21, #48]
    str d7, [x21, #56]
    ldr w16, [sp, #16]
    str x16, [x21, #64]
    ldr x16, [sp, #24]
    str x16, [x21, #72]
    mov w0, #0x0
    b restore
landing:
    add x29, sp, #0xb0
    ldr x16, [sp, #8]
    ldr w0, [x16, #16]
    add w0, w0, #0x1
restore:
    ldur x16, [x29, #-168]
    ldp x28, x17, [x29, #-96]
    str x17, [x16, #8]
    ldp x19, xzr, [x29, #-16]
    ldp x20, x21, [x29, #-32]
    ldp x22, x23, [x29, #-48]
    ldp x24, x25, [x29, #-64]
    ldp x26, x27, [x29, #-80]
    ldp d8, d9, [x29, #-112]
    ldp d10, d11, [x29, #-128]
    ldp d12, d13, [x29, #-144]
    ldp d14, d15, [x29, #-160]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret

// == exit f64 f64 f64 f64 f64 f64 f64 f64 f64 f32 -> f32 f64 f64 f64 f64 f64 f64 f64 f32 f64
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    sub sp, sp, #0x60
    stur x0, [x29, #-8]
    ldr x16, [x0]
    ldr x16, [x16]
    cmp sp, x16
    b.lo overflow
    str d0, [sp]
    str d1, [sp, #8]
    str d2, [sp, #16]
    str d3, [sp, #24]
    str d4, [sp, #32]
    str d5, [sp, #40]
    str d6, [sp, #48]
    str d7, [sp, #56]
    ldr x16, [x29, #16]
    str x16, [sp, #64]
    ldr w16, [x29, #24]
    str x16, [sp, #72]
    ldr x16, [x29]
    ldur x2, [x16, #-8]
    mov x1, sp
    ldr x16, [x0, #8]
    blr x16
    cbnz w0, trap
    ldr s0, [sp]
    ldr d1, [sp, #8]
    ldr d2, [sp, #16]
    ldr d3, [sp, #24]
    ldr d4, [sp, #32]
    ldr d5, [sp, #40]
    ldr d6, [sp, #48]
    ldr d7, [sp, #56]
    ldr w16, [sp, #64]
    str x16, [x29, #32]
    ldr x16, [sp, #72]
    str x16, [x29, #40]
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
overflow:
    mov w0, #0x9
trap:
    ldur x16, [x29, #-8]
    ldr x16, [x16]
    sub w0, w0, #0x1
    str w0, [x16, #16]
    ldr x17, [x16, #8]
    mov sp, x17
    ldr x16, [sp]
    br x16

//! SSA construction with the builder: variables become values and block
//! parameters, and trivial parameters disappear.

use kiln_ssa::{
    BinaryOp, BlockCall, Function, FunctionBuilder, IntCC, Op, Signature, Type, ValueDef, verify,
};

/// `fn(n) { i = 0; s = 0; k = n; while i < n { s += i + k; i += 1 } return s }`
/// where `k` is never written inside the loop.
fn build_loop() -> Function {
    let mut func = one_param_function();
    let mut b = FunctionBuilder::new(&mut func);
    let entry = b.create_block();
    let n = b.append_block_param(entry, Type::I32);
    let (i, s, k) = (
        b.declare_var(Type::I32),
        b.declare_var(Type::I32),
        b.declare_var(Type::I32),
    );
    b.switch_to_block(entry);
    b.seal_block(entry);
    let zero = b.iconst(Type::I32, 0);
    b.def_var(i, zero);
    b.def_var(s, zero);
    b.def_var(k, n);
    let header = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.jump(BlockCall::new(header));
    b.switch_to_block(header);
    let i_now = b.use_var(i);
    let more = b.ins1(Op::Icmp(IntCC::Slt), vec![i_now, n], Type::I32);
    b.brif(more, BlockCall::new(body), BlockCall::new(exit));
    b.seal_block(body);
    b.switch_to_block(body);
    let (i_now, s_now, k_now) = (b.use_var(i), b.use_var(s), b.use_var(k));
    let term = b.ins1(Op::Binary(BinaryOp::Iadd), vec![i_now, k_now], Type::I32);
    let s_next = b.ins1(Op::Binary(BinaryOp::Iadd), vec![s_now, term], Type::I32);
    b.def_var(s, s_next);
    let one = b.iconst(Type::I32, 1);
    let i_next = b.ins1(Op::Binary(BinaryOp::Iadd), vec![i_now, one], Type::I32);
    b.def_var(i, i_next);
    b.jump(BlockCall::new(header));
    b.seal_block(header);
    b.seal_block(exit);
    b.switch_to_block(exit);
    let result = b.use_var(s);
    b.ret(vec![result]);
    b.finish();
    func
}

#[test]
fn loop_variables_become_header_parameters() {
    let func = build_loop();
    verify(&func).unwrap_or_else(|e| panic!("{e}\n{func}"));
    assert_eq!(
        func.to_string(),
        "\
function f0(i32) -> i32 {
block0(v0: i32):
    v1:i32 = iconst 0
    jump block1(v1, v1)
block1(v2: i32, v4: i32):
    v3:i32 = icmp slt v2, v0
    brif v3, block2, block3
block2:
    v6:i32 = iadd v2, v0
    v7:i32 = iadd v4, v6
    v8:i32 = iconst 1
    v9:i32 = iadd v2, v8
    jump block1(v9, v7)
block3:
    return v4
}
"
    );
}

#[test]
fn built_loop_computes_the_sum() {
    struct NoEnv;
    impl kiln_ssa::interp::InterpEnv for NoEnv {
        type Error = kiln_ssa::TrapCode;
        fn load(&mut self, _: kiln_ssa::Region, _: u64, _: u32) -> Result<u64, Self::Error> {
            unreachable!("no memory")
        }
        fn store(
            &mut self,
            _: kiln_ssa::Region,
            _: u64,
            _: u32,
            _: u64,
        ) -> Result<(), Self::Error> {
            unreachable!("no memory")
        }
        fn call(&mut self, _: u32, _: &[u64]) -> Result<Vec<u64>, Self::Error> {
            unreachable!("no calls")
        }
        fn call_indirect(&mut self, _: u64, _: u32, _: &[u64]) -> Result<Vec<u64>, Self::Error> {
            unreachable!("no calls")
        }
        fn call_helper(&mut self, _: kiln_ssa::Helper, _: &[u64]) -> Result<Vec<u64>, Self::Error> {
            unreachable!("no helpers")
        }
    }
    let func = build_loop();
    // sum of (i + 10) for i in 0..10 = 45 + 100
    assert_eq!(
        kiln_ssa::interp::run(&func, &mut NoEnv, &[10]),
        Ok(vec![145])
    );
}

/// A function of one `i32` parameter whose entry block is sealed and
/// current, with one variable set to the parameter.
fn start(func: &mut Function) -> (FunctionBuilder<'_>, kiln_ssa::Value, kiln_ssa::Variable) {
    let mut b = FunctionBuilder::new(func);
    let entry = b.create_block();
    let n = b.append_block_param(entry, Type::I32);
    let x = b.declare_var(Type::I32);
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.def_var(x, n);
    (b, n, x)
}

fn one_param_function() -> Function {
    Function::new(
        "f0",
        Signature {
            params: vec![Type::I32],
            results: vec![Type::I32],
        },
    )
}

/// An if/else whose arms write `x` only when `write_in_then`, joined at a
/// sealed block that is current when it returns.
fn diamond(b: &mut FunctionBuilder<'_>, x: kiln_ssa::Variable, write_in_then: bool) {
    let cond = b.use_var(x);
    let (then, otherwise, join) = (b.create_block(), b.create_block(), b.create_block());
    b.brif(cond, BlockCall::new(then), BlockCall::new(otherwise));
    b.seal_block(then);
    b.seal_block(otherwise);
    b.switch_to_block(then);
    if write_in_then {
        let seven = b.iconst(Type::I32, 7);
        b.def_var(x, seven);
    }
    b.jump(BlockCall::new(join));
    b.switch_to_block(otherwise);
    b.jump(BlockCall::new(join));
    b.seal_block(join);
    b.switch_to_block(join);
}

#[test]
fn a_read_after_a_join_that_no_arm_writes_gets_the_value_itself() {
    let mut func = one_param_function();
    let (mut b, n, x) = start(&mut func);
    diamond(&mut b, x, false);
    let join = b.current_block();
    assert_eq!(b.use_var(x), n);
    assert!(b.func.block(join).params.is_empty());
    for &pred in &b.func.layout {
        if let Some(term) = b.func.terminator(pred) {
            assert!(b.func.inst(term).targets.iter().all(|t| t.args.is_empty()));
        }
    }
    let x_now = b.use_var(x);
    b.ret(vec![x_now]);
    b.finish();
    verify(&func).unwrap_or_else(|e| panic!("{e}\n{func}"));
}

#[test]
fn a_read_after_a_join_that_one_arm_writes_gets_a_parameter() {
    let mut func = one_param_function();
    let (mut b, n, x) = start(&mut func);
    diamond(&mut b, x, true);
    let join = b.current_block();
    let merged = b.use_var(x);
    assert_ne!(merged, n);
    assert_eq!(&b.func.block(join).params[..], &[merged]);
    b.ret(vec![merged]);
    b.finish();
    verify(&func).unwrap_or_else(|e| panic!("{e}\n{func}"));
    assert_eq!(func.block(join).params.len(), 1);
}

/// After a sealed loop that never writes `x`, a read walks around the loop
/// and back to its header; the header's parameter passes only itself and
/// the value from before the loop, and is dropped at once.
#[test]
fn a_read_after_a_loop_that_never_writes_the_variable_gets_the_value_from_before_it() {
    let mut func = one_param_function();
    let (mut b, n, x) = start(&mut func);
    let (header, body, exit) = (b.create_block(), b.create_block(), b.create_block());
    b.jump(BlockCall::new(header));
    b.switch_to_block(header);
    let zero = b.iconst(Type::I32, 0);
    b.brif(zero, BlockCall::new(body), BlockCall::new(exit));
    b.seal_block(body);
    b.switch_to_block(body);
    b.jump(BlockCall::new(header));
    b.seal_block(header);
    b.seal_block(exit);
    b.switch_to_block(exit);
    assert_eq!(b.use_var(x), n);
    assert!(b.func.block(header).params.is_empty());
    let x_now = b.use_var(x);
    b.ret(vec![x_now]);
    b.finish();
    verify(&func).unwrap_or_else(|e| panic!("{e}\n{func}"));
}

/// `x = 5; y = 7; if c { y = 9 } return x + y`, with the join's start
/// declared: `x` comes straight from the entry, and only `y` needs a
/// parameter at the join.
#[test]
fn a_join_takes_what_its_code_left_alone_from_where_that_code_began() {
    let mut func = one_param_function();
    let mut b = FunctionBuilder::new(&mut func);
    let entry = b.create_block();
    let c = b.append_block_param(entry, Type::I32);
    let (x, y) = (b.declare_var(Type::I32), b.declare_var(Type::I32));
    b.switch_to_block(entry);
    b.seal_block(entry);
    let five = b.iconst(Type::I32, 5);
    b.def_var(x, five);
    let seven = b.iconst(Type::I32, 7);
    b.def_var(y, seven);
    let start = b.mark();
    let (then_arm, else_arm, join) = (b.create_block(), b.create_block(), b.create_block());
    b.brif(c, BlockCall::new(then_arm), BlockCall::new(else_arm));
    b.seal_block(then_arm);
    b.seal_block(else_arm);
    b.switch_to_block(then_arm);
    let nine = b.iconst(Type::I32, 9);
    b.def_var(y, nine);
    b.jump(BlockCall::new(join));
    b.switch_to_block(else_arm);
    b.jump(BlockCall::new(join));
    b.join_from(join, start);
    b.seal_block(join);
    b.switch_to_block(join);
    let (x_now, y_now) = (b.use_var(x), b.use_var(y));
    let sum = b.ins1(Op::Binary(BinaryOp::Iadd), vec![x_now, y_now], Type::I32);
    b.ret(vec![sum]);
    b.finish();
    verify(&func).unwrap_or_else(|e| panic!("{e}\n{func}"));
    assert_eq!(
        func.to_string(),
        "\
function f0(i32) -> i32 {
block0(v0: i32):
    v1:i32 = iconst 5
    v2:i32 = iconst 7
    brif v0, block1, block2
block1:
    v3:i32 = iconst 9
    jump block3(v3)
block2:
    jump block3(v2)
block3(v4: i32):
    v5:i32 = iadd v1, v4
    return v5
}
"
    );
    assert!(
        func.values
            .iter()
            .all(|value| value.def != ValueDef::Detached),
        "no parameter was made for x and dropped"
    );
}

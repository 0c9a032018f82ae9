//! Locals read inside deep loop nests: a body that would give every local
//! a parameter at every open loop header is translated again with a
//! look-ahead, and computes what the program says, whether it reads a
//! local that no loop writes, one that some loops write, or one written
//! after the read in the same loop. The same program, too small to be
//! started over, is checked the same way. Invalid code after the point
//! where the translation started over is still refused.

mod support;

use kiln_frontend::{ModuleEnv, Options, VmLayout, translate_and_validate, translate_function};
use std::fmt::Write as _;
use support::Instance;
use wasmparser::{ValidPayload, Validator};

/// How the program writes the locals: loop `j` (counted from 1, outermost
/// first) adds `j` to local `a[j % locals]` at its start when `j` is a
/// multiple of `step`, and the innermost loop writes `a[0]` after reading
/// it.
struct Program {
    loops: u32,
    locals: u32,
    step: u32,
}

impl Program {
    /// `run(x)`: locals `a[k] = x ^ k`, then the loops; the innermost adds
    /// every `a[k]` into an accumulator; each loop goes round again while a
    /// counter shared by all of them stays below `x & 15`.
    fn wat(&self) -> String {
        let a = |k: u32| k + 3;
        let mut text = String::from("(module (func (export \"run\") (param i32) (result i32)\n");
        writeln!(
            text,
            "(local i32 i32 {})",
            "i32 ".repeat(self.locals as usize)
        )
        .unwrap();
        for k in 0..self.locals {
            writeln!(
                text,
                "(local.set {} (i32.xor (local.get 0) (i32.const {k})))",
                a(k)
            )
            .unwrap();
        }
        text.push_str("(local.set 0 (i32.and (local.get 0) (i32.const 15)))\n");
        for j in 1..=self.loops {
            text.push_str("loop\n");
            if j.is_multiple_of(self.step) {
                let local = a(j % self.locals);
                writeln!(
                    text,
                    "(local.set {local} (i32.add (local.get {local}) (i32.const {j})))"
                )
                .unwrap();
            }
        }
        for k in 0..self.locals {
            writeln!(
                text,
                "(local.set 1 (i32.add (local.get 1) (local.get {})))",
                a(k)
            )
            .unwrap();
        }
        writeln!(
            text,
            "(local.set {0} (i32.mul (local.get {0}) (i32.const 3)))",
            a(0)
        )
        .unwrap();
        for _ in 0..self.loops {
            text.push_str("(local.set 2 (i32.add (local.get 2) (i32.const 1)))\n");
            text.push_str("(br_if 0 (i32.lt_u (local.get 2) (local.get 0)))\nend\n");
        }
        text.push_str("(local.get 1)))");
        text
    }

    /// What `run(x)` returns.
    fn run(&self, x: u32) -> u32 {
        let mut state = State {
            a: (0..self.locals).map(|k| x ^ k).collect(),
            limit: x & 15,
            counter: 0,
            sum: 0,
        };
        self.enter(1, &mut state);
        state.sum
    }

    fn enter(&self, j: u32, state: &mut State) {
        loop {
            if j.is_multiple_of(self.step) {
                let k = (j % self.locals) as usize;
                state.a[k] = state.a[k].wrapping_add(j);
            }
            if j < self.loops {
                self.enter(j + 1, state);
            } else {
                for &value in &state.a {
                    state.sum = state.sum.wrapping_add(value);
                }
                state.a[0] = state.a[0].wrapping_mul(3);
            }
            state.counter = state.counter.wrapping_add(1);
            if state.counter >= state.limit {
                return;
            }
        }
    }
}

struct State {
    a: Vec<u32>,
    limit: u32,
    counter: u32,
    sum: u32,
}

/// Translates `program` without validation and runs it on each of `xs`,
/// on a thread of its own: a translation that breaks the loops' counting
/// would loop forever, and fails here after a minute instead.
fn check(program: &Program, xs: &[u32]) {
    let wasm = wat::parse_str(program.wat()).expect("valid text");
    let (sender, receiver) = std::sync::mpsc::channel();
    let inputs = xs.to_vec();
    std::thread::spawn(move || {
        let (env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
        let layout = VmLayout::new(&env);
        let functions = [translate_function(&env, &layout, 0, &bodies[0]).expect("translate")];
        for x in inputs {
            let mut instance = Instance::new(&env, &functions);
            let results = instance.invoke(&functions[0], &[u64::from(x)]);
            sender.send((x, results)).unwrap();
        }
    });
    for _ in xs {
        let (x, results) = receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the program finishes");
        assert_eq!(results, Ok(vec![u64::from(program.run(x))]), "run({x})");
    }
}

#[test]
fn locals_across_hundreds_of_loops_keep_their_values() {
    for step in [1, 7, 50, 1000] {
        let program = Program {
            loops: 300,
            locals: 40,
            step,
        };
        check(&program, &[0, 1, 6, 15, 0xffff_fff3]);
    }
}

#[test]
fn locals_across_a_few_loops_keep_their_values() {
    for step in [1, 2, 5] {
        let program = Program {
            loops: 6,
            locals: 4,
            step,
        };
        check(&program, &[0, 3, 9, 15]);
    }
}

#[test]
fn an_invalid_operator_after_the_translation_started_over_is_refused() {
    let program = Program {
        loops: 300,
        locals: 40,
        step: 7,
    };
    // An `i64.add` of two `i32`s just before the body's last `end`.
    let text = program.wat();
    let invalid = format!(
        "{}(drop (i64.add (local.get 1) (local.get 1))) (local.get 1)))",
        text.strip_suffix("(local.get 1)))").unwrap()
    );
    let wasm = wat::parse_str(&invalid).expect("well-formed text");
    let (env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    let layout = VmLayout::new(&env);
    let mut validator = Validator::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let ValidPayload::Func(func, _) = validator.payload(&payload.unwrap()).unwrap() {
            let mut func_validator = func.into_validator(Default::default());
            let error = translate_and_validate(
                &env,
                &layout,
                &Options::default(),
                0,
                &bodies[0],
                &mut func_validator,
            )
            .expect_err("an invalid body");
            assert!(error.invalid, "{error}");
            assert!(error.message.contains("type mismatch"), "{error}");
            return;
        }
    }
    panic!("no function body");
}

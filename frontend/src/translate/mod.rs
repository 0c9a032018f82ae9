//! Translation of one wasm function body into SSA.
//!
//! The translator walks the operators once. The wasm operand stack becomes a
//! stack of SSA values; wasm locals become builder variables, so reads and
//! writes of locals turn into SSA values and block parameters by Braun's
//! algorithm. Structured control flow maps to blocks (see [`control`]).
//! A body whose locals, read inside deep loop nests, would cost a parameter
//! at every open loop header is started over with a [`look_ahead`].
//! Code after an unconditional branch is unreachable and is skipped.
//!
//! The translator owns all its state, so several functions can be
//! translated on several threads at once.

mod control;
mod instance;
mod interrupt;
mod look_ahead;
mod memory;
mod numeric;

use crate::fuel::FuelRegions;
use crate::module_env::ModuleEnv;
use crate::options::Options;
use crate::vmctx::VmLayout;
use control::Frame;
use kiln_ssa::{Function, FunctionBuilder, Op, Signature, Type, Value, Variable};
use look_ahead::{LookAhead, OpenLoop};
use std::fmt;
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources, WasmModuleResources};

/// Why a function body could not be translated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslateError {
    /// Byte offset in the module where the problem is.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
    /// Whether the body is not valid wasm (malformed, or rejected by the
    /// validator), as opposed to valid but using something the front end
    /// does not translate.
    pub invalid: bool,
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {:#x}: {}", self.offset, self.message)
    }
}

impl std::error::Error for TranslateError {}

impl From<wasmparser::BinaryReaderError> for TranslateError {
    fn from(error: wasmparser::BinaryReaderError) -> TranslateError {
        TranslateError {
            offset: error.offset() as usize,
            message: error.message().to_string(),
            invalid: true,
        }
    }
}

/// Translates the body of module function `func_index` (an index in the
/// module's function space, so imports come first) into SSA. The module is
/// assumed valid. The result takes `vmctx` as its first parameter.
pub fn translate_function(
    env: &ModuleEnv,
    layout: &VmLayout,
    func_index: u32,
    body: &FunctionBody<'_>,
) -> Result<Function, TranslateError> {
    translate_function_with_options(env, layout, &Options::default(), func_index, body)
}

/// [`translate_function`] with fuel, epoch checks or canonical NaNs as
/// `options` ask.
pub fn translate_function_with_options(
    env: &ModuleEnv,
    layout: &VmLayout,
    options: &Options,
    func_index: u32,
    body: &FunctionBody<'_>,
) -> Result<Function, TranslateError> {
    translate(
        env,
        layout,
        options,
        func_index,
        body,
        None::<&mut FuncValidator<ValidatorResources>>,
    )
}

/// [`translate_function_with_options`] for a body that has not been
/// validated: `validator` (made for this function by the module's
/// validator, which has checked every other section) checks each local
/// declaration and operator before the translator sees it, so the body is
/// decoded once for both. An invalid body is an error with
/// [`TranslateError::invalid`] set.
pub fn translate_and_validate<R: WasmModuleResources>(
    env: &ModuleEnv,
    layout: &VmLayout,
    options: &Options,
    func_index: u32,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<R>,
) -> Result<Function, TranslateError> {
    translate(env, layout, options, func_index, body, Some(validator))
}

/// Translates a body, validating it on the way if `validator` is given.
/// A body that adds more parameters to open loop headers than
/// [`OPEN_PARAMS_PER_BYTE`] per byte (past [`OPEN_PARAMS_BASE`]) is started
/// over with a [`LookAhead`]: the first pass stops after work in proportion
/// to the body's size, and the second reads locals past the loops that
/// leave them alone. The operators the first pass validated are not
/// validated again.
fn translate<R: WasmModuleResources>(
    env: &ModuleEnv,
    layout: &VmLayout,
    options: &Options,
    func_index: u32,
    body: &FunctionBody<'_>,
    mut validator: Option<&mut FuncValidator<R>>,
) -> Result<Function, TranslateError> {
    let source = Source {
        env,
        layout,
        options,
        func_index,
        body,
    };
    let first = Attempt {
        look_ahead: None,
        validated: 0,
    };
    match attempt(&source, validator.as_deref_mut(), first)? {
        Outcome::Done(func) => Ok(func),
        Outcome::StartOver { validated, locals } => {
            let look_ahead = LookAhead::of_body(body, locals);
            let again = Attempt {
                look_ahead: Some(&look_ahead),
                validated,
            };
            match attempt(&source, validator, again)? {
                Outcome::Done(func) => Ok(func),
                Outcome::StartOver { .. } => unreachable!("reading ahead, no body starts over"),
            }
        }
    }
}

/// What a translation reads: the module's facts and one of its bodies.
struct Source<'s> {
    env: &'s ModuleEnv,
    layout: &'s VmLayout,
    options: &'s Options,
    func_index: u32,
    body: &'s FunctionBody<'s>,
}

/// How a body may add parameters to open loop headers before it is started
/// over with a [`LookAhead`]: this many per byte of body, past a base.
const OPEN_PARAMS_PER_BYTE: u64 = 1;
const OPEN_PARAMS_BASE: u64 = 256;

/// One pass of translation over a body.
struct Attempt<'l> {
    /// Where locals are written and loops end, if read ahead.
    look_ahead: Option<&'l LookAhead>,
    /// How many of the body's operators a previous attempt validated; if
    /// any, it validated the body's local declarations too.
    validated: u32,
}

/// What an attempt came to.
enum Outcome {
    Done(Function),
    /// The body added more parameters to open loop headers than its size
    /// allows; `validated` operators of it were validated, and it has
    /// `locals` locals.
    StartOver {
        validated: u32,
        locals: usize,
    },
}

fn attempt<R: WasmModuleResources>(
    source: &Source<'_>,
    mut validator: Option<&mut FuncValidator<R>>,
    attempt: Attempt<'_>,
) -> Result<Outcome, TranslateError> {
    let Source {
        env,
        layout,
        options,
        func_index,
        body,
    } = *source;
    let wasm_type = env.func_type(func_index);
    let mut params = vec![Type::PTR];
    params.extend(&wasm_type.params);
    let signature = Signature {
        params,
        results: wasm_type.results.clone(),
    };
    // Compiled C takes 1.6 to 1.9 bytes of body per instruction it becomes
    // (SQLite, Lua), and each instruction about one value: room for one per
    // 1.5 bytes means most functions never grow their arenas.
    let body_len = body.range().end.saturating_sub(body.range().start);
    let expected_insts = usize::try_from(body_len * 2 / 3).unwrap_or(0);
    let open_params_allowed = body_len
        .saturating_mul(OPEN_PARAMS_PER_BYTE)
        .saturating_add(OPEN_PARAMS_BASE);
    let mut func = Function::with_capacity(format!("f{func_index}"), signature, expected_insts);
    let mut translator = Translator::new(env, layout, *options, &mut func);
    translator.look_ahead = attempt.look_ahead;
    let locals_validator = validator.as_deref_mut().filter(|_| attempt.validated == 0);
    translator.declare_locals(body, locals_validator)?;
    // Finding the fuel regions reads the operators ahead of validation; it
    // accepts any sequence of operators, and an invalid body is refused
    // below before any of it is translated.
    let regions = match options.consume_fuel {
        true => Some(FuelRegions::of_body(body)?),
        false => None,
    };
    translator.start_interruption(body)?;
    let (entry_cost, mut later_regions) = match &regions {
        Some(regions) => (regions.entry, &regions.after[..]),
        None => (0, &[][..]),
    };
    translator.charge_fuel(entry_cost);
    let mut reader = body.get_operators_reader()?;
    let mut index = 0u32;
    while !reader.eof() {
        let (operator, offset) = reader.read_with_offset()?;
        if let Some(validator) = validator.as_deref_mut()
            && index >= attempt.validated
        {
            validator.op(offset, &operator)?;
        }
        translator.offset = offset;
        translator
            .operator(&operator)
            .map_err(|message| TranslateError {
                offset: offset as usize,
                message,
                invalid: false,
            })?;
        if let [(after, cost), rest @ ..] = later_regions
            && *after == index
        {
            translator.charge_fuel(*cost);
            later_regions = rest;
        }
        index += 1;
        if attempt.look_ahead.is_none()
            && translator.builder.open_params() as u64 > open_params_allowed
        {
            return Ok(Outcome::StartOver {
                validated: index,
                locals: translator.num_locals,
            });
        }
    }
    if validator.is_some() {
        reader.finish()?;
    }
    translator.builder.finish();
    Ok(Outcome::Done(func))
}

/// State of the translation of one function.
struct Translator<'a> {
    env: &'a ModuleEnv,
    layout: &'a VmLayout,
    options: Options,
    builder: FunctionBuilder<'a>,
    /// The `vmctx` parameter.
    vmctx: Value,
    /// The wasm operand stack.
    stack: Vec<Value>,
    /// Enclosing blocks, loops and ifs; the function body is the outermost.
    frames: Vec<Frame>,
    /// Whether the current position can be reached.
    reachable: bool,
    /// How many blocks deep we are inside unreachable code.
    unreachable_depth: u32,
    /// The fuel left, when fuel is on (see [`interrupt`]).
    fuel: Option<Variable>,
    /// Back-edge epoch checks made for the branch being translated, with
    /// their loop headers, to fill in once it is emitted.
    pending_epoch_checks: Vec<(kiln_ssa::Block, kiln_ssa::Block)>,
    /// How many locals the function has, its parameters included.
    num_locals: usize,
    /// The offset in the module of the operator being translated.
    offset: u64,
    /// Where locals are written and loops end, when the body is translated
    /// with a look-ahead (see [`look_ahead`]).
    look_ahead: Option<&'a LookAhead>,
    /// The loops around the current operator, outermost first, while
    /// translating with a look-ahead.
    loops: Vec<OpenLoop>,
}

impl<'a> Translator<'a> {
    fn new(
        env: &'a ModuleEnv,
        layout: &'a VmLayout,
        options: Options,
        func: &'a mut Function,
    ) -> Translator<'a> {
        let param_types = func.signature.params.clone();
        let result_types = func.signature.results.clone();
        let mut builder = FunctionBuilder::new(func);
        let entry = builder.create_block();
        let params: Vec<Value> = param_types
            .iter()
            .map(|&ty| builder.append_block_param(entry, ty))
            .collect();
        builder.switch_to_block(entry);
        builder.seal_block(entry);
        let mut translator = Translator {
            env,
            layout,
            options,
            builder,
            vmctx: params[0],
            stack: Vec::new(),
            frames: Vec::new(),
            reachable: true,
            unreachable_depth: 0,
            fuel: None,
            pending_epoch_checks: Vec::new(),
            num_locals: param_types.len() - 1,
            offset: 0,
            look_ahead: None,
            loops: Vec::new(),
        };
        for (i, &param) in params[1..].iter().enumerate() {
            let var = translator.builder.declare_var(param_types[i + 1]);
            translator.builder.def_var(var, param);
        }
        translator.push_function_frame(result_types);
        translator
    }

    /// Declares the body's locals as variables, each set to zero, after
    /// `validator` (if any) accepts their declaration.
    fn declare_locals<R: WasmModuleResources>(
        &mut self,
        body: &FunctionBody<'_>,
        mut validator: Option<&mut FuncValidator<R>>,
    ) -> Result<(), TranslateError> {
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, wasm_type) = locals.read()?;
            if let Some(validator) = validator.as_deref_mut() {
                validator.define_locals(offset, count, wasm_type)?;
            }
            let ty = crate::module_env::ssa_type(wasm_type);
            if ty == Type::V128 {
                return Err(TranslateError {
                    offset: body.range().start as usize,
                    message: "v128 locals need SIMD support".into(),
                    invalid: false,
                });
            }
            for _ in 0..count {
                self.num_locals += 1;
                let var = self.builder.declare_var(ty);
                let zero = self.zero(ty);
                self.builder.def_var(var, zero);
            }
        }
        Ok(())
    }

    /// The zero value of a type.
    fn zero(&mut self, ty: Type) -> Value {
        if ty.is_float() {
            self.builder.ins1(Op::Fconst(0), Vec::new(), ty)
        } else {
            self.builder.iconst(ty, 0)
        }
    }

    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("valid wasm keeps the operand stack balanced")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        self.stack.split_off(self.stack.len() - n)
    }

    fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn value_type(&self, value: Value) -> Type {
        self.builder.func.value_type(value)
    }

    /// Translates one operator.
    fn operator(&mut self, op: &Operator<'_>) -> Result<(), String> {
        if !self.reachable {
            return self.unreachable_operator(op);
        }
        if self.control(op)? || self.numeric(op) || self.memory(op) || self.instance(op)? {
            return Ok(());
        }
        match *op {
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop();
                let (a, b) = self.pop2();
                let ty = self.value_type(a);
                let value = self.builder.ins1(Op::Select, [cond, a, b], ty);
                self.stack.push(value);
            }
            Operator::LocalGet { local_index } => {
                let value = self.read_local(Variable(local_index));
                self.stack.push(value);
            }
            Operator::LocalSet { local_index } => {
                let value = self.pop();
                self.builder.def_var(Variable(local_index), value);
            }
            Operator::LocalTee { local_index } => {
                let value = *self.stack.last().expect("tee of an operand");
                self.builder.def_var(Variable(local_index), value);
            }
            _ => return Err(format!("unsupported operator {op:?}")),
        }
        Ok(())
    }
}

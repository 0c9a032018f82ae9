//! Reads the text form written by [`print`](crate::print) back into a
//! [`Function`], so that tests can be written as text in, text out.
//!
//! The text is line oriented: a `function` header, block labels
//! (`block3(v4: i32):`), one instruction per line, and a closing `}`.
//! `;` starts a comment. Value and block numbers are kept as written, so
//! printing a parsed function gives the same text back.

use crate::entities::{Block, Value};
use crate::function::{BlockCall, Function, Signature, ValueData, ValueDef};
use crate::ops::{
    BinaryOp, FloatCC, HeapBounds, Helper, IntCC, LoadKind, Op, Region, StoreKind, UnaryOp,
};
use crate::trap::TrapCode;
use crate::types::Type;
use std::fmt;

/// A syntax error with the (1-based) line where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Line number, starting at 1.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses one function.
pub fn parse_function(text: &str) -> Result<Function, ParseError> {
    let mut functions = parse_functions(text)?;
    match functions.len() {
        1 => Ok(functions.remove(0)),
        n => Err(ParseError {
            line: 1,
            message: format!("expected one function, found {n}"),
        }),
    }
}

/// Parses any number of functions, one after the other.
pub fn parse_functions(text: &str) -> Result<Vec<Function>, ParseError> {
    let mut functions = Vec::new();
    let mut current: Option<(Function, Option<Block>)> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.split(';').next().unwrap_or("");
        let tokens = tokenize(line);
        if tokens.is_empty() {
            continue;
        }
        let mut cursor = Cursor {
            tokens: &tokens,
            pos: 0,
            line: line_number,
        };
        match (&mut current, tokens[0].as_str()) {
            (None, "function") => current = Some((cursor.function_header()?, None)),
            (None, _) => return Err(cursor.error("expected `function`")),
            (Some(_), "}") => {
                cursor.pos = 1;
                let (func, _) = current.take().expect("inside a function");
                functions.push(func);
            }
            (Some((func, block)), word) if is_block_name(word) => {
                *block = Some(cursor.block_label(func)?);
            }
            (Some((func, Some(block))), _) => cursor.instruction(func, *block)?,
            (Some((_, None)), _) => return Err(cursor.error("instruction outside a block")),
        }
        if cursor.pos < tokens.len() {
            return Err(cursor.error(&format!("unexpected `{}`", tokens[cursor.pos])));
        }
    }
    if current.is_some() {
        return Err(ParseError {
            line: text.lines().count(),
            message: "missing `}`".into(),
        });
    }
    Ok(functions)
}

fn is_block_name(word: &str) -> bool {
    word.strip_prefix("block")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits a line into words (`v3`, `iadd`, `-1.5`, `heap0`) and punctuation.
fn tokenize(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let is_word_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut rest = line.trim_start();
    while let Some(c) = rest.chars().next() {
        let length = if rest.starts_with("->") {
            2
        } else if is_word_char(c) {
            rest.find(|c| !is_word_char(c)).unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        tokens.push(rest[..length].to_string());
        rest = rest[length..].trim_start();
    }
    tokens
}

struct Cursor<'t> {
    tokens: &'t [String],
    pos: usize,
    line: usize,
}

impl Cursor<'_> {
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            line: self.line,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn next(&mut self) -> Result<&str, ParseError> {
        let token = self
            .tokens
            .get(self.pos)
            .ok_or_else(|| self.error("unexpected end of line"))?;
        self.pos += 1;
        Ok(token)
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!(
                "expected `{token}`, found `{}`",
                self.peek().unwrap_or("end of line")
            )))
        }
    }

    fn numbered(&mut self, prefix: &str) -> Result<u32, ParseError> {
        let word = self.next()?.to_string();
        word.strip_prefix(prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| self.error(&format!("expected `{prefix}N`, found `{word}`")))
    }

    fn ty(&mut self) -> Result<Type, ParseError> {
        let word = self.next()?.to_string();
        Type::from_name(&word).ok_or_else(|| self.error(&format!("unknown type `{word}`")))
    }

    fn named<T>(&mut self, what: &str, lookup: fn(&str) -> Option<T>) -> Result<T, ParseError> {
        let word = self.next()?.to_string();
        lookup(&word).ok_or_else(|| self.error(&format!("unknown {what} `{word}`")))
    }

    fn integer(&mut self) -> Result<u64, ParseError> {
        let word = self.next()?.to_string();
        let parsed = if let Some(hex) = word.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else if word.starts_with('-') {
            word.parse::<i64>().ok().map(|n| n as u64)
        } else {
            word.parse::<u64>().ok()
        };
        parsed.ok_or_else(|| self.error(&format!("bad integer `{word}`")))
    }

    fn float_bits(&mut self, ty: Type) -> Result<u64, ParseError> {
        if self.eat("nan") {
            self.expect("(")?;
            let bits = self.integer()?;
            self.expect(")")?;
            return Ok(bits);
        }
        let word = self.next()?.to_string();
        let bits = match ty {
            Type::F32 => word.parse::<f32>().ok().map(|x| x.to_bits() as u64),
            _ => word.parse::<f64>().ok().map(f64::to_bits),
        };
        bits.ok_or_else(|| self.error(&format!("bad float `{word}`")))
    }

    fn types_until(&mut self, end: &str) -> Result<Vec<Type>, ParseError> {
        let mut types = Vec::new();
        while self.peek().is_some_and(|t| t != end) {
            types.push(self.ty()?);
            if !self.eat(",") {
                break;
            }
        }
        Ok(types)
    }

    fn function_header(&mut self) -> Result<Function, ParseError> {
        self.expect("function")?;
        let name = self.next()?.to_string();
        self.expect("(")?;
        let params = self.types_until(")")?;
        self.expect(")")?;
        let results = if self.eat("->") {
            self.types_until("{")?
        } else {
            Vec::new()
        };
        self.expect("{")?;
        Ok(Function::new(name, Signature { params, results }))
    }

    fn block_label(&mut self, func: &mut Function) -> Result<Block, ParseError> {
        let block = Block(self.numbered("block")?);
        while func.blocks.len() <= block.index() {
            func.create_block();
        }
        if func.layout.contains(&block) {
            return Err(self.error(&format!("{block} defined twice")));
        }
        func.layout.push(block);
        if self.eat("(") {
            while !self.eat(")") {
                let value = self.value()?;
                self.expect(":")?;
                let ty = self.ty()?;
                define_value(func, value, ty, ValueDef::Param(block));
                func.blocks[block.index()].params.push(value);
                self.eat(",");
            }
        }
        self.expect(":")?;
        Ok(block)
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        Ok(Value(self.numbered("v")?))
    }

    /// A comma-separated list of values, possibly empty (before `)` or the
    /// end of the line).
    fn value_list(&mut self) -> Result<Vec<Value>, ParseError> {
        let mut values = Vec::new();
        while self.peek().is_some_and(|t| t != ")") {
            values.push(self.value()?);
            if !self.eat(",") {
                break;
            }
        }
        Ok(values)
    }

    fn call_args(&mut self) -> Result<Vec<Value>, ParseError> {
        self.expect("(")?;
        let args = self.value_list()?;
        self.expect(")")?;
        Ok(args)
    }

    fn block_call(&mut self) -> Result<BlockCall, ParseError> {
        let block = Block(self.numbered("block")?);
        let args = if self.peek() == Some("(") {
            self.call_args()?
        } else {
            Vec::new()
        };
        Ok(BlockCall {
            block,
            args: args.into(),
        })
    }

    fn region(&mut self) -> Result<Region, ParseError> {
        if self.eat("vm") {
            Ok(Region::Vm)
        } else if self.eat("fixed") {
            Ok(Region::Fixed)
        } else {
            Ok(Region::Heap(self.numbered("heap")?))
        }
    }

    fn address(&mut self) -> Result<(Region, Value, u32), ParseError> {
        let region = self.region()?;
        let addr = self.value()?;
        let offset = if self.eat("+") { self.integer()? } else { 0 };
        let offset = u32::try_from(offset).map_err(|_| self.error("offset too large"))?;
        Ok((region, addr, offset))
    }

    fn instruction(&mut self, func: &mut Function, block: Block) -> Result<(), ParseError> {
        let mut results = Vec::new();
        if self.peek().is_some_and(|t| t.starts_with('v'))
            && self.tokens.get(self.pos + 1).is_some_and(|t| t == ":")
        {
            loop {
                let value = self.value()?;
                self.expect(":")?;
                results.push((value, self.ty()?));
                if !self.eat(",") {
                    break;
                }
            }
            self.expect("=")?;
        }
        let result_type = results.first().map(|&(_, ty)| ty);
        let opcode = self.next()?.to_string();
        let mut targets = Vec::new();
        let (op, args) = match opcode.as_str() {
            "iconst" => {
                let ty = result_type.ok_or_else(|| self.error("iconst needs a result"))?;
                let bits = self.integer()?;
                let bits = if ty == Type::I32 {
                    bits as u32 as u64
                } else {
                    bits
                };
                (Op::Iconst(bits), Vec::new())
            }
            "fconst" => {
                let ty = result_type.ok_or_else(|| self.error("fconst needs a result"))?;
                (Op::Fconst(self.float_bits(ty)?), Vec::new())
            }
            "icmp" | "fcmp" => {
                let op = if opcode == "icmp" {
                    Op::Icmp(self.named("condition", IntCC::from_name)?)
                } else {
                    Op::Fcmp(self.named("condition", FloatCC::from_name)?)
                };
                (op, self.value_list()?)
            }
            "select" => (Op::Select, self.value_list()?),
            "select_spectre_guard" => (Op::SelectSpectreGuard, self.value_list()?),
            "call" => {
                let callee = self.numbered("f")?;
                (Op::Call { func: callee }, self.call_args()?)
            }
            "call_indirect" => {
                let sig = self.numbered("sig")?;
                let mut args = vec![self.value()?];
                args.extend(self.call_args()?);
                (Op::CallIndirect { sig }, args)
            }
            "call_helper" => {
                let helper = self.named("helper", Helper::from_name)?;
                (Op::CallHelper(helper), self.call_args()?)
            }
            "trap" => (
                Op::Trap(self.named("trap code", TrapCode::from_name)?),
                Vec::new(),
            ),
            "trapz" | "trapnz" => {
                let mut args = vec![self.value()?];
                self.expect(",")?;
                let code = self.named("trap code", TrapCode::from_name)?;
                if opcode == "trapz" {
                    (Op::Trapz(code), args)
                } else if self.eat(",") {
                    self.expect("bounds")?;
                    let memory = self.numbered("heap")?;
                    args.push(self.value()?);
                    self.expect("+")?;
                    let end = self.integer()?;
                    let bounds = HeapBounds::new(memory, end).ok_or_else(|| {
                        self.error(&format!(
                            "heap{memory} is above the highest memory, heap{}",
                            HeapBounds::MAX_MEMORY
                        ))
                    })?;
                    (Op::Trapnz(code, Some(bounds)), args)
                } else {
                    (Op::Trapnz(code, None), args)
                }
            }
            "jump" => {
                targets.push(self.block_call()?);
                (Op::Jump, Vec::new())
            }
            "brif" => {
                let cond = self.value()?;
                self.expect(",")?;
                targets.push(self.block_call()?);
                self.expect(",")?;
                targets.push(self.block_call()?);
                (Op::Brif, vec![cond])
            }
            "br_table" => {
                let index = self.value()?;
                self.expect(",")?;
                self.expect("[")?;
                while !self.eat("]") {
                    targets.push(self.block_call()?);
                    self.eat(",");
                }
                self.expect(",")?;
                targets.push(self.block_call()?);
                (Op::BrTable, vec![index])
            }
            "return" => (Op::Return, self.value_list()?),
            name => {
                if let Some(op) = UnaryOp::from_name(name) {
                    (Op::Unary(op), self.value_list()?)
                } else if let Some(op) = BinaryOp::from_name(name) {
                    (Op::Binary(op), self.value_list()?)
                } else if let Some(kind) = LoadKind::from_name(name) {
                    let (region, addr, offset) = self.address()?;
                    (
                        Op::Load {
                            kind,
                            region,
                            offset,
                        },
                        vec![addr],
                    )
                } else if let Some(kind) = StoreKind::from_name(name) {
                    let (region, addr, offset) = self.address()?;
                    self.expect(",")?;
                    (
                        Op::Store {
                            kind,
                            region,
                            offset,
                        },
                        vec![addr, self.value()?],
                    )
                } else {
                    return Err(self.error(&format!("unknown opcode `{name}`")));
                }
            }
        };
        let inst = func.create_inst(op, args, targets, &[]);
        for (value, ty) in results {
            define_value(func, value, ty, ValueDef::Result(inst));
            func.insts[inst.index()].results.push(value);
        }
        func.blocks[block.index()].insts.push(inst);
        Ok(())
    }
}

/// Gives `value` (numbered as in the text) its type and definition, growing
/// the value arena as needed.
fn define_value(func: &mut Function, value: Value, ty: Type, def: ValueDef) {
    while func.values.len() <= value.index() {
        func.values.push(ValueData {
            ty: Type::I32,
            def: ValueDef::Detached,
        });
    }
    func.values[value.index()] = ValueData { ty, def };
}

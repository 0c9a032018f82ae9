//! The text form of a function: `Function::to_string()`.
//!
//! ```text
//! function f0(i64, i32) -> i32 {
//! block0(v0: i64, v1: i32):
//!     v2:i32 = iconst 1
//!     v3:i32 = iadd v1, v2
//!     brif v3, block1(v3), block2
//! ...
//! }
//! ```
//!
//! Every result is written with its type, so the parser needs no type
//! inference; operands are value names; immediates follow the opcode.
//! [`parse`](crate::parse) reads exactly this form back.

use crate::entities::{Inst, Value};
use crate::function::{BlockCall, Function};
use crate::ops::{Op, Region};
use crate::types::Type;
use std::fmt::{self, Write};

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function {}(", self.name)?;
        write_list(f, &self.signature.params, |f, ty| write!(f, "{ty}"))?;
        f.write_str(")")?;
        if !self.signature.results.is_empty() {
            f.write_str(" -> ")?;
            write_list(f, &self.signature.results, |f, ty| write!(f, "{ty}"))?;
        }
        f.write_str(" {\n")?;
        for &block in &self.layout {
            write!(f, "{block}")?;
            let params = &self.block(block).params;
            if !params.is_empty() {
                f.write_str("(")?;
                write_list(f, params, |f, &v| write!(f, "{v}: {}", self.value_type(v)))?;
                f.write_str(")")?;
            }
            f.write_str(":\n")?;
            for &inst in &self.block(block).insts {
                f.write_str("    ")?;
                write_inst(f, self, inst)?;
                f.write_str("\n")?;
            }
        }
        f.write_str("}\n")
    }
}

fn write_list<T>(
    f: &mut dyn Write,
    items: &[T],
    mut each: impl FnMut(&mut dyn Write, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    Ok(())
}

fn write_values(f: &mut dyn Write, values: &[Value]) -> fmt::Result {
    write_list(f, values, |f, v| write!(f, "{v}"))
}

fn write_block_call(f: &mut dyn Write, call: &BlockCall) -> fmt::Result {
    write!(f, "{}", call.block)?;
    if !call.args.is_empty() {
        f.write_str("(")?;
        write_list(f, &call.args, |f, v| write!(f, "{v}"))?;
        f.write_str(")")?;
    }
    Ok(())
}

fn write_address(f: &mut impl Write, region: Region, addr: Value, offset: u32) -> fmt::Result {
    write!(f, "{region} {addr}")?;
    if offset != 0 {
        write!(f, "+{offset}")?;
    }
    Ok(())
}

/// Writes a float constant: its decimal value, or `nan(0x...)` with the bits.
pub(crate) fn write_float(f: &mut impl Write, ty: Type, bits: u64) -> fmt::Result {
    if ty == Type::F32 {
        let value = f32::from_bits(bits as u32);
        if value.is_nan() {
            write!(f, "nan(0x{:x})", bits as u32)
        } else {
            write!(f, "{value}")
        }
    } else {
        let value = f64::from_bits(bits);
        if value.is_nan() {
            write!(f, "nan(0x{bits:x})")
        } else {
            write!(f, "{value}")
        }
    }
}

fn write_inst(f: &mut fmt::Formatter<'_>, func: &Function, inst: Inst) -> fmt::Result {
    let data = func.inst(inst);
    if !data.results.is_empty() {
        write_list(f, &data.results, |f, &v| {
            write!(f, "{v}:{}", func.value_type(v))
        })?;
        f.write_str(" = ")?;
    }
    let args = &data.args;
    match data.op {
        Op::Iconst(bits) => match func.value_type(data.results[0]) {
            Type::I32 => write!(f, "iconst {}", bits as u32 as i32),
            _ => write!(f, "iconst {}", bits as i64),
        },
        Op::Fconst(bits) => {
            f.write_str("fconst ")?;
            write_float(f, func.value_type(data.results[0]), bits)
        }
        Op::Unary(op) => write!(f, "{op} {}", args[0]),
        Op::Binary(op) => write!(f, "{op} {}, {}", args[0], args[1]),
        Op::Icmp(cc) => write!(f, "icmp {cc} {}, {}", args[0], args[1]),
        Op::Fcmp(cc) => write!(f, "fcmp {cc} {}, {}", args[0], args[1]),
        Op::Select => write!(f, "select {}, {}, {}", args[0], args[1], args[2]),
        Op::SelectSpectreGuard => write!(
            f,
            "select_spectre_guard {}, {}, {}",
            args[0], args[1], args[2]
        ),
        Op::Load {
            kind,
            region,
            offset,
        } => {
            write!(f, "{kind} ")?;
            write_address(f, region, args[0], offset)
        }
        Op::Store {
            kind,
            region,
            offset,
        } => {
            write!(f, "{kind} ")?;
            write_address(f, region, args[0], offset)?;
            write!(f, ", {}", args[1])
        }
        Op::Call { func: callee } => {
            write!(f, "call f{callee}(")?;
            write_values(f, args)?;
            f.write_str(")")
        }
        Op::CallIndirect { sig } => {
            write!(f, "call_indirect sig{sig} {}(", args[0])?;
            write_values(f, &args[1..])?;
            f.write_str(")")
        }
        Op::CallHelper(helper) => {
            write!(f, "call_helper {helper}(")?;
            write_values(f, args)?;
            f.write_str(")")
        }
        Op::Trap(code) => write!(f, "trap {code}"),
        Op::Trapz(code) => write!(f, "trapz {}, {code}", args[0]),
        Op::Trapnz(code, bounds) => {
            write!(f, "trapnz {}, {code}", args[0])?;
            if let Some(bounds) = bounds {
                let (memory, end) = (bounds.memory(), bounds.end());
                write!(f, ", bounds heap{memory} {}+{end}", args[1])?;
            }
            Ok(())
        }
        Op::Jump => {
            f.write_str("jump ")?;
            write_block_call(f, &data.targets[0])
        }
        Op::Brif => {
            write!(f, "brif {}, ", args[0])?;
            write_block_call(f, &data.targets[0])?;
            f.write_str(", ")?;
            write_block_call(f, &data.targets[1])
        }
        Op::BrTable => {
            let (default, cases) = data.targets.split_last().expect("br_table has a default");
            write!(f, "br_table {}, [", args[0])?;
            write_list(f, cases, write_block_call)?;
            f.write_str("], ")?;
            write_block_call(f, default)
        }
        Op::Return => {
            f.write_str("return")?;
            if !args.is_empty() {
                f.write_str(" ")?;
                write_values(f, args)?;
            }
            Ok(())
        }
    }
}

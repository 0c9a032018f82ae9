//! Operators that reach the instance: globals, calls, tables, references.
//!
//! Globals are read and written in their `vmctx` slot. A direct call of a
//! defined function is `call fN(vmctx, args)`. Everything else calls
//! through a code pointer: an imported function's code and `vmctx` come
//! from its `vmctx` slot; `call_indirect` loads a function reference from
//! the table and checks it explicitly:
//!
//! ```text
//! oob  = icmp uge index, table length
//! trapnz oob, table_oob
//! ref  = load vm (select_spectre_guard oob, 0, table base + index * 8)
//! trapz ref, null_call
//! trapnz (icmp ne (load vm ref.type_id), (load fixed vmctx.type_ids[sig])), bad_sig
//! call_indirect sigN (load vm ref.code)((load vm ref.vmctx), args...)
//! ```
//!
//! Signature ids and the slots of imports never change while the instance
//! lives, so they are `fixed` loads, which passes reuse and hoist.
//!
//! With fuel, every call writes the fuel back before and reads it after
//! (see [`super::interrupt`]).

use super::Translator;
use crate::vmctx::VmLayout;
use kiln_ssa::BinaryOp::{Iadd, Ishl};
use kiln_ssa::{Helper, IntCC, Op, Region, StoreKind, TrapCode, Type, UnaryOp, Value};
use wasmparser::Operator;

impl Translator<'_> {
    /// Translates instance operators; returns whether `op` was one.
    pub(super) fn instance(&mut self, op: &Operator<'_>) -> Result<bool, String> {
        match *op {
            Operator::GlobalGet { global_index } => {
                let global = self.env.globals[global_index as usize];
                let (record, offset) =
                    self.vm_record(self.layout.global(global_index), global.imported);
                let value = self.load_vm(record, offset, global.ty);
                self.stack.push(value);
            }
            Operator::GlobalSet { global_index } => {
                let global = self.env.globals[global_index as usize];
                let (record, offset) =
                    self.vm_record(self.layout.global(global_index), global.imported);
                let value = self.pop();
                let op = Op::Store {
                    kind: StoreKind::Full,
                    region: Region::Vm,
                    offset,
                };
                self.builder.ins(op, [record, value], &[]);
            }
            Operator::Call { function_index } => self.call(function_index),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            Operator::RefNull { .. } => {
                let null = self.builder.iconst(Type::PTR, 0);
                self.stack.push(null);
            }
            Operator::RefIsNull => {
                let reference = self.pop();
                let null = self.builder.iconst(Type::PTR, 0);
                let is_null = self
                    .builder
                    .ins1(Op::Icmp(IntCC::Eq), [reference, null], Type::I32);
                self.stack.push(is_null);
            }
            Operator::RefFunc { function_index } => {
                self.helper(Helper::RefFunc, &[function_index], 0)
            }
            Operator::TableGet { table } => self.helper(Helper::TableGet, &[table], 1),
            Operator::TableSet { table } => self.helper(Helper::TableSet, &[table], 2),
            Operator::TableGrow { table } => self.helper(Helper::TableGrow, &[table], 2),
            Operator::TableFill { table } => self.helper(Helper::TableFill, &[table], 3),
            Operator::TableCopy {
                dst_table,
                src_table,
            } => self.helper(Helper::TableCopy, &[dst_table, src_table], 3),
            Operator::TableInit { elem_index, table } => {
                self.helper(Helper::TableInit, &[table, elem_index], 3)
            }
            Operator::ElemDrop { elem_index } => self.helper(Helper::ElemDrop, &[elem_index], 0),
            Operator::TableSize { table } => {
                let (_, length) = self.table_base_and_length(table);
                self.stack.push(length);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn table_base_and_length(&mut self, table: u32) -> (Value, Value) {
        let imported = self.env.tables[table as usize].imported;
        let (record, slot) = self.vm_record(self.layout.table(table), imported);
        let base = self.load_vm(record, slot + VmLayout::TABLE_BASE, Type::PTR);
        let length = self.load_vm(record, slot + VmLayout::TABLE_LENGTH, Type::I32);
        (base, length)
    }

    fn push_results(&mut self, inst: kiln_ssa::Inst) {
        let results = self.builder.func.inst(inst).results.clone();
        self.stack.extend_from_slice(&results);
    }

    fn call(&mut self, function_index: u32) {
        let ty = self.env.func_type(function_index).clone();
        let wasm_args = self.popn(ty.params.len());
        self.flush_fuel();
        let inst = if self.env.is_imported_function(function_index) {
            let slot = self.layout.imported_function(function_index);
            let code = self.load_fixed(self.vmctx, slot + VmLayout::IMPORT_CODE, Type::PTR);
            let callee_vmctx =
                self.load_fixed(self.vmctx, slot + VmLayout::IMPORT_VMCTX, Type::PTR);
            let mut args = vec![code, callee_vmctx];
            args.extend(wasm_args);
            let sig = self.env.functions[function_index as usize];
            self.builder
                .ins(Op::CallIndirect { sig }, args, &ty.results)
        } else {
            let mut args = vec![self.vmctx];
            args.extend(wasm_args);
            self.builder.ins(
                Op::Call {
                    func: function_index,
                },
                args,
                &ty.results,
            )
        };
        self.reload_fuel();
        self.push_results(inst);
    }

    fn call_indirect(&mut self, type_index: u32, table_index: u32) {
        let ty = self.env.types[type_index as usize].clone();
        let index = self.pop();
        let wasm_args = self.popn(ty.params.len());
        let (base, length) = self.table_base_and_length(table_index);
        let out_of_bounds = self
            .builder
            .ins1(Op::Icmp(IntCC::Uge), [index, length], Type::I32);
        self.builder.ins(
            Op::Trapnz(TrapCode::TableOutOfBounds, None),
            [out_of_bounds],
            &[],
        );
        let index64 = self
            .builder
            .ins1(Op::Unary(UnaryOp::Uextend), [index], Type::I64);
        let shift = self.builder.iconst(
            Type::I64,
            VmLayout::TABLE_ELEMENT_SIZE.trailing_zeros() as u64,
        );
        let scaled = self
            .builder
            .ins1(Op::Binary(Ishl), [index64, shift], Type::I64);
        let element = self
            .builder
            .ins1(Op::Binary(Iadd), [base, scaled], Type::PTR);
        let element = self.spectre_guard(out_of_bounds, element);
        let funcref = self.load_vm(element, 0, Type::PTR);
        self.builder
            .ins(Op::Trapz(TrapCode::IndirectCallToNull), [funcref], &[]);
        let actual = self.load_vm(funcref, VmLayout::FUNCREF_TYPE_ID, Type::I32);
        let expected = self.load_fixed(self.vmctx, self.layout.type_id(type_index), Type::I32);
        let mismatch = self
            .builder
            .ins1(Op::Icmp(IntCC::Ne), [actual, expected], Type::I32);
        self.builder
            .ins(Op::Trapnz(TrapCode::BadSignature, None), [mismatch], &[]);
        let code = self.load_vm(funcref, VmLayout::FUNCREF_CODE, Type::PTR);
        let callee_vmctx = self.load_vm(funcref, VmLayout::FUNCREF_VMCTX, Type::PTR);
        let mut args = vec![code, callee_vmctx];
        args.extend(wasm_args);
        self.flush_fuel();
        let inst = self
            .builder
            .ins(Op::CallIndirect { sig: type_index }, args, &ty.results);
        self.reload_fuel();
        self.push_results(inst);
    }
}

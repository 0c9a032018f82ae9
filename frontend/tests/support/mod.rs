//! An instance for the SSA interpreter, laid out by `VmLayout` in one byte
//! buffer that serves as the whole address space: the `vmctx`, function
//! references, tables, imported globals and linear memory 0.

use kiln_frontend::{ModuleEnv, VmLayout};
use kiln_ssa::interp::{self, InterpEnv};
use kiln_ssa::{Function, Helper, Region, TrapCode};

const VMCTX: u64 = 0x1000;
const FUNCREFS: u64 = 0x2000;
const TABLES: u64 = 0x4000;
const TABLE_CAPACITY: u64 = 64;
const IMPORTED_GLOBALS: u64 = 0x6000;
/// The memory record of an imported memory.
const IMPORTED_MEMORY: u64 = 0x7000;
const HEAP: u64 = 0x10000;
const PAGE: u64 = 0x10000;
const MAX_PAGES: u64 = 2;
/// Code pointers at or above this call imported (host) functions.
const HOST_CODE: u64 = 0x8000_0000;
/// Nesting of calls after which a call traps with `StackOverflow`.
const MAX_DEPTH: u32 = 64;

/// A module instance in a flat buffer.
pub struct Instance<'m> {
    pub memory: Vec<u8>,
    env: &'m ModuleEnv,
    layout: VmLayout,
    /// Defined functions by module function index (imports are `None`).
    functions: Vec<Option<&'m Function>>,
    depth: u32,
}

impl<'m> Instance<'m> {
    /// Lays out an instance: one page of memory, tables holding the
    /// module's defined functions in order, imported globals set to 7.
    pub fn new(env: &'m ModuleEnv, functions: &'m [Function]) -> Instance<'m> {
        let layout = VmLayout::new(env);
        let mut instance = Instance {
            memory: vec![0; (HEAP + MAX_PAGES * PAGE) as usize],
            env,
            functions: (0..env.num_imported_functions)
                .map(|_| None)
                .chain(functions.iter().map(Some))
                .collect(),
            layout,
            depth: 0,
        };
        let vm = |offset: u32| VMCTX + offset as u64;
        for index in 0..env.memories.len() as u32 {
            assert_eq!(index, 0, "one memory");
            let mut slot = vm(instance.layout.memory(index));
            if env.memories[0].imported {
                instance.write(slot, 8, IMPORTED_MEMORY);
                instance.write(slot + VmLayout::IMPORTED_MEMORY_BASE as u64, 8, HEAP);
                slot = IMPORTED_MEMORY;
            }
            instance.write(slot + VmLayout::MEMORY_BASE as u64, 8, HEAP);
            instance.write(slot + VmLayout::MEMORY_LENGTH as u64, 8, PAGE);
        }
        for func in 0..env.functions.len() as u32 {
            let record = FUNCREFS + VmLayout::FUNCREF_SIZE as u64 * func as u64;
            let code = if env.is_imported_function(func) {
                HOST_CODE + func as u64
            } else {
                func as u64
            };
            instance.write(record + VmLayout::FUNCREF_CODE as u64, 8, code);
            instance.write(record + VmLayout::FUNCREF_VMCTX as u64, 8, VMCTX);
            instance.write(
                record + VmLayout::FUNCREF_TYPE_ID as u64,
                4,
                env.functions[func as usize] as u64,
            );
        }
        for table in 0..env.tables.len() as u32 {
            let base = TABLES + table as u64 * TABLE_CAPACITY * 8;
            let mut slot = vm(instance.layout.table(table));
            if env.tables[table as usize].imported {
                let record = base - 16;
                instance.write(slot, 8, record);
                slot = record;
            }
            let count = (env.functions.len() as u64).min(TABLE_CAPACITY / 2);
            for element in 0..count {
                let funcref = FUNCREFS + VmLayout::FUNCREF_SIZE as u64 * element;
                instance.write(base + 8 * element, 8, funcref);
            }
            instance.write(slot + VmLayout::TABLE_BASE as u64, 8, base);
            instance.write(slot + VmLayout::TABLE_LENGTH as u64, 4, count);
        }
        for (index, global) in env.globals.iter().enumerate() {
            let slot = vm(instance.layout.global(index as u32));
            if global.imported {
                let storage = IMPORTED_GLOBALS + 16 * index as u64;
                instance.write(slot, 8, storage);
                instance.write(storage, 8, 7);
            }
        }
        for index in 0..env.num_imported_functions {
            let slot = vm(instance.layout.imported_function(index));
            instance.write(
                slot + VmLayout::IMPORT_CODE as u64,
                8,
                HOST_CODE + index as u64,
            );
            instance.write(slot + VmLayout::IMPORT_VMCTX as u64, 8, VMCTX);
        }
        for index in 0..env.types.len() as u32 {
            instance.write(vm(instance.layout.type_id(index)), 4, index as u64);
        }
        instance
    }

    fn write(&mut self, address: u64, size: usize, bits: u64) {
        self.memory[address as usize..address as usize + size]
            .copy_from_slice(&bits.to_le_bytes()[..size]);
    }

    fn read(&self, address: u64, size: usize) -> u64 {
        let mut bytes = [0u8; 8];
        bytes[..size].copy_from_slice(&self.memory[address as usize..address as usize + size]);
        u64::from_le_bytes(bytes)
    }

    /// Calls `func` with the wasm arguments `args` (the `vmctx` is added).
    pub fn invoke(&mut self, func: &Function, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let mut all = vec![VMCTX];
        all.extend_from_slice(args);
        interp::run(func, self, &all)
    }

    /// Address of memory 0's record: in the `vmctx`, or where its slot points.
    fn memory_record(&self) -> u64 {
        let slot = VMCTX + self.layout.memory(0) as u64;
        if self.env.memories[0].imported {
            self.read(slot, 8)
        } else {
            slot
        }
    }

    fn heap_length(&self) -> u64 {
        self.read(self.memory_record() + VmLayout::MEMORY_LENGTH as u64, 8)
    }

    fn heap_range(&self, start: u64, len: u64) -> Result<std::ops::Range<usize>, TrapCode> {
        let end = start
            .checked_add(len)
            .filter(|&end| end <= self.heap_length())
            .ok_or(TrapCode::HeapOutOfBounds)?;
        Ok((HEAP + start) as usize..(HEAP + end) as usize)
    }

    fn table_element(&self, table: u64, index: u64) -> Result<u64, TrapCode> {
        let mut slot = VMCTX + self.layout.table(table as u32) as u64;
        if self.env.tables[table as usize].imported {
            slot = self.read(slot, 8);
        }
        let length = self.read(slot + VmLayout::TABLE_LENGTH as u64, 4);
        if index >= length {
            return Err(TrapCode::TableOutOfBounds);
        }
        Ok(self.read(slot + VmLayout::TABLE_BASE as u64, 8) + 8 * index)
    }

    /// An imported function: returns the wrapping sum of its arguments.
    fn host_call(&self, import: u32, args: &[u64]) -> Vec<u64> {
        let ty = self.env.func_type(import);
        let sum = args[1..].iter().fold(0u64, |a, &b| a.wrapping_add(b));
        ty.results
            .iter()
            .map(|ty| kiln_ssa::eval::truncate(*ty, sum))
            .collect()
    }
}

impl InterpEnv for Instance<'_> {
    type Error = TrapCode;

    fn load(&mut self, _: Region, address: u64, size: u32) -> Result<u64, TrapCode> {
        Ok(self.read(address, size as usize))
    }

    fn store(&mut self, _: Region, address: u64, size: u32, bits: u64) -> Result<(), TrapCode> {
        self.write(address, size as usize, bits);
        Ok(())
    }

    fn call(&mut self, func: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        if self.depth == MAX_DEPTH {
            return Err(TrapCode::StackOverflow);
        }
        let callee = self.functions[func as usize].expect("defined function");
        self.depth += 1;
        let result = interp::run(callee, self, args);
        self.depth -= 1;
        result
    }

    fn call_indirect(&mut self, code: u64, _: u32, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        if code >= HOST_CODE {
            return Ok(self.host_call((code - HOST_CODE) as u32, args));
        }
        self.call(code as u32, args)
    }

    fn call_helper(&mut self, helper: Helper, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
        let arg = |i: usize| args[i] as u32 as u64;
        Ok(match helper {
            Helper::MemoryGrow => {
                let pages = self.heap_length() / PAGE;
                if pages + arg(2) > MAX_PAGES {
                    vec![u32::MAX as u64]
                } else {
                    let slot = self.memory_record() + VmLayout::MEMORY_LENGTH as u64;
                    self.write(slot, 8, (pages + arg(2)) * PAGE);
                    vec![pages]
                }
            }
            Helper::MemoryFill => {
                let range = self.heap_range(arg(2), arg(4))?;
                self.memory[range].fill(arg(3) as u8);
                vec![]
            }
            Helper::MemoryCopy => {
                let source = self.heap_range(arg(4), arg(5))?;
                let destination = self.heap_range(arg(3), arg(5))?;
                self.memory.copy_within(source, destination.start);
                vec![]
            }
            Helper::TableGet => vec![self.read(self.table_element(arg(1), arg(2))?, 8)],
            Helper::TableSet => {
                let element = self.table_element(arg(1), arg(2))?;
                self.write(element, 8, args[3]);
                vec![]
            }
            Helper::RefFunc => vec![FUNCREFS + VmLayout::FUNCREF_SIZE as u64 * arg(1)],
            other => panic!("the behaviour tests do not use {other}"),
        })
    }
}

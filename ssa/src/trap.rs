//! Why compiled code stops: the codes carried by trap instructions.

use crate::named::named_enum;

named_enum! {
    /// The reason for a trap, as carried by `trap`, `trapz` and `trapnz` and by
    /// instructions that can trap on their own (division, float-to-int
    /// conversion, runtime helpers).
    pub enum TrapCode {
        /// The wasm `unreachable` instruction was executed.
        Unreachable = "unreachable",
        /// A memory access outside the bounds of a linear memory.
        HeapOutOfBounds = "heap_oob",
        /// A table access outside the bounds of a table.
        TableOutOfBounds = "table_oob",
        /// `call_indirect` through a null table element.
        IndirectCallToNull = "null_call",
        /// `call_indirect` to a function of another type.
        BadSignature = "bad_sig",
        /// Integer division or remainder by zero.
        IntegerDivideByZero = "int_divz",
        /// Integer overflow (`div_s` of `MIN / -1`, float-to-int out of range).
        IntegerOverflow = "int_ovf",
        /// Float-to-int conversion of a NaN.
        BadConversionToInteger = "bad_toint",
        /// The native stack limit kept in the context was reached.
        StackOverflow = "stack_overflow",
        /// The fuel counter in the context ran out.
        OutOfFuel = "out_of_fuel",
        /// The store's epoch deadline was reached (raised by a runtime helper).
        Interrupt = "interrupt",
    }
}

//! Where each local is written and where each loop ends, read ahead of
//! translation, for bodies with locals read deep inside loop nests.
//!
//! While a loop is translated its header is open: the branches back to it
//! do not exist yet. Braun's algorithm therefore gives a local read inside
//! the loop a parameter at the header, and at every enclosing header that
//! is open too, and finds them trivial only as each loop ends. A local read
//! inside `n` nested loops costs `n` parameters, and `n` such locals
//! `n * n`, however linear the source. Knowing where the local is written,
//! the translator reads a local that the enclosing loops leave alone from
//! before the outermost of them, and no header gets a parameter for it.
//!
//! Reading ahead costs a second decoding of the body, which ordinary code
//! does not need (compiled C adds at most one parameter to an open header
//! per sixteen bytes of body), so the translator reads ahead only when a
//! body has added more such parameters than a bound proportional to its
//! size, and then starts that body over (see [`super::translate`]).
//!
//! The reading runs ahead of validation, so it accepts any sequence of
//! operators: a local index out of range is ignored, and the reading stops
//! at the first operator it cannot decode. A loop whose `end` it did not
//! see is taken to never end, so the translator never reads past it, and
//! translation stops with the decoding error at that operator anyway.

use super::Translator;
use kiln_ssa::flat_lists::FlatLists;
use kiln_ssa::{Mark, Value, Variable};
use wasmparser::{FunctionBody, Operator};

/// The writes of each local and the extent of each loop of one body, by
/// byte offset in the module.
pub(super) struct LookAhead {
    /// The offsets of each local's writes (`local.set` and `local.tee`),
    /// in order.
    writes: FlatLists<u64>,
    /// Each loop's `loop` offset and its `end` offset (`u64::MAX` if not
    /// seen), in the order of the `loop`s.
    loops: Vec<(u64, u64)>,
}

impl LookAhead {
    /// Reads `body`, whose function has `num_locals` locals (parameters
    /// included).
    pub(super) fn of_body(body: &FunctionBody<'_>, num_locals: usize) -> LookAhead {
        let mut writes: Vec<(u32, u64)> = Vec::new();
        let mut loops = Vec::new();
        // For each open construct, its entry in `loops` if it is a loop.
        let mut open: Vec<Option<usize>> = Vec::new();
        if let Ok(mut reader) = body.get_operators_reader() {
            while let Ok((operator, offset)) = reader.read_with_offset() {
                match operator {
                    Operator::LocalSet { local_index } | Operator::LocalTee { local_index }
                        if (local_index as usize) < num_locals =>
                    {
                        writes.push((local_index, offset));
                    }
                    Operator::Loop { .. } => {
                        open.push(Some(loops.len()));
                        loops.push((offset, u64::MAX));
                    }
                    Operator::Block { .. } | Operator::If { .. } => open.push(None),
                    Operator::End => {
                        if let Some(Some(index)) = open.pop() {
                            loops[index].1 = offset;
                        }
                    }
                    _ => {}
                }
                if reader.eof() {
                    break;
                }
            }
        }
        LookAhead {
            writes: FlatLists::from_pairs(num_locals, &writes),
            loops,
        }
    }

    /// The offset of the `end` of the loop whose `loop` is at `start`
    /// (`u64::MAX` if the reading did not see it).
    pub(super) fn loop_end(&self, start: u64) -> u64 {
        match self.loops.binary_search_by_key(&start, |&(at, _)| at) {
            Ok(index) => self.loops[index].1,
            Err(_) => u64::MAX,
        }
    }

    /// The offset of the first write of `local` after `offset`
    /// (`u64::MAX` if there is none).
    pub(super) fn next_write(&self, local: u32, offset: u64) -> u64 {
        if local as usize >= self.writes.num_owners() {
            return u64::MAX;
        }
        let writes = self.writes.get(local as usize);
        let later = writes.partition_point(|&write| write <= offset);
        writes.get(later).copied().unwrap_or(u64::MAX)
    }
}

/// A loop around the operator being translated.
pub(super) struct OpenLoop {
    /// Where the loop began, before the branch into its header.
    pub(super) start: Mark,
    /// The offset of the loop's `end`.
    pub(super) end: u64,
}

impl Translator<'_> {
    /// Opens a loop whose `loop` is the operator being translated and which
    /// began at `start`, if translating with a look-ahead.
    pub(super) fn open_loop(&mut self, start: Mark) {
        if let Some(look_ahead) = self.look_ahead {
            let end = look_ahead.loop_end(self.offset);
            self.loops.push(OpenLoop { start, end });
        }
    }

    /// Closes the innermost loop opened by [`Self::open_loop`].
    pub(super) fn close_loop(&mut self) {
        self.loops.pop();
    }

    /// The value of `local` at the operator being translated. With a
    /// look-ahead, a local that the enclosing loops leave alone from some
    /// loop inwards is read from before that loop: nothing writes it from
    /// the loop's start (as far as built) to the loop's end (as far as read
    /// ahead). Both hold for a loop if they hold for the loop around it, so
    /// the outermost such loop is found by bisection.
    pub(super) fn read_local(&mut self, local: Variable) -> Value {
        if let Some(look_ahead) = self.look_ahead
            && !self.loops.is_empty()
        {
            let next_write = look_ahead.next_write(local.0, self.offset);
            let builder = &self.builder;
            let outermost = self.loops.partition_point(|open| {
                open.end >= next_write || builder.written_since(local, open.start)
            });
            if let Some(open) = self.loops.get(outermost) {
                return self.builder.use_var_unchanged_since(local, open.start);
            }
        }
        self.builder.use_var(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-ahead of the only function of a module in text form, and
    /// that function's operators with their offsets.
    fn look_ahead(wat: &str, num_locals: usize) -> (LookAhead, Vec<(u64, Operator<'static>)>) {
        let wasm: &'static [u8] =
            Box::leak(wat::parse_str(wat).expect("valid text").into_boxed_slice());
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid module") {
                let mut reader = body.get_operators_reader().unwrap();
                let mut operators = Vec::new();
                while !reader.eof() {
                    let (operator, offset) = reader.read_with_offset().unwrap();
                    operators.push((offset, operator));
                }
                return (LookAhead::of_body(&body, num_locals), operators);
            }
        }
        panic!("no function body");
    }

    #[test]
    fn writes_are_found_by_local_and_loops_by_their_start() {
        let (ahead, ops) = look_ahead(
            r#"(module (func (param i32) (local i32)
                (local.set 1 (local.get 0))
                (loop
                  (block (local.set 0 (local.tee 1 (local.get 0))))
                  (br_if 0 (local.get 1)))
                (local.set 1 (i32.const 2))))"#,
            2,
        );
        let offset_of = |wanted: fn(&Operator<'_>) -> bool, nth: usize| {
            ops.iter().filter(|(_, op)| wanted(op)).nth(nth).unwrap().0
        };
        let set1_first = offset_of(|op| matches!(op, Operator::LocalSet { local_index: 1 }), 0);
        let set1_last = offset_of(|op| matches!(op, Operator::LocalSet { local_index: 1 }), 1);
        let tee1 = offset_of(|op| matches!(op, Operator::LocalTee { local_index: 1 }), 0);
        let set0 = offset_of(|op| matches!(op, Operator::LocalSet { local_index: 0 }), 0);
        let loop_start = offset_of(|op| matches!(op, Operator::Loop { .. }), 0);
        let loop_end = offset_of(|op| matches!(op, Operator::End), 1);

        assert_eq!(ahead.next_write(1, 0), set1_first);
        assert_eq!(ahead.next_write(1, set1_first), tee1);
        assert_eq!(ahead.next_write(1, tee1), set1_last);
        assert_eq!(ahead.next_write(1, set1_last), u64::MAX);
        assert_eq!(ahead.next_write(0, 0), set0);
        assert_eq!(ahead.next_write(0, set0), u64::MAX);
        assert_eq!(ahead.loop_end(loop_start), loop_end);
        assert_eq!(ahead.loop_end(loop_start + 1), u64::MAX);
        assert_eq!(ahead.next_write(7, 0), u64::MAX, "a local out of range");
    }

    /// The first attempt at translating a function with `locals` locals,
    /// all read inside `loops` nested loops.
    fn attempt_on_nest(loops: usize, locals: usize) -> super::super::Outcome {
        let mut text = format!(
            "(module (func (result i32) (local {})",
            "i32 ".repeat(locals)
        );
        text.push_str(&"loop\n".repeat(loops));
        for local in 0..locals {
            text.push_str(&format!(
                "(local.set 0 (i32.add (local.get 0) (local.get {local})))\n"
            ));
        }
        text.push_str(&"(br_if 0 (local.get 0)) end\n".repeat(loops));
        text.push_str("(local.get 0)))");
        let wasm = wat::parse_str(&text).expect("valid text");
        let (env, bodies) = crate::ModuleEnv::from_wasm(&wasm).expect("parse module");
        let layout = crate::VmLayout::new(&env);
        let first = super::super::Attempt {
            look_ahead: None,
            validated: 0,
        };
        let none = None::<&mut wasmparser::FuncValidator<wasmparser::ValidatorResources>>;
        let source = super::super::Source {
            env: &env,
            layout: &layout,
            options: &Default::default(),
            func_index: 0,
            body: &bodies[0],
        };
        super::super::attempt(&source, none, first).expect("translates")
    }

    #[test]
    fn a_body_past_the_bound_starts_over_and_one_within_it_does_not() {
        use super::super::Outcome;
        assert!(matches!(
            attempt_on_nest(300, 40),
            Outcome::StartOver { locals: 40, .. }
        ));
        assert!(matches!(attempt_on_nest(20, 10), Outcome::Done(_)));
    }

    #[test]
    fn a_loop_whose_end_is_not_seen_never_ends() {
        let wasm = wat::parse_str("(module (func (loop (loop (br 1)))))").unwrap();
        // Cut the body after its second `loop`: the reading stops there.
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
                let start = body.range().start;
                let at = usize::try_from(start).unwrap();
                let cut = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
                    &wasm[at..at + 5],
                    start,
                ));
                let ahead = LookAhead::of_body(&cut, 0);
                assert_eq!(ahead.loops.len(), 2);
                assert!(ahead.loops.iter().all(|&(_, end)| end == u64::MAX));
            }
        }
    }
}

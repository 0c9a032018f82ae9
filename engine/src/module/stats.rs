//! `CompileStats`: where the time to make a [`Module`](super::Module) went,
//! phase by phase, and how many moves, spills and reloads the register
//! allocator inserted, so that a change to the compiler can be measured
//! where it acts.
//!
//! Functions compile in parallel, one worker thread per core: each worker
//! sums the phases of its own functions in a `CompileStats` of its own, and
//! the workers' sums are added together when they finish, so timing costs two
//! clock reads per phase per function and takes no lock.

use kiln_ssa::target::BackendStats;
use std::time::Duration;

/// How long each phase of compiling a module took, and what the register
/// allocator inserted into its code.
///
/// Phases that run once per module (`decode`, `link`) are wall-clock time.
/// Phases that run once per function (`translate` to `emit`) are summed over
/// the functions, which compile in parallel on worker threads: they are the
/// CPU time of the phase (on a busy machine, also the time its threads waited
/// for a core), and their sum may exceed the wall-clock time of
/// [`Module::new`](super::Module::new).
///
/// A phase the engine's [`Strategy`](crate::Strategy) does not run is zero:
///
/// | strategy | phases |
/// | --- | --- |
/// | `Interpreter` | `decode` only, which includes validating every function body and translating it to the interpreter's code (done in one pass) |
/// | `Ssa` | `decode`, `translate` (which includes validating the body), `passes` |
/// | `Compiler` | all; `translate` includes validating the body |
/// | a module loaded from an artifact ([`Module::deserialize`](super::Module::deserialize)) | `decode` (checking the artifact and reading its metadata) and `link` (mapping its code) |
///
/// What `Module::new` does besides (laying out the instance context,
/// preparing memory and table images, starting the worker threads) is in
/// no phase.
///
/// The counts of moves, spills and reloads are those of the compiler, zero
/// for the other strategies and for a module loaded from an artifact.
///
/// ```
/// # fn main() -> kiln::Result<()> {
/// let engine = kiln::Engine::default();
/// let module = kiln::Module::new(&engine, "(module (func (export \"f\")))")?;
/// for (phase, time) in module.compile_stats().phases() {
///     println!("{phase}: {time:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompileStats {
    /// Decoding the binary and validating it; function bodies are validated
    /// here only by the interpreter (see the table above).
    pub decode: Duration,
    /// Translating function bodies from wasm to SSA, validating each as it is
    /// read.
    pub translate: Duration,
    /// The SSA optimization passes.
    pub passes: Duration,
    /// Instruction selection: SSA to machine instructions.
    pub lower: Duration,
    /// Register allocation.
    pub regalloc: Duration,
    /// Encoding the machine instructions.
    pub emit: Duration,
    /// Copying the code into executable memory, patching its relocations
    /// and building its table of trap sites.
    pub link: Duration,
    /// Register-to-register moves the register allocator inserted.
    pub moves: u64,
    /// Stores of registers to spill slots the register allocator inserted.
    pub spills: u64,
    /// Loads from spill slots the register allocator inserted.
    pub reloads: u64,
}

impl CompileStats {
    /// Every phase with its name, in pipeline order.
    pub fn phases(&self) -> [(&'static str, Duration); 7] {
        [
            ("decode", self.decode),
            ("translate", self.translate),
            ("passes", self.passes),
            ("lower", self.lower),
            ("regalloc", self.regalloc),
            ("emit", self.emit),
            ("link", self.link),
        ]
    }

    /// The moves, spills and reloads the register allocator inserted.
    pub fn allocator_counts(&self) -> [(&'static str, u64); 3] {
        [
            ("moves", self.moves),
            ("spills", self.spills),
            ("reloads", self.reloads),
        ]
    }

    /// Adds `other`'s time, phase by phase, and its counts.
    pub(crate) fn add(&mut self, other: &CompileStats) {
        self.decode += other.decode;
        self.translate += other.translate;
        self.passes += other.passes;
        self.lower += other.lower;
        self.regalloc += other.regalloc;
        self.emit += other.emit;
        self.link += other.link;
        self.moves += other.moves;
        self.spills += other.spills;
        self.reloads += other.reloads;
    }

    /// Adds the time of a backend's phases and its allocator's counts.
    pub(crate) fn add_backend(&mut self, backend: &BackendStats) {
        self.lower += backend.lower;
        self.regalloc += backend.regalloc;
        self.emit += backend.emit;
        self.moves += backend.moves;
        self.spills += backend.spills;
        self.reloads += backend.reloads;
    }
}

#[cfg(test)]
mod tests {
    use crate::{CompileStats, Config, Engine, Module, Strategy};
    use std::time::{Duration, Instant};

    /// A module with a function body that every phase has work to do on.
    const LOOP: &str = r#"(module
        (memory 1)
        (func (export "sum") (param i32) (result i32) (local i32)
            (loop
                (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
                (local.set 0 (i32.sub (local.get 0) (i32.const 4)))
                (br_if 0 (local.get 0)))
            (local.get 1)))"#;

    /// The module's statistics under `strategy`, and the wall-clock time
    /// `Module::new` took.
    fn compile(strategy: Strategy) -> (CompileStats, Duration) {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config);
        let start = Instant::now();
        let module = Module::new(&engine, LOOP).expect("the module compiles");
        (module.compile_stats(), start.elapsed())
    }

    /// Checks that exactly the phases named in `run` took time.
    fn assert_phases_run(stats: &CompileStats, run: &[&str]) {
        for (phase, time) in stats.phases() {
            assert_eq!(
                time > Duration::ZERO,
                run.contains(&phase),
                "{phase}: {stats:?}"
            );
        }
    }

    #[test]
    fn the_compiler_times_every_phase() {
        if !crate::code::has_native_backend() {
            return;
        }
        let (stats, wall) = compile(Strategy::Compiler);
        let all = stats.phases().map(|(phase, _)| phase);
        assert_phases_run(&stats, &all);
        // Decoding and linking run on the calling thread, inside `Module::new`.
        assert!(stats.decode + stats.link <= wall, "{stats:?} in {wall:?}");
    }

    #[test]
    fn the_compiler_counts_what_the_allocator_inserts() {
        if !crate::code::has_native_backend() {
            return;
        }
        // Twenty-four different values live across a call: more than the
        // callee-saved registers of either ISA, so some are spilled before
        // the call and reloaded after it.
        let products: String = (0..24)
            .map(|i| {
                format!(
                    "(local.set {} (i64.mul (local.get 0) (i64.const {})))",
                    i + 1,
                    i + 3
                )
            })
            .collect();
        let sum: String = (1..=24).fold("(i64.const 0)".to_string(), |sum, i| {
            format!("(i64.add {sum} (local.get {i}))")
        });
        let wat = format!(
            r#"(module
                (func $f)
                (func (export "g") (param i64) (result i64) (local {locals})
                    {products}
                    (call $f)
                    {sum}))"#,
            locals = "i64 ".repeat(24),
        );
        let mut config = Config::new();
        config.strategy(Strategy::Compiler);
        let module = Module::new(&Engine::new(&config), &wat).expect("the module compiles");
        let stats = module.compile_stats();
        assert!(stats.spills > 0 && stats.reloads > 0, "{stats:?}");
        config.strategy(Strategy::Ssa);
        let module = Module::new(&Engine::new(&config), &wat).expect("the module compiles");
        let counts = module.compile_stats().allocator_counts();
        assert!(counts.iter().all(|&(_, count)| count == 0), "{counts:?}");
    }

    #[test]
    fn the_ssa_engine_times_the_front_end_and_the_passes() {
        let (stats, wall) = compile(Strategy::Ssa);
        assert_phases_run(&stats, &["decode", "translate", "passes"]);
        // The SSA engine translates on the calling thread.
        assert!(
            stats.decode + stats.translate + stats.passes <= wall,
            "{stats:?} in {wall:?}"
        );
    }

    #[test]
    fn the_interpreter_times_decoding_only() {
        let (stats, wall) = compile(Strategy::Interpreter);
        assert_phases_run(&stats, &["decode"]);
        assert!(stats.decode <= wall, "{stats:?} in {wall:?}");
    }
}

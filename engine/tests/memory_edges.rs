//! The edges of linear memory, on every engine and, for the engines that
//! translate to SSA, with guard pages and with explicit bounds checks:
//! accesses at and just past the end for every width, static offsets up to
//! 0xFFFFFFFF, stores that straddle the end, growth seen by callers and
//! inside loops, bulk operations at the edge, an empty memory and a memory
//! of 65536 pages.

use kiln::*;

/// Every engine and bounds-check mode, with a name for failure messages.
fn engines() -> Vec<(String, Engine)> {
    let mut engines = vec![(
        "interp".to_string(),
        Engine::new(Config::new().strategy(Strategy::Interpreter)),
    )];
    let compiler = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))
        .then_some(("compiler", Strategy::Compiler));
    for (name, strategy) in [("ssa", Strategy::Ssa)].into_iter().chain(compiler) {
        for (mode, signals) in [("guard", true), ("explicit", false)] {
            let mut config = Config::new();
            config.strategy(strategy).signals_based_traps(signals);
            engines.push((format!("{name}/{mode}"), Engine::new(&config)));
        }
    }
    engines
}

fn instantiate(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let module = Module::new(engine, wat).expect("module compiles");
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("module instantiates");
    (store, instance)
}

fn memory(store: &Store<()>, instance: &Instance) -> Memory {
    instance
        .get_memory(store, "memory")
        .expect("exported memory")
}

/// Calls export `name` with `args`; `Err` holds the trap code.
fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, TrapCode> {
    let func = instance.get_func(&*store, name).expect("export");
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    match func.call(&mut *store, args, &mut results) {
        Ok(()) => Ok(results),
        Err(err) => Err(err
            .trap_code()
            .unwrap_or_else(|| panic!("{name}: not a trap: {err}"))),
    }
}

const OOB: Result<Vec<Val>, TrapCode> = Err(TrapCode::MemoryOutOfBounds);

/// Loads as `(name, width, how the loaded value X becomes an i64)`.
const LOADS: &[(&str, u32, &str)] = &[
    ("i32.load", 4, "(i64.extend_i32_u X)"),
    ("i32.load8_s", 1, "(i64.extend_i32_u X)"),
    ("i32.load8_u", 1, "(i64.extend_i32_u X)"),
    ("i32.load16_s", 2, "(i64.extend_i32_u X)"),
    ("i32.load16_u", 2, "(i64.extend_i32_u X)"),
    ("i64.load", 8, "X"),
    ("i64.load8_s", 1, "X"),
    ("i64.load8_u", 1, "X"),
    ("i64.load16_s", 2, "X"),
    ("i64.load16_u", 2, "X"),
    ("i64.load32_s", 4, "X"),
    ("i64.load32_u", 4, "X"),
    ("f32.load", 4, "(i64.extend_i32_u (i32.reinterpret_f32 X))"),
    ("f64.load", 8, "(i64.reinterpret_f64 X)"),
];

/// Stores as `(name, width, the value stored)`.
const STORES: &[(&str, u32, &str)] = &[
    ("i32.store", 4, "i32.const -1"),
    ("i32.store8", 1, "i32.const -1"),
    ("i32.store16", 2, "i32.const -1"),
    ("i64.store", 8, "i64.const -1"),
    ("i64.store8", 1, "i64.const -1"),
    ("i64.store16", 2, "i64.const -1"),
    ("i64.store32", 4, "i64.const -1"),
    ("f32.store", 4, "f32.const -nan:0x7fffff"),
    ("f64.store", 8, "f64.const -nan:0xfffffffffffff"),
];

/// A module with one page of memory and an export per load and store.
fn every_width_module() -> String {
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for (name, _, widen) in LOADS {
        let body = widen.replace('X', &format!("({name} (local.get 0))"));
        wat += &format!("(func (export \"{name}\") (param i32) (result i64) {body})\n");
    }
    for (name, _, value) in STORES {
        wat +=
            &format!("(func (export \"{name}\") (param i32) ({name} (local.get 0) ({value})))\n");
    }
    wat + ")"
}

#[test]
fn accesses_of_every_width_at_and_past_the_end() {
    let end: u32 = 65536;
    for (engine_name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine, &every_width_module());
        let memory = memory(&store, &instance);
        memory
            .write(&mut store, end as usize - 8, &[0xab; 8])
            .unwrap();
        for &(name, width, _) in LOADS {
            let at = |address: u32| [Val::I32(address as i32)];
            let last = end - width;
            let what = format!("{name} on {engine_name}");
            assert!(
                call(&mut store, &instance, name, &at(last)).is_ok(),
                "{what} at the end"
            );
            for address in [
                last + 1,
                end - 1,
                end,
                end + 1,
                u32::MAX - width + 1,
                u32::MAX,
            ] {
                if width == 1 && address == end - 1 {
                    continue;
                }
                assert_eq!(
                    call(&mut store, &instance, name, &at(address)),
                    OOB,
                    "{what} at {address:#x}"
                );
            }
        }
        for &(name, width, _) in STORES {
            let at = |address: u32| [Val::I32(address as i32)];
            let what = format!("{name} on {engine_name}");
            for address in [end - width + 1, end, u32::MAX - width + 1, u32::MAX] {
                assert_eq!(
                    call(&mut store, &instance, name, &at(address)),
                    OOB,
                    "{what} at {address:#x}"
                );
                let tail = &memory.data_slice(&store)[end as usize - 8..];
                assert_eq!(
                    tail, [0xab; 8],
                    "{what} at {address:#x} wrote part of its value"
                );
            }
            call(&mut store, &instance, name, &at(end - width)).unwrap();
            let tail = &memory.data_slice(&store)[(end - width) as usize..];
            assert!(tail.iter().all(|&b| b == 0xff), "{what} at the end");
            memory
                .write(&mut store, end as usize - 8, &[0xab; 8])
                .unwrap();
        }
    }
}

#[test]
fn static_offsets_up_to_the_largest() {
    let guard: u32 = 32 << 20;
    let offsets = [
        0,
        65532,
        65533,
        65536,
        guard - 4,
        guard - 3,
        guard,
        guard + 1,
        0x7fff_ffff,
        0xffff_fffc,
        0xffff_ffff,
    ];
    let mut wat = String::from("(module (memory 1)\n");
    for offset in offsets {
        wat += &format!(
            "(func (export \"load{offset}\") (param i32) (result i32) (i32.load offset={offset} (local.get 0)))
             (func (export \"store{offset}\") (param i32) (i32.store offset={offset} (local.get 0) (i32.const 7)))\n"
        );
    }
    wat += ")";
    for (engine_name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine, &wat);
        for offset in offsets {
            for address in [0u32, 1, 65532, 0x8000_0000, u32::MAX - 3, u32::MAX] {
                let in_bounds = u64::from(address) + u64::from(offset) + 4 <= 65536;
                let args = [Val::I32(address as i32)];
                let what = format!("offset {offset:#x} + {address:#x} on {engine_name}");
                let stored = call(&mut store, &instance, &format!("store{offset}"), &args);
                let loaded = call(&mut store, &instance, &format!("load{offset}"), &args);
                if in_bounds {
                    assert_eq!(stored, Ok(vec![]), "store at {what}");
                    assert_eq!(loaded, Ok(vec![Val::I32(7)]), "load at {what}");
                } else {
                    assert_eq!((stored, loaded), (OOB, OOB), "{what}");
                }
            }
        }
    }
}

#[test]
fn growth_is_seen_by_callers_and_inside_loops() {
    let wat = r#"(module
        (memory (export "memory") 1 8)
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
        ;; Grows one page at a time, writing and reading the last word of
        ;; each new page; returns the sum of what it read, or -1.
        (func (export "grow_in_loop") (param $pages i32) (result i32)
          (local $i i32) (local $sum i32) (local $last i32)
          (loop $again
            (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
              (then (return (i32.const -1))))
            (local.set $last (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
            (i32.store (local.get $last) (local.get $i))
            (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $last))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $again (i32.lt_u (local.get $i) (local.get $pages))))
          (local.get $sum)))"#;
    for (engine_name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine, wat);
        let memory = memory(&store, &instance);
        let load = |store: &mut Store<()>, address: u32| {
            call(store, &instance, "load", &[Val::I32(address as i32)])
        };
        assert_eq!(load(&mut store, 65536), OOB, "{engine_name}");
        assert_eq!(memory.grow(&mut store, 1).unwrap(), 1, "{engine_name}");
        assert_eq!(
            load(&mut store, 65536),
            Ok(vec![Val::I32(0)]),
            "{engine_name}"
        );
        let base = memory.data_slice(&store).as_ptr();
        let sum = call(&mut store, &instance, "grow_in_loop", &[Val::I32(5)]);
        assert_eq!(sum, Ok(vec![Val::I32(10)]), "{engine_name}");
        assert_eq!(memory.size(&store), 7, "{engine_name}");
        assert_eq!(
            memory.data_slice(&store).as_ptr(),
            base,
            "{engine_name}: the base moved"
        );
        assert_eq!(
            load(&mut store, 7 * 65536 - 4),
            Ok(vec![Val::I32(4)]),
            "{engine_name}"
        );
        assert_eq!(load(&mut store, 7 * 65536 - 3), OOB, "{engine_name}");
        let refused = call(&mut store, &instance, "grow_in_loop", &[Val::I32(2)]);
        assert_eq!(
            refused,
            Ok(vec![Val::I32(-1)]),
            "{engine_name}: past the maximum"
        );
        assert!(memory.grow(&mut store, 1).is_err(), "{engine_name}");
        assert_eq!(memory.size(&store), 8, "{engine_name}");
    }
}

#[test]
fn bulk_operations_at_the_edge() {
    let wat = r#"(module
        (memory (export "memory") 1)
        (data $hello "hello")
        (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0x5a) (local.get 1)))
        (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
        (func (export "init") (param i32 i32) (memory.init $hello (local.get 0) (i32.const 0) (local.get 1))))"#;
    let end = 65536i32;
    for (engine_name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine, wat);
        let memory = memory(&store, &instance);
        let mut run = |name: &str, args: &[i32]| {
            let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
            call(&mut store, &instance, name, &args).map(|_| ())
        };
        let oob = Err(TrapCode::MemoryOutOfBounds);
        assert_eq!(run("fill", &[end - 10, 10]), Ok(()), "{engine_name}");
        assert_eq!(run("fill", &[end, 0]), Ok(()), "{engine_name}");
        assert_eq!(run("fill", &[end + 1, 0]), oob, "{engine_name}");
        assert_eq!(run("fill", &[end - 20, 21]), oob, "{engine_name}");
        assert_eq!(run("init", &[end - 5, 5]), Ok(()), "{engine_name}");
        assert_eq!(run("init", &[end - 4, 5]), oob, "{engine_name}");
        assert_eq!(run("copy", &[0, end - 10, 10]), Ok(()), "{engine_name}");
        assert_eq!(run("copy", &[end - 8, 0, 9]), oob, "{engine_name}");
        assert_eq!(run("copy", &[0, end - 8, 9]), oob, "{engine_name}");
        assert_eq!(run("copy", &[end, 0, 0]), Ok(()), "{engine_name}");
        assert_eq!(run("copy", &[0, end + 1, 0]), oob, "{engine_name}");
        assert_eq!(
            run("copy", &[end - 9, end - 10, 9]),
            Ok(()),
            "{engine_name}"
        );
        let bytes = memory.data_slice(&store);
        assert_eq!(&bytes[..10], b"ZZZZZhello", "{engine_name}");
        assert_eq!(
            &bytes[end as usize - 21..end as usize - 10],
            [0; 11],
            "{engine_name}"
        );
        assert_eq!(&bytes[end as usize - 10..], b"ZZZZZZhell", "{engine_name}");
    }
}

#[test]
fn an_empty_memory() {
    let wat = r#"(module
        (memory (export "memory") 0)
        (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "size") (result i32) (memory.size))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 1) (local.get 1))))"#;
    let no_growth = wat.replace(
        "(memory (export \"memory\") 0)",
        "(memory (export \"memory\") 0 0)",
    );
    for (engine_name, engine) in engines() {
        for (wat, can_grow) in [(wat, true), (no_growth.as_str(), false)] {
            let (mut store, instance) = instantiate(&engine, wat);
            let i32s = |values: &[i32]| values.iter().map(|&v| Val::I32(v)).collect::<Vec<_>>();
            assert_eq!(
                call(&mut store, &instance, "size", &[]),
                Ok(i32s(&[0])),
                "{engine_name}"
            );
            assert_eq!(
                call(&mut store, &instance, "load", &i32s(&[0])),
                OOB,
                "{engine_name}"
            );
            assert_eq!(
                call(&mut store, &instance, "fill", &i32s(&[0, 0])),
                Ok(vec![]),
                "{engine_name}"
            );
            assert_eq!(
                call(&mut store, &instance, "fill", &i32s(&[0, 1])),
                OOB,
                "{engine_name}"
            );
            let grown = call(&mut store, &instance, "grow", &i32s(&[1]));
            if can_grow {
                assert_eq!(grown, Ok(i32s(&[0])), "{engine_name}");
                assert_eq!(
                    call(&mut store, &instance, "load", &i32s(&[65535])),
                    Ok(i32s(&[0])),
                    "{engine_name}"
                );
            } else {
                assert_eq!(grown, Ok(i32s(&[-1])), "{engine_name}");
                assert_eq!(
                    call(&mut store, &instance, "load", &i32s(&[0])),
                    OOB,
                    "{engine_name}"
                );
            }
        }
    }
}

#[test]
fn a_memory_of_65536_pages() {
    let wat = r#"(module
        (memory (export "memory") 1 65536)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
        (func (export "load64") (param i32) (result i64) (i64.load (local.get 0))))"#;
    for (engine_name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine, wat);
        let i32s = |values: &[i32]| values.iter().map(|&v| Val::I32(v)).collect::<Vec<_>>();
        let top = 0xffff_fffcu32 as i32;
        assert_eq!(
            call(&mut store, &instance, "load", &i32s(&[top])),
            OOB,
            "{engine_name}"
        );
        assert_eq!(
            call(&mut store, &instance, "grow", &i32s(&[65535])),
            Ok(i32s(&[1])),
            "{engine_name}"
        );
        call(&mut store, &instance, "store", &i32s(&[top, 42])).unwrap();
        assert_eq!(
            call(&mut store, &instance, "load", &i32s(&[top])),
            Ok(i32s(&[42])),
            "{engine_name}"
        );
        assert_eq!(
            call(&mut store, &instance, "load", &i32s(&[top + 1])),
            OOB,
            "{engine_name}"
        );
        let high = call(&mut store, &instance, "load64", &i32s(&[top - 4]));
        assert_eq!(high, Ok(vec![Val::I64(42 << 32)]), "{engine_name}");
        assert_eq!(
            call(&mut store, &instance, "load64", &i32s(&[top - 3])),
            OOB,
            "{engine_name}"
        );
        assert_eq!(
            call(&mut store, &instance, "grow", &i32s(&[1])),
            Ok(i32s(&[-1])),
            "{engine_name}"
        );
        assert_eq!(
            memory(&store, &instance).size(&store),
            65536,
            "{engine_name}"
        );
    }
}

//! Functions of one module translate independently: translating them on
//! several threads at once gives the same SSA as one after the other.

use kiln_frontend::{ModuleEnv, VmLayout, translate_function};
use std::path::Path;

#[test]
fn parallel_translation_matches_sequential() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/instance.wat");
    let wasm = wat::parse_file(&path).expect("parse wat");
    let (env, bodies) = ModuleEnv::from_wasm(&wasm).expect("parse module");
    let layout = VmLayout::new(&env);
    let translate = |i: usize| {
        let index = env.num_imported_functions + i as u32;
        translate_function(&env, &layout, index, &bodies[i])
            .expect("translate")
            .to_string()
    };
    let sequential: Vec<String> = (0..bodies.len()).map(translate).collect();
    let parallel: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..bodies.len())
            .map(|i| scope.spawn(move || translate(i)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("thread"))
            .collect()
    });
    assert_eq!(sequential.len(), 5);
    assert_eq!(parallel, sequential);
}

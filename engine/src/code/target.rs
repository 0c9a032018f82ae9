//! Which machine backend generates code for the CPU kiln runs on. Adding a
//! backend is one row here (and its crate as a dependency for its
//! architecture in `Cargo.toml`).

use kiln_ssa::target::Backend;
use std::sync::Arc;

/// A way to make a backend.
type MakeBackend = fn() -> Arc<dyn Backend>;

/// The backends kiln has, by the architecture they generate code for
/// (`std::env::consts::ARCH`).
const BACKENDS: &[(&str, MakeBackend)] = &[
    #[cfg(target_arch = "x86_64")]
    ("x86_64", || Arc::new(kiln_isa_amd64::Amd64Backend::new())),
    #[cfg(target_arch = "aarch64")]
    ("aarch64", || Arc::new(kiln_isa_arm64::Arm64Backend::new())),
];

/// The backend for this CPU, when kiln has one.
pub(crate) fn native_backend() -> Option<Arc<dyn Backend>> {
    BACKENDS
        .iter()
        .find(|(arch, _)| *arch == std::env::consts::ARCH)
        .map(|(_, make)| make())
}

/// Whether kiln has a backend for this CPU.
pub(crate) fn has_native_backend() -> bool {
    BACKENDS
        .iter()
        .any(|(arch, _)| *arch == std::env::consts::ARCH)
}

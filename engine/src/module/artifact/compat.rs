//! What the code in an artifact depends on besides the module: the kiln that
//! made it, the ISA and the CPU features it may use, and every setting of the
//! engine that changes generated code or what it expects of the runtime
//! (bounds checks and memory layout, fuel, epochs, NaN canonicalization, the
//! wasm features it was validated with). An artifact loads only into an
//! engine that agrees on all of them, on a CPU with all of its features.

use super::codec::{Reader, Writer};
use crate::config::Engine;
use crate::error::{Error, Result};

/// The kiln that makes and reads artifacts. Code generation may change in
/// any release, so an artifact loads only into the kiln that wrote it.
pub(super) const VERSION: &str = concat!("kiln ", env!("CARGO_PKG_VERSION"));

/// What an engine's code depends on.
pub(super) struct Compat {
    version: String,
    isa: String,
    cpu_features: Vec<String>,
    /// Each setting that changes code, by its `Config` name, with its value.
    settings: Vec<(String, String)>,
}

impl Compat {
    /// What the code of `engine`'s modules depends on.
    pub fn of(engine: &Engine) -> Result<Compat> {
        let backend = engine.backend()?;
        let config = engine.config();
        let memory = config.memory();
        let code = config.code_options();
        let settings = [
            (
                "signals_based_traps",
                memory.signals_based_traps.to_string(),
            ),
            ("memory_reservation", memory.reservation.to_string()),
            ("memory_guard_size", memory.guard.to_string()),
            ("guarded bytes", engine.memory_guarded_bytes().to_string()),
            ("consume_fuel", code.consume_fuel.to_string()),
            ("epoch_interruption", code.epoch_interruption.to_string()),
            ("canonicalize_nans", code.canonicalize_nans.to_string()),
            ("wasm features", format!("{:#x}", config.features().bits())),
        ];
        Ok(Compat {
            version: VERSION.to_string(),
            isa: backend.name().to_string(),
            cpu_features: backend
                .cpu_features()
                .into_iter()
                .map(str::to_string)
                .collect(),
            settings: settings
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
        })
    }

    pub fn write(&self, w: &mut Writer) {
        w.str(&self.version);
        w.str(&self.isa);
        w.list(&self.cpu_features, |w, name| w.str(name));
        w.list(&self.settings, |w, (name, value)| {
            w.str(name);
            w.str(value);
        });
    }

    /// Reads what [`Compat::write`] wrote, checking the version first, so
    /// that an artifact of another kiln is reported as such however the
    /// rest of its encoding differs.
    pub fn read(r: &mut Reader<'_>) -> Result<Compat> {
        let version = r.str()?.to_string();
        if version != VERSION {
            return Err(Error::Artifact(format!(
                "it was compiled by {version}; this is {VERSION}"
            )));
        }
        Ok(Compat {
            version,
            isa: r.str()?.to_string(),
            cpu_features: r.list(8, |r| r.str().map(str::to_string))?,
            settings: r.list(16, |r| Ok((r.str()?.to_string(), r.str()?.to_string())))?,
        })
    }

    /// Whether code compiled as `self` says can run on `host`: the same
    /// ISA and settings, and every CPU feature it uses present.
    pub fn check(&self, host: &Compat) -> Result<()> {
        let refuse = |message: String| Err(Error::Artifact(message));
        if self.isa != host.isa {
            return refuse(format!(
                "it was compiled for {}; this engine compiles for {}",
                self.isa, host.isa
            ));
        }
        if let Some(missing) = self
            .cpu_features
            .iter()
            .find(|feature| !host.cpu_features.contains(feature))
        {
            return refuse(format!(
                "its code uses the CPU feature {missing}, which this CPU lacks"
            ));
        }
        for (name, value) in &self.settings {
            match host
                .settings
                .iter()
                .find(|(host_name, _)| host_name == name)
            {
                Some((_, host_value)) if host_value == value => {}
                Some((_, host_value)) => {
                    return refuse(format!(
                        "it was compiled with {name} = {value}; this engine has {name} = {host_value}"
                    ));
                }
                None => return refuse(format!("this engine has no setting {name}")),
            }
        }
        if self.settings.len() != host.settings.len() {
            return refuse("it was compiled without some settings this engine has".into());
        }
        Ok(())
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::config::{Config, Strategy};

    fn host() -> Compat {
        Compat::of(&Engine::new(Config::new().strategy(Strategy::Compiler))).unwrap()
    }

    #[test]
    fn code_for_another_isa_or_for_missing_cpu_features_is_refused() {
        assert!(host().check(&host()).is_ok());

        let mut foreign = host();
        foreign.isa = "arm64".into();
        let message = foreign.check(&host()).unwrap_err().to_string();
        assert!(message.contains("compiled for arm64"), "{message}");

        let mut newer_cpu = host();
        newer_cpu.cpu_features.push("avx512f".into());
        let message = newer_cpu.check(&host()).unwrap_err().to_string();
        assert!(
            message.contains("avx512f, which this CPU lacks"),
            "{message}"
        );

        let mut older_cpu = host();
        older_cpu.cpu_features.clear();
        assert!(
            older_cpu.check(&host()).is_ok(),
            "fewer features run anywhere"
        );
    }
}

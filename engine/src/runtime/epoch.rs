//! Epochs: the engine's counter, each store's deadline, and the flag that
//! running code checks.
//!
//! Comparing the counter with the deadline at every loop header would cost
//! generated code four loads per check. Instead each store keeps a flag that
//! is non-zero when the engine's epoch may have reached the store's deadline,
//! and every instance context holds its address (`VmLayout::EPOCH_FLAG`), so a
//! check is two loads and a test. The flag is kept up to date by whoever
//! changes either side: the engine, for every store registered with it, after
//! each increment; the store, when its deadline moves. Both recompute it
//! from the current counter and deadline under the store's lock, so the last
//! update always sees the latest values. A flag that is set although the
//! deadline is not reached (an update raced with a later one) only sends the
//! code to the runtime, which finds nothing to do and updates the flag.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// The engine's side: the counter, and the stores that watch it.
#[derive(Debug, Default)]
pub(crate) struct EngineEpochs {
    counter: AtomicU64,
    /// Stores of the engine that check epochs; dropped stores are pruned.
    stores: Mutex<Vec<Weak<StoreEpoch>>>,
}

impl EngineEpochs {
    pub fn current(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    /// Advances the epoch and updates the flag of every store.
    pub fn increment(&self) {
        self.counter.fetch_add(1, Ordering::SeqCst);
        let mut stores = self.stores.lock().unwrap_or_else(PoisonError::into_inner);
        stores.retain(|store| store.strong_count() > 0);
        for store in stores.iter().filter_map(Weak::upgrade) {
            store.update(self);
        }
    }

    /// Makes `store` follow this engine's epoch.
    pub fn register(&self, store: &Arc<StoreEpoch>) {
        let mut stores = self.stores.lock().unwrap_or_else(PoisonError::into_inner);
        stores.retain(|store| store.strong_count() > 0);
        stores.push(Arc::downgrade(store));
    }
}

/// A store's side: its deadline and its flag.
#[derive(Debug, Default)]
pub(crate) struct StoreEpoch {
    deadline: AtomicU64,
    /// Non-zero when the epoch may have reached the deadline; generated code
    /// reads it, other threads write it.
    flag: AtomicU64,
    /// Held while the flag is recomputed.
    updating: Mutex<()>,
}

impl StoreEpoch {
    /// Sets the deadline and updates the flag.
    pub fn set_deadline(&self, deadline: u64, epochs: &EngineEpochs) {
        self.deadline.store(deadline, Ordering::SeqCst);
        self.update(epochs);
    }

    /// Whether the engine's epoch has reached the deadline.
    pub fn reached(&self, epochs: &EngineEpochs) -> bool {
        epochs.current() >= self.deadline.load(Ordering::SeqCst)
    }

    /// Recomputes the flag from the current counter and deadline.
    pub fn update(&self, epochs: &EngineEpochs) {
        let _updating = self.updating.lock().unwrap_or_else(PoisonError::into_inner);
        self.flag
            .store(u64::from(self.reached(epochs)), Ordering::SeqCst);
    }

    /// Whether the flag is set: the deadline may have been reached.
    pub fn flag_is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed) != 0
    }

    /// The flag's address, which lives as long as this record.
    pub fn flag_address(&self) -> *const AtomicU64 {
        &self.flag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_follows_the_counter_and_the_deadline() {
        let engine = EngineEpochs::default();
        let store = Arc::new(StoreEpoch::default());
        engine.register(&store);
        store.set_deadline(2, &engine);
        assert!(!store.flag_is_set());
        engine.increment();
        assert!(!store.flag_is_set());
        engine.increment();
        assert!(store.flag_is_set() && store.reached(&engine));
        store.set_deadline(engine.current() + 1, &engine);
        assert!(!store.flag_is_set());
        drop(store);
        engine.increment();
        assert!(
            engine.stores.lock().unwrap().is_empty(),
            "dropped stores are pruned"
        );
    }
}

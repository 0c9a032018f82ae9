//! Epochs: the engine's counter, each store's deadline, and the flag that
//! running code checks.
//!
//! Comparing the counter with the deadline at every loop back edge would cost
//! generated code four loads per check. Instead every instance context holds
//! a flag word (`VmLayout::EPOCH_FLAG`) that is non-zero when the engine's
//! epoch may have reached the store's deadline, so a check is one load and a
//! test. The flags are kept up to date by whoever changes either side: the
//! engine, for every store registered with it, after each increment; the
//! store, when its deadline moves. Both recompute them from the current
//! counter and deadline under the store's lock, so the last update always
//! sees the latest values. A flag that is set although the deadline is not
//! reached (an update raced with a later one) only sends the code to the
//! runtime, which finds nothing to do and updates the flags.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

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

    /// Advances the epoch and updates the flags of every store.
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

/// The address of an instance's flag word, in its context.
#[derive(Debug)]
struct FlagAddress(*const AtomicU64);

// SAFETY: the word is only ever accessed atomically, from any thread, and the
// store removes the address (under the lock that writers hold) before the
// context it points into is freed.
unsafe impl Send for FlagAddress {}

/// The flags of a store's instances and the value they all hold.
#[derive(Debug, Default)]
struct Flags {
    addresses: Vec<FlagAddress>,
    set: bool,
}

/// A store's side: its deadline and its instances' flags.
#[derive(Debug, Default)]
pub(crate) struct StoreEpoch {
    deadline: AtomicU64,
    flags: Mutex<Flags>,
    /// What the flags hold, for the interpreter, which checks it without
    /// reaching for an instance's context.
    set: AtomicBool,
}

impl StoreEpoch {
    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the deadline and updates the flags.
    pub fn set_deadline(&self, deadline: u64, epochs: &EngineEpochs) {
        self.deadline.store(deadline, Ordering::SeqCst);
        self.update(epochs);
    }

    /// Whether the engine's epoch has reached the deadline.
    pub fn reached(&self, epochs: &EngineEpochs) -> bool {
        epochs.current() >= self.deadline.load(Ordering::SeqCst)
    }

    /// Recomputes the flags from the current counter and deadline.
    pub fn update(&self, epochs: &EngineEpochs) {
        let mut flags = self.lock();
        let set = self.reached(epochs);
        if set != flags.set {
            flags.set = set;
            self.write(&flags);
        }
    }

    /// Adds the flag word of a new instance, at an address that stays valid
    /// until [`forget_instances`](Self::forget_instances).
    pub fn add_instance(&self, flag: *const AtomicU64) {
        let mut flags = self.lock();
        flags.addresses.push(FlagAddress(flag));
        self.write(&flags);
    }

    /// Forgets every instance's flag, before their contexts are freed.
    pub fn forget_instances(&self) {
        self.lock().addresses.clear();
    }

    /// Whether the flags are set: the deadline may have been reached.
    pub fn flag_is_set(&self) -> bool {
        self.set.load(Ordering::Relaxed)
    }

    /// Writes `flags.set` to every flag; the caller holds the lock.
    fn write(&self, flags: &Flags) {
        self.set.store(flags.set, Ordering::Relaxed);
        for address in &flags.addresses {
            // SAFETY: listed addresses point to live flag words (see
            // `FlagAddress`), and the lock is held.
            unsafe { (*address.0).store(u64::from(flags.set), Ordering::Relaxed) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_follow_the_counter_and_the_deadline() {
        let engine = EngineEpochs::default();
        let store = Arc::new(StoreEpoch::default());
        engine.register(&store);
        let word = AtomicU64::new(0);
        store.set_deadline(2, &engine);
        store.add_instance(&word);
        let flag = || (word.load(Ordering::Relaxed), store.flag_is_set());
        assert_eq!(flag(), (0, false));
        engine.increment();
        assert_eq!(flag(), (0, false));
        engine.increment();
        assert_eq!(flag(), (1, true));
        assert!(store.reached(&engine));
        store.set_deadline(engine.current() + 1, &engine);
        assert_eq!(flag(), (0, false));
        store.forget_instances();
        drop(store);
        engine.increment();
        assert!(
            engine.stores.lock().unwrap().is_empty(),
            "dropped stores are pruned"
        );
    }
}

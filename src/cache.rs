//! What the server remembers between requests (accepted requests, parsed
//! documents, persisted queries, search counts): the most recently used
//! entries of a bounded map, shared by every request, with values cloned
//! out so the lock is never held while work is done.

use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;

/// The longest key kept, in bytes: frontends' documents are far shorter,
/// and the bound keeps a map of [`CAPACITY`] entries at a few MiB.
pub const KEPT_BYTES: usize = 8 * 1024;

/// Entries kept by default.
pub const CAPACITY: usize = 1024;

/// A shared map of at most `capacity` entries, the least recently used
/// dropped first. A poisoned lock reads as empty rather than failing.
pub struct Recent<K: Hash + Eq, V> {
    cache: Mutex<LruCache<K, V>>,
}

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    /// Keeps up to `capacity` entries.
    pub fn new(capacity: NonZeroUsize) -> Self {
        Recent {
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// A copy of the value kept for `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.cache.lock().ok()?.get(key).cloned()
    }

    /// Keeps `value` for `key`.
    pub fn put(&self, key: K, value: V) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(key, value);
        }
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq, V: Clone> Default for Recent<K, V> {
    fn default() -> Self {
        Recent::new(NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN))
    }
}

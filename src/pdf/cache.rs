//! A small bounded least-recently-used cache.
//!
//! Capacity is counted both in entries and in a caller-given weight (bytes), so a few large
//! decoded object streams cannot hold more memory than the bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

pub(crate) struct Lru<K, V> {
    map: HashMap<K, (Arc<V>, u64, usize)>,
    tick: u64,
    max_entries: usize,
    max_weight: usize,
    weight: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub(crate) fn new(max_entries: usize, max_weight: usize) -> Self {
        Lru {
            map: HashMap::new(),
            tick: 0,
            max_entries: max_entries.max(1),
            max_weight,
            weight: 0,
        }
    }

    pub(crate) fn get(&mut self, key: &K) -> Option<Arc<V>> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|(v, used, _)| {
            *used = tick;
            Arc::clone(v)
        })
    }

    /// Inserts `value`; a value heavier than the whole budget is not kept.
    pub(crate) fn insert(&mut self, key: K, value: Arc<V>, weight: usize) {
        if weight > self.max_weight {
            return;
        }
        if let Some((_, _, w)) = self.map.remove(&key) {
            self.weight -= w;
        }
        while !self.map.is_empty()
            && (self.map.len() >= self.max_entries || self.weight + weight > self.max_weight)
        {
            self.evict_oldest();
        }
        self.tick += 1;
        self.weight += weight;
        self.map.insert(key, (value, self.tick, weight));
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .map
            .iter()
            .min_by_key(|(_, (_, used, _))| *used)
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest
            && let Some((_, _, w)) = self.map.remove(&k)
        {
            self.weight -= w;
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used() {
        let mut c: Lru<u32, u32> = Lru::new(2, 100);
        c.insert(1, Arc::new(10), 1);
        c.insert(2, Arc::new(20), 1);
        assert_eq!(c.get(&1).map(|v| *v), Some(10));
        c.insert(3, Arc::new(30), 1);
        assert!(c.get(&2).is_none());
        assert!(c.get(&1).is_some());
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn respects_weight() {
        let mut c: Lru<u32, u32> = Lru::new(10, 100);
        c.insert(1, Arc::new(1), 60);
        c.insert(2, Arc::new(2), 60);
        assert!(c.get(&1).is_none());
        assert!(c.get(&2).is_some());
        c.insert(3, Arc::new(3), 1000);
        assert!(c.get(&3).is_none());
    }
}

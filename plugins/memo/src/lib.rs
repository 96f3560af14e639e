//! # slant-memo
//!
//! The table behind the per-thread word memos of the tokenize stage (word → term) and of the
//! classifier models (word → columns its char n-grams hit).
//!
//! On natural text nearly every lookup is a hit, and over a large vocabulary a hit costs the
//! wait for its slot to come from memory (each memo's slot load was most of its samples). So:
//! - a key and its value sit together in one slot of at most half a cache line ([`Slot`]): a
//!   hit reads one slot, nothing behind a pointer;
//! - open addressing with linear probing: where a key is looked for first is known from its
//!   hash alone, so a caller that knows the next few keys asks for their slots early
//!   ([`SlotTable::prefetch`]) and the waits of several lookups overlap;
//! - at most half of the slots are used, so a probe is short and always ends.
//!
//! Keys are fixed-size values that hash themselves ([`SlotKey`]); the all-default key marks an
//! empty slot and is never stored.

/// A key of a [`SlotTable`]: its `Default` value is the empty-slot marker and is never stored.
pub trait SlotKey: Copy + Eq + Default {
    /// A hash whose low bits are well mixed (they pick the slot).
    fn hash(&self) -> u64;
}

/// One key and its value, aligned so that a slot of up to 32 bytes never straddles two cache
/// lines.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot<K, V> {
    key: K,
    value: V,
}

/// Slots of a table's first allocation.
const MIN_SLOTS: usize = 1024;

/// Key → value, open addressing with linear probing.
pub struct SlotTable<K, V> {
    /// A power of two of slots (or none yet), at most half of them used.
    slots: Vec<Slot<K, V>>,
    used: usize,
}

impl<K, V> Default for SlotTable<K, V> {
    fn default() -> Self {
        SlotTable {
            slots: Vec::new(),
            used: 0,
        }
    }
}

impl<K: SlotKey, V: Copy + Default> SlotTable<K, V> {
    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        if self.slots.is_empty() {
            return None;
        }
        let slot = &self.slots[self.probe(key)];
        (slot.key != K::default()).then_some(&slot.value)
    }

    /// Asks the processor to bring in the slot where `key` is looked for first; a hint that
    /// changes no result.
    #[inline]
    pub fn prefetch(&self, key: &K) {
        if !self.slots.is_empty() {
            prefetch_read(&self.slots[self.home(key)]);
        }
    }

    /// Stores `value` for `key` (replacing any). The empty-slot key is refused (returns false).
    pub fn insert(&mut self, key: K, value: V) -> bool {
        if key == K::default() {
            return false;
        }
        if (self.used + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let at = self.probe(&key);
        if self.slots[at].key == K::default() {
            self.used += 1;
        }
        self.slots[at] = Slot { key, value };
        true
    }

    /// Number of keys stored.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Forgets every key, keeping the table's room.
    pub fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.used = 0;
    }

    /// The first slot `key` is looked for in.
    #[inline]
    fn home(&self, key: &K) -> usize {
        key.hash() as usize & (self.slots.len() - 1)
    }

    /// The slot holding `key`, or the empty slot where it would go (the table has slots).
    #[inline]
    fn probe(&self, key: &K) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        loop {
            let here = &self.slots[at].key;
            if *here == *key || *here == K::default() {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table and puts every key back in its new place.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for slot in old.into_iter().filter(|s| s.key != K::default()) {
            let at = self.probe(&slot.key);
            self.slots[at] = slot;
        }
    }
}

/// A read prefetch of `slot`'s cache line, where the processor has one.
#[inline]
fn prefetch_read<T>(slot: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults and changes no memory (and the pointer is
    // a live reference anyway).
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key with only 16 hashes, near the end of the first table (1,024 slots): many keys
    /// share a home slot, so probes run long and wrap around the table's end.
    #[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
    struct Crowded(u32);

    impl SlotKey for Crowded {
        fn hash(&self) -> u64 {
            u64::from(self.0 % 16) + 1016
        }
    }

    #[test]
    fn keeps_every_key_through_growth_collisions_and_overwrites() {
        let mut table: SlotTable<Crowded, u64> = SlotTable::default();
        assert_eq!(table.get(&Crowded(1)), None);
        table.prefetch(&Crowded(1)); // no slots yet: nothing to do
        for i in 1..=3000u32 {
            assert!(table.insert(Crowded(i), u64::from(i) * 3));
            table.prefetch(&Crowded(i + 1));
        }
        assert!(table.slots.len() >= 6000 && table.slots.len().is_power_of_two());
        for i in 1..=3000u32 {
            assert_eq!(table.get(&Crowded(i)), Some(&(u64::from(i) * 3)), "{i}");
        }
        assert_eq!(table.get(&Crowded(3001)), None);
        assert!(table.insert(Crowded(7), 1));
        assert_eq!((table.get(&Crowded(7)), table.len()), (Some(&1), 3000));
        assert!(
            !table.insert(Crowded(0), 5),
            "the empty-slot key is refused"
        );
        assert_eq!(table.get(&Crowded(0)), None);
        let room = table.slots.len();
        table.clear();
        assert!(table.is_empty() && table.slots.len() == room);
        assert_eq!(table.get(&Crowded(5)), None);
    }
}

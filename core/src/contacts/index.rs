//! The number → contacts index.
//!
//! Blacklisting a number must find every contact that has it, and the engine
//! must never have the same number in two calls at once, so the store keeps an
//! index from number to contact ids. A `HashMap<u64, Vec<u32>>` would cost
//! 30+ bytes a contact and an allocation per duplicate; this index is a
//! `hashbrown::HashTable<u32>` holding only contact ids (4 bytes a slot plus
//! one control byte), hashed by the number that the store's number column
//! holds for that id. Duplicates are simply several ids with equal numbers;
//! a lookup walks the probe sequence for the number's hash and compares
//! against the column.
//!
//! The hash is a fixed bit mixer (splitmix64's finalizer), not a seeded one:
//! numbers come from the campaign owner's own lists, and a fixed hash keeps
//! the engine deterministic.

use hashbrown::HashTable;

/// Index from phone number to the ids of the contacts that have it.
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberIndex {
    table: HashTable<u32>,
}

#[inline]
fn hash_number(number: u64) -> u64 {
    let mut z = number.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl NumberIndex {
    /// Makes room for `additional` more ids.
    pub(crate) fn reserve(&mut self, additional: usize, numbers: &[u64]) {
        self.table
            .reserve(additional, |&id| hash_number(numbers[id as usize]));
    }

    /// Adds `id`, whose number is `numbers[id]`.
    #[inline]
    pub(crate) fn insert(&mut self, id: u32, numbers: &[u64]) {
        let number = numbers[id as usize];
        self.table.insert_unique(hash_number(number), id, |&other| {
            hash_number(numbers[other as usize])
        });
    }

    /// The ids whose number is `number`, in no particular order.
    #[inline]
    pub(crate) fn find<'a>(
        &'a self,
        number: u64,
        numbers: &'a [u64],
    ) -> impl Iterator<Item = u32> + 'a {
        self.table
            .iter_hash(hash_number(number))
            .copied()
            .filter(move |&id| numbers[id as usize] == number)
    }

    /// True if some id has `number`.
    #[inline]
    pub(crate) fn contains(&self, number: u64, numbers: &[u64]) -> bool {
        self.table
            .find(hash_number(number), |&id| numbers[id as usize] == number)
            .is_some()
    }

    /// Number of ids held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Bytes held by the table (slots and control bytes).
    pub(crate) fn heap_bytes(&self) -> usize {
        let buckets = if self.table.capacity() == 0 {
            0
        } else {
            (self.table.capacity() * 8 / 7).next_power_of_two()
        };
        buckets * (std::mem::size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_contact_with_a_number() {
        let numbers = vec![100, 200, 100, 300, 100];
        let mut index = NumberIndex::default();
        index.reserve(numbers.len(), &numbers);
        for id in 0..numbers.len() as u32 {
            index.insert(id, &numbers);
        }
        let mut ids: Vec<u32> = index.find(100, &numbers).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![0, 2, 4]);
        assert!(index.contains(300, &numbers));
        assert!(!index.contains(400, &numbers));
        assert_eq!(index.len(), 5);
        assert!(index.heap_bytes() >= 4 * 5);
    }
}

//! One stable sort for the whole browser build.
//!
//! `slice::sort_by` is generic over the item type and the comparison, so
//! every call site compiled its own copy of the sort (3 to 4 KB of wasm
//! each, a dozen in the app). These sort the items' positions with the
//! comparison behind `&dyn`, which is one copy for everything, then move
//! the items into that order. The same result as `sort_by`: stable, and
//! the comparison is called O(n log n) times.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order.
pub fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_positions(&mut order, &|a, b| compare(&items[a], &items[b]));
    let mut taken: Vec<Option<T>> = items.drain(..).map(Some).collect();
    // Each position appears once in `order`, so every item is taken.
    items.extend(order.into_iter().filter_map(|i| taken[i].take()));
}

/// Sorts `items` by `key`, keeping equal items in their order.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts positions by `compare`: the one monomorphic sort behind the others.
pub(crate) fn sort_positions(order: &mut [usize], compare: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_stable_sort_does(items in prop::collection::vec((0u8..8, any::<u16>()), 0..64)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(k, _)| k);
            let mut theirs = items;
            theirs.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(ours, theirs);
        }
    }
}

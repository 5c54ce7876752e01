//! One order at a time per customer on this replica, from its read to its write.
//!
//! An order plans against what it read and its write checks that nothing changed in
//! between. Two orders of one customer in flight together would make the second's
//! check fail, and with it the whole batch it was written in (every order of that batch
//! then retries alone). Taking turns per customer keeps this replica's own orders from
//! ever tripping each other; orders arriving at another replica are still caught by the
//! check. Turns are striped: two customers may share a stripe and then wait for each
//! other briefly, which costs latency, never correctness.
use std::hash::{Hash, Hasher};
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Stripes: with a few dozen orders in flight, two customers rarely share one.
const STRIPES: usize = 4096;

/// The stripes of one replica.
pub struct Turns {
    stripes: Box<[Mutex<()>]>,
}

impl std::fmt::Debug for Turns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turns")
            .field("stripes", &self.stripes.len())
            .finish()
    }
}

impl Default for Turns {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }
}

impl Turns {
    /// Waits for the turn of `customer` (an external id) of `shop`; the turn lasts as long
    /// as the guard.
    pub async fn take(&self, shop: Uuid, customer: &str) -> MutexGuard<'_, ()> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (shop, customer).hash(&mut hasher);
        let stripe = (hasher.finish() % self.stripes.len() as u64) as usize;
        self.stripes[stripe].lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_customer_waits_for_its_turn_and_others_do_not() {
        let turns = Turns::default();
        let shop = Uuid::from_u128(7);
        let first = turns.take(shop, "c1").await;
        let same = tokio::time::timeout(Duration::from_millis(20), turns.take(shop, "c1")).await;
        assert!(same.is_err(), "the same customer waits");
        // Another customer of the same stripe is possible but unlikely for this pair.
        let other = tokio::time::timeout(Duration::from_millis(20), turns.take(shop, "c2")).await;
        assert!(other.is_ok(), "another customer goes on");
        drop(first);
        drop(other);
        let again = tokio::time::timeout(Duration::from_millis(20), turns.take(shop, "c1")).await;
        assert!(again.is_ok(), "the turn is free once released");
    }
}

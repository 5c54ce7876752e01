//! Each replica's cache of authenticated keys, so a request does not read its key row.
//! Member sessions (`crate::Ctx::member_sessions`) are kept the same way.
//!
//! Only keys that authenticated are kept, for a short time: a key revoked in the
//! database stops working on every replica within that time. Unknown keys and failed
//! lookups are never kept, so a key is usable the moment it is created and a database
//! outage ends for keys when it ends for everything else.
//!
//! Requests that present the same uncached key at once share one lookup: when an entry
//! expires under a partner's steady traffic, or the database slows down, the replica
//! still asks for that key once rather than once per waiting request.
use super::Principal;
use crate::DomainError;
use moka::sync::Cache;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::OnceCell;

/// Most keys kept; the least used are reloaded.
const MAX_KEYS: u64 = 100_000;

/// What one lookup of a key found: its principal, nothing (unknown or revoked), or the
/// failure, shared by every request that waited for it.
pub type Lookup<V = Principal> = std::result::Result<Option<V>, Arc<DomainError>>;

/// A lookup running now, which requests for the same key wait for.
type Flight<V> = Arc<OnceCell<Lookup<V>>>;

/// Principals (or another credential's holder, `V`) by the SHA-256 of their key.
pub struct KeyCache<V = Principal> {
    entries: Cache<String, V>,
    /// Lookups running now, by key hash; an entry leaves once its lookup has finished.
    flights: Mutex<HashMap<String, Flight<V>>>,
}

impl<V> std::fmt::Debug for KeyCache<V>
where
    V: Clone + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.entries.entry_count())
            .finish()
    }
}

impl<V> KeyCache<V>
where
    V: Clone + Send + Sync + 'static,
{
    /// A cache keeping each key for `keep_for` after it authenticated (zero: off).
    pub fn new(keep_for: Duration) -> Self {
        let max = if keep_for.is_zero() { 0 } else { MAX_KEYS };
        Self {
            entries: Cache::builder()
                .max_capacity(max)
                .time_to_live(keep_for.max(Duration::from_millis(1)))
                .build(),
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// The principal of a key hash authenticated recently.
    pub fn get(&self, key_hash: &str) -> Option<V> {
        self.entries.get(key_hash)
    }

    /// Remembers a key that authenticated.
    pub fn keep(&self, key_hash: String, principal: V) {
        self.entries.insert(key_hash, principal);
    }

    /// Forgets a key this replica revoked, so it stops authenticating here at once.
    pub fn forget(&self, key_hash: &str) {
        self.entries.invalidate(key_hash);
    }

    /// The principal of `key_hash` from the cache, or from `load` run once for all the
    /// requests asking for this key meanwhile. A principal found is kept; an unknown key
    /// or a failure is only handed to the requests that waited for it.
    pub async fn get_or_load<F>(&self, key_hash: &str, load: F) -> Lookup<V>
    where
        F: Future<Output = Lookup<V>>,
    {
        if let Some(principal) = self.get(key_hash) {
            return Ok(Some(principal));
        }
        let flight = self
            .flights()
            .entry(key_hash.to_owned())
            .or_default()
            .clone();
        let _landing = Landing {
            cache: self,
            key_hash,
            flight: &flight,
        };
        flight
            .get_or_init(|| async {
                // A lookup that landed between the read above and joining this flight
                // kept its principal.
                if let Some(principal) = self.get(key_hash) {
                    return Ok(Some(principal));
                }
                let found = load.await;
                if let Ok(Some(principal)) = &found {
                    self.keep(key_hash.to_owned(), principal.clone());
                }
                found
            })
            .await
            .clone()
    }

    fn flights(&self) -> std::sync::MutexGuard<'_, HashMap<String, Flight<V>>> {
        // The map holds no invariant a panicking holder could break.
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes a finished flight off the map when a request that joined it is done (or
/// dropped), so that the next request looks the key up afresh: what was unknown may
/// exist now. An unfinished flight stays, for the requests still waiting (if the one
/// running the lookup was dropped, the next waiter runs it).
struct Landing<'a, V>
where
    V: Clone + Send + Sync + 'static,
{
    cache: &'a KeyCache<V>,
    key_hash: &'a str,
    flight: &'a Flight<V>,
}

impl<V> Drop for Landing<'_, V>
where
    V: Clone + Send + Sync + 'static,
{
    fn drop(&mut self) {
        let mut flights = self.cache.flights();
        let finished = flights
            .get(self.key_hash)
            .is_some_and(|f| Arc::ptr_eq(f, self.flight) && f.initialized());
        if finished {
            flights.remove(self.key_hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Semaphore;
    use uuid::Uuid;

    fn principal() -> Principal {
        Principal {
            shop_id: Uuid::nil(),
            key_id: Uuid::nil(),
            role: Role::Admin,
        }
    }

    /// Runs `n` lookups of one key at once, each with a loader that counts its runs and
    /// answers `answer` once released; returns what each lookup got and the run count.
    /// On a current-thread runtime a spawned task runs until it first waits, so once all
    /// have started, every one is either running its loader or waiting for a flight.
    async fn concurrent(cache: Arc<KeyCache>, n: usize, answer: Lookup) -> (Vec<Lookup>, usize) {
        let runs = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Semaphore::new(0));
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (cache, runs, started, gate, answer) = (
                    cache.clone(),
                    runs.clone(),
                    started.clone(),
                    gate.clone(),
                    answer.clone(),
                );
                tokio::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    cache
                        .get_or_load("k", async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            let _released = gate.acquire().await;
                            answer
                        })
                        .await
                })
            })
            .collect();
        while started.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
        gate.add_permits(n);
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap_or_else(|e| panic!("lookup task: {e}")));
        }
        (got, runs.load(Ordering::SeqCst))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn concurrent_lookups_of_one_key_run_one_query() {
        let cache = Arc::new(KeyCache::new(Duration::from_secs(60)));
        let (got, runs) = concurrent(cache.clone(), 20, Ok(Some(principal()))).await;
        assert_eq!(runs, 1);
        assert!(
            got.iter()
                .all(|g| matches!(g, Ok(Some(p)) if *p == principal()))
        );
        assert_eq!(cache.get("k"), Some(principal()), "a found key is kept");
        assert!(cache.flights().is_empty(), "the flight landed");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn unknown_keys_and_failures_are_shared_but_never_kept() {
        let cache = Arc::new(KeyCache::new(Duration::from_secs(60)));
        let (got, runs) = concurrent(cache.clone(), 10, Ok(None)).await;
        assert_eq!((runs, got.len()), (1, 10));
        assert!(got.iter().all(|g| matches!(g, Ok(None))));
        let failure: Lookup = Err(Arc::new(DomainError::Internal("down".into())));
        let (got, runs) = concurrent(cache.clone(), 10, failure).await;
        assert_eq!(runs, 1);
        assert!(got.iter().all(Result::is_err));
        assert!(cache.get("k").is_none());
        // The key created since is found by the next request.
        let found = cache
            .get_or_load("k", async { Ok(Some(principal())) })
            .await;
        assert!(matches!(found, Ok(Some(_))));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_dropped_lookup_leaves_the_key_to_the_next_request() {
        let cache = KeyCache::new(Duration::from_secs(60));
        let pending = cache.get_or_load("k", std::future::pending());
        // Polled once (it starts the flight), then dropped mid-lookup.
        assert!(futures_poll_once(pending).await);
        let found = cache
            .get_or_load("k", async { Ok(Some(principal())) })
            .await;
        assert!(matches!(found, Ok(Some(_))));
    }

    /// Polls `fut` once; whether it was still pending.
    async fn futures_poll_once<F: Future>(fut: F) -> bool {
        let mut fut = std::pin::pin!(fut);
        std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx).is_pending())).await
    }
}

//! The rate limit on member tokens: browsers on the open web send them, so a token, or
//! an address, sending more than `LOYALTY_MEMBER_RATE_PER_MIN` requests a minute is
//! refused with 429 until its quota refills. Shop keys are not limited here (their
//! backends share the admission of requests per shop instead).
//!
//! The limiters are `governor`'s keyed GCRA limiters, a maintained implementation, not a
//! hand-written one. Their memory is bounded: a key is one small state, and keys whose
//! quota has fully refilled are dropped at most once a minute (`retain_recent`).
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often keys whose quota refilled are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The limiters of one server.
pub struct MemberRate {
    tokens: DefaultKeyedRateLimiter<[u8; 32]>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    swept: Mutex<Instant>,
}

impl std::fmt::Debug for MemberRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberRate")
            .field("tokens", &self.tokens.len())
            .field("addresses", &self.addresses.len())
            .finish()
    }
}

impl MemberRate {
    /// Limiters of `per_minute` requests a minute per token and per address; `None` for
    /// 0 (no limit).
    pub fn new(per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            tokens: DefaultKeyedRateLimiter::keyed(quota),
            addresses: DefaultKeyedRateLimiter::keyed(quota),
            swept: Mutex::new(Instant::now()),
        })
    }

    /// Counts a request presenting member token `token` from `address` (when known):
    /// `Err` with the time to wait when either is over its quota. Tokens are keyed by
    /// their SHA-256, so a made-up long header costs the same small entry.
    pub fn check(&self, token: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        self.sweep();
        let now = DefaultClock::default().now();
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let by_token = self.tokens.check_key(&key);
        let by_address = address.map_or(Ok(()), |a| self.addresses.check_key(&a));
        match (by_token, by_address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), _) | (_, Err(e)) => Err(e.wait_time_from(now)),
        }
    }

    /// Keys tracked now, tokens and addresses.
    pub fn len(&self) -> usize {
        self.tokens.len() + self.addresses.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the keys whose quota has refilled, once a minute at most; a request that
    /// finds another sweeping does not wait for it.
    fn sweep(&self) {
        let Ok(mut swept) = self.swept.try_lock() else {
            return;
        };
        if swept.elapsed() < SWEEP_EVERY {
            return;
        }
        *swept = Instant::now();
        self.tokens.retain_recent();
        self.tokens.shrink_to_fit();
        self.addresses.retain_recent();
        self.addresses.shrink_to_fit();
    }

    /// Sweeps now, whatever the time (tests).
    pub fn sweep_now(&self) {
        *self.swept.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now() - SWEEP_EVERY;
        self.sweep();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_or_an_address_over_its_quota_waits() {
        let rate = MemberRate::new(3).unwrap_or_else(|| panic!("a limit"));
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(rate.check("lm_a", Some(ip)).is_ok());
        }
        let wait = rate.check("lm_a", None);
        assert!(wait.is_err_and(|w| w > Duration::ZERO && w <= Duration::from_secs(20)));
        // Another token from the same address is over the address's quota too.
        assert!(rate.check("lm_b", Some(ip)).is_err());
        // Another token from elsewhere is not.
        assert!(rate.check("lm_b", Some([10, 0, 0, 2].into())).is_ok());
        assert!(MemberRate::new(0).is_none());
    }

    #[test]
    fn sweeping_keeps_keys_still_limited() {
        let rate = MemberRate::new(1).unwrap_or_else(|| panic!("a limit"));
        assert!(rate.check("lm_a", None).is_ok());
        rate.sweep_now();
        // One request a minute: the key's quota has not refilled, so it is kept.
        assert!(rate.check("lm_a", None).is_err());
        assert_eq!(rate.len(), 1);
    }
}

//! When a delivery that failed for a passing reason is tried again.
use chrono::Duration;

/// Exponential backoff: `base` after the first attempt, doubling, capped at `max`.
pub fn backoff(attempts: i64, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    base.checked_mul(2i32.saturating_pow(doublings))
        .map_or(max, |d| d.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let base = Duration::seconds(30);
        let max = Duration::minutes(10);
        assert_eq!(backoff(1, base, max), Duration::seconds(30));
        assert_eq!(backoff(2, base, max), Duration::seconds(60));
        assert_eq!(backoff(4, base, max), Duration::seconds(240));
        assert_eq!(backoff(9, base, max), max);
        assert_eq!(backoff(1000, base, max), max);
    }
}

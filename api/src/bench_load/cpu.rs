//! CPU time of the whole machine, from `/proc/stat` (Linux): what a phase cost the
//! server, its clients, PostgreSQL and the kernel together. On a shared VM the rates of
//! two runs differ by a fifth or more with the neighbours' load, and the ceiling with
//! them; the CPU time one operation costs moves much less, so the report divides a
//! phase's busy time by its operations, and says how much time the hypervisor took.
use std::time::Duration;

/// The kernel's unit for `/proc/stat` (`USER_HZ`), 100 on every Linux architecture
/// that this runs on.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time of all the machine's CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Times {
    /// Busy: user, nice, system, irq and softirq (not idle or I/O wait).
    pub busy: Duration,
    /// Taken by the hypervisor for other guests while this one wanted to run.
    pub stolen: Duration,
    /// Every state, stolen time included.
    pub total: Duration,
}

impl Times {
    /// The machine's times since boot; `None` off Linux.
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        Self::parse(&stat)
    }

    fn parse(stat: &str) -> Option<Self> {
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal (guest times are within user).
        let ticks = |idx: &[usize]| -> Duration {
            let sum: u64 = idx
                .iter()
                .map(|&i| fields.get(i).copied().unwrap_or(0))
                .sum();
            Duration::from_millis(sum * 1000 / TICKS_PER_SECOND)
        };
        Some(Self {
            busy: ticks(&[0, 1, 2, 5, 6]),
            stolen: ticks(&[7]),
            total: ticks(&[0, 1, 2, 3, 4, 5, 6, 7]),
        })
    }

    /// The times between `before` and `self`.
    pub fn since(self, before: Self) -> Self {
        Self {
            busy: self.busy.saturating_sub(before.busy),
            stolen: self.stolen.saturating_sub(before.stolen),
            total: self.total.saturating_sub(before.total),
        }
    }

    /// The times of two spans together.
    pub fn plus(self, other: Self) -> Self {
        Self {
            busy: self.busy + other.busy,
            stolen: self.stolen + other.stolen,
            total: self.total + other.total,
        }
    }

    /// The share of all CPU time the hypervisor took, in percent.
    pub fn stolen_percent(&self) -> f64 {
        100.0 * self.stolen.as_secs_f64() / self.total.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// The times between two readings, when both were made.
pub fn between(before: Option<Times>, after: Option<Times>) -> Option<Times> {
    Some(after?.since(before?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_from_the_first_line_of_proc_stat() {
        let before = "cpu  1000 20 300 9000 50 7 60 5 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        let after = "cpu  1100 20 350 9100 50 7 60 55 0 0\n";
        let (Some(a), Some(b)) = (Times::parse(before), Times::parse(after)) else {
            panic!("unread");
        };
        assert_eq!(a.busy, Duration::from_millis(13_870));
        let d = b.since(a);
        assert_eq!(d.busy, Duration::from_millis(1_500));
        assert_eq!(d.stolen, Duration::from_millis(500));
        assert_eq!(d.total, Duration::from_millis(3_000));
        assert!((d.stolen_percent() - 100.0 / 6.0).abs() < 1e-9);
        assert_eq!(Times::parse("intr 1 2 3"), None);
    }
}

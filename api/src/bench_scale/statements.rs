//! Where a step's time goes: the SQL statements the domain ran during it, grouped by
//! their text (without values), with their count and total time, from sea-orm's metric
//! callback.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Statement times since the last [`Recorder::take`].
#[derive(Clone, Default)]
pub struct Recorder {
    seen: Arc<Mutex<HashMap<String, (u64, Duration)>>>,
}

impl Recorder {
    /// Adds one statement's time.
    pub fn record(&self, info: &sea_orm::metric::Info) {
        let text: String = info
            .statement
            .sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(110)
            .collect();
        if let Ok(mut seen) = self.seen.lock() {
            let entry = seen.entry(text).or_default();
            entry.0 += 1;
            entry.1 += info.elapsed;
        }
    }

    /// The `top` statements by total time since the last call, as printable lines, and
    /// forgets them.
    pub fn take(&self, top: usize) -> Vec<String> {
        let Ok(mut seen) = self.seen.lock() else {
            return Vec::new();
        };
        let mut all: Vec<(String, (u64, Duration))> = seen.drain().collect();
        all.sort_by_key(|e| std::cmp::Reverse(e.1.1));
        // The sum says how much of the step's time the database's answers took at all.
        let count: u64 = all.iter().map(|e| e.1.0).sum();
        let time: Duration = all.iter().map(|e| e.1.1).sum();
        let mut lines: Vec<String> = all
            .into_iter()
            .take(top)
            .map(|(sql, (n, total))| format!("    {n:>8} x {:>10.2?}  {sql}", total))
            .collect();
        if count > 0 {
            lines.push(format!("    {count:>8} x {time:>10.2?}  (every statement)"));
        }
        lines
    }
}

//! Latency samples (exact, sorted at the end) and the printed report.
use std::time::Duration;

/// The mixed operations, in the order they are printed.
pub const OPS: [&str; 4] = ["quote", "recordOrder", "members", "refundOrder"];

/// Distinct error messages kept per operation, to show what failed.
const ERROR_SAMPLES: usize = 3;

/// One operation's outcomes: latencies of successes in microseconds, and errors.
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    micros: Vec<u32>,
    errors: u64,
    samples: Vec<String>,
    /// SQL statements the server ran for these requests, when they ran alone.
    pub statements: u64,
}

impl OpStats {
    /// Adds one request: its latency if it succeeded, or its error.
    pub fn record(&mut self, elapsed: Duration, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self
                .micros
                .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX)),
            Err(e) => {
                self.errors += 1;
                if self.samples.len() < ERROR_SAMPLES && !self.samples.contains(&e) {
                    self.samples.push(e);
                }
            }
        }
    }

    /// Adds another client's outcomes.
    pub fn merge(&mut self, other: OpStats) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        for s in other.samples {
            if self.samples.len() < ERROR_SAMPLES && !self.samples.contains(&s) {
                self.samples.push(s);
            }
        }
    }

    /// Successful requests.
    pub fn ok(&self) -> u64 {
        self.micros.len() as u64
    }

    /// Failed requests.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Sorts the samples, before [`Self::percentile_ms`].
    pub fn sort(&mut self) {
        self.micros.sort_unstable();
    }

    /// The nearest-rank percentile in milliseconds (samples sorted).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.micros.len() as f64).ceil() as usize;
        f64::from(self.micros[rank.clamp(1, self.micros.len()) - 1]) / 1000.0
    }

    /// A table row; the second column is requests per second, or SQL statements per
    /// request when `elapsed` is `None`.
    fn row(&self, name: &str, elapsed: Option<Duration>) -> String {
        let requests = self.ok() + self.errors;
        format!(
            "{:<16} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}",
            name,
            self.ok(),
            match elapsed {
                Some(e) => self.ok() as f64 / e.as_secs_f64(),
                None => self.statements as f64 / requests.max(1) as f64,
            },
            self.percentile_ms(50.0),
            self.percentile_ms(95.0),
            self.percentile_ms(99.0),
            self.percentile_ms(100.0),
            self.errors,
        )
    }
}

/// The outcomes of a phase, per operation.
#[derive(Debug, Clone)]
pub struct Phase {
    /// (operation, outcomes), in print order.
    pub ops: Vec<(&'static str, OpStats)>,
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// SQL statements the server ran meanwhile.
    pub statements: u64,
    /// CPU time of the whole machine meanwhile (see [`super::cpu`]).
    pub cpu: Option<super::cpu::Times>,
    /// Bytes of WAL written meanwhile (see [`super::wal`]).
    pub wal: Option<u64>,
}

impl Phase {
    /// An empty phase over the given operations.
    pub fn new(names: &[&'static str]) -> Self {
        Self {
            ops: names.iter().map(|n| (*n, OpStats::default())).collect(),
            elapsed: Duration::ZERO,
            statements: 0,
            cpu: None,
            wal: None,
        }
    }

    /// The outcomes of one operation.
    pub fn op(&mut self, name: &str) -> &mut OpStats {
        let i = self
            .ops
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_default();
        &mut self.ops[i].1
    }

    /// Adds a later slice of the same phase: its outcomes, time, statements, CPU time
    /// and WAL.
    pub fn add(&mut self, other: Phase) {
        let first = self.elapsed.is_zero();
        self.elapsed += other.elapsed;
        self.statements += other.statements;
        self.cpu = then(first, self.cpu, other.cpu, super::cpu::Times::plus);
        self.wal = then(first, self.wal, other.wal, |a, b| a + b);
        self.merge(other);
    }

    /// Adds another client's outcomes.
    pub fn merge(&mut self, other: Phase) {
        for (name, stats) in other.ops {
            self.op(name).merge(stats);
        }
    }

    /// Successful requests of one operation per second.
    pub fn rate(&self, name: &str) -> f64 {
        self.ops
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0.0, |(_, s)| s.ok() as f64 / self.elapsed.as_secs_f64())
    }

    /// The error messages kept, per operation.
    pub fn error_samples(&self) -> impl Iterator<Item = (&'static str, &[String])> {
        self.ops
            .iter()
            .filter(|(_, s)| !s.samples.is_empty())
            .map(|(n, s)| (*n, s.samples.as_slice()))
    }

    fn table(&mut self, total: bool) -> String {
        let mut out = format!(
            "{:<16} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
            "operation", "ok", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
        );
        let elapsed = Some(self.elapsed);
        let mut all = OpStats::default();
        // Operations a phase never sent (the recordOrder-only loop) are left out.
        for (name, stats) in self.ops.iter_mut().filter(|(_, s)| s.ok() + s.errors > 0) {
            stats.sort();
            out.push_str(&stats.row(name, elapsed));
            out.push('\n');
            all.merge(stats.clone());
        }
        if total {
            all.sort();
            out.push_str(&all.row("all", elapsed));
            out.push('\n');
        }
        // The open loop's rows are one set of requests measured two ways.
        let requests = if total {
            all.ok() + all.errors
        } else {
            self.ops.first().map_or(0, |(_, s)| s.ok() + s.errors)
        };
        out.push_str(&format!(
            "SQL statements: {:.1} per request, {:.0} per s\n",
            self.statements as f64 / requests.max(1) as f64,
            self.statements as f64 / self.elapsed.as_secs_f64(),
        ));
        out
    }
}

impl Phase {
    /// The table of a phase where each operation ran alone: SQL statements per request
    /// instead of a rate.
    fn sequential_table(&mut self) -> String {
        let mut out = format!(
            "{:<16} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
            "operation", "ok", "SQL/req", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
        );
        for (name, stats) in &mut self.ops {
            stats.sort();
            out.push_str(&stats.row(name, None));
            out.push('\n');
        }
        out
    }
}

/// Single-row inserts without the API.
#[derive(Debug, Clone, Default)]
pub struct Inserts {
    /// Rows inserted.
    pub count: u64,
    /// Failed inserts.
    pub errors: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// CPU time of the whole machine meanwhile (see [`super::cpu`]).
    pub cpu: Option<super::cpu::Times>,
    /// Bytes of WAL written meanwhile (see [`super::wal`]).
    pub wal: Option<u64>,
}

impl Inserts {
    /// Adds a later slice.
    pub fn add(&mut self, other: Inserts) {
        let first = self.elapsed.is_zero();
        self.count += other.count;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.cpu = then(first, self.cpu, other.cpu, super::cpu::Times::plus);
        self.wal = then(first, self.wal, other.wal, |a, b| a + b);
    }

    /// Inserts per second.
    pub fn rate(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

/// A measure of slices so far (`so_far`, nothing yet when `first`) and of the next
/// slice, combined by `f`; unknown once any slice lacks it.
fn then<T>(
    first: bool,
    so_far: Option<T>,
    next: Option<T>,
    f: impl FnOnce(T, T) -> T,
) -> Option<T> {
    if first {
        return next;
    }
    Some(f(so_far?, next?))
}

/// What `pgbench` reported.
#[derive(Debug, Clone)]
pub struct PgBench {
    /// Its connections.
    pub clients: u32,
    /// Transactions (one insert each) per second.
    pub tps: f64,
}

/// The run's settings, for the report's heading.
pub struct Header {
    /// Seeded members.
    pub members: u64,
    /// Closed-loop clients.
    pub clients: usize,
    /// Database connections of the server (and of the insert ceiling).
    pub pool: u32,
}

/// Prints the compact text report on stdout.
/// Everything one run measured.
pub struct Report<'a> {
    /// The run's settings.
    pub header: &'a Header,
    /// Phase 0.
    pub alone: &'a Phase,
    /// Phase 1.
    pub mixed: &'a Phase,
    /// Phase 1b.
    pub orders_only: &'a Phase,
    /// Phase 2, from the bench's pool.
    pub inserts: &'a Inserts,
    /// Phase 2, from pgbench.
    pub pgbench: Option<&'a PgBench>,
    /// Phase 3.
    pub open: &'a Phase,
    /// How the run's orders were written (`loyalty_order_writes_total` by `path`).
    pub order_paths: &'a [(String, u64)],
}

/// Prints the report of a run.
pub fn print_report(report: &Report<'_>) {
    let Report {
        header,
        inserts,
        pgbench,
        ..
    } = *report;
    let mut alone = report.alone.clone();
    let mut mixed = report.mixed.clone();
    let mut orders_only = report.orders_only.clone();
    let mut open = report.open.clone();
    println!(
        "loyalty bench load: {} members, {} clients, pool of {} connections, {} cores",
        header.members,
        header.clients,
        header.pool,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!();
    let n = alone.ops.first().map_or(0, |(_, s)| s.ok() + s.errors);
    println!("0. one client, {n} requests of each operation in turn (no contention)");
    print!("{}", alone.sequential_table());
    println!();
    println!(
        "1. closed loop over HTTP, {} clients, {:.1} s, mix 60/25/10/5 %",
        header.clients,
        mixed.elapsed.as_secs_f64()
    );
    print!("{}", mixed.table(true));
    println!();
    println!(
        "1b. closed loop over HTTP, {} clients, {:.1} s, recordOrder only",
        header.clients,
        orders_only.elapsed.as_secs_f64()
    );
    print!("{}", orders_only.table(true));
    let paths: Vec<String> = report
        .order_paths
        .iter()
        .map(|(labels, n)| format!("{n} {labels}"))
        .collect();
    println!(
        "orders of the whole run by write path: {}",
        paths.join(", ")
    );
    println!();
    println!(
        "2. single-row INSERT ceiling without the API ({} tasks, {} connections, {:.1} s)",
        header.clients,
        header.pool,
        inserts.elapsed.as_secs_f64()
    );
    println!(
        "{:<32} {:>9.0} /s  ({} errors)",
        "INSERT from the bench (sqlx)",
        inserts.rate(),
        inserts.errors
    );
    if let Some(p) = pgbench {
        println!(
            "{:<32} {:>9.0} /s",
            format!("pgbench -M prepared -c {}", p.clients),
            p.tps
        );
    }
    for (label, orders) in [
        ("recordOrder (phase 1, mixed)", mixed.rate("recordOrder")),
        (
            "recordOrder (phase 1b, alone)",
            orders_only.rate("recordOrder"),
        ),
    ] {
        println!(
            "{:<32} {:>9.1} /s  = {:.1} % of the INSERT ceiling",
            label,
            orders,
            100.0 * orders / inserts.rate().max(f64::MIN_POSITIVE)
        );
    }
    let orders = orders_only.rate("recordOrder") * orders_only.elapsed.as_secs_f64();
    if let (Some(order), Some(insert)) = (orders_only.cpu, inserts.cpu) {
        let per_order = per_op(order.busy, orders);
        let per_insert = per_op(insert.busy, inserts.count as f64);
        println!(
            "busy CPU of the whole machine per operation: recordOrder (phase 1b) {per_order:.3} ms, INSERT (sqlx) {per_insert:.3} ms: one order costs {:.1} INSERTs",
            per_order / per_insert.max(f64::MIN_POSITIVE)
        );
        println!(
            "CPU time the hypervisor took meanwhile: {:.0} % (phase 1b), {:.0} % (INSERTs)",
            order.stolen_percent(),
            insert.stolen_percent()
        );
    }
    if let (Some(order), Some(insert)) = (orders_only.wal, inserts.wal) {
        let per = |bytes: u64, ops: f64| bytes as f64 / 1024.0 / ops.max(f64::MIN_POSITIVE);
        println!(
            "WAL written per operation: recordOrder (phase 1b) {:.2} KiB, INSERT (sqlx) {:.2} KiB",
            per(order, orders),
            per(insert, inserts.count as f64)
        );
    }
    println!();
    let sent = open.ops.first().map_or(0, |(_, s)| s.ok() + s.errors);
    println!(
        "3. open loop: quote at a fixed rate, {sent} sent in {:.1} s (target p99 < 5 ms)",
        open.elapsed.as_secs_f64()
    );
    print!("{}", open.table(false));
}

/// Milliseconds of `busy` per operation (0 without operations).
fn per_op(busy: Duration, ops: f64) -> f64 {
    if ops > 0.0 {
        busy.as_secs_f64() * 1000.0 / ops
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_load::cpu::Times;

    fn slice(count: u64, secs: u64, cpu: Option<Times>) -> Inserts {
        Inserts {
            count,
            errors: 0,
            elapsed: Duration::from_secs(secs),
            cpu,
            wal: Some(10),
        }
    }

    #[test]
    fn slices_add_up_to_one_phase() {
        let busy = |s| Times {
            busy: Duration::from_secs(s),
            stolen: Duration::ZERO,
            total: Duration::from_secs(2 * s),
        };
        let mut all = Inserts::default();
        all.add(slice(100, 5, Some(busy(4))));
        all.add(slice(300, 5, Some(busy(6))));
        assert_eq!(all.count, 400);
        assert_eq!(all.rate(), 40.0);
        assert_eq!(all.cpu.map(|c| c.busy), Some(Duration::from_secs(10)));
        assert_eq!(all.wal, Some(20));
        all.add(slice(1, 1, None));
        assert_eq!(
            all.cpu, None,
            "a slice without a reading leaves the sum unknown"
        );

        let mut orders = Phase::new(&OPS);
        for n in [2, 3] {
            let mut part = Phase::new(&OPS);
            for _ in 0..n {
                part.op("recordOrder")
                    .record(Duration::from_millis(5), Ok(()));
            }
            part.elapsed = Duration::from_secs(1);
            part.statements = 2 * n;
            part.cpu = Some(busy(1));
            orders.add(part);
        }
        assert_eq!(orders.rate("recordOrder"), 2.5);
        assert_eq!(orders.statements, 10);
        assert_eq!(orders.cpu.map(|c| c.busy), Some(Duration::from_secs(2)));
    }
}

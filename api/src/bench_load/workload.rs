//! The operations the clients send, the closed loop and the open loop.
use super::Statements;
use super::client::Api;
use super::seed::Shop;
use super::stats::{OPS, Phase};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { subtotal discounts { source amount } skipped { source reason } discountTotal pointsRedeemed total pointsToEarn availablePoints } }";
const RECORD: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId total paid pointsEarned pointsRedeemed member { tier { name } points { available } } } }";
const REFUND: &str = "mutation($i: RefundInput!) { refundOrder(input: $i) { orderId refundedAmount pointsEarned member { tier { name } points { available } } } }";
const MEMBERS: &str = "query($a: String, $o: MemberOrderBy) { members(first: 20, after: $a, orderBy: $o) { edges { node { id externalId name totalSpent tier { name discountPercent } points { available pending } ledger(first: 5) { edges { node { kind points createdAt } } } } } pageInfo { endCursor hasNextPage } } }";

/// Products of the carts: `P01`-`P24` at 30,000-260,000 VND in four groups.
const PRODUCTS: u64 = 24;

/// What the clients share: keys, the seeded members and vouchers, and the orders
/// recorded so far (the candidates for refunds).
#[derive(Clone)]
pub struct Plan {
    admin_key: String,
    channel_key: String,
    members: u64,
    tag: String,
    /// The letter before a member's number in its external id.
    member_prefix: char,
    /// Every voucher issued, for quotes (which never use them up).
    vouchers: Arc<Vec<(String, String)>>,
    /// Vouchers not yet spent by an order of this run.
    unused: Arc<Mutex<Vec<(String, String)>>>,
    /// Orders recorded and not yet refunded: (external id, total in VND).
    refundable: Arc<Mutex<Vec<(String, i64)>>>,
    next_order: Arc<AtomicU64>,
}

impl Plan {
    /// The plan over a seeded shop.
    pub fn new(shop: &Shop, members: u64) -> Self {
        Self {
            admin_key: shop.admin_key.clone(),
            channel_key: shop.channel_key.clone(),
            members,
            tag: shop.tag.clone(),
            member_prefix: shop.member_prefix,
            vouchers: Arc::new(shop.vouchers.clone()),
            unused: Arc::new(Mutex::new(shop.vouchers.clone())),
            refundable: Arc::new(Mutex::new(Vec::new())),
            next_order: Arc::new(AtomicU64::new(1)),
        }
    }

    fn member(&self, rng: &mut SmallRng) -> String {
        format!(
            "{}{}",
            self.member_prefix,
            rng.random_range(1..=self.members)
        )
    }
}

/// A cart line of `quantity` units of product `n`, and its value.
fn line(n: u64, quantity: i64) -> (Value, i64) {
    let price = 20_000 + 10_000 * n as i64;
    let line = json!({
        "productId": format!("P{n:02}"),
        "groupIds": [format!("G{}", n % 4)],
        "quantity": quantity,
        "unitPrice": price.to_string(),
    });
    (line, price * quantity)
}

/// A cart of 1-4 random lines, topped up to at least `min` VND.
fn cart(rng: &mut SmallRng, min: i64) -> Value {
    let mut lines = Vec::new();
    let mut subtotal = 0;
    for _ in 0..rng.random_range(1..=4) {
        let (l, value) = line(rng.random_range(1..=PRODUCTS), rng.random_range(1..=3));
        lines.push(l);
        subtotal += value;
    }
    while subtotal < min {
        let (l, value) = line(PRODUCTS, 1);
        lines.push(l);
        subtotal += value;
    }
    Value::Array(lines)
}

/// A quote input: 30 % with a voucher holder's voucher, 30 % redeeming points.
fn quote_input(plan: &Plan, rng: &mut SmallRng) -> Value {
    let mut input = if !plan.vouchers.is_empty() && rng.random_bool(0.3) {
        let (member, code) = &plan.vouchers[rng.random_range(0..plan.vouchers.len())];
        json!({"memberExternalId": member, "lines": cart(rng, 300_000), "voucherCodes": [code]})
    } else {
        json!({"memberExternalId": plan.member(rng), "lines": cart(rng, 0)})
    };
    if rng.random_bool(0.3) {
        input["redeemPoints"] = json!(rng.random_range(10..=100));
    }
    json!({ "i": input })
}

async fn quote(api: &Api, plan: &Plan, rng: &mut SmallRng) -> Result<(), String> {
    let vars = quote_input(plan, rng);
    api.post(&plan.channel_key, QUOTE, vars).await.map(drop)
}

/// Records a new order earning points: a third spend a voucher (while any is left), a
/// fifth redeem 10-50 points. Recorded orders become refund candidates.
async fn record(api: &Api, plan: &Plan, rng: &mut SmallRng) -> Result<(), String> {
    let n = plan.next_order.fetch_add(1, Ordering::Relaxed);
    let external_id = format!("bl-{}-{n}", plan.tag);
    let voucher = if rng.random_bool(1.0 / 3.0) {
        plan.unused.lock().map_err(|e| e.to_string())?.pop()
    } else {
        None
    };
    let channel = ["POS", "WEB", "SOCIAL"][rng.random_range(0..3)];
    let mut input = match voucher {
        Some((member, code)) => json!({"externalId": external_id, "memberExternalId": member,
            "channel": channel, "lines": cart(rng, 300_000), "voucherCodes": [code]}),
        None => json!({"externalId": external_id, "memberExternalId": plan.member(rng),
            "channel": channel, "lines": cart(rng, 0)}),
    };
    if rng.random_bool(0.2) {
        input["redeemPoints"] = json!(rng.random_range(10..=50));
    }
    let data = api
        .post(&plan.channel_key, RECORD, json!({ "i": input }))
        .await?;
    let total: i64 = data["recordOrder"]["total"]
        .as_str()
        .and_then(|t| t.split('.').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    if total > 0 {
        plan.refundable
            .lock()
            .map_err(|e| e.to_string())?
            .push((external_id, total));
    }
    Ok(())
}

/// Refunds half or all of an order recorded earlier; `None` when there is none yet.
async fn refund(api: &Api, plan: &Plan, rng: &mut SmallRng) -> Option<Result<(), String>> {
    let (order, total) = {
        let mut orders = plan.refundable.lock().ok()?;
        if orders.is_empty() {
            return None;
        }
        let i = rng.random_range(0..orders.len());
        orders.swap_remove(i)
    };
    let amount = if rng.random_bool(0.5) {
        total
    } else {
        (total / 2).max(1)
    };
    let input = json!({"orderExternalId": order, "refundId": format!("r-{order}"), "amount": amount.to_string()});
    Some(
        api.post(&plan.channel_key, REFUND, json!({ "i": input }))
            .await
            .map(drop),
    )
}

/// A members page (20, with tier, points and the last 5 ledger entries): half the time
/// the next page of this client's walk through the default order, else the first page
/// of another order.
async fn members(
    api: &Api,
    plan: &Plan,
    rng: &mut SmallRng,
    walk: &mut Option<String>,
) -> Result<(), String> {
    let order = match rng.random_range(0..6) {
        0 => json!({"field": "TOTAL_SPENT", "direction": "DESC"}),
        1 => json!({"field": "LAST_PURCHASE", "direction": "DESC"}),
        2 => json!({"field": "AVAILABLE_POINTS", "direction": "DESC"}),
        _ => Value::Null,
    };
    let after = if order.is_null() {
        json!(walk)
    } else {
        Value::Null
    };
    let data = api
        .post(&plan.admin_key, MEMBERS, json!({"a": after, "o": order}))
        .await?;
    if order.is_null() {
        let info = &data["members"]["pageInfo"];
        *walk = if info["hasNextPage"] == json!(true) {
            info["endCursor"].as_str().map(str::to_owned)
        } else {
            None
        };
    }
    Ok(())
}

/// Sends one request of operation `op` (one of [`OPS`]); `walk` is the client's place
/// in its walk through the members pages.
pub async fn send(
    op: &str,
    api: &Api,
    plan: &Plan,
    rng: &mut SmallRng,
    walk: &mut Option<String>,
) -> Result<(), String> {
    match op {
        "quote" => quote(api, plan, rng).await,
        "recordOrder" => record(api, plan, rng).await,
        "members" => members(api, plan, rng, walk).await,
        _ => refund(api, plan, rng)
            .await
            .unwrap_or_else(|| Err("no order left to refund".to_owned())),
    }
}

/// Records `n` orders from 8 clients before the measurement, so that refunds have
/// orders from the start; returns how many were recorded.
pub async fn warm_up(api: &Api, plan: &Plan, n: u64) -> u64 {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (api, plan) = (api.clone(), plan.clone());
        tasks.spawn(async move {
            let mut rng = SmallRng::from_os_rng();
            let mut ok = 0;
            for _ in 0..n.div_ceil(8) {
                if record(&api, &plan, &mut rng).await.is_ok() {
                    ok += 1;
                }
            }
            ok
        });
    }
    tasks.join_all().await.into_iter().sum()
}

/// One client sending `n` requests of each operation in turn, counting the SQL
/// statements the server runs for them: the cost of a request without contention.
pub async fn one_client(api: &Api, plan: &Plan, n: u64, statements: &Statements) -> Phase {
    let mut rng = SmallRng::from_os_rng();
    let mut phase = Phase::new(&OPS);
    let mut walk = None;
    let start = Instant::now();
    for op in OPS {
        let before = statements.count();
        for _ in 0..n {
            let t = Instant::now();
            let outcome = send(op, api, plan, &mut rng, &mut walk).await;
            phase.op(op).record(t.elapsed(), outcome);
        }
        phase.op(op).statements = statements.count() - before;
    }
    phase.elapsed = start.elapsed();
    phase
}

/// What the clients of a closed loop send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// 60 % quote, 25 % recordOrder, 10 % members, 5 % refundOrder.
    Standard,
    /// recordOrder alone: the write path against the INSERT ceiling.
    OrdersOnly,
}

/// `clients` clients each sending one operation after the other for `duration`.
pub async fn closed_loop(
    api: &Api,
    plan: &Plan,
    clients: usize,
    duration: Duration,
    mix: Mix,
) -> Phase {
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (api, plan) = (api.clone(), plan.clone());
        tasks.spawn(async move {
            let mut rng = SmallRng::from_os_rng();
            let mut phase = Phase::new(&OPS);
            let mut walk = None;
            while Instant::now() < until {
                let t = Instant::now();
                let pick = match mix {
                    Mix::Standard => rng.random_range(0..100),
                    Mix::OrdersOnly => 60,
                };
                let (op, outcome) = match pick {
                    0..60 => ("quote", quote(&api, &plan, &mut rng).await),
                    60..85 => ("recordOrder", record(&api, &plan, &mut rng).await),
                    85..95 => ("members", members(&api, &plan, &mut rng, &mut walk).await),
                    _ => match refund(&api, &plan, &mut rng).await {
                        Some(outcome) => ("refundOrder", outcome),
                        // No order to refund yet: record one instead.
                        None => ("recordOrder", record(&api, &plan, &mut rng).await),
                    },
                };
                phase.op(op).record(t.elapsed(), outcome);
            }
            phase
        });
    }
    let mut all = Phase::new(&OPS);
    for phase in tasks.join_all().await {
        all.merge(phase);
    }
    all.elapsed = start.elapsed();
    all
}

/// Latency of an open-loop quote measured from when it was sent.
pub const FROM_SEND: &str = "quote, from send";
/// Latency of an open-loop quote measured from when it was due (includes any delay
/// in sending it: no coordinated omission).
pub const FROM_DUE: &str = "quote, from due";

/// Sends `quote` at `rate` per second for `duration`, each request on its own task at
/// its due time, whatever the earlier ones are doing. The pacing runs on a thread of its
/// own with the operating system's sleep: tokio's timer ticks in milliseconds, which at
/// 500 per second would make most sends up to a millisecond late.
pub async fn open_loop(api: &Api, plan: &Plan, rate: u64, duration: Duration) -> Phase {
    let total = (rate as f64 * duration.as_secs_f64()) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runtime = tokio::runtime::Handle::current();
    let (api, plan) = (api.clone(), plan.clone());
    let start = Instant::now();
    let pacer = std::thread::spawn(move || {
        let mut rng = SmallRng::from_os_rng();
        for i in 0..total {
            let due = start + interval.mul_f64(i as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let vars = quote_input(&plan, &mut rng);
            let (api, key, tx) = (api.clone(), plan.channel_key.clone(), tx.clone());
            runtime.spawn(async move {
                let sent = Instant::now();
                let outcome = api.post(&key, QUOTE, vars).await.map(drop);
                let _ = tx.send((due, sent, Instant::now(), outcome));
            });
        }
    });
    let mut phase = Phase::new(&[FROM_SEND, FROM_DUE]);
    // The channel closes when the pacer and every request task have dropped their ends.
    while let Some((due, sent, done, outcome)) = rx.recv().await {
        phase.op(FROM_SEND).record(done - sent, outcome.clone());
        phase.op(FROM_DUE).record(done - due, outcome);
    }
    if pacer.join().is_err() {
        eprintln!("the open-loop pacer panicked");
    }
    phase.elapsed = start.elapsed();
    phase
}

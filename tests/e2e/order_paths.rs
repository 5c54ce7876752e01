//! Differential property test: the two order write paths of PostgreSQL (batched
//! statements, and the member's row lock) leave the same rows.
//!
//! The same random sequence of orders (known and new customers, vouchers, redemption,
//! bursts of concurrent orders that batch together), refunds, adjustments, customers
//! registering, waits and expiry runs on two servers over two schemas, one forced to
//! each path, in a program for registered members only or for every customer (then
//! unregistered customers' orders are counted but earn, discount and redeem nothing). Then every row
//! an order touches (members with their counters and cached balances, orders, discounts,
//! ledger entries, lots, allocations, refunds, vouchers, idempotency keys, the events
//! and webhook deliveries of a partner subscribed to them, and the audit rows of the
//! channel key sending the orders and refunds) is read back
//! and compared, with each id replaced by what names the row (a member by its external
//! id, an entry by its content). On SQLite both servers lock, so the test only runs the
//! sequence on PostgreSQL.
use chrono::Duration;
use loyalty_domain::audit::{self, Actor};
use loyalty_domain::checkout::OrderLine;
use loyalty_domain::ledger::{self, AdjustInput};
use loyalty_domain::members::MemberInput;
use loyalty_domain::orders::{self, OrderInput, OrderPath, RefundInput, input::Channel};
use loyalty_domain::{DomainError, members, program};
use loyalty_tests::{TestApp, backend, spawn_app_on, subscribe_directly};
use proptest::prelude::*;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Customers the steps pick from: the first `KNOWN` exist and hold vouchers, the rest are
/// new until their first order. Customer 0 starts registered, the others do not.
const CUSTOMERS: usize = 5;
const KNOWN: usize = 3;
const VOUCHERS_EACH: usize = 2;
/// The events orders and refunds raise, which the partner of both worlds subscribes to.
const ORDER_EVENTS: [&str; 6] = [
    "order.recorded",
    "order.refunded",
    "points.earned",
    "points.redeemed",
    "voucher.used",
    "member.tier_changed",
];

#[derive(Debug, Clone)]
struct Order {
    who: usize,
    amount: i64,
    redeem: i64,
    voucher: bool,
}

#[derive(Debug, Clone)]
enum Step {
    Order(Order),
    /// Orders of distinct customers sent at once, so that they share a batch.
    Burst(Vec<Order>),
    Refund {
        order: usize,
        percent: i64,
    },
    Adjust {
        who: usize,
        points: i64,
    },
    /// The customer registers (`upsertMember(register: true)`), new or not.
    Register(usize),
    Wait(i64),
    Expire,
}

fn order() -> impl Strategy<Value = Order> {
    (
        0..CUSTOMERS,
        1i64..3_000,
        prop_oneof![2 => Just(0i64), 1 => 1i64..2_000],
        any::<bool>(),
    )
        .prop_map(|(who, k, redeem, voucher)| Order {
            who,
            amount: k * 1_000,
            redeem,
            voucher,
        })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => order().prop_map(Step::Order),
        2 => proptest::collection::vec(order(), 2..=CUSTOMERS).prop_map(|orders| {
            let mut seen = [false; CUSTOMERS];
            Step::Burst(orders.into_iter().filter(|o| !std::mem::replace(&mut seen[o.who], true)).collect())
        }),
        2 => (0usize..16, 1i64..=100).prop_map(|(order, percent)| Step::Refund { order, percent }),
        1 => (0..KNOWN, -900i64..900).prop_filter("non-zero", |(_, p)| *p != 0)
            .prop_map(|(who, points)| Step::Adjust { who, points }),
        1 => (0..CUSTOMERS).prop_map(Step::Register),
        2 => (1i64..24 * 20).prop_map(Step::Wait),
        1 => Just(Step::Expire),
    ]
}

struct World {
    app: TestApp,
    shop: Uuid,
    known: Vec<Uuid>,
    /// Unused vouchers by customer, and every code's name in the comparison.
    vouchers: Vec<Vec<String>>,
    code_names: HashMap<String, String>,
    orders: Vec<String>,
    n: usize,
}

fn customer(who: usize) -> String {
    format!("c{who}")
}

/// The channel key both worlds send orders and refunds with, as the API would name it.
const CHANNEL_KEY: Uuid = Uuid::from_u128(0x5eed);

/// Runs `fut` as the API runs `action`'s resolver: inside its audit scope.
async fn as_channel<F: std::future::Future>(
    ctx: &loyalty_domain::Ctx,
    action: &str,
    request: String,
    fut: F,
) -> F::Output {
    let scope = audit::Scope {
        actor: Actor::Key(CHANNEL_KEY),
        action: action.to_owned(),
        summary: json!({"request": request}),
        targets: Vec::new(),
        request_id: Some(request),
        at: ctx.clock.now(),
    };
    audit::within(scope, fut).await
}

impl World {
    async fn new(path: OrderPath, enrollment: program::Enrollment) -> Self {
        let app = spawn_app_on(path).await;
        let (shop, admin) = app.create_shop("D").await;
        let shop = Uuid::parse_str(&shop).unwrap_or_else(|e| panic!("{e}"));
        let patch = program::ProgramPatch {
            spend_per_ranking_point: Some(Decimal::from(1000)),
            pending_hours: Some(24),
            expiry: Some((program::ExpiryKind::DaysAfterEarn, Some(30), None)),
            enrollment: Some(enrollment),
            ..Default::default()
        };
        program::configure(&app.ctx, shop, patch)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        members::activation::activate(&app.ctx, shop, program::ActivationMode::InitialTier)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut known = Vec::new();
        for who in 0..KNOWN {
            let id = app
                .upsert_member(
                    &admin,
                    json!({"externalId": customer(who), "name": format!("Khách {who}"),
                           "register": who == 0}),
                )
                .await;
            known.push(Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{e}")));
        }
        let offer = app
            .gql(
                Some(&admin),
                "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
                // With bonus points: an order using a voucher earns them on both paths,
                // and its refunds take them back.
                json!({"i": {"name": "Giảm 10%", "discountKind": "PERCENT", "value": "10",
                             "targetKind": "ORDER", "validDays": 10,
                             "rules": [{"kind": "bonus_points", "args": {"points": 25}}]}}),
            )
            .await;
        let offer = offer.data()["createOffer"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // A partner listening to every event an order raises: both paths write the
        // events and their deliveries with the order.
        let endpoint = subscribe_directly(&app.ctx, shop, &ORDER_EVENTS).await;
        let mut code_names = HashMap::from([(endpoint.to_string(), "endpoint".to_owned())]);
        let mut vouchers = vec![Vec::new(); CUSTOMERS];
        for round in 0..VOUCHERS_EACH {
            let ids: Vec<String> = known.iter().map(Uuid::to_string).collect();
            let issued = app
                .gql(
                    Some(&admin),
                    "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
                    json!({"o": offer, "m": ids}),
                )
                .await;
            let codes = issued.data()["issueVouchers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(codes.len(), KNOWN, "{}", issued.body);
            // Codes come back in the order of the member ids asked for.
            for (who, code) in codes.iter().enumerate() {
                let code = code["code"].as_str().unwrap_or_default().to_owned();
                code_names.insert(code.clone(), format!("voucher {who}.{round}"));
                vouchers[who].push(code);
            }
        }
        Self {
            app,
            shop,
            known,
            vouchers,
            code_names,
            orders: Vec::new(),
            n: 0,
        }
    }

    fn input(&mut self, o: &Order) -> OrderInput {
        self.n += 1;
        let voucher_codes = if o.voucher {
            self.vouchers[o.who].last().cloned().into_iter().collect()
        } else {
            vec![]
        };
        OrderInput {
            external_id: format!("o{}", self.n),
            member_external_id: customer(o.who),
            channel: Channel::Web,
            placed_at: None,
            lines: vec![OrderLine {
                product_id: format!("p{}", o.amount % 7),
                group_ids: vec![],
                quantity: 1 + o.amount % 3,
                unit_price: Decimal::from(o.amount),
                already_discounted: false,
            }],
            voucher_codes,
            redeem_points: o.redeem,
        }
    }

    /// What an order did, in words both worlds share.
    fn settle(
        &mut self,
        o: &Order,
        input: &OrderInput,
        r: &loyalty_domain::Result<orders::OrderOutcome>,
    ) -> String {
        match r {
            Ok(_) => {
                self.orders.push(input.external_id.clone());
                if !input.voucher_codes.is_empty() {
                    self.vouchers[o.who].pop();
                }
                "ok".into()
            }
            Err(e) => outcome(e),
        }
    }

    async fn apply(&mut self, step: &Step) -> String {
        let ctx = self.app.ctx.clone();
        match step {
            Step::Order(o) => {
                let input = self.input(o);
                let request = input.external_id.clone();
                let r = as_channel(
                    &ctx,
                    "recordOrder",
                    request,
                    orders::record(&ctx, self.shop, input.clone()),
                )
                .await;
                self.settle(o, &input, &r)
            }
            Step::Burst(list) => {
                let inputs: Vec<OrderInput> = list.iter().map(|o| self.input(o)).collect();
                let tasks: Vec<_> = inputs
                    .iter()
                    .map(|i| {
                        let (ctx, shop, input) = (ctx.clone(), self.shop, i.clone());
                        tokio::spawn(async move {
                            let request = input.external_id.clone();
                            let order = orders::record(&ctx, shop, input);
                            as_channel(&ctx, "recordOrder", request, order).await
                        })
                    })
                    .collect();
                let mut results = Vec::new();
                for task in tasks {
                    results.push(task.await.unwrap_or_else(|e| panic!("{e}")));
                }
                let words: Vec<String> = list
                    .iter()
                    .zip(&inputs)
                    .zip(&results)
                    .map(|((o, i), r)| self.settle(o, i, r))
                    .collect();
                words.join(",")
            }
            Step::Refund { order, percent } => {
                if self.orders.is_empty() {
                    return "no order".into();
                }
                self.n += 1;
                let id = self.orders[order % self.orders.len()].clone();
                let total = self.remaining_of(&id).await;
                let refund_id = format!("r{}", self.n);
                let refund = orders::refund(
                    &ctx,
                    self.shop,
                    RefundInput {
                        order_external_id: id,
                        refund_id: refund_id.clone(),
                        amount: Decimal::from((total * percent / 100).max(1)),
                    },
                );
                let r = as_channel(&ctx, "refundOrder", refund_id, refund).await;
                r.map_or_else(|e| outcome(&e), |_| "ok".into())
            }
            Step::Adjust { who, points } => {
                self.n += 1;
                let r = ledger::adjust(
                    &ctx,
                    self.shop,
                    AdjustInput {
                        member_id: self.known[*who],
                        points: *points,
                        reason: "diff".into(),
                        idempotency_key: format!("a{}", self.n),
                    },
                )
                .await;
                r.map_or_else(|e| outcome(&e), |_| "ok".into())
            }
            Step::Register(who) => {
                let input = MemberInput {
                    external_id: customer(*who),
                    register: Some(true),
                    ..Default::default()
                };
                members::upsert(&ctx, self.shop, input)
                    .await
                    .map_or_else(|e| outcome(&e), |_| "ok".into())
            }
            Step::Wait(hours) => {
                self.app.advance(Duration::hours(*hours));
                "ok".into()
            }
            Step::Expire => loyalty_domain::jobs::run_once(&ctx)
                .await
                .map_or_else(|e| outcome(&e), |_| "ok".into()),
        }
    }

    async fn remaining_of(&self, external_id: &str) -> i64 {
        let rows = self
            .rows(&format!(
                "SELECT row_to_json(t)::text FROM orders t WHERE shop_id = $1 AND external_id = '{external_id}'"
            ))
            .await;
        rows.first().map_or(0, |o| {
            o["total"].as_i64().unwrap_or(0) - o["refunded_amount"].as_i64().unwrap_or(0)
        })
    }

    async fn rows(&self, sql: &str) -> Vec<Value> {
        let db = &self.app.ctx.db;
        let stmt =
            Statement::from_sql_and_values(db.get_database_backend(), sql, [self.shop.into()]);
        db.query_all_raw(stmt)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|row| {
                let text: String = row.try_get_by_index(0).unwrap_or_else(|e| panic!("{e}"));
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect()
    }

    async fn table(&self, table: &str) -> Vec<Map<String, Value>> {
        self.rows(&format!(
            "SELECT row_to_json(t)::text FROM {table} t WHERE shop_id = $1 ORDER BY 1"
        ))
        .await
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .collect()
    }

    /// Every row an order touches, with ids replaced by names both worlds share.
    async fn snapshot(&self) -> BTreeMap<&'static str, Vec<String>> {
        let mut names: HashMap<String, String> = self.code_names.clone();
        names.insert(self.shop.to_string(), "shop".into());
        let named_by = [
            ("tiers", "name"),
            ("offers", "name"),
            ("members", "external_id"),
            ("orders", "external_id"),
            ("refunds", "refund_key"),
        ];
        for (table, column) in named_by {
            for row in self.table(table).await {
                if let (Some(Value::String(id)), Some(name)) = (row.get("id"), row.get(column)) {
                    names.insert(id.clone(), format!("{table} {name}"));
                }
            }
        }
        let mut out = BTreeMap::new();
        // Rows without a name of their own are named by their content, in an order that
        // lets later tables refer to earlier ones (an expiry entry's key to its lot,
        // allocations to entries and lots).
        for table in [
            "point_lots",
            "ledger_entries",
            "lot_allocations",
            "tiers",
            "members",
            "orders",
            "order_discounts",
            "refunds",
            "vouchers",
            "idempotency_keys",
            "events",
            "webhook_deliveries",
            "audit_log",
            "audit_targets",
        ] {
            let mut rows: Vec<(String, Option<String>)> = self
                .table(&source(table))
                .await
                .into_iter()
                .map(|mut row| {
                    let id = match row.remove("id") {
                        Some(Value::String(id)) => Some(id),
                        _ => None,
                    };
                    for column in IGNORED {
                        row.remove(*column);
                    }
                    // An event's body and an audit row's targets name ids inside JSON text.
                    for column in ["payload", "targets"] {
                        if let Some(Value::String(body)) = row.get(column)
                            && let Ok(body) = serde_json::from_str::<Value>(body)
                        {
                            row.insert(column.into(), body);
                        }
                    }
                    let row = rename(Value::Object(row), &names);
                    (row.to_string(), id)
                })
                .collect();
            rows.sort();
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (text, id) in &rows {
                let n = seen.entry(text.clone()).or_default();
                *n += 1;
                if let Some(id) = id {
                    names
                        .entry(id.clone())
                        .or_insert_with(|| format!("{table} #{n} {text}"));
                }
            }
            out.insert(table, rows.into_iter().map(|(text, _)| text).collect());
        }
        out
    }
}

/// Where a snapshot reads `table`: the audit trail only as far as the orders and refunds
/// (the channel key's rows); the setup's rows name each world's own admin key and
/// requests.
fn source(table: &str) -> String {
    let key = CHANNEL_KEY;
    match table {
        "audit_log" => format!("(SELECT * FROM audit_log WHERE actor_key_id = '{key}')"),
        "audit_targets" => format!(
            "(SELECT t.* FROM audit_targets t JOIN audit_log a \
              ON a.shop_id = t.shop_id AND a.id = t.audit_id WHERE a.actor_key_id = '{key}')"
        ),
        other => other.to_owned(),
    }
}

/// Columns that differ by construction, not by what was written: the row's shop (each
/// world has its own); the hash of a request, which covers its voucher codes (each world
/// issued its own); and how long a member's cached balances stay right by themselves,
/// which the locked path leaves unknown (NULL: the next order counts the lots again, see
/// `ledger::cache::recount`) while the batched path keeps it.
const IGNORED: &[&str] = &["shop_id", "request_hash", "points_stable_until"];

/// Replaces every string that names an id or code with its name, also after a prefix
/// (`expire:<lot id>`).
fn rename(value: Value, names: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) => {
            if let Some(name) = names.get(&s) {
                return Value::String(name.clone());
            }
            match s
                .rsplit_once(':')
                .and_then(|(prefix, id)| Some((prefix, names.get(id)?)))
            {
                Some((prefix, name)) => Value::String(format!("{prefix}:{name}")),
                None => Value::String(s),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| rename(v, names)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, rename(v, names)))
                .collect(),
        ),
        other => other,
    }
}

/// A refusal in words both worlds share; anything unexpected fails the test.
fn outcome(e: &DomainError) -> String {
    match e {
        DomainError::InsufficientPoints {
            requested,
            available,
        } => {
            format!("insufficient {requested}/{available}")
        }
        DomainError::InvalidInput { field, .. } => format!("invalid {field:?}"),
        DomainError::Conflict(m) => format!("conflict {m}"),
        other => panic!("unexpected error: {other}"),
    }
}

async fn compare(step: usize, a: &World, b: &World) {
    let (left, right) = (a.snapshot().await, b.snapshot().await);
    // Every recorded order raises `order.recorded` for the partner, and leaves the
    // channel key's audit row, on either path.
    assert!(
        a.orders.is_empty() || !left["events"].is_empty(),
        "orders were recorded but no event was written"
    );
    assert!(
        left["audit_log"].len() >= a.orders.len(),
        "{} orders were recorded but {} audit rows written",
        a.orders.len(),
        left["audit_log"].len()
    );
    for (table, rows) in &left {
        let other = &right[table];
        if rows != other {
            let only_left: Vec<&String> = rows.iter().filter(|r| !other.contains(r)).collect();
            let only_right: Vec<&String> = other.iter().filter(|r| !rows.contains(r)).collect();
            panic!(
                "after step {step}, {table} differ.\nbatched only:\n{}\nlocked only:\n{}",
                only_left
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
                only_right
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn both_order_paths_write_the_same_rows(
        members_only in any::<bool>(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        if backend() != "postgres" {
            // SQLite has one path; the comparison needs PostgreSQL (CI runs it there).
            return Ok(());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let enrollment = if members_only {
                program::Enrollment::MembersOnly
            } else {
                program::Enrollment::AllCustomers
            };
            let mut batched = World::new(OrderPath::Batched, enrollment).await;
            let mut locked = World::new(OrderPath::Locked, enrollment).await;
            for (i, s) in steps.iter().enumerate() {
                let a = batched.apply(s).await;
                let b = locked.apply(s).await;
                assert_eq!(a, b, "step {i} {s:?} answered differently");
                if i % 8 == 7 {
                    compare(i, &batched, &locked).await;
                }
            }
            compare(steps.len(), &batched, &locked).await;
        });
    }
}

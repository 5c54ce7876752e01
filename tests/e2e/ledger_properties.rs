//! Property test: random sequences of earning, redemption, refunds, adjustments, time and
//! expiry keep the ledger's invariants after every step.
use chrono::Duration;
use loyalty_domain::checkout::OrderLine;
use loyalty_domain::ledger::{self, AdjustInput};
use loyalty_domain::orders::{self, OrderInput, RefundInput, input::Channel};
use loyalty_domain::{DomainError, members, program};
use loyalty_entities::{ledger_entry, lot_allocation, member, point_lot};
use loyalty_tests::{TestApp, spawn_app};
use proptest::prelude::*;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Step {
    Earn(i64),
    Redeem(i64),
    Refund { order: usize, percent: i64 },
    Adjust(i64),
    Wait(i64),
    Expire,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (1i64..3_000).prop_map(|k| Step::Earn(k * 1_000)),
        2 => (1i64..1_500).prop_map(Step::Redeem),
        2 => (0usize..8, 1i64..=100).prop_map(|(order, percent)| Step::Refund { order, percent }),
        2 => (-800i64..800).prop_filter("non-zero", |p| *p != 0).prop_map(Step::Adjust),
        2 => (1i64..24 * 40).prop_map(Step::Wait),
        1 => Just(Step::Expire),
    ]
}

struct World {
    app: TestApp,
    shop: Uuid,
    member: Uuid,
    orders: Vec<String>,
    n: usize,
}

fn order(id: String, amount: i64, redeem: i64) -> OrderInput {
    OrderInput {
        external_id: id,
        member_external_id: "m".into(),
        channel: Channel::Web,
        placed_at: None,
        lines: vec![OrderLine {
            product_id: "p".into(),
            group_ids: vec![],
            quantity: 1,
            unit_price: Decimal::from(amount),
            already_discounted: false,
        }],
        voucher_codes: vec![],
        redeem_points: redeem,
    }
}

/// Refusals a random step may meet; anything else fails the property.
fn acceptable(e: &DomainError) -> bool {
    matches!(
        e,
        DomainError::InsufficientPoints { .. } | DomainError::InvalidInput { .. }
    )
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        let (shop, _) = app.create_shop("P").await;
        let shop = Uuid::parse_str(&shop).unwrap_or_else(|e| panic!("{e}"));
        let patch = program::ProgramPatch {
            spend_per_ranking_point: Some(Decimal::from(1000)),
            pending_hours: Some(24),
            expiry: Some((program::ExpiryKind::DaysAfterEarn, Some(30), None)),
            // Its customers come from its orders, unregistered, and must earn.
            enrollment: Some(program::Enrollment::AllCustomers),
            ..Default::default()
        };
        program::configure(&app.ctx, shop, patch)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        members::activation::activate(&app.ctx, shop, program::ActivationMode::InitialTier)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let first = orders::record(&app.ctx, shop, order("seed".into(), 1000, 0))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let member = first.member.id;
        Self {
            app,
            shop,
            member,
            orders: vec!["seed".into()],
            n: 0,
        }
    }

    async fn apply(&mut self, step: &Step) {
        self.n += 1;
        let ctx = &self.app.ctx;
        let result = match step {
            Step::Earn(amount) => {
                let id = format!("o{}", self.n);
                let r = orders::record(ctx, self.shop, order(id.clone(), *amount, 0)).await;
                if r.is_ok() {
                    self.orders.push(id);
                }
                r.map(|_| ())
            }
            Step::Redeem(points) => {
                let id = format!("o{}", self.n);
                let r = orders::record(ctx, self.shop, order(id.clone(), 2_000_000, *points)).await;
                if r.is_ok() {
                    self.orders.push(id);
                }
                r.map(|_| ())
            }
            Step::Refund { order, percent } => {
                let id = self.orders[order % self.orders.len()].clone();
                let outcome = orders::record(ctx, self.shop, order_probe(&id)).await;
                // The probe is a replay of a different request: it must conflict.
                assert!(
                    matches!(outcome, Err(DomainError::Conflict(_))),
                    "{outcome:?}"
                );
                let total = total_of(&self.app, self.shop, &id).await;
                let amount = (total * percent / 100).max(1);
                orders::refund(
                    ctx,
                    self.shop,
                    RefundInput {
                        order_external_id: id,
                        refund_id: format!("r{}", self.n),
                        amount: Decimal::from(amount),
                    },
                )
                .await
                .map(|_| ())
            }
            Step::Adjust(points) => ledger::adjust(
                ctx,
                self.shop,
                AdjustInput {
                    member_id: self.member,
                    points: *points,
                    reason: "prop".into(),
                    idempotency_key: format!("a{}", self.n),
                },
            )
            .await
            .map(|_| ()),
            Step::Wait(hours) => {
                self.app.advance(Duration::hours(*hours));
                Ok(())
            }
            Step::Expire => loyalty_domain::jobs::run_once(ctx).await.map(|_| ()),
        };
        if let Err(e) = result {
            assert!(acceptable(&e), "step {step:?} failed: {e}");
        }
    }

    async fn check(&self) {
        let db = &self.app.ctx.db;
        let now = self.app.ctx.clock.now();
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::ShopId.eq(self.shop))
            .all(db)
            .await
            .unwrap_or_default();
        let lots = point_lot::Entity::find()
            .filter(point_lot::Column::ShopId.eq(self.shop))
            .all(db)
            .await
            .unwrap_or_default();
        let allocations = lot_allocation::Entity::find()
            .filter(lot_allocation::Column::ShopId.eq(self.shop))
            .all(db)
            .await
            .unwrap_or_default();
        let mut drawn: HashMap<Uuid, i64> = HashMap::new();
        for a in &allocations {
            *drawn.entry(a.lot_id).or_default() += a.points;
        }
        for lot in &lots {
            assert!(lot.remaining >= 0, "negative lot");
            assert_eq!(
                lot.remaining,
                lot.points - drawn.get(&lot.id).copied().unwrap_or(0),
                "lot cache"
            );
        }
        let sum_entries: i64 = entries.iter().map(|e| e.points).sum();
        let sum_remaining: i64 = lots.iter().map(|l| l.remaining).sum();
        assert_eq!(sum_entries, sum_remaining, "balance = sum of entries");
        let debt: i64 = entries.iter().map(|e| e.debt_change).sum();
        assert!(debt >= 0, "debt {debt}");

        let b = ledger::balance(db, self.shop, self.member, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // What `Member.points` answers without the ledger: the lots' half of the balance.
        let live = ledger::live_balances(db, self.shop, &[self.member], now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .remove(&self.member)
            .unwrap_or_default();
        assert_eq!(
            (live.available, live.pending),
            (b.available, b.pending),
            "live balance"
        );
        // The cached balances used by search equal the ledger: at once when nothing but
        // writes happened since, and after the refresh job when time moved.
        let cached = |db| async move {
            let m = member::Entity::find_by_id((self.shop, self.member))
                .one(db)
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("member vanished"));
            (m.points_available, m.points_pending, m.points_as_of)
        };
        let (available, pending, as_of) = cached(db).await;
        if as_of == Some(now) {
            assert_eq!(
                (available, pending),
                (b.available, b.pending),
                "cache right after writes"
            );
        }
        loyalty_domain::jobs::refresh_points::refresh_points(&self.app.ctx, self.shop)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (available, pending, _) = cached(db).await;
        assert_eq!(
            (available, pending),
            (b.available, b.pending),
            "cache after the job"
        );
        assert!(
            b.available >= 0 && b.pending >= 0 && b.used >= 0 && b.expired >= 0,
            "{b:?}"
        );
        let lapsed: i64 = lots
            .iter()
            .filter(|l| l.expires_at.is_some_and(|e| e <= now))
            .map(|l| l.remaining)
            .sum();
        assert_eq!(
            b.available + b.pending + lapsed,
            sum_remaining,
            "states partition the lots"
        );
        let of = |kind: &str, positive: bool| -> i64 {
            entries
                .iter()
                .filter(|e| e.kind == kind && (e.points > 0) == positive && e.points != 0)
                .map(|e| e.points.abs())
                .sum()
        };
        let credits: i64 = entries
            .iter()
            .filter(|e| e.points > 0)
            .map(|e| e.points)
            .sum();
        let restored = of("REVERSE", true);
        assert_eq!(
            credits - restored,
            b.available
                + b.pending
                + b.expired
                + b.used
                + of("REVERSE", false)
                + of("ADJUST", false),
            "every credited point is available, pending, expired, used, reversed or removed"
        );
    }
}

fn order_probe(id: &str) -> OrderInput {
    order(id.to_owned(), 1, 0)
}

async fn total_of(app: &TestApp, shop: Uuid, id: &str) -> i64 {
    use loyalty_entities::order;
    order::Entity::find()
        .filter(order::Column::ShopId.eq(shop))
        .filter(order::Column::ExternalId.eq(id))
        .one(&app.ctx.db)
        .await
        .ok()
        .flatten()
        .map_or(0, |o| o.total - o.refunded_amount)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn ledger_invariants_hold_after_every_step(steps in proptest::collection::vec(step(), 1..30)) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let mut world = World::new().await;
            world.check().await;
            for s in &steps {
                world.apply(s).await;
                world.check().await;
            }
        });
    }
}

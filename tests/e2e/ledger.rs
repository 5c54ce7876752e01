//! The points ledger through HTTP: earning, pending, expiry, redemption, refunds,
//! adjustments, tiers and idempotency.
use chrono::Duration;
use loyalty_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

/// A shop with 1,000 VND per point, rate 100 %, activated with `extra` settings.
async fn shop(app: &TestApp, extra: Value) -> String {
    shop_with_id(app, extra).await.1
}

/// As [`shop`], with the shop's id for white-box checks.
async fn shop_with_id(app: &TestApp, extra: Value) -> (uuid::Uuid, String) {
    let (shop_id, admin) = app.create_shop("A").await;
    let mut input = json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "100"});
    if let (Some(base), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        base.extend(more.clone());
    }
    app.activate(&admin, input, "INITIAL_TIER").await;
    (shop_id.parse().expect("a shop id"), admin)
}

#[tokio::test]
async fn earning_follows_the_tier_multiplier() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.update_tier(&admin, 2, json!({"pointMultiplier": "1.5"}))
        .await;

    let first = app.order(&admin, "o1", "c1", 2_000_000, 0).await;
    let r = &first.data()["recordOrder"];
    assert_eq!(r["pointsEarned"], 2000, "Member tier earns ×1");
    assert_eq!(
        r["member"]["tier"]["name"], "Silver",
        "and the order lifts c1 to Silver"
    );
    assert_eq!(r["member"]["totalOrders"], 1);
    assert_eq!(r["member"]["totalSpent"], "2000000");

    let second = app.order(&admin, "o2", "c1", 250_000, 0).await;
    assert_eq!(
        second.data()["recordOrder"]["pointsEarned"],
        375,
        "Silver earns ×1.5"
    );
    assert_eq!(app.points(&admin, "c1").await, (2375, 0, 0, 0));
}

#[tokio::test]
async fn pending_points_become_available_after_the_pending_period() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({"pendingHours": 24})).await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    assert_eq!(app.points(&admin, "c1").await, (0, 100, 0, 0));
    app.advance(Duration::hours(23));
    assert_eq!(app.points(&admin, "c1").await, (0, 100, 0, 0));
    // Pending points cannot pay.
    let res = app.order(&admin, "o2", "c1", 100_000, 50).await;
    assert_eq!(res.code(), "INSUFFICIENT_POINTS");
    app.advance(Duration::hours(1));
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
}

#[tokio::test]
async fn points_that_never_expire_stay() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({"expiry": {"kind": "NEVER"}})).await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    app.advance(Duration::days(3650));
    app.run_jobs().await;
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
}

#[tokio::test]
async fn points_expire_days_after_earning_and_the_job_records_it_once() {
    let app = spawn_app().await;
    let admin = shop(
        &app,
        json!({"expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    app.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
    app.advance(Duration::seconds(1));
    // Expired at read time, before any job has run.
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 0, 100));
    let report = app.run_jobs().await;
    assert_eq!((report.lots_expired, report.points_expired), (1, 100));
    assert_eq!(
        app.run_jobs().await.lots_expired,
        0,
        "a second run records nothing"
    );
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 0, 100));
    assert_eq!(
        app.ledger(&admin, "c1").await,
        vec![("EXPIRE".into(), -100), ("EARN".into(), 100)]
    );
}

/// The expiry job killed after its first batch (or in the middle of one, which commits
/// nothing) and run again records every lot once: the same entries, cached balances and
/// totals as one uninterrupted run, and a third run records nothing.
#[tokio::test]
async fn expiry_killed_half_way_and_rerun_records_every_lot_once() {
    use loyalty_domain::jobs::expire::expire_batch_of;
    use loyalty_entities::member;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let (shop_id, admin) = shop_with_id(
        &app,
        json!({"expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    let customers = ["c1", "c2", "c3", "c4"];
    for (i, c) in customers.iter().enumerate() {
        app.order(&admin, &format!("{c}-a"), c, 100_000, 0)
            .await
            .data();
        app.order(&admin, &format!("{c}-b"), c, 50_000 * (i as i64 + 1), 0)
            .await
            .data();
    }
    // c4 also earns later: that lot stays.
    app.advance(Duration::days(10));
    app.order(&admin, "c4-c", "c4", 70_000, 0).await.data();
    app.advance(Duration::days(21));

    // A run killed after its first batch of three lots.
    let now = app.ctx.clock.now();
    let first = expire_batch_of(&app.ctx, shop_id, now, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.0, 3);
    let rest = app.run_jobs().await;
    let expired_points: i64 = (1..=4).map(|i| 100 + 50 * i).sum();
    assert_eq!(
        (first.0 + rest.lots_expired, first.1 + rest.points_expired),
        (8, expired_points),
        "every lot once"
    );
    assert_eq!(app.run_jobs().await.lots_expired, 0, "nothing left");

    for (i, c) in customers.iter().enumerate() {
        let mut ledger = app.ledger(&admin, c).await;
        ledger.sort();
        let later = if *c == "c4" {
            vec![("EARN".into(), 70)]
        } else {
            vec![]
        };
        let mut expected: Vec<(String, i64)> = [
            ("EARN".into(), 100),
            ("EARN".into(), 50 * (i as i64 + 1)),
            ("EXPIRE".into(), -100),
            ("EXPIRE".into(), -50 * (i as i64 + 1)),
        ]
        .into_iter()
        .chain(later)
        .collect();
        expected.sort();
        assert_eq!(ledger, expected, "{c}");
        let left = if *c == "c4" { 70 } else { 0 };
        assert_eq!(
            app.points(&admin, c).await,
            (left, 0, 0, 150 + 50 * i as i64),
            "{c}"
        );
        // The cached balances the job wrote agree with the ledger.
        let row = member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::ExternalId.eq(*c))
            .one(&app.ctx.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .expect("the member");
        assert_eq!((row.points_available, row.points_pending), (left, 0), "{c}");
    }
}

/// Two expiry jobs at once over the same due lots record each lot once between them: the
/// second waits for the first's member locks and then finds those lots recorded.
#[tokio::test]
async fn two_expiry_jobs_at_once_record_every_lot_once() {
    use loyalty_domain::jobs::expire::expire_due;
    let app = spawn_app().await;
    let (shop_id, admin) = shop_with_id(
        &app,
        json!({"expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    for i in 0..6 {
        let c = format!("c{}", i % 3);
        app.order(&admin, &format!("o{i}"), &c, 100_000, 0)
            .await
            .data();
    }
    app.advance(Duration::days(31));
    let (a, b) = tokio::join!(expire_due(&app.ctx, shop_id), expire_due(&app.ctx, shop_id));
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!((a.0 + b.0, a.1 + b.1), (6, 600), "{a:?} {b:?}");
    for c in ["c0", "c1", "c2"] {
        let expires = app.ledger(&admin, c).await;
        let expires = expires.iter().filter(|(k, _)| k == "EXPIRE").count();
        assert_eq!(expires, 2, "{c}");
        assert_eq!(app.points(&admin, c).await, (0, 0, 0, 200), "{c}");
    }
}

#[tokio::test]
async fn points_expire_at_the_end_of_their_period_in_shop_time() {
    let app = spawn_app().await;
    // Periods of 12 months: calendar years (lifetime cycle), Vietnam time (UTC+7).
    let admin = shop(
        &app,
        json!({"expiry": {"kind": "END_OF_PERIOD", "periodMonths": 12}}),
    )
    .await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data(); // 2026-11-23 03:00 UTC
    let new_year_vn = chrono::DateTime::parse_from_rfc3339("2026-12-31T17:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    app.clock.set(new_year_vn - Duration::seconds(1));
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
    // Earned now (still 2026 in Vietnam): expires with the rest.
    app.order(&admin, "o2", "c1", 50_000, 0).await.data();
    app.clock.set(new_year_vn);
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 0, 150));
    // Earned in 2027: lives through 2027.
    app.order(&admin, "o3", "c1", 70_000, 0).await.data();
    app.run_jobs().await;
    assert_eq!(app.points(&admin, "c1").await, (70, 0, 0, 150));
}

#[tokio::test]
async fn redemption_spends_the_lots_that_expire_first() {
    let app = spawn_app().await;
    let admin = shop(
        &app,
        json!({"expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    app.order(&admin, "a", "c1", 100_000, 0).await.data(); // lot A: 100, expires day 30
    app.advance(Duration::days(10));
    app.order(&admin, "b", "c1", 100_000, 0).await.data(); // lot B: 100, expires day 40
    app.advance(Duration::days(1));
    // Pays 150,000 entirely with points, so it earns nothing.
    let paid_with_points = app.order(&admin, "c", "c1", 150_000, 150).await;
    let r = &paid_with_points.data()["recordOrder"];
    assert_eq!(
        (r["pointsRedeemed"].clone(), r["paid"].clone()),
        (json!(150), json!("0"))
    );
    assert_eq!(app.points(&admin, "c1").await, (50, 0, 150, 0));
    // Day 31: A is past expiry but was spent first, so nothing expires.
    app.advance(Duration::days(20));
    assert_eq!(app.points(&admin, "c1").await, (50, 0, 150, 0));
    // Day 41: B's 50 remaining expire.
    app.advance(Duration::days(10));
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 150, 50));
}

#[tokio::test]
async fn redemption_is_capped_by_the_tier_cap_and_the_order_total() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({"pointsPerThousandVnd": 2})).await;
    app.update_tier(&admin, 1, json!({"redeemCap": "30000"}))
        .await;
    app.order(&admin, "earn", "c1", 1_000_000, 0).await.data(); // 1,000 points
    let res = app.order(&admin, "capped", "c1", 100_000, 500).await;
    let r = &res.data()["recordOrder"];
    assert_eq!(
        r["pointsRedeemed"], 60,
        "2 points per 1,000 VND, cap 30,000 VND"
    );
    assert_eq!(r["paid"], "70000");
    assert_eq!(r["pointsEarned"], 70);
    let res = app.order(&admin, "small", "c1", 10_000, 500).await;
    assert_eq!(
        res.data()["recordOrder"]["pointsRedeemed"],
        20,
        "at most the order total"
    );
}

#[tokio::test]
async fn insufficient_points_write_nothing() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    let res = app.order(&admin, "o2", "c1", 500_000, 101).await;
    assert_eq!(res.code(), "INSUFFICIENT_POINTS");
    assert_eq!(res.body["errors"][0]["extensions"]["available"], 100);
    let m = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { totalOrders totalSpent } }",
            json!({}),
        )
        .await;
    assert_eq!(
        m.data()["member"],
        json!({"totalOrders": 1, "totalSpent": "100000"})
    );
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
    // The id was not consumed: the corrected order goes through.
    let ok = app.order(&admin, "o2", "c1", 500_000, 100).await;
    assert_eq!(ok.data()["recordOrder"]["pointsRedeemed"], 100);
}

#[tokio::test]
async fn unknown_customers_are_created_and_programs_in_draft_earn_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app.order(&admin, "o1", "walk-in", 300_000, 0).await;
    let r = &res.data()["recordOrder"];
    assert_eq!(r["pointsEarned"], 0);
    assert_eq!(r["member"]["totalOrders"], 1);
    assert!(r["member"]["tier"].is_null());
    assert_eq!(
        app.order(&admin, "o2", "walk-in", 1000, 5).await.code(),
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn full_and_partial_refunds_reverse_in_proportion() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "o1", "c1", 1_000_000, 0).await.data();
    let r = app.refund(&admin, "o1", "r1", 250_000).await;
    assert_eq!(r.data()["refundOrder"]["member"]["totalSpent"], "750000");
    assert_eq!(app.points(&admin, "c1").await, (750, 0, 0, 0));
    app.refund(&admin, "o1", "r2", 750_000).await.data();
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 0, 0));
    let over = app.refund(&admin, "o1", "r3", 1).await;
    assert_eq!(over.code(), "BAD_USER_INPUT");
    assert_eq!(
        app.refund(&admin, "nope", "r4", 1).await.code(),
        "NOT_FOUND"
    );

    // Redeemed points come back in proportion too: 200,000 with 100 points (100,000 VND).
    app.order(&admin, "seed", "c2", 100_000, 0).await.data(); // 100 points
    let o = app.order(&admin, "o2", "c2", 200_000, 100).await;
    assert_eq!(o.data()["recordOrder"]["pointsEarned"], 100);
    assert_eq!(app.points(&admin, "c2").await, (100, 0, 100, 0));
    app.refund(&admin, "o2", "half", 100_000).await.data();
    // Half the 100 earned taken back, half the 100 redeemed given back.
    assert_eq!(app.points(&admin, "c2").await, (100, 0, 50, 0));
}

#[tokio::test]
async fn a_refund_of_spent_points_becomes_debt_repaid_by_later_earnings() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "a", "c1", 1_000_000, 0).await.data(); // +1000
    app.order(&admin, "b", "c1", 1_000_000, 1000).await.data(); // all paid in points
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 1000, 0));
    app.refund(&admin, "a", "ra", 1_000_000).await.data();
    assert_eq!(
        app.points(&admin, "c1").await,
        (0, 0, 1000, 0),
        "never below zero"
    );
    app.order(&admin, "c", "c1", 300_000, 0).await.data(); // +300, all repays debt
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 1000, 0));
    app.order(&admin, "d", "c1", 800_000, 0).await.data(); // +800: 700 repays, 100 left
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 1000, 0));
    let kinds = app.ledger(&admin, "c1").await;
    assert_eq!(
        kinds,
        vec![
            ("REVERSE".into(), -700),
            ("EARN".into(), 800),
            ("REVERSE".into(), -300),
            ("EARN".into(), 300),
            ("REVERSE".into(), 0),
            ("REDEEM".into(), -1000),
            ("EARN".into(), 1000),
        ]
    );
}

#[tokio::test]
async fn tiers_go_up_with_spend_and_down_with_refunds() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "o1", "c1", 2_500_000, 0).await.data();
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Silver"));
    app.order(&admin, "o2", "c1", 3_000_000, 0).await.data();
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Gold"));
    let r = app.refund(&admin, "o2", "r1", 3_000_000).await;
    assert_eq!(r.data()["refundOrder"]["member"]["tier"]["name"], "Silver");
    app.refund(&admin, "o1", "r2", 1_000_000).await.data();
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Member"));
}

#[tokio::test]
async fn backfill_ranks_by_past_orders_and_initial_tier_ignores_them() {
    for (mode, expected) in [
        ("BACKFILL", [Some("Silver"), Some("Gold"), Some("Member")]),
        (
            "INITIAL_TIER",
            [Some("Member"), Some("Member"), Some("Member")],
        ),
    ] {
        let app = spawn_app().await;
        let (_, admin) = app.create_shop("A").await;
        app.order(&admin, "o1", "c1", 2_500_000, 0).await.data();
        app.order(&admin, "o2", "c2", 4_000_000, 0).await.data();
        app.order(&admin, "o3", "c2", 2_000_000, 0).await.data();
        app.order(&admin, "o4", "c3", 900_000, 0).await.data();
        app.refund(&admin, "o4", "r4", 900_000).await.data();
        // The preview shows the outcome and writes nothing.
        let preview = app
            .gql(
                Some(&admin),
                &format!("{{ activationPreview(mode: {mode}) {{ tier {{ name }} members }} }}"),
                json!({}),
            )
            .await;
        let counts: Vec<(String, i64)> = preview.data()["activationPreview"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|p| {
                (
                    p["tier"]["name"].as_str().unwrap_or_default().to_owned(),
                    p["members"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        let expected_counts: Vec<(String, i64)> = if mode == "BACKFILL" {
            vec![
                ("Member".into(), 1),
                ("Silver".into(), 1),
                ("Gold".into(), 1),
                ("Platinum".into(), 0),
            ]
        } else {
            vec![
                ("Member".into(), 3),
                ("Silver".into(), 0),
                ("Gold".into(), 0),
                ("Platinum".into(), 0),
            ]
        };
        assert_eq!(counts, expected_counts, "{mode}");
        assert_eq!(
            app.tier_of(&admin, "c1").await,
            None,
            "the preview wrote nothing"
        );
        app.activate(&admin, json!({}), mode).await;
        for (member, tier) in ["c1", "c2", "c3"].iter().zip(expected) {
            assert_eq!(
                app.tier_of(&admin, member).await.as_deref(),
                tier,
                "{mode} {member}"
            );
            assert_eq!(
                app.points(&admin, member).await,
                (0, 0, 0, 0),
                "no points for the past"
            );
        }
        if mode == "BACKFILL" {
            // A refund after activation takes back the backfilled spend.
            app.refund(&admin, "o2", "r2", 4_000_000).await.data();
            assert_eq!(app.tier_of(&admin, "c2").await.as_deref(), Some("Silver"));
        }
    }
}

#[tokio::test]
async fn calendar_cycles_keep_last_years_tier_for_a_year() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({"cycle": {"kind": "CALENDAR_YEAR"}})).await;
    app.order(&admin, "o1", "c1", 2_500_000, 0).await.data();
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Silver"));
    app.advance(Duration::days(60)); // 2027
    app.run_jobs().await;
    assert_eq!(
        app.tier_of(&admin, "c1").await.as_deref(),
        Some("Silver"),
        "kept through 2027"
    );
    app.advance(Duration::days(366)); // 2028
    let report = app.run_jobs().await;
    assert_eq!(report.members_rolled, 1);
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Member"));
}

#[tokio::test]
async fn adjustments_add_and_remove_with_a_reason() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    let id = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let adjust = "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { externalId } }";
    app.gql(
        Some(&admin),
        adjust,
        json!({"i": {"memberId": id, "points": 500, "reason": "goodwill", "idempotencyKey": "k1"}}),
    )
    .await
    .data();
    app.gql(Some(&admin), adjust, json!({"i": {"memberId": id, "points": -200, "reason": "correction", "idempotencyKey": "k2"}}))
        .await
        .data();
    assert_eq!(app.points(&admin, "c1").await, (300, 0, 0, 0));
    let too_much = app
        .gql(
            Some(&admin),
            adjust,
            json!({"i": {"memberId": id, "points": -301, "reason": "x", "idempotencyKey": "k3"}}),
        )
        .await;
    assert_eq!(too_much.code(), "INSUFFICIENT_POINTS");
    let zero = app
        .gql(
            Some(&admin),
            adjust,
            json!({"i": {"memberId": id, "points": 0, "reason": "x", "idempotencyKey": "k4"}}),
        )
        .await;
    assert_eq!(zero.code(), "BAD_USER_INPUT");
    let channel = app.create_key(&admin, "CHANNEL").await;
    let forbidden = app
        .gql(
            Some(&channel),
            adjust,
            json!({"i": {"memberId": id, "points": 5, "reason": "x", "idempotencyKey": "k5"}}),
        )
        .await;
    assert_eq!(forbidden.code(), "FORBIDDEN");
    let res = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { ledger(first: 1) { edges { node { kind points reason } } pageInfo { hasNextPage } } } }",
            json!({}),
        )
        .await;
    let l = &res.data()["member"]["ledger"];
    assert_eq!(
        l["edges"][0]["node"],
        json!({"kind": "ADJUST", "points": -200, "reason": "correction"})
    );
    assert_eq!(l["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn retries_apply_once_and_reused_ids_with_other_content_conflict() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..20 {
        let r = app.order(&admin, "o1", "c1", 1_000_000, 0).await;
        ids.insert(r.data()["recordOrder"]["orderId"].to_string());
    }
    assert_eq!(ids.len(), 1);
    for _ in 0..20 {
        app.refund(&admin, "o1", "r1", 400_000).await.data();
    }
    let id = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let adjust = "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { externalId } }";
    for _ in 0..20 {
        app.gql(
            Some(&admin),
            adjust,
            json!({"i": {"memberId": id, "points": 7, "reason": "r", "idempotencyKey": "a1"}}),
        )
        .await
        .data();
    }
    assert_eq!(app.points(&admin, "c1").await, (607, 0, 0, 0));
    let m = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { totalOrders totalSpent } }",
            json!({}),
        )
        .await;
    assert_eq!(
        m.data()["member"],
        json!({"totalOrders": 1, "totalSpent": "600000"})
    );

    assert_eq!(
        app.order(&admin, "o1", "c1", 999, 0).await.code(),
        "CONFLICT"
    );
    assert_eq!(app.refund(&admin, "o1", "r1", 1).await.code(), "CONFLICT");
    let other = app
        .gql(
            Some(&admin),
            adjust,
            json!({"i": {"memberId": id, "points": 8, "reason": "r", "idempotencyKey": "a1"}}),
        )
        .await;
    assert_eq!(other.code(), "CONFLICT");
}

#[tokio::test]
async fn concurrent_redemptions_never_overspend() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    let id = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    app.gql(
        Some(&admin),
        "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }",
        json!({"i": {"memberId": id, "points": 100, "reason": "seed", "idempotencyKey": "seed"}}),
    )
    .await
    .data();
    // 10,000 VND paid entirely with 10 points: earns nothing back.
    let vars = (0..50)
        .map(|i| json!({"i": {"externalId": format!("r{i}"), "memberExternalId": "c1", "channel": "WEB",
            "lines": [{"productId": "p", "quantity": 1, "unitPrice": "10000"}], "redeemPoints": 10}}))
        .collect();
    let codes = app
        .race(
            &admin,
            "mutation($i: OrderInput!) { recordOrder(input: $i) { pointsRedeemed } }",
            vars,
        )
        .await;
    let mut outcomes = std::collections::HashMap::new();
    for c in codes {
        *outcomes.entry(c).or_insert(0) += 1;
    }
    assert_eq!(outcomes.get("OK"), Some(&10), "{outcomes:?}");
    assert_eq!(
        outcomes.get("INSUFFICIENT_POINTS"),
        Some(&40),
        "{outcomes:?}"
    );
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 100, 0));
}

#[tokio::test]
async fn concurrent_retries_of_one_order_make_one_order() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    let order = json!({"i": {"externalId": "same", "memberExternalId": "new-customer", "channel": "LIVESTREAM",
        "lines": [{"productId": "p", "quantity": 2, "unitPrice": "50000"}]}});
    let codes = app
        .race(
            &admin,
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            vec![order; 50],
        )
        .await;
    assert!(codes.iter().all(|c| c == "OK"), "{codes:?}");
    let orders = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"new-customer\") { ledger { edges { node { kind } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        orders.data()["member"]["ledger"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "one order earned once"
    );
    let m = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"new-customer\") { totalOrders } }",
            json!({}),
        )
        .await;
    assert_eq!(m.data()["member"]["totalOrders"], 1);
    assert_eq!(app.points(&admin, "new-customer").await, (100, 0, 0, 0));
}

/// Orders of one customer racing: on PostgreSQL each is first tried without a lock and
/// checked when written, so most of these find the member changed under them and retry
/// under the lock. None may be lost or counted twice, and the cached balances used by
/// search must still equal the ledger.
#[tokio::test]
async fn concurrent_orders_of_one_member_each_count_once() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "first", "c1", 100_000, 0).await.data();
    app.advance(Duration::days(2));
    // 30 orders of 100,000 VND (100 points each); every third also pays with 10 points.
    let vars = (0..30)
        .map(|i| {
            json!({"i": {"externalId": format!("o{i}"), "memberExternalId": "c1", "channel": "POS",
            "lines": [{"productId": "p", "quantity": 1, "unitPrice": "100000"}],
            "redeemPoints": if i % 3 == 0 { 10 } else { 0 }}})
        })
        .collect();
    let codes = app
        .race(
            &admin,
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            vars,
        )
        .await;
    assert!(codes.iter().all(|c| c == "OK"), "{codes:?}");
    let m = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { id totalOrders totalSpent } }",
            json!({}),
        )
        .await;
    let m = &m.data()["member"];
    assert_eq!(m["totalOrders"], 31);
    // 10 orders paid 10,000 VND in points: 31 × 100,000 − 100,000.
    assert_eq!(m["totalSpent"], "3000000");
    // Earned: the first order 100, then 20 × 100 and 10 × 90 (points pay first); spent
    // 10 × 10.
    assert_eq!(app.points(&admin, "c1").await, (2_900, 0, 100, 0));
    let id = m["id"].as_str().map(|s| s.parse::<uuid::Uuid>());
    let Some(Ok(id)) = id else {
        panic!("member id {m}")
    };
    assert_eq!(app.cached_points(id).await, (2_900, 0), "cache = ledger");
}

/// What `recordOrder` answers for `member { points }` (on PostgreSQL from the write
/// itself, without reading the ledger again) is what the ledger says right after.
#[tokio::test]
async fn the_points_an_order_answers_are_the_ledgers() {
    let app = spawn_app().await;
    let admin = shop(
        &app,
        json!({"expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    let order = |id: &'static str, amount: i64, redeem: i64| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let res = app
                .gql(
                    Some(&admin),
                    "mutation($i: OrderInput!) { recordOrder(input: $i) { member { points { available pending used expired } } } }",
                    json!({"i": {"externalId": id, "memberExternalId": "c1", "channel": "POS",
                        "lines": [{"productId": "p", "quantity": 1, "unitPrice": amount.to_string()}],
                        "redeemPoints": redeem}}),
                )
                .await;
            let p = res.data()["recordOrder"]["member"]["points"].clone();
            let n = |f: &str| p[f].as_i64().unwrap_or_else(|| panic!("no {f} in {p}"));
            (n("available"), n("pending"), n("used"), n("expired"))
        }
    };
    assert_eq!(order("o1", 100_000, 0).await, (100, 0, 0, 0));
    app.advance(Duration::days(31));
    // o1's 100 expired (not yet recorded by the job).
    assert_eq!(order("o2", 500_000, 0).await, (500, 0, 0, 100));
    assert_eq!(
        order("o3", 200_000, 200).await,
        app.points(&admin, "c1").await
    );
    app.refund(&admin, "o3", "r3", 100_000).await.data();
    app.run_jobs().await;
    let answered = order("o4", 100_000, 50).await;
    assert_eq!(answered, app.points(&admin, "c1").await);
    assert_eq!(answered.3, 100, "expired, now recorded");
}

#[tokio::test]
async fn concurrent_refunds_of_one_order_never_refund_more_than_it_paid() {
    let app = spawn_app().await;
    let admin = shop(&app, json!({})).await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    assert_eq!(app.points(&admin, "c1").await, (100, 0, 0, 0));
    const REFUND: &str = "mutation($i: RefundInput!) { refundOrder(input: $i) { refundedAmount } }";
    // Twelve different refunds of a tenth each: the order row serializes them, so ten
    // pass and two find nothing left.
    let vars = (0..12)
        .map(|i| json!({"i": {"orderExternalId": "o1", "refundId": format!("r{i}"), "amount": "10000"}}))
        .collect();
    let mut codes = app.race(&admin, REFUND, vars).await;
    codes.sort();
    let refused = vec!["BAD_USER_INPUT".to_owned(); 2];
    assert_eq!(codes[..2], refused[..], "{codes:?}");
    assert!(codes[2..].iter().all(|c| c == "OK"), "{codes:?}");
    assert_eq!(
        app.refund(&admin, "o1", "late", 1).await.code(),
        "BAD_USER_INPUT"
    );
    assert_eq!(app.points(&admin, "c1").await, (0, 0, 0, 0));

    // Eight copies of one refund at once: one refund, seven replays of it.
    app.order(&admin, "o2", "c2", 100_000, 0).await.data();
    let half = json!({"i": {"orderExternalId": "o2", "refundId": "half", "amount": "50000"}});
    let codes = app.race(&admin, REFUND, vec![half; 8]).await;
    assert!(codes.iter().all(|c| c == "OK"), "{codes:?}");
    assert_eq!(
        app.refund(&admin, "o2", "rest", 50_001).await.code(),
        "BAD_USER_INPUT"
    );
    let rest = app.refund(&admin, "o2", "rest", 50_000).await;
    assert_eq!(rest.data()["refundOrder"]["refundedAmount"], "100000");
}

/// The balances cached on the member row (which search filters and sorts by) stay equal
/// to the lots when orders come after some of the customer's lots matured or expired,
/// with no job run in between: an order adds its change to the cache only while none
/// of the customer's lots has changed state since the cache was counted.
#[tokio::test]
async fn cached_balances_follow_lots_that_mature_and_expire_between_orders() {
    let app = spawn_app().await;
    let admin = shop(
        &app,
        json!({"pendingHours": 24, "expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
    )
    .await;
    let steps = [
        Duration::zero(),
        Duration::hours(1),
        Duration::hours(24), // the first lot matured
        Duration::minutes(30),
        Duration::days(30), // the first lots expired, the later ones matured
        Duration::hours(1),
        Duration::hours(23) + Duration::minutes(30), // the last one matured
    ];
    let mut id = None;
    for (n, step) in steps.into_iter().enumerate() {
        app.advance(step);
        let amount = 100_000 * (n as i64 + 1);
        app.order(&admin, &format!("o{n}"), "c1", amount, 0)
            .await
            .data();
        if id.is_none() {
            let m = app
                .gql(
                    Some(&admin),
                    "{ member(externalId: \"c1\") { id } }",
                    json!({}),
                )
                .await;
            id = m.data()["member"]["id"]
                .as_str()
                .and_then(|s| s.parse::<uuid::Uuid>().ok());
        }
        let Some(id) = id else { panic!("no member id") };
        let (available, pending, _, _) = app.points(&admin, "c1").await;
        assert_eq!(
            app.cached_points(id).await,
            (available, pending),
            "after order {n}"
        );
    }
    let (available, pending, _, expired) = app.points(&admin, "c1").await;
    assert!(
        available > 0 && pending > 0 && expired > 0,
        "the steps crossed maturities and expiries: {available} {pending} {expired}"
    );
}

//! Bulk actions by filter (issue 25, section 6): the members matching when asked are
//! frozen into a job, the runner applies each once, and `bulkJob` shows progress.
use loyalty_domain::bulk::{BulkConfig, run_pending};
use loyalty_entities::{bulk_job, bulk_job_item};
use loyalty_tests::{TestApp, spawn_app, str_at};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const ADJUST: &str = "mutation($f: MemberFilter, $s: SavedFilter, $p: Int!, $r: String!, $k: String!) {
  adjustPointsForMembers(filter: $f, saved: $s, points: $p, reason: $r, idempotencyKey: $k) { id kind status total done failed } }";
const REGISTER: &str = "mutation($f: MemberFilter, $s: SavedFilter, $k: String) {
  registerMembersMatching(filter: $f, saved: $s, idempotencyKey: $k) { id kind status total done failed } }";
const ISSUE: &str = "mutation($o: ID!, $f: MemberFilter, $s: SavedFilter, $k: String) {
  issueVouchersToMembers(offerId: $o, filter: $f, saved: $s, idempotencyKey: $k) { id kind status total done failed } }";
const JOB: &str = "query($id: ID!) { bulkJob(id: $id) { id kind status total done failed createdAt finishedAt failures(first: 10) { memberId reason } } }";

async fn job(app: &TestApp, key: &str, id: &str) -> Value {
    app.gql(Some(key), JOB, json!({"id": id})).await.data()["bulkJob"].clone()
}

async fn member(
    app: &TestApp,
    key: &str,
    external: &str,
    province: &str,
    register: bool,
) -> String {
    app.upsert_member(
        key,
        json!({"externalId": external, "province": province, "register": register}),
    )
    .await
}

async fn adjust(app: &TestApp, key: &str, vars: Value) -> Value {
    app.gql(Some(key), ADJUST, vars).await.data()["adjustPointsForMembers"].clone()
}

#[tokio::test]
async fn points_by_filter_reach_each_matching_member_once_and_refusals_are_counted() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let mut hanoi = BTreeSet::new();
    for i in 0..3 {
        hanoi.insert(member(&app, &admin, &format!("h{i}"), "Hà Nội", false).await);
    }
    let mut saigon = BTreeSet::new();
    for i in 0..2 {
        saigon.insert(member(&app, &admin, &format!("s{i}"), "Hồ Chí Minh", false).await);
    }
    let (_, other) = app.create_shop("B").await;
    app.activate(&other, json!({}), "INITIAL_TIER").await;
    member(&app, &other, "h0", "Hà Nội", false).await;

    let vars = json!({"f": {"province": "Hà Nội"}, "p": 100, "r": "Tết", "k": "tet-hn"});
    let created = adjust(&app, &admin, vars.clone()).await;
    assert_eq!(created["kind"], "ADJUST_POINTS");
    assert_eq!(created["status"], "QUEUED");
    assert_eq!(
        (created["total"].clone(), created["done"].clone()),
        (json!(3), json!(0))
    );
    let id = str_at(&created, "/id");

    let report = app.run_bulk().await;
    assert_eq!((report.done, report.failed, report.finished), (3, 0, 1));
    let done = job(&app, &admin, &id).await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(
        (done["done"].clone(), done["failed"].clone()),
        (json!(3), json!(0))
    );
    assert!(done["finishedAt"].is_string());
    for i in 0..3 {
        assert_eq!(app.points(&admin, &format!("h{i}")).await, (100, 0, 0, 0));
    }
    for i in 0..2 {
        assert_eq!(app.points(&admin, &format!("s{i}")).await, (0, 0, 0, 0));
    }
    assert_eq!(
        app.points(&other, "h0").await,
        (0, 0, 0, 0),
        "another shop's member"
    );

    // The same key and parameters: the same job, applied once.
    let again = adjust(&app, &admin, vars.clone()).await;
    assert_eq!(str_at(&again, "/id"), id);
    assert_eq!(app.run_bulk().await.done, 0);
    assert_eq!(app.points(&admin, "h0").await, (100, 0, 0, 0));
    // The same key with other parameters is a conflict.
    let mut changed = vars.clone();
    changed["p"] = json!(200);
    assert_eq!(
        app.gql(Some(&admin), ADJUST, changed).await.code(),
        "CONFLICT"
    );

    // Removing 60 from everyone: the Saigon members have nothing to remove.
    let minus = adjust(
        &app,
        &admin,
        json!({"s": "ALL", "p": -60, "r": "correction", "k": "fix-all"}),
    )
    .await;
    assert_eq!(minus["total"], 5);
    let id = str_at(&minus, "/id");
    app.run_bulk().await;
    let done = job(&app, &admin, &id).await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(
        (done["done"].clone(), done["failed"].clone()),
        (json!(3), json!(2))
    );
    let failed: BTreeSet<String> = done["failures"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            assert!(
                f["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("insufficient points")),
                "{f}"
            );
            str_at(f, "/memberId")
        })
        .collect();
    assert_eq!(failed, saigon);
    let mut ledger = app.ledger(&admin, "h1").await;
    ledger.sort();
    assert_eq!(
        ledger,
        vec![("ADJUST".to_owned(), -60), ("ADJUST".to_owned(), 100)]
    );
    assert_eq!(app.points(&admin, "s0").await, (0, 0, 0, 0));
    assert!(app.ledger(&admin, "s0").await.is_empty());
}

#[tokio::test]
async fn registration_and_vouchers_follow_saved_filters_frozen_when_asked() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    for i in 0..2 {
        member(&app, &admin, &format!("r{i}"), "Hà Nội", true).await;
    }
    for i in 0..3 {
        member(&app, &admin, &format!("c{i}"), "Hà Nội", false).await;
    }
    let (_, other) = app.create_shop("B").await;
    member(&app, &other, "c0", "Hà Nội", false).await;

    let created = app
        .gql(Some(&admin), REGISTER, json!({"s": "NOT_REGISTERED"}))
        .await
        .data()["registerMembersMatching"]
        .clone();
    assert_eq!(
        (created["kind"].clone(), created["total"].clone()),
        (json!("REGISTER_MEMBERS"), json!(3))
    );
    // Joins the filter after the job was asked for: not part of it.
    member(&app, &admin, "late", "Hà Nội", false).await;
    app.run_bulk().await;
    let done = job(&app, &admin, &str_at(&created, "/id")).await;
    assert_eq!(
        (done["status"].clone(), done["done"].clone()),
        (json!("DONE"), json!(3))
    );
    let unregistered = "{ members(saved: NOT_REGISTERED) { edges { node { externalId } } } }";
    let left = app.gql(Some(&admin), unregistered, json!({})).await;
    assert_eq!(
        left.data()["members"]["edges"],
        json!([{"node": {"externalId": "late"}}])
    );
    let theirs = app.gql(Some(&other), unregistered, json!({})).await;
    assert_eq!(
        theirs.data()["members"]["edges"],
        json!([{"node": {"externalId": "c0"}}]),
        "another shop's customer stays unregistered"
    );

    let offer = str_at(
        app.gql(
            Some(&admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": "10%", "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER"}}),
        )
        .await
        .data(),
        "/createOffer/id",
    );
    let vars = json!({"o": offer, "s": "REGISTERED", "k": "vip-dec"});
    let issued =
        app.gql(Some(&admin), ISSUE, vars.clone()).await.data()["issueVouchersToMembers"].clone();
    assert_eq!(
        (issued["kind"].clone(), issued["total"].clone()),
        (json!("ISSUE_VOUCHERS"), json!(5))
    );
    app.run_bulk().await;
    let again = app.gql(Some(&admin), ISSUE, vars).await.data()["issueVouchersToMembers"].clone();
    assert_eq!(again["id"], issued["id"]);
    assert_eq!(
        (again["status"].clone(), again["done"].clone()),
        (json!("DONE"), json!(5))
    );
    app.run_bulk().await;
    let vouchers = "query($e: String) { member(externalId: $e) { vouchers { edges { node { offer { id } } } } } }";
    for m in ["r0", "r1", "c0", "c1", "c2", "late"] {
        let got = app.gql(Some(&admin), vouchers, json!({"e": m})).await;
        let edges = got.data()["member"]["vouchers"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let want = if m == "late" { 0 } else { 1 };
        assert_eq!(edges.len(), want, "{m}");
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["offer"]["id"] == json!(offer))
        );
    }
}

async fn jobs_written(app: &TestApp) -> (u64, u64) {
    (
        bulk_job::Entity::find()
            .count(&app.ctx.db)
            .await
            .unwrap_or(u64::MAX),
        bulk_job_item::Entity::find()
            .count(&app.ctx.db)
            .await
            .unwrap_or(u64::MAX),
    )
}

#[tokio::test]
async fn bad_input_gets_a_code_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, inactive) = app.create_shop("inactive").await;
    member(&app, &inactive, "x", "Hà Nội", false).await;
    let ok = json!({"p": 10, "r": "why", "k": "k"});
    let with = |k: &str, v: Value| {
        let mut vars = ok.clone();
        vars[k] = v;
        vars
    };
    assert_eq!(
        app.gql(Some(&inactive), ADJUST, ok.clone()).await.code(),
        "BAD_USER_INPUT",
        "program not active"
    );

    let admin = app.active_shop().await;
    member(&app, &admin, "m", "Hà Nội", false).await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    let bad = [
        (&admin, with("p", json!(0)), "BAD_USER_INPUT"),
        (&admin, with("p", json!(1_000_000_001)), "BAD_USER_INPUT"),
        (&admin, with("r", json!(" ")), "BAD_USER_INPUT"),
        (&admin, with("r", json!("x".repeat(501))), "BAD_USER_INPUT"),
        (&admin, with("k", json!("")), "BAD_USER_INPUT"),
        (&admin, with("k", json!("k".repeat(201))), "BAD_USER_INPUT"),
        (
            &admin,
            with("f", json!({"birthdayMonth": 13})),
            "BAD_USER_INPUT",
        ),
        (
            &admin,
            with("f", json!({"name": "n".repeat(201)})),
            "BAD_USER_INPUT",
        ),
        (
            &admin,
            with("f", json!({"tierIds": ["nope"]})),
            "BAD_USER_INPUT",
        ),
        (
            &admin,
            with(
                "f",
                json!({"segmentId": "0190a0a0-0000-7000-8000-000000000000"}),
            ),
            "NOT_FOUND",
        ),
        (&channel, ok.clone(), "FORBIDDEN"),
    ];
    for (key, vars, code) in bad {
        let res = app.gql(Some(key), ADJUST, vars.clone()).await;
        assert_eq!(res.code(), code, "{vars}");
    }
    let missing = "0190a0a0-0000-7000-8000-000000000000";
    let res = app.gql(Some(&admin), ISSUE, json!({"o": missing})).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(Some(&admin), ISSUE, json!({"o": "not-an-id"}))
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let offer = str_at(
        app.gql(
            Some(&admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": "5k", "discountKind": "FIXED", "value": "5000", "targetKind": "ORDER"}}),
        )
        .await
        .data(),
        "/createOffer/id",
    );
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { archiveOffer(id: $id) { id } }",
        json!({"id": offer}),
    )
    .await
    .data();
    let res = app.gql(Some(&admin), ISSUE, json!({"o": offer})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "archived offer");
    let res = app.gql(Some(&channel), REGISTER, json!({})).await;
    assert_eq!(res.code(), "FORBIDDEN");
    assert_eq!(jobs_written(&app).await, (0, 0));

    // Reading: an unknown id, another shop's job, a page too large.
    let res = app.gql(Some(&admin), JOB, json!({"id": missing})).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let theirs = adjust(&app, &admin, ok.clone()).await;
    let res = app
        .gql(Some(&inactive), JOB, json!({"id": theirs["id"]}))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(
            Some(&admin),
            "query($id: ID!) { bulkJob(id: $id) { failures(first: 101) { reason } } }",
            json!({"id": theirs["id"]}),
        )
        .await;
    assert_eq!(res.code(), "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn a_dead_runners_lease_is_taken_over_and_two_runners_never_repeat_a_member() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    for i in 0..12 {
        member(&app, &admin, &format!("m{i:02}"), "Hà Nội", false).await;
    }
    let created = adjust(&app, &admin, json!({"p": 7, "r": "lease", "k": "lease"})).await;
    let config = BulkConfig {
        batch: 2,
        ..BulkConfig::default()
    };
    // A runner that died holding the job: its lease runs for another minute.
    let lease = app.ctx.clock.now() + chrono::Duration::seconds(60);
    bulk_job::Entity::update_many()
        .col_expr(bulk_job::Column::LeaseUntil, Expr::value(lease))
        .filter(
            bulk_job::Column::Id
                .eq(uuid::Uuid::parse_str(&str_at(&created, "/id")).unwrap_or_default()),
        )
        .exec(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let waiting = run_pending(&app.ctx, &config, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(waiting.batches, 0, "the lease holds");
    app.advance(chrono::Duration::seconds(61));

    // Two runners at once, two members a batch.
    let (a, b) = tokio::join!(
        run_pending(&app.ctx, &config, u64::MAX),
        run_pending(&app.ctx, &config, u64::MAX)
    );
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(a.done + b.done, 12);
    assert_eq!(a.finished + b.finished, 1);
    let done = job(&app, &admin, &str_at(&created, "/id")).await;
    assert_eq!(
        (done["status"].clone(), done["done"].clone()),
        (json!("DONE"), json!(12))
    );
    for i in 0..12 {
        assert_eq!(
            app.ledger(&admin, &format!("m{i:02}")).await,
            vec![("ADJUST".to_owned(), 7)]
        );
    }
    let items = bulk_job_item::Entity::find()
        .filter(bulk_job_item::Column::State.eq("DONE"))
        .count(&app.ctx.db)
        .await
        .unwrap_or_default();
    assert_eq!(items, 12);
}

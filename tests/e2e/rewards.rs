//! Rewards and vouchers for the cashier (issue 25, section 5; seed 004): the catalog's
//! stock and tiers, redemption under concurrency, a voucher found by its code, and a
//! member's vouchers by state.
use chrono::Duration;
use loyalty_tests::{Gql, TestApp, backend, spawn_app, str_at};
use serde_json::{Value, json};
use std::collections::HashMap;

const CREATE: &str = "mutation($i: RewardInput!) { createReward(input: $i) { id name pointsCost stock tierIds archived } }";
const UPDATE: &str = "mutation($id: ID!, $i: RewardInput!) { updateReward(id: $id, input: $i) { id name pointsCost offerId stock tierIds tiers { name } archived } }";
const ARCHIVE: &str = "mutation($id: ID!) { archiveReward(id: $id) { id archived } }";
const REDEEM: &str = "mutation($m: ID!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { code } }";
const CATALOG: &str = "query($all: Boolean) { rewards(includeArchived: $all) { id name pointsCost offerId offer { name } stock tierIds tiers { name } archived } }";
const VOUCHER: &str = "query($c: String!) { voucher(code: $c) { code offer { name } member { externalId } expiresAt usedAt status orderId orderExternalId order { externalId total discounts { amount } } } }";

async fn offer(app: &TestApp, admin: &str, name: &str, valid_days: Option<i64>) -> String {
    let res = app
        .gql(
            Some(admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": name, "discountKind": "FIXED", "value": "10000", "targetKind": "ORDER", "validDays": valid_days}}),
        )
        .await;
    str_at(res.data(), "/createOffer/id")
}

/// The id of the member with this external id.
async fn member_id(app: &TestApp, key: &str, external: &str) -> String {
    let res = app
        .gql(
            Some(key),
            "query($e: String) { member(externalId: $e) { id } }",
            json!({"e": external}),
        )
        .await;
    str_at(res.data(), "/member/id")
}

/// A member with `spend` VND of orders behind them (1 point and 1 ranking point per
/// 1,000 VND in `active_shop`); returns the member's id.
async fn customer(app: &TestApp, admin: &str, external: &str, spend: i64) -> String {
    app.order(admin, &format!("seed-{external}"), external, spend, 0)
        .await
        .data();
    member_id(app, admin, external).await
}

async fn tier_id(app: &TestApp, admin: &str, name: &str) -> String {
    let res = app
        .gql(Some(admin), "{ tiers { id name } }", json!({}))
        .await;
    let tiers = res.data()["tiers"].as_array().cloned().unwrap_or_default();
    let tier = tiers
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tier {name} in {tiers:?}"));
    str_at(tier, "/id")
}

async fn create(app: &TestApp, admin: &str, input: Value) -> Value {
    app.gql(Some(admin), CREATE, json!({"i": input}))
        .await
        .data()["createReward"]
        .clone()
}

async fn catalog(app: &TestApp, key: &str, all: bool) -> Vec<Value> {
    app.gql(Some(key), CATALOG, json!({"all": all}))
        .await
        .data()["rewards"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The stock of the shop's only reward.
async fn stock(app: &TestApp, admin: &str) -> Value {
    catalog(app, admin, true).await[0]["stock"].clone()
}

async fn redeem(app: &TestApp, key: &str, member: &str, reward: &str, idem: &str) -> Gql {
    app.gql(
        Some(key),
        REDEEM,
        json!({"m": member, "r": reward, "k": idem}),
    )
    .await
}

fn refused(res: &Gql, code: &str, field: Option<&str>) {
    assert_eq!(res.code(), code, "{}", res.body);
    if let Some(field) = field {
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"], field,
            "{}",
            res.body
        );
    }
}

/// The member's voucher codes of one status (all with `null`), newest first.
async fn codes(app: &TestApp, key: &str, external: &str, status: Value) -> Vec<String> {
    let res = app
        .gql(
            Some(key),
            "query($e: String, $s: VoucherStatus) { member(externalId: $e) { vouchers(status: $s, first: 100) { edges { node { code status } } } } }",
            json!({"e": external, "s": status}),
        )
        .await;
    let edges = res.data()["member"]["vouchers"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(s) = status.as_str() {
        assert!(edges.iter().all(|e| e["node"]["status"] == s), "{edges:?}");
    }
    edges.iter().map(|e| str_at(e, "/node/code")).collect()
}

#[tokio::test]
async fn a_reward_is_updated_then_archived_and_archived_it_cannot_be_redeemed() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = customer(&app, &admin, "c1", 500_000).await;
    let coffee = offer(&app, &admin, "Coffee", None).await;
    let cake = offer(&app, &admin, "Cake", Some(30)).await;
    let silver = tier_id(&app, &admin, "Silver").await;
    let gold = tier_id(&app, &admin, "Gold").await;
    let created = create(
        &app,
        &admin,
        json!({"name": "Coffee for 100", "pointsCost": 100, "offerId": coffee}),
    )
    .await;
    assert_eq!(created["stock"], Value::Null, "unlimited by default");
    assert_eq!(created["tierIds"], json!([]), "every tier by default");
    let id = str_at(&created, "/id");

    let updated = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": id, "i": {"name": " Cake for 200 ", "pointsCost": 200, "offerId": cake, "stock": 5, "tierIds": [gold, silver, gold]}}),
        )
        .await;
    assert_eq!(
        updated.data()["updateReward"],
        json!({"id": id, "name": "Cake for 200", "pointsCost": 200, "offerId": cake, "stock": 5,
            "tierIds": [gold, silver], "tiers": [{"name": "Silver"}, {"name": "Gold"}], "archived": false})
    );
    let read = app.create_key(&admin, "READ").await;
    assert_eq!(
        catalog(&app, &read, false).await,
        vec![
            json!({"id": id, "name": "Cake for 200", "pointsCost": 200, "offerId": cake,
            "offer": {"name": "Cake"}, "stock": 5, "tierIds": [gold, silver],
            "tiers": [{"name": "Silver"}, {"name": "Gold"}], "archived": false})
        ]
    );
    // Back to every tier and unlimited stock.
    let reopened = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": id, "i": {"name": "Cake", "pointsCost": 200, "offerId": cake, "stock": null, "tierIds": []}}),
        )
        .await;
    assert_eq!(reopened.data()["updateReward"]["stock"], Value::Null);
    assert_eq!(reopened.data()["updateReward"]["tierIds"], json!([]));

    let archived = app.gql(Some(&admin), ARCHIVE, json!({"id": id})).await;
    assert_eq!(
        archived.data()["archiveReward"],
        json!({"id": id, "archived": true})
    );
    let again = app.gql(Some(&admin), ARCHIVE, json!({"id": id})).await;
    assert_eq!(again.data()["archiveReward"]["archived"], true);
    assert!(catalog(&app, &admin, false).await.is_empty());
    let all = catalog(&app, &admin, true).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["archived"], true);

    let before = app.points(&admin, "c1").await;
    let res = redeem(&app, &admin, &member, &id, "k1").await;
    refused(&res, "CONFLICT", None);
    assert!(res.message().contains("archived"), "{}", res.message());
    assert_eq!(app.points(&admin, "c1").await, before, "no points spent");
    assert!(codes(&app, &admin, "c1", Value::Null).await.is_empty());
}

#[tokio::test]
async fn bad_reward_input_is_refused_with_its_code_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let o = offer(&app, &admin, "Coffee", None).await;
    let ended = offer(&app, &admin, "Ended", None).await;
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { archiveOffer(id: $id) { id } }",
        json!({"id": ended}),
    )
    .await
    .data();
    let (_, other_admin) = app.create_shop("B").await;
    let foreign_tier = tier_id(&app, &other_admin, "Gold").await;
    let good = json!({"name": "Coffee", "pointsCost": 100, "offerId": o});
    let with = |patch: Value| {
        let mut input = good.clone();
        if let (Some(i), Some(p)) = (input.as_object_mut(), patch.as_object()) {
            i.extend(p.clone());
        }
        input
    };
    let cases = [
        (with(json!({"name": "  "})), "BAD_USER_INPUT", Some("name")),
        (
            with(json!({"name": "x".repeat(201)})),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            with(json!({"pointsCost": 0})),
            "BAD_USER_INPUT",
            Some("pointsCost"),
        ),
        (with(json!({"stock": -1})), "BAD_USER_INPUT", Some("stock")),
        (
            with(json!({"stock": 1_000_000_001i64})),
            "BAD_USER_INPUT",
            Some("stock"),
        ),
        (
            with(json!({"tierIds": ["not-an-id"]})),
            "BAD_USER_INPUT",
            Some("tierIds"),
        ),
        (
            with(json!({"tierIds": [foreign_tier]})),
            "BAD_USER_INPUT",
            Some("tierIds"),
        ),
        (
            with(json!({"offerId": ended})),
            "BAD_USER_INPUT",
            Some("offerId"),
        ),
        (
            with(json!({"offerId": uuid::Uuid::now_v7().to_string()})),
            "NOT_FOUND",
            None,
        ),
    ];
    for (input, code, field) in &cases {
        let res = app.gql(Some(&admin), CREATE, json!({"i": input})).await;
        refused(&res, code, *field);
    }
    assert!(
        catalog(&app, &admin, true).await.is_empty(),
        "nothing written"
    );

    let id = str_at(
        &create(&app, &admin, with(json!({"stock": 3}))).await,
        "/id",
    );
    let stored = catalog(&app, &admin, true).await;
    for (input, code, field) in &cases {
        let res = app
            .gql(Some(&admin), UPDATE, json!({"id": id, "i": input}))
            .await;
        refused(&res, code, *field);
    }
    assert_eq!(catalog(&app, &admin, true).await, stored, "nothing changed");
    let unknown = uuid::Uuid::now_v7().to_string();
    refused(
        &app.gql(Some(&admin), UPDATE, json!({"id": unknown, "i": good}))
            .await,
        "NOT_FOUND",
        None,
    );
    refused(
        &app.gql(Some(&admin), ARCHIVE, json!({"id": unknown})).await,
        "NOT_FOUND",
        None,
    );
    refused(
        &app.gql(Some(&admin), ARCHIVE, json!({"id": "nope"})).await,
        "BAD_USER_INPUT",
        Some("id"),
    );
    for role in ["CHANNEL", "READ"] {
        let key = app.create_key(&admin, role).await;
        refused(
            &app.gql(Some(&key), UPDATE, json!({"id": id, "i": good}))
                .await,
            "FORBIDDEN",
            None,
        );
        refused(
            &app.gql(Some(&key), ARCHIVE, json!({"id": id})).await,
            "FORBIDDEN",
            None,
        );
    }
    assert_eq!(catalog(&app, &admin, true).await, stored, "nothing changed");
}

#[tokio::test]
async fn a_reward_kept_for_some_tiers_refuses_members_of_others() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let basic = customer(&app, &admin, "basic", 500_000).await;
    let silver_member = customer(&app, &admin, "silver", 2_000_000).await;
    assert_eq!(
        app.tier_of(&admin, "silver").await.as_deref(),
        Some("Silver")
    );
    let silver = tier_id(&app, &admin, "Silver").await;
    let o = offer(&app, &admin, "Lounge", None).await;
    let reward = str_at(
        &create(
            &app,
            &admin,
            json!({"name": "Lounge", "pointsCost": 100, "offerId": o, "tierIds": [silver]}),
        )
        .await,
        "/id",
    );
    let channel = app.create_key(&admin, "CHANNEL").await;
    let before = app.points(&admin, "basic").await;
    let res = redeem(&app, &channel, &basic, &reward, "b1").await;
    refused(&res, "CONFLICT", None);
    assert!(res.message().contains("Silver"), "{}", res.message());
    assert_eq!(app.points(&admin, "basic").await, before, "no points spent");
    assert!(codes(&app, &admin, "basic", Value::Null).await.is_empty());

    let ok = redeem(&app, &channel, &silver_member, &reward, "s1").await;
    let code = str_at(ok.data(), "/redeemReward/code");
    assert_eq!(
        codes(&app, &admin, "silver", json!("USABLE")).await,
        vec![code]
    );
    assert_eq!(app.points(&admin, "silver").await.0, 1_900);
}

#[tokio::test]
async fn stock_runs_out_and_a_replay_takes_none() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = customer(&app, &admin, "c1", 1_000_000).await;
    let o = offer(&app, &admin, "Coffee", None).await;
    let input = json!({"name": "Coffee", "pointsCost": 100, "offerId": o, "stock": 2});
    let reward = str_at(&create(&app, &admin, input.clone()).await, "/id");
    let first = str_at(
        redeem(&app, &admin, &member, &reward, "k1").await.data(),
        "/redeemReward/code",
    );
    assert_eq!(stock(&app, &admin).await, 1);
    let replay = redeem(&app, &admin, &member, &reward, "k1").await;
    assert_eq!(str_at(replay.data(), "/redeemReward/code"), first);
    assert_eq!(stock(&app, &admin).await, 1, "a replay takes no stock");
    redeem(&app, &admin, &member, &reward, "k2").await.data();
    assert_eq!(stock(&app, &admin).await, 0);

    let before = app.points(&admin, "c1").await;
    let res = redeem(&app, &admin, &member, &reward, "k3").await;
    refused(&res, "CONFLICT", None);
    assert!(res.message().contains("out of stock"), "{}", res.message());
    assert_eq!(app.points(&admin, "c1").await, before, "no points spent");
    assert_eq!(codes(&app, &admin, "c1", Value::Null).await.len(), 2);
    // A replay of a success still answers once the stock is gone.
    let replay = redeem(&app, &admin, &member, &reward, "k1").await;
    assert_eq!(str_at(replay.data(), "/redeemReward/code"), first);

    let mut more = input;
    more["stock"] = json!(1);
    app.gql(Some(&admin), UPDATE, json!({"id": reward, "i": more}))
        .await
        .data();
    redeem(&app, &admin, &member, &reward, "k3").await.data();
    assert_eq!(stock(&app, &admin).await, 0);
    assert_eq!(app.points(&admin, "c1").await.0, 1_000 - 300);
}

/// Thirty members redeem a reward with a stock of ten at once: exactly ten vouchers,
/// and the twenty others are refused and keep their points. On PostgreSQL the requests
/// run concurrently and the guarded update decides; on SQLite they serialize.
#[tokio::test]
async fn thirty_concurrent_redemptions_take_exactly_a_stock_of_ten() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let mut members = Vec::new();
    for i in 0..30 {
        members.push(customer(&app, &admin, &format!("m{i:02}"), 500_000).await);
    }
    let o = offer(&app, &admin, "Coffee", None).await;
    let reward = str_at(
        &create(
            &app,
            &admin,
            json!({"name": "Coffee", "pointsCost": 100, "offerId": o, "stock": 10}),
        )
        .await,
        "/id",
    );
    let vars = members
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"m": m, "r": reward, "k": format!("race-{i}")}))
        .collect();
    let outcomes = app.race(&admin, REDEEM, vars).await;
    let mut tally: HashMap<&str, usize> = HashMap::new();
    for o in &outcomes {
        *tally.entry(o.as_str()).or_default() += 1;
    }
    eprintln!("{}: {tally:?}", backend());
    assert_eq!(tally.get("OK"), Some(&10), "{tally:?}");
    assert_eq!(tally.get("CONFLICT"), Some(&20), "{tally:?}");
    assert_eq!(catalog(&app, &admin, true).await[0]["stock"], 0);
    let mut vouchers = 0;
    for (i, outcome) in outcomes.iter().enumerate() {
        let external = format!("m{i:02}");
        let held = codes(&app, &admin, &external, Value::Null).await.len();
        let available = app.points(&admin, &external).await.0;
        if outcome == "OK" {
            assert_eq!((held, available), (1, 400), "{external}");
        } else {
            assert_eq!((held, available), (0, 500), "{external} wrote nothing");
        }
        vouchers += held;
    }
    assert_eq!(vouchers, 10);
}

#[tokio::test]
async fn a_voucher_is_found_by_its_code_as_checkout_reads_it() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let o = offer(&app, &admin, "10k off", Some(30)).await;
    let issued = app
        .gql(
            Some(&admin),
            "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code expiresAt } }",
            json!({"o": o, "m": [member]}),
        )
        .await;
    let code = str_at(issued.data(), "/issueVouchers/0/code");
    let expires = str_at(issued.data(), "/issueVouchers/0/expiresAt");
    // As a cashier types it: lower case, in groups, with spaces around.
    let typed = format!(
        "  {}-{} {}  ",
        code[..4].to_lowercase(),
        &code[4..8],
        code[8..].to_lowercase()
    );
    let channel = app.create_key(&admin, "CHANNEL").await;
    let found = app.gql(Some(&channel), VOUCHER, json!({"c": typed})).await;
    assert_eq!(
        found.data()["voucher"],
        json!({"code": code, "offer": {"name": "10k off"}, "member": {"externalId": "c1"},
            "expiresAt": expires, "usedAt": null, "status": "USABLE", "orderId": null, "orderExternalId": null, "order": null})
    );

    // Checkout reads the same typed code.
    let order = app
        .gql(
            Some(&channel),
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId discountTotal } }",
            json!({"i": {"externalId": "till-7", "memberExternalId": "c1", "channel": "POS",
                "lines": [{"productId": "p", "quantity": 1, "unitPrice": "100000"}], "voucherCodes": [typed]}}),
        )
        .await;
    assert_eq!(order.data()["recordOrder"]["discountTotal"], "10000");
    let order_id = str_at(order.data(), "/recordOrder/orderId");
    let used = app.gql(Some(&admin), VOUCHER, json!({"c": code})).await;
    let v = &used.data()["voucher"];
    assert_eq!(v["status"], "USED");
    assert_eq!(v["orderId"], json!(order_id));
    assert_eq!(v["orderExternalId"], "till-7");
    assert_eq!(
        v["order"],
        json!({"externalId": "till-7", "total": "90000", "discounts": [{"amount": "10000"}]})
    );
    assert!(v["usedAt"].is_string(), "{v}");

    for nothing in ["", "   ", "ZZZZ-ZZZZ-ZZZZ"] {
        let res = app.gql(Some(&admin), VOUCHER, json!({"c": nothing})).await;
        assert_eq!(res.data()["voucher"], Value::Null, "{nothing:?}");
    }
    // Another shop does not see it.
    let (_, other) = app.create_shop("B").await;
    let res = app.gql(Some(&other), VOUCHER, json!({"c": code})).await;
    assert_eq!(res.data()["voucher"], Value::Null);
    refused(
        &app.gql(Some(&admin), VOUCHER, json!({"c": "A".repeat(65)}))
            .await,
        "BAD_USER_INPUT",
        Some("code"),
    );
    let read = app.create_key(&admin, "READ").await;
    refused(
        &app.gql(Some(&read), VOUCHER, json!({"c": code})).await,
        "FORBIDDEN",
        None,
    );
}

#[tokio::test]
async fn a_members_vouchers_are_listed_by_state_a_page_at_a_time() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let short = offer(&app, &admin, "Short", Some(1)).await;
    let long = offer(&app, &admin, "Long", None).await;
    let issue = |o: String| {
        let (app, admin, member) = (&app, admin.clone(), member.clone());
        async move {
            let res = app
                .gql(
                    Some(&admin),
                    "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
                    json!({"o": o, "m": [member]}),
                )
                .await;
            str_at(res.data(), "/issueVouchers/0/code")
        }
    };
    let expiring = issue(short).await;
    app.advance(Duration::minutes(1));
    let used = issue(long.clone()).await;
    app.advance(Duration::minutes(1));
    let kept = issue(long).await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    app.gql(
        Some(&admin),
        "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
        json!({"i": {"externalId": "o2", "memberExternalId": "c1", "channel": "WEB",
            "lines": [{"productId": "p", "quantity": 1, "unitPrice": "50000"}], "voucherCodes": [used]}}),
    )
    .await
    .data();
    assert_eq!(
        codes(&app, &admin, "c1", json!("USABLE")).await,
        vec![kept.clone(), expiring.clone()]
    );
    app.advance(Duration::days(2));
    assert_eq!(
        codes(&app, &admin, "c1", json!("USABLE")).await,
        vec![kept.clone()]
    );
    assert_eq!(
        codes(&app, &admin, "c1", json!("USED")).await,
        vec![used.clone()]
    );
    assert_eq!(
        codes(&app, &admin, "c1", json!("EXPIRED")).await,
        vec![expiring.clone()]
    );
    assert_eq!(
        codes(&app, &admin, "c1", Value::Null).await,
        vec![kept.clone(), used.clone(), expiring.clone()]
    );

    // One at a time, through the cursors.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let res = app
            .gql(
                Some(&admin),
                "query($a: String) { member(externalId: \"c1\") { vouchers(first: 1, after: $a) { edges { node { code } } pageInfo { hasNextPage endCursor } } } }",
                json!({"a": after}),
            )
            .await;
        let page = res.data()["member"]["vouchers"].clone();
        seen.extend(
            page["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| str_at(e, "/node/code")),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec![kept, used, expiring]);
    let res = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { vouchers(first: 101) { edges { node { code } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "LIMIT_EXCEEDED", "{}", res.body);
}

#[tokio::test]
async fn a_page_of_members_with_their_vouchers_costs_the_same_statements_at_any_size() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let mut members = Vec::new();
    for i in 0..60 {
        members.push(
            app.upsert_member(&admin, json!({"externalId": format!("m{i:03}")}))
                .await,
        );
    }
    // Two vouchers each, of offers that differ from member to member.
    for (k, name) in ["A", "B", "C"].into_iter().enumerate() {
        let o = offer(&app, &admin, name, Some(30)).await;
        let each: Vec<&String> = members
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 != k)
            .map(|(_, m)| m)
            .collect();
        app.gql(
            Some(&admin),
            "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
            json!({"o": o, "m": each}),
        )
        .await
        .data();
    }
    let q = "query($n: Int) { members(first: $n) { edges { node { externalId vouchers(status: USABLE, first: 5) { edges { node { code status offer { name } } } } } } } }";
    let (small, res10) = app.statements_for(&admin, q, json!({"n": 10})).await;
    assert_eq!(
        res10.data()["members"]["edges"].as_array().map(Vec::len),
        Some(10)
    );
    let (large, res60) = app.statements_for(&admin, q, json!({"n": 60})).await;
    let edges = res60.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 60);
    assert!(edges.iter().all(|e| {
        e["node"]["vouchers"]["edges"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    }));
    eprintln!("statements for members with vouchers: {small} at 10 members, {large} at 60");
    assert_eq!(small, large, "statements at 10 and at 60 members");
    assert!(large <= 10, "a handful of statements, got {large}");
}

/// The migration that gave rewards a stock and tiers goes down and up again over a
/// catalog: a reward made before it is unlimited and open to every tier.
#[tokio::test]
async fn the_stock_and_tiers_migration_goes_down_and_up_again() {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = customer(&app, &admin, "c1", 500_000).await;
    let o = offer(&app, &admin, "Coffee", None).await;
    let silver = tier_id(&app, &admin, "Silver").await;
    create(
        &app,
        &admin,
        json!({"name": "Kept", "pointsCost": 100, "offerId": o, "stock": 1, "tierIds": [silver]}),
    )
    .await;
    loyalty_tests::migrate_down_through(&app.ctx.db, "m20261207_000014_reward_stock_tiers").await;
    Migrator::up(&app.ctx.db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    let rewards = catalog(&app, &admin, true).await;
    assert_eq!(
        (&rewards[0]["stock"], &rewards[0]["tierIds"]),
        (&Value::Null, &json!([]))
    );
    let id = str_at(&rewards[0], "/id");
    redeem(&app, &admin, &member, &id, "after").await.data();
    assert_eq!(stock(&app, &admin).await, Value::Null);
}

//! Who takes part in the program (issue 25, section 2; seeds 002 and 003): under
//! MEMBERS_ONLY, the default of a new program, an unregistered customer's orders are
//! recorded and counted but earn nothing, get no tier discount and cannot pay with
//! points, and campaigns reach registered members unless they include non-members;
//! registering applies the tier the customer's spend reached at once. Under
//! ALL_CUSTOMERS, which programs made before the setting keep, every customer takes part.
use loyalty_tests::{Gql, TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source amount } skipped { source reason } discountTotal pointsRedeemed total pointsToEarn } }";
const ORDER: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { total paid discountTotal pointsEarned pointsRedeemed member { totalOrders totalSpent tier { name } } } }";
const MEMBER: &str = "query($e: String) { member(externalId: $e) { id registeredAt totalOrders totalSpent rankingSpend lastPurchaseAt tier { name } points { available pending used } } }";
const ADJUST: &str = "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }";
const PROGRAM: &str = "{ program { enrollment } }";

/// A shop whose program is active with `enrollment` (1,000 VND per ranking point) and
/// whose Silver tier (2,000,000 VND) gives 10 %; returns the ADMIN and a CHANNEL key.
async fn shop(app: &TestApp, enrollment: &str) -> (String, String) {
    let (_, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "enrollment": enrollment}),
        "INITIAL_TIER",
    )
    .await;
    app.update_tier(&admin, 2, json!({"discountPercent": "10"}))
        .await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    (admin, channel)
}

fn cart(member: &str, amount: i64, redeem: i64) -> Value {
    json!({"memberExternalId": member, "redeemPoints": redeem,
           "lines": [{"productId": "sku", "quantity": 1, "unitPrice": amount.to_string()}]})
}

async fn quote(app: &TestApp, key: &str, member: &str, amount: i64, redeem: i64) -> Value {
    app.gql(Some(key), QUOTE, json!({"i": cart(member, amount, redeem)}))
        .await
        .data()["quote"]
        .clone()
}

async fn order(app: &TestApp, key: &str, id: &str, member: &str, amount: i64, redeem: i64) -> Gql {
    let mut input = cart(member, amount, redeem);
    input["externalId"] = json!(id);
    input["channel"] = json!("POS");
    app.gql(Some(key), ORDER, json!({"i": input})).await
}

async fn member(app: &TestApp, key: &str, external_id: &str) -> Value {
    app.gql(Some(key), MEMBER, json!({"e": external_id}))
        .await
        .data()["member"]
        .clone()
}

async fn adjust(app: &TestApp, admin: &str, member_id: &str, points: i64, key: &str) {
    app.gql(
        Some(admin),
        ADJUST,
        json!({"i": {"memberId": member_id, "points": points, "reason": "goodwill", "idempotencyKey": key}}),
    )
    .await
    .data();
}

fn skipped(quote: &Value) -> Vec<(String, String)> {
    quote["skipped"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| (str_at(s, "/source"), str_at(s, "/reason")))
        .collect()
}

fn not_a_member(source: &str) -> (String, String) {
    (source.to_owned(), "not a member".to_owned())
}

#[tokio::test]
async fn a_new_program_is_for_members_only_and_a_bad_setting_changes_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app.gql(Some(&admin), PROGRAM, json!({})).await;
    assert_eq!(res.data()["program"]["enrollment"], "MEMBERS_ONLY");
    let configure =
        "mutation($i: ProgramInput!) { configureProgram(input: $i) { enrollment pendingHours } }";
    let res = app
        .gql(
            Some(&admin),
            configure,
            json!({"i": {"enrollment": "EVERYONE", "pendingHours": 5}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let res = app
        .gql(
            Some(&admin),
            "{ program { enrollment pendingHours } }",
            json!({}),
        )
        .await;
    assert_eq!(
        res.data()["program"],
        json!({"enrollment": "MEMBERS_ONLY", "pendingHours": 0})
    );
    let res = app
        .gql(
            Some(&admin),
            configure,
            json!({"i": {"enrollment": "ALL_CUSTOMERS"}}),
        )
        .await;
    assert_eq!(
        res.data()["configureProgram"]["enrollment"],
        "ALL_CUSTOMERS"
    );
    // A CHANNEL key reads the program but may not change who takes part.
    let channel = app.create_key(&admin, "CHANNEL").await;
    let res = app
        .gql(
            Some(&channel),
            configure,
            json!({"i": {"enrollment": "MEMBERS_ONLY"}}),
        )
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let res = app.gql(Some(&admin), PROGRAM, json!({})).await;
    assert_eq!(res.data()["program"]["enrollment"], "ALL_CUSTOMERS");
}

#[tokio::test]
async fn under_members_only_a_customer_is_counted_but_takes_part_once_registered() {
    let app = spawn_app().await;
    let (admin, channel) = shop(&app, "MEMBERS_ONLY").await;

    // A customer not seen yet would be unregistered: the quote says so.
    let q = quote(&app, &channel, "c1", 3_000_000, 0).await;
    assert_eq!(q["pointsToEarn"], 0);
    assert_eq!(skipped(&q), [not_a_member("TIER")]);

    // Its first order is recorded and counted, with no discount and no points.
    let res = order(&app, &channel, "o1", "c1", 3_000_000, 0).await;
    let o = &res.data()["recordOrder"];
    assert_eq!(o["discountTotal"], "0");
    assert_eq!(o["paid"], "3000000");
    assert_eq!(o["pointsEarned"], 0);
    let c1 = member(&app, &admin, "c1").await;
    assert!(c1["registeredAt"].is_null(), "{c1}");
    assert_eq!(c1["totalOrders"], 1);
    assert_eq!(c1["totalSpent"], "3000000");
    assert_eq!(c1["rankingSpend"], "3000000");
    assert!(c1["lastPurchaseAt"].is_string(), "{c1}");
    assert_eq!(
        c1["points"],
        json!({"available": 0, "pending": 0, "used": 0})
    );
    // The spend reached Silver; its discount waits for the registration.
    assert_eq!(c1["tier"]["name"], "Silver");

    // Points given by hand still cannot pay: the quote skips them, an order is refused
    // with a code and writes nothing.
    let c1_id = str_at(&c1, "/id");
    adjust(&app, &admin, &c1_id, 500, "gift-1").await;
    let q = quote(&app, &channel, "c1", 1_000_000, 10).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(q["pointsRedeemed"], 0);
    assert_eq!(q["pointsToEarn"], 0);
    assert_eq!(q["total"], "1000000");
    assert_eq!(skipped(&q), [not_a_member("TIER"), not_a_member("POINTS")]);
    let refused = order(&app, &channel, "o2", "c1", 1_000_000, 10).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT", "{}", refused.body);
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "redeemPoints"
    );
    assert!(
        refused.message().contains("not a member"),
        "{}",
        refused.body
    );
    let after = member(&app, &admin, "c1").await;
    assert_eq!(after["totalOrders"], 1);
    assert_eq!(after["points"]["available"], 500);

    // Registering from a channel: Silver's discount and earning apply at once.
    let res = app
        .gql(
            Some(&channel),
            "mutation { upsertMember(input: {externalId: \"c1\", register: true}) { registeredAt tier { name } } }",
            json!({}),
        )
        .await;
    let joined = &res.data()["upsertMember"];
    assert!(joined["registeredAt"].is_string(), "{joined}");
    assert_eq!(joined["tier"]["name"], "Silver");
    let q = quote(&app, &channel, "c1", 1_000_000, 10).await;
    assert_eq!(skipped(&q), Vec::<(String, String)>::new());
    assert_eq!(
        q["discounts"][0],
        json!({"source": "TIER", "amount": "100000"})
    );
    assert_eq!(q["pointsRedeemed"], 10);
    let expected_points = q["pointsToEarn"].as_i64().unwrap_or_default();
    assert!(expected_points > 0, "{q}");
    // The refused order went through nothing: its id is free and now records.
    let res = order(&app, &channel, "o2", "c1", 1_000_000, 10).await;
    let o = &res.data()["recordOrder"];
    assert_eq!(o["pointsRedeemed"], 10);
    assert_eq!(o["pointsEarned"], expected_points);
    assert_eq!(o["paid"], q["total"]);
    assert_eq!(o["member"]["totalOrders"], 2);
    let points = member(&app, &admin, "c1").await["points"].clone();
    assert_eq!(
        points,
        json!({"available": 490 + expected_points, "pending": 0, "used": 10})
    );
}

#[tokio::test]
async fn register_members_applies_the_tier_the_spend_reached_at_once() {
    let app = spawn_app().await;
    let (admin, channel) = shop(&app, "MEMBERS_ONLY").await;
    order(&app, &channel, "o1", "c2", 2_500_000, 0).await.data();
    order(&app, &channel, "o2", "c3", 500_000, 0).await.data();
    let q = quote(&app, &channel, "c2", 1_000_000, 0).await;
    assert_eq!(q["discountTotal"], "0");
    let ids = [
        str_at(&member(&app, &admin, "c2").await, "/id"),
        str_at(&member(&app, &admin, "c3").await, "/id"),
    ];
    let res = app
        .gql(
            Some(&channel),
            "mutation($ids: [ID!]!) { registerMembers(ids: $ids) }",
            json!({"ids": ids}),
        )
        .await;
    assert_eq!(res.data()["registerMembers"], 2);
    let q = quote(&app, &channel, "c2", 1_000_000, 0).await;
    assert_eq!(
        q["discounts"][0],
        json!({"source": "TIER", "amount": "100000"})
    );
    assert!(q["pointsToEarn"].as_i64().unwrap_or_default() > 0, "{q}");
    // Below Silver: the initial tier, which gives no discount but earns.
    let q = quote(&app, &channel, "c3", 1_000_000, 0).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(q["pointsToEarn"], 1000);
    assert_eq!(skipped(&q), Vec::<(String, String)>::new());
    // An unknown id changes nothing, not even the others.
    let c4 = app
        .upsert_member(&channel, json!({"externalId": "c4"}))
        .await;
    let res = app
        .gql(
            Some(&channel),
            "mutation($ids: [ID!]!) { registerMembers(ids: $ids) }",
            json!({"ids": [c4, "0190a0a0-0000-7000-8000-000000000000"]}),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    assert!(member(&app, &admin, "c4").await["registeredAt"].is_null());
}

#[tokio::test]
async fn registering_after_the_cycles_rolled_applies_the_tier_of_the_spend_that_still_counts() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "enrollment": "MEMBERS_ONLY",
               "cycle": {"kind": "ROLLING_MONTHS", "months": 1}}),
        "INITIAL_TIER",
    )
    .await;
    app.update_tier(&admin, 2, json!({"discountPercent": "10"}))
        .await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    order(&app, &channel, "o1", "c1", 3_000_000, 0).await.data();
    // Two monthly cycles later no spend counts any more, though no job has rolled the
    // customer's row yet: it still names Silver.
    app.advance(chrono::Duration::days(70));
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Silver"));
    let id = str_at(&member(&app, &admin, "c1").await, "/id");
    let res = app
        .gql(
            Some(&channel),
            "mutation($ids: [ID!]!) { registerMembers(ids: $ids) }",
            json!({"ids": [id]}),
        )
        .await;
    assert_eq!(res.data()["registerMembers"], 1);
    assert_eq!(app.tier_of(&admin, "c1").await.as_deref(), Some("Member"));
    let q = quote(&app, &channel, "c1", 1_000_000, 0).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(q["pointsToEarn"], 1000);
    assert_eq!(skipped(&q), Vec::<(String, String)>::new());
}

#[tokio::test]
async fn under_all_customers_an_unregistered_customer_takes_part_as_before() {
    let app = spawn_app().await;
    let (admin, channel) = shop(&app, "ALL_CUSTOMERS").await;
    let first = order(&app, &channel, "o1", "c1", 3_000_000, 0).await;
    // 3,000 ranking points in the initial tier (multiplier 1, rate 100 %).
    assert_eq!(first.data()["recordOrder"]["pointsEarned"], 3000);
    let q = quote(&app, &channel, "c1", 1_000_000, 10).await;
    assert_eq!(skipped(&q), Vec::<(String, String)>::new());
    assert_eq!(
        q["discounts"][0],
        json!({"source": "TIER", "amount": "100000"})
    );
    assert_eq!(q["pointsRedeemed"], 10);
    let res = order(&app, &channel, "o2", "c1", 1_000_000, 10).await;
    assert_eq!(res.data()["recordOrder"]["pointsEarned"], q["pointsToEarn"]);
    assert_eq!(res.data()["recordOrder"]["pointsRedeemed"], 10);
    let c1 = member(&app, &admin, "c1").await;
    assert!(c1["registeredAt"].is_null());
    assert_eq!(c1["points"]["used"], 10);
}

#[tokio::test]
async fn rewards_are_for_members_under_members_only() {
    let app = spawn_app().await;
    let (admin, channel) = shop(&app, "MEMBERS_ONLY").await;
    let id = app
        .upsert_member(&channel, json!({"externalId": "c1"}))
        .await;
    adjust(&app, &admin, &id, 500, "gift-1").await;
    let offer = app
        .gql(
            Some(&admin),
            "mutation { createOffer(input: {name: \"50k\", discountKind: FIXED, value: \"50000\", targetKind: ORDER}) { id } }",
            json!({}),
        )
        .await;
    let reward = app
        .gql(
            Some(&admin),
            "mutation($o: ID!) { createReward(input: {name: \"50k for 300\", pointsCost: 300, offerId: $o}) { id } }",
            json!({"o": str_at(offer.data(), "/createOffer/id")}),
        )
        .await;
    let reward = str_at(reward.data(), "/createReward/id");
    let redeem = "mutation($m: ID!, $r: ID!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: \"rw1\") { code } }";
    let res = app
        .gql(Some(&channel), redeem, json!({"m": id, "r": reward}))
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.body);
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "memberId");
    assert_eq!(app.points(&admin, "c1").await, (500, 0, 0, 0));
    app.upsert_member(&channel, json!({"externalId": "c1", "register": true}))
        .await;
    let res = app
        .gql(Some(&channel), redeem, json!({"m": id, "r": reward}))
        .await;
    assert_eq!(str_at(res.data(), "/redeemReward/code").len(), 12);
    assert_eq!(app.points(&admin, "c1").await, (200, 0, 300, 0));
}

const CAMPAIGN: &str = "mutation($i: CampaignInput!) { createCampaign(input: $i) { id includeNonMembers audienceSize } }";

/// Creates a campaign to `audience` (merged into the input); returns (includeNonMembers,
/// audienceSize, id).
async fn campaign(app: &TestApp, admin: &str, extra: Value) -> (bool, i64, String) {
    let mut input = json!({"name": "Tết", "zns": {"templateId": "1", "params": [{"key": "n", "value": "{{ name }}"}]}});
    if let (Value::Object(base), Value::Object(more)) = (&mut input, extra) {
        base.extend(more);
    }
    let res = app.gql(Some(admin), CAMPAIGN, json!({"i": input})).await;
    let c = &res.data()["createCampaign"];
    (
        c["includeNonMembers"].as_bool().unwrap_or_default(),
        c["audienceSize"].as_i64().unwrap_or(-1),
        str_at(c, "/id"),
    )
}

#[tokio::test]
async fn campaigns_reach_members_only_unless_they_include_non_members() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let csv = "external_id,name,phone,registered\n\
               a,An,0912345601,true\n\
               b,Bình,0912345602,true\n\
               d,Dũng,0912345604,false\n";
    let r = app
        .gql(
            Some(&admin),
            "mutation($c: String!) { importMembers(csv: $c) { imported } }",
            json!({"c": csv}),
        )
        .await;
    assert_eq!(r.data()["importMembers"]["imported"], 3);

    let (included, everyone, id) = campaign(&app, &admin, json!({})).await;
    assert!(!included, "includeNonMembers defaults to false");
    assert_eq!(everyone, 2);
    let (included, with_outside, _) =
        campaign(&app, &admin, json!({"includeNonMembers": true})).await;
    assert!(included);
    assert_eq!(with_outside, 3);
    let (_, outside_only, _) = campaign(&app, &admin, json!({"saved": "NOT_REGISTERED"})).await;
    assert_eq!(outside_only, 0);
    let (_, outside_only, _) = campaign(
        &app,
        &admin,
        json!({"audience": {"registered": false}, "includeNonMembers": true}),
    )
    .await;
    assert_eq!(outside_only, 1);
    // Sending freezes what the size promised.
    let sent = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { sendCampaignNow(id: $id) { recipients } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(sent.data()["sendCampaignNow"]["recipients"], 2);
    // A bad flag is refused and saves nothing.
    let before = app
        .gql(
            Some(&admin),
            "{ campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let bad = app
        .gql(
            Some(&admin),
            CAMPAIGN,
            json!({"i": {"name": "x", "includeNonMembers": "yes", "zns": {"templateId": "1", "params": []}}}),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    let after = app
        .gql(
            Some(&admin),
            "{ campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(before.data(), after.data());

    // For every customer, every campaign reaches everyone its audience names.
    app.gql(
        Some(&admin),
        "mutation { configureProgram(input: {enrollment: ALL_CUSTOMERS}) { enrollment } }",
        json!({}),
    )
    .await
    .data();
    let (_, everyone, _) = campaign(&app, &admin, json!({})).await;
    assert_eq!(everyone, 3);
}

#[tokio::test]
async fn a_program_made_before_the_setting_keeps_every_customer_in_it() {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    assert_eq!(
        app.gql(Some(&admin), PROGRAM, json!({})).await.data()["program"]["enrollment"],
        "MEMBERS_ONLY"
    );
    loyalty_tests::migrate_down_through(&app.ctx.db, "m20261207_000018_enrollment").await;
    Migrator::up(&app.ctx.db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    app.ctx
        .policies
        .forget(shop.parse().unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(
        app.gql(Some(&admin), PROGRAM, json!({})).await.data()["program"]["enrollment"],
        "ALL_CUSTOMERS"
    );
    app.gql(
        Some(&admin),
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await
    .data();
    let res = order(&app, &admin, "o1", "c1", 500_000, 0).await;
    assert_eq!(res.data()["recordOrder"]["pointsEarned"], 500_000);
}

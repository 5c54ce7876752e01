//! The member wallet API (issue 27, section 1): member sessions, `me`, `myRewards` and
//! `redeemMyReward`, expiry and revocation of tokens, their bounds, and other shops.
use chrono::{DateTime, Duration, Utc};
use loyalty_domain::clock::Clock;
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const SESSION: &str = "mutation($e: String!, $t: Int) { createMemberSession(memberExternalId: $e, ttlMinutes: $t) { token expiresAt memberId } }";
const REVOKE: &str = "mutation($m: ID!) { revokeMemberSessions(memberId: $m) }";
const ME: &str = "{ me { id externalId name registered tier { name minSpend } nextTier { name minSpend } \
    progress { rankingSpend spendToNextTier } \
    points { available pending expiringSoon { points at } } \
    vouchers(status: USABLE) { edges { node { code status expiresAt offer { name description imageUrl } } } } \
    ledger(first: 5) { edges { node { id kind points } } } \
    orders(first: 5) { edges { node { externalId total paid pointsEarned } } } } }";
const MY_REWARDS: &str =
    "{ myRewards { id name pointsCost stock affordable pointsMissing offer { name } } }";
const REDEEM: &str = "mutation($r: ID!, $k: String!) { redeemMyReward(rewardId: $r, idempotencyKey: $k) { code status offer { name } } }";

/// A token for the shop's member `external`, made with `key`.
pub async fn session(app: &TestApp, key: &str, external: &str) -> String {
    let res = app
        .gql(Some(key), SESSION, json!({"e": external, "t": null}))
        .await;
    str_at(res.data(), "/createMemberSession/token")
}

/// An active shop (1,000 VND per ranking point, points expiring 20 days after earning)
/// whose member "c-1" ordered 2,500,000 VND; returns the ADMIN key.
async fn shop_with_customer(app: &TestApp) -> String {
    let (_, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "expiry": {"kind": "DAYS_AFTER_EARN", "days": 20}}),
        "INITIAL_TIER",
    )
    .await;
    app.order(&admin, "o-1", "c-1", 2_500_000, 0).await.data();
    admin
}

async fn offer(app: &TestApp, admin: &str, name: &str) -> String {
    let res = app
        .gql(
            Some(admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": name, "description": "Giảm 10.000 ₫", "imageUrl": "https://cdn.example/o.png",
                "discountKind": "FIXED", "value": "10000", "targetKind": "ORDER", "validDays": 30}}),
        )
        .await;
    str_at(res.data(), "/createOffer/id")
}

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

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["node"][field].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn at(v: &Value, pointer: &str) -> DateTime<Utc> {
    str_at(v, pointer)
        .parse()
        .unwrap_or_else(|e| panic!("{pointer}: {e}"))
}

#[tokio::test]
async fn me_shows_the_members_own_tier_points_vouchers_ledger_and_orders() {
    let app = spawn_app().await;
    let admin = shop_with_customer(&app).await;
    let gift = offer(&app, &admin, "Quà sinh nhật").await;
    let c1 = member_id(&app, &admin, "c-1").await;
    app.gql(
        Some(&admin),
        "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
        json!({"o": gift, "m": [c1]}),
    )
    .await
    .data();
    // Another member with a voucher of their own, which c-1 must not see.
    app.order(&admin, "o-2", "c-2", 100_000, 0).await.data();
    let c2 = member_id(&app, &admin, "c-2").await;
    app.gql(
        Some(&admin),
        "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
        json!({"o": gift, "m": [c2]}),
    )
    .await
    .data();
    let token = session(&app, &admin, "c-1").await;
    let me = app.gql(Some(&token), ME, json!({})).await;
    let me = &me.data()["me"];

    // The shop key's view of the same member is what the member sees.
    let shop_view = app
        .gql(
            Some(&admin),
            "query($id: ID!) { member(id: $id) { id externalId tier { name } rankingSpend points { available pending } \
             vouchers(status: USABLE) { edges { node { code } } } ledger(first: 5) { edges { node { id } } } \
             orders(first: 5) { edges { node { externalId } } } } tiers { name rank minSpend } }",
            json!({"id": c1}),
        )
        .await;
    let view = &shop_view.data()["member"];
    assert_eq!(me["id"], view["id"]);
    assert_eq!(me["externalId"], "c-1");
    assert_eq!(me["tier"]["name"], view["tier"]["name"]);
    assert_eq!(me["points"]["available"], view["points"]["available"]);
    assert_eq!(me["points"]["pending"], view["points"]["pending"]);
    assert_eq!(ids(&me["vouchers"], "code"), ids(&view["vouchers"], "code"));
    assert_eq!(ids(&me["vouchers"], "code").len(), 1, "only c-1's voucher");
    assert_eq!(ids(&me["ledger"], "id"), ids(&view["ledger"], "id"));
    assert_eq!(ids(&me["orders"], "externalId"), vec!["o-1".to_owned()]);
    let voucher = &me["vouchers"]["edges"][0]["node"];
    assert_eq!(voucher["offer"]["name"], "Quà sinh nhật");
    assert_eq!(voucher["offer"]["imageUrl"], "https://cdn.example/o.png");

    // The next tier is the one ranked above, and the spend left is its threshold minus
    // this cycle's spend.
    let tiers = shop_view.data()["tiers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rank_of = |name: &Value| {
        tiers
            .iter()
            .find(|t| &t["name"] == name)
            .and_then(|t| t["rank"].as_i64())
            .unwrap_or_else(|| panic!("no tier {name}"))
    };
    let next = tiers
        .iter()
        .find(|t| t["rank"].as_i64() == Some(rank_of(&me["tier"]["name"]) + 1))
        .unwrap_or_else(|| panic!("a tier above {}", me["tier"]));
    assert_eq!(me["nextTier"]["name"], next["name"]);
    let dec = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("not a whole Decimal: {v}"))
    };
    assert_eq!(
        dec(&me["progress"]["rankingSpend"]),
        dec(&view["rankingSpend"])
    );
    assert_eq!(
        dec(&me["progress"]["spendToNextTier"]),
        dec(&next["minSpend"]) - dec(&view["rankingSpend"])
    );

    // The points earned expire 20 days after the order: soon, all of them at once.
    let soon = me["points"]["expiringSoon"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(soon.len(), 1, "{soon:?}");
    assert_eq!(soon[0]["points"], view["points"]["available"]);
    assert_eq!(at(&soon[0], "/at"), app.clock.now() + Duration::days(20));
    let later = app
        .gql(
            Some(&token),
            "{ me { points { expiringSoon(withinDays: 10) { points } } } }",
            json!({}),
        )
        .await;
    assert_eq!(later.data()["me"]["points"]["expiringSoon"], json!([]));
    let bad = app
        .gql(
            Some(&token),
            "{ me { points { expiringSoon(withinDays: 0) { points } } } }",
            json!({}),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");

    // A shop key has no `me`.
    let res = app.gql(Some(&admin), "{ me { id } }", json!({})).await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_member_redeems_the_rewards_open_to_them() {
    let app = spawn_app().await;
    let admin = shop_with_customer(&app).await;
    let gift = offer(&app, &admin, "Voucher 10K").await;
    let tiers = app
        .gql(Some(&admin), "{ tiers { id name rank } }", json!({}))
        .await;
    let top = tiers.data()["tiers"]
        .as_array()
        .and_then(|t| t.iter().max_by_key(|t| t["rank"].as_i64()))
        .map(|t| str_at(t, "/id"))
        .unwrap_or_else(|| panic!("tiers"));
    let create = |name: &str, cost: i64, stock: Option<i64>, tiers: Vec<String>| json!({"i": {"name": name, "pointsCost": cost, "offerId": gift, "stock": stock, "tierIds": tiers}});
    let mut rewards = std::collections::HashMap::new();
    for (name, cost, stock, tier_ids) in [
        ("cheap", 1_000, Some(5), vec![]),
        ("dear", 1_000_000, None, vec![]),
        ("top only", 10, None, vec![top.clone()]),
        ("sold out", 10, Some(0), vec![]),
    ] {
        let res = app
            .gql(
                Some(&admin),
                "mutation($i: RewardInput!) { createReward(input: $i) { id } }",
                create(name, cost, stock, tier_ids),
            )
            .await;
        rewards.insert(name, str_at(res.data(), "/createReward/id"));
    }
    let token = session(&app, &admin, "c-1").await;
    let (available, ..) = app.points(&admin, "c-1").await;
    let listed = app.gql(Some(&token), MY_REWARDS, json!({})).await;
    let listed = listed.data()["myRewards"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = listed.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(
        names,
        vec!["cheap", "dear"],
        "tier-kept and sold-out rewards are not offered"
    );
    assert_eq!(listed[0]["affordable"], true);
    assert_eq!(listed[0]["pointsMissing"], 0);
    assert_eq!(listed[1]["affordable"], false);
    assert_eq!(listed[1]["pointsMissing"], 1_000_000 - available);

    let redeem = |key: &'static str, reward: &str| json!({"r": reward, "k": key});
    let first = app
        .gql(Some(&token), REDEEM, redeem("k-1", &rewards["cheap"]))
        .await;
    let code = str_at(first.data(), "/redeemMyReward/code");
    assert_eq!(app.points(&admin, "c-1").await.0, available - 1_000);
    // The same key again is the same redemption.
    let again = app
        .gql(Some(&token), REDEEM, redeem("k-1", &rewards["cheap"]))
        .await;
    assert_eq!(str_at(again.data(), "/redeemMyReward/code"), code);
    assert_eq!(app.points(&admin, "c-1").await.0, available - 1_000);
    let mine = app
        .gql(
            Some(&token),
            "{ me { vouchers(status: USABLE) { edges { node { code } } } } }",
            json!({}),
        )
        .await;
    assert!(ids(&mine.data()["me"]["vouchers"], "code").contains(&code));

    // Another member's equal key is their own redemption, from their own points.
    app.order(&admin, "o-2", "c-2", 1_500_000, 0).await.data();
    let other = session(&app, &admin, "c-2").await;
    let theirs = app
        .gql(Some(&other), REDEEM, redeem("k-1", &rewards["cheap"]))
        .await;
    assert_ne!(str_at(theirs.data(), "/redeemMyReward/code"), code);
    assert_eq!(app.points(&admin, "c-1").await.0, available - 1_000);

    // Refusals write nothing.
    for (reward, want) in [
        (&rewards["dear"], "INSUFFICIENT_POINTS"),
        (&rewards["top only"], "CONFLICT"),
        (&rewards["sold out"], "CONFLICT"),
    ] {
        let res = app.gql(Some(&token), REDEEM, redeem("k-2", reward)).await;
        assert_eq!(res.code(), want, "{}", res.body);
    }
    let long = "k".repeat(101);
    let res = app
        .gql(
            Some(&token),
            REDEEM,
            json!({"r": rewards["cheap"], "k": long}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(
        res.body["errors"][0]["extensions"]["field"],
        "idempotencyKey"
    );
    assert_eq!(app.points(&admin, "c-1").await.0, available - 1_000);
    // A shop key redeems for a member with `redeemReward`, not this.
    let res = app
        .gql(Some(&admin), REDEEM, redeem("k-3", &rewards["cheap"]))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn sessions_last_their_ttl_and_end_when_revoked() {
    let app = spawn_app().await;
    let admin = shop_with_customer(&app).await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    let read = app.create_key(&admin, "READ").await;
    let c1 = member_id(&app, &admin, "c-1").await;

    for (ttl, ok) in [
        (0, false),
        (1_441, false),
        (-5, false),
        (1, true),
        (1_440, true),
    ] {
        let res = app
            .gql(Some(&channel), SESSION, json!({"e": "c-1", "t": ttl}))
            .await;
        if ok {
            let expires = at(res.data(), "/createMemberSession/expiresAt");
            assert_eq!(expires, app.clock.now() + Duration::minutes(ttl));
            assert_eq!(res.data()["createMemberSession"]["memberId"], c1.as_str());
        } else {
            assert_eq!(res.code(), "BAD_USER_INPUT", "ttl {ttl}");
            assert_eq!(res.body["errors"][0]["extensions"]["field"], "ttlMinutes");
        }
    }
    let res = app
        .gql(Some(&channel), SESSION, json!({"e": "nobody", "t": null}))
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(
        res.body["errors"][0]["extensions"]["field"],
        "memberExternalId"
    );
    let res = app
        .gql(Some(&read), SESSION, json!({"e": "c-1", "t": null}))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");

    // The default life is an hour.
    let token = session(&app, &channel, "c-1").await;
    assert!(token.starts_with("lm_"));
    app.gql(Some(&token), "{ me { id } }", json!({}))
        .await
        .data();
    app.advance(Duration::minutes(59));
    app.gql(Some(&token), "{ me { id } }", json!({}))
        .await
        .data();
    app.advance(Duration::minutes(1));
    let res = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(res.code(), "UNAUTHENTICATED");
    assert!(res.message().contains("sign in again"), "{}", res.message());

    // Revoking ends every live session of the member at once, on this server.
    let a = session(&app, &channel, "c-1").await;
    let b = session(&app, &channel, "c-1").await;
    app.order(&admin, "o-2", "c-2", 100_000, 0).await.data();
    let other = session(&app, &channel, "c-2").await;
    for t in [&a, &b, &other] {
        app.gql(Some(t), "{ me { id } }", json!({})).await.data();
    }
    let res = app.gql(Some(&channel), REVOKE, json!({"m": c1})).await;
    // a, b and the day-long one made above; the 1-minute one has expired.
    assert_eq!(res.data()["revokeMemberSessions"], 3);
    for t in [&a, &b] {
        let res = app.gql(Some(t), "{ me { id } }", json!({})).await;
        assert_eq!(res.code(), "UNAUTHENTICATED");
    }
    app.gql(Some(&other), "{ me { id } }", json!({}))
        .await
        .data();
    let res = app.gql(Some(&read), REVOKE, json!({"m": c1})).await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn another_replica_stops_a_revoked_session_within_its_key_cache_time() {
    let app = spawn_app().await;
    let admin = shop_with_customer(&app).await;
    let c1 = member_id(&app, &admin, "c-1").await;
    let replica = app.replica_keeping_keys(300).await;
    let token = session(&app, &admin, "c-1").await;
    replica
        .gql(Some(&token), "{ me { id } }", json!({}))
        .await
        .data();
    app.gql(Some(&admin), REVOKE, json!({"m": c1})).await.data();
    let res = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(
        res.code(),
        "UNAUTHENTICATED",
        "at once where it was revoked"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let res = replica.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(
        res.code(),
        "UNAUTHENTICATED",
        "after the replica's key cache time"
    );
}

#[tokio::test]
async fn a_token_sees_its_own_shop_only() {
    let app = spawn_app().await;
    let admin_a = shop_with_customer(&app).await;
    let (shop_b, admin_b) = app.create_shop("B").await;
    app.activate(&admin_b, json!({}), "INITIAL_TIER").await;
    app.order(&admin_b, "b-1", "c-1", 10_000, 0).await.data();
    let a1 = member_id(&app, &admin_a, "c-1").await;
    let b1 = member_id(&app, &admin_b, "c-1").await;
    let token_b = session(&app, &admin_b, "c-1").await;
    let me = app.gql(Some(&token_b), "{ me { id } }", json!({})).await;
    assert_eq!(me.data()["me"]["id"], b1.as_str());
    assert_ne!(a1, b1);
    // A token naming shop B with another secret, or shop A's prefix on B's secret, is no
    // token at all.
    let secret = token_b.rsplit('_').next().unwrap_or_default();
    let forged = format!("lm_{}_{}", uuid::Uuid::now_v7().simple(), secret);
    let res = app.gql(Some(&forged), "{ me { id } }", json!({})).await;
    assert_eq!(res.code(), "UNAUTHENTICATED");
    let res = app
        .gql(
            Some(&format!(
                "lm_{}_{}",
                shop_b.replace('-', ""),
                "0".repeat(64)
            )),
            "{ me { id } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "UNAUTHENTICATED");
    // Shop A's key cannot revoke (or see) shop B's member.
    let res = app.gql(Some(&admin_a), REVOKE, json!({"m": b1})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    app.gql(Some(&token_b), "{ me { id } }", json!({}))
        .await
        .data();
}

//! Automated journeys driven by the test clock: a tier change messaged once; a birthday
//! greeted once, right after the shop's midnight; an expiring lot reminded once with its
//! points and last day (and announced once by `points.expiring_soon`); reruns of the
//! scheduler queuing nothing twice; the campaign report, the list and pausing.
use chrono::{DateTime, Utc};
use loyalty_domain::clock::Clock;
use loyalty_domain::messaging::{ChannelKind, Outbound};
use loyalty_entities::event;
use loyalty_tests::recording_channel::RecordingDispatcher;
use loyalty_tests::{OPERATOR_TOKEN, TestApp, spawn_app, str_at};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

const CREATE: &str =
    "mutation($i: JourneyInput!) { createJourney(input: $i) { id status trigger days } }";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn journey(
    app: &TestApp,
    admin: &str,
    trigger: &str,
    days: Option<i64>,
    body: &str,
) -> String {
    let input = json!({"name": trigger, "trigger": trigger, "days": days,
        "email": {"subject": "Cửa hàng A", "body": body}});
    let r = app.gql(Some(admin), CREATE, json!({"i": input})).await;
    assert_eq!(r.data()["createJourney"]["status"], json!("ACTIVE"));
    str_at(r.data(), "/createJourney/id")
}

/// Runs the jobs (the scheduler among them); returns the journey messages queued.
async fn queued(app: &TestApp) -> u64 {
    app.run_jobs().await.journey_messages
}

/// Who each sent message went to, and whether its text has `words`.
fn one_to(sent: &[Outbound], to: &str, words: &str) {
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, to);
    let text = format!("{:?}", sent[0].message);
    assert!(text.contains(words), "{text} lacks {words}");
}

async fn expiring_soon_events(app: &TestApp) -> u64 {
    event::Entity::find()
        .filter(event::Column::EventType.eq("points.expiring_soon"))
        .count(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An endpoint of the shop subscribed to `points.expiring_soon`, written as its row: the
/// e2e server keeps no secret key to seal an endpoint's secret with (the API's endpoints
/// are tested with the real binary, `api/tests/webhooks.rs`), and no worker posts here.
async fn subscribe_to_expiring_soon(app: &TestApp, shop: &str) {
    use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
    let now = app.clock.now();
    let row = webhook_endpoint::Model {
        shop_id: shop.parse().unwrap_or_else(|e| panic!("{e}")),
        id: uuid::Uuid::now_v7(),
        url: "https://hooks.example.com/loyalty".into(),
        description: String::new(),
        event_types: json!(["points.expiring_soon"]).to_string(),
        secret: String::new(),
        status: EndpointStatus::Active,
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    webhook_endpoint::Entity::insert(sea_orm::IntoActiveModel::into_active_model(row))
        .exec_without_returning(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn journeys_message_each_member_once_per_occurrence() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "expiry": {"kind": "DAYS_AFTER_EARN", "days": 30}}),
        "INITIAL_TIER",
    )
    .await;
    app.gql(
        Some(OPERATOR_TOKEN),
        "mutation($s: ID!) { topUpMessagingBalance(shopId: $s, amount: \"100000\") { balance } }",
        json!({"s": shop}),
    )
    .await
    .data();
    subscribe_to_expiring_soon(&app, &shop).await;
    let sender = RecordingDispatcher::new(&app, ChannelKind::Email);

    // Triggers with days they do not take, or without days they need, are refused.
    for (trigger, days) in [("NO_PURCHASE_FOR_DAYS", None), ("TIER_UP", Some(3))] {
        let input = json!({"name": "x", "trigger": trigger, "days": days,
            "email": {"subject": "s", "body": "b"}});
        let r = app.gql(Some(&admin), CREATE, json!({"i": input})).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{trigger}");
    }

    // The test starts at 10:00 on 23 November 2026 in Vietnam (03:00 UTC).
    app.upsert_member(
        &admin,
        json!({"externalId": "bday", "email": "bday@x.vn", "name": "Bảo", "birthday": "2000-11-25"}),
    )
    .await;
    app.upsert_member(
        &admin,
        json!({"externalId": "buyer", "email": "buyer@x.vn", "name": "Mai"}),
    )
    .await;
    let birthday = journey(
        &app,
        &admin,
        "BIRTHDAY",
        Some(1),
        "Sinh nhật vui, {{ name }}",
    )
    .await;
    journey(
        &app,
        &admin,
        "POINTS_EXPIRING",
        None,
        "{{ expiring_points }} điểm dùng đến hết {{ expiring_date }}",
    )
    .await;
    let tier_up = journey(
        &app,
        &admin,
        "TIER_UP",
        None,
        "{{ name }} lên hạng {{ tier }}",
    )
    .await;

    // A tier change, read from the outbox by the scheduler, is messaged once.
    let tiers = app
        .gql(Some(&admin), "{ tiers { name minSpend } }", json!({}))
        .await;
    let second = tiers.data()["tiers"][1].clone();
    let spend: i64 = str_at(&second, "/minSpend").parse().unwrap_or(0);
    let order = app.order(&admin, "o1", "buyer", spend, 0).await;
    let earned = order.data()["recordOrder"]["pointsEarned"]
        .as_i64()
        .unwrap_or(0);
    assert!(earned > 0, "{:?}", order.data());
    assert_eq!(queued(&app).await, 1);
    assert_eq!(queued(&app).await, 0);
    let words = format!("Mai lên hạng {}", str_at(&second, "/name"));
    one_to(&sender.drain().await, "buyer@x.vn", &words);

    // The birthday (25 Nov) is greeted a day before: not at 23:59 on the 23rd in
    // Vietnam, once just after its midnight, and never again that year.
    app.clock.set(at("2026-11-23T16:59:00Z"));
    assert_eq!(queued(&app).await, 0);
    app.clock.set(at("2026-11-23T17:01:00Z"));
    assert_eq!(queued(&app).await, 1);
    one_to(&sender.drain().await, "bday@x.vn", "Sinh nhật vui, Bảo");
    app.advance(chrono::Duration::hours(20));
    assert_eq!(queued(&app).await, 0);

    // The order's lot expires at 03:00 UTC on 23 December, 10:00 in Vietnam: it is
    // reminded of once it is within 7 days, once, however often the scheduler runs.
    app.clock.set(at("2026-12-16T02:00:00Z"));
    assert_eq!(queued(&app).await, 0);
    assert_eq!(expiring_soon_events(&app).await, 0);
    app.clock.set(at("2026-12-16T04:00:00Z"));
    assert_eq!(queued(&app).await, 1);
    assert_eq!(queued(&app).await, 0);
    let words = format!("{earned} điểm dùng đến hết 2026-12-23");
    one_to(&sender.drain().await, "buyer@x.vn", &words);
    assert_eq!(expiring_soon_events(&app).await, 1);

    // Each journey has the campaign report; its campaign rests between occurrences and
    // is not among the broadcasts.
    let r = app
        .gql(
            Some(&admin),
            "query($id: ID!) { journey(id: $id) { trigger campaign { status channel } report { recipients sent cost } } }",
            json!({"id": tier_up}),
        )
        .await;
    assert_eq!(
        r.data()["journey"],
        json!({"trigger": "TIER_UP", "campaign": {"status": "COMPLETED", "channel": "EMAIL"},
               "report": {"recipients": 1, "sent": 1, "cost": "20"}})
    );
    let list = app
        .gql(
            Some(&admin),
            "{ journeys { edges { node { trigger } } } campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list.data()["journeys"]["edges"],
        json!([{"node": {"trigger": "TIER_UP"}}, {"node": {"trigger": "POINTS_EXPIRING"}},
               {"node": {"trigger": "BIRTHDAY"}}])
    );
    assert_eq!(list.data()["campaigns"]["edges"], json!([]));

    // Paused, a journey queues nothing; twice is a conflict; resumed, it goes on.
    let pause = "mutation($id: ID!) { pauseJourney(id: $id) { status } }";
    let r = app.gql(Some(&admin), pause, json!({"id": birthday})).await;
    assert_eq!(r.data()["pauseJourney"]["status"], json!("PAUSED"));
    assert_eq!(
        app.gql(Some(&admin), pause, json!({"id": birthday}))
            .await
            .code(),
        "CONFLICT"
    );
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { resumeJourney(id: $id) { status campaign { status } } }",
            json!({"id": birthday}),
        )
        .await;
    assert_eq!(
        r.data()["resumeJourney"],
        json!({"status": "ACTIVE", "campaign": {"status": "SENDING"}})
    );
    assert!(sender.drain().await.is_empty());
    // Each change left its audit row naming the journey; the refused pause left none.
    let trail = app
        .gql(
            Some(&admin),
            "query($t: ID!) { auditLog(filter: {targetId: $t}, first: 10) { edges { node { action } } } }",
            json!({"t": birthday}),
        )
        .await;
    assert_eq!(
        trail.data()["auditLog"]["edges"],
        json!([{"node": {"action": "resumeJourney"}}, {"node": {"action": "pauseJourney"}},
               {"node": {"action": "createJourney"}}])
    );

    // Registration, a first order and a lapse are found from stored facts, once each;
    // the buyer's lapse began before the win-back journey existed.
    let welcome = journey(&app, &admin, "REGISTERED", None, "Chào {{ name }}").await;
    let first = journey(&app, &admin, "FIRST_ORDER", None, "Cảm ơn {{ name }}").await;
    let winback = journey(
        &app,
        &admin,
        "NO_PURCHASE_FOR_DAYS",
        Some(7),
        "Nhớ {{ name }}",
    )
    .await;
    // The clock stands still; facts recorded at a journey's creation instant are before it.
    app.advance(chrono::Duration::minutes(1));
    app.upsert_member(
        &admin,
        json!({"externalId": "new", "email": "new@x.vn", "name": "Lan", "register": true}),
    )
    .await;
    app.order(&admin, "o2", "new", 10_000, 0).await.data();
    let reached = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .gql(
                    Some(&admin),
                    "query($id: ID!) { journey(id: $id) { report { recipients } } }",
                    json!({"id": id}),
                )
                .await;
            r.data()["journey"]["report"]["recipients"].clone()
        }
    };
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(reached(welcome.clone()).await, json!(1));
    assert_eq!(reached(first.clone()).await, json!(1));
    assert_eq!(reached(winback.clone()).await, json!(0));
    app.advance(chrono::Duration::days(8));
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(reached(winback).await, json!(1));
    assert_eq!(reached(first).await, json!(1));
    assert_eq!(reached(welcome).await, json!(1));
}

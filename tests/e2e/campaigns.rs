//! Campaigns through the API: writing, checks, scheduling in the shop's zone, freezing
//! recipients, steering, and the messaging balance. Delivery itself runs against fake
//! providers in `api/tests/campaigns.rs`, with the real binary.
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($i: CampaignInput!) { createCampaign(input: $i) { id status channel recipients } }";

fn zns(name: &str) -> Value {
    json!({"name": name, "zns": {"templateId": "231456", "params": [
        {"key": "customer_name", "value": "{{ name }}"}, {"key": "points", "value": "{{ points }}"}]}})
}

async fn members(app: &TestApp, key: &str) {
    let csv = "external_id,name,phone,email,registered\n\
               a,An,0912345601,an@x.vn,true\n\
               b,Bình,0912345602,,true\n\
               c,Chi,,chi@x.vn,true\n\
               d,Dũng,0912345604,dung@x.vn,false\n";
    let r = app
        .gql(
            Some(key),
            "mutation($c: String!) { importMembers(csv: $c) { imported } }",
            json!({"c": csv}),
        )
        .await;
    assert_eq!(r.data()["importMembers"]["imported"], json!(4));
}

async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let r = app.gql(Some(key), CREATE, json!({"i": input})).await;
    assert_eq!(r.data()["createCampaign"]["status"], json!("DRAFT"));
    str_at(r.data(), "/createCampaign/id")
}

async fn act(app: &TestApp, key: &str, mutation: &str, id: &str) -> loyalty_tests::Gql {
    app.gql(
        Some(key),
        &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ status recipients skipped statusReason }} }}"),
        json!({"id": id}),
    )
    .await
}

#[tokio::test]
async fn bad_campaigns_are_refused_with_a_code_and_nothing_saved() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let cases = [
        (json!({"name": "x"}), "BAD_USER_INPUT"),
        (
            json!({"name": "x", "zns": {"templateId": "1", "params": [{"key": "a", "value": "b"}]},
                   "email": {"subject": "s", "body": "b"}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "x", "zns": {"templateId": "1", "params": [{"key": "a", "value": "{{ nmae }}"}]}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "x", "zns": {"templateId": "1", "params": []}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "x", "email": {"subject": "Hi {{ name }", "body": "b"}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "", "email": {"subject": "s", "body": "b"}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "x", "attributionDays": 0, "email": {"subject": "s", "body": "b"}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "x", "audience": {"segmentId": "0190a0a0-0000-7000-8000-000000000000"},
                   "email": {"subject": "s", "body": "b"}}),
            "NOT_FOUND",
        ),
        (
            json!({"name": "x", "offerId": "0190a0a0-0000-7000-8000-000000000000",
                   "email": {"subject": "s", "body": "b"}}),
            "NOT_FOUND",
        ),
    ];
    for (input, code) in cases {
        let r = app.gql(Some(&admin), CREATE, json!({"i": input})).await;
        assert_eq!(r.code(), code, "{input}");
    }
    let read = app.create_key(&admin, "READ").await;
    let r = app.gql(Some(&read), CREATE, json!({"i": zns("x")})).await;
    assert_eq!(r.code(), "FORBIDDEN");
    let list = app
        .gql(
            Some(&admin),
            "{ campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["campaigns"]["edges"], json!([]));
}

#[tokio::test]
async fn sending_freezes_recipients_and_steering_follows_the_states() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    members(&app, &admin).await;
    let id = create(
        &app,
        &admin,
        json!({"name": "Registered", "saved": "REGISTERED", "zns": zns("x")["zns"]}),
    )
    .await;
    let size = app
        .gql(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { audienceSize zns { templateId params { key value } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(size.data()["campaign"]["audienceSize"], json!(3));
    assert_eq!(
        size.data()["campaign"]["zns"]["params"][0],
        json!({"key": "customer_name", "value": "{{ name }}"})
    );

    // Editable while DRAFT.
    let upd = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $i: CampaignInput!) { updateCampaign(id: $id, input: $i) { name } }",
            json!({"id": id, "i": {"name": "Renamed", "saved": "REGISTERED", "zns": zns("x")["zns"]}}),
        )
        .await;
    assert_eq!(upd.data()["updateCampaign"]["name"], json!("Renamed"));

    // Scheduled at 09:00 in Asia/Ho_Chi_Minh is 02:00 UTC.
    let s = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { scheduleCampaign(id: $id, at: \"2026-11-24T09:00:00\") { status scheduledAt } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(s.data()["scheduleCampaign"]["status"], json!("SCHEDULED"));
    assert!(str_at(s.data(), "/scheduleCampaign/scheduledAt").starts_with("2026-11-24T02:00:00"));
    let past = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { scheduleCampaign(id: $id, at: \"2026-11-20T09:00:00\") { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(past.code(), "BAD_USER_INPUT");

    // Sending now freezes the three registered members; one has no phone.
    let sent = act(&app, &admin, "sendCampaignNow", &id).await;
    assert_eq!(
        sent.data()["sendCampaignNow"],
        json!({"status": "SENDING", "recipients": 3, "skipped": 1, "statusReason": null})
    );
    let again = act(&app, &admin, "sendCampaignNow", &id).await;
    assert_eq!(again.code(), "CONFLICT");
    let edit = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $i: CampaignInput!) { updateCampaign(id: $id, input: $i) { name } }",
            json!({"id": id, "i": zns("late")}),
        )
        .await;
    assert_eq!(edit.code(), "CONFLICT");

    let d = app
        .gql(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { deliveries { edges { node { status skipReason address } } }
               report { recipients skipped pending sent failed cost balanceLeft } } }",
            json!({"id": id}),
        )
        .await;
    let statuses: Vec<Value> = d.data()["campaign"]["deliveries"]["edges"]
        .as_array()
        .map(|e| e.iter().map(|n| n["node"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(statuses.len(), 3);
    assert!(
        statuses.contains(&json!({"status": "SKIPPED", "skipReason": "NO_PHONE", "address": null}))
    );
    assert!(
        statuses
            .contains(&json!({"status": "QUEUED", "skipReason": null, "address": "84912345601"})),
        "{statuses:?}"
    );
    assert_eq!(
        d.data()["campaign"]["report"],
        json!({"recipients": 3, "skipped": 1, "pending": 2, "sent": 0, "failed": 0, "cost": "0", "balanceLeft": "0"})
    );

    assert_eq!(
        act(&app, &admin, "pauseCampaign", &id).await.data()["pauseCampaign"]["status"],
        json!("PAUSED")
    );
    assert_eq!(
        act(&app, &admin, "pauseCampaign", &id).await.code(),
        "CONFLICT"
    );
    assert_eq!(
        act(&app, &admin, "resumeCampaign", &id).await.data()["resumeCampaign"]["status"],
        json!("SENDING")
    );
    assert_eq!(
        act(&app, &admin, "cancelCampaign", &id).await.data()["cancelCampaign"]["status"],
        json!("CANCELLED")
    );
    assert_eq!(
        act(&app, &admin, "resumeCampaign", &id).await.code(),
        "CONFLICT"
    );
    let r = app
        .gql(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { finishedAt report { pending cancelled } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        r.data()["campaign"]["report"],
        json!({"pending": 0, "cancelled": 2})
    );
}

//! Merchant templates cannot stall the server: a template that would run for hours is
//! refused when its campaign is saved, scheduled or sent, rendered off the async workers
//! within a fuel budget, while every other request keeps being answered.
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};
use std::time::Duration;

/// Nested loops of 10^10 steps that write nothing: only the fuel budget stops them.
const LOOPS: &str = "{% for i in range(100000) %}{% for j in range(100000) %}\
                     {% if i == j %}{% endif %}{% endfor %}{% endfor %}";

const CREATE: &str = "mutation($i: CampaignInput!) { createCampaign(input: $i) { id status } }";

/// A test server on a runtime of its own, with two workers like a small machine, and a
/// client that gives up after a minute. The test talks to it from its own runtime: if
/// renders blocked the server's workers, its requests would time out and the test fail,
/// instead of the test hanging with the server. Dropping the sender stops the server.
fn server_on_its_own_runtime() -> (TestApp, std::sync::mpsc::Sender<()>) {
    let (app_tx, app_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let app = runtime.block_on(spawn_app());
        app_tx.send(app).ok();
        // Keeps the runtime (and the server on it) alive until the test ends.
        stop_rx.recv().ok();
    });
    let mut app = app_rx
        .recv()
        .unwrap_or_else(|e| panic!("the server did not start: {e}"));
    app.client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    (app, stop_tx)
}

fn email(body: &str) -> Value {
    json!({"name": "Tết", "email": {"subject": "Chào {{ name }}", "body": body}})
}

fn assert_refused(r: &loyalty_tests::Gql, field: &str) {
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        json!(field),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_template_that_would_run_for_hours_is_refused_while_the_server_answers() {
    let (app, _stop) = server_on_its_own_runtime();
    let (_, admin) = app.create_shop("A").await;
    let (_, other) = app.create_shop("B").await;
    let zns = json!({"name": "x", "zns": {"templateId": "231456",
        "params": [{"key": "customer_name", "value": LOOPS}]}});
    // More loops than the server has workers, all at once, beside another shop's read
    // and the health check: each loop is refused by its fuel, the rest is answered.
    let save = |input: Value| app.gql(Some(&admin), CREATE, json!({"i": input}));
    let health = async {
        app.client
            .get(format!("{}/healthz", app.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("healthz: {e}"))
            .status()
            .as_u16()
    };
    let read = app.gql(
        Some(&other),
        "{ campaigns { edges { node { id } } } }",
        json!({}),
    );
    let (a, b, c, d, health, read) = tokio::join!(
        save(email(LOOPS)),
        save(zns.clone()),
        save(email(LOOPS)),
        save(zns.clone()),
        health,
        read
    );
    for (r, field) in [
        (a, "email.body"),
        (b, "zns.params.value"),
        (c, "email.body"),
        (d, "zns.params.value"),
    ] {
        assert_refused(&r, field);
        assert!(
            r.message().contains("more work than one message may"),
            "{}",
            r.body
        );
    }
    assert_eq!(health, 200);
    assert_eq!(read.data()["campaigns"]["edges"], json!([]));
    // Nothing was saved, and an ordinary template still is.
    let list = app
        .gql(
            Some(&admin),
            "{ campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["campaigns"]["edges"], json!([]));
    let r = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"i": email("Chào {{ name }}, {{ points }} điểm")}),
        )
        .await;
    assert_eq!(r.data()["createCampaign"]["status"], json!("DRAFT"));
}

#[tokio::test]
async fn oversized_templates_are_refused_at_save() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    // Within the 20,000 characters of a body, but repeating it past the output cap.
    let r = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"i": email("{% for i in range(5000) %}{{ name }} {{ shop }} {{ email }}{% endfor %}")}),
        )
        .await;
    assert_refused(&r, "email.body");
    let r = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"i": email(&"x".repeat(20_001))}),
        )
        .await;
    assert_refused(&r, "email.body");
}

#[tokio::test]
async fn a_stored_template_over_budget_cannot_be_scheduled_or_sent() {
    use loyalty_entities::campaign;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let r = app
        .gql(Some(&admin), CREATE, json!({"i": email("Chào {{ name }}")}))
        .await;
    let id = str_at(r.data(), "/createCampaign/id");
    // As a campaign saved before the template limits existed would be stored.
    let key = (
        shop.parse().unwrap_or_else(|e| panic!("{e}")),
        id.parse().unwrap_or_else(|e| panic!("{e}")),
    );
    let row = campaign::Entity::find_by_id(key)
        .one(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no campaign"));
    let content = json!({"kind": "Email", "subject": "Chào", "body": LOOPS}).to_string();
    let mut row: campaign::ActiveModel = row.into();
    row.content = Set(content);
    row.update(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { scheduleCampaign(id: $id, at: \"2026-12-01T09:00:00\") { status } }",
            json!({"id": id}),
        )
        .await;
    assert_refused(&r, "email.body");
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_refused(&r, "email.body");
    let r = app
        .gql(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(r.data()["campaign"]["status"], json!("DRAFT"));
}

//! Webhooks through the real binary: a local receiver that checks every signature,
//! fails some first attempts on purpose and records what it accepted; the server
//! killed with SIGKILL while posting and restarted; every event delivered at least once,
//! recorded once, in order per member. Also the addresses refused (SSRF), and the
//! secret never shown again nor logged. SQLite, and PostgreSQL with TEST_DATABASE_URL.
mod support;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::stream::{self, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{database, gql, healthy, ok};

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const ORDERS: usize = 300;
const MEMBERS: usize = 15;

#[derive(Default)]
struct Seen {
    /// Attempts per webhook-id.
    attempts: HashMap<String, u32>,
    /// Accepted messages in arrival order, first acceptance only: (id, type, member).
    accepted: Vec<(String, String, Option<String>)>,
    /// Accepted again (a resend after a crash).
    duplicates: u32,
    /// Requests whose signature did not verify.
    bad_signatures: u32,
}

struct Receiver {
    key: Vec<u8>,
    seen: Mutex<Seen>,
}

fn seen(r: &Receiver) -> std::sync::MutexGuard<'_, Seen> {
    r.seen.lock().unwrap_or_else(|p| p.into_inner())
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&r.key) else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let mut s = seen(&r);
    if !sig.split(' ').any(|s| s == expected) {
        s.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let attempt = {
        let n = s.attempts.entry(id.clone()).or_default();
        *n += 1;
        *n
    };
    // Every third message fails its first attempt on purpose.
    if attempt == 1 && id.bytes().map(u32::from).sum::<u32>() % 3 == 0 {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if s.accepted.iter().any(|(seen_id, ..)| *seen_id == id) {
        s.duplicates += 1;
        return StatusCode::OK;
    }
    let v: Value = serde_json::from_str(&body).unwrap_or_default();
    let member = v["data"]["member"]["id"].as_str().map(str::to_owned);
    let kind = v["type"].as_str().unwrap_or_default().to_owned();
    s.accepted.push((id, kind, member));
    StatusCode::NO_CONTENT
}

fn env(extra: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("LOYALTY_SECRET_KEY", KEY.to_owned()),
        ("LOYALTY_WEBHOOK_RETRY_BASE_MS", "20".to_owned()),
        ("LOYALTY_WEBHOOK_LEASE_SECS", "2".to_owned()),
        ("LOYALTY_WEBHOOK_TIMEOUT_SECS", "1".to_owned()),
        ("LOYALTY_WEBHOOK_IDLE_MS", "20".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ];
    for (k, val) in extra {
        let k: &'static str = Box::leak(k.to_string().into_boxed_str());
        v.push((k, (*val).to_owned()));
    }
    v
}

async fn active_shop(client: &reqwest::Client, base: &str) -> String {
    let key = support::shop(client, base, "hooks").await;
    ok(client, base, &key,
        "mutation { configureProgram(input: {spendPerRankingPoint: \"1000\", enrollment: ALL_CUSTOMERS}) { status } }",
        json!({})).await;
    ok(
        client,
        base,
        &key,
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await;
    key
}

const CREATE: &str = "mutation($i: WebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id status events } } }";
const ORDER: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }";

fn order(i: usize) -> Value {
    json!({"i": {"externalId": format!("o{i}"), "memberExternalId": format!("m{}", i % MEMBERS), "channel": "POS",
        "lines": [{"productId": "p", "quantity": 1, "unitPrice": (50_000 + (i as i64 * 7_919) % 4_000_000).to_string()}]}})
}

const DELIVERIES: &str = "query($id: ID!, $s: WebhookDeliveryStatus, $after: String) { webhookEndpoint(id: $id) { deliveries(status: $s, first: 100, after: $after) { edges { node { status attempts lastStatus lastError event { id type } } } pageInfo { hasNextPage endCursor } } } }";

/// Every delivery of the endpoint, optionally in one status.
async fn deliveries(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    endpoint: &str,
    status: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = ok(
            client,
            base,
            key,
            DELIVERIES,
            json!({"id": endpoint, "s": status, "after": after}),
        )
        .await;
        let conn = &page["webhookEndpoint"]["deliveries"];
        out.extend(
            conn["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_every_event_arrives_once_in_member_order() {
    let (url, _dir) = database("webhooks_crash");
    let port = support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = support::client();
    let log_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = log_dir.path().join("server.log");
    let env = env(&[("LOYALTY_ALLOW_HTTP_WEBHOOKS", "true")]);
    let mut server = support::start_logged(&url, port, &env, &log);
    healthy(&client, &base).await;
    let key = active_shop(&client, &base).await;

    // An endpoint deleted at once receives nothing.
    let probe = ok(
        &client,
        &base,
        &key,
        CREATE,
        json!({"i": {"url": "http://127.0.0.1:9/never", "events": ["order.recorded"], "description": "probe"}}),
    )
    .await;
    ok(
        &client,
        &base,
        &key,
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
        json!({"id": probe["createWebhookEndpoint"]["endpoint"]["id"]}),
    )
    .await;
    // The receiver learns its key from the answer; it only starts serving after, and
    // the server's first attempts before that fail and are retried.
    let pending_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hook_addr = pending_listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"));
    let created = ok(
        &client,
        &base,
        &key,
        CREATE,
        json!({"i": {"url": format!("http://{hook_addr}/hook"),
            "events": ["order.recorded", "points.earned", "member.tier_changed", "points.redeemed"],
            "description": "partner"}}),
    )
    .await;
    let secret = created["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let endpoint = created["createWebhookEndpoint"]["endpoint"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    let recv = {
        let key_bytes = secret
            .strip_prefix("whsec_")
            .and_then(|b| STANDARD.decode(b).ok())
            .unwrap_or_default();
        assert!(
            key_bytes.len() >= 24,
            "whsec_ and the base64 of 24 to 64 bytes"
        );
        let r = Arc::new(Receiver {
            key: key_bytes,
            seen: Mutex::new(Seen::default()),
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(r.clone());
        tokio::spawn(async move { axum::serve(pending_listener, app).await.ok() });
        r
    };

    // Orders from 8 clients; SIGKILL once a third of them have been delivered.
    let pushing = {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        tokio::spawn(async move {
            stream::iter(0..ORDERS)
                .for_each_concurrent(8, |i| {
                    let (client, base, key) = (client.clone(), base.clone(), key.clone());
                    async move {
                        gql(&client, &base, &key, ORDER, order(i)).await.ok();
                    }
                })
                .await;
        })
    };
    let t = Instant::now();
    while seen(&recv).accepted.len() < ORDERS / 3 {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no deliveries arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap_or_else(|e| panic!("{e}"));
    server.wait().ok();
    pushing.await.ok();
    let before = seen(&recv).accepted.len();

    // Restart; replay every order (the ones the kill interrupted are written now).
    let mut server = support::start_logged(&url, port, &env, &log);
    healthy(&client, &base).await;
    let failures: Vec<String> = stream::iter(0..ORDERS)
        .map(|i| {
            let (client, base, key) = (client.clone(), base.clone(), key.clone());
            async move { gql(&client, &base, &key, ORDER, order(i)).await.err() }
        })
        .buffer_unordered(8)
        .filter_map(|e| async move { e })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "replays failed: {:?}",
        failures.first()
    );

    // Wait until nothing is pending or being sent.
    let t = Instant::now();
    loop {
        let open = deliveries(&client, &base, &key, &endpoint, Some("PENDING"))
            .await
            .len()
            + deliveries(&client, &base, &key, &endpoint, Some("SENDING"))
                .await
                .len();
        if open == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(180),
            "{open} deliveries still open"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let all = deliveries(&client, &base, &key, &endpoint, None).await;
    let (accepted_list, duplicates, bad_signatures) = {
        let s = seen(&recv);
        (s.accepted.clone(), s.duplicates, s.bad_signatures)
    };
    assert_eq!(bad_signatures, 0, "every signature verifies");
    let ids: Vec<&str> = all
        .iter()
        .filter_map(|d| d["event"]["id"].as_str())
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "one delivery per event and endpoint"
    );
    assert!(
        all.iter().all(|d| d["status"] == json!("DELIVERED")),
        "every delivery delivered"
    );
    let accepted: HashSet<&str> = accepted_list.iter().map(|(id, ..)| id.as_str()).collect();
    assert_eq!(accepted, unique, "the receiver recorded each event once");
    let orders_seen = accepted_list
        .iter()
        .filter(|(_, k, _)| k == "order.recorded")
        .count();
    assert_eq!(orders_seen, ORDERS, "one order.recorded per order");
    assert!(
        all.iter().any(|d| d["attempts"].as_i64().unwrap_or(0) >= 2),
        "failed first attempts were retried"
    );
    // In order per member: the events of one member arrive in the order they were raised
    // (event ids are time-ordered).
    let mut last: HashMap<&str, &str> = HashMap::new();
    for (id, _, member) in &accepted_list {
        if let Some(m) = member {
            if let Some(prev) = last.get(m.as_str()) {
                assert!(*prev < id.as_str(), "member {m}: {id} arrived after {prev}");
            }
            last.insert(m, id);
        }
    }

    // The secret is never shown again, nor logged.
    let listed = ok(
        &client,
        &base,
        &key,
        "{ webhookEndpoints { id url events status } }",
        json!({}),
    )
    .await;
    assert!(!listed.to_string().contains(&secret));
    assert!(
        !serde_json::to_string(&all)
            .unwrap_or_default()
            .contains(&secret)
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.is_empty(), "the server logged");
    assert!(!text.contains(&secret), "the log never holds the secret");
    assert!(!text.contains(secret.trim_start_matches("whsec_")));
    eprintln!(
        "{before} of {} events accepted before SIGKILL; {} resent after restart and recognised; {} deliveries",
        accepted_list.len(),
        duplicates,
        all.len()
    );
    server.kill().ok();
    server.wait().ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_loopback_addresses_are_refused_also_after_resolution() {
    let (url, _dir) = database("webhooks_ssrf");
    let port = support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = support::client();
    let mut server = support::start(&url, port, &env(&[]));
    healthy(&client, &base).await;
    let key = active_shop(&client, &base).await;
    for refused in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.0.0.1/x",
        "https://192.168.1.10/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "https://[::ffff:10.0.0.1]/x",
    ] {
        let e = gql(
            &client,
            &base,
            &key,
            CREATE,
            json!({"i": {"url": refused, "events": ["order.recorded"]}}),
        )
        .await
        .err()
        .unwrap_or_else(|| panic!("{refused} was accepted"));
        assert!(
            e.contains("BAD_USER_INPUT") && e.contains("url"),
            "{refused}: {e}"
        );
    }
    let e = gql(
        &client,
        &base,
        &key,
        CREATE,
        json!({"i": {"url": "https://hooks.example.com/x", "events": ["order.created"]}}),
    )
    .await
    .err()
    .unwrap_or_default();
    assert!(e.contains("BAD_USER_INPUT") && e.contains("events"), "{e}");

    // Disabled, an endpoint is sent nothing; enabled again, it receives new events.
    let created = ok(
        &client,
        &base,
        &key,
        CREATE,
        json!({"i": {"url": "https://hooks.example.com/x", "events": ["order.recorded"]}}),
    )
    .await;
    let id = created["createWebhookEndpoint"]["endpoint"]["id"].clone();
    let toggle = |verb: &str| {
        format!(
            "mutation($id: ID!) {{ {verb}WebhookEndpoint(id: $id) {{ status disabledReason }} }}"
        )
    };
    let off = ok(&client, &base, &key, &toggle("disable"), json!({"id": id})).await;
    assert_eq!(
        off["disableWebhookEndpoint"],
        json!({"status": "DISABLED", "disabledReason": "disabled by the shop"})
    );
    ok(&client, &base, &key, ORDER, order(100)).await;
    let id_text = id.as_str().unwrap_or_default();
    assert!(
        deliveries(&client, &base, &key, id_text, None)
            .await
            .is_empty()
    );
    let on = ok(&client, &base, &key, &toggle("enable"), json!({"id": id})).await;
    assert_eq!(
        on["enableWebhookEndpoint"],
        json!({"status": "ACTIVE", "disabledReason": null})
    );
    // Within the subscription cache's second, then the order's event is written.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    ok(&client, &base, &key, ORDER, order(101)).await;
    assert_eq!(
        deliveries(&client, &base, &key, id_text, None).await.len(),
        1
    );

    // A name is checked where it resolves: `vm` is 127.0.0.1 in /etc/hosts here, and
    // `localhost` names are refused outright; a name resolving to loopback is refused
    // at send time.
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let Some(name) = hosts.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next() == Some("127.0.0.1"))
            .then(|| parts.find(|n| !n.contains("localhost")))
            .flatten()
    }) else {
        eprintln!("no loopback name other than localhost in /etc/hosts; resolution check skipped");
        server.kill().ok();
        server.wait().ok();
        return;
    };
    let created = ok(
        &client,
        &base,
        &key,
        CREATE,
        json!({"i": {"url": format!("https://{name}:{port}/x"), "events": ["order.recorded"]}}),
    )
    .await;
    let endpoint = created["createWebhookEndpoint"]["endpoint"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ok(&client, &base, &key, ORDER, order(1)).await;
    let t = Instant::now();
    let error = loop {
        let all = deliveries(&client, &base, &key, &endpoint, None).await;
        if let Some(e) = all.iter().find_map(|d| d["lastError"].as_str()) {
            break e.to_owned();
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no attempt was made: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        error.contains("refused") && error.contains("loopback"),
        "{error}"
    );
    server.kill().ok();
    server.wait().ok();
}

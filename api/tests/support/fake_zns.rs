//! A fake Zalo ZNS server on loopback: records every request and answers by the
//! recipient's number, so tests can inject failures. Member `i` has phone 0912xxxxxx
//! with `i` in the last six digits; by `i % 50`: 7 is an invalid phone (-108, final),
//! 13 fails with -100 twice then succeeds, 21 gets an HTTP 500 once then succeeds, 33
//! fails with -100 every time; everyone else succeeds at once.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received, with what the fake answered (0, a ZNS code, or 500).
#[derive(Debug, Clone)]
pub struct Received {
    pub phone: String,
    pub tracking_id: String,
    pub template_id: String,
    pub data: Value,
    pub token: String,
    pub answer: i64,
}

/// Shared state of the fake.
#[derive(Default)]
pub struct Fake {
    pub received: Mutex<Vec<Received>>,
    /// Successes after which the reply says the daily quota is used up.
    pub quota_after: Mutex<Option<usize>>,
    pub delay: Duration,
}

impl Fake {
    /// Requests so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// The member index behind a ZNS phone (84912xxxxxx).
pub fn index_of(phone: &str) -> usize {
    phone[phone.len().saturating_sub(6)..]
        .parse()
        .unwrap_or(usize::MAX)
}

/// Member `i`'s phone as stored.
pub fn phone_of(i: usize) -> String {
    format!("0912{i:06}")
}

async fn template(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !fake.delay.is_zero() {
        tokio::time::sleep(fake.delay).await;
    }
    let phone = body["phone"].as_str().unwrap_or_default().to_owned();
    let tracking_id = body["tracking_id"].as_str().unwrap_or_default().to_owned();
    let Ok(mut received) = fake.received.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({})));
    };
    let attempt = 1 + received
        .iter()
        .filter(|r| r.tracking_id == tracking_id)
        .count();
    let i = index_of(&phone);
    let quota_left = fake
        .quota_after
        .lock()
        .ok()
        .and_then(|q| *q)
        .map(|n| n.saturating_sub(received.iter().filter(|r| r.answer == 0).count()));
    let answer = match i % 50 {
        _ if quota_left == Some(0) => -115,
        7 => -108,
        13 if attempt <= 2 => -100,
        21 if attempt == 1 => 500,
        33 => -100,
        _ => 0,
    };
    received.push(Received {
        phone,
        tracking_id,
        template_id: body["template_id"].as_str().unwrap_or_default().to_owned(),
        data: body["template_data"].clone(),
        token: headers
            .get("access_token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        answer,
    });
    let successes = received.iter().filter(|r| r.answer == 0).count();
    drop(received);
    match answer {
        500 => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({}))),
        0 => {
            let exhausted = fake
                .quota_after
                .lock()
                .ok()
                .and_then(|q| *q)
                .is_some_and(|n| successes >= n);
            let remaining = if exhausted { 0 } else { 100_000 - successes };
            (
                StatusCode::OK,
                Json(json!({"error": 0, "message": "Success", "data": {
                    "msg_id": format!("zmsg{successes}"), "sent_time": "1795000000000",
                    "quota": {"dailyQuota": "100000", "remainingQuota": remaining.to_string()}}})),
            )
        }
        code => (
            StatusCode::OK,
            Json(json!({"error": code, "message": format!("fake error {code}")})),
        ),
    }
}

/// Starts the fake on a loopback port; returns its base URL and state.
pub async fn start(delay: Duration) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        delay,
        ..Fake::default()
    });
    let app = Router::new()
        .route("/message/template", post(template))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

//! A fake Zalo server on loopback (ZNS and OAuth v4), as strict as the facts in
//! /tmp/shared/integrations/README.md: an access token is either the operator's static
//! one or one the OAuth refresh issued, and is refused (-124) once expired; a refresh
//! needs the app's `secret_key` header and form fields, and every refresh token works
//! once (a reused one is refused and counted). ZNS records every request and answers
//! by the recipient's number, so tests can inject failures. Member `i` has phone 0912xxxxxx
//! with `i` in the last six digits; by `i % 50`: 7 is an invalid phone (-108, final),
//! 13 fails with -100 twice then succeeds, 21 gets an HTTP 500 once then succeeds, 33
//! fails with -100 every time; everyone else succeeds at once.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The operator's static access token the fake always accepts.
pub const STATIC_TOKEN: &str = "oa-access-token";

/// One refresh request as received.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub app_id: String,
    pub refresh_token: String,
    /// `ok`, `reused`, `bad_secret`, `unknown`, `refused`.
    pub outcome: &'static str,
}

/// The fake's OAuth state.
#[derive(Default)]
pub struct OAuth {
    /// app id → secret key.
    pub apps: HashMap<String, String>,
    /// Live refresh tokens → app id.
    pub refresh_tokens: HashMap<String, String>,
    /// Spent refresh tokens.
    pub spent: Vec<String>,
    /// Issued access tokens → messages each may still send (None: no limit).
    pub access: HashMap<String, Option<usize>>,
    /// Messages the next token issued for an app may send before it "expires".
    pub next_token_uses: HashMap<String, usize>,
    /// `expires_in` the next refresh answers with (default 90000).
    pub expires_in: Option<String>,
    /// Refuse every refresh (-14014).
    pub refuse: bool,
    pub issued: usize,
    pub refreshes: Vec<Refreshed>,
    /// Every secret the fake handed out or was given: none may leak.
    pub secrets: Vec<String>,
}

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
    pub oauth: Mutex<OAuth>,
    /// How long a refresh takes to answer.
    pub refresh_delay: Mutex<Duration>,
}

impl Fake {
    /// Requests so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Registers a Zalo app; returns the OA's first refresh token.
    pub fn app(&self, app_id: &str, secret_key: &str) -> String {
        let mut o = self.oauth.lock().unwrap_or_else(|e| e.into_inner());
        let token = format!("rt-{app_id}-first-{}", o.issued);
        o.apps.insert(app_id.into(), secret_key.into());
        o.refresh_tokens.insert(token.clone(), app_id.into());
        o.secrets.push(secret_key.into());
        o.secrets.push(token.clone());
        token
    }

    /// Runs `f` on the OAuth state.
    pub fn oauth<T>(&self, f: impl FnOnce(&mut OAuth) -> T) -> T {
        f(&mut self.oauth.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The refreshes so far.
    pub fn refreshes(&self) -> Vec<Refreshed> {
        self.oauth(|o| o.refreshes.clone())
    }
}

/// Whether `token` may send one more message (and counts it).
fn spend_token(fake: &Fake, token: &str) -> bool {
    if token == STATIC_TOKEN {
        return true;
    }
    fake.oauth(|o| match o.access.get_mut(token) {
        Some(Some(0)) | None => false,
        Some(Some(n)) => {
            *n -= 1;
            true
        }
        Some(None) => true,
    })
}

async fn access_token(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Json<Value> {
    let delay = *fake.refresh_delay.lock().unwrap_or_else(|e| e.into_inner());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let form_ok = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let secret = headers
        .get("secret_key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let app_id = form.get("app_id").cloned().unwrap_or_default();
    let refresh_token = form.get("refresh_token").cloned().unwrap_or_default();
    let grant_ok = form.get("grant_type").map(String::as_str) == Some("refresh_token");
    fake.oauth(|o| {
        let outcome = if !form_ok || !grant_ok || o.apps.get(&app_id) != Some(&secret) {
            "bad_secret"
        } else if o.spent.contains(&refresh_token) {
            "reused"
        } else if o.refresh_tokens.get(&refresh_token) != Some(&app_id) {
            "unknown"
        } else if o.refuse {
            "refused"
        } else {
            "ok"
        };
        o.refreshes.push(Refreshed {
            app_id: app_id.clone(),
            refresh_token: refresh_token.clone(),
            outcome,
        });
        if outcome != "ok" {
            return Json(
                json!({"error": -14014, "error_name": "Invalid refresh token",
                "error_description": format!("fake: {outcome}")}),
            );
        }
        o.refresh_tokens.remove(&refresh_token);
        o.spent.push(refresh_token);
        o.issued += 1;
        let access = format!("at-{app_id}-{}", o.issued);
        let refresh = format!("rt-{app_id}-{}", o.issued);
        let uses = o.next_token_uses.remove(&app_id);
        o.access.insert(access.clone(), uses);
        o.refresh_tokens.insert(refresh.clone(), app_id.clone());
        o.secrets.push(access.clone());
        o.secrets.push(refresh.clone());
        let expires_in = o.expires_in.clone().unwrap_or_else(|| "90000".into());
        Json(json!({"access_token": access, "refresh_token": refresh, "expires_in": expires_in}))
    })
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
    let token = headers
        .get("access_token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let answer = match i % 50 {
        _ if !spend_token(&fake, &token) => -124,
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
        token,
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
        .route("/v4/oa/access_token", post(access_token))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

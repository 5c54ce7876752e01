//! A fake Zalo server on loopback (ZNS and OAuth v4), as strict as the facts in
//! /tmp/shared/integrations/README.md: an access token is either the operator's static
//! one or one the OAuth refresh issued, and is refused (-124) once expired; a refresh
//! needs the app's `secret_key` header and form fields, and every refresh token works
//! once (a reused one is refused and counted). ZNS records every request and answers
//! by the recipient's number, so tests can inject failures. Member `i` has phone 0912xxxxxx
//! with `i` in the last six digits; by `i % 50`: 7 is an invalid phone (-108, final),
//! 13 fails with -100 twice then succeeds, 21 gets an HTTP 500 once then succeeds, 33
//! fails with -100 every time; everyone else succeeds at once.
//!
//! Templates (`GET /template/all`, `GET /template/info/v2`) belong to the account whose
//! token asks (an app's OAuth tokens, or the operator's static one); a message to a
//! registered template whose `template_data` misses a required parameter, has one the
//! template lacks, or one too long is refused with -112, as Zalo does. [`post_receipt`]
//! posts a delivery receipt signed as Zalo signs its webhook events.
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
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
    /// The message id answered, when sent.
    pub msg_id: Option<String>,
}

/// One parameter of a fake template.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub kind: &'static str,
    pub max_length: usize,
}

/// A template registered with the fake.
#[derive(Debug, Clone)]
pub struct Template {
    pub id: u64,
    pub name: &'static str,
    pub status: &'static str,
    pub params: Vec<Param>,
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
    /// Templates by owner: an app id, or `static` for the operator's token.
    pub templates: Mutex<HashMap<String, Vec<Template>>>,
    /// Template API calls answered (list and info).
    pub template_calls: Mutex<usize>,
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

    /// Registers `template` for `owner` (an app id, or `static`).
    pub fn template(&self, owner: &str, template: Template) {
        if let Ok(mut t) = self.templates.lock() {
            t.entry(owner.to_owned()).or_default().push(template);
        }
    }

    /// Template API calls so far.
    pub fn template_calls(&self) -> usize {
        self.template_calls.lock().map(|n| *n).unwrap_or_default()
    }
}

/// The account a live token belongs to (`static`, or the app id), without spending it.
fn owner_of(fake: &Fake, token: &str) -> Option<String> {
    if token == STATIC_TOKEN {
        return Some("static".into());
    }
    fake.oauth(|o| match o.access.get(token) {
        Some(Some(0)) | None => None,
        Some(_) => token
            .strip_prefix("at-")
            .and_then(|rest| rest.rsplit_once('-'))
            .map(|(app, _)| app.to_owned()),
    })
}

fn token_of(headers: &HeaderMap) -> String {
    headers
        .get("access_token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn refused(code: i64, message: &str) -> Json<Value> {
    Json(json!({"error": code, "message": message}))
}

/// `GET /template/all?offset=&limit=`: the token's templates.
async fn template_all(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    if let Ok(mut n) = fake.template_calls.lock() {
        *n += 1;
    }
    let Some(owner) = owner_of(&fake, &token_of(&headers)) else {
        return refused(-124, "Access token is invalid");
    };
    let number = |k: &str| q.get(k).and_then(|v| v.parse::<usize>().ok());
    let (Some(offset), Some(limit)) = (number("offset"), number("limit")) else {
        return refused(-201, "offset and limit are required");
    };
    if limit == 0 || limit > 100 {
        return refused(-201, "limit is 1 to 100");
    }
    let all = fake
        .templates
        .lock()
        .map(|t| t.get(&owner).cloned().unwrap_or_default())
        .unwrap_or_default();
    let data: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|t| {
            json!({"templateId": t.id, "templateName": t.name, "createdTime": 1_790_000_000_000u64,
                   "status": t.status, "templateQuality": "HIGH"})
        })
        .collect();
    Json(json!({"error": 0, "message": "Success", "data": data, "metadata": {"total": all.len()}}))
}

/// `GET /template/info/v2?template_id=`: one of the token's templates.
async fn template_info(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    if let Ok(mut n) = fake.template_calls.lock() {
        *n += 1;
    }
    let Some(owner) = owner_of(&fake, &token_of(&headers)) else {
        return refused(-124, "Access token is invalid");
    };
    let id = q.get("template_id").cloned().unwrap_or_default();
    let found = fake.templates.lock().ok().and_then(|t| {
        t.get(&owner)
            .and_then(|list| list.iter().find(|t| t.id.to_string() == id).cloned())
    });
    let Some(t) = found else {
        return refused(-109, "Template id is invalid");
    };
    let params: Vec<Value> = t
        .params
        .iter()
        .map(|p| {
            json!({"name": p.name, "require": p.required, "type": p.kind,
                   "maxLength": p.max_length, "minLength": 0, "acceptNull": !p.required})
        })
        .collect();
    Json(json!({"error": 0, "message": "Success", "data": {
        "templateId": t.id, "templateName": t.name, "status": t.status,
        "listParams": params, "listButtons": [], "timeout": 7_200_000,
        "previewUrl": format!("https://account.zalo.cloud/znspreview/{}", t.id),
        "templateQuality": "HIGH", "templateTag": "CUSTOMER_CARE", "price": "300"}}))
}

/// Whether `data` breaks the registered template `template_id` of `owner` (Zalo's -112).
fn breaks_template(fake: &Fake, owner: Option<&str>, template_id: &str, data: &Value) -> bool {
    let Some(t) = owner.and_then(|owner| {
        fake.templates.lock().ok().and_then(|t| {
            t.get(owner).and_then(|list| {
                list.iter()
                    .find(|t| t.id.to_string() == template_id)
                    .cloned()
            })
        })
    }) else {
        return false;
    };
    let Some(data) = data.as_object() else {
        return true;
    };
    t.params.iter().any(|p| {
        let v = data.get(p.name).and_then(Value::as_str);
        (p.required && v.is_none()) || v.is_some_and(|v| v.chars().count() > p.max_length)
    }) || data.keys().any(|k| !t.params.iter().any(|p| p.name == k))
}

/// The signature Zalo puts in `X-ZEvent-Signature`: `mac=` and the hex SHA-256 of app id,
/// body, timestamp and the OA secret key.
pub fn signature(app_id: &str, body: &str, timestamp: &str, oa_secret_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(format!("{app_id}{body}{timestamp}{oa_secret_key}").as_bytes());
    format!("mac={}", hex_of(&h.finalize()))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A ZNS delivery receipt as Zalo sends it: message `msg_id` reached the phone at
/// `delivered_ms` (Unix milliseconds).
pub fn receipt(app_id: &str, msg_id: &str, delivered_ms: i64) -> String {
    json!({"app_id": app_id, "event_name": "user_received_message",
           "user_id_by_app": "5520000000000000001",
           "message": {"msg_id": msg_id, "delivery_time": delivered_ms.to_string()},
           "timestamp": (delivered_ms + 500).to_string()})
    .to_string()
}

/// Posts `body` to `{server}/webhooks/zalo` signed with `oa_secret_key` for `app_id`
/// (none: unsigned); returns the HTTP status.
pub async fn post_receipt(
    http: &reqwest::Client,
    server: &str,
    app_id: &str,
    body: &str,
    oa_secret_key: Option<&str>,
) -> u16 {
    let timestamp = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["timestamp"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut request = http
        .post(format!("{server}/webhooks/zalo"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = oa_secret_key {
        request = request.header(
            "X-ZEvent-Signature",
            signature(app_id, body, &timestamp, key),
        );
    }
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"))
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
    let owner = owner_of(&fake, &token);
    let template_id = body["template_id"].as_str().unwrap_or_default().to_owned();
    let answer = match i % 50 {
        _ if !spend_token(&fake, &token) => -124,
        _ if breaks_template(
            &fake,
            owner.as_deref(),
            &template_id,
            &body["template_data"],
        ) =>
        {
            -112
        }
        _ if quota_left == Some(0) => -115,
        7 => -108,
        13 if attempt <= 2 => -100,
        21 if attempt == 1 => 500,
        33 => -100,
        _ => 0,
    };
    let successes = received.iter().filter(|r| r.answer == 0).count() + usize::from(answer == 0);
    received.push(Received {
        phone,
        tracking_id,
        template_id,
        data: body["template_data"].clone(),
        token,
        answer,
        msg_id: (answer == 0).then(|| format!("zmsg{successes}")),
    });
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
        .route("/template/all", get(template_all))
        .route("/template/info/v2", get(template_info))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

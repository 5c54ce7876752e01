//! A fake eSMS gateway on loopback, as strict as the facts in
//! /tmp/shared/integrations/README.md: `POST /MainService.svc/json/SendMultipleMessage_V4_post_json/`
//! with a JSON body of eSMS's documented fields only, each of its documented type;
//! anything else is malformed (HTTP 400, and recorded, so a test can insist on none).
//! A well-formed request is answered with eSMS's codes: 101 for an unknown ApiKey or a
//! SecretKey that is not its own, 104 for a brand name the account did not register,
//! 124 for a RequestId the account already sent, else 100 with an SMSID. The fake bills
//! each accepted message by its own count of segments (not the engine's), so a test can
//! compare what the engine charged with what the gateway counted.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The send path.
pub const SEND_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";

/// The fields eSMS documents for this call.
const FIELDS: [&str; 11] = [
    "ApiKey",
    "SecretKey",
    "Phone",
    "Content",
    "Brandname",
    "SmsType",
    "IsUnicode",
    "Sandbox",
    "RequestId",
    "CallbackUrl",
    "campaignid",
];

/// One well-formed request as received, with the code answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub api_key: String,
    pub secret_key: String,
    pub brand_name: String,
    pub phone: String,
    pub content: String,
    pub unicode: bool,
    pub request_id: String,
    pub code: &'static str,
    /// Segments the gateway bills for it (counted by the fake).
    pub segments: usize,
}

/// An eSMS account the fake knows.
#[derive(Debug, Clone)]
struct Account {
    secret_key: String,
    brand_names: Vec<String>,
}

/// Shared state of the fake.
#[derive(Default)]
pub struct Fake {
    accounts: Mutex<HashMap<String, Account>>,
    received: Mutex<Vec<Received>>,
    malformed: Mutex<Vec<String>>,
}

impl Fake {
    /// Registers an account with its keys and brand names.
    pub fn account(&self, api_key: &str, secret_key: &str, brand_names: &[&str]) {
        if let Ok(mut a) = self.accounts.lock() {
            a.insert(
                api_key.to_owned(),
                Account {
                    secret_key: secret_key.to_owned(),
                    brand_names: brand_names.iter().map(|b| (*b).to_owned()).collect(),
                },
            );
        }
    }

    /// Well-formed requests so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Why each malformed request was refused.
    pub fn malformed(&self) -> Vec<String> {
        self.malformed.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Characters a GSM-7 message may carry, as far as the fake's texts go: printable ASCII
/// but the backtick (missing from GSM 03.38), and line breaks.
fn gsm_capable(c: char) -> bool {
    (c.is_ascii_graphic() && c != '`') || matches!(c, ' ' | '\n' | '\r')
}

/// What the gateway bills, counted the plain way: UCS-2 in UTF-16 units (70, then 67 a
/// segment), GSM-7 in septets with `^{}\[~]|` taking two (160, then 153).
fn segments(content: &str, unicode: bool) -> usize {
    let (units, single, part) = if unicode {
        (content.encode_utf16().count(), 70, 67)
    } else {
        let escaped = content.chars().filter(|c| "^{}\\[~]|".contains(*c)).count();
        (content.chars().count() + escaped, 160, 153)
    };
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

fn string(body: &serde_json::Map<String, Value>, field: &str) -> Result<String, String> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        other => Err(format!(
            "{field}: a non-empty string is required, got {other:?}"
        )),
    }
}

fn flag(body: &serde_json::Map<String, Value>, field: &str) -> Result<bool, String> {
    match body.get(field).and_then(Value::as_u64) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(format!("{field}: 0 or 1 is required")),
    }
}

fn parse(headers: &HeaderMap, raw: &[u8]) -> Result<Received, String> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        return Err("Content-Type must be application/json".into());
    }
    let body: Value = serde_json::from_slice(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(body) = body else {
        return Err("the body must be a JSON object".into());
    };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field {unknown}"));
    }
    if string(&body, "SmsType")? != "2" {
        return Err("SmsType must be \"2\" (customer care brandname)".into());
    }
    let phone = string(&body, "Phone")?;
    if !(phone.len() == 10 && phone.starts_with('0') && phone.chars().all(|c| c.is_ascii_digit())) {
        return Err(format!("Phone {phone}: a Vietnamese number, 0xxxxxxxxx"));
    }
    let content = string(&body, "Content")?;
    let unicode = flag(&body, "IsUnicode")?;
    if !unicode && !content.chars().all(gsm_capable) {
        return Err("IsUnicode 0 with characters outside GSM-7: they would arrive garbled".into());
    }
    flag(&body, "Sandbox")?;
    Ok(Received {
        api_key: string(&body, "ApiKey")?,
        secret_key: string(&body, "SecretKey")?,
        brand_name: string(&body, "Brandname")?,
        segments: segments(&content, unicode),
        phone,
        content,
        unicode,
        request_id: string(&body, "RequestId")?,
        code: "",
    })
}

async fn send(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    raw: Bytes,
) -> (StatusCode, Json<Value>) {
    let mut r = match parse(&headers, &raw) {
        Ok(r) => r,
        Err(why) => {
            if let Ok(mut m) = fake.malformed.lock() {
                m.push(why.clone());
            }
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"CodeResult": "99", "ErrorMessage": why})),
            );
        }
    };
    let account = fake
        .accounts
        .lock()
        .ok()
        .and_then(|a| a.get(&r.api_key).cloned());
    let Ok(mut received) = fake.received.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({})));
    };
    let sent_before: HashSet<&str> = received
        .iter()
        .filter(|x| x.api_key == r.api_key && x.code == "100")
        .map(|x| x.request_id.as_str())
        .collect();
    r.code = match account {
        Some(a) if a.secret_key != r.secret_key => "101",
        None => "101",
        Some(a) if !a.brand_names.contains(&r.brand_name) => "104",
        Some(_) if sent_before.contains(r.request_id.as_str()) => "124",
        Some(_) => "100",
    };
    let answer = match r.code {
        "100" => json!({"CodeResult": "100", "CountRegenerate": 0,
                        "SMSID": format!("esms-{}", received.len() + 1)}),
        "124" => json!({"CodeResult": "124", "ErrorMessage": "Duplicate RequestId"}),
        "101" => json!({"CodeResult": "101", "ErrorMessage": "Authorize Failed"}),
        code => json!({"CodeResult": code, "ErrorMessage": "Brandname not registered"}),
    };
    received.push(r);
    (StatusCode::OK, Json(answer))
}

/// Starts the fake on a loopback port; returns its base URL and state.
pub async fn start() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route(SEND_PATH, post(send))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

//! SMS campaigns end to end: the real binary and a strict fake eSMS gateway on loopback.
//! Shops send through their own eSMS accounts (their keys, their brand names), a shop
//! without one through the operator's `LOYALTY_ESMS_*`, and one whose brand name eSMS
//! does not know is paused with the reason. Messages are billed per segment: Vietnamese
//! with diacritics as UCS-2, folded as GSM-7; the estimate prices the template with sample
//! values, and each message is charged its own segments once filled in.
//! Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::{Duration, Instant};
use support::fake_esms::{self, Fake};
use support::{Running, TOKEN, client, database, free_port, ok, shop, start_logged};

const SECRET_KEY: &str = "5a1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddee77";
const PRICE: i64 = 450;

/// eSMS accounts: (API key, secret key, registered brand name).
const SHOP_A: (&str, &str, &str) = ("esms-api-a-31377", "esms-secret-a-88164", "CUAHANGAN");
const SHOP_B: (&str, &str, &str) = ("esms-api-b-52290", "esms-secret-b-70431", "TIEMBANH.B");
const OPERATOR: (&str, &str, &str) = ("esms-api-op-11893", "esms-secret-op-40552", "LOYALTYVN");

/// 149 characters once `{{ shop }}` is filled in with a shop name of 11 characters:
/// over 134, three UCS-2 segments with its diacritics; within 160, one GSM-7 message
/// folded.
const TEXT: &str = "{{ shop }}: Chào bạn, tháng này thành viên được giảm 20% cho mọi đơn \
                    từ 300.000đ. Nhập mã TET2027 khi thanh toán, áp dụng đến hết 31/01. \
                    Cảm ơn bạn!";

/// Shop B's message names its member: 148 characters folded with the sample name of
/// the estimate (one GSM-7 message), 137 for Hà (one), 162 for Nguyễn Hoàng Khoa Trần
/// Minh (two segments of 153): each message is charged its own segments.
const TEXT_B: &str = "{{ shop }}: Chào {{ name }}, tiệm tặng bạn một bánh kem nhỏ cho đơn từ \
                      200.000đ trong tháng này. Hẹn gặp bạn tại tiệm vào cuối tuần nhé, cảm ơn!";

struct Server {
    /// Held for its drop, which stops the server.
    _process: Running,
    base: String,
    http: reqwest::Client,
    /// Every GraphQL answer, to search for leaked secrets.
    seen: std::sync::Mutex<String>,
}

impl Server {
    async fn q(&self, key: &str, query: &str, vars: Value) -> Value {
        let v = ok(&self.http, &self.base, key, query, vars).await;
        if let Ok(mut s) = self.seen.lock() {
            s.push_str(&v.to_string());
        }
        v
    }

    /// A shop named `name` with members from `csv` rows and a balance; its ADMIN key.
    async fn shop_with(&self, name: &str, rows: &[&str]) -> String {
        let key = shop(&self.http, &self.base, name).await;
        let csv = format!(
            "external_id,name,phone,email,registered\n{}\n",
            rows.join("\n")
        );
        self.q(
            &key,
            "mutation($c: String!) { importMembers(csv: $c) { imported } }",
            json!({"c": csv}),
        )
        .await;
        let shop_id = key.split('_').nth(1).unwrap_or_default();
        self.q(
            TOKEN,
            "mutation($s: ID!, $a: Decimal!) { topUpMessagingBalance(shopId: $s, amount: $a) { balance } }",
            json!({"s": shop_id, "a": "1000000"}),
        )
        .await;
        key
    }

    async fn connect(&self, key: &str, account: (&str, &str, &str)) -> Value {
        let (api_key, secret_key, brand_name) = account;
        self.q(
            key,
            "mutation($i: SmsGatewayInput!) { connectSmsGateway(input: $i) { connected brandName } }",
            json!({"i": {"apiKey": api_key, "secretKey": secret_key, "brandName": brand_name}}),
        )
        .await["connectSmsGateway"]
            .clone()
    }

    async fn campaign(&self, key: &str, text: &str, fold: bool) -> (String, Value) {
        let c = self
            .q(
                key,
                "mutation($i: CampaignInput!) { createCampaign(input: $i) { id channel
                   sms { text foldDiacritics }
                   estimate { recipients skippedByReason { reason count } segmentsPerMessage
                              segments pricePerSegment cost balanceCovers } } }",
                json!({"i": {"name": "Tết", "sms": {"text": text, "foldDiacritics": fold}}}),
            )
            .await["createCampaign"]
            .clone();
        (c["id"].as_str().unwrap_or_default().to_owned(), c)
    }

    async fn send_now(&self, key: &str, id: &str) {
        self.q(
            key,
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    }

    async fn until(&self, key: &str, id: &str, status: &str) -> Value {
        let t = Instant::now();
        loop {
            let c = self
                .q(
                    key,
                    "query($id: ID!) { campaign(id: $id) { status statusReason
                       estimate { frozen cost segments }
                       report { recipients sent failed pending cost held skippedByReason { reason count } } } }",
                    json!({"id": id}),
                )
                .await["campaign"]
                .clone();
            if c["status"] == json!(status) {
                return c;
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "campaign never reached {status}: {c}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn balance(&self, key: &str) -> i64 {
        let v = self
            .q(key, "{ messagingBalance { balance } }", json!({}))
            .await;
        vnd(&v["messagingBalance"]["balance"])
    }
}

fn vnd(v: &Value) -> i64 {
    let d = match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    d.and_then(|d| i64::try_from(d).ok())
        .unwrap_or_else(|| panic!("not an amount: {v}"))
}

fn skipped(v: &Value) -> BTreeMap<String, i64> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["reason"].as_str().unwrap_or_default().to_owned(),
                s["count"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

/// The accepted requests of one eSMS account.
fn accepted(fake: &Fake, api_key: &str) -> Vec<fake_esms::Received> {
    fake.received()
        .into_iter()
        .filter(|r| r.api_key == api_key && r.code == "100")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_send_sms_through_their_own_gateways_billed_per_segment_as_estimated() {
    let (esms, fake) = fake_esms::start().await;
    for account in [SHOP_A, SHOP_B, OPERATOR] {
        fake.account(account.0, account.1, &[account.2]);
    }
    let (url, _dir) = database("sms_shops");
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = logs.path().join("server.log");
    let port = free_port();
    let env: Vec<(&str, String)> = vec![
        ("LOYALTY_ESMS_BASE_URL", esms.clone()),
        ("LOYALTY_ESMS_API_KEY", OPERATOR.0.to_owned()),
        ("LOYALTY_ESMS_SECRET_KEY", OPERATOR.1.to_owned()),
        ("LOYALTY_ESMS_BRAND_NAME", OPERATOR.2.to_owned()),
        ("LOYALTY_PRICE_SMS", PRICE.to_string()),
        ("LOYALTY_SECRET_KEY", SECRET_KEY.to_owned()),
        ("LOYALTY_DISPATCH_IDLE_MS", "20".to_owned()),
        ("LOYALTY_SEND_RATE_PER_SEC", "2000".to_owned()),
        // Everything the server says, so a leaked key would be in the log.
        ("RUST_LOG", "debug".to_owned()),
    ];
    let s = Server {
        _process: Running(start_logged(&url, port, &env, &log)),
        base: format!("http://127.0.0.1:{port}"),
        http: client(),
        seen: std::sync::Mutex::default(),
    };
    support::healthy(&s.http, &s.base).await;

    // Shop A: three phones eSMS takes, one member without a phone, one with a foreign
    // phone (a Vietnamese brandname cannot reach it), one who opts out of SMS.
    let a = s
        .shop_with(
            "Cửa hàng An",
            &[
                "a1,An,0912000001,a1@example.com,true",
                "a2,Bình,0912000002,,true",
                "a3,Chi,0987000003,,true",
                "a4,Dũng,,a4@example.com,true",
                "a5,Emma,+6591234567,,true",
                "a6,Giang,0912000006,,true",
            ],
        )
        .await;
    let b = s
        .shop_with(
            "Tiệm bánh B",
            &[
                "b1,Hà,0913000001,,true",
                "b2,Nguyễn Hoàng Khoa Trần Minh,0913000002,,true",
            ],
        )
        .await;
    // Shop O has no gateway of its own: the operator's account sends for it.
    let o = s
        .shop_with("Tiệm trà Ốc", &["o1,Lan,0914000001,,true"])
        .await;

    let opted = s
        .q(&a, "{ member(externalId: \"a6\") { id } }", json!({}))
        .await["member"]["id"]
        .clone();
    s.q(
        &a,
        "mutation($m: ID!) { setMessagingConsent(memberId: $m, channel: SMS, allowed: false) { externalId } }",
        json!({"m": opted}),
    )
    .await;

    // Connecting shows whether and under which brand name, never a key.
    assert_eq!(
        s.connect(&a, SHOP_A).await,
        json!({"connected": true, "brandName": SHOP_A.2})
    );
    assert_eq!(
        s.connect(&b, SHOP_B).await,
        json!({"connected": true, "brandName": SHOP_B.2})
    );
    let none = s
        .q(&o, "{ smsGateway { connected brandName } }", json!({}))
        .await;
    assert_eq!(
        none["smsGateway"],
        json!({"connected": false, "brandName": null})
    );

    let (id_a, created_a) = s.campaign(&a, TEXT, false).await;
    let (id_b, created_b) = s.campaign(&b, TEXT_B, true).await;
    let (id_o, created_o) = s.campaign(&o, TEXT, true).await;
    assert_eq!(created_a["channel"], json!("SMS"));
    assert_eq!(
        created_a["sms"],
        json!({"text": TEXT, "foldDiacritics": false})
    );
    let (est_a, est_b, est_o) = (
        &created_a["estimate"],
        &created_b["estimate"],
        &created_o["estimate"],
    );
    // With diacritics: 150 UTF-16 units, three UCS-2 segments. Folded: one GSM-7 message.
    assert_eq!(est_a["segmentsPerMessage"], json!(3), "{est_a}");
    assert_eq!(est_b["segmentsPerMessage"], json!(1), "{est_b}");
    assert_eq!(est_a["recipients"], json!(3), "{est_a}");
    assert_eq!(
        skipped(&est_a["skippedByReason"]),
        BTreeMap::from([("NO_PHONE".to_owned(), 2), ("OPTED_OUT".to_owned(), 1)])
    );
    assert_eq!(vnd(&est_a["pricePerSegment"]), PRICE);
    assert_eq!(vnd(&est_a["cost"]), 3 * 3 * PRICE);
    assert_eq!(vnd(&est_b["cost"]), 2 * PRICE);
    assert_eq!(vnd(&est_o["cost"]), PRICE);

    let before = [
        s.balance(&a).await,
        s.balance(&b).await,
        s.balance(&o).await,
    ];
    // All three at once.
    for (key, id) in [(&a, &id_a), (&b, &id_b), (&o, &id_o)] {
        s.send_now(key, id).await;
    }
    let mut done = Vec::new();
    for (key, id) in [(&a, &id_a), (&b, &id_b), (&o, &id_o)] {
        done.push(s.until(key, id, "COMPLETED").await);
    }
    assert!(fake.malformed().is_empty(), "{:?}", fake.malformed());

    // Each shop reached eSMS with its own keys and brand name, each recipient once.
    let mut gateway_segments = Vec::new();
    for ((account, phones, unicode), c) in [
        (
            (SHOP_A, vec!["0912000001", "0912000002", "0987000003"], true),
            &done[0],
        ),
        ((SHOP_B, vec!["0913000001", "0913000002"], false), &done[1]),
        ((OPERATOR, vec!["0914000001"], false), &done[2]),
    ] {
        let got = accepted(&fake, account.0);
        assert!(
            got.iter()
                .all(|r| r.secret_key == account.1 && r.brand_name == account.2),
            "{got:?}"
        );
        let reached: BTreeSet<&str> = got.iter().map(|r| r.phone.as_str()).collect();
        assert_eq!(reached, phones.iter().copied().collect(), "{got:?}");
        assert_eq!(got.len(), phones.len(), "each recipient once: {got:?}");
        assert!(got.iter().all(|r| r.unicode == unicode), "{got:?}");
        assert_eq!(c["report"]["sent"], json!(phones.len()), "{c}");
        gateway_segments.push(got.iter().map(|r| r.segments as i64).sum::<i64>());
    }
    let a_sent = accepted(&fake, SHOP_A.0);
    assert!(
        a_sent[0].content.starts_with("Cửa hàng An: Chào bạn"),
        "{a_sent:?}"
    );
    let b_sent = accepted(&fake, SHOP_B.0);
    assert!(
        b_sent[0].content.starts_with("Tiem banh B: Chao "),
        "{b_sent:?}"
    );
    // The gateway's own count: 3 × 3 UCS-2 segments; for B, 1 + 2 GSM-7 segments (its
    // long-named member's message is two); 1 × 1 GSM-7 for O.
    assert_eq!(gateway_segments, vec![9, 3, 1]);

    // Charged what eSMS bills, message by message. Where every message is as long as
    // the sample's, that is what the estimate said; B's estimate priced its two
    // messages at the sample's one segment each, and B paid for three.
    let estimated_segments = [9, 2, 1];
    for (i, (key, estimate)) in [(&a, est_a), (&b, est_b), (&o, est_o)]
        .into_iter()
        .enumerate()
    {
        let charged = before[i] - s.balance(key).await;
        assert_eq!(charged, gateway_segments[i] * PRICE, "shop {i}");
        assert_eq!(vnd(&done[i]["report"]["cost"]), charged, "shop {i}");
        assert_eq!(
            vnd(&estimate["cost"]),
            estimated_segments[i] * PRICE,
            "shop {i}"
        );
        assert_eq!(vnd(&done[i]["report"]["held"]), 0, "shop {i}");
    }

    // A brand name eSMS does not know pauses the shop's SMS campaign with the reason.
    let c = s
        .shop_with("Cửa hàng Cẩm", &["c1,Minh,0915000001,,true"])
        .await;
    s.connect(&c, (SHOP_A.0, SHOP_A.1, "CHUADANGKY")).await;
    let (id_c, _) = s.campaign(&c, TEXT, true).await;
    let before_c = s.balance(&c).await;
    s.send_now(&c, &id_c).await;
    let paused = s.until(&c, &id_c, "PAUSED").await;
    let reason = paused["statusReason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("brand name") && reason.contains("104"),
        "{reason}"
    );
    assert_eq!(paused["report"]["sent"], json!(0), "{paused}");
    // Its message waits, holding its price, to go out when the shop fixes the account.
    assert_eq!(paused["report"]["pending"], json!(1), "{paused}");
    assert_eq!(vnd(&paused["report"]["held"]), PRICE, "{paused}");
    assert_eq!(s.balance(&c).await, before_c - PRICE);

    // No key, the shops' or the operator's, in any answer or log line.
    let answers = s.seen.lock().map(|t| t.clone()).unwrap_or_default();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("campaign round"), "the log was captured");
    for (what, text) in [("a response", &answers), ("the server log", &logged)] {
        for account in [SHOP_A, SHOP_B, OPERATOR] {
            for secret in [account.0, account.1] {
                assert!(!text.contains(secret), "an eSMS key appears in {what}");
            }
        }
        assert!(
            !text.contains(SECRET_KEY),
            "LOYALTY_SECRET_KEY appears in {what}"
        );
    }
}

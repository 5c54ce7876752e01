//! A few thousand malformed requests: wrong types, huge numbers, deep nesting, giant
//! lists, invalid UTF-8, oversized bodies, unknown enum values. None may produce a 5xx,
//! every error must carry a contract code, and nothing may be written.
use loyalty_api::config::Limits;
use loyalty_tests::spawn_app_with;
use serde_json::{Value, json};

const CODES: [&str; 8] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "INSUFFICIENT_POINTS",
    "LIMIT_EXCEEDED",
    "INTERNAL",
];

/// A small deterministic generator: the same requests on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

fn body(rng: &mut Lcg) -> Vec<u8> {
    let weird_values = [
        json!(null),
        json!("x"),
        json!(-1),
        json!(1e300),
        json!(99_999_999_999_999_999_999.0),
        json!(i64::MAX),
        json!(true),
        json!([1, 2]),
        json!({"a": 1}),
        json!("1e999"),
        json!("NaN"),
        json!("-0.0000001"),
        json!("😀"),
    ];
    let v = weird_values[(rng.next() as usize) % weird_values.len()].clone();
    let order_q = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }";
    let kind = rng.next() % 12;
    let request = match kind {
        0 => {
            json!({"query": order_q, "variables": {"i": {"externalId": v, "memberExternalId": "m", "channel": "POS", "lines": []}}})
        }
        1 => {
            json!({"query": order_q, "variables": {"i": {"externalId": "o", "memberExternalId": "m", "channel": rng.pick(&["SHOP", "pos", "", "WEB "]), "lines": [{"productId": "p", "quantity": 1, "unitPrice": "1"}]}}})
        }
        2 => {
            json!({"query": order_q, "variables": {"i": {"externalId": "o", "memberExternalId": "m", "channel": "WEB", "lines": [{"productId": "p", "quantity": v, "unitPrice": "1000"}]}}})
        }
        3 => {
            json!({"query": order_q, "variables": {"i": {"externalId": "o", "memberExternalId": "m", "channel": "WEB", "lines": [{"productId": "p", "quantity": 1, "unitPrice": v}]}}})
        }
        4 => {
            let lines: Vec<Value> = (0..2000)
                .map(|_| json!({"productId": "p", "quantity": 1, "unitPrice": "1"}))
                .collect();
            json!({"query": order_q, "variables": {"i": {"externalId": "big", "memberExternalId": "m", "channel": "WEB", "lines": lines}}})
        }
        5 => {
            let depth = 5 + rng.next() % 60;
            let q = format!(
                "{{ {}id{} }}",
                "program { tiers { ".repeat(depth as usize),
                " } }".repeat(depth as usize)
            );
            json!({"query": q})
        }
        6 => {
            json!({"query": "mutation($i: MemberInput!) { upsertMember(input: $i) { id } }", "variables": {"i": {"externalId": "m", "gender": rng.pick(&["ROBOT", "female", "1"]), "phone": v}}})
        }
        7 => {
            json!({"query": "mutation($i: TierInput!) { createTier(input: $i) { id } }", "variables": {"i": {"name": v, "minSpend": v}}})
        }
        8 => {
            json!({"query": "query($f: MemberFilter) { members(filter: $f, first: 100000) { totalCount } }", "variables": {"f": {"tierIds": [v], "totalSpent": {"min": v}}}})
        }
        9 => {
            json!({"query": rng.pick(&["{", "}", "{ members(first: ) }", "query { tiers(x: 1) { id } }", "mutation { recordOrder }", ""]) })
        }
        10 => {
            json!({"query": "mutation($i: RefundInput!) { refundOrder(input: $i) { orderId } }", "variables": {"i": {"orderExternalId": "nope", "refundId": v, "amount": v}}})
        }
        _ => {
            json!({"query": "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }", "variables": {"i": {"memberId": v, "points": v, "reason": v, "idempotencyKey": v}}})
        }
    };
    let mut bytes = request.to_string().into_bytes();
    match rng.next() % 10 {
        0 => {
            // Invalid UTF-8 in the middle.
            let at = bytes.len() / 2;
            bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
        }
        1 => bytes.truncate(bytes.len() / 2),
        2 => bytes.extend(std::iter::repeat_n(b' ', 300_000)),
        _ => {}
    }
    bytes
}

#[tokio::test]
async fn thousands_of_malformed_requests_get_coded_errors_and_write_nothing() {
    let app = spawn_app_with(Limits {
        max_body_bytes: 256 * 1024,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    let count = |table: &'static str| {
        let db = app.ctx.db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .ok()
                .flatten();
            row.and_then(|r| r.try_get::<i64>("", "n").ok())
                .unwrap_or(-1)
        }
    };
    let before = (
        count("members").await,
        count("orders").await,
        count("ledger_entries").await,
        count("tiers").await,
    );
    let mut rng = Lcg(42);
    let mut by_status = std::collections::BTreeMap::new();
    for _ in 0..2500 {
        let res = app.post_raw(Some(&admin), body(&mut rng)).await;
        assert!(
            res.status < 500,
            "5xx for a malformed request: {}",
            res.body
        );
        *by_status.entry(res.status).or_insert(0) += 1;
        if res.status == 413 {
            continue;
        }
        if let Some(errors) = res.body.get("errors").and_then(Value::as_array) {
            for e in errors {
                let code = e["extensions"]["code"].as_str().unwrap_or_default();
                assert!(CODES.contains(&code), "error without a contract code: {e}");
                assert_ne!(
                    code, "INTERNAL",
                    "malformed input is the client's fault: {e}"
                );
            }
        } else {
            panic!("a malformed request succeeded: {}", res.body);
        }
    }
    let after = (
        count("members").await,
        count("orders").await,
        count("ledger_entries").await,
        count("tiers").await,
    );
    assert_eq!(before, after, "nothing was written");
    eprintln!("2500 malformed requests by HTTP status: {by_status:?}");
}

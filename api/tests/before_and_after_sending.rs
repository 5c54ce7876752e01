//! Before and after a campaign goes out, end to end: the real binary and the fake Zalo
//! (OAuth, ZNS, template APIs, signed webhook events). A test message charged like any
//! other; the shop's templates listed and a campaign breaking its template refused; a
//! signed delivery receipt marking its delivery DELIVERED, and forged ones refused.
//! Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::fake_zns::{self, Fake, Param, Template, phone_of, post_receipt, receipt};
use support::{
    Running, TOKEN, client, database, free_port, gql, healthy, ok, shop, start, start_logged,
};

const SECRET_KEY: &str = "8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";

struct Server {
    /// Held for its drop, which stops the server.
    _process: Running,
    base: String,
    http: reqwest::Client,
}

impl Server {
    async fn up(url: &str, zalo: &str, extra: &[(&str, String)]) -> Self {
        Self::up_logged(url, zalo, extra, None).await
    }

    /// [`Server::up`], writing the server's log to `log` when given.
    async fn up_logged(
        url: &str,
        zalo: &str,
        extra: &[(&str, String)],
        log: Option<&std::path::Path>,
    ) -> Self {
        let mut env = vec![
            ("LOYALTY_ZNS_BASE_URL", zalo.to_owned()),
            ("LOYALTY_ZALO_OAUTH_BASE_URL", zalo.to_owned()),
            ("LOYALTY_SECRET_KEY", SECRET_KEY.to_owned()),
            ("LOYALTY_DISPATCH_IDLE_MS", "20".to_owned()),
            ("LOYALTY_RETRY_BASE_MS", "20".to_owned()),
            ("LOYALTY_SEND_RATE_PER_SEC", "2000".to_owned()),
        ];
        env.extend(extra.iter().cloned());
        let port = free_port();
        let child = match log {
            Some(log) => start_logged(url, port, &env, log),
            None => start(url, port, &env),
        };
        let base = format!("http://127.0.0.1:{port}");
        let http = client();
        healthy(&http, &base).await;
        Self {
            _process: Running(child),
            base,
            http,
        }
    }

    async fn q(&self, key: &str, query: &str, vars: Value) -> Value {
        ok(&self.http, &self.base, key, query, vars).await
    }

    /// The first error of a request that must fail.
    async fn err(&self, key: &str, query: &str, vars: Value) -> Value {
        let e = gql(&self.http, &self.base, key, query, vars)
            .await
            .err()
            .unwrap_or_else(|| panic!("{query} did not fail"));
        serde_json::from_str::<Value>(&e).unwrap_or_default()[0].clone()
    }

    /// A shop with registered members `members` (phones the fake accepts, e-mails) and
    /// 10,000,000 VND of messaging balance; returns its ADMIN key.
    async fn shop_with(&self, name: &str, members: &[usize]) -> String {
        let key = shop(&self.http, &self.base, name).await;
        let mut csv = String::from("external_id,name,phone,email,registered\n");
        for i in members {
            csv.push_str(&format!(
                "m{i},Member {i},{},m{i}@example.com,true\n",
                phone_of(*i)
            ));
        }
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
            json!({"s": shop_id, "a": "10000000"}),
        )
        .await;
        key
    }

    /// Connects the shop's OA of `app` (registered with the fake here).
    async fn connect(&self, fake: &Fake, key: &str, app: &str, webhook_key: Option<&str>) {
        let secret = format!("secret-of-{app}");
        let refresh = fake.app(app, &secret);
        let oa = self
            .q(
                key,
                "mutation($i: ZaloOaInput!) { connectZaloOa(input: $i) { connected webhookConfigured } }",
                json!({"i": {"appId": app, "secretKey": secret, "refreshToken": refresh,
                             "webhookSecretKey": webhook_key}}),
            )
            .await;
        assert_eq!(
            oa["connectZaloOa"],
            json!({"connected": true, "webhookConfigured": webhook_key.is_some()})
        );
    }

    async fn campaign(&self, key: &str, input: Value) -> Result<String, Value> {
        let q = "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }";
        match gql(&self.http, &self.base, key, q, json!({"i": input})).await {
            Ok(v) => Ok(v["createCampaign"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()),
            Err(e) => Err(serde_json::from_str::<Value>(&e).unwrap_or_default()[0].clone()),
        }
    }

    async fn balance(&self, key: &str) -> String {
        self.q(key, "{ messagingBalance { balance } }", json!({}))
            .await["messagingBalance"]["balance"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn report(&self, key: &str, id: &str) -> Value {
        self.q(
            key,
            "query($id: ID!) { campaign(id: $id) { status report { recipients sent delivered failed pending } } }",
            json!({"id": id}),
        )
        .await["campaign"]
            .clone()
    }

    async fn until_completed(&self, key: &str, id: &str) -> Value {
        let t = Instant::now();
        loop {
            let c = self.report(key, id).await;
            if c["status"] == json!("COMPLETED") {
                return c;
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "campaign never completed: {c}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn zns(template_id: &str, params: &[(&str, &str)]) -> Value {
    let params: Vec<Value> = params
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({"name": "Tết", "zns": {"templateId": template_id, "params": params}})
}

const SEND_TEST: &str = "mutation($c: ID!, $to: String!, $m: ID) {
    sendTestMessage(campaignId: $c, to: $to, memberId: $m) { channel to providerMessageId cost balanceLeft } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_is_filled_in_sent_through_the_shops_oa_and_charged_once() {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("test_message");
    // The operator's SMTP relay is a closed port: the e-mail test reaches the transport
    // and is refused there.
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let s = Server::up(
        &url,
        &zalo,
        &[
            ("LOYALTY_DISPATCH_IDLE_MS", "0".to_owned()),
            ("LOYALTY_SMTP_URL", closed),
        ],
    )
    .await;
    let a = s.shop_with("Shop A", &[1, 2]).await;
    s.connect(&fake, &a, "appa", None).await;
    let id = s
        .campaign(
            &a,
            zns(
                "231456",
                &[("customer_name", "{{ name }}"), ("tier", "{{ shop }}")],
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let member = s
        .q(&a, "{ member(externalId: \"m1\") { id } }", json!({}))
        .await["member"]["id"]
        .clone();

    // For a member: its fields, to the phone given, in the international form.
    let sent = s
        .q(
            &a,
            SEND_TEST,
            json!({"c": id, "to": "0912 000 777", "m": member}),
        )
        .await["sendTestMessage"]
        .clone();
    assert_eq!(sent["channel"], json!("ZNS"));
    assert_eq!(sent["to"], json!("84912000777"));
    assert_eq!(sent["cost"], json!("300"));
    assert_eq!(sent["balanceLeft"], json!("9999700"));
    let got = fake.received();
    assert_eq!(got.len(), 1, "one request reached Zalo");
    assert_eq!(got[0].phone, "84912000777");
    assert_eq!(got[0].template_id, "231456");
    assert_eq!(
        got[0].data,
        json!({"customer_name": "Member 1", "tier": "Shop A"})
    );
    assert!(got[0].token.starts_with("at-appa-"), "the shop's own OA");
    assert_eq!(sent["providerMessageId"], json!(got[0].msg_id));

    // Without a member: the sample fields.
    s.q(&a, SEND_TEST, json!({"c": id, "to": "84912000778"}))
        .await;
    assert_eq!(
        fake.received()[1].data["customer_name"],
        json!("Nguyễn Văn An")
    );
    assert_eq!(s.balance(&a).await, "9999400");

    // Zalo refusing the phone (the fake's -108): the provider's code, nothing charged.
    let e = s
        .err(&a, SEND_TEST, json!({"c": id, "to": "0912000007"}))
        .await;
    assert_eq!(e["extensions"]["code"], json!("CONFLICT"), "{e}");
    assert_eq!(e["extensions"]["reason"], json!("PROVIDER_ERROR"), "{e}");
    assert_eq!(e["extensions"]["providerCode"], json!("-108"), "{e}");
    assert_eq!(e["extensions"]["retryable"], json!(false), "{e}");
    assert_eq!(s.balance(&a).await, "9999400");

    // `to` is a phone on ZNS, bounded, and the member must be the shop's.
    for to in ["an@example.com".to_owned(), "9".repeat(300)] {
        let e = s.err(&a, SEND_TEST, json!({"c": id, "to": to})).await;
        assert_eq!(e["extensions"]["code"], json!("BAD_USER_INPUT"), "{e}");
        assert_eq!(e["extensions"]["field"], json!("to"), "{e}");
    }
    let b = s.shop_with("Shop B", &[3]).await;
    let e = s
        .err(&b, SEND_TEST, json!({"c": id, "to": "0912000778"}))
        .await;
    assert_eq!(e["extensions"]["code"], json!("NOT_FOUND"), "{e}");
    let read = s
        .q(
            &a,
            "mutation { createApiKey(role: READ, name: \"r\") { key } }",
            json!({}),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let e = s
        .err(&read, SEND_TEST, json!({"c": id, "to": "0912000778"}))
        .await;
    assert_eq!(e["extensions"]["code"], json!("FORBIDDEN"), "{e}");

    // The same path for e-mail: an address on EMAIL, the shop's sender (here the
    // operator's relay, down): the transport's refusal, retryable, nothing charged.
    let mail = s
        .campaign(
            &a,
            json!({"name": "News", "email": {"subject": "Hi {{ name }}", "body": "Hello"}}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let e = s
        .err(&a, SEND_TEST, json!({"c": mail, "to": "0912000778"}))
        .await;
    assert_eq!(e["extensions"]["field"], json!("to"), "{e}");
    let e = s
        .err(&a, SEND_TEST, json!({"c": mail, "to": "Boss@Shop-A.vn"}))
        .await;
    assert_eq!(e["extensions"]["reason"], json!("PROVIDER_ERROR"), "{e}");
    assert_eq!(e["extensions"]["retryable"], json!(true), "{e}");
    assert_eq!(s.balance(&a).await, "9999400");
    assert_eq!(fake.received().len(), 3, "nothing else reached Zalo");
}

fn tet_template() -> Template {
    Template {
        id: 231456,
        name: "Chúc Tết",
        status: "ENABLE",
        params: vec![
            Param {
                name: "customer_name",
                required: true,
                kind: "STRING",
                max_length: 30,
            },
            Param {
                name: "points",
                required: false,
                kind: "NUMBER",
                max_length: 10,
            },
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_listed_and_a_campaign_breaking_its_template_is_refused_naming_the_param() {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("zns_templates");
    let s = Server::up(&url, &zalo, &[("LOYALTY_DISPATCH_IDLE_MS", "0".to_owned())]).await;
    let a = s.shop_with("Shop A", &[1]).await;
    let b = s.shop_with("Shop B", &[2]).await;

    // Without an OA (and no operator token) there is no one to ask.
    let e = s.err(&a, "{ znsTemplates { id } }", json!({})).await;
    assert_eq!(e["extensions"]["code"], json!("CONFLICT"), "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("connectZaloOa"),
        "{e}"
    );

    fake.template("appa", tet_template());
    fake.template(
        "appa",
        Template {
            id: 777001,
            name: "Đơn hàng",
            status: "PENDING_REVIEW",
            params: vec![Param {
                name: "order_code",
                required: true,
                kind: "STRING",
                max_length: 20,
            }],
        },
    );
    fake.template(
        "appb",
        Template {
            id: 888001,
            name: "B only",
            status: "ENABLE",
            params: vec![],
        },
    );
    s.connect(&fake, &a, "appa", None).await;
    s.connect(&fake, &b, "appb", None).await;

    let list = s
        .q(
            &a,
            "{ znsTemplates { id name status params { name required type minLength maxLength acceptNull } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["znsTemplates"],
        json!([
            {"id": "231456", "name": "Chúc Tết", "status": "ENABLE", "params": [
                {"name": "customer_name", "required": true, "type": "STRING",
                 "minLength": 0, "maxLength": 30, "acceptNull": false},
                {"name": "points", "required": false, "type": "NUMBER",
                 "minLength": 0, "maxLength": 10, "acceptNull": true}]},
            {"id": "777001", "name": "Đơn hàng", "status": "PENDING_REVIEW", "params": [
                {"name": "order_code", "required": true, "type": "STRING",
                 "minLength": 0, "maxLength": 20, "acceptNull": false}]}
        ])
    );
    // Kept per shop: asked again, Zalo is not; the other shop sees its own.
    let calls = fake.template_calls();
    assert_eq!(calls, 3, "one list and one info per template");
    s.q(&a, "{ znsTemplates { id } }", json!({})).await;
    assert_eq!(fake.template_calls(), calls);
    let other = s.q(&b, "{ znsTemplates { id } }", json!({})).await;
    assert_eq!(other["znsTemplates"], json!([{"id": "888001"}]));
    let read = s
        .q(
            &a,
            "mutation { createApiKey(role: READ, name: \"r\") { key } }",
            json!({}),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let e = s.err(&read, "{ znsTemplates { id } }", json!({})).await;
    assert_eq!(e["extensions"]["code"], json!("FORBIDDEN"), "{e}");

    // A campaign is checked against its template, naming the parameter at fault.
    for (params, names) in [
        (vec![("points", "{{ points }}")], "customer_name"),
        (
            vec![("customer_name", "{{ name }}"), ("nope", "x")],
            "'nope' is not a parameter of template 231456",
        ),
        (
            // "Nguyễn Văn An" three times is 41 characters, over 30.
            vec![("customer_name", "{{ name }} {{ name }} {{ name }}")],
            "'customer_name' is 41 characters",
        ),
    ] {
        let e = s
            .campaign(&a, zns("231456", &params))
            .await
            .err()
            .unwrap_or_else(|| panic!("{params:?} was accepted"));
        assert_eq!(e["extensions"]["code"], json!("BAD_USER_INPUT"), "{e}");
        assert_eq!(e["extensions"]["field"], json!("zns.params"), "{e}");
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{message}");
    }
    // Editing a draft is checked the same way.
    let id = s
        .campaign(
            &a,
            zns(
                "231456",
                &[("customer_name", "{{ name }}"), ("points", "{{ points }}")],
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let e = s
        .err(
            &a,
            "mutation($id: ID!, $i: CampaignInput!) { updateCampaign(id: $id, input: $i) { id } }",
            json!({"id": id, "i": zns("231456", &[("points", "1")])}),
        )
        .await;
    assert_eq!(e["extensions"]["field"], json!("zns.params"), "{e}");
    // A template Zalo does not know for the shop (B's, here) is not checked.
    s.campaign(&a, zns("888001", &[("anything", "{{ name }}")]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_receipt_marks_its_delivery_delivered_once_and_forged_ones_change_nothing() {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("zalo_receipts");
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = logs.path().join("server.log");
    // Everything the server says, so a leaked webhook key would be in the log.
    let s = Server::up_logged(&url, &zalo, &[("RUST_LOG", "debug".to_owned())], Some(&log)).await;
    let members = [1, 2, 3, 4, 5];
    let a = s.shop_with("Shop A", &members).await;
    let b = s.shop_with("Shop B", &[51]).await;
    s.connect(&fake, &a, "appa", Some("oa-webhook-key-a")).await;
    s.connect(&fake, &b, "appb", Some("oa-webhook-key-b")).await;
    let id = s
        .campaign(&a, zns("231456", &[("customer_name", "{{ name }}")]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.q(
        &a,
        "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
        json!({"id": id}),
    )
    .await;
    let done = s.until_completed(&a, &id).await;
    assert_eq!(done["report"]["sent"], json!(5), "{done}");
    assert_eq!(done["report"]["delivered"], json!(0), "{done}");
    let ids: Vec<String> = fake
        .received()
        .iter()
        .filter_map(|r| r.msg_id.clone())
        .collect();
    assert_eq!(ids.len(), 5);

    // Forged: a wrong key, B's key on A's app, an unknown app, no signature at all, B
    // signing for its own app an event about A's messages.
    let event = receipt("appa", &ids[0], 1_795_000_001_000);
    assert_eq!(
        post_receipt(&s.http, &s.base, "appa", &event, Some("guess")).await,
        401
    );
    assert_eq!(
        post_receipt(&s.http, &s.base, "appa", &event, Some("oa-webhook-key-b")).await,
        401
    );
    let unknown = receipt("nosuchapp", &ids[0], 1_795_000_001_000);
    assert_eq!(
        post_receipt(
            &s.http,
            &s.base,
            "nosuchapp",
            &unknown,
            Some("oa-webhook-key-a")
        )
        .await,
        401
    );
    assert_eq!(
        post_receipt(&s.http, &s.base, "appa", &event, None).await,
        401
    );
    let as_b = receipt("appb", &ids[0], 1_795_000_001_000);
    assert_eq!(
        post_receipt(&s.http, &s.base, "appb", &as_b, Some("oa-webhook-key-b")).await,
        200,
        "B's own event is taken, and matches none of B's messages"
    );
    let too_big = format!("{{\"pad\": \"{}\"}}", "x".repeat(32 * 1024));
    assert_eq!(
        post_receipt(&s.http, &s.base, "appa", &too_big, Some("oa-webhook-key-a")).await,
        413
    );
    let after_forged = s.report(&a, &id).await;
    assert_eq!(
        after_forged["report"]["delivered"],
        json!(0),
        "{after_forged}"
    );

    // Signed receipts for three messages, one of them twice (Zalo retries).
    for (n, msg) in ids.iter().take(3).enumerate() {
        let event = receipt("appa", msg, 1_795_000_001_000 + n as i64);
        assert_eq!(
            post_receipt(&s.http, &s.base, "appa", &event, Some("oa-webhook-key-a")).await,
            200
        );
    }
    let again = receipt("appa", &ids[0], 1_795_000_009_000);
    assert_eq!(
        post_receipt(&s.http, &s.base, "appa", &again, Some("oa-webhook-key-a")).await,
        200
    );
    let report = s.report(&a, &id).await;
    assert_eq!(report["report"]["sent"], json!(5), "{report}");
    assert_eq!(report["report"]["delivered"], json!(3), "{report}");
    assert_eq!(report["report"]["failed"], json!(0), "{report}");

    let deliveries = s
        .q(
            &a,
            "query($id: ID!) { campaign(id: $id) { deliveries(first: 10, status: DELIVERED) {
                edges { node { providerMessageId status sentAt deliveredAt } } } } }",
            json!({"id": id}),
        )
        .await["campaign"]["deliveries"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(deliveries.len(), 3);
    let first = deliveries
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["providerMessageId"] == json!(ids[0]))
        .unwrap_or_default();
    assert_eq!(first["status"], json!("DELIVERED"));
    // The time of the first receipt, from its `delivery_time`; the retry changed nothing.
    let at =
        chrono::DateTime::parse_from_rfc3339(first["deliveredAt"].as_str().unwrap_or_default())
            .map(|t| t.timestamp_millis())
            .unwrap_or_default();
    assert_eq!(at, 1_795_000_001_000, "{first}");
    let zalo_oa = s.q(&a, "{ zaloOa { webhookConfigured } }", json!({})).await;
    assert_eq!(zalo_oa["zaloOa"]["webhookConfigured"], json!(true));
    drop(s);
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("Zalo webhook refused"),
        "the log was captured"
    );
    for key in ["oa-webhook-key-a", "oa-webhook-key-b"] {
        assert!(
            !log_text.contains(key),
            "a webhook key is in the server log"
        );
    }
}

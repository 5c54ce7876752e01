//! Campaign delivery end to end: the real binary, a fake ZNS server and a real SMTP
//! server (aiosmtpd) on loopback. Runs on SQLite, and on PostgreSQL when
//! TEST_DATABASE_URL is set.
mod support;

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::fake_zns::{self, index_of, phone_of};
use support::{Running, TOKEN, client, database, free_port, healthy, ok, shop, start};

const ZNS_TOKEN: &str = "oa-access-token";

struct Server {
    child: Running,
    base: String,
    http: reqwest::Client,
    key: String,
}

fn env(zns: &str, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("LOYALTY_ZNS_BASE_URL", zns.to_owned()),
        ("LOYALTY_ZNS_ACCESS_TOKEN", ZNS_TOKEN.to_owned()),
        ("LOYALTY_DISPATCH_IDLE_MS", "20".to_owned()),
        ("LOYALTY_RETRY_BASE_MS", "20".to_owned()),
        ("LOYALTY_SEND_RATE_PER_SEC", "2000".to_owned()),
    ];
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k, (*v).to_owned()));
    }
    env
}

impl Server {
    async fn up(url: &str, port: u16, env: &[(&str, String)], key: Option<String>) -> Self {
        let child = start(url, port, env);
        let base = format!("http://127.0.0.1:{port}");
        let http = client();
        healthy(&http, &base).await;
        let key = match key {
            Some(k) => k,
            None => shop(&http, &base, "Cửa hàng An").await,
        };
        Self {
            child: Running(child),
            base,
            http,
            key,
        }
    }

    async fn q(&self, query: &str, vars: Value) -> Value {
        ok(&self.http, &self.base, &self.key, query, vars).await
    }

    /// Imports members `0..n`: registered below `registered`, with a phone unless
    /// `i % 100 == 99`, with an e-mail unless `i % 10 == 9`. In parts of at most 1,000
    /// rows, what one `importMembers` request takes.
    async fn members(&self, n: usize, registered: usize) {
        for part in (0..n).collect::<Vec<_>>().chunks(1000) {
            let mut csv = String::from("external_id,name,phone,email,registered\n");
            for &i in part {
                let phone = if i % 100 == 99 {
                    String::new()
                } else {
                    phone_of(i)
                };
                let email = if i % 10 == 9 {
                    String::new()
                } else {
                    format!("m{i}@example.com")
                };
                csv.push_str(&format!(
                    "m{i},Member {i},{phone},{email},{}\n",
                    i < registered
                ));
            }
            let r = self
                .q(
                    "mutation($c: String!) { importMembers(csv: $c) { imported rejected { reason } } }",
                    json!({"c": csv}),
                )
                .await;
            assert_eq!(r["importMembers"]["imported"], json!(part.len()), "{r}");
        }
    }

    /// Tops the shop up as the operator (a shop key may not); the shop's id is in its
    /// key, `lk_<shop id>_<secret>`.
    async fn top_up(&self, amount: i64) -> Value {
        let shop = self.key.split('_').nth(1).unwrap_or_default();
        ok(
            &self.http,
            &self.base,
            TOKEN,
            "mutation($s: ID!, $a: Decimal!) { topUpMessagingBalance(shopId: $s, amount: $a) { balance } }",
            json!({"s": shop, "a": amount.to_string()}),
        )
        .await
    }

    async fn campaign(&self, input: Value) -> String {
        let id = self.draft(input).await;
        self.send(&id).await;
        id
    }

    async fn draft(&self, input: Value) -> String {
        let c = self
            .q(
                "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
                json!({"i": input}),
            )
            .await;
        c["createCampaign"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn send(&self, id: &str) {
        self.q(
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    }

    async fn estimate(&self, id: &str) -> Value {
        self.q(
            "query($id: ID!) { campaign(id: $id) { estimate { recipients skippedByReason { reason count } cost balanceCovers } } }",
            json!({"id": id}),
        )
        .await["campaign"]["estimate"]
            .clone()
    }

    async fn status(&self, id: &str) -> Value {
        self.q(
            "query($id: ID!) { campaign(id: $id) { status statusReason resumeAt recipients skipped
               report { recipients skipped skippedByReason { reason count } pending sent failed cancelled failures { code count } cost balanceLeft
                 attributedOrders attributedRevenue vouchersIssued vouchersUsed voucherDiscount profit returnOnSpend } } }",
            json!({"id": id}),
        )
        .await["campaign"]
            .clone()
    }

    /// Waits until none of the campaign's messages is in flight.
    async fn settled(&self, id: &str) -> Value {
        let t = Instant::now();
        loop {
            let sending = self
                .q(
                    "query($id: ID!) { campaign(id: $id) { deliveries(status: SENDING, first: 1) { edges { cursor } } } }",
                    json!({"id": id}),
                )
                .await;
            if sending["campaign"]["deliveries"]["edges"] == json!([]) {
                return self.status(id).await;
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "messages stuck in flight"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the campaign is in `status`.
    async fn until(&self, id: &str, status: &str) -> Value {
        let t = Instant::now();
        loop {
            let c = self.status(id).await;
            if c["status"] == json!(status) {
                return c;
            }
            assert!(
                t.elapsed() < Duration::from_secs(180),
                "campaign never reached {status}: {c}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn zns_message() -> Value {
    json!({"templateId": "231456", "params": [
        {"key": "customer_name", "value": "{{ name }}"},
        {"key": "code", "value": "{{ voucher_code }}"}]})
}

/// Successful requests per delivery (tracking id).
fn successes(received: &[fake_zns::Received]) -> HashMap<String, Vec<&fake_zns::Received>> {
    let mut by_tracking: HashMap<String, Vec<&fake_zns::Received>> = HashMap::new();
    for r in received.iter().filter(|r| r.answer == 0) {
        by_tracking
            .entry(r.tracking_id.clone())
            .or_default()
            .push(r);
    }
    by_tracking
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zns_campaign_reaches_a_1000_member_segment_once_each_and_reports_what_the_provider_saw()
{
    let (zns, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("camp_zns");
    let s = Server::up(&url, free_port(), &env(&zns, &[]), None).await;
    s.q(
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await;
    s.members(1050, 1000).await;
    let segment = s
        .q(
            "mutation { createSegment(name: \"Registered\", filter: {registered: true}) { id count } }",
            json!({}),
        )
        .await;
    assert_eq!(segment["createSegment"]["count"], json!(1000));
    let offer = s
        .q(
            "mutation { createOffer(input: {name: \"20k\", discountKind: FIXED, value: \"20000\", targetKind: ORDER}) { id } }",
            json!({}),
        )
        .await;
    s.top_up(400_000).await;
    let id = s
        .campaign(
            json!({"name": "Tết", "audience": {"segmentId": segment["createSegment"]["id"]},
            "zns": zns_message(), "offerId": offer["createOffer"]["id"]}),
        )
        .await;
    let c = s.until(&id, "COMPLETED").await;

    // What the provider saw: every reachable recipient once, failures as injected.
    let received = fake.received();
    let ok_by_delivery = successes(&received);
    assert!(
        ok_by_delivery.values().all(|v| v.len() == 1),
        "a delivery succeeded twice"
    );
    let phones: HashSet<&str> = ok_by_delivery
        .values()
        .map(|v| v[0].phone.as_str())
        .collect();
    assert_eq!(
        phones.len(),
        ok_by_delivery.len(),
        "a phone got two messages"
    );
    let expected: Vec<usize> = (0..1000)
        .filter(|i| i % 100 != 99 && i % 50 != 7 && i % 50 != 33)
        .collect();
    assert_eq!(ok_by_delivery.len(), expected.len());
    for r in ok_by_delivery.values().map(|v| v[0]) {
        let i = index_of(&r.phone);
        assert!(r.phone.starts_with("84912"), "{}", r.phone);
        assert_eq!(r.token, ZNS_TOKEN);
        assert_eq!(r.template_id, "231456");
        assert_eq!(r.data["customer_name"], json!(format!("Member {i}")));
        assert_eq!(r.data["code"].as_str().map(str::len), Some(12));
    }
    let attempts_33 = received
        .iter()
        .filter(|r| index_of(&r.phone) % 50 == 33)
        .count();
    assert_eq!(attempts_33, 20 * 5, "five attempts each, then final");
    let r = &c["report"];
    assert_eq!(
        r,
        &json!({"recipients": 1000, "skipped": 10, "skippedByReason": [{"reason": "NO_PHONE", "count": 10}], "pending": 0, "sent": expected.len(), "failed": 40, "cancelled": 0,
            "failures": [{"code": "-100", "count": 20}, {"code": "-108", "count": 20}],
            "cost": (expected.len() * 300).to_string(),
            "balanceLeft": (400_000 - expected.len() * 300).to_string(),
            "attributedOrders": 0, "attributedRevenue": "0", "vouchersIssued": 990, "vouchersUsed": 0,
            "voucherDiscount": "0", "profit": (-(expected.len() as i64) * 300).to_string(), "returnOnSpend": "0"})
    );

    // Orders after the message count for the campaign, a used voucher too; a
    // non-recipient's order does not.
    let code0 = ok_by_delivery
        .values()
        .map(|v| v[0])
        .find(|r| index_of(&r.phone) == 0)
        .map(|r| r.data["code"].clone())
        .unwrap_or_default();
    for (order, member, voucher) in [
        ("o1", "m0", Some(code0)),
        ("o2", "m1", None),
        ("o3", "m2", None),
        ("o4", "m1010", None),
    ] {
        let mut input = json!({"externalId": order, "memberExternalId": member, "channel": "WEB",
            "lines": [{"productId": "p", "quantity": 1, "unitPrice": "100000"}]});
        if let Some(v) = voucher {
            input["voucherCodes"] = json!([v]);
        }
        s.q(
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            json!({"i": input}),
        )
        .await;
    }
    let r = s.status(&id).await["report"].clone();
    assert_eq!(r["attributedOrders"], json!(3));
    assert_eq!(r["attributedRevenue"], json!("280000"));
    assert_eq!(r["vouchersUsed"], json!(1));
    // 950 messages at 300 VND cost 285,000; the one voucher took 20,000 off o1:
    // 280,000 - 285,000 - 20,000, and 280,000 / 285,000 = 0.982… rounded to 0.98.
    assert_eq!(expected.len(), 950);
    assert_eq!(r["voucherDiscount"], json!("20000"));
    assert_eq!(r["profit"], json!("-25000"));
    assert_eq!(r["returnOnSpend"], json!("0.98"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_campaign_still_ends_with_each_recipient_once() {
    let (zns, fake) = fake_zns::start(Duration::from_millis(20)).await;
    let (url, _dir) = database("camp_kill");
    let port = free_port();
    let settings = env(
        &zns,
        &[
            ("LOYALTY_SEND_RATE_PER_SEC", "150"),
            ("LOYALTY_DELIVERY_LEASE_SECS", "2"),
        ],
    );
    let mut s = Server::up(&url, port, &settings, None).await;
    // Registered members whose numbers the fake always accepts.
    let mut csv = String::from("external_id,name,phone,registered\n");
    let members: Vec<usize> = (0..10_000).filter(|i| i % 50 < 4).take(600).collect();
    for i in &members {
        csv.push_str(&format!("m{i},Member {i},{},true\n", phone_of(*i)));
    }
    s.q(
        "mutation($c: String!) { importMembers(csv: $c) { imported } }",
        json!({"c": csv}),
    )
    .await;
    s.top_up(600 * 300).await;
    let id = s
        .campaign(json!({"name": "Flash sale", "zns": {"templateId": "1", "params": [{"key": "n", "value": "{{ name }}"}]}}))
        .await;

    let t = Instant::now();
    while fake.received().len() < 150 {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "sending never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    s.child.0.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL
    s.child.0.wait().ok();
    let at_kill = fake.received().len();
    assert!(
        at_kill < 600,
        "the kill landed mid-campaign ({at_kill} sent)"
    );

    let key = s.key.clone();
    drop(s);
    let s = Server::up(&url, port, &settings, Some(key)).await;
    let c = s.until(&id, "COMPLETED").await;

    let received = fake.received();
    let ok_by_delivery = successes(&received);
    let phones: HashMap<&str, HashSet<&str>> = received.iter().fold(HashMap::new(), |mut m, r| {
        m.entry(r.phone.as_str())
            .or_default()
            .insert(r.tracking_id.as_str());
        m
    });
    assert_eq!(ok_by_delivery.len(), 600, "every recipient reached");
    assert_eq!(phones.len(), 600);
    assert!(
        phones.values().all(|ids| ids.len() == 1),
        "a recipient was sent under two delivery ids"
    );
    let resent = received.len() - 600;
    assert!(resent <= 300, "{resent} resends");
    assert_eq!(c["report"]["sent"], json!(600));
    assert_eq!(c["report"]["failed"], json!(0));
    assert_eq!(
        c["report"]["cost"],
        json!("180000"),
        "each recipient paid once"
    );
    assert_eq!(c["report"]["balanceLeft"], json!("0"));
    eprintln!(
        "killed after {at_kill} provider requests; {} requests in all, {resent} resent under the same tracking id after the restart; 600 recipients recorded once",
        received.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_balance_stops_a_campaign_a_top_up_resumes_it_and_a_quota_waits_for_tomorrow() {
    let (zns, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("camp_bal");
    let s = Server::up(&url, free_port(), &env(&zns, &[]), None).await;
    let mut csv = String::from("external_id,name,phone,registered\n");
    for i in (0..2000).filter(|i| i % 50 < 4).take(100) {
        csv.push_str(&format!("m{i},Member {i},{},true\n", phone_of(i)));
    }
    s.q(
        "mutation($c: String!) { importMembers(csv: $c) { imported } }",
        json!({"c": csv}),
    )
    .await;
    s.top_up(30 * 300 + 299).await;
    let message = json!({"templateId": "1", "params": [{"key": "n", "value": "{{ name }}"}]});
    let id = s.campaign(json!({"name": "A", "zns": message})).await;
    s.until(&id, "OUT_OF_BALANCE").await;
    // Messages claimed before the balance ran short finish in flight.
    let c = s.settled(&id).await;
    assert_eq!(c["status"], json!("OUT_OF_BALANCE"));
    assert_eq!(c["report"]["sent"], json!(30));
    assert_eq!(c["report"]["pending"], json!(70));
    assert_eq!(c["report"]["balanceLeft"], json!("299"));
    assert!(
        c["statusReason"]
            .as_str()
            .unwrap_or_default()
            .contains("299"),
        "{c}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.received().len(),
        30,
        "nothing goes out without balance"
    );

    s.top_up(70 * 300).await;
    let c = s.until(&id, "COMPLETED").await;
    assert_eq!(c["report"]["sent"], json!(100));
    assert_eq!(c["report"]["cost"], json!("30000"));
    assert_eq!(c["report"]["balanceLeft"], json!("299"));
    assert_eq!(successes(&fake.received()).len(), 100);

    // The provider's daily quota runs out after 10 more (it answers -115): the campaign
    // waits for the shop's next midnight, the refused messages queued for then.
    if let Ok(mut q) = fake.quota_after.lock() {
        *q = Some(110);
    }
    s.top_up(100 * 300).await;
    let id = s.campaign(json!({"name": "B", "zns": message})).await;
    s.until(&id, "QUOTA_EXHAUSTED").await;
    let c = s.settled(&id).await;
    assert_eq!(c["report"]["sent"], json!(10));
    assert_eq!(c["report"]["pending"], json!(90));
    assert_eq!(successes(&fake.received()).len(), 110);
    assert!(
        c["resumeAt"]
            .as_str()
            .unwrap_or_default()
            .ends_with("T17:00:00+00:00"),
        "{c}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_campaign_goes_through_a_real_smtp_server_once_per_recipient() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .status();
    if !has.is_ok_and(|s| s.success()) {
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "-q", "aiosmtpd"])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "cannot install aiosmtpd"
        );
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // aiosmtpd creates the maildir's subfolders only when it creates the maildir.
    let maildir = tmp.path().join("mail");
    let smtp_port = free_port();
    let mut smtp = Command::new(&python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{smtp_port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let (zns, _fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("camp_mail");
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let s = Server::up(
        &url,
        port,
        &env(
            &zns,
            &[
                ("LOYALTY_SMTP_URL", &smtp_url),
                ("LOYALTY_PUBLIC_URL", &public),
            ],
        ),
        None,
    )
    .await;
    s.members(60, 60).await;
    s.top_up(100_000).await;
    let email =
        json!({"subject": "Chào {{ name }}", "body": "Điểm của bạn: {{ points }}\n{{ shop }}"});
    let id = s.draft(json!({"name": "Newsletter", "email": email})).await;
    let estimate = s.estimate(&id).await;
    s.send(&id).await;
    let c = s.until(&id, "COMPLETED").await;

    let mails = received(&python, &maildir, &HashSet::new());
    let ids: HashSet<String> = mails.iter().map(|m| m.message_id.clone()).collect();
    let to: HashSet<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(ids.len(), 54, "one message per recipient with an e-mail");
    assert_eq!(to.len(), 54);
    for m in &mails {
        let link = m
            .list_unsubscribe
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix('>'))
            .unwrap_or_default();
        assert!(link.starts_with(&format!("{public}/unsubscribe/")), "{m:?}");
        assert_eq!(m.list_unsubscribe_post, "List-Unsubscribe=One-Click");
        assert!(m.body.contains(link), "the body links it too: {m:?}");
        assert!(
            m.html.contains(&format!("<a href=\"{link}\">")),
            "so does the HTML part: {m:?}"
        );
    }
    let deliveries = s
        .q(
            "query($id: ID!) { campaign(id: $id) { deliveries(status: SENT, first: 100) { edges { node { id } } } } }",
            json!({"id": id}),
        )
        .await;
    let sent: HashSet<String> = deliveries["campaign"]["deliveries"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|n| {
                    format!(
                        "<{}@loyalty>",
                        n["node"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .replace('-', "")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(sent, ids, "the Message-IDs are our delivery ids");
    assert_eq!(c["report"]["sent"], json!(54));
    assert_eq!(c["report"]["skipped"], json!(6));
    assert_eq!(c["report"]["cost"], json!("1080"));
    // The estimate made before sending is what was sent and charged.
    assert_eq!(estimate["recipients"], c["report"]["sent"]);
    assert_eq!(estimate["cost"], c["report"]["cost"]);
    assert_eq!(estimate["skippedByReason"], c["report"]["skippedByReason"]);

    // Two members follow their links (a click, and a provider's RFC 8058 POST), one
    // forged link is refused; the next campaign skips the two as OPTED_OUT.
    let link_of = |to: &str| {
        mails
            .iter()
            .find(|m| m.to == to)
            .map(|m| m.list_unsubscribe.trim_matches(['<', '>']).to_owned())
            .unwrap_or_default()
    };
    let click = s
        .http
        .get(link_of("m0@example.com"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(click.status(), 200);
    let post = s
        .http
        .post(link_of("m1@example.com"))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(post.status(), 200);
    let forged = link_of("m2@example.com").replacen("/unsubscribe/", "/unsubscribe/A", 1);
    let refused = s
        .http
        .get(forged)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        [400, 404].contains(&refused.status().as_u16()),
        "{}",
        refused.status()
    );
    for (member, opt_outs) in [
        ("m0", json!([{"channel": "EMAIL", "source": "LINK"}])),
        ("m1", json!([{"channel": "EMAIL", "source": "LINK"}])),
        ("m2", json!([])),
    ] {
        let m = s
            .q(
                "query($e: String!) { member(externalId: $e) { optOuts { channel source } } }",
                json!({"e": member}),
            )
            .await;
        assert_eq!(m["member"]["optOuts"], opt_outs, "{member}");
    }

    let next = s.draft(json!({"name": "Again", "email": email})).await;
    let estimate = s.estimate(&next).await;
    s.send(&next).await;
    let c = s.until(&next, "COMPLETED").await;
    smtp.kill().ok();
    smtp.wait().ok();
    let again = received(&python, &maildir, &ids);
    let to: HashSet<&str> = again.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to.len(), 52);
    assert!(!to.contains("m0@example.com") && !to.contains("m1@example.com"));
    assert_eq!(c["report"]["sent"], json!(52));
    assert_eq!(
        c["report"]["skippedByReason"],
        json!([{"reason": "NO_EMAIL", "count": 6}, {"reason": "OPTED_OUT", "count": 2}])
    );
    assert_eq!(estimate["recipients"], json!(52));
    assert_eq!(estimate["cost"], c["report"]["cost"]);
    assert_eq!(estimate["skippedByReason"], c["report"]["skippedByReason"]);
}

/// One e-mail as aiosmtpd stored it, read with Python's e-mail parser (which undoes the
/// body's transfer encoding and header folding).
#[derive(Debug, serde::Deserialize)]
struct Mail {
    message_id: String,
    to: String,
    list_unsubscribe: String,
    list_unsubscribe_post: String,
    body: String,
    html: String,
}

/// The mails in the maildir other than those with a Message-ID in `seen`.
fn received(python: &str, maildir: &std::path::Path, seen: &HashSet<String>) -> Vec<Mail> {
    const READ: &str = "import email, email.policy, json, os, sys
d = os.path.join(sys.argv[1], 'new')
out = []
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), 'rb'), policy=email.policy.default)
    out.append({'message_id': str(m['message-id'] or ''), 'to': str(m['to'] or ''),
        'list_unsubscribe': str(m['list-unsubscribe'] or ''),
        'list_unsubscribe_post': str(m['list-unsubscribe-post'] or ''),
        'body': m.get_body(preferencelist=('plain',)).get_content(),
        'html': m.get_body(preferencelist=('html',)).get_content()})
print(json.dumps(out))";
    let out = Command::new(python)
        .args(["-c", READ])
        .arg(maildir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Mail> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    all.into_iter()
        .filter(|m| !seen.contains(&m.message_id))
        .collect()
}

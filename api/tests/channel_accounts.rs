//! Each shop's own channel accounts end to end: the real binary, a fake Zalo (OAuth with
//! single-use refresh tokens, expiring access tokens, ZNS) and aiosmtpd on loopback.
//! Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::fake_zns::{self, Fake, STATIC_TOKEN, index_of, phone_of};
use support::{Running, TOKEN, client, database, free_port, gql, healthy, ok, shop, start_logged};

const SECRET_KEY: &str = "8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";

struct Server {
    /// Held for its drop, which stops the server.
    _process: Running,
    base: String,
    http: reqwest::Client,
}

/// Every GraphQL answer the tests saw, to search for leaked secrets.
#[derive(Default)]
struct Seen(std::sync::Mutex<String>);

impl Seen {
    fn add(&self, v: &Value) {
        if let Ok(mut s) = self.0.lock() {
            s.push_str(&v.to_string());
        }
    }
    fn text(&self) -> String {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn env(zalo: &str, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("LOYALTY_ZNS_BASE_URL", zalo.to_owned()),
        ("LOYALTY_ZALO_OAUTH_BASE_URL", zalo.to_owned()),
        ("LOYALTY_SECRET_KEY", SECRET_KEY.to_owned()),
        ("LOYALTY_DISPATCH_IDLE_MS", "20".to_owned()),
        ("LOYALTY_RETRY_BASE_MS", "20".to_owned()),
        ("LOYALTY_SEND_RATE_PER_SEC", "2000".to_owned()),
        // Everything the server says, so a leaked secret would be in the log.
        ("RUST_LOG", "debug".to_owned()),
    ];
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k, (*v).to_owned()));
    }
    env
}

impl Server {
    async fn up(url: &str, env: &[(&str, String)], log: &Path) -> Self {
        let port = free_port();
        let child = start_logged(url, port, env, log);
        let base = format!("http://127.0.0.1:{port}");
        let http = client();
        healthy(&http, &base).await;
        Self {
            _process: Running(child),
            base,
            http,
        }
    }

    async fn q(&self, seen: &Seen, key: &str, query: &str, vars: Value) -> Value {
        let v = ok(&self.http, &self.base, key, query, vars).await;
        seen.add(&v);
        v
    }

    async fn err(&self, seen: &Seen, key: &str, query: &str, vars: Value) -> Value {
        let e = gql(&self.http, &self.base, key, query, vars)
            .await
            .err()
            .unwrap_or_else(|| panic!("{query} did not fail"));
        let v: Value = serde_json::from_str(&e).unwrap_or_default();
        seen.add(&v);
        v
    }

    /// A shop with `members` (indexes, all registered, each with a phone the fake
    /// accepts and an e-mail) and a balance for them; returns its ADMIN key.
    async fn shop_with(&self, seen: &Seen, name: &str, members: &[usize]) -> String {
        let key = shop(&self.http, &self.base, name).await;
        let mut csv = String::from("external_id,name,phone,email,registered\n");
        for i in members {
            csv.push_str(&format!(
                "m{i},Member {i},{},m{i}@example.com,true\n",
                phone_of(*i)
            ));
        }
        self.q(
            seen,
            &key,
            "mutation($c: String!) { importMembers(csv: $c) { imported } }",
            json!({"c": csv}),
        )
        .await;
        let shop_id = key.split('_').nth(1).unwrap_or_default();
        self.q(
            seen,
            TOKEN,
            "mutation($s: ID!, $a: Decimal!) { topUpMessagingBalance(shopId: $s, amount: $a) { balance } }",
            json!({"s": shop_id, "a": "10000000"}),
        )
        .await;
        key
    }

    async fn connect(
        &self,
        seen: &Seen,
        key: &str,
        app: &str,
        secret: &str,
        refresh: &str,
    ) -> Value {
        self.q(
            seen,
            key,
            "mutation($i: ZaloOaInput!) { connectZaloOa(input: $i) { connected oaId tokenExpiresAt status statusReason } }",
            json!({"i": {"appId": app, "secretKey": secret, "refreshToken": refresh, "oaId": format!("oa-{app}")}}),
        )
        .await["connectZaloOa"]
            .clone()
    }

    async fn zns_campaign(&self, seen: &Seen, key: &str) -> String {
        let c = self
            .q(
                seen,
                key,
                "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
                json!({"i": {"name": "Tết", "zns": {"templateId": "231456",
                    "params": [{"key": "customer_name", "value": "{{ name }}"}]}}}),
            )
            .await;
        let id = c["createCampaign"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.q(
            seen,
            key,
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
        id
    }

    async fn until(&self, seen: &Seen, key: &str, id: &str, status: &str) -> Value {
        let t = Instant::now();
        loop {
            let c = self
                .q(
                    seen,
                    key,
                    "query($id: ID!) { campaign(id: $id) { status statusReason
                       report { recipients sent failed pending failures { code count } } } }",
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
}

/// Indexes of members whose phones the fake always accepts.
fn accepted(from: usize, n: usize) -> Vec<usize> {
    (from..).filter(|i| i % 50 < 4).take(n).collect()
}

/// Successful ZNS requests by phone.
fn successes(fake: &Fake) -> HashMap<String, Vec<fake_zns::Received>> {
    let mut by_phone: HashMap<String, Vec<fake_zns::Received>> = HashMap::new();
    for r in fake.received().into_iter().filter(|r| r.answer == 0) {
        by_phone.entry(r.phone.clone()).or_default().push(r);
    }
    by_phone
}

fn assert_no_secret_in(fake: &Fake, what: &str, text: &str) {
    for secret in fake.oauth(|o| o.secrets.clone()) {
        assert!(
            !text.contains(&secret),
            "a secret ({} characters) appears in {what}",
            secret.len()
        );
    }
    assert!(
        !text.contains(SECRET_KEY),
        "LOYALTY_SECRET_KEY appears in {what}"
    );
}

fn log_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_send_through_their_own_oa_a_token_expiring_mid_campaign_is_refreshed_once_and_no_secret_leaks()
 {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("chan_shops");
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = log_path(&logs, "server.log");
    let seen = Seen::default();
    let s = Server::up(
        &url,
        &env(&zalo, &[("LOYALTY_ZNS_ACCESS_TOKEN", STATIC_TOKEN)]),
        &log,
    )
    .await;
    let (a_members, b_members, c_members) =
        (accepted(0, 120), accepted(2000, 80), accepted(4000, 40));
    let a = s.shop_with(&seen, "Shop A", &a_members).await;
    let b = s.shop_with(&seen, "Shop B", &b_members).await;
    let c = s.shop_with(&seen, "Shop C", &c_members).await;

    let rt_a = fake.app("appa", "secret-of-app-a");
    let rt_b = fake.app("appb", "secret-of-app-b");
    // A's first access token "expires" after 50 messages, in the middle of its campaign.
    fake.oauth(|o| o.next_token_uses.insert("appa".into(), 50));
    let oa = s.connect(&seen, &a, "appa", "secret-of-app-a", &rt_a).await;
    assert_eq!(oa["connected"], json!(true));
    assert_eq!(oa["status"], json!("CONNECTED"));
    assert_eq!(oa["oaId"], json!("oa-appa"));
    assert!(oa["tokenExpiresAt"].is_string(), "{oa}");
    s.connect(&seen, &b, "appb", "secret-of-app-b", &rt_b).await;
    let none = s
        .q(&seen, &c, "{ zaloOa { connected status } }", json!({}))
        .await;
    assert_eq!(
        none["zaloOa"],
        json!({"connected": false, "status": "NOT_CONNECTED"})
    );

    // The three campaigns run at once.
    let ids = [
        (a.clone(), s.zns_campaign(&seen, &a).await),
        (b.clone(), s.zns_campaign(&seen, &b).await),
        (c.clone(), s.zns_campaign(&seen, &c).await),
    ];
    for (key, id) in &ids {
        let done = s.until(&seen, key, id, "COMPLETED").await;
        assert_eq!(done["report"]["failed"], json!(0), "{done}");
    }

    let by_phone = successes(&fake);
    for (members, token_prefix) in [
        (&a_members, "at-appa-"),
        (&b_members, "at-appb-"),
        (&c_members, STATIC_TOKEN),
    ] {
        for i in members {
            let got = by_phone
                .get(&format!("84{}", &phone_of(*i)[1..]))
                .cloned()
                .unwrap_or_default();
            assert_eq!(got.len(), 1, "member {i} got {} messages", got.len());
            assert!(
                got[0].token.starts_with(token_prefix),
                "member {i} was sent with another account's token"
            );
            assert_eq!(index_of(&got[0].phone), *i);
        }
    }
    assert_eq!(
        by_phone.len(),
        a_members.len() + b_members.len() + c_members.len()
    );
    let refreshes = fake.refreshes();
    let of = |app: &str| refreshes.iter().filter(|r| r.app_id == app).count();
    assert_eq!(
        of("appa"),
        2,
        "connect, then once when the token expired: {refreshes:?}"
    );
    assert_eq!(of("appb"), 1, "connect only");
    assert!(refreshes.iter().all(|r| r.outcome == "ok"), "{refreshes:?}");
    // A's messages after the expiry went with its second token.
    let a_tokens: HashSet<String> = by_phone
        .values()
        .filter(|v| v[0].token.starts_with("at-appa-"))
        .map(|v| v[0].token.clone())
        .collect();
    assert_eq!(a_tokens.len(), 2, "{a_tokens:?}");
    let refreshed = s
        .q(
            &seen,
            &a,
            "{ zaloOa { status refreshedAt tokenExpiresAt } }",
            json!({}),
        )
        .await;
    assert_eq!(refreshed["zaloOa"]["status"], json!("CONNECTED"));
    assert!(
        refreshed["zaloOa"]["refreshedAt"].is_string(),
        "{refreshed}"
    );

    drop(s);
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("Zalo OA token refreshed"),
        "the log was captured"
    );
    assert_no_secret_in(&fake, "the server log", &log_text);
    assert_no_secret_in(&fake, "a GraphQL response", &seen.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_racing_to_refresh_spend_the_refresh_token_once() {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("chan_race");
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let seen = Seen::default();
    let settings = env(&zalo, &[]);
    let s1 = Server::up(&url, &settings, &log_path(&logs, "one.log")).await;
    let s2 = Server::up(&url, &settings, &log_path(&logs, "two.log")).await;
    let members = accepted(0, 300);
    let a = s1.shop_with(&seen, "Shop A", &members).await;
    let rt = fake.app("appa", "secret-of-app-a");
    // The first token lives less than the hour ahead of which both replicas refresh, and
    // is also spent after 20 messages; refreshes take a while, so both replicas ask at
    // once.
    fake.oauth(|o| {
        o.expires_in = Some("3000".into());
        o.next_token_uses.insert("appa".into(), 20);
    });
    s1.connect(&seen, &a, "appa", "secret-of-app-a", &rt).await;
    fake.oauth(|o| o.expires_in = None);
    *fake.refresh_delay.lock().unwrap_or_else(|e| e.into_inner()) = Duration::from_millis(300);

    let id = s1.zns_campaign(&seen, &a).await;
    let done = s2.until(&seen, &a, &id, "COMPLETED").await;
    assert_eq!(done["report"]["sent"], json!(members.len()), "{done}");
    assert_eq!(done["report"]["failed"], json!(0), "{done}");

    let refreshes = fake.refreshes();
    assert!(
        refreshes.iter().all(|r| r.outcome == "ok"),
        "a refresh token was spent twice: {refreshes:?}"
    );
    assert_eq!(
        refreshes.len(),
        2,
        "connect, then one refresh: {refreshes:?}"
    );
    let by_phone = successes(&fake);
    assert_eq!(by_phone.len(), members.len());
    assert!(
        by_phone.values().all(|v| v.len() == 1),
        "a member got two messages"
    );
    let workers: HashSet<String> = [&s1, &s2].iter().map(|s| s.base.clone()).collect();
    assert_eq!(workers.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_pauses_the_shops_zns_campaign_with_a_reason_and_a_keyless_server_refuses_secrets()
 {
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("chan_refused");
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let seen = Seen::default();
    let s = Server::up(&url, &env(&zalo, &[]), &log_path(&logs, "server.log")).await;
    let members = accepted(0, 40);
    let a = s.shop_with(&seen, "Shop A", &members).await;
    let rt = fake.app("appa", "secret-of-app-a");
    fake.oauth(|o| o.next_token_uses.insert("appa".into(), 10));

    // Credentials Zalo refuses are refused at connect, and nothing is stored.
    let e = s
        .err(
            &seen,
            &a,
            "mutation($i: ZaloOaInput!) { connectZaloOa(input: $i) { connected } }",
            json!({"i": {"appId": "appa", "secretKey": "wrong", "refreshToken": rt}}),
        )
        .await;
    assert_eq!(e[0]["extensions"]["code"], json!("BAD_USER_INPUT"), "{e}");
    assert_eq!(e[0]["extensions"]["field"], json!("refreshToken"), "{e}");
    let none = s.q(&seen, &a, "{ zaloOa { connected } }", json!({})).await;
    assert_eq!(none["zaloOa"]["connected"], json!(false));

    s.connect(&seen, &a, "appa", "secret-of-app-a", &rt).await;
    fake.oauth(|o| o.refuse = true);
    let id = s.zns_campaign(&seen, &a).await;
    let paused = s.until(&seen, &a, &id, "PAUSED").await;
    let reason = paused["statusReason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Zalo refused the token refresh"),
        "{paused}"
    );
    assert!(reason.contains("connectZaloOa"), "{paused}");
    // Let the messages in flight settle: none failed, the rest wait.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let paused = s.until(&seen, &a, &id, "PAUSED").await;
    assert_eq!(paused["report"]["sent"], json!(10), "{paused}");
    assert_eq!(paused["report"]["failed"], json!(0), "{paused}");
    assert_eq!(paused["report"]["pending"], json!(30), "{paused}");
    let oa = s
        .q(
            &seen,
            &a,
            "{ zaloOa { connected status statusReason } }",
            json!({}),
        )
        .await;
    assert_eq!(oa["zaloOa"]["status"], json!("REFRESH_FAILED"), "{oa}");
    assert_eq!(
        fake.refreshes()
            .iter()
            .filter(|r| r.outcome == "refused")
            .count(),
        1,
        "one refused refresh stops the shop, not one per message"
    );

    // Reconnecting with a new refresh token and resuming sends the rest.
    fake.oauth(|o| o.refuse = false);
    let rt2 = fake.app("appa", "secret-of-app-a");
    s.connect(&seen, &a, "appa", "secret-of-app-a", &rt2).await;
    s.q(
        &seen,
        &a,
        "mutation($id: ID!) { resumeCampaign(id: $id) { status } }",
        json!({"id": id}),
    )
    .await;
    let done = s.until(&seen, &a, &id, "COMPLETED").await;
    assert_eq!(done["report"]["sent"], json!(40), "{done}");
    assert!(successes(&fake).values().all(|v| v.len() == 1));

    // A replica without LOYALTY_SECRET_KEY refuses to store secrets.
    let mut keyless_env = env(&zalo, &[("LOYALTY_DISPATCH_IDLE_MS", "0")]);
    keyless_env.retain(|(k, _)| *k != "LOYALTY_SECRET_KEY");
    let keyless = Server::up(&url, &keyless_env, &log_path(&logs, "keyless.log")).await;
    let rt3 = fake.app("appa", "secret-of-app-a");
    let e = keyless
        .err(
            &seen,
            &a,
            "mutation($i: ZaloOaInput!) { connectZaloOa(input: $i) { connected } }",
            json!({"i": {"appId": "appa", "secretKey": "secret-of-app-a", "refreshToken": rt3}}),
        )
        .await;
    assert_eq!(e[0]["extensions"]["code"], json!("CONFLICT"), "{e}");
    assert_eq!(
        e[0]["extensions"]["reason"],
        json!("SERVER_NOT_CONFIGURED"),
        "{e}"
    );
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("LOYALTY_SECRET_KEY")
    );
    let e = keyless
        .err(
            &seen,
            &a,
            "mutation { configureEmailSender(input: {fromName: \"A\", fromAddress: \"a@shop.vn\", smtpUrl: \"smtp://u:p@127.0.0.1:1\"}) { fromName } }",
            json!({}),
        )
        .await;
    assert_eq!(e[0]["extensions"]["code"], json!("CONFLICT"), "{e}");
    assert!(
        fake.refreshes().iter().all(|r| r.refresh_token != rt3),
        "Zalo was not asked"
    );

    // A malformed key stops the server at start-up, saying how to make one.
    let out = Command::new(support::BIN)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("LOYALTY_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("LOYALTY_SECRET_KEY", "abc123")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("openssl rand -hex 32"), "{stderr}");
    assert_no_secret_in(&fake, "a GraphQL response", &seen.text());
}

/// Starts aiosmtpd on a free port, delivering into `maildir`.
fn aiosmtpd(maildir: &Path) -> (Child, u16) {
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
    let port = free_port();
    let child = Command::new(&python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// The messages in a maildir, quoted-printable soft breaks undone.
fn mails(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap_or_default()
                        .replace("=\r\n", "")
                        .replace("=\n", "")
                        .replace("=3D", "=")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_shop_mails_as_its_own_sender_multipart_with_escaped_html() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (relay_dir, own_dir) = (tmp.path().join("relay"), tmp.path().join("own"));
    let (mut relay, relay_port) = aiosmtpd(&relay_dir);
    let (mut own, own_port) = aiosmtpd(&own_dir);
    let (zalo, fake) = fake_zns::start(Duration::ZERO).await;
    let (url, _dir) = database("chan_mail");
    let seen = Seen::default();
    let log = tmp.path().join("server.log");
    let relay_url = format!("smtp://127.0.0.1:{relay_port}");
    let s = Server::up(&url, &env(&zalo, &[("LOYALTY_SMTP_URL", &relay_url)]), &log).await;
    let a = s.shop_with(&seen, "Shop A", &accepted(0, 6)).await;
    let b = s.shop_with(&seen, "Shop B", &accepted(1000, 4)).await;
    for (key, i) in [(&a, 0), (&b, 1000)] {
        s.q(
            &seen,
            key,
            "mutation($i: MemberInput!) { upsertMember(input: $i) { id } }",
            json!({"i": {"externalId": format!("m{i}"), "name": "Tom <b>&\"Jerry\""}}),
        )
        .await;
    }
    // A has its own server; B only its own From and Reply-To, relayed by the server's.
    let own_url = format!("smtp://127.0.0.1:{own_port}");
    let sender = s
        .q(
            &seen,
            &a,
            "mutation($u: String) { configureEmailSender(input: {fromName: \"Shop A\", fromAddress: \"hello@shop-a.vn\", replyTo: \"care@shop-a.vn\", smtpUrl: $u}) { fromName fromAddress replyTo ownSmtpServer } }",
            json!({"u": own_url}),
        )
        .await;
    assert_eq!(
        sender["configureEmailSender"],
        json!({"fromName": "Shop A", "fromAddress": "hello@shop-a.vn", "replyTo": "care@shop-a.vn", "ownSmtpServer": true})
    );
    s.q(
        &seen,
        &b,
        "mutation { configureEmailSender(input: {fromName: \"Shop B\", fromAddress: \"news@shop-b.vn\"}) { ownSmtpServer } }",
        json!({}),
    )
    .await;
    let bad = s
        .err(
            &seen,
            &b,
            "mutation { configureEmailSender(input: {fromName: \"B\", fromAddress: \"not an address\"}) { ownSmtpServer } }",
            json!({}),
        )
        .await;
    assert_eq!(bad[0]["extensions"]["field"], json!("fromAddress"), "{bad}");

    let mut ids = Vec::new();
    for (key, html) in [(&a, Some("<p>Hi <b>{{ name }}</b></p>")), (&b, None)] {
        let mut email = json!({"subject": "Hi {{ name }}", "body": "Hello {{ name }}"});
        if let Some(h) = html {
            email["html"] = json!(h);
        }
        let c = s
            .q(
                &seen,
                key,
                "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
                json!({"i": {"name": "News", "email": email}}),
            )
            .await;
        let id = c["createCampaign"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        s.q(
            &seen,
            key,
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
        ids.push((key.clone(), id));
    }
    for (key, id) in &ids {
        let c = s.until(&seen, key, id, "COMPLETED").await;
        assert_eq!(c["report"]["failed"], json!(0), "{c}");
    }
    relay.kill().ok();
    relay.wait().ok();
    own.kill().ok();
    own.wait().ok();

    let (own_mails, relay_mails) = (mails(&own_dir), mails(&relay_dir));
    assert_eq!(own_mails.len(), 6, "A's mail went through A's own server");
    assert_eq!(
        relay_mails.len(),
        4,
        "B's mail went through the server's relay"
    );
    for m in &own_mails {
        let from = header(m, "From");
        assert!(
            from.contains("Shop A") && from.contains("<hello@shop-a.vn>"),
            "{from}"
        );
        assert_eq!(header(m, "Reply-To"), "care@shop-a.vn");
        assert!(
            header(m, "Content-Type").starts_with("multipart/alternative"),
            "{m}"
        );
        assert!(m.contains("Content-Type: text/plain"), "{m}");
        assert!(m.contains("Content-Type: text/html"), "{m}");
    }
    for m in &relay_mails {
        let from = header(m, "From");
        assert!(
            from.contains("Shop B") && from.contains("<news@shop-b.vn>"),
            "{from}"
        );
        assert!(header(m, "Reply-To").is_empty());
        assert!(
            header(m, "Content-Type").starts_with("multipart/alternative"),
            "{m}"
        );
    }
    let tom_a = own_mails
        .iter()
        .find(|m| m.contains("Tom"))
        .cloned()
        .unwrap_or_default();
    assert!(
        tom_a.contains("Hello Tom <b>&\"Jerry\""),
        "the text part as written: {tom_a}"
    );
    assert!(
        tom_a.contains("<p>Hi <b>Tom &lt;b&gt;&amp;&quot;Jerry&quot;</b></p>"),
        "the HTML part escapes the member's name, not the template: {tom_a}"
    );
    let tom_b = relay_mails
        .iter()
        .find(|m| m.contains("Tom"))
        .cloned()
        .unwrap_or_default();
    assert!(
        tom_b.contains("Hello Tom &lt;b&gt;&amp;&quot;Jerry&quot;"),
        "{tom_b}"
    );
    let view = s
        .q(
            &seen,
            &a,
            "{ emailSender { fromName ownSmtpServer } }",
            json!({}),
        )
        .await;
    assert_eq!(view["emailSender"]["ownSmtpServer"], json!(true));
    drop(s);
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !seen.text().contains(&own_url),
        "the shop's SMTP URL came back"
    );
    assert!(
        !log_text.contains(&own_url),
        "the shop's SMTP URL is in the log"
    );
    assert_no_secret_in(&fake, "the server log", &log_text);
}

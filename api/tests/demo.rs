//! `loyalty demo`: the real binary makes a populated, consistent shop in a fresh SQLite
//! file, prints its keys, serves it, and never overwrites a file that is not its own.
mod support;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::{BIN, client, free_port, healthy, ok};

struct Demo {
    child: Child,
    base: String,
    /// The printed lines up to GraphiQL's address.
    banner: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Demo {
    /// Runs `loyalty demo` and waits for its banner; panics when it exits first.
    fn start(file: &Path, args: &[&str]) -> Self {
        let port = free_port();
        let mut child = Command::new(BIN)
            .arg("demo")
            .arg("--file")
            .arg(file)
            .args(args)
            .env("LOYALTY_ADDR", format!("127.0.0.1:{port}"))
            .env("LOYALTY_JOBS_INTERVAL_SECS", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let last = line.starts_with("GraphiQL:");
                banner.push(line);
                if last {
                    break;
                }
            }
            tx.send(banner).ok();
        });
        let banner = rx
            .recv_timeout(Duration::from_secs(300))
            .unwrap_or_else(|e| panic!("no banner from `loyalty demo`: {e}"));
        assert!(
            banner.last().is_some_and(|l| l.starts_with("GraphiQL:")),
            "`loyalty demo` stopped before its banner: {banner:?}"
        );
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            banner,
        }
    }

    fn key(&self, role: &str) -> String {
        let label = format!("{role} key:");
        self.banner
            .iter()
            .find_map(|l| l.strip_prefix(&label))
            .map(|k| k.trim().to_owned())
            .unwrap_or_else(|| panic!("no {role} key in {:?}", self.banner))
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|e| panic!("{s}: {e}")),
        other => other
            .as_i64()
            .unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_serves_a_populated_consistent_shop() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let demo = Demo::start(&dir.path().join("demo.db"), &["--members", "40"]);
    assert!(demo.banner[0].contains("40 customers"), "{:?}", demo.banner);
    assert!(
        demo.banner
            .iter()
            .any(|l| l.contains(&format!("{}/graphql", demo.base))),
        "GraphiQL's address: {:?}",
        demo.banner
    );
    let http = client();
    healthy(&http, &demo.base).await;
    let read = demo.key("READ");
    for (role, key) in [
        ("ADMIN", demo.key("ADMIN")),
        ("CHANNEL", demo.key("CHANNEL")),
    ] {
        let me = ok(&http, &demo.base, &key, "{ program { status } }", json!({})).await;
        assert_eq!(me["program"]["status"], "ACTIVE", "{role} key works");
    }

    let shop = ok(
        &http,
        &demo.base,
        &read,
        "{ program { status pointValue } tiers { name minRankingPoints }
           offers(first: 10) { edges { node { name report { issued used } } } }
           rewards { name stock }
           members(first: 100) { totalCount edges { node { id name registeredAt tier { name }
             rankingSpend rankingPoints totalSpent totalOrders points { available used } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(shop["program"]["pointValue"], "1000");
    let tiers: Vec<(String, i64)> = shop["tiers"]
        .as_array()
        .unwrap_or_else(|| panic!("{shop}"))
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                int(&t["minRankingPoints"]),
            )
        })
        .collect();
    assert_eq!(tiers.len(), 4, "{tiers:?}");
    let offers = shop["offers"]["edges"].as_array().map_or(0, Vec::len);
    assert_eq!(offers, 3, "{shop}");
    let used: i64 = shop["offers"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| int(&e["node"]["report"]["used"]))
        .sum();
    assert!(used > 0, "some vouchers were used in orders: {shop}");
    assert_eq!(shop["rewards"].as_array().map_or(0, Vec::len), 1);

    // Every order of the shop, by member.
    let mut orders: HashMap<String, Vec<Value>> = HashMap::new();
    let mut after: Option<String> = None;
    let mut all = 0;
    loop {
        let page = ok(
            &http,
            &demo.base,
            &read,
            "query($after: String) { orders(first: 100, after: $after) {
               edges { node { member { id } paid pointsEarned refundedAmount placedAt } }
               pageInfo { hasNextPage endCursor } } }",
            json!({ "after": after }),
        )
        .await;
        for edge in page["orders"]["edges"].as_array().into_iter().flatten() {
            let member = edge["node"]["member"]["id"].as_str().unwrap_or_default();
            orders
                .entry(member.to_owned())
                .or_default()
                .push(edge["node"].clone());
            all += 1;
        }
        if page["orders"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["orders"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert!(all > 100, "months of orders: {all}");
    let oldest = orders
        .values()
        .flatten()
        .filter_map(|o| o["placedAt"].as_str())
        .min()
        .unwrap_or_default()
        .to_owned();
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(60)).to_rfc3339();
    assert!(oldest < month_ago, "orders go months back: oldest {oldest}");

    let members = shop["members"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{shop}"));
    assert_eq!(members.len(), 40);
    let mut reached: HashMap<String, usize> = HashMap::new();
    let mut registered = 0;
    let mut checked_points = 0;
    let mut with_diacritics = 0;
    for edge in members {
        let m = &edge["node"];
        let name = m["name"].as_str().unwrap_or_default();
        assert_eq!(
            name.split(' ').count(),
            3,
            "family, middle and given name: {name}"
        );
        with_diacritics += usize::from(!name.is_ascii());
        let mine = orders.get(m["id"].as_str().unwrap_or_default());
        let mine = mine.map(Vec::as_slice).unwrap_or_default();
        assert_eq!(int(&m["totalOrders"]), mine.len() as i64, "{m}");
        // A lifetime cycle at 1,000 VND per ranking point.
        let points = int(&m["rankingPoints"]);
        assert_eq!(points, int(&m["rankingSpend"]) / 1000, "{m}");
        let expected = tiers
            .iter()
            .filter(|(_, min)| *min <= points)
            .max_by_key(|(_, min)| *min)
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        assert_eq!(
            m["tier"]["name"],
            json!(expected),
            "tier follows spend: {m}"
        );
        *reached.entry(expected).or_default() += 1;
        let refunded = mine.iter().any(|o| int(&o["refundedAmount"]) > 0);
        let paid: i64 = mine.iter().map(|o| int(&o["paid"])).sum();
        let earned: i64 = mine.iter().map(|o| int(&o["pointsEarned"])).sum();
        if m["registeredAt"].is_null() {
            assert_eq!(
                earned, 0,
                "a customer who never registered earns nothing: {m}"
            );
        } else {
            registered += 1;
        }
        if !refunded {
            assert_eq!(int(&m["rankingSpend"]), paid, "{m}");
            assert_eq!(int(&m["totalSpent"]), paid, "{m}");
            // Points earned are available or were spent (orders, rewards); none expired.
            let available = int(&m["points"]["available"]);
            assert_eq!(available + int(&m["points"]["used"]), earned, "{m}");
            checked_points += 1;
        }
    }
    assert!(
        with_diacritics > 20,
        "Vietnamese names: {with_diacritics} of 40 with diacritics"
    );
    assert!(
        registered > 20 && registered < 40,
        "{registered} registered"
    );
    assert!(
        checked_points > 20,
        "{checked_points} members without refunds"
    );
    assert!(
        reached.len() >= 3,
        "members spread over the tiers: {reached:?}"
    );
}

#[test]
fn demo_replaces_its_own_file_and_refuses_any_other() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let other = dir.path().join("loyalty.db");
    std::fs::write(&other, "a merchant's data").unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(BIN)
        .args(["demo", "--file"])
        .arg(&other)
        .env("LOYALTY_ADDR", format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept = std::fs::read_to_string(&other).unwrap_or_default();
    assert_eq!(kept, "a merchant's data");

    let file = dir.path().join("demo.db");
    let small = ["--members", "3", "--days", "10"];
    let first = Demo::start(&file, &small);
    let first_key = first.key("ADMIN");
    drop(first);
    let second = Demo::start(&file, &small);
    assert_ne!(second.key("ADMIN"), first_key, "a new shop in a fresh file");
}

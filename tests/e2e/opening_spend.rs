//! Opening spend (issue 25, section 1): the opening-data file's `total_spent`,
//! `cycle_spent` and `last_purchase_at` rank customers at BACKFILL activation and, under
//! an active program, at once; the same file again changes nothing, and orders add on
//! top.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use loyalty_domain::members::import::MAX_REQUEST_ROWS;
use loyalty_entities::member;
use loyalty_tests::{TestApp, spawn_app, start_time, str_at};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const IMPORT: &str = "mutation($c: String!) { importMembers(csv: $c) { read imported unchanged pointsImported rejected { line reason } warnings } }";

async fn import(app: &TestApp, key: &str, csv: &str) -> Value {
    app.gql(Some(key), IMPORT, json!({"c": csv})).await.data()["importMembers"].clone()
}

/// A member's (tier, ranking spend, total spent) by external id.
async fn standing(app: &TestApp, key: &str, id: &str) -> (Option<String>, i64, i64) {
    let res = app
        .gql(
            Some(key),
            "query($e: String) { member(externalId: $e) { tier { name } rankingSpend totalSpent } }",
            json!({ "e": id }),
        )
        .await;
    let m = &res.data()["member"];
    let money = |f: &str| {
        str_at(m, &format!("/{f}"))
            .parse::<i64>()
            .unwrap_or_else(|e| panic!("{f} of {id} in {m}: {e}"))
    };
    (
        m["tier"]["name"].as_str().map(str::to_owned),
        money("rankingSpend"),
        money("totalSpent"),
    )
}

/// The shop's tiers by rank: (name, minSpend).
async fn ladder(app: &TestApp, key: &str) -> Vec<(String, i64)> {
    let res = app
        .gql(Some(key), "{ tiers { name minSpend } }", json!({}))
        .await;
    res.data()["tiers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let min = str_at(t, "/minSpend").parse::<i64>().unwrap_or(-1);
            (str_at(t, "/name"), min)
        })
        .collect()
}

/// Members per tier name, as the ladder reports them.
async fn tier_counts(app: &TestApp, key: &str) -> BTreeMap<String, i64> {
    let res = app
        .gql(Some(key), "{ tiers { name memberCount } }", json!({}))
        .await;
    res.data()["tiers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| (str_at(t, "/name"), t["memberCount"].as_i64().unwrap_or(-1)))
        .collect()
}

/// Members per tier name that activating with BACKFILL would give.
async fn preview(app: &TestApp, key: &str) -> BTreeMap<String, i64> {
    let res = app
        .gql(
            Some(key),
            "{ activationPreview(mode: BACKFILL) { tier { name } members } }",
            json!({}),
        )
        .await;
    res.data()["activationPreview"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| (str_at(p, "/tier/name"), p["members"].as_i64().unwrap_or(-1)))
        .collect()
}

/// The tier a ranking spend reaches, computed here from the seed's rule (tiers are set
/// in spend and reached in whole ranking points of `per_point` VND), not by the server.
fn expected_tier(ladder: &[(String, i64)], spend: i64, per_point: i64) -> String {
    ladder
        .iter()
        .filter(|(_, min)| *min == 0 || spend / per_point >= min / per_point)
        .max_by_key(|(_, min)| *min)
        .map(|(name, _)| name.clone())
        .unwrap_or_default()
}

/// One customer of the generated file.
struct Customer {
    id: String,
    total_spent: Option<i64>,
    opening_points: i64,
}

/// `n` customers with a mix of spends: none, zero, exactly a threshold, one VND below
/// one, and anything up to 20,000,000; some written with thousands separators, some
/// with a `cycle_spent` (which a lifetime cycle ignores) and some with opening points.
fn customers(n: usize, thresholds: &[i64]) -> Vec<Customer> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    (1..=n)
        .map(|i| {
            let pick = next();
            let threshold = thresholds[(next() % thresholds.len() as u64) as usize];
            let total_spent = match pick % 10 {
                0 => None,
                1 => Some(0),
                2 => Some(threshold),
                3 => Some(threshold - 1),
                _ => Some((next() % 20_000_000) as i64),
            };
            Customer {
                id: format!("k{i:05}"),
                total_spent,
                opening_points: if i.is_multiple_of(5) { 100 } else { 0 },
            }
        })
        .collect()
}

fn grouped(v: i64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The CSV of `part`.
fn csv_of(part: &[Customer]) -> String {
    let mut csv = String::from("external_id,name,total_spent,cycle_spent,opening_points\n");
    for (i, c) in part.iter().enumerate() {
        let spent = match c.total_spent {
            None => String::new(),
            // Grouped only where it takes two separators or more: one alone (`238,068`) is
            // refused as ambiguous, as the API refuses it (README, "Amounts").
            Some(v) if i.is_multiple_of(7) && v >= 1_000_000 => format!("\"{}\"", grouped(v)),
            Some(v) => v.to_string(),
        };
        let cycle = match c.total_spent {
            Some(v) if i.is_multiple_of(3) => (v / 2).to_string(),
            _ => String::new(),
        };
        csv.push_str(&format!(
            "{},Khách {},{spent},{cycle},{}\n",
            c.id, c.id, c.opening_points
        ));
    }
    csv
}

/// What a re-import must leave as it was: every member's standing, totals, cached
/// balances and last write, by external id.
type Snapshot = Vec<(
    String,
    Option<uuid::Uuid>,
    i64,
    i64,
    i64,
    i64,
    DateTime<Utc>,
)>;

async fn snapshot(app: &TestApp, shop: &str) -> Snapshot {
    let shop = uuid::Uuid::parse_str(shop).unwrap_or_else(|e| panic!("shop id: {e}"));
    let mut rows: Snapshot = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop))
        .all(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("members: {e}"))
        .into_iter()
        .map(|m| {
            (
                m.external_id,
                m.tier_id,
                m.ranking_spend,
                m.total_spent,
                m.points_available,
                m.total_orders,
                m.updated_at,
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn five_thousand_opening_rows_rank_at_backfill_as_the_file_implies_and_again_change_nothing()
{
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    app.gql(
        Some(&admin),
        "mutation { configureProgram(input: { spendPerRankingPoint: \"1000\" }) { status } }",
        json!({}),
    )
    .await
    .data();
    let tiers = ladder(&app, &admin).await;
    let thresholds: Vec<i64> = tiers.iter().map(|t| t.1).filter(|m| *m > 0).collect();
    let file = customers(5 * MAX_REQUEST_ROWS, &thresholds);
    let parts: Vec<String> = file.chunks(MAX_REQUEST_ROWS).map(csv_of).collect();
    for part in &parts {
        let r = import(&app, &admin, part).await;
        assert_eq!(
            r,
            json!({"read": 1000, "imported": 1000, "unchanged": 0, "pointsImported": 200 * 100,
                   "rejected": [], "warnings": []})
        );
    }

    let mut expected: BTreeMap<String, i64> = tiers.iter().map(|t| (t.0.clone(), 0)).collect();
    for c in &file {
        *expected
            .entry(expected_tier(&tiers, c.total_spent.unwrap_or(0), 1000))
            .or_insert(0) += 1;
    }
    assert!(
        expected.values().all(|n| *n > 0),
        "the file reaches every tier: {expected:?}"
    );
    assert_eq!(
        preview(&app, &admin).await,
        expected,
        "the preview counts it"
    );
    app.activate(&admin, json!({}), "BACKFILL").await;
    assert_eq!(
        tier_counts(&app, &admin).await,
        expected,
        "activation ranks it"
    );
    for c in file.iter().step_by(499) {
        let spend = c.total_spent.unwrap_or(0);
        assert_eq!(
            standing(&app, &admin, &c.id).await,
            (Some(expected_tier(&tiers, spend, 1000)), spend, spend),
            "{}",
            c.id
        );
    }

    // The same file again: every part unchanged, nothing written.
    let before = snapshot(&app, &shop).await;
    for part in &parts {
        let r = import(&app, &admin, part).await;
        assert_eq!(
            r,
            json!({"read": 1000, "imported": 0, "unchanged": 1000, "pointsImported": 0,
                   "rejected": [], "warnings": []})
        );
    }
    assert_eq!(snapshot(&app, &shop).await, before);
    assert_eq!(tier_counts(&app, &admin).await, expected);

    // A later order adds to the opening spend, and the file after it takes nothing back.
    let (index, buyer) = file
        .iter()
        .enumerate()
        .find(|(_, c)| {
            c.total_spent
                .is_some_and(|s| (1_500_000..2_000_000).contains(&s))
        })
        .unwrap_or_else(|| panic!("no customer just below Silver"));
    let opening = buyer.total_spent.unwrap_or(0);
    app.order(&admin, "later-1", &buyer.id, 600_000, 0)
        .await
        .data();
    let after_order = (
        Some(expected_tier(&tiers, opening + 600_000, 1000)),
        opening + 600_000,
        opening + 600_000,
    );
    assert_eq!(after_order.0.as_deref(), Some("Silver"));
    assert_eq!(standing(&app, &admin, &buyer.id).await, after_order);
    let r = import(&app, &admin, &parts[index / MAX_REQUEST_ROWS]).await;
    assert_eq!(r["imported"], 0, "{r}");
    assert_eq!(standing(&app, &admin, &buyer.id).await, after_order);
}

#[tokio::test]
async fn other_cycles_rank_cycle_spent_and_warn_once_about_total_spent_alone() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.gql(
        Some(&admin),
        "mutation { configureProgram(input: { spendPerRankingPoint: \"1000\", cycle: { kind: CALENDAR_YEAR } }) { status } }",
        json!({}),
    )
    .await
    .data();
    let csv = "external_id,total_spent,cycle_spent
y1,6000000,2500000
y2,6000000,
y3,7000000,
y4,1000000,3000000
y5,,5000000
";
    let r = import(&app, &admin, csv).await;
    assert_eq!(r["read"], 5);
    assert_eq!(r["imported"], 4);
    assert_eq!(r["rejected"][0]["line"], 5, "{r}");
    assert!(
        str_at(&r, "/rejected/0/reason").contains("cycle_spent"),
        "{r}"
    );
    let warnings = r["warnings"].as_array().cloned().unwrap_or_default();
    assert_eq!(warnings.len(), 1, "said once for y2 and y3: {r}");
    assert!(str_at(&r, "/warnings/0").contains("cycle_spent"), "{r}");
    let refused = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"y4\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refused.data()["member"],
        Value::Null,
        "a refused row writes nothing"
    );

    app.activate(&admin, json!({}), "BACKFILL").await;
    let silver = Some("Silver".to_owned());
    let member = Some("Member".to_owned());
    assert_eq!(
        standing(&app, &admin, "y1").await,
        (silver.clone(), 2_500_000, 6_000_000)
    );
    assert_eq!(
        standing(&app, &admin, "y2").await,
        (member.clone(), 0, 6_000_000)
    );
    assert_eq!(
        standing(&app, &admin, "y5").await,
        (Some("Gold".into()), 5_000_000, 0)
    );

    // Next year the opening spend belongs to the previous cycle: the tier it earned is
    // kept, and the file imported again adds nothing to the new cycle.
    app.advance(Duration::days(45));
    app.run_jobs().await;
    assert_eq!(
        standing(&app, &admin, "y1").await,
        (silver.clone(), 0, 6_000_000)
    );
    let again = import(&app, &admin, csv).await;
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["unchanged"], 4, "{again}");
    assert_eq!(standing(&app, &admin, "y1").await, (silver, 0, 6_000_000));
    assert_eq!(standing(&app, &admin, "y2").await, (member, 0, 6_000_000));
}

#[tokio::test]
async fn an_import_under_an_active_program_re_ranks_at_once_and_replaces_its_amount() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.order(&admin, "o1", "a1", 1_000_000, 0).await.data();
    let member = Some("Member".to_owned());
    assert_eq!(
        standing(&app, &admin, "a1").await,
        (member.clone(), 1_000_000, 1_000_000)
    );

    let csv = "external_id,total_spent\na1,1500000\na2,6000000\n";
    let r = import(&app, &admin, csv).await;
    assert_eq!(r["imported"], 2, "{r}");
    // Orders were recorded for a1, so its totals stay theirs; its ranking adds the file's.
    assert_eq!(
        standing(&app, &admin, "a1").await,
        (Some("Silver".into()), 2_500_000, 1_000_000)
    );
    assert_eq!(
        standing(&app, &admin, "a2").await,
        (Some("Gold".into()), 6_000_000, 6_000_000)
    );
    let again = import(&app, &admin, csv).await;
    assert_eq!(again["unchanged"], 2, "{again}");
    assert_eq!(standing(&app, &admin, "a1").await.1, 2_500_000);

    // A corrected file replaces the opening amount instead of adding to it.
    let r = import(&app, &admin, "external_id,total_spent\na1,500000\n").await;
    assert_eq!(r["imported"], 1, "{r}");
    assert_eq!(
        standing(&app, &admin, "a1").await,
        (member, 1_500_000, 1_000_000)
    );

    // A file without its key column is refused whole, coded, and writes nothing.
    let bad = app
        .gql(
            Some(&admin),
            IMPORT,
            json!({"c": "customer,total_spent\na1,90000000\n"}),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT", "{}", bad.body);
    assert_eq!(standing(&app, &admin, "a1").await.1, 1_500_000);

    // A refused row changes nothing of the customer.
    let r = import(
        &app,
        &admin,
        "external_id,total_spent,cycle_spent\na2,9000000,9500000\n",
    )
    .await;
    assert_eq!(r["rejected"][0]["line"], 2, "{r}");
    assert_eq!(
        standing(&app, &admin, "a2").await,
        (Some("Gold".into()), 6_000_000, 6_000_000)
    );
}

#[tokio::test]
async fn the_last_purchase_feeds_last_purchase_at_and_the_saved_filters() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let csv = "external_id,last_purchase_at
p1,2026-11-20
p2,2026-11-01 09:00:00
p3,2026-09-01T10:00:00+07:00
p4,
p5,15/08/2026
bad1,2026-11-24
bad2,31/02/2026
";
    let r = import(&app, &admin, csv).await;
    assert_eq!(r["imported"], 5, "{r}");
    let rejected: Vec<(i64, String)> = r["rejected"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| (x["line"].as_i64().unwrap_or(0), str_at(x, "/reason")))
        .collect();
    assert_eq!(rejected.len(), 2, "{r}");
    assert_eq!((rejected[0].0, rejected[1].0), (7, 8));
    assert!(rejected[0].1.contains("future"), "{r}");
    assert!(rejected[1].1.contains("last_purchase_at"), "{r}");

    // What the file says, in the shop's time (Asia/Ho_Chi_Minh, UTC+7).
    let tz = chrono_tz_offset();
    let local = |y, m, d, h| {
        tz.from_local_datetime(
            &NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default(),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc))
    };
    let mut file: BTreeMap<&str, Option<DateTime<Utc>>> = BTreeMap::from([
        ("p1", local(2026, 11, 20, 0)),
        ("p2", local(2026, 11, 1, 9)),
        ("p3", local(2026, 9, 1, 10)),
        ("p4", None),
        ("p5", local(2026, 8, 15, 0)),
    ]);
    for (id, at) in &file {
        assert_eq!(last_purchase_at(&app, &admin, id).await, *at, "{id}");
    }
    check_filters(&app, &admin, &file).await;

    // An order is a later purchase; the file again does not move it back.
    app.order(&admin, "o-p3", "p3", 100_000, 0).await.data();
    file.insert("p3", Some(start_time()));
    let again = import(&app, &admin, csv).await;
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(
        last_purchase_at(&app, &admin, "p3").await,
        Some(start_time())
    );
    check_filters(&app, &admin, &file).await;
}

fn chrono_tz_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| panic!("UTC+7"))
}

async fn last_purchase_at(app: &TestApp, key: &str, id: &str) -> Option<DateTime<Utc>> {
    let res = app
        .gql(
            Some(key),
            "query($e: String) { member(externalId: $e) { lastPurchaseAt } }",
            json!({ "e": id }),
        )
        .await;
    res.data()["member"]["lastPurchaseAt"].as_str().map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    })
}

/// The saved filters and `lastPurchaseOlderThanDays` against what `file` implies: "in
/// the last N days" is since the shop's midnight N days before today.
async fn check_filters(app: &TestApp, key: &str, file: &BTreeMap<&str, Option<DateTime<Utc>>>) {
    let tz = chrono_tz_offset();
    let today = start_time().with_timezone(&tz).date_naive();
    let since = |days: i64| {
        tz.from_local_datetime(
            &(today - Duration::days(days))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
    };
    let matching = |keep: &dyn Fn(DateTime<Utc>) -> bool| -> Vec<String> {
        file.iter()
            .filter(|(_, at)| at.is_some_and(keep))
            .map(|(id, _)| (*id).to_owned())
            .collect()
    };
    let cases = [
        (
            "BOUGHT_LAST_7_DAYS",
            json!({}),
            matching(&|t| t >= since(7)),
        ),
        (
            "BOUGHT_LAST_30_DAYS",
            json!({}),
            matching(&|t| t >= since(30)),
        ),
        (
            "LAPSED_OVER_30_DAYS",
            json!({}),
            matching(&|t| t < since(30)),
        ),
        (
            "ALL",
            json!({"lastPurchaseOlderThanDays": 10}),
            matching(&|t| t < since(10)),
        ),
    ];
    for (saved, filter, expected) in cases {
        let res = app
            .gql(
                Some(key),
                "query($f: MemberFilter, $s: SavedFilter) { members(filter: $f, saved: $s, first: 100) { edges { node { externalId } } } }",
                json!({"f": filter, "s": saved}),
            )
            .await;
        let mut got: Vec<String> = res.data()["members"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| str_at(e, "/node/externalId"))
            .collect();
        got.sort();
        assert_eq!(got, expected, "{saved} {filter}");
        assert!(!expected.is_empty(), "{saved} {filter} selects someone");
    }
}

//! A bulk adjustment survives a crash: 20,000 members imported, `adjustPointsForMembers`
//! over all of them, the server killed with SIGKILL while the job is between 20 % and
//! 80 % done, restarted; the restarted server takes the job over once the dead one's
//! lease runs out, and every member ends with exactly one adjustment of the job and the
//! balance it implies. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::{Duration, Instant};
use support::{healthy, ok};

const MEMBERS: usize = 20_000;
const CHUNK: usize = 1_000;
const BONUS: i64 = 25;

fn opening(i: usize) -> i64 {
    (i % 7) as i64 * 100
}

/// A short lease so that the restarted server takes the job over quickly.
fn env() -> Vec<(&'static str, String)> {
    vec![
        ("LOYALTY_BULK_LEASE_SECS", "2".to_owned()),
        ("LOYALTY_BULK_IDLE_MS", "100".to_owned()),
        ("LOYALTY_BULK_BATCH", "200".to_owned()),
        // The import of 1,000 rows a request runs past the default 30 s on a machine
        // busy with other builds; this test is about the job, not the import's speed.
        ("LOYALTY_REQUEST_TIMEOUT_SECS", "300".to_owned()),
    ]
}

const JOB: &str = "query($id: ID!) { bulkJob(id: $id) { status total done failed } }";

async fn progress(client: &reqwest::Client, base: &str, key: &str, id: &str) -> Value {
    ok(client, base, key, JOB, json!({"id": id})).await["bulkJob"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_job_then_restart_adjusts_each_member_exactly_once() {
    let (url, _dir) = support::database("bulk_crash");
    let port = support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    // Importing 1,000 rows a request takes seconds, and far longer on a machine busy
    // with other builds: the deadline is the default's ten times over, so that only a
    // hung server fails here.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut server = support::start(&url, port, &env());
    healthy(&client, &base).await;
    let key = support::shop(&client, &base, "bulk-crash").await;
    ok(
        &client,
        &base,
        &key,
        "mutation { configureProgram(input: {spendPerRankingPoint: \"1000\"}) { status } }",
        json!({}),
    )
    .await;
    ok(
        &client,
        &base,
        &key,
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await;
    let importing = Instant::now();
    for start in (0..MEMBERS).step_by(CHUNK) {
        let mut csv = String::from(
            "external_id,name,phone,email,birthday,gender,province,district,total_orders,total_spent,opening_points,registered\n",
        );
        for i in start..start + CHUNK {
            let _ = writeln!(csv, "m{i},Member {i},,,,,,,0,0,{},", opening(i));
        }
        let r = ok(
            &client,
            &base,
            &key,
            "mutation($c: String!) { importMembers(csv: $c) { imported rejected { line reason } } }",
            json!({"c": csv}),
        )
        .await;
        assert_eq!(r["importMembers"]["imported"], json!(CHUNK), "{r}");
    }
    eprintln!("{MEMBERS} members imported in {:?}", importing.elapsed());

    let started = ok(
        &client,
        &base,
        &key,
        "mutation { adjustPointsForMembers(saved: ALL, points: 25, reason: \"crash test\", idempotencyKey: \"crash\") { id total } }",
        json!({}),
    )
    .await;
    let id = started["adjustPointsForMembers"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(started["adjustPointsForMembers"]["total"], json!(MEMBERS));

    // Kill once the job is between 20 % and 80 % done.
    let done_at_kill = loop {
        let p = progress(&client, &base, &key, &id).await;
        let done = p["done"].as_u64().unwrap_or_default() as usize;
        assert!(done <= MEMBERS * 4 / 5, "missed the window: {p}");
        if done >= MEMBERS / 5 {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL
    server.wait().ok();

    let mut server = support::start(&url, port, &env());
    healthy(&client, &base).await;
    let begun = Instant::now();
    let finished = loop {
        let p = progress(&client, &base, &key, &id).await;
        if p["status"] == "DONE" {
            break p;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(900),
            "the job did not finish after the restart: {p}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        finished,
        json!({"status": "DONE", "total": MEMBERS, "done": MEMBERS, "failed": 0})
    );

    // Each member has exactly one ADJUST entry of the job, read from the database itself.
    let db = Database::connect(url.as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS members, MIN(n) AS least, MAX(n) AS most, CAST(SUM(p) AS BIGINT) AS points FROM \
                 (SELECT member_id, COUNT(*) AS n, SUM(points) AS p FROM ledger_entries \
                  WHERE kind = 'ADJUST' AND idempotency_key LIKE 'bulk:{id}:%' GROUP BY member_id) t"
            ),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no row"));
    let get = |c: &str| {
        row.try_get::<i64>("", c)
            .unwrap_or_else(|e| panic!("{c}: {e}"))
    };
    assert_eq!(
        (get("members"), get("least"), get("most"), get("points")),
        (MEMBERS as i64, 1, 1, MEMBERS as i64 * BONUS)
    );
    let all = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'ADJUST'",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no row"));
    assert_eq!(all.try_get::<i64>("", "n").ok(), Some(MEMBERS as i64));

    // And every balance is the opening points plus the bonus, through the API.
    let mut after: Option<String> = None;
    let mut seen = 0;
    loop {
        let page = ok(
            &client,
            &base,
            &key,
            "query($a: String) { members(first: 100, after: $a) { edges { node { externalId points { available } } } pageInfo { endCursor hasNextPage } } }",
            json!({"a": after}),
        )
        .await;
        let members = &page["members"];
        for e in members["edges"].as_array().cloned().unwrap_or_default() {
            let ext = e["node"]["externalId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let i: usize = ext[1..].parse().unwrap_or_else(|e| panic!("{ext}: {e}"));
            assert_eq!(
                e["node"]["points"]["available"],
                json!(opening(i) + BONUS),
                "{ext}"
            );
            seen += 1;
        }
        if members["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = members["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, MEMBERS);
    eprintln!(
        "{done_at_kill} of {MEMBERS} members adjusted before SIGKILL; all {MEMBERS} exactly once after the restart"
    );
    server.kill().ok();
    server.wait().ok();
}

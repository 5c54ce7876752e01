//! Running the real `loyalty` binary in tests: a database (temporary SQLite file, or a
//! fresh schema in `TEST_DATABASE_URL`), starting and health-checking the server, and
//! GraphQL over HTTP.
#![allow(dead_code)]
pub mod fake_esms;
pub mod fake_zns;

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_loyalty");
/// The operator token the servers accept.
pub const TOKEN: &str = "binary-test-operator";

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A started server process, killed when dropped, so that a failed assertion never
/// leaves it running.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Starts `loyalty serve` on `port` over `url` with extra environment.
pub fn start(url: &str, port: u16, env: &[(&str, String)]) -> Child {
    start_with_output(url, port, env, Stdio::null, Stdio::null)
}

/// [`start`] writing the server's log (stdout and stderr) to `log`.
pub fn start_logged(url: &str, port: u16, env: &[(&str, String)], log: &std::path::Path) -> Child {
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map(Stdio::from)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    start_with_output(url, port, env, open, open)
}

fn start_with_output(
    url: &str,
    port: u16,
    env: &[(&str, String)],
    stdout: impl Fn() -> Stdio,
    stderr: impl Fn() -> Stdio,
) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env("DATABASE_URL", url)
        .env("LOYALTY_ADDR", format!("127.0.0.1:{port}"))
        .env("LOYALTY_OPERATOR_TOKEN", TOKEN)
        .env("LOYALTY_JOBS_INTERVAL_SECS", "0")
        .env("RUST_LOG", "warn")
        .stdout(stdout())
        .stderr(stderr());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap_or_else(|e| panic!("{e}"))
}

/// Waits until `/healthz` answers.
pub async fn healthy(client: &reqwest::Client, base: &str) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up");
}

/// Runs a GraphQL operation; `Err` carries the errors.
pub async fn gql(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    query: &str,
    vars: Value,
) -> Result<Value, String> {
    let res = client
        .post(format!("{base}/graphql"))
        .bearer_auth(key)
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let v: Value = res.json().await.map_err(|e| e.to_string())?;
    if let Some(errors) = v.get("errors") {
        return Err(errors.to_string());
    }
    Ok(v["data"].clone())
}

/// Like [`gql`], failing the test on errors.
pub async fn ok(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    query: &str,
    vars: Value,
) -> Value {
    gql(client, base, key, query, vars)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// A database URL for one test, and the directory to keep alive for SQLite.
pub fn database(name: &str) -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => {
            let schema = format!("{name}_{}", std::process::id());
            let status = Command::new("psql")
                .arg(&url)
                .args(["-qc", &format!("CREATE SCHEMA {schema}")])
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "cannot create schema on {url}"
            );
            let sep = if url.contains('?') { '&' } else { '?' };
            (
                format!("{url}{sep}options=-c%20search_path%3D{schema}"),
                None,
            )
        }
        Err(_) => {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            (
                format!("sqlite://{}/loyalty.db?mode=rwc", dir.path().display()),
                Some(dir),
            )
        }
    }
}

/// An HTTP client with a generous timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Creates a shop; returns its ADMIN key.
pub async fn shop(client: &reqwest::Client, base: &str, name: &str) -> String {
    let shop = ok(
        client,
        base,
        TOKEN,
        "mutation($n: String!) { createShop(name: $n) { adminKey } }",
        json!({"n": name}),
    )
    .await;
    shop["createShop"]["adminKey"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

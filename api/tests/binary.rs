//! The real `loyalty` binary: CLI commands and a served, then gracefully stopped, server.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_loyalty");

fn database_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}/loyalty.db?mode=rwc", dir.display())
}

#[test]
fn shop_create_prints_the_id_and_key_as_json() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(BIN)
        .args(["shop", "create", "Cửa hàng An"])
        .env("DATABASE_URL", database_url(dir.path()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"));
    assert!(v["shopId"].as_str().is_some_and(|s| s.len() == 36));
    assert!(v["adminKey"].as_str().is_some_and(|k| k.starts_with("lk_")));
}

#[test]
fn the_operator_creates_a_key_for_a_shop() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", database_url(dir.path()))
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let created = run(&["shop", "create", "A"]);
    let shop: serde_json::Value =
        serde_json::from_slice(&created.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"));
    let shop_id = shop["shopId"].as_str().unwrap_or_default().to_owned();
    let out = run(&[
        "shop", "key", "create", "--shop", &shop_id, "--role", "ADMIN", "--name", "recovery",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"));
    assert_eq!(key["role"], "ADMIN");
    let secret = key["key"].as_str().unwrap_or_default();
    assert!(
        secret.starts_with(&format!("lk_{}_", shop_id.replace('-', ""))),
        "{key}"
    );
    // The cap applies, and an unknown shop is refused.
    let capped = run(&[
        "shop",
        "key",
        "create",
        "--shop",
        &shop_id,
        "--role",
        "READ",
        "--max-keys-per-shop",
        "2",
    ]);
    assert!(!capped.status.success());
    assert!(String::from_utf8_lossy(&capped.stderr).contains("at most 2"));
    let unknown = run(&[
        "shop",
        "key",
        "create",
        "--shop",
        &uuid_nil(),
        "--role",
        "READ",
    ]);
    assert!(!unknown.status.success());
}

fn uuid_nil() -> String {
    "00000000-0000-0000-0000-000000000000".to_owned()
}

#[test]
fn schema_prints_the_committed_sdl() {
    let out = Command::new(BIN)
        .arg("schema")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "`loyalty schema` differs from api/schema.graphql"
    );
}

#[test]
fn serve_answers_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", database_url(dir.path()))
        .env("LOYALTY_ADDR", format!("127.0.0.1:{port}"))
        .env("LOYALTY_JOBS_INTERVAL_SECS", "0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let healthy = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            break buf.starts_with("HTTP/1.1 200");
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(healthy, "server did not become healthy");
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let logs: Vec<String> = child
        .stderr
        .take()
        .map(|e| BufReader::new(e).lines().map_while(Result::ok).collect())
        .unwrap_or_default();
    assert!(logs.iter().any(|l| l.contains("shutting down")), "{logs:?}");
}

#[test]
fn import_then_export_members_through_the_cli() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = database_url(dir.path());
    let out = Command::new(BIN)
        .args(["shop", "create", "A"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let shop: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let shop = shop["shopId"].as_str().unwrap_or_default().to_owned();
    let file = dir.path().join("opening.csv");
    std::fs::write(
        &file,
        "external_id,name,phone,province,total_spent,opening_points\nc1,An,0912345678,Hà Nội,100000,50\nc2,Bình,bad,Huế,,\nc3,Cường,,Huế,,\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run_import = || {
        let out = Command::new(BIN)
            .args(["import", "members"])
            .arg(&file)
            .args(["--shop", &shop])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
    };
    let first = run_import();
    assert_eq!(first["imported"], 2);
    assert_eq!(first["rejected"][0]["line"], 3);
    assert_eq!(run_import()["unchanged"], 2, "a re-run changes nothing");
    let out = Command::new(BIN)
        .args([
            "export",
            "members",
            "--shop",
            &shop,
            "--filter-json",
            r#"{"province": "Hà Nội"}"#,
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("c1,An,0912345678,"), "{csv}");
    assert!(
        lines[1].contains(",50,"),
        "available points exported: {csv}"
    );
}

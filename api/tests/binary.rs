//! The real `loyalty` binary: CLI commands and a served, then gracefully stopped, server.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_loyalty");

fn database_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}/loyalty.db?mode=rwc", dir.display())
}

/// The URL of a database in `dir` made by `loyalty migrate`: the other commands do not
/// create one.
fn migrated(dir: &std::path::Path) -> String {
    let url = database_url(dir);
    let out = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    url
}

#[test]
fn shop_create_prints_the_id_and_key_as_json() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(BIN)
        .args(["shop", "create", "Cửa hàng An"])
        .env("DATABASE_URL", migrated(dir.path()))
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
    let url = migrated(dir.path());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &url)
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
    let url = migrated(dir.path());
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

/// Runs the binary in `dir` with `DATABASE_URL` set to `url`, or unset.
fn run_in(dir: &std::path::Path, url: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn commands_say_which_database_and_only_serve_or_migrate_create_one() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let default_file = dir.path().join("loyalty.db");
    let shown = std::fs::canonicalize(dir.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .join("loyalty.db");
    let said = format!("database: SQLite {}", shown.display());
    // Without DATABASE_URL, in a directory without a database: refused, nothing created.
    let shop_id = "00000000-0000-0000-0000-000000000000";
    let file = dir.path().join("members.csv");
    std::fs::write(&file, "external_id\nc1\n").unwrap_or_else(|e| panic!("{e}"));
    let file = file.display().to_string();
    for args in [
        &["shop", "create", "A"][..],
        &["shop", "key", "create", "--shop", shop_id, "--role", "READ"],
        &["shop", "top-up", "--shop", shop_id, "--amount", "1000"],
        &["jobs", "run-once"],
        &["import", "members", &file, "--shop", shop_id],
        &["export", "members", "--shop", shop_id],
    ] {
        let out = run_in(dir.path(), None, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} ran: {stderr}");
        assert!(stderr.contains(&said), "{args:?}: {stderr}");
        assert!(
            stderr.contains("no database at") && stderr.contains("loyalty migrate"),
            "{args:?}: {stderr}"
        );
        assert!(!default_file.exists(), "{args:?} created {default_file:?}");
    }
    // `migrate` creates it and says where; then the others work on it and say so.
    let migrated = run_in(dir.path(), None, &["migrate"]);
    assert!(migrated.status.success());
    assert!(String::from_utf8_lossy(&migrated.stderr).contains(&said));
    assert!(default_file.exists());
    let created = run_in(dir.path(), None, &["shop", "create", "A"]);
    assert!(created.status.success());
    assert!(String::from_utf8_lossy(&created.stderr).contains(&said));
    // A URL naming another missing file is refused the same way.
    let other = format!("sqlite://{}/other.db?mode=rwc", dir.path().display());
    let refused = run_in(dir.path(), Some(&other), &["jobs", "run-once"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("other.db"));
    assert!(!dir.path().join("other.db").exists());
}

/// Sends one HTTP/1.1 request to the loopback port and returns the whole response.
fn http(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
    s.write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf
}

#[test]
fn serve_says_what_it_opened_and_that_create_shop_needs_the_token() {
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
        .env_remove("LOYALTY_OPERATOR_TOKEN")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    let body = r#"{"query":"mutation { createShop(name: \"A\") { shopId } }"}"#;
    let response = http(
        port,
        &format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let message = v["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("createShop is disabled: set LOYALTY_OPERATOR_TOKEN"),
        "{response}"
    );
    assert_eq!(v["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    let _ = child.wait();
    let mut logs = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut logs);
    }
    assert!(!logs.contains("\x1b["), "colour codes in a pipe: {logs:?}");
    let db = std::fs::canonicalize(dir.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .join("loyalty.db");
    for line in [
        format!("listening on http://127.0.0.1:{port}"),
        format!("database: SQLite {}", db.display()),
        format!("GraphiQL: http://127.0.0.1:{port}/graphql"),
        "createShop over HTTP: disabled (set LOYALTY_OPERATOR_TOKEN".to_owned(),
    ] {
        assert!(logs.contains(&line), "no {line:?} in {logs}");
    }
}

#[test]
fn export_reads_the_graphql_member_filter_and_refuses_unknown_names() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = migrated(dir.path());
    let created = run_in(dir.path(), Some(&url), &["shop", "create", "A"]);
    let shop: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap_or_default();
    let shop = shop["shopId"].as_str().unwrap_or_default().to_owned();
    let file = dir.path().join("opening.csv");
    std::fs::write(
        &file,
        "external_id,name,gender,province,registered\nc1,An,nữ,Hà Nội,true\nc2,Bình,nam,Hà Nội,false\nc3,Cường,nữ,Huế,true\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let file = file.display().to_string();
    let imported = run_in(
        dir.path(),
        Some(&url),
        &["import", "members", &file, "--shop", &shop],
    );
    assert!(imported.status.success());
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "members", "--shop", &shop];
        args.extend_from_slice(extra);
        run_in(dir.path(), Some(&url), &args)
    };
    let ids = |out: &std::process::Output| -> Vec<String> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or_default().to_owned())
            .collect()
    };
    let women = export(&[
        "--filter-json",
        r#"{"gender": "FEMALE", "province": "Hà Nội"}"#,
    ]);
    assert_eq!(
        ids(&women),
        ["c1"],
        "{}",
        String::from_utf8_lossy(&women.stderr)
    );
    let registered = export(&["--saved", "REGISTERED"]);
    let mut got = ids(&registered);
    got.sort();
    assert_eq!(got, ["c1", "c3"]);
    // A typo is refused with the names there are, and nothing is exported.
    for (filter, says) in [
        (r#"{"provnce": "Hà Nội"}"#, "\"provnce\""),
        (r#"{"gender": "Female"}"#, "FEMALE"),
        (r#"{"saved": "REGISTERED"}"#, "\"saved\""),
    ] {
        let out = export(&["--filter-json", filter]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{filter}");
        assert!(stderr.contains(says), "{filter}: {stderr}");
        assert!(out.stdout.is_empty(), "{filter}");
    }
    let bad_saved = export(&["--saved", "BoughtLast30Days"]);
    assert!(!bad_saved.status.success());
    assert!(String::from_utf8_lossy(&bad_saved.stderr).contains("BOUGHT_LAST_30_DAYS"));
}

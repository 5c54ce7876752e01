//! README's quick start is `docs/quickstart.sh`, and the script runs green against the real
//! binary: on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set. Here rather than in
//! `.ci/run` so that `cargo test` proves it on both databases like every other test.
mod support;

use std::process::Command;
use support::{TOKEN, client, database, free_port, healthy, start};

const README: &str = include_str!("../../README.md");
const SCRIPT: &str = include_str!("../../docs/quickstart.sh");
const SCRIPT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/quickstart.sh");

/// Where README's quick-start blocks are: every `sh` block between these two lines.
const README_BEGIN: &str = "<!-- BEGIN docs/quickstart.sh -->";
const README_END: &str = "<!-- END docs/quickstart.sh -->";

/// The `sh` code blocks of README's quick start, in order.
fn readme_blocks() -> Vec<String> {
    let start = README
        .find(README_BEGIN)
        .unwrap_or_else(|| panic!("README has no {README_BEGIN}"));
    let end = README[start..]
        .find(README_END)
        .unwrap_or_else(|| panic!("README has no {README_END} after {README_BEGIN}"));
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in README[start..start + end].lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(lines), "```") => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            (Some(lines), _) => lines.push(line),
            (None, fence) if fence.starts_with("```") => {
                panic!("README's quick start holds a block other than sh: {fence}")
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The script's parts README shows (between `# BEGIN README` and `# END README`), in
/// order, and every other line.
fn script_parts() -> (Vec<String>, Vec<&'static str>) {
    let mut shown = Vec::new();
    let mut rest = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in SCRIPT.lines() {
        match (&mut current, line) {
            (None, "# BEGIN README") => current = Some(Vec::new()),
            (Some(lines), "# END README") => {
                shown.push(lines.join("\n"));
                current = None;
            }
            (Some(lines), _) => lines.push(line),
            (None, _) => rest.push(line),
        }
    }
    assert!(current.is_none(), "a `# BEGIN README` is never closed");
    (shown, rest)
}

#[test]
fn readme_shows_exactly_the_scripts_requests() {
    let readme = readme_blocks();
    let (shown, rest) = script_parts();
    assert!(readme.len() >= 5, "README's quick start lost its blocks");
    assert_eq!(
        readme, shown,
        "README's quick-start blocks and docs/quickstart.sh's README parts differ"
    );
    // Outside the shown parts the script only checks: it sends no request README omits.
    for line in rest.iter().filter(|l| !l.trim_start().starts_with('#')) {
        assert!(
            !line.contains("gql \"$") && !line.contains("curl "),
            "docs/quickstart.sh sends a request README does not show: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quick_start_runs_green_against_the_binary() {
    let (url, _dir) = database("quickstart");
    let port = free_port();
    let _server = support::Running(start(&url, port, &[]));
    let base = format!("http://127.0.0.1:{port}");
    healthy(&client(), &base).await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(SCRIPT_PATH)
            .env("LOYALTY_URL", &base)
            .env("LOYALTY_OPERATOR_TOKEN", TOKEN)
            .output()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "docs/quickstart.sh failed ({}; it needs curl and jq)\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("== quick start done"), "{stdout}");
    assert!(!stdout.contains("unexpected"), "{stdout}");
}

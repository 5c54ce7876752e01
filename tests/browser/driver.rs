//! Headless Chromium through ChromeDriver (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`), driven with fantoccini.
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A phone's viewport: the widget must fit it without horizontal scrolling.
pub const PHONE_WIDTH: u32 = 375;
const PHONE_HEIGHT: u32 = 812;

/// A ChromeDriver process and one browser session on it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

/// Where ChromeDriver is, or why this machine cannot run the browser tests. Without
/// it the tests fail when `LOYALTY_REQUIRE_BROWSER=1` (as in `.ci/run`) and are skipped
/// with a message otherwise, so `cargo test` still runs on a machine without Chromium.
pub fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("LOYALTY_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "LOYALTY_REQUIRE_BROWSER=1 but {} is missing: apt-get install chromium chromium-driver",
        path.display()
    );
    eprintln!(
        "SKIPPED: no ChromeDriver at {} (apt-get install chromium chromium-driver to run the browser tests)",
        path.display()
    );
    None
}

impl Browser {
    /// Starts ChromeDriver on a free port and opens a headless session with a phone's
    /// viewport.
    pub async fn start(chromedriver: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        // A desktop window cannot be narrower than about 500 px; the phone's viewport
        // comes from Chrome's device emulation.
        let mut chrome = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            "mobileEmulation": {"deviceMetrics": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 1}},
        });
        if let Ok(binary) = std::env::var("CHROMIUM") {
            chrome["binary"] = json!(binary);
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session on {url}: {e}"),
            }
        };
        Browser { client, driver }
    }

    /// Saves a screenshot of the page as `name.png` in the artifacts directory.
    pub async fn screenshot(&self, name: &str) {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let dir = artifacts();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("screenshot: {}", path.display());
    }

    /// Runs `script` in the page (an async function body: `arguments` are the args) and
    /// returns its result.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// Waits until `script` (a JavaScript expression) is truthy in the page.
    pub async fn wait_for(&self, what: &str, script: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let v = self.eval(&format!("return ({script});")).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}: {script}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Closes the session and stops ChromeDriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Where screenshots go: `$LOYALTY_ARTIFACTS` or `target/browser-artifacts`.
pub fn artifacts() -> PathBuf {
    std::env::var_os("LOYALTY_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("browser-artifacts")
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

//! A GraphQL-over-HTTP client for the bench: one pooled HTTP/1.1 client, keep-alive.
use serde_json::{Value, json};

/// The server's `/graphql` endpoint and the client that talks to it.
#[derive(Clone)]
pub struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    /// A client keeping up to `connections` idle connections to the server.
    pub fn new(url: &str, connections: usize) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self {
            url: url.to_owned(),
            http,
        }
    }

    /// Posts an operation with a bearer key; `data`, or the failure as text (transport,
    /// HTTP status, or the first GraphQL error with its code).
    pub async fn post(&self, key: &str, query: &str, variables: Value) -> Result<Value, String> {
        let res = self
            .http
            .post(&self.url)
            .bearer_auth(key)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let status = res.status();
        let body: Value = res
            .json()
            .await
            .map_err(|e| format!("HTTP {status}, unreadable body: {e}"))?;
        if let Some(first) = body["errors"].get(0) {
            return Err(format!(
                "{}: {}",
                first["extensions"]["code"].as_str().unwrap_or("NO_CODE"),
                first["message"].as_str().unwrap_or_default()
            ));
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        Ok(body["data"].clone())
    }
}

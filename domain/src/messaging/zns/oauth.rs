//! Zalo's OAuth v4 refresh of an OA's tokens: `POST {base}/v4/oa/access_token`, form
//! `app_id`, `grant_type=refresh_token`, `refresh_token`, header `secret_key`. The
//! answer is a new access token (about 25 hours) and a new refresh token: refresh
//! tokens are single use, so the caller stores the new one before anything else
//! ([`super::account::refresh`]).
use crate::secrets::Secret;
use serde::Deserialize;
use std::time::Duration;

/// Zalo's production OAuth server.
pub const DEFAULT_BASE_URL: &str = "https://oauth.zaloapp.com";

/// The OAuth client.
#[derive(Clone)]
pub struct ZaloOAuth {
    client: reqwest::Client,
    endpoint: String,
    timeout: Duration,
}

impl std::fmt::Debug for ZaloOAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloOAuth")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl Default for ZaloOAuth {
    fn default() -> Self {
        Self::new(DEFAULT_BASE_URL, Duration::from_secs(15))
    }
}

/// A new token pair.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The access token.
    pub access_token: Secret,
    /// The next refresh token (the one used is dead now).
    pub refresh_token: Secret,
    /// Seconds the access token lives.
    pub expires_in: i64,
}

/// Why a refresh gave no pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshError {
    /// Zalo answered with an error: the refresh token (or app) is not accepted, and
    /// trying again with it will not help.
    Refused(String),
    /// No usable answer (network, timeout, 5xx): the refresh token may still be good.
    Transport(String),
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<i64>,
    #[serde(default)]
    error_name: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl ZaloOAuth {
    /// A client of the OAuth server at `base_url` (tests point it at a fake); one call
    /// takes at most `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            // Building fails only without a TLS backend, which this build always has;
            // the plain client then still works for http:// fakes.
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
            endpoint: format!("{}/v4/oa/access_token", base_url.trim_end_matches('/')),
            timeout,
        }
    }

    /// The longest one refresh call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Trades `refresh_token` for a new pair.
    pub async fn refresh(
        &self,
        app_id: &str,
        secret_key: &Secret,
        refresh_token: &Secret,
    ) -> Result<Pair, RefreshError> {
        let response = self
            .client
            .post(&self.endpoint)
            .header("secret_key", secret_key.expose())
            .form(&[
                ("app_id", app_id),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ])
            .send()
            .await
            // Without the URL: reqwest's message names only the endpoint, never the form.
            .map_err(|e| RefreshError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let reply = response.json::<Reply>().await;
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(RefreshError::Transport(format!(
                "Zalo OAuth answered {status}"
            )));
        }
        let reply = reply.map_err(|e| {
            RefreshError::Transport(format!(
                "unreadable Zalo OAuth answer ({status}): {}",
                e.without_url()
            ))
        })?;
        if let Some(code) = reply.error.filter(|c| *c != 0) {
            return Err(RefreshError::Refused(format!(
                "Zalo refused the token refresh: {code} {}: {}",
                reply.error_name.unwrap_or_default(),
                reply.error_description.unwrap_or_default()
            )));
        }
        let expires_in = reply.expires_in.as_ref().and_then(|v| {
            // Zalo sends it as a string of seconds.
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        match (reply.access_token, reply.refresh_token, expires_in) {
            (Some(a), Some(r), Some(e)) if !a.is_empty() && !r.is_empty() && e > 0 => Ok(Pair {
                access_token: Secret::new(a),
                refresh_token: Secret::new(r),
                expires_in: e,
            }),
            _ => Err(RefreshError::Refused(format!(
                "Zalo's refresh answer ({status}) had no token pair"
            ))),
        }
    }
}

//! Posting one delivery: signed per Standard Webhooks, to an address checked after the
//! name is resolved (the resolver below refuses what [`UrlRules`] refuses, so the
//! address checked is the address connected to), with no redirects and no proxy.
use crate::webhooks::UrlRules;
use crate::webhooks::signature::sign;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Resolves names with the system resolver and keeps only the addresses `rules` allow.
#[derive(Debug)]
struct GuardedResolver {
    rules: UrlRules,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rules = self.rules;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match rules.check_ip(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        refused = Some(why);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let why = refused.unwrap_or_else(|| format!("{host} has no address"));
                return Err(format!("refused: {host} resolves to {why}").into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client of the delivery worker.
pub fn client(rules: UrlRules, timeout: Duration) -> crate::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { rules }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .user_agent("loyalty-webhooks/1")
        .build()
        .map_err(|e| crate::DomainError::Internal(format!("webhook HTTP client: {e}")))
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered(u16),
    /// It answered something else, or could not be reached (`None`), with why.
    Failed(Option<u16>, String),
}

/// One message to post.
#[derive(Debug, Clone)]
pub struct Message {
    /// The endpoint's URL.
    pub url: String,
    /// The HMAC key of its secret.
    pub key: Arc<Vec<u8>>,
    /// `webhook-id`: the event's id, the same on every attempt and every endpoint.
    pub id: String,
    /// The body.
    pub body: String,
}

/// Posts `msg` at Unix time `timestamp`.
pub async fn post(
    client: &reqwest::Client,
    rules: &UrlRules,
    msg: &Message,
    timestamp: i64,
) -> Attempt {
    let url = match Url::parse(&msg.url) {
        Ok(u) => u,
        Err(e) => return Attempt::Failed(None, format!("bad URL: {e}")),
    };
    // An address in the URL never reaches the resolver: check it here.
    let literal = match url.host() {
        Some(Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        _ => None,
    };
    if let Some(Err(why)) = literal.map(|ip| rules.check_ip(ip)) {
        return Attempt::Failed(None, format!("refused: {why}"));
    }
    let signature = match sign(&msg.key, &msg.id, timestamp, &msg.body) {
        Ok(s) => s,
        Err(e) => return Attempt::Failed(None, e.to_string()),
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &msg.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(msg.body.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Attempt::Delivered(r.status().as_u16()),
        Ok(r) => {
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let excerpt: String = text.chars().take(200).collect();
            Attempt::Failed(Some(status), format!("HTTP {status}: {excerpt}"))
        }
        Err(e) => Attempt::Failed(None, describe(&e)),
    }
}

/// The error and its causes on one line (reqwest's own `Display` stops at the first).
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(500).collect()
}

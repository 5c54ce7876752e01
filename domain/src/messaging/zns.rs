//! Zalo Notification Service: `POST {base}/message/template` with an OA's access token.
//!
//! Each shop sends through its own OA ([`account`]: connected with `connectZaloOa`, its
//! token refreshed by [`oauth`] an hour ahead of expiry and once when Zalo answers -124);
//! a shop without one uses the operator's `LOYALTY_ZNS_ACCESS_TOKEN`, a single-shop
//! install's default.
pub mod account;
pub mod content;
pub mod oauth;
pub mod receipts;
pub mod spec;
pub mod templates;

use super::channel::{Channel, OpenFuture, Opened, Outbound, SendFuture, SendOutcome, Sender};
use super::{ChannelKind, Rendered};
use crate::Ctx;
use crate::secrets::Secret;
use account::{Current, Refresh, Token};
use oauth::ZaloOAuth;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Zalo's production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://business.openapi.zalo.me";

/// Zalo's "unknown error, try again later".
const UNKNOWN_ERROR: i64 = -100;
/// Zalo's "out of quota".
const OUT_OF_QUOTA: i64 = -115;
/// Zalo's "access token invalid or expired".
pub const TOKEN_INVALID: i64 = -124;

/// The ZNS API as one client: endpoint and OAuth.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    endpoint: String,
    oauth: ZaloOAuth,
}

/// The ZNS transport.
#[derive(Clone)]
pub struct ZnsChannel {
    api: Api,
    default_token: Option<Secret>,
}

impl std::fmt::Debug for ZnsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZnsChannel")
            .field("endpoint", &self.api.endpoint)
            .field("default_token", &self.default_token.is_some())
            .finish()
    }
}

/// What one request gave: Zalo's reply, or an outcome without one (transport, HTTP).
enum Posted {
    Reply(Reply),
    Outcome(SendOutcome),
}

impl Api {
    async fn post(&self, token: &str, message: &Outbound) -> Posted {
        let Rendered::Zns(content::ZnsFilled { template_id, data }) = &message.message else {
            return Posted::Outcome(SendOutcome::Failed {
                code: "WRONG_CHANNEL".into(),
                message: "only a ZNS template message goes through ZNS".into(),
            });
        };
        let body = json!({
            "phone": message.to,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": message.delivery_id.simple().to_string(),
        });
        let response = match self
            .client
            .post(&self.endpoint)
            .header("access_token", token)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Posted::Outcome(transport("TRANSPORT", e.to_string())),
        };
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Posted::Outcome(transport(
                &format!("HTTP_{}", status.as_u16()),
                status.to_string(),
            ));
        }
        if !status.is_success() {
            return Posted::Outcome(SendOutcome::Failed {
                code: format!("HTTP_{}", status.as_u16()),
                message: status.to_string(),
            });
        }
        match response.json::<Reply>().await {
            // An answer we cannot read may still mean "sent"; resending under the same
            // tracking id is the safe side.
            Err(e) => Posted::Outcome(transport("BAD_REPLY", e.to_string())),
            Ok(reply) => Posted::Reply(reply),
        }
    }
}

impl ZnsChannel {
    /// A client for `base_url` (tests point it at a fake server), refreshing shops'
    /// tokens through `oauth`, with the operator's `default_token` for shops without an
    /// OA of their own.
    pub fn new(
        base_url: &str,
        oauth: ZaloOAuth,
        default_token: Option<&str>,
        timeout: Duration,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            api: Api {
                client: reqwest::Client::builder().timeout(timeout).build()?,
                endpoint: format!("{}/message/template", base_url.trim_end_matches('/')),
                oauth,
            },
            default_token: default_token.map(Secret::new),
        })
    }

    async fn open_for(&self, ctx: &Ctx, shop_id: Uuid) -> crate::Result<Opened> {
        let (token, refreshable) =
            match shop_token(ctx, &self.api.oauth, self.default_token.as_ref(), shop_id).await? {
                ShopToken::Unavailable(reason) => return Ok(Opened::Unavailable(reason)),
                ShopToken::Operator(access) => (Token { access, version: 0 }, false),
                ShopToken::Own(token) => (token, true),
            };
        Ok(Opened::Ready(Arc::new(ShopSender {
            api: self.api.clone(),
            ctx: ctx.clone(),
            shop_id,
            refreshable,
            token: tokio::sync::Mutex::new(token),
        })))
    }
}

/// The access token a shop calls Zalo's business API with.
#[derive(Debug, Clone)]
pub enum ShopToken {
    /// Its own OA's, refreshed when Zalo refuses it.
    Own(Token),
    /// The operator's `LOYALTY_ZNS_ACCESS_TOKEN` (a shop without an OA of its own).
    Operator(Secret),
    /// None usable; the reason is for the merchant.
    Unavailable(String),
}

/// The shop's token: its own OA's (refreshed first when it expires within
/// [`account::refresh_ahead`]), else the operator's `default_token`.
pub async fn shop_token(
    ctx: &Ctx,
    oauth: &ZaloOAuth,
    default_token: Option<&Secret>,
    shop_id: Uuid,
) -> crate::Result<ShopToken> {
    Ok(match account::current(ctx, shop_id).await? {
        Current::Stopped(reason) => ShopToken::Unavailable(reason),
        Current::None => match default_token {
            Some(t) => ShopToken::Operator(t.clone()),
            None => ShopToken::Unavailable(
                "the shop has no Zalo OA: connect one with connectZaloOa \
                 (or the operator sets LOYALTY_ZNS_ACCESS_TOKEN)"
                    .into(),
            ),
        },
        Current::Usable(token, expires_at) => {
            if expires_at - ctx.clock.now() > account::refresh_ahead() {
                ShopToken::Own(token)
            } else {
                match account::refresh(ctx, oauth, shop_id, token.version).await? {
                    Ok(fresh) => ShopToken::Own(fresh),
                    Err(Refresh::Stopped(reason)) => ShopToken::Unavailable(reason),
                    // Still valid for a while, or answered -124 and refreshed again then.
                    Err(Refresh::Later(why)) => {
                        tracing::warn!(%shop_id, reason = %why, "Zalo OA token refresh postponed");
                        ShopToken::Own(token)
                    }
                }
            }
        }
    })
}

/// One shop's ZNS sender for a batch.
struct ShopSender {
    api: Api,
    ctx: Ctx,
    shop_id: Uuid,
    /// Whether the token is the shop's own OA's (the operator's cannot be refreshed).
    refreshable: bool,
    /// The token in use; a send that finds it refused refreshes it under this lock, so
    /// the batch's other sends take the new one instead of refreshing again.
    token: tokio::sync::Mutex<Token>,
}

impl ShopSender {
    async fn deliver(&self, message: &Outbound) -> SendOutcome {
        let used = self.token.lock().await.clone();
        match self.api.post(used.access.expose(), message).await {
            Posted::Outcome(o) => o,
            Posted::Reply(r) if r.error == TOKEN_INVALID => {
                if !self.refreshable {
                    return SendOutcome::AccountStopped {
                        reason: format!(
                            "ZNS: the operator's access token (LOYALTY_ZNS_ACCESS_TOKEN) is \
                             invalid or expired ({TOKEN_INVALID} {}); connect the shop's OA with \
                             connectZaloOa, then resume the campaign",
                            r.message
                        ),
                    };
                }
                let fresh = match self.refreshed(used.version).await {
                    Ok(t) => t,
                    Err(outcome) => return outcome,
                };
                match self.api.post(fresh.access.expose(), message).await {
                    Posted::Outcome(o) => o,
                    // A token refused right after its refresh: try the message later.
                    Posted::Reply(r) if r.error == TOKEN_INVALID => SendOutcome::Retry {
                        code: TOKEN_INVALID.to_string(),
                        message: r.message,
                    },
                    Posted::Reply(r) => classify(r),
                }
            }
            Posted::Reply(r) => classify(r),
        }
    }

    /// A token newer than version `used`: the one another send of this batch got, or a
    /// refresh (waiting for one another replica runs).
    async fn refreshed(&self, used: i64) -> Result<Token, SendOutcome> {
        let mut current = self.token.lock().await;
        if current.version != used {
            return Ok(current.clone());
        }
        match account::refresh(&self.ctx, &self.api.oauth, self.shop_id, used).await {
            Ok(Ok(fresh)) => {
                *current = fresh.clone();
                Ok(fresh)
            }
            Ok(Err(Refresh::Stopped(reason))) => Err(SendOutcome::AccountStopped { reason }),
            Ok(Err(Refresh::Later(why))) => Err(transport("REFRESH", why)),
            Err(e) => Err(transport("REFRESH", e.to_string())),
        }
    }
}

impl Sender for ShopSender {
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}

fn transport(code: &str, message: String) -> SendOutcome {
    SendOutcome::Retry {
        code: code.to_owned(),
        message,
    }
}

/// The body of a ZNS reply.
#[derive(Debug, Clone, Deserialize)]
pub struct Reply {
    /// 0 on success, a negative code otherwise.
    pub error: i64,
    /// Zalo's words.
    #[serde(default)]
    pub message: String,
    /// On success.
    #[serde(default)]
    pub data: Option<ReplyData>,
}

/// `data` of a successful reply.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyData {
    /// Zalo's message id.
    #[serde(default)]
    pub msg_id: Option<String>,
    /// The OA's quota after this message.
    #[serde(default)]
    pub quota: Option<Quota>,
}

/// The OA's daily quota.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    /// Messages per day.
    #[serde(default)]
    pub daily_quota: Option<serde_json::Value>,
    /// Left today.
    #[serde(default)]
    pub remaining_quota: Option<serde_json::Value>,
}

fn number(v: &serde_json::Value) -> Option<i64> {
    // Zalo has sent these both as numbers and as strings.
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Maps a reply to an outcome: 0 sent; -100 retried; out of quota waits for the next
/// day; every other code (-108 phone, -109 template, -111 empty data, …) is final.
/// (-124, a refused token, is the sender's to refresh before it gets here.)
pub fn classify(reply: Reply) -> SendOutcome {
    match reply.error {
        0 => {
            let data = reply.data;
            SendOutcome::Sent {
                quota_left: data
                    .as_ref()
                    .and_then(|d| d.quota.as_ref())
                    .and_then(|q| q.remaining_quota.as_ref())
                    .and_then(number),
                provider_id: data.and_then(|d| d.msg_id),
            }
        }
        UNKNOWN_ERROR => SendOutcome::Retry {
            code: UNKNOWN_ERROR.to_string(),
            message: reply.message,
        },
        OUT_OF_QUOTA => SendOutcome::QuotaExhausted {
            code: OUT_OF_QUOTA.to_string(),
            message: reply.message,
        },
        code => SendOutcome::Failed {
            code: code.to_string(),
            message: reply.message,
        },
    }
}

impl Channel for ZnsChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Zns
    }

    fn open<'a>(&'a self, ctx: &'a Ctx, shop_id: Uuid) -> OpenFuture<'a> {
        Box::pin(self.open_for(ctx, shop_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(raw: serde_json::Value) -> SendOutcome {
        classify(serde_json::from_value(raw).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn success_reads_message_id_and_quota() {
        let out = reply(json!({"error": 0, "message": "Success", "data": {
            "msg_id": "a1", "sent_time": "1700000000000",
            "quota": {"dailyQuota": "500", "remainingQuota": 0}}}));
        assert_eq!(
            out,
            SendOutcome::Sent {
                provider_id: Some("a1".into()),
                quota_left: Some(0)
            }
        );
    }

    #[test]
    fn error_codes_map_to_retry_final_and_quota() {
        assert!(matches!(
            reply(json!({"error": -100, "message": "Unknown error"})),
            SendOutcome::Retry { .. }
        ));
        for code in [-108, -109, -111, -124] {
            assert!(matches!(
                reply(json!({"error": code, "message": "x"})),
                SendOutcome::Failed { code: c, .. } if c == code.to_string()
            ));
        }
        assert!(matches!(
            reply(json!({"error": -115, "message": "Out of quota"})),
            SendOutcome::QuotaExhausted { .. }
        ));
    }
}

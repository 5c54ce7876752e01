//! Zalo Notification Service: `POST {base}/message/template` with the OA's access token.
use super::channel::{Channel, Outbound, SendFuture, SendOutcome};
use super::{ChannelKind, Rendered};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// Zalo's production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://business.openapi.zalo.me";

/// Zalo's "unknown error, try again later".
const UNKNOWN_ERROR: i64 = -100;
/// Zalo's "out of quota".
const OUT_OF_QUOTA: i64 = -115;

/// The ZNS transport.
#[derive(Debug, Clone)]
pub struct ZnsChannel {
    client: reqwest::Client,
    endpoint: String,
    access_token: String,
}

impl ZnsChannel {
    /// A client for `base_url` (tests point it at a fake server) with the OA's token.
    pub fn new(base_url: &str, access_token: &str, timeout: Duration) -> reqwest::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            endpoint: format!("{}/message/template", base_url.trim_end_matches('/')),
            access_token: access_token.to_owned(),
        })
    }

    async fn post(&self, message: &Outbound) -> SendOutcome {
        let Rendered::Template { template_id, data } = &message.message else {
            return SendOutcome::Failed {
                code: "WRONG_CHANNEL".into(),
                message: "an e-mail cannot go through ZNS".into(),
            };
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
            .header("access_token", &self.access_token)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return transport("TRANSPORT", e.to_string()),
        };
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return transport(&format!("HTTP_{}", status.as_u16()), status.to_string());
        }
        if !status.is_success() {
            return SendOutcome::Failed {
                code: format!("HTTP_{}", status.as_u16()),
                message: status.to_string(),
            };
        }
        match response.json::<Reply>().await {
            // An answer we cannot read may still mean "sent"; resending under the same
            // tracking id is the safe side.
            Err(e) => transport("BAD_REPLY", e.to_string()),
            Ok(reply) => classify(reply),
        }
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

    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(self.post(message))
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

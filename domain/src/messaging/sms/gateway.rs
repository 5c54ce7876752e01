//! The SMS transport: `POST {base}/MainService.svc/json/SendMultipleMessage_V4_post_json/`
//! at eSMS, one message a request, with the shop's own keys and brand name
//! ([`super::account`], connected with `connectSmsGateway`) or, for a shop without an
//! account, the operator's `LOYALTY_ESMS_*` (a single-shop install's default).
use super::account::{self, Configured, Credentials};
use super::esms::{self, Account, Answer, SendAnswer, SendRequest};
use crate::Ctx;
use crate::messaging::channel::{
    Channel, OpenFuture, Opened, Outbound, SendFuture, SendOutcome, Sender,
};
use crate::messaging::{ChannelKind, Rendered};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The SMS transport.
#[derive(Clone)]
pub struct SmsChannel {
    client: reqwest::Client,
    endpoint: String,
    default: Option<Credentials>,
    sandbox: bool,
}

impl std::fmt::Debug for SmsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsChannel")
            .field("endpoint", &self.endpoint)
            .field("default", &self.default)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

impl SmsChannel {
    /// A client for eSMS at `base_url` (tests point it at a fake), with the operator's
    /// `default` account for shops without their own; with `sandbox`, eSMS answers
    /// without sending or charging.
    pub fn new(
        base_url: &str,
        default: Option<Credentials>,
        sandbox: bool,
        timeout: Duration,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            endpoint: format!("{}{}", base_url.trim_end_matches('/'), esms::SEND_PATH),
            default,
            sandbox,
        })
    }

    async fn open_for(&self, ctx: &Ctx, shop_id: Uuid) -> crate::Result<Opened> {
        let credentials = match account::load(ctx, shop_id).await? {
            Configured::Own(c) => c,
            Configured::Broken(reason) => return Ok(Opened::Unavailable(reason)),
            Configured::None => match &self.default {
                Some(c) => c.clone(),
                None => {
                    return Ok(Opened::Unavailable(
                        "SMS: the shop has no SMS gateway: connect one with connectSmsGateway \
                         (or the operator sets LOYALTY_ESMS_API_KEY, LOYALTY_ESMS_SECRET_KEY \
                         and LOYALTY_ESMS_BRAND_NAME)"
                            .into(),
                    ));
                }
            },
        };
        Ok(Opened::Ready(Arc::new(ShopSms {
            client: self.client.clone(),
            endpoint: self.endpoint.clone(),
            credentials,
            sandbox: self.sandbox,
        })))
    }
}

/// One shop's way to send SMS.
struct ShopSms {
    client: reqwest::Client,
    endpoint: String,
    credentials: Credentials,
    sandbox: bool,
}

impl ShopSms {
    async fn deliver(&self, message: &Outbound) -> SendOutcome {
        let Rendered::Sms(filled) = &message.message else {
            return SendOutcome::Failed {
                code: "WRONG_CHANNEL".into(),
                message: "only an SMS goes by SMS".into(),
            };
        };
        let c = &self.credentials;
        let request = SendRequest::customer_care(
            &Account {
                api_key: c.api_key.expose(),
                secret_key: c.secret_key.expose(),
                brandname: &c.brand_name,
                sandbox: self.sandbox,
            },
            &message.to,
            &filled.text,
            filled.unicode(),
            // Our delivery id: a resend after a lost answer is refused as a duplicate
            // (124) rather than sent twice.
            &message.delivery_id.simple().to_string(),
        );
        let response = match self.client.post(&self.endpoint).json(&request).send().await {
            Ok(r) => r,
            // reqwest's error names the URL, never the body that carries the keys.
            Err(e) => return retry("TRANSPORT", e.without_url().to_string()),
        };
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return retry(&format!("HTTP_{}", status.as_u16()), status.to_string());
        }
        if !status.is_success() {
            return SendOutcome::Failed {
                code: format!("HTTP_{}", status.as_u16()),
                message: status.to_string(),
            };
        }
        match response.json::<SendAnswer>().await {
            // An answer we cannot read may still mean "sent": the retry carries the same
            // RequestId, which eSMS refuses to send twice.
            Err(e) => retry("BAD_REPLY", e.without_url().to_string()),
            Ok(answer) => outcome(&answer),
        }
    }
}

fn retry(code: &str, message: String) -> SendOutcome {
    SendOutcome::Retry {
        code: code.to_owned(),
        message,
    }
}

/// What eSMS's answer means for the message: accepted, a refused account (wrong keys,
/// unknown brand name) or an empty eSMS balance pause the shop's SMS campaigns with the
/// reason; a carrier refusal fails this message only; anything else is retried.
pub fn outcome(answer: &SendAnswer) -> SendOutcome {
    match Answer::classify(answer) {
        Answer::Accepted { sms_id } => SendOutcome::Sent {
            provider_id: sms_id,
            quota_left: None,
        },
        Answer::AccountRefused { code, reason } => SendOutcome::AccountStopped {
            reason: format!("SMS: {reason} ({code}); then resume the campaign"),
        },
        Answer::OutOfBalance => SendOutcome::AccountStopped {
            reason: "SMS: the eSMS account's balance is too low (103): top it up at eSMS, \
                     then resume the campaign"
                .into(),
        },
        Answer::Refused { code, message } => SendOutcome::Failed { code, message },
        Answer::Retry { code, message } => SendOutcome::Retry { code, message },
    }
}

impl Sender for ShopSms {
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}

impl Channel for SmsChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Sms
    }

    fn open<'a>(&'a self, ctx: &'a Ctx, shop_id: Uuid) -> OpenFuture<'a> {
        Box::pin(self.open_for(ctx, shop_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: &str) -> SendOutcome {
        outcome(&SendAnswer {
            code_result: code.into(),
            sms_id: Some("s1".into()),
            error_message: None,
        })
    }

    #[test]
    fn account_problems_pause_and_the_rest_is_per_message() {
        assert_eq!(
            answer("100"),
            SendOutcome::Sent {
                provider_id: Some("s1".into()),
                quota_left: None
            }
        );
        for code in ["101", "103", "104"] {
            assert!(
                matches!(answer(code), SendOutcome::AccountStopped { .. }),
                "{code}"
            );
        }
        assert!(matches!(answer("177"), SendOutcome::Failed { .. }));
        assert!(matches!(answer("99"), SendOutcome::Retry { .. }));
    }
}

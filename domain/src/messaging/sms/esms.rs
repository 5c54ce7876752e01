//! eSMS (esms.vn), the Vietnamese brandname SMS gateway we send through.
//!
//! Chosen because its HTTP API is public and documented in JSON (send, balance, sandbox),
//! it sends customer-care brandname SMS (`SmsType` 2) to every Vietnamese carrier, and it
//! has its own idempotency: a repeated `RequestId` is answered with code 124 instead of
//! sending twice, so our delivery id as `RequestId` makes a resend after a crash safe.
//! Facts in `shared/integrations/README.md`.
use serde::{Deserialize, Serialize};

/// eSMS's production endpoint (its documentation uses plain HTTP).
pub const DEFAULT_BASE_URL: &str = "http://rest.esms.vn";

/// The send path under the base URL.
pub const SEND_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";

/// Customer-care brandname SMS: the brand name must be registered with eSMS beforehand.
const SMS_TYPE_CUSTOMER_CARE: &str = "2";

/// The send request, field for field as eSMS spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendRequest {
    /// The account's API key.
    pub api_key: String,
    /// The account's secret key.
    pub secret_key: String,
    /// Vietnamese phone, national form (`0912345678`).
    pub phone: String,
    /// The text.
    pub content: String,
    /// The registered brand name the message shows as its sender.
    pub brandname: String,
    /// `"2"`: customer care.
    pub sms_type: String,
    /// 1 when the content has characters outside GSM-7 (sent as Unicode), else 0.
    pub is_unicode: u8,
    /// 1: answer as usual without sending or charging (for trials).
    pub sandbox: u8,
    /// Our delivery id: eSMS refuses a repeat (code 124).
    pub request_id: String,
    /// Our campaign, shown in eSMS's own reports.
    #[serde(rename = "campaignid", skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
}

impl SendRequest {
    /// A customer-care message.
    pub fn customer_care(
        account: &Account<'_>,
        phone: &str,
        content: &str,
        unicode: bool,
        request_id: &str,
    ) -> Self {
        Self {
            api_key: account.api_key.to_owned(),
            secret_key: account.secret_key.to_owned(),
            phone: phone.to_owned(),
            content: content.to_owned(),
            brandname: account.brandname.to_owned(),
            sms_type: SMS_TYPE_CUSTOMER_CARE.to_owned(),
            is_unicode: u8::from(unicode),
            sandbox: u8::from(account.sandbox),
            request_id: request_id.to_owned(),
            campaign_id: None,
        }
    }
}

/// The credentials and sender of one eSMS account.
#[derive(Clone, Copy)]
pub struct Account<'a> {
    /// API key.
    pub api_key: &'a str,
    /// Secret key.
    pub secret_key: &'a str,
    /// Registered brand name.
    pub brandname: &'a str,
    /// Sandbox mode: nothing is sent or charged at eSMS.
    pub sandbox: bool,
}

impl std::fmt::Debug for Account<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("brandname", &self.brandname)
            .field("sandbox", &self.sandbox)
            .finish_non_exhaustive()
    }
}

/// eSMS's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendAnswer {
    /// `"100"` when accepted; see [`Answer::classify`].
    pub code_result: String,
    /// eSMS's id of the message.
    #[serde(rename = "SMSID", default)]
    pub sms_id: Option<String>,
    /// A description, when eSMS gives one.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// What an answer means for the message and the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Accepted (100), or already accepted under this `RequestId` (124).
    Accepted {
        /// eSMS's id, when it gave one.
        sms_id: Option<String>,
    },
    /// The account cannot send until the merchant acts: wrong keys (101) or a brand name
    /// eSMS does not know (104).
    AccountRefused {
        /// eSMS's code.
        code: String,
        /// For the merchant.
        reason: String,
    },
    /// The eSMS balance is too low (103): nothing more goes out until it is topped up.
    OutOfBalance,
    /// This message cannot go (carrier not registered for the brand name, 177; a phone
    /// eSMS refuses): record and move on.
    Refused {
        /// eSMS's code.
        code: String,
        /// Its message.
        message: String,
    },
    /// Anything else: try again later (the `RequestId` keeps it from going twice).
    Retry {
        /// eSMS's code.
        code: String,
        /// Its message.
        message: String,
    },
}

impl Answer {
    /// Classifies eSMS's `CodeResult`.
    pub fn classify(answer: &SendAnswer) -> Answer {
        let code = answer.code_result.trim().to_owned();
        let message = answer.error_message.clone().unwrap_or_default();
        match code.as_str() {
            "100" | "124" => Answer::Accepted {
                sms_id: answer.sms_id.clone().filter(|s| !s.is_empty()),
            },
            "101" => Answer::AccountRefused {
                code,
                reason: "eSMS refused the API key or secret key: reconnect the SMS account".into(),
            },
            "104" => Answer::AccountRefused {
                code,
                reason: "eSMS does not know this brand name: register it with eSMS or fix it"
                    .into(),
            },
            "103" => Answer::OutOfBalance,
            "177" => Answer::Refused {
                code,
                message: if message.is_empty() {
                    "the recipient's carrier is not registered for this brand name".into()
                } else {
                    message
                },
            },
            // 99 is eSMS's "unknown error"; an unknown code is treated like it.
            _ => Answer::Retry { code, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(code: &str) -> Answer {
        Answer::classify(&SendAnswer {
            code_result: code.into(),
            sms_id: Some("abc".into()),
            error_message: None,
        })
    }

    #[test]
    fn the_request_is_spelled_as_esms_documents() {
        let account = Account {
            api_key: "K",
            secret_key: "S",
            brandname: "CUAHANGAN",
            sandbox: true,
        };
        let r = SendRequest::customer_care(&account, "0912345678", "Xin chao", false, "d1");
        assert_eq!(
            serde_json::to_value(&r).ok(),
            Some(
                json!({"ApiKey": "K", "SecretKey": "S", "Phone": "0912345678",
                "Content": "Xin chao", "Brandname": "CUAHANGAN", "SmsType": "2",
                "IsUnicode": 0, "Sandbox": 1, "RequestId": "d1"})
            )
        );
        let shown = format!(
            "{:?}",
            Account {
                api_key: "api-7731",
                secret_key: "sec-9924",
                ..account
            }
        );
        assert!(
            !shown.contains("api-7731") && !shown.contains("sec-9924"),
            "{shown}"
        );
    }

    #[test]
    fn codes_are_told_apart() {
        assert_eq!(
            answer("100"),
            Answer::Accepted {
                sms_id: Some("abc".into())
            }
        );
        assert_eq!(
            answer("124"),
            Answer::Accepted {
                sms_id: Some("abc".into())
            }
        );
        assert!(matches!(answer("101"), Answer::AccountRefused { .. }));
        assert!(matches!(answer("104"), Answer::AccountRefused { .. }));
        assert_eq!(answer("103"), Answer::OutOfBalance);
        assert!(matches!(answer("177"), Answer::Refused { .. }));
        assert!(matches!(answer("99"), Answer::Retry { .. }));
    }

    #[test]
    fn the_answer_parses() {
        let a: SendAnswer =
            serde_json::from_str(r#"{"CodeResult":"100","CountRegenerate":0,"SMSID":"3d6a"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.sms_id.as_deref(), Some("3d6a"));
    }
}

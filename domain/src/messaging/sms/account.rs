//! A shop's own SMS gateway account: connecting it, what the merchant may see of it
//! (whether it is connected and its brand name, never a key), and its credentials
//! opened for sending. Unlike a Zalo OA there is no token to refresh: eSMS takes the
//! keys with every message, and refuses wrong ones there (code 101), which pauses the
//! shop's SMS campaigns with the reason.
use crate::secrets::{Purpose, Secret, no_key};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::sms_gateway as row;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QuerySelect, TransactionTrait};
use uuid::Uuid;

/// Longest brand name: an alphanumeric sender id is at most 11 characters on every
/// carrier.
pub const MAX_BRAND_NAME: usize = 11;

/// What `connectSmsGateway` takes.
#[derive(Debug, Clone)]
pub struct GatewayInput {
    /// The eSMS account's API key.
    pub api_key: Secret,
    /// Its secret key.
    pub secret_key: Secret,
    /// The brand name registered with eSMS.
    pub brand_name: String,
}

/// What anyone may see of a shop's SMS gateway: never a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayView {
    /// Whether the shop has connected its own account.
    pub connected: bool,
    /// The brand name its messages show.
    pub brand_name: Option<String>,
    /// When it was connected.
    pub updated_at: Option<DateTime<Utc>>,
}

impl GatewayView {
    fn of(r: Option<row::Model>) -> Self {
        match r {
            None => Self {
                connected: false,
                brand_name: None,
                updated_at: None,
            },
            Some(r) => Self {
                connected: true,
                brand_name: Some(r.brand_name),
                updated_at: Some(r.updated_at),
            },
        }
    }
}

/// An eSMS account's credentials and sender, opened.
#[derive(Clone)]
pub struct Credentials {
    /// API key.
    pub api_key: Secret,
    /// Secret key.
    pub secret_key: Secret,
    /// Registered brand name.
    pub brand_name: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("brand_name", &self.brand_name)
            .finish_non_exhaustive()
    }
}

/// The shop's account as the channel needs it.
#[derive(Debug)]
pub enum Configured {
    /// None connected.
    None,
    /// Its credentials.
    Own(Credentials),
    /// Unusable, for this reason.
    Broken(String),
}

fn check_key(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 128 || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(DomainError::invalid(
            field,
            "1 to 128 printable characters without spaces",
        ));
    }
    Ok(())
}

/// Refuses a brand name no carrier would show: 1 to [`MAX_BRAND_NAME`] ASCII letters,
/// digits, spaces, `.`, `-` or `_`, not blank.
pub fn check_brand_name(value: &str) -> Result<()> {
    let ok = !value.trim().is_empty()
        && value.chars().count() <= MAX_BRAND_NAME
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "brandName",
            format!(
                "the brand name registered with eSMS: 1 to {MAX_BRAND_NAME} letters, digits, \
                 spaces, '.', '-' or '_'"
            ),
        ))
    }
}

impl GatewayInput {
    /// Refuses empty, oversized or malformed values.
    pub fn validate(&self) -> Result<()> {
        check_key("apiKey", self.api_key.expose())?;
        check_key("secretKey", self.secret_key.expose())?;
        check_brand_name(&self.brand_name)
    }
}

/// The shop's gateway as the merchant sees it.
pub async fn view(ctx: &Ctx, shop_id: Uuid) -> Result<GatewayView> {
    Ok(GatewayView::of(
        row::Entity::find_by_id(shop_id).one(&ctx.db).await?,
    ))
}

/// Connects (or replaces) the shop's eSMS account, both keys sealed, in one transaction.
/// Refused without `LOYALTY_SECRET_KEY`.
pub async fn connect(ctx: &Ctx, shop_id: Uuid, input: GatewayInput) -> Result<GatewayView> {
    input.validate()?;
    if !ctx.secrets.available() {
        return Err(no_key());
    }
    let s = &ctx.secrets;
    let model = row::ActiveModel {
        shop_id: Set(shop_id),
        api_key: Set(s.seal(shop_id, Purpose::SmsApiKey, &input.api_key)?),
        secret_key: Set(s.seal(shop_id, Purpose::SmsSecretKey, &input.secret_key)?),
        brand_name: Set(input.brand_name),
        updated_at: Set(ctx.clock.now()),
    };
    let txn = ctx.db.begin().await?;
    let existing = row::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let saved = if existing.is_some() {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(GatewayView::of(Some(saved)))
}

/// The shop's account with its keys opened.
pub async fn load(ctx: &Ctx, shop_id: Uuid) -> Result<Configured> {
    let Some(r) = row::Entity::find_by_id(shop_id).one(&ctx.db).await? else {
        return Ok(Configured::None);
    };
    let s = &ctx.secrets;
    let opened = s
        .open(shop_id, Purpose::SmsApiKey, &r.api_key)
        .and_then(|api_key| {
            Ok((
                api_key,
                s.open(shop_id, Purpose::SmsSecretKey, &r.secret_key)?,
            ))
        });
    Ok(match opened {
        Ok((api_key, secret_key)) => Configured::Own(Credentials {
            api_key,
            secret_key,
            brand_name: r.brand_name,
        }),
        Err(_) => Configured::Broken(
            "SMS: the shop's eSMS keys do not open with this server's LOYALTY_SECRET_KEY \
             (unset or changed); connect the gateway again with connectSmsGateway"
                .into(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(api: &str, secret: &str, brand: &str) -> GatewayInput {
        GatewayInput {
            api_key: Secret::new(api),
            secret_key: Secret::new(secret),
            brand_name: brand.into(),
        }
    }

    #[test]
    fn keys_and_brand_names_are_checked() {
        assert!(input("K1", "S1", "CUAHANGAN").validate().is_ok());
        assert!(input("K1", "S1", "Baotrixemay").validate().is_ok());
        assert!(input("", "S1", "CUAHANGAN").validate().is_err());
        assert!(input("K 1", "S1", "CUAHANGAN").validate().is_err());
        assert!(input("K1", "S1", "CUA HANG AN 2").validate().is_err());
        assert!(input("K1", "S1", "Cửa hàng").validate().is_err());
        assert!(input("K1", "S1", " ").validate().is_err());
    }

    #[test]
    fn credentials_never_show_their_keys() {
        let c = Credentials {
            api_key: Secret::new("api-5521"),
            secret_key: Secret::new("sec-6632"),
            brand_name: "CUAHANGAN".into(),
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("5521") && !shown.contains("6632"),
            "{shown}"
        );
    }
}

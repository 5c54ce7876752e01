//! A shop's own Zalo OA: connecting it, what the merchant may see of it, its current
//! token, and refreshing that token one refresher at a time across replicas.
//!
//! Zalo's refresh tokens are single use: two refreshes of one OA at once would spend the
//! same token twice, and the second would be refused (and the shop disconnected). So a
//! refresh first takes the row's lease with a guarded update (`token_version` unchanged
//! and no live lease: the same statement on SQLite and PostgreSQL, and no transaction
//! held open across the call to Zalo); the others wait for the version to move and use
//! the new token. The new pair is written, with the count and time of the refresh, in
//! one statement guarded by the lease. The lease outlives the call's timeout, so it
//! cannot run out while its holder may still get an answer.
use super::oauth::{RefreshError, ZaloOAuth};
use crate::secrets::{Purpose, Secret, no_key};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Duration, Utc};
use loyalty_entities::zalo_oa_account as oa;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Status of a connected OA whose tokens work.
pub const CONNECTED: &str = "CONNECTED";
/// Status of an OA whose refresh Zalo refused: the shop must connect it again.
pub const REFRESH_FAILED: &str = "REFRESH_FAILED";

/// How early an access token is refreshed before it expires.
pub fn refresh_ahead() -> Duration {
    Duration::hours(1)
}

/// What `connectZaloOa` takes.
#[derive(Debug, Clone)]
pub struct ConnectInput {
    /// The Zalo app's id.
    pub app_id: String,
    /// The app's secret key.
    pub secret_key: Secret,
    /// A refresh token of the OA, from the OA's authorization.
    pub refresh_token: Secret,
    /// The OA's id, for the merchant's reference.
    pub oa_id: Option<String>,
    /// The OA secret key of the app's webhook settings, which signs Zalo's delivery
    /// receipts (see [`super::receipts`]); kept from before when not given.
    pub webhook_secret_key: Option<Secret>,
}

/// What anyone may see of a shop's OA: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaView {
    /// Whether the shop has connected an OA.
    pub connected: bool,
    /// The OA's id, as given.
    pub oa_id: Option<String>,
    /// When the current access token expires.
    pub token_expires_at: Option<DateTime<Utc>>,
    /// CONNECTED, REFRESH_FAILED, or NOT_CONNECTED.
    pub status: String,
    /// Why the last refresh failed.
    pub status_reason: Option<String>,
    /// When the tokens were last refreshed.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Whether the webhook's OA secret key is stored, so delivery receipts are accepted.
    pub webhook_configured: bool,
}

impl OaView {
    fn of(row: Option<oa::Model>) -> Self {
        match row {
            None => Self {
                connected: false,
                oa_id: None,
                token_expires_at: None,
                status: "NOT_CONNECTED".into(),
                status_reason: None,
                refreshed_at: None,
                webhook_configured: false,
            },
            Some(r) => Self {
                connected: true,
                oa_id: r.oa_id,
                token_expires_at: Some(r.token_expires_at),
                status: r.status,
                status_reason: r.status_reason,
                refreshed_at: r.refreshed_at,
                webhook_configured: r.webhook_secret_key.is_some(),
            },
        }
    }
}

/// An access token and the version of the pair it belongs to.
#[derive(Debug, Clone)]
pub struct Token {
    /// The access token.
    pub access: Secret,
    /// `token_version` of the row it was read from (0 for the operator's token).
    pub version: i64,
}

/// The shop's OA as a sender needs it.
#[derive(Debug, Clone)]
pub enum Current {
    /// No OA connected.
    None,
    /// Usable: its token and when it expires.
    Usable(Token, DateTime<Utc>),
    /// Not usable, for this reason (a refused refresh, unreadable credentials).
    Stopped(String),
}

fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("1 to {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, "no control characters"));
    }
    Ok(())
}

impl ConnectInput {
    /// Refuses empty, oversized or malformed values.
    pub fn validate(&self) -> Result<()> {
        if self.app_id.is_empty()
            || self.app_id.len() > 64
            || !self.app_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(DomainError::invalid("appId", "1 to 64 letters or digits"));
        }
        check_text("secretKey", self.secret_key.expose(), 256)?;
        check_text("refreshToken", self.refresh_token.expose(), 4096)?;
        if let Some(oa_id) = &self.oa_id {
            check_text("oaId", oa_id, 64)?;
        }
        if let Some(key) = &self.webhook_secret_key {
            check_text("webhookSecretKey", key.expose(), 256)?;
        }
        Ok(())
    }
}

/// The shop's OA as the merchant sees it.
pub async fn view(ctx: &Ctx, shop_id: Uuid) -> Result<OaView> {
    Ok(OaView::of(
        oa::Entity::find_by_id(shop_id).one(&ctx.db).await?,
    ))
}

/// Connects (or reconnects) the shop's OA: trades the refresh token for a first pair
/// at once (so credentials Zalo refuses are refused here, `BAD_USER_INPUT` on
/// `refreshToken`) and stores everything sealed in one transaction. Refused without
/// `LOYALTY_SECRET_KEY` before Zalo is asked.
pub async fn connect(
    ctx: &Ctx,
    oauth: &ZaloOAuth,
    shop_id: Uuid,
    input: ConnectInput,
) -> Result<OaView> {
    input.validate()?;
    if !ctx.secrets.available() {
        return Err(no_key());
    }
    let pair = oauth
        .refresh(&input.app_id, &input.secret_key, &input.refresh_token)
        .await
        .map_err(|e| match e {
            RefreshError::Refused(m) => DomainError::invalid("refreshToken", m),
            RefreshError::Transport(m) => {
                DomainError::Internal(format!("connecting a Zalo OA: {m}"))
            }
        })?;
    let now = ctx.clock.now();
    let s = &ctx.secrets;
    let txn = ctx.db.begin().await?;
    let existing = oa::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let row = oa::ActiveModel {
        shop_id: Set(shop_id),
        app_id: Set(input.app_id.clone()),
        oa_id: Set(input.oa_id.map(|o| o.trim().to_owned())),
        secret_key: Set(s.seal(shop_id, Purpose::ZaloSecretKey, &input.secret_key)?),
        access_token: Set(s.seal(shop_id, Purpose::ZaloAccessToken, &pair.access_token)?),
        refresh_token: Set(s.seal(shop_id, Purpose::ZaloRefreshToken, &pair.refresh_token)?),
        webhook_secret_key: Set(match &input.webhook_secret_key {
            Some(key) => Some(s.seal(shop_id, Purpose::ZaloWebhookKey, key)?),
            None => existing.as_ref().and_then(|e| e.webhook_secret_key.clone()),
        }),
        token_expires_at: Set(now + Duration::seconds(pair.expires_in)),
        token_version: Set(existing.as_ref().map_or(1, |e| e.token_version + 1)),
        status: Set(CONNECTED.into()),
        status_reason: Set(None),
        refresh_lease: Set(None),
        refresh_lease_until: Set(None),
        refresh_count: Set(0),
        refreshed_at: Set(None),
        connected_at: Set(now),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        row.update(&txn).await?
    } else {
        row.insert(&txn).await?
    };
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    // This replica sees the new webhook key at once; others within its keeping time.
    ctx.zalo_webhooks.forget(&saved.app_id);
    Ok(OaView::of(Some(saved)))
}

/// The shop's OA with its access token opened.
pub async fn current(ctx: &Ctx, shop_id: Uuid) -> Result<Current> {
    let Some(row) = oa::Entity::find_by_id(shop_id).one(&ctx.db).await? else {
        return Ok(Current::None);
    };
    if row.status == REFRESH_FAILED {
        return Ok(Current::Stopped(stopped_reason(
            row.status_reason.as_deref(),
        )));
    }
    Ok(
        match ctx
            .secrets
            .open(shop_id, Purpose::ZaloAccessToken, &row.access_token)
        {
            Ok(access) => Current::Usable(
                Token {
                    access,
                    version: row.token_version,
                },
                row.token_expires_at,
            ),
            Err(_) => Current::Stopped(unreadable()),
        },
    )
}

fn unreadable() -> String {
    "Zalo OA: the stored credentials do not open with this server's LOYALTY_SECRET_KEY \
     (unset or changed); connect the OA again with connectZaloOa"
        .into()
}

fn stopped_reason(why: Option<&str>) -> String {
    format!(
        "Zalo OA: {}; connect the OA again with connectZaloOa, then resume the campaign",
        why.unwrap_or("the token refresh failed")
    )
}

/// Why a refresh gave no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The OA cannot send until reconnected; the reason is for the merchant.
    Stopped(String),
    /// Not now (Zalo unreachable, another refresh too slow): try again later.
    Later(String),
}

/// A new token for the shop whose pair `seen` (its `token_version`) stopped working or
/// is about to: refreshes it, or waits for the refresh another worker or replica is
/// running and takes its result.
pub async fn refresh(
    ctx: &Ctx,
    oauth: &ZaloOAuth,
    shop_id: Uuid,
    seen: i64,
) -> Result<Result<Token, Refresh>> {
    let lease_for = Duration::from_std(oauth.timeout() * 2)
        .unwrap_or_else(|_| Duration::seconds(30))
        + Duration::seconds(5);
    let give_up = ctx.clock.now() + lease_for * 2;
    let lease = crate::ids::new_id();
    let row = loop {
        let Some(row) = oa::Entity::find_by_id(shop_id).one(&ctx.db).await? else {
            return Ok(Err(Refresh::Stopped(
                "Zalo OA: the shop's OA was disconnected".into(),
            )));
        };
        if row.status == REFRESH_FAILED {
            return Ok(Err(Refresh::Stopped(stopped_reason(
                row.status_reason.as_deref(),
            ))));
        }
        if row.token_version != seen {
            // Someone refreshed (or the merchant reconnected) meanwhile.
            return Ok(open_token(ctx, &row));
        }
        let now = ctx.clock.now();
        let taken = oa::Entity::update_many()
            .col_expr(oa::Column::RefreshLease, Expr::value(Some(lease)))
            .col_expr(
                oa::Column::RefreshLeaseUntil,
                Expr::value(Some(now + lease_for)),
            )
            .filter(oa::Column::ShopId.eq(shop_id))
            .filter(oa::Column::TokenVersion.eq(seen))
            .filter(
                Condition::any()
                    .add(oa::Column::RefreshLeaseUntil.is_null())
                    .add(oa::Column::RefreshLeaseUntil.lt(now)),
            )
            .exec(&ctx.db)
            .await?;
        if taken.rows_affected == 1 {
            break row;
        }
        if now > give_up {
            return Ok(Err(Refresh::Later(
                "another token refresh of this OA is taking long".into(),
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let s = &ctx.secrets;
    let opened = s
        .open(shop_id, Purpose::ZaloSecretKey, &row.secret_key)
        .and_then(|k| {
            Ok((
                k,
                s.open(shop_id, Purpose::ZaloRefreshToken, &row.refresh_token)?,
            ))
        });
    let (secret_key, refresh_token) = match opened {
        Ok(pair) => pair,
        Err(_) => {
            release(ctx, shop_id, lease, Some(unreadable())).await?;
            return Ok(Err(Refresh::Stopped(unreadable())));
        }
    };
    match oauth
        .refresh(&row.app_id, &secret_key, &refresh_token)
        .await
    {
        Ok(pair) => {
            let now = ctx.clock.now();
            let version = seen + 1;
            // The pair, the count and time of the refresh: one statement, guarded by the
            // lease, so a reconnect meanwhile is not overwritten.
            let stored = oa::Entity::update_many()
                .col_expr(
                    oa::Column::AccessToken,
                    Expr::value(s.seal(shop_id, Purpose::ZaloAccessToken, &pair.access_token)?),
                )
                .col_expr(
                    oa::Column::RefreshToken,
                    Expr::value(s.seal(shop_id, Purpose::ZaloRefreshToken, &pair.refresh_token)?),
                )
                .col_expr(
                    oa::Column::TokenExpiresAt,
                    Expr::value(now + Duration::seconds(pair.expires_in)),
                )
                .col_expr(oa::Column::TokenVersion, Expr::value(version))
                .col_expr(
                    oa::Column::RefreshCount,
                    Expr::col(oa::Column::RefreshCount).add(1),
                )
                .col_expr(oa::Column::RefreshedAt, Expr::value(Some(now)))
                .col_expr(oa::Column::RefreshLease, Expr::value(Option::<Uuid>::None))
                .col_expr(
                    oa::Column::RefreshLeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(oa::Column::UpdatedAt, Expr::value(now))
                .filter(oa::Column::ShopId.eq(shop_id))
                .filter(oa::Column::RefreshLease.eq(lease))
                .exec(&ctx.db)
                .await?;
            if stored.rows_affected != 1 {
                tracing::warn!(%shop_id, "a Zalo OA was reconnected during its token refresh");
            } else {
                tracing::info!(%shop_id, version, "Zalo OA token refreshed");
            }
            Ok(Ok(Token {
                access: pair.access_token,
                version,
            }))
        }
        Err(RefreshError::Refused(why)) => {
            tracing::warn!(%shop_id, reason = %why, "Zalo refused an OA token refresh");
            release(ctx, shop_id, lease, Some(why.clone())).await?;
            Ok(Err(Refresh::Stopped(stopped_reason(Some(&why)))))
        }
        Err(RefreshError::Transport(why)) => {
            release(ctx, shop_id, lease, None).await?;
            Ok(Err(Refresh::Later(format!("Zalo OAuth: {why}"))))
        }
    }
}

/// Ends this refresher's lease; with a reason, the OA stops until reconnected.
async fn release(ctx: &Ctx, shop_id: Uuid, lease: Uuid, failed: Option<String>) -> Result<()> {
    let mut q = oa::Entity::update_many()
        .col_expr(oa::Column::RefreshLease, Expr::value(Option::<Uuid>::None))
        .col_expr(
            oa::Column::RefreshLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(oa::Column::UpdatedAt, Expr::value(ctx.clock.now()));
    if let Some(why) = failed {
        q = q
            .col_expr(oa::Column::Status, Expr::value(REFRESH_FAILED))
            .col_expr(oa::Column::StatusReason, Expr::value(Some(why)));
    }
    q.filter(oa::Column::ShopId.eq(shop_id))
        .filter(oa::Column::RefreshLease.eq(lease))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

fn open_token(ctx: &Ctx, row: &oa::Model) -> Result<Token, Refresh> {
    ctx.secrets
        .open(row.shop_id, Purpose::ZaloAccessToken, &row.access_token)
        .map(|access| Token {
            access,
            version: row.token_version,
        })
        .map_err(|_| Refresh::Stopped(unreadable()))
}

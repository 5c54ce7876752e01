//! A shop's own accounts on the messaging channels: its Zalo OA, its e-mail sender and
//! its SMS gateway.
//! Secrets go in and never come out: the objects show only whether and how a shop is
//! connected. Each field reads one row by the shop's key, so it costs as an ordinary
//! field.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::messaging::sms::account::{self as sms_account, GatewayInput, GatewayView};
use loyalty_domain::messaging::smtp::sender::{self, SenderInput, SenderView};
use loyalty_domain::messaging::zns::account::{self, ConnectInput, OaView};
use loyalty_domain::secrets::Secret;

/// Where a shop's Zalo OA stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ZaloOaStatus {
    /// None connected: the shop's ZNS goes through the operator's token, if any.
    NotConnected,
    /// Connected; tokens refresh by themselves.
    Connected,
    /// Zalo refused a token refresh: the shop's ZNS campaigns are paused until the OA
    /// is connected again (`statusReason` says why).
    RefreshFailed,
}

/// A shop's Zalo Official Account, without its secrets.
#[derive(SimpleObject)]
pub struct ZaloOa {
    /// Whether the shop has connected an OA.
    connected: bool,
    /// The OA's id, as given.
    oa_id: Option<String>,
    /// When the current access token expires (it is refreshed an hour before).
    token_expires_at: Option<DateTime<Utc>>,
    /// Where it stands.
    status: ZaloOaStatus,
    /// Why the last refresh failed.
    status_reason: Option<String>,
    /// When the tokens were last refreshed.
    refreshed_at: Option<DateTime<Utc>>,
    /// Whether the webhook's OA secret key is stored, so Zalo's delivery receipts at
    /// `POST /webhooks/zalo` are accepted.
    webhook_configured: bool,
}

impl From<OaView> for ZaloOa {
    fn from(v: OaView) -> Self {
        let status = match v.status.as_str() {
            account::CONNECTED => ZaloOaStatus::Connected,
            account::REFRESH_FAILED => ZaloOaStatus::RefreshFailed,
            _ => ZaloOaStatus::NotConnected,
        };
        Self {
            connected: v.connected,
            oa_id: v.oa_id,
            token_expires_at: v.token_expires_at,
            status,
            status_reason: v.status_reason,
            refreshed_at: v.refreshed_at,
            webhook_configured: v.webhook_configured,
        }
    }
}

/// A Zalo OA to connect: the app's id and secret key and a refresh token of the OA
/// (from Zalo's OA authorization). Stored sealed; never shown again.
#[derive(InputObject)]
pub struct ZaloOaInput {
    /// The Zalo app's id (1 to 64 letters or digits).
    app_id: String,
    /// The app's secret key (at most 256 characters).
    secret_key: String,
    /// The OA's refresh token (at most 4096 characters); spent at once for the first
    /// access token.
    refresh_token: String,
    /// The OA's id, for reference (at most 64 characters).
    oa_id: Option<String>,
    /// The OA secret key of the app's webhook settings (at most 256 characters), which
    /// signs Zalo's delivery receipts sent to `POST /webhooks/zalo`; kept from before
    /// when omitted.
    webhook_secret_key: Option<String>,
}

/// A shop's e-mail sender, without its server's URL.
#[derive(SimpleObject)]
pub struct EmailSender {
    /// The name recipients see.
    from_name: String,
    /// The From address.
    from_address: String,
    /// Where replies go.
    reply_to: Option<String>,
    /// Whether the shop's mail goes through its own SMTP server (else the server's
    /// `LOYALTY_SMTP_URL`).
    own_smtp_server: bool,
    /// When it was configured.
    updated_at: DateTime<Utc>,
}

impl From<SenderView> for EmailSender {
    fn from(v: SenderView) -> Self {
        Self {
            from_name: v.from_name,
            from_address: v.from_address,
            reply_to: v.reply_to,
            own_smtp_server: v.own_smtp_server,
            updated_at: v.updated_at,
        }
    }
}

/// The shop's e-mail sender.
#[derive(InputObject)]
pub struct EmailSenderInput {
    /// The name recipients see (1 to 100 characters).
    from_name: String,
    /// The From address (at most 254 characters).
    from_address: String,
    /// Where replies go.
    reply_to: Option<String>,
    /// The shop's own SMTP server (`smtp://user:pass@host:587?tls=required`, at most
    /// 2048 characters); stored sealed, never shown. Without it the server's
    /// `LOYALTY_SMTP_URL` relays the shop's mail.
    smtp_url: Option<String>,
}

/// A shop's SMS gateway (eSMS), without its keys.
#[derive(SimpleObject)]
pub struct SmsGateway {
    /// Whether the shop connected its own eSMS account (else the server's
    /// `LOYALTY_ESMS_*` account sends its SMS, if the operator set one).
    connected: bool,
    /// The brand name its messages show.
    brand_name: Option<String>,
    /// When it was connected.
    updated_at: Option<DateTime<Utc>>,
}

impl From<GatewayView> for SmsGateway {
    fn from(v: GatewayView) -> Self {
        Self {
            connected: v.connected,
            brand_name: v.brand_name,
            updated_at: v.updated_at,
        }
    }
}

/// The shop's eSMS account: its API key and secret key (from eSMS's account settings)
/// and a brand name registered with eSMS. The keys are stored sealed and never shown.
#[derive(InputObject)]
pub struct SmsGatewayInput {
    /// eSMS API key (1 to 128 printable characters).
    api_key: String,
    /// eSMS secret key (1 to 128 printable characters).
    secret_key: String,
    /// The brand name registered with eSMS (1 to 11 letters, digits, spaces, '.', '-'
    /// or '_').
    brand_name: String,
}

/// Reading a shop's channel accounts.
#[derive(Default)]
pub struct ChannelAccountQuery;

#[Object]
impl ChannelAccountQuery {
    /// The shop's Zalo OA (`connected: false` when none).
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn zalo_oa(&self, ctx: &Context<'_>) -> async_graphql::Result<ZaloOa> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(account::view(domain(ctx), shop_id).await.gql()?.into())
    }

    /// The shop's SMS gateway (`connected: false` when none).
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn sms_gateway(&self, ctx: &Context<'_>) -> async_graphql::Result<SmsGateway> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(sms_account::view(domain(ctx), shop_id).await.gql()?.into())
    }

    /// The shop's e-mail sender, if it configured one.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn email_sender(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EmailSender>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(sender::view(domain(ctx), shop_id)
            .await
            .gql()?
            .map(Into::into))
    }
}

/// Connecting a shop's channel accounts (ADMIN).
#[derive(Default)]
pub struct ChannelAccountMutation;

#[Object]
impl ChannelAccountMutation {
    /// Connects (or replaces) the shop's Zalo OA: Zalo is asked for a first token pair
    /// at once (refused: `BAD_USER_INPUT` on `refreshToken`), then everything is stored
    /// sealed. A server without `LOYALTY_SECRET_KEY` refuses (`CONFLICT`, `reason:
    /// SERVER_NOT_CONFIGURED`).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn connect_zalo_oa(
        &self,
        ctx: &Context<'_>,
        input: ZaloOaInput,
    ) -> async_graphql::Result<ZaloOa> {
        let shop_id = principal(ctx)?.shop_id;
        let d = domain(ctx);
        let input = ConnectInput {
            app_id: input.app_id,
            secret_key: Secret::new(input.secret_key),
            refresh_token: Secret::new(input.refresh_token),
            oa_id: input.oa_id,
            webhook_secret_key: input.webhook_secret_key.map(Secret::new),
        };
        Ok(account::connect(d, &d.zalo_oauth, shop_id, input)
            .await
            .gql()?
            .into())
    }

    /// Sets the shop's e-mail sender. With `smtpUrl` on a server without
    /// `LOYALTY_SECRET_KEY`: `CONFLICT`, `reason: SERVER_NOT_CONFIGURED`.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn configure_email_sender(
        &self,
        ctx: &Context<'_>,
        input: EmailSenderInput,
    ) -> async_graphql::Result<EmailSender> {
        let shop_id = principal(ctx)?.shop_id;
        let input = SenderInput {
            from_name: input.from_name,
            from_address: input.from_address,
            reply_to: input.reply_to,
            smtp_url: input.smtp_url.map(Secret::new),
        };
        Ok(sender::configure(domain(ctx), shop_id, input)
            .await
            .gql()?
            .into())
    }

    /// Connects (or replaces) the shop's eSMS account: its SMS campaigns then go out
    /// under its brand name, charged to its eSMS account. Keys eSMS refuses (or a brand
    /// name it does not know) pause those campaigns with the reason when they send. On
    /// a server without `LOYALTY_SECRET_KEY`: `CONFLICT`, `reason: SERVER_NOT_CONFIGURED`.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn connect_sms_gateway(
        &self,
        ctx: &Context<'_>,
        input: SmsGatewayInput,
    ) -> async_graphql::Result<SmsGateway> {
        let shop_id = principal(ctx)?.shop_id;
        let input = GatewayInput {
            api_key: Secret::new(input.api_key),
            secret_key: Secret::new(input.secret_key),
            brand_name: input.brand_name,
        };
        Ok(sms_account::connect(domain(ctx), shop_id, input)
            .await
            .gql()?
            .into())
    }
}

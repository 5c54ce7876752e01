//! Broadcast campaigns, their deliveries and report, and the messaging balance.
use crate::auth::{Caller, RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::enums::SavedFilter;
use crate::graphql::members::filter::MemberFilter;
use crate::graphql::scalars::{Dec, Int32};
use async_graphql::{Context, Enum, Guard, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::campaigns::{self, CampaignSpec, CampaignStatus as Status};
use loyalty_domain::ids::parse_id;
use loyalty_domain::messaging::sms::content::SmsMessage as SmsContent;
use loyalty_domain::messaging::smtp::content::EmailMessage as EmailContent;
use loyalty_domain::messaging::zns::content::{Param, ZnsMessage as ZnsContent};
use loyalty_domain::messaging::{self, ChannelKind, Content, Prices};
use loyalty_domain::money::vnd_from_decimal;
use loyalty_domain::paging::page_size;
use loyalty_domain::{DomainError, shops};
use loyalty_entities::campaign_delivery;
use rust_decimal::Decimal;
use uuid::Uuid;

/// A messaging channel.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "loyalty_domain::messaging::ChannelKind")]
pub enum MessageChannel {
    /// Zalo Notification Service.
    Zns,
    /// E-mail.
    Email,
    /// Brandname SMS (eSMS), billed per segment.
    Sms,
}

/// Where a campaign stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CampaignStatus {
    /// Being written; editable.
    Draft,
    /// Waits for its time.
    Scheduled,
    /// Messages going out.
    Sending,
    /// Paused by the merchant.
    Paused,
    /// The messaging balance cannot pay the next message; resumes after a top-up.
    OutOfBalance,
    /// The provider's daily quota is used up; resumes the next day.
    QuotaExhausted,
    /// Every recipient has an outcome.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl From<Status> for CampaignStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Draft => Self::Draft,
            Status::Scheduled => Self::Scheduled,
            Status::Sending => Self::Sending,
            Status::Paused => Self::Paused,
            Status::OutOfBalance => Self::OutOfBalance,
            Status::QuotaExhausted => Self::QuotaExhausted,
            Status::Completed => Self::Completed,
            Status::Cancelled => Self::Cancelled,
        }
    }
}

impl From<CampaignStatus> for Status {
    fn from(s: CampaignStatus) -> Self {
        match s {
            CampaignStatus::Draft => Self::Draft,
            CampaignStatus::Scheduled => Self::Scheduled,
            CampaignStatus::Sending => Self::Sending,
            CampaignStatus::Paused => Self::Paused,
            CampaignStatus::OutOfBalance => Self::OutOfBalance,
            CampaignStatus::QuotaExhausted => Self::QuotaExhausted,
            CampaignStatus::Completed => Self::Completed,
            CampaignStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// What became of one recipient.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "campaigns::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Waiting (first attempt or a retry).
    Queued,
    /// Being sent by a worker.
    Sending,
    /// Accepted by the provider.
    Sent,
    /// Sent, and Zalo's receipt says it reached the phone.
    Delivered,
    /// Failed for good.
    Failed,
    /// No address on the channel.
    Skipped,
    /// The campaign was cancelled first.
    Cancelled,
}

/// One ZNS template parameter: its key and a template of its value (`{{ name }}`).
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "ZnsParamInput")]
pub struct ZnsParam {
    /// Parameter name in the ZNS template.
    key: String,
    /// Value template over member fields: name, phone, email, tier, points,
    /// voucher_code, voucher_expires, shop.
    value: String,
}

/// A ZNS message: a template registered at Zalo and its parameters.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "ZnsMessageInput")]
pub struct ZnsMessage {
    /// The template's id at Zalo.
    template_id: String,
    /// Its parameters.
    params: Vec<ZnsParam>,
}

/// An e-mail: subject, plain-text body and (optionally) HTML body templates over member
/// fields. It goes out as multipart/alternative: the text, and the HTML (without `html`,
/// the text escaped).
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "EmailMessageInput")]
pub struct EmailMessage {
    /// Subject template.
    subject: String,
    /// Body template: the text part.
    body: String,
    /// HTML body template (at most 20,000 characters): the HTML part, member fields
    /// HTML-escaped.
    html: Option<String>,
}

/// A brandname SMS: a text template over member fields. With diacritics, Vietnamese
/// travels as UCS-2 (70 characters a segment, 67 once split); with `foldDiacritics`
/// the text is sent without them (`Chào Đức` as `Chao Duc`, folded as member search
/// folds names) in GSM-7 (160, then 153). Each segment is billed.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "SmsMessageInput")]
pub struct SmsMessage {
    /// Text template (at most 1,000 characters).
    text: String,
    /// Send without diacritics (default false).
    #[graphql(default)]
    fold_diacritics: bool,
}

/// A campaign as written. Give exactly one of `zns`, `email` and `sms`.
#[derive(InputObject)]
pub struct CampaignInput {
    /// Its name.
    name: String,
    /// Who gets it (`audience.segmentId` for a segment); everyone when omitted.
    audience: Option<MemberFilter>,
    /// A built-in saved filter, combined with `audience`.
    saved: Option<SavedFilter>,
    /// A ZNS message.
    zns: Option<ZnsMessage>,
    /// An e-mail.
    email: Option<EmailMessage>,
    /// An SMS.
    sms: Option<SmsMessage>,
    /// An offer: each recipient gets one of its vouchers (`{{ voucher_code }}`).
    offer_id: Option<ID>,
    /// Days after a message in which the recipient's orders count for the campaign
    /// (default 7).
    attribution_days: Option<i64>,
    /// In a program for members only (`Program.enrollment`), the campaign reaches the
    /// registered members of its audience only unless this is true (default false).
    include_non_members: Option<bool>,
}

impl CampaignInput {
    pub(crate) fn into_spec(self) -> Result<CampaignSpec, DomainError> {
        let mut given: Vec<Content> = Vec::with_capacity(1);
        if let Some(z) = self.zns {
            given.push(Content::Zns(ZnsContent {
                template_id: z.template_id,
                params: z
                    .params
                    .into_iter()
                    .map(|p| Param {
                        key: p.key,
                        value: p.value,
                    })
                    .collect(),
            }));
        }
        if let Some(e) = self.email {
            given.push(Content::Email(EmailContent {
                subject: e.subject,
                body: e.body,
                html: e.html,
            }));
        }
        if let Some(m) = self.sms {
            given.push(Content::Sms(SmsContent {
                text: m.text,
                fold_diacritics: m.fold_diacritics,
            }));
        }
        let mut given = given.into_iter();
        let (Some(content), None) = (given.next(), given.next()) else {
            return Err(DomainError::invalid(
                "zns",
                "give exactly one message: zns, email or sms",
            ));
        };
        Ok(CampaignSpec {
            name: self.name,
            audience: self.audience.unwrap_or_default().into_domain(self.saved)?,
            content,
            offer_id: self
                .offer_id
                .map(|id| parse_id("offerId", &id))
                .transpose()?,
            attribution_days: self.attribution_days,
            include_non_members: self.include_non_members.unwrap_or(false),
        })
    }
}

/// Failed deliveries with one code.
#[derive(SimpleObject)]
pub struct FailureCount {
    /// The provider's code (e.g. ZNS `-108`) or ours (`TRANSPORT`, `TEMPLATE`).
    code: String,
    /// One of the messages given with it.
    message: String,
    /// How many.
    count: Int32,
}

/// Skipped recipients with one reason.
#[derive(SimpleObject)]
pub struct SkipCount {
    /// `NO_PHONE` (ZNS; SMS: no Vietnamese phone), `NO_EMAIL` (EMAIL), `OPTED_OUT` (the
    /// member opted out of the channel), or in an estimate before sending `NOT_MEMBER`
    /// (not a registered member in a MEMBERS_ONLY program, without `includeNonMembers`).
    reason: String,
    /// How many.
    count: Int32,
}

fn skip_counts(list: Vec<campaigns::report::SkipCount>) -> Vec<SkipCount> {
    list.into_iter()
        .map(|s| SkipCount {
            reason: s.reason,
            count: s.count.into(),
        })
        .collect()
}

/// What a campaign will send and cost. Before sending it counts the audience as it is
/// now; once the recipients are frozen, the frozen recipients and what became of them.
#[derive(SimpleObject)]
pub struct CampaignEstimate {
    /// Counted from the frozen recipients (true) or from the audience now (false).
    frozen: bool,
    /// Recipients a message goes to: an address on the channel, not opted out.
    recipients: Int32,
    /// Members of the audience no message goes to.
    skipped: Int32,
    /// The skipped by reason (reasons with none left out).
    skipped_by_reason: Vec<SkipCount>,
    /// Billable segments of one message: 1 for ZNS and e-mail.
    segments_per_message: Int32,
    /// Segments of every recipient's message.
    segments: Int32,
    /// VND per segment on the channel (`messagingBalance.prices`).
    price_per_segment: Dec,
    /// What the campaign costs, VND: segments × price before sending; once frozen, what
    /// was charged plus what is held or still to pay (failed and cancelled messages cost
    /// nothing), so after completion it equals `report.cost`.
    cost: Dec,
    /// Of it, what the balance has yet to pay, VND.
    to_pay: Dec,
    /// The shop's messaging balance now, VND.
    balance: Dec,
    /// Whether the balance covers `toPay`; if not, the campaign stops `OUT_OF_BALANCE`
    /// when it runs short.
    balance_covers: bool,
}

/// What a campaign reached, cost and brought.
#[derive(SimpleObject)]
pub struct CampaignReport {
    /// Recipients frozen when sending started, skipped ones included.
    recipients: Int32,
    /// Without a phone (ZNS), a Vietnamese phone (SMS) or e-mail (EMAIL), or opted out of
    /// the channel.
    skipped: Int32,
    /// The skipped by reason.
    skipped_by_reason: Vec<SkipCount>,
    /// Waiting or in flight.
    pending: Int32,
    /// Accepted by the provider (the delivered included).
    sent: Int32,
    /// Of them, confirmed on the recipient's phone by the provider's delivery receipt
    /// (ZNS: Zalo's `user_received_message` at `POST /webhooks/zalo`).
    delivered: Int32,
    /// Failed for good.
    failed: Int32,
    /// Cancelled before sending.
    cancelled: Int32,
    /// Failures by code.
    failures: Vec<FailureCount>,
    /// What the sent messages cost, VND.
    cost: Dec,
    /// Held from the balance for messages not yet sent (in flight, retrying, or waiting
    /// for the provider's quota), VND.
    held: Dec,
    /// The shop's messaging balance now, VND.
    balance_left: Dec,
    /// Orders recipients placed within the attribution window after their message.
    attributed_orders: Int32,
    /// Money those orders paid, VND.
    attributed_revenue: Dec,
    /// Vouchers issued with the messages.
    vouchers_issued: Int32,
    /// Of them, used.
    vouchers_used: Int32,
    /// Discount those vouchers gave on the orders that used them, VND.
    voucher_discount: Dec,
    /// `attributedRevenue - cost - voucherDiscount`, VND; negative when the campaign
    /// cost more than it brought.
    profit: Dec,
    /// `attributedRevenue / cost`, rounded half-up to 2 decimals; null while nothing
    /// was spent.
    return_on_spend: Option<Dec>,
}

/// One recipient of a campaign.
pub struct Delivery(campaign_delivery::Model);

#[Object]
impl Delivery {
    /// Also the provider's tracking id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn member_id(&self) -> ID {
        ID(self.0.member_id.to_string())
    }
    /// Phone (84…) or e-mail the message went to.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }
    /// NO_PHONE, NO_EMAIL or OPTED_OUT.
    async fn skip_reason(&self) -> Option<&str> {
        self.0.skip_reason.as_deref()
    }
    async fn attempts(&self) -> Int32 {
        self.0.attempts.into()
    }
    /// The last error's code.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }
    /// What it cost, VND.
    async fn cost(&self) -> Dec {
        Dec::from(self.0.cost)
    }
    async fn voucher_code(&self) -> Option<&str> {
        self.0.voucher_code.as_deref()
    }
    async fn provider_message_id(&self) -> Option<&str> {
        self.0.provider_id.as_deref()
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// When the provider's receipt said it reached the phone.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// When the next attempt is due, for queued deliveries.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == campaigns::DeliveryStatus::Queued).then_some(self.0.next_attempt_at)
    }
}

/// An edge of [`DeliveryConnection`].
#[derive(SimpleObject)]
pub struct DeliveryEdge {
    cursor: String,
    node: Delivery,
}

/// A page of deliveries.
#[derive(SimpleObject)]
pub struct DeliveryConnection {
    edges: Vec<DeliveryEdge>,
    page_info: PageInfo,
}

/// A broadcast campaign.
pub struct Campaign {
    shop_id: Uuid,
    campaign: campaigns::Campaign,
}

#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        ID(self.campaign.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.campaign.name
    }
    async fn channel(&self) -> MessageChannel {
        self.campaign.channel.into()
    }
    async fn status(&self) -> CampaignStatus {
        self.campaign.status.into()
    }
    /// Why it stopped (balance, quota, configuration), when it did.
    async fn status_reason(&self) -> Option<&str> {
        self.campaign.status_reason.as_deref()
    }
    /// The audience filter as JSON.
    async fn audience(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::to_value(&self.campaign.audience).unwrap_or_default())
    }
    /// The ZNS message, for a ZNS campaign.
    async fn zns(&self) -> Option<ZnsMessage> {
        let Content::Zns(m) = &self.campaign.content else {
            return None;
        };
        Some(ZnsMessage {
            template_id: m.template_id.clone(),
            params: m
                .params
                .iter()
                .map(|p| ZnsParam {
                    key: p.key.clone(),
                    value: p.value.clone(),
                })
                .collect(),
        })
    }
    /// The e-mail, for an EMAIL campaign.
    async fn email(&self) -> Option<EmailMessage> {
        let Content::Email(m) = &self.campaign.content else {
            return None;
        };
        Some(EmailMessage {
            subject: m.subject.clone(),
            body: m.body.clone(),
            html: m.html.clone(),
        })
    }
    /// The SMS, for an SMS campaign.
    async fn sms(&self) -> Option<SmsMessage> {
        let Content::Sms(m) = &self.campaign.content else {
            return None;
        };
        Some(SmsMessage {
            text: m.text.clone(),
            fold_diacritics: m.fold_diacritics,
        })
    }
    async fn offer_id(&self) -> Option<ID> {
        self.campaign.offer_id.map(|i| ID(i.to_string()))
    }
    async fn attribution_days(&self) -> Int32 {
        self.campaign.attribution_days.into()
    }
    /// Also reaches customers who are not registered members in a program for members
    /// only.
    async fn include_non_members(&self) -> bool {
        self.campaign.include_non_members
    }
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.campaign.scheduled_at
    }
    /// When sending started and the recipients were frozen.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.campaign.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.campaign.finished_at
    }
    /// When a quota stop ends.
    async fn resume_at(&self) -> Option<DateTime<Utc>> {
        self.campaign.resume_at
    }
    /// Recipients frozen when sending started (skipped ones included).
    async fn recipients(&self) -> Int32 {
        self.campaign.recipients.into()
    }
    /// Of them, without an address on the channel or opted out of it.
    async fn skipped(&self) -> Int32 {
        self.campaign.skipped.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.campaign.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.campaign.updated_at
    }
    /// Members the campaign reaches right now (before sending: who would get it): its
    /// audience, within the registered members unless `includeNonMembers` or the program
    /// is for ALL_CUSTOMERS.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn audience_size(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        let _turn = cost::turn(ctx).await;
        let d = domain(ctx);
        let shop = shops::load(&d.db, self.shop_id).await.gql()?;
        let n = campaigns::service::audience_size(&d.db, &shop, d.clock.now(), &self.campaign)
            .await
            .gql()?;
        Ok(n.into())
    }
    /// Recipients, skipped by reason, segments, cost and whether the messaging balance
    /// covers it: from the audience now before sending, from the frozen recipients after.
    /// Counts (one or two over the members, or one over the deliveries), never a page
    /// per member.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn estimate(&self, ctx: &Context<'_>) -> async_graphql::Result<CampaignEstimate> {
        let _turn = cost::turn(ctx).await;
        let d = domain(ctx);
        let shop = shops::load(&d.db, self.shop_id).await.gql()?;
        let prices = ctx.data_opt::<Prices>().copied().unwrap_or_default();
        let e = campaigns::estimate::estimate(&d.db, &shop, d.clock.now(), &self.campaign, prices)
            .await
            .gql()?;
        Ok(CampaignEstimate {
            frozen: e.frozen,
            recipients: e.recipients.into(),
            skipped: e.skipped.into(),
            skipped_by_reason: skip_counts(e.skipped_by_reason),
            segments_per_message: e.segments_per_message.into(),
            segments: e.segments.into(),
            price_per_segment: e.price_per_segment.into(),
            cost: e.cost.into(),
            to_pay: e.to_pay.into(),
            balance: e.balance.into(),
            balance_covers: e.balance_covers,
        })
    }
    /// Recipients, sent, failed by reason, cost and attributed orders.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<CampaignReport> {
        report_of(ctx, self.shop_id, &self.campaign).await
    }
    /// Its recipients and what became of each, in the order they were frozen.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<DeliveryStatus>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<DeliveryConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = campaigns::deliveries::list(
            &domain(ctx).db,
            self.shop_id,
            self.campaign.id,
            status.map(Into::into),
            after,
            limit,
        )
        .await
        .gql()?;
        let (edges, page_info) = edges(page, |cursor, d| DeliveryEdge {
            cursor,
            node: Delivery(d),
        });
        Ok(DeliveryConnection { edges, page_info })
    }
}

/// The report of the shop's `campaign` (a broadcast's, or a journey's campaign's).
pub(crate) async fn report_of(
    ctx: &Context<'_>,
    shop_id: Uuid,
    campaign: &campaigns::Campaign,
) -> async_graphql::Result<CampaignReport> {
    let _turn = cost::turn(ctx).await;
    let r = campaigns::report::report(&domain(ctx).db, shop_id, campaign)
        .await
        .gql()?;
    let p = campaigns::profit::profit(&domain(ctx).db, shop_id, campaign.id, &r)
        .await
        .gql()?;
    Ok(CampaignReport {
        recipients: r.recipients.into(),
        skipped: r.skipped.into(),
        skipped_by_reason: skip_counts(r.skipped_by_reason),
        pending: r.pending.into(),
        sent: r.sent.into(),
        delivered: r.delivered.into(),
        failed: r.failed.into(),
        cancelled: r.cancelled.into(),
        failures: r
            .failures
            .into_iter()
            .map(|f| FailureCount {
                code: f.code,
                message: f.message,
                count: f.count.into(),
            })
            .collect(),
        cost: r.cost.into(),
        held: r.held.into(),
        balance_left: r.balance_left.into(),
        attributed_orders: r.attributed_orders.into(),
        attributed_revenue: r.attributed_revenue.into(),
        vouchers_issued: r.vouchers_issued.into(),
        vouchers_used: r.vouchers_used.into(),
        voucher_discount: p.voucher_discount.into(),
        profit: p.profit.into(),
        return_on_spend: p.return_on_spend.map(Into::into),
    })
}

/// An edge of [`CampaignConnection`].
#[derive(SimpleObject)]
pub struct CampaignEdge {
    cursor: String,
    node: Campaign,
}

/// A page of campaigns, newest first.
#[derive(SimpleObject)]
pub struct CampaignConnection {
    edges: Vec<CampaignEdge>,
    page_info: PageInfo,
}

/// The price of one message on a channel.
#[derive(SimpleObject)]
pub struct ChannelPrice {
    channel: MessageChannel,
    /// VND per sent message (per segment for SMS).
    price: Dec,
}

/// The shop's messaging balance.
#[derive(SimpleObject)]
pub struct MessagingBalance {
    /// VND left to spend on messages.
    balance: Dec,
    /// What a message costs per channel.
    prices: Vec<ChannelPrice>,
}

/// A top-up of the messaging balance, made by the operator.
#[derive(SimpleObject)]
pub struct MessagingTopUp {
    id: ID,
    /// VND added.
    amount: Dec,
    /// The balance right after it, VND.
    balance_after: Dec,
    /// The operator's note (an invoice number).
    note: Option<String>,
    created_at: DateTime<Utc>,
}

/// An edge of [`MessagingTopUpConnection`].
#[derive(SimpleObject)]
pub struct MessagingTopUpEdge {
    cursor: String,
    node: MessagingTopUp,
}

/// A page of top-ups, newest first.
#[derive(SimpleObject)]
pub struct MessagingTopUpConnection {
    edges: Vec<MessagingTopUpEdge>,
    page_info: PageInfo,
}

/// Requires the operator token: money added to a shop's messaging balance is what the
/// shop paid the operator, so the shop's own keys (ADMIN included) cannot add it.
struct TopUpGuard;

impl Guard for TopUpGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        crate::auth::refuse_without_operator(ctx)?;
        match ctx.data_opt::<Caller>() {
            Some(Caller::Operator) => Ok(()),
            Some(Caller::Shop(_)) => Err(Code::Forbidden.error(
                "only the operator token may top up a messaging balance; \
                 a shop key reads it (messagingBalance, messagingTopUps)",
            )),
            _ => Err(Code::Unauthenticated.error("the operator token is required")),
        }
    }
}

fn prices(ctx: &Context<'_>) -> Vec<ChannelPrice> {
    let p = ctx.data_opt::<Prices>().copied().unwrap_or_default();
    ChannelKind::ALL
        .iter()
        .map(|k| ChannelPrice {
            channel: (*k).into(),
            price: p.of(*k).into(),
        })
        .collect()
}

/// One steering move (send now, pause, resume, cancel) on the caller's campaign `id`.
async fn steer<'a, F, Fut>(ctx: &'a Context<'_>, id: &ID, op: F) -> async_graphql::Result<Campaign>
where
    F: FnOnce(&'a loyalty_domain::Ctx, Uuid, Uuid) -> Fut,
    Fut: std::future::Future<Output = loyalty_domain::Result<campaigns::Campaign>>,
{
    let shop_id = principal(ctx)?.shop_id;
    let c = op(domain(ctx), shop_id, id_of(id)?).await.gql()?;
    Ok(wrap(shop_id, c))
}

pub(crate) fn wrap(shop_id: Uuid, campaign: campaigns::Campaign) -> Campaign {
    Campaign { shop_id, campaign }
}

/// Campaign queries.
#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// One campaign.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Campaign>> {
        let shop_id = principal(ctx)?.shop_id;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(campaigns::service::get(&domain(ctx).db, shop_id, id)
            .await
            .gql()?
            .map(|c| wrap(shop_id, c)))
    }

    /// The shop's campaigns, newest first.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        status: Option<CampaignStatus>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<CampaignConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = campaigns::service::list(
            &domain(ctx).db,
            shop_id,
            status.map(Into::into),
            after,
            limit,
        )
        .await
        .gql()?;
        let (edges, page_info) = edges(page, |cursor, c| CampaignEdge {
            cursor,
            node: wrap(shop_id, c),
        });
        Ok(CampaignConnection { edges, page_info })
    }

    /// The shop's messaging balance and the price of a message per channel.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn messaging_balance(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MessagingBalance> {
        let shop_id = principal(ctx)?.shop_id;
        let balance = messaging::balance::balance(&domain(ctx).db, shop_id)
            .await
            .gql()?;
        Ok(MessagingBalance {
            balance: balance.into(),
            prices: prices(ctx),
        })
    }

    /// The shop's messaging top-ups, newest first.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn messaging_top_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<MessagingTopUpConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = messaging::balance::top_ups(&domain(ctx).db, shop_id, after, limit)
            .await
            .gql()?;
        let (edges, page_info) = edges(page, |cursor, t| MessagingTopUpEdge {
            cursor,
            node: MessagingTopUp {
                id: ID(t.id.to_string()),
                amount: t.amount.into(),
                balance_after: t.balance_after.into(),
                note: t.note,
                created_at: t.created_at,
            },
        });
        Ok(MessagingTopUpConnection { edges, page_info })
    }
}

/// Campaign mutations (ADMIN), and the operator's top-ups of a shop's messaging balance.
#[derive(Default)]
pub struct CampaignMutation;

fn id_of(id: &ID) -> async_graphql::Result<Uuid> {
    parse_id("id", id).gql()
}

#[Object]
impl CampaignMutation {
    /// Writes a DRAFT campaign.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let shop_id = principal(ctx)?.shop_id;
        let spec = input.into_spec().gql()?;
        let c = campaigns::service::create(domain(ctx), shop_id, spec)
            .await
            .gql()?;
        Ok(wrap(shop_id, c))
    }

    /// Rewrites a DRAFT campaign.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let shop_id = principal(ctx)?.shop_id;
        let id = id_of(&id)?;
        let spec = input.into_spec().gql()?;
        let c = campaigns::service::update(domain(ctx), shop_id, id, spec)
            .await
            .gql()?;
        Ok(wrap(shop_id, c))
    }

    /// Schedules a campaign for `at`, a wall-clock time in the shop's time zone
    /// (`2026-12-01T09:00:00`).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn schedule_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: NaiveDateTime,
    ) -> async_graphql::Result<Campaign> {
        let shop_id = principal(ctx)?.shop_id;
        let id = id_of(&id)?;
        let c = campaigns::service::schedule(domain(ctx), shop_id, id, at)
            .await
            .gql()?;
        Ok(wrap(shop_id, c))
    }

    /// Starts sending now: the recipients are frozen and the workers begin.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn send_campaign_now(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Campaign> {
        steer(ctx, &id, campaigns::service::send_now).await
    }

    /// Pauses a scheduled or sending campaign.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn pause_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        steer(ctx, &id, campaigns::service::pause).await
    }

    /// Resumes a paused campaign.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn resume_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        steer(ctx, &id, campaigns::service::resume).await
    }

    /// Cancels a campaign; recipients not yet sent to are cancelled.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn cancel_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        steer(ctx, &id, campaigns::service::cancel).await
    }

    /// Adds money to shop `shopId`'s messaging balance; its campaigns stopped for balance
    /// resume. Operator token only (the shop reads it: `messagingBalance`,
    /// `messagingTopUps`).
    ///
    /// Requires: the operator token.
    #[graphql(guard = "TopUpGuard")]
    async fn top_up_messaging_balance(
        &self,
        ctx: &Context<'_>,
        shop_id: ID,
        amount: Dec,
        note: Option<String>,
    ) -> async_graphql::Result<MessagingBalance> {
        let shop_id = parse_id("shopId", &shop_id).gql()?;
        let amount: Decimal = amount.0;
        let amount = vnd_from_decimal("amount", amount).gql()?;
        let t = campaigns::top_up::top_up(domain(ctx), shop_id, amount, note.as_deref())
            .await
            .gql()?;
        Ok(MessagingBalance {
            balance: t.balance.into(),
            prices: prices(ctx),
        })
    }
}

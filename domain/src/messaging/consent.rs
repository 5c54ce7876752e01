//! Messaging consent: a member may opt out of each channel on its own (ZNS, e-mail, and
//! any channel added later: the channel is stored by name). Campaigns skip an opted-out
//! member with [`OPTED_OUT`], both when they freeze their recipients and again when a
//! message is about to go out, so an opt-out after scheduling is honoured.
use super::ChannelKind;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, messaging_opt_out};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The skip reason of a recipient who opted out of the campaign's channel.
pub const OPTED_OUT: &str = "OPTED_OUT";

/// How an opt-out was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutSource {
    /// `setMessagingConsent` (a channel or the merchant, on the member's word).
    Api,
    /// The member clicked the unsubscribe link of an e-mail.
    Link,
}

impl OptOutSource {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "API",
            Self::Link => "LINK",
        }
    }

    /// Reads the stored spelling (an unknown one reads as `Api`, the general case).
    pub fn parse(raw: &str) -> Self {
        if raw == "LINK" { Self::Link } else { Self::Api }
    }
}

/// One channel a member opted out of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOut {
    /// The channel's stored name; one this server does not know (a channel of a newer
    /// version) is kept as it is.
    pub channel: String,
    /// How it was recorded.
    pub source: OptOutSource,
    /// When.
    pub at: DateTime<Utc>,
}

/// Records that `member_id` does (`allowed`) or does not want messages on `channel`, in
/// the caller's transaction. Idempotent: opting out again keeps the first opt-out's time,
/// opting in without an opt-out changes nothing. The member must be the shop's.
pub async fn set_in<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    channel: ChannelKind,
    allowed: bool,
    source: OptOutSource,
    now: DateTime<Utc>,
) -> Result<()> {
    member::Entity::find_by_id((shop_id, member_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("member not found".into()))?;
    if allowed {
        messaging_opt_out::Entity::delete_many()
            .filter(messaging_opt_out::Column::ShopId.eq(shop_id))
            .filter(messaging_opt_out::Column::MemberId.eq(member_id))
            .filter(messaging_opt_out::Column::Channel.eq(channel.as_str()))
            .exec(conn)
            .await?;
    } else {
        messaging_opt_out::Entity::insert(messaging_opt_out::ActiveModel {
            shop_id: Set(shop_id),
            member_id: Set(member_id),
            channel: Set(channel.as_str().to_owned()),
            source: Set(source.as_str().to_owned()),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                messaging_opt_out::Column::ShopId,
                messaging_opt_out::Column::MemberId,
                messaging_opt_out::Column::Channel,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// [`set_in`] as one transaction of its own.
pub async fn set(
    ctx: &Ctx,
    shop_id: Uuid,
    member_id: Uuid,
    channel: ChannelKind,
    allowed: bool,
    source: OptOutSource,
) -> Result<()> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    set_in(&txn, shop_id, member_id, channel, allowed, source, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(())
}

/// The opt-outs of each of `member_ids` (members without any are left out), by channel
/// name, in one statement.
pub async fn of_members<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<OptOut>>> {
    let mut out: HashMap<Uuid, Vec<OptOut>> = HashMap::new();
    if member_ids.is_empty() {
        return Ok(out);
    }
    let rows = messaging_opt_out::Entity::find()
        .filter(messaging_opt_out::Column::ShopId.eq(shop_id))
        .filter(messaging_opt_out::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_asc(messaging_opt_out::Column::Channel)
        .all(conn)
        .await?;
    for r in rows {
        out.entry(r.member_id).or_default().push(OptOut {
            source: OptOutSource::parse(&r.source),
            channel: r.channel,
            at: r.created_at,
        });
    }
    Ok(out)
}

/// Which of `member_ids` opted out of `channel`, in one statement.
pub async fn opted_out_among<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    channel: ChannelKind,
    member_ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    if member_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(messaging_opt_out::Entity::find()
        .filter(messaging_opt_out::Column::ShopId.eq(shop_id))
        .filter(messaging_opt_out::Column::Channel.eq(channel.as_str()))
        .filter(messaging_opt_out::Column::MemberId.is_in(member_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.member_id)
        .collect())
}

/// `SELECT 1 FROM messaging_opt_outs` where the row is the opt-out of the `members` row
/// of the enclosing query from `channel`: for `EXISTS (…)` in counts over members.
pub fn opt_out_of_member_row(channel: ChannelKind) -> SelectStatement {
    let o = |c: messaging_opt_out::Column| Expr::col((messaging_opt_out::Entity, c));
    Query::select()
        .expr(Expr::val(1))
        .from(messaging_opt_out::Entity)
        .and_where(
            o(messaging_opt_out::Column::ShopId).equals((member::Entity, member::Column::ShopId)),
        )
        .and_where(
            o(messaging_opt_out::Column::MemberId).equals((member::Entity, member::Column::Id)),
        )
        .and_where(o(messaging_opt_out::Column::Channel).eq(channel.as_str()))
        .to_owned()
}

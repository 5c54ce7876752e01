//! Member profiles: validation of what channels send, and upsert by external id.
use super::email::normalize_email;
use super::name_fold::fold;
use super::phone::normalize_phone;
use super::{Gender, Member};
use crate::events::{EventType, emit, payload, subscriptions};
use crate::program::ranking::roll;
use crate::program::tier_events::tier_ref;
use crate::program::{self, Policy, ProgramStatus};
use crate::{Ctx, DomainError, Result, ids::new_id, tiers};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use loyalty_entities::member;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, SqlErr, TransactionTrait,
};
use uuid::Uuid;

/// A profile as a channel pushes it. `None` leaves a stored value as it is.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    /// The channel's id for the customer; the upsert key.
    pub external_id: String,
    /// Full name.
    pub name: Option<String>,
    /// Phone in any common Vietnamese or international form.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Province or city.
    pub province: Option<String>,
    /// District.
    pub district: Option<String>,
    /// `true` registers the customer as a member now (if not already).
    pub register: Option<bool>,
    /// The sales channel sending the profile: a customer it creates records it as its
    /// source (see [`super::source`]).
    pub channel: Option<crate::channel::Channel>,
}

/// The input after validation and normalization.
#[derive(Debug, Clone)]
pub(crate) struct CleanInput {
    external_id: String,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    birthday: Option<NaiveDate>,
    gender: Option<Gender>,
    province: Option<String>,
    district: Option<String>,
    register: bool,
    channel: Option<crate::channel::Channel>,
}

/// Checks an external id as channels send it.
pub fn clean_external_id(raw: &str) -> Result<String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > 100 {
        return Err(DomainError::invalid(
            "externalId",
            "an external id has 1 to 100 characters",
        ));
    }
    Ok(id.to_owned())
}

fn clean_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(DomainError::invalid(
            field,
            format!("at most {max} characters"),
        )),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

pub(crate) fn clean(input: &MemberInput, today: NaiveDate) -> Result<CleanInput> {
    if let Some(b) = input.birthday
        && (b > today || b.year() < 1900)
    {
        return Err(DomainError::invalid(
            "birthday",
            "must be a past date after 1900",
        ));
    }
    Ok(CleanInput {
        external_id: clean_external_id(&input.external_id)?,
        name: clean_text("name", input.name.as_deref(), 200)?,
        phone: match input.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(normalize_phone(p)?),
        },
        email: match input.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(normalize_email(e)?),
        },
        birthday: input.birthday,
        gender: input.gender,
        province: clean_text("province", input.province.as_deref(), 100)?,
        district: clean_text("district", input.district.as_deref(), 100)?,
        register: input.register.unwrap_or(false),
        channel: input.channel,
    })
}

/// A member by id, in the shop only.
pub async fn by_id<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    id: Uuid,
) -> Result<Option<Member>> {
    member::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .map(Member::from_row)
        .transpose()
}

/// Members of the shop by id, in one statement; ids of no member are left out.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Member>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| Member::from_row(row).map(|m| (m.id, m)))
        .collect()
}

/// A member by the channel's external id, in the shop only.
pub async fn by_external_id<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    external_id: &str,
) -> Result<Option<Member>> {
    member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::ExternalId.eq(external_id.trim()))
        .one(conn)
        .await?
        .map(Member::from_row)
        .transpose()
}

/// A new, empty profile row; in an active program it starts at the initial tier.
pub(crate) async fn new_row<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    external_id: &str,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    let program = program::load(conn, shop_id).await?;
    let tier_id = if program.status == ProgramStatus::Active {
        let all = tiers::ranked(conn, shop_id, program.spend_per_ranking_point).await?;
        tiers::tier_for_spend(&all, 0, program.spend_per_ranking_point).map(|t| t.id)
    } else {
        None
    };
    Ok(blank_row(shop_id, external_id, now, tier_id))
}

/// The row of a customer first seen now, in `tier_id` (the initial tier when the
/// program is active).
pub(crate) fn blank_row(
    shop_id: Uuid,
    external_id: &str,
    now: DateTime<Utc>,
    tier_id: Option<Uuid>,
) -> member::Model {
    member::Model {
        shop_id,
        id: new_id(),
        external_id: external_id.to_owned(),
        name: None,
        search_name: String::new(),
        phone: None,
        email: None,
        birthday: None,
        gender: Gender::Unknown.as_str().to_owned(),
        province: None,
        district: None,
        registered_at: None,
        tier_id,
        ranking_spend: 0,
        total_orders: 0,
        total_spent: 0,
        last_purchase_at: None,
        cycle_start: None,
        prev_cycle_spend: 0,
        birth_month: None,
        points_available: 0,
        points_pending: 0,
        points_as_of: None,
        points_stable_until: None,
        source: None,
        created_at: now,
        updated_at: now,
    }
}

pub(crate) fn merge(
    mut row: member::Model,
    input: &CleanInput,
    now: DateTime<Utc>,
) -> member::Model {
    if input.name.is_some() {
        row.name.clone_from(&input.name);
    }
    row.search_name = row.name.as_deref().map(fold).unwrap_or_default();
    if input.phone.is_some() {
        row.phone.clone_from(&input.phone);
    }
    if input.email.is_some() {
        row.email.clone_from(&input.email);
    }
    if input.birthday.is_some() {
        row.birthday = input.birthday;
        row.birth_month = input.birthday.map(|b| b.month() as i32);
    }
    if let Some(g) = input.gender {
        row.gender = g.as_str().to_owned();
    }
    if input.province.is_some() {
        row.province.clone_from(&input.province);
    }
    if input.district.is_some() {
        row.district.clone_from(&input.district);
    }
    if input.register && row.registered_at.is_none() {
        row.registered_at = Some(now);
    }
    row.updated_at = now;
    row
}

/// Raises `member.registered` for `row`, which registered at `now`, if the shop
/// subscribes to it.
pub(crate) async fn registered<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    shop_id: Uuid,
    row: &member::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    if !subscriptions::wants(conn, shop_id, &[EventType::MemberRegistered]).await? {
        return Ok(());
    }
    let policy = ctx.policies.current(conn, shop_id).await?;
    let tier = tier_ref(&policy, row.tier_id);
    let event = payload::member_registered(row, now, &tier);
    emit(conn, shop_id, vec![event], now).await
}

/// Creates or updates the profile with `input.external_id`, in one transaction. Two
/// channels pushing the same new customer at once end with one profile: the loser of
/// the insert race retries as an update.
pub async fn upsert(ctx: &Ctx, shop_id: Uuid, input: MemberInput) -> Result<Member> {
    let now = ctx.clock.now();
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let input = clean(&input, shop.local_date(now))?;
    for _ in 0..2 {
        let txn = ctx.db.begin().await?;
        // Locked like every other writer of the member row, so an order recorded at the
        // same time cannot lose its counters to this profile update.
        let existing = member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::ExternalId.eq(&input.external_id))
            .lock_exclusive()
            .one(&txn)
            .await?;
        let mut joined = input.register;
        let saved = match existing {
            Some(row) => {
                let joins = row.registered_at.is_none() && input.register;
                joined = joins;
                let mut row = merge(row, &input, now);
                if joins {
                    let policy = ctx.policies.current(&txn, shop_id).await?;
                    apply_reached_tier(&policy, &mut row, now);
                }
                row.into_active_model()
                    .reset_all()
                    .update(&txn)
                    .await
                    .map_err(DomainError::from)
            }
            None => {
                let mut row = merge(
                    new_row(&txn, shop_id, &input.external_id, now).await?,
                    &input,
                    now,
                );
                row.source = input.channel.map(|c| c.as_str().to_owned());
                match member::Entity::insert(row.clone().into_active_model())
                    .exec_without_returning(&txn)
                    .await
                {
                    Ok(_) => Ok(row),
                    Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        continue;
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }?;
        if joined {
            registered(&txn, ctx, shop_id, &saved, now).await?;
        }
        crate::audit::record(&txn, shop_id, &[saved.id]).await?;
        txn.commit().await?;
        return Member::from_row(saved);
    }
    Err(DomainError::Conflict(format!(
        "member '{}' is being written concurrently; retry",
        input.external_id
    )))
}

/// Brings a customer who registers now to the tier its ranking spend reached, as of
/// `now` (its cycle rolled if one ended since its last order): the tier whose benefits it
/// gets from now on. Returns whether the standing changed.
pub(crate) fn apply_reached_tier(
    policy: &Policy,
    row: &mut member::Model,
    now: DateTime<Utc>,
) -> bool {
    if !policy.is_active() {
        return false;
    }
    let before = (
        row.tier_id,
        row.ranking_spend,
        row.prev_cycle_spend,
        row.cycle_start,
    );
    roll(policy, row, now);
    let after = (
        row.tier_id,
        row.ranking_spend,
        row.prev_cycle_spend,
        row.cycle_start,
    );
    before != after
}

/// Writes a member's purchase counters, ranking and tier, and nothing else: the cached
/// balances belong to the ledger (see `ledger::cache`).
pub async fn save_standing<C: ConnectionTrait>(conn: &C, row: &member::Model) -> Result<()> {
    standing_update(row).exec(conn).await?;
    Ok(())
}

/// [`save_standing`] and the ledger's cached balances at `now`, in one statement that
/// answers the row as stored: for an order or refund that moved points with
/// `credit_only`/`debit_only`.
pub async fn save_standing_and_points<C: ConnectionTrait>(
    conn: &C,
    row: &member::Model,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    crate::ledger::cache::recount(standing_update(row), row.shop_id, row.id, now)
        .exec_with_returning(conn)
        .await?
        .pop()
        .ok_or_else(|| DomainError::NotFound("member not found".into()))
}

/// The columns of a member that an order changes, besides its cached balances and
/// `updated_at`. This one list drives both write paths: the portable update below, and
/// the batch statement's parameters, `SET` list and values (`orders::record_pg::write`),
/// so a column an order starts to change is written by both or neither.
pub const ORDER_STANDING: [member::Column; 8] = [
    member::Column::TierId,
    member::Column::RankingSpend,
    member::Column::TotalOrders,
    member::Column::TotalSpent,
    member::Column::LastPurchaseAt,
    member::Column::CycleStart,
    member::Column::PrevCycleSpend,
    // Set by a customer's first order when no source was known (see `members::source`).
    member::Column::Source,
];

fn standing_update(row: &member::Model) -> sea_orm::UpdateMany<member::Entity> {
    use sea_orm::ModelTrait;
    use sea_orm::sea_query::Expr;
    ORDER_STANDING
        .iter()
        .fold(member::Entity::update_many(), |update, column| {
            update.col_expr(*column, Expr::value(row.get(*column)))
        })
        .col_expr(member::Column::UpdatedAt, Expr::value(row.updated_at))
        .filter(member::Column::ShopId.eq(row.shop_id))
        .filter(member::Column::Id.eq(row.id))
}

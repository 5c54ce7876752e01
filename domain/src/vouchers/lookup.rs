//! Vouchers presented at checkout: which can be used, and why the others cannot.
use super::code::normalize;
use super::voucher::{Voucher, VoucherStatus};
use crate::offers::automatic::LiveOffer;
use crate::offers::{Offer, OfferLimits, Reach, default_rules};
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{offer, voucher};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// An offer competing at checkout: a presented voucher or public code, or an automatic
/// offer, with its pricing built from the registry.
#[derive(Debug, Clone)]
pub struct VoucherOffer {
    /// The code presented, normalized (empty for an automatic offer).
    pub code: String,
    /// The offer's id.
    pub offer_id: Uuid,
    /// The offer's name.
    pub label: String,
    /// The pricing rules, shared with the automatic-offer cache.
    pub offer: Arc<loyalty_rules::Offer>,
    /// How it reached the checkout, and how it stacks.
    pub reach: Reach,
    /// Its limits.
    pub limits: OfferLimits,
}

impl VoucherOffer {
    /// An automatic offer as a checkout's candidate.
    pub fn automatic(live: &LiveOffer) -> Self {
        Self {
            code: String::new(),
            offer_id: live.id,
            label: live.name.clone(),
            offer: Arc::clone(&live.offer),
            reach: live.reach.clone(),
            limits: live.limits,
        }
    }

    /// A stored offer presented by `code` (a voucher's or its public code).
    pub fn presented(code: String, offer: &Offer) -> Result<Self> {
        let built = default_rules()
            .build(&offer.config)
            .map_err(|e| DomainError::Internal(format!("stored offer {}: {e}", offer.id)))?;
        Ok(Self {
            code,
            offer_id: offer.id,
            label: offer.name.clone(),
            offer: Arc::new(built),
            reach: offer.reach.clone(),
            limits: offer.limits,
        })
    }
}

/// Why a presented code cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such code in this shop (another shop's code reads the same).
    Unknown,
    /// Already used.
    Used,
    /// Past its expiry.
    Expired,
    /// Its offer was archived.
    Archived,
    /// Issued to someone else.
    OtherCustomer,
    /// Given twice in one cart.
    Duplicate,
}

impl Refusal {
    /// The reason in words.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown voucher code",
            Refusal::Used => "this voucher was already used",
            Refusal::Expired => "this voucher has expired",
            Refusal::Archived => "the offer of this voucher has ended",
            Refusal::OtherCustomer => "this voucher was issued to another customer",
            Refusal::Duplicate => "this code is given twice",
        }
    }

    /// The error an order gets for it.
    pub fn error(&self, code: &str) -> DomainError {
        let message = format!("voucher {code}: {}", self.reason());
        match self {
            Refusal::Used => DomainError::Conflict(message),
            _ => DomainError::invalid("voucherCodes", message),
        }
    }
}

/// A presented voucher as stored, with its offer (none if the offer is gone).
pub type Found = (voucher::Model, Option<offer::Model>);

/// The presented vouchers that can be used, and the codes that cannot with why.
pub type Presented = (Vec<VoucherOffer>, Vec<(String, Refusal)>);

/// Usable vouchers with their offers, and refused codes with why.
pub async fn present<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    codes: &[String],
    member: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Presented> {
    let normalized = normalize_all(codes);
    if normalized.is_empty() {
        return Ok((vec![], vec![]));
    }
    // The vouchers with their offers, in one statement.
    let offer_of = voucher::Entity::belongs_to(offer::Entity)
        .from((voucher::Column::ShopId, voucher::Column::OfferId))
        .to((offer::Column::ShopId, offer::Column::Id))
        .into();
    let found: Vec<Found> = voucher::Entity::find()
        .select_also(offer::Entity)
        .join(JoinType::LeftJoin, offer_of)
        .filter(voucher::Column::ShopId.eq(shop_id))
        .filter(voucher::Column::Code.is_in(normalized.clone()))
        .all(conn)
        .await?;
    judge(found, normalized, member, now)
}

pub use crate::typed_code::MAX_TYPED_CODE;

/// The shop's voucher of a code as a cashier types it, matched as checkout matches
/// presented codes ([`normalize`]); `None` when the shop has none of that code.
pub async fn by_code<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    typed: &str,
) -> Result<Option<Voucher>> {
    if typed.chars().count() > MAX_TYPED_CODE {
        return Err(DomainError::invalid(
            "code",
            format!("a voucher code has at most {MAX_TYPED_CODE} characters"),
        ));
    }
    let code = normalize(typed);
    if code.is_empty() {
        return Ok(None);
    }
    Ok(voucher::Entity::find_by_id((shop_id, code))
        .one(conn)
        .await?
        .map(Voucher::from_row))
}

/// The codes as stored: trimmed, upper case.
pub fn normalize_all(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| normalize(c)).collect()
}

/// Which of the `normalized` codes `member` can use at `now`, given the vouchers
/// `found` for them, and why the others cannot.
pub fn judge(
    found: Vec<Found>,
    normalized: Vec<String>,
    member: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Presented> {
    let mut rows: HashMap<String, voucher::Model> = HashMap::new();
    let mut offers: HashMap<Uuid, Offer> = HashMap::new();
    for (v, o) in found {
        if let Some(o) = o {
            offers.insert(o.id, Offer::from_row(o)?);
        }
        rows.insert(v.code.clone(), v);
    }
    let (mut usable, mut refused) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for code in normalized {
        if !seen.insert(code.clone()) {
            refused.push((code, Refusal::Duplicate));
            continue;
        }
        let Some(row) = rows.get(&code) else {
            refused.push((code, Refusal::Unknown));
            continue;
        };
        let v = Voucher::from_row(row.clone());
        let Some(offer) = offers.get(&v.offer_id) else {
            refused.push((code, Refusal::Unknown));
            continue;
        };
        let refusal = match v.status(now) {
            VoucherStatus::Used => Some(Refusal::Used),
            VoucherStatus::Expired => Some(Refusal::Expired),
            VoucherStatus::Usable if !offer.is_active() => Some(Refusal::Archived),
            VoucherStatus::Usable if v.member_id.is_some() && v.member_id != member => {
                Some(Refusal::OtherCustomer)
            }
            VoucherStatus::Usable => None,
        };
        if let Some(r) = refusal {
            refused.push((code, r));
            continue;
        }
        usable.push(VoucherOffer::presented(code, offer)?);
    }
    Ok((usable, refused))
}

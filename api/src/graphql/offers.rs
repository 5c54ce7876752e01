//! Offers and vouchers.
use crate::auth::{RoleGuard, principal};
use crate::error::Gql;
use crate::graphql::enums::{DiscountKind, FixedPer, OfferTargetKind};
use crate::graphql::scalars::Dec;
use async_graphql::{Context, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::DomainError;
use loyalty_domain::access::Role;

/// An offer as the merchant defines it.
#[derive(InputObject)]
pub struct OfferInput {
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub discount_kind: DiscountKind,
    pub value: Dec,
    /// FIXED only; default ORDER.
    pub fixed_per: Option<FixedPer>,
    pub target_kind: OfferTargetKind,
    /// The product or group ids.
    pub target_ids: Option<Vec<ID>>,
    pub min_quantity: Option<i64>,
    pub min_value: Option<Dec>,
    /// null: unlimited.
    pub valid_days: Option<i64>,
    /// Default true.
    pub applies_to_discounted: Option<bool>,
}

/// An offer.
#[derive(SimpleObject, Clone)]
pub struct Offer {
    pub id: ID,
    pub name: String,
    pub discount_kind: DiscountKind,
    pub value: Dec,
}

/// A voucher issued from an offer.
#[derive(SimpleObject)]
pub struct Voucher {
    pub code: String,
    pub offer: Offer,
    pub expires_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Offer queries.
#[derive(Default)]
pub struct OfferQuery;

#[async_graphql::Object]
impl OfferQuery {
    /// One offer of the caller's shop.
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Offer>> {
        let _ = (principal(ctx)?, id);
        Err(DomainError::NotImplemented("offers")).gql()
    }
}

/// Offer mutations.
#[derive(Default)]
pub struct OfferMutation;

#[async_graphql::Object]
impl OfferMutation {
    /// Creates an offer.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: OfferInput,
    ) -> async_graphql::Result<Offer> {
        let _ = (principal(ctx)?, input);
        Err(DomainError::NotImplemented("offers")).gql()
    }

    /// Issues one voucher of the offer to each member.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn issue_vouchers(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        member_ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Voucher>> {
        let _ = (principal(ctx)?, offer_id, member_ids);
        Err(DomainError::NotImplemented("vouchers")).gql()
    }
}

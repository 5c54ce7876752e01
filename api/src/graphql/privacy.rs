//! A customer's personal data (issue 33): everything held about them as one JSON
//! document, and its erasure, as Vietnam's personal data protection rules give a person
//! the right to see and to delete their data (see `loyalty_domain::privacy`).
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::members::object::Member;
use async_graphql::{Context, ID, Object};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::{members, privacy};

/// The personal data query.
#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// Everything the shop holds about one customer, as one JSON document: `profile`,
    /// `orders`, `ledger`, `vouchers`, `deliveries` (campaign messages) and
    /// `messagingOptOuts`, each row as stored. For a customer's request to see their
    /// data.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)", complexity = "cost::PER_ITEM_QUERY")]
    async fn export_member_data(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
    ) -> async_graphql::Result<String> {
        let _turn = cost::turn(ctx).await;
        let shop_id = principal(ctx)?.shop_id;
        let member_id = parse_id("memberId", &member_id).gql()?;
        let document = privacy::export(domain(ctx), shop_id, member_id)
            .await
            .gql()?;
        Ok(document.to_string())
    }
}

/// The personal data mutation.
#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Erases a customer's personal data: name, phone, e-mail, birthday, gender,
    /// region, the addresses of the campaign messages sent to them, their sessions; the
    /// external id becomes `erased:<id>`, so the channel can no longer match it (a later
    /// `upsertMember` with the old external id creates a new customer). Orders, ledger,
    /// vouchers and totals stay, tied to the member's id: balances and reports are
    /// unchanged. `reason` (1 to 500 characters) is kept in the audit trail, without
    /// the erased data. Erasing twice changes nothing more.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn erase_member_personal_data(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
        reason: String,
    ) -> async_graphql::Result<Member> {
        let shop_id = principal(ctx)?.shop_id;
        let member_id = parse_id("memberId", &member_id).gql()?;
        let erased = privacy::erase(domain(ctx), shop_id, member_id, &reason)
            .await
            .gql()?;
        Ok(Member(members::Member::from_row(erased.member).gql()?))
    }
}

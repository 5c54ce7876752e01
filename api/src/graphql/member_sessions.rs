//! Member sessions as the shop's backend makes and ends them (issue 27).
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::scalars::Int32;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::sessions;

/// A new member session (its token shown once).
#[derive(SimpleObject)]
pub struct MemberSession {
    /// The token (`lm_<shop id>_<secret>`) to hand to the member's browser; not shown
    /// again, and only its hash is stored.
    token: String,
    /// When it stops working.
    expires_at: DateTime<Utc>,
    /// The member it sees.
    member_id: ID,
}

/// Member session mutations.
#[derive(Default)]
pub struct MemberSessionMutation;

#[Object]
impl MemberSessionMutation {
    /// Makes a token that sees one member of the shop (`me`, `myRewards`,
    /// `redeemMyReward`), for `ttlMinutes` (1 to 1,440, default 60). The merchant's
    /// backend calls it for its signed-in customer and hands the token to the customer's
    /// browser. An unknown `memberExternalId` is `BAD_USER_INPUT`. CHANNEL or ADMIN.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn create_member_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the shop's id for the customer, 1 to 100 characters")]
        member_external_id: String,
        #[graphql(desc = "1 to 1,440; default 60")] ttl_minutes: Option<i64>,
    ) -> async_graphql::Result<MemberSession> {
        let shop_id = principal(ctx)?.shop_id;
        let created = sessions::create(domain(ctx), shop_id, &member_external_id, ttl_minutes)
            .await
            .gql()?;
        Ok(MemberSession {
            token: created.token,
            expires_at: created.expires_at,
            member_id: ID(created.member_id.to_string()),
        })
    }

    /// Revokes every live session of the member (sign-out everywhere) and returns how
    /// many: they stop working at once on this server and within `LOYALTY_KEY_CACHE_MS`
    /// on the others. A member the shop does not have is `BAD_USER_INPUT`. CHANNEL or
    /// ADMIN.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn revoke_member_sessions(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
    ) -> async_graphql::Result<Int32> {
        let shop_id = principal(ctx)?.shop_id;
        let member_id = parse_id("memberId", &member_id).gql()?;
        let n = sessions::revoke_all(domain(ctx), shop_id, member_id)
            .await
            .gql()?;
        Ok(Int32(i64::try_from(n).unwrap_or(i64::MAX)))
    }
}

//! Tenancy: creating shops (operator) and managing API keys (ADMIN).
use crate::auth::{OperatorGuard, RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::enums::Role;
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::manage::{self, KeyInfo};
use loyalty_domain::ids::parse_id;
use loyalty_domain::{access, program};

/// A new shop and its first ADMIN key (shown once).
#[derive(SimpleObject)]
pub struct ShopCreated {
    /// The shop's id.
    pub shop_id: ID,
    /// The ADMIN key; store it now, it is not shown again.
    pub admin_key: String,
}

/// A new key (shown once).
#[derive(SimpleObject)]
pub struct ApiKeyCreated {
    /// The key's id.
    pub id: ID,
    /// The key; store it now, it is not shown again.
    pub key: String,
    /// Its role.
    pub role: Role,
}

/// An API key of the shop, without its secret (only its hash is stored).
#[derive(SimpleObject)]
pub struct ApiKey {
    /// The key's id.
    pub id: ID,
    /// The name given when it was created.
    pub name: Option<String>,
    /// Its role.
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; null while it works.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key's first characters (`lk_<shop id>_` and six of the secret's, or only the
    /// shop part for keys made before 2026-12-07), to tell keys apart; never the secret.
    pub prefix: String,
    /// When the key last authenticated, to within a minute (written at most once a
    /// minute per key); null if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<KeyInfo> for ApiKey {
    fn from(k: KeyInfo) -> Self {
        Self {
            id: ID(k.id.to_string()),
            name: k.name,
            role: k.role.into(),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            prefix: k.prefix,
            last_used_at: k.last_used_at,
        }
    }
}

/// Tenancy queries.
#[derive(Default)]
pub struct ShopQuery;

#[Object]
impl ShopQuery {
    /// The shop's active API keys, oldest first (at most `LOYALTY_MAX_KEYS_PER_SHOP`).
    /// ADMIN only.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(access::Role::Admin)")]
    async fn api_keys(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<ApiKey>> {
        let who = principal(ctx)?;
        let keys = manage::list_keys(&domain(ctx).db, who.shop_id)
            .await
            .gql()?;
        Ok(keys.into_iter().map(ApiKey::from).collect())
    }
}

/// Tenancy mutations.
#[derive(Default)]
pub struct ShopMutation;

#[Object]
impl ShopMutation {
    /// Creates a shop with the default program and tiers. Operator token only.
    ///
    /// Requires: the operator token.
    #[graphql(guard = "OperatorGuard")]
    async fn create_shop(
        &self,
        ctx: &async_graphql::Context<'_>,
        name: String,
        #[graphql(desc = "IANA zone for day boundaries; default Asia/Ho_Chi_Minh")]
        time_zone: Option<String>,
    ) -> async_graphql::Result<ShopCreated> {
        let created = program::create_shop(domain(ctx), &name, time_zone.as_deref())
            .await
            .gql()?;
        Ok(ShopCreated {
            shop_id: ID(created.shop_id.to_string()),
            admin_key: created.admin_key,
        })
    }

    /// Creates an API key of the caller's shop. ADMIN only; a shop holds at most
    /// `LOYALTY_MAX_KEYS_PER_SHOP` active keys (`LIMIT_EXCEEDED` beyond; `revokeApiKey`
    /// frees a place).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(access::Role::Admin)")]
    async fn create_api_key(
        &self,
        ctx: &async_graphql::Context<'_>,
        role: Role,
        name: Option<String>,
    ) -> async_graphql::Result<ApiKeyCreated> {
        let who = principal(ctx)?;
        let key = access::create_api_key(domain(ctx), who.shop_id, role.into(), name)
            .await
            .gql()?;
        Ok(ApiKeyCreated {
            id: ID(key.id.to_string()),
            key: key.plaintext,
            role: key.role.into(),
        })
    }

    /// Revokes one of the caller's shop's keys: it stops working at once on the replica
    /// that revokes it, within `LOYALTY_KEY_CACHE_MS` on the others. The shop's last
    /// ADMIN key cannot be revoked (`CONFLICT`). ADMIN only.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(access::Role::Admin)")]
    async fn revoke_api_key(
        &self,
        ctx: &async_graphql::Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiKey> {
        let who = principal(ctx)?;
        let id = parse_id("id", &id).gql()?;
        let key = manage::revoke_api_key(domain(ctx), who.shop_id, id)
            .await
            .gql()?;
        Ok(key.into())
    }
}

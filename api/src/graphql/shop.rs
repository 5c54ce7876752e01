//! Tenancy: creating shops (operator) and API keys (ADMIN).
use crate::auth::{OperatorGuard, RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::enums::Role;
use async_graphql::{ID, Object, SimpleObject};
use loyalty_domain::{access, shops};

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

/// Tenancy mutations.
#[derive(Default)]
pub struct ShopMutation;

#[Object]
impl ShopMutation {
    /// Creates a shop with the default program and tiers. Operator token only.
    #[graphql(guard = "OperatorGuard")]
    async fn create_shop(
        &self,
        ctx: &async_graphql::Context<'_>,
        name: String,
        #[graphql(desc = "IANA zone for day boundaries; default Asia/Ho_Chi_Minh")]
        time_zone: Option<String>,
    ) -> async_graphql::Result<ShopCreated> {
        let created = shops::create(domain(ctx), &name, time_zone.as_deref())
            .await
            .gql()?;
        Ok(ShopCreated {
            shop_id: ID(created.shop_id.to_string()),
            admin_key: created.admin_key,
        })
    }

    /// Creates an API key of the caller's shop. ADMIN only.
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
}

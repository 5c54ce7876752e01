//! When each key was last used, for the shop's list of keys: written at most once a
//! minute per key (a guarded update, so replicas do not add to it), never once per
//! request, which would turn every read into a write.
use super::Principal;
use crate::Ctx;
use chrono::{DateTime, Utc};
use loyalty_entities::api_key;
use moka::sync::Cache;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

/// How stale a key's `last_used_at` may be.
pub const RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Keys remembered; past that, the least used may be written a little more often.
const MAX_KEYS: u64 = 100_000;

/// When this replica last wrote each key's use.
pub struct KeyUsage {
    written: Cache<Uuid, DateTime<Utc>>,
}

impl Default for KeyUsage {
    fn default() -> Self {
        Self {
            written: Cache::builder()
                .max_capacity(MAX_KEYS)
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
        }
    }
}

impl std::fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyUsage")
            .field("keys", &self.written.entry_count())
            .finish()
    }
}

impl KeyUsage {
    /// Whether a use at `now` should be written, noting it if so.
    fn due(&self, key_id: Uuid, now: DateTime<Utc>) -> bool {
        let due = self
            .written
            .get(&key_id)
            .is_none_or(|at| now - at >= RESOLUTION);
        if due {
            self.written.insert(key_id, now);
        }
        due
    }
}

/// Notes that `principal`'s key authenticated now. The write is awaited once a minute
/// per key at most; a failure is only logged (the request itself is fine, and the next
/// minute tries again).
pub async fn note_use(ctx: &Ctx, principal: &Principal) {
    let now = ctx.clock.now();
    if !ctx.key_usage.due(principal.key_id, now) {
        return;
    }
    let written = api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
        .filter(api_key::Column::ShopId.eq(principal.shop_id))
        .filter(api_key::Column::Id.eq(principal.key_id))
        .filter(
            Condition::any()
                .add(api_key::Column::LastUsedAt.is_null())
                .add(api_key::Column::LastUsedAt.lte(now - RESOLUTION)),
        )
        .exec(&ctx.db)
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not note a key's use");
    }
}

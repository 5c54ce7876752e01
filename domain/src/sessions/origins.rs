//! Each replica's view of the origins that shops allow their member widget on.
//!
//! A CORS preflight carries no token, so it names no shop: whether to answer it depends
//! on whether any shop allows the origin. The view holds every shop's origins (one row
//! per shop that configured a widget), read again once older than the key cache time,
//! so a flood of preflights from made-up origins costs no statement each. The replica
//! that changes a shop's settings forgets its view at once; the others see the change
//! within the key cache time, as with revoked keys.
use super::widget;
use crate::Result;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The shops allowing each origin.
pub type OriginMap = HashMap<String, Vec<Uuid>>;

/// See the module documentation.
pub struct AllowedOrigins {
    fresh_for: Duration,
    view: RwLock<Option<(Instant, Arc<OriginMap>)>>,
    /// Held while the view is read again, so that waiting requests share one read.
    reload: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AllowedOrigins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllowedOrigins")
            .field("fresh_for", &self.fresh_for)
            .finish()
    }
}

impl AllowedOrigins {
    /// A view read again once older than `fresh_for`.
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            view: RwLock::new(None),
            reload: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self) -> Option<Arc<OriginMap>> {
        let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
        view.as_ref()
            .filter(|(at, _)| at.elapsed() < self.fresh_for)
            .map(|(_, map)| map.clone())
    }

    /// The shops allowing each origin, read from `conn` when the view is stale.
    pub async fn current<C: ConnectionTrait>(&self, conn: &C) -> Result<Arc<OriginMap>> {
        if let Some(map) = self.fresh() {
            return Ok(map);
        }
        let _reloading = self.reload.lock().await;
        if let Some(map) = self.fresh() {
            return Ok(map);
        }
        let mut map = OriginMap::new();
        for (shop_id, origins) in widget::all_origins(conn).await? {
            for origin in origins {
                map.entry(origin).or_default().push(shop_id);
            }
        }
        let map = Arc::new(map);
        *self.view.write().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), map.clone()));
        Ok(map)
    }

    /// Forgets the view, after this replica changed a shop's origins.
    pub fn forget(&self) {
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

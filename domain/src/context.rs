//! What every service needs: the database and the clock.
use crate::clock::Clock;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared, cheap to clone handle passed to every service function.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    /// A context over `db` with `clock`.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }
}

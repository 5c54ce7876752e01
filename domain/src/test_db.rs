//! Test support: an in-memory SQLite database holding one entity's table, to show how a
//! stored row the code does not expect is read.
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait, Schema};

/// A fresh database with `entity`'s table, as the entity declares it.
pub async fn with_table<E: EntityTrait>(entity: E) -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite");
    let create = Schema::new(DbBackend::Sqlite).create_table_from_entity(entity);
    db.execute(&create).await.expect("the entity's table");
    db
}

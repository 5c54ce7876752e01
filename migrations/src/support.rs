//! Small builders shared by migrations: a shop-scoped table and shop-first indexes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

/// A `CREATE TABLE` whose primary key is `(shop_id, <key>)`.
pub fn shop_table(name: &'static str, key: Option<&'static str>) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(name)
        .col(ColumnDef::new("shop_id").uuid().not_null());
    let mut pk = Index::create();
    pk.col("shop_id");
    if let Some(key) = key {
        table.col(ColumnDef::new(key).uuid().not_null());
        pk.col(key);
    }
    table.primary_key(&mut pk);
    table.to_owned()
}

/// An index on `shop_id` followed by `cols`.
pub fn shop_index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).col("shop_id");
    for col in cols {
        index.col(*col);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

/// A `CREATE TABLE` with `shop_id` whose primary key is `shop_id` then `key_cols`; the
/// caller adds the other key columns with their types.
pub fn shop_table_keyed(name: &'static str, key_cols: &[&'static str]) -> TableCreateStatement {
    let mut pk = Index::create();
    pk.col("shop_id");
    for col in key_cols {
        pk.col(*col);
    }
    Table::create()
        .table(name)
        .col(ColumnDef::new("shop_id").uuid().not_null())
        .primary_key(&mut pk)
        .to_owned()
}

/// A NOT NULL text column.
pub fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

/// A nullable text column.
pub fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

/// A NOT NULL timestamp with time zone.
pub fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// A nullable timestamp with time zone.
pub fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A NOT NULL bigint.
pub fn bigint(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

/// A nullable bigint.
pub fn bigint_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

/// `ALTER TABLE <table> ADD COLUMN <column>`.
pub fn add_column(table: &'static str, column: impl IntoColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

/// `ALTER TABLE <table> DROP COLUMN <column>`.
pub fn drop_column(table: &'static str, column: &'static str) -> TableAlterStatement {
    Table::alter().table(table).drop_column(column).to_owned()
}

/// The schema the `pg_trgm` extension lives in, when it is installed (PostgreSQL only).
/// It need not be on the connection's search path, so its operator classes are named
/// with it.
pub async fn trgm_schema<C: ConnectionTrait>(conn: &C) -> Result<Option<String>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'",
        ))
        .await?;
    row.map(|r| r.try_get("", "schema")).transpose()
}

//! SQL expressions that must read the same on SQLite and PostgreSQL.
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{DbErr, RuntimeErr};

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`: PostgreSQL's SUM of a bigint is a numeric,
/// which would not decode as `i64`; the cast gives both databases the same type.
pub fn sum_bigint(e: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::cast_as(
        Func::coalesce([Expr::from(Func::sum(e.into())), Expr::val(0i64)]),
        "BIGINT",
    )
    .into()
}

/// PostgreSQL's deadlock and serialization failures: two transactions crossed, neither
/// wrote anything, and running again is the cure.
const TRANSIENT: [&str; 2] = ["40P01", "40001"];

/// The SQLSTATE of a database error, when the database gave one.
pub fn sql_state(e: &DbErr) -> Option<String> {
    match e {
        DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx)) => {
            match &**sqlx {
                sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `e` is a deadlock or serialization failure (see [`TRANSIENT`]).
pub fn is_transient(e: &DbErr) -> bool {
    sql_state(e).is_some_and(|c| TRANSIENT.contains(&c.as_str()))
}

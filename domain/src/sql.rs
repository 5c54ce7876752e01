//! SQL expressions that must read the same on SQLite and PostgreSQL.
use sea_orm::sea_query::{Expr, Func, SimpleExpr};

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`: PostgreSQL's SUM of a bigint is a numeric,
/// which would not decode as `i64`; the cast gives both databases the same type.
pub fn sum_bigint(e: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::cast_as(
        Func::coalesce([Expr::from(Func::sum(e.into())), Expr::val(0i64)]),
        "BIGINT",
    )
    .into()
}

//! What a live lot is: one that still holds points and has not expired. Spending,
//! balances and the order batches all ask it, in Rust and in SQL; this is the one place
//! that says it, and the test below holds the SQL to the Rust.
use chrono::{DateTime, Utc};
use loyalty_entities::point_lot;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, IntoIden, PostgresQueryBuilder, Query, SimpleExpr,
};

/// Whether `lot` is live at `now`: points remain in it, and it does not expire or expires
/// after `now` (a lot expiring at `now` is expired).
pub fn is_live(lot: &point_lot::Model, now: DateTime<Utc>) -> bool {
    lot.remaining > 0 && lot.expires_at.is_none_or(|at| at > now)
}

/// [`is_live`] as a condition on the lots of table or alias `lots` at the time `now`.
pub fn live<T: IntoIden + Clone>(lots: T, now: impl Into<SimpleExpr>) -> Condition {
    let col = |c: point_lot::Column| Expr::col((lots.clone(), c));
    Condition::all()
        .add(col(point_lot::Column::Remaining).gt(0))
        .add(
            Condition::any()
                .add(col(point_lot::Column::ExpiresAt).is_null())
                .add(col(point_lot::Column::ExpiresAt).gt(now.into())),
        )
}

/// [`live`] as PostgreSQL text, for statements written by hand: `alias` names the lots
/// and `now` is an SQL expression (`d.now`).
pub fn live_sql(alias: &str, now: &str) -> String {
    let text = Query::select()
        .expr(Expr::val(1))
        .cond_where(live(Alias::new(alias), Expr::cust(now.to_owned())))
        .to_string(PostgresQueryBuilder);
    text.split_once(" WHERE ")
        .map_or(text.clone(), |(_, condition)| condition.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryFilter};
    use uuid::Uuid;

    #[test]
    fn the_sql_text_names_the_alias_and_the_time() {
        let sql = live_sql("l", "d.now");
        assert_eq!(
            sql,
            r#""l"."remaining" > 0 AND ("l"."expires_at" IS NULL OR "l"."expires_at" > (d.now))"#
        );
    }

    /// The condition, run by a database over lots of every kind, selects exactly the
    /// lots `is_live` calls live.
    #[tokio::test]
    async fn the_database_and_rust_agree_on_every_kind_of_lot() {
        let db = crate::test_db::with_table(point_lot::Entity).await;
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let shop_id = Uuid::now_v7();
        let mut lots = Vec::new();
        for remaining in [0, 5] {
            for expires_at in [
                None,
                Some(now - Duration::days(1)),
                Some(now),
                Some(now + Duration::seconds(1)),
            ] {
                for available_at in [now - Duration::days(1), now + Duration::days(1)] {
                    lots.push(point_lot::Model {
                        shop_id,
                        id: Uuid::now_v7(),
                        member_id: Uuid::nil(),
                        points: 5,
                        remaining,
                        available_at,
                        expires_at,
                        order_id: None,
                        created_at: now - Duration::days(2),
                    });
                }
            }
        }
        for lot in &lots {
            lot.clone()
                .into_active_model()
                .insert(&db)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let mut selected: Vec<Uuid> = point_lot::Entity::find()
            .filter(live(point_lot::Entity, Expr::val(now)))
            .all(&db)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|l| l.id)
            .collect();
        selected.sort();
        let mut expected: Vec<Uuid> = lots
            .iter()
            .filter(|l| is_live(l, now))
            .map(|l| l.id)
            .collect();
        expected.sort();
        assert_eq!(selected.len(), 4, "remaining, unexpired, either maturity");
        assert_eq!(selected, expected);
    }
}

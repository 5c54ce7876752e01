//! FIRST_ORDER: members whose last purchase falls in the window and whose earliest order
//! does too (the members' last-purchase index, then their orders by member).
use super::{Occurrence, Window};
use crate::Result;
use chrono::{DateTime, Utc};
use loyalty_entities::{member, order};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The first-order occurrences of `window`: one per member, ever.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    window: Window,
) -> Result<Vec<Occurrence>> {
    let buyers: Vec<Uuid> = member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::LastPurchaseAt.gt(window.from))
        .filter(member::Column::LastPurchaseAt.lte(window.to))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for chunk in buyers.chunks(500) {
        let firsts: Vec<(Uuid, Option<DateTime<Utc>>)> = order::Entity::find()
            .select_only()
            .column(order::Column::MemberId)
            .expr_as(Func::min(Expr::col(order::Column::PlacedAt)), "first")
            .filter(order::Column::ShopId.eq(shop_id))
            .filter(order::Column::MemberId.is_in(chunk.to_vec()))
            .group_by(order::Column::MemberId)
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(
            firsts
                .into_iter()
                .filter(|(_, first)| first.is_some_and(|f| f > window.from))
                .map(|(id, _)| Occurrence::plain(id, "first_order".into())),
        );
    }
    Ok(out)
}

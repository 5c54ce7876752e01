//! A member's vouchers, newest first.
use super::voucher::Voucher;
use crate::Result;
use loyalty_entities::voucher;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Most vouchers listed per member.
pub const MAX: u64 = 200;

/// The member's vouchers, newest first (at most [`MAX`]).
pub async fn wallet<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
) -> Result<Vec<Voucher>> {
    Ok(voucher::Entity::find()
        .filter(voucher::Column::ShopId.eq(shop_id))
        .filter(voucher::Column::MemberId.eq(member_id))
        .order_by_desc(voucher::Column::IssuedAt)
        .limit(MAX)
        .all(conn)
        .await?
        .into_iter()
        .map(Voucher::from_row)
        .collect())
}

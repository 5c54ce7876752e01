//! Public codes presented at checkout: a code that is no voucher of the shop is looked
//! up among the shop's PUBLIC_CODE offers, so customers type either in the same
//! `voucherCodes` list and a cashier need not know which is which.
use super::lookup::{Presented, Refusal, VoucherOffer};
use crate::Result;
use crate::offers::{Delivery, Offer};
use loyalty_entities::offer;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Moves the codes `presented` refused as unknown vouchers that are public codes of the
/// shop to the usable ones (or refuses them as ended, for an archived offer).
pub async fn add_public<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    presented: &mut Presented,
) -> Result<()> {
    let unknown: Vec<String> = presented
        .1
        .iter()
        .filter(|(_, r)| *r == Refusal::Unknown)
        .map(|(c, _)| c.clone())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let found = offer::Entity::find()
        .filter(offer::Column::ShopId.eq(shop_id))
        .filter(offer::Column::Code.is_in(unknown))
        .filter(offer::Column::Delivery.eq(Delivery::PublicCode))
        .all(conn)
        .await?
        .into_iter()
        .map(Offer::from_row)
        .collect::<Result<Vec<_>>>()?;
    let (usable, refused) = presented;
    let mut kept = Vec::with_capacity(refused.len());
    for (code, refusal) in refused.drain(..) {
        let Some(o) = found
            .iter()
            .find(|o| refusal == Refusal::Unknown && o.reach.code.as_deref() == Some(&code))
        else {
            kept.push((code, refusal));
            continue;
        };
        if o.is_active() {
            usable.push(VoucherOffer::presented(code, o)?);
        } else {
            kept.push((code, Refusal::Archived));
        }
    }
    *refused = kept;
    Ok(())
}

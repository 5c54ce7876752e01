//! Reading what a checkout's limited offers have counted, for the customer at hand.
use super::limited::Customer;
use crate::Result;
use crate::offers::usage::{self, Usage};
use crate::vouchers::lookup::VoucherOffer;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The usage of the limited offers among a checkout's `offers`, for `customer` when
/// known; locked when `lock` (see [`usage::read`]).
pub async fn for_checkout<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offers: &[VoucherOffer],
    customer: Option<&Customer>,
    lock: bool,
) -> Result<Usage> {
    let mut wanted: Vec<(Uuid, Option<String>)> = Vec::new();
    for v in offers.iter().filter(|v| v.limits.counted()) {
        if wanted.iter().any(|(id, _)| *id == v.offer_id) {
            continue;
        }
        let key = v.limits.per_customer.and(customer.map(|c| c.key(v)));
        wanted.push((v.offer_id, key));
    }
    usage::read(conn, shop_id, &wanted, lock).await
}

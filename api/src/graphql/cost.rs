//! What fields cost in the complexity limit.
//!
//! Paged lists cost `first` times what one item asks for. Fields that run a query of
//! their own for every item they appear on (a segment's `count`, an offer's `report`, a
//! campaign's `audienceSize`, `estimate` and `report`) cost [`PER_ITEM_QUERY`]. Each scans
//! rows of the shop (members, vouchers, deliveries) rather than reading one by key, so
//! they are priced as what they cost, and one request runs them one at a time.
//!
//! Without both, `{ segments { count } }` under many aliases, or over a long list, ran
//! every count at once, each on its own pooled connection: one request took the whole
//! pool and every other shop's reads waited for it.
//!
//! An order's `lines`, `discounts`, `refunds` and `member` cost as ordinary fields: the
//! lines are in the order's row, and the rest are read for a whole page of orders in one
//! statement each (`crate::loaders`), so they add no statement per order; the pages
//! themselves (`orders`, `Member.orders`) are priced by `first` like every page.
use async_graphql::Context;
use loyalty_domain::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The complexity of a field that runs a query of its own for each item: what two hundred
/// ordinary fields cost. With the
/// default limit of 20,000, a page of 20 segments, offers or campaigns with their counts
/// or reports passes; a query that asks for a hundred of them does not.
pub const PER_ITEM_QUERY: usize = 200;

/// How many items a list without `first` (the shop's segments, its reward catalog) is
/// priced at.
pub const UNPAGED_LIST: usize = 20;

/// The complexity of a page of `first` items (the default page when omitted), each
/// costing `child`. `first` is clamped to the largest page, which the resolver enforces
/// anyway, so that a huge `first` is refused by the resolver rather than overflowing
/// here.
pub fn paged(first: Option<i64>, child: usize) -> usize {
    let first = first.map_or(DEFAULT_PAGE_SIZE, |n| {
        n.clamp(0, MAX_PAGE_SIZE as i64) as u64
    });
    usize::try_from(first)
        .unwrap_or(usize::MAX)
        .saturating_mul(child)
}

/// The request's turn to run one heavy field; at most one runs at a time per request.
#[derive(Clone)]
pub struct Turns(Arc<Semaphore>);

impl Default for Turns {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(1)))
    }
}

/// Waits for the request's turn to run a heavy field (none when the schema runs outside
/// the HTTP server, as in `sdl()` or unit tests).
pub async fn turn(ctx: &Context<'_>) -> Option<OwnedSemaphorePermit> {
    let turns = ctx.data_opt::<Turns>()?;
    turns.0.clone().acquire_owned().await.ok()
}

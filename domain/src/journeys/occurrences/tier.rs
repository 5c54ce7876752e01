//! TIER_UP and TIER_DOWN: the outbox's `member.tier_changed` events (written for a shop
//! while it has a tier journey, see [`crate::events::subscriptions`]), read by type from
//! the journey's mark on (`events_type`), each move compared by the tiers' ranks.
//!
//! Event ids are UUID v7 made when the change's transaction ran, and a transaction may
//! commit after a later one: the mark trails the newest event read by [`OVERLAP`], and
//! events read twice are harmless (the occurrence is the event's id).
use super::Occurrence;
use crate::Result;
use crate::events::EventType;
use crate::program::Policy;
use chrono::Duration;
use loyalty_entities::event;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::{Timestamp, Uuid};

/// How far behind the newest event read the mark stays: longer than any transaction
/// that writes a tier change.
pub fn overlap() -> Duration {
    Duration::minutes(10)
}

/// Events read per scan at most; the mark moves past them, the rest come next scan.
pub const MAX_EVENTS: u64 = 5000;

/// Which way a move goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// To a higher tier (or a first tier).
    Up,
    /// To a lower tier (or none).
    Down,
}

/// The smallest v7 id of the millisecond `ms`.
fn v7_floor(ms: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

fn millis(id: Uuid) -> u64 {
    id.get_timestamp()
        .map(|t: Timestamp| {
            let (secs, nanos) = t.to_unix();
            secs * 1000 + u64::from(nanos) / 1_000_000
        })
        .unwrap_or(0)
}

/// The mark after reading up to `newest`: `OVERLAP` behind it, never before `mark`.
pub fn next_mark(mark: Uuid, newest: Option<Uuid>) -> Uuid {
    let Some(newest) = newest else { return mark };
    let behind = millis(newest).saturating_sub(overlap().num_milliseconds().unsigned_abs());
    v7_floor(behind).max(mark)
}

fn tier_id(data: &Value, side: &str) -> Option<Uuid> {
    data.get("data")?
        .get(side)?
        .get("id")?
        .as_str()?
        .parse()
        .ok()
}

/// The direction of a move between two tiers by their ranks (no tier ranks lowest; a
/// tier since deleted counts as none).
pub fn direction(policy: &Policy, from: Option<Uuid>, to: Option<Uuid>) -> Option<Direction> {
    let rank = |id| policy.tier(id).map_or(0, |t| t.rank);
    let (a, b) = (rank(from), rank(to));
    match b.cmp(&a) {
        std::cmp::Ordering::Greater => Some(Direction::Up),
        std::cmp::Ordering::Less => Some(Direction::Down),
        std::cmp::Ordering::Equal => None,
    }
}

/// The moves in `way` since `mark`, and the mark to read from next time (past every
/// event read when the page was full, so a burst cannot hold the mark back).
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    shop_id: Uuid,
    way: Direction,
    mark: Uuid,
) -> Result<(Vec<Occurrence>, Uuid)> {
    let rows = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::EventType.eq(EventType::MemberTierChanged.as_str()))
        .filter(event::Column::Id.gt(mark))
        .order_by_asc(event::Column::Id)
        .limit(MAX_EVENTS)
        .all(conn)
        .await?;
    let newest = rows.last().map(|e| e.id);
    let mark = if rows.len() as u64 == MAX_EVENTS {
        newest.unwrap_or(mark)
    } else {
        next_mark(mark, newest)
    };
    let out = rows
        .into_iter()
        .filter_map(|e| {
            let member_id = e.member_id?;
            let payload: Value = serde_json::from_str(&e.payload).ok()?;
            let moved = direction(policy, tier_id(&payload, "from"), tier_id(&payload, "to"))?;
            (moved == way).then(|| Occurrence::plain(member_id, format!("tier:{}", e.id)))
        })
        .collect();
    Ok((out, mark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_trails_the_newest_event_and_never_goes_back() {
        let newest = Uuid::now_v7();
        let old = v7_floor(millis(newest) - 3_600_000);
        let next = next_mark(old, Some(newest));
        assert_eq!(millis(newest) - millis(next), 600_000);
        assert!(next < newest);
        assert_eq!(next_mark(newest, Some(newest)), newest);
        assert_eq!(next_mark(old, None), old);
    }
}

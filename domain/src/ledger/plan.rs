//! Credits and debits of points, and what each will write, decided without the database.
//!
//! [`plan_credit`] and [`plan_debit`] turn a movement of points and what the member has
//! (the lots, the points owed) into the rows to write. Writing them is the caller's:
//! [`super::lots`] writes them with one statement a table, the PostgreSQL order path
//! writes them together with the order in a single statement. Both write the same rows.
use super::LedgerKind;
use super::live::is_live;
use crate::limits::{self, MAX_POINTS};
use crate::{DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{ledger_entry, lot_allocation, point_lot};
use uuid::Uuid;

/// Points coming in.
#[derive(Debug, Clone)]
pub struct Credit {
    /// Why.
    pub kind: LedgerKind,
    /// How many; above 0.
    pub points: i64,
    /// When they become spendable.
    pub available_at: DateTime<Utc>,
    /// When they expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown in the ledger.
    pub reason: Option<String>,
    /// The order they came from.
    pub order_id: Option<Uuid>,
    /// Makes the entry unique per shop.
    pub idempotency_key: Option<String>,
}

/// Which lots a debit may draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawFrom {
    /// Spendable lots only, soonest expiry first; short of points is `InsufficientPoints`.
    Available,
    /// Taking back what a refund reverses: the order's own lot first (even if still
    /// pending), then any unexpired lot, soonest expiry first; what cannot be taken
    /// becomes debt.
    Reversal {
        /// The lot the reversed points were earned into.
        own_lot: Option<Uuid>,
    },
    /// Expiring one lot: exactly what it has left.
    Lot(Uuid),
}

/// Points going out.
#[derive(Debug, Clone)]
pub struct Debit {
    /// Why.
    pub kind: LedgerKind,
    /// How many; above 0.
    pub points: i64,
    /// Which lots may pay.
    pub from: DrawFrom,
    /// Shown in the ledger.
    pub reason: Option<String>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// Makes the entry unique per shop.
    pub idempotency_key: Option<String>,
}

/// What a debit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    /// The entry written, if any points moved.
    pub entry_id: Option<Uuid>,
    /// Points taken.
    pub taken: i64,
    /// Points that could not be taken and became debt.
    pub shortfall: i64,
}

/// A lot that already exists, lowered by `points`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    /// The lot.
    pub lot_id: Uuid,
    /// Points taken from it.
    pub points: i64,
    /// Whether the lot was spendable at the time of the plan (else pending).
    pub spendable: bool,
}

/// The rows one or more movements of a member's points write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerWrites {
    /// New entries.
    pub entries: Vec<ledger_entry::Model>,
    /// New lots, their `remaining` already net of what these writes take from them.
    pub lots: Vec<point_lot::Model>,
    /// Existing lots lowered; each must still have the points (a guarded update).
    pub draws: Vec<Draw>,
    /// Which entry took how much from which lot, new lots included.
    pub allocations: Vec<lot_allocation::Model>,
}

impl LedgerWrites {
    /// Appends `other`'s rows after these.
    pub fn extend(&mut self, other: LedgerWrites) {
        self.entries.extend(other.entries);
        self.lots.extend(other.lots);
        self.draws.extend(other.draws);
        self.allocations.extend(other.allocations);
    }

    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How these writes change the member's spendable and pending points at `now`
    /// (`(available, pending)`), for a statement that cannot see its own writes. Every
    /// lot and draw is within [`MAX_POINTS`], so the sums are far from 64 bits; they
    /// saturate rather than wrap all the same.
    pub fn balance_change(&self, now: DateTime<Utc>) -> (i64, i64) {
        let (mut available, mut pending) = (0i64, 0i64);
        for lot in &self.lots {
            if lot.expires_at.is_some_and(|e| e <= now) {
                continue;
            }
            if lot.available_at <= now {
                available = available.saturating_add(lot.remaining);
            } else {
                pending = pending.saturating_add(lot.remaining);
            }
        }
        for draw in &self.draws {
            if draw.spendable {
                available = available.saturating_sub(draw.points);
            } else {
                pending = pending.saturating_sub(draw.points);
            }
        }
        (available, pending)
    }
}

/// The entry row of a movement.
#[allow(clippy::too_many_arguments)]
fn entry(
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    kind: LedgerKind,
    points: i64,
    debt_change: i64,
    available_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    order_id: Option<Uuid>,
    idempotency_key: Option<String>,
) -> ledger_entry::Model {
    ledger_entry::Model {
        shop_id,
        id: new_id(),
        member_id,
        kind: kind.as_str().to_owned(),
        points,
        debt_change,
        created_at: now,
        available_at,
        expires_at,
        reason,
        order_id,
        idempotency_key,
        actor_key_id: None,
    }
}

fn allocation(entry: &ledger_entry::Model, lot_id: Uuid, points: i64) -> lot_allocation::Model {
    lot_allocation::Model {
        shop_id: entry.shop_id,
        id: new_id(),
        lot_id,
        entry_id: entry.id,
        member_id: entry.member_id,
        points,
    }
}

/// Credits points: an entry and its lot (same id); if the member owes `owed` points, the
/// new lot repays them first (a REVERSE entry drawing from it). Returns the writes and
/// the credit entry's id.
pub fn plan_credit(
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    credit: Credit,
    owed: i64,
) -> Result<(LedgerWrites, Uuid)> {
    if credit.points <= 0 {
        return Err(DomainError::Internal("a credit must be positive".into()));
    }
    if credit.points > MAX_POINTS {
        return Err(DomainError::LimitExceeded(format!(
            "one credit is at most {} points",
            limits::grouped(MAX_POINTS)
        )));
    }
    let earned = entry(
        shop_id,
        member_id,
        now,
        credit.kind,
        credit.points,
        0,
        credit.available_at,
        credit.expires_at,
        credit.reason,
        credit.order_id,
        credit.idempotency_key,
    );
    let id = earned.id;
    let repay = owed.clamp(0, credit.points);
    let mut writes = LedgerWrites {
        lots: vec![point_lot::Model {
            shop_id,
            id,
            member_id,
            points: credit.points,
            remaining: credit.points - repay,
            available_at: credit.available_at,
            expires_at: credit.expires_at,
            order_id: credit.order_id,
            created_at: now,
        }],
        entries: vec![earned],
        ..Default::default()
    };
    if repay > 0 {
        let repaid = entry(
            shop_id,
            member_id,
            now,
            LedgerKind::Reverse,
            -repay,
            -repay,
            now,
            None,
            Some("repays points owed from an earlier refund".into()),
            credit.order_id,
            None,
        );
        writes.allocations.push(allocation(&repaid, id, repay));
        writes.entries.push(repaid);
    }
    Ok((writes, id))
}

/// A lot can pay at `now`: not expired, and spendable unless `pending_ok`.
fn usable(lot: &point_lot::Model, now: DateTime<Utc>, pending_ok: bool) -> bool {
    is_live(lot, now) && (pending_ok || lot.available_at <= now)
}

/// Soonest expiry first (never-expiring last), then oldest first.
fn spend_order(a: &point_lot::Model, b: &point_lot::Model) -> std::cmp::Ordering {
    let key = |l: &point_lot::Model| (l.expires_at.is_none(), l.expires_at, l.created_at, l.id);
    key(a).cmp(&key(b))
}

/// Debits points from the member's `lots` (those with points remaining) as
/// `debit.from` allows. Short of spendable points for [`DrawFrom::Available`] is
/// `InsufficientPoints`; a reversal that cannot take everything records the rest as debt.
pub fn plan_debit(
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    mut lots: Vec<point_lot::Model>,
    debit: Debit,
) -> Result<(LedgerWrites, Drawn)> {
    if debit.points <= 0 {
        return Err(DomainError::Internal("a debit must be positive".into()));
    }
    lots.retain(|l| l.remaining > 0);
    lots.sort_by(spend_order);
    let plan: Vec<&point_lot::Model> = match debit.from {
        DrawFrom::Available => lots.iter().filter(|l| usable(l, now, false)).collect(),
        DrawFrom::Reversal { own_lot } => {
            let own = lots
                .iter()
                .filter(|l| Some(l.id) == own_lot && is_live(l, now));
            let others = lots
                .iter()
                .filter(|l| Some(l.id) != own_lot && usable(l, now, true));
            own.chain(others).collect()
        }
        DrawFrom::Lot(id) => lots.iter().filter(|l| l.id == id).collect(),
    };
    let have = limits::sum("the points to draw from", plan.iter().map(|l| l.remaining))?;
    if debit.from == DrawFrom::Available && have < debit.points {
        return Err(DomainError::InsufficientPoints {
            requested: debit.points,
            available: have,
        });
    }
    let taken = std::cmp::min(debit.points, have);
    let shortfall = debit.points - taken;
    if taken == 0 && shortfall == 0 {
        return Ok((
            LedgerWrites::default(),
            Drawn {
                entry_id: None,
                taken: 0,
                shortfall: 0,
            },
        ));
    }
    let spent = entry(
        shop_id,
        member_id,
        now,
        debit.kind,
        -taken,
        shortfall,
        now,
        None,
        debit.reason,
        debit.order_id,
        debit.idempotency_key,
    );
    let mut writes = LedgerWrites::default();
    let mut left = taken;
    for lot in plan {
        if left == 0 {
            break;
        }
        let n = std::cmp::min(left, lot.remaining);
        writes.draws.push(Draw {
            lot_id: lot.id,
            points: n,
            spendable: lot.available_at <= now,
        });
        writes.allocations.push(allocation(&spent, lot.id, n));
        left -= n;
    }
    let entry_id = spent.id;
    writes.entries.push(spent);
    Ok((
        writes,
        Drawn {
            entry_id: Some(entry_id),
            taken,
            shortfall,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn lot(
        points: i64,
        available_in: i64,
        expires_in: Option<i64>,
        now: DateTime<Utc>,
    ) -> point_lot::Model {
        point_lot::Model {
            shop_id: Uuid::nil(),
            id: new_id(),
            member_id: Uuid::nil(),
            points,
            remaining: points,
            available_at: now + Duration::days(available_in),
            expires_at: expires_in.map(|d| now + Duration::days(d)),
            order_id: None,
            created_at: now,
        }
    }

    fn debit(points: i64, from: DrawFrom) -> Debit {
        Debit {
            kind: LedgerKind::Redeem,
            points,
            from,
            reason: None,
            order_id: None,
            idempotency_key: None,
        }
    }

    #[test]
    fn a_credit_repays_what_is_owed_from_its_own_lot() {
        let now = Utc::now();
        let credit = Credit {
            kind: LedgerKind::Earn,
            points: 100,
            available_at: now,
            expires_at: None,
            reason: None,
            order_id: None,
            idempotency_key: None,
        };
        let (w, id) = plan_credit(Uuid::nil(), Uuid::nil(), now, credit, 30).unwrap();
        assert_eq!(w.lots[0].id, id);
        assert_eq!(w.lots[0].remaining, 70);
        assert_eq!(w.entries[1].points, -30);
        assert_eq!(w.entries[1].debt_change, -30);
        assert_eq!(w.allocations[0].lot_id, id);
        assert_eq!(w.allocations[0].entry_id, w.entries[1].id);
        assert_eq!(w.balance_change(now), (70, 0));
    }

    #[test]
    fn a_debit_takes_the_soonest_expiring_spendable_lots_first() {
        let now = Utc::now();
        let late = lot(50, -1, Some(60), now);
        let soon = lot(30, -1, Some(10), now);
        let pending = lot(500, 5, Some(5), now);
        let lots = vec![late.clone(), soon.clone(), pending];
        let (w, drawn) = plan_debit(
            Uuid::nil(),
            Uuid::nil(),
            now,
            lots.clone(),
            debit(40, DrawFrom::Available),
        )
        .unwrap();
        assert_eq!(drawn.taken, 40);
        let draws: Vec<_> = w.draws.iter().map(|d| (d.lot_id, d.points)).collect();
        assert_eq!(draws, vec![(soon.id, 30), (late.id, 10)]);
        assert_eq!(w.balance_change(now), (-40, 0));
        let short = plan_debit(
            Uuid::nil(),
            Uuid::nil(),
            now,
            lots,
            debit(81, DrawFrom::Available),
        );
        assert!(matches!(
            short,
            Err(DomainError::InsufficientPoints {
                requested: 81,
                available: 80
            })
        ));
    }

    #[test]
    fn a_reversal_that_cannot_take_everything_records_debt() {
        let now = Utc::now();
        let own = lot(20, 3, None, now);
        let (w, drawn) = plan_debit(
            Uuid::nil(),
            Uuid::nil(),
            now,
            vec![own.clone()],
            debit(
                50,
                DrawFrom::Reversal {
                    own_lot: Some(own.id),
                },
            ),
        )
        .unwrap();
        assert_eq!((drawn.taken, drawn.shortfall), (20, 30));
        assert_eq!(w.entries[0].points, -20);
        assert_eq!(w.entries[0].debt_change, 30);
        assert_eq!(w.balance_change(now), (0, -20));
    }
}

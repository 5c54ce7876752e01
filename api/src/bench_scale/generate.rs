//! The history of the scale bench's shop, written by PostgreSQL itself (`generate_series`):
//! members, 20 orders each over three years with long-tailed spend, an EARN entry and a
//! lot per order (lots expire two years after the order, so a third have expired and
//! were recorded as such, with their EXPIRE entry and allocation; the last week's are
//! pending), and the members' cached counters.
use sea_orm::ConnectionTrait;
use std::time::Instant;
use uuid::Uuid;

/// Orders per member.
pub const ORDERS_PER_MEMBER: u64 = 20;

/// The member's number `i`, read back from its external id `s<i>`.
const MEMBER_NO: &str = "substr(m.external_id, 2)::bigint";

/// The statements that load `n` members and their history into `shop`, named for the
/// progress log. Spend per member follows a Pareto law (shape ~1.4), so that most stay
/// in the first tier and every higher tier is populated.
pub fn history(shop: Uuid, n: u64) -> Vec<(&'static str, String)> {
    let orders = ORDERS_PER_MEMBER;
    vec![
        (
            "members",
            format!(
                "INSERT INTO members (shop_id, id, external_id, name, search_name, phone, email, birthday, birth_month, gender,
                     province, district, registered_at, tier_id, ranking_spend, total_orders, total_spent, last_purchase_at,
                     cycle_start, prev_cycle_spend, points_available, points_pending, points_as_of, created_at, updated_at)
                 SELECT '{shop}', gen_random_uuid(), 's' || i,
                     (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Huỳnh'])[1 + (i * 7) % 6] || ' ' || (ARRAY['Văn','Thị','Minh','Ngọc'])[1 + (i * 13) % 4] || ' ' || (ARRAY['An','Bình','Linh','Mai','Nam','Trang','Yến','Sơn'])[1 + (i * 31) % 8],
                     (ARRAY['nguyen','tran','le','pham','hoang','huynh'])[1 + (i * 7) % 6] || ' ' || (ARRAY['van','thi','minh','ngoc'])[1 + (i * 13) % 4] || ' ' || (ARRAY['an','binh','linh','mai','nam','trang','yen','son'])[1 + (i * 31) % 8],
                     '09' || lpad((i % 100000000)::text, 8, '0'), 's' || i || '@example.vn', NULL, 1 + i % 12,
                     (ARRAY['FEMALE','MALE','UNKNOWN'])[1 + i % 3],
                     (ARRAY['Hà Nội','Hồ Chí Minh','Đà Nẵng','Hải Phòng','Cần Thơ','Huế','Nha Trang','Quảng Ninh'])[1 + (i * 17) % 8], NULL,
                     CASE WHEN i % 2 = 0 THEN now() - (i % 1000) * interval '1 day' END,
                     NULL, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, now() - interval '3 years', now()
                 FROM generate_series(1::bigint, {n}::bigint) i"
            ),
        ),
        (
            "orders",
            format!(
                "INSERT INTO orders (shop_id, id, external_id, member_id, channel, placed_at, subtotal, discount_total, total,
                     points_redeemed, points_value, paid, points_earned, refunded_amount, reversed_points, restored_points,
                     reversed_spend, ranking_cycle, tier_id, created_at, voucher_discount)
                 SELECT m.shop_id, gen_random_uuid(), 'o' || g.i || '-' || k, m.id,
                     (ARRAY['POS','WEB','SOCIAL'])[1 + (g.i + k) % 3], p.placed, a.amount, 0, a.amount, 0, 0, a.amount,
                     a.amount / 1000, 0, 0, 0, 0, NULL, NULL, p.placed, 0
                 FROM members m
                 CROSS JOIN LATERAL (SELECT {MEMBER_NO} AS i) g
                 CROSS JOIN generate_series(1, {orders}) k
                 CROSS JOIN LATERAL (SELECT now() - ((g.i * 131 + k * 7919) % (3 * 365 * 24)) * interval '1 hour' AS placed) p
                 CROSS JOIN LATERAL (SELECT (round(60000 * least(200, power(1 - ((g.i * 7919) % 999983) / 999983.0, -0.7))
                     * (0.5 + ((g.i * 31 + k * 17) % 100) / 100.0), -3))::bigint AS amount) a
                 WHERE m.shop_id = '{shop}'"
            ),
        ),
        (
            "EARN entries",
            format!(
                "INSERT INTO ledger_entries (shop_id, id, member_id, kind, points, debt_change, created_at, available_at,
                     expires_at, reason, order_id, idempotency_key)
                 SELECT shop_id, gen_random_uuid(), member_id, 'EARN', points_earned, 0, placed_at,
                     placed_at + interval '7 days', placed_at + interval '2 years', NULL, id, 'earn:' || id
                 FROM orders WHERE shop_id = '{shop}' AND points_earned > 0"
            ),
        ),
        (
            "lots",
            format!(
                "INSERT INTO point_lots (shop_id, id, member_id, points, remaining, available_at, expires_at, order_id, created_at)
                 SELECT shop_id, id, member_id, points, CASE WHEN expires_at <= now() THEN 0 ELSE points END,
                     available_at, expires_at, order_id, created_at
                 FROM ledger_entries WHERE shop_id = '{shop}' AND kind = 'EARN'"
            ),
        ),
        (
            "EXPIRE entries",
            format!(
                "INSERT INTO ledger_entries (shop_id, id, member_id, kind, points, debt_change, created_at, available_at,
                     expires_at, reason, order_id, idempotency_key)
                 SELECT shop_id, md5('expire' || id::text)::uuid, member_id, 'EXPIRE', -points, 0, expires_at, expires_at,
                     NULL, 'points expired', order_id, 'expire:' || id
                 FROM point_lots WHERE shop_id = '{shop}' AND remaining = 0"
            ),
        ),
        (
            "allocations",
            format!(
                "INSERT INTO lot_allocations (shop_id, id, lot_id, entry_id, member_id, points)
                 SELECT shop_id, md5('allocation' || id::text)::uuid, id, md5('expire' || id::text)::uuid, member_id, points
                 FROM point_lots WHERE shop_id = '{shop}' AND remaining = 0 AND points > 0"
            ),
        ),
        // Without statistics of the tables just filled the planner joins the two
        // aggregates below row by row: 23 minutes at 100,000 members, cancelled.
        ("statistics", "ANALYZE members, orders, point_lots".to_owned()),
        (
            "member counters",
            format!(
                "UPDATE members m SET total_orders = o.n, total_spent = o.spent, last_purchase_at = o.last,
                     points_available = l.available, points_pending = l.pending, points_as_of = now()
                 FROM (SELECT member_id, count(*) AS n, sum(paid) AS spent, max(placed_at) AS last
                       FROM orders WHERE shop_id = '{shop}' GROUP BY member_id) o,
                      (SELECT member_id,
                           coalesce(sum(remaining) FILTER (WHERE available_at <= now()), 0) AS available,
                           coalesce(sum(remaining) FILTER (WHERE available_at > now()), 0) AS pending
                       FROM point_lots WHERE shop_id = '{shop}' GROUP BY member_id) l
                 WHERE m.shop_id = '{shop}' AND o.member_id = m.id AND l.member_id = m.id"
            ),
        ),
    ]
}

/// The statement that gives every tenth member a lot that expired a minute ago with all
/// its points left (an EARN entry, its lot, and the member's cached balance), so that
/// each run of the bench finds the same work for the expiry job.
pub fn due_lots(shop: Uuid) -> String {
    format!(
        "WITH e AS (
             INSERT INTO ledger_entries (shop_id, id, member_id, kind, points, debt_change, created_at, available_at,
                 expires_at, reason, order_id, idempotency_key)
             SELECT m.shop_id, gen_random_uuid(), m.id, 'EARN', 100, 0, now() - interval '2 years',
                 now() - interval '2 years', now() - interval '1 minute', 'bench-scale due', NULL, NULL
             FROM members m WHERE m.shop_id = '{shop}' AND {MEMBER_NO} % 10 = 0
             RETURNING shop_id, id, member_id, points, available_at, expires_at, created_at),
         l AS (
             INSERT INTO point_lots (shop_id, id, member_id, points, remaining, available_at, expires_at, order_id, created_at)
             SELECT shop_id, id, member_id, points, points, available_at, expires_at, NULL, created_at FROM e
             RETURNING member_id, points)
         UPDATE members m SET points_available = m.points_available + l.points
         FROM l WHERE m.shop_id = '{shop}' AND m.id = l.member_id"
    )
}

/// Runs `statements` in order, logging each one's time.
pub async fn run<C: ConnectionTrait>(
    db: &C,
    statements: Vec<(&'static str, String)>,
) -> anyhow::Result<()> {
    for (what, sql) in statements {
        let started = Instant::now();
        let done = db.execute_unprepared(&sql).await?;
        eprintln!(
            "  {what}: {} rows in {:.1?}",
            done.rows_affected(),
            started.elapsed()
        );
    }
    Ok(())
}

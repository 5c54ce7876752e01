//! `loyalty bench search`: loads a large shop into PostgreSQL and measures the first page
//! of three typical member searches through the GraphQL schema (resolvers, loaders and
//! SQL; no HTTP). A program, not a test: it prints figures, it asserts nothing.
use crate::auth::Caller;
use crate::config::{DbConfig, Limits};
use crate::loaders::Loaders;
use crate::{app, graphql};
use anyhow::{Context, bail};
use loyalty_domain::access::{Principal, Role};
use loyalty_domain::{members, program};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::time::{Duration, Instant};

/// Loads `members` members (with an order, a ledger entry and a lot each) into a new
/// shop and times three searches `runs` times each.
pub async fn run(db: &DbConfig, members: u64, runs: usize) -> anyhow::Result<()> {
    if !db.database_url.starts_with("postgres") {
        bail!("the search benchmark needs PostgreSQL: set DATABASE_URL=postgres://...");
    }
    let ctx = app::system_context(db).await?;
    // A database already loaded by an earlier run is measured again as it is.
    let existing = ctx
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT shop_id FROM shops WHERE name = 'bench' LIMIT 1",
        ))
        .await?;
    if let Some(row) = existing {
        let shop: uuid::Uuid = row.try_get("", "shop_id")?;
        eprintln!("measuring the shop loaded by an earlier run");
        return measure(&ctx, shop, members, runs).await;
    }
    let created = program::create_shop(&ctx, "bench", None).await?;
    let shop = created.shop_id;
    program::configure(
        &ctx,
        shop,
        program::ProgramPatch {
            spend_per_ranking_point: Some(1000.into()),
            ..Default::default()
        },
    )
    .await?;
    members::activation::activate(&ctx, shop, program::ActivationMode::InitialTier).await?;
    let started = Instant::now();
    load(&ctx.db, shop, members).await?;
    eprintln!(
        "loaded {members} members, orders and ledger entries in {:.1?}",
        started.elapsed()
    );
    measure(&ctx, shop, members, runs).await
}

/// Times the searches on an already loaded shop.
async fn measure(
    ctx: &loyalty_domain::Ctx,
    shop: uuid::Uuid,
    members: u64,
    runs: usize,
) -> anyhow::Result<()> {
    let schema = graphql::build(Some(ctx.clone()), &Limits::default());
    let tiers = ctx
        .db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id::text AS id FROM tiers WHERE shop_id = $1 AND name = 'Gold'",
            [shop.into()],
        ))
        .await?;
    let gold: String = tiers.first().context("no Gold tier")?.try_get("", "id")?;
    let newest = json!({"field": "REGISTERED_AT", "direction": "DESC"});
    let cases = [
        (
            "tier Gold + 6,000-8,000 points",
            json!({"tierIds": [gold.clone()], "availablePoints": {"min": 6000, "max": 8000}}),
            json!(null),
            json!(null),
        ),
        (
            "name keyword \"nguyen van\"",
            json!({"name": "nguyen van"}),
            json!(null),
            json!(null),
        ),
        (
            "bought in the last 30 days + Hà Nội",
            json!({"province": "Hà Nội"}),
            json!("BOUGHT_LAST_30_DAYS"),
            json!(null),
        ),
        // The worst case, kept in view: a combination almost nobody matches (about 80
        // rows), where PostgreSQL walks the id order looking for 20 of them.
        (
            "tier Gold + 1,000-5,000 points (rare)",
            json!({"tierIds": [gold.clone()], "availablePoints": {"min": 1000, "max": 5000}}),
            json!(null),
            json!(null),
        ),
        (
            "tier Gold",
            json!({"tierIds": [gold]}),
            json!(null),
            json!(null),
        ),
        // Sorts whose index lives on the profile copy (`member_search`).
        (
            "everyone by name",
            json!(null),
            json!(null),
            json!({"field": "NAME", "direction": "ASC"}),
        ),
        (
            "Hà Nội, newest registration first",
            json!({"province": "Hà Nội"}),
            json!(null),
            newest,
        ),
    ];
    let principal = Principal {
        shop_id: shop,
        key_id: uuid::Uuid::nil(),
        role: Role::Read,
    };
    println!(
        "{} members; first page of 20 with tier and points, {runs} runs each",
        members
    );
    println!(
        "{:<40} {:>12} {:>12} {:>14}",
        "filter", "median", "p95", "with count"
    );
    for (name, filter, saved, order) in cases {
        let mut times = Vec::new();
        let mut counted = Vec::new();
        for with_count in [false, true] {
            let selection = if with_count { "totalCount " } else { "" };
            let query = format!(
                "query($f: MemberFilter, $s: SavedFilter, $o: MemberOrderBy) {{ members(filter: $f, saved: $s, orderBy: $o, first: 20) {{ {selection}edges {{ node {{ externalId name tier {{ name }} points {{ available }} }} }} }} }}"
            );
            for _ in 0..runs {
                let request = async_graphql::Request::new(query.clone())
                    .variables(async_graphql::Variables::from_json(
                        json!({"f": filter, "s": saved, "o": order}),
                    ))
                    .data(Caller::Shop(principal))
                    .data(Loaders::new(ctx));
                let t = Instant::now();
                let response = schema.execute(request).await;
                let elapsed = t.elapsed();
                if !response.errors.is_empty() {
                    bail!("{name}: {:?}", response.errors);
                }
                if with_count {
                    counted.push(elapsed)
                } else {
                    times.push(elapsed)
                }
            }
        }
        println!(
            "{:<40} {:>12} {:>12} {:>14}",
            name,
            fmt(percentile(&mut times, 50)),
            fmt(percentile(&mut times, 95)),
            fmt(percentile(&mut counted, 50)),
        );
    }
    Ok(())
}

fn percentile(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    v.get((v.len().saturating_sub(1)) * p / 100)
        .copied()
        .unwrap_or_default()
}

fn fmt(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Bulk-loads members with realistic spreads (Vietnamese names, provinces, spend, points,
/// purchase dates over 90 days), one order, one EARN entry and its lot each, in SQL.
async fn load<C: ConnectionTrait>(db: &C, shop: uuid::Uuid, n: u64) -> anyhow::Result<()> {
    let shop = shop.to_string();
    let statements = [
        format!(
            "WITH g AS (SELECT i, (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Huỳnh','Phan','Vũ','Võ','Đặng','Bùi','Đỗ'])[1 + (i * 7) % 12] AS last,
                 (ARRAY['nguyen','tran','le','pham','hoang','huynh','phan','vu','vo','dang','bui','do'])[1 + (i * 7) % 12] AS last_f,
                 (ARRAY['Văn','Thị','Minh','Ngọc','Đức','Thanh','Quốc','Hồng'])[1 + (i * 13) % 8] AS mid,
                 (ARRAY['van','thi','minh','ngoc','duc','thanh','quoc','hong'])[1 + (i * 13) % 8] AS mid_f,
                 (ARRAY['An','Bình','Cường','Dũng','Giang','Hà','Khánh','Linh','Mai','Nam','Phúc','Quân','Sơn','Trang','Uyên','Yến'])[1 + (i * 31) % 16] AS first,
                 (ARRAY['an','binh','cuong','dung','giang','ha','khanh','linh','mai','nam','phuc','quan','son','trang','uyen','yen'])[1 + (i * 31) % 16] AS first_f,
                 (ARRAY['Hà Nội','Hồ Chí Minh','Đà Nẵng','Hải Phòng','Cần Thơ','Huế','Nha Trang','Quảng Ninh'])[1 + (i * 17) % 8] AS province,
                 (i * 7919) % 12000000 AS spend
               FROM generate_series(1::bigint, {n}::bigint) i)
             INSERT INTO members (shop_id, id, external_id, name, search_name, phone, email, birthday, birth_month, gender, province, district,
                 registered_at, tier_id, ranking_spend, total_orders, total_spent, last_purchase_at, cycle_start, prev_cycle_spend,
                 points_available, points_pending, points_as_of, created_at, updated_at)
             SELECT '{shop}', gen_random_uuid(), 'm' || i, last || ' ' || mid || ' ' || first, last_f || ' ' || mid_f || ' ' || first_f,
                 '09' || lpad((i % 100000000)::text, 8, '0'), 'm' || i || '@example.vn', NULL, 1 + i % 12,
                 (ARRAY['FEMALE','MALE','UNKNOWN'])[1 + i % 3], province, NULL,
                 CASE WHEN i % 2 = 0 THEN now() - (i % 700) * interval '1 day' END,
                 (SELECT t.id FROM tiers t WHERE t.shop_id = '{shop}' AND t.min_spend <= spend ORDER BY t.min_spend DESC LIMIT 1),
                 spend, 1 + i % 20, spend, now() - ((i * 37) % (90 * 24)) * interval '1 hour', '1970-01-01', 0,
                 spend / 1000, 0, now(), now(), now()
             FROM g"
        ),
        format!(
            "INSERT INTO orders (shop_id, id, external_id, member_id, channel, placed_at, subtotal, discount_total, total, points_redeemed,
                 points_value, paid, points_earned, refunded_amount, reversed_points, restored_points, reversed_spend, ranking_cycle, tier_id, created_at, voucher_discount)
             SELECT shop_id, gen_random_uuid(), 'o-' || external_id, id, 'POS', last_purchase_at, total_spent, 0, total_spent, 0, 0,
                 total_spent, points_available, 0, 0, 0, 0, '1970-01-01', tier_id, last_purchase_at, 0
             FROM members WHERE shop_id = '{shop}'"
        ),
        format!(
            "INSERT INTO ledger_entries (shop_id, id, member_id, kind, points, debt_change, created_at, available_at, expires_at, reason, order_id, idempotency_key)
             SELECT shop_id, gen_random_uuid(), id, 'EARN', points_available, 0, last_purchase_at, last_purchase_at, NULL, 'bench', NULL, NULL
             FROM members WHERE shop_id = '{shop}' AND points_available > 0"
        ),
        format!(
            "INSERT INTO point_lots (shop_id, id, member_id, points, remaining, available_at, expires_at, order_id, created_at)
             SELECT shop_id, id, member_id, points, points, available_at, NULL, NULL, created_at
             FROM ledger_entries WHERE shop_id = '{shop}'"
        ),
        "ANALYZE members".to_owned(),
        "ANALYZE member_search".to_owned(),
        "ANALYZE orders".to_owned(),
        "ANALYZE ledger_entries".to_owned(),
        "ANALYZE point_lots".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

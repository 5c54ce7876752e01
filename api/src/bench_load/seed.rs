//! Preparing the bench shop through the API: the database if missing, a shop with its
//! default tiers, a CHANNEL key, members imported with opening points, the program
//! activated, and two offers with vouchers issued to some members.
use super::client::Api;
use anyhow::{Context, anyhow, bail};
use loyalty_domain::{Ctx, program};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
use serde_json::{Value, json};
use std::fmt::Write;
use uuid::Uuid;

/// Members per `importMembers` call: the most one request takes (about 85 KB of CSV).
const IMPORT_CHUNK: u64 = loyalty_domain::members::import::MAX_REQUEST_ROWS as u64;
/// Members holding a voucher (half of them of each offer).
const VOUCHER_HOLDERS: u64 = 4_000;

/// What the load needs to know about the seeded shop.
pub struct Shop {
    /// The shop's id.
    pub shop_id: Uuid,
    /// Its ADMIN key (admin screens: the members page).
    pub admin_key: String,
    /// A CHANNEL key (checkout: quotes, orders, refunds).
    pub channel_key: String,
    /// Issued vouchers as (member external id, code).
    pub vouchers: Vec<(String, String)>,
    /// Tells this run's order ids from earlier runs'.
    pub tag: String,
    /// The letter before a member's number in its external id (`m1`; `s1` in the shop
    /// of `bench scale`).
    pub member_prefix: char,
}

/// Creates the URL's database when it does not exist, through the `postgres` database.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let mut parsed = reqwest::Url::parse(url).context("DATABASE_URL is not a URL")?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty() || name == "postgres" {
        return Ok(());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("database name {name:?}: use letters, digits and _ for the bench database");
    }
    parsed.set_path("/postgres");
    let admin = Database::connect(parsed.as_str())
        .await
        .context("cannot reach the postgres database to create the bench database")?;
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT 1 AS one FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        eprintln!("created database {name}");
    }
    admin.close().await?;
    Ok(())
}

fn field<'a>(data: &'a Value, pointer: &str) -> anyhow::Result<&'a str> {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no {pointer} in {data}"))
}

/// Seeds a new shop with `members` members and returns what the load needs.
pub async fn seed(ctx: &Ctx, api: &Api, members: u64) -> anyhow::Result<Shop> {
    let tag = format!("{:x}", Uuid::now_v7().as_u128() as u64);
    let created = program::create_shop(ctx, &format!("bench-load-{tag}"), None).await?;
    let admin = created.admin_key;
    let post = |query: &'static str, vars: Value| {
        let admin = admin.clone();
        async move { api.post(&admin, query, vars).await.map_err(|e| anyhow!(e)) }
    };

    let key = post(
        "mutation { createApiKey(role: CHANNEL, name: \"bench\") { key } }",
        json!({}),
    )
    .await?;
    let channel_key = field(&key, "/createApiKey/key")?.to_owned();

    let mut first = 1;
    while first <= members {
        let last = (first + IMPORT_CHUNK - 1).min(members);
        let report = post(
            "mutation($c: String!) { importMembers(csv: $c) { imported rejected { line reason } } }",
            json!({ "c": members_csv(first, last) }),
        )
        .await?;
        if let Some(r) = report["importMembers"]["rejected"].get(0) {
            bail!("the import refused a row: {r}");
        }
        first = last + 1;
    }
    offers_and_vouchers(
        api,
        Shop {
            shop_id: created.shop_id,
            admin_key: admin,
            channel_key,
            vouchers: Vec::new(),
            tag,
            member_prefix: 'm',
        },
        members,
    )
    .await
}

/// The shop `loyalty bench scale --members n` loaded (members `s1` to `s<n>` with years
/// of history), made ready for the load as [`seed`] makes a new one: two keys of its
/// own, every customer earning, the program active (INITIAL_TIER if still a draft), and
/// the two offers with their vouchers. The history stays as it is.
pub async fn adopt(ctx: &Ctx, api: &Api, n: u64) -> anyhow::Result<Shop> {
    use loyalty_domain::access::{Role, service::create_api_key};
    let shop_id = crate::bench_scale::loaded_shop(ctx, n)
        .await?
        .with_context(|| {
            format!(
                "no shop bench-scale-{n}: load it first with `loyalty bench scale --members {n}`"
            )
        })?;
    let tag = format!("{:x}", Uuid::now_v7().as_u128() as u64);
    let admin = create_api_key(ctx, shop_id, Role::Admin, Some(format!("bench-load {tag}")))
        .await?
        .plaintext;
    let channel = create_api_key(
        ctx,
        shop_id,
        Role::Channel,
        Some(format!("bench-load {tag}")),
    )
    .await?
    .plaintext;
    offers_and_vouchers(
        api,
        Shop {
            shop_id,
            admin_key: admin,
            channel_key: channel,
            vouchers: Vec::new(),
            tag,
            member_prefix: 's',
        },
        n,
    )
    .await
}

/// Every customer earning, the program active, and two offers with vouchers issued to
/// the first members: what the load needs of a shop that has its members.
async fn offers_and_vouchers(api: &Api, mut shop: Shop, members: u64) -> anyhow::Result<Shop> {
    let admin = shop.admin_key.clone();
    let post = |query: &'static str, vars: Value| {
        let admin = admin.clone();
        async move { api.post(&admin, query, vars).await.map_err(|e| anyhow!(e)) }
    };
    // Every customer earns, registered or not, as when the load's baselines were taken
    // (docs/performance.md): an order's work does not depend on who placed it.
    post(
        "mutation { configureProgram(input: {enrollment: ALL_CUSTOMERS}) { enrollment } }",
        json!({}),
    )
    .await?;
    let program = post("{ program { status } }", json!({})).await?;
    if field(&program, "/program/status")? != "ACTIVE" {
        post(
            "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
            json!({}),
        )
        .await?;
    }

    let offers = [
        json!({"name": "10% off orders from 200,000", "discountKind": "PERCENT", "value": "10",
               "targetKind": "ORDER", "minValue": "200000", "validDays": 30}),
        json!({"name": "50,000 off orders from 300,000", "discountKind": "FIXED", "value": "50000",
               "fixedPer": "ORDER", "targetKind": "ORDER", "minValue": "300000", "validDays": 30}),
    ];
    let mut offer_ids = Vec::new();
    for input in offers {
        let offer = post(
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await?;
        offer_ids.push(field(&offer, "/createOffer/id")?.to_owned());
    }

    let holders = member_ids(api, &admin, VOUCHER_HOLDERS.min(members)).await?;
    let mut vouchers = Vec::new();
    let half = holders.len().div_ceil(2).max(1);
    for (offer, group) in offer_ids.iter().zip(holders.chunks(half)) {
        for batch in group.chunks(1_000) {
            let ids: Vec<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();
            let issued = post(
                "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
                json!({ "o": offer, "m": ids }),
            )
            .await?;
            let codes = issued["issueVouchers"]
                .as_array()
                .context("issueVouchers returned no list")?;
            for ((_, external), code) in batch.iter().zip(codes) {
                vouchers.push((
                    external.clone(),
                    code["code"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    shop.vouchers = vouchers;
    Ok(shop)
}

/// The first `n` members as (id, external id), a page of 100 at a time.
async fn member_ids(api: &Api, key: &str, n: u64) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    while (out.len() as u64) < n {
        let page = api
            .post(
                key,
                "query($a: String) { members(first: 100, after: $a) { edges { node { id externalId } } pageInfo { endCursor hasNextPage } } }",
                json!({ "a": after }),
            )
            .await
            .map_err(|e| anyhow!(e))?;
        let members = &page["members"];
        for edge in members["edges"].as_array().into_iter().flatten() {
            out.push((
                field(edge, "/node/id")?.to_owned(),
                field(edge, "/node/externalId")?.to_owned(),
            ));
        }
        if members["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = members["pageInfo"]["endCursor"].clone();
    }
    out.truncate(n as usize);
    Ok(out)
}

/// Opening-data CSV for members `m<first>` to `m<last>`: Vietnamese names and
/// provinces, phones, e-mails, half registered, 200-3,199 opening points.
fn members_csv(first: u64, last: u64) -> String {
    const LAST: [&str; 8] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng",
    ];
    const MIDDLE: [&str; 4] = ["Văn", "Thị", "Minh", "Ngọc"];
    const FIRST: [&str; 8] = ["An", "Bình", "Cường", "Dũng", "Hà", "Linh", "Mai", "Nam"];
    const PROVINCES: [&str; 4] = ["Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ"];
    let mut csv = String::from(
        "external_id,name,phone,email,gender,province,total_orders,total_spent,opening_points,registered\n",
    );
    for i in first..=last {
        let _ = writeln!(
            csv,
            "m{i},{} {} {},09{:08},m{i}@example.vn,{},{},{},{},{},{}",
            LAST[(i * 7 % 8) as usize],
            MIDDLE[(i * 13 % 4) as usize],
            FIRST[(i * 31 % 8) as usize],
            12_000_000 + i,
            if i % 2 == 0 { "FEMALE" } else { "MALE" },
            PROVINCES[(i * 17 % 4) as usize],
            i % 20,
            (i * 7919) % 12_000 * 1_000,
            200 + (i * 37) % 3_000,
            i % 2 == 0,
        );
    }
    csv
}

//! Importing the opening-data file (seed 002): profiles, totals, opening spend, the last
//! purchase and opening points, from CSV. Bad rows are reported with their line and
//! reason and skipped; running the same file again changes nothing (profiles are upserted
//! by external id, opening spend is one row per customer replaced by the file's values
//! (`opening_spend`), the last purchase only moves later, opening points carry the key
//! `import:<external id>`), so an import that stopped part-way is finished by running it
//! again.
//!
//! Two ways in: [`import_csv`] streams a file of any size in batches of [`BATCH`] rows,
//! one transaction each, reporting progress (the command line); [`import_request`] takes
//! a bounded file ([`MAX_REQUEST_ROWS`], [`MAX_REQUEST_BYTES`]) in one transaction (the
//! `importMembers` mutation), so that a request that fails or times out part-way, which
//! drops the transaction, writes nothing.
use super::Gender;
use super::import_fresh;
use super::opening_spend::{self, OpeningInput, UNRANKED_WARNING};
use super::profile::{CleanInput, MemberInput, apply_reached_tier, clean, merge, new_row};
use crate::events::{Event, emit, payload};
use crate::ledger::LedgerKind;
use crate::ledger::balance::held;
use crate::ledger::lots::{credit, lock_member};
use crate::ledger::plan::Credit;
use crate::limits::{self, MAX_OPENING_ORDERS, MAX_POINTS, MAX_SPEND_VND, fits_balance, grouped};
use crate::money::written::{self, Unit};
use crate::program::Policy;
use crate::program::tier_events::tier_ref;
use crate::shops::local_midnight;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use loyalty_entities::{ledger_entry, member};
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Rows per transaction of [`import_csv`]. New customers cost a few statements a batch
/// whatever its size (`import_fresh`), so a larger batch is fewer round trips and commits;
/// 5,000 rows hold a few megabytes, and an import that stops loses at most one batch.
pub const BATCH: usize = 5_000;

/// Most data rows [`import_request`] takes. Measured on a two-core machine busy with
/// other builds (docs/limits.md), a debug build imported new customers at about 1,460
/// rows a second on PostgreSQL and 4,300 on SQLite (written a batch at a time), and
/// known ones row by row at 98-126 and 242-490: 1,000 rows stay far inside the default
/// 30-second request timeout, and hold the database (SQLite's one connection) no longer.
pub const MAX_REQUEST_ROWS: usize = 1_000;

/// Most bytes of CSV [`import_request`] takes: 500 bytes a row, several times a real
/// row's size.
pub const MAX_REQUEST_BYTES: usize = 500_000;

/// The columns of the file; only `external_id` is required.
pub const COLUMNS: [&str; 14] = [
    "external_id",
    "name",
    "phone",
    "email",
    "birthday",
    "gender",
    "province",
    "district",
    "total_orders",
    "total_spent",
    "cycle_spent",
    "last_purchase_at",
    "opening_points",
    "registered",
];

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read.
    pub read: u64,
    /// Rows that created or changed a profile, its opening spend or last purchase, or
    /// added opening points.
    pub imported: u64,
    /// Rows that matched what was already there.
    pub unchanged: u64,
    /// Opening points added.
    pub points_imported: i64,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
    /// What the import did that the file may not have meant, each said once (spend that
    /// ranks nothing in the program's cycle).
    pub warnings: Vec<String>,
}

impl ImportReport {
    fn warn(&mut self, warning: &str) {
        if !self.warnings.iter().any(|w| w == warning) {
            self.warnings.push(warning.to_owned());
        }
    }
}

/// One valid row.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) profile: MemberInput,
    /// The profile checked and normalized as the row was read (on the reading thread:
    /// phone numbers are most of a row's checking), so that writing it checks nothing
    /// again.
    pub(super) clean: CleanInput,
    pub(super) total_orders: Option<i64>,
    pub(super) opening: OpeningInput,
    pub(super) last_purchase_at: Option<DateTime<Utc>>,
    pub(super) opening_points: i64,
}

/// The shop's time as the rows are read: dates are its days, and a last purchase
/// cannot be after now.
#[derive(Debug, Clone, Copy)]
struct ShopTime {
    today: NaiveDate,
    time_zone: Tz,
    now: DateTime<Utc>,
}

impl ShopTime {
    fn of(shop: &crate::shops::Shop, now: DateTime<Utc>) -> Self {
        Self {
            today: shop.local_date(now),
            time_zone: shop.time_zone,
            now,
        }
    }
}

/// A whole number by the rule the API's amounts follow ([`written`]): `1.250.000` and
/// `1,250,000` are 1,250,000; `250.000` and `250,000` are refused with a hint.
fn parse_int(field: &str, raw: &str, max: i64, unit: Unit) -> Result<Option<i64>> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let value = written::parse(field, t)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(DomainError::invalid(
            field,
            format!("'{raw}' must not be negative"),
        ));
    }
    written::refuse_decimals(field, value, unit)?;
    match value.to_i64() {
        Some(v) if v <= max => Ok(Some(v)),
        _ => Err(too_large_error(field, raw, max)),
    }
}

fn too_large_error(field: &str, raw: &str, max: i64) -> DomainError {
    DomainError::invalid(
        field,
        format!("'{raw}' is above the limit of {}", grouped(max)),
    )
}

fn parse_date(raw: &str) -> Result<Option<NaiveDate>> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| {
            DomainError::invalid(
                "birthday",
                format!("'{raw}' is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
            )
        })
}

/// A last purchase: a date (`YYYY-MM-DD` or `DD/MM/YYYY`, the shop's midnight), a date
/// and time with an offset (RFC 3339), or one without (the shop's time), to the
/// microsecond both databases keep, so that the same file compares equal when run again.
fn parse_instant(raw: &str, at: ShopTime) -> Result<Option<DateTime<Utc>>> {
    const FIELD: &str = "last_purchase_at";
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let local = |naive: NaiveDateTime| {
        at.time_zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|l| l.with_timezone(&Utc))
    };
    let parsed = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(|d| local_midnight(at.time_zone, d))
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .ok()
        })
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
            .and_then(local)
        })
        .ok_or_else(|| {
            DomainError::invalid(
                FIELD,
                format!(
                    "last_purchase_at '{raw}' is not a date (YYYY-MM-DD) or a date and time \
                     (RFC 3339, or YYYY-MM-DD HH:MM:SS in the shop's time zone)"
                ),
            )
        })?
        .trunc_subsecs(6);
    if parsed > at.now {
        return Err(DomainError::invalid(
            FIELD,
            format!("last_purchase_at '{raw}' is in the future"),
        ));
    }
    if parsed
        < local_midnight(
            at.time_zone,
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
        )
    {
        return Err(DomainError::invalid(
            FIELD,
            format!("last_purchase_at '{raw}' is before 1970"),
        ));
    }
    Ok(Some(parsed))
}

fn parse_gender(raw: &str) -> Result<Option<Gender>> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "female" | "f" | "nữ" | "nu" => Ok(Some(Gender::Female)),
        "male" | "m" | "nam" => Ok(Some(Gender::Male)),
        "unknown" | "other" | "khác" | "khac" => Ok(Some(Gender::Unknown)),
        other => Err(DomainError::invalid(
            "gender",
            format!("'{other}' is not female, male or unknown"),
        )),
    }
}

fn parse_bool(raw: &str) -> Result<Option<bool>> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" | "y" | "có" | "co" => Ok(Some(true)),
        "false" | "0" | "no" | "n" | "không" | "khong" => Ok(Some(false)),
        other => Err(DomainError::invalid(
            "registered",
            format!("'{other}' is not true or false"),
        )),
    }
}

fn parse_row(line: u64, get: impl Fn(&str) -> String, at: ShopTime) -> Result<Row> {
    let text = |c: &str| Some(get(c)).filter(|v| !v.trim().is_empty());
    let profile = MemberInput {
        external_id: get("external_id"),
        name: text("name"),
        phone: text("phone"),
        email: text("email"),
        birthday: parse_date(&get("birthday"))?,
        gender: parse_gender(&get("gender"))?,
        province: text("province"),
        district: text("district"),
        register: parse_bool(&get("registered"))?,
        channel: None,
    };
    let clean = clean(&profile, at.today)?;
    Ok(Row {
        line,
        profile,
        clean,
        total_orders: parse_int(
            "total_orders",
            &get("total_orders"),
            MAX_OPENING_ORDERS,
            Unit::Count,
        )?,
        opening: OpeningInput {
            total_spent: parse_int("total_spent", &get("total_spent"), MAX_SPEND_VND, Unit::Vnd)?,
            cycle_spent: parse_int("cycle_spent", &get("cycle_spent"), MAX_SPEND_VND, Unit::Vnd)?,
        },
        last_purchase_at: parse_instant(&get("last_purchase_at"), at)?,
        opening_points: parse_int(
            "opening_points",
            &get("opening_points"),
            MAX_POINTS,
            Unit::Points,
        )?
        .unwrap_or(0),
    })
}

/// The data rows of a CSV file, each parsed into a [`Row`] or refused with its line.
struct Rows<R: std::io::Read> {
    records: csv::StringRecordsIntoIter<R>,
    headers: Vec<String>,
    at: ShopTime,
    read: u64,
}

/// Reads the header row, which must name an `external_id` column.
fn open<R: std::io::Read>(reader: R, at: ShopTime) -> Result<Rows<R>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| DomainError::invalid("csv", format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "external_id") {
        return Err(DomainError::invalid(
            "csv",
            format!(
                "the header row needs an external_id column; columns are {}",
                COLUMNS.join(",")
            ),
        ));
    }
    Ok(Rows {
        records: rdr.into_records(),
        headers,
        at,
        read: 0,
    })
}

impl<R: std::io::Read> Iterator for Rows<R> {
    type Item = std::result::Result<Row, Rejected>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        self.read += 1;
        let line = self.read + 1;
        let rejected = |reason: String| Some(Err(Rejected { line, reason }));
        let rec = match record {
            Ok(rec) => rec,
            Err(e) => return rejected(format!("unreadable row: {e}")),
        };
        // PostgreSQL refuses NUL in text and SQLite would store it: neither database
        // decides, the file does, whichever column it is in.
        if let Some(i) = rec.iter().position(|f| f.contains('\0')) {
            let column = self
                .headers
                .get(i)
                .filter(|h| !h.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("in column {}", i + 1));
            return rejected(format!("field {column} contains a NUL byte"));
        }
        let headers = &self.headers;
        let get = |col: &str| {
            headers
                .iter()
                .position(|h| h == col)
                .and_then(|i| rec.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        match parse_row(line, get, self.at) {
            Ok(row) => Some(Ok(row)),
            Err(e) => rejected(e.to_string()),
        }
    }
}

/// Imports a CSV file with a header row naming [`COLUMNS`] (any order; unknown columns
/// are ignored) in transactions of [`BATCH`] rows: a file of any size, for the command
/// line. `progress` is told the rows read after each batch. A failure part-way leaves
/// the batches before it written; running the file again finishes it.
///
/// The file is read and its rows checked on a blocking thread one batch ahead of the
/// batch being written, so parsing overlaps the database's work; at most three batches
/// are held at once (one written, one waiting, one being read), whatever the file's size.
pub async fn import_csv<R: std::io::Read + Send + 'static>(
    ctx: &Ctx,
    shop_id: Uuid,
    reader: R,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport> {
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let at = ShopTime::of(&shop, ctx.clock.now());
    let mut rows = open(reader, at)?;
    let (sender, mut batches) = tokio::sync::mpsc::channel(1);
    let reading = tokio::task::spawn_blocking(move || {
        loop {
            let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
            // An empty batch is the end of the file; a closed channel, an import that
            // failed and stopped listening.
            if batch.is_empty() || sender.blocking_send(batch).is_err() {
                break;
            }
        }
    });
    let mut report = ImportReport::default();
    let mut written = 0_u64;
    while let Some(parsed) = batches.recv().await {
        let mut batch = Vec::with_capacity(parsed.len());
        for row in parsed {
            report.read += 1;
            match row {
                Ok(row) => batch.push(row),
                Err(rejected) => report.rejected.push(rejected),
            }
        }
        apply_batch(ctx, shop_id, batch, &mut report).await?;
        progress(report.read);
        written += 1;
        if written.is_power_of_two() && written.trailing_zeros().is_multiple_of(2) {
            refresh_statistics(ctx).await?;
        }
    }
    reading
        .await
        .map_err(|e| DomainError::Internal(format!("reading the file failed: {e}")))?;
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

/// Tells PostgreSQL's planner how many members and ledger entries the shop now has,
/// after the 1st, 4th, 16th... batch. A shop being filled by the import is one the
/// statistics last saw empty: the planner then reads the shop's whole key index, not the
/// batch's keys in it, to find which customers and opening points exist (a batch at
/// 85,000 members took 24 s), and every batch after it longer. Estimates a few times too
/// low still choose the key lookups, so a few refreshes cover a file of any size.
async fn refresh_statistics(ctx: &Ctx) -> Result<()> {
    if ctx.db.get_database_backend() == DbBackend::Postgres {
        ctx.db
            .execute_unprepared("ANALYZE members, ledger_entries")
            .await?;
    }
    Ok(())
}

/// Imports a CSV file as [`import_csv`] does, but all of it in one transaction: a
/// failure anywhere, or the caller dropping the future (a request timing out), writes
/// nothing. Files of more than [`MAX_REQUEST_ROWS`] data rows or [`MAX_REQUEST_BYTES`]
/// bytes are refused before anything is read from the database (`LimitExceeded`): the
/// command line imports those.
pub async fn import_request(ctx: &Ctx, shop_id: Uuid, csv: &str) -> Result<ImportReport> {
    let too_large = || {
        DomainError::LimitExceeded(format!(
            "importMembers takes at most {} rows and {} bytes of CSV, imported in one transaction; \
             import larger files with `loyalty import members FILE --shop {shop_id}`, which \
             commits every {BATCH} rows and can be run again to finish an import that stopped",
            grouped(MAX_REQUEST_ROWS as i64),
            grouped(MAX_REQUEST_BYTES as i64),
        ))
    };
    if csv.len() > MAX_REQUEST_BYTES {
        return Err(too_large());
    }
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let at = ShopTime::of(&shop, ctx.clock.now());
    let parsed: Vec<_> = open(csv.as_bytes(), at)?
        .take(MAX_REQUEST_ROWS + 1)
        .collect();
    if parsed.len() > MAX_REQUEST_ROWS {
        return Err(too_large());
    }
    let mut report = ImportReport {
        read: parsed.len() as u64,
        ..Default::default()
    };
    let mut rows = Vec::with_capacity(parsed.len());
    for p in parsed {
        match p {
            Ok(row) => rows.push(row),
            Err(rejected) => report.rejected.push(rejected),
        }
    }
    let txn = ctx.db.begin().await?;
    apply(&txn, shop_id, rows, &mut report, ctx.clock.now()).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

/// Applies `rows` in a transaction of their own.
async fn apply_batch(
    ctx: &Ctx,
    shop_id: Uuid,
    rows: Vec<Row>,
    report: &mut ImportReport,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let txn = ctx.db.begin().await?;
    apply(&txn, shop_id, rows, report, ctx.clock.now()).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(())
}

/// Applies `rows` in `txn`: a row refused for its content is reported and skipped,
/// anything else fails the whole transaction.
async fn apply(
    txn: &DatabaseTransaction,
    shop_id: Uuid,
    rows: Vec<Row>,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let policy = Policy::load(txn, shop_id).await?;
    // New customers are planned in memory and written set-wise; the rest one by one.
    let (fresh, rest) = import_fresh::split(txn, shop_id, rows).await?;
    for (line, outcome) in import_fresh::apply(txn, &policy, fresh, now).await? {
        tally(report, line, outcome)?;
    }
    for row in rest {
        let outcome = apply_row(txn, &policy, &row, now).await;
        tally(report, row.line, outcome)?;
    }
    Ok(())
}

/// Counts one row's outcome in the report: a row refused for its content is reported
/// and skipped, any other error fails the import's transaction.
fn tally(report: &mut ImportReport, line: u64, outcome: Result<Applied>) -> Result<()> {
    match outcome {
        Ok(Applied {
            changed,
            points,
            unranked,
        }) => {
            if unranked {
                report.warn(UNRANKED_WARNING);
            }
            if changed || points > 0 {
                report.imported += 1;
            } else {
                report.unchanged += 1;
            }
            report.points_imported =
                limits::add("the points imported", report.points_imported, points)?;
            Ok(())
        }
        Err(DomainError::InvalidInput { message, .. }) => {
            report.rejected.push(Rejected {
                line,
                reason: message,
            });
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `member.registered` for a customer the file registers.
pub(super) fn registered(policy: &Policy, row: &member::Model, now: DateTime<Utc>) -> Event {
    let at = row.registered_at.unwrap_or(now);
    payload::member_registered(row, at, &tier_ref(policy, row.tier_id))
}

/// What one row did.
#[derive(Debug, Clone)]
pub(super) struct Applied {
    /// Whether the profile, its standing or its opening spend changed.
    pub(super) changed: bool,
    /// Opening points added.
    pub(super) points: i64,
    /// Whether its spend ranks nothing in the program's cycle.
    pub(super) unranked: bool,
}

/// Upserts one row. Everything that can refuse the row is checked before anything of it
/// is written, so a refused row writes nothing.
async fn apply_row(
    txn: &DatabaseTransaction,
    policy: &Policy,
    row: &Row,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let shop_id = policy.shop.id;
    let input = &row.clean;
    let existing = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::ExternalId.eq(input_external_id(&row.profile)))
        .lock_exclusive()
        .one(txn)
        .await?;
    // Opening points are credited once per external id; whether they fit the member's
    // balance is decided before anything of the row is written, so that a row refused
    // for them is refused whole.
    let key = format!("import:{}", input_external_id(&row.profile));
    let mut points = 0;
    if row.opening_points > 0 {
        let done = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::ShopId.eq(shop_id))
            .filter(ledger_entry::Column::IdempotencyKey.eq(key.clone()))
            .one(txn)
            .await?
            .is_some();
        if !done {
            if let Some(m) = &existing {
                let holds = held(txn, shop_id, m.id, now).await?;
                fits_balance("opening_points", holds, row.opening_points)?;
            }
            points = row.opening_points;
        }
    }
    let is_new = existing.is_none();
    let before = match existing {
        Some(m) => m,
        None => new_row(txn, shop_id, &input_external_id(&row.profile), now).await?,
    };
    let planned = opening_spend::plan(txn, policy, before.id, is_new, row.opening, now).await?;
    let mut after = merge(before.clone(), input, now);
    if before.registered_at.is_none() && after.registered_at.is_some() {
        apply_reached_tier(policy, &mut after, now);
    }
    // Opening totals describe the past: they apply while no order was recorded here.
    if before.total_orders == 0 && before.total_spent == 0 {
        after.total_orders = row.total_orders.unwrap_or(0);
        after.total_spent = row.opening.total_spent.unwrap_or(0);
    }
    // The file's last purchase never moves a later one (an order recorded here) back.
    if let Some(at) = row.last_purchase_at {
        after.last_purchase_at = Some(after.last_purchase_at.map_or(at, |t| t.max(at)));
    }
    let mut opening = planned.change;
    if let Some(change) = opening.as_mut() {
        change.count(policy, &mut after, now);
    }
    let changed = is_new || opening.is_some() || {
        let mut same = after.clone();
        same.updated_at = before.updated_at;
        same != before
    };
    let registers = before.registered_at.is_none() && after.registered_at.is_some();
    if is_new {
        after.source = Some(super::source::IMPORT.to_owned());
        member::Entity::insert(after.clone().into_active_model())
            .exec_without_returning(txn)
            .await?;
    } else if changed {
        after
            .clone()
            .into_active_model()
            .reset_all()
            .update(txn)
            .await?;
    }
    if let Some(change) = opening {
        change.save(txn).await?;
    }
    if registers {
        emit(txn, shop_id, vec![registered(policy, &after, now)], now).await?;
    }
    if points > 0 {
        lock_member(txn, shop_id, after.id).await?;
        credit(
            txn,
            shop_id,
            after.id,
            now,
            opening_credit(policy, points, key, now),
        )
        .await?;
    }
    Ok(Applied {
        changed,
        points,
        unranked: planned.unranked,
    })
}

/// The credit of a row's opening points: available now, expiring as the program says,
/// keyed so that it is made once per external id.
pub(super) fn opening_credit(
    policy: &Policy,
    points: i64,
    key: String,
    now: DateTime<Utc>,
) -> Credit {
    Credit {
        kind: LedgerKind::Import,
        points,
        available_at: now,
        expires_at: policy.expires_at(now),
        reason: Some("opening balance".into()),
        order_id: None,
        idempotency_key: Some(key),
    }
}

pub(super) fn input_external_id(p: &MemberInput) -> String {
    p.external_id.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_flags() {
        let max = i64::MAX;
        let v = Unit::Vnd;
        assert_eq!(
            parse_int("x", "1,250,000", max, v).ok(),
            Some(Some(1_250_000))
        );
        assert_eq!(
            parse_int("x", "1.250.000", max, v).ok(),
            Some(Some(1_250_000))
        );
        assert_eq!(parse_int("x", "250000", max, v).ok(), Some(Some(250_000)));
        assert!(parse_int("x", "12.5", max, v).is_err());
        assert!(parse_int("x", "-3", max, v).is_err());
        assert_eq!(parse_int("x", "", max, v).ok(), Some(None));
        assert_eq!(
            parse_date("17/05/1990").ok().flatten(),
            NaiveDate::from_ymd_opt(1990, 5, 17)
        );
        assert!(parse_date("1990-13-01").is_err());
        assert_eq!(parse_gender("Nữ").ok(), Some(Some(Gender::Female)));
        assert_eq!(parse_bool("có").ok(), Some(Some(true)));
    }

    #[test]
    fn amounts_above_their_limits_are_refused_not_wrapped() {
        assert_eq!(
            parse_int("x", "1000", 1000, Unit::Points).ok(),
            Some(Some(1000))
        );
        let over = parse_int("opening_points", "1001", 1000, Unit::Points);
        assert!(over.is_err_and(|e| e.to_string().contains("above the limit of 1,000")));
        // i64::MAX and beyond: too large, not "not a number".
        for raw in [
            "9223372036854775807",
            "9223372036854775808",
            "99999999999999999999",
        ] {
            let e = parse_int("opening_points", raw, MAX_POINTS, Unit::Points);
            assert!(
                e.is_err_and(|e| e.to_string().contains("above the limit")),
                "{raw}"
            );
        }
    }

    fn shop_time() -> ShopTime {
        let now = DateTime::parse_from_rfc3339("2026-01-01T05:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        ShopTime {
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
            now,
        }
    }

    fn parse_all(csv: &str) -> Vec<std::result::Result<Row, Rejected>> {
        match open(csv.as_bytes(), shop_time()) {
            Ok(rows) => rows.collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_nul_byte_in_any_field_refuses_its_row() {
        let rows = parse_all("external_id,name,note\nc1,An,\nc2,B\0nh,\nc3,Cu,x\0\nc4\0,D,\n");
        let refused: Vec<(u64, String)> = rows
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|r| (r.line, r.reason.clone()))
            .collect();
        assert_eq!(
            refused,
            vec![
                (3, "field name contains a NUL byte".to_owned()),
                (4, "field note contains a NUL byte".to_owned()),
                (5, "field external_id contains a NUL byte".to_owned()),
            ]
        );
        assert!(rows[0].is_ok());
    }

    #[test]
    fn last_purchases_are_dates_or_instants_in_the_shop_time_zone() {
        let at = shop_time();
        let utc = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        };
        // Ho Chi Minh City is UTC+7: its midnight is 17:00 UTC the day before.
        let cases = [
            ("2025-12-30", "2025-12-29T17:00:00Z"),
            ("30/12/2025", "2025-12-29T17:00:00Z"),
            ("2025-12-30 08:30:00", "2025-12-30T01:30:00Z"),
            ("2025-12-30T08:30", "2025-12-30T01:30:00Z"),
            ("2025-12-30T08:30:00+02:00", "2025-12-30T06:30:00Z"),
            (
                "2025-12-30T08:30:00.1234567Z",
                "2025-12-30T08:30:00.123456Z",
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                parse_instant(raw, at).ok().flatten(),
                utc(expected),
                "{raw}"
            );
        }
        assert_eq!(parse_instant(" ", at).ok(), Some(None));
        for bad in [
            "yesterday",
            "2025-13-01",
            "2026-01-02",
            "1969-12-31",
            "2026-01-01T12:00:01+07:00",
        ] {
            assert!(
                parse_instant(bad, at).is_err_and(|e| e.to_string().contains("last_purchase_at")),
                "{bad}"
            );
        }
    }
}

//! Importing the opening-data file (seed 002): profiles, totals and opening points, from
//! CSV, streamed in batches of one transaction each. Bad rows are reported with their
//! line and reason and skipped; running the same file again changes nothing (profiles
//! are upserted by external id, opening points carry the key `import:<external id>`).
use super::Gender;
use super::profile::{MemberInput, clean, merge, new_row};
use crate::ledger::LedgerKind;
use crate::ledger::lots::{Credit, credit, lock_member};
use crate::ledger::policy::Policy;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::{ledger_entry, member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Rows per transaction.
pub const BATCH: usize = 500;

/// The columns of the file; only `external_id` is required.
pub const COLUMNS: [&str; 12] = [
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
    /// Rows that created or changed a profile or added opening points.
    pub imported: u64,
    /// Rows that matched what was already there.
    pub unchanged: u64,
    /// Opening points added.
    pub points_imported: i64,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
}

/// One valid row.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    profile: MemberInput,
    total_orders: Option<i64>,
    total_spent: Option<i64>,
    opening_points: i64,
}

fn parse_int(field: &str, raw: &str) -> Result<Option<i64>> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    // Whole numbers, optionally with thousands separators ("1,250,000" or "1.250.000").
    let grouped = t.len() > 4
        && t.split([',', '.']).enumerate().all(|(i, g)| {
            g.chars().all(|c| c.is_ascii_digit())
                && (if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                })
        });
    let digits: String = if grouped {
        t.chars().filter(char::is_ascii_digit).collect()
    } else {
        t.to_owned()
    };
    match digits.parse::<i64>() {
        Ok(v) if v >= 0 => Ok(Some(v)),
        _ => Err(DomainError::invalid(
            field,
            format!("'{raw}' is not a whole number of at least 0"),
        )),
    }
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

fn parse_row(line: u64, get: impl Fn(&str) -> String, today: NaiveDate) -> Result<Row> {
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
    };
    clean(&profile, today)?;
    Ok(Row {
        line,
        profile,
        total_orders: parse_int("total_orders", &get("total_orders"))?,
        total_spent: parse_int("total_spent", &get("total_spent"))?,
        opening_points: parse_int("opening_points", &get("opening_points"))?.unwrap_or(0),
    })
}

/// Imports a CSV file with a header row naming [`COLUMNS`] (any order; unknown columns
/// are ignored). `progress` is told the rows read after each batch.
pub async fn import_csv<R: std::io::Read>(
    ctx: &Ctx,
    shop_id: Uuid,
    reader: R,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport> {
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let today = shop.local_date(ctx.clock.now());
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
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for record in rdr.records() {
        report.read += 1;
        let line = report.read + 1;
        match record {
            Err(e) => report.rejected.push(Rejected {
                line,
                reason: format!("unreadable row: {e}"),
            }),
            Ok(rec) => {
                let get = |col: &str| {
                    headers
                        .iter()
                        .position(|h| h == col)
                        .and_then(|i| rec.get(i))
                        .unwrap_or_default()
                        .to_owned()
                };
                match parse_row(line, get, today) {
                    Ok(row) => batch.push(row),
                    Err(e) => report.rejected.push(Rejected {
                        line,
                        reason: e.to_string(),
                    }),
                }
            }
        }
        if batch.len() >= BATCH {
            apply(ctx, shop_id, std::mem::take(&mut batch), &mut report).await?;
            progress(report.read);
        }
    }
    apply(ctx, shop_id, batch, &mut report).await?;
    progress(report.read);
    Ok(report)
}

async fn apply(ctx: &Ctx, shop_id: Uuid, rows: Vec<Row>, report: &mut ImportReport) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let policy = Policy::load(&txn, shop_id).await?;
    let shop = crate::shops::load(&txn, shop_id).await?;
    for row in rows {
        match apply_row(&txn, &policy, shop.local_date(now), &row, now).await {
            Ok((changed, points)) => {
                if changed || points > 0 {
                    report.imported += 1;
                } else {
                    report.unchanged += 1;
                }
                report.points_imported += points;
            }
            Err(DomainError::InvalidInput { message, .. }) => {
                report.rejected.push(Rejected {
                    line: row.line,
                    reason: message,
                });
            }
            Err(e) => return Err(e),
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Upserts one row; returns whether the profile changed and the points added.
async fn apply_row(
    txn: &DatabaseTransaction,
    policy: &Policy,
    today: NaiveDate,
    row: &Row,
    now: DateTime<Utc>,
) -> Result<(bool, i64)> {
    let shop_id = policy.shop.id;
    let input = clean(&row.profile, today)?;
    let existing = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::ExternalId.eq(input_external_id(&row.profile)))
        .lock_exclusive()
        .one(txn)
        .await?;
    let is_new = existing.is_none();
    let before = match existing {
        Some(m) => m,
        None => new_row(txn, shop_id, &input_external_id(&row.profile), now).await?,
    };
    let mut after = merge(before.clone(), &input, now);
    // Opening totals describe the past: they apply while no order was recorded here.
    if before.total_orders == 0 && before.total_spent == 0 {
        after.total_orders = row.total_orders.unwrap_or(0);
        after.total_spent = row.total_spent.unwrap_or(0);
    }
    let changed = is_new || {
        let mut same = after.clone();
        same.updated_at = before.updated_at;
        same != before
    };
    if is_new {
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
    let mut points = 0;
    if row.opening_points > 0 {
        let key = format!("import:{}", after.external_id);
        let done = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::ShopId.eq(shop_id))
            .filter(ledger_entry::Column::IdempotencyKey.eq(key.clone()))
            .one(txn)
            .await?
            .is_some();
        if !done {
            lock_member(txn, shop_id, after.id).await?;
            credit(
                txn,
                shop_id,
                after.id,
                now,
                Credit {
                    kind: LedgerKind::Import,
                    points: row.opening_points,
                    available_at: now,
                    expires_at: policy.expires_at(now),
                    reason: Some("opening balance".into()),
                    order_id: None,
                    idempotency_key: Some(key),
                },
            )
            .await?;
            points = row.opening_points;
        }
    }
    Ok((changed, points))
}

fn input_external_id(p: &MemberInput) -> String {
    p.external_id.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_flags() {
        assert_eq!(parse_int("x", "1,250,000").ok(), Some(Some(1_250_000)));
        assert_eq!(parse_int("x", "1.250.000").ok(), Some(Some(1_250_000)));
        assert_eq!(parse_int("x", "250000").ok(), Some(Some(250_000)));
        assert!(parse_int("x", "12.5").is_err());
        assert!(parse_int("x", "-3").is_err());
        assert_eq!(parse_int("x", "").ok(), Some(None));
        assert_eq!(
            parse_date("17/05/1990").ok().flatten(),
            NaiveDate::from_ymd_opt(1990, 5, 17)
        );
        assert!(parse_date("1990-13-01").is_err());
        assert_eq!(parse_gender("Nữ").ok(), Some(Some(Gender::Female)));
        assert_eq!(parse_bool("có").ok(), Some(Some(true)));
    }
}

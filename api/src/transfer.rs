//! `loyalty import members` and `loyalty export members`.
use crate::config::DbConfig;
use crate::graphql::json_input;
use crate::{app, graphql};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use loyalty_domain::members::{self, MemberFilter};
use std::io::Write;
use uuid::Uuid;

/// Streams the CSV into the shop with a progress bar; prints the report as JSON.
pub async fn import_members(
    db: &DbConfig,
    shop: Uuid,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let ctx = app::system_context(db).await?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    // Rows are ~100 bytes: a row estimate is enough for a bar.
    let bar = ProgressBar::new((size / 100).max(1));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} rows [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let report = members::import::import_csv(&ctx, shop, std::io::BufReader::new(reader), |n| {
        bar.set_position(n)
    })
    .await?;
    bar.finish_with_message("done");
    let rejected: Vec<_> = report
        .rejected
        .iter()
        .map(|r| serde_json::json!({"line": r.line, "reason": r.reason}))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "read": report.read,
            "imported": report.imported,
            "unchanged": report.unchanged,
            "pointsImported": report.points_imported,
            "rejected": rejected,
            "warnings": report.warnings,
        })
    );
    Ok(())
}

/// Reads `--filter-json` and `--saved` as GraphQL reads `members(filter:, saved:)`: the
/// same input types, names and enum values; an unknown name is refused, not ignored.
pub fn member_filter(filter_json: &str, saved: Option<&str>) -> anyhow::Result<MemberFilter> {
    let filter: graphql::members::filter::MemberFilter =
        json_input::parse("--filter-json", filter_json).map_err(anyhow::Error::msg)?;
    let saved = saved
        .map(|s| {
            json_input::parse::<graphql::enums::SavedFilter>(
                "--saved",
                &serde_json::Value::from(s).to_string(),
            )
        })
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let filter = filter.into_domain(saved)?;
    filter.validate()?;
    Ok(filter)
}

/// Writes the members matching the filter as CSV to stdout, in the import's columns.
pub async fn export_members(
    db: &DbConfig,
    shop_id: Uuid,
    filter_json: &str,
    saved: Option<&str>,
) -> anyhow::Result<()> {
    let filter = member_filter(filter_json, saved)?;
    let ctx = app::system_context(db).await?;
    let stdout = std::io::stdout();
    write_members(&ctx, shop_id, &filter, stdout.lock()).await?;
    std::io::stdout().flush()?;
    Ok(())
}

/// Writes the shop's members matching `filter` as CSV in the import's columns
/// (`loyalty_domain::members::export`), in id order, a batch at a time.
pub async fn write_members<W: Write>(
    ctx: &loyalty_domain::Ctx,
    shop_id: Uuid,
    filter: &MemberFilter,
    out: W,
) -> anyhow::Result<()> {
    let policy = loyalty_domain::program::Policy::load(&ctx.db, shop_id).await?;
    let now = ctx.clock.now();
    let mut out = csv::Writer::from_writer(out);
    out.write_record(members::export::header())?;
    let mut after = None;
    loop {
        let batch =
            members::listing::ids_after(&ctx.db, &policy.shop, now, filter, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for record in members::export::records(&ctx.db, &policy, now, &batch).await? {
            out.write_record(&record)?;
        }
    }
    out.flush()?;
    Ok(())
}

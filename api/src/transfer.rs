//! `loyalty import members` and `loyalty export members`.
use crate::app;
use crate::config::DbConfig;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use loyalty_domain::members::{self, MemberFilter};
use loyalty_domain::shops;
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

/// Writes the members matching the filter as CSV, in id order, a batch at a time.
pub async fn export_members(db: &DbConfig, shop_id: Uuid, filter_json: &str) -> anyhow::Result<()> {
    let ctx = app::system_context(db).await?;
    let filter: MemberFilter =
        serde_json::from_str(filter_json).context("--filter-json is not a member filter")?;
    filter.validate()?;
    let shop = shops::load(&ctx.db, shop_id).await?;
    let now = ctx.clock.now();
    let stdout = std::io::stdout();
    let mut out = csv::Writer::from_writer(stdout.lock());
    out.write_record([
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
        "available_points",
        "registered",
    ])?;
    let mut after = None;
    loop {
        let batch = members::listing::ids_after(&ctx.db, &shop, now, &filter, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for m in &batch {
            out.write_record([
                m.external_id.clone(),
                m.name.clone().unwrap_or_default(),
                m.phone.clone().unwrap_or_default(),
                m.email.clone().unwrap_or_default(),
                m.birthday.map(|b| b.to_string()).unwrap_or_default(),
                m.gender.to_lowercase(),
                m.province.clone().unwrap_or_default(),
                m.district.clone().unwrap_or_default(),
                m.total_orders.to_string(),
                m.total_spent.to_string(),
                m.points_available.to_string(),
                m.registered_at.is_some().to_string(),
            ])?;
        }
    }
    out.flush()?;
    std::io::stdout().flush()?;
    Ok(())
}

//! The opening import at size: a CSV file of `rows` customers (written once, kept in the
//! temporary directory) imported into a new shop by the code `loyalty import members`
//! runs, with the process's resident memory before and at its peak.
use super::{Line, memory};
use loyalty_domain::{Ctx, members, program};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Writes the file if missing: names, phones, emails, spend and opening points, the
/// columns a merchant's export usually has.
fn file(rows: u64) -> anyhow::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("loyalty-bench-scale-{rows}.csv"));
    if path.exists() {
        return Ok(path);
    }
    let partial = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    writeln!(
        out,
        "external_id,name,phone,email,gender,province,total_orders,total_spent,last_purchase_at,opening_points,registered"
    )?;
    for i in 1..=rows {
        writeln!(
            out,
            "c{i},Khách {i},09{:08},c{i}@example.vn,{},Hà Nội,{},{},2026-0{}-1{} 10:00,{},{}",
            i % 100_000_000,
            ["nữ", "nam", ""][(i % 3) as usize],
            i % 40,
            (i * 7919) % 30_000_000,
            1 + i % 9,
            i % 10,
            (i * 31) % 5_000,
            i % 2 == 0,
        )?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Imports the file into a new shop and returns the report line.
pub async fn measure(ctx: &Ctx, rows: u64) -> anyhow::Result<Line> {
    let path = file(rows)?;
    let tag = format!("{:x}", uuid::Uuid::now_v7().as_u128() as u32);
    let shop = program::create_shop(ctx, &format!("bench-scale-import-{tag}"), None)
        .await?
        .shop_id;
    let before = memory::resident_kib().unwrap_or(0);
    memory::reset_peak();
    let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
    let t = Instant::now();
    let report = members::import::import_csv(ctx, shop, reader, |_| {}).await?;
    let took = t.elapsed();
    let peak = memory::peak_kib().unwrap_or(0);
    if report.imported != rows || !report.rejected.is_empty() {
        anyhow::bail!(
            "import: {} of {rows} rows imported, first refusal {:?}",
            report.imported,
            report.rejected.first().map(|r| &r.reason)
        );
    }
    Ok(Line {
        step: "import (CLI) of a new shop's opening file".into(),
        items: rows,
        took,
        unit: "rows",
        note: format!("RSS {} MB before, peak {} MB", before / 1024, peak / 1024),
        statements: Vec::new(),
    })
}

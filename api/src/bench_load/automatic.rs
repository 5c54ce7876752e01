//! Phase 4 of `loyalty bench load`: a second shop holding 500 active automatic offers
//! (issue 28's bound per shop), quoted in an open loop, so that the cost of weighing
//! every automatic offer on each checkout shows as the quote's p99.
use super::client::Api;
use super::seed;
use super::stats::Phase;
use super::workload::{self, FROM_DUE, FROM_SEND};
use loyalty_domain::Ctx;
use loyalty_domain::offers::service::MAX_AUTOMATIC_OFFERS;
use serde_json::{Value, json};
use std::time::Duration;

/// Members of the offers shop: its quotes weigh offers, not customers.
const MEMBERS: u64 = 200;

/// Offer `i` of the shop: mixed kinds and targets over the bench's products and groups
/// (`P01`-`P24`, `G0`-`G3`), with thresholds spread so that some apply to a cart and most
/// do not, a few exclusive ones, and priorities 0-9.
fn offer(i: u64) -> Value {
    let mut input = match i % 4 {
        0 => json!({"discountKind": "PERCENT", "value": (1 + i % 10).to_string(),
            "targetKind": "GROUP", "targetIds": [format!("G{}", i % 4)],
            "minValue": (100_000 + 2_000 * i).to_string()}),
        1 => json!({"discountKind": "FIXED", "value": "5000", "targetKind": "ORDER",
            "minValue": (200_000 + 2_000 * i).to_string()}),
        2 => json!({"discountKind": "FIXED", "value": "2000", "fixedPer": "ITEM",
            "targetKind": "PRODUCT", "targetIds": [format!("P{:02}", 1 + i % 24)],
            "minQuantity": 1 + i % 3}),
        _ => json!({"discountKind": "PERCENT", "value": "5", "targetKind": "ORDER",
            "maxDiscount": "30000", "minValue": (300_000 + 2_000 * i).to_string()}),
    };
    input["name"] = json!(format!("auto-{i}"));
    input["delivery"] = json!("AUTOMATIC");
    input["priority"] = json!(i % 10);
    input["exclusive"] = json!(i.is_multiple_of(50));
    input
}

/// Seeds the offers shop and quotes it at `rate` per second for `duration`.
pub async fn run(ctx: &Ctx, api: &Api, rate: u64, duration: Duration) -> anyhow::Result<Phase> {
    let shop = seed::seed(ctx, api, MEMBERS).await?;
    for i in 0..MAX_AUTOMATIC_OFFERS {
        api.post(
            &shop.admin_key,
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({ "i": offer(i) }),
        )
        .await
        .map_err(|e| anyhow::anyhow!("offer {i}: {e}"))?;
    }
    let plan = workload::Plan::new(&shop, MEMBERS);
    Ok(workload::open_loop(api, &plan, rate, duration).await)
}

/// Prints the phase's latencies.
pub fn print(phase: &mut Phase, rate: u64) {
    for name in [FROM_SEND, FROM_DUE] {
        let op = phase.op(name);
        op.sort();
        println!(
            "500 automatic offers, quote at {rate}/s, {name}: p50 {:.2} ms, p99 {:.2} ms, {} ok, {} errors",
            op.percentile_ms(50.0),
            op.percentile_ms(99.0),
            op.ok(),
            op.errors()
        );
    }
}

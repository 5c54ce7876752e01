//! Prometheus metrics: requests and latency by root field, and background job work,
//! rendered at `GET /metrics` for callers with the metrics token.
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder, installed on first use (one per process, as metrics are).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// Records one GraphQL request under its root field (see [`root_label`]), whether it
/// answered with errors, and how long it took.
pub fn graphql_request(root: &'static str, errored: bool, elapsed: Duration) {
    let outcome = if errored { "error" } else { "ok" };
    metrics::counter!("loyalty_graphql_requests_total", "operation" => root, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("loyalty_graphql_request_duration_seconds", "operation" => root)
        .record(elapsed.as_secs_f64());
}

/// The label a request is counted under: the name of the first root field of the
/// operation it runs (`recordOrder`, `members`), `introspection` for `__schema` and
/// friends, or `other`. Never text the client chose (operation names, aliases): a label
/// makes a series that lives as long as the process, so client text as a label lets any
/// caller grow the server's memory and `/metrics` without bound.
pub fn root_label(request: &mut async_graphql::Request) -> &'static str {
    use async_graphql::parser::types::Selection;
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return OTHER;
    };
    let operation = match wanted.as_deref() {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op),
        None => doc.operations.iter().next().map(|(_, op)| op),
    };
    let Some(operation) = operation else {
        return OTHER;
    };
    let first = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|item| match &item.node {
            Selection::Field(f) => Some(f.node.name.node.as_str()),
            _ => None,
        });
    match first {
        Some(name) if name.starts_with("__") => "introspection",
        Some(name) => root_fields().get(name).copied().unwrap_or(OTHER),
        None => OTHER,
    }
}

const OTHER: &str = "other";

/// The root field names of the schema (query and mutation), each a label.
fn root_fields() -> &'static std::collections::HashMap<String, &'static str> {
    static FIELDS: OnceLock<std::collections::HashMap<String, &'static str>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let sdl = crate::graphql::sdl();
        let Ok(doc) = async_graphql::parser::parse_schema(&sdl) else {
            return Default::default();
        };
        doc.definitions
            .iter()
            .filter_map(|d| match d {
                TypeSystemDefinition::Type(t)
                    if matches!(t.node.name.node.as_str(), "Query" | "Mutation") =>
                {
                    match &t.node.kind {
                        TypeKind::Object(o) => Some(o.fields.iter()),
                        _ => None,
                    }
                }
                _ => None,
            })
            .flatten()
            .map(|f| {
                let name = f.node.name.node.to_string();
                // Leaked once per process: the set is the schema's, fixed at build time.
                let label: &'static str = Box::leak(name.clone().into_boxed_str());
                (name, label)
            })
            .collect()
    })
}

/// Records what a background job run did.
pub fn jobs_run(report: &loyalty_domain::jobs::JobReport) {
    metrics::counter!("loyalty_jobs_runs_total").increment(1);
    metrics::counter!("loyalty_points_expired_total")
        .increment(report.points_expired.max(0) as u64);
    metrics::counter!("loyalty_members_rolled_total").increment(report.members_rolled);
    metrics::counter!("loyalty_balances_refreshed_total").increment(report.balances_refreshed);
}

/// Counts what a bulk run did.
pub fn bulk_run(r: &loyalty_domain::bulk::RunReport) {
    metrics::counter!("loyalty_bulk_members_total", "outcome" => "done").increment(r.done);
    metrics::counter!("loyalty_bulk_members_total", "outcome" => "failed").increment(r.failed);
    metrics::counter!("loyalty_bulk_jobs_finished_total").increment(r.finished);
}

/// The values of counter `name` by label set, as `/metrics` would show them now (for
/// reports printed by this process, such as `loyalty bench load`).
pub fn counter_values(name: &str) -> Vec<(String, u64)> {
    series_values(name)
        .into_iter()
        .filter_map(|(series, value)| {
            let labels = series.strip_prefix(name)?;
            let labels = labels.trim_start_matches('{').trim_end_matches('}');
            Some((labels.to_owned(), value as u64))
        })
        .collect()
}

/// The values of every series whose name starts with `prefix`, by full name and labels,
/// as `/metrics` would show them now (histogram sums and counts included).
pub fn series_values(prefix: &str) -> Vec<(String, f64)> {
    let text = handle().map(PrometheusHandle::render).unwrap_or_default();
    text.lines()
        .filter(|line| line.starts_with(prefix))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.trim().parse::<f64>().ok()?))
        })
        .collect()
}

/// The Prometheus text format, as `GET /metrics` answers it to a caller with the
/// metrics token (see `http::metrics`).
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// Records what a campaign delivery round did.
pub fn campaign_round(r: &loyalty_domain::campaigns::dispatch::RoundReport) {
    metrics::counter!("loyalty_deliveries_total", "outcome" => "sent").increment(r.sent);
    metrics::counter!("loyalty_deliveries_total", "outcome" => "retried").increment(r.retried);
    metrics::counter!("loyalty_deliveries_total", "outcome" => "failed").increment(r.failed);
    metrics::counter!("loyalty_campaigns_started_total").increment(r.started);
    metrics::counter!("loyalty_campaigns_completed_total").increment(r.completed);
    metrics::gauge!("loyalty_delivery_queue_depth").set(r.queue_depth as f64);
}

#[cfg(test)]
mod tests {
    #[test]
    fn counter_values_reads_back_what_was_counted() {
        assert!(super::handle().is_some());
        metrics::counter!("loyalty_test_counter_total", "path" => "a").increment(3);
        metrics::counter!("loyalty_test_counter_total", "path" => "b").increment(1);
        let mut values = super::counter_values("loyalty_test_counter_total");
        values.sort();
        assert_eq!(
            values,
            vec![("path=\"a\"".to_owned(), 3), ("path=\"b\"".to_owned(), 1)]
        );
    }
}

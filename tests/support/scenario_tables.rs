//! The scenario tables under `tests/scenarios/`: read once by the pure runs (snapshots)
//! and by the end-to-end runs through `quote`, so both read the same file the same way.
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The table `file` as text (for checks on its comments) and as data.
pub fn read<T: DeserializeOwned>(file: &str) -> (String, T) {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    (text, value)
}

/// Every row carries its arithmetic: the line before each row (a `- {...}` item under
/// `scenarios:`) is a comment.
pub fn every_row_has_its_arithmetic(file: &str, text: &str) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| *l == "scenarios:")
        .unwrap_or(lines.len());
    for (i, line) in lines.iter().enumerate().skip(start) {
        if line.starts_with("- {") {
            assert!(
                i > 0 && lines[i - 1].starts_with('#'),
                "{file}: row without an arithmetic comment: {line}"
            );
        }
    }
}

/// A table's target (`order`, `{product: p}` or `{group: g}`) as the contract's
/// `targetKind` and `targetIds`.
pub fn target_input(target: &Value) -> (&'static str, Value) {
    if target == "order" {
        ("ORDER", json!(null))
    } else if let Some(p) = target["product"].as_str() {
        ("PRODUCT", json!([p]))
    } else {
        (
            "GROUP",
            json!([target["group"].as_str().unwrap_or_default()]),
        )
    }
}

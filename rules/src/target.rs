//! What an offer is about: the whole order, some products, or some product groups.
use crate::cart::CartLine;
use serde::{Deserialize, Serialize};

/// The items an offer's conditions count and its per-item discounts touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "ids", rename_all = "snake_case")]
pub enum Target {
    /// Every line.
    Order,
    /// Lines of these products.
    Products(Vec<String>),
    /// Lines whose product is in one of these groups.
    Groups(Vec<String>),
}

impl Target {
    /// Whether `line` is targeted.
    pub fn matches(&self, line: &CartLine) -> bool {
        match self {
            Target::Order => true,
            Target::Products(ids) => ids.contains(&line.product_id),
            Target::Groups(ids) => line.group_ids.iter().any(|g| ids.contains(g)),
        }
    }

    /// How a cashier would name the target ("product A", "group G", "the order").
    pub fn describe(&self) -> String {
        fn list(ids: &[String]) -> String {
            ids.join(", ")
        }
        match self {
            Target::Order => "items".to_owned(),
            Target::Products(ids) => format!("product {}", list(ids)),
            Target::Groups(ids) => format!("group {}", list(ids)),
        }
    }
}

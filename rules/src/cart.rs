//! The cart a quote or an order prices.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A line: a product, its groups, how many, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The product.
    pub product_id: String,
    /// Groups (collections, categories) the product belongs to.
    pub group_ids: Vec<String>,
    /// Units.
    pub quantity: u32,
    /// Price of one unit, whole VND.
    pub unit_price: Decimal,
    /// The line already carries another promotion.
    pub already_discounted: bool,
}

impl CartLine {
    /// Quantity times unit price.
    pub fn value(&self) -> Decimal {
        self.unit_price * Decimal::from(self.quantity)
    }
}

/// The lines being priced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// The lines, in the order given.
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// Sum of the lines' values.
    pub fn subtotal(&self) -> Decimal {
        self.lines.iter().map(CartLine::value).sum()
    }
}

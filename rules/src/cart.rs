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
    /// Quantity times unit price; saturates at `Decimal::MAX` (or `MIN`) instead of
    /// panicking on a price no real cart has, since pricing must not panic on input.
    pub fn value(&self) -> Decimal {
        self.unit_price.saturating_mul(Decimal::from(self.quantity))
    }
}

/// The lines being priced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// The lines, in the order given.
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// Sum of the lines' values (saturating, like [`CartLine::value`]).
    pub fn subtotal(&self) -> Decimal {
        self.lines
            .iter()
            .map(CartLine::value)
            .fold(Decimal::ZERO, |a, v| a.saturating_add(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit_price: Decimal, quantity: u32) -> CartLine {
        CartLine {
            product_id: "p".into(),
            group_ids: vec![],
            quantity,
            unit_price,
            already_discounted: false,
        }
    }

    /// Found by the fuzz target (rules/fuzz): a price near `Decimal::MAX` times a
    /// quantity overflowed the multiplication and panicked.
    #[test]
    fn huge_values_saturate_instead_of_panicking() {
        let big = Decimal::MAX / Decimal::TWO;
        assert_eq!(line(big, 3).value(), Decimal::MAX);
        assert_eq!(line(-big, 3).value(), Decimal::MIN);
        let cart = Cart {
            lines: vec![line(big, 1), line(big, 1), line(big, 1)],
        };
        assert_eq!(cart.subtotal(), Decimal::MAX);
        assert_eq!(
            line(Decimal::from(250_000), 2).value(),
            Decimal::from(500_000)
        );
    }
}

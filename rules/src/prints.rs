//! Fingerprints of product and group ids, so that matching a cart's lines against every
//! offer's target compares integers, and compares text only when two prints agree.
//!
//! A quote matches every line against every offer's target (20 lines × 50 offers is
//! 1,000 matches); comparing the ids as text was a sixth of the engine's time
//! (docs/performance.md). The cart's prints are made once per checkout and each
//! target's once per offer. Equal ids always have equal prints, and a print that agrees
//! by chance is settled by the text, so the answer is the same as comparing text alone.
use crate::cart::Cart;
use crate::target::Target;

/// The print of one id: FNV-1a over its bytes (cheap for short ids, and spreads them
/// well enough that unequal ids rarely agree).
pub fn print(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The prints of a cart's lines: each line's product, and its groups laid end to end.
#[derive(Debug, Default)]
pub struct LinePrints {
    products: Vec<u64>,
    groups: Vec<u64>,
    /// Where each line's groups end in `groups`.
    group_ends: Vec<usize>,
}

impl LinePrints {
    /// The prints of `cart`'s lines.
    pub fn of(cart: &Cart) -> Self {
        let mut prints = Self {
            products: Vec::with_capacity(cart.lines.len()),
            groups: Vec::with_capacity(cart.lines.len()),
            group_ends: Vec::with_capacity(cart.lines.len()),
        };
        for line in &cart.lines {
            prints.products.push(print(&line.product_id));
            prints
                .groups
                .extend(line.group_ids.iter().map(|g| print(g)));
            prints.group_ends.push(prints.groups.len());
        }
        prints
    }

    fn groups_of(&self, line: usize) -> &[u64] {
        let start = line.checked_sub(1).map_or(0, |i| self.group_ends[i]);
        &self.groups[start..self.group_ends[line]]
    }
}

/// A target's ids' prints, in the order of its ids.
#[derive(Debug, Clone, Default)]
pub struct TargetPrints(Vec<u64>);

impl TargetPrints {
    /// The prints of `target`'s ids.
    pub fn of(target: &Target) -> Self {
        match target {
            Target::Order => Self::default(),
            Target::Products(ids) | Target::Groups(ids) => {
                Self(ids.iter().map(|id| print(id)).collect())
            }
        }
    }

    /// Whether line `i` of `cart`, whose prints are `lines`, is in `target` (the target
    /// these prints were made of): the same answer as [`Target::matches`].
    pub fn matches(&self, target: &Target, cart: &Cart, lines: &LinePrints, i: usize) -> bool {
        let has = |ids: &[String], print: u64, id: &str| {
            self.0
                .iter()
                .zip(ids)
                .any(|(p, other)| *p == print && other == id)
        };
        match target {
            Target::Order => true,
            Target::Products(ids) => has(ids, lines.products[i], &cart.lines[i].product_id),
            Target::Groups(ids) => lines
                .groups_of(i)
                .iter()
                .zip(&cart.lines[i].group_ids)
                .any(|(print, group)| has(ids, *print, group)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::CartLine;
    use rust_decimal::Decimal;

    fn line(product: &str, groups: &[&str]) -> CartLine {
        CartLine {
            product_id: product.into(),
            group_ids: groups.iter().map(|g| (*g).to_owned()).collect(),
            quantity: 1,
            unit_price: Decimal::ONE,
            already_discounted: false,
        }
    }

    #[test]
    fn prints_match_exactly_where_text_does() {
        let cart = Cart {
            lines: vec![
                line("p1", &["g1", "g2"]),
                line("p11", &[]),
                line("", &["g2"]),
                line("p2", &["g11"]),
            ],
        };
        let lines = LinePrints::of(&cart);
        let targets = [
            Target::Order,
            Target::Products(vec!["p1".into(), "p2".into()]),
            Target::Products(vec!["".into()]),
            Target::Groups(vec!["g2".into()]),
            Target::Groups(vec!["g1".into(), "x".into()]),
        ];
        for target in &targets {
            let prints = TargetPrints::of(target);
            for (i, l) in cart.lines.iter().enumerate() {
                assert_eq!(
                    prints.matches(target, &cart, &lines, i),
                    target.matches(l),
                    "{target:?} line {i}"
                );
            }
        }
    }
}

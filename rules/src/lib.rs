//! Pure pricing: the cart, the one trait every discount rule implements, and one module
//! per rule kind. No I/O, no database, no async.
//!
//! An offer is a target plus a list of rule instances built from stored `{kind, args}`
//! configuration through the [`RuleKind`] descriptors; nothing here matches on offer
//! shapes. Rules run in phases: eligibility decides whether this customer, here and now,
//! may have the offer (from the [`Shopper`] the domain builds), the stacking policy
//! narrows which lines the offer may touch, conditions decide whether it applies (with a
//! reason a cashier can read when it does not), discounts compute the amount, allocated
//! to lines so that several offers can stack on one cart without any line going below
//! zero, and earning rules add to the points the priced order earns.
//!
//! Money is `Decimal`, rounded to whole VND half-up wherever a rule produces fractions.

pub mod allocation;
pub mod args;
pub mod built_in;
pub mod buy_x_get_y;
pub mod cart;
pub mod combination;
pub mod earning;
pub mod eligibility;
pub mod error;
pub mod fixed_per_order;
pub mod min_quantity;
pub mod min_value;
pub mod money;
pub mod offer;
pub mod per_item;
pub mod percent;
pub mod points_redemption;
pub mod prints;
pub mod rule;
pub mod shopper;
pub mod stacking;
pub mod target;
pub mod tier_discount;
pub mod tiered;

pub use allocation::LineEval;
pub use args::{ArgSpec, ArgType, Args};
pub use built_in::BUILT_IN_KINDS;
pub use cart::{Cart, CartLine};
pub use earning::{EarnBase, Earned, paid_per_line};
pub use error::RuleError;
pub use offer::{Offer, Outcome};
pub use rule::{Checkout, DiscountRule, Evaluation, Measure, Phase, RuleKind, SkipReason};
pub use shopper::{SegmentMembership, Shopper, TierRef};
pub use target::Target;

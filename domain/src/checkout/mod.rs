//! Checkout: the pipeline that prices a cart, and the side-effect-free quote.

pub mod cart;
pub mod limit_usage;
pub mod limited;
pub mod offer_choice;
pub mod pipeline;
pub mod quote;
pub mod shopper;
pub mod voucher_check;

pub use cart::{CleanLine, OrderLine};
pub use loyalty_entities::order_discount::DiscountSource;
pub use pipeline::{Applied, Breakdown, PipelineInput, Skipped, Source, run};
pub use quote::{Quote, QuoteInput, quote};

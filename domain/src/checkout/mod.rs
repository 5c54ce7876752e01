//! Checkout: the pipeline that prices a cart, and the side-effect-free quote.

pub mod pipeline;
pub mod quote;

pub use pipeline::{Applied, Breakdown, PipelineInput, Skipped, Source, VoucherOffer, run};
pub use quote::{Quote, QuoteInput, quote};

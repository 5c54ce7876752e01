//! Webhooks: shops' endpoints ([`endpoints`]), the signing of what is posted
//! ([`signature`], Standard Webhooks), the addresses posts may go to ([`url_rules`]),
//! the record of each delivery ([`deliveries`]) and the worker that posts the events of
//! the outbox ([`worker`]).

pub mod deliveries;
pub mod endpoints;
pub mod signature;
pub mod url_rules;
pub mod worker;

pub use url_rules::UrlRules;
pub use worker::{Deliverer, WebhookConfig};

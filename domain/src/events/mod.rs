//! Events: what happened in a shop, written to the `events` outbox in the transaction of
//! the change (see [`outbox`]), with the payload each type carries (see [`payload`]).
//! Webhooks deliver them (the `webhooks` module); later readers, such as journeys, can
//! follow the same table by type.
//!
//! An event is written only while some consumer subscribes to its type
//! ([`subscriptions`]), so a shop that listens to nothing pays nothing.

pub mod kind;
pub mod outbox;
pub mod payload;
pub mod subscriptions;

pub use kind::EventType;
pub use outbox::{Event, emit};

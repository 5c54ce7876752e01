//! SMS, the third channel: brandname SMS through eSMS, billed per segment.
//!
//! The channel whole: its facts ([`spec`]), its content ([`content`], measured by
//! [`segments`]), each shop's account ([`account`]), and the transport ([`gateway`]) over
//! eSMS's JSON API ([`esms`]).
pub mod account;
pub mod content;
pub mod esms;
pub mod gateway;
pub mod segments;
pub mod spec;

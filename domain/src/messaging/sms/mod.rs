//! SMS, the third channel: brandname SMS through eSMS, billed per segment.
//!
//! The channel's facts ([`spec`]) and content ([`content`], measured by [`segments`]);
//! eSMS's request and answer ([`esms`]).
pub mod content;
pub mod esms;
pub mod segments;
pub mod spec;

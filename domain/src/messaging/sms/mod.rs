//! SMS, the third channel: brandname SMS through eSMS, billed per segment.
pub mod esms;
pub mod segments;

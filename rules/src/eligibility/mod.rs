//! Eligibility kinds: who may have an offer, checked before anything is priced, from
//! the [`crate::Shopper`] the domain builds once per checkout. Each says why not in words
//! a cashier can read ("for Gold members", "Sundays only").
pub mod birthday_month;
pub mod channel_in;
pub mod first_order;
pub mod segment;
pub mod tier_in;
pub mod time_window;
pub mod window;

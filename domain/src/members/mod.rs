//! Customers and members: profiles keyed by the channel's external id, normalized
//! contact data, registration, paged listing, and the program's activation, which gives
//! every member a first tier.

pub mod activation;
pub mod email;
pub mod export;
pub mod filter;
pub mod import;
mod import_fresh;
pub mod listing;
pub mod member;
pub mod name_fold;
pub mod opening_spend;
pub mod phone;
pub mod profile;
pub mod registration;
pub mod segment_membership;
pub mod segments;
pub mod source;
pub mod standings;

pub use filter::{IntRange, MemberFilter, SavedFilter, TimeRange};
pub use listing::{MemberCursor, MemberOrder, SortField, count, page};
pub use member::{Gender, Member};
pub use profile::{MemberInput, by_external_id, by_id, by_ids, upsert};
pub use registration::register;
pub use source::{Source, SourceKind};

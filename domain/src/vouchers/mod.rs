//! Vouchers: codes, issuing, what a checkout may use, finding one by its code, and a
//! member's wallet and its pages by state.

pub mod code;
pub mod issue;
pub mod listing;
pub mod lookup;
pub mod public_code;
pub mod voucher;
pub mod wallet;

pub use issue::issue;
pub use voucher::{Voucher, VoucherSource, VoucherStatus};
pub use wallet::wallet;

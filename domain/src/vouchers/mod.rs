//! Vouchers: codes, issuing, what a checkout may use, and a member's wallet.

pub mod code;
pub mod issue;
pub mod lookup;
pub mod voucher;
pub mod wallet;

pub use issue::issue;
pub use voucher::{Voucher, VoucherSource, VoucherStatus};
pub use wallet::wallet;

//! How an offer reaches a checkout (a personal voucher, automatically, or a public code
//! anyone types) and how it stacks with the others there (`priority`, `exclusive`).
use crate::typed_code::{MAX_TYPED_CODE, normalize};
use crate::{DomainError, Result};

pub use loyalty_entities::offer::OfferDelivery as Delivery;

/// Highest priority a merchant may give; ranks beyond a thousand would say nothing more.
pub const MAX_PRIORITY: i64 = 1000;

/// Shortest public code, after normalization: shorter ones are guessed by accident.
pub const MIN_PUBLIC_CODE: usize = 3;

/// Longest public code, after normalization; what a cashier can still read out.
pub const MAX_PUBLIC_CODE: usize = 32;

/// An offer's delivery and stacking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reach {
    /// How it reaches a checkout.
    pub delivery: Delivery,
    /// The public code as stored (normalized), for PUBLIC_CODE offers only.
    pub code: Option<String>,
    /// Lower applies first (0 to [`MAX_PRIORITY`]).
    pub priority: i64,
    /// Does not combine with any other offer at checkout.
    pub exclusive: bool,
}

impl Reach {
    /// Checks the merchant's fields: a code exactly for PUBLIC_CODE offers, normalized
    /// like voucher codes (so `tet-2027` and `TET2027` are one code), and a bounded
    /// priority.
    pub fn checked(mut self) -> Result<Self> {
        if !(0..=MAX_PRIORITY).contains(&self.priority) {
            return Err(DomainError::invalid(
                "priority",
                format!("must be between 0 and {MAX_PRIORITY}"),
            ));
        }
        self.code = match (self.delivery, self.code.take()) {
            (Delivery::PublicCode, None) => {
                return Err(DomainError::invalid(
                    "code",
                    "a PUBLIC_CODE offer needs the code customers type",
                ));
            }
            (Delivery::PublicCode, Some(typed)) => {
                if typed.chars().count() > MAX_TYPED_CODE {
                    return Err(DomainError::invalid(
                        "code",
                        format!("a code has at most {MAX_TYPED_CODE} characters as typed"),
                    ));
                }
                let code = normalize(&typed);
                if !(MIN_PUBLIC_CODE..=MAX_PUBLIC_CODE).contains(&code.len()) {
                    return Err(DomainError::invalid(
                        "code",
                        format!(
                            "a public code has {MIN_PUBLIC_CODE} to {MAX_PUBLIC_CODE} letters and digits"
                        ),
                    ));
                }
                Some(code)
            }
            (_, Some(_)) => {
                return Err(DomainError::invalid(
                    "code",
                    "only a PUBLIC_CODE offer has a code",
                ));
            }
            (_, None) => None,
        };
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(delivery: Delivery, code: Option<&str>) -> Reach {
        Reach {
            delivery,
            code: code.map(str::to_owned),
            ..Reach::default()
        }
    }

    #[test]
    fn a_public_code_is_normalized_and_bounded() {
        let ok = reach(Delivery::PublicCode, Some(" tet-2027 ")).checked();
        assert_eq!(ok.ok().and_then(|r| r.code).as_deref(), Some("TET2027"));
        for (delivery, code) in [
            (Delivery::PublicCode, None),
            (Delivery::PublicCode, Some("a-b")),
            (Delivery::PublicCode, Some(&*"X".repeat(33))),
            (Delivery::Automatic, Some("TET2027")),
            (Delivery::Voucher, Some("TET2027")),
        ] {
            let err = reach(delivery, code).checked().err();
            assert!(
                matches!(&err, Some(DomainError::InvalidInput { field: Some(f), .. }) if f == "code"),
                "{delivery:?} {code:?}: {err:?}"
            );
        }
        let far = Reach {
            priority: MAX_PRIORITY + 1,
            ..Reach::default()
        };
        assert!(far.checked().is_err());
    }
}

//! E-mail's facts: a message goes to the member's e-mail address, costs one price, and
//! carries the recipient's unsubscribe link.
use crate::messaging::kind::columns::present;
use crate::messaging::spec::ChannelSpec;
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, Expr, SimpleExpr};

/// E-mail's [`ChannelSpec`].
pub struct EmailSpec;

/// The one instance the registry lists.
pub static SPEC: EmailSpec = EmailSpec;

impl ChannelSpec for EmailSpec {
    fn name(&self) -> &'static str {
        "EMAIL"
    }

    fn address(&self, member: &member::Model) -> Option<String> {
        member.email.clone().filter(|e| !e.is_empty())
    }

    fn has_address(&self) -> Condition {
        present(member::Column::Email)
    }

    fn address_sql(&self) -> SimpleExpr {
        Expr::col((member::Entity, member::Column::Email))
    }

    fn skip_reason(&self) -> &'static str {
        "NO_EMAIL"
    }

    fn default_price(&self) -> i64 {
        20
    }

    fn carries_unsubscribe_link(&self) -> bool {
        true
    }

    fn described(&self) -> (&'static str, &'static str) {
        ("email", "e-mails")
    }
}

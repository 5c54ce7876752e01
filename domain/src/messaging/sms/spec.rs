//! SMS's facts: a message goes to the member's Vietnamese phone in the national form
//! eSMS takes (`0912345678`; members' phones are stored so, foreign ones in E.164,
//! which a Vietnamese brandname cannot reach), and is billed per segment.
use crate::messaging::kind::columns::present;
use crate::messaging::spec::ChannelSpec;
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, SimpleExpr};

/// SMS's [`ChannelSpec`].
pub struct SmsSpec;

/// The one instance the registry lists.
pub static SPEC: SmsSpec = SmsSpec;

impl ChannelSpec for SmsSpec {
    fn name(&self) -> &'static str {
        "SMS"
    }

    fn address(&self, member: &member::Model) -> Option<String> {
        member
            .phone
            .clone()
            .filter(|p| p.starts_with('0') && p.len() > 1)
    }

    fn has_address(&self) -> Condition {
        present(member::Column::Phone)
            .add(Expr::col((member::Entity, member::Column::Phone)).like("0_%"))
    }

    fn address_sql(&self) -> SimpleExpr {
        Expr::col((member::Entity, member::Column::Phone))
    }

    fn skip_reason(&self) -> &'static str {
        "NO_PHONE"
    }

    /// Per segment: about what eSMS charges for a customer-care brandname SMS.
    fn default_price(&self) -> i64 {
        500
    }

    fn described(&self) -> (&'static str, &'static str) {
        ("tin nhắn SMS", "text messages")
    }
}

//! ZNS's facts: a message goes to the member's phone in the international form Zalo
//! takes (84xxxxxxxxx), and costs one price however long it is.
use crate::members::phone::international_digits;
use crate::messaging::kind::columns::present;
use crate::messaging::spec::ChannelSpec;
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, Expr, SimpleExpr};

/// ZNS's [`ChannelSpec`].
pub struct ZnsSpec;

/// The one instance the registry lists.
pub static SPEC: ZnsSpec = ZnsSpec;

impl ChannelSpec for ZnsSpec {
    fn name(&self) -> &'static str {
        "ZNS"
    }

    fn address(&self, member: &member::Model) -> Option<String> {
        member
            .phone
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(international_digits)
    }

    fn has_address(&self) -> Condition {
        present(member::Column::Phone)
    }

    fn address_sql(&self) -> SimpleExpr {
        // `international_digits` in SQL (PostgreSQL and SQLite alike).
        Expr::cust(
            r#"CASE WHEN "members"."phone" LIKE '+%' THEN SUBSTR("members"."phone", 2) WHEN "members"."phone" LIKE '0%' THEN '84' || SUBSTR("members"."phone", 2) ELSE "members"."phone" END"#,
        )
    }

    fn skip_reason(&self) -> &'static str {
        "NO_PHONE"
    }

    fn default_price(&self) -> i64 {
        300
    }

    fn described(&self) -> (&'static str, &'static str) {
        ("tin nhắn Zalo", "Zalo messages")
    }
}

//! A channel's identity and what it needs of a member, read from its [`ChannelSpec`].
use crate::{DomainError, Result};
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, SimpleExpr};

pub use super::registry::ChannelKind;

impl ChannelKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        self.spec().name()
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| DomainError::Internal(format!("unknown channel {raw}")))
    }

    /// Where a message to `member` goes on this channel, if the member has such an address.
    pub fn address(self, member: &member::Model) -> Option<String> {
        self.spec().address(member)
    }

    /// [`ChannelKind::address`] as SQL on `members`: the member has an address here.
    pub fn has_address(self) -> Condition {
        self.spec().has_address()
    }

    /// [`ChannelKind::address`] as SQL on `members` that have one.
    pub fn address_sql(self) -> SimpleExpr {
        self.spec().address_sql()
    }

    /// Why a member without an address is skipped.
    pub fn skip_reason(self) -> &'static str {
        self.spec().skip_reason()
    }
}

/// Helpers the channels' specs share.
pub(crate) mod columns {
    use loyalty_entities::member;
    use sea_orm::ColumnTrait;
    use sea_orm::sea_query::{Condition, Expr, ExprTrait};

    /// `column` is set and not empty.
    pub fn present(column: member::Column) -> Condition {
        Condition::all()
            .add(column.is_not_null())
            .add(Expr::col((member::Entity, column)).ne(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_read_back() {
        for k in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(k.as_str()).ok(), Some(*k));
        }
        let mut names: Vec<_> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), ChannelKind::ALL.len());
        assert!(ChannelKind::parse("FAX").is_err());
    }

    fn member(phone: Option<&str>, email: Option<&str>) -> member::Model {
        let now = chrono::Utc::now();
        member::Model {
            shop_id: uuid::Uuid::nil(),
            id: uuid::Uuid::now_v7(),
            external_id: uuid::Uuid::now_v7().to_string(),
            name: None,
            search_name: String::new(),
            phone: phone.map(str::to_owned),
            email: email.map(str::to_owned),
            birthday: None,
            birth_month: None,
            gender: "UNKNOWN".into(),
            province: None,
            district: None,
            registered_at: None,
            tier_id: None,
            ranking_spend: 0,
            total_orders: 0,
            total_spent: 0,
            last_purchase_at: None,
            created_at: now,
            updated_at: now,
            cycle_start: None,
            prev_cycle_spend: 0,
            points_available: 0,
            points_pending: 0,
            points_as_of: None,
            points_stable_until: None,
            source: None,
        }
    }

    /// Every channel's SQL, run by a database over members with every kind of phone and
    /// e-mail, gives exactly the address its Rust gives: freezing a campaign writes the
    /// one, sending a journey's message the other.
    #[tokio::test]
    async fn the_database_and_rust_agree_on_every_address() {
        use sea_orm::sea_query::{Expr, Order, Query};
        use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel};
        let db = crate::test_db::with_table(member::Entity).await;
        let phones = [
            None,
            Some(""),
            Some("0"),
            Some("0912345678"),
            Some("+6591234567"),
        ];
        let phones = phones.into_iter().chain([Some("84912345678"), Some("+")]);
        let mut members = Vec::new();
        for phone in phones {
            for email in [None, Some(""), Some("an@example.vn")] {
                members.push(member(phone, email));
            }
        }
        for m in &members {
            let row = m.clone().into_active_model().insert(&db).await;
            row.unwrap_or_else(|e| panic!("{e}"));
        }
        for kind in ChannelKind::ALL {
            let query = Query::select()
                .column((member::Entity, member::Column::Id))
                .expr(
                    Expr::case(kind.has_address(), kind.address_sql())
                        .finally(Option::<String>::None),
                )
                .from(member::Entity)
                .order_by((member::Entity, member::Column::Id), Order::Asc)
                .to_owned();
            let rows = db.query_all(&query).await.unwrap_or_else(|e| panic!("{e}"));
            let from_sql: Vec<(uuid::Uuid, Option<String>)> = rows
                .iter()
                .map(|r| {
                    let id = r.try_get_by_index(0).unwrap_or_else(|e| panic!("{e}"));
                    let address = r.try_get_by_index(1).unwrap_or_else(|e| panic!("{e}"));
                    (id, address)
                })
                .collect();
            let from_rust: Vec<(uuid::Uuid, Option<String>)> =
                members.iter().map(|m| (m.id, kind.address(m))).collect();
            assert_eq!(from_sql, from_rust, "{}", kind.as_str());
        }
    }
}

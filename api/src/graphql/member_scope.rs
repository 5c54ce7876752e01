//! What a member token may reach: the fields of its own wallet, nothing else.
//!
//! Root fields check their caller with guards, but nested fields trust the object they
//! hang from (a `Voucher` shows its `member`, a `Tier` its `memberCount`), which is
//! right for a shop key and wrong for a customer's browser. So requests of a member
//! token run on a schema with [`MemberScope`], which refuses (`FORBIDDEN`) every field
//! not listed in [`ALLOWED`]: a field added to the schema later is closed to members
//! until it is listed here. Shop keys run on the schema without it (an extension wraps
//! every field's resolution; see `input_guard` on what that costs).
use crate::error::Code;
use async_graphql::extensions::ResolveInfo;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve};
use async_graphql::{ErrorExtensions, ServerResult, Value};
use std::sync::Arc;

/// The fields a member token may resolve, by the type they belong to. Everything a
/// member sees is its own: its wallet, the shop's tier ladder and reward catalog (what
/// any customer is shown), its vouchers with their offers, its ledger and orders. Left
/// out on purpose: `Tier.memberCount` (shop-wide), `Voucher.member` and `Order.member`
/// (the wallet is the member), `Offer.report` and `Offer.config`, `Reward.tiers`.
pub const ALLOWED: &[(&str, &[&str])] = &[
    ("Query", &["me", "myRewards", "widgetSettings"]),
    ("Mutation", &["redeemMyReward"]),
    (
        "MemberWallet",
        &[
            "id",
            "externalId",
            "name",
            "registered",
            "tier",
            "nextTier",
            "progress",
            "points",
            "vouchers",
            "ledger",
            "orders",
        ],
    ),
    ("TierProgress", &["rankingSpend", "spendToNextTier"]),
    (
        "Tier",
        &[
            "id",
            "name",
            "rank",
            "minSpend",
            "minRankingPoints",
            "discountPercent",
            "discountCap",
            "pointMultiplier",
            "redeemCap",
            "combinesWithPromotions",
            "isInitial",
        ],
    ),
    (
        "PointBalance",
        &["available", "pending", "used", "expired", "expiringSoon"],
    ),
    ("PointExpiry", &["points", "at"]),
    ("VoucherConnection", &["edges", "pageInfo"]),
    ("VoucherEdge", &["cursor", "node"]),
    (
        "Voucher",
        &[
            "code",
            "offer",
            "issuedAt",
            "expiresAt",
            "usedAt",
            "status",
            "orderId",
            "orderExternalId",
            "order",
        ],
    ),
    (
        "Offer",
        &[
            "id",
            "name",
            "description",
            "imageUrl",
            "discountKind",
            "value",
            "validDays",
            "active",
        ],
    ),
    (
        "PageInfo",
        &["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
    ),
    ("LedgerConnection", &["edges", "pageInfo"]),
    ("LedgerEdge", &["cursor", "node"]),
    (
        "LedgerEntry",
        &[
            "id",
            "kind",
            "points",
            "createdAt",
            "availableAt",
            "expiresAt",
            "reason",
        ],
    ),
    ("OrderConnection", &["edges", "pageInfo"]),
    ("OrderEdge", &["cursor", "node"]),
    (
        "Order",
        &[
            "id",
            "externalId",
            "channel",
            "placedAt",
            "lines",
            "discounts",
            "subtotal",
            "discountTotal",
            "total",
            "pointsValue",
            "paid",
            "pointsEarned",
            "pointsRedeemed",
            "refunds",
            "refundedAmount",
        ],
    ),
    (
        "OrderLine",
        &[
            "productId",
            "groupIds",
            "quantity",
            "unitPrice",
            "alreadyDiscounted",
        ],
    ),
    (
        "OrderDiscount",
        &["source", "label", "amount", "voucherCode"],
    ),
    (
        "OrderRefund",
        &[
            "refundId",
            "amount",
            "at",
            "pointsReversed",
            "pointsRestored",
        ],
    ),
    (
        "MyReward",
        &[
            "id",
            "name",
            "pointsCost",
            "offer",
            "stock",
            "affordable",
            "pointsMissing",
        ],
    ),
    ("WidgetSettings", &["allowedOrigins", "theme"]),
    ("WidgetTheme", &["primaryColor", "position", "title"]),
];

/// Whether a member token may resolve `field` of `parent`.
pub fn allowed(parent: &str, field: &str) -> bool {
    field.starts_with("__")
        || ALLOWED
            .iter()
            .any(|(ty, fields)| *ty == parent && fields.contains(&field))
}

/// The extension refusing every field outside [`ALLOWED`].
pub struct MemberScope;

impl ExtensionFactory for MemberScope {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MemberScopeExtension)
    }
}

struct MemberScopeExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for MemberScopeExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // A list's items are resolved under the list's type name (`[Voucher!]`): the
        // field holding the list was allowed or refused at its own type already.
        let item = info.parent_type.starts_with('[');
        if item || info.is_for_introspection || allowed(info.parent_type, info.name) {
            return next.run(ctx, info).await;
        }
        let error = Code::Forbidden.error(format!(
            "a member token may not read `{}.{}`: it sees its own wallet only (`me`, \
             `myRewards`, `redeemMyReward`, `widgetSettings`)",
            info.parent_type, info.name
        ));
        let pos = info.field.name.pos;
        Err(error.extend().into_server_error(pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed field exists in the schema: a renamed field would otherwise close
    /// itself to members without anyone noticing.
    #[test]
    fn every_allowed_field_is_in_the_schema() {
        let sdl = crate::graphql::sdl();
        let doc = graphql_parser::parse_schema::<String>(&sdl)
            .unwrap_or_else(|e| panic!("the SDL parses: {e}"));
        use graphql_parser::schema::{Definition, TypeDefinition};
        let fields_of = |name: &str| -> Vec<String> {
            doc.definitions
                .iter()
                .find_map(|d| match d {
                    Definition::TypeDefinition(TypeDefinition::Object(o)) if o.name == name => {
                        Some(o.fields.iter().map(|f| f.name.clone()).collect())
                    }
                    _ => None,
                })
                .unwrap_or_default()
        };
        for (ty, fields) in ALLOWED {
            let have = fields_of(ty);
            for field in *fields {
                assert!(
                    have.iter().any(|f| f == field),
                    "{ty}.{field} is not in the schema"
                );
            }
        }
        assert!(!allowed("Tier", "memberCount"));
        assert!(!allowed("Voucher", "member"));
        assert!(!allowed("Query", "members"));
        assert!(allowed("MemberWallet", "__typename"));
    }
}

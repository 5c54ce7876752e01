//! Creating, changing, archiving and reading offers.
use super::reach::{Delivery, Reach};
use super::registry::default_rules;
use super::spec::{DiscountKind, OfferSpec};
use super::{Offer, OfferStatus};
use crate::money::store_decimal;
use crate::paging::Page;
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::{offer, offer_budget, program, voucher};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use uuid::Uuid;

fn check(spec: &OfferSpec) -> Result<(super::OfferConfig, Reach)> {
    let config = spec.to_config()?;
    // Every rule validates its own arguments; report its words as the input's fault.
    default_rules()
        .build(&config)
        .map_err(|e| DomainError::invalid("input", e.to_string()))?;
    Ok((config, spec.reach.clone().checked()?))
}

fn kind(k: DiscountKind) -> &'static str {
    match k {
        DiscountKind::Percent => "PERCENT",
        DiscountKind::Fixed => "FIXED",
    }
}

/// Creates an offer after every rule accepted its arguments.
pub async fn create(ctx: &Ctx, shop_id: Uuid, spec: OfferSpec) -> Result<Offer> {
    let (config, reach) = check(&spec)?;
    let now = ctx.clock.now();
    let row = offer::Model {
        shop_id,
        id: new_id(),
        name: spec.name.trim().to_owned(),
        description: spec.description.clone(),
        image_url: spec.image_url.clone(),
        discount_kind: kind(spec.discount_kind).to_owned(),
        value: store_decimal(spec.value),
        config: serde_json::to_string(&config).map_err(|e| DomainError::Internal(e.to_string()))?,
        valid_days: spec.valid_days,
        status: OfferStatus::Active,
        created_at: now,
        updated_at: now,
        delivery: reach.delivery,
        code: reach.code,
        priority: reach.priority,
        exclusive: reach.exclusive,
        budget_uses: spec.limits.budget_uses,
        budget_discount: spec.limits.budget_discount,
        per_customer_limit: spec.limits.per_customer,
    };
    let txn = ctx.db.begin().await?;
    free_code(&txn, shop_id, row.code.as_deref(), row.id).await?;
    offer::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await
        .map_err(|e| taken(e, row.code.as_deref()))?;
    changed(&txn, &row).await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    ctx.automatic_offers.forget(shop_id);
    Offer::from_row(row)
}

/// Replaces an offer's definition; vouchers already issued keep their expiry and now
/// price with the new rules. What orders already counted against its limits stays.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, spec: OfferSpec) -> Result<Offer> {
    let (config, reach) = check(&spec)?;
    let txn = ctx.db.begin().await?;
    let row = find(&txn, shop_id, id).await?;
    free_code(&txn, shop_id, reach.code.as_deref(), id).await?;
    let code = reach.code.clone();
    let image_url = super::image::on_update(
        &txn,
        shop_id,
        id,
        row.image_url.as_deref(),
        spec.image_url.clone(),
    )
    .await?;
    let mut active = row.into_active_model();
    active.name = Set(spec.name.trim().to_owned());
    active.description = Set(spec.description.clone());
    active.image_url = Set(image_url);
    active.discount_kind = Set(kind(spec.discount_kind).to_owned());
    active.value = Set(store_decimal(spec.value));
    active.config =
        Set(serde_json::to_string(&config).map_err(|e| DomainError::Internal(e.to_string()))?);
    active.valid_days = Set(spec.valid_days);
    active.updated_at = Set(ctx.clock.now());
    active.delivery = Set(reach.delivery);
    active.code = Set(reach.code);
    active.priority = Set(reach.priority);
    active.exclusive = Set(reach.exclusive);
    active.budget_uses = Set(spec.limits.budget_uses);
    active.budget_discount = Set(spec.limits.budget_discount);
    active.per_customer_limit = Set(spec.limits.per_customer);
    let saved = active
        .update(&txn)
        .await
        .map_err(|e| taken(e, code.as_deref()))?;
    changed(&txn, &saved).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    ctx.automatic_offers.forget(shop_id);
    Offer::from_row(saved)
}

/// Archives an offer: its vouchers and public code stop working, it no longer applies
/// automatically, and no more vouchers are issued.
pub async fn archive(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Offer> {
    let txn = ctx.db.begin().await?;
    let row = find(&txn, shop_id, id).await?;
    let mut active = row.into_active_model();
    active.status = Set(OfferStatus::Archived);
    active.updated_at = Set(ctx.clock.now());
    let saved = active.update(&txn).await?;
    changed(&txn, &saved).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    // This replica's checkouts stop pricing with it now; the others within the cache time.
    ctx.automatic_offers.forget(shop_id);
    Offer::from_row(saved)
}

/// Most active automatic offers a shop may have: each checkout of the shop weighs every
/// one, and one shop must not slow the replica for the others.
pub const MAX_AUTOMATIC_OFFERS: u64 = 500;

/// What every change of an offer does in its transaction: raise the shop's program
/// version, which the automatic-offer cache is checked against by every order (as the
/// policy is), and give a budget its counting row, so that orders lock an existing row.
async fn changed<C: ConnectionTrait>(conn: &C, row: &offer::Model) -> Result<()> {
    program::Entity::update_many()
        .col_expr(
            program::Column::Version,
            Expr::col(program::Column::Version).add(1),
        )
        .filter(program::Column::ShopId.eq(row.shop_id))
        .exec(conn)
        .await?;
    if row.delivery == Delivery::Automatic && row.status == OfferStatus::Active {
        let active = offer::Entity::find()
            .filter(offer::Column::ShopId.eq(row.shop_id))
            .filter(offer::Column::Delivery.eq(Delivery::Automatic))
            .filter(offer::Column::Status.eq(OfferStatus::Active))
            .count(conn)
            .await?;
        if active > MAX_AUTOMATIC_OFFERS {
            return Err(DomainError::invalid(
                "delivery",
                format!("a shop has at most {MAX_AUTOMATIC_OFFERS} active AUTOMATIC offers"),
            ));
        }
    }
    if row.budget_uses.is_some() || row.budget_discount.is_some() {
        offer_budget::Entity::insert(offer_budget::ActiveModel {
            shop_id: Set(row.shop_id),
            offer_id: Set(row.id),
            uses: Set(0),
            discount: Set(0),
        })
        .on_conflict(
            OnConflict::columns([offer_budget::Column::ShopId, offer_budget::Column::OfferId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Refuses a public code a voucher of the shop already has (checkout would take the
/// voucher); another offer's code is refused by the unique index ([`taken`]).
async fn free_code<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    code: Option<&str>,
    id: Uuid,
) -> Result<()> {
    let Some(code) = code else {
        return Ok(());
    };
    let voucher = voucher::Entity::find_by_id((shop_id, code.to_owned()))
        .one(conn)
        .await?;
    let other = offer::Entity::find()
        .filter(offer::Column::ShopId.eq(shop_id))
        .filter(offer::Column::Code.eq(code))
        .filter(offer::Column::Id.ne(id))
        .one(conn)
        .await?;
    if voucher.is_some() || other.is_some() {
        return Err(DomainError::Conflict(format!(
            "code {code} is already used in this shop"
        )));
    }
    Ok(())
}

/// A unique-index violation on save: two offers racing for one code.
fn taken(e: sea_orm::DbErr, code: Option<&str>) -> DomainError {
    match (e.sql_err(), code) {
        (Some(SqlErr::UniqueConstraintViolation(_)), Some(code)) => {
            DomainError::Conflict(format!("code {code} is already used in this shop"))
        }
        _ => e.into(),
    }
}

async fn find<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<offer::Model> {
    offer::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))
}

/// An offer of the shop.
pub async fn get<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<Option<Offer>> {
    offer::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .map(Offer::from_row)
        .transpose()
}

/// Offers of the shop by id, in one statement; unknown ids are left out.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Offer>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    offer::Entity::find()
        .filter(offer::Column::ShopId.eq(shop_id))
        .filter(offer::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| Offer::from_row(r).map(|o| (o.id, o)))
        .collect()
}

/// Offers of the shop, newest first, a page at a time.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    include_archived: bool,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, Offer>> {
    let mut q = offer::Entity::find().filter(offer::Column::ShopId.eq(shop_id));
    if !include_archived {
        q = q.filter(offer::Column::Status.eq(OfferStatus::Active));
    }
    if let Some(b) = before {
        q = q.filter(offer::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(offer::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Ok((r.id, Offer::from_row(r)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::with_table;
    use chrono::Utc;
    use sea_orm::DbErr;

    #[tokio::test]
    async fn a_status_is_stored_as_its_name_and_an_unknown_one_is_an_error() {
        let db = with_table(offer::Entity).await;
        let shop_id = Uuid::now_v7();
        let row = offer::Model {
            shop_id,
            id: new_id(),
            name: "Ten off".into(),
            description: None,
            image_url: None,
            discount_kind: "PERCENT".into(),
            value: "10".into(),
            config: r#"{"target":{"kind":"order"},"rules":[]}"#.into(),
            valid_days: None,
            status: OfferStatus::Archived,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            delivery: Default::default(),
            code: None,
            priority: 0,
            exclusive: false,
            budget_uses: None,
            budget_discount: None,
            per_customer_limit: None,
        };
        offer::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&db)
            .await
            .expect("insert");
        let stored: Vec<String> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Status)
            .into_tuple()
            .all(&db)
            .await
            .expect("raw status");
        assert_eq!(stored, ["ARCHIVED"]);
        let archived = get(&db, shop_id, row.id)
            .await
            .expect("a known status reads");
        assert!(archived.is_some_and(|o| !o.is_active()));

        db.execute_unprepared("UPDATE offers SET status = 'PAUSED'")
            .await
            .expect("update");
        let err = get(&db, shop_id, row.id)
            .await
            .expect_err("an unknown status must not read as active or archived");
        assert!(
            matches!(&err, DomainError::Db(DbErr::Type(m)) if m.contains("PAUSED")),
            "{err:?}"
        );
    }
}

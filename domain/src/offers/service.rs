//! Creating, changing, archiving and reading offers.
use super::registry::default_rules;
use super::spec::{DiscountKind, OfferSpec};
use super::{Offer, OfferStatus};
use crate::money::store_decimal;
use crate::paging::Page;
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::offer;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

fn check(spec: &OfferSpec) -> Result<super::OfferConfig> {
    let config = spec.to_config()?;
    // Every rule validates its own arguments; report its words as the input's fault.
    default_rules()
        .build(&config)
        .map_err(|e| DomainError::invalid("input", e.to_string()))?;
    Ok(config)
}

fn kind(k: DiscountKind) -> &'static str {
    match k {
        DiscountKind::Percent => "PERCENT",
        DiscountKind::Fixed => "FIXED",
    }
}

/// Creates an offer after every rule accepted its arguments.
pub async fn create(ctx: &Ctx, shop_id: Uuid, spec: OfferSpec) -> Result<Offer> {
    let config = check(&spec)?;
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
    };
    offer::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&ctx.db)
        .await?;
    Offer::from_row(row)
}

/// Replaces an offer's definition; vouchers already issued keep their expiry and now
/// price with the new rules.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, spec: OfferSpec) -> Result<Offer> {
    let config = check(&spec)?;
    let txn = ctx.db.begin().await?;
    let row = find(&txn, shop_id, id).await?;
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
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Offer::from_row(updated)
}

/// Archives an offer: its vouchers stop working and no more are issued.
pub async fn archive(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Offer> {
    let row = find(&ctx.db, shop_id, id).await?;
    let mut active = row.into_active_model();
    active.status = Set(OfferStatus::Archived);
    active.updated_at = Set(ctx.clock.now());
    Offer::from_row(active.update(&ctx.db).await?)
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

//! Uploading and removing an offer's image (seed 004 step 2). The upload arrives as a
//! GraphQL multipart request (`crate::offer_images`); the stored image is served at
//! the offer's `imageUrl`.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::offers::Offer;
use async_graphql::{Context, ErrorExtensions, ID, Object, Upload};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::offers::image;
use std::io::Read;

/// Offer image mutations.
#[derive(Default)]
pub struct OfferImageMutation;

/// The uploaded file's bytes, one more than the limit at most, so that an oversized
/// file is told from one at the limit without reading all of it.
fn read_upload(ctx: &Context<'_>, file: &Upload) -> async_graphql::Result<Vec<u8>> {
    let value = file.value(ctx).map_err(|e| {
        async_graphql::Error::new(format!("the upload cannot be read: {e}"))
            .extend_with(|_, x| x.set("code", "BAD_USER_INPUT"))
    })?;
    let limit = u64::try_from(image::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    value
        .into_read()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            async_graphql::Error::new(format!("the upload cannot be read: {e}"))
                .extend_with(|_, x| x.set("code", "BAD_USER_INPUT"))
        })?;
    Ok(bytes)
}

#[Object]
impl OfferImageMutation {
    /// Sets the offer's image from an uploaded file (a GraphQL multipart request): a
    /// square PNG, JPEG or WebP of at least 500 x 500 px and at most 10 MB, stored
    /// resized to 500 x 500 and served at the offer's `imageUrl`. Replaces the image
    /// before.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)", complexity = "cost::PER_ITEM_QUERY")]
    async fn upload_offer_image(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        image: Upload,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let offer_id = parse_id("offerId", &offer_id).gql()?;
        let bytes = read_upload(ctx, &image)?;
        // Decoding is the heaviest thing a request does: one at a time per request.
        let _turn = cost::turn(ctx).await;
        let offer = image::upload(domain(ctx), shop_id, offer_id, bytes)
            .await
            .gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Removes the offer's image, uploaded or linked.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn remove_offer_image(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let offer_id = parse_id("offerId", &offer_id).gql()?;
        let offer = image::remove(domain(ctx), shop_id, offer_id).await.gql()?;
        Ok(Offer { shop_id, offer })
    }
}

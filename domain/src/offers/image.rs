//! An offer's uploaded image (seed 004 step 2): a square picture of at least 500 x 500
//! px, stored resized to exactly 500 x 500 in the database and served by the API at a
//! path of its own.
//!
//! Decoding runs on a blocking thread under the `image` crate's [`Limits`]: a small file
//! that claims a huge canvas (a decompression bomb) is refused from its header, before
//! any pixel buffer is allocated.
use super::Offer;
use crate::{Ctx, DomainError, Result};
use image::{DynamicImage, ImageFormat, ImageReader, Limits, imageops::FilterType};
use loyalty_entities::{offer, offer_image};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use uuid::Uuid;

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Side of the stored square, in pixels, and the smallest side accepted.
pub const SIDE: u32 = 500;
/// Largest side decoded: a 500 px picture needs no more, and a square of this side in
/// RGBA fits [`MAX_DECODE_BYTES`].
pub const MAX_SIDE: u32 = 5000;
/// Most memory one decoder may allocate.
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;
/// Where uploaded images are served; an offer's `image_url` starting with it is ours.
pub const PATH_PREFIX: &str = "/offer-images/";

/// An image ready to store: 500 x 500, encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedImage {
    /// `image/png` (the upload had transparency) or `image/jpeg`.
    pub content_type: &'static str,
    /// The encoded bytes.
    pub content: Vec<u8>,
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid("image", message)
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Checks, decodes, resizes and re-encodes an uploaded file. CPU-bound: call it off the
/// async threads (as [`upload`] does).
pub fn prepare(bytes: &[u8]) -> Result<PreparedImage> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(DomainError::LimitExceeded(format!(
            "the image file is {} bytes: at most {MAX_FILE_BYTES} (10 MB) are accepted",
            bytes.len()
        )));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(invalid("the file is not a PNG, JPEG or WebP image"));
    }
    let mut reader = reader;
    reader.limits(decode_limits());
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => DomainError::LimitExceeded(format!(
            "the image is too large to decode: at most {MAX_SIDE} x {MAX_SIDE} px are accepted"
        )),
        other => invalid(format!("the image cannot be read: {other}")),
    })?;
    let (width, height) = (decoded.width(), decoded.height());
    if width != height || width < SIDE {
        return Err(invalid(format!(
            "the image must be square and at least {SIDE} x {SIDE} px; this one is \
             {width} x {height} px"
        )));
    }
    let square = if width == SIDE {
        decoded
    } else {
        decoded.resize_exact(SIDE, SIDE, FilterType::CatmullRom)
    };
    encode(&square)
}

/// PNG keeps transparency; an opaque picture is a JPEG, a tenth of the PNG's size.
fn encode(image: &DynamicImage) -> Result<PreparedImage> {
    let mut content = Vec::new();
    let content_type = if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
            .write_to(&mut Cursor::new(&mut content), ImageFormat::Png)
            .map_err(|e| DomainError::Internal(format!("encoding PNG: {e}")))?;
        "image/png"
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut content, 85);
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(encoder)
            .map_err(|e| DomainError::Internal(format!("encoding JPEG: {e}")))?;
        "image/jpeg"
    };
    Ok(PreparedImage {
        content_type,
        content,
    })
}

/// The path an uploaded image is served at; the version changes with the content, so a
/// cache may keep one version for as long as it likes.
pub fn path(shop_id: Uuid, offer_id: Uuid, digest: &str) -> String {
    let version = digest.get(..16).unwrap_or(digest);
    format!("{PATH_PREFIX}{shop_id}/{offer_id}?v={version}")
}

/// Whether an offer's image URL is one uploaded here (served by this API) rather than
/// a URL the merchant gave.
pub fn is_uploaded(image_url: &str) -> bool {
    image_url.starts_with(PATH_PREFIX)
}

async fn find_offer<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offer_id: Uuid,
) -> Result<offer::Model> {
    offer::Entity::find_by_id((shop_id, offer_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))
}

/// Stores `bytes` as the offer's image (replacing any before) and points the offer's
/// `image_url` at it.
pub async fn upload(ctx: &Ctx, shop_id: Uuid, offer_id: Uuid, bytes: Vec<u8>) -> Result<Offer> {
    // The offer is checked first so that a wrong id costs no decoding.
    find_offer(&ctx.db, shop_id, offer_id).await?;
    let prepared = tokio::task::spawn_blocking(move || prepare(&bytes))
        .await
        .map_err(|e| DomainError::Internal(format!("image decoding stopped: {e}")))??;
    let digest = hex::encode(Sha256::digest(&prepared.content));
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let row = find_offer(&txn, shop_id, offer_id).await?;
    offer_image::Entity::delete_by_id((shop_id, offer_id))
        .exec(&txn)
        .await?;
    offer_image::Entity::insert(
        offer_image::Model {
            shop_id,
            offer_id,
            content_type: prepared.content_type.to_owned(),
            content: prepared.content,
            digest: digest.clone(),
            created_at: now,
        }
        .into_active_model(),
    )
    .exec_without_returning(&txn)
    .await?;
    let mut active = row.into_active_model();
    active.image_url = Set(Some(path(shop_id, offer_id, &digest)));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Offer::from_row(updated)
}

/// Removes the offer's image, uploaded or linked.
pub async fn remove(ctx: &Ctx, shop_id: Uuid, offer_id: Uuid) -> Result<Offer> {
    let txn = ctx.db.begin().await?;
    let row = find_offer(&txn, shop_id, offer_id).await?;
    offer_image::Entity::delete_by_id((shop_id, offer_id))
        .exec(&txn)
        .await?;
    let mut active = row.into_active_model();
    active.image_url = Set(None);
    active.updated_at = Set(ctx.clock.now());
    let updated = active.update(&txn).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Offer::from_row(updated)
}

/// The image URL an offer keeps when its definition is replaced: an uploaded image stays
/// unless the new definition links another one (uploading and `removeOfferImage` are
/// how it changes); the uploaded bytes a link replaces are deleted with the same
/// connection, so `conn` should be the update's transaction.
pub async fn on_update<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offer_id: Uuid,
    current: Option<&str>,
    given: Option<String>,
) -> Result<Option<String>> {
    match (current, given) {
        (Some(current), None) if is_uploaded(current) => Ok(Some(current.to_owned())),
        (Some(current), given) if is_uploaded(current) => {
            offer_image::Entity::delete_by_id((shop_id, offer_id))
                .exec(conn)
                .await?;
            Ok(given)
        }
        (_, given) => Ok(given),
    }
}

/// The stored image of an offer, for serving.
pub async fn read<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offer_id: Uuid,
) -> Result<Option<offer_image::Model>> {
    Ok(offer_image::Entity::find_by_id((shop_id, offer_id))
        .one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let image = if alpha {
            DynamicImage::ImageRgba8(RgbaImage::from_pixel(width, height, Rgba([9, 8, 7, 100])))
        } else {
            DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb([200, 30, 30])))
        };
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode");
        out
    }

    fn side_of(prepared: &PreparedImage) -> (u32, u32) {
        let decoded = image::load_from_memory(&prepared.content).expect("stored image decodes");
        (decoded.width(), decoded.height())
    }

    #[test]
    fn a_large_opaque_square_is_stored_as_a_500_px_jpeg() {
        let prepared = prepare(&png(1200, 1200, false)).expect("accepted");
        assert_eq!(prepared.content_type, "image/jpeg");
        assert_eq!(side_of(&prepared), (SIDE, SIDE));
    }

    #[test]
    fn transparency_is_kept_as_png() {
        let prepared = prepare(&png(500, 500, true)).expect("accepted");
        assert_eq!(prepared.content_type, "image/png");
        assert_eq!(side_of(&prepared), (SIDE, SIDE));
    }

    #[test]
    fn a_rectangle_or_a_small_square_is_refused_with_its_size() {
        for (w, h) in [(640, 480), (499, 499)] {
            let err = prepare(&png(w, h, false)).expect_err("refused");
            assert!(
                matches!(&err, DomainError::InvalidInput { message, .. }
                    if message.contains(&format!("{w} x {h} px"))),
                "{err:?}"
            );
        }
    }

    #[test]
    fn a_file_that_is_not_an_image_is_refused() {
        let err = prepare(b"%PDF-1.7 not a picture").expect_err("refused");
        assert!(matches!(err, DomainError::InvalidInput { .. }), "{err:?}");
    }

    #[test]
    fn a_file_over_10_mb_is_refused_before_decoding() {
        let err = prepare(&vec![0u8; MAX_FILE_BYTES + 1]).expect_err("refused");
        assert!(matches!(err, DomainError::LimitExceeded(_)), "{err:?}");
    }

    #[test]
    fn uploaded_paths_are_told_from_linked_urls() {
        let (shop, offer) = (Uuid::now_v7(), Uuid::now_v7());
        let p = path(shop, offer, "0123456789abcdef0123");
        assert_eq!(
            p,
            format!("/offer-images/{shop}/{offer}?v=0123456789abcdef")
        );
        assert!(is_uploaded(&p));
        assert!(!is_uploaded("https://cdn.example/o.png"));
    }
}

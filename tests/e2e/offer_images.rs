//! Offer images (issue 32, item 5): uploaded through the GraphQL multipart request
//! spec, checked and resized to 500 x 500, served with caching headers at the offer's
//! `imageUrl`, kept by `updateOffer`, and removed by `removeOfferImage`.
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use loyalty_tests::{Gql, TestApp, spawn_app, str_at};
use serde_json::{Value, json};
use std::io::Cursor;

const UPLOAD: &str =
    "mutation($o: ID!, $f: Upload!) { uploadOfferImage(offerId: $o, image: $f) { id imageUrl } }";
const BOUNDARY: &str = "loyalty-test-boundary-7f3a";

/// A red PNG of `width` x `height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    png_in(width, height, Rgb([220, 40, 60]))
}

fn png_in(width: u32, height: u32, colour: Rgb<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, colour))
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encode test picture");
    out
}

/// The CRC-32 of PNG chunks (ISO 3309).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A decompression bomb: a few hundred bytes whose valid header claims a 40000 x 40000
/// RGBA canvas (6.4 GB once decoded).
fn bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&40_000u32.to_be_bytes());
    ihdr.extend_from_slice(&40_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    file.extend_from_slice(&13u32.to_be_bytes());
    file.extend_from_slice(&ihdr);
    file.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    file.extend_from_slice(&[0u8; 256]);
    file
}

/// A GraphQL multipart request (operations, map, one file) as a browser's FormData sends it.
async fn upload(app: &TestApp, key: &str, offer: &str, file: &[u8]) -> Gql {
    let operations = json!({"query": UPLOAD, "variables": {"o": offer, "f": null}});
    let mut body = Vec::new();
    let mut part = |headers: &str, content: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"operations\"",
        operations.to_string().as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"map\"",
        br#"{"0": ["variables.f"]}"#,
    );
    part(
        "Content-Disposition: form-data; name=\"0\"; filename=\"offer.png\"\r\nContent-Type: image/png",
        file,
    );
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .bearer_auth(key)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload: {e}"));
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    Gql {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

async fn offer(app: &TestApp, admin: &str) -> String {
    let res = app
        .gql(
            Some(admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": "Giảm 10%", "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER"}}),
        )
        .await;
    str_at(res.data(), "/createOffer/id")
}

async fn image_url(app: &TestApp, key: &str, offer: &str) -> Value {
    let res = app
        .gql(
            Some(key),
            "query($id: ID!) { offer(id: $id) { imageUrl } }",
            json!({"id": offer}),
        )
        .await;
    res.data()["offer"]["imageUrl"].clone()
}

#[tokio::test]
async fn an_uploaded_square_is_stored_at_500_px_and_served_with_caching_headers() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let offer = offer(&app, &admin).await;

    let res = upload(&app, &admin, &offer, &png(1200, 1200)).await;
    let url = str_at(res.data(), "/uploadOfferImage/imageUrl");
    let prefix = format!("{}/offer-images/{shop}/{offer}?v=", app.url);
    assert!(url.starts_with(&prefix), "{url}");
    let read = app.create_key(&admin, "READ").await;
    assert_eq!(image_url(&app, &read, &offer).await, json!(url));

    // Served without a key, as an <img> on the shop's site loads it.
    let served = app.client.get(&url).send().await.expect("GET image");
    assert_eq!(served.status().as_u16(), 200);
    let header = |name: &str| {
        served
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(header("cache-control"), "public, max-age=86400");
    let etag = header("etag");
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    let stored = image::load_from_memory(&served.bytes().await.expect("body")).expect("decodes");
    assert_eq!((stored.width(), stored.height()), (500, 500));

    let again = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("revalidate");
    assert_eq!(again.status().as_u16(), 304);

    // A new picture gets a new version in the URL; the path stays the offer's.
    let res = upload(&app, &admin, &offer, &png_in(500, 500, Rgb([20, 90, 200]))).await;
    let second = str_at(res.data(), "/uploadOfferImage/imageUrl");
    assert!(second.starts_with(&prefix) && second != url, "{second}");

    // Changing the offer's definition without an image keeps the uploaded one.
    let res = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $i: OfferInput!) { updateOffer(id: $id, input: $i) { imageUrl } }",
            json!({"id": offer, "i": {"name": "Giảm 15%", "discountKind": "PERCENT", "value": "15", "targetKind": "ORDER"}}),
        )
        .await;
    assert_eq!(res.data()["updateOffer"]["imageUrl"], json!(second));

    let res = app
        .gql(
            Some(&admin),
            "mutation($o: ID!) { removeOfferImage(offerId: $o) { imageUrl } }",
            json!({"o": offer}),
        )
        .await;
    assert_eq!(res.data()["removeOfferImage"]["imageUrl"], Value::Null);
    let gone = app.client.get(&second).send().await.expect("GET removed");
    assert_eq!(gone.status().as_u16(), 404);
}

#[tokio::test]
async fn uploads_that_are_not_square_pictures_within_the_limits_are_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let offer = offer(&app, &admin).await;

    let res = upload(&app, &admin, &offer, &png(640, 480)).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.message().contains("640 x 480 px"), "{}", res.message());

    let res = upload(&app, &admin, &offer, &png(400, 400)).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.message().contains("400 x 400 px"), "{}", res.message());

    let res = upload(&app, &admin, &offer, b"name,phone\nAn,0912345678\n").await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(
        res.message().contains("not a PNG, JPEG or WebP"),
        "{}",
        res.message()
    );

    let res = upload(&app, &admin, &offer, &bomb()).await;
    assert_eq!(res.code(), "LIMIT_EXCEEDED");
    assert!(res.message().contains("5000 x 5000"), "{}", res.message());

    let res = upload(&app, &admin, &offer, &vec![7u8; 11 * 1024 * 1024]).await;
    assert_eq!(res.status, 413);
    assert_eq!(res.code(), "LIMIT_EXCEEDED");

    // Nothing above was stored.
    assert_eq!(image_url(&app, &admin, &offer).await, Value::Null);
}

#[tokio::test]
async fn only_the_shops_admin_changes_its_offers_images() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let (_, other) = app.create_shop("B").await;
    let offer = offer(&app, &admin).await;
    let read = app.create_key(&admin, "READ").await;

    let res = upload(&app, &read, &offer, &png(500, 500)).await;
    assert_eq!(res.code(), "FORBIDDEN");
    let res = upload(&app, &other, &offer, &png(500, 500)).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(
            Some(&other),
            "mutation($o: ID!) { removeOfferImage(offerId: $o) { id } }",
            json!({"o": offer}),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let missing = app
        .client
        .get(format!(
            "{}/offer-images/{}/{offer}",
            app.url,
            uuid::Uuid::now_v7()
        ))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status().as_u16(), 404);
}

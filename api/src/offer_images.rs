//! Offer images over HTTP: the multipart body that carries an upload to `/graphql`
//! (the GraphQL multipart request spec), the public route that serves a stored image,
//! and the absolute URL that `Offer.imageUrl` shows for it.
use crate::admission::Bucket;
use crate::error::Code;
use crate::http::{AppState, error_response};
use async_graphql::http::MultipartOptions;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use loyalty_domain::offers::image;
use uuid::Uuid;

/// Room in a multipart body beyond the file for the `operations` and `map` parts and
/// the parts' headers.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// Whether the request is `multipart/form-data` (an upload).
pub fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|t| {
        t.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    })
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// Reads a multipart GraphQL request. The whole body is bounded by the image limit
/// (10 MB) plus [`MULTIPART_OVERHEAD`] while it streams, so a larger one is refused
/// without being held; one request, never a batch.
pub async fn receive_multipart(
    headers: &HeaderMap,
    body: Body,
) -> Result<async_graphql::Request, Response> {
    let reader = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .into_async_read();
    let options = MultipartOptions::default()
        .max_file_size(image::MAX_FILE_BYTES + MULTIPART_OVERHEAD)
        .max_num_files(1);
    async_graphql::http::receive_body(content_type(headers), reader, options)
        .await
        .map_err(|e| match e {
            async_graphql::ParseRequestError::PayloadTooLarge => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::LimitExceeded,
                "the upload is larger than 10 MB",
            ),
            other => error_response(
                StatusCode::BAD_REQUEST,
                Code::BadUserInput,
                &format!(
                    "the body is not a GraphQL multipart request \
                     (operations, map, one file): {other}"
                ),
            ),
        })
}

/// The scheme and host a client reached this server at, so that an uploaded image's
/// URL is one that client can load: `X-Forwarded-Proto` and `X-Forwarded-Host` from a
/// reverse proxy, else `http` and `Host`.
#[derive(Debug, Clone)]
pub struct PublicBase(Option<String>);

impl PublicBase {
    /// The base of a request with these headers.
    pub fn of(headers: &HeaderMap) -> Self {
        let first = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let host = first("x-forwarded-host").or_else(|| first(header::HOST.as_str()));
        let scheme = match first("x-forwarded-proto") {
            Some("https") => "https",
            _ => "http",
        };
        // A host with characters no URL host has is left out rather than echoed.
        let host = host.filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
        Self(host.map(|h| format!("{scheme}://{h}")))
    }

    /// `image_url` as a client loads it: an uploaded image's path under this base, a
    /// linked URL as the merchant gave it.
    pub fn resolve(&self, image_url: Option<&str>) -> Option<String> {
        let url = image_url?;
        match &self.0 {
            Some(base) if image::is_uploaded(url) => Some(format!("{base}{url}")),
            _ => Some(url.to_owned()),
        }
    }
}

/// `GET /offer-images/{shop_id}/{offer_id}`: the stored image, public (a web page shows
/// it in an `<img>`, which sends no key). The URL that `imageUrl` gives carries the
/// content's version, so caches may keep a response for a day; the `ETag` answers a
/// revalidation with 304.
pub async fn serve(
    State(state): State<AppState>,
    Path((shop_id, offer_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (Ok(shop_id), Ok(offer_id)) = (Uuid::parse_str(&shop_id), Uuid::parse_str(&offer_id))
    else {
        return not_found();
    };
    // Each shop's images wait behind that shop's own requests only.
    let _place = state.admission.admit(Bucket::Shop(shop_id)).await;
    let stored = match image::read(&state.ctx.db, shop_id, offer_id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "offer image could not be read");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "internal error",
            );
        }
    };
    let etag = format!("\"{}\"", stored.digest);
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
        (header::ETAG, etag.clone()),
    ];
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if revalidated {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, stored.content).into_response()
    };
    let h = response.headers_mut();
    for (name, value) in cache {
        if let Ok(value) = HeaderValue::from_str(&value) {
            h.insert(name, value);
        }
    }
    if !revalidated && let Ok(value) = HeaderValue::from_str(&stored.content_type) {
        h.insert(header::CONTENT_TYPE, value);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, Code::NotFound, "no such offer image")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn an_uploaded_path_is_made_absolute_on_the_host_the_client_reached() {
        let path = "/offer-images/a/b?v=1";
        let direct = PublicBase::of(&headers(&[("host", "127.0.0.1:8080")]));
        assert_eq!(
            direct.resolve(Some(path)).as_deref(),
            Some("http://127.0.0.1:8080/offer-images/a/b?v=1")
        );
        let proxied = PublicBase::of(&headers(&[
            ("host", "10.0.0.5"),
            ("x-forwarded-host", "loyalty.example.vn"),
            ("x-forwarded-proto", "https"),
        ]));
        assert_eq!(
            proxied.resolve(Some(path)).as_deref(),
            Some("https://loyalty.example.vn/offer-images/a/b?v=1")
        );
        assert_eq!(
            proxied
                .resolve(Some("https://cdn.example/o.png"))
                .as_deref(),
            Some("https://cdn.example/o.png")
        );
        let odd = PublicBase::of(&headers(&[("host", "evil.example/<script>")]));
        assert_eq!(odd.resolve(Some(path)).as_deref(), Some(path));
        assert_eq!(direct.resolve(None), None);
    }
}

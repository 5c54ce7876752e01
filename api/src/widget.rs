//! `GET /widget.js`: the member widget (issue 27, seed 004's "Webfloating"), one ES module
//! compiled into the binary so that the widget and the API it calls always match.
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The module's source.
pub const SOURCE: &str = include_str!("../assets/widget/widget.js");

/// Serves the module. Any page may load it (a module script from another origin is
/// fetched with CORS); what it can reach is decided by the member token it is given and
/// the shop's allowed origins, not by who loads the script.
pub async fn serve() -> Response {
    let mut response = SOURCE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // Short enough that a fixed widget reaches shoppers within the hour after a release.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

//! Requests from browsers (issue 27): CORS for the member widget, the refusal of shop
//! keys sent from a web page, and the rate limit on member tokens.
//!
//! The rule: a preflight (`OPTIONS`) from an origin that at least one shop allows
//! (`configureWidget`) is answered with `Access-Control-Allow-Origin` for it and the
//! `authorization` and `content-type` headers; any other preflight is refused. The actual
//! request from another origin must then carry a member token of a shop that allows
//! that origin (the token names its shop), else 403 `FORBIDDEN`; a shop key (`lk_…`) or
//! the operator token sent with a foreign `Origin` is refused the same way, since shop
//! keys never belong in a browser. Requests without `Origin`, or from this server's own
//! origin (GraphiQL), are not browsers on another site and pass.
//!
//! A small middleware rather than tower-http's `CorsLayer`: whether the actual request
//! may pass depends on the token's shop, not only on the origin, and refusals must carry
//! a coded GraphQL error body; splitting that between a CORS layer and a check of our
//! own would put one rule in two places.
use crate::auth;
use crate::error::Code;
use crate::http::{AppState, error_response};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use loyalty_domain::sessions::origins::OriginMap;
use loyalty_domain::sessions::token;
use std::net::{IpAddr, SocketAddr};

/// How long a browser may reuse a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The middleware of `/graphql`; see the module documentation.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let origin = foreign_origin(headers);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credential = authorization
        .and_then(auth::bearer_token)
        .map(str::to_owned);
    // Which shops allow the origin: read only for requests from another site.
    let allowing = match &origin {
        None => None,
        Some(origin) => match state.ctx.widget_origins.current(&state.ctx.db).await {
            Ok(map) => Some(shops_allowing(&map, origin)),
            Err(e) => {
                tracing::error!(error = %e, "widget origins could not be read");
                return auth::Unchecked.into_response();
            }
        },
    };
    let readable = allowing.as_ref().is_some_and(|s| !s.is_empty());
    let mut response = if request.method() == Method::OPTIONS {
        preflight(origin.as_deref(), readable)
    } else if let Some(refusal) = refusal(
        &state,
        &request,
        credential.as_deref(),
        origin.as_deref(),
        allowing.as_deref(),
    ) {
        refusal
    } else {
        next.run(request).await
    };
    if let (Some(origin), true) = (origin, readable) {
        allow_reading(response.headers_mut(), &origin);
    }
    response
}

/// The `Origin` of a request from another site: present, and not this server's own.
fn foreign_origin(headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    if host.is_some() && authority == host {
        return None;
    }
    Some(origin.to_owned())
}

fn shops_allowing(map: &OriginMap, origin: &str) -> Vec<uuid::Uuid> {
    map.get(origin).cloned().unwrap_or_default()
}

/// The answer to a preflight: allowed for an origin some shop allows.
fn preflight(origin: Option<&str>, readable: bool) -> Response {
    match (origin, readable) {
        (Some(_), true) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE),
            );
            response
        }
        (Some(origin), false) => error_response(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            &format!(
                "no shop allows the origin {origin} (configureWidget): this API answers \
                 browsers on the shops' own sites only"
            ),
        ),
        (None, _) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            response.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            response
        }
    }
}

/// Why a request may not run: over the member rate limit (429), or a browser on another
/// site sending a shop key, the operator token, or a member token of a shop that does
/// not allow the site (403).
fn refusal(
    state: &AppState,
    request: &Request,
    credential: Option<&str>,
    origin: Option<&str>,
    allowing: Option<&[uuid::Uuid]>,
) -> Option<Response> {
    let credential = credential?;
    let member = token::is_member_token(credential);
    if member
        && let Some(rate) = &state.member_rate
        && let Err(wait) = rate.check(credential, client_ip(state, request))
    {
        return Some(too_many(wait));
    }
    let origin = origin?;
    if member {
        let shop = token::shop_of(credential)?;
        if allowing.is_some_and(|shops| shops.contains(&shop)) {
            return None;
        }
        return Some(error_response(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            &format!(
                "the member's shop does not allow the origin {origin}: the shop adds it with \
                 configureWidget(input: {{allowedOrigins}})"
            ),
        ));
    }
    if state.operator.matches(credential) || credential.starts_with("lk_") {
        return Some(error_response(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "shop keys and the operator token are refused from a web page (the request \
             carries an Origin): keep them on the shop's server, and give the browser a \
             member token (createMemberSession)",
        ));
    }
    None
}

/// The address the request came from: the peer, or with
/// `LOYALTY_CLIENT_IP_FROM_FORWARDED_FOR` the last address of `X-Forwarded-For` (the one
/// the server's own proxy added).
fn client_ip(state: &AppState, request: &Request) -> Option<IpAddr> {
    if state.client_ip_from_forwarded_for {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

fn too_many(wait: std::time::Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        Code::LimitExceeded,
        &format!(
            "too many requests with this member token or from this address \
             (LOYALTY_MEMBER_RATE_PER_MIN a minute); retry in {secs} s"
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Lets the page on `origin` read the response (its errors included).
fn allow_reading(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
}

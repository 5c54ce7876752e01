//! GraphiQL from the binary: its page and the vendored React and GraphiQL files
//! (`api/assets/graphiql/`, versions and licences in its README), so that the IDE works
//! without reaching a CDN.
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Where the files are served.
pub const PREFIX: &str = "/graphiql/";

/// A file of the IDE.
struct Asset {
    name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    /// Whether the name carries the version: then the file never changes under it.
    versioned: bool,
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 5] = [
    Asset {
        name: "react-18.3.1.production.min.js",
        body: include_bytes!("../assets/graphiql/react-18.3.1.production.min.js"),
        content_type: JS,
        versioned: true,
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        body: include_bytes!("../assets/graphiql/react-dom-18.3.1.production.min.js"),
        content_type: JS,
        versioned: true,
    },
    Asset {
        name: "graphiql-3.9.0.min.js",
        body: include_bytes!("../assets/graphiql/graphiql-3.9.0.min.js"),
        content_type: JS,
        versioned: true,
    },
    Asset {
        name: "graphiql-3.9.0.min.css",
        body: include_bytes!("../assets/graphiql/graphiql-3.9.0.min.css"),
        content_type: "text/css; charset=utf-8",
        versioned: true,
    },
    Asset {
        name: "init.js",
        body: include_bytes!("../assets/graphiql/init.js"),
        content_type: JS,
        versioned: false,
    },
];

const PAGE: &str = include_str!("../assets/graphiql/index.html");

fn respond(body: &'static [u8], content_type: &'static str, versioned: bool) -> Response {
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The IDE's page (GET /graphql without a query).
pub fn page() -> Response {
    respond(PAGE.as_bytes(), "text/html; charset=utf-8", false)
}

/// GET /graphiql/{file}: one of the IDE's files, or 404.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => respond(a.body, a.content_type, a.versioned),
        None => (StatusCode::NOT_FOUND, "no such GraphiQL file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file the page names is served, and the page names nothing from elsewhere.
    #[test]
    fn the_page_loads_only_served_files() {
        let mut named = 0;
        let urls = ["src=\"", "href=\""]
            .iter()
            .flat_map(|attr| PAGE.split(attr).skip(1))
            .map(|rest| rest.split('"').next().unwrap_or_default());
        for url in urls {
            if url.starts_with("data:") {
                continue;
            }
            let file = url.strip_prefix(PREFIX);
            assert!(
                file.is_some_and(|f| ASSETS.iter().any(|a| a.name == f)),
                "{url} is not one of ours"
            );
            named += 1;
        }
        assert_eq!(named, ASSETS.len());
    }
}

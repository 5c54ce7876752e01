//! The merchant's website: a second HTTP server on another port (so another origin, and
//! the browser's CORS checks are real) whose page embeds the widget as README shows.
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::Html;
use axum::routing::get;
use std::collections::HashMap;

/// A running shop site.
pub struct ShopSite {
    /// Its origin, e.g. `http://127.0.0.1:41235`.
    pub origin: String,
}

impl ShopSite {
    /// Serves the page on a free loopback port; `api` is the loyalty server's base URL.
    pub async fn start(api: &str) -> ShopSite {
        let api = api.to_owned();
        let app = Router::new()
            .route(
                "/",
                get(move |Query(q): Query<HashMap<String, String>>| {
                    let api = api.clone();
                    async move { Html(page(&api, &q)) }
                }),
            )
            .route(
                "/offer.svg",
                get(|Query(q): Query<HashMap<String, String>>| async move {
                    let label: String = q
                        .get("label")
                        .map(|l| {
                            l.chars()
                                .filter(|c| c.is_alphanumeric() || *c == '-')
                                .collect()
                        })
                        .unwrap_or_default();
                    let svg = OFFER_IMAGE.replace("{label}", &label);
                    ([(header::CONTENT_TYPE, "image/svg+xml")], svg)
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        ShopSite {
            origin: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The page's URL for a member token and language.
    pub fn url(&self, token: &str, lang: &str) -> String {
        format!("{}/?token={token}&lang={lang}", self.origin)
    }
}

/// The offer's square picture (seed 004: 500x500), as the shop hosts it.
const OFFER_IMAGE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500" viewBox="0 0 500 500"><rect width="500" height="500" fill="#0a7d33"/><text x="250" y="280" font-size="96" text-anchor="middle" fill="#fff">{label}</text></svg>"##;

/// The shop's page: some content wider than nothing, the widget, and a listener that
/// records the widget's "sign in again" event where the test can read it.
fn page(api: &str, q: &HashMap<String, String>) -> String {
    let attr = |k: &str| {
        q.get(k)
            .map(|v| v.replace(['"', '<', '>', '&'], ""))
            .unwrap_or_default()
    };
    format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cửa hàng An</title>
<script type="module" src="{api}/widget.js"></script>
</head>
<body style="margin:0;font-family:sans-serif">
<h1 style="padding:16px">Cửa hàng An</h1>
<p style="padding:0 16px">Áo thun, quần jean và phụ kiện.</p>
<loyalty-widget token="{token}" lang="{lang}"></loyalty-widget>
<script>
  document.addEventListener("loyalty-session-expired", () => {{
    document.body.dataset.sessionExpired = "yes";
  }});
</script>
</body></html>"#,
        token = attr("token"),
        lang = attr("lang"),
    )
}

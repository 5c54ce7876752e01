//! GraphiQL is served from the binary: its page names only same-origin files, and each
//! answers with its content type and caching.
use loyalty_tests::spawn_app;

#[tokio::test]
async fn graphiql_loads_only_files_this_server_serves() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/graphql", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header(&page, "content-type").starts_with("text/html"));
    let html = page.text().await.unwrap_or_default();
    let urls: Vec<&str> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attr| html.split(attr).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|url| !url.starts_with("data:"))
        .collect();
    assert!(urls.len() >= 4, "{html}");
    let mut scripts = String::new();
    for url in urls {
        assert!(url.starts_with("/graphiql/"), "{url} is not same-origin");
        let r = app
            .client
            .get(format!("{}{url}", app.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 200, "{url}");
        let expected = if url.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(header(&r, "content-type").starts_with(expected), "{url}");
        assert!(!header(&r, "cache-control").is_empty(), "{url}");
        let body = r.bytes().await.unwrap_or_default();
        assert!(!body.is_empty(), "{url}");
        if !url.contains("min.") {
            scripts.push_str(&String::from_utf8_lossy(&body));
        }
    }
    assert!(
        scripts.contains(r#"Authorization: "Bearer ""#),
        "the Authorization header is prefilled: {scripts}"
    );
    let missing = app
        .client
        .get(format!("{}/graphiql/nothing.js", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status(), 404);
}

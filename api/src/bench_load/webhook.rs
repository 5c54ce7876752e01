//! `bench load --webhook`: the bench shop subscribes an endpoint to every event type,
//! posted by a worker in this process to a receiver on a loopback port, so that the
//! figures show what raising and delivering events costs recordOrder.
use loyalty_domain::Ctx;
use loyalty_domain::events::EventType;
use loyalty_domain::secrets::Secrets;
use loyalty_domain::webhooks::endpoints::{self, EndpointInput};
use loyalty_domain::webhooks::{Deliverer, UrlRules, WebhookConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// Subscribes the shop and, when `deliver`, starts the worker; returns the count of posts
/// received.
pub async fn subscribe(ctx: &Ctx, shop_id: Uuid, deliver: bool) -> anyhow::Result<Arc<AtomicU64>> {
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let urls = UrlRules {
        allow_loopback: true,
    };
    let ctx = ctx
        .clone()
        .with_secrets(Secrets::from_hex(&hex)?)
        .with_webhook_urls(urls);
    let input = EndpointInput {
        url: format!("http://{addr}/hook"),
        events: EventType::ALL
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        description: Some("bench load".into()),
    };
    endpoints::create(&ctx, shop_id, input).await?;
    if !deliver {
        return Ok(received);
    }
    let worker = Deliverer::new(
        ctx,
        WebhookConfig {
            urls,
            ..WebhookConfig::default()
        },
    )?;
    tokio::spawn(worker.run(std::time::Duration::from_millis(50)));
    Ok(received)
}

//! The member widget in a real browser (issue 27): the real server, a shop site on
//! another origin embedding `<loyalty-widget>`, and headless Chromium. Each state is
//! saved as a screenshot under `target/browser-artifacts/` (or `$LOYALTY_ARTIFACTS`).
mod driver;
mod shop_page;

use driver::{Browser, PHONE_WIDTH};
use loyalty_domain::messaging::ChannelKind;
use loyalty_tests::recording_channel::RecordingDispatcher;
use loyalty_tests::{OPERATOR_TOKEN, TestApp, spawn_app, str_at};
use serde_json::{Value, json};
use shop_page::ShopSite;

/// Inside the widget's shadow root.
fn shadow(selector: &str) -> String {
    format!(
        "document.querySelector('loyalty-widget').shadowRoot.querySelector({})",
        json!(selector)
    )
}

/// A shop with the default tiers, an active program, a member with orders, a campaign voucher and a
/// reward the member can afford; returns (ADMIN key, member id).
async fn shop(app: &TestApp, origin: &str) -> (String, String) {
    let (shop_id, admin) = app.create_shop("Cửa hàng An").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "100"}),
        "INITIAL_TIER",
    )
    .await;
    let member = app
        .upsert_member(
            &admin,
            json!({"externalId": "lan", "name": "Nguyễn Thị Lan", "phone": "0912345678",
                "email": "lan@example.vn", "register": true}),
        )
        .await;
    for (id, amount) in [("o1", 800_000), ("o2", 650_000)] {
        app.order(&admin, id, "lan", amount, 0).await.data();
    }
    let offer = |name: &str, value: &str, label: &str| {
        json!({"i": {"name": name, "description": "Áp dụng cho mọi đơn hàng",
            "discountKind": "FIXED", "value": value, "targetKind": "ORDER", "validDays": 30,
            "imageUrl": format!("{origin}/offer.svg?label={label}")}})
    };
    const OFFER: &str = "mutation($i: OfferInput!) { createOffer(input: $i) { id } }";
    // The voucher comes as seed 004 describes: the shop's campaign carries the offer, and
    // each recipient gets a voucher when their message goes out.
    let campaign_offer = app
        .gql(Some(&admin), OFFER, offer("Giảm 50.000 ₫", "50000", "-50K"))
        .await;
    let campaign_offer = str_at(campaign_offer.data(), "/createOffer/id");
    app.gql(
        Some(OPERATOR_TOKEN),
        "mutation($s: ID!) { topUpMessagingBalance(shopId: $s, amount: \"1000\") { balance } }",
        json!({"s": shop_id}),
    )
    .await
    .data();
    let campaign = app
        .gql(
            Some(&admin),
            "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
            json!({"i": {"name": "Tri ân tháng 12", "offerId": campaign_offer,
                "email": {"subject": "Quà cho {{ name }}", "body": "Mã của bạn: {{ voucher_code }}"}}}),
        )
        .await;
    let campaign = str_at(campaign.data(), "/createCampaign/id");
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
        json!({"id": campaign}),
    )
    .await
    .data();
    let sent = RecordingDispatcher::new(app, ChannelKind::Email)
        .drain()
        .await;
    assert_eq!(sent.len(), 1, "the campaign's one message: {sent:?}");
    let reward_offer = app
        .gql(Some(&admin), OFFER, offer("Quà 20.000 ₫", "20000", "20K"))
        .await;
    let reward_offer = str_at(reward_offer.data(), "/createOffer/id");
    app.gql(
        Some(&admin),
        "mutation($i: RewardInput!) { createReward(input: $i) { id } }",
        json!({"i": {"name": "Phiếu 20.000 ₫", "pointsCost": 1000, "offerId": reward_offer}}),
    )
    .await
    .data();
    app.gql(
        Some(&admin),
        "mutation($i: WidgetInput!) { configureWidget(input: $i) { allowedOrigins } }",
        json!({"i": {"allowedOrigins": [origin],
            "theme": {"primaryColor": "#0a7d33", "title": "Ưu đãi An"}}}),
    )
    .await
    .data();
    (admin, member)
}

async fn session(app: &TestApp, key: &str, member: &str) -> String {
    let res = app
        .gql(
            Some(key),
            "mutation($m: String!) { createMemberSession(memberExternalId: $m, ttlMinutes: 30) { token } }",
            json!({"m": member}),
        )
        .await;
    str_at(res.data(), "/createMemberSession/token")
}

async fn open_widget(browser: &Browser, url: &str) {
    browser
        .client
        .goto(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    browser
        .wait_for(
            "the widget's button",
            &format!("{} !== null", shadow(".fab")),
        )
        .await;
    browser
        .eval(&format!("{}.click(); return true;", shadow(".fab")))
        .await;
}

async fn text(browser: &Browser, selector: &str) -> String {
    browser
        .eval(&format!(
            "const e = {}; return e ? e.textContent.trim() : null;",
            shadow(selector)
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The page scrolls sideways when its content is wider than the viewport.
async fn scrolls_sideways(browser: &Browser) -> bool {
    let v = browser
        .eval("return document.documentElement.scrollWidth > window.innerWidth;")
        .await;
    v == Value::Bool(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_shows_the_wallet_and_redeems_a_reward() {
    let Some(chromedriver) = driver::chromedriver() else {
        return;
    };
    let app = spawn_app().await;
    let site = ShopSite::start(&app.url).await;
    let (admin, _) = shop(&app, &site.origin).await;
    let token = session(&app, &admin, "lan").await;
    let browser = Browser::start(&chromedriver).await;

    open_widget(&browser, &site.url(&token, "vi")).await;
    browser
        .wait_for(
            "the wallet",
            &format!("{} !== null", shadow("[data-available]")),
        )
        .await;
    // 1,450,000 VND at 1,000 VND a point: 1,450 points; the default tiers put Silver at
    // 2,000,000, 550,000 VND away.
    assert_eq!(text(&browser, "[data-available]").await, "1.450");
    assert_eq!(text(&browser, "[data-tier]").await, "Member");
    // The shop's theme: its title on the button, its colour on the header.
    assert_eq!(text(&browser, ".fab").await, "Ưu đãi An");
    let header = browser
        .eval(&format!(
            "return getComputedStyle({}).backgroundColor;",
            shadow("header")
        ))
        .await;
    assert_eq!(header, json!("rgb(10, 125, 51)"));
    assert!(
        text(&browser, "[data-next]").await.contains("550.000 ₫"),
        "progress to Silver: {}",
        text(&browser, "[data-next]").await
    );
    assert!(
        text(&browser, "[data-section=vouchers]")
            .await
            .contains("Giảm 50.000 ₫")
    );
    // The offer's square image, loaded from the shop's site.
    let image = browser
        .wait_for(
            "the voucher's image",
            &format!(
                "(() => {{ const i = {}; return i && i.complete ? i.naturalWidth : null; }})()",
                shadow("[data-voucher] img")
            ),
        )
        .await;
    assert_eq!(image, json!(500));
    let width = browser.eval("return window.innerWidth;").await;
    assert_eq!(width, json!(PHONE_WIDTH), "the phone's viewport");
    assert!(
        !scrolls_sideways(&browser).await,
        "the page scrolls sideways at {PHONE_WIDTH} px"
    );
    browser.screenshot("wallet").await;

    // Redeem: 1,000 points for the reward's voucher, which then shows with the others.
    browser
        .eval(&format!(
            "{}.click(); return true;",
            shadow("[data-reward]")
        ))
        .await;
    browser
        .wait_for(
            "the redemption notice",
            &format!("{} !== null", shadow("[data-notice]")),
        )
        .await;
    assert_eq!(text(&browser, "[data-available]").await, "450");
    assert!(
        text(&browser, "[data-section=vouchers]")
            .await
            .contains("Quà 20.000 ₫")
    );
    browser.screenshot("redeemed").await;
    browser.close().await;

    let points = app.points(&admin, "lan").await;
    assert_eq!(points.0, 450, "the server agrees: {points:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_or_origin_shows_the_error_state() {
    let Some(chromedriver) = driver::chromedriver() else {
        return;
    };
    let app = spawn_app().await;
    let site = ShopSite::start(&app.url).await;
    let (admin, _) = shop(&app, &site.origin).await;
    // Another shop's member token, on a site that shop never allowed.
    let (_, other_admin) = app.create_shop("Cửa hàng Bình").await;
    app.upsert_member(
        &other_admin,
        json!({"externalId": "lan", "name": "Lan", "register": true}),
    )
    .await;
    let foreign = session(&app, &other_admin, "lan").await;
    let browser = Browser::start(&chromedriver).await;

    open_widget(&browser, &site.url(&foreign, "en")).await;
    let error = browser
        .wait_for(
            "the error state",
            &format!("{}?.dataset.error", shadow("[data-state=error]")),
        )
        .await;
    assert_eq!(error, json!("denied"));
    let sentence = text(&browser, "[data-state=error]").await;
    assert!(
        !sentence.contains('{') && !sentence.contains("Error"),
        "{sentence}"
    );
    browser.screenshot("other-shop").await;

    // The shop's own token on a site it never allowed: the browser's CORS check refuses.
    let elsewhere = ShopSite::start(&app.url).await;
    let token = session(&app, &admin, "lan").await;
    open_widget(&browser, &elsewhere.url(&token, "en")).await;
    let error = browser
        .wait_for(
            "the error state",
            &format!("{}?.dataset.error", shadow("[data-state=error]")),
        )
        .await;
    assert_eq!(error, json!("denied"));
    browser.screenshot("origin-not-allowed").await;

    // An expired token: "please sign in again", and the host page hears of it.
    let token = session(&app, &admin, "lan").await;
    app.advance(chrono::Duration::minutes(31));
    open_widget(&browser, &site.url(&token, "en")).await;
    let error = browser
        .wait_for(
            "the sign-in state",
            &format!("{}?.dataset.error", shadow("[data-state=error]")),
        )
        .await;
    assert_eq!(error, json!("signIn"));
    assert!(
        text(&browser, "[data-state=error]")
            .await
            .contains("sign in again")
    );
    browser
        .wait_for(
            "the page's event",
            "document.body.dataset.sessionExpired === 'yes'",
        )
        .await;
    browser.screenshot("expired").await;
    browser.close().await;
}

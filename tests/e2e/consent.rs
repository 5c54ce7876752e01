//! Messaging consent (issue 26, section 4) and the campaign estimate (section 3): opting
//! out and back in per channel, campaigns skipping opted-out members both when they
//! freeze their recipients and when a message is about to go out, the unsubscribe link
//! every e-mail carries, and an estimate that matches what the campaign then sends and
//! charges. Deliveries run through the real dispatcher with a recording e-mail channel.
use loyalty_domain::messaging::ChannelKind;
use loyalty_tests::recording_channel::RecordingDispatcher;
use loyalty_tests::{OPERATOR_TOKEN, TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const CONSENT: &str = "mutation($m: ID!, $c: MessageChannel!, $a: Boolean!) {
  setMessagingConsent(memberId: $m, channel: $c, allowed: $a) { externalId optOuts { channel source at } } }";

/// Registered a–e with e-mails, f registered without one, g with one but not registered.
async fn members(app: &TestApp, key: &str) {
    let csv = "external_id,name,phone,email,registered\n\
               a,An,0912345601,a@x.vn,true\n\
               b,Bình,0912345602,b@x.vn,true\n\
               c,Chi,0912345603,c@x.vn,true\n\
               d,Dũng,0912345604,d@x.vn,true\n\
               e,Em,0912345605,e@x.vn,true\n\
               f,Phúc,0912345606,,true\n\
               g,Giang,0912345607,g@x.vn,false\n";
    let r = app
        .gql(
            Some(key),
            "mutation($c: String!) { importMembers(csv: $c) { imported } }",
            json!({"c": csv}),
        )
        .await;
    assert_eq!(r.data()["importMembers"]["imported"], json!(7));
}

async fn id_of(app: &TestApp, key: &str, external: &str) -> String {
    let r = app
        .gql(
            Some(key),
            "query($e: String!) { member(externalId: $e) { id } }",
            json!({"e": external}),
        )
        .await;
    str_at(r.data(), "/member/id")
}

async fn opt_outs(app: &TestApp, key: &str, external: &str) -> Value {
    let r = app
        .gql(
            Some(key),
            "query($e: String!) { member(externalId: $e) { optOuts { channel source } } }",
            json!({"e": external}),
        )
        .await;
    r.data()["member"]["optOuts"].clone()
}

async fn consent(app: &TestApp, key: &str, member: &str, channel: &str, allowed: bool) -> Value {
    let r = app
        .gql(
            Some(key),
            CONSENT,
            json!({"m": member, "c": channel, "a": allowed}),
        )
        .await;
    r.data()["setMessagingConsent"]["optOuts"].clone()
}

#[tokio::test]
async fn members_opt_out_per_channel_and_back_in_idempotently() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    members(&app, &admin).await;
    let a = id_of(&app, &admin, "a").await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    let read = app.create_key(&admin, "READ").await;

    let vars = |m: &str| json!({"m": m, "c": "EMAIL", "a": false});
    assert_eq!(
        app.gql(Some(&read), CONSENT, vars(&a)).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql(
            Some(&channel),
            CONSENT,
            vars("0190a0a0-0000-7000-8000-000000000000")
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql(Some(&channel), CONSENT, vars("x")).await.code(),
        "BAD_USER_INPUT"
    );
    let (_, other_admin) = app.create_shop("B").await;
    assert_eq!(
        app.gql(Some(&other_admin), CONSENT, vars(&a)).await.code(),
        "NOT_FOUND",
        "another shop's member"
    );
    assert_eq!(opt_outs(&app, &admin, "a").await, json!([]));

    // A channel records it; a second opt-out keeps the first one's time.
    let first = consent(&app, &channel, &a, "EMAIL", false).await;
    assert_eq!(first[0]["channel"], json!("EMAIL"));
    assert_eq!(first[0]["source"], json!("API"));
    app.advance(chrono::Duration::hours(1));
    let again = consent(&app, &channel, &a, "EMAIL", false).await;
    assert_eq!(again, first);
    let both = consent(&app, &admin, &a, "ZNS", false).await;
    assert_eq!(
        both.as_array()
            .map(|l| l.iter().map(|o| o["channel"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("EMAIL"), json!("ZNS")])
    );

    // Opting back in removes one channel's opt-out only; twice changes nothing.
    let back = consent(&app, &channel, &a, "EMAIL", true).await;
    assert_eq!(back.as_array().map(|l| l.len()), Some(1), "{back}");
    assert_eq!(back[0]["channel"], json!("ZNS"));
    assert_eq!(consent(&app, &channel, &a, "EMAIL", true).await, back);

    // A page of members reads every member's opt-outs.
    let page = app
        .gql(
            Some(&admin),
            "{ members(first: 10) { edges { node { externalId optOuts { channel } } } } }",
            json!({}),
        )
        .await;
    let with: Vec<Value> = page.data()["members"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|n| n["node"]["optOuts"] != json!([]))
                .map(|n| n["node"].clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        with,
        vec![json!({"externalId": "a", "optOuts": [{"channel": "ZNS"}]})]
    );
}

const ESTIMATE: &str = "query($id: ID!) { campaign(id: $id) { status
  estimate { frozen recipients skipped skippedByReason { reason count } segmentsPerMessage segments
             pricePerSegment cost toPay balance balanceCovers }
  report { recipients skipped skippedByReason { reason count } sent cost balanceLeft } } }";

async fn campaign(app: &TestApp, key: &str, name: &str) -> String {
    let r = app
        .gql(
            Some(key),
            "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
            json!({"i": {"name": name, "email": {"subject": "Chào {{ name }}", "body": "Điểm: {{ points }}"}}}),
        )
        .await;
    str_at(r.data(), "/createCampaign/id")
}

async fn look(app: &TestApp, key: &str, id: &str) -> Value {
    app.gql(Some(key), ESTIMATE, json!({"id": id})).await.data()["campaign"].clone()
}

async fn send_now(app: &TestApp, key: &str, id: &str) {
    let r = app
        .gql(
            Some(key),
            "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(r.data()["sendCampaignNow"]["status"], json!("SENDING"));
}

fn reasons(pairs: &[(&str, i64)]) -> Value {
    json!(
        pairs
            .iter()
            .map(|(r, n)| json!({"reason": r, "count": n}))
            .collect::<Vec<_>>()
    )
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn campaigns_skip_opted_out_members_the_link_unsubscribes_and_the_estimate_holds() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("Cửa hàng <An>").await;
    members(&app, &admin).await;
    let b = id_of(&app, &admin, "b").await;
    consent(&app, &admin, &b, "EMAIL", false).await;
    app.gql(
        Some(OPERATOR_TOKEN),
        "mutation($s: ID!) { topUpMessagingBalance(shopId: $s, amount: \"1000\") { balance } }",
        json!({"s": shop}),
    )
    .await
    .data();
    let sender = RecordingDispatcher::new(&app, ChannelKind::Email);

    // Before sending: the audience now. a, c, d, e get it; b opted out, f has no e-mail,
    // g is not a registered member of this MEMBERS_ONLY program.
    let first = campaign(&app, &admin, "One").await;
    let c = look(&app, &admin, &first).await;
    assert_eq!(
        c["estimate"],
        json!({"frozen": false, "recipients": 4, "skipped": 3,
               "skippedByReason": reasons(&[("NOT_MEMBER", 1), ("NO_EMAIL", 1), ("OPTED_OUT", 1)]),
               "segmentsPerMessage": 1, "segments": 4, "pricePerSegment": "20", "cost": "80",
               "toPay": "80", "balance": "1000", "balanceCovers": true})
    );
    send_now(&app, &admin, &first).await;
    let c = look(&app, &admin, &first).await;
    assert_eq!(c["estimate"]["frozen"], json!(true));
    assert_eq!(c["estimate"]["recipients"], json!(4));
    assert_eq!(c["estimate"]["cost"], json!("80"));
    let mails = sender.drain().await;

    // What went out and what it cost are what the estimate said.
    let c = look(&app, &admin, &first).await;
    assert_eq!(c["status"], json!("COMPLETED"));
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["a@x.vn", "c@x.vn", "d@x.vn", "e@x.vn"]);
    assert_eq!(c["report"]["sent"], c["estimate"]["recipients"]);
    assert_eq!(c["report"]["cost"], json!("80"));
    assert_eq!(c["estimate"]["cost"], c["report"]["cost"]);
    assert_eq!(c["estimate"]["toPay"], json!("0"));
    assert_eq!(
        c["report"]["skippedByReason"],
        reasons(&[("NO_EMAIL", 1), ("OPTED_OUT", 1)])
    );
    assert_eq!(
        c["estimate"]["skippedByReason"],
        c["report"]["skippedByReason"]
    );
    let link = |to: &str| {
        mails
            .iter()
            .find(|m| m.to == to)
            .and_then(|m| m.unsubscribe_url.clone())
            .unwrap_or_default()
    };
    for m in &mails {
        let url = m.unsubscribe_url.as_deref().unwrap_or_default();
        assert!(
            url.starts_with(&format!("{}/unsubscribe/", app.url)),
            "{url}"
        );
    }

    // The second campaign freezes a, c, d, e; then c opts out through the API and d
    // through the link of the first e-mail: neither gets the second.
    let second = campaign(&app, &admin, "Two").await;
    send_now(&app, &admin, &second).await;
    let c_id = id_of(&app, &admin, "c").await;
    consent(&app, &admin, &c_id, "EMAIL", false).await;
    let page = app
        .client
        .get(link("d@x.vn"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("Đã hủy đăng ký"), "{html}");
    assert!(html.contains("Cửa hàng &lt;An&gt;"), "{html}");
    let twice = app.client.get(link("d@x.vn")).send().await;
    assert_eq!(twice.map(|r| r.status().as_u16()).ok(), Some(200));
    assert_eq!(
        opt_outs(&app, &admin, "d").await,
        json!([{"channel": "EMAIL", "source": "LINK"}])
    );
    let mails = sender.drain().await;
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["a@x.vn", "e@x.vn"]);
    let c = look(&app, &admin, &second).await;
    assert_eq!(c["status"], json!("COMPLETED"));
    assert_eq!(
        c["report"],
        json!({"recipients": 6, "skipped": 4, "sent": 2, "cost": "40", "balanceLeft": "880",
               "skippedByReason": reasons(&[("NO_EMAIL", 1), ("OPTED_OUT", 3)])})
    );
    assert_eq!(c["estimate"]["cost"], json!("40"));

    // Forged links change nothing: a's signature under e's name, a changed signature,
    // text that is no token at all. RFC 8058's POST works like the click.
    let (a_payload, a_sig) = token_of(&link("a@x.vn"))
        .split_once('.')
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
        .unwrap_or_default();
    let (e_payload, _) = token_of(&link("e@x.vn"))
        .split_once('.')
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
        .unwrap_or_default();
    let flipped = format!(
        "{a_payload}.{}{}",
        &a_sig[..a_sig.len() - 1],
        if a_sig.ends_with('A') { "B" } else { "A" }
    );
    for (token, status) in [
        (format!("{e_payload}.{a_sig}"), 404),
        (flipped, 404),
        ("not-a-token".to_owned(), 400),
    ] {
        let r = app
            .client
            .get(format!("{}/unsubscribe/{token}", app.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), status, "{token}");
        assert!(r.text().await.unwrap_or_default().contains("không hợp lệ"));
    }
    assert_eq!(opt_outs(&app, &admin, "e").await, json!([]));
    assert_eq!(opt_outs(&app, &admin, "a").await, json!([]));
    let post = app
        .client
        .post(link("e@x.vn"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await;
    assert_eq!(post.map(|r| r.status().as_u16()).ok(), Some(200));
    assert_eq!(
        opt_outs(&app, &admin, "e").await,
        json!([{"channel": "EMAIL", "source": "LINK"}])
    );

    // Opting back in: d gets the next campaign again.
    let d = id_of(&app, &admin, "d").await;
    assert_eq!(consent(&app, &admin, &d, "EMAIL", true).await, json!([]));
    let third = campaign(&app, &admin, "Three").await;
    assert_eq!(
        look(&app, &admin, &third).await["estimate"]["recipients"],
        json!(2)
    );
    send_now(&app, &admin, &third).await;
    let mut to: Vec<String> = sender.drain().await.into_iter().map(|m| m.to).collect();
    to.sort_unstable();
    assert_eq!(to, ["a@x.vn", "d@x.vn"]);
}

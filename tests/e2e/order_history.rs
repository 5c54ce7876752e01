//! Order history through HTTP: `order(externalId)`, `Member.orders` and the shop's
//! `orders(filter)` read back what `recordOrder` and `refundOrder` wrote (lines, tier,
//! voucher and points discounts, points, refunds), newest first across pages; nested
//! under a page of members they cost the same statements at any page size; bad input is
//! refused with its code.
use chrono::{DateTime, Duration, Utc};
use loyalty_tests::{TestApp, spawn_app, start_time, str_at};
use serde_json::{Value, json};

const FIELDS: &str = "id externalId channel placedAt member { externalId } \
    lines { productId groupIds quantity unitPrice alreadyDiscounted } \
    discounts { source label amount voucherCode } subtotal discountTotal total pointsValue \
    paid pointsEarned pointsRedeemed refunds { refundId amount at pointsReversed pointsRestored } \
    refundedAmount";

const RECORD: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId subtotal total discountTotal paid pointsEarned pointsRedeemed } }";

/// An order the test sent and what recording it answered.
struct Sent {
    external_id: String,
    member: String,
    channel: String,
    placed_at: DateTime<Utc>,
    lines: Vec<Value>,
    result: Value,
}

/// A refund the test sent: order, refund id, amount, and the server's time then.
struct Refunded {
    order: String,
    refund_id: String,
    amount: i64,
    at: DateTime<Utc>,
}

/// A shop with orders of two customers on several channels, one of them with a tier
/// discount, a voucher, redeemed points and two partial refunds.
struct Scenario {
    admin: String,
    /// In the order they were recorded.
    sent: Vec<Sent>,
    refunds: Vec<Refunded>,
    voucher: String,
    /// The quote of the voucher order's cart, just before it was recorded.
    quoted: Value,
}

fn line(product: &str, groups: &[&str], quantity: i64, price: i64, discounted: bool) -> Value {
    json!({"productId": product, "groupIds": groups, "quantity": quantity,
        "unitPrice": price.to_string(), "alreadyDiscounted": discounted})
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a time: {v}"))
}

fn now(app: &TestApp) -> DateTime<Utc> {
    use loyalty_domain::clock::Clock;
    app.clock.now()
}

impl Scenario {
    async fn record(
        &mut self,
        app: &TestApp,
        (id, member, channel): (&str, &str, &str),
        placed_at: Option<DateTime<Utc>>,
        lines: Vec<Value>,
        extra: Value,
    ) {
        let mut input = json!({"externalId": id, "memberExternalId": member,
            "channel": channel, "lines": lines});
        if let Some(at) = placed_at {
            input["placedAt"] = json!(at.to_rfc3339());
        }
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        let res = app
            .gql(Some(&self.admin), RECORD, json!({ "i": input }))
            .await;
        self.sent.push(Sent {
            external_id: id.to_owned(),
            member: member.to_owned(),
            channel: channel.to_owned(),
            placed_at: placed_at.unwrap_or_else(|| now(app)),
            lines,
            result: res.data()["recordOrder"].clone(),
        });
    }

    async fn refund(&mut self, app: &TestApp, order: &str, refund_id: &str, amount: i64) {
        app.refund(&self.admin, order, refund_id, amount)
            .await
            .data();
        self.refunds.push(Refunded {
            order: order.to_owned(),
            refund_id: refund_id.to_owned(),
            amount,
            at: now(app),
        });
    }

    async fn new(app: &TestApp) -> Self {
        let admin = app.active_shop().await;
        app.update_tier(
            &admin,
            1,
            json!({"discountPercent": "5", "discountCap": "20000", "redeemCap": "50000",
                "combinesWithPromotions": true}),
        )
        .await;
        let c1 = app
            .upsert_member(&admin, json!({"externalId": "c1", "name": "Chi"}))
            .await;
        let offer = app
            .gql(
                Some(&admin),
                "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
                json!({"i": {"name": "10k off", "discountKind": "FIXED", "value": "10000", "targetKind": "ORDER"}}),
            )
            .await;
        let offer = str_at(offer.data(), "/createOffer/id");
        let issued = app
            .gql(
                Some(&admin),
                "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
                json!({"o": offer, "m": [c1]}),
            )
            .await;
        let voucher = str_at(issued.data(), "/issueVouchers/0/code");
        let mut s = Scenario {
            admin,
            sent: Vec::new(),
            refunds: Vec::new(),
            voucher,
            quoted: Value::Null,
        };
        let t0 = start_time();
        s.record(
            app,
            ("o1", "c1", "POS"),
            Some(t0 - Duration::days(10)),
            vec![
                line("A", &["G"], 2, 100_000, false),
                line("tea", &[], 1, 45_500, true),
            ],
            json!({}),
        )
        .await;
        // The first order's points become available.
        app.advance(Duration::days(2));
        let cart = vec![line("B", &["G", "H"], 3, 50_000, false)];
        let quote = app
            .gql(
                Some(&s.admin),
                "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source label amount } } }",
                json!({"i": {"memberExternalId": "c1", "lines": cart,
                    "voucherCodes": [s.voucher], "redeemPoints": 100}}),
            )
            .await;
        s.quoted = quote.data()["quote"]["discounts"].clone();
        let voucher = s.voucher.clone();
        s.record(
            app,
            ("o2", "c1", "WEB"),
            None,
            cart,
            json!({"voucherCodes": [voucher], "redeemPoints": 100}),
        )
        .await;
        // Two orders placed at the same instant: the one recorded later is newer.
        for (id, channel, qty) in [("o3", "SOCIAL", 1), ("o4", "POS", 2)] {
            s.record(
                app,
                (id, "c2", channel),
                Some(t0 - Duration::days(5)),
                vec![line("C", &[], qty, 30_000, false)],
                json!({}),
            )
            .await;
        }
        s.record(
            app,
            ("o5", "c1", "POS"),
            Some(t0 + Duration::days(1)),
            vec![line("A", &["G"], 1, 100_000, false)],
            json!({}),
        )
        .await;
        app.advance(Duration::hours(1));
        s.refund(app, "o2", "rf-1", 50_000).await;
        app.advance(Duration::days(1));
        s.refund(app, "o2", "rf-2", 20_000).await;
        s
    }

    fn sent(&self, id: &str) -> &Sent {
        self.sent
            .iter()
            .find(|s| s.external_id == id)
            .unwrap_or_else(|| panic!("no order {id}"))
    }

    /// External ids of the sent orders that `keep` keeps, newest first: by placement
    /// time, then the later recorded first.
    fn newest_first(&self, keep: impl Fn(&Sent) -> bool) -> Vec<String> {
        let mut kept: Vec<(usize, &Sent)> = self
            .sent
            .iter()
            .enumerate()
            .filter(|(_, s)| keep(s))
            .collect();
        kept.sort_by_key(|(i, s)| std::cmp::Reverse((s.placed_at, *i)));
        kept.into_iter()
            .map(|(_, s)| s.external_id.clone())
            .collect()
    }

    /// Checks an `Order` node against what was sent and answered for it.
    fn check(&self, node: &Value) {
        let id = str_at(node, "/externalId");
        let sent = self.sent(&id);
        let r = &sent.result;
        assert_eq!(node["id"], r["orderId"], "{id}");
        assert_eq!(node["channel"], sent.channel.as_str(), "{id}");
        assert_eq!(node["member"]["externalId"], sent.member.as_str(), "{id}");
        assert_eq!(time(&node["placedAt"]), sent.placed_at, "{id}");
        assert_eq!(node["lines"], json!(sent.lines), "{id}: lines as sent");
        for f in [
            "subtotal",
            "total",
            "discountTotal",
            "paid",
            "pointsEarned",
            "pointsRedeemed",
        ] {
            assert_eq!(node[f], r[f], "{id}: {f} as recordOrder answered");
        }
        let amount = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or_else(|| panic!("not an amount: {v}"))
        };
        // Tier and voucher discounts make discountTotal; the points one is what points paid.
        let discounts = node["discounts"].as_array().cloned().unwrap_or_default();
        let sum_of = |sources: &[&str]| -> i64 {
            discounts
                .iter()
                .filter(|d| sources.contains(&d["source"].as_str().unwrap_or_default()))
                .map(|d| amount(&d["amount"]))
                .sum()
        };
        assert_eq!(
            sum_of(&["TIER", "VOUCHER"]),
            amount(&node["discountTotal"]),
            "{id}"
        );
        assert_eq!(sum_of(&["POINTS"]), amount(&node["pointsValue"]), "{id}");
        assert_eq!(
            amount(&node["total"]) - amount(&node["pointsValue"]),
            amount(&node["paid"]),
            "{id}"
        );
        let refunds: Vec<Value> = self
            .refunds
            .iter()
            .filter(|f| f.order == id)
            .map(|f| json!([f.refund_id, f.amount.to_string(), f.at]))
            .collect();
        let shown: Vec<Value> = node["refunds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| json!([f["refundId"], f["amount"], time(&f["at"])]))
            .collect();
        assert_eq!(shown, refunds, "{id}: refunds, oldest first");
        let refunded: i64 = self
            .refunds
            .iter()
            .filter(|f| f.order == id)
            .map(|f| f.amount)
            .sum();
        assert_eq!(node["refundedAmount"], refunded.to_string(), "{id}");
    }
}

/// Every page of `query` (with `$a` for `after`, and `vars`), the connection at `at`:
/// the external ids of all nodes, and how many pages there were.
async fn all_pages(
    app: &TestApp,
    key: &str,
    query: &str,
    vars: Value,
    at: &str,
) -> (Vec<Value>, usize) {
    let (mut nodes, mut pages) = (Vec::new(), 0);
    let mut after = Value::Null;
    loop {
        let mut v = vars.clone();
        v["a"] = after;
        let res = app.gql(Some(key), query, v).await;
        let conn = res
            .data()
            .pointer(at)
            .cloned()
            .unwrap_or_else(|| panic!("no {at} in {}", res.body));
        pages += 1;
        nodes.extend(
            conn["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            return (nodes, pages);
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(pages < 50, "paging does not end");
    }
}

/// Which sent orders a filter keeps.
type Keep = Box<dyn Fn(&Sent) -> bool>;

fn ids(nodes: &[Value]) -> Vec<String> {
    nodes.iter().map(|n| str_at(n, "/externalId")).collect()
}

#[tokio::test]
async fn an_order_reads_back_as_recorded_with_its_discounts_and_refunds() {
    let app = spawn_app().await;
    let s = Scenario::new(&app).await;
    let query = format!("query($e: String!) {{ order(externalId: $e) {{ {FIELDS} }} }}");
    for sent in &s.sent {
        let res = app
            .gql(Some(&s.admin), &query, json!({"e": sent.external_id}))
            .await;
        s.check(&res.data()["order"]);
    }

    // The voucher order shows the discounts its quote promised, in the same order.
    let o2 = app.gql(Some(&s.admin), &query, json!({"e": "o2"})).await;
    let o2 = &o2.data()["order"];
    let shown: Vec<Value> = o2["discounts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let source = match (d["source"].as_str(), d["voucherCode"].as_str()) {
                (Some("VOUCHER"), Some(code)) => format!("VOUCHER:{code}"),
                (Some(other), _) => other.to_owned(),
                _ => panic!("no source in {d}"),
            };
            json!({"source": source, "label": d["label"], "amount": d["amount"]})
        })
        .collect();
    assert_eq!(json!(shown), s.quoted);
    let mut sources: Vec<&str> = shown.iter().filter_map(|d| d["source"].as_str()).collect();
    sources.sort_unstable();
    let voucher = format!("VOUCHER:{}", s.voucher);
    assert_eq!(
        sources,
        ["POINTS", "TIER", voucher.as_str()],
        "the order got all three kinds"
    );
    // What refunds took back and gave back is what the ledger recorded for them.
    let ledger = app.ledger(&s.admin, "c1").await;
    let reverse = |sign: i64| -> i64 {
        ledger
            .iter()
            .filter(|(k, p)| k == "REVERSE" && p.signum() == sign)
            .map(|(_, p)| p.abs())
            .sum()
    };
    let refunds = o2["refunds"].as_array().cloned().unwrap_or_default();
    let total = |f: &str| -> i64 { refunds.iter().filter_map(|r| r[f].as_i64()).sum() };
    assert!(
        total("pointsReversed") > 0 && total("pointsRestored") > 0,
        "{o2}"
    );
    assert_eq!(total("pointsReversed"), reverse(-1));
    assert_eq!(total("pointsRestored"), reverse(1));

    // Keys of any role read it; an id the shop does not have, or another shop's, is null.
    let read = app.create_key(&s.admin, "READ").await;
    let by_read = app.gql(Some(&read), &query, json!({"e": "o2"})).await;
    assert_eq!(by_read.data()["order"], *o2);
    let none = app.gql(Some(&s.admin), &query, json!({"e": "o9"})).await;
    assert_eq!(none.data()["order"], Value::Null);
    let (_, other) = app.create_shop("B").await;
    let foreign = app.gql(Some(&other), &query, json!({"e": "o2"})).await;
    assert_eq!(foreign.data()["order"], Value::Null);
    let foreign_list = app
        .gql(
            Some(&other),
            "{ orders { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(foreign_list.data()["orders"]["edges"], json!([]));
}

#[tokio::test]
async fn orders_list_newest_first_by_every_filter_across_pages() {
    let app = spawn_app().await;
    let s = Scenario::new(&app).await;
    let query = format!(
        "query($f: OrderFilter, $n: Int, $a: String) {{ orders(filter: $f, first: $n, after: $a) \
         {{ edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let c2 = app
        .gql(
            Some(&s.admin),
            "{ member(externalId: \"c2\") { id } }",
            json!({}),
        )
        .await;
    let c2 = str_at(c2.data(), "/member/id");
    let c1 = app
        .gql(
            Some(&s.admin),
            "{ member(externalId: \"c1\") { id } }",
            json!({}),
        )
        .await;
    let c1 = str_at(c1.data(), "/member/id");
    let t0 = start_time();
    let (from, to) = (t0 - Duration::days(6), t0 + Duration::days(1));
    let cases: Vec<(Value, Keep)> = vec![
        (json!(null), Box::new(|_| true)),
        (json!({"channel": "POS"}), Box::new(|o| o.channel == "POS")),
        (
            // `to` is exclusive: the order placed exactly then is out.
            json!({"placedWithin": {"from": from.to_rfc3339(), "to": to.to_rfc3339()}}),
            Box::new(move |o| o.placed_at >= from && o.placed_at < to),
        ),
        (
            json!({"placedWithin": {"from": from.to_rfc3339()}}),
            Box::new(move |o| o.placed_at >= from),
        ),
        (json!({"memberId": c2}), Box::new(|o| o.member == "c2")),
        (
            json!({"memberId": c1, "channel": "POS"}),
            Box::new(|o| o.member == "c1" && o.channel == "POS"),
        ),
        (
            json!({"memberId": c1, "channel": "WEB", "placedWithin": {"to": to.to_rfc3339()}}),
            Box::new(move |o| o.member == "c1" && o.channel == "WEB" && o.placed_at < to),
        ),
        // A well-formed id the shop does not have lists nothing.
        (
            json!({"memberId": uuid::Uuid::now_v7().to_string()}),
            Box::new(|_| false),
        ),
    ];
    for (filter, keep) in cases {
        let expected = s.newest_first(keep);
        for n in [1, 2, 100] {
            let (nodes, pages) = all_pages(
                &app,
                &s.admin,
                &query,
                json!({"f": filter, "n": n}),
                "/orders",
            )
            .await;
            assert_eq!(ids(&nodes), expected, "filter {filter}, pages of {n}");
            assert_eq!(pages, expected.len().div_ceil(n).max(1), "{filter} {n}");
            nodes.iter().for_each(|node| s.check(node));
        }
    }
    assert!(s.newest_first(|_| true).len() == s.sent.len());

    // A member's own orders, through `member` and through a page of members.
    let mine = format!(
        "query($n: Int, $a: String) {{ member(externalId: \"c1\") {{ orders(first: $n, after: $a) \
         {{ edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"
    );
    let expected = s.newest_first(|o| o.member == "c1");
    for n in [1, 2, 20] {
        let (nodes, _) = all_pages(&app, &s.admin, &mine, json!({"n": n}), "/member/orders").await;
        assert_eq!(ids(&nodes), expected, "c1, pages of {n}");
        nodes.iter().for_each(|node| s.check(node));
    }
    let listed = app
        .gql(
            Some(&s.admin),
            "{ members(first: 10) { edges { node { externalId orders(first: 2) { edges { node { externalId } } pageInfo { hasNextPage } } } } } }",
            json!({}),
        )
        .await;
    let members = listed.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(members.len(), 2);
    for m in members {
        let who = str_at(&m, "/node/externalId");
        let all = s.newest_first(|o| o.member == who);
        let orders = &m["node"]["orders"];
        let firsts: Vec<Value> = orders["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e["node"].clone())
            .collect();
        assert_eq!(ids(&firsts), all[..2.min(all.len())], "{who}");
        assert_eq!(orders["pageInfo"]["hasNextPage"], all.len() > 2, "{who}");
    }
}

/// A page of members with `orders(first: 5)` and their lines, discounts, refunds and
/// customer, and a page of the shop's orders with the same, each run the same number of
/// statements at 5 and at 25 (or 60) items.
#[tokio::test]
async fn nested_orders_cost_the_same_statements_at_any_page_size() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.update_tier(&admin, 1, json!({"discountPercent": "5"}))
        .await;
    for i in 0..30 {
        let m = format!("m{i:02}");
        for j in 0..2 {
            let id = format!("{m}-{j}");
            app.order(&admin, &id, &m, 10_000 * (i % 7 + 1), 0)
                .await
                .data();
            if j == 0 && i % 2 == 0 {
                app.refund(&admin, &id, &format!("rf-{id}"), 1_000)
                    .await
                    .data();
            }
        }
    }
    let order = "externalId channel lines { productId quantity } discounts { source amount } \
        refunds { refundId amount } member { externalId }";
    let nested = format!(
        "query($n: Int) {{ members(first: $n) {{ edges {{ node {{ externalId \
         orders(first: 5) {{ edges {{ node {{ {order} }} }} }} }} }} }} }}"
    );
    let listed = format!(
        "query($n: Int) {{ orders(first: $n) {{ edges {{ node {{ {order} }} }} pageInfo {{ hasNextPage }} }} }}"
    );
    for (query, at, sizes) in [
        (&nested, "/members/edges", [5, 25]),
        (&listed, "/orders/edges", [5, 60]),
    ] {
        let mut counts = Vec::new();
        for n in sizes {
            let (count, res) = app.statements_for(&admin, query, json!({"n": n})).await;
            let edges = res
                .data()
                .pointer(at)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            assert_eq!(edges.len(), n, "{at} at {n}");
            let text = res.body.to_string();
            assert!(
                text.contains("\"TIER\"") && text.contains("rf-"),
                "discounts and refunds are shown: {text}"
            );
            counts.push(count);
        }
        eprintln!("statements for {at}: {counts:?} at {sizes:?} items");
        assert_eq!(counts[0], counts[1], "{at}: statements at {sizes:?} items");
        assert!(
            counts[1] <= 8,
            "{at}: a handful of statements, got {}",
            counts[1]
        );
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_its_code() {
    let app = spawn_app().await;
    let s = Scenario::new(&app).await;
    let admin = &s.admin;
    let refused = |res: &loyalty_tests::Gql, code: &str, field: Option<&str>| {
        assert_eq!(res.code(), code, "{}", res.body);
        if let Some(field) = field {
            assert_eq!(
                res.body["errors"][0]["extensions"]["field"], field,
                "{}",
                res.body
            );
        }
        assert_eq!(res.body["data"], Value::Null, "{}", res.body);
    };
    let one = "query($e: String!) { order(externalId: $e) { id } }";
    for bad in [String::new(), "   ".to_owned(), "x".repeat(101)] {
        let res = app.gql(Some(admin), one, json!({"e": bad})).await;
        refused(&res, "BAD_USER_INPUT", Some("externalId"));
    }
    let list = "query($f: OrderFilter, $n: Int, $a: String) { orders(filter: $f, first: $n, after: $a) { edges { node { id } } } }";
    let t0 = start_time();
    let backwards = json!({"placedWithin": {"from": t0.to_rfc3339(), "to": (t0 - Duration::seconds(1)).to_rfc3339()}});
    let cases = [
        (
            json!({"f": backwards}),
            "BAD_USER_INPUT",
            Some("placedWithin"),
        ),
        (
            json!({"f": {"memberId": "not-an-id"}}),
            "BAD_USER_INPUT",
            Some("memberId"),
        ),
        (json!({"n": -1}), "BAD_USER_INPUT", Some("first")),
        (json!({"n": 101}), "LIMIT_EXCEEDED", None),
        (json!({"a": "garbage"}), "BAD_USER_INPUT", Some("after")),
        (
            json!({"f": {"channel": "TELEPATHY"}}),
            "BAD_USER_INPUT",
            None,
        ),
    ];
    for (vars, code, field) in cases {
        let res = app.gql(Some(admin), list, vars.clone()).await;
        refused(&res, code, field);
    }
    // A cursor of another list, and a signed one whose time no database stores alike.
    let ledger = app
        .gql(
            Some(admin),
            "{ member(externalId: \"c1\") { ledger(first: 1) { pageInfo { endCursor } } } }",
            json!({}),
        )
        .await;
    let ledger_cursor = str_at(ledger.data(), "/member/ledger/pageInfo/endCursor");
    let far =
        loyalty_api::graphql::connection::encode(loyalty_domain::orders::history::OrderCursor {
            placed_at: t0 + Duration::days(365 * 9000),
            id: uuid::Uuid::now_v7(),
        });
    for cursor in [ledger_cursor, far] {
        let res = app.gql(Some(admin), list, json!({"a": cursor})).await;
        refused(&res, "BAD_USER_INPUT", Some("after"));
    }
    let mine = "query($a: String) { member(externalId: \"c1\") { orders(after: $a) { edges { node { id } } } } }";
    let res = app.gql(Some(admin), mine, json!({"a": "garbage"})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.body);
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "after");

    // Refusals wrote nothing: every order is still there, once, as recorded.
    let (nodes, _) = all_pages(
        &app,
        admin,
        &format!("query($a: String) {{ orders(first: 100, after: $a) {{ edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"),
        json!({}),
        "/orders",
    )
    .await;
    assert_eq!(ids(&nodes), s.newest_first(|_| true));
    nodes.iter().for_each(|node| s.check(node));

    // A page of 100 orders each with 100-member pages nested is priced out.
    let heavy = "{ orders(first: 100) { edges { node { member { orders(first: 100) { edges { node { id lines { productId } } } } } } } } }";
    let res = app.gql(Some(admin), heavy, json!({})).await;
    assert_eq!(res.code(), "LIMIT_EXCEEDED", "{}", res.body);
}

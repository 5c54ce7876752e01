//! One rule for written VND amounts, the same through GraphQL and through the CSV
//! import: both run the table of `domain/src/money/written_amounts.tsv`.
use loyalty_domain::money::written::{Example, examples};
use loyalty_tests::{Gql, TestApp, spawn_app};
use serde_json::{Value, json};

const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { subtotal } }";

fn refusal_of(res: &Gql) -> Option<String> {
    res.body.get("errors").map(|_| res.message())
}

async fn quote_line(app: &TestApp, key: &str, price: &str) -> Gql {
    app.gql(
        Some(key),
        QUOTE,
        json!({"i": {"lines": [{"productId": "sku", "quantity": 1, "unitPrice": price}]}}),
    )
    .await
}

fn check(e: &Example, got: Result<i64, String>, path: &str) {
    match (&e.outcome, got) {
        (Ok(want), Ok(got)) => assert_eq!(*want, got, "{path}: {:?}", e.input),
        (Err(words), Err(message)) => assert!(
            message.contains(words.as_str()),
            "{path}: {:?} was refused with '{message}', which lacks '{words}'",
            e.input
        ),
        (want, got) => panic!("{path}: {:?} should be {want:?}, was {got:?}", e.input),
    }
}

#[tokio::test]
async fn every_written_amount_reads_through_graphql_as_the_table_says() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let table = examples();
    assert!(table.len() >= 15);
    for e in &table {
        let res = quote_line(&app, &admin, &e.input).await;
        let got = match refusal_of(&res) {
            Some(message) => {
                assert_eq!(res.code(), "BAD_USER_INPUT", "{:?}: {}", e.input, res.body);
                Err(message)
            }
            None => Ok(res.data()["quote"]["subtotal"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("subtotal of {:?}: {}", e.input, res.body))),
        };
        check(e, got, "quote unitPrice");
    }
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[tokio::test]
async fn every_written_amount_imports_as_the_table_says() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let table = examples();
    let mut csv = String::from("external_id,total_spent\n");
    for (i, e) in table.iter().enumerate() {
        csv.push_str(&format!("w{i},{}\n", csv_cell(&e.input)));
    }
    let res = app
        .gql(
            Some(&admin),
            "mutation($c: String!) { importMembers(csv: $c) { read rejected { line reason } } }",
            json!({"c": csv}),
        )
        .await;
    let report = res.data()["importMembers"].clone();
    assert_eq!(report["read"], table.len());
    let rejected: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or_default(),
                r["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (i, e) in table.iter().enumerate() {
        // The header is line 1.
        let line = i as u64 + 2;
        let got = match rejected.iter().find(|(l, _)| *l == line) {
            Some((_, reason)) => Err(reason.clone()),
            None => {
                let m = app
                    .gql(
                        Some(&admin),
                        "query($x: String!) { member(externalId: $x) { totalSpent } }",
                        json!({"x": format!("w{i}")}),
                    )
                    .await;
                let spent: &Value = &m.data()["member"]["totalSpent"];
                Ok(spent
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("w{i}: {}", m.body)))
            }
        };
        check(e, got, "import total_spent");
    }
}

/// Every VND input refuses a written decimal part with the hint, naming its field.
#[tokio::test]
async fn each_vnd_input_refuses_decimals_with_the_hint() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.order(&admin, "o1", "c1", 1_500_000, 0).await.data();
    let cases = [
        (
            "mutation { createTier(input: {name: \"X\", minSpend: \"250.000\"}) { id } }",
            "minSpend",
        ),
        (
            "mutation { createOffer(input: {name: \"Giảm\", discountKind: FIXED, value: \"50.000\", targetKind: ORDER}) { id } }",
            "value",
        ),
        (
            "mutation { createOffer(input: {name: \"Giảm\", discountKind: PERCENT, value: \"10\", minValue: \"250.000\", targetKind: ORDER}) { id } }",
            "minValue",
        ),
        (
            "mutation { refundOrder(input: {orderExternalId: \"o1\", refundId: \"r1\", amount: \"250.000\"}) { orderId } }",
            "amount",
        ),
        (
            "mutation { configureProgram(input: {spendPerRankingPoint: \"1.000\"}) { status } }",
            "spendPerRankingPoint",
        ),
    ];
    for (query, field) in cases {
        let res = app.gql(Some(&admin), query, json!({})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{query}: {}", res.body);
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"], field,
            "{query}"
        );
        assert!(
            res.message().contains("VND has no decimals; did you mean"),
            "{query}: {}",
            res.message()
        );
    }
    // A percent keeps its decimals.
    let percent = app
        .gql(
            Some(&admin),
            "mutation { createOffer(input: {name: \"Giảm\", discountKind: PERCENT, value: \"12.5\", targetKind: ORDER}) { value } }",
            json!({}),
        )
        .await;
    assert_eq!(percent.data()["createOffer"]["value"], "12.5");
    // Thousands grouped unambiguously are the same amount as plain digits.
    let grouped = app
        .gql(
            Some(&admin),
            "mutation { refundOrder(input: {orderExternalId: \"o1\", refundId: \"r2\", amount: \"1.250.000\"}) { refundedAmount } }",
            json!({}),
        )
        .await;
    assert_eq!(grouped.data()["refundOrder"]["refundedAmount"], "1250000");
}

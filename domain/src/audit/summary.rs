//! What an audit row keeps of a change's input: the shape and the harmless values, with
//! secrets and personal data left out (not masked: nothing of them is stored), so the
//! trail itself never holds what a customer may ask to have erased.
use serde_json::{Map, Value};

/// Keys left out wherever they appear (compared in lower case, without `_`): secrets,
/// files, free text sent to a person, and personal data.
const LEFT_OUT: &[&str] = &[
    "phone",
    "email",
    "birthday",
    "birthdate",
    "gender",
    "province",
    "district",
    "ward",
    "address",
    "to",
    "recipient",
    "csv",
    "image",
    "key",
    "apikey",
    "secretkey",
    "webhooksecretkey",
    "refreshtoken",
    "accesstoken",
    "token",
    "password",
    "secret",
    "smtpurl",
    "replyto",
    "fromaddress",
    // The channel's id of a customer (an order's `memberExternalId`): erasure replaces it
    // on the member, and the append-only trail must not keep the old one.
    "memberexternalid",
];

/// Parts of keys left out wherever they appear in a key (`phonePrefix`, `emailKeyword`).
const LEFT_OUT_PARTS: &[&str] = &["phone", "email", "secret", "password", "token", "birth"];

/// Keys that hold a person's data inside a person's record (an object with a phone, an
/// e-mail or a birthday key), and only there: an offer's name is kept.
const PERSONAL_IN_A_PERSON: &[&str] = &["name", "namekeyword", "externalid"];

/// Longest text kept; longer text is cut.
pub const MAX_TEXT: usize = 200;
/// Most list items kept.
pub const MAX_ITEMS: usize = 20;

fn folded(key: &str) -> String {
    key.to_lowercase().replace('_', "")
}

fn left_out(key: &str) -> bool {
    let k = folded(key);
    LEFT_OUT.contains(&k.as_str()) || LEFT_OUT_PARTS.iter().any(|p| k.contains(p))
}

fn is_person(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| {
        let k = folded(k);
        k == "phone" || k == "email" || k == "birthday"
    })
}

/// `input` without secrets or personal data, its texts and lists bounded.
pub fn redact(input: Value) -> Value {
    match input {
        Value::Object(map) => {
            let person = is_person(&map);
            Value::Object(
                map.into_iter()
                    .filter(|(k, _)| {
                        let personal = person && PERSONAL_IN_A_PERSON.contains(&folded(k).as_str());
                        !(left_out(k) || personal)
                    })
                    .map(|(k, v)| (k, redact(v)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            let total = items.len();
            let mut kept: Vec<Value> = items.into_iter().take(MAX_ITEMS).map(redact).collect();
            if total > MAX_ITEMS {
                kept.push(Value::from(format!("… {} more", total - MAX_ITEMS)));
            }
            Value::Array(kept)
        }
        Value::String(s) if s.chars().count() > MAX_TEXT => {
            Value::String(s.chars().take(MAX_TEXT).chain(['…']).collect())
        }
        other => other,
    }
}

/// The ids an input names: the text values of keys called `id` or ending in `Id` / `Ids`
/// (`memberId`, `memberIds`), wherever they are.
pub fn named_ids(input: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_ids(input, false, &mut out);
    out
}

fn collect_ids(value: &Value, is_id: bool, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let id_key = k == "id" || k == "ids" || k.ends_with("Id") || k.ends_with("Ids");
                collect_ids(v, id_key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, is_id, out)),
        Value::String(s) if is_id && uuid::Uuid::parse_str(s).is_ok() => out.push(s.clone()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_data_and_secrets_are_left_out() {
        let input = json!({"input": {
            "externalId": "c-1", "name": "Nguyễn Văn A", "phone": "0912345678",
            "email": "a@example.vn", "birthday": "1990-01-01", "province": "Hà Nội",
            "register": true
        }, "secretKey": "s3cr3t", "appId": "app", "filter": {"phonePrefix": "091", "tierIds": []}});
        let out = redact(input);
        assert_eq!(
            out,
            json!({"input": {"register": true}, "appId": "app", "filter": {"tierIds": []}})
        );
    }

    #[test]
    fn names_outside_a_person_are_kept_and_texts_and_lists_bounded() {
        let long = "x".repeat(MAX_TEXT + 10);
        let out = redact(
            json!({"name": "Tết sale", "description": long, "ids": (0..25).collect::<Vec<_>>()}),
        );
        assert_eq!(out["name"], "Tết sale");
        assert_eq!(
            out["description"].as_str().map(|s| s.chars().count()),
            Some(MAX_TEXT + 1)
        );
        assert_eq!(out["ids"].as_array().map(Vec::len), Some(MAX_ITEMS + 1));
    }

    #[test]
    fn ids_are_found_by_their_keys() {
        let a = uuid::Uuid::nil().to_string();
        let b = "0193a0c2-0000-7000-8000-000000000001";
        let ids = named_ids(
            &json!({"memberIds": [a, b], "input": {"memberId": b, "reason": b}, "id": "not-an-id"}),
        );
        // In the order of the keys as the JSON map keeps them.
        let mut ids = ids;
        ids.sort();
        assert_eq!(ids, vec![a.clone(), b.to_owned(), b.to_owned()]);
    }
}

//! A GraphQL input read from JSON outside a request (the command line's `--filter-json`),
//! as strictly as a request's validation reads it: the input type's own names and enum
//! values, and an unknown name refused rather than ignored. The type's derived parser
//! then builds the value, so the command line and the API share one reading.
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Value};

/// Parses `json` as the GraphQL input type `T`. `what` names the input in errors.
pub fn parse<T: InputType>(what: &str, json: &str) -> Result<T, String> {
    let json: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{what} is not JSON: {e}"))?;
    let value = Value::from_json(json).map_err(|e| format!("{what}: {e}"))?;
    let mut registry = Registry::default();
    let type_name = T::create_type_info(&mut registry);
    check(&registry, &type_name, &value, what)?;
    T::parse(Some(value)).map_err(|e| {
        format!(
            "{what}: {}",
            e.into_server_error(Default::default()).message
        )
    })
}

/// Refuses names that `type_name` does not have and enum values it does not list,
/// naming the path to them (`filter.totalSpent.minn`).
fn check(registry: &Registry, type_name: &str, value: &Value, path: &str) -> Result<(), String> {
    match MetaTypeName::create(type_name) {
        MetaTypeName::NonNull(inner) => check(registry, inner, value, path),
        MetaTypeName::List(inner) => match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| check(registry, inner, item, &format!("{path}[{i}]"))),
            other => check(registry, inner, other, path),
        },
        MetaTypeName::Named(name) => match (registry.types.get(name), value) {
            (_, Value::Null) | (None, _) => Ok(()),
            (Some(MetaType::InputObject { input_fields, .. }), Value::Object(fields)) => {
                for (key, field_value) in fields {
                    let Some(field) = input_fields.get(key.as_str()) else {
                        let known: Vec<&str> = input_fields.keys().map(String::as_str).collect();
                        return Err(format!(
                            "{path}: {name} has no field \"{key}\"; its fields are {}",
                            known.join(", ")
                        ));
                    };
                    check(registry, &field.ty, field_value, &format!("{path}.{key}"))?;
                }
                Ok(())
            }
            (Some(MetaType::InputObject { .. }), _) => {
                Err(format!("{path}: expected a JSON object ({name})"))
            }
            (Some(MetaType::Enum { enum_values, .. }), Value::String(given))
                if !enum_values.contains_key(given.as_str()) =>
            {
                let known: Vec<&str> = enum_values.keys().map(String::as_str).collect();
                Err(format!(
                    "{path}: {name} has no value \"{given}\"; its values are {}",
                    known.join(", ")
                ))
            }
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::enums::SavedFilter;
    use crate::graphql::members::filter::MemberFilter;

    fn filter(json: &str) -> Result<loyalty_domain::members::MemberFilter, String> {
        parse::<MemberFilter>("filter", json)?
            .into_domain(None)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_graphql_names_and_values_are_read() -> Result<(), String> {
        let f = filter(
            r#"{"province": "Hà Nội", "gender": "FEMALE", "phonePrefix": "091",
                "totalSpent": {"min": "1000000"}, "availablePoints": {"max": 50},
                "lastPurchaseOlderThanDays": 30, "birthdayMonth": 12, "registered": true}"#,
        )?;
        assert_eq!(f.province.as_deref(), Some("Hà Nội"));
        assert_eq!(f.gender, Some(loyalty_domain::members::Gender::Female));
        assert_eq!(f.phone_prefix.as_deref(), Some("091"));
        assert_eq!(f.total_spent.and_then(|r| r.min), Some(1_000_000));
        assert_eq!(f.available_points.and_then(|r| r.max), Some(50));
        assert_eq!(f.last_purchase_older_than_days, Some(30));
        assert_eq!(f.birthday_month, Some(12));
        assert_eq!(f.registered, Some(true));
        assert_eq!(
            filter("{}")?,
            loyalty_domain::members::MemberFilter::default()
        );
        Ok(())
    }

    #[test]
    fn unknown_names_and_values_are_refused() {
        let refused = |json: &str| filter(json).err().unwrap_or_default();
        let typo = refused(r#"{"provnce": "Hà Nội"}"#);
        assert!(
            typo.contains("\"provnce\"") && typo.contains("province"),
            "{typo}"
        );
        // The command line's snake_case of earlier is refused, not ignored.
        assert!(refused(r#"{"phone_prefix": "091"}"#).contains("phonePrefix"));
        let nested = refused(r#"{"totalSpent": {"minimum": 1}}"#);
        assert!(nested.contains("filter.totalSpent"), "{nested}");
        let value = refused(r#"{"gender": "Female"}"#);
        assert!(value.contains("FEMALE"), "{value}");
        assert!(!refused(r#"["province"]"#).is_empty());
        assert!(!refused("{province}").is_empty());
        assert!(parse::<SavedFilter>("saved", r#""BoughtLast30Days""#).is_err());
        assert!(parse::<SavedFilter>("saved", r#""BOUGHT_LAST_30_DAYS""#).is_ok());
    }
}

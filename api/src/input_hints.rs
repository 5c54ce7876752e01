//! Hints added to async-graphql's input validation messages, so that a newcomer can act
//! on them: a wrong enum value lists the valid ones, and an unknown input field names
//! the nearest known one, as async-graphql already does for unknown output fields.
//!
//! async-graphql words these messages itself (`validation/utils.rs`) and offers no hook,
//! so the hint is appended to the message it produced, from the schema's own enums and
//! input objects: the hint cannot name a value or field the schema does not have.
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Enum values and input fields by type name, read once from the schema.
#[derive(Debug, Default)]
struct Vocabulary {
    enums: HashMap<String, Vec<String>>,
    inputs: HashMap<String, Vec<String>>,
}

impl Vocabulary {
    fn of_sdl(sdl: &str) -> Self {
        let mut out = Self::default();
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return out;
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let name = t.node.name.node.to_string();
            match t.node.kind {
                TypeKind::Enum(e) => {
                    let values = e.values.iter().map(|v| v.node.value.node.to_string());
                    out.enums.insert(name, values.collect());
                }
                TypeKind::InputObject(i) => {
                    let fields = i.fields.iter().map(|f| f.node.name.node.to_string());
                    out.inputs.insert(name, fields.collect());
                }
                _ => {}
            }
        }
        out
    }
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| Vocabulary::of_sdl(&crate::graphql::sdl()))
}

/// `message` with a hint appended when it is one of the validation messages above.
pub fn with_hint(message: &str) -> Option<String> {
    hint(vocabulary(), message).map(|h| format!("{message}; {h}"))
}

fn hint(words: &Vocabulary, message: &str) -> Option<String> {
    if let Some((enum_name, value)) =
        two_quoted(message, "enumeration type ", " does not contain the value ")
    {
        let values = words.enums.get(enum_name)?;
        let nearest = nearest(values, value)
            .map(|n| format!("did you mean {n}? "))
            .unwrap_or_default();
        return Some(format!(
            "{nearest}{enum_name} is one of {}",
            values.join(", ")
        ));
    }
    if let Some((field, type_name)) = two_quoted(message, "unknown field ", " of type ") {
        let fields = words.inputs.get(type_name)?;
        return Some(match nearest(fields, field) {
            Some(n) => format!("did you mean \"{n}\"?"),
            None => format!("{type_name} has the fields {}", fields.join(", ")),
        });
    }
    None
}

/// The two quoted names in `…<first>"a"<second>"b"…`.
fn two_quoted<'m>(message: &'m str, first: &str, second: &str) -> Option<(&'m str, &'m str)> {
    let rest = &message[message.find(first)? + first.len()..];
    let (a, rest) = quoted(rest)?;
    let (b, _) = quoted(rest.strip_prefix(second)?)?;
    Some((a, b))
}

fn quoted(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('"')?;
    let end = s.find('"')?;
    Some((&s[..end], &s[end + 1..]))
}

/// The known name closest to `given`, when it is close enough to be a typo (at most a
/// third of its letters differ) or differs only in case.
fn nearest<'a>(known: &'a [String], given: &str) -> Option<&'a str> {
    let folded = given.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::levenshtein(&k.to_lowercase(), &folded), k))
        .filter(|(d, k)| *d * 3 <= k.chars().count().max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Vocabulary {
        Vocabulary::of_sdl(
            "enum Channel { POS WEB LIVESTREAM }\ninput OrderInput { externalId: String! memberExternalId: String! }",
        )
    }

    #[test]
    fn a_wrong_enum_value_lists_the_valid_ones() {
        let m = r#"Invalid value for argument "input.channel", enumeration type "Channel" does not contain the value "pos""#;
        assert_eq!(
            hint(&words(), m).as_deref(),
            Some("did you mean POS? Channel is one of POS, WEB, LIVESTREAM")
        );
        let far = r#"enumeration type "Channel" does not contain the value "SHOPEE""#;
        assert_eq!(
            hint(&words(), far).as_deref(),
            Some("Channel is one of POS, WEB, LIVESTREAM")
        );
    }

    #[test]
    fn an_unknown_input_field_names_the_nearest() {
        let m = r#"Invalid value for argument "input", unknown field "memberExternalID" of type "OrderInput""#;
        assert_eq!(
            hint(&words(), m).as_deref(),
            Some(r#"did you mean "memberExternalId"?"#)
        );
        let far = r#"unknown field "zzz" of type "OrderInput""#;
        assert_eq!(
            hint(&words(), far).as_deref(),
            Some("OrderInput has the fields externalId, memberExternalId")
        );
        assert_eq!(hint(&words(), "something else"), None);
    }
}

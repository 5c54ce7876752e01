//! Refuses a NUL character (U+0000) in any string a GraphQL request carries, before the
//! request runs, the same on both databases.
//!
//! PostgreSQL cannot store NUL in text (the statement fails, which the client would see
//! as `INTERNAL`), while SQLite stores it and hands it back to every later reader. No
//! text this service keeps (names, ids, codes, keywords, templates) has a use for it, so
//! it is refused at the edge with `BAD_USER_INPUT` and `extensions.field` naming where
//! it was: `input.name`, `lines[2].sku`. Every string is checked: the request's
//! variables (object keys included, for JSON-valued inputs) and the literals of its
//! document (field and directive arguments, nested input objects and lists, variable
//! defaults), so no resolver has to remember to.
use crate::error::Code;
use async_graphql::parser::types::{Directive, ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Pos, Positioned, ServerError, ServerResult, Value, Variables,
};
use std::convert::Infallible;

/// Refuses the first NUL in the request's variables or in the literals of its parsed
/// document. It runs in `http::execute`, not as a schema extension: any extension makes
/// async-graphql wrap every field's resolution in its chain, which cost every request
/// a fifth more CPU (`loyalty bench load`, phase 0).
pub fn refuse_nul(request: &mut async_graphql::Request) -> ServerResult<()> {
    in_variables(&request.variables)?;
    match request.parsed_query() {
        Ok(document) => in_document(document),
        // A document that does not parse is refused by the schema with its own error.
        Err(_) => Ok(()),
    }
}

/// Where a NUL was found: the path of the input, and the place in the document for a
/// literal.
#[derive(Debug, PartialEq)]
struct Found {
    /// `variable` or `argument`.
    what: &'static str,
    path: String,
    pos: Option<Pos>,
}

impl From<Found> for ServerError {
    fn from(found: Found) -> Self {
        let mut error = ServerError::new(
            format!(
                "the {} `{}` contains a NUL character (\\u0000), which no text accepts",
                found.what, found.path
            ),
            found.pos,
        );
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", Code::BadUserInput.as_str());
        extensions.set("field", found.path);
        error.extensions = Some(extensions);
        error
    }
}

/// Refuses the first NUL in `variables` or in the literals of `document`.
#[cfg(test)]
fn check(document: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    in_variables(variables)?;
    in_document(document)
}

/// Refuses the first NUL in the request's variables.
fn in_variables(variables: &Variables) -> ServerResult<()> {
    for (name, value) in variables.iter() {
        if let Some(path) = in_value(value, name.to_string()) {
            return Err(Found {
                what: "variable",
                path,
                pos: None,
            }
            .into());
        }
    }
    Ok(())
}

/// Refuses the first NUL in the literals of `document`.
fn in_document(document: &ExecutableDocument) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value
                && let Some(path) = in_value(&default.node, definition.name.node.to_string())
            {
                return Err(Found {
                    what: "variable",
                    path,
                    pos: Some(default.pos),
                }
                .into());
            }
            in_directives(&definition.directives)?;
        }
        in_directives(&operation.directives)?;
        in_selections(&operation.selection_set.node)?;
    }
    // Fragments are walked once each, here, rather than where they are spread: a
    // document is checked before validation, which is what refuses spread cycles.
    for fragment in document.fragments.values() {
        in_directives(&fragment.node.directives)?;
        in_selections(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

fn in_selections(set: &SelectionSet) -> ServerResult<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => in_field(&field.node)?,
            Selection::FragmentSpread(spread) => in_directives(&spread.node.directives)?,
            Selection::InlineFragment(inline) => {
                in_directives(&inline.node.directives)?;
                in_selections(&inline.node.selection_set.node)?;
            }
        }
    }
    Ok(())
}

fn in_field(field: &Field) -> ServerResult<()> {
    for (name, literal) in &field.arguments {
        // Variables in the literal, checked apart, read as null here.
        let Ok(value) = literal
            .node
            .clone()
            .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
        in_argument(name.node.as_str(), &value, literal.pos)?;
    }
    in_directives(&field.directives)?;
    in_selections(&field.selection_set.node)
}

fn in_directives(directives: &[Positioned<Directive>]) -> ServerResult<()> {
    for directive in directives {
        for (name, literal) in &directive.node.arguments {
            let Ok(value) = literal
                .node
                .clone()
                .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
            in_argument(name.node.as_str(), &value, literal.pos)?;
        }
    }
    Ok(())
}

/// Refuses a NUL in an argument's literal.
fn in_argument(name: &str, value: &Value, pos: Pos) -> ServerResult<()> {
    match in_value(value, name.to_owned()) {
        Some(path) => Err(Found {
            what: "argument",
            path,
            pos: Some(pos),
        }
        .into()),
        None => Ok(()),
    }
}

/// The path of the first string (or object key) holding a NUL in a value.
fn in_value(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| in_value(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let here = format!("{path}.{}", name.as_str().replace('\0', "\\u0000"));
            if name.contains('\0') {
                Some(here)
            } else {
                in_value(item, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(query: &str, variables: serde_json::Value) -> Option<(String, String)> {
        let document = async_graphql::parser::parse_query(query)
            .unwrap_or_else(|e| panic!("{query} does not parse: {e}"));
        check(&document, &Variables::from_json(variables))
            .err()
            .map(|e| {
                let field = match e.extensions.as_ref().and_then(|x| x.get("field")) {
                    Some(Value::String(f)) => f.clone(),
                    other => panic!("no field: {other:?}"),
                };
                (e.message, field)
            })
    }

    fn field(query: &str, variables: serde_json::Value) -> Option<String> {
        found(query, variables).map(|(_, f)| f)
    }

    #[test]
    fn nul_anywhere_is_found_with_its_path() {
        let q = "mutation($m: MemberInput!) { upsertMember(input: $m) { id } }";
        assert_eq!(
            field(
                q,
                serde_json::json!({"m": {"externalId": "c1", "name": "a\u{0}b"}})
            ),
            Some("m.name".into())
        );
        assert_eq!(
            field(q, serde_json::json!({"m": {"tags": ["ok", "b\u{0}"]}})),
            Some("m.tags[1]".into())
        );
        assert_eq!(
            field(q, serde_json::json!({"m": {"args": {"k\u{0}": 1}}})),
            Some("m.args.k\\u0000".into())
        );
        assert_eq!(
            field(
                r#"mutation { upsertMember(input: {externalId: "c1", name: "a\u0000"}) { id } }"#,
                serde_json::json!({})
            ),
            Some("input.name".into())
        );
        assert_eq!(
            field(
                r#"{ ...F } fragment F on Query { members(filter: {keywords: ["x", "\u0000"]}) { totalCount } }"#,
                serde_json::json!({})
            ),
            Some("filter.keywords[1]".into())
        );
        assert_eq!(
            field(
                r#"query($k: String = "\u0000") { __typename @include(if: true) }"#,
                serde_json::json!({})
            ),
            Some("k".into())
        );
        assert_eq!(
            field(
                r#"{ ... @skip(if: false) { a: __type(name: "x\u0000") { name } } }"#,
                serde_json::json!({})
            ),
            Some("name".into())
        );
    }

    #[test]
    fn text_without_nul_passes() {
        assert_eq!(
            found(
                r#"mutation($m: MemberInput!) { upsertMember(input: $m) { id } x: upsertMember(input: {name: "Nguyễn \\u0001 Văn"}) { id } }"#,
                serde_json::json!({"m": {"name": "Trần\tThị", "n": [1, null, true]}})
            ),
            None
        );
    }
}

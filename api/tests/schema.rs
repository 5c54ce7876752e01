//! The committed SDL matches the code, and the schema keeps every element of the contract.
use graphql_parser::schema::{Definition, Document, Type, TypeDefinition, parse_schema};
use std::collections::BTreeMap;

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
const CONTRACT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contract.graphql");
const SHARED_CONTRACT_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/contract.graphql");

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[test]
fn committed_sdl_matches_the_code() {
    let code = loyalty_api::graphql::sdl();
    let committed = read(SCHEMA_PATH);
    assert!(
        code == committed,
        "api/schema.graphql is stale: run `cargo run -p loyalty-api -- schema > api/schema.graphql`"
    );
}

#[test]
fn committed_contract_is_the_shared_one() {
    // CI clones the repo with shared/ beside it; the copy must not drift from the source.
    if let Ok(shared) = std::fs::read_to_string(SHARED_CONTRACT_PATH) {
        assert_eq!(
            read(CONTRACT_PATH),
            shared,
            "api/contract.graphql differs from shared/"
        );
    }
}

/// Every type, field, argument, input field and enum value, keyed by a path such as
/// `Query.member(externalId)`, with its type as written.
fn elements(doc: &Document<'_, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for def in &doc.definitions {
        let Definition::TypeDefinition(t) = def else {
            continue;
        };
        match t {
            TypeDefinition::Scalar(s) => {
                out.insert(format!("scalar {}", s.name), String::new());
            }
            TypeDefinition::Object(o) => {
                out.insert(format!("type {}", o.name), String::new());
                for f in &o.fields {
                    out.insert(format!("{}.{}", o.name, f.name), type_str(&f.field_type));
                    for a in &f.arguments {
                        out.insert(
                            format!("{}.{}({})", o.name, f.name, a.name),
                            type_str(&a.value_type),
                        );
                    }
                }
            }
            TypeDefinition::InputObject(i) => {
                out.insert(format!("input {}", i.name), String::new());
                for f in &i.fields {
                    out.insert(format!("{}.{}", i.name, f.name), type_str(&f.value_type));
                }
            }
            TypeDefinition::Enum(e) => {
                out.insert(format!("enum {}", e.name), String::new());
                for v in &e.values {
                    out.insert(format!("{}::{}", e.name, v.name), String::new());
                }
            }
            TypeDefinition::Interface(i) => {
                out.insert(format!("interface {}", i.name), String::new());
            }
            TypeDefinition::Union(u) => {
                out.insert(format!("union {}", u.name), String::new());
            }
        }
    }
    out
}

fn type_str(t: &Type<'_, String>) -> String {
    match t {
        Type::NamedType(n) => n.clone(),
        Type::ListType(inner) => format!("[{}]", type_str(inner)),
        Type::NonNullType(inner) => format!("{}!", type_str(inner)),
    }
}

/// Whether `ours` can stand where the contract says `theirs`: the same named type, and
/// where they differ in nullability, ours is the stricter one for outputs (a non-null
/// answer satisfies a nullable promise) and the looser one for inputs (accepting null
/// breaks no caller that always sends a value).
fn compatible(ours: &str, theirs: &str, is_input: bool) -> bool {
    if ours == theirs {
        return true;
    }
    let strip = |s: &str| s.replace('!', "");
    if strip(ours) != strip(theirs) {
        return false;
    }
    let bangs = |s: &str| s.matches('!').count();
    if is_input {
        bangs(ours) <= bangs(theirs) && theirs.replace('!', "") == ours.replace('!', "")
    } else {
        bangs(ours) >= bangs(theirs)
    }
}

#[test]
fn schema_contains_the_contract() {
    let contract_src = read(CONTRACT_PATH);
    let schema_src = loyalty_api::graphql::sdl();
    let contract = parse_schema::<String>(&contract_src)
        .unwrap_or_else(|e| panic!("contract does not parse: {e}"));
    let schema = parse_schema::<String>(&schema_src)
        .unwrap_or_else(|e| panic!("schema does not parse: {e}"));
    let inputs: Vec<String> = contract
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::TypeDefinition(TypeDefinition::InputObject(i)) => Some(i.name.clone()),
            _ => None,
        })
        .collect();
    let ours = elements(&schema);
    let promised = elements(&contract);
    assert!(
        promised.len() > 200,
        "the contract parsed to too few elements"
    );
    let mut missing = Vec::new();
    for (path, theirs) in promised {
        let is_input =
            path.contains('(') || inputs.iter().any(|i| path.starts_with(&format!("{i}.")));
        match ours.get(&path) {
            None => missing.push(format!("{path}: missing")),
            Some(t) if !compatible(t, &theirs, is_input) => {
                missing.push(format!("{path}: contract says {theirs}, schema says {t}"));
            }
            Some(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "schema breaks the contract:\n{}",
        missing.join("\n")
    );
}

#[test]
fn compatibility_rules() {
    assert!(compatible("Int!", "Int", false));
    assert!(!compatible("Int", "Int!", false));
    assert!(compatible("Int", "Int!", true));
    assert!(!compatible("Int!", "Int", true));
    assert!(!compatible("String", "Int", false));
    assert!(compatible("[ID!]!", "[ID!]!", true));
}

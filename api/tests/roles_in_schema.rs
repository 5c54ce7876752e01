//! Every query and mutation says in its description which role it needs, and says what
//! its guard enforces: the guards are read from the resolvers' source, the descriptions
//! from the schema the code builds, and both are compared through `auth::requirement`.
use graphql_parser::schema::{Definition, TypeDefinition, parse_schema};
use loyalty_api::auth::{
    MEMBER_REQUIREMENT, OPERATOR_REQUIREMENT, SHOP_OR_MEMBER_REQUIREMENT, requirement,
};
use loyalty_domain::access::Role;
use std::collections::BTreeMap;
use std::path::Path;

const RESOLVERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/graphql");

/// The phrase a guard expression stands for; panics on a guard this test does not know,
/// so that a new kind of guard gets a phrase before it ships.
fn phrase(guard: &str) -> &'static str {
    let role = guard
        .strip_prefix("RoleGuard(")
        .and_then(|g| g.strip_suffix(')'))
        .map(|g| g.rsplit("::").next().unwrap_or(g));
    match (role, guard) {
        (Some("Admin"), _) => requirement(Role::Admin),
        (Some("Channel"), _) => requirement(Role::Channel),
        (Some("Read"), _) => requirement(Role::Read),
        (None, "OperatorGuard" | "TopUpGuard") => OPERATOR_REQUIREMENT,
        (None, "MemberGuard") => MEMBER_REQUIREMENT,
        (None, "ShopOrMemberGuard") => SHOP_OR_MEMBER_REQUIREMENT,
        _ => panic!("unknown guard {guard}: give it a phrase in auth.rs and here"),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, part) in snake.split('_').enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// Field name (GraphQL spelling) to its guard expression, from every resolver file.
fn guards_in(dir: &Path, out: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            guards_in(&path, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(start) = line.find("guard = \"") else {
                continue;
            };
            let rest = &line[start + 9..];
            let guard = &rest[..rest.find('"').unwrap_or(rest.len())];
            let name = lines[i..]
                .iter()
                .take(15)
                .find_map(|l| {
                    let at = l.find("async fn ")?;
                    let after = &l[at + 9..];
                    Some(after[..after.find(['(', '<']).unwrap_or(after.len())].to_owned())
                })
                .unwrap_or_else(|| panic!("{}:{}: a guard on no field", path.display(), i + 1));
            out.insert(camel(&name), guard.to_owned());
        }
    }
}

#[test]
fn every_root_field_says_the_role_its_guard_needs() {
    let mut guards = BTreeMap::new();
    guards_in(Path::new(RESOLVERS), &mut guards);
    assert!(guards.len() > 40, "too few guards found: {guards:?}");
    let sdl = loyalty_api::graphql::sdl();
    let doc = parse_schema::<String>(&sdl).unwrap_or_else(|e| panic!("schema: {e}"));
    let mut wrong = Vec::new();
    let mut roots = 0;
    for def in &doc.definitions {
        let Definition::TypeDefinition(TypeDefinition::Object(o)) = def else {
            continue;
        };
        if o.name != "Query" && o.name != "Mutation" {
            continue;
        }
        for f in &o.fields {
            roots += 1;
            let description = f.description.as_deref().unwrap_or_default();
            let said: Vec<&str> = description
                .lines()
                .filter(|l| l.trim_start().starts_with("Requires:"))
                .collect();
            match guards.get(&f.name) {
                None => wrong.push(format!("{}.{}: no guard", o.name, f.name)),
                Some(g) if said != [phrase(g)] => wrong.push(format!(
                    "{}.{}: guard {g} needs \"{}\", description says {said:?}",
                    o.name,
                    f.name,
                    phrase(g)
                )),
                Some(_) => {}
            }
        }
    }
    assert!(roots > 40, "too few root fields: {roots}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! Limits on the shape of a GraphQL document that async-graphql does not enforce itself:
//! tokens, aliases and directives, at graphql-armor's defaults.
//!
//! Depth and complexity bound what a query reads; they do not bound what it costs to
//! parse and validate, nor how often one field runs: `{ a1: segments { count } a2: … }`
//! repeats one expensive field under ten thousand names, each a query of its own. Tokens
//! are counted on the raw text before anything parses it, so an oversized document costs
//! one linear scan.
//!
//! The lexer is written here because no maintained crate exposes a GraphQL token stream
//! (async-graphql parses with pest grammars; graphql-parser keeps its tokenizer private);
//! it follows the lexical grammar of the GraphQL specification (October 2021, §2.1).
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Positioned, parser::types::Directive};

/// The limits on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Lexical tokens of the query text.
    pub max_tokens: usize,
    /// Fields given an alias, in the whole document.
    pub max_aliases: usize,
    /// Directives, in the whole document.
    pub max_directives: usize,
}

impl Default for DocumentLimits {
    /// graphql-armor's defaults.
    fn default() -> Self {
        Self {
            max_tokens: 1000,
            max_aliases: 15,
            max_directives: 50,
        }
    }
}

/// Refuses a query text of more than `max_tokens` tokens, without parsing it.
pub fn check_tokens(query: &str, limits: &DocumentLimits) -> Result<(), String> {
    let n = count_tokens(query, limits.max_tokens.saturating_add(1));
    if n > limits.max_tokens {
        return Err(format!(
            "the query has too many tokens: at most {} are accepted",
            limits.max_tokens
        ));
    }
    Ok(())
}

/// Refuses a parsed document with too many aliases or directives.
pub fn check_document(doc: &ExecutableDocument, limits: &DocumentLimits) -> Result<(), String> {
    let mut count = Count::default();
    for (_, op) in doc.operations.iter() {
        count.operation(&op.node);
    }
    for fragment in doc.fragments.values() {
        count.fragment(&fragment.node);
    }
    if count.aliases > limits.max_aliases {
        return Err(format!(
            "the query has too many aliases ({}): at most {} are accepted",
            count.aliases, limits.max_aliases
        ));
    }
    if count.directives > limits.max_directives {
        return Err(format!(
            "the query has too many directives ({}): at most {} are accepted",
            count.directives, limits.max_directives
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Count {
    aliases: usize,
    directives: usize,
}

impl Count {
    fn directives(&mut self, directives: &[Positioned<Directive>]) {
        self.directives += directives.len();
    }

    fn operation(&mut self, op: &OperationDefinition) {
        self.directives(&op.directives);
        for var in &op.variable_definitions {
            self.directives(&var.node.directives);
        }
        self.selections(&op.selection_set.node);
    }

    fn fragment(&mut self, fragment: &FragmentDefinition) {
        self.directives(&fragment.directives);
        self.selections(&fragment.selection_set.node);
    }

    fn selections(&mut self, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    self.aliases += usize::from(f.node.alias.is_some());
                    self.directives(&f.node.directives);
                    self.selections(&f.node.selection_set.node);
                }
                Selection::FragmentSpread(s) => self.directives(&s.node.directives),
                Selection::InlineFragment(i) => {
                    self.directives(&i.node.directives);
                    self.selections(&i.node.selection_set.node);
                }
            }
        }
    }
}

/// Counts the lexical tokens of `text`, stopping once `stop_at` are counted. Ignored
/// tokens (white space, line terminators, commas, comments, a byte order mark) are not
/// counted; a character that starts no token counts as one (the parser refuses it).
pub fn count_tokens(text: &str, stop_at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < bytes.len() && n < stop_at {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => {
                i = skip_string(bytes, i);
                n += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                n += 1;
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_digit()
                        || matches!(bytes[i], b'.' | b'e' | b'E' | b'+' | b'-'))
                {
                    i += 1;
                }
                n += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                n += 1;
            }
            _ if text[i..].starts_with('\u{feff}') => i += '\u{feff}'.len_utf8(),
            _ => {
                // A punctuator, or a character no token starts with: one token either way.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                n += 1;
            }
        }
    }
    n
}

/// The index after the string (or block string) that starts at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut i = start + 3;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"\\\"\"\"") {
                i += 4;
            } else if bytes[i..].starts_with(b"\"\"\"") {
                return i + 3;
            } else {
                i += 1;
            }
        }
        return i;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            // A string ends at the line: the parser will refuse the rest.
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> usize {
        count_tokens(text, usize::MAX)
    }

    #[test]
    fn counts_tokens_as_the_specification_lexes_them() {
        assert_eq!(tokens("{ tiers { id } }"), 6);
        assert_eq!(tokens("query Q($n: Int = -1.5e3) { a(n: $n) }"), 19);
        assert_eq!(
            tokens("{ a(s: \"x, y { z }\") }"),
            8,
            "a string is one token"
        );
        assert_eq!(tokens("{ a(s: \"\"\"x \\\"\"\" y\"\"\") }"), 8);
        assert_eq!(tokens("# only a comment\n,,, \u{feff}"), 0);
        assert_eq!(tokens("{ ...F } fragment F on Query { a }"), 11);
        assert_eq!(count_tokens(&"{ a }".repeat(1000), 10), 10, "stops early");
    }

    #[test]
    fn the_standard_introspection_query_fits_the_token_limit() {
        let n = tokens(INTROSPECTION_QUERY);
        assert!(n > 100, "{n}");
        assert!(n <= DocumentLimits::default().max_tokens, "{n}");
    }

    fn doc(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn counts_aliases_and_directives_everywhere() {
        let limits = DocumentLimits {
            max_tokens: 1000,
            max_aliases: 2,
            max_directives: 3,
        };
        assert!(check_document(&doc("{ a: tiers { id } b: tiers { id } }"), &limits).is_ok());
        let three = "{ a: tiers { id } ...F } fragment F on Query { b: tiers { c: id } }";
        assert!(check_document(&doc(three), &limits).is_err());
        let four = "query @a { t @b { id @c } ... @d { t { id } } }";
        assert!(check_document(&doc(four), &limits).is_err());
        assert!(check_document(&doc(INTROSPECTION_QUERY), &DocumentLimits::default()).is_ok());
    }

    /// graphql-js 16's `getIntrospectionQuery()`, as GraphiQL sends it.
    pub const INTROSPECTION_QUERY: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives {
          name
          description
          locations
          args { ...InputValue }
        }
      }
    }
    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args { ...InputValue }
        type { ...TypeRef }
        isDeprecated
        deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }
    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }"#;
}

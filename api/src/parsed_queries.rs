//! GraphQL documents this replica has parsed, by their text. Partners and tills send the
//! same few operations over and over with new variables, and parsing one costs the
//! server more than most of what the operation then does (a few percent of all its CPU
//! time under load). Validation still runs on every request: it depends on the
//! variables.
use crate::armor::{self, DocumentLimits};
use async_graphql::parser::types::ExecutableDocument;
use moka::sync::Cache;

/// Bytes of query text whose documents are kept, at most.
const CAPACITY_BYTES: u64 = 8 * 1024 * 1024;

/// Longer queries are parsed each time, so that one does not push out many.
const LONGEST_KEPT: usize = 64 * 1024;

/// Parsed documents by query text, shared by the requests of a replica.
#[derive(Clone)]
pub struct ParsedQueries(Cache<String, ExecutableDocument>);

impl Default for ParsedQueries {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|query: &String, _| u32::try_from(query.len()).unwrap_or(u32::MAX))
                .build(),
        )
    }
}

impl ParsedQueries {
    /// Gives `request` its query's document, from this cache or parsed now (and kept).
    /// A new document is first held to `limits` (tokens before parsing, then aliases and
    /// directives), and kept only when it passes: a document in the cache passed them.
    /// A query that does not parse is left to the schema, which refuses it with the
    /// usual error.
    pub fn attach(
        &self,
        request: &mut async_graphql::Request,
        limits: &DocumentLimits,
    ) -> Result<(), String> {
        if let Some(doc) = self.0.get(request.query.as_str()) {
            request.set_parsed_query(doc);
            return Ok(());
        }
        armor::check_tokens(&request.query, limits)?;
        let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
            return Ok(());
        };
        armor::check_document(&doc, limits)?;
        if request.query.len() <= LONGEST_KEPT {
            self.0.insert(request.query.clone(), doc.clone());
        }
        request.set_parsed_query(doc);
        Ok(())
    }

    /// Documents kept (for tests: the cache settles its counts lazily).
    pub fn len(&self) -> u64 {
        self.0.run_pending_tasks();
        self.0.entry_count()
    }

    /// Whether no document is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_parsed_once_and_handed_to_every_request() {
        let cache = ParsedQueries::default();
        let query = "query($n: Int) { a(n: $n) { b } }";
        for _ in 0..3 {
            let mut request = async_graphql::Request::new(query);
            cache.attach(&mut request, &DocumentLimits::default()).ok();
            let doc = request.parsed_query().map(|d| d.operations.iter().count());
            assert_eq!(doc.ok(), Some(1));
        }
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_query_that_does_not_parse_is_not_kept() {
        let cache = ParsedQueries::default();
        let mut request = async_graphql::Request::new("{ a ");
        cache.attach(&mut request, &DocumentLimits::default()).ok();
        assert!(cache.is_empty());
        assert!(
            request.parsed_query().is_err(),
            "left for the schema to refuse"
        );
    }

    #[test]
    fn a_very_long_query_is_parsed_but_not_kept() {
        let cache = ParsedQueries::default();
        let fields = "f ".repeat(LONGEST_KEPT / 2 + 1);
        let mut request = async_graphql::Request::new(format!("{{ {fields} }}"));
        let unlimited = DocumentLimits {
            max_tokens: usize::MAX,
            ..DocumentLimits::default()
        };
        assert!(cache.attach(&mut request, &unlimited).is_ok());
        assert!(request.parsed_query().is_ok());
        assert!(cache.is_empty());
    }

    #[test]
    fn a_document_over_its_limits_is_refused_and_not_kept() {
        let cache = ParsedQueries::default();
        let aliases: String = (0..16).map(|i| format!("a{i}: tiers {{ id }} ")).collect();
        let mut request = async_graphql::Request::new(format!("{{ {aliases} }}"));
        let refused = cache.attach(&mut request, &DocumentLimits::default());
        assert!(refused.is_err_and(|e| e.contains("aliases")));
        assert!(cache.is_empty());
        let mut request = async_graphql::Request::new("{ tiers { id } }".repeat(200));
        let refused = cache.attach(&mut request, &DocumentLimits::default());
        assert!(refused.is_err_and(|e| e.contains("tokens")));
    }
}

//! HTTP endpoints: `/graphql` (POST queries, GET GraphiQL) and `/healthz`.
//!
//! The request body is parsed here rather than by an extractor so that even a body that
//! is not JSON gets a GraphQL-shaped error with a code, never a bare text response.
use crate::auth::{self, OperatorToken};
use crate::error::{Code, assign_codes};
use crate::graphql::LoyaltySchema;
use crate::loaders::Loaders;
use crate::parsed_queries::ParsedQueries;
use async_graphql::http::GraphiQLSource;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use loyalty_domain::Ctx;
use serde_json::json;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The schema.
    pub schema: LoyaltySchema,
    /// The same schema with the depth limit that the standard introspection query needs,
    /// used only for introspection-only requests.
    pub introspection: LoyaltySchema,
    /// The domain context.
    pub ctx: Ctx,
    /// The operator token's digest.
    pub operator: OperatorToken,
    /// Documents parsed before.
    pub queries: ParsedQueries,
}

/// The media type of GraphQL-over-HTTP responses, used when the client accepts it.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn json_response(status: StatusCode, body: String) -> Response {
    typed_response(status, body, "application/json")
}

fn typed_response(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Whether the client asked for the GraphQL-over-HTTP media type.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

fn request_error(message: &str) -> Response {
    let body = json!({
        "errors": [{ "message": message, "extensions": { "code": Code::BadUserInput.as_str() } }]
    });
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

/// POST /graphql.
pub async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_body {
        let body = json!({"errors": [{"message": "send the request as Content-Type: application/json", "extensions": {"code": Code::BadUserInput.as_str()}}]});
        return json_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, body.to_string());
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return request_error(&format!("the body is not a GraphQL request in JSON: {e}")),
    };
    execute(state, headers, request).await
}

/// Whether the operation named `name` is one that a request asking for the operation
/// `wanted` (or for none) may run.
fn chosen(wanted: Option<&str>, name: Option<&async_graphql::Name>) -> bool {
    match (wanted, name) {
        (Some(wanted), Some(n)) => wanted == n.as_str(),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Whether the operation a request would run is a mutation (GET may only read).
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::OperationType;
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        chosen(request.operation_name.as_deref(), name) && op.node.ty == OperationType::Mutation
    })
}

/// Whether the request only introspects: every operation it may run is a query whose
/// top-level selections are all `__schema`, `__type` or `__typename` fields (no fragment
/// spreads), so it can reach no data whatever its depth.
fn is_introspection(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::{OperationType, Selection};
    if !request.query.contains("__") {
        return false;
    }
    let operation_name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    let mut ops = doc
        .operations
        .iter()
        .filter(|(name, _)| chosen(operation_name.as_deref(), *name))
        .peekable();
    ops.peek().is_some()
        && ops.all(|(_, op)| {
            op.node.ty == OperationType::Query
                && op.node.selection_set.node.items.iter().all(|item| {
                    matches!(&item.node, Selection::Field(f)
                        if f.node.name.node.starts_with("__"))
                })
        })
}

/// GET /graphql: a query in the URL (`?query=…&variables=…`), or GraphiQL without one.
pub async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return graphiql().await.into_response();
    };
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => return request_error(&format!("the URL is not a GraphQL request: {e}")),
    };
    if is_mutation(&request) {
        let body = json!({"errors": [{"message": "mutations need POST", "extensions": {"code": Code::BadUserInput.as_str()}}]});
        let mut response = json_response(StatusCode::METHOD_NOT_ALLOWED, body.to_string());
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(state, headers, request).await
}

async fn execute(state: AppState, headers: HeaderMap, request: async_graphql::Request) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let caller = match auth::resolve(&state.ctx, &state.operator, authorization).await {
        Ok(caller) => caller,
        Err(unchecked) => return unchecked.into_response(),
    };
    let operation = request
        .operation_name
        .clone()
        .unwrap_or_else(|| "anonymous".into());
    let mut request = request.data(caller).data(Loaders::new(&state.ctx));
    let started = std::time::Instant::now();
    state.queries.attach(&mut request);
    let schema = if is_introspection(&mut request) {
        &state.introspection
    } else {
        &state.schema
    };
    let mut response = schema.execute(request).await;
    crate::metrics::graphql_request(&operation, !response.errors.is_empty(), started.elapsed());
    assign_codes(&mut response);
    // With application/graphql-response+json, a request that never executed (it did not
    // parse or validate: no data at all) is a 400, as GraphQL over HTTP requires; with
    // plain application/json every well-formed exchange is a 200.
    let modern = wants_graphql_response(&headers);
    let not_executed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if modern && not_executed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if modern {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    // A request that never executed has no `data` entry in the modern media type.
    let serialized = if modern && not_executed {
        serde_json::to_value(&response).map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("data");
            }
            v.to_string()
        })
    } else {
        serde_json::to_string(&response)
    };
    match serialized {
        Ok(body) => typed_response(status, body, content_type),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]})
                    .to_string(),
            )
        }
    }
}

/// GET /graphql: the GraphiQL IDE.
pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// GET /healthz: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.ctx.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn introspects(query: &str, operation: Option<&str>) -> bool {
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = operation {
            request = request.operation_name(name);
        }
        is_introspection(&mut request)
    }

    #[test]
    fn only_pure_introspection_gets_the_introspection_depth() {
        assert!(introspects("{ __schema { types { name } } }", None));
        assert!(introspects(
            "query IntrospectionQuery { __schema { queryType { name } } __typename }",
            None
        ));
        assert!(introspects(
            "query A { __type(name: \"Member\") { name } } query B { members { totalCount } }",
            Some("A")
        ));
        assert!(!introspects(
            "query A { __type(name: \"Member\") { name } } query B { members { totalCount } }",
            Some("B")
        ));
        assert!(!introspects("{ __typename members { totalCount } }", None));
        assert!(!introspects(
            "{ ...F } fragment F on Query { __typename }",
            None
        ));
        assert!(!introspects("mutation { __typename }", None));
        assert!(!introspects("{ members { totalCount } }", None));
        assert!(!introspects("{ __schema ", None));
    }

    /// The standard introspection query (graphql-js 16, as GraphiQL and Schemathesis send
    /// it) nests 15 deep: over the default data limit of 12, within the introspection one.
    #[tokio::test]
    async fn the_standard_introspection_query_passes_the_limits() {
        let limits = crate::config::Limits::default();
        let query = "query IntrospectionQuery { __schema { types { ...FullType } } } \
            fragment FullType on __Type { fields(includeDeprecated: true) { args { ...InputValue } } } \
            fragment InputValue on __InputValue { type { ...TypeRef } } \
            fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { \
              kind name ofType { kind name ofType { kind name ofType { kind name ofType { \
              kind name ofType { kind name } } } } } } } } }";
        let data = crate::graphql::build(None, &limits).execute(query).await;
        assert!(!data.errors.is_empty(), "the data limit refuses it");
        let intro = crate::graphql::build_for_introspection(None, &limits)
            .execute(query)
            .await;
        assert!(intro.errors.is_empty(), "{:?}", intro.errors);
    }
}

//! HTTP endpoints: `/graphql` (POST queries, GET GraphiQL), `/healthz` and `/metrics`.
//!
//! The request body is parsed here rather than by an extractor so that even a body that
//! is not JSON gets a GraphQL-shaped error with a code, never a bare text response.
use crate::admission::{Admission, Bucket};
use crate::armor::DocumentLimits;
use crate::auth::{self, OperatorToken};
use crate::error::{Code, assign_codes};
use crate::graphql::LoyaltySchema;
use crate::loaders::Loaders;
use crate::parsed_queries::ParsedQueries;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    /// The limits on a document's shape.
    pub document_limits: DocumentLimits,
    /// Which requests run now.
    pub admission: Admission,
    /// The token that may read `/metrics` (none: `/metrics` is off).
    pub metrics_token: OperatorToken,
    /// The same schema refusing every field outside a member's wallet, for the requests
    /// of member tokens (`graphql::member_scope`).
    pub member: LoyaltySchema,
    /// The same schema opening an audit scope around each mutation, for the mutation
    /// requests of shop keys and the operator (`graphql::audit_scope`).
    pub audited: LoyaltySchema,
    /// The rate limit on member tokens (none: `LOYALTY_MEMBER_RATE_PER_MIN` is 0).
    pub member_rate: Option<std::sync::Arc<crate::member_rate::MemberRate>>,
    /// Whether the client's address is the last of `X-Forwarded-For`.
    pub client_ip_from_forwarded_for: bool,
    /// Largest JSON request body in bytes (`LOYALTY_MAX_BODY_BYTES`); an upload has
    /// its own limit (`crate::offer_images`).
    pub max_body_bytes: usize,
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

/// A response in the GraphQL error shape, for requests refused before any GraphQL ran.
pub fn error_response(status: StatusCode, code: Code, message: &str) -> Response {
    let body = json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    json_response(status, body.to_string())
}

fn request_error(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
}

/// POST /graphql: a request in JSON, or an upload in the GraphQL multipart request spec.
pub async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    if crate::offer_images::is_multipart(&headers) {
        return match crate::offer_images::receive_multipart(&headers, body).await {
            Ok(request) => execute(state, headers, request).await,
            Err(refusal) => refusal,
        };
    }
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_body {
        let body = json!({"errors": [{"message": "send the request as Content-Type: application/json (or multipart/form-data for an upload)", "extensions": {"code": Code::BadUserInput.as_str()}}]});
        return json_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, body.to_string());
    }
    // Read here, not by an extractor, so that the upload above can have a larger limit.
    let body: Bytes = match axum::body::to_bytes(body, state.max_body_bytes).await {
        Ok(body) => body,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::LimitExceeded,
                "the request body is larger than this server accepts (LOYALTY_MAX_BODY_BYTES)",
            );
        }
    };
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

/// Mutation fields that change nothing (a quote prices a cart and writes no row), so
/// a request of nothing else needs no audit scope.
const READ_ONLY_MUTATIONS: [&str; 2] = ["quote", "__typename"];

/// Whether the operation the request would run is a mutation that may change something,
/// from its parsed document: a mutation of only [`READ_ONLY_MUTATIONS`] fields is not
/// (the audit scope wraps every field's resolution, which a quote listing hundreds of
/// skipped offers would pay for nothing); a fragment at the top is assumed to change.
fn runs_mutation(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::{OperationType, Selection};
    let operation_name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        chosen(operation_name.as_deref(), name)
            && op.node.ty == OperationType::Mutation
            && !op.node.selection_set.node.items.iter().all(|s| {
                matches!(&s.node, Selection::Field(f)
                    if READ_ONLY_MUTATIONS.contains(&f.node.name.node.as_str()))
            })
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

/// The parameters of a GraphQL request in a URL, spelled as GraphQL over HTTP spells
/// them (`operationName`; async-graphql's own parser reads `operation_name`).
#[derive(serde::Deserialize)]
struct UrlRequest {
    #[serde(default)]
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn parse_url_request(query: &str) -> Result<async_graphql::Request, String> {
    let url: UrlRequest = serde_urlencoded::from_str(query).map_err(|e| e.to_string())?;
    let json = |what: &str, text: Option<String>| {
        text.filter(|t| !t.is_empty())
            .map(|t| serde_json::from_str(&t).map_err(|e| format!("invalid {what}: {e}")))
            .transpose()
    };
    let mut request = async_graphql::Request::new(url.query);
    if let Some(variables) = json("variables", url.variables)? {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(extensions) = json("extensions", url.extensions)? {
        request.extensions =
            serde_json::from_value(extensions).map_err(|e| format!("invalid extensions: {e}"))?;
    }
    request.operation_name = url.operation_name.filter(|n| !n.is_empty());
    Ok(request)
}

/// GET /graphql: a query in the URL (`?query=…&variables=…&operationName=…`), or
/// GraphiQL without one.
pub async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return crate::graphiql::page();
    };
    let request = match parse_url_request(query) {
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

/// Whose share of the request places a request takes, from its `Authorization` header
/// before the key is checked: a shop key names its shop (`lk_<shop id>_<secret>`), and
/// so does a member token (`lm_<shop id>_<secret>`), so a made-up key takes a place of
/// the shop it names, never a place of the others.
fn bucket_of(operator: &OperatorToken, authorization: Option<&str>) -> Bucket {
    let token = authorization.and_then(crate::auth::bearer_token);
    match token {
        Some(t) if operator.matches(t) => Bucket::Operator,
        Some(t) => loyalty_domain::access::keys::shop_of(t)
            .or_else(|| loyalty_domain::sessions::token::shop_of(t))
            .map_or(Bucket::Anonymous, Bucket::Shop),
        None => Bucket::Anonymous,
    }
}

/// A response refusing a document over its limits before it runs.
fn refused(message: String) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", Code::LimitExceeded.as_str());
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

async fn execute(state: AppState, headers: HeaderMap, request: async_graphql::Request) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    // Held until the response is built: the place of this request among those running.
    // Taken before the key is checked, so that looking up made-up keys in the database
    // is bounded like any other work.
    let _place = state
        .admission
        .admit(bucket_of(&state.operator, authorization))
        .await;
    let caller = match auth::resolve(&state.ctx, &state.operator, authorization).await {
        Ok(caller) => caller,
        Err(unchecked) => return unchecked.into_response(),
    };
    let member_token = matches!(caller, auth::Caller::Member(_));
    let audited_caller = matches!(caller, auth::Caller::Shop(_) | auth::Caller::Operator);
    let mut request = request
        .data(caller)
        .data(state.operator.clone())
        .data(Loaders::new(&state.ctx))
        .data(crate::offer_images::PublicBase::of(&headers))
        .data(crate::graphql::cost::Turns::default());
    let started = std::time::Instant::now();
    let checked = match state.queries.attach(&mut request, &state.document_limits) {
        Err(message) => Err(refused(message)),
        Ok(()) => crate::input_guard::refuse_nul(&mut request)
            .map_err(|e| async_graphql::Response::from_errors(vec![e])),
    };
    let mut response = match checked {
        Err(refusal) => {
            crate::metrics::graphql_request("other", true, started.elapsed());
            refusal
        }
        Ok(()) => {
            let root = crate::metrics::root_label(&mut request);
            let schema = if is_introspection(&mut request) {
                &state.introspection
            } else if member_token {
                &state.member
            } else if audited_caller && runs_mutation(&mut request) {
                let audit = crate::graphql::audit_scope::AuditRequest {
                    variables: request.variables.clone(),
                    request_id: headers
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.chars().take(200).collect()),
                };
                request = request.data(audit);
                &state.audited
            } else {
                &state.schema
            };
            let response = schema.execute(request).await;
            crate::metrics::graphql_request(root, !response.errors.is_empty(), started.elapsed());
            response
        }
    };
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

/// GET /metrics: the Prometheus text format, for the bearer of `LOYALTY_METRICS_TOKEN`
/// only (request counts and latencies tell a caller how busy each operation is).
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.metrics_token.is_set() {
        return error_response(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "metrics are off: set LOYALTY_METRICS_TOKEN to read them",
        );
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token);
    if !presented.is_some_and(|t| state.metrics_token.matches(t)) {
        let mut response = error_response(
            StatusCode::UNAUTHORIZED,
            Code::Unauthenticated,
            "the metrics token is required (Authorization: Bearer …)",
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    typed_response(
        StatusCode::OK,
        crate::metrics::render(),
        "text/plain; version=0.0.4; charset=utf-8",
    )
}

/// Gives the GraphQL error shape, with a code, to the refusals that layers make before
/// any handler runs: a body over `LOYALTY_MAX_BODY_BYTES` (413, from the body limit, in
/// plain text) and a request over `LOYALTY_REQUEST_TIMEOUT_SECS` (408, with no body).
pub async fn coded_refusals(response: Response) -> Response {
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if json {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::LimitExceeded,
            "the request body is larger than this server accepts (LOYALTY_MAX_BODY_BYTES)",
        ),
        StatusCode::REQUEST_TIMEOUT => error_response(
            StatusCode::REQUEST_TIMEOUT,
            Code::LimitExceeded,
            "the request did not finish in the time this server allows \
             (LOYALTY_REQUEST_TIMEOUT_SECS); a mutation that did not finish wrote nothing",
        ),
        _ => response,
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

    #[test]
    fn only_mutations_that_may_change_something_are_audited() {
        let audited = |query: &str| runs_mutation(&mut async_graphql::Request::new(query));
        assert!(!audited("mutation { quote(input: {}) { total } }"));
        assert!(!audited(
            "mutation Q { a: quote(input: {}) { total } __typename }"
        ));
        assert!(audited(
            "mutation { quote(input: {}) { total } recordOrder(input: {}) { orderId } }"
        ));
        assert!(audited("mutation { adjustPoints(input: {}) { id } }"));
        assert!(audited(
            "mutation { ...F } fragment F on Mutation { quote(input: {}) { total } }"
        ));
        assert!(!audited("{ members { totalCount } }"));
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

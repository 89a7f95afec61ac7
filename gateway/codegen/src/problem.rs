//! The error answers in the OpenAPI document: one `Problem` schema (RFC
//! 9457 problem details, as gateway/src/reply.rs writes them) and one shared
//! response per status, listing the kinds it carries. The runtime and this
//! table must agree; the gateway's tests check the runtime's side.

use serde_json::{json, Map, Value};

use crate::dispatch::BODY_CAP;
use crate::model::{Model, ERROR_INTERFACE, ERROR_TYPE};

/// The media type of every error answer (RFC 9457 section 3).
pub const PROBLEM_MEDIA_TYPE: &str = "application/problem+json";
/// The prefix of every problem `type`.
pub const TYPE_PREFIX: &str = "urn:pbx-gateway:problem:";
/// The schema's name under `components/schemas`.
pub const PROBLEM_SCHEMA: &str = "Problem";

/// Every status an error answer can have, the kinds it carries, and what
/// it means. The first group are the gateway's own refusals (nothing was
/// sent to a provider); the provider's typed errors map by their class
/// (gateway/src/reply.rs `Reply::provider`). 408, 503 `overloaded`, 400
/// `malformed-request` and 500 `host` come from the host in front of the
/// component (`pbx-host serve`); 431 from its HTTP server (hyper), before
/// any code of ours runs, so without a body (the one status with no kind).
pub const STATUSES: &[(u16, &[&str], &str)] = &[
    (
        400,
        &["invalid-input", "malformed-json", "duplicate-authorization", "malformed-request"],
        "invalid-input (refused by the gateway or the component, with `field` and `reason`: nothing was sent), \
         malformed-json, duplicate-authorization (more than one Authorization header), or malformed-request \
         (the body could not be read; pbx-host serve).",
    ),
    (401, &["gateway-unauthorized"], "gateway-unauthorized: missing or wrong gateway token."),
    (
        403,
        &["host-not-allowed"],
        "host-not-allowed (with `field`): a URL the request brings (a config's base-url or server, also inside a \
         telephony account) names a scheme, host and port that PBX_ALLOWED_HOSTS does not allow, or a loopback, \
         private, link-local or metadata host no entry names exactly; nothing was sent.",
    ),
    (404, &["not-found", "unknown-route"], "not-found from the provider, or unknown-route."),
    (405, &["method-not-allowed"], "method-not-allowed: the route takes another method (`Allow` names it)."),
    (408, &["request-timeout"], "request-timeout: the request did not arrive in time (pbx-host serve)."),
    (413, &["body-too-large"], "body-too-large: the body is over the gateway's cap (8 MiB)."),
    (415, &["not-json"], "not-json: the body is not application/json."),
    (
        429,
        &["rate-limited"],
        "rate-limited by the provider; `retry-after` (and the `Retry-After` header) carry the seconds when known.",
    ),
    (
        431,
        &[],
        "The request's headers are too large: answered by the HTTP server in front of the gateway (hyper in \
         pbx-host serve) before the gateway sees the request, without a body.",
    ),
    (
        500,
        &["gateway-settings", "host"],
        "gateway-settings: the server-held settings are unusable; host: the gateway component failed on this \
         request (pbx-host serve).",
    ),
    (
        502,
        &["unauthorized", "forbidden", "provider", "transport", "outcome-unknown", "decode", "too-large"],
        "Any other provider error: unauthorized, forbidden, provider (with `provider-status` and \
         `provider-code`), transport, decode, too-large (with `cap`); outcome-unknown: an acting request was \
         handed over and no complete answer came (the provider may have acted; do not retry blindly).",
    ),
    (
        503,
        &["no-token", "overloaded"],
        "no-token: the gateway has no PBX_GATEWAY_TOKEN and was not opened with PBX_GATEWAY_AUTH=none; or \
         overloaded (pbx-host serve).",
    ),
    (504, &["timeout"], "timeout: no complete answer within timeout-ms (at most PBX_MAX_TIMEOUT_MS)."),
];

/// Every problem kind, in the order the `kind` enum lists them.
pub const KINDS: &[&str] = &[
    "invalid-input",
    "gateway-unauthorized",
    "no-token",
    "duplicate-authorization",
    "unknown-route",
    "method-not-allowed",
    "request-timeout",
    "body-too-large",
    "not-json",
    "malformed-json",
    "malformed-request",
    "host-not-allowed",
    "gateway-settings",
    "host",
    "overloaded",
    "unauthorized",
    "forbidden",
    "not-found",
    "rate-limited",
    "provider",
    "timeout",
    "transport",
    "outcome-unknown",
    "decode",
    "too-large",
];

/// The statuses a function's route can answer besides 200: all of them.
pub fn route_statuses() -> Vec<u16> {
    STATUSES.iter().map(|(s, _, _)| *s).collect()
}

/// The `Problem` schema.
pub fn problem_schema() -> Value {
    // `anyOf` with `null`, the description beside it (not an `allOf`
    // wrapper, which openapi-python-client reads as a model of its own).
    let nullable = |t: &str, d: &str| json!({"anyOf": [{"type": t}, {"type": "null"}], "description": d});
    json!({
        "title": "Problem",
        "description": "Every failure, as RFC 9457 problem details (application/problem+json): `kind` names it, \
            `type` is `urn:pbx-gateway:problem:<kind>`, `title` is fixed per kind, `detail` says what happened \
            (never a credential or a value that was sent). The members after `kind` are those the kind carries.",
        "type": "object",
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "description": format!("`{TYPE_PREFIX}<kind>`")},
            "title": {"type": "string", "description": "Fixed per kind."},
            "status": {"type": "integer", "description": "The gateway's HTTP status."},
            "detail": {"type": "string", "description": "What happened, for people."},
            "kind": {"type": "string", "enum": KINDS},
            "field": {"type": "string", "description": "invalid-input, host-not-allowed: the argument path."},
            "reason": {"type": "string", "description": "invalid-input: the expected shape or the rule."},
            "provider-status": {"type": "integer", "description": "provider: the provider's HTTP status."},
            "provider-code": nullable("string", "provider: the provider's error code, when it gave one."),
            "retry-after": nullable("integer", "rate-limited: seconds to wait, when the provider said."),
            "cap": {"type": "integer", "description": "too-large: the cap, in bytes (max-body-bytes)."},
        },
        "required": ["type", "title", "status", "detail", "kind"],
        "additionalProperties": true,
    })
}

/// The shared responses, `components/responses/<status>`.
pub fn responses() -> Map<String, Value> {
    assert_eq!(BODY_CAP, 8 * 1024 * 1024, "the 413 description says 8 MiB");
    let problem = json!({"schema": {"$ref": format!("#/components/schemas/{PROBLEM_SCHEMA}")}});
    STATUSES
        .iter()
        .map(|(status, _, description)| {
            let mut r = json!({"description": description});
            // 431 has no body (see STATUSES).
            if *status != 431 {
                r["content"] = json!({PROBLEM_MEDIA_TYPE: problem.clone()});
            }
            let header = |d: &str, schema: Value| json!({"description": d, "schema": schema});
            let headers = match status {
                401 => Some(("WWW-Authenticate", header("`Bearer`.", json!({"type": "string"})))),
                405 => Some(("Allow", header("The method the route takes.", json!({"type": "string"})))),
                429 => Some((
                    "Retry-After",
                    header("Seconds to wait, when the provider said.", json!({"type": "integer", "minimum": 0})),
                )),
                _ => None,
            };
            if let Some((name, h)) = headers {
                r["headers"] = json!({name: h});
            }
            (status.to_string(), r)
        })
        .collect()
}

/// `#/components/responses/<status>`.
pub fn response_ref(status: u16) -> Value {
    json!({"$ref": format!("#/components/responses/{status}")})
}

/// Checks that every case of the WIT `error` variant is a kind with a
/// status here: a case added to the contract must be documented.
pub fn check_error_cases(m: &Model) {
    for (_, t) in m.resolve.types.iter() {
        let in_types = matches!(t.owner, wit_parser::TypeOwner::Interface(i)
            if m.resolve.interfaces[i].name.as_deref() == Some(ERROR_INTERFACE));
        if t.name.as_deref() != Some(ERROR_TYPE) || !in_types {
            continue;
        }
        if let wit_parser::TypeDefKind::Variant(v) = &t.kind {
            for c in &v.cases {
                assert!(
                    STATUSES.iter().any(|(_, kinds, _)| kinds.contains(&c.name.as_str())),
                    "error case {} has no status in gateway/codegen/src/problem.rs",
                    c.name
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_status() {
        for kind in KINDS {
            let n = STATUSES.iter().filter(|(_, kinds, _)| kinds.contains(kind)).count();
            assert_eq!(n, 1, "{kind}");
        }
        let listed: usize = STATUSES.iter().map(|(_, kinds, _)| kinds.len()).sum();
        assert_eq!(listed, KINDS.len());
    }

    #[test]
    fn rate_limited_documents_retry_after_and_errors_are_problems() {
        let r = responses();
        assert_eq!(r["429"]["headers"]["Retry-After"]["schema"], json!({"type": "integer", "minimum": 0}));
        assert_eq!(r["504"]["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem");
        assert_eq!(
            r.keys().collect::<Vec<_>>(),
            ["400", "401", "403", "404", "405", "408", "413", "415", "429", "431", "500", "502", "503", "504"]
        );
    }

    #[test]
    #[should_panic(expected = "error case vanished has no status")]
    fn an_undocumented_error_case_is_refused() {
        let wit = crate::model::tests::WIT.replace("    timeout,", "    timeout,\n    vanished,");
        check_error_cases(&Model::parse(&wit).expect("parses"));
    }
}

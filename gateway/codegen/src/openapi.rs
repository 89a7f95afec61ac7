//! `gateway/openapi.json`: the OpenAPI 3.1 document of every route, with
//! schemas derived from the WIT types and the WIT doc comments as
//! descriptions. The gateway serves it at `/v1/openapi.json`.

use serde_json::{json, Map, Value};
use wit_parser::{Type, TypeDefKind};

use crate::dispatch::BODY_CAP;
use crate::model::{docs, Model};
use crate::schema::{named_schema, schema};

/// The document.
pub fn openapi(m: &Model) -> Value {
    let mut schemas = Map::new();
    for id in m.named_types() {
        schemas.insert(m.type_name(id), named_schema(m, id));
    }
    schemas.insert(
        "gateway.error".into(),
        json!({
            "description": "Every failure: `kind` names it. Provider errors carry the `error` case as \
                `kind` and its payload's fields (`field`/`reason` for invalid-input; `message` for \
                unauthorized, forbidden, not-found, transport, outcome-unknown, decode; `retry-after` seconds for \
                rate-limited; `status`/`code`/`message` for provider; `cap` for too-large). The gateway's \
                own refusals: `unauthorized` (401, token), `duplicate-authorization` (400, more than one \
                Authorization header), `no-token` (503, the gateway has no PBX_GATEWAY_TOKEN and is not \
                opened with PBX_GATEWAY_AUTH=none), `unknown-route` (404), `method-not-allowed` (405), \
                `body-too-large` (413), `not-json` (415), `malformed-json` and `invalid-input` (400, with \
                `field` and `reason`; nothing was sent), `host-not-allowed` (403, with `field` and \
                `message`: a URL of the request's own, such as a config's base-url or server, that \
                PBX_ALLOWED_HOSTS does not allow; nothing was sent), `gateway-settings` (500). No error \
                ever contains a credential.",
            "type": "object",
            "properties": {"error": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                    "status": {"type": "integer"},
                    "code": {"type": ["string", "null"]},
                    "retry-after": {"type": ["integer", "null"]},
                    "cap": {"type": "integer"},
                },
                "required": ["kind"],
            }},
            "required": ["error"],
        }),
    );
    let err_ref = json!({"$ref": "#/components/schemas/gateway.error"});
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": err_ref.clone()}}});
    // Every route fails the same ways: shared responses keep the document
    // small (inlined, they were three quarters of it).
    let mut responses = Map::new();
    for (status, d) in [
        (
            "400",
            "invalid-input (refused by the gateway or the component: nothing was sent), malformed-json, or \
             duplicate-authorization (more than one Authorization header).",
        ),
        ("401", "Missing or wrong gateway token."),
        (
            "403",
            "host-not-allowed: a URL the request brings (a config's base-url or server, also inside a \
             telephony account) names a scheme, host and port that PBX_ALLOWED_HOSTS does not allow, or a \
             loopback, private, link-local or metadata host no entry names exactly; nothing was sent.",
        ),
        ("404", "not-found from the provider."),
        ("413", "The body is over the gateway's cap (8 MiB)."),
        ("415", "The body is not application/json."),
        ("429", "rate-limited; `Retry-After` carries the seconds when known."),
        ("500", "gateway-settings: the server-held settings are unusable."),
        (
            "502",
            "Any other provider error: unauthorized, forbidden, provider, transport, decode, too-large; \
             outcome-unknown: an acting request was handed over and no complete answer came (the provider \
             may have acted; do not retry blindly).",
        ),
        ("503", "no-token: the gateway has no PBX_GATEWAY_TOKEN and was not opened with PBX_GATEWAY_AUTH=none."),
        ("504", "timeout: no complete answer within timeout-ms (at most PBX_MAX_TIMEOUT_MS)."),
    ] {
        responses.insert(status.into(), err(d));
    }
    assert_eq!(BODY_CAP, 8 * 1024 * 1024, "the 413 description says 8 MiB");
    let refs: Map<String, Value> =
        responses.keys().map(|k| (k.clone(), json!({"$ref": format!("#/components/responses/{k}")}))).collect();
    let mut paths = Map::new();
    paths.insert(
        "/v1/health".into(),
        json!({"get": {
            "operationId": "health",
            "summary": "Liveness: 200 without a token.",
            "security": [],
            "responses": {"200": {"description": "The gateway is up.", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"ok": {"type": "object"}}, "required": ["ok"]}}}}},
        }}),
    );
    paths.insert(
        "/v1/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "summary": "This document, without a token (it holds no secret).",
            "security": [],
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
            },
        }}),
    );
    let mut tags = Vec::new();
    for &i in &m.ifaces {
        let iname = m.iface_name(i).to_string();
        let mut tag = json!({"name": iname});
        if let Some(d) = docs(&m.resolve.interfaces[i].docs) {
            tag["description"] = Value::String(d);
        }
        tags.push(tag);
    }
    for r in m.routes() {
        let (iname, f) = (r.iface_name, r.func);
        let mut props = Map::new();
        let mut required = Vec::new();
        for p in &f.params {
            props.insert(p.name.clone(), schema(m, &p.ty));
            if !m.is_option(&p.ty) && !m.is_config_type(&p.ty) {
                required.push(Value::String(p.name.clone()));
            }
        }
        let ok = match &f.result {
            None => json!({"type": "null"}),
            Some(t) => match m.kind(t) {
                Some(TypeDefKind::Result(res)) if m.fails_with_error(f) => {
                    res.ok.as_ref().map_or_else(|| json!({"type": "null"}), |t: &Type| schema(m, t))
                }
                _ => schema(m, t),
            },
        };
        let description = docs(&f.docs).unwrap_or_default();
        let summary = description.split("\n\n").next().unwrap_or("").replace('\n', " ");
        let mut op = json!({
            "operationId": format!("{}.{}", iname, f.name),
            "tags": [iname],
            "summary": summary,
            "description": description,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "properties": props, "required": required, "additionalProperties": false,
            }}}},
            "responses": {"200": {"description": "The function's result.", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"ok": ok}, "required": ["ok"],
                    "additionalProperties": false},
            }}}},
        });
        op["responses"].as_object_mut().expect("object").extend(refs.clone());
        paths.insert(format!("/v1/{}/{}", iname, f.name), json!({"post": op}));
    }
    let info_desc = m.world_docs().unwrap_or_default();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pbx gateway",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            "version": m.version(),
            "description": format!("{info_desc}\n\nEvery function of every interface is \
                `POST /v1/<interface>/<function>` with a JSON object keyed by the WIT parameter names \
                (records by WIT field names, absent or null for none, enums as strings, variants as \
                {{\"case\": payload}} or \"case\", list<u8> as base64). Success is 200 {{\"ok\": value}}."),
        },
        // The document is served by the gateway itself: its own origin.
        "servers": [{"url": "/", "description": "this gateway"}],
        "tags": tags,
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                "description": "PBX_GATEWAY_TOKEN: every route but /v1/health and /v1/openapi.json needs \
                    it. Without one the gateway answers 503 no-token, unless started with \
                    PBX_GATEWAY_AUTH=none (local development: no token needed)."}},
        },
    })
}

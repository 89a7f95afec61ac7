//! `gateway/openapi.json`: the OpenAPI 3.1 document of every route, with
//! schemas derived from the WIT types and the WIT doc comments as
//! descriptions. The gateway serves it at `/v1/openapi.json`.

use serde_json::{json, Map, Value};
use wit_parser::{Type, TypeDefKind};

use crate::model::{docs, Model};
use crate::problem::{check_error_cases, problem_schema, response_ref, responses, route_statuses, PROBLEM_SCHEMA};
use crate::schema::{named_schema, schema};

/// The tag of the gateway's own routes (health, this document).
const GATEWAY_TAG: &str = "gateway";

/// The document.
pub fn openapi(m: &Model) -> Value {
    check_error_cases(m);
    let answer_only = m.answer_only_types();
    let mut schemas = Map::new();
    for id in m.named_types() {
        schemas.insert(m.type_name(id), named_schema(m, id, answer_only.contains(&id)));
    }
    schemas.insert(PROBLEM_SCHEMA.into(), problem_schema());
    // Every route fails the same ways: shared responses keep the document
    // small (inlined, they were three quarters of it).
    let responses = responses();
    let refs = |statuses: &[u16]| -> Map<String, Value> {
        statuses.iter().map(|s| (s.to_string(), response_ref(*s))).collect()
    };
    let ok = |description: &str, schema: Value| {
        json!({"description": description, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"ok": schema}, "required": ["ok"], "additionalProperties": false,
        }}}})
    };
    let mut paths = Map::new();
    // What gateway/src/serve.rs answers on these two: any method but GET is
    // 405; the document's 500 is a corrupt embedded copy.
    let mut health = refs(&[405]);
    let up = json!({"type": "object", "properties": {"status": {"type": "string", "enum": ["up"]}},
        "required": ["status"]});
    health.insert("200".into(), ok("The gateway is up.", up));
    paths.insert(
        "/v1/health".into(),
        json!({"get": {
            "operationId": "health",
            "tags": [GATEWAY_TAG],
            "summary": "Liveness: 200 without a token.",
            "description": "Liveness: 200 without a token; any method but GET is 405.",
            "security": [],
            "responses": sorted(health),
        }}),
    );
    let mut doc_responses = refs(&[405, 500]);
    doc_responses.insert(
        "200".into(),
        json!({"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}),
    );
    paths.insert(
        "/v1/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "tags": [GATEWAY_TAG],
            "summary": "This document, without a token (it holds no secret).",
            "description": "This document, without a token (it holds no secret); any method but GET is 405.",
            "security": [],
            "responses": sorted(doc_responses),
        }}),
    );
    let route_refs = refs(&route_statuses());
    let mut tags = vec![json!({"name": GATEWAY_TAG, "description": "The gateway's own routes (no token needed)."})];
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
        let result = match &f.result {
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
        });
        let mut responses = route_refs.clone();
        responses.insert("200".into(), ok("The function's result.", result));
        op["responses"] = sorted(responses);
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
                {{\"case\": payload}} or \"case\", list<u8> as base64). Success is 200 {{\"ok\": value}}; \
                every failure is an RFC 9457 problem (application/problem+json) whose `kind` names it."),
        },
        // The document is served by the gateway itself: its own origin.
        "servers": [{"url": "/", "description": "this gateway"}],
        "tags": tags,
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": used_schemas(schemas, &paths),
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                "description": "PBX_GATEWAY_TOKEN: every route but /v1/health and /v1/openapi.json needs \
                    it. Without one the gateway answers 503 no-token, unless started with \
                    PBX_GATEWAY_AUTH=none (local development: no token needed)."}},
        },
    })
}

/// Responses by status, in order (200 first).
fn sorted(responses: Map<String, Value>) -> Value {
    let mut v: Vec<(String, Value)> = responses.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(v.into_iter().collect())
}

/// The schemas the paths reach (through `$ref`s, also within schemas and
/// shared responses), in their order: a WIT type that only the error
/// variant uses (`types.error`, answered as a Problem) is left out.
fn used_schemas(mut schemas: Map<String, Value>, paths: &Map<String, Value>) -> Map<String, Value> {
    let mut used = std::collections::BTreeSet::new();
    let mut todo = Vec::new();
    refs(&Value::Object(paths.clone()), &mut todo);
    // The shared responses all refer to the Problem schema.
    todo.push(PROBLEM_SCHEMA.to_string());
    while let Some(name) = todo.pop() {
        if used.insert(name.clone()) {
            if let Some(s) = schemas.get(&name) {
                refs(s, &mut todo);
            }
        }
    }
    schemas.retain(|name, _| used.contains(name));
    schemas
}

/// The schema names `v` refers to.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(name) =
                o.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            o.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::WIT;

    fn doc() -> Value {
        openapi(&Model::parse(WIT).expect("parses"))
    }

    #[test]
    fn a_route_takes_its_parameters_and_answers_ok_or_a_problem() {
        let d = doc();
        let op = &d["paths"]["/v1/prov/rights"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"],
            json!({
                "type": "object",
                "properties": {"cfg": {"$ref": "#/components/schemas/prov.config"}},
                "required": [],
                "additionalProperties": false,
            })
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["ok"],
            json!({"$ref": "#/components/schemas/prov.perms"})
        );
        assert_eq!(op["responses"]["502"], json!({"$ref": "#/components/responses/502"}));
        let statuses: Vec<&String> = op["responses"].as_object().expect("responses").keys().collect();
        assert_eq!(statuses.len(), 15, "{statuses:?}");
    }

    #[test]
    fn only_schemas_a_path_reaches_are_listed() {
        let d = doc();
        let names: Vec<&String> = d["components"]["schemas"].as_object().expect("schemas").keys().collect();
        // `types.error` is answered as a Problem, never by its own schema.
        assert_eq!(names, ["prov.config", "prov.mode", "prov.perms", "Problem"]);
        assert_eq!(d["info"]["version"], "0.2.0");
        assert_eq!(d["tags"][1], json!({"name": "types"}));
    }
}

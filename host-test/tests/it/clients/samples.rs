//! Arguments for a route, made from its request schema in the OpenAPI
//! document: every required member with a plain value of its type. The
//! demo's calls cover a few routes per provider with arguments chosen by
//! hand; these cover the rest, so a new route is recorded without a new
//! table entry. The values are ones the component and the mock accept
//! (a phone-like string for number fields, a date-time for range bounds).

use serde_json::{json, Map, Value};

/// The JSON body of `POST path` made from its request schema, with the
/// members [`chosen`] names set as it says.
pub fn arguments(doc: &Value, path: &str) -> Value {
    let schema = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let mut args = sample(doc, schema, "", 0);
    if let (Some(args), Value::Object(chosen)) = (args.as_object_mut(), chosen(path)) {
        args.extend(chosen);
    }
    args
}

/// Values a plain sample cannot guess: the ids the mock knows (any other is
/// an empty answer, `not-found`) and the rules of MANAGEDB's arguments.
fn chosen(path: &str) -> Value {
    let call_id = host_test::kit::mock::tring::CALL_ID;
    match path.strip_prefix("/v1/tring/").unwrap_or_default() {
        "channel" => json!({"channel": "SIP/101-00000001"}),
        "info-queue" => json!({"id": "3"}),
        "info-voicemail" | "info-voicemailtranscript" => json!({"id": "7"}),
        "play-recording" => json!({"id": call_id}),
        "managedb-add" | "managedb-update" => json!({"object": "extension", "jsondata": "{\"name\":\"101\"}"}),
        "managedb-setextensions" | "managedb-replace" => json!({"jsondata": "{\"name\":\"101\"}"}),
        // DELETE exists for user, conference, provider and route only.
        "managedb-delete" => json!({"object": "user"}),
        _ => Value::Null,
    }
}

fn sample(doc: &Value, schema: &Value, key: &str, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null);
        return sample(doc, target, key, depth + 1);
    }
    for alternatives in ["oneOf", "anyOf"] {
        if let Some(options) = schema[alternatives].as_array() {
            let first = options.iter().find(|o| o["type"] != "null").unwrap_or(&Value::Null);
            return sample(doc, first, key, depth + 1);
        }
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        t => t.clone(),
    };
    match kind.as_str().unwrap_or_default() {
        "object" => {
            let mut out = Map::new();
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for name in required.iter().filter_map(Value::as_str) {
                out.insert(name.to_string(), sample(doc, &schema["properties"][name], name, depth + 1));
            }
            Value::Object(out)
        }
        "array" => match schema["prefixItems"].as_array() {
            Some(items) => Value::Array(items.iter().map(|i| sample(doc, i, key, depth + 1)).collect()),
            None if schema["minItems"].as_u64().unwrap_or(0) > 0 => {
                json!([sample(doc, &schema["items"], key, depth + 1)])
            }
            None => json!([]),
        },
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "string" if schema["contentEncoding"] == "base64" => json!("JVBERi0xLjQK"),
        "string" => json!(text(key)),
        _ => Value::Null,
    }
}

/// A string the component accepts for a member named `key`.
fn text(key: &str) -> &'static str {
    const DATES: [&str; 6] = ["date", "from", "to", "start", "end", "since"];
    const NUMBERS: [&str; 9] =
        ["dest", "number", "caller", "callee", "destination", "phone", "customer", "clid", "did"];
    if DATES.iter().any(|d| key == *d || key.contains(&format!("{d}-")) || key.ends_with(&format!("-{d}"))) {
        "2024-05-01 00:00:00"
    } else if NUMBERS.iter().any(|n| key.contains(n)) {
        "3212345678"
    } else {
        "101"
    }
}

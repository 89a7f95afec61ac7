//! JSON Schemas (OpenAPI 3.1 dialect) of WIT types, in the JSON mapping of
//! gateway/src/json/: named types by `$ref` to `components/schemas`.

use serde_json::{json, Map, Value};
use wit_parser::{Type, TypeDefKind, TypeId};

use crate::model::{docs, Model};

/// The description appended to every provider `config` schema.
const CONFIG_NOTE: &str = "Leave it out (or send null) to use the gateway's server-held settings (PBX_* variables); \
    they are used only when the gateway has a token (PBX_GATEWAY_TOKEN). A config that is sent \
    is used as sent: nothing server-held is mixed into it, but its URL (base-url, server) must \
    be allowed by PBX_ALLOWED_HOSTS (else 403 host-not-allowed; it is passed on in canonical \
    form), and its timeout-ms is lowered to PBX_MAX_TIMEOUT_MS (default 60000).";

/// `#/components/schemas/<name>`.
pub fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The schema of a type use.
pub fn schema(m: &Model, ty: &Type) -> Value {
    let int = |min: i128, max: i128| json!({"type": "integer", "minimum": min, "maximum": max});
    match ty {
        Type::Bool => json!({"type": "boolean"}),
        Type::U8 => int(0, u8::MAX.into()),
        Type::U16 => int(0, u16::MAX.into()),
        Type::U32 => int(0, u32::MAX.into()),
        Type::U64 => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
        Type::S8 => int(i8::MIN.into(), i8::MAX.into()),
        Type::S16 => int(i16::MIN.into(), i16::MAX.into()),
        Type::S32 => json!({"type": "integer", "format": "int32"}),
        Type::S64 => json!({"type": "integer", "format": "int64"}),
        Type::F32 => json!({"type": "number", "format": "float"}),
        Type::F64 => json!({"type": "number", "format": "double"}),
        Type::Char => json!({"type": "string", "minLength": 1, "maxLength": 1}),
        Type::String => json!({"type": "string"}),
        Type::ErrorContext => panic!("error-context is not served"),
        Type::Id(id) => {
            let id = m.canonical(*id);
            let def = &m.resolve.types[id];
            if let TypeDefKind::Type(t) = &def.kind {
                return schema(m, t);
            }
            if def.name.is_some() {
                return schema_ref(&m.type_name(id));
            }
            match &def.kind {
                TypeDefKind::Option(t) => json!({"anyOf": [schema(m, t), {"type": "null"}]}),
                TypeDefKind::List(Type::U8) => json!({
                    "type": "string",
                    "contentEncoding": "base64",
                    "description": "bytes, base64 (RFC 4648, with padding)",
                }),
                TypeDefKind::List(t) => json!({"type": "array", "items": schema(m, t)}),
                TypeDefKind::Tuple(t) => {
                    let items: Vec<Value> = t.types.iter().map(|t| schema(m, t)).collect();
                    // `maxItems` closes the tuple. `items` (which applies only
                    // past `prefixItems`, so to nothing here) is the union of
                    // the elements rather than `false`: Spectral's
                    // `array-items` wants it truthy, and generators that
                    // ignore `prefixItems` still read each element.
                    let mut any: Vec<Value> = Vec::new();
                    for s in &items {
                        if !any.contains(s) {
                            any.push(s.clone());
                        }
                    }
                    let each = if any.len() == 1 { any.remove(0) } else { json!({"anyOf": any}) };
                    json!({"type": "array", "prefixItems": items, "items": each, "minItems": items.len(), "maxItems": items.len()})
                }
                TypeDefKind::Result(r) => {
                    let side = |t: &Option<Type>| t.as_ref().map_or_else(|| json!({"type": "null"}), |t| schema(m, t));
                    json!({"oneOf": [
                        {"type": "object", "properties": {"ok": side(&r.ok)}, "required": ["ok"],
                            "additionalProperties": false},
                        {"type": "object", "properties": {"err": side(&r.err)}, "required": ["err"],
                            "additionalProperties": false},
                    ]})
                }
                other => panic!("no schema for anonymous {other:?}"),
            }
        }
    }
}

/// A schema with a description; a `$ref` is wrapped in `allOf` (3.1
/// allows siblings of `$ref`, but tools differ on them).
pub fn with_doc(mut schema: Value, d: Option<String>) -> Value {
    if let Some(d) = d {
        if schema.get("$ref").is_some() {
            schema = json!({"allOf": [schema], "description": d});
        } else if let Some(o) = schema.as_object_mut() {
            o.insert("description".into(), Value::String(d));
        }
    }
    schema
}

/// The `components/schemas` entry of a named type. `answer_only`: the type
/// travels only in answers, which write every record field (an `option` as
/// `null`, gateway/src/json/), so every field is required; in a request
/// an `option` field may be left out.
pub fn named_schema(m: &Model, id: TypeId, answer_only: bool) -> Value {
    let def = &m.resolve.types[id];
    let mut out = match &def.kind {
        TypeDefKind::Record(r) => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for f in &r.fields {
                props.insert(f.name.clone(), with_doc(schema(m, &f.ty), docs(&f.docs)));
                if answer_only || (!m.is_option(&f.ty) && !m.is_config_type(&f.ty)) {
                    required.push(Value::String(f.name.clone()));
                }
            }
            json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
        }
        TypeDefKind::Enum(e) => {
            // `enum`, not `oneOf` of `const`: client generators take only
            // the first `const` of a `oneOf` (openapi-python-client refused
            // every answer but the first case). The cases' docs go into the
            // description.
            let names: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
            let mut o = json!({"type": "string", "enum": names});
            let described: Vec<String> = e
                .cases
                .iter()
                .filter_map(|c| docs(&c.docs).map(|d| format!("- `{}`: {}", c.name, d.replace('\n', " "))))
                .collect();
            if !described.is_empty() {
                o["description"] = Value::String(described.join("\n"));
            }
            o
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<Value> = v
                .cases
                .iter()
                .map(|c| {
                    let mut o = match &c.ty {
                        None => json!({"const": c.name}),
                        // A provider config may be left out: `"case"` or
                        // `{"case": null}` take the server-held one.
                        Some(t) if m.is_config_type(t) => json!({"oneOf": [
                            {"const": c.name},
                            {
                                "type": "object",
                                "properties": {c.name.clone(): {"anyOf": [schema(m, t), {"type": "null"}]}},
                                "required": [c.name],
                                "additionalProperties": false,
                            },
                        ]}),
                        Some(t) => json!({
                            "type": "object",
                            "properties": {c.name.clone(): schema(m, t)},
                            "required": [c.name],
                            "additionalProperties": false,
                        }),
                    };
                    if let Some(d) = docs(&c.docs) {
                        o["description"] = Value::String(d);
                    }
                    o
                })
                .collect();
            json!({"oneOf": cases})
        }
        TypeDefKind::Flags(f) => {
            let names: Vec<&str> = f.flags.iter().map(|f| f.name.as_str()).collect();
            json!({"type": "array", "items": {"enum": names}, "uniqueItems": true})
        }
        other => panic!("no schema for named {other:?}"),
    };
    let mut d = docs(&def.docs).unwrap_or_default();
    if m.is_config(id) {
        if !d.is_empty() {
            d.push_str("\n\n");
        }
        d.push_str(CONFIG_NOTE);
    }
    if !d.is_empty() {
        out["description"] = Value::String(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::WIT;

    #[test]
    fn a_tuple_is_closed_by_its_length_and_lists_its_elements() {
        let m = Model::parse(WIT).expect("parses");
        let f = m.routes().into_iter().find(|r| r.func.name == "list-things").expect("route").func;
        assert_eq!(
            schema(&m, &f.params[3].ty),
            json!({
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 255}],
                "items": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 255}]},
                "minItems": 2,
                "maxItems": 2,
            })
        );
        assert_eq!(
            schema(&m, &f.params[2].ty),
            json!({"anyOf": [{"type": "integer", "minimum": 0, "maximum": 4294967295u32}, {"type": "null"}]})
        );
    }

    #[test]
    fn an_answer_only_record_requires_every_field() {
        let m = Model::parse(WIT).expect("parses");
        let config = m.named_types()[0];
        assert_eq!(named_schema(&m, config, false)["required"], json!([]));
        assert_eq!(named_schema(&m, config, true)["required"], json!(["base-url", "timeout-ms"]));
    }
}

//! Calls any export of the component by name, with arguments as JSON, and
//! turns the result into JSON. The CLI uses it, so every function of every
//! provider interface can be invoked without per-function code.
//!
//! JSON mapping: the gateway's, written down once in [`pbx_convention`]
//! (records, options, enums, variants, results, tuples, strict scalars,
//! `list<u8>` as base64 both ways), plus its one CLI convenience: a
//! `list<u8>` argument `"@path"` is that file's bytes.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmtime::component::{types::ComponentItem, Func, Instance, Type, Val};
use wasmtime::{AsContextMut, Engine};

/// The interface prefix of every export.
pub const PACKAGE: &str = "telephony:pbx";
/// The package version.
pub const VERSION: &str = "0.1.0";

/// `interface.function` for every exported function, in export order.
pub fn list_functions(engine: &Engine, component: &wasmtime::component::Component) -> Vec<String> {
    let mut out = Vec::new();
    for (name, item) in component.component_type().exports(engine) {
        if let ComponentItem::ComponentInstance(inst) = item.ty {
            let iface = name.trim_start_matches(&format!("{PACKAGE}/")).trim_end_matches(&format!("@{VERSION}"));
            for (fname, fitem) in inst.exports(engine) {
                if matches!(fitem.ty, ComponentItem::ComponentFunc(_)) {
                    out.push(format!("{iface}.{fname}"));
                }
            }
        }
    }
    out
}

/// Finds `interface.function` in an instance.
pub fn find(store: impl AsContextMut, instance: &Instance, target: &str) -> Result<Func> {
    let mut store = store;
    let (iface, func) = target.split_once('.').ok_or_else(|| anyhow!("expected interface.function, got {target}"))?;
    let iface_name = format!("{PACKAGE}/{iface}@{VERSION}");
    let iface_idx =
        instance.get_export_index(&mut store, None, &iface_name).ok_or_else(|| anyhow!("no interface {iface}"))?;
    let func_idx = instance
        .get_export_index(&mut store, Some(&iface_idx), func)
        .ok_or_else(|| anyhow!("no function {func} in {iface}"))?;
    instance.get_func(&mut store, func_idx).ok_or_else(|| anyhow!("{target} is not a function"))
}

/// Calls `func` with the JSON object `args` (keyed by parameter name).
pub async fn call<T: Send>(mut store: impl AsContextMut<Data = T>, func: Func, args: &Value) -> Result<Value> {
    let ty = func.ty(&store);
    let empty = Map::new();
    let args_obj = match args {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => bail!("arguments must be a JSON object keyed by parameter name"),
    };
    if let Some(unknown) = args_obj.keys().find(|k| !ty.params().any(|(n, _)| n == k.as_str())) {
        bail!("unknown parameter {}", shown_name(unknown));
    }
    let mut params = Vec::new();
    for (name, pty) in ty.params() {
        let v = args_obj.get(name).unwrap_or(&Value::Null);
        params.push(to_val(v, &pty).with_context(|| format!("parameter {name}"))?);
    }
    let mut results = vec![Val::Bool(false); ty.results().len()];
    func.call_async(&mut store, &params, &mut results).await?;
    let types: Vec<Type> = ty.results().collect();
    Ok(match results.len() {
        0 => Value::Null,
        1 => from_val(&results[0], &types[0]),
        _ => Value::Array(results.iter().zip(&types).map(|(v, t)| from_val(v, t)).collect()),
    })
}

/// JSON to a component value of type `ty`.
pub fn to_val(v: &Value, ty: &Type) -> Result<Val> {
    let num = |v: &Value| -> Result<i128> {
        match v {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or(n.as_u64().map(i128::from))
                .ok_or_else(|| anyhow!("expected an integer, got a number that is not one")),
            other => bail!("expected an integer, got {}", kind(other)),
        }
    };
    macro_rules! int {
        ($variant:ident, $t:ty) => {
            Val::$variant(<$t>::try_from(num(v)?).map_err(|_| anyhow!("out of range for {}", stringify!($t)))?)
        };
    }
    Ok(match ty {
        Type::Bool => Val::Bool(v.as_bool().ok_or_else(|| anyhow!("expected true or false, got {}", kind(v)))?),
        Type::U8 => int!(U8, u8),
        Type::U16 => int!(U16, u16),
        Type::U32 => int!(U32, u32),
        Type::U64 => int!(U64, u64),
        Type::S8 => int!(S8, i8),
        Type::S16 => int!(S16, i16),
        Type::S32 => int!(S32, i32),
        Type::S64 => int!(S64, i64),
        Type::Float32 => Val::Float32(v.as_f64().ok_or_else(|| anyhow!("expected a number"))? as f32),
        Type::Float64 => Val::Float64(v.as_f64().ok_or_else(|| anyhow!("expected a number"))?),
        Type::Char => {
            let mut chars = v.as_str().map(str::chars).ok_or_else(|| anyhow!("expected a char, got {}", kind(v)))?;
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => bail!("expected a string of one character"),
            }
        }
        Type::String => Val::String(match v {
            Value::String(s) => s.clone(),
            other => bail!("expected a string, got {}", kind(other)),
        }),
        Type::List(l) => {
            let elem = l.ty();
            match (v, &elem) {
                (Value::String(s), Type::U8) => {
                    let bytes = match s.strip_prefix('@') {
                        Some(path) => read_file_argument(path)?,
                        None => pbx_convention::base64::decode(s)
                            .ok_or_else(|| anyhow!("expected a base64 string (RFC 4648, padded) or @path"))?,
                    };
                    Val::List(bytes.into_iter().map(Val::U8).collect())
                }
                (_, Type::U8) => bail!("expected a base64 string (RFC 4648, padded) or @path, got {}", kind(v)),
                (Value::Array(items), _) => Val::List(items.iter().map(|i| to_val(i, &elem)).collect::<Result<_>>()?),
                _ => bail!("expected a list, got {}", kind(v)),
            }
        }
        Type::Record(r) => {
            let obj = v.as_object().ok_or_else(|| anyhow!("expected an object, got {}", kind(v)))?;
            if let Some(unknown) = obj.keys().find(|k| !r.fields().any(|f| f.name == k.as_str())) {
                bail!("unknown field {}", shown_name(unknown));
            }
            let mut fields = Vec::new();
            for f in r.fields() {
                let fv = obj.get(f.name).unwrap_or(&Value::Null);
                fields.push((f.name.to_string(), to_val(fv, &f.ty).with_context(|| format!("field {}", f.name))?));
            }
            Val::Record(fields)
        }
        Type::Tuple(t) => {
            let items = v.as_array().ok_or_else(|| anyhow!("expected an array"))?;
            if items.len() != t.types().len() {
                bail!("expected an array of {} items, got {}", t.types().len(), items.len());
            }
            Val::Tuple(t.types().zip(items).map(|(ty, i)| to_val(i, &ty)).collect::<Result<_>>()?)
        }
        Type::Enum(e) => {
            let s = v.as_str().ok_or_else(|| anyhow!("expected one of {:?}", e.names().collect::<Vec<_>>()))?;
            if !e.names().any(|n| n == s) {
                bail!("expected one of {:?}", e.names().collect::<Vec<_>>());
            }
            Val::Enum(s.to_string())
        }
        Type::Variant(var) => {
            let (case, payload) = match v {
                Value::String(s) => (s.as_str(), None),
                Value::Object(o) if o.len() == 1 => {
                    let (k, p) = o.iter().next().expect("one entry");
                    (k.as_str(), Some(p))
                }
                _ => bail!("expected \"case\" or {{\"case\": payload}}"),
            };
            let c = var.cases().find(|c| c.name == case).ok_or_else(|| {
                anyhow!("expected one of the cases {:?}", var.cases().map(|c| c.name).collect::<Vec<_>>())
            })?;
            let payload = match (c.ty, payload) {
                (Some(t), Some(p)) => Some(Box::new(to_val(p, &t)?)),
                (Some(_), None) => bail!("case {case} needs a payload"),
                (None, _) => None,
            };
            Val::Variant(case.to_string(), payload)
        }
        Type::Option(o) => match v {
            Value::Null => Val::Option(None),
            other => Val::Option(Some(Box::new(to_val(other, &o.ty())?))),
        },
        Type::Flags(f) => {
            let items = v.as_array().ok_or_else(|| anyhow!("expected an array of flag names"))?;
            let names: Vec<String> = items
                .iter()
                .map(|i| i.as_str().map(String::from).ok_or_else(|| anyhow!("expected flag names, got {}", kind(i))))
                .collect::<Result<_>>()?;
            if names.iter().any(|n| !f.names().any(|x| x == n.as_str())) {
                bail!("expected flag names of {:?}", f.names().collect::<Vec<_>>());
            }
            Val::Flags(names)
        }
        other => bail!("arguments of type {other:?} are not supported"),
    })
}

/// A component value of type `ty` as JSON.
pub fn from_val(v: &Val, ty: &Type) -> Value {
    // The type of a compound value's parts, where `ty` has them.
    let list_elem = || if let Type::List(l) = ty { Some(l.ty()) } else { None };
    let sub = |p: &Val, t: Option<Type>| t.map_or_else(|| untyped(p), |t| from_val(p, &t));
    match v {
        Val::List(items) if matches!(list_elem(), Some(Type::U8)) => {
            let bytes: Vec<u8> = items.iter().map(|i| if let Val::U8(b) = i { *b } else { 0 }).collect();
            json!(pbx_convention::base64::encode(&bytes))
        }
        Val::List(items) => Value::Array(items.iter().map(|i| sub(i, list_elem())).collect()),
        Val::Tuple(items) => {
            let types: Vec<Type> = if let Type::Tuple(t) = ty { t.types().collect() } else { Vec::new() };
            Value::Array(items.iter().enumerate().map(|(n, i)| sub(i, types.get(n).cloned())).collect())
        }
        Val::Record(fields) => {
            let types: Vec<(String, Type)> = match ty {
                Type::Record(r) => r.fields().map(|f| (f.name.to_string(), f.ty)).collect(),
                _ => Vec::new(),
            };
            let of = |k: &str| types.iter().find(|(n, _)| n == k).map(|(_, t)| t.clone());
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), sub(v, of(k)))).collect())
        }
        Val::Variant(case, Some(p)) => {
            let t = match ty {
                Type::Variant(var) => var.cases().find(|c| c.name == case.as_str()).and_then(|c| c.ty),
                _ => None,
            };
            json!({ case.clone(): sub(p, t) })
        }
        Val::Option(Some(p)) => sub(p, if let Type::Option(o) = ty { Some(o.ty()) } else { None }),
        Val::Result(r) => {
            let (ok, err) = if let Type::Result(t) = ty { (t.ok(), t.err()) } else { (None, None) };
            match r {
                Ok(p) => json!({ "ok": p.as_deref().map_or(Value::Null, |p| sub(p, ok)) }),
                Err(p) => json!({ "err": p.as_deref().map_or(Value::Null, |p| sub(p, err)) }),
            }
        }
        other => untyped(other),
    }
}

/// A value whose parts' types are not needed (scalars, enums, flags), or
/// not known.
fn untyped(v: &Val) -> Value {
    match v {
        Val::Bool(b) => json!(b),
        Val::U8(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::S8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::Float32(n) => json!(n),
        Val::Float64(n) => json!(n),
        Val::Char(c) => json!(c.to_string()),
        Val::String(s) => json!(s),
        Val::List(items) | Val::Tuple(items) => Value::Array(items.iter().map(untyped).collect()),
        Val::Record(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), untyped(v))).collect()),
        Val::Enum(s) => json!(s),
        Val::Variant(case, None) => json!(case),
        Val::Variant(case, Some(p)) => json!({ case.clone(): untyped(p) }),
        Val::Option(None) => Value::Null,
        Val::Option(Some(p)) => untyped(p),
        Val::Result(Ok(p)) => json!({ "ok": p.as_deref().map_or(Value::Null, untyped) }),
        Val::Result(Err(p)) => json!({ "err": p.as_deref().map_or(Value::Null, untyped) }),
        Val::Flags(f) => json!(f),
        other => json!(format!("{other:?}")),
    }
}

/// Whether a `list<u8>` argument `"@path"` reads that file: off unless an
/// embedder that trusts its arguments turns it on ([`allow_file_arguments`];
/// the `pbx-host` CLI does). A host passing a caller's arguments on (as
/// [`Host::call`](crate::Host::call) can) would otherwise let the caller
/// send any local file to a provider.
static FILE_ARGUMENTS: AtomicBool = AtomicBool::new(false);

/// Turns on `"@path"` for `list<u8>` arguments, for this process.
pub fn allow_file_arguments() {
    FILE_ARGUMENTS.store(true, Ordering::Relaxed);
}

/// The most a `"@path"` argument reads: the component's default body cap.
pub const MAX_FILE_ARGUMENT: u64 = 16 * 1024 * 1024;

/// The bytes of the regular file `path`, at most [`MAX_FILE_ARGUMENT`].
fn read_file_argument(path: &str) -> Result<Vec<u8>> {
    if !FILE_ARGUMENTS.load(Ordering::Relaxed) {
        bail!("\"@path\" arguments are off in this host (the CLI turns them on); send base64");
    }
    let meta = std::fs::metadata(path).with_context(|| format!("reading {path}"))?;
    if !meta.is_file() || meta.len() > MAX_FILE_ARGUMENT {
        bail!("{path} is not a regular file of at most {MAX_FILE_ARGUMENT} bytes");
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_ARGUMENT + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {path}"))?;
    if bytes.len() as u64 > MAX_FILE_ARGUMENT {
        bail!("{path} grew past {MAX_FILE_ARGUMENT} bytes while read");
    }
    Ok(bytes)
}

/// A member name as a refusal shows it: the caller's own key, quoted only
/// when [`pbx_convention::quotable_name`] (as the gateway does), so a
/// misplaced secret is not printed back.
fn shown_name(name: &str) -> &str {
    if pbx_convention::quotable_name(name) {
        name
    } else {
        "<member>"
    }
}

/// What a JSON value is, for a refusal (which never quotes the value: it
/// may be a secret).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

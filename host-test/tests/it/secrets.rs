//! No secret leaves in an error. Every exported function whose `cfg` has a
//! secret (found by listing the exports and reading their types) is called
//! by name with JSON arguments derived from its parameter types, against a
//! mock that echoes the request (URL, headers, body) back in every encoding
//! a server may use (raw, percent-encoded in either case, form-encoded,
//! JSON-escaped, and the UTF-8 bytes re-read as Latin-1), for every error
//! class (401, 403, 404, 429, 500, the provider's 200 refusal, a body that
//! does not decode, a redirect, and a host transport error whose text
//! quotes the request). No error may hold any secret of the call in any of
//! those encodings, nor 8 consecutive characters of one.
//!
//! Successful answers are the provider's data and are returned as they are
//! (a TRiNG CSV export that echoes the key is the provider's choice), so
//! only errors are checked; every call must have sent a request.

use crate::common::host;
use host_test::dynamic;
use host_test::kit::mock::{MockProvider, MockResponse, RecordedRequest};
use host_test::kit::mock_transport;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use wasmtime::component::Type;

/// One secret per kind of field, each with characters every encoding
/// changes (non-ASCII, space, quote, slash, plus, percent).
const SECRETS: [(&str, &str); 6] = [
    ("auth-key", "AK-Ключ/+ \"x\"é%41-aaaa"),
    ("api-key", "TK-tring/+ &=é\"q\\z-bbbb"),
    ("token", "PT-smart ph+/ü#?-cccc"),
    ("password", "PW-pässwörd &x=1/+ \"q\"-dddd"),
    ("bearer", "BR-tök3n/+=ß-eeee"),
    ("client-secret", "CS-s3cr€t &=+/ \"x\"-ffff"),
];

/// The access token the mock's token endpoint hands out (also a secret).
const ACCESS_TOKEN: &str = "AT-äccess/+=Z-gggg";

/// Where every request goes (the mock answers whatever the host).
const BASE: &str = "http://pbx.test";

fn secret(name: &str) -> Option<&'static str> {
    SECRETS.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// `%XX` for every byte but the unreserved ones; `plus`: space as `+`.
fn pct(s: &str, upper: bool, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(b as char),
            b if upper => out.push_str(&format!("%{b:02X}")),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// A JSON string's content with `/` escaped and every non-ASCII character
/// as `\uXXXX` (lower-case hex when `!upper`).
fn json_escaped(s: &str, upper: bool) -> String {
    let quoted = serde_json::to_string(s).expect("a string");
    let mut out = String::new();
    for c in quoted[1..quoted.len() - 1].chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                for u in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&if upper { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") });
                }
            }
        }
    }
    out
}

/// The UTF-8 bytes of `s` read as Latin-1.
fn latin1(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// Every encoding the mock echoes in, by name.
const ENCODINGS: [&str; 7] = ["raw", "percent", "percent-lower", "form", "json", "json-lower", "latin1"];

fn encode(encoding: &str, s: &str) -> String {
    match encoding {
        "raw" => s.to_string(),
        "percent" => pct(s, true, false),
        "percent-lower" => pct(s, false, false),
        "form" => pct(s, true, true),
        "json" => json_escaped(s, true),
        "json-lower" => json_escaped(s, false),
        _ => latin1(s),
    }
}

/// The error classes the mock answers with.
const CLASSES: [&str; 9] = ["401", "403", "404", "429", "500", "refusal", "decode", "redirect", "transport"];

/// The request as a server would echo it: URL, headers, body.
fn echo(req: &RecordedRequest) -> String {
    let mut text = format!("{} {}", req.method, req.url);
    for (n, v) in &req.headers {
        text.push_str(&format!("\n{n}: {v}"));
    }
    text.push('\n');
    text.push_str(&req.body_text());
    text
}

/// The answer of `class` with the echo `e` (already encoded) in it.
fn answer(iface: &str, class: &str, e: &str) -> MockResponse {
    let q = serde_json::to_string(e).expect("a string");
    let error_body = format!(r#"{{"message":{q},"error":{q},"error_description":{q},"Message":{q}}}"#);
    match class {
        "429" => MockResponse::json(429, &error_body).header("Retry-After", "7"),
        "refusal" => MockResponse::json(
            200,
            &match iface {
                "ringostat" => format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":{q},"message":{q}}}}}"#),
                "tring" => format!(r#"{{"Response":"Error","Message":{q}}}"#),
                _ => format!(r#"{{"error":"invalid_client","error_description":{q}}}"#),
            },
        ),
        "decode" => MockResponse::new(200, "text/plain", e.as_bytes().to_vec()),
        "redirect" => MockResponse::new(302, "text/plain", e.as_bytes().to_vec())
            .header("Location", &format!("https://elsewhere.test/x?{}", pct(e, true, false))),
        "transport" => MockResponse::failing(&format!("cannot connect to {e}")),
        status => MockResponse::json(status.parse().expect("a status"), &error_body),
    }
}

/// A valid JSON argument of type `ty` for the parameter or field `name`:
/// secrets for secret fields, the mock's URL for base URLs, and values that
/// pass the input checks elsewhere. `auth_case` picks the case of an `auth`
/// variant.
fn arg(name: &str, ty: &Type, auth_case: usize, used: &mut Vec<String>) -> Value {
    if let Some(s) = secret(name) {
        used.push(s.to_string());
        return json!(s);
    }
    if matches!(name, "base-url" | "server") {
        return json!(BASE);
    }
    match ty {
        Type::String if name.contains("json") || name == "values" => json!(r#"{"a":"1"}"#),
        Type::String if name.contains("datetime") || name == "from" => json!("2024-01-02 03:04:05"),
        Type::String if name == "to" => json!("2024-01-03 03:04:05"),
        Type::String => json!("1234567"),
        Type::Bool => json!(true),
        // `%PDF-1.4 test`, in base64 (pbx-convention).
        Type::List(l) if matches!(l.ty(), Type::U8) => json!("JVBERi0xLjQgdGVzdA=="),
        Type::List(l) => json!([arg(name, &l.ty(), auth_case, used)]),
        // HANGUP needs a channel or an extension; every other option is left out.
        Type::Option(o) if name == "channel" => arg(name, &o.ty(), auth_case, used),
        Type::Option(_) => Value::Null,
        // A MANAGEDB object that every action takes.
        Type::Enum(e) if name == "object" && e.names().any(|n| n == "user") => json!("user"),
        Type::Enum(e) => json!(e.names().next().expect("a case")),
        Type::Variant(v) => {
            // An account takes case `auth_case` (the last, RingMe, for the cases
            // past it); an auth variant cycles through its cases.
            let pick = match name {
                "account" => auth_case.min(v.cases().len() - 1),
                "auth" => auth_case % v.cases().len(),
                _ => 0,
            };
            let case = v.cases().nth(pick).expect("a case");
            match case.ty {
                Some(t) => json!({ case.name: arg(case.name, &t, auth_case, used) }),
                None => json!(case.name),
            }
        }
        Type::Record(r) => {
            let mut fields = Map::new();
            for f in r.fields() {
                fields.insert(f.name.to_string(), arg(f.name, &f.ty, auth_case, used));
            }
            // A record of options only (filters, updates): set the first.
            if name != "cfg" && fields.values().all(Value::is_null) {
                if let Some(f) = r.fields().next() {
                    if let Type::Option(o) = &f.ty {
                        fields.insert(f.name.to_string(), arg(f.name, &o.ty(), auth_case, used));
                    }
                }
            }
            Value::Object(fields)
        }
        _ => json!(1),
    }
}

/// Whether a `cfg` of this type carries a secret.
fn has_secret(ty: &Type) -> bool {
    match ty {
        Type::Record(r) => r.fields().any(|f| secret(f.name).is_some() || has_secret(&f.ty)),
        Type::Variant(v) => v.cases().any(|c| secret(c.name).is_some() || c.ty.as_ref().is_some_and(has_secret)),
        _ => false,
    }
}

/// Every text in a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(o) => o.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// What is wrong with an error: a secret in any encoding, or 8 of its
/// characters in a row.
fn leaks(err: &Value, secrets: &[String]) -> Vec<String> {
    let mut texts = Vec::new();
    strings(err, &mut texts);
    let texts_only = texts.len();
    texts.push(format!("{err:?}"));
    texts.push(err.to_string());
    let mut found = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        for s in secrets {
            for enc in ENCODINGS {
                let form = encode(enc, s);
                if text.contains(&form) {
                    found.push(format!("{s:?} ({enc}) in {text:?}"));
                }
            }
            // Runs in the texts themselves (a serialised form's closing quote
            // could complete a run of 7 that a text legitimately ends with).
            let chars: Vec<char> = s.chars().collect();
            let mut runs = chars.windows(8).filter(|_| i < texts_only).map(String::from_iter);
            if let Some(run) = runs.find(|run| text.contains(run.as_str())) {
                found.push(format!("{run:?} of {s:?} in {text:?}"));
            }
        }
    }
    found
}

/// The mock's current answer: (interface, class, encoding, hand out tokens).
type Mode = (String, String, String, bool);

/// Runs the check for the functions whose (index, `interface.function`)
/// `pick` selects; returns how many functions took a secret.
async fn no_secret_leaks(pick: fn(usize, &str) -> bool) -> usize {
    let h = host();
    let mode: Arc<Mutex<Mode>> = Arc::new(Mutex::new(Default::default()));
    let m = mode.clone();
    let mock = MockProvider::new(move |req| {
        let (iface, class, encoding, tokens) = m.lock().expect("mode").clone();
        if tokens && req.path().ends_with("/oauth/token") {
            return MockResponse::json(200, &format!(r#"{{"access_token":"{ACCESS_TOKEN}","expires_in":3600}}"#));
        }
        answer(&iface, &class, &encode(&encoding, &echo(req)))
    });
    let (mut failures, mut calls, mut functions) = (Vec::new(), 0, 0);
    for (index, target) in dynamic::list_functions(&h.engine, &h.component).into_iter().enumerate() {
        if !pick(index, &target) {
            continue;
        }
        let (iface, _) = target.split_once('.').expect("interface.function");
        let (mut store, instance) = h.instantiate(mock_transport(mock.clone())).await.expect("instantiate");
        let func = dynamic::find(&mut store, &instance, &target).expect("export");
        let params: Vec<(String, Type)> = func.ty(&store).params().map(|(n, t)| (n.to_string(), t)).collect();
        // Provider functions take a `cfg`; the telephony ones an `account`
        // (a variant over the three configs).
        let Some((cfg_name, cfg_ty)) = params.iter().find(|(n, _)| n == "cfg" || n == "account") else { continue };
        if !has_secret(cfg_ty) {
            continue;
        }
        functions += 1;
        // Every case of an `auth` variant; with app credentials, once with a
        // token endpoint that fails like the rest and once with one that works.
        let auth_cases = match cfg_ty {
            // Every account, and RingMe with each of its two auth cases.
            Type::Variant(v) if cfg_name == "account" => v.cases().len() + 1,
            Type::Record(r) => r.fields().find(|f| f.name == "auth").map_or(1, |f| match f.ty {
                Type::Variant(v) => v.cases().len(),
                _ => 1,
            }),
            _ => 1,
        };
        for run in 0..auth_cases * 2 - usize::from(auth_cases == 1) {
            let (auth_case, tokens) = (run / 2, run % 2 == 1);
            let mut used = vec![ACCESS_TOKEN.to_string()];
            let args = Value::Object(
                params.iter().map(|(n, t)| (n.clone(), arg(n, t, auth_case, &mut used))).collect::<Map<_, _>>(),
            );
            for class in CLASSES {
                for encoding in ENCODINGS {
                    *mode.lock().expect("mode") = (iface.into(), class.into(), encoding.into(), tokens);
                    let before = mock.requests().len();
                    let out = dynamic::call(&mut store, func, &args).await.expect("the call returns");
                    calls += 1;
                    let case = format!("{target} (auth case {auth_case}, tokens {tokens}) {class} {encoding}");
                    // An auth case the function refuses (`get-token` with a
                    // bearer token) sends nothing, by design.
                    if out.pointer("/err/invalid-input/field").and_then(Value::as_str) == Some("cfg.auth") {
                        continue;
                    }
                    if mock.requests().len() == before {
                        failures.push(format!("{case}: nothing was sent: {out}"));
                    }
                    if let Some(err) = out.get("err") {
                        failures.extend(leaks(err, &used).into_iter().map(|l| format!("{case}: {l}")));
                    }
                }
            }
        }
    }
    eprintln!("secrets: {functions} functions, {calls} calls");
    let mut leaks: Vec<&String> = failures.iter().filter(|f| !f.contains("nothing was sent")).collect();
    leaks.truncate(15);
    let mut unsent: Vec<&str> = failures.iter().filter_map(|f| f.split_once(" (").map(|(t, _)| t)).collect();
    unsent.dedup();
    assert!(failures.is_empty(), "{} failures; leaks: {leaks:#?}; in functions: {unsent:?}", failures.len());
    functions
}

// Three tests (they run in parallel), every exported function in one of them.

#[tokio::test]
async fn no_secret_leaks_from_ringostat_ringme_and_other_interfaces() {
    let n = no_secret_leaks(|_, f| !f.starts_with("tring.")).await;
    assert!(n >= 11, "only {n} functions");
}

#[tokio::test]
async fn no_secret_leaks_from_tring_even() {
    let n = no_secret_leaks(|i, f| f.starts_with("tring.") && i % 2 == 0).await;
    assert!(n >= 44, "only {n} functions");
}

#[tokio::test]
async fn no_secret_leaks_from_tring_odd() {
    let n = no_secret_leaks(|i, f| f.starts_with("tring.") && i % 2 == 1).await;
    assert!(n >= 44, "only {n} functions");
}

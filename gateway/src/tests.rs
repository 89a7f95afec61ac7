//! Tests of the generated JSON mapping and the OpenAPI document (native: the
//! imported functions themselves only run in the wasm build, driven by the
//! host-test gateway tests and the README's wasmtime checks).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{json, Value};

use crate::bindings::telephony::pbx::{ringme, ringostat, tring};
use crate::dispatch::ROUTES;
use crate::json::{to_json_bytes, Args, Bad, BadKind, Cx, FromJson, NotArgs, ToJson};
use crate::outbound::Outbound;
use crate::settings::Settings;

fn settings(vars: &[(&str, &str)]) -> Settings {
    Settings::from_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// What `v` writes, as a tree.
fn written<T: ToJson>(v: &T) -> Value {
    serde_json::from_slice(&to_json_bytes(v)).expect("valid JSON")
}

fn parse<T: FromJson>(v: Value, cx: &Cx) -> Result<T, Bad> {
    T::from_json(Some(&v), cx)
}

fn refusal<T: FromJson>(v: Value, cx: &Cx) -> (String, String) {
    match parse::<T>(v, cx) {
        Ok(_) => panic!("accepted"),
        Err(b) => (b.field, b.reason),
    }
}

const HELD: &[(&str, &str)] = &[
    ("PBX_GATEWAY_TOKEN", "gw"),
    ("PBX_RINGOSTAT_AUTH_KEY", "server-key"),
    ("PBX_RINGOSTAT_BASE_URL", "https://ringostat.example"),
    ("PBX_TIMEOUT_MS", "1234"),
];

#[test]
fn an_absent_config_is_the_server_held_one_and_only_with_a_token() {
    let s = settings(HELD);
    let o = Outbound::default();
    let held = Cx::new(Some(&s), &o);
    let cfg = ringostat::Config::from_json(None, &held).expect("filled");
    assert_eq!(cfg.auth_key, "server-key");
    assert_eq!(cfg.base_url.as_deref(), Some("https://ringostat.example"));
    assert_eq!(cfg.timeout_ms, Some(1234));
    let cfg = parse::<ringostat::Config>(Value::Null, &held).expect("null is absent");
    assert_eq!(cfg.auth_key, "server-key");

    // Without a token (Cx::held is None) nothing server-held is used.
    let e = ringostat::Config::from_json(None, &Cx::unheld(&o)).expect_err("refused");
    assert!(e.reason.contains("PBX_GATEWAY_TOKEN"), "{}", e.reason);
}

#[test]
fn a_sent_config_is_used_as_sent() {
    let s = settings(HELD);
    let o = Outbound::default();
    let held = Cx::new(Some(&s), &o);
    // The caller's own base URL with no key: the server key is not mixed in.
    let (field, reason) = refusal::<ringostat::Config>(json!({"base-url": "https://evil.example"}), &held);
    assert_eq!((field.as_str(), reason.as_str()), ("auth-key", "required"));
    let cfg = parse::<ringostat::Config>(json!({"auth-key": "mine"}), &held).expect("parsed");
    assert_eq!((cfg.auth_key.as_str(), cfg.base_url, cfg.timeout_ms), ("mine", None, None));
}

#[test]
fn every_config_url_is_checked_and_rewritten_the_server_held_one_is_not() {
    let s = settings(&[
        ("PBX_GATEWAY_TOKEN", "gw"),
        ("PBX_RINGOSTAT_AUTH_KEY", "k"),
        ("PBX_RINGOSTAT_BASE_URL", "http://127.0.0.1:9099"),
        ("PBX_TRING_SERVER", "http://10.0.0.7"),
        ("PBX_TRING_API_KEY", "tk"),
        ("PBX_TIMEOUT_MS", "90000"),
    ]);
    let o = Outbound {
        policy: pbx_egress::Policy::parse("https://*.tring.nu, https://pbx.example:8443").unwrap(),
        max_timeout_ms: 20_000,
    };
    let cx = Cx::new(Some(&s), &o);
    // The caller's: checked, rewritten, the timeout bounded.
    let cfg = parse::<tring::Config>(json!({"server": "API.tring.nu.", "api-key": "x", "timeout-ms": 99_000}), &cx)
        .expect("allowed");
    assert_eq!((cfg.server.as_str(), cfg.timeout_ms), ("https://api.tring.nu", Some(20_000)));
    let cfg = parse::<ringostat::Config>(json!({"auth-key": "x", "base-url": "https://pbx.example:8443/r/"}), &cx)
        .expect("allowed");
    assert_eq!(cfg.base_url.as_deref(), Some("https://pbx.example:8443/r/"));
    for (cfg, field) in [
        (json!({"auth-key": "x", "base-url": "http://127.0.0.1:9099"}), "base-url"),
        (json!({"auth-key": "x", "base-url": "https://pbx.example"}), "base-url"),
        (json!({"auth-key": "x", "base-url": "https://user@api.tring.nu"}), "base-url"),
    ] {
        let e = parse::<ringostat::Config>(cfg, &cx).expect_err("refused");
        assert_eq!((e.kind, e.field.as_str()), (BadKind::HostNotAllowed, field));
    }
    // Nested in a telephony account: the path names where.
    let e = parse::<crate::bindings::telephony::pbx::telephony::Account>(
        json!({"ringme": {"base-url": "http://169.254.169.254", "auth": {"bearer": "t"}}}),
        &cx,
    )
    .expect_err("refused");
    assert_eq!((e.kind, e.field.as_str()), (BadKind::HostNotAllowed, "ringme.base-url"));
    assert!(!e.reason.contains("169.254") && e.reason.contains("metadata"), "{}", e.reason);
    // Left out: the server-held config, as set (not checked), timeout bounded.
    let cfg = ringostat::Config::from_json(None, &cx).expect("server-held");
    assert_eq!((cfg.base_url.as_deref(), cfg.timeout_ms), (Some("http://127.0.0.1:9099"), Some(20_000)));
    let cfg = tring::Config::from_json(None, &cx).expect("server-held");
    assert_eq!(cfg.server, "http://10.0.0.7");
    // A caller's config without a URL goes to the provider's default host;
    // without a timeout it gets the bound, which is under the component's
    // 30 s default.
    let cfg = parse::<ringostat::Config>(json!({"auth-key": "x"}), &cx).expect("default host");
    assert_eq!((cfg.base_url, cfg.timeout_ms), (None, Some(20_000)));
}

#[test]
fn refusals_name_the_path_and_never_the_value() {
    let o = Outbound::default();
    let cx = Cx::unheld(&o);
    let secret = "do-not-echo-7f3a";
    let cases = [
        (json!({"auth-key": 5}), "auth-key", "expected a string"),
        (json!({"auth-key": "k", "timeout-ms": secret}), "timeout-ms", "expected an integer in the range of u32"),
        (
            json!({"auth-key": "k", "timeout-ms": 4_294_967_296u64}),
            "timeout-ms",
            "expected an integer in the range of u32",
        ),
        (json!({"auth-key": "k", secret: 1}), secret, "unknown member"),
        // A name not shaped like a WIT name is not quoted (nor a long one).
        (json!({"auth-key": "k", "s3cr3t+/=": 1}), "<member>", "unknown member"),
        (json!({"auth-key": "k", "k".repeat(65): 1}), "<member>", "unknown member"),
        (json!([secret]), "", "expected an object"),
    ];
    for (v, field, reason) in cases {
        let (f, r) = refusal::<ringostat::Config>(v, &cx);
        assert_eq!((f.as_str(), r.as_str()), (field, reason));
        assert!(!r.contains(secret));
    }
    let (f, r) = refusal::<ringostat::ExtendedCallbackRequest>(
        json!({"project-id": "1", "caller": "1", "callee": "m", "direction": secret}),
        &cx,
    );
    assert_eq!((f.as_str(), r.as_str()), ("direction", "expected one of: inbound, outbound"));
}

#[test]
fn variants_enums_lists_and_bytes() {
    let o = Outbound { policy: pbx_egress::Policy::parse("https://rm.example").unwrap(), ..Outbound::default() };
    let cx = Cx::unheld(&o);
    let cfg = parse::<ringme::Config>(
        json!({"base-url": "https://rm.example", "auth": {"app": {"client-id": "a", "client-secret": "b"}}}),
        &cx,
    )
    .expect("parsed");
    assert!(matches!(&cfg.auth, ringme::Auth::App(a) if a.client_id == "a" && a.client_secret == "b"));
    assert_eq!(written(&cfg.auth), json!({"app": {"client-id": "a", "client-secret": "b"}}));
    let (f, _) = refusal::<ringme::Config>(json!({"base-url": "u", "auth": {"token": "t"}}), &cx);
    assert_eq!(f, "auth");

    let fax = parse::<tring::FaxRequest>(
        json!({"source-number": "1", "dest-number": "2", "pdf": "JVBERi0=", "quality": "fine"}),
        &cx,
    )
    .expect("parsed");
    assert_eq!(fax.pdf, b"%PDF-".to_vec());
    assert!(matches!(fax.quality, Some(tring::FaxQuality::Fine)));
    let (f, r) = refusal::<tring::FaxRequest>(json!({"source-number": "1", "dest-number": "2", "pdf": "%PDF"}), &cx);
    assert_eq!((f.as_str(), r.as_str()), ("pdf", "expected a base64 string (RFC 4648, padded)"));

    let media = tring::Media { content_type: "audio/mpeg".into(), data: alloc::vec![0x49, 0x44, 0x33, 0xff] };
    assert_eq!(written(&media), json!({"content-type": "audio/mpeg", "data": "SUQz/w=="}));
    let counts = tring::PeerCounts { nodes: alloc::vec![("n1".into(), 3)], total: 3 };
    assert_eq!(written(&counts), json!({"nodes": [["n1", 3]], "total": 3}));
    let (f, _) = refusal::<tring::PeerCounts>(json!({"nodes": [["n1", 3], ["n2"]], "total": 3}), &cx);
    assert_eq!(f, "nodes[1]");
}

#[test]
fn the_openapi_document_has_every_route_and_resolves_every_ref() {
    let doc: Value = serde_json::from_slice(&crate::openapi().expect("inflates")).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), ROUTES.len() + 2);
    for (iface, func) in ROUTES {
        let op = &paths[&["/v1/", iface, "/", func].concat()]["post"];
        assert_eq!(op["operationId"], [*iface, ".", *func].concat());
        assert!(op["responses"]["200"].is_object() && op["responses"]["504"].is_object());
    }
    assert!(ROUTES.len() > 90, "{} routes", ROUTES.len());
    // What client generators need: a license and servers; enums as `enum`
    // (openapi-python-client takes only the first `const` of a `oneOf`);
    // tuples closed by their length (`items` a schema, as Spectral asks).
    assert_eq!(doc["info"]["license"]["identifier"], "Apache-2.0");
    assert_eq!(doc["servers"][0]["url"], "/");
    let agent = &doc["components"]["schemas"]["telephony.state"];
    assert_eq!(agent["type"], "string", "{agent}");
    assert!(agent["enum"].as_array().is_some_and(|e| e.len() > 1 && e.iter().all(Value::is_string)), "{agent}");
    fn walk(v: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
        match v {
            Value::Object(o) => {
                f(o);
                o.values().for_each(|v| walk(v, f));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, f)),
            _ => {}
        }
    }
    let mut tuples = 0;
    walk(&doc, &mut |o| {
        if o.contains_key("prefixItems") {
            tuples += 1;
            let n = o["prefixItems"].as_array().map(Vec::len);
            assert!(o["items"].is_object(), "{o:?}");
            assert_eq!(
                (o["minItems"].as_u64(), o["maxItems"].as_u64()),
                (n.map(|n| n as u64), n.map(|n| n as u64)),
                "{o:?}"
            );
        }
    });
    assert!(tuples > 0);
    // Every reference points at a definition.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.clone());
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("local ref");
        assert!(doc.pointer(pointer).is_some(), "{r}");
    }
    // WIT doc comments are the descriptions.
    let op = &paths["/v1/ringostat/sip-online"]["post"];
    assert_eq!(op["description"], "`GET /sipstatus/online`: the SIP logins that are online.");
    let cfg = &doc["components"]["schemas"]["ringostat.config"];
    assert_eq!(cfg["required"], json!(["auth-key"]));
    assert!(cfg["description"].as_str().is_some_and(|d| d.contains("server-held")));
    assert!(cfg["description"].as_str().is_some_and(|d| d.contains("PBX_ALLOWED_HOSTS")));
    // The gateway's own statuses and kinds.
    let op = &paths["/v1/ringostat/sip-online"]["post"];
    for status in ["400", "401", "403", "503"] {
        assert!(op["responses"][status]["$ref"].is_string(), "{status}");
    }
    assert!(doc["components"]["responses"]["403"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("host-not-allowed")));
    assert!(doc["components"]["responses"]["503"]["description"].as_str().is_some_and(|d| d.contains("no-token")));
    assert_eq!(paths["/v1/openapi.json"]["get"]["security"], json!([]));
    assert_eq!(paths["/v1/health"]["get"]["security"], json!([]));
}

/// What a reply sends: status, content type, extra headers, body text.
type Sent = (u16, &'static str, Vec<(&'static str, String)>, String);

/// A reply's status, content type, extra headers and body text.
fn sent(r: crate::reply::Reply) -> Sent {
    (r.status, r.content_type, r.headers, String::from_utf8(r.body.into_bytes()).expect("UTF-8"))
}

#[test]
fn the_served_document_is_the_checked_in_one() {
    let served: Value = serde_json::from_slice(&crate::openapi().expect("inflates")).expect("valid JSON");
    let checked_in: Value = serde_json::from_str(include_str!("../openapi.json")).expect("valid JSON");
    assert!(served == checked_in, "build.rs embeds gateway/openapi.json");
}

#[test]
fn the_openapi_document_states_every_error_status_as_a_problem() {
    let doc: Value = serde_json::from_slice(&crate::openapi().expect("inflates")).expect("valid JSON");
    let statuses = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"].as_object().expect("responses").keys().cloned().collect()
    };
    let every =
        ["200", "400", "401", "403", "404", "405", "408", "413", "415", "429", "431", "500", "502", "503", "504"];
    for (iface, func) in ROUTES {
        assert_eq!(statuses(&["/v1/", iface, "/", func].concat(), "post"), every, "{iface}.{func}");
    }
    // What serve.rs answers on these two without a token.
    assert_eq!(statuses("/v1/health", "get"), ["200", "405"]);
    assert_eq!(statuses("/v1/openapi.json", "get"), ["200", "405", "500"]);
    let responses = doc["components"]["responses"].as_object().expect("responses");
    assert_eq!(responses.keys().collect::<Vec<_>>(), every[1..].iter().collect::<Vec<_>>());
    for (status, r) in responses {
        if status == "431" {
            // Answered by the HTTP server in front of the gateway, bodiless.
            assert!(r.get("content").is_none());
            continue;
        }
        assert_eq!(
            r["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem",
            "{status}"
        );
    }
    assert_eq!(responses["429"]["headers"]["Retry-After"]["schema"]["type"], "integer");
    let problem = &doc["components"]["schemas"]["Problem"];
    assert_eq!(problem["required"], json!(["type", "title", "status", "detail", "kind"]));
    assert_eq!(problem["properties"]["type"]["format"], "uri-reference");
    let kinds = problem["properties"]["kind"]["enum"].as_array().expect("kinds");
    for kind in
        ["invalid-input", "gateway-unauthorized", "no-token", "host-not-allowed", "outcome-unknown", "too-large"]
    {
        assert!(kinds.contains(&json!(kind)), "{kind}");
    }
    for member in ["field", "reason", "provider-status", "provider-code", "retry-after", "cap"] {
        assert!(problem["properties"][member].is_object(), "{member}");
    }
    // The WIT error is answered as a Problem: its schema is not listed.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    assert!(!schemas.contains_key("types.error") && !schemas.contains_key("gateway.error"));
}

#[test]
fn answer_fields_are_required_and_options_nullable_request_options_optional() {
    let doc: Value = serde_json::from_slice(&crate::openapi().expect("inflates")).expect("valid JSON");
    let schemas = &doc["components"]["schemas"];
    // ringme.callback-started travels only in answers, which write every
    // field (an absent value as null): both required, `call-id` nullable.
    let started = &schemas["ringme.callback-started"];
    assert_eq!(started["required"], json!(["call-api-id", "call-id"]));
    assert_eq!(started["properties"]["call-id"]["anyOf"][1], json!({"type": "null"}));
    let value = ringme::CallbackStarted { call_api_id: "c".into(), call_id: None };
    assert_eq!(written(&value), json!({"call-api-id": "c", "call-id": null}));
    // A request's option fields may be left out.
    assert_eq!(schemas["ringostat.config"]["required"], json!(["auth-key"]));
}

#[test]
fn each_error_case_is_a_problem_with_its_kind_and_status() {
    use crate::bindings::telephony::pbx::types::{FieldError, ProviderError};
    use crate::reply::Reply;
    use crate::Error;
    let p = "application/problem+json";
    // (error, status, extra headers, body)
    type Case = (Error, u16, Vec<(&'static str, String)>, &'static str);
    let cases: Vec<Case> = alloc::vec![
        (
            Error::Timeout,
            504,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:timeout","title":"Provider timed out","status":504,"detail":"the provider did not answer within the timeout (timeout-ms)","kind":"timeout"}"#,
        ),
        (
            Error::Transport("connection refused".into()),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:transport","title":"Provider unreachable","status":502,"detail":"connection refused","kind":"transport"}"#,
        ),
        (
            Error::OutcomeUnknown("no answer within the deadline".into()),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:outcome-unknown","title":"Outcome unknown","status":502,"detail":"no answer within the deadline","kind":"outcome-unknown"}"#,
        ),
        (
            Error::Unauthorized("invalid key [redacted]".into()),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:unauthorized","title":"Provider refused the credentials","status":502,"detail":"invalid key [redacted]","kind":"unauthorized"}"#,
        ),
        (
            Error::RateLimited(Some(7)),
            429,
            alloc::vec![("retry-after", "7".into())],
            r#"{"type":"urn:pbx-gateway:problem:rate-limited","title":"Rate limited by the provider","status":429,"detail":"the provider is limiting the request rate; retry after 7 s","kind":"rate-limited","retry-after":7}"#,
        ),
        (
            Error::RateLimited(None),
            429,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:rate-limited","title":"Rate limited by the provider","status":429,"detail":"the provider is limiting the request rate; retry later","kind":"rate-limited","retry-after":null}"#,
        ),
        (
            Error::Provider(ProviderError { status: 500, code: Some("E1".into()), message: "internal \"x\"".into() }),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:provider","title":"Provider error","status":502,"detail":"internal \"x\"","kind":"provider","provider-status":500,"provider-code":"E1"}"#,
        ),
        // No words from the provider: the detail is still not empty.
        (
            Error::Provider(ProviderError { status: 503, code: None, message: String::new() }),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:provider","title":"Provider error","status":502,"detail":"the provider answered an error (status 503)","kind":"provider","provider-status":503,"provider-code":null}"#,
        ),
        (
            Error::InvalidInput(FieldError { field: "destination".into(), reason: "not a phone number".into() }),
            400,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:invalid-input","title":"Invalid input","status":400,"detail":"destination: not a phone number","kind":"invalid-input","field":"destination","reason":"not a phone number"}"#,
        ),
        (
            Error::TooLarge(16_777_216),
            502,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:too-large","title":"Provider answer too large","status":502,"detail":"the provider's answer is over the cap of 16777216 bytes (max-body-bytes)","kind":"too-large","cap":16777216}"#,
        ),
        (
            Error::NotFound(String::new()),
            404,
            alloc::vec![],
            r#"{"type":"urn:pbx-gateway:problem:not-found","title":"Not found at the provider","status":404,"detail":"Not found at the provider","kind":"not-found"}"#,
        ),
    ];
    for (e, status, headers, body) in cases {
        assert_eq!(sent(Reply::provider(e)), (status, p, headers, String::from(body)));
    }
}

#[test]
fn the_gateways_refusals_are_problems() {
    use crate::reply::Reply;
    let host =
        Bad { kind: BadKind::HostNotAllowed, field: "cfg.base-url".into(), reason: "the host x is not allowed".into() };
    assert_eq!(
        sent(Reply::bad(host)).3,
        r#"{"type":"urn:pbx-gateway:problem:host-not-allowed","title":"Host not allowed","status":403,"detail":"the host x is not allowed","kind":"host-not-allowed","field":"cfg.base-url"}"#
    );
    // The body itself refused: no field to name, the reason is the detail.
    let body = Bad::input("the body must be a JSON object keyed by parameter name");
    assert_eq!(
        sent(Reply::bad(body)).3,
        r#"{"type":"urn:pbx-gateway:problem:invalid-input","title":"Invalid input","status":400,"detail":"the body must be a JSON object keyed by parameter name","kind":"invalid-input","field":"","reason":"the body must be a JSON object keyed by parameter name"}"#
    );
    let (status, ct, headers, text) = sent(Reply::refuse(401, "gateway-unauthorized", "wrong token"));
    assert_eq!((status, ct, headers), (401, "application/problem+json", Vec::new()));
    assert_eq!(
        text,
        r#"{"type":"urn:pbx-gateway:problem:gateway-unauthorized","title":"Missing or wrong gateway token","status":401,"detail":"wrong token","kind":"gateway-unauthorized"}"#
    );
    // Every kind has a title of its own.
    let kinds = [
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
        "headers-too-large",
        "host-not-allowed",
        "gateway-settings",
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
    let mut titles: Vec<&str> = kinds.iter().map(|k| crate::problem::title(k)).collect();
    assert!(!titles.contains(&"Error"), "{titles:?}");
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), kinds.len());
}

#[test]
fn results_are_written_as_json_text() {
    let text = "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}é/\u{7f}";
    assert_eq!(to_json_bytes(&String::from(text)), serde_json::to_vec(text).unwrap());
    assert_eq!(written(&alloc::vec![Some(1u32), None]), json!([1, null]));
    assert_eq!(written(&(i64::MIN, -1i8, u64::MAX)), json!([i64::MIN, -1, u64::MAX]));
    assert_eq!(to_json_bytes(&Vec::<String>::new()), b"[]");
    let r: Result<(), String> = Err("e".into());
    assert_eq!(written(&r), json!({"err": "e"}));
    // Through a sink: the same text, in chunks of at most 64 KiB plus one item.
    let big: Vec<String> = (0..40_000).map(|i| alloc::format!("login{i}")).collect();
    let mut chunks = Vec::new();
    crate::reply::Reply::ok(big.clone()).body.write(&mut |b| chunks.push(b.len()));
    assert!(chunks.len() > 5 && chunks.iter().all(|n| *n < 65 * 1024), "{chunks:?}");
    let whole = crate::reply::Reply::ok(big.clone()).body.into_bytes();
    assert_eq!(chunks.iter().sum::<usize>(), whole.len());
    assert_eq!(serde_json::from_slice::<Value>(&whole).unwrap(), json!({"ok": big}));
}

#[test]
fn arguments_refuse_unknown_names_before_reading_values() {
    let names: &'static [&'static str] = &["cfg", "query"];
    let field = |body: &[u8]| match Args::parse(body, names) {
        Err(NotArgs::Refused(b)) => (b.field, b.reason),
        Ok(_) => panic!("accepted"),
        Err(_) => panic!("not refused by name"),
    };
    // Refused at the name, though the rest is not even JSON.
    assert_eq!(field(b"{\"cfg\":{},\"x\":[0,0,0 ..."), ("x".into(), "unknown member".into()));
    assert_eq!(field(b"{\"query\":1,\"query\":2}"), ("query".into(), "given twice".into()));
    assert!(matches!(Args::parse(b"[1,2]", names), Err(NotArgs::NotObject)));
    assert!(matches!(Args::parse(b"{\"cfg\":", names), Err(NotArgs::Malformed)));
    let args =
        Args::parse(br#" { "query" : {"a": [1, "x", 1.5, -2, true]} , "cfg":null } "#, names).ok().expect("parsed");
    assert_eq!(args.value("query"), Some(&json!({"a": [1, "x", 1.5, -2, true]})));
    assert_eq!(args.value("cfg"), Some(&Value::Null));
    assert!(args.value("other").is_none());
    let o = Outbound::default();
    let cfg: Option<String> = crate::json::arg(&args, "cfg", &Cx::unheld(&o)).expect("null is none");
    assert!(cfg.is_none());
    // A known parameter whose tree would pass the cap: refused as it is
    // read, naming it (1M numbers: 32 MB estimated).
    let mut huge = b"{\"query\":[".to_vec();
    for _ in 0..1_000_000 {
        huge.extend_from_slice(b"0,");
    }
    huge.extend_from_slice(b"0],\"cfg\":{}}");
    let (f, reason) = field(&huge);
    assert_eq!(f, "query");
    assert!(reason.starts_with("too large"), "{reason}");
}

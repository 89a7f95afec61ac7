//! The `wasi:http/incoming-handler` export: routing, the token, the body cap
//! and content type, then the generated dispatch.
//!
//! Order of checks (each refusal sends nothing to a provider):
//! `/v1/health` and `/v1/openapi.json` (no token: neither holds a secret)
//! -> `PBX_GATEWAY_AUTH` readable (500) -> no token and not
//! `PBX_GATEWAY_AUTH=none` (503 `no-token`) -> more than one
//! `Authorization` header (400) -> token (401 `gateway-unauthorized`) ->
//! route (404) -> method (405) -> outbound settings (500) -> content type
//! (415) -> body cap (413) -> JSON object (400) -> arguments (400; a URL
//! PBX_ALLOWED_HOSTS does not allow: 403) -> the call. Every refusal is an
//! RFC 9457 problem ([`crate::problem`]).

use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};
use wasi::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::Gateway;
use crate::dispatch::{self, BODY_CAP};
use crate::json::{Args, Bad, Cx, NotArgs, Outcome};
use crate::reply::Reply;
use crate::settings::{Auth, Settings};

impl Guest for Gateway {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        #[cfg(all(target_arch = "wasm32", not(target_feature = "atomics"), not(feature = "spin-kv")))]
        let settings = settings();
        // Read per call: natively (no component instance to keep them),
        // and in the Spin build, whose environment is Spin's variables
        // (adapters/spin-env), which a provider such as Vault may change
        // while an instance lives.
        #[cfg(not(all(target_arch = "wasm32", not(target_feature = "atomics"), not(feature = "spin-kv"))))]
        let settings = &Settings::from_env(wasi::cli::environment::get_environment());
        send(serve(&request, settings), out);
    }
}

/// The settings of this instance, read at its first request.
/// `wasi:cli/environment` gives an instance the same values at every call
/// (its WIT: "this import function should return the same values each
/// time it is called"), so a warm instance need not read and parse them
/// again: reading them per request (the host lowering each variable into
/// the instance) and parsing `PBX_ALLOWED_HOSTS` cost 3.7-3.8 us of the
/// gateway's 37.5 us per request (in process, `PBX_BENCH_GATEWAYS`, the
/// provider answering 200; 4.7 of 45.1 us answering 404). A host that
/// reuses instances therefore applies changed settings in new instances
/// only (`pbx-host serve` and `wasmtime serve` fix an instance's
/// environment when they make it).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics"), not(feature = "spin-kv")))]
fn settings() -> &'static Settings {
    struct Cache(core::cell::OnceCell<Settings>);
    // SAFETY: a wasm32 component instance without the `atomics` feature
    // (no shared memory) runs on a single thread, and `handle` is not
    // re-entered while `get_or_init` runs.
    #[allow(unsafe_code)]
    unsafe impl Sync for Cache {}
    static CACHE: Cache = Cache(core::cell::OnceCell::new());
    CACHE.0.get_or_init(|| Settings::from_env(wasi::cli::environment::get_environment()))
}

/// Compares the presented token with the gateway's in time that depends
/// only on the gateway token's length, not on where the bytes differ.
fn token_matches(presented: &[u8], token: &[u8]) -> bool {
    let mut diff = presented.len() ^ token.len();
    for (i, t) in token.iter().enumerate() {
        let p = presented.get(i).copied().unwrap_or(0);
        diff |= usize::from(p ^ t);
    }
    core::hint::black_box(diff) == 0
}

/// The first value of a header. `headers` is the request's, taken once
/// per request: each `headers()` is a host call and a resource to drop.
fn header(headers: &Fields, name: &str) -> Option<Vec<u8>> {
    headers.get(name).into_iter().next()
}

fn authorized(presented: Option<&Vec<u8>>, token: &str) -> bool {
    let presented = presented.map_or(&[][..], Vec::as_slice);
    // `Bearer` is case-insensitive (RFC 6750 / 9110 auth-scheme).
    let value = match presented.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => &presented[7..],
        _ => &[][..],
    };
    token_matches(value, token.as_bytes())
}

fn serve(request: &IncomingRequest, settings: &Settings) -> Reply {
    let full = request.path_with_query().unwrap_or_default();
    let path = full.split('?').next().unwrap_or_default();
    let method = request.method();
    let get = matches!(method, Method::Get);
    if path == "/v1/health" {
        return if get { Reply::ok(health()) } else { not_allowed("GET") };
    }
    if path == "/v1/openapi.json" {
        return match (get, crate::openapi()) {
            (true, Some(doc)) => Reply::raw(doc),
            (true, None) => Reply::refuse(500, "gateway-settings", "the embedded OpenAPI document is corrupt"),
            (false, _) => not_allowed("GET"),
        };
    }
    let auth = match settings.auth() {
        Ok(a) => a,
        Err(bad) => return Reply::bad(bad),
    };
    if auth == Auth::Closed {
        return Reply::refuse(
            503,
            "no-token",
            "this gateway has no token: set PBX_GATEWAY_TOKEN (every route but /v1/health and /v1/openapi.json \
             then needs Authorization: Bearer <token>), or PBX_GATEWAY_AUTH=none to serve without one (local \
             development only)",
        );
    }
    let headers = request.headers();
    let authorization = headers.get("authorization");
    // Two proxies (or a proxy and a client) may each add one; which one a
    // reader takes first is not something to bet the token check on.
    if authorization.len() > 1 {
        return Reply::refuse(400, "duplicate-authorization", "send one Authorization header, not several");
    }
    if let Auth::Token(token) = auth {
        if !authorized(authorization.first(), token) {
            // Its own kind: `unauthorized` is the provider refusing a credential
            // (502), a different fault with a different fix.
            return Reply::refuse(
                401,
                "gateway-unauthorized",
                "missing or wrong bearer token (Authorization: Bearer <token>)",
            )
            .with("www-authenticate", "Bearer".into());
        }
    }
    let route = path
        .strip_prefix("/v1/")
        .and_then(|r| r.split_once('/'))
        .filter(|(i, f)| dispatch::ROUTES.iter().any(|(ri, rf)| ri == i && rf == f));
    let Some((iface, func)) = route else {
        return Reply::refuse(
            404,
            "unknown-route",
            "no such route: POST /v1/<interface>/<function>, see /v1/openapi.json",
        );
    };
    if !matches!(method, Method::Post) {
        return not_allowed("POST");
    }
    let outbound = match settings.outbound() {
        Ok(o) => o,
        Err(bad) => return Reply::bad(bad),
    };
    let args = match read_args(request, &headers, dispatch::params(iface, func)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let cx = Cx::new(settings.token().map(|_| settings), outbound);
    // The Spin build: a stored RingMe token refused with 401 is replaced
    // once, so it keeps the arguments for that one retry.
    #[cfg(feature = "spin-kv")]
    let again = args.clone();
    let result = dispatch::call(iface, func, args, &cx);
    #[cfg(feature = "spin-kv")]
    let result = crate::token_store::retry_if_revoked(result, || dispatch::call(iface, func, again, &cx));
    match result {
        Some(Ok(Outcome::Ok(v))) => Reply::ok(v),
        Some(Ok(Outcome::Provider(e))) => Reply::provider(e),
        Some(Err(bad)) => Reply::bad(bad),
        None => Reply::refuse(404, "unknown-route", "no such route"),
    }
}

fn health() -> Value {
    let mut o = Map::new();
    o.insert("status".into(), Value::String("up".into()));
    Value::Object(o)
}

fn not_allowed(allow: &'static str) -> Reply {
    Reply::refuse(405, "method-not-allowed", ["this route takes ", allow].concat().as_str()).with("allow", allow.into())
}

/// Whether a `Content-Type` is JSON (`application/json`, `*/*+json`, any
/// parameters).
fn is_json(ct: &[u8]) -> bool {
    let essence = ct.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
    essence.eq_ignore_ascii_case(b"application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// The body as a JSON object of the route's parameters `names`; an empty
/// body is `{}`. An unknown or repeated member is refused before any value
/// is built (see [`Args`]).
fn read_args(request: &IncomingRequest, headers: &Fields, names: &'static [&'static str]) -> Result<Args, Reply> {
    let too_large =
        || Reply::refuse(413, "body-too-large", "the body is over the gateway's cap of 8 MiB (8388608 bytes)");
    let declared = header(headers, "content-length")
        .and_then(|v| core::str::from_utf8(&v).ok().and_then(|s| s.trim().parse::<u64>().ok()));
    if declared.is_some_and(|n| n > BODY_CAP) {
        return Err(too_large());
    }
    let content_type = header(headers, "content-type");
    if let Some(ct) = &content_type {
        if !is_json(ct) {
            return Err(Reply::refuse(415, "not-json", "the body must be application/json"));
        }
    }
    let body = read_body(request, declared).ok_or_else(too_large)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Args::empty());
    }
    if content_type.is_none() {
        return Err(Reply::refuse(415, "not-json", "the body must be application/json (no Content-Type was sent)"));
    }
    match Args::parse(&body, names) {
        Ok(args) => Ok(args),
        Err(NotArgs::NotObject) => {
            Err(Reply::bad(Bad::input("the body must be a JSON object keyed by parameter name")))
        }
        Err(NotArgs::Refused(bad)) => Err(Reply::bad(bad)),
        Err(NotArgs::Malformed) => Err(Reply::refuse(400, "malformed-json", "the body is not valid JSON")),
    }
}

/// Reads the whole body; `None` when it passes [`BODY_CAP`]. A body that
/// breaks off is read as far as it came (the JSON parse then refuses it).
/// The buffer is sized once from the declared length (at most the cap):
/// grown by doubling, an 8 MiB body held 12 MiB during the last copy.
fn read_body(request: &IncomingRequest, declared: Option<u64>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(n) = declared.and_then(|n| usize::try_from(n).ok()) {
        out.reserve_exact(n);
    }
    let Ok(body) = request.consume() else { return Some(out) };
    let Ok(stream) = body.stream() else { return Some(out) };
    // Ends at `closed`, or at a failed read (`last-operation-failed`);
    // not at the declared length, which a chunked body may carry stale.
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        out.extend_from_slice(&chunk);
        if out.len() as u64 > BODY_CAP {
            return None;
        }
    }
    drop(stream);
    drop(body);
    Some(out)
}

fn send(reply: Reply, out: ResponseOutparam) {
    let mut headers: Vec<(String, Vec<u8>)> = Vec::with_capacity(reply.headers.len() + 2);
    headers.push(("content-type".into(), reply.content_type.as_bytes().to_vec()));
    headers.push(("cache-control".into(), b"no-store".to_vec()));
    for (k, v) in reply.headers {
        headers.push((k.into(), v.into_bytes()));
    }
    // Every name and value above is a valid header.
    let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(fields);
    // 200 is a new response's status already: no host call for it.
    if reply.status != 200 {
        let _ = response.set_status_code(reply.status);
    }
    let Ok(body) = response.body() else { return };
    ResponseOutparam::set(out, Ok(response));
    if let Ok(stream) = body.write() {
        let mut broken = false;
        reply.body.write(&mut |bytes| {
            // `blocking-write-and-flush` takes at most 4096 bytes a call.
            for chunk in bytes.chunks(4096) {
                if broken || stream.blocking_write_and_flush(chunk).is_err() {
                    broken = true;
                    break;
                }
            }
        });
        drop(stream);
    }
    let _ = OutgoingBody::finish(body, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison_needs_the_exact_bytes() {
        assert!(token_matches(b"s3cret", b"s3cret"));
        for other in [&b""[..], b"s3cre", b"s3cret!", b"S3cret", b"s3cres"] {
            assert!(!token_matches(other, b"s3cret"));
        }
    }

    #[test]
    fn json_content_types() {
        for ok in [&b"application/json"[..], b"Application/JSON; charset=utf-8", b"application/vnd.api+json"] {
            assert!(is_json(ok));
        }
        for bad in [&b"text/plain"[..], b"application/x-www-form-urlencoded", b"json", b""] {
            assert!(!is_json(bad));
        }
    }
}

//! Ringostat: request building and response decoding (pure), and the
//! `ringostat` export that joins them through [`crate::http::send`].

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::ringostat::{
    CallDirection, CallLogExportQuery, CallbackAccepted, Config, ExtendedCallbackRequest, Guest, PartyType,
    RingostatCall,
};
use crate::error::{decode, Result};
use crate::http::{self, Method, Request, Response};
use crate::json;
use crate::redact::excerpt;
use crate::status::{describe_body, from_status};
use crate::url::{form_body, BaseUrl};
use crate::validate;
use crate::{Component, Error, ProviderError};
use core::sync::atomic::{AtomicU64, Ordering};
use serde_json::Value;

pub mod calls;

/// Where Ringostat lives unless `base-url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.ringostat.net";
/// The JSON-RPC method of the extended call-back (one backslash each).
pub const EXTERNAL_CALLBACK_METHOD: &str = "Api\\V2\\Callback.external";

/// JSON-RPC ids: a counter per component instance, starting at 1.
static NEXT_RPC_ID: AtomicU64 = AtomicU64::new(1);

impl Guest for Component {
    fn sip_online(cfg: Config) -> Result<Vec<String>> {
        call(&cfg, "", sip_online_request(&cfg), decode_logins)
    }

    fn smart_phone_online(
        cfg: Config,
        project_id: String,
        token: String,
        with_do_not_disturb: bool,
    ) -> Result<Vec<String>> {
        let req = smart_phone_online_request(&cfg, &project_id, &token, with_do_not_disturb);
        call(&cfg, &token, req, decode_logins)
    }

    fn sip_speaking(cfg: Config) -> Result<Vec<String>> {
        call(&cfg, "", sip_speaking_request(&cfg), decode_logins)
    }

    fn simple_callback(cfg: Config, extension: String, destination: String) -> Result<()> {
        call(&cfg, "", simple_callback_request(&cfg, &extension, &destination), decode_simple_callback)
    }

    fn extended_callback(cfg: Config, req: ExtendedCallbackRequest) -> Result<CallbackAccepted> {
        let id = NEXT_RPC_ID.fetch_add(1, Ordering::Relaxed);
        call(&cfg, "", extended_callback_request(&cfg, &req, id), decode_extended_callback)
    }

    fn call_log_export(cfg: Config, query: CallLogExportQuery) -> Result<Vec<RingostatCall>> {
        calls::export(&cfg, &query)
    }
}

/// Sends a built request and decodes the answer with `decode`; the auth key
/// and `secret` (a secret argument, `""` when the function has none) are
/// redacted, in one pass, from whatever error either step (or the building)
/// gives.
fn call<T>(cfg: &Config, secret: &str, req: Result<Request>, decode: fn(&Response) -> Result<T>) -> Result<T> {
    req.and_then(|r| decode(&http::send(&r)?)).map_err(|e| e.redact(&[&cfg.auth_key, secret]))
}

/// Checks the config and starts a request with the `Auth-key` header.
fn start(cfg: &Config, method: Method, path: &str, query: &[(&str, &str)]) -> Result<Request> {
    validate::header_secret("cfg.auth-key", &cfg.auth_key)?;
    let base = BaseUrl::parse("cfg.base-url", cfg.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL), false)?;
    let timeout = validate::timeout_ms("cfg.timeout-ms", cfg.timeout_ms)?;
    let max_body = validate::max_body_bytes("cfg.max-body-bytes", cfg.max_body_bytes)?;
    crate::url::check_target(path, query)?;
    Ok(Request::new(method, base.target(path, query), timeout)
        .max_body(max_body)
        .header("Auth-key", cfg.auth_key.clone()))
}

/// `GET /sipstatus/online`.
pub fn sip_online_request(cfg: &Config) -> Result<Request> {
    start(cfg, Method::Get, "/sipstatus/online", &[])
}

/// `GET /sipstatus/online?project_id=&token=&withRspDoNotDisturbSips=`.
pub fn smart_phone_online_request(cfg: &Config, project_id: &str, token: &str, dnd: bool) -> Result<Request> {
    validate::digits("project-id", project_id)?;
    validate::non_empty("token", token)?;
    validate::no_controls("token", token)?;
    let dnd = if dnd { "true" } else { "false" };
    start(
        cfg,
        Method::Get,
        "/sipstatus/online",
        &[("project_id", project_id), ("token", token), ("withRspDoNotDisturbSips", dnd)],
    )
}

/// `GET /sipstatus/speaking`.
pub fn sip_speaking_request(cfg: &Config) -> Result<Request> {
    start(cfg, Method::Get, "/sipstatus/speaking", &[])
}

/// `POST /callback/outward_call`, form-encoded `extension`, `destination`.
pub fn simple_callback_request(cfg: &Config, extension: &str, destination: &str) -> Result<Request> {
    validate::phone("extension", extension)?;
    validate::employee("destination", destination)?;
    let body = form_body(&[("extension", extension), ("destination", destination)]);
    Ok(start(cfg, Method::Post, "/callback/outward_call", &[])?.body("application/x-www-form-urlencoded", body))
}

fn party_type(t: PartyType) -> &'static str {
    match t {
        PartyType::Default => "default",
        PartyType::Scheme => "scheme",
    }
}

/// A caller or callee: a scheme id when its type is `scheme`, otherwise
/// `check` (the customer's number or SIP login for `caller`; the employee's
/// number, extension or SIP login for `callee`).
fn party(field: &str, value: &str, kind: Option<PartyType>, check: fn(&str, &str) -> Result<()>) -> Result<()> {
    match kind {
        Some(PartyType::Scheme) => validate::digits(field, value),
        _ => check(field, value),
    }
}

/// `POST /a/v2`: JSON-RPC 2.0 `Api\V2\Callback.external` with request id `id`.
pub fn extended_callback_request(cfg: &Config, req: &ExtendedCallbackRequest, id: u64) -> Result<Request> {
    validate::digits("req.project-id", &req.project_id)?;
    party("req.caller", &req.caller, req.caller_type, validate::phone_or_login)?;
    party("req.callee", &req.callee, req.callee_type, validate::employee)?;
    if let Some(ip) = &req.client_ip {
        validate::ip_addr("req.client-ip", ip)?;
    }
    // `params` in the page's order; unset options are left out.
    let params = json::Object::new()
        .opt_string("callee_type", req.callee_type.map(party_type))
        .opt_string("caller_type", req.caller_type.map(party_type))
        .string("caller", &req.caller)
        .string("callee", &req.callee)
        .opt_int("manager_dst", req.manager_first.map(i64::from))
        .opt_string(
            "direction",
            req.direction.map(|d| match d {
                CallDirection::Inbound => "in",
                CallDirection::Outbound => "out",
            }),
        )
        .string("projectId", &req.project_id)
        .opt_string("clientIp", req.client_ip.as_deref())
        .opt_string("utmSource", req.utm_source.as_deref())
        .opt_string("utmMedium", req.utm_medium.as_deref())
        .opt_string("utmCampaign", req.utm_campaign.as_deref())
        .opt_string("utmTerm", req.utm_term.as_deref())
        .opt_string("utmContent", req.utm_content.as_deref())
        .opt_string("clientId", req.client_id.as_deref())
        .opt_string("clientUserAgent", req.client_user_agent.as_deref());
    // The JSON-RPC 2.0 envelope.
    let body = json::Object::new()
        .string("jsonrpc", "2.0")
        .uint("id", id)
        .string("method", EXTERNAL_CALLBACK_METHOD)
        .object("params", params)
        .finish()?;
    Ok(start(cfg, Method::Post, "/a/v2", &[])?.body("application/json", body))
}

/// Maps a non-2xx answer to its error, with the provider's message when the
/// body carries one (`{"message": ...}` or `{"error": ...}`).
fn check_status(resp: &Response) -> Result<()> {
    if resp.is_success() {
        return Ok(());
    }
    let (code, message) = match json::small_tree(&resp.body) {
        Some(v) => rpc_error_parts(v.get("error").unwrap_or(&v)).unwrap_or_else(|| (None, describe_body(resp))),
        None => (None, describe_body(resp)),
    };
    Err(from_status(resp, code, message))
}

/// Code and message from an error object (`{"code","message"}`), or a bare
/// message string.
fn rpc_error_parts(err: &Value) -> Option<(Option<String>, String)> {
    match err {
        Value::String(s) => Some((None, excerpt(s))),
        Value::Object(o) => {
            let code = o.get("code").and_then(json::text);
            let message = o.get("message").and_then(Value::as_str).map(excerpt);
            if code.is_none() && message.is_none() {
                return None;
            }
            Some((code, message.unwrap_or_else(|| "the provider refused the request".into())))
        }
        _ => None,
    }
}

/// A JSON array of SIP logins.
/// A JSON array of SIP logins, read one login at a time within the result
/// budget ([`json::Budget`]; past it `too-large`).
pub fn decode_logins(resp: &Response) -> Result<Vec<String>> {
    check_status(resp)?;
    let wrong = || decode(format!("expected a JSON array of SIP logins, got {}", describe_body(resp)));
    let mut logins = Vec::new();
    let mut budget = json::Budget::new();
    let top = json::rows(&resp.body, None, &[], &mut |item| match item {
        Value::String(login) => {
            budget.item::<String>(login.len(), 1)?;
            logins.push(login);
            Ok(())
        }
        _ => Err(wrong()),
    })?;
    match top {
        Some(json::Top::Array) => Ok(logins),
        _ => Err(wrong()),
    }
}

/// Any 2xx answer is accepted, unless its body is JSON carrying `error`.
pub fn decode_simple_callback(resp: &Response) -> Result<()> {
    check_status(resp)?;
    if let Ok(Some(json::Top::Object(o, _))) = json::rows(&resp.body, None, &["error"], &mut |_| Ok(())) {
        if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
            return Err(refusal(resp.status, err));
        }
    }
    Ok(())
}

/// A JSON-RPC 2.0 answer: `error` (even with 200) is `provider`; otherwise
/// the `result` as JSON text. An answer whose tree would pass
/// [`json::TREE_CAP`] is `too-large`.
pub fn decode_extended_callback(resp: &Response) -> Result<CallbackAccepted> {
    check_status(resp)?;
    let v: Value = json::parse_bounded(&resp.body).map_err(|e| match e {
        json::Unparsed::TooBig => json::too_large(),
        json::Unparsed::NotJson => decode(format!("expected a JSON-RPC answer, got {}", describe_body(resp))),
    })?;
    let Value::Object(o) = v else {
        return Err(decode("expected a JSON-RPC answer object"));
    };
    if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
        return Err(refusal(resp.status, err));
    }
    Ok(CallbackAccepted {
        result: o.get("result").map_or_else(|| "null".to_string(), json::json_text),
        id: o.get("id").and_then(json::text),
    })
}

fn refusal(status: u16, err: &Value) -> Error {
    let (code, message) = rpc_error_parts(err).unwrap_or((None, "the provider refused the request".into()));
    Error::Provider(ProviderError { status, code, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::example;

    fn cfg() -> Config {
        Config { auth_key: "KEY-123".into(), base_url: None, timeout_ms: None, max_body_bytes: None }
    }

    fn ok(body: &str) -> Response {
        Response {
            status: 200,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: body.into(),
        }
    }

    fn ext() -> ExtendedCallbackRequest {
        ExtendedCallbackRequest {
            project_id: "11111".into(),
            caller: "380671112233".into(),
            callee: "380632223344".into(),
            callee_type: None,
            caller_type: None,
            direction: None,
            manager_first: None,
            client_ip: None,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            utm_term: None,
            utm_content: None,
            client_id: None,
            client_user_agent: None,
        }
    }

    #[test]
    fn status_requests_are_plain_gets_with_the_key() {
        let r = sip_online_request(&cfg()).unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.target.to_url(), "https://api.ringostat.net/sipstatus/online");
        assert_eq!(r.wire_headers(), vec![("Auth-key".to_string(), "KEY-123".to_string())]);
        assert_eq!(r.timeout_ms, validate::DEFAULT_TIMEOUT_MS);
        assert_eq!(sip_speaking_request(&cfg()).unwrap().target.path_and_query, "/sipstatus/speaking");
        let r = smart_phone_online_request(&cfg(), "42", "t o&k", true).unwrap();
        assert_eq!(
            r.target.path_and_query,
            "/sipstatus/online?project_id=42&token=t%20o%26k&withRspDoNotDisturbSips=true"
        );
    }

    #[test]
    fn simple_callback_is_form_encoded() {
        let r = simple_callback_request(&cfg(), "380441112233", "+380671112233").unwrap();
        let body = r.body.as_ref().unwrap();
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(body.bytes, b"extension=380441112233&destination=%2B380671112233");
        assert!(r.wire_headers().contains(&("Content-Length".to_string(), body.bytes.len().to_string())));
    }

    #[test]
    fn extended_callback_body_matches_the_page() {
        let mut req = ext();
        req.callee_type = Some(PartyType::Default);
        req.caller_type = Some(PartyType::Default);
        req.manager_first = Some(true);
        req.direction = Some(CallDirection::Outbound);
        req.client_ip = Some("10.10.10.10".into());
        req.utm_source = Some("ringostat".into());
        let r = extended_callback_request(&cfg(), &req, 777).unwrap();
        let body = String::from_utf8(r.body.unwrap().bytes).unwrap();
        assert_eq!(
            body,
            r#"{"jsonrpc":"2.0","id":777,"method":"Api\\V2\\Callback.external","params":{"callee_type":"default","caller_type":"default","caller":"380671112233","callee":"380632223344","manager_dst":1,"direction":"out","projectId":"11111","clientIp":"10.10.10.10","utmSource":"ringostat"}}"#
        );
        let minimal =
            String::from_utf8(extended_callback_request(&cfg(), &ext(), 1).unwrap().body.unwrap().bytes).unwrap();
        assert!(!minimal.contains("manager_dst") && !minimal.contains("utm"), "{minimal}");
    }

    #[test]
    fn scheme_callee_is_an_id() {
        let mut req = ext();
        req.callee = "1".into();
        assert!(extended_callback_request(&cfg(), &req, 1).is_err());
        req.callee_type = Some(PartyType::Scheme);
        assert!(extended_callback_request(&cfg(), &req, 1).is_ok());
        req.callee = "manager1".into();
        assert!(extended_callback_request(&cfg(), &req, 1).is_err(), "a scheme is an id");
    }

    #[test]
    fn an_employee_may_be_a_short_extension() {
        let mut req = ext();
        req.callee = "101".into();
        let body = String::from_utf8(extended_callback_request(&cfg(), &req, 5).unwrap().body.unwrap().bytes).unwrap();
        assert_eq!(
            body,
            r#"{"jsonrpc":"2.0","id":5,"method":"Api\\V2\\Callback.external","params":{"caller":"380671112233","callee":"101","projectId":"11111"}}"#
        );
        let r = simple_callback_request(&cfg(), "380441112233", "101").unwrap();
        assert_eq!(r.body.unwrap().bytes, b"extension=380441112233&destination=101");
        // The customer (`caller`) and the project's number (`extension`) stay phone numbers or logins.
        req.caller = "101".into();
        assert!(
            matches!(extended_callback_request(&cfg(), &req, 1), Err(Error::InvalidInput(f)) if f.field == "req.caller")
        );
        assert!(
            matches!(simple_callback_request(&cfg(), "101", "102"), Err(Error::InvalidInput(f)) if f.field == "extension")
        );
        for bad in ["1", "1234567890123456", "+101", "10 1", "a&b"] {
            assert!(
                matches!(simple_callback_request(&cfg(), "380441112233", bad), Err(Error::InvalidInput(f)) if f.field == "destination"),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_input_names_the_field() {
        let field = |r: Result<Request>| match r {
            Err(Error::InvalidInput(f)) => f.field,
            other => panic!("{other:?}"),
        };
        let mut c = cfg();
        c.auth_key = String::new();
        assert_eq!(field(sip_online_request(&c)), "cfg.auth-key");
        c.auth_key = "k\r\nX-Evil: 1".into();
        assert_eq!(field(sip_online_request(&c)), "cfg.auth-key");
        let mut c = cfg();
        c.base_url = Some("ftp://x".into());
        assert_eq!(field(sip_online_request(&c)), "cfg.base-url");
        assert_eq!(field(simple_callback_request(&cfg(), "12", "380671112233")), "extension");
        assert_eq!(field(simple_callback_request(&cfg(), "380441112233", "a b")), "destination");
        assert_eq!(field(smart_phone_online_request(&cfg(), "1&x=2", "t", false)), "project-id");
        let mut req = ext();
        req.client_ip = Some("not-an-ip".into());
        assert_eq!(field(extended_callback_request(&cfg(), &req, 1)), "req.client-ip");
    }

    #[test]
    fn edge_answers_and_escaped_bodies() {
        assert_eq!(decode_logins(&ok("[]")).unwrap(), Vec::<String>::new());
        for bad in [r#"["a",1]"#, r#"[null]"#, r#"["a"] x"#, r#""a""#, "", "[\"\\ud800\"]"] {
            assert!(matches!(decode_logins(&ok(bad)), Err(Error::Decode(_))), "{bad}");
        }
        let mut req = ext();
        req.utm_source = Some("a\"b\\\n\u{1}é/\u{7f}".into());
        req.client_user_agent = Some("Mozilla/5.0 (X11; \t)".into());
        req.manager_first = Some(false);
        req.direction = Some(CallDirection::Inbound);
        req.caller_type = Some(PartyType::Scheme);
        req.caller = "123".into();
        let body =
            String::from_utf8(extended_callback_request(&cfg(), &req, u64::MAX).unwrap().body.unwrap().bytes).unwrap();
        assert_eq!(
            body,
            "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551615,\"method\":\"Api\\\\V2\\\\Callback.external\",\"params\":{\"caller_type\":\"scheme\",\"caller\":\"123\",\"callee\":\"380632223344\",\"manager_dst\":0,\"direction\":\"in\",\"projectId\":\"11111\",\"utmSource\":\"a\\\"b\\\\\\n\\u0001é/\u{7f}\",\"clientUserAgent\":\"Mozilla/5.0 (X11; \\t)\"}}"
        );
    }

    #[test]
    fn decodes_logins_and_refusals() {
        assert_eq!(decode_logins(&ok(r#"["a","b"]"#)).unwrap(), vec!["a", "b"]);
        let online = decode_logins(&ok(example("ringostat.sip-online"))).unwrap();
        assert_eq!((online.len(), online[6].as_str()), (7, "supportrngst_manager7"));
        assert!(matches!(decode_logins(&ok("<html></html>")), Err(Error::Decode(_))));
        assert!(matches!(decode_logins(&ok(r#"{"a":1}"#)), Err(Error::Decode(_))));
        let accepted = decode_extended_callback(&ok(r#"{"jsonrpc":"2.0","id":"777","result":{"ok":true}}"#)).unwrap();
        assert_eq!((accepted.result.as_str(), accepted.id.as_deref()), (r#"{"ok":true}"#, Some("777")));
        match decode_extended_callback(&ok(
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid number"}}"#,
        )) {
            Err(Error::Provider(p)) => {
                assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, Some("-32602"), "Invalid number"))
            }
            other => panic!("{other:?}"),
        }
        assert!(decode_simple_callback(&ok(example("ringostat.simple-callback"))).is_ok());
        assert!(decode_simple_callback(&ok("")).is_ok());
        assert!(matches!(decode_simple_callback(&ok(r#"{"error":"Forbidden number"}"#)), Err(Error::Provider(_))));
    }
}

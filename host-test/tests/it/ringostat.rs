//! Ringostat through the component: the exact requests, the decoded
//! results, every error class, the input checks, and no leaked key.

use super::common::{assert_no_secret, session};
use host_test::bindings::exports::telephony::pbx::ringostat::{
    CallDirection, Config, ExtendedCallbackRequest, PartyType,
};
use host_test::kit::mock::{MockProvider, MockResponse, RecordedRequest};
use host_test::PbxError as Error;
use std::sync::Arc;
use std::time::Duration;

const KEY: &str = "rg-SECRET-auth-key-7f3a";

fn cfg() -> Config {
    Config {
        auth_key: KEY.into(),
        base_url: Some("http://127.0.0.1:9/".into()),
        timeout_ms: Some(2_000),
        max_body_bytes: None,
    }
}

fn default_cfg() -> Config {
    Config { auth_key: KEY.into(), base_url: None, timeout_ms: None, max_body_bytes: None }
}

fn ext(caller: &str, callee: &str) -> ExtendedCallbackRequest {
    ExtendedCallbackRequest {
        project_id: "11111".into(),
        caller: caller.into(),
        callee: callee.into(),
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

/// The headers of a request, `host` first as wasi-http sends it.
fn headers(r: &RecordedRequest) -> Vec<(&str, &str)> {
    r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

async fn sip_online(mock: &Arc<MockProvider>, cfg: Config) -> Result<Vec<String>, Error> {
    let mut s = session(mock).await;
    s.pbx.telephony_pbx_ringostat().call_sip_online(&mut s.store, &cfg).await.expect("no trap")
}

async fn extended(mock: &Arc<MockProvider>, req: ExtendedCallbackRequest) -> Result<(String, Option<String>), Error> {
    let mut s = session(mock).await;
    s.pbx
        .telephony_pbx_ringostat()
        .call_extended_callback(&mut s.store, &cfg(), &req)
        .await
        .expect("no trap")
        .map(|a| (a.result, a.id))
}

#[tokio::test]
async fn sip_online_sends_the_documented_get() {
    let mock = MockProvider::builtin();
    let logins = sip_online(&mock, default_cfg()).await.unwrap();
    assert_eq!(logins.len(), 7);
    assert_eq!(logins[0], "supportrngst_manager1");
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", "https://api.ringostat.net/sipstatus/online"));
    assert_eq!(headers(&r), vec![("host", "api.ringostat.net"), ("auth-key", KEY)]);
    assert!(r.body.is_empty());
    let thirty = Some(Duration::from_secs(30));
    assert_eq!(r.timeouts, [thirty, thirty, thirty], "default timeout-ms applies to every phase");
}

#[tokio::test]
async fn sip_speaking_and_timeouts_from_config() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let out = s.pbx.telephony_pbx_ringostat().call_sip_speaking(&mut s.store, &cfg()).await.unwrap().unwrap();
    assert_eq!(
        out,
        vec!["supportrngst_manager2", "supportrngst_manager4", "supportrngst_manager5", "supportrngst_manager7"]
    );
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", "http://127.0.0.1:9/sipstatus/speaking"));
    let two = Some(Duration::from_millis(2_000));
    assert_eq!(r.timeouts, [two, two, two]);
}

#[tokio::test]
async fn smart_phone_online_encodes_its_query() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let out = s
        .pbx
        .telephony_pbx_ringostat()
        .call_smart_phone_online(&mut s.store, &cfg(), "12345", "tok en&x=1", false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out, vec!["supportrngst_manager1"]);
    let r = mock.single();
    assert_eq!(
        r.path_and_query,
        "/sipstatus/online?project_id=12345&token=tok%20en%26x%3D1&withRspDoNotDisturbSips=false"
    );
    assert_eq!(headers(&r), vec![("host", "127.0.0.1:9"), ("auth-key", KEY)]);
    let mut s = session(&mock).await;
    let out =
        s.pbx.telephony_pbx_ringostat().call_smart_phone_online(&mut s.store, &cfg(), "1", "t", true).await.unwrap();
    assert_eq!(out.unwrap().len(), 2);
    assert!(mock.requests()[1].path_and_query.ends_with("withRspDoNotDisturbSips=true"));
}

#[tokio::test]
async fn simple_callback_posts_a_form_with_a_length() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    s.pbx
        .telephony_pbx_ringostat()
        .call_simple_callback(&mut s.store, &cfg(), "380441112233", "+380671112233")
        .await
        .unwrap()
        .unwrap();
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.path_and_query.as_str()), ("POST", "/callback/outward_call"));
    assert_eq!(r.body_text(), "extension=380441112233&destination=%2B380671112233");
    assert_eq!(
        headers(&r),
        vec![
            ("host", "127.0.0.1:9"),
            ("auth-key", KEY),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", "50"),
        ]
    );
}

/// The page lets `destination` and `callee` be "the phone number or SIP
/// account of the employee": a short extension number (`101`) goes out as
/// it is.
#[tokio::test]
async fn an_employee_extension_number_is_a_destination_and_a_callee() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringostat();
    r.call_simple_callback(&mut s.store, &cfg(), "380441112233", "101").await.unwrap().unwrap();
    let accepted = r.call_extended_callback(&mut s.store, &cfg(), &ext("380671112233", "1001")).await.unwrap().unwrap();
    assert_eq!(accepted.result, "true");
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].body_text(), "extension=380441112233&destination=101");
    let params: serde_json::Value = serde_json::from_slice(&log[1].body).unwrap();
    assert_eq!(params["params"], serde_json::json!({"caller": "380671112233", "callee": "1001", "projectId": "11111"}));
}

#[tokio::test]
async fn simple_callback_accepts_any_2xx_and_reads_error_members() {
    for (answer, ok) in [
        (MockResponse::json(200, r#"{"status":"ok"}"#), true),
        (MockResponse::new(204, "text/plain", ""), true),
        (MockResponse::json(200, r#"{"error":"outbound calls are forbidden"}"#), false),
    ] {
        let mock = MockProvider::always(answer);
        let mut s = session(&mock).await;
        let out = s
            .pbx
            .telephony_pbx_ringostat()
            .call_simple_callback(&mut s.store, &cfg(), "380441112233", "manager_1")
            .await
            .unwrap();
        assert_eq!(out.is_ok(), ok, "{out:?}");
    }
}

#[tokio::test]
async fn extended_callback_sends_json_rpc() {
    let mock = MockProvider::builtin();
    let mut req = ext("380671112233", "380632223344");
    req.callee_type = Some(PartyType::Default);
    req.caller_type = Some(PartyType::Default);
    req.manager_first = Some(true);
    req.direction = Some(CallDirection::Outbound);
    req.client_ip = Some("10.10.10.10".into());
    req.utm_source = Some("ringostat".into());
    req.utm_medium = Some("referral".into());
    req.utm_campaign = Some("extended_callback".into());
    req.utm_term = Some("test_api_request".into());
    req.utm_content = Some("content".into());
    req.client_id = Some("111111111.2222222222".into());
    req.client_user_agent = Some("Mozilla/5.0 (Windows NT 10.0; WOW64)".into());
    let (result, id) = extended(&mock, req).await.unwrap();
    assert_eq!(result, "true");
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.path_and_query.as_str()), ("POST", "/a/v2"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(id, Some(body["id"].to_string()), "the echoed id (a string) is returned");
    assert_eq!(
        body,
        serde_json::json!({
            "jsonrpc": "2.0", "id": body["id"].clone(), "method": "Api\\V2\\Callback.external",
            "params": {
                "callee_type": "default", "caller_type": "default", "caller": "380671112233", "callee": "380632223344",
                "manager_dst": 1, "direction": "out", "projectId": "11111", "clientIp": "10.10.10.10",
                "utmSource": "ringostat", "utmMedium": "referral", "utmCampaign": "extended_callback",
                "utmTerm": "test_api_request", "utmContent": "content", "clientId": "111111111.2222222222",
                "clientUserAgent": "Mozilla/5.0 (Windows NT 10.0; WOW64)"
            }
        })
    );
    assert!(body["id"].is_u64());
    assert!(r.body_text().contains(r#""method":"Api\\V2\\Callback.external""#), "one escaped backslash on the wire");
    assert_eq!(
        headers(&r),
        vec![
            ("host", "127.0.0.1:9"),
            ("auth-key", KEY),
            ("content-type", "application/json"),
            ("content-length", &r.body.len().to_string())
        ]
    );
}

#[tokio::test]
async fn extended_callback_minimal_and_inbound() {
    let mock = MockProvider::builtin();
    let mut req = ext("+380671112233", "manager.one@corp");
    req.direction = Some(CallDirection::Inbound);
    req.manager_first = Some(false);
    extended(&mock, req).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&mock.single().body).unwrap();
    assert_eq!(
        body["params"],
        serde_json::json!({"caller": "+380671112233", "callee": "manager.one@corp", "manager_dst": 0, "direction": "in", "projectId": "11111"})
    );
}

#[tokio::test]
async fn json_rpc_error_with_200_is_a_provider_error() {
    let mock = MockProvider::builtin();
    match extended(&mock, ext("380000000000", "380632223344")).await {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, Some("-32000"), "Invalid phone number"))
        }
        other => panic!("{other:?}"),
    }
}

/// Every error class, and the key is in none of them.
#[tokio::test]
async fn error_classes() {
    let big = vec![b'['; 17 * 1024 * 1024];
    type Expect = Box<dyn Fn(&Error) -> bool>;
    let cases: Vec<(MockResponse, Expect)> = vec![
        (
            MockResponse::json(400, r#"{"message":"callee is not valid"}"#),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 400 && p.message == "callee is not valid")),
        ),
        (
            MockResponse::json(401, r#"{"message":"Unauthorized"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Unauthorized")),
        ),
        (
            MockResponse::new(403, "text/plain", "Forbidden"),
            Box::new(|e| matches!(e, Error::Forbidden(m) if m == "Forbidden")),
        ),
        (
            MockResponse::json(404, r#"{"error":{"code":404,"message":"no such method"}}"#),
            Box::new(|e| matches!(e, Error::NotFound(m) if m == "no such method")),
        ),
        (
            MockResponse::json(429, "{}").header("retry-after", "120"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(120)))),
        ),
        (MockResponse::json(429, "{}"), Box::new(|e| matches!(e, Error::RateLimited(None)))),
        (
            MockResponse::new(500, "text/plain", "internal error"),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 500 && p.message == "internal error")),
        ),
        (
            MockResponse::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 502 && p.message.contains("HTML body"))),
        ),
        (
            MockResponse::html(200, "<!DOCTYPE html><html>login</html>"),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("HTML"))),
        ),
        (MockResponse::json(200, r#"["truncated"#), Box::new(|e| matches!(e, Error::Decode(_)))),
        (MockResponse::json(200, &big.len().to_string()).header("x", "y"), Box::new(|e| matches!(e, Error::Decode(_)))),
        (
            MockResponse::new(200, "application/json", big.clone()),
            Box::new(|e| matches!(e, Error::TooLarge(16_777_216))),
        ),
        (
            MockResponse::new(200, "application/json", big).header("content-length", "17825792"),
            Box::new(|e| matches!(e, Error::TooLarge(16_777_216))),
        ),
        (
            MockResponse::json(200, "[]").delayed(Duration::from_millis(2_500)),
            Box::new(|e| matches!(e, Error::Timeout)),
        ),
        (
            MockResponse::json(418, &format!(r#"{{"message":"bad key {KEY}"}}"#)),
            Box::new(|e| matches!(e, Error::Provider(p) if p.message == "bad key [redacted]")),
        ),
    ];
    for (answer, expected) in cases {
        let mock = MockProvider::always(answer.clone());
        let err = sip_online(&mock, cfg()).await.expect_err("must fail");
        assert!(expected(&err), "{} answered -> {err:?}", answer.status);
        assert_no_secret(&err, &[KEY]);
        assert_eq!(mock.requests().len(), 1, "sent once");
    }
}

/// A body that arrives in two frames is read whole; one that stalls longer
/// than `timeout-ms` between its frames is a timeout, not a hang.
#[tokio::test]
async fn a_stalling_body_is_a_timeout() {
    let body = r#"["supportrngst_manager1","supportrngst_manager2"]"#;
    let mock = MockProvider::always(MockResponse::json(200, body).trickled(Duration::from_millis(100)));
    assert_eq!(sip_online(&mock, cfg()).await.unwrap(), vec!["supportrngst_manager1", "supportrngst_manager2"]);
    let mock = MockProvider::always(MockResponse::json(200, body).trickled(Duration::from_secs(30)));
    let err = sip_online(&mock, Config { timeout_ms: Some(300), ..cfg() }).await.unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
}

#[tokio::test]
async fn a_dead_provider_is_a_transport_error() {
    let h = super::common::host();
    let mut s = h.instance(host_test::Transport::Network).await.unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let err = s.pbx.telephony_pbx_ringostat().call_sip_online(&mut s.store, &cfg()).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_no_secret(&err, &[KEY]);
}

/// Every input check refuses before sending anything, names the field,
/// and never quotes the key.
#[tokio::test]
async fn bad_input_sends_nothing() {
    let mock = MockProvider::builtin();
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = cfg();
        f(&mut c);
        c
    };
    let bad_cfgs = [
        (with(&|c| c.auth_key = String::new()), "cfg.auth-key"),
        (with(&|c| c.auth_key = format!("{KEY}\r\nX-Injected: 1")), "cfg.auth-key"),
        (with(&|c| c.auth_key = format!("{KEY}\n")), "cfg.auth-key"),
        (with(&|c| c.auth_key = format!("{KEY}\0")), "cfg.auth-key"),
        (with(&|c| c.base_url = Some("ftp://api.ringostat.net".into())), "cfg.base-url"),
        (with(&|c| c.base_url = Some("api.ringostat.net".into())), "cfg.base-url"),
        (with(&|c| c.base_url = Some("https://api.ringostat.net\r\n".into())), "cfg.base-url"),
        (with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms"),
    ];
    for (c, field) in bad_cfgs {
        match sip_online(&mock, c).await {
            Err(Error::InvalidInput(f)) => {
                assert_eq!(f.field, field);
                assert_no_secret(&f, &[KEY]);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringostat();
    for (ext_no, dest, field) in [
        ("12345", "380671112233", "extension"),
        ("+38 044 111", "380671112233", "extension"),
        ("manager1", "380671112233", "extension"),
        ("380441112233", "3806711122334455", "destination"),
        ("380441112233", "1", "destination"),
        ("380441112233", "+101", "destination"),
        ("380441112233", "a b", "destination"),
        ("380441112233", "x\r\ny", "destination"),
        ("380441112233", "", "destination"),
    ] {
        let out = r.call_simple_callback(&mut s.store, &cfg(), ext_no, dest).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{ext_no}/{dest}: {out:?}");
    }
    for (pid, token, field) in
        [("", "t", "project-id"), ("1&a=b", "t", "project-id"), ("1", "", "token"), ("1", "t\r\n", "token")]
    {
        let out = r.call_smart_phone_online(&mut s.store, &cfg(), pid, token, false).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{pid}/{token}: {out:?}");
    }
    let bad_ext = [
        (ext("380671112233", "1"), "req.callee"),
        (ext("380671112233", "1234567890123456"), "req.callee"),
        (ext("101", "manager1"), "req.caller"),
        (ext("12", "manager1"), "req.caller"),
        (ExtendedCallbackRequest { project_id: "abc".into(), ..ext("380671112233", "manager1") }, "req.project-id"),
        (
            ExtendedCallbackRequest { client_ip: Some("1.2.3.4\r\n".into()), ..ext("380671112233", "manager1") },
            "req.client-ip",
        ),
        (
            ExtendedCallbackRequest { callee_type: Some(PartyType::Scheme), ..ext("380671112233", "scheme-a") },
            "req.callee",
        ),
    ];
    for (req, field) in bad_ext {
        let out = r.call_extended_callback(&mut s.store, &cfg(), &req).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{field}: {out:?}");
    }
    assert!(mock.requests().is_empty(), "nothing was sent: {:?}", mock.requests());
}

#[tokio::test]
async fn the_token_of_smart_phone_is_redacted_too() {
    let token = "SMART-TOKEN-991";
    let mock = MockProvider::always(MockResponse::json(
        400,
        &format!(r#"{{"message":"token {token} expired for key {KEY}"}}"#),
    ));
    let mut s = session(&mock).await;
    let err = s
        .pbx
        .telephony_pbx_ringostat()
        .call_smart_phone_online(&mut s.store, &cfg(), "1", token, true)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.message == "token [redacted] expired for key [redacted]"),
        "{err:?}"
    );
}

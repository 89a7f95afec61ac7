//! Native tests of the pure parts: exact requests, decoding, status
//! mapping, the token cache and its expiry, input checks.

use super::auth::{self, authorize, forget, is_fresh, lookup, remember, token_request, CacheKey, CachedToken};
use super::decode::*;
use super::requests::*;
use crate::bindings::exports::telephony::pbx::ringme::AppCredentials;
use crate::bindings::exports::telephony::pbx::ringme::*;
use crate::error::Result;
use crate::fixtures::example;
use crate::http::Method;
use crate::http::Response;
use crate::prelude::*;
use crate::Error;

const SECRET: &str = "s3cr3t/&=+ value";

fn creds() -> AppCredentials {
    AppCredentials { client_id: "app-1".into(), client_secret: SECRET.into() }
}

fn cfg(auth: Auth) -> Config {
    Config { base_url: "https://apiproxy.telphin.ru".into(), auth, timeout_ms: None, max_body_bytes: None }
}

fn api() -> Api {
    Api::new(&cfg(Auth::App(creds()))).unwrap()
}

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    Response {
        status,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn ok(body: &str) -> Response {
    resp(200, &[("content-type", "application/json")], body)
}

fn field<T: core::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(Error::InvalidInput(f)) => f.field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn token_request_is_a_form_post() {
    let r = token_request(&api(), &creds());
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.target.to_url(), "https://apiproxy.telphin.ru/oauth/token");
    let body = r.body.as_ref().unwrap();
    assert_eq!(body.content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        String::from_utf8(body.bytes.clone()).unwrap(),
        "grant_type=client_credentials&client_id=app-1&client_secret=s3cr3t%2F%26%3D%2B+value"
    );
    assert_eq!(r.wire_headers().len(), 2, "no Authorization on the token request");
    assert!(!format!("{r:?}").contains("s3cr3t"));
}

#[test]
fn calls_carry_the_bearer_token_and_keep_a_prefix() {
    let r = authorize(client_info_request(&api(), None).unwrap(), "TOK");
    assert_eq!(
        (r.method, r.target.to_url().as_str()),
        (Method::Get, "https://apiproxy.telphin.ru/api/ver1.0/client/@me/client/")
    );
    assert_eq!(r.wire_headers(), vec![("Authorization".to_string(), "Bearer TOK".to_string())]);
    let mut c = cfg(Auth::Bearer("t".into()));
    c.base_url = "http://127.0.0.1:8080/proxy/".into();
    c.timeout_ms = Some(1234);
    let a = Api::new(&c).unwrap();
    let r = client_info_request(&a, Some("42")).unwrap();
    assert_eq!(r.target.to_url(), "http://127.0.0.1:8080/proxy/api/ver1.0/client/42/client/");
    assert_eq!(r.timeout_ms, 1234);
    assert_eq!(token_request(&a, &creds()).target.to_url(), "http://127.0.0.1:8080/proxy/oauth/token");
}

fn no_changes() -> ClientUpdate {
    ClientUpdate {
        dial_rule_id: None,
        disk_space_notify_email: None,
        disk_space_notify_threshold: None,
        geo_list: None,
        hold_music: None,
        sip_network_permission_id: None,
        timezone: None,
        clear: None,
    }
}

#[test]
fn update_sends_only_the_set_fields() {
    let changes = ClientUpdate { dial_rule_id: Some(7), timezone: Some("Europe/Moscow".into()), ..no_changes() };
    let r = update_client_request(&api(), Some("@me"), &changes).unwrap();
    assert_eq!((r.method, r.target.path_and_query.as_str()), (Method::Put, "/api/ver1.0/client/@me/client/"));
    let body = r.body.as_ref().unwrap();
    assert_eq!(body.content_type, "application/json");
    assert_eq!(body.bytes, br#"{"dial_rule_id":7,"timezone":"Europe/Moscow"}"#);
    let all = ClientUpdate {
        dial_rule_id: Some(1),
        disk_space_notify_email: Some("a@b.c".into()),
        disk_space_notify_threshold: Some(90),
        geo_list: Some("RU US".into()),
        hold_music: Some(3),
        sip_network_permission_id: Some(4),
        timezone: Some("UTC".into()),
        clear: None,
    };
    let r = update_client_request(&api(), None, &all).unwrap();
    assert_eq!(
        String::from_utf8(r.body.unwrap().bytes).unwrap(),
        r#"{"dial_rule_id":1,"disk_space_notify_email":"a@b.c","disk_space_notify_threshold":90,"geo_list":"RU US","hold_music":3,"sip_network_permission_id":4,"timezone":"UTC"}"#
    );
    assert_eq!(field(update_client_request(&api(), None, &no_changes())), "changes");
    let bad = ClientUpdate { geo_list: Some("RU\r\nX".into()), ..no_changes() };
    assert_eq!(field(update_client_request(&api(), None, &bad)), "changes.geo-list");
}

#[test]
fn update_clears_fields_with_null() {
    use ClientField as F;
    let every =
        vec![F::SipNetworkPermissionId, F::HoldMusic, F::GeoList, F::DiskSpaceNotifyThreshold, F::DiskSpaceNotifyEmail];
    let changes =
        ClientUpdate { dial_rule_id: Some(7), timezone: Some("UTC".into()), clear: Some(every), ..no_changes() };
    let r = update_client_request(&api(), None, &changes).unwrap();
    assert_eq!(
        String::from_utf8(r.body.unwrap().bytes).unwrap(),
        r#"{"dial_rule_id":7,"disk_space_notify_email":null,"disk_space_notify_threshold":null,"geo_list":null,"hold_music":null,"sip_network_permission_id":null,"timezone":"UTC"}"#
    );
    let only_clear = ClientUpdate { clear: Some(vec![F::GeoList, F::GeoList]), ..no_changes() };
    let r = update_client_request(&api(), Some("12"), &only_clear).unwrap();
    assert_eq!((r.method, r.target.path_and_query.as_str()), (Method::Put, "/api/ver1.0/client/12/client/"));
    assert_eq!(r.body.unwrap().bytes, br#"{"geo_list":null}"#);
    let both = ClientUpdate { hold_music: Some(3), clear: Some(vec![F::HoldMusic]), ..no_changes() };
    assert_eq!(field(update_client_request(&api(), None, &both)), "changes.clear");
    assert_eq!(
        field(update_client_request(&api(), None, &ClientUpdate { clear: Some(vec![]), ..no_changes() })),
        "changes"
    );
}

#[test]
fn lists_and_click_to_call() {
    let r = extensions_request(&api(), None, Some(2), Some(50)).unwrap();
    assert_eq!(r.target.path_and_query, "/api/ver1.0/client/@me/extension/?page=2&per_page=50");
    assert_eq!(
        extensions_request(&api(), Some("12"), None, None).unwrap().target.path_and_query,
        "/api/ver1.0/client/12/extension/"
    );
    assert_eq!(field(extensions_request(&api(), None, Some(0), None)), "page");
    assert_eq!(field(extensions_request(&api(), None, None, Some(0))), "per-page");

    let q = CallHistoryQuery {
        start_datetime: Some("2021-01-01 00:00:00".into()),
        end_datetime: Some("2021-01-31 23:59:59".into()),
        page: Some(1),
        per_page: None,
    };
    let r = call_history_request(&api(), None, &q).unwrap();
    assert_eq!(
        r.target.path_and_query,
        "/api/ver1.0/client/@me/call_history/?start_datetime=2021-01-01%2000%3A00%3A00&end_datetime=2021-01-31%2023%3A59%3A59&page=1"
    );
    let swapped = CallHistoryQuery {
        start_datetime: q.end_datetime.clone(),
        end_datetime: q.start_datetime.clone(),
        ..q.clone()
    };
    assert_eq!(field(call_history_request(&api(), None, &swapped)), "query.end-datetime");
    for bad in
        ["2021-01-01", "2021-01-01T00:00:00", "2021-13-01 00:00:00", "2021-01-01 24:00:00", "2021-01-01 00:00:00&x=1"]
    {
        let q = CallHistoryQuery { start_datetime: Some(bad.into()), end_datetime: None, page: None, per_page: None };
        assert_eq!(field(call_history_request(&api(), None, &q)), "query.start-datetime", "{bad}");
    }

    let req =
        CallbackRequest { src_num: vec!["0001*101".into(), "+79001234567".into()], dst_num: "84951234567".into() };
    let r = click_to_call_request(&api(), 469100, &req).unwrap();
    assert_eq!((r.method, r.target.path_and_query.as_str()), (Method::Post, "/api/ver1.0/extension/469100/callback/"));
    assert_eq!(r.body.unwrap().bytes, br#"{"src_num":["0001*101","+79001234567"],"dst_num":"84951234567"}"#);
    assert_eq!(field(click_to_call_request(&api(), 0, &req)), "extension-id");
    let empty = CallbackRequest { src_num: vec![], dst_num: "1".into() };
    assert_eq!(field(click_to_call_request(&api(), 1, &empty)), "req.src-num");
    let bad = CallbackRequest { src_num: vec!["1 2".into()], dst_num: "1".into() };
    assert_eq!(field(click_to_call_request(&api(), 1, &bad)), "req.src-num");
    let bad = CallbackRequest { src_num: vec!["1".into()], dst_num: "1/../x".into() };
    assert_eq!(field(click_to_call_request(&api(), 1, &bad)), "req.dst-num");
}

#[test]
fn config_and_path_checks() {
    for bad in ["", "me", "1/2", "1?a", "1#", "%31", " 1", "12a"] {
        assert_eq!(field(client_info_request(&api(), Some(bad))), "client-id", "{bad:?}");
    }
    assert!(client_segment(Some("@me")).is_ok());
    assert_eq!(
        field(Api::new(&Config { base_url: "apiproxy.telphin.ru".into(), ..cfg(Auth::Bearer("t".into())) })),
        "cfg.base-url"
    );
    assert_eq!(field(Api::new(&Config { timeout_ms: Some(0), ..cfg(Auth::Bearer("t".into())) })), "cfg.timeout-ms");
    assert_eq!(field(check_auth(&Auth::Bearer(String::new()))), "cfg.auth.bearer");
    assert_eq!(field(check_auth(&Auth::Bearer("t\r\nX: y".into()))), "cfg.auth.bearer");
    let app = |id: &str, secret: &str| Auth::App(AppCredentials { client_id: id.into(), client_secret: secret.into() });
    assert_eq!(field(check_auth(&app("", "s"))), "cfg.auth.app.client-id");
    assert_eq!(field(check_auth(&app("i", ""))), "cfg.auth.app.client-secret");
    assert_eq!(field(check_auth(&app("i", "s\n"))), "cfg.auth.app.client-secret");
    assert!(check_auth(&app("i", "s")).is_ok());
    // Past the longest secret redaction searches for: refused, named.
    let long = "s".repeat(crate::redact::MAX_SECRET_BYTES + 1);
    assert_eq!(field(check_auth(&Auth::Bearer(long.clone()))), "cfg.auth.bearer");
    assert_eq!(field(check_auth(&app("i", &long))), "cfg.auth.app.client-secret");
    assert_eq!(field(check_auth(&app(&long, "s"))), "cfg.auth.app.client-id");
    assert!(check_auth(&Auth::Bearer(long[1..].into())).is_ok());
}

#[test]
fn decodes_the_pages_example() {
    let c = decode_client(&ok(example("ringme.client"))).unwrap();
    assert_eq!(c.id, 12);
    assert_eq!(c.domain.as_deref(), Some("sip.ringme.ru"));
    assert_eq!(c.create_date.as_deref(), Some("2020-03-16 09:29:57"));
    assert_eq!((c.hold_music, c.sip_network_permission_id, c.disk_space_notify_threshold), (None, None, None));
    assert_eq!(c.prefix.as_deref(), Some("0001"));
    assert_eq!((c.record_stereo, c.reg_status_log), (Some(false), Some(false)));
    assert_eq!((c.ambassadors.as_deref(), c.contact_phones.as_deref(), c.fact_address.as_deref()), (None, None, None));
    assert_eq!(c.dial_rule_id, Some(19));
    assert_eq!(c.type_.as_deref(), Some("J"));
    assert_eq!(c.email.as_deref(), Some("admin@domain.com"));
    assert_eq!(c.extension_len, Some(3));
    assert_eq!(c.did_as_transfer_caller_id.as_deref(), Some("default"));
    assert_eq!(
        (c.language.as_deref(), c.jur_address.as_deref(), c.extra_params.as_deref(), c.geo_list.as_deref()),
        (None, None, None, None)
    );
    assert_eq!(c.record_format.as_deref(), Some("mp3"));
    assert_eq!(c.short_local_caller_id.as_deref(), Some("yes"));
    assert_eq!(c.timezone.as_deref(), Some("Europe/Moscow"));
    assert_eq!(c.disk_space_notify_email, None);
}

#[test]
fn extension_len_as_number_or_string() {
    let with = |v: &str| decode_client(&ok(&format!(r#"{{"id": 1, "extension_len": {v}, "unknown": [1]}}"#)));
    assert_eq!(with("3").unwrap().extension_len, Some(3));
    assert_eq!(with(r#""4""#).unwrap().extension_len, Some(4));
    assert_eq!(with(r#"" 5 ""#).unwrap().extension_len, Some(5));
    assert_eq!(with(r#""""#).unwrap().extension_len, None);
    assert_eq!(with("null").unwrap().extension_len, None);
    for bad in [r#""three""#, "-1", "3.5", "true", "4294967296"] {
        assert!(matches!(with(bad), Err(Error::Decode(ref m)) if m.contains("extension_len")), "{bad}");
    }
    assert!(matches!(decode_client(&ok(r#"{"name":"x"}"#)), Err(Error::Decode(m)) if m.contains("`id` is missing")));
    assert!(matches!(decode_client(&ok(r#"{"id":1,"record_stereo":"maybe"}"#)), Err(Error::Decode(_))));
    assert!(matches!(decode_client(&ok("[]")), Err(Error::Decode(_))));
    assert!(
        matches!(decode_client(&resp(200, &[("content-type", "text/html")], "<html>login</html>")), Err(Error::Decode(m)) if m.contains("HTML"))
    );
    let c = decode_client(&ok(r#"{"id":"12","record_stereo":"true","reg_status_log":1,"prefix":1}"#)).unwrap();
    assert_eq!((c.id, c.record_stereo, c.reg_status_log, c.prefix.as_deref()), (12, Some(true), Some(true), Some("1")));
}

#[test]
fn decodes_tokens() {
    let t =
        decode_token(&ok(r#"{"access_token":"abc","token_type":"Bearer","expires_in":3600,"scope":"all"}"#)).unwrap();
    assert_eq!(
        (t.access_token.as_str(), t.token_type.as_str(), t.expires_in, t.scope.as_deref()),
        ("abc", "Bearer", 3600, Some("all"))
    );
    let t = decode_token(&ok(r#"{"access_token":"abc","expires_in":"120"}"#)).unwrap();
    assert_eq!((t.token_type.as_str(), t.expires_in, t.scope), ("Bearer", 120, None));
    assert_eq!(decode_token(&ok(r#"{"access_token":"abc"}"#)).unwrap().expires_in, 0);
    let err = decode_token(&ok(r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#));
    assert!(matches!(err, Err(Error::Unauthorized(ref m)) if m == "Client authentication failed"), "{err:?}");
    for body in [
        r#"{"access_token":"TOPSECRET","expires_in":"soon"}"#,
        r#"{"access_token":"TOP SECRET"}"#,
        r#"<html>TOPSECRET</html>"#,
        "TOPSECRET",
    ] {
        let err = decode_token(&ok(body)).unwrap_err();
        assert!(matches!(err, Error::Decode(_)) && !format!("{err:?}").contains("SECRET"), "{body}: {err:?}");
    }
    let err = decode_token(&resp(
        401,
        &[],
        r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
    ));
    assert!(matches!(err, Err(Error::Unauthorized(ref m)) if m == "Client authentication failed"));
}

#[test]
fn statuses_map_to_errors() {
    let e = |r: Response| check_status(&r).unwrap_err();
    assert!(
        matches!(e(resp(401, &[], r#"{"error":"invalid_token","error_description":"Token expired"}"#)), Error::Unauthorized(m) if m == "Token expired")
    );
    assert!(
        matches!(e(resp(400, &[], r#"{"error":"invalid_grant"}"#)), Error::Unauthorized(m) if m == "invalid_grant")
    );
    assert!(
        matches!(e(resp(401, &[], r#"{"message":"Unauthorized"}"#)), Error::Unauthorized(m) if m == "Unauthorized")
    );
    assert!(matches!(e(resp(403, &[], r#"{"message":"Access denied"}"#)), Error::Forbidden(m) if m == "Access denied"));
    assert!(
        matches!(e(resp(404, &[], r#"{"message":"Record not found"}"#)), Error::NotFound(m) if m == "Record not found")
    );
    assert!(matches!(
        e(resp(429, &[("X-RateLimit-Reset", "1800"), ("Retry-After", "5")], "{}")),
        Error::RateLimited(Some(1800))
    ));
    assert!(matches!(e(resp(429, &[("Retry-After", "5")], "{}")), Error::RateLimited(Some(5))));
    assert!(matches!(e(resp(429, &[], "")), Error::RateLimited(None)));
    match e(resp(400, &[], r#"{"message":"timezone is invalid"}"#)) {
        Error::Provider(p) => assert_eq!((p.status, p.code, p.message.as_str()), (400, None, "timezone is invalid")),
        other => panic!("{other:?}"),
    }
    match e(resp(503, &[], r#"{"error":"temporarily_unavailable","error_description":"later"}"#)) {
        Error::Provider(p) => assert_eq!(
            (p.status, p.code.as_deref(), p.message.as_str()),
            (503, Some("temporarily_unavailable"), "later")
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(e(resp(502, &[("content-type", "text/html")], "<html>bad gateway</html>")), Error::Provider(p) if p.message.contains("HTML"))
    );
    assert!(check_status(&resp(204, &[], "")).is_ok());
}

#[test]
fn decodes_the_other_resources() {
    let ext = decode_extensions(&ok(r#"[{"id":469100,"name":"0001*101","status":"active","type":"phone","label":null,"x":{"y":1}},{"id":"5","type":7}]"#)).unwrap();
    assert_eq!(ext.len(), 2);
    assert_eq!(
        (ext[0].id, ext[0].name.as_deref(), ext[0].status.as_deref(), ext[0].type_.as_deref(), ext[0].label.as_deref()),
        (469100, Some("0001*101"), Some("active"), Some("phone"), None)
    );
    assert!(ext[0].raw.contains(r#""x":{"y":1}"#));
    assert_eq!((ext[1].id, ext[1].type_.as_deref()), (5, Some("7")));
    assert!(matches!(decode_extensions(&ok(r#"{"id":1}"#)), Err(Error::Decode(_))));
    assert!(matches!(decode_extensions(&ok(r#"[{"name":"x"}]"#)), Err(Error::Decode(_))));

    let cb = decode_callback(&ok(r#"{"call_api_id":"02abb9ee","call_id":"02abb9ef"}"#)).unwrap();
    assert_eq!((cb.call_api_id.as_str(), cb.call_id.as_deref()), ("02abb9ee", Some("02abb9ef")));
    assert!(matches!(decode_callback(&ok("{}")), Err(Error::Decode(_))));

    let row = r#"{"call_uuid":"CAA3","flow":"out","from_username":"100*0111","to_username":"+71111111111","result":"bridged","duration":37,"bridged_duration":"24","hangup_cause":"NORMAL_CLEARING","hangup_disposition":"caller_bye","extension_id":469100,"did_number":null,"init_time_gmt":"2021-01-01 16:29:38","cdr":[{"result":"answered"}]}"#;
    let page =
        decode_call_history(&ok(&format!(r#"{{"page":1,"per_page":20,"order":"desc","call_history":[{row}]}}"#)))
            .unwrap();
    assert_eq!((page.page, page.per_page, page.order.as_deref()), (Some(1), Some(20), Some("desc")));
    let c = &page.calls[0];
    assert_eq!(
        (c.call_uuid.as_deref(), c.flow.as_deref(), c.result.as_deref()),
        (Some("CAA3"), Some("out"), Some("bridged"))
    );
    assert_eq!(
        (c.duration, c.bridged_duration, c.extension_id, c.did_number.as_deref()),
        (Some(37), Some(24), Some(469100), None)
    );
    assert!(c.raw.contains(r#""cdr":[{"result":"answered"}]"#));
    let bare = decode_call_history(&ok(&format!("[{row}]"))).unwrap();
    assert_eq!((bare.page, bare.calls.len()), (None, 1));
    let odd = decode_call_history(&ok(r#"{"call_history":[{"duration":"long","extension_id":[]}]}"#)).unwrap();
    assert_eq!((odd.calls[0].duration, odd.calls[0].extension_id), (None, None), "lenient: other types are none");
    assert!(matches!(decode_call_history(&ok(r#"{"calls":[]}"#)), Err(Error::Decode(_))));
}

#[test]
fn freshness_keeps_a_sixty_second_margin() {
    const S: u64 = 1_000_000_000;
    assert!(is_fresh(0, 3600, 0));
    assert!(is_fresh(10 * S, 3600, (10 + 3539) * S));
    assert!(!is_fresh(10 * S, 3600, (10 + 3540) * S));
    assert!(!is_fresh(0, 60, 0), "60 s or less: never reused");
    assert!(!is_fresh(0, 30, 0));
    assert!(is_fresh(0, 61, 0) && !is_fresh(0, 61, S));
    assert!(is_fresh(5 * S, 3600, 0), "a clock that went back does not expire it");
}

fn token(t: &str, expires_in: u32) -> Token {
    Token { access_token: t.into(), token_type: "Bearer".into(), expires_in, scope: None }
}

#[test]
fn the_cache_is_per_application() {
    let a = api();
    let key = CacheKey::new(&a, &creds());
    let other_secret = CacheKey::new(&a, &AppCredentials { client_secret: "other".into(), ..creds() });
    let other_id = CacheKey::new(&a, &AppCredentials { client_id: "app-2".into(), ..creds() });
    let other_host = CacheKey::new(
        &Api::new(&Config { base_url: "https://other.example".into(), ..cfg(Auth::App(creds())) }).unwrap(),
        &creds(),
    );
    let mut cache: Vec<CachedToken> = Vec::new();
    remember(&mut cache, &key, &token("T1", 3600), 0);
    assert_eq!(lookup(&cache, &key, 1).as_deref(), Some("T1"));
    for k in [&other_secret, &other_id, &other_host] {
        assert_eq!(lookup(&cache, k, 1), None);
    }
    remember(&mut cache, &key, &token("T2", 3600), 0);
    assert_eq!((cache.len(), lookup(&cache, &key, 1).as_deref()), (1, Some("T2")));
    remember(&mut cache, &key, &token("T3", 30), 0);
    assert_eq!(lookup(&cache, &key, 0), None, "short-lived tokens replace, never cached");
    remember(&mut cache, &key, &token("T4", 3600), 0);
    forget(&mut cache, &key);
    assert!(cache.is_empty());
    for i in 0..20 {
        let k = CacheKey::new(&a, &AppCredentials { client_id: format!("app-{i}"), ..creds() });
        remember(&mut cache, &k, &token("T", 3600), 0);
    }
    assert_eq!(cache.len(), 8);
    remember(&mut cache, &key, &token("TOKEN-XYZ", 3600), 0);
    let dbg = format!("{cache:?}");
    assert!(!dbg.contains("TOKEN-XYZ") && !dbg.contains("s3cr3t"), "{dbg}");
}

#[test]
fn run_refuses_bad_input_before_anything_and_redacts() {
    let out = auth::run(&cfg(Auth::Bearer("t\n".into())), |_| Ok(()));
    assert_eq!(field(out), "cfg.auth.bearer");
    let out: Result<()> = auth::run(&cfg(Auth::App(creds())), |_| Err(Error::Transport(format!("echo {SECRET}"))));
    assert!(matches!(out, Err(Error::Transport(ref m)) if m == "echo [redacted]"), "{out:?}");
    let out: Result<()> =
        auth::run(&cfg(Auth::Bearer("BEARER-1".into())), |_| Err(Error::NotFound("BEARER-1 x".into())));
    assert!(matches!(out, Err(Error::NotFound(ref m)) if m == "[redacted] x"));
    // Natively nothing can be sent: the token fetch fails as transport.
    let out: Result<Response> = auth::run(&cfg(Auth::App(creds())), |s| s.call(client_info_request(s.api(), None)?));
    assert!(matches!(out, Err(Error::Transport(_))));
}

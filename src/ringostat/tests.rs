//! Ringostat's pure parts: requests (exact bytes), decoders, the export's
//! query checks and range splitting.

use super::decode::*;
use super::export::*;
use super::requests::*;
use crate::bindings::exports::telephony::pbx::ringostat::*;
use crate::error::Result;
use crate::fixtures::example;
use crate::http::{Method, Request, Response};
use crate::prelude::*;
use crate::validate;
use crate::Error;
use serde_json::Value;

fn cfg() -> Config {
    Config { auth_key: "KEY-123".into(), base_url: None, timeout_ms: None, max_body_bytes: None }
}

fn ok(body: &str) -> Response {
    Response { status: 200, headers: vec![("content-type".into(), b"application/json".to_vec())], body: body.into() }
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
    assert_eq!(r.target.path_and_query, "/sipstatus/online?project_id=42&token=t%20o%26k&withRspDoNotDisturbSips=true");
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
    let minimal = String::from_utf8(extended_callback_request(&cfg(), &ext(), 1).unwrap().body.unwrap().bytes).unwrap();
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

fn query(from: &str, to: &str) -> CallLogExportQuery {
    CallLogExportQuery { from: from.into(), to: to.into(), fields: vec![], filters: None, order: None }
}

#[test]
fn the_request_carries_every_parameter() {
    let mut q = query("2024-05-01 00:00:00", "2024-05-31 23:59:59");
    let p = plan(&q).unwrap();
    let r = calls_list_request(&cfg(), &p, p.from, p.to).unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(
        r.target.to_url(),
        "https://api.ringostat.net/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A00&to=2024-05-31%2023%3A59%3A59\
&fields=calldate%2Ccaller%2Cdst%2Cdisposition%2Cduration%2Cbillsec%2Cwaittime%2Ccall_type%2Cuniqueid%2Cconnected_with\
%2Crecording%2Cemployee_fio%2Cutm_source%2Cutm_medium%2Cutm_campaign%2Cutm_content%2Cutm_term"
    );
    assert_eq!(r.wire_headers(), vec![("Auth-key".to_string(), "KEY-123".to_string())]);
    q.fields = vec!["calldate".into(), "uniqueid".into()];
    q.filters = Some("utm_campaign=brand".into());
    q.order = Some(CallOrder::NewestFirst);
    let p = plan(&q).unwrap();
    let r = calls_list_request(&cfg(), &p, p.from + 1, p.from + 2).unwrap();
    assert_eq!(
        r.target.path_and_query,
        "/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A01&to=2024-05-01%2000%3A00%3A02\
&fields=calldate%2Cuniqueid&filters=utm_campaign%3Dbrand&order=calldate%20desc"
    );
    q.order = Some(CallOrder::OldestFirst);
    let r = calls_list_request(&cfg(), &plan(&q).unwrap(), 0, 0).unwrap();
    assert!(r.target.path_and_query.ends_with("&order=calldate%20asc"), "{}", r.target.path_and_query);
}

#[test]
fn bad_queries_name_the_field() {
    let field = |q: CallLogExportQuery| match plan(&q) {
        Err(Error::InvalidInput(f)) => f.field,
        _ => panic!("accepted"),
    };
    assert_eq!(field(query("2024-05-01", "2024-05-02 00:00:00")), "query.from");
    assert_eq!(field(query("2024-05-01 00:00:00", "2024-02-30 00:00:00")), "query.to");
    assert_eq!(field(query("2024-05-02 00:00:00", "2024-05-01 00:00:00")), "query.to");
    let mut q = query("2024-05-01 00:00:00", "2024-05-01 00:00:00");
    q.fields = vec!["calldate".into(), "a,b".into()];
    assert_eq!(field(q.clone()), "query.fields");
    q.fields = vec![String::new()];
    assert_eq!(field(q.clone()), "query.fields");
    q.fields = vec![];
    q.filters = Some("a=1\r\nX: y".into());
    assert_eq!(field(q.clone()), "query.filters");
    q.filters = Some(" ".into());
    assert_eq!(field(q), "query.filters");
}

#[test]
fn decodes_every_documented_field() {
    let row = r#"{"calldate":"2024-05-01 10:00:00","caller":"380671112233","dst":"380441112233","disposition":"ANSWERED",
        "duration":"57","billsec":42,"waittime":"15","call_type":"in","uniqueid":"1714550400.12",
        "connected_with":"supportrngst_manager1","recording":"https://rec.example/1.mp3","employee_fio":"Jo Do",
        "utm_source":"google","utm_medium":"cpc","utm_campaign":"brand","utm_content":"ad1","utm_term":"pbx",
        "department":"Sales"}"#;
    let calls = decode_calls(&ok(&format!("[{row}]"))).unwrap();
    let c = &calls[0];
    assert_eq!(
        (c.calldate.as_deref(), c.caller.as_deref(), c.dst.as_deref(), c.disposition.as_deref()),
        (Some("2024-05-01 10:00:00"), Some("380671112233"), Some("380441112233"), Some("ANSWERED"))
    );
    assert_eq!((c.duration, c.billsec, c.waittime), (Some(57), Some(42), Some(15)));
    assert_eq!((c.call_type.as_deref(), c.uniqueid.as_deref()), (Some("in"), Some("1714550400.12")));
    assert_eq!(
        (c.connected_with.as_deref(), c.recording.as_deref(), c.employee_fio.as_deref()),
        (Some("supportrngst_manager1"), Some("https://rec.example/1.mp3"), Some("Jo Do"))
    );
    assert_eq!(
        [&c.utm_source, &c.utm_medium, &c.utm_campaign, &c.utm_content, &c.utm_term].map(|u| u.as_deref()),
        [Some("google"), Some("cpc"), Some("brand"), Some("ad1"), Some("pbx")]
    );
    let raw: Value = serde_json::from_str(&c.raw).unwrap();
    assert_eq!(raw["department"], "Sales");
    assert_eq!(raw, serde_json::from_str::<Value>(row).unwrap());
    // Absent, null and mistyped fields are none; the row keeps them.
    let c = &decode_calls(&ok(r#"[{"duration":null,"billsec":"x","uniqueid":7}]"#)).unwrap()[0];
    assert_eq!((c.duration, c.billsec, c.uniqueid.as_deref(), c.calldate.as_deref()), (None, None, Some("7"), None));
    assert!(decode_calls(&ok("[]")).unwrap().is_empty());
    // The documented log: string numbers, and nulls for the UTM fields of an outgoing call.
    let calls = decode_calls(&ok(example("ringostat.calls-list"))).unwrap();
    let c = &calls[2];
    let got = (calls.len(), c.uniqueid.as_deref(), c.duration, c.billsec);
    assert_eq!(got, (3, Some("1714568744.103"), Some(185), Some(171)));
    assert_eq!((c.utm_source.as_deref(), c.utm_term.as_deref()), (None, None));
}

#[test]
fn odd_answers_are_typed() {
    for bad in ["", "{}", "[1]", "<html></html>", "[{]"] {
        assert!(matches!(decode_calls(&ok(bad)), Err(Error::Decode(_))), "{bad}");
    }
    match decode_calls(&ok(r#"{"error":{"code":400,"message":"Invalid date"}}"#)) {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, Some("400"), "Invalid date"))
        }
        _ => panic!("not a refusal"),
    }
    let mut r = ok(example("ringostat.unauthorized"));
    r.status = 401;
    assert!(matches!(decode_calls(&r), Err(Error::Unauthorized(ref m)) if m == "Unauthorized"));
}

/// A stand-in log: one call at each of `times` (seconds); answers what
/// falls in `a..=b`, cut at the cap, and records the parts asked.
fn fake(times: &[i64], asked: &mut Vec<(i64, i64)>, a: i64, b: i64) -> Result<Vec<i64>> {
    asked.push((a, b));
    Ok(times.iter().copied().filter(|t| (a..=b).contains(t)).take(CALL_CAP).collect())
}

#[test]
fn a_range_over_the_cap_is_split_in_halves_until_complete() {
    // 14,000 calls, one every 6 s over 84,000 s.
    let times: Vec<i64> = (0..14_000).map(|i| i * 6).collect();
    let mut asked = Vec::new();
    let got = split_export(0, 83_999, false, &mut |a, b| fake(&times, &mut asked, a, b)).unwrap();
    assert_eq!(got, times, "every call once, in order");
    assert_eq!(
        asked,
        vec![
            (0, 83_999),
            (0, 41_999),
            (0, 20_999),
            (21_000, 41_999),
            (42_000, 83_999),
            (42_000, 62_999),
            (63_000, 83_999)
        ]
    );
    // Newest first: the later half first at every split.
    let desc: Vec<i64> = times.iter().rev().copied().collect();
    let mut asked = Vec::new();
    let got = split_export(0, 83_999, true, &mut |a, b| {
        fake(&times, &mut asked, a, b).map(|mut v| {
            v.reverse();
            v
        })
    });
    assert_eq!(got.unwrap(), desc);
    assert_eq!(asked[..3], [(0, 83_999), (42_000, 83_999), (63_000, 83_999)]);
    // Under the cap: one request.
    let mut asked = Vec::new();
    assert_eq!(split_export(0, 10, false, &mut |a, b| fake(&[1, 2, 10], &mut asked, a, b)).unwrap(), vec![1, 2, 10]);
    assert_eq!(asked, vec![(0, 10)]);
}

#[test]
fn limits_are_typed_errors() {
    // 6,500 calls in one second: split down to it, then refused.
    let times = vec![5; CALL_CAP];
    let mut asked = Vec::new();
    match split_export(0, 7, false, &mut |a, b| fake(&times, &mut asked, a, b)) {
        Err(Error::Provider(p)) => assert_eq!((p.status, p.code.as_deref()), (200, Some("cap-in-one-second"))),
        _ => panic!("accepted"),
    }
    assert_eq!(asked, vec![(0, 7), (0, 3), (4, 7), (4, 5), (4, 4), (5, 5)]);
    // A log that needs more than 64 requests.
    let mut n = 0;
    let many = split_export(0, 1 << 40, false, &mut |a, b| {
        n += 1;
        Ok(if b > a { vec![0u8; CALL_CAP] } else { vec![] })
    });
    assert!(matches!(many, Err(Error::Provider(ref p)) if p.code.as_deref() == Some("request-limit")));
    assert_eq!(n, MAX_EXPORT_REQUESTS);
    // The widest ranges split without overflow: halves of the whole i64.
    let mut asked = Vec::new();
    let wide = split_export(i64::MIN, i64::MAX, false, &mut |a, b| {
        asked.push((a, b));
        Ok(if asked.len() == 1 { vec![0u8; CALL_CAP] } else { vec![] })
    });
    assert!(wide.unwrap().is_empty());
    assert_eq!(asked, vec![(i64::MIN, i64::MAX), (i64::MIN, -1), (0, i64::MAX)]);
    // A failed fetch stops the export with its error.
    let failed = split_export(0, 10, false, &mut |_, _| Err::<Vec<u8>, _>(Error::Timeout));
    assert!(matches!(failed, Err(Error::Timeout)));
}

#[test]
fn credentials_past_the_redaction_limit_are_refused() {
    let field = |r: Result<Request>| match r {
        Err(Error::InvalidInput(f)) => (f.field, f.reason),
        other => panic!("{other:?}"),
    };
    let at_limit = "k".repeat(crate::redact::MAX_SECRET_BYTES);
    let c = Config { auth_key: at_limit.clone(), ..cfg() };
    assert!(sip_online_request(&c).is_ok());
    let c = Config { auth_key: format!("{at_limit}k"), ..cfg() };
    assert_eq!(field(sip_online_request(&c)), ("cfg.auth-key".into(), "must be at most 8192 bytes".into()));
    assert!(smart_phone_online_request(&cfg(), "42", &at_limit, false).is_ok());
    assert_eq!(field(smart_phone_online_request(&cfg(), "42", &format!("{at_limit}t"), false)).0, "token");
}

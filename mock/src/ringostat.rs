//! Ringostat's documented answers, for the built-in mock.

use crate::examples::example;
use crate::exchange::{MockResponse, RecordedRequest};

/// The most calls one `/calls/list` answer carries (the provider's cap).
pub const CALL_CAP: usize = 6_500;

/// Whether `s` is `YYYY-MM-DD HH:MM:SS` (shape only; the mock is strict
/// about what the component sends, not a calendar).
fn is_datetime(s: &str) -> bool {
    s.len() == 19
        && s.bytes().enumerate().all(|(i, c)| match i {
            4 | 7 => c == b'-',
            10 => c == b' ',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// `GET /calls/list` over the stand-in `log` (rows with a `calldate`): the
/// rows whose `calldate` is within `from`..=`to`, matching `filters` (one
/// `field=value`), ordered by `order` (`calldate asc` / `calldate desc`,
/// else as in `log`), cut at [`CALL_CAP`], each with only the `fields`
/// asked. A missing or malformed parameter is 400, as the provider documents.
pub fn calls_list(req: &RecordedRequest, log: &[serde_json::Value]) -> MockResponse {
    use serde_json::Value;
    let q = |name: &str| req.query_value(name);
    let bad = |what: &str| MockResponse::json(400, &serde_json::json!({ "message": what }).to_string());
    if q("export_type").as_deref() != Some("json") {
        return bad("export_type must be json here");
    }
    let (Some(from), Some(to), Some(fields)) = (q("from"), q("to"), q("fields")) else {
        return bad("from, to and fields are required");
    };
    if !is_datetime(&from) || !is_datetime(&to) {
        return bad("from and to must be YYYY-MM-DD HH:MM:SS");
    }
    let fields: Vec<&str> = fields.split(',').collect();
    let filter = match q("filters") {
        None => None,
        Some(f) => match f.split_once('=') {
            Some((k, v)) => Some((k.to_string(), v.to_string())),
            None => return bad("filters must be field=value"),
        },
    };
    let text = |row: &Value, key: &str| row.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let mut rows: Vec<&Value> = log
        .iter()
        .filter(|row| {
            let date = text(row, "calldate");
            date >= from && date <= to && filter.as_ref().is_none_or(|(k, v)| text(row, k) == *v)
        })
        .collect();
    match q("order").as_deref() {
        Some("calldate asc") => rows.sort_by_key(|r| text(r, "calldate")),
        Some("calldate desc") => rows.sort_by_key(|r| std::cmp::Reverse(text(r, "calldate"))),
        None => {}
        Some(_) => return bad("order must be calldate asc or calldate desc"),
    }
    let out: Vec<Value> = rows
        .into_iter()
        .take(CALL_CAP)
        .map(|row| Value::Object(fields.iter().filter_map(|f| Some((f.to_string(), row.get(*f)?.clone()))).collect()))
        .collect();
    MockResponse::json(200, &Value::Array(out).to_string())
}

/// Answers a Ringostat request, or `None` for an unknown path. A missing
/// `Auth-key` gets 401, as the provider documents.
pub fn answer(req: &RecordedRequest) -> Option<MockResponse> {
    if req.header("auth-key").is_none_or(str::is_empty) {
        return Some(MockResponse::json(401, example("ringostat.unauthorized")));
    }
    Some(match (req.method.as_str(), req.path()) {
        ("GET", "/sipstatus/online") if req.query_value("project_id").is_some() => {
            if req.query_value("withRspDoNotDisturbSips").as_deref() == Some("true") {
                MockResponse::json(200, example("ringostat.smart-phone-online-dnd"))
            } else {
                MockResponse::json(200, example("ringostat.smart-phone-online"))
            }
        }
        ("GET", "/sipstatus/online") => MockResponse::json(200, example("ringostat.sip-online")),
        ("GET", "/sipstatus/speaking") => MockResponse::json(200, example("ringostat.sip-speaking")),
        ("GET", "/calls/list") => {
            // The built-in call log: rows with every documented field (and a
            // field seen in public clients, `department`, which the component
            // keeps in `raw`).
            let log: Vec<serde_json::Value> = serde_json::from_str(example("ringostat.calls-list")).unwrap_or_default();
            calls_list(req, &log)
        }
        ("POST", "/callback/outward_call") => MockResponse::json(200, example("ringostat.simple-callback")),
        ("POST", "/a/v2") => {
            let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let id = v.get("id").cloned().unwrap_or_default();
            // The provider refuses some numbers with HTTP 200 and an error object.
            if v.pointer("/params/caller").and_then(|c| c.as_str()) == Some("380000000000") {
                MockResponse::json(
                    200,
                    &format!(
                        r#"{{"jsonrpc":"2.0","id":"{id}","error":{{"code":-32000,"message":"Invalid phone number"}}}}"#
                    ),
                )
            } else {
                MockResponse::json(200, &format!(r#"{{"jsonrpc":"2.0","id":"{id}","result":true}}"#))
            }
        }
        _ => return None,
    })
}

/// The demo's Ringostat calls: (function, arguments without `cfg`).
pub fn demo_calls() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("ringostat.sip-online", json!({})),
        ("ringostat.sip-speaking", json!({})),
        (
            "ringostat.smart-phone-online",
            json!({"project-id": "11111", "token": "demo-token", "with-do-not-disturb": true}),
        ),
        ("ringostat.simple-callback", json!({"extension": "380441112233", "destination": "380671112233"})),
        (
            "ringostat.extended-callback",
            json!({"req": {"project-id": "11111", "caller": "380671112233", "callee": "380632223344",
                    "callee-type": "default", "caller-type": "default", "direction": "outbound", "manager-first": true,
                    "client-ip": "10.10.10.10", "utm-source": "ringostat"}}),
        ),
        (
            "ringostat.extended-callback",
            json!({"req": {"project-id": "11111", "caller": "380000000000", "callee": "manager1"}}),
        ),
        ("ringostat.simple-callback", json!({"extension": "12", "destination": "380671112233"})),
        (
            "ringostat.call-log-export",
            json!({"query": {"from": "2024-05-01 00:00:00", "to": "2024-05-01 23:59:59", "fields": [], "order": "oldest-first"}}),
        ),
        (
            "ringostat.call-log-export",
            json!({"query": {"from": "2024-05-01 00:00:00", "to": "2024-05-01 12:00:00", "fields": ["calldate", "uniqueid", "disposition"],
                    "filters": "call_type=in"}}),
        ),
    ]
}

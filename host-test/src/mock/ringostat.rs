//! Ringostat's documented answers, for the built-in mock.

use super::{MockResponse, RecordedRequest};

/// The SIP logins the page shows for `/sipstatus/online`.
pub const ONLINE: &str = r#"["supportrngst_manager1","supportrngst_manager2","supportrngst_manager3","supportrngst_manager4","supportrngst_manager5","supportrngst_manager6","supportrngst_manager7"]"#;
/// The SIP logins the page shows for `/sipstatus/speaking`.
pub const SPEAKING: &str = r#"["supportrngst_manager2","supportrngst_manager4","supportrngst_manager5","supportrngst_manager7"]"#;

/// Answers a Ringostat request, or `None` for an unknown path. A missing
/// `Auth-key` gets 401, as the provider documents.
pub fn answer(req: &RecordedRequest) -> Option<MockResponse> {
    if req.header("auth-key").is_none_or(str::is_empty) {
        return Some(MockResponse::json(401, r#"{"message":"Unauthorized"}"#));
    }
    Some(match (req.method.as_str(), req.path()) {
        ("GET", "/sipstatus/online") if req.query_value("project_id").is_some() => {
            if req.query_value("withRspDoNotDisturbSips").as_deref() == Some("true") {
                MockResponse::json(200, r#"["supportrngst_manager1","supportrngst_manager3"]"#)
            } else {
                MockResponse::json(200, r#"["supportrngst_manager1"]"#)
            }
        }
        ("GET", "/sipstatus/online") => MockResponse::json(200, ONLINE),
        ("GET", "/sipstatus/speaking") => MockResponse::json(200, SPEAKING),
        ("POST", "/callback/outward_call") => MockResponse::json(200, r#"{"status":"ok"}"#),
        ("POST", "/a/v2") => {
            let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let id = v.get("id").cloned().unwrap_or_default();
            // The provider refuses some numbers with HTTP 200 and an error object.
            if v.pointer("/params/caller").and_then(|c| c.as_str()) == Some("380000000000") {
                MockResponse::json(
                    200,
                    &format!(r#"{{"jsonrpc":"2.0","id":"{id}","error":{{"code":-32000,"message":"Invalid phone number"}}}}"#),
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
        ("ringostat.smart-phone-online", json!({"project-id": "11111", "token": "demo-token", "with-do-not-disturb": true})),
        ("ringostat.simple-callback", json!({"extension": "380441112233", "destination": "380671112233"})),
        (
            "ringostat.extended-callback",
            json!({"req": {"project-id": "11111", "caller": "380671112233", "callee": "380632223344",
                    "callee-type": "default", "caller-type": "default", "direction": "outbound", "manager-first": true,
                    "client-ip": "10.10.10.10", "utm-source": "ringostat"}}),
        ),
        ("ringostat.extended-callback", json!({"req": {"project-id": "11111", "caller": "380000000000", "callee": "manager1"}})),
        ("ringostat.simple-callback", json!({"extension": "12", "destination": "380671112233"})),
    ]
}

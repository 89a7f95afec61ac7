//! RingMe REST API answers, for the built-in mock: a small stand-in for an
//! operator's RingMe API. `POST .../oauth/token` checks the form and issues
//! [`ACCESS_TOKEN`] to the demo application; every `/api/ver1.0/` resource
//! wants `Authorization: Bearer <ACCESS_TOKEN>`. Paths are matched under any
//! base URL prefix.

use crate::examples::example;
use crate::exchange::{decode_pairs, MockResponse, RecordedRequest};
use serde_json::{json, Map, Value};

/// The demo application's `client_id`.
pub const CLIENT_ID: &str = "demo-client";
/// The demo application's `client_secret`.
pub const CLIENT_SECRET: &str = "demo-secret";
/// The token the mock issues and accepts.
pub const ACCESS_TOKEN: &str = "demo-access-token-7c41e2";

/// The fields `PUT /client/{id}/client/` accepts.
pub const UPDATABLE: [&str; 7] = [
    "dial_rule_id",
    "disk_space_notify_email",
    "disk_space_notify_threshold",
    "geo_list",
    "hold_music",
    "sip_network_permission_id",
    "timezone",
];

fn message(status: u16, text: &str) -> MockResponse {
    MockResponse::json(status, &json!({ "message": text }).to_string())
}

fn oauth_error(status: u16, code: &str, description: &str) -> MockResponse {
    MockResponse::json(status, &json!({ "error": code, "error_description": description }).to_string())
}

/// The token endpoint: a form-encoded client-credentials grant.
fn token(req: &RecordedRequest) -> MockResponse {
    if req.method != "POST" {
        return message(405, "Method not allowed");
    }
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return oauth_error(400, "invalid_request", "The request must be form-encoded");
    }
    let form = decode_pairs(&req.body_text());
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if field("grant_type") != Some("client_credentials") {
        return oauth_error(400, "unsupported_grant_type", "The authorization grant type is not supported");
    }
    if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(CLIENT_SECRET) {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    MockResponse::json(
        200,
        &json!({ "access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600, "scope": "all" })
            .to_string(),
    )
}

/// The page's example client, verbatim (nulls and `extension_len: 3`).
fn example_client() -> Map<String, Value> {
    match serde_json::from_str(example("ringme.client")) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    }
}

/// The client update: only the seven documented fields, merged into the
/// example; `null` clears a field, except `dial_rule_id` and `timezone`.
fn update(req: &RecordedRequest) -> MockResponse {
    if req.header("content-type") != Some("application/json") {
        return message(415, "Expected application/json");
    }
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(&req.body) else {
        return message(400, "The body is not a JSON object");
    };
    if let Some(bad) = changes.keys().find(|k| !UPDATABLE.contains(&k.as_str())) {
        return message(400, &format!("Field {bad} cannot be updated"));
    }
    // `null` clears a field; the example has a value for these two.
    if let Some(bad) = ["dial_rule_id", "timezone"].into_iter().find(|k| changes.get(*k).is_some_and(Value::is_null)) {
        return message(400, &format!("Field {bad} cannot be null"));
    }
    let mut client = example_client();
    client.extend(changes);
    MockResponse::json(200, &Value::Object(client).to_string())
}

/// The click-to-call: `{"src_num": [...], "dst_num": "..."}`.
fn callback(req: &RecordedRequest) -> MockResponse {
    let v: Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let src_ok = v["src_num"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string));
    if !src_ok || !v["dst_num"].is_string() {
        return message(400, "src_num (a list) and dst_num are required");
    }
    MockResponse::json(200, example("ringme.callback"))
}

/// The call history, paged: `page` (from 1) of `per_page` (20 when not
/// asked) rows of the example `ringme.call-history` (one page of call
/// history, in the shape public clients see), with `page` and `per_page` echoed.
fn call_history(req: &RecordedRequest) -> MockResponse {
    let number =
        |name: &str, default: usize| req.query_value(name).and_then(|v| v.parse::<usize>().ok()).unwrap_or(default);
    let (page, per_page) = (number("page", 1).max(1), number("per_page", 20).max(1));
    let all: Value = serde_json::from_str(example("ringme.call-history")).unwrap_or_default();
    let rows = all["call_history"].as_array().cloned().unwrap_or_default();
    let slice: Vec<Value> = rows.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let body = json!({ "page": page, "per_page": per_page, "order": "desc", "call_history": slice });
    MockResponse::json(200, &body.to_string())
}

/// Answers a RingMe request, or `None` for an unknown path.
pub fn answer(req: &RecordedRequest) -> Option<MockResponse> {
    let path = req.path();
    if path.ends_with("/oauth/token") {
        return Some(token(req));
    }
    let (_, rest) = path.split_once("/api/ver1.0/")?;
    if req.header("authorization") != Some(format!("Bearer {ACCESS_TOKEN}").as_str()) {
        return Some(oauth_error(401, "invalid_token", "The access token provided is invalid"));
    }
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let known_client = |id: &str| id == "@me" || id == "12";
    Some(match (req.method.as_str(), parts.as_slice()) {
        (_, ["client", id, ..]) if !known_client(id) => message(404, "Record not found"),
        ("GET", ["client", _, "client"]) => MockResponse::json(200, example("ringme.client")),
        ("PUT", ["client", _, "client"]) => update(req),
        ("GET", ["client", _, "extension"]) => match req.query_value("page").as_deref() {
            None | Some("1") => MockResponse::json(200, example("ringme.extensions")),
            Some(_) => MockResponse::json(200, "[]"),
        },
        ("GET", ["client", _, "call_history"]) => call_history(req),
        ("POST", ["extension", ext, "callback"]) if ext.parse::<u64>().is_ok() => callback(req),
        _ => return None,
    })
}

/// The demo's RingMe calls: (function, arguments without `cfg`; the CLI
/// fills in base-url `https://apiproxy.telphin.ru` and the demo app).
pub fn demo_calls() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("ringme.get-token", json!({})),
        ("ringme.client-info", json!({})),
        ("ringme.update-client", json!({"changes": {"timezone": "Europe/Samara", "dial-rule-id": 20}})),
        (
            "ringme.update-client",
            json!({"changes": {"hold-music": 4, "clear": ["geo-list", "disk-space-notify-email"]}}),
        ),
        ("ringme.extensions", json!({"page": 1, "per-page": 50})),
        (
            "ringme.click-to-call",
            json!({"extension-id": 469100, "req": {"src-num": ["0001*101"], "dst-num": "+74951234567"}}),
        ),
        (
            "ringme.call-history",
            json!({"query": {"start-datetime": "2021-01-01 00:00:00", "end-datetime": "2021-01-31 23:59:59", "per-page": 20}}),
        ),
        ("ringme.client-info", json!({"client-id": "99"})),
        ("ringme.update-client", json!({"changes": {}})),
    ]
}

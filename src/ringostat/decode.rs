//! Ringostat answers (pure): status mapping, the SIP login lists, the
//! call-backs' answers and the call log's rows, each typed.

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::ringostat::{CallbackAccepted, RingostatCall};
use crate::error::{decode, Result};
use crate::http::Response;
use crate::json::{self, Budget, Top};
use crate::redact::excerpt;
use crate::rows::Fields;
use crate::status::{describe_body, from_status};
use crate::{Error, ProviderError};
use serde_json::Value;

/// Maps a non-2xx answer to its error, with the provider's message when the
/// body carries one (`{"message": ...}` or `{"error": ...}`).
pub fn check_status(resp: &Response) -> Result<()> {
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

/// `provider` with the code and message of an error object or string.
pub fn refusal(status: u16, err: &Value) -> Error {
    let (code, message) = rpc_error_parts(err).unwrap_or((None, "the provider refused the request".into()));
    Error::Provider(ProviderError { status, code, message })
}

/// One row: the documented fields, leniently typed, and the row as JSON.
fn call_row(row: &Value) -> Result<RingostatCall> {
    let f = Fields::of(row, "a call", false)?;
    Ok(RingostatCall {
        calldate: f.text("calldate"),
        caller: f.text("caller"),
        dst: f.text("dst"),
        disposition: f.text("disposition"),
        duration: f.u32("duration"),
        billsec: f.u32("billsec"),
        waittime: f.u32("waittime"),
        call_type: f.text("call_type"),
        uniqueid: f.text("uniqueid"),
        connected_with: f.text("connected_with"),
        recording: f.text("recording"),
        employee_fio: f.text("employee_fio"),
        utm_source: f.text("utm_source"),
        utm_medium: f.text("utm_medium"),
        utm_campaign: f.text("utm_campaign"),
        utm_content: f.text("utm_content"),
        utm_term: f.text("utm_term"),
        raw: json::json_text(row),
    })
}

/// The strings of a call, at most.
pub const ROW_STRINGS: usize = 18;

/// The estimated heap text of a call: its fields' text is the row's at most,
/// and `raw` is the row.
pub fn row_text(call: &RingostatCall) -> usize {
    2 * call.raw.len()
}

/// A JSON array of call objects, read one call at a time within the result
/// budget ([`Budget`]; past it `too-large`); an object with `error` is
/// `provider`.
pub fn decode_calls(resp: &Response) -> Result<Vec<RingostatCall>> {
    check_status(resp)?;
    let mut calls = Vec::new();
    let mut budget = Budget::new();
    let top = json::rows(&resp.body, None, &["error"], &mut |row| {
        let call = call_row(&row)?;
        budget.item::<RingostatCall>(row_text(&call), ROW_STRINGS)?;
        calls.push(call);
        Ok(())
    })?;
    match top {
        Some(Top::Array) => Ok(calls),
        Some(Top::Object(o, _)) if o.get("error").is_some_and(|e| !e.is_null()) => {
            Err(refusal(resp.status, o.get("error").unwrap_or(&Value::Null)))
        }
        _ => Err(decode(format!("expected a JSON array of calls, got {}", describe_body(resp)))),
    }
}

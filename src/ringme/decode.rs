//! RingMe answers: status mapping and the typed decoders (pure).
//!
//! Errors: 429 is `rate-limited` with the larger of `X-RateLimit-Reset` and
//! `Retry-After` seconds ([`crate::status::retry_after`]). An OAuth error body (`error`,
//! `error_description`) with 400 or 401 is `unauthorized` with the
//! description (the code when there is none); other statuses keep their
//! class, with the OAuth `error` as the code. A `{"message"}` body gives the
//! message; any other body is described, not dumped.
//!
//! Field types: the client's fields are decoded strictly (a value of the
//! wrong type is `decode`, naming the field, never quoting the value);
//! the extensions' and calls' typed fields are read leniently (a value of
//! another type is none; `raw` keeps it). Everywhere, `null` or an absent
//! field is none, integers may come as numbers or digit strings, an empty
//! string where an integer belongs is none, and text fields given as
//! numbers, booleans or JSON are kept as text.

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::ringme::{
    CallHistoryPage, CallRecord, CallbackStarted, Client, Extension, Token,
};
use crate::error::{decode, Result};
use crate::http::Response;
use crate::json::{self as jt, json_text};
use crate::redact::excerpt;
use crate::rows::Fields;
use crate::status::{describe_body, from_status};
use crate::Error;
use serde_json::Value;

/// Maps a non-2xx answer to its error.
pub fn check_status(resp: &Response) -> Result<()> {
    if resp.is_success() {
        return Ok(());
    }
    let body = jt::small_tree(&resp.body);
    let text = |key: &str| {
        body.as_ref().and_then(|b| b.get(key)).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(excerpt)
    };
    let oauth = text("error");
    let message = text("error_description")
        .or_else(|| text("message"))
        .or_else(|| oauth.clone())
        .unwrap_or_else(|| describe_body(resp));
    if oauth.is_some() && matches!(resp.status, 400 | 401) {
        return Err(Error::Unauthorized(message));
    }
    Err(from_status(resp, oauth, message))
}

/// The JSON of a successful answer of one object; one whose tree would
/// pass [`jt::TREE_CAP`] is `too-large`.
fn json(resp: &Response, what: &str) -> Result<Value> {
    check_status(resp)?;
    jt::parse_bounded(&resp.body).map_err(|e| match e {
        jt::Unparsed::TooBig => jt::too_large(),
        jt::Unparsed::NotJson => decode(format!("expected {what}, got {}", describe_body(resp))),
    })
}

/// A token answer `{"access_token","token_type","expires_in","scope"}`. An
/// OAuth error object (even with 200) is `unauthorized`. Errors never quote
/// the body, which may hold the token.
pub fn decode_token(resp: &Response) -> Result<Token> {
    check_status(resp)?;
    let v: Value = jt::parse_bounded(&resp.body).map_err(|_| {
        decode(format!(
            "expected an OAuth token object, got HTTP {} with a {} body of {} bytes",
            u32::from(resp.status),
            resp.content_type().unwrap_or("untyped"),
            resp.body.len()
        ))
    })?;
    let f = Fields::of(&v, "the token answer", true)?;
    let access_token = f.get("access_token").and_then(Value::as_str).unwrap_or("");
    if access_token.is_empty() {
        if let Some(code) = f.get("error").and_then(Value::as_str) {
            let desc = f.get("error_description").and_then(Value::as_str).unwrap_or(code);
            return Err(Error::Unauthorized(excerpt(desc)));
        }
        return Err(decode("the token answer has no `access_token`"));
    }
    if access_token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(decode("the token answer's `access_token` cannot be sent in a header"));
    }
    let expires_in = f.int("expires_in");
    f.done()?;
    let expires_in = match expires_in {
        Some(n) if n < 0 => return Err(decode("the token answer: `expires_in` is negative")),
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
        None => 0,
    };
    Ok(Token {
        access_token: access_token.to_string(),
        token_type: f.text("token_type").unwrap_or_else(|| "Bearer".to_string()),
        expires_in,
        scope: f.text("scope"),
    })
}

/// A client object (the page's table; unknown fields are ignored).
pub fn decode_client(resp: &Response) -> Result<Client> {
    let v = json(resp, "a client object")?;
    let f = Fields::of(&v, "the client", true)?;
    let id = f.id("id")?;
    let client = Client {
        ambassadors: f.text("ambassadors"),
        contact_phones: f.text("contact_phones"),
        create_date: f.text("create_date"),
        dial_rule_id: f.int("dial_rule_id"),
        did_as_transfer_caller_id: f.text("did_as_transfer_caller_id"),
        disk_space_notify_email: f.text("disk_space_notify_email"),
        disk_space_notify_threshold: f.int("disk_space_notify_threshold"),
        domain: f.text("domain"),
        domain_prefix: f.text("domain_prefix"),
        email: f.text("email"),
        extension_len: f.u32("extension_len"),
        extra_params: f.text("extra_params"),
        fact_address: f.text("fact_address"),
        geo_list: f.text("geo_list"),
        hold_music: f.int("hold_music"),
        id,
        jur_address: f.text("jur_address"),
        language: f.text("language"),
        name: f.text("name"),
        prefix: f.text("prefix"),
        presence: f.text("presence"),
        record_format: f.text("record_format"),
        record_stereo: f.flag("record_stereo"),
        reg_status_log: f.flag("reg_status_log"),
        short_local_caller_id: f.text("short_local_caller_id"),
        sip_network_permission_id: f.int("sip_network_permission_id"),
        timezone: f.text("timezone"),
        type_: f.text("type"),
    };
    f.done()?;
    Ok(client)
}

/// A JSON array of extension objects.
/// Read one extension at a time within the result budget
/// ([`jt::Budget`]; past it `too-large`).
pub fn decode_extensions(resp: &Response) -> Result<Vec<Extension>> {
    check_status(resp)?;
    let mut out = Vec::new();
    let mut budget = jt::Budget::new();
    let top = jt::rows(&resp.body, None, &[], &mut |item| {
        let f = Fields::of(&item, "an extension", false)?;
        let ext = Extension {
            id: f.id("id")?,
            name: f.text("name"),
            status: f.text("status"),
            type_: f.text("type"),
            label: f.text("label"),
            raw: json_text(&item),
        };
        budget.item::<Extension>(2 * ext.raw.len(), 5)?;
        out.push(ext);
        Ok(())
    })?;
    match top {
        Some(jt::Top::Array) => Ok(out),
        Some(_) => Err(decode("expected a JSON array of extensions")),
        None => Err(decode(format!("expected a JSON array of extensions, got {}", describe_body(resp)))),
    }
}

/// `{"call_api_id", "call_id"}`.
pub fn decode_callback(resp: &Response) -> Result<CallbackStarted> {
    let v = json(resp, "a click-to-call answer")?;
    let f = Fields::of(&v, "the click-to-call answer", true)?;
    let Some(call_api_id) = f.text("call_api_id") else {
        return Err(decode("the click-to-call answer: `call_api_id` is missing"));
    };
    Ok(CallbackStarted { call_api_id, call_id: f.text("call_id") })
}

/// One call of the history (lenient).
fn call_record(row: &Value) -> Result<CallRecord> {
    let f = Fields::of(row, "a call", false)?;
    Ok(CallRecord {
        call_uuid: f.text("call_uuid"),
        flow: f.text("flow"),
        from_username: f.text("from_username"),
        to_username: f.text("to_username"),
        bridged_username: f.text("bridged_username"),
        result: f.text("result"),
        init_time_gmt: f.text("init_time_gmt"),
        start_time_gmt: f.text("start_time_gmt"),
        bridged_time_gmt: f.text("bridged_time_gmt"),
        hangup_time_gmt: f.text("hangup_time_gmt"),
        duration: f.u32("duration"),
        bridged_duration: f.u32("bridged_duration"),
        hangup_cause: f.text("hangup_cause"),
        hangup_disposition: f.text("hangup_disposition"),
        extension_id: f.int("extension_id"),
        extension_name: f.text("extension_name"),
        did_number: f.text("did_number"),
        raw: json_text(row),
    })
}

/// `{"page", "per_page", "order", "call_history": [...]}`, or a bare array
/// of calls.
///
/// The calls are read one at a time within the result budget
/// ([`jt::Budget`]; past it `too-large`).
pub fn decode_call_history(resp: &Response) -> Result<CallHistoryPage> {
    check_status(resp)?;
    let mut page = CallHistoryPage { page: None, per_page: None, order: None, calls: Vec::new() };
    let mut budget = jt::Budget::new();
    let calls = &mut page.calls;
    let top = jt::rows(&resp.body, Some("call_history"), &["page", "per_page", "order"], &mut |row| {
        let call = call_record(&row)?;
        budget.item::<CallRecord>(2 * call.raw.len(), 17)?;
        calls.push(call);
        Ok(())
    })?;
    match top {
        Some(jt::Top::Array) => {}
        Some(jt::Top::Object(meta, true)) => {
            let meta = Value::Object(meta);
            let meta = Fields::of(&meta, "the call history", false)?;
            page.page = meta.u32("page");
            page.per_page = meta.u32("per_page");
            page.order = meta.text("order");
        }
        Some(jt::Top::Object(_, false)) => {
            return Err(decode("the call history: `call_history` is not a JSON array"));
        }
        Some(jt::Top::Other) => return Err(decode("expected a call history object")),
        None => return Err(decode(format!("expected a call history object, got {}", describe_body(resp)))),
    }
    Ok(page)
}

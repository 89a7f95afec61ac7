//! The typed core of Ringostat: each operation builds its request
//! ([`super::requests`]), sends it through [`crate::http::send`], decodes the
//! answer ([`super::decode`]) and redacts the secrets from any error. The
//! `ringostat` export and the telephony mapping both call these.

use crate::prelude::*;

use super::decode::{
    decode_calls, decode_extended_callback, decode_logins, decode_simple_callback, row_text, ROW_STRINGS,
};
use super::export::{split_export, CALL_CAP};
use super::requests::*;
use crate::bindings::exports::telephony::pbx::ringostat::{
    CallLogExportQuery, CallOrder, CallbackAccepted, Config, ExtendedCallbackRequest, RingostatCall,
};
use crate::error::Result;
use crate::http::{self, Request, Response};
use core::sync::atomic::{AtomicU64, Ordering};

/// JSON-RPC ids: a counter per component instance, starting at 1.
static NEXT_RPC_ID: AtomicU64 = AtomicU64::new(1);

/// Sends a built request and decodes the answer with `decode`; the auth key
/// and `secret` (a secret argument, `""` when the function has none) are
/// redacted, in one pass, from whatever error either step (or the building)
/// gives.
fn call<T>(cfg: &Config, secret: &str, req: Result<Request>, decode: fn(&Response) -> Result<T>) -> Result<T> {
    req.and_then(|r| decode(&http::send(&r)?)).map_err(|e| e.redact(&[&cfg.auth_key, secret]))
}

// The five small operations are inlined into their callers (the export
// glue, the telephony mapping): 323 bytes of wasm smaller than as calls
// (measured); `call` and the export stay shared.

/// `sip-online`: the online SIP logins.
#[inline(always)]
pub fn sip_online(cfg: &Config) -> Result<Vec<String>> {
    call(cfg, "", sip_online_request(cfg), decode_logins)
}

/// `smart-phone-online`: the online logins of a project (`token` redacted).
#[inline(always)]
pub fn smart_phone_online(
    cfg: &Config,
    project_id: &str,
    token: &str,
    with_do_not_disturb: bool,
) -> Result<Vec<String>> {
    let req = smart_phone_online_request(cfg, project_id, token, with_do_not_disturb);
    call(cfg, token, req, decode_logins)
}

/// `sip-speaking`: the SIP logins in a call.
#[inline(always)]
pub fn sip_speaking(cfg: &Config) -> Result<Vec<String>> {
    call(cfg, "", sip_speaking_request(cfg), decode_logins)
}

/// `simple-callback`.
#[inline(always)]
pub fn simple_callback(cfg: &Config, extension: &str, destination: &str) -> Result<()> {
    call(cfg, "", simple_callback_request(cfg, extension, destination), decode_simple_callback)
}

/// `extended-callback`, with the next JSON-RPC id.
#[inline(always)]
pub fn extended_callback(cfg: &Config, req: &ExtendedCallbackRequest) -> Result<CallbackAccepted> {
    let id = NEXT_RPC_ID.fetch_add(1, Ordering::Relaxed);
    call(cfg, "", extended_callback_request(cfg, req, id), decode_extended_callback)
}

/// The whole export: checks the query, then fetches and splits.
pub fn call_log_export(cfg: &Config, q: &CallLogExportQuery) -> Result<Vec<RingostatCall>> {
    let plan = plan(q)?;
    let newest_first = plan.order == Some(CallOrder::NewestFirst);
    // The parts kept so far count against each next part's result budget.
    let mut held = crate::json::Held::new();
    split_export(plan.from, plan.to, newest_first, &mut |a, b| {
        let rows = call(cfg, "", calls_list_request(cfg, &plan, a, b), decode_calls)?;
        if rows.len() < CALL_CAP {
            held.items(&rows, row_text, ROW_STRINGS)?;
        }
        Ok(rows)
    })
}

//! The typed core of RingMe: each operation checks the config, builds its
//! request ([`super::requests`]), sends it authorized ([`super::auth`]) and
//! decodes the answer ([`super::decode`]), every secret redacted from its
//! errors. The `ringme` export and the telephony mapping both call these.

use crate::prelude::*;

use super::auth;
use super::decode::{decode_call_history, decode_callback, decode_client, decode_extensions};
use super::requests::*;
use crate::bindings::exports::telephony::pbx::ringme::{
    CallHistoryPage, CallHistoryQuery, CallbackRequest, CallbackStarted, Client, ClientUpdate, Config, Extension, Token,
};
use crate::error::{invalid, Result};

// Each is inlined into its callers (the export glue, the telephony
// mapping), as the export functions were before they called these: 45
// bytes of wasm smaller than as calls (measured).

/// `get-token`: always fetches (needs `app` auth).
#[inline(always)]
pub fn get_token(cfg: &Config) -> Result<Token> {
    auth::run(cfg, |s| match s.app() {
        Some(creds) => s.fetch_token(creds),
        None => Err(invalid("cfg.auth", "get-token needs app credentials, not a bearer token")),
    })
}

/// `client-info`.
#[inline(always)]
pub fn client_info(cfg: &Config, client_id: Option<&str>) -> Result<Client> {
    auth::call_api(cfg, &|api| client_info_request(api, client_id), decode_client)
}

/// `update-client`.
#[inline(always)]
pub fn update_client(cfg: &Config, client_id: Option<&str>, changes: &ClientUpdate) -> Result<Client> {
    auth::call_api(cfg, &|api| update_client_request(api, client_id, changes), decode_client)
}

/// `extensions`: one page.
#[inline(always)]
pub fn extensions(
    cfg: &Config,
    client_id: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Vec<Extension>> {
    auth::call_api(cfg, &|api| extensions_request(api, client_id, page, per_page), decode_extensions)
}

/// `click-to-call`.
#[inline(always)]
pub fn click_to_call(cfg: &Config, extension_id: i64, req: &CallbackRequest) -> Result<CallbackStarted> {
    auth::call_api(cfg, &|api| click_to_call_request(api, extension_id, req), decode_callback)
}

/// `call-history`: one page.
#[inline(always)]
pub fn call_history(cfg: &Config, client_id: Option<&str>, query: &CallHistoryQuery) -> Result<CallHistoryPage> {
    auth::call_api(cfg, &|api| call_history_request(api, client_id, query), decode_call_history)
}

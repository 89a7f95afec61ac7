//! RingMe PBX REST API: request building ([`requests`]) and response
//! decoding ([`decode`]), both pure, OAuth application auth ([`auth`]), the
//! typed operations that join them through [`crate::http::send`] ([`ops`]),
//! and the `ringme` export (here).
//!
//! Decisions where the provider's pages are silent (each is tested):
//! - `client-id` (a path segment) is `@me` or digits; nothing else is sent.
//! - `update-client` with no field set or cleared is `invalid-input` on
//!   `changes`: an empty PUT would only fetch the client. A cleared field is
//!   sent as `null`; one both set and cleared is `invalid-input`.
//! - `page` and `per-page` start at 1 (0 is `invalid-input`); datetimes must
//!   be `YYYY-MM-DD HH:MM:SS`, the end not before the start.
//! - `click-to-call` numbers are 1-64 characters of digits, letters and
//!   `+ * # . _ @ -` (phone numbers and extension names like `0001*101`).
//! - `get-token` needs `app` auth; with `bearer` it is `invalid-input`.

use crate::prelude::*;

pub mod auth;
pub mod decode;
pub mod ops;
pub mod requests;

use crate::bindings::exports::telephony::pbx::ringme::{
    CallHistoryPage, CallHistoryQuery, CallbackRequest, CallbackStarted, Client, ClientUpdate, Config, Extension,
    Guest, Token,
};
use crate::error::Result;
use crate::Component;

// Inlined into the generated export glue, as in `tring` (a little smaller).
impl Guest for Component {
    #[inline(always)]
    fn get_token(cfg: Config) -> Result<Token> {
        ops::get_token(&cfg)
    }

    #[inline(always)]
    fn client_info(cfg: Config, client_id: Option<String>) -> Result<Client> {
        ops::client_info(&cfg, client_id.as_deref())
    }

    #[inline(always)]
    fn update_client(cfg: Config, client_id: Option<String>, changes: ClientUpdate) -> Result<Client> {
        ops::update_client(&cfg, client_id.as_deref(), &changes)
    }

    #[inline(always)]
    fn extensions(
        cfg: Config,
        client_id: Option<String>,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<Vec<Extension>> {
        ops::extensions(&cfg, client_id.as_deref(), page, per_page)
    }

    #[inline(always)]
    fn click_to_call(cfg: Config, extension_id: i64, req: CallbackRequest) -> Result<CallbackStarted> {
        ops::click_to_call(&cfg, extension_id, &req)
    }

    #[inline(always)]
    fn call_history(cfg: Config, client_id: Option<String>, query: CallHistoryQuery) -> Result<CallHistoryPage> {
        ops::call_history(&cfg, client_id.as_deref(), &query)
    }
}

#[cfg(test)]
mod tests;

//! Ringostat: request building ([`requests`]) and response decoding
//! ([`decode`]), both pure, the call log export's range splitting
//! ([`export`]), the typed operations that join them through
//! [`crate::http::send`] ([`ops`]), and the `ringostat` export (here).

use crate::prelude::*;

pub mod decode;
pub mod export;
pub mod ops;
pub mod requests;

use crate::bindings::exports::telephony::pbx::ringostat::{
    CallLogExportQuery, CallbackAccepted, Config, ExtendedCallbackRequest, Guest, RingostatCall,
};
use crate::error::Result;
use crate::Component;

impl Guest for Component {
    #[inline(always)]
    fn sip_online(cfg: Config) -> Result<Vec<String>> {
        ops::sip_online(&cfg)
    }

    #[inline(always)]
    fn smart_phone_online(
        cfg: Config,
        project_id: String,
        token: String,
        with_do_not_disturb: bool,
    ) -> Result<Vec<String>> {
        ops::smart_phone_online(&cfg, &project_id, &token, with_do_not_disturb)
    }

    #[inline(always)]
    fn sip_speaking(cfg: Config) -> Result<Vec<String>> {
        ops::sip_speaking(&cfg)
    }

    #[inline(always)]
    fn simple_callback(cfg: Config, extension: String, destination: String) -> Result<()> {
        ops::simple_callback(&cfg, &extension, &destination)
    }

    #[inline(always)]
    fn extended_callback(cfg: Config, req: ExtendedCallbackRequest) -> Result<CallbackAccepted> {
        ops::extended_callback(&cfg, &req)
    }

    #[inline(always)]
    fn call_log_export(cfg: Config, query: CallLogExportQuery) -> Result<Vec<RingostatCall>> {
        ops::call_log_export(&cfg, &query)
    }
}

#[cfg(test)]
mod tests;

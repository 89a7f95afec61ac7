//! The typed core of TRiNG: sends a built request ([`super::requests`])
//! through [`crate::http::send`], decodes the answer ([`super::decode`]) and
//! redacts the API key (and a secret argument) from any error. The `tring`
//! export returns most answers as checked JSON text ([`rows`], [`one`]);
//! the telephony mapping reads the typed rows of INFO extstate and INFO
//! cdrs ([`extstate`], [`cdrs`]) and DIAL's result ([`dial`]).

use crate::prelude::*;

use super::decode::{self, decode_json, decode_media, Cdr, ExtState, Shape};
use super::requests::{dial_request, info_cdrs_request, info_plain, info_request, Info};
use crate::bindings::exports::telephony::pbx::tring::{CdrFilter, Config, DialRequest, DialResult, Media};
use crate::error::Result;
use crate::http::{self, Request, Response};

/// Scrubs the API key (raw and percent-encoded) from an error.
pub fn redact_key<T>(cfg: &Config, result: Result<T>) -> Result<T> {
    result.map_err(|e| e.redact(&[&cfg.api_key]))
}

/// Sends a built request and decodes its JSON answer of `shape`.
pub fn send_json(cfg: &Config, req: Result<Request>, shape: Shape) -> Result<String> {
    send_json_redacting(cfg, "", req, shape)
}

/// [`send_json`] for a request that carries a secret argument besides the
/// key: both are redacted in one pass (redaction comes before the cut of an
/// error text).
pub fn send_json_redacting(cfg: &Config, secret: &str, req: Result<Request>, shape: Shape) -> Result<String> {
    req.and_then(|req| decode_json(&http::send(&req)?, shape)).map_err(|e| e.redact(&[&cfg.api_key, secret]))
}

/// Rows: an empty answer is `[]`.
pub fn rows(cfg: &Config, req: Result<Request>) -> Result<String> {
    send_json(cfg, req, Shape::Rows)
}

/// One object or an action's answer: an empty answer is `not-found`.
pub fn one(cfg: &Config, req: Result<Request>) -> Result<String> {
    send_json(cfg, req, Shape::One)
}

/// A binary answer.
pub fn media(cfg: &Config, req: Result<Request>) -> Result<Media> {
    redact_key(cfg, req.and_then(|req| decode_media(&http::send(&req)?)))
}

/// INFO flow / variable: with an `id`, one object (an empty answer is
/// `not-found`); without, the page's "optional" `id` is left out and the
/// answer is rows (an empty answer is `[]`).
pub fn info_optional_id(cfg: &Config, info: &'static str, id: Option<String>) -> Result<String> {
    let shape = if id.is_some() { Shape::One } else { Shape::Rows };
    send_json(cfg, info_request(cfg, &Info { id: id.as_deref(), ..Info::new(info) }), shape)
}

/// DIAL: the originate id and message.
pub fn dial(cfg: &Config, req: &DialRequest) -> Result<DialResult> {
    redact_key(cfg, dial_request(cfg, req).and_then(|req| decode::decode_dial(&http::send(&req)?)))
}

/// A rows answer to `req`, checked ([`decode::checked_rows`]): the key is
/// redacted from the exchange's and the checks' errors. One function for
/// both typed reads below (their decoders, generic, are not shared).
fn rows_answer(cfg: &Config, req: Result<Request>) -> Result<Response> {
    redact_key(cfg, req.and_then(|req| decode::checked_rows(http::send(&req)?)))
}

/// INFO extstate, its rows typed one at a time into `each`. The exchange
/// and the answer's checks (those of the `info-extstate` export) have the
/// key redacted from their errors; the rows' own errors name no secret.
pub fn extstate(cfg: &Config, each: impl FnMut(ExtState) -> Result<()>) -> Result<()> {
    decode::decode_extstate_rows(&rows_answer(cfg, info_plain(cfg, "extstate"))?, each)
}

/// INFO cdrs as JSON for `filter`, its rows typed one at a time into
/// `each` (redaction as in [`extstate`]).
pub fn cdrs(cfg: &Config, filter: &CdrFilter, each: impl FnMut(Cdr) -> Result<()>) -> Result<()> {
    decode::decode_cdr_rows(&rows_answer(cfg, info_cdrs_request(cfg, filter))?, each)
}

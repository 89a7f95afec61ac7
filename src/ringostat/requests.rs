//! Ringostat requests (pure): the `Auth-key` start every request shares,
//! the SIP status reads, both call-backs, and the call log export's
//! checked query ([`Plan`]) and `GET /calls/list` for one part of it.

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::ringostat::{
    CallDirection, CallLogExportQuery, CallOrder, Config, ExtendedCallbackRequest, PartyType,
};
use crate::datetime;
use crate::error::{invalid, Result};
use crate::http::{Method, Request};
use crate::json;
use crate::url::{form_body, BaseUrl};
use crate::validate;

/// Where Ringostat lives unless `base-url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.ringostat.net";
/// The JSON-RPC method of the extended call-back (one backslash each).
pub const EXTERNAL_CALLBACK_METHOD: &str = "Api\\V2\\Callback.external";

/// Checks the config and starts a request with the `Auth-key` header.
pub fn start(cfg: &Config, method: Method, path: &str, query: &[(&str, &str)]) -> Result<Request> {
    validate::header_secret("cfg.auth-key", &cfg.auth_key)?;
    let base = BaseUrl::parse("cfg.base-url", cfg.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL), false)?;
    let timeout = validate::timeout_ms("cfg.timeout-ms", cfg.timeout_ms)?;
    let max_body = validate::max_body_bytes("cfg.max-body-bytes", cfg.max_body_bytes)?;
    crate::url::check_target(path, query)?;
    Ok(Request::new(method, base.target(path, query), timeout)
        .max_body(max_body)
        .header("Auth-key", cfg.auth_key.clone()))
}

/// `GET /sipstatus/online`.
pub fn sip_online_request(cfg: &Config) -> Result<Request> {
    start(cfg, Method::Get, "/sipstatus/online", &[])
}

/// `GET /sipstatus/online?project_id=&token=&withRspDoNotDisturbSips=`.
pub fn smart_phone_online_request(cfg: &Config, project_id: &str, token: &str, dnd: bool) -> Result<Request> {
    validate::digits("project-id", project_id)?;
    validate::non_empty("token", token)?;
    validate::no_controls("token", token)?;
    validate::secret_len("token", token)?;
    let dnd = if dnd { "true" } else { "false" };
    start(
        cfg,
        Method::Get,
        "/sipstatus/online",
        &[("project_id", project_id), ("token", token), ("withRspDoNotDisturbSips", dnd)],
    )
}

/// `GET /sipstatus/speaking`.
pub fn sip_speaking_request(cfg: &Config) -> Result<Request> {
    start(cfg, Method::Get, "/sipstatus/speaking", &[])
}

/// `POST /callback/outward_call`, form-encoded `extension`, `destination`.
pub fn simple_callback_request(cfg: &Config, extension: &str, destination: &str) -> Result<Request> {
    validate::phone("extension", extension)?;
    validate::employee("destination", destination)?;
    let body = form_body(&[("extension", extension), ("destination", destination)]);
    Ok(start(cfg, Method::Post, "/callback/outward_call", &[])?.body("application/x-www-form-urlencoded", body))
}

fn party_type(t: PartyType) -> &'static str {
    match t {
        PartyType::Default => "default",
        PartyType::Scheme => "scheme",
    }
}

/// A caller or callee: a scheme id when its type is `scheme`, otherwise
/// `check` (the customer's number or SIP login for `caller`; the employee's
/// number, extension or SIP login for `callee`).
fn party(field: &str, value: &str, kind: Option<PartyType>, check: fn(&str, &str) -> Result<()>) -> Result<()> {
    match kind {
        Some(PartyType::Scheme) => validate::digits(field, value),
        _ => check(field, value),
    }
}

/// `POST /a/v2`: JSON-RPC 2.0 `Api\V2\Callback.external` with request id `id`.
pub fn extended_callback_request(cfg: &Config, req: &ExtendedCallbackRequest, id: u64) -> Result<Request> {
    validate::digits("req.project-id", &req.project_id)?;
    party("req.caller", &req.caller, req.caller_type, validate::phone_or_login)?;
    party("req.callee", &req.callee, req.callee_type, validate::employee)?;
    if let Some(ip) = &req.client_ip {
        validate::ip_addr("req.client-ip", ip)?;
    }
    // `params` in the page's order; unset options are left out.
    let params = json::Object::new()
        .opt_string("callee_type", req.callee_type.map(party_type))
        .opt_string("caller_type", req.caller_type.map(party_type))
        .string("caller", &req.caller)
        .string("callee", &req.callee)
        .opt_int("manager_dst", req.manager_first.map(i64::from))
        .opt_string(
            "direction",
            req.direction.map(|d| match d {
                CallDirection::Inbound => "in",
                CallDirection::Outbound => "out",
            }),
        )
        .string("projectId", &req.project_id)
        .opt_string("clientIp", req.client_ip.as_deref())
        .opt_string("utmSource", req.utm_source.as_deref())
        .opt_string("utmMedium", req.utm_medium.as_deref())
        .opt_string("utmCampaign", req.utm_campaign.as_deref())
        .opt_string("utmTerm", req.utm_term.as_deref())
        .opt_string("utmContent", req.utm_content.as_deref())
        .opt_string("clientId", req.client_id.as_deref())
        .opt_string("clientUserAgent", req.client_user_agent.as_deref());
    // The JSON-RPC 2.0 envelope.
    let body = json::Object::new()
        .string("jsonrpc", "2.0")
        .uint("id", id)
        .string("method", EXTERNAL_CALLBACK_METHOD)
        .object("params", params)
        .finish()?;
    Ok(start(cfg, Method::Post, "/a/v2", &[])?.body("application/json", body))
}

/// `fields` when the query names none: the documented columns.
pub const DEFAULT_FIELDS: &str = "calldate,caller,dst,disposition,duration,billsec,waittime,call_type,uniqueid,\
connected_with,recording,employee_fio,utm_source,utm_medium,utm_campaign,utm_content,utm_term";

/// A checked query: the range in seconds and the other parameters as sent.
pub struct Plan {
    /// `from`, seconds since 1970 (no time zone).
    pub from: i64,
    /// `to`, seconds since 1970 (no time zone).
    pub to: i64,
    /// `fields`, comma-separated.
    pub fields: String,
    /// `filters`, as given.
    pub filters: Option<String>,
    /// `order`.
    pub order: Option<CallOrder>,
}

/// Checks the query: the range, the field names, the filters.
pub fn plan(q: &CallLogExportQuery) -> Result<Plan> {
    let (from, to) = datetime::range("query.from", &q.from, "query.to", &q.to)?;
    let fields = if q.fields.is_empty() {
        DEFAULT_FIELDS.to_string()
    } else {
        // A loop, not `join`: `join` links a generic copier (about 1 KB).
        let mut list = String::new();
        for f in &q.fields {
            if f.is_empty() || f.len() > 64 || !f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(invalid("query.fields", "each must be 1-64 letters, digits or _"));
            }
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str(f);
        }
        list
    };
    if let Some(f) = &q.filters {
        validate::non_empty("query.filters", f)?;
        validate::no_controls("query.filters", f)?;
    }
    Ok(Plan { from, to, fields, filters: q.filters.clone(), order: q.order })
}

/// `GET /calls/list?export_type=json&from=&to=&fields=` (then `filters` and
/// `order` when set) for the part `from`..`to` (seconds) of `plan`.
pub fn calls_list_request(cfg: &Config, plan: &Plan, from: i64, to: i64) -> Result<Request> {
    let (from, to) = (datetime::format(from), datetime::format(to));
    let mut query =
        vec![("export_type", "json"), ("from", from.as_str()), ("to", to.as_str()), ("fields", plan.fields.as_str())];
    if let Some(f) = &plan.filters {
        query.push(("filters", f));
    }
    match plan.order {
        Some(CallOrder::OldestFirst) => query.push(("order", "calldate asc")),
        Some(CallOrder::NewestFirst) => query.push(("order", "calldate desc")),
        None => {}
    }
    start(cfg, Method::Get, "/calls/list", &query)
}

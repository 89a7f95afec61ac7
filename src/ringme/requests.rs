//! RingMe requests (pure): the checked config ([`Api`]), the auth and path
//! checks, and one builder per API operation (the token request is in
//! [`super::auth`]).

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::ringme::{
    Auth, CallHistoryQuery, CallbackRequest, ClientField, ClientUpdate, Config,
};
use crate::error::Result;
use crate::http::{Method, Request};
use crate::json;
use crate::url::BaseUrl;
use crate::validate;

/// The API root under `base-url`.
pub const API_ROOT: &str = "/api/ver1.0";
/// The OAuth token endpoint under `base-url`.
pub const TOKEN_PATH: &str = "/oauth/token";
/// The client id that means "the client the token belongs to".
pub const ME: &str = "@me";

/// The validated `base-url`, `timeout-ms` and `max-body-bytes` of a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    /// The operator's base URL (scheme, host, optional prefix).
    pub base: BaseUrl,
    /// Deadline of each exchange.
    pub timeout_ms: u32,
    /// Largest accepted answer body of each exchange.
    pub max_body: u64,
}

impl Api {
    /// Checks `base-url` (a required http(s) URL), `timeout-ms` and
    /// `max-body-bytes`.
    pub fn new(cfg: &Config) -> Result<Api> {
        Ok(Api {
            base: BaseUrl::parse("cfg.base-url", &cfg.base_url, false)?,
            timeout_ms: validate::timeout_ms("cfg.timeout-ms", cfg.timeout_ms)?,
            max_body: validate::max_body_bytes("cfg.max-body-bytes", cfg.max_body_bytes)?,
        })
    }

    /// A request to `<base-url><path>` (the API root included in `path` or
    /// not), with the deadline and the body cap, not yet authorized.
    pub fn at(&self, method: Method, path: &str, query: &[(&str, &str)]) -> Request {
        Request::new(method, self.base.target(path, query), self.timeout_ms).max_body(self.max_body)
    }

    /// A request to `<base-url>/api/ver1.0<path>`, not yet authorized.
    pub fn request(&self, method: Method, path: &str, query: &[(&str, &str)]) -> Request {
        self.at(method, &format!("{API_ROOT}{path}"), query)
    }
}

/// Checks the auth part of a config: a header-safe bearer token, or a
/// client id and secret without control characters.
pub fn check_auth(auth: &Auth) -> Result<()> {
    match auth {
        Auth::Bearer(token) => validate::header_secret("cfg.auth.bearer", token),
        Auth::App(c) => {
            for (field, value) in
                [("cfg.auth.app.client-id", &c.client_id), ("cfg.auth.app.client-secret", &c.client_secret)]
            {
                validate::non_empty(field, value)?;
                validate::no_controls(field, value)?;
                validate::secret_len(field, value)?;
            }
            Ok(())
        }
    }
}

/// The `{client_id}` path segment: `@me` when none is given, else `@me` or
/// digits (so it can never carry `/`, `?`, `#`, `%` or spaces).
pub fn client_segment(client_id: Option<&str>) -> Result<&str> {
    let id = client_id.unwrap_or(ME);
    validate::id_or("client-id", id, ME, "must be @me or the client's numeric id").map(|()| id)
}

/// `GET /client/{client_id}/client/`.
pub fn client_info_request(api: &Api, client_id: Option<&str>) -> Result<Request> {
    let id = client_segment(client_id)?;
    Ok(api.request(Method::Get, &format!("/client/{id}/client/"), &[]))
}

/// `PUT /client/{client_id}/client/` with a JSON body of the set fields.
pub fn update_client_request(api: &Api, client_id: Option<&str>, changes: &ClientUpdate) -> Result<Request> {
    let id = client_segment(client_id)?;
    for (field, value) in [
        ("changes.disk-space-notify-email", &changes.disk_space_notify_email),
        ("changes.geo-list", &changes.geo_list),
        ("changes.timezone", &changes.timezone),
    ] {
        validate::no_controls(field, value.as_deref().unwrap_or(""))?;
    }
    // One bit per `client-field` (its WIT order) cleared, and one per field set.
    let bit = |field: ClientField| 1u8 << field as u8;
    let cleared = changes.clear.iter().flatten().fold(0, |bits, field| bits | bit(*field));
    let set = [
        (ClientField::DiskSpaceNotifyEmail, changes.disk_space_notify_email.is_some()),
        (ClientField::DiskSpaceNotifyThreshold, changes.disk_space_notify_threshold.is_some()),
        (ClientField::GeoList, changes.geo_list.is_some()),
        (ClientField::HoldMusic, changes.hold_music.is_some()),
        (ClientField::SipNetworkPermissionId, changes.sip_network_permission_id.is_some()),
    ]
    .into_iter()
    .fold(0, |bits, (field, set)| if set { bits | bit(field) } else { bits });
    validate::set_or_cleared("changes.clear", set & cleared != 0)?;
    let is_cleared = |field: ClientField| cleared & bit(field) != 0;
    // The fields set or cleared, named and ordered as on the page.
    let body = json::Object::new()
        .opt_int("dial_rule_id", changes.dial_rule_id)
        .opt_string("disk_space_notify_email", changes.disk_space_notify_email.as_deref())
        .null_if("disk_space_notify_email", is_cleared(ClientField::DiskSpaceNotifyEmail))
        .opt_int("disk_space_notify_threshold", changes.disk_space_notify_threshold)
        .null_if("disk_space_notify_threshold", is_cleared(ClientField::DiskSpaceNotifyThreshold))
        .opt_string("geo_list", changes.geo_list.as_deref())
        .null_if("geo_list", is_cleared(ClientField::GeoList))
        .opt_int("hold_music", changes.hold_music)
        .null_if("hold_music", is_cleared(ClientField::HoldMusic))
        .opt_int("sip_network_permission_id", changes.sip_network_permission_id)
        .null_if("sip_network_permission_id", is_cleared(ClientField::SipNetworkPermissionId))
        .opt_string("timezone", changes.timezone.as_deref());
    validate::some_change("changes", !body.is_empty())?;
    let bytes = body.finish()?;
    Ok(api.request(Method::Put, &format!("/client/{id}/client/"), &[]).body("application/json", bytes))
}

/// Positive paging numbers, as query text.
fn paging(page: Option<u32>, per_page: Option<u32>, fields: [&'static str; 2]) -> Result<[Option<String>; 2]> {
    let mut out = [None, None];
    for (i, value) in [page, per_page].into_iter().enumerate() {
        validate::page_number(fields[i], value)?;
        out[i] = value.map(|n| n.to_string());
    }
    Ok(out)
}

/// The pairs whose value is set.
fn set_pairs<'a>(pairs: &[(&'a str, Option<&'a str>)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().filter_map(|(k, v)| v.map(|v| (*k, v))).collect()
}

/// `GET /client/{client_id}/extension/?page=&per_page=`.
pub fn extensions_request(
    api: &Api,
    client_id: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Request> {
    let id = client_segment(client_id)?;
    let [page, per_page] = paging(page, per_page, ["page", "per-page"])?;
    let query = set_pairs(&[("page", page.as_deref()), ("per_page", per_page.as_deref())]);
    Ok(api.request(Method::Get, &format!("/client/{id}/extension/"), &query))
}

/// `POST /extension/{extension_id}/callback/` with `{"src_num", "dst_num"}`.
pub fn click_to_call_request(api: &Api, extension_id: i64, req: &CallbackRequest) -> Result<Request> {
    validate::positive_id("extension-id", extension_id)?;
    validate::non_empty_list("req.src-num", &req.src_num, "must hold at least one number")?;
    for number in &req.src_num {
        validate::dial_number("req.src-num", number)?;
    }
    validate::dial_number("req.dst-num", &req.dst_num)?;
    let body = json::Object::new().strings("src_num", &req.src_num).string("dst_num", &req.dst_num).finish()?;
    Ok(api
        .request(Method::Post, &format!("/extension/{}/callback/", crate::json::json_text(&extension_id)), &[])
        .body("application/json", body))
}

/// `GET /client/{client_id}/call_history/?start_datetime=&end_datetime=&page=&per_page=`.
pub fn call_history_request(api: &Api, client_id: Option<&str>, q: &CallHistoryQuery) -> Result<Request> {
    let id = client_segment(client_id)?;
    let start = q.start_datetime.as_deref();
    let end = q.end_datetime.as_deref();
    if let Some(start) = start {
        validate::datetime("query.start-datetime", start)?;
    }
    if let Some(end) = end {
        validate::datetime("query.end-datetime", end)?;
    }
    validate::not_before("query.end-datetime", start, end)?;
    let [page, per_page] = paging(q.page, q.per_page, ["query.page", "query.per-page"])?;
    let query = set_pairs(&[
        ("start_datetime", start),
        ("end_datetime", end),
        ("page", page.as_deref()),
        ("per_page", per_page.as_deref()),
    ]);
    Ok(api.request(Method::Get, &format!("/client/{id}/call_history/"), &query))
}

//! Ringostat call log export: `GET /calls/list` (pure request building and
//! decoding), and the range splitting that gets every call past the
//! provider's cap of 6,500 calls per answer.
//!
//! Decisions where the provider is silent (each is tested):
//! - both ends of `from`..`to` are inclusive, to the second, so the halves
//!   of a split are `[from, mid]` and `[mid + 1 s, to]`: no call is asked
//!   twice, none is skipped;
//! - an answer of 6,500 calls or more is taken as cut off (the provider
//!   documents "at most 6,500");
//! - the answer is a JSON array of call objects; a JSON object with an
//!   `error` member is `provider`.

use crate::prelude::*;

use super::{check_status, refusal, start};
use crate::bindings::exports::telephony::pbx::ringostat::{CallLogExportQuery, CallOrder, Config, RingostatCall};
use crate::datetime;
use crate::error::{decode, invalid, Result};
use crate::http::{Method, Request, Response};
use crate::json::{Budget, Top};
use crate::ringme::decode::Fields;
use crate::validate;
use crate::{Error, ProviderError};
use serde_json::Value;

/// The most calls the provider puts in one answer.
pub const CALL_CAP: usize = 6_500;
/// The most requests one `call-log-export` makes: enough for 32 full parts
/// (about 200,000 calls); a longer log needs a shorter range per call.
pub const MAX_EXPORT_REQUESTS: u32 = 64;
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

/// A `provider` error (status 200) the component itself raises when a call
/// log cannot be read whole: `code` says which limit.
pub fn limit_error(code: &str, message: &str) -> Error {
    Error::Provider(ProviderError { status: 200, code: Some(code.to_string()), message: message.to_string() })
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
        raw: crate::json::json_text(row),
    })
}

/// The strings of a call, at most.
const ROW_STRINGS: usize = 18;

/// The estimated heap text of a call: its fields' text is the row's at most,
/// and `raw` is the row.
fn row_text(call: &RingostatCall) -> usize {
    2 * call.raw.len()
}

/// A JSON array of call objects, read one call at a time within the result
/// budget ([`Budget`]; past it `too-large`); an object with `error` is
/// `provider`.
pub fn decode_calls(resp: &Response) -> Result<Vec<RingostatCall>> {
    check_status(resp)?;
    let mut calls = Vec::new();
    let mut budget = Budget::new();
    let top = crate::json::rows(&resp.body, None, &["error"], &mut |row| {
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
        _ => Err(decode(format!("expected a JSON array of calls, got {}", crate::status::describe_body(resp)))),
    }
}

/// Fetches `from`..`to` (seconds, inclusive) with `fetch`, splitting every
/// part whose answer reaches [`CALL_CAP`] into `[a, mid]` and `[mid + 1, b]`,
/// until each part answers fewer. The rows come back once each, the parts
/// in time order (reversed with `newest_first`). At most
/// [`MAX_EXPORT_REQUESTS`] fetches; a one-second part at the cap cannot be
/// split. Both are `provider` errors ([`limit_error`]).
pub fn split_export<T>(
    from: i64,
    to: i64,
    newest_first: bool,
    fetch: &mut dyn FnMut(i64, i64) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    // Parts still to fetch; the next one in output order is on top.
    let mut pending = vec![(from, to)];
    let mut requests = 0u32;
    while let Some((a, b)) = pending.pop() {
        if requests == MAX_EXPORT_REQUESTS {
            return Err(limit_error(
                "request-limit",
                "the range holds more calls than 64 requests of 6,500 calls can fetch; ask for a shorter range",
            ));
        }
        requests += 1;
        let rows = fetch(a, b)?;
        if rows.len() < CALL_CAP {
            out.extend(rows);
            continue;
        }
        if a >= b {
            return Err(limit_error(
                "cap-in-one-second",
                "one second of the range holds 6,500 calls or more, the most one answer carries",
            ));
        }
        // `b - a` overflows `i64` for ranges wider than half of it (found by
        // the fuzz test); the distance as `u64` cannot, and `a` plus half of
        // it lies in `a..b`, so the wrapping add is exact.
        let mid = a.wrapping_add((b.abs_diff(a) / 2) as i64);
        let (first, second) = ((a, mid), (mid + 1, b));
        if newest_first {
            pending.extend([first, second]);
        } else {
            pending.extend([second, first]);
        }
    }
    Ok(out)
}

/// The whole export: checks the query, then fetches and splits.
pub fn export(cfg: &Config, q: &CallLogExportQuery) -> Result<Vec<RingostatCall>> {
    let plan = plan(q)?;
    let newest_first = plan.order == Some(CallOrder::NewestFirst);
    // The parts kept so far count against each next part's result budget.
    let mut held = crate::json::Held::new();
    split_export(plan.from, plan.to, newest_first, &mut |a, b| {
        let rows = super::call(cfg, "", calls_list_request(cfg, &plan, a, b), decode_calls)?;
        if rows.len() < CALL_CAP {
            held.items(&rows, row_text, ROW_STRINGS)?;
        }
        Ok(rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::example;

    fn cfg() -> Config {
        Config { auth_key: "KEY-123".into(), base_url: None, timeout_ms: None, max_body_bytes: None }
    }

    fn query(from: &str, to: &str) -> CallLogExportQuery {
        CallLogExportQuery { from: from.into(), to: to.into(), fields: vec![], filters: None, order: None }
    }

    fn ok(body: &str) -> Response {
        Response {
            status: 200,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: body.into(),
        }
    }

    #[test]
    fn the_request_carries_every_parameter() {
        let mut q = query("2024-05-01 00:00:00", "2024-05-31 23:59:59");
        let p = plan(&q).unwrap();
        let r = calls_list_request(&cfg(), &p, p.from, p.to).unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(
            r.target.to_url(),
            "https://api.ringostat.net/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A00&to=2024-05-31%2023%3A59%3A59\
&fields=calldate%2Ccaller%2Cdst%2Cdisposition%2Cduration%2Cbillsec%2Cwaittime%2Ccall_type%2Cuniqueid%2Cconnected_with\
%2Crecording%2Cemployee_fio%2Cutm_source%2Cutm_medium%2Cutm_campaign%2Cutm_content%2Cutm_term"
        );
        assert_eq!(r.wire_headers(), vec![("Auth-key".to_string(), "KEY-123".to_string())]);
        q.fields = vec!["calldate".into(), "uniqueid".into()];
        q.filters = Some("utm_campaign=brand".into());
        q.order = Some(CallOrder::NewestFirst);
        let p = plan(&q).unwrap();
        let r = calls_list_request(&cfg(), &p, p.from + 1, p.from + 2).unwrap();
        assert_eq!(
            r.target.path_and_query,
            "/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A01&to=2024-05-01%2000%3A00%3A02\
&fields=calldate%2Cuniqueid&filters=utm_campaign%3Dbrand&order=calldate%20desc"
        );
        q.order = Some(CallOrder::OldestFirst);
        let r = calls_list_request(&cfg(), &plan(&q).unwrap(), 0, 0).unwrap();
        assert!(r.target.path_and_query.ends_with("&order=calldate%20asc"), "{}", r.target.path_and_query);
    }

    #[test]
    fn bad_queries_name_the_field() {
        let field = |q: CallLogExportQuery| match plan(&q) {
            Err(Error::InvalidInput(f)) => f.field,
            _ => panic!("accepted"),
        };
        assert_eq!(field(query("2024-05-01", "2024-05-02 00:00:00")), "query.from");
        assert_eq!(field(query("2024-05-01 00:00:00", "2024-02-30 00:00:00")), "query.to");
        assert_eq!(field(query("2024-05-02 00:00:00", "2024-05-01 00:00:00")), "query.to");
        let mut q = query("2024-05-01 00:00:00", "2024-05-01 00:00:00");
        q.fields = vec!["calldate".into(), "a,b".into()];
        assert_eq!(field(q.clone()), "query.fields");
        q.fields = vec![String::new()];
        assert_eq!(field(q.clone()), "query.fields");
        q.fields = vec![];
        q.filters = Some("a=1\r\nX: y".into());
        assert_eq!(field(q.clone()), "query.filters");
        q.filters = Some(" ".into());
        assert_eq!(field(q), "query.filters");
    }

    #[test]
    fn decodes_every_documented_field() {
        let row = r#"{"calldate":"2024-05-01 10:00:00","caller":"380671112233","dst":"380441112233","disposition":"ANSWERED",
            "duration":"57","billsec":42,"waittime":"15","call_type":"in","uniqueid":"1714550400.12",
            "connected_with":"supportrngst_manager1","recording":"https://rec.example/1.mp3","employee_fio":"Jo Do",
            "utm_source":"google","utm_medium":"cpc","utm_campaign":"brand","utm_content":"ad1","utm_term":"pbx",
            "department":"Sales"}"#;
        let calls = decode_calls(&ok(&format!("[{row}]"))).unwrap();
        let c = &calls[0];
        assert_eq!(
            (c.calldate.as_deref(), c.caller.as_deref(), c.dst.as_deref(), c.disposition.as_deref()),
            (Some("2024-05-01 10:00:00"), Some("380671112233"), Some("380441112233"), Some("ANSWERED"))
        );
        assert_eq!((c.duration, c.billsec, c.waittime), (Some(57), Some(42), Some(15)));
        assert_eq!((c.call_type.as_deref(), c.uniqueid.as_deref()), (Some("in"), Some("1714550400.12")));
        assert_eq!(
            (c.connected_with.as_deref(), c.recording.as_deref(), c.employee_fio.as_deref()),
            (Some("supportrngst_manager1"), Some("https://rec.example/1.mp3"), Some("Jo Do"))
        );
        assert_eq!(
            [&c.utm_source, &c.utm_medium, &c.utm_campaign, &c.utm_content, &c.utm_term].map(|u| u.as_deref()),
            [Some("google"), Some("cpc"), Some("brand"), Some("ad1"), Some("pbx")]
        );
        let raw: Value = serde_json::from_str(&c.raw).unwrap();
        assert_eq!(raw["department"], "Sales");
        assert_eq!(raw, serde_json::from_str::<Value>(row).unwrap());
        // Absent, null and mistyped fields are none; the row keeps them.
        let c = &decode_calls(&ok(r#"[{"duration":null,"billsec":"x","uniqueid":7}]"#)).unwrap()[0];
        assert_eq!(
            (c.duration, c.billsec, c.uniqueid.as_deref(), c.calldate.as_deref()),
            (None, None, Some("7"), None)
        );
        assert!(decode_calls(&ok("[]")).unwrap().is_empty());
        // The documented log: string numbers, and nulls for the UTM fields of an outgoing call.
        let calls = decode_calls(&ok(example("ringostat.calls-list"))).unwrap();
        let c = &calls[2];
        let got = (calls.len(), c.uniqueid.as_deref(), c.duration, c.billsec);
        assert_eq!(got, (3, Some("1714568744.103"), Some(185), Some(171)));
        assert_eq!((c.utm_source.as_deref(), c.utm_term.as_deref()), (None, None));
    }

    #[test]
    fn odd_answers_are_typed() {
        for bad in ["", "{}", "[1]", "<html></html>", "[{]"] {
            assert!(matches!(decode_calls(&ok(bad)), Err(Error::Decode(_))), "{bad}");
        }
        match decode_calls(&ok(r#"{"error":{"code":400,"message":"Invalid date"}}"#)) {
            Err(Error::Provider(p)) => {
                assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, Some("400"), "Invalid date"))
            }
            _ => panic!("not a refusal"),
        }
        let mut r = ok(example("ringostat.unauthorized"));
        r.status = 401;
        assert!(matches!(decode_calls(&r), Err(Error::Unauthorized(ref m)) if m == "Unauthorized"));
    }

    /// A stand-in log: one call at each of `times` (seconds); answers what
    /// falls in `a..=b`, cut at the cap, and records the parts asked.
    fn fake(times: &[i64], asked: &mut Vec<(i64, i64)>, a: i64, b: i64) -> Result<Vec<i64>> {
        asked.push((a, b));
        Ok(times.iter().copied().filter(|t| (a..=b).contains(t)).take(CALL_CAP).collect())
    }

    #[test]
    fn a_range_over_the_cap_is_split_in_halves_until_complete() {
        // 14,000 calls, one every 6 s over 84,000 s.
        let times: Vec<i64> = (0..14_000).map(|i| i * 6).collect();
        let mut asked = Vec::new();
        let got = split_export(0, 83_999, false, &mut |a, b| fake(&times, &mut asked, a, b)).unwrap();
        assert_eq!(got, times, "every call once, in order");
        assert_eq!(
            asked,
            vec![
                (0, 83_999),
                (0, 41_999),
                (0, 20_999),
                (21_000, 41_999),
                (42_000, 83_999),
                (42_000, 62_999),
                (63_000, 83_999)
            ]
        );
        // Newest first: the later half first at every split.
        let desc: Vec<i64> = times.iter().rev().copied().collect();
        let mut asked = Vec::new();
        let got = split_export(0, 83_999, true, &mut |a, b| {
            fake(&times, &mut asked, a, b).map(|mut v| {
                v.reverse();
                v
            })
        });
        assert_eq!(got.unwrap(), desc);
        assert_eq!(asked[..3], [(0, 83_999), (42_000, 83_999), (63_000, 83_999)]);
        // Under the cap: one request.
        let mut asked = Vec::new();
        assert_eq!(
            split_export(0, 10, false, &mut |a, b| fake(&[1, 2, 10], &mut asked, a, b)).unwrap(),
            vec![1, 2, 10]
        );
        assert_eq!(asked, vec![(0, 10)]);
    }

    #[test]
    fn limits_are_typed_errors() {
        // 6,500 calls in one second: split down to it, then refused.
        let times = vec![5; CALL_CAP];
        let mut asked = Vec::new();
        match split_export(0, 7, false, &mut |a, b| fake(&times, &mut asked, a, b)) {
            Err(Error::Provider(p)) => assert_eq!((p.status, p.code.as_deref()), (200, Some("cap-in-one-second"))),
            _ => panic!("accepted"),
        }
        assert_eq!(asked, vec![(0, 7), (0, 3), (4, 7), (4, 5), (4, 4), (5, 5)]);
        // A log that needs more than 64 requests.
        let mut n = 0;
        let many = split_export(0, 1 << 40, false, &mut |a, b| {
            n += 1;
            Ok(if b > a { vec![0u8; CALL_CAP] } else { vec![] })
        });
        assert!(matches!(many, Err(Error::Provider(ref p)) if p.code.as_deref() == Some("request-limit")));
        assert_eq!(n, MAX_EXPORT_REQUESTS);
        // The widest ranges split without overflow: halves of the whole i64.
        let mut asked = Vec::new();
        let wide = split_export(i64::MIN, i64::MAX, false, &mut |a, b| {
            asked.push((a, b));
            Ok(if asked.len() == 1 { vec![0u8; CALL_CAP] } else { vec![] })
        });
        assert!(wide.unwrap().is_empty());
        assert_eq!(asked, vec![(i64::MIN, i64::MAX), (i64::MIN, -1), (0, i64::MAX)]);
        // A failed fetch stops the export with its error.
        let failed = split_export(0, 10, false, &mut |_, _| Err::<Vec<u8>, _>(Error::Timeout));
        assert!(matches!(failed, Err(Error::Timeout)));
    }
}

//! Telephony over RingMe: click-to-call from the employee's extension, the
//! extensions' status, the call history, each list read page by page.

use crate::prelude::*;

use super::rename::renamed;
use super::words;
use crate::bindings::exports::telephony::pbx::ringme::{
    CallHistoryQuery, CallRecord, CallbackRequest, Config, Extension,
};
use crate::bindings::exports::telephony::pbx::telephony::{AgentState, CallEntry, CallLogQuery, PlacedCall};
use crate::error::{decode, invalid, Result};
use crate::ringme::ops;
use crate::rows::limit_error;
use crate::Error;

/// `per_page` of every list read.
pub const PER_PAGE: u32 = 100;
/// The most pages one operation reads (6,400 rows at [`PER_PAGE`]).
pub const MAX_PAGES: u32 = 64;

/// One page as read: its rows, the `per_page` the answer reports (if any),
/// and a fingerprint of its rows ([`crate::text::fingerprint`] of their raw
/// JSON).
pub type Page<T> = (Vec<T>, Option<u32>, u64);

/// Reads pages 1, 2, ... with `fetch` until a page is empty or shorter than
/// the `per_page` it reports. An answer that reports none is read on to the
/// first empty page, since the provider may serve fewer rows per page than
/// asked. A page with the rows of an earlier one means the provider ignores
/// `page` (a server that did made one `agent-states` call fan out into 65
/// requests): `provider`, code `repeated-page`, at once. More than
/// [`MAX_PAGES`] pages is `provider`, code `request-limit`.
///
/// The pages read so far are held against each next page's result budget
/// (each row's cost: `text(row)` bytes of heap text in `strings` strings,
/// see [`crate::json::Held::items`]); past it, `too-large`.
pub fn all_pages<T>(
    fetch: &mut dyn FnMut(u32) -> Result<Page<T>>,
    text: fn(&T) -> usize,
    strings: usize,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut held = crate::json::Held::new();
    let mut seen = Vec::new();
    for page in 1..=MAX_PAGES {
        let (rows, per_page, fingerprint) = fetch(page)?;
        let n = rows.len();
        if n > 0 && seen.contains(&fingerprint) {
            return Err(limit_error(
                "repeated-page",
                "the provider answered a later page with the rows of an earlier one (it ignores paging); \
                 stopped reading",
            ));
        }
        held.items(&rows, text, strings)?;
        seen.push(fingerprint);
        out.extend(rows);
        if n == 0 || per_page.is_some_and(|p| (n as u64) < u64::from(p)) {
            return Ok(out);
        }
    }
    Err(limit_error("request-limit", "the list has more than 64 pages of 100; ask for a shorter range"))
}

/// Every extension of the client.
fn extensions(cfg: &Config) -> Result<Vec<Extension>> {
    all_pages(
        &mut |page| {
            let rows = ops::extensions(cfg, None, Some(page), Some(PER_PAGE))?;
            let fingerprint = crate::text::fingerprint(rows.iter().map(|r| r.raw.as_str()));
            Ok((rows, None, fingerprint))
        },
        |e: &Extension| 2 * e.raw.len(),
        5,
    )
}

/// The extension `employee` names: its id, its whole name (`0001*101`,
/// or as listed, with `@domain`), or the part after `*` (`101`).
pub fn find_extension<'a>(exts: &'a [Extension], employee: &str) -> Option<&'a Extension> {
    exts.iter().find(|e| {
        let full = e.name.as_deref().unwrap_or("");
        // Byte positions rather than `split`/`rsplit`: no searcher code.
        let name = full.get(..full.bytes().position(|b| b == b'@').unwrap_or(full.len())).unwrap_or(full);
        let short = name.get(name.bytes().rposition(|b| b == b'*').map_or(0, |i| i + 1)..).unwrap_or(name);
        // The name as listed (with `@domain`, as `agent-states` gives it)
        // also matches: found missing by the fuzz test.
        crate::json::json_text(&e.id) == employee || full == employee || name == employee || short == employee
    })
}

/// The click-to-call from `ext`: ring its name, then connect `customer`.
/// An extension without a name cannot be rung: `decode`.
pub fn callback_request(ext: &Extension, customer: &str) -> Result<(i64, CallbackRequest)> {
    let name = ext.name.clone().ok_or_else(|| decode("the employee's RingMe extension has no name to ring"))?;
    Ok((ext.id, CallbackRequest { src_num: vec![name], dst_num: customer.to_string() }))
}

/// The invalid-input names of click-to-call, as telephony parameters.
const PARTIES: [(&str, &str); 2] = [("req.src-num", "employee"), ("req.dst-num", "customer")];

/// `place-call`: checks both parties (nothing sent when either is bad),
/// finds the employee's extension, then clicks to call.
pub fn place_call(cfg: Config, employee: &str, customer: &str) -> Result<PlacedCall> {
    let api = crate::ringme::requests::Api::new(&cfg)?;
    let probe = CallbackRequest { src_num: vec![employee.to_string()], dst_num: customer.to_string() };
    crate::ringme::requests::click_to_call_request(&api, 1, &probe).map_err(|e| renamed(e, &PARTIES))?;
    let exts = extensions(&cfg)?;
    let ext = find_extension(&exts, employee)
        .ok_or_else(|| Error::NotFound("no extension of the RingMe client matches `employee`".to_string()))?;
    let (id, req) = callback_request(ext, customer)?;
    let started = ops::click_to_call(&cfg, id, &req).map_err(|e| renamed(e, &PARTIES))?;
    Ok(PlacedCall { id: Some(started.call_id.unwrap_or(started.call_api_id)) })
}

/// The `phone` extensions (or of no type) as agents: `name` (else the id)
/// and `status`.
pub fn states(exts: &[Extension]) -> Vec<AgentState> {
    let mut out = Vec::new();
    for e in exts.iter().filter(|e| e.type_.as_deref().is_none_or(|t| t == "phone")) {
        out.push(AgentState {
            agent: e.name.clone().unwrap_or_else(|| crate::json::json_text(&e.id)),
            state: words::agent_state(e.status.as_deref()),
            provider_state: e.status.clone(),
        });
    }
    out
}

/// `agent-states`: every page of the extensions.
pub fn agent_states(cfg: Config) -> Result<Vec<AgentState>> {
    Ok(states(&extensions(&cfg)?))
}

/// Page `page` of the call history of the range.
pub fn history_query(q: &CallLogQuery, page: u32) -> CallHistoryQuery {
    CallHistoryQuery {
        start_datetime: Some(q.from.clone()),
        end_datetime: Some(q.to.clone()),
        page: Some(page),
        per_page: Some(PER_PAGE),
    }
}

/// One call: `call_uuid`, `start_time_gmt` (else `init_time_gmt`), `flow`,
/// `from_username`, `to_username`, `duration`, `bridged_duration` (talk),
/// `result`.
pub fn entry(c: CallRecord) -> CallEntry {
    CallEntry {
        direction: words::direction(c.flow.as_deref()),
        answered: words::answered(c.result.as_deref(), c.bridged_duration),
        id: c.call_uuid,
        start_time: c.start_time_gmt.or(c.init_time_gmt),
        from: c.from_username,
        to: c.to_username,
        duration: c.duration,
        talk_seconds: c.bridged_duration,
        raw: c.raw,
    }
}

/// `call-log`: every page of the call history. The history has no filter
/// by call id: one asked for is `invalid-input`, nothing sent.
pub fn call_log(cfg: Config, q: &CallLogQuery) -> Result<Vec<CallEntry>> {
    if q.call_id.is_some() {
        return Err(invalid("query.call-id", "RingMe's call history has no filter by call id"));
    }
    let calls = all_pages(
        &mut |page| {
            let p = ops::call_history(&cfg, None, &history_query(q, page))?;
            let fingerprint = crate::text::fingerprint(p.calls.iter().map(|c| c.raw.as_str()));
            Ok((p.calls, p.per_page, fingerprint))
        },
        |c: &CallRecord| 2 * c.raw.len(),
        17,
    )?;
    let mut out = Vec::with_capacity(calls.len());
    for c in calls {
        out.push(entry(c));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{agents, invalid_field as field, view};
    use super::*;
    use crate::bindings::exports::telephony::pbx::ringme::{AppCredentials, Auth};
    use crate::bindings::exports::telephony::pbx::telephony::{Direction, State};
    use crate::http::Response;
    use crate::ringme::decode::{decode_call_history, decode_extensions};
    use crate::ringme::requests::{call_history_request, click_to_call_request, Api};

    fn cfg() -> Config {
        let app = AppCredentials { client_id: "app".into(), client_secret: "s3cret".into() };
        Config {
            base_url: "https://apiproxy.telphin.ru".into(),
            auth: Auth::App(app),
            timeout_ms: None,
            max_body_bytes: None,
        }
    }

    fn ok(body: &str) -> Response {
        Response { status: 200, headers: vec![], body: body.into() }
    }

    const EXTS: &str = r#"[{"id":469100,"name":"0001*101","status":"active","type":"phone","label":"Reception"},
        {"id":469101,"name":"0001*102@sip.ringme.ru","status":"blocked","type":"phone"},
        {"id":469150,"name":"0001*600","status":"active","type":"queue"},{"id":469160,"status":null}]"#;

    #[test]
    fn pages_are_read_to_the_end() {
        let mut asked = Vec::new();
        let got = all_pages(
            &mut |p| {
                asked.push(p);
                Ok((if p < 3 { vec![p; 2] } else { vec![] }, None, u64::from(p)))
            },
            |_| 0,
            0,
        );
        assert_eq!((got.unwrap(), asked), (vec![1, 1, 2, 2], vec![1, 2, 3]));
        // A short page, by the per_page the answer reports, is the last.
        let mut asked = Vec::new();
        let got = all_pages(
            &mut |p| {
                asked.push(p);
                Ok((vec![p; if p == 1 { 20 } else { 7 }], Some(20), u64::from(p)))
            },
            |_| 0,
            0,
        );
        assert_eq!((got.unwrap().len(), asked), (27, vec![1, 2]));
        // A provider that never ends.
        let mut n = 0;
        let endless = all_pages(
            &mut |p| {
                n += 1;
                Ok((vec![0u8], None, u64::from(p)))
            },
            |_| 0,
            0,
        );
        let limit = |e: &Error| matches!(e, Error::Provider(p) if p.code.as_deref() == Some("request-limit") && p.status == 200);
        assert!(endless.as_ref().is_err_and(limit));
        assert_eq!(n, MAX_PAGES);
        assert!(matches!(all_pages::<u8>(&mut |_| Err(Error::Timeout), |_| 0, 0), Err(Error::Timeout)));
        // A provider that ignores `page`: page 2 repeats page 1, and the
        // reading stops there, not at the request limit.
        let mut n = 0;
        let repeated = all_pages(
            &mut |_| {
                n += 1;
                Ok((vec![0u8; 100], None, 7))
            },
            |_| 0,
            0,
        );
        let code = |e: &Error| matches!(e, Error::Provider(p) if p.code.as_deref() == Some("repeated-page"));
        assert!(repeated.as_ref().is_err_and(code));
        assert_eq!(n, 2);
        // The pages read are held against the result budget.
        let mut n = 0;
        let big = all_pages(
            &mut |p| {
                n += 1;
                Ok((vec![0u8; 10], None, u64::from(p)))
            },
            |_| crate::json::RESULT_CAP / 25,
            0,
        );
        assert!(matches!(big, Err(Error::TooLarge(_))), "{big:?}");
        assert_eq!(n, 3);
    }

    #[test]
    fn the_employee_is_found_by_id_full_or_short_name() {
        let exts = decode_extensions(&ok(EXTS)).unwrap();
        let ids = [("469100", Some(469100)), ("0001*101", Some(469100)), ("101", Some(469100)), ("102", Some(469101))];
        let more =
            [("0001*102", Some(469101)), ("0001*102@sip.ringme.ru", Some(469101)), ("103", None), ("0001", None)];
        for (employee, id) in ids.into_iter().chain(more) {
            assert_eq!(find_extension(&exts, employee).map(|e| e.id), id, "{employee}");
        }
        let (id, req) = callback_request(&exts[0], "+74951234567").unwrap();
        assert_eq!(
            (id, req.src_num.as_slice(), req.dst_num.as_str()),
            (469100, &["0001*101".to_string()][..], "+74951234567")
        );
        let api = Api::new(&cfg()).unwrap();
        let r = click_to_call_request(&api, id, &req).unwrap();
        assert_eq!(r.target.to_url(), "https://apiproxy.telphin.ru/api/ver1.0/extension/469100/callback/");
        assert_eq!(r.body.unwrap().bytes, br#"{"src_num":["0001*101"],"dst_num":"+74951234567"}"#);
        assert!(matches!(callback_request(&exts[3], "+74951234567"), Err(Error::Decode(_))));
        let documented = decode_extensions(&ok(crate::fixtures::example("ringme.extensions"))).unwrap();
        let found = ["101", "0001*102", "469150", "103"].map(|e| find_extension(&documented, e).map(|x| x.id));
        assert_eq!(found, [Some(469100), Some(469101), Some(469150), None]);
    }

    #[test]
    fn bad_parties_send_nothing_and_name_the_parameter() {
        assert_eq!(field(place_call(cfg(), "10 1", "+74951234567")), "employee");
        assert_eq!(field(place_call(cfg(), "101", "")), "customer");
        let mut c = cfg();
        c.base_url = "ftp://x".into();
        assert_eq!(field(place_call(c, "101", "+74951234567")), "cfg.base-url");
    }

    #[test]
    fn phone_extensions_are_the_agents() {
        assert_eq!(
            agents(&states(&decode_extensions(&ok(EXTS)).unwrap())),
            vec![
                ("0001*101", State::Unknown, Some("active")),
                ("0001*102@sip.ringme.ru", State::Offline, Some("blocked")),
                ("469160", State::Unknown, None),
            ]
        );
    }

    #[test]
    fn call_history_pages_map_to_calls() {
        let q = CallLogQuery { from: "2021-01-01 00:00:00".into(), to: "2021-01-31 23:59:59".into(), call_id: None };
        let r = call_history_request(&Api::new(&cfg()).unwrap(), None, &history_query(&q, 2)).unwrap();
        assert_eq!(
            r.target.path_and_query,
            "/api/ver1.0/client/@me/call_history/?start_datetime=2021-01-01%2000%3A00%3A00\
&end_datetime=2021-01-31%2023%3A59%3A59&page=2&per_page=100"
        );
        let page = decode_call_history(&ok(r#"{"page":1,"per_page":100,"call_history":[
            {"call_uuid":"CAA3","flow":"out","from_username":"0001*101","to_username":"+74951234567","result":"bridged",
             "init_time_gmt":"2021-01-01 16:29:38","start_time_gmt":"2021-01-01 16:29:39","duration":37,
             "bridged_duration":24},
            {"call_uuid":"0B1C","flow":"in","from_username":"+79161112233","to_username":"0001*600",
             "result":"not answered","init_time_gmt":"2021-01-02 09:00:01","duration":30,"bridged_duration":0},
            {"flow":"transfer","result":"weird","bridged_duration":3}]}"#))
        .unwrap();
        let raw = page.calls[0].raw.clone();
        let e: Vec<CallEntry> = page.calls.into_iter().map(entry).collect();
        let (ext, customer) = (Some("0001*101"), Some("+74951234567"));
        let out = Some(Direction::Outbound);
        assert_eq!(
            view(&e[0]),
            (Some("CAA3"), Some("2021-01-01 16:29:39"), out, ext, customer, Some(37), Some(24), Some(true))
        );
        assert_eq!(e[0].raw, raw);
        let (start, inbound) = (Some("2021-01-02 09:00:01"), Some(Direction::Inbound));
        let parties = (Some("+79161112233"), Some("0001*600"));
        assert_eq!(view(&e[1]), (Some("0B1C"), start, inbound, parties.0, parties.1, Some(30), Some(0), Some(false)));
        assert_eq!(view(&e[2]), (None, None, None, None, None, None, Some(3), Some(true)));
    }

    #[test]
    fn a_call_id_has_no_equivalent() {
        let q = CallLogQuery {
            from: "2021-01-01 00:00:00".into(),
            to: "2021-01-31 23:59:59".into(),
            call_id: Some("CAA3".into()),
        };
        assert_eq!(field(call_log(cfg(), &q)), "query.call-id");
    }
}

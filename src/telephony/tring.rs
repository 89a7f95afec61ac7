//! Telephony over TRiNG / MiRTA: DIAL, INFO extstate, INFO cdrs, read as
//! the typed rows of [`crate::tring::ops`] ([`ExtState`], [`Cdr`]: MiRTA's
//! and Asterisk's column names, each none when absent) and mapped here.

use crate::prelude::*;

use super::rename::renamed;
use super::words;
use crate::bindings::exports::telephony::pbx::telephony::{AgentState, CallEntry, CallLogQuery, PlacedCall};
use crate::bindings::exports::telephony::pbx::tring::{CdrFilter, Config, DialRequest};
use crate::error::Result;
use crate::json::Budget;
use crate::tring::decode::{Cdr, ExtState};
use crate::tring::ops;

/// DIAL `source` = the employee (rung first), `dest` = the customer.
pub fn dial_request(employee: &str, customer: &str) -> DialRequest {
    DialRequest {
        source: employee.to_string(),
        dest: customer.to_string(),
        var: None,
        account: None,
        dial_timeout: None,
        timeout: None,
        source_clid: None,
        dest_clid: None,
        recording: None,
        server: None,
        auto_answer: None,
        no_follow: None,
    }
}

/// `place-call`: DIAL; the originate id is the call's id.
pub fn place_call(cfg: Config, employee: &str, customer: &str) -> Result<PlacedCall> {
    ops::dial(&cfg, &dial_request(employee, customer))
        .map(|d| PlacedCall { id: Some(d.id) })
        .map_err(|e| renamed(e, &[("req.source", "employee"), ("req.dest", "customer")]))
}

/// An INFO extstate row as an agent: `extension` and its `state`.
pub fn state(row: ExtState) -> AgentState {
    AgentState { agent: row.extension, state: words::agent_state(row.state.as_deref()), provider_state: row.state }
}

/// Adds `row` to `out` as an agent; past the result budget, `too-large`.
pub fn push_state(out: &mut Vec<AgentState>, budget: &mut Budget, row: ExtState) -> Result<()> {
    budget.item::<AgentState>(row.extension.len() + row.state.as_ref().map_or(0, String::len), 2)?;
    out.push(state(row));
    Ok(())
}

/// `agent-states`: INFO extstate. A row without an extension is `decode`.
pub fn agent_states(cfg: Config) -> Result<Vec<AgentState>> {
    let (mut out, mut budget) = (Vec::new(), Budget::new());
    ops::extstate(&cfg, |row| push_state(&mut out, &mut budget, row))?;
    Ok(out)
}

/// INFO cdrs for the range (`start`, `end`), JSON; `uniqueid` for one call.
pub fn cdr_filter(q: &CallLogQuery) -> CdrFilter {
    CdrFilter {
        id: None,
        uniqueid: q.call_id.clone(),
        linkedid: None,
        src: None,
        firstdst: None,
        direction: None,
        phone: None,
        template: None,
        start: Some(q.from.clone()),
        end: Some(q.to.clone()),
        format: None,
    }
}

/// An INFO cdrs row as a call.
pub fn entry(c: Cdr) -> CallEntry {
    CallEntry {
        direction: words::direction(c.direction.as_deref()),
        answered: words::answered(c.disposition.as_deref(), c.billsec),
        id: c.uniqueid,
        start_time: c.calldate,
        from: c.src,
        to: c.dst,
        duration: c.duration,
        talk_seconds: c.billsec,
        raw: c.raw,
    }
}

/// Adds `row` to `out` as a call; past the result budget, `too-large`.
pub fn push_entry(out: &mut Vec<CallEntry>, budget: &mut Budget, row: Cdr) -> Result<()> {
    let entry = entry(row);
    budget.item::<CallEntry>(2 * entry.raw.len(), 5)?;
    out.push(entry);
    Ok(())
}

/// `call-log`: INFO cdrs.
pub fn call_log(cfg: Config, q: &CallLogQuery) -> Result<Vec<CallEntry>> {
    let (mut out, mut budget) = (Vec::new(), Budget::new());
    ops::cdrs(&cfg, &cdr_filter(q), |row| push_entry(&mut out, &mut budget, row))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{agents, invalid_field as field, view};
    use super::*;
    use crate::bindings::exports::telephony::pbx::telephony::{Direction, State};
    use crate::http::Response;
    use crate::tring::decode::{decode_cdr_rows, decode_extstate_rows};
    use crate::tring::requests::{dial_request as dial_builder, info_cdrs_request};
    use serde_json::Value;

    fn ok(text: &str) -> Response {
        Response { status: 200, headers: vec![], body: text.into() }
    }

    /// The agents of an INFO extstate answer.
    fn states(text: &str) -> Result<Vec<AgentState>> {
        let (mut out, mut budget) = (Vec::new(), Budget::new());
        decode_extstate_rows(&ok(text), |row| push_state(&mut out, &mut budget, row)).map(|()| out)
    }

    /// The calls of an INFO cdrs answer.
    fn entries(text: &str) -> Result<Vec<CallEntry>> {
        let (mut out, mut budget) = (Vec::new(), Budget::new());
        decode_cdr_rows(&ok(text), |row| push_entry(&mut out, &mut budget, row)).map(|()| out)
    }

    fn cfg() -> Config {
        Config {
            server: "https://pbx.example.com".into(),
            api_key: "K".into(),
            tenant: Some("DEMO".into()),
            timeout_ms: None,
            max_body_bytes: None,
        }
    }

    #[test]
    fn requests_are_dial_and_cdrs() {
        let r = dial_builder(&cfg(), &dial_request("101", "+3212345678")).unwrap();
        assert_eq!(
            r.target.to_url(),
            "https://pbx.example.com/pbx/proxyapi.php?key=K&tenant=DEMO&reqtype=DIAL&source=101&dest=%2B3212345678&format=json"
        );
        let q = CallLogQuery {
            from: "2024-05-01 00:00:00".into(),
            to: "2024-05-01 23:59:59".into(),
            call_id: Some("1714550400.12".into()),
        };
        let r = info_cdrs_request(&cfg(), &cdr_filter(&q)).unwrap();
        assert_eq!(
            r.target.path_and_query,
            "/pbx/proxyapi.php?key=K&tenant=DEMO&reqtype=INFO&info=cdrs&uniqueid=1714550400.12\
&start=2024-05-01%2000%3A00%3A00&end=2024-05-01%2023%3A59%3A59&format=json"
        );
    }

    #[test]
    fn bad_parties_name_the_telephony_parameter() {
        assert_eq!(field(place_call(cfg(), "", "+3212345678")), "employee");
        assert_eq!(field(place_call(cfg(), "101", "32 12")), "customer");
    }

    #[test]
    fn extstate_rows_map_to_states() {
        let r = r#"[{"extension":"101","state":"INUSE","with":"+3212345678"},{"extension":102,"state":"NOT_INUSE"},
            {"extension":"103","state":"UNAVAILABLE"},{"extension":"104"}]"#;
        assert_eq!(
            agents(&states(r).unwrap()),
            vec![
                ("101", State::Busy, Some("INUSE")),
                ("102", State::Available, Some("NOT_INUSE")),
                ("103", State::Offline, Some("UNAVAILABLE")),
                ("104", State::Unknown, None),
            ]
        );
        assert!(matches!(states(r#"[{"state":"INUSE"}]"#), Err(crate::Error::Decode(_))));
        assert!(matches!(states("[1]"), Err(crate::Error::Decode(_))));
        assert!(matches!(states(r#"{"a":1}"#), Err(crate::Error::Decode(_))));
        assert!(matches!(entries("[1] x"), Err(crate::Error::Decode(_))));
        assert!(states("[]").unwrap().is_empty());
        let documented = crate::fixtures::example("tring.info-extstate");
        let got: Vec<State> = states(documented).unwrap().into_iter().map(|a| a.state).collect();
        assert_eq!(got, vec![State::Busy, State::Available, State::Offline]);
    }

    #[test]
    fn cdr_rows_map_to_calls() {
        let text = r#"[{"calldate":"2024-05-01 10:00:00","src":"101","dst":"+3212345678","disposition":"ANSWERED",
            "duration":"57","billsec":"42","uniqueid":"1714550400.12","direction":"out"},
            {"calldate":"2024-05-01 11:00:00","src":"+3287654321","dst":"101","disposition":"NO ANSWER","duration":20,
            "billsec":0,"uniqueid":"1714554000.3","direction":"in"},
            {"src":"101","dst":"102","direction":"internal","disposition":"BUSY"}]"#;
        let r: Vec<Value> = serde_json::from_str(text).unwrap();
        let e = entries(text).unwrap();
        let (ext, customer) = (Some("101"), Some("+3212345678"));
        let start = Some("2024-05-01 10:00:00");
        let out = Some(Direction::Outbound);
        assert_eq!(view(&e[0]), (Some("1714550400.12"), start, out, ext, customer, Some(57), Some(42), Some(true)));
        assert_eq!(serde_json::from_str::<Value>(&e[0].raw).unwrap(), r[0]);
        let start = Some("2024-05-01 11:00:00");
        let inbound = Some(Direction::Inbound);
        let caller = Some("+3287654321");
        assert_eq!(view(&e[1]), (Some("1714554000.3"), start, inbound, caller, ext, Some(20), Some(0), Some(false)));
        let internal = Some(Direction::Internal);
        assert_eq!(view(&e[2]), (None, None, internal, ext, Some("102"), None, None, Some(false)));
    }
}

//! Telephony over TRiNG / MiRTA: DIAL, INFO extstate, INFO cdrs. The page
//! fixes no row shape for extstate and cdrs: the rows are read for
//! MiRTA's column names (`extension`, `state`; Asterisk's CDR columns
//! `uniqueid`, `calldate`, `src`, `dst`, `duration`, `billsec`,
//! `disposition`, and `direction`, which the page names as a filter), each
//! none when absent.

use crate::prelude::*;

use super::{renamed, words};
use crate::bindings::exports::telephony::pbx::telephony::{AgentState, CallEntry, CallLogQuery, PlacedCall};
use crate::bindings::exports::telephony::pbx::tring::{CdrFilter, Config, DialRequest, Guest as Tring};
use crate::error::{decode, Result};
use crate::ringme::decode::Fields;
use crate::Component;
use serde_json::Value;

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
    <Component as Tring>::dial(cfg, dial_request(employee, customer))
        .map(|d| PlacedCall { id: Some(d.id) })
        .map_err(|e| renamed(e, &[("req.source", "employee"), ("req.dest", "customer")]))
}

/// Reads the rows of a JSON array answer one at a time with `row` (the
/// provider operations have already checked it is JSON; an empty answer
/// arrives as `[]`), never the answer's whole tree.
fn each_row(text: &str, row: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    match crate::json::rows(text.as_bytes(), None, &[], row)? {
        Some(crate::json::Top::Array) => Ok(()),
        _ => Err(decode("expected a JSON array of rows")),
    }
}

/// INFO extstate rows: `extension` and its `state`. A row without an
/// extension is `decode`; past the result budget, `too-large`.
pub fn states(text: &str) -> Result<Vec<AgentState>> {
    let mut out = Vec::new();
    let mut budget = crate::json::Budget::new();
    each_row(text, &mut |row| {
        let f = Fields::of(&row, "an INFO extstate row", false)?;
        let agent = f.text("extension").ok_or_else(|| decode("an INFO extstate row has no `extension`"))?;
        let word = f.text("state");
        budget.item::<AgentState>(agent.len() + word.as_ref().map_or(0, String::len), 2)?;
        out.push(AgentState { agent, state: words::agent_state(word.as_deref()), provider_state: word });
        Ok(())
    })?;
    Ok(out)
}

/// `agent-states`: INFO extstate.
pub fn agent_states(cfg: Config) -> Result<Vec<AgentState>> {
    states(&<Component as Tring>::info_extstate(cfg)?)
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

/// INFO cdrs rows as calls; past the result budget, `too-large`.
pub fn entries(text: &str) -> Result<Vec<CallEntry>> {
    let mut out = Vec::new();
    let mut budget = crate::json::Budget::new();
    each_row(text, &mut |row| {
        let f = Fields::of(&row, "an INFO cdrs row", false)?;
        let talk = f.u32("billsec");
        let entry = CallEntry {
            id: f.text("uniqueid"),
            start_time: f.text("calldate"),
            direction: words::direction(f.text("direction").as_deref()),
            from: f.text("src"),
            to: f.text("dst"),
            duration: f.u32("duration"),
            talk_seconds: talk,
            answered: words::answered(f.text("disposition").as_deref(), talk),
            raw: crate::json::json_text(&row),
        };
        budget.item::<CallEntry>(2 * entry.raw.len(), 5)?;
        out.push(entry);
        Ok(())
    })?;
    Ok(out)
}

/// `call-log`: INFO cdrs.
pub fn call_log(cfg: Config, q: &CallLogQuery) -> Result<Vec<CallEntry>> {
    entries(&<Component as Tring>::info_cdrs(cfg, cdr_filter(q))?)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{agents, invalid_field as field, view};
    use super::*;
    use crate::bindings::exports::telephony::pbx::telephony::{Direction, State};
    use crate::tring::requests::{dial_request as dial_builder, info_cdrs_request};

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

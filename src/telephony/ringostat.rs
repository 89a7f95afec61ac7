//! Telephony over Ringostat: the extended call-back, `sip-online` with
//! `sip-speaking`, and the call log export.

use crate::prelude::*;

use super::rename::renamed;
use super::words;
use crate::bindings::exports::telephony::pbx::ringostat::{
    CallDirection, CallLogExportQuery, CallOrder, Config, ExtendedCallbackRequest, RingostatCall,
};
use crate::bindings::exports::telephony::pbx::telephony::{
    AgentState, CallEntry, CallLogQuery, PlacedCall, RingostatAccount, State,
};
use crate::error::Result;
use crate::ringostat::ops;

/// The call-back that rings `employee` (callee) first, then connects
/// `customer` (caller), logged as outbound (`manager_dst` 1, `direction`
/// `out`: the page's outbound table and example).
pub fn callback_request(project_id: &str, employee: &str, customer: &str) -> ExtendedCallbackRequest {
    ExtendedCallbackRequest {
        project_id: project_id.to_string(),
        caller: customer.to_string(),
        callee: employee.to_string(),
        callee_type: None,
        caller_type: None,
        direction: Some(CallDirection::Outbound),
        manager_first: Some(true),
        client_ip: None,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        utm_term: None,
        utm_content: None,
        client_id: None,
        client_user_agent: None,
    }
}

/// `place-call`: the extended call-back. Its answer documents no call id.
pub fn place_call(a: RingostatAccount, employee: &str, customer: &str) -> Result<PlacedCall> {
    let req = callback_request(&a.project_id, employee, customer);
    ops::extended_callback(&a.config, &req).map(|_| PlacedCall { id: None }).map_err(|e| {
        renamed(e, &[("req.callee", "employee"), ("req.caller", "customer"), ("req.project-id", "account.project-id")])
    })
}

/// Online logins are available, speaking ones busy (also a speaking login
/// missing from the online list); online order, then the other speakers.
///
/// Lookups go through sorted lists of references: the lists may hold hundreds of
/// thousands of logins (within the result budget), where scanning one list
/// per login of the other would not finish.
pub fn states(online: Vec<String>, mut speaking: Vec<String>) -> Vec<AgentState> {
    let busy = sorted(&speaking);
    // The speakers missing from the online list, by index, each name once
    // (its first time: marked at the first of its equals in `busy`).
    let mut extra = Vec::new();
    {
        let listed = sorted(&online);
        let mut named = vec![false; busy.len()];
        for (i, agent) in speaking.iter().enumerate() {
            if listed.binary_search(&agent.as_str()).is_err() {
                let first = busy.partition_point(|b| *b < agent.as_str());
                if !core::mem::replace(&mut named[first], true) {
                    extra.push(i);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(online.len() + extra.len());
    for agent in online {
        let speaks = busy.binary_search(&agent.as_str()).is_ok();
        out.push(AgentState {
            agent,
            state: if speaks { State::Busy } else { State::Available },
            provider_state: Some(if speaks { "speaking" } else { "online" }.to_string()),
        });
    }
    drop(busy);
    for i in extra {
        let agent = core::mem::take(&mut speaking[i]);
        out.push(AgentState { agent, state: State::Busy, provider_state: Some("speaking".to_string()) });
    }
    out
}

/// The names of `list`, sorted (one sort for both lists: less code).
fn sorted(list: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = list.iter().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// `agent-states`: `GET /sipstatus/online`, then `GET /sipstatus/speaking`.
pub fn agent_states(cfg: Config) -> Result<Vec<AgentState>> {
    // Each list is held (with the state each login becomes: an
    // `AgentState` and its provider word) while the next is read.
    let cost = |login: &String| login.len() + core::mem::size_of::<AgentState>() + 32;
    let mut held = crate::json::Held::new();
    let online = ops::sip_online(&cfg)?;
    held.items(&online, cost, 1)?;
    let speaking = ops::sip_speaking(&cfg)?;
    held.items(&speaking, cost, 1)?;
    Ok(states(online, speaking))
}

/// The export of the range: the documented fields, oldest first, and
/// `filters=uniqueid=<id>` for one call.
pub fn export_query(q: &CallLogQuery) -> CallLogExportQuery {
    CallLogExportQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        fields: Vec::new(),
        filters: q.call_id.as_ref().map(|id| {
            let mut f = String::from("uniqueid=");
            f.push_str(id);
            f
        }),
        order: Some(CallOrder::OldestFirst),
    }
}

/// One call: `uniqueid`, `calldate`, `call_type`, `caller` (who called),
/// `dst` (where), `duration`, `billsec` (talk), `disposition`.
pub fn entry(c: RingostatCall) -> CallEntry {
    CallEntry {
        direction: words::direction(c.call_type.as_deref()),
        answered: words::answered(c.disposition.as_deref(), c.billsec),
        id: c.uniqueid,
        start_time: c.calldate,
        from: c.caller,
        to: c.dst,
        duration: c.duration,
        talk_seconds: c.billsec,
        raw: c.raw,
    }
}

/// `call-log`: `call-log-export`, each call mapped.
pub fn call_log(cfg: Config, q: &CallLogQuery) -> Result<Vec<CallEntry>> {
    let calls = ops::call_log_export(&cfg, &export_query(q))?;
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
    use crate::bindings::exports::telephony::pbx::telephony::Direction;
    use crate::http::Response;
    use crate::ringostat::decode::decode_calls;
    use crate::ringostat::requests::{calls_list_request, extended_callback_request, plan};

    fn cfg() -> Config {
        Config { auth_key: "KEY-123".into(), base_url: None, timeout_ms: None, max_body_bytes: None }
    }

    #[test]
    fn place_call_is_the_outbound_employee_first_callback() {
        let req = callback_request("11111", "manager1", "380671112233");
        let r = extended_callback_request(&cfg(), &req, 7).unwrap();
        assert_eq!(r.target.to_url(), "https://api.ringostat.net/a/v2");
        assert_eq!(
            String::from_utf8(r.body.unwrap().bytes).unwrap(),
            r#"{"jsonrpc":"2.0","id":7,"method":"Api\\V2\\Callback.external","params":{"caller":"380671112233","#
                .to_string()
                + r#""callee":"manager1","manager_dst":1,"direction":"out","projectId":"11111"}}"#
        );
    }

    #[test]
    fn bad_parties_name_the_telephony_parameter() {
        let a = |project: &str| RingostatAccount { config: cfg(), project_id: project.into() };
        assert_eq!(field(place_call(a("11111"), "a b", "380671112233")), "employee");
        assert_eq!(field(place_call(a("11111"), "manager1", "12")), "customer");
        assert_eq!(field(place_call(a("x"), "manager1", "380671112233")), "account.project-id");
    }

    #[test]
    fn online_and_speaking_make_the_states() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let got = states(s(&["m1", "m2", "m3"]), s(&["m2", "m9"]));
        assert_eq!(
            agents(&got),
            vec![
                ("m1", State::Available, Some("online")),
                ("m2", State::Busy, Some("speaking")),
                ("m3", State::Available, Some("online")),
                ("m9", State::Busy, Some("speaking")),
            ]
        );
        assert!(states(vec![], vec![]).is_empty());
    }

    #[test]
    fn call_log_is_the_export_of_the_range() {
        let q = CallLogQuery {
            from: "2024-05-01 00:00:00".into(),
            to: "2024-05-01 23:59:59".into(),
            call_id: Some("17.1".into()),
        };
        let p = plan(&export_query(&q)).unwrap();
        let r = calls_list_request(&cfg(), &p, p.from, p.to).unwrap();
        let pq = r.target.path_and_query;
        assert!(
            pq.starts_with("/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A00&to=2024-05-01%2023%3A59%3A59")
        );
        assert!(pq.ends_with("%2Cutm_term&filters=uniqueid%3D17.1&order=calldate%20asc"), "{pq}");
        assert_eq!(export_query(&CallLogQuery { call_id: None, ..q }).filters, None);
    }

    #[test]
    fn every_field_of_a_call_maps() {
        let body = r#"[{"calldate":"2024-05-01 10:00:00","caller":"380671112233","dst":"380441112233",
            "disposition":"ANSWERED","duration":57,"billsec":42,"waittime":15,"call_type":"in","uniqueid":"1714550400.12"},
            {"calldate":"2024-05-01 11:00:00","caller":"manager1","dst":"380671112233","disposition":"PROPER",
            "duration":"9","billsec":"0","call_type":"callback","uniqueid":"1714554000.3"},
            {"disposition":"NO ANSWER","call_type":"transitout"}]"#;
        let rows = decode_calls(&Response { status: 200, headers: vec![], body: body.into() }).unwrap();
        let raw = rows[0].raw.clone();
        let e: Vec<CallEntry> = rows.into_iter().map(entry).collect();
        let (a, b) = (Some("380671112233"), Some("380441112233"));
        let first = (Some("1714550400.12"), Some("2024-05-01 10:00:00"), Some(Direction::Inbound), a, b);
        assert_eq!(view(&e[0]), (first.0, first.1, first.2, first.3, first.4, Some(57), Some(42), Some(true)));
        assert_eq!(e[0].raw, raw);
        let second =
            (Some("1714554000.3"), Some("2024-05-01 11:00:00"), Some(Direction::Outbound), Some("manager1"), a);
        assert_eq!(view(&e[1]), (second.0, second.1, second.2, second.3, second.4, Some(9), Some(0), Some(false)));
        assert_eq!(view(&e[2]), (None, None, Some(Direction::Outbound), None, None, None, None, Some(false)));
    }
}

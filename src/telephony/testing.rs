//! Helpers the mapping tests share.

use crate::bindings::exports::telephony::pbx::telephony::{AgentState, CallEntry, Direction, State};
use crate::error::Result;
use crate::prelude::*;
use crate::Error;

/// A call entry but its `raw`: id, start, direction, from, to,
/// duration, talk seconds, answered.
pub type View<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<Direction>,
    Option<&'a str>,
    Option<&'a str>,
    Option<u32>,
    Option<u32>,
    Option<bool>,
);

/// `e` as a [`View`].
pub fn view(e: &CallEntry) -> View<'_> {
    let (id, start, from, to) = (e.id.as_deref(), e.start_time.as_deref(), e.from.as_deref(), e.to.as_deref());
    (id, start, e.direction, from, to, e.duration, e.talk_seconds, e.answered)
}

/// Agents as (agent, state, provider state).
pub fn agents(list: &[AgentState]) -> Vec<(&str, State, Option<&str>)> {
    list.iter().map(|a| (a.agent.as_str(), a.state, a.provider_state.as_deref())).collect()
}

/// The field an `invalid-input` names; panics (a test failure) on
/// anything else.
pub fn invalid_field<T>(r: Result<T>) -> String {
    match r {
        Err(Error::InvalidInput(f)) => f.field,
        Err(_) => panic!("another error"),
        Ok(_) => panic!("accepted"),
    }
}

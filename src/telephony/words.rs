//! The providers' words for directions, outcomes and states, mapped onto
//! the unified enums (one table for every provider, compared ignoring
//! case). A word not in a table maps to `none` / `unknown`: never a guess.

use crate::bindings::exports::telephony::pbx::telephony::{Direction, State};

/// Whether `word` is one of `names`, ignoring case and outer spaces.
fn is(word: &str, names: &[&str]) -> bool {
    let w = word.trim();
    names.iter().any(|n| w.eq_ignore_ascii_case(n))
}

/// Ringostat `call_type` (`in`, `out`, `callback`, `transitin`,
/// `transitout`), TRiNG `direction`, RingMe `flow` (`in`, `out`; a
/// `transfer` says nothing about the direction).
pub fn direction(word: Option<&str>) -> Option<Direction> {
    let w = word?;
    if is(w, &["in", "inbound", "incoming", "transitin"]) {
        Some(Direction::Inbound)
    } else if is(w, &["out", "outbound", "outgoing", "callback", "transitout"]) {
        // A Ringostat `callback` is the PBX calling the customer back.
        Some(Direction::Outbound)
    } else if is(w, &["internal", "local"]) {
        Some(Direction::Internal)
    } else {
        None
    }
}

/// Ringostat and TRiNG `disposition` (`ANSWERED`, `NO ANSWER`, `BUSY`,
/// `FAILED`, `CONGESTION`, `VOICEMAIL`), RingMe `result` (`answered`,
/// `bridged`, `busy`, `not answered`). Other words (Ringostat `PROPER`,
/// `REPEATED`) say whether there was talk time, when known.
pub fn answered(word: Option<&str>, talk_seconds: Option<u32>) -> Option<bool> {
    match word {
        Some(w) if is(w, &["answered", "bridged"]) => Some(true),
        Some(w) if is(w, &["no answer", "not answered", "busy", "failed", "congestion", "voicemail"]) => Some(false),
        _ => talk_seconds.map(|t| t > 0),
    }
}

/// TRiNG extension states (Asterisk's: `NOT_INUSE`, `INUSE`, `BUSY`,
/// `RINGING`, `RINGINUSE`, `ONHOLD`, `UNAVAILABLE`, `INVALID`) and RingMe
/// extension `status` (`blocked`; `active` is not a presence, so unknown).
pub fn agent_state(word: Option<&str>) -> State {
    match word {
        Some(w) if is(w, &["not_inuse", "idle"]) => State::Available,
        Some(w) if is(w, &["inuse", "busy", "ringing", "ringinuse", "onhold"]) => State::Busy,
        Some(w) if is(w, &["unavailable", "invalid", "blocked"]) => State::Offline,
        _ => State::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions() {
        for (w, d) in [
            ("in", Some(Direction::Inbound)),
            ("TRANSITIN", Some(Direction::Inbound)),
            ("out", Some(Direction::Outbound)),
            ("callback", Some(Direction::Outbound)),
            ("transitout", Some(Direction::Outbound)),
            (" Internal ", Some(Direction::Internal)),
            ("transfer", None),
            ("", None),
        ] {
            assert_eq!(direction(Some(w)), d, "{w}");
        }
        assert_eq!(direction(None), None);
    }

    #[test]
    fn outcomes() {
        for (w, talk, a) in [
            ("ANSWERED", Some(0), Some(true)),
            ("bridged", None, Some(true)),
            ("NO ANSWER", Some(5), Some(false)),
            ("not answered", None, Some(false)),
            ("BUSY", None, Some(false)),
            ("FAILED", None, Some(false)),
            ("CONGESTION", None, Some(false)),
            ("VOICEMAIL", Some(20), Some(false)),
            ("PROPER", Some(42), Some(true)),
            ("REPEATED", Some(0), Some(false)),
            ("REPEATED", None, None),
        ] {
            assert_eq!(answered(Some(w), talk), a, "{w}");
        }
        assert_eq!(answered(None, Some(3)), Some(true));
        assert_eq!(answered(None, None), None);
    }

    #[test]
    fn states() {
        for (w, s) in [
            ("NOT_INUSE", State::Available),
            ("Idle", State::Available),
            ("INUSE", State::Busy),
            ("BUSY", State::Busy),
            ("RINGING", State::Busy),
            ("RINGINUSE", State::Busy),
            ("ONHOLD", State::Busy),
            ("UNAVAILABLE", State::Offline),
            ("INVALID", State::Offline),
            ("blocked", State::Offline),
            ("active", State::Unknown),
            ("UNKNOWN", State::Unknown),
        ] {
            assert_eq!(agent_state(Some(w)), s, "{w}");
        }
        assert_eq!(agent_state(None), State::Unknown);
    }
}

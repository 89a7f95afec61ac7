//! The decoder targets: every decoder and telephony mapping fed random
//! and mutated bodies, with the properties each mapping keeps.

use super::gen::*;
use super::oracles::*;
use super::prelude::*;

pub type Decoder = (&'static str, fn(&Response) -> Result<(), Error>);

pub const DECODERS: &[Decoder] = {
    use crate::ringme::decode as rm;
    use crate::ringostat::decode as rd;
    use crate::telephony::{ringme as tme, ringostat as tro, words as tw};
    use crate::tring::decode::{self as td, Shape};
    &[
        ("ringostat::check_status", rd::check_status),
        ("ringostat::decode_logins", |r| rd::decode_logins(r).map(drop)),
        ("ringostat::decode_simple_callback", rd::decode_simple_callback),
        ("ringostat::decode_extended_callback", |r| rd::decode_extended_callback(r).map(drop)),
        ("tring::decode_json rows", |r| td::decode_json(r, Shape::Rows).map(drop)),
        ("tring::decode_json one", |r| td::decode_json(r, Shape::One).map(drop)),
        ("tring::decode_json text", |r| td::decode_json(r, Shape::Text).map(drop)),
        ("tring::decode_media", |r| td::decode_media(r).map(drop)),
        ("tring::decode_rows", |r| td::decode_rows(r).map(drop)),
        ("tring::decode_peer_counts", |r| td::decode_peer_counts(r).map(drop)),
        ("tring::decode_dial", |r| td::decode_dial(r).map(drop)),
        ("ringme::check_status", rm::check_status),
        ("ringme::decode_token", |r| rm::decode_token(r).map(drop)),
        ("ringme::decode_client", |r| rm::decode_client(r).map(drop)),
        ("ringme::decode_extensions", |r| rm::decode_extensions(r).map(drop)),
        ("ringme::decode_callback", |r| rm::decode_callback(r).map(drop)),
        ("ringme::decode_call_history", |r| rm::decode_call_history(r).map(drop)),
        ("ringostat::decode_calls", |r| rd::decode_calls(r).map(drop)),
        ("telephony::ringostat::entry", |r| {
            for c in rd::decode_calls(r)? {
                let e = tro::entry(c.clone());
                assert!(e.id == c.uniqueid && e.start_time == c.calldate && e.talk_seconds == c.billsec);
                check_entry(&e);
            }
            Ok(())
        }),
        ("telephony::ringostat::states", |r| {
            let logins = rd::decode_logins(r)?;
            let (online, speaking) = logins.split_at(logins.len() / 2);
            let states = tro::states(online.to_vec(), speaking.to_vec());
            for name in online.iter().chain(speaking) {
                let s = states.iter().find(|s| &s.agent == name).expect("every login is an agent");
                assert_eq!(speaking.contains(name), s.state == telephony::State::Busy, "{name:?}");
            }
            Ok(())
        }),
        ("telephony::tring::states", |r| {
            let text = td::decode_json(r, Shape::Rows)?;
            let rows = tring_states(&td::checked_rows(r.clone())?)?.len();
            let all: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|_| crate::error::decode("rows"))?;
            assert_eq!(rows, all.len());
            Ok(())
        }),
        ("telephony::tring::entries", |r| {
            tring_entries(&td::checked_rows(r.clone())?)?.iter().for_each(check_entry);
            Ok(())
        }),
        ("telephony::tring::rows (raw body)", |r| {
            let _ = tring_states(r);
            tring_entries(r).map(drop)
        }),
        ("telephony::ringme::states", |r| {
            let exts = rm::decode_extensions(r)?;
            let phones = exts.iter().filter(|e| e.type_.as_deref().is_none_or(|t| t == "phone")).count();
            assert_eq!(tme::states(&exts).len(), phones);
            for e in &exts {
                // Every extension is found by its id (the first with it).
                let id = crate::json::json_text(&e.id);
                assert!(tme::find_extension(&exts, &id).is_some_and(|f| f.id == e.id), "{id}");
                let name = e.name.as_deref().unwrap_or("");
                if !name.is_empty() {
                    assert!(tme::find_extension(&exts, name).is_some(), "{name:?}");
                }
                match tme::callback_request(e, "380671112233") {
                    Ok((id, req)) => assert!(id == e.id && req.src_num == [name]),
                    Err(err) => assert!(e.name.is_none() && matches!(err, Error::Decode(_))),
                }
            }
            Ok(())
        }),
        ("telephony::ringme::entry", |r| {
            for c in rm::decode_call_history(r)?.calls {
                let (id, talk) = (c.call_uuid.clone(), c.bridged_duration);
                let e = tme::entry(c);
                assert!(e.id == id && e.talk_seconds == talk);
                check_entry(&e);
            }
            Ok(())
        }),
        ("telephony::words (body as a word)", |r| {
            let word = String::from_utf8_lossy(&r.body);
            let _ = (tw::direction(Some(&word)), tw::agent_state(Some(&word)));
            let talk = r.body.len() as u32 % 3;
            let answered = tw::answered(Some(&word), Some(talk));
            assert!(answered.is_some(), "a known talk time always answers {word:?}");
            Ok(())
        }),
        ("status::from_status", |r| Err(crate::status::from_status(r, None, crate::status::describe_body(r)))),
        // Only a 3xx reaches `redirect` (src/http/wasi_client.rs).
        ("http::redirect", |r| {
            let r = Response { status: 300 + r.status % 100, ..r.clone() };
            Err(crate::http::redirect(r.status, r.header("location"), "h.example"))
        }),
    ]
};

/// The agents of a TRiNG INFO extstate answer, each row mapped as
/// `agent-states` maps it ([`tt::push_state`], which is [`tt::state`]).
pub fn tring_states(r: &Response) -> Result<Vec<telephony::AgentState>, Error> {
    use crate::{telephony::tring as tt, tring::decode as td};
    let (mut out, mut budget) = (Vec::new(), crate::json::Budget::new());
    td::decode_extstate_rows(r, |row| {
        let expected = tt::state(row.clone());
        tt::push_state(&mut out, &mut budget, row)?;
        let got = out.last().expect("pushed");
        assert!(got.agent == expected.agent && got.provider_state == expected.provider_state);
        Ok(())
    })?;
    Ok(out)
}

/// The calls of a TRiNG INFO cdrs answer, each row mapped as `call-log`
/// maps it ([`tt::push_entry`], which is [`tt::entry`]).
pub fn tring_entries(r: &Response) -> Result<Vec<telephony::CallEntry>, Error> {
    use crate::{telephony::tring as tt, tring::decode as td};
    let (mut out, mut budget) = (Vec::new(), crate::json::Budget::new());
    td::decode_cdr_rows(r, |row| {
        let (id, talk) = (row.uniqueid.clone(), row.billsec);
        let expected = tt::entry(row.clone());
        assert!(expected.id == id && expected.talk_seconds == talk);
        tt::push_entry(&mut out, &mut budget, row)
    })?;
    Ok(out)
}

/// A mapped call: its provider record is a JSON object; with no outcome
/// word it is answered exactly when there was talk time.
pub fn check_entry(e: &telephony::CallEntry) {
    let raw: serde_json::Value = serde_json::from_str(&e.raw).expect("raw is JSON");
    assert!(raw.is_object(), "raw {:?}", e.raw);
    if e.answered.is_none() {
        assert!(e.talk_seconds.is_none(), "talk time but no answer in {:?}", e.raw);
    }
}

#[test]
pub fn fuzz_decoders() {
    let mut tried = 0;
    for (name, decode) in DECODERS {
        tried += run(name, |case| {
            let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
            let secret = g.secret();
            let echo = format!("GET https://h.example/x?key={secret}\nAuth-key: {secret}\nsome text");
            let resp = answer(&mut g.rng, &echo);
            if let Err(e) = decode(&resp) {
                check_error(&e.redact(&[&secret]), &g.secrets);
            }
        });
    }
    eprintln!("fuzz_decoders: {tried} inputs");
}

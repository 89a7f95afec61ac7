//! RingMe through the component: the exact requests (token form, Bearer
//! header, PUT with only the set fields), the page's example decoded, the
//! token cache and the single retry, every error class, the input checks,
//! and no secret or token in any error.
//!
//! Here the shared configs and stand-in providers; the tests by area of
//! the WIT interface: [`token`], [`client`], [`lists`], [`errors`].

use super::common::{assert_no_secret, session};
use host_test::bindings::exports::telephony::pbx::ringme::{
    AppCredentials, Auth, CallHistoryQuery, CallbackRequest, Client, ClientUpdate, Config,
};
use host_test::kit::mock::ringme as builtin;
// `fixture`: the shared example answers (`example` here is the client answer).
use host_test::kit::mock::{example as fixture, MockProvider, MockResponse, RecordedRequest};
use host_test::{PbxError as Error, Session};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const BASE: &str = "http://127.0.0.1:9";
const CLIENT_ID: &str = "app-7";
const SECRET: &str = "rm-SECRET-client-secret-91b2";
/// Every token the test provider issues starts with this.
const TOKEN: &str = "rm-TOKEN-";
const BEARER: &str = "rm-BEARER-given-33aa";

/// An answer and what it must map to.
type Case = (MockResponse, Box<dyn Fn(&Error) -> bool>);

fn app() -> Auth {
    Auth::App(AppCredentials { client_id: CLIENT_ID.into(), client_secret: SECRET.into() })
}

fn cfg() -> Config {
    Config { base_url: BASE.into(), auth: app(), timeout_ms: Some(2_000), max_body_bytes: None }
}

fn bearer_cfg() -> Config {
    Config { base_url: BASE.into(), auth: Auth::Bearer(BEARER.into()), timeout_ms: Some(2_000), max_body_bytes: None }
}

fn demo_cfg() -> Config {
    Config {
        base_url: "https://apiproxy.telphin.ru".into(),
        auth: Auth::App(AppCredentials {
            client_id: builtin::CLIENT_ID.into(),
            client_secret: builtin::CLIENT_SECRET.into(),
        }),
        timeout_ms: None,
        max_body_bytes: None,
    }
}

fn no_changes() -> ClientUpdate {
    ClientUpdate {
        dial_rule_id: None,
        disk_space_notify_email: None,
        disk_space_notify_threshold: None,
        geo_list: None,
        hold_music: None,
        sip_network_permission_id: None,
        timezone: None,
        clear: None,
    }
}

fn headers(r: &RecordedRequest) -> Vec<(&str, &str)> {
    r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

fn is_token_request(r: &RecordedRequest) -> bool {
    r.path().ends_with("/oauth/token")
}

/// A token answer for `token` valid `expires_in` seconds.
fn token_answer(token: &str, expires_in: u32) -> MockResponse {
    MockResponse::json(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in},"scope":"all"}}"#),
    )
}

/// A stand-in whose token endpoint issues `rm-TOKEN-1`, `rm-TOKEN-2`, ...
/// valid `expires_in` seconds, and whose API answers with `api`.
fn provider(
    expires_in: u32,
    api: impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static,
) -> Arc<MockProvider> {
    let issued = AtomicUsize::new(0);
    MockProvider::new(move |req| {
        if is_token_request(req) {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            token_answer(&format!("{TOKEN}{n}"), expires_in)
        } else {
            api(req)
        }
    })
}

fn example() -> MockResponse {
    MockResponse::json(200, fixture("ringme.client"))
}

async fn client_info(s: &mut Session, cfg: &Config, id: Option<&str>) -> Result<Client, Error> {
    s.pbx.telephony_pbx_ringme().call_client_info(&mut s.store, cfg, id).await.expect("no trap")
}

/// The Bearer tokens of the API calls, in order (token requests left out).
fn bearers(mock: &MockProvider) -> Vec<String> {
    mock.requests()
        .iter()
        .filter(|r| !is_token_request(r))
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect()
}

fn assert_is_example(c: &Client) {
    assert_eq!(c.id, 12);
    assert_eq!(c.domain.as_deref(), Some("sip.ringme.ru"));
    assert_eq!(c.create_date.as_deref(), Some("2020-03-16 09:29:57"));
    assert_eq!(c.hold_music, None);
    assert_eq!(c.presence.as_deref(), Some("no"));
    assert_eq!(c.sip_network_permission_id, None);
    assert_eq!(c.prefix.as_deref(), Some("0001"));
    assert_eq!(c.record_stereo, Some(false));
    assert_eq!(c.ambassadors, None);
    assert_eq!(c.domain_prefix.as_deref(), Some("00001"));
    assert_eq!(c.contact_phones, None);
    assert_eq!(c.name.as_deref(), Some("ringme_test"));
    assert_eq!(c.timezone.as_deref(), Some("Europe/Moscow"));
    assert_eq!(c.dial_rule_id, Some(19));
    assert_eq!(c.type_.as_deref(), Some("J"));
    assert_eq!(c.email.as_deref(), Some("admin@domain.com"));
    assert_eq!(c.reg_status_log, Some(false));
    assert_eq!(c.fact_address, None);
    assert_eq!(c.extra_params, None);
    assert_eq!(c.extension_len, Some(3));
    assert_eq!(c.geo_list, None);
    assert_eq!(c.did_as_transfer_caller_id.as_deref(), Some("default"));
    assert_eq!(c.jur_address, None);
    assert_eq!(c.language, None);
    assert_eq!(c.record_format.as_deref(), Some("mp3"));
    assert_eq!(c.short_local_caller_id.as_deref(), Some("yes"));
    assert_eq!(c.disk_space_notify_email, None);
    assert_eq!(c.disk_space_notify_threshold, None);
}

mod client;
mod errors;
mod lists;
mod token;

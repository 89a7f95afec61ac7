//! RingMe through the component: the exact requests (token form, Bearer
//! header, PUT with only the set fields), the page's example decoded, the
//! token cache and the single retry, every error class, the input checks,
//! and no secret or token in any error.

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

#[tokio::test]
async fn get_token_posts_the_client_credentials_form() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let t = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap();
    assert_eq!(
        (t.access_token.as_str(), t.token_type.as_str(), t.expires_in, t.scope.as_deref()),
        ("rm-TOKEN-1", "Bearer", 3600, Some("all"))
    );
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "http://127.0.0.1:9/oauth/token"));
    let body = format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={SECRET}");
    assert_eq!(r.body_text(), body);
    assert_eq!(
        headers(&r),
        vec![
            ("host", "127.0.0.1:9"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );
    let two = Some(Duration::from_millis(2_000));
    assert_eq!(r.timeouts, [two, two, two]);

    // get-token always fetches; its token is then reused by calls.
    let t2 = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap();
    assert_eq!(t2.access_token, "rm-TOKEN-2");
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-2"]);
}

#[tokio::test]
async fn the_form_encodes_odd_credentials() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let c = Config {
        auth: Auth::App(AppCredentials { client_id: "a b".into(), client_secret: "s&t=u+v/w%".into() }),
        ..cfg()
    };
    s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &c).await.unwrap().unwrap();
    assert_eq!(
        mock.single().body_text(),
        "grant_type=client_credentials&client_id=a+b&client_secret=s%26t%3Du%2Bv%2Fw%25"
    );
}

#[tokio::test]
async fn client_info_gets_a_token_then_calls_with_it() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let c = client_info(&mut s, &demo_cfg(), None).await.unwrap();
    assert_is_example(&c);
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].method.as_str(), log[0].url.as_str()), ("POST", "https://apiproxy.telphin.ru/oauth/token"));
    let r = &log[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", "https://apiproxy.telphin.ru/api/ver1.0/client/@me/client/")
    );
    let auth = format!("Bearer {}", builtin::ACCESS_TOKEN);
    assert_eq!(headers(r), vec![("host", "apiproxy.telphin.ru"), ("authorization", auth.as_str())]);
    assert!(r.body.is_empty());
    let thirty = Some(Duration::from_secs(30));
    assert_eq!(r.timeouts, [thirty, thirty, thirty], "default timeout-ms");
}

#[tokio::test]
async fn a_client_id_and_a_base_prefix_are_kept() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let c = Config { base_url: "http://127.0.0.1:9/ringme/".into(), ..cfg() };
    client_info(&mut s, &c, Some("12")).await.unwrap();
    let urls: Vec<String> = mock.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        vec!["http://127.0.0.1:9/ringme/oauth/token", "http://127.0.0.1:9/ringme/api/ver1.0/client/12/client/"]
    );
}

#[tokio::test]
async fn bearer_auth_sends_the_token_and_never_retries() {
    let mock = MockProvider::always(example());
    let mut s = session(&mock).await;
    assert_is_example(&client_info(&mut s, &bearer_cfg(), None).await.unwrap());
    let r = mock.single();
    assert_eq!(headers(&r), vec![("host", "127.0.0.1:9"), ("authorization", "Bearer rm-BEARER-given-33aa")]);

    let mock = MockProvider::always(MockResponse::json(
        401,
        r#"{"error":"invalid_token","error_description":"Token expired"}"#,
    ));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "Token expired"), "{err:?}");
    assert_eq!(mock.requests().len(), 1, "nothing to refresh: no retry");
    assert_no_secret(&err, &[BEARER]);

    let err = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &bearer_cfg()).await.unwrap().unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(f) if f.field == "cfg.auth"), "{err:?}");
}

#[tokio::test]
async fn extension_len_as_a_number_or_a_string() {
    for (value, expected) in [("3", Some(3)), (r#""3""#, Some(3)), (r#""12""#, Some(12)), ("null", None)] {
        let body = fixture("ringme.client").replace(r#""extension_len": 3"#, &format!(r#""extension_len": {value}"#));
        assert!(body.contains(&format!(r#""extension_len": {value}"#)));
        let mock = MockProvider::always(MockResponse::json(200, &body));
        let mut s = session(&mock).await;
        let c = client_info(&mut s, &bearer_cfg(), None).await.unwrap();
        assert_eq!(c.extension_len, expected, "{value}");
    }
    let body = fixture("ringme.client").replace(r#""extension_len": 3"#, r#""extension_len": "three""#);
    let mock = MockProvider::always(MockResponse::json(200, &body));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Decode(m) if m.contains("extension_len")), "{err:?}");
}

#[tokio::test]
async fn update_client_puts_only_the_set_fields() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let changes = ClientUpdate {
        dial_rule_id: Some(20),
        timezone: Some("Europe/Samara".into()),
        disk_space_notify_threshold: Some(90),
        ..no_changes()
    };
    let c = s
        .pbx
        .telephony_pbx_ringme()
        .call_update_client(&mut s.store, &demo_cfg(), None, &changes)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.id, c.dial_rule_id, c.timezone.as_deref(), c.disk_space_notify_threshold),
        (12, Some(20), Some("Europe/Samara"), Some(90))
    );
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    let r = &log[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("PUT", "https://apiproxy.telphin.ru/api/ver1.0/client/@me/client/")
    );
    let body = r#"{"dial_rule_id":20,"disk_space_notify_threshold":90,"timezone":"Europe/Samara"}"#;
    assert_eq!(r.body_text(), body);
    let auth = format!("Bearer {}", builtin::ACCESS_TOKEN);
    assert_eq!(
        headers(r),
        vec![
            ("host", "apiproxy.telphin.ru"),
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );

    let mock = MockProvider::always(example());
    let mut s = session(&mock).await;
    let all = ClientUpdate {
        dial_rule_id: Some(1),
        disk_space_notify_email: Some("ops@example.com".into()),
        disk_space_notify_threshold: Some(80),
        geo_list: Some("RU BY".into()),
        hold_music: Some(5),
        sip_network_permission_id: Some(6),
        timezone: Some("UTC".into()),
        clear: None,
    };
    s.pbx
        .telephony_pbx_ringme()
        .call_update_client(&mut s.store, &bearer_cfg(), Some("12"), &all)
        .await
        .unwrap()
        .unwrap();
    let r = mock.single();
    assert_eq!(r.path(), "/api/ver1.0/client/12/client/");
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"dial_rule_id": 1, "disk_space_notify_email": "ops@example.com", "disk_space_notify_threshold": 80,
            "geo_list": "RU BY", "hold_music": 5, "sip_network_permission_id": 6, "timezone": "UTC"})
    );
}

/// A field named in `clear` goes out as `null` (the nullable fields of the
/// page's example), in the page's order among the set ones; the built-in
/// mock clears it and answers the client with `none` there.
#[tokio::test]
async fn update_client_clears_fields_with_null() {
    use host_test::bindings::exports::telephony::pbx::ringme::ClientField;
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let changes = ClientUpdate {
        hold_music: Some(4),
        clear: Some(vec![ClientField::GeoList, ClientField::DiskSpaceNotifyEmail]),
        ..no_changes()
    };
    let r = s.pbx.telephony_pbx_ringme();
    let c = r.call_update_client(&mut s.store, &demo_cfg(), None, &changes).await.unwrap().unwrap();
    assert_eq!((c.hold_music, c.geo_list.as_deref(), c.disk_space_notify_email.as_deref()), (Some(4), None, None));
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].method, "PUT");
    assert_eq!(log[1].body_text(), r#"{"disk_space_notify_email":null,"geo_list":null,"hold_music":4}"#);

    // Set and cleared at once, or nothing at all: refused, nothing sent.
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringme();
    let both = ClientUpdate { hold_music: Some(4), clear: Some(vec![ClientField::HoldMusic]), ..no_changes() };
    let out = r.call_update_client(&mut s.store, &demo_cfg(), None, &both).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes.clear"), "{out:?}");
    let nothing = ClientUpdate { clear: Some(vec![]), ..no_changes() };
    let out = r.call_update_client(&mut s.store, &demo_cfg(), None, &nothing).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes"), "{out:?}");
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

/// The JSON form of a clear (`pbx-host call`, the demo): a list of WIT
/// field names.
#[tokio::test]
async fn update_client_clears_from_json_arguments() {
    let h = super::common::host();
    let mock = MockProvider::builtin();
    let mut store = h.store(host_test::kit::mock_transport(mock.clone()));
    let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
    let func = host_test::dynamic::find(&mut store, &instance, "ringme.update-client").unwrap();
    let args = serde_json::json!({
        "cfg": {"base-url": "https://apiproxy.telphin.ru",
                "auth": {"app": {"client-id": builtin::CLIENT_ID, "client-secret": builtin::CLIENT_SECRET}}},
        "changes": {"timezone": "UTC", "clear": ["sip-network-permission-id"]},
    });
    let out = host_test::dynamic::call(&mut store, func, &args).await.unwrap();
    assert_eq!(out["ok"]["timezone"], "UTC", "{out}");
    assert_eq!(mock.requests()[1].body_text(), r#"{"sip_network_permission_id":null,"timezone":"UTC"}"#);
}

#[tokio::test]
async fn one_token_serves_many_calls_in_an_instance() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    for _ in 0..3 {
        client_info(&mut s, &cfg(), None).await.unwrap();
    }
    let log = mock.requests();
    assert_eq!(log.iter().filter(|r| is_token_request(r)).count(), 1, "{log:#?}");
    assert_eq!(log.len(), 4);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1"; 3]);

    // Another application (another secret) never gets that token.
    let other = Config {
        auth: Auth::App(AppCredentials { client_id: CLIENT_ID.into(), client_secret: "another-secret".into() }),
        ..cfg()
    };
    client_info(&mut s, &other, None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-2"));
    // Nor another host.
    let elsewhere = Config { base_url: "http://127.0.0.1:9/other".into(), ..cfg() };
    client_info(&mut s, &elsewhere, None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-3"));
    // The first application still has its own.
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-1"));

    // A fresh instance starts with no token.
    let mut fresh = session(&mock).await;
    client_info(&mut fresh, &cfg(), None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-4"));
}

#[tokio::test]
async fn a_short_lived_token_is_not_reused() {
    let mock = provider(30, |_| example());
    let mut s = session(&mock).await;
    client_info(&mut s, &cfg(), None).await.unwrap();
    client_info(&mut s, &cfg(), None).await.unwrap();
    let kinds: Vec<bool> = mock.requests().iter().map(is_token_request).collect();
    assert_eq!(kinds, vec![true, false, true, false]);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1", "Bearer rm-TOKEN-2"]);

    // 61 s: reusable for one second, so right away it is.
    let mock = provider(61, |_| example());
    let mut s = session(&mock).await;
    client_info(&mut s, &cfg(), None).await.unwrap();
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test]
async fn a_401_gets_one_fresh_token_and_one_retry() {
    // The provider revoked token 1: the call is retried once with token 2.
    let mock = provider(3600, |req| {
        if req.header("authorization") == Some("Bearer rm-TOKEN-1") {
            MockResponse::json(
                401,
                r#"{"error":"invalid_token","error_description":"The access token provided has expired"}"#,
            )
        } else {
            example()
        }
    });
    let mut s = session(&mock).await;
    assert_is_example(&client_info(&mut s, &cfg(), None).await.unwrap());
    let kinds: Vec<bool> = mock.requests().iter().map(is_token_request).collect();
    assert_eq!(kinds, vec![true, false, true, false]);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1", "Bearer rm-TOKEN-2"]);
    let retry = &mock.requests()[3];
    assert_eq!(
        (retry.method.as_str(), retry.url.as_str()),
        ("GET", "http://127.0.0.1:9/api/ver1.0/client/@me/client/")
    );
    // The new token is the one kept.
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 5);
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-2"));

    // The same for a PUT: the body goes again, unchanged.
    let mock = provider(3600, |req| {
        if req.header("authorization") == Some("Bearer rm-TOKEN-1") {
            MockResponse::json(401, r#"{"message":"Unauthorized"}"#)
        } else {
            example()
        }
    });
    let mut s = session(&mock).await;
    let changes = ClientUpdate { hold_music: Some(4), ..no_changes() };
    s.pbx.telephony_pbx_ringme().call_update_client(&mut s.store, &cfg(), None, &changes).await.unwrap().unwrap();
    let log = mock.requests();
    assert_eq!(log.len(), 4);
    assert_eq!(
        (log[1].body_text(), log[3].body_text()),
        (r#"{"hold_music":4}"#.to_string(), r#"{"hold_music":4}"#.to_string())
    );
}

#[tokio::test]
async fn a_second_401_is_unauthorized_never_a_third_try() {
    let mock = provider(3600, |_| {
        MockResponse::json(
            401,
            &format!(r#"{{"error":"invalid_token","error_description":"Token {TOKEN}2 is not valid"}}"#),
        )
    });
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "Token [redacted] is not valid"), "{err:?}");
    assert_eq!(mock.requests().len(), 4, "token, call, token, call");
    assert_no_secret(&err, &[SECRET, TOKEN]);
}

#[tokio::test]
async fn token_endpoint_errors() {
    let cases: Vec<Case> = vec![
        (
            MockResponse::json(401, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Client authentication failed")),
        ),
        (
            MockResponse::json(400, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Client authentication failed")),
        ),
        (
            MockResponse::json(400, r#"{"error":"invalid_grant"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "invalid_grant")),
        ),
        (
            MockResponse::json(200, r#"{"error":"invalid_client","error_description":"Bad secret"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Bad secret")),
        ),
        (
            MockResponse::json(429, "{}").header("X-RateLimit-Reset", "600"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(600)))),
        ),
        (
            MockResponse::json(503, r#"{"message":"maintenance"}"#),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 503 && p.message == "maintenance")),
        ),
        (
            MockResponse::html(200, "<html>login</html>"),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("html"))),
        ),
        (
            MockResponse::json(200, r#"{"token_type":"Bearer"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("access_token"))),
        ),
        (
            MockResponse::json(200, &format!(r#"{{"access_token":"{TOKEN}x","expires_in":"soon"}}"#)),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("expires_in"))),
        ),
        (
            MockResponse::json(
                401,
                &format!(r#"{{"error":"invalid_client","error_description":"secret {SECRET} is wrong"}}"#),
            ),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "secret [redacted] is wrong")),
        ),
    ];
    for (answer, expected) in cases {
        let mock = MockProvider::always(answer.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &cfg(), None).await.expect_err("must fail");
        assert!(expected(&err), "{} -> {err:?}", answer.status);
        assert_eq!(mock.requests().len(), 1, "only the token request went out");
        assert!(is_token_request(&mock.single()));
        assert_no_secret(&err, &[SECRET, TOKEN]);
        let err = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap_err();
        assert!(expected(&err), "get-token: {err:?}");
        assert_no_secret(&err, &[SECRET, TOKEN]);
    }
}

/// Every error class of an API call, and no secret or token in any.
#[tokio::test]
async fn api_error_classes() {
    let big = vec![b' '; 17 * 1024 * 1024];
    let cases: Vec<Case> = vec![
        (
            MockResponse::json(403, r#"{"message":"Access denied"}"#),
            Box::new(|e| matches!(e, Error::Forbidden(m) if m == "Access denied")),
        ),
        (
            MockResponse::json(404, r#"{"message":"Record not found"}"#),
            Box::new(|e| matches!(e, Error::NotFound(m) if m == "Record not found")),
        ),
        (
            MockResponse::json(429, r#"{"message":"Rate limit exceeded"}"#)
                .header("X-RateLimit-Limit", "1000")
                .header("X-RateLimit-Remaining", "0")
                .header("X-RateLimit-Reset", "1800"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(1800)))),
        ),
        (
            MockResponse::json(429, "{}").header("Retry-After", "7"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(7)))),
        ),
        (MockResponse::json(429, "{}"), Box::new(|e| matches!(e, Error::RateLimited(None)))),
        (
            MockResponse::json(400, r#"{"message":"timezone is not valid"}"#),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 400 && p.code.is_none() && p.message == "timezone is not valid"),
            ),
        ),
        (
            MockResponse::json(500, r#"{"error":"server_error","error_description":"try later"}"#),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 500 && p.code.as_deref() == Some("server_error") && p.message == "try later"),
            ),
        ),
        (
            MockResponse::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 502 && p.message.contains("HTML body"))),
        ),
        (
            MockResponse::html(200, "<!DOCTYPE html><html>login</html>"),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("HTML"))),
        ),
        (MockResponse::json(200, r#"{"id": 12, "name": "trunc"#), Box::new(|e| matches!(e, Error::Decode(_)))),
        (
            MockResponse::json(200, r#"{"name": "no id"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("`id`"))),
        ),
        (
            MockResponse::json(200, r#"{"id": 12, "dial_rule_id": "nineteen"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("dial_rule_id"))),
        ),
        (MockResponse::new(200, "application/json", big), Box::new(|e| matches!(e, Error::TooLarge(16_777_216)))),
        (
            MockResponse::json(200, fixture("ringme.client")).delayed(Duration::from_millis(2_500)),
            Box::new(|e| matches!(e, Error::Timeout)),
        ),
        (
            MockResponse::json(418, &format!(r#"{{"message":"token {TOKEN}1 of secret {SECRET}"}}"#)),
            Box::new(|e| matches!(e, Error::Provider(p) if p.message == "token [redacted] of secret [redacted]")),
        ),
    ];
    for (answer, expected) in cases {
        let a = answer.clone();
        let mock = provider(3600, move |_| a.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &cfg(), None).await.expect_err("must fail");
        assert!(expected(&err), "{} -> {err:?}", answer.status);
        assert_eq!(mock.requests().len(), 2, "a token, then the call once");
        assert_no_secret(&err, &[SECRET, TOKEN]);

        let a = answer.clone();
        let mock = MockProvider::new(move |_| a.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &bearer_cfg(), None).await.expect_err("must fail");
        if answer.status != 418 {
            assert!(expected(&err), "bearer: {} -> {err:?}", answer.status);
        }
        assert_eq!(mock.requests().len(), 1, "bearer: sent once");
        assert_no_secret(&err, &[BEARER]);
    }
    let mock = MockProvider::always(MockResponse::json(401, &format!(r#"{{"message":"bad token {BEARER}"}}"#)));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "bad token [redacted]"), "{err:?}");
}

#[tokio::test]
async fn a_dead_provider_is_a_transport_error() {
    let h = super::common::host();
    for c in [cfg(), bearer_cfg()] {
        let mut s = h.instance(host_test::Transport::Network).await.unwrap();
        // Port 9 (discard) on loopback: nothing listens there.
        let err = client_info(&mut s, &c, None).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert_no_secret(&err, &[SECRET, BEARER, TOKEN]);
    }
}

#[tokio::test]
async fn extensions_pages_and_types() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringme();
    let list = r.call_extensions(&mut s.store, &demo_cfg(), None, Some(1), Some(50)).await.unwrap().unwrap();
    assert_eq!(list.len(), 3);
    let e = &list[0];
    assert_eq!(
        (e.id, e.name.as_deref(), e.status.as_deref(), e.type_.as_deref(), e.label.as_deref()),
        (469100, Some("0001*101"), Some("active"), Some("phone"), Some("Reception"))
    );
    assert_eq!(list[1].label, None);
    let raw: serde_json::Value = serde_json::from_str(&e.raw).unwrap();
    assert_eq!(raw["client_id"], 12, "raw keeps every field");
    let log = mock.requests();
    assert_eq!(log[1].url, "https://apiproxy.telphin.ru/api/ver1.0/client/@me/extension/?page=1&per_page=50");
    assert_eq!(log[1].method, "GET");

    let empty = r.call_extensions(&mut s.store, &demo_cfg(), Some("12"), Some(2), None).await.unwrap().unwrap();
    assert!(empty.is_empty());
    let log = mock.requests();
    assert_eq!(log.len(), 3, "the token was reused");
    assert_eq!(log[2].path_and_query, "/api/ver1.0/client/12/extension/?page=2");
    r.call_extensions(&mut s.store, &demo_cfg(), None, None, None).await.unwrap().unwrap();
    assert_eq!(mock.requests()[3].path_and_query, "/api/ver1.0/client/@me/extension/");
}

#[tokio::test]
async fn click_to_call_posts_json() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let req =
        CallbackRequest { src_num: vec!["0001*101".into(), "+79161112233".into()], dst_num: "+74951234567".into() };
    let started = s
        .pbx
        .telephony_pbx_ringme()
        .call_click_to_call(&mut s.store, &demo_cfg(), 469100, &req)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(started.call_api_id, "02abb9ee685a11ea94bfe17eb6eaecba");
    assert_eq!(started.call_id.as_deref(), Some("02abb9ee685a11ea94bfe17eb6eaecbb"));
    let r = &mock.requests()[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", "https://apiproxy.telphin.ru/api/ver1.0/extension/469100/callback/")
    );
    let body = r#"{"src_num":["0001*101","+79161112233"],"dst_num":"+74951234567"}"#;
    assert_eq!(r.body_text(), body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("content-length"), Some(body.len().to_string().as_str()));
}

#[tokio::test]
async fn call_history_with_a_time_range() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let q = CallHistoryQuery {
        start_datetime: Some("2021-01-01 00:00:00".into()),
        end_datetime: Some("2021-01-31 23:59:59".into()),
        page: Some(1),
        per_page: Some(20),
    };
    let page =
        s.pbx.telephony_pbx_ringme().call_call_history(&mut s.store, &demo_cfg(), None, &q).await.unwrap().unwrap();
    let r = &mock.requests()[1];
    assert_eq!(
        r.path_and_query,
        "/api/ver1.0/client/@me/call_history/?start_datetime=2021-01-01%2000%3A00%3A00&end_datetime=2021-01-31%2023%3A59%3A59&page=1&per_page=20"
    );
    assert_eq!(r.query_value("start_datetime").as_deref(), Some("2021-01-01 00:00:00"));
    assert_eq!(
        (page.page, page.per_page, page.order.as_deref(), page.calls.len()),
        (Some(1), Some(20), Some("desc"), 2)
    );
    let c = &page.calls[0];
    assert_eq!(c.call_uuid.as_deref(), Some("CAA308E3333C4A19AAED9C0254B9C61B"));
    assert_eq!(
        (c.flow.as_deref(), c.result.as_deref(), c.duration, c.bridged_duration),
        (Some("out"), Some("bridged"), Some(37), Some(24))
    );
    assert_eq!((c.from_username.as_deref(), c.to_username.as_deref()), (Some("0001*101"), Some("+74951234567")));
    assert_eq!((c.extension_id, c.did_number.as_deref()), (Some(469100), None));
    assert_eq!(c.hangup_time_gmt.as_deref(), Some("2021-01-01 16:30:16"));
    let raw: serde_json::Value = serde_json::from_str(&c.raw).unwrap();
    assert_eq!(raw["cdr"][0]["record_uuid"], "469100-5D36E555");
    assert_eq!(
        (page.calls[1].bridged_username.as_deref(), page.calls[1].did_number.as_deref()),
        (None, Some("74951110000"))
    );

    // A bare array is accepted too; no filters sends no query.
    let mock = MockProvider::always(MockResponse::json(200, r#"[{"call_uuid":"X","duration":"5"}]"#));
    let mut s = session(&mock).await;
    let none = CallHistoryQuery { start_datetime: None, end_datetime: None, page: None, per_page: None };
    let page = s
        .pbx
        .telephony_pbx_ringme()
        .call_call_history(&mut s.store, &bearer_cfg(), Some("12"), &none)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((page.page, page.calls[0].duration), (None, Some(5)));
    assert_eq!(mock.single().path_and_query, "/api/ver1.0/client/12/call_history/");
}

/// Every input check refuses before anything is sent (not even a token
/// request), names the field, and never quotes a secret.
#[tokio::test]
async fn bad_input_sends_nothing() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = cfg();
        f(&mut c);
        c
    };
    let app_with = |id: &str, secret: &str| {
        with(&|c| c.auth = Auth::App(AppCredentials { client_id: id.into(), client_secret: secret.into() }))
    };
    let bad_cfgs = [
        (with(&|c| c.base_url = String::new()), "cfg.base-url"),
        (with(&|c| c.base_url = "apiproxy.telphin.ru".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "ftp://apiproxy.telphin.ru".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "https://apiproxy.telphin.ru/?x=1".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "https://apiproxy.telphin.ru\r\n".into()), "cfg.base-url"),
        (with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms"),
        (app_with("", SECRET), "cfg.auth.app.client-id"),
        (app_with("id\r\n", SECRET), "cfg.auth.app.client-id"),
        (app_with(CLIENT_ID, ""), "cfg.auth.app.client-secret"),
        (app_with(CLIENT_ID, &format!("{SECRET}\n")), "cfg.auth.app.client-secret"),
        (app_with(CLIENT_ID, &format!("{SECRET}\0")), "cfg.auth.app.client-secret"),
        (with(&|c| c.auth = Auth::Bearer(String::new())), "cfg.auth.bearer"),
        (with(&|c| c.auth = Auth::Bearer(format!("{BEARER}\r\nX-Injected: 1"))), "cfg.auth.bearer"),
    ];
    for (c, field) in &bad_cfgs {
        let out = client_info(&mut s, c, None).await;
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == *field), "{field}: {out:?}");
        assert_no_secret(&out, &[SECRET, BEARER]);
        let out = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, c).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == *field), "get-token {field}: {out:?}");
    }
    for id in ["", "me", "12/../13", "1?x=1", "1#f", "%31", "1 2", "abc"] {
        let out = client_info(&mut s, &cfg(), Some(id)).await;
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "client-id"), "{id:?}: {out:?}");
    }
    let r = s.pbx.telephony_pbx_ringme();
    let out = r.call_update_client(&mut s.store, &cfg(), None, &no_changes()).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes"), "{out:?}");
    let out = r.call_extensions(&mut s.store, &cfg(), None, Some(0), None).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "page"), "{out:?}");
    let out = r.call_extensions(&mut s.store, &cfg(), Some("x/y"), None, None).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "client-id"), "{out:?}");
    let call = |src: Vec<&str>, dst: &str| CallbackRequest {
        src_num: src.into_iter().map(String::from).collect(),
        dst_num: dst.into(),
    };
    for (ext, req, field) in [
        (0, call(vec!["101"], "+74951234567"), "extension-id"),
        (-5, call(vec!["101"], "+74951234567"), "extension-id"),
        (1, call(vec![], "+74951234567"), "req.src-num"),
        (1, call(vec!["1 01"], "+74951234567"), "req.src-num"),
        (1, call(vec!["101"], ""), "req.dst-num"),
        (1, call(vec!["101"], "+7495\r\n"), "req.dst-num"),
    ] {
        let out = r.call_click_to_call(&mut s.store, &cfg(), ext, &req).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{field}: {out:?}");
    }
    let q = |start: Option<&str>, end: Option<&str>, page: Option<u32>, per_page: Option<u32>| CallHistoryQuery {
        start_datetime: start.map(String::from),
        end_datetime: end.map(String::from),
        page,
        per_page,
    };
    for (query, field) in [
        (q(Some("2021-01-01"), None, None, None), "query.start-datetime"),
        (q(Some("2021-02-30T00:00:00"), None, None, None), "query.start-datetime"),
        (q(None, Some("2021-01-01 25:00:00"), None, None), "query.end-datetime"),
        (q(Some("2021-02-01 00:00:00"), Some("2021-01-01 00:00:00"), None, None), "query.end-datetime"),
        (q(None, None, Some(0), None), "query.page"),
        (q(None, None, None, Some(0)), "query.per-page"),
    ] {
        let out = r.call_call_history(&mut s.store, &cfg(), None, &query).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{field}: {out:?}");
    }
    assert!(mock.requests().is_empty(), "nothing was sent: {:?}", mock.requests());
}

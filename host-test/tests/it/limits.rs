//! The limits and hints every provider shares, through the component:
//! redirects are errors naming the host and are never followed, cut-off
//! bodies are incomplete, a 429 reads `Retry-After` and `X-RateLimit-Reset`,
//! `max-body-bytes` caps (and is checked), and bad base URLs are refused
//! before anything is sent.

use super::common::session;
use host_test::bindings::exports::telephony::pbx::{ringme, ringostat, tring};
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::PbxError as Error;
use std::sync::Arc;

const KEY: &str = "limits-SECRET-key-1b2c";

fn rg(base: &str, max_body_bytes: Option<u64>) -> ringostat::Config {
    ringostat::Config { auth_key: KEY.into(), base_url: Some(base.into()), timeout_ms: Some(2_000), max_body_bytes }
}

fn tr(server: &str, max_body_bytes: Option<u64>) -> tring::Config {
    tring::Config { server: server.into(), api_key: KEY.into(), tenant: None, timeout_ms: Some(2_000), max_body_bytes }
}

fn rm(base: &str, max_body_bytes: Option<u64>) -> ringme::Config {
    ringme::Config {
        base_url: base.into(),
        auth: ringme::Auth::Bearer(KEY.into()),
        timeout_ms: Some(2_000),
        max_body_bytes,
    }
}

/// One call of each provider (`sip-online`, `peers`, `extensions`) with the
/// given base URL and body cap, against `mock`.
async fn each_provider(mock: &Arc<MockProvider>, base: &str, cap: Option<u64>) -> [Result<(), Error>; 3] {
    let mut s = session(mock).await;
    let a = s.pbx.telephony_pbx_ringostat().call_sip_online(&mut s.store, &rg(base, cap)).await.expect("no trap");
    let b = s.pbx.telephony_pbx_tring().call_peers(&mut s.store, &tr(base, cap)).await.expect("no trap");
    let c = s.pbx.telephony_pbx_ringme().call_extensions(&mut s.store, &rm(base, cap), None, None, None).await;
    [a.map(drop), b.map(drop), c.expect("no trap").map(drop)]
}

#[tokio::test]
async fn redirects_name_the_host_and_are_not_followed() {
    for (location, host) in [
        ("https://Other.example:8443/steal?key=limits-SECRET-key-1b2c#x", "other.example"),
        ("/login?next=%2Fhome", "pbx.test"),
    ] {
        let mock = MockProvider::always(MockResponse::json(302, "{}").header("Location", location));
        for out in each_provider(&mock, "http://pbx.test:8080", None).await {
            match out {
                Err(Error::Provider(p)) => {
                    assert_eq!((p.status, p.code), (302, None));
                    assert_eq!(p.message, format!("redirect to host {host} (not followed)"));
                }
                other => panic!("{other:?}"),
            }
        }
        // Three calls, three requests: nothing followed the Location.
        let log = mock.requests();
        assert_eq!(log.len(), 3);
        assert!(log.iter().all(|r| r.url.starts_with("http://pbx.test:8080/")), "{log:#?}");
    }
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_incomplete() {
    let mock = MockProvider::always(MockResponse::json(200, r#"["a","b"]"#).header("Content-Length", "400"));
    for out in each_provider(&mock, "http://pbx.test", None).await {
        assert!(matches!(out, Err(Error::Transport(ref m)) if m.starts_with("response incomplete")), "{out:?}");
    }
}

/// A body that goes on past its `Content-Length` (chunked framing with a
/// stale length, or a hook streaming more) is incomplete, even when a frame
/// ends exactly at the declared length and what came so far would decode:
/// the client reads to the end and compares.
#[tokio::test]
async fn a_body_longer_than_its_content_length_is_incomplete() {
    // Two frames of 5 bytes; the first alone is a valid answer.
    let answer = MockResponse::json(200, r#"["a"]["b"]"#)
        .header("Content-Length", "5")
        .trickled(std::time::Duration::from_millis(5));
    let mock = MockProvider::always(answer);
    for out in each_provider(&mock, "http://pbx.test", None).await {
        assert!(matches!(out, Err(Error::Transport(ref m)) if m.starts_with("response incomplete")), "{out:?}");
    }
}

#[tokio::test]
async fn every_provider_reads_both_rate_limit_headers() {
    for (headers, want) in [
        (vec![("X-RateLimit-Reset", "1800")], Some(1800)),
        (vec![("Retry-After", "7")], Some(7)),
        (vec![("Retry-After", "7"), ("X-RateLimit-Reset", "60")], Some(60)),
        (vec![], None),
    ] {
        let mut answer = MockResponse::json(429, "{}");
        for (n, v) in &headers {
            answer = answer.header(n, v);
        }
        let mock = MockProvider::always(answer);
        for out in each_provider(&mock, "http://pbx.test", None).await {
            assert!(matches!(out, Err(Error::RateLimited(got)) if got == want), "{headers:?}: {out:?}");
        }
    }
}

#[tokio::test]
async fn max_body_bytes_caps_every_provider_and_is_checked() {
    let body = format!(r#"["{}"]"#, "x".repeat(100));
    let mock = MockProvider::always(MockResponse::json(200, &body));
    for out in each_provider(&mock, "http://pbx.test", Some(50)).await {
        assert!(matches!(out, Err(Error::TooLarge(50))), "{out:?}");
    }
    // Larger than the body: the same answer decodes (ringme reads it as
    // extensions and refuses the strings, which is not a size error).
    for out in each_provider(&mock, "http://pbx.test", Some(1_000)).await {
        assert!(!matches!(out, Err(Error::TooLarge(_))), "{out:?}");
    }
    let before = mock.requests().len();
    for cap in [0, 256 * 1024 * 1024 + 1] {
        for out in each_provider(&mock, "http://pbx.test", Some(cap)).await {
            assert!(
                matches!(out, Err(Error::InvalidInput(ref f)) if f.field == "cfg.max-body-bytes"),
                "{cap}: {out:?}"
            );
        }
    }
    assert_eq!(mock.requests().len(), before, "nothing sent for a bad cap");
}

#[tokio::test]
async fn bad_base_urls_are_refused_before_sending() {
    let mock = MockProvider::builtin();
    for bad in [
        "https://pbx.tést",
        "https://h/a b",
        "https://h/\"x\"",
        "https://h/{x}",
        "https://h/<x>",
        "https://h/a\\b",
        "https://h/a^b",
        "https://h/a`b",
        "https://h/a|b",
        "https://[::1",
        "https://h]/x",
        "https://h/a/../b",
        "https://h/./b",
        "https://user:pw@h",
        "https://h/#frag",
        "https://h:0",
        "https://h:65536",
        "https://h\r\n/x",
    ] {
        for out in each_provider(&mock, bad, None).await {
            assert!(
                matches!(out, Err(Error::InvalidInput(ref f)) if f.field == "cfg.base-url" || f.field == "cfg.server"),
                "{bad:?}: {out:?}"
            );
        }
    }
    assert!(mock.requests().is_empty());
    // An IPv6 literal and a percent-encoded path are fine.
    let out = each_provider(&mock, "http://[::1]:9/a%20b", None).await;
    assert!(out.iter().all(|o| !matches!(o, Err(Error::InvalidInput(_)))), "{out:?}");
    assert!(mock.requests().iter().all(|r| r.url.starts_with("http://[::1]:9/a%20b/")), "{:#?}", mock.requests());
}

/// The upload is bounded by `timeout-ms` too: against a provider that reads
/// nothing, a fax larger than the host's body buffer ends in `timeout`
/// (with a blocking write it would never return).
#[tokio::test]
async fn a_stalled_upload_times_out() {
    let mock = MockProvider::stalling_uploads();
    let mut s = session(&mock).await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(6 * 1024 * 1024, b'x');
    let req = tring::FaxRequest {
        source_number: "101".into(),
        dest_number: "380671112233".into(),
        pdf,
        quality: None,
        page_size: None,
        rotate: None,
        delete_after_send: None,
        schedule: None,
        status_email: None,
    };
    let cfg = tring::Config { timeout_ms: Some(300), ..tr("http://pbx.test", None) };
    let out = s.pbx.telephony_pbx_tring().call_fax_send(&mut s.store, &cfg, &req).await.expect("no trap");
    assert!(matches!(out, Err(Error::Timeout)), "{out:?}");
}

//! TRiNG / MiRTA `proxyapi.php` through the component: for every function
//! the exact request (method, URL with its encoded query, body) and the
//! decoded result; the 200-with-text quirks; the input checks; and the key,
//! which travels in the URL, in no error.
//!
//! Here the shared configs, requests and macros; the tests by area of the
//! WIT interface: [`reads`], [`media`], [`actions`], [`admin`], [`errors`],
//! [`interface`].

use super::common::{assert_no_secret, host, session};
use host_test::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};
use host_test::kit::mock::example;
use host_test::kit::mock::tring::{AUDIO, CALL_ID, WAV};
use host_test::kit::mock::{MockProvider, MockResponse, RecordedRequest};
use host_test::PbxError as Error;
use std::time::Duration;

/// The key, with a `/` so that it is percent-encoded in the URL.
const KEY: &str = "tr-SECRET-key/9";
const KEY_ENC: &str = "tr-SECRET-key%2F9";
/// Every URL up to the reqtype's value.
const BASE: &str = "https://pbx.example.com/pbx/proxyapi.php?key=tr-SECRET-key%2F9&tenant=DEMO&reqtype=";

fn cfg() -> Config {
    Config {
        server: "pbx.example.com".into(),
        api_key: KEY.into(),
        tenant: Some("DEMO".into()),
        timeout_ms: Some(2_000),
        max_body_bytes: None,
    }
}

fn url(rest: &str) -> String {
    format!("{BASE}{rest}")
}

fn headers(r: &RecordedRequest) -> Vec<(&str, &str)> {
    r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

fn dial_req(source: &str, dest: &str) -> DialRequest {
    DialRequest {
        source: source.into(),
        dest: dest.into(),
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

fn cdr_filter() -> CdrFilter {
    CdrFilter {
        id: None,
        uniqueid: None,
        linkedid: None,
        src: None,
        firstdst: None,
        direction: None,
        phone: None,
        template: None,
        start: None,
        end: None,
        format: None,
    }
}

fn simplecdr_filter() -> SimplecdrFilter {
    SimplecdrFilter {
        id: None,
        uniqueid: None,
        calleridnum: None,
        calleridname: None,
        disposition: None,
        direction: None,
        whoanswered: None,
        phone: None,
        start: None,
        end: None,
        format: None,
    }
}

/// A FAX send with `pdf` (also the fault tests' large body).
pub(crate) fn fax_req(pdf: &[u8]) -> FaxRequest {
    FaxRequest {
        source_number: "3210".into(),
        dest_number: "+3212345678".into(),
        pdf: pdf.to_vec(),
        quality: None,
        page_size: None,
        rotate: None,
        delete_after_send: None,
        schedule: None,
        status_email: None,
    }
}

fn log_entry() -> QueueLogEntry {
    QueueLogEntry {
        uniqid: None,
        extension: None,
        event: None,
        data1: None,
        data2: None,
        data3: None,
        data4: None,
        data5: None,
    }
}

/// Runs one call in a fresh instance against `mock`:
/// `run!(mock, |t, s, c| t.call_x(s, &c, ...))` gives the call's result.
macro_rules! run {
    ($mock:expr, |$t:ident, $s:ident, $c:ident| $call:expr) => {{
        let mut sess = session(&$mock).await;
        let $c = cfg();
        let $t = sess.pbx.telephony_pbx_tring();
        let $s = &mut sess.store;
        $call.await.expect("no trap")
    }};
}

/// One JSON-text function: the mock answers `body` as JSON; the single
/// request must be a GET of `url(rest)` without a body, and the result the
/// body's text.
macro_rules! json_case {
    ($rest:expr, $body:expr, |$t:ident, $s:ident, $c:ident| $call:expr) => {{
        let mock = MockProvider::always(MockResponse::json(200, $body));
        let out: Result<String, Error> = run!(mock, |$t, $s, $c| $call);
        let r = mock.single();
        let expected = url($rest);
        assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", expected.as_str()));
        assert!(r.body.is_empty(), "{expected}");
        assert_eq!(out.expect(&expected), $body, "{expected}");
    }};
}

const ROWS: &str = r#"[{"a":"1"},{"a":"2"}]"#;
const OBJ: &str = r#"{"id":"9","name":"x"}"#;
const DONE: &str = r#"{"Response":"Success","Message":"done"}"#;

mod actions;
mod admin;
mod errors;
mod interface;
mod media;
mod reads;

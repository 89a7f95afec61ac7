//! What the mock records ([`RecordedRequest`]) and answers
//! ([`MockResponse`]): a leaf the providers' responders and the mock share.

use std::time::Duration;

/// One request as the component sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The whole URL (`https://host/path?query`).
    pub url: String,
    /// The path and the raw (still encoded) query.
    pub path_and_query: String,
    /// Headers in order, names lower-cased (`host` included, as wasi-http adds it).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// The request options the component set (connect, first byte, between bytes).
    pub timeouts: [Option<Duration>; 3],
}

impl RecordedRequest {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path alone.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("")
    }

    /// The raw query string (empty when none).
    pub fn raw_query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    /// The decoded query pairs, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        decode_pairs(self.raw_query())
    }

    /// One decoded query value.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decodes `a=1&b=x%20y` (and `+` as space, as forms do), in order.
pub fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
}

/// What the mock answers.
#[derive(Clone, Debug)]
pub struct MockResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Wait this long before answering (checked against the first-byte timeout).
    pub delay: Duration,
    /// Send the body in two halves with this pause between them (checked
    /// against the between-bytes timeout); zero sends it in one frame.
    pub pause: Duration,
    /// Fail the exchange instead, as a host would: `internal-error` with
    /// this text (which may quote the request, as some hosts' errors do).
    pub failure: Option<String>,
}

impl MockResponse {
    /// Any status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> MockResponse {
        MockResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            pause: Duration::ZERO,
            failure: None,
        }
    }

    /// The host fails the exchange with `internal-error(text)`.
    pub fn failing(text: &str) -> MockResponse {
        MockResponse { failure: Some(text.into()), ..MockResponse::new(500, "text/plain", "") }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> MockResponse {
        MockResponse::new(status, "application/json", body)
    }

    /// An HTML answer (a proxy's error page, a login page...).
    pub fn html(status: u16, body: &str) -> MockResponse {
        MockResponse::new(status, "text/html; charset=UTF-8", body)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> MockResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after `delay`.
    pub fn delayed(mut self, delay: Duration) -> MockResponse {
        self.delay = delay;
        self
    }

    /// Sends the first half of the body at once and the rest after `pause`.
    pub fn trickled(mut self, pause: Duration) -> MockResponse {
        self.pause = pause;
        self
    }
}

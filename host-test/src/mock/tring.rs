//! tring answers, for the built-in mock.

use super::{MockResponse, RecordedRequest};

/// Answers a request, or `None` when unknown.
pub fn answer(_req: &RecordedRequest) -> Option<MockResponse> {
    None
}

/// The demo's calls for this provider: (function, arguments without `cfg`).
pub fn demo_calls() -> Vec<(&'static str, serde_json::Value)> {
    Vec::new()
}
//! What every provider `config` the gateway passes on must satisfy, the
//! caller's (anywhere in the body: `cfg`, a telephony `account`) and the
//! server-held one alike: the generated dispatch (gateway/codegen) makes
//! each config record's `FromJson` call
//! [`Cx::config_url`](crate::json::Cx::config_url) on its URL field and
//! [`Outbound::timeout`] on its `timeout-ms`.
//!
//! - **URLs** (`base-url`, TRiNG `server`): a URL the request brings is
//!   used only when `PBX_ALLOWED_HOSTS` allows its scheme, host and port
//!   (`pbx-egress`); else 403 `host-not-allowed`, and nothing is sent. A
//!   server-held URL (`PBX_RINGOSTAT_BASE_URL`, `PBX_TRING_SERVER`,
//!   `PBX_RINGME_BASE_URL`) is the operator's and is not checked. A config
//!   that leaves `base-url` out (Ringostat) goes to the provider's default
//!   host, which needs no pattern.
//!
//!   An allowed URL is handed to the component in the canonical form the
//!   check read it in (`scheme://host[:port]/path`: lower-case name,
//!   dotted-decimal IPv4, bracketed IPv6, no default port), not as sent.
//!   The component's own parser (src/validate.rs `base_url`) is stricter
//!   than the check's and reads a canonical authority exactly as written
//!   (it has no `@`, `\`, `%` or second `:`), so both see the same host;
//!   proving the two parsers agree on every raw spelling instead would
//!   need a proof per spelling, and the rewrite makes it unnecessary. The
//!   resolver that finally reads the host (the HTTP client's, `inet_aton`)
//!   sees dotted-decimal, which no reader takes for another address.
//! - **`timeout-ms`**: bounded by `PBX_MAX_TIMEOUT_MS` (default 60000). A
//!   larger value is lowered to the bound rather than refused: the field is
//!   an upper limit on the wait, so a lower one still honours the request,
//!   and a client that asks generously keeps working; the bound protects the
//!   gateway's instances from being held open. A config that leaves it out
//!   gets the component's default (30 s, [`COMPONENT_DEFAULT_TIMEOUT_MS`]),
//!   or the bound when the bound is lower.

use alloc::string::String;
use pbx_egress::Policy;

use crate::bad::{Bad, BadKind};

/// The component's `timeout-ms` when a config leaves it out
/// (src/validate.rs `DEFAULT_TIMEOUT_MS`; the gateway test
/// `an_absent_timeout_stays_within_the_bound` checks the gateway's side).
pub const COMPONENT_DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// `PBX_MAX_TIMEOUT_MS` when unset.
pub const DEFAULT_MAX_TIMEOUT_MS: u32 = 60_000;

/// The outbound rules, from the settings (parsed once per instance:
/// [`Settings::outbound`](crate::settings::Settings::outbound)).
pub struct Outbound {
    /// `PBX_ALLOWED_HOSTS`.
    pub policy: Policy,
    /// `PBX_MAX_TIMEOUT_MS`.
    pub max_timeout_ms: u32,
}

impl Default for Outbound {
    /// No URL of a request's own, the default bound.
    fn default() -> Self {
        Outbound { policy: Policy::default(), max_timeout_ms: DEFAULT_MAX_TIMEOUT_MS }
    }
}

impl Outbound {
    /// Checks a URL the request brought and rewrites it to its canonical
    /// form; with `bare_host_is_https`, a value without `://` is `https://`
    /// it (TRiNG's `server`, as the component reads it).
    pub fn url(&self, value: &mut String, bare_host_is_https: bool) -> Result<(), Bad> {
        match self.policy.check_base_url(value, bare_host_is_https) {
            Ok(allowed) => {
                *value = allowed.canonical;
                Ok(())
            }
            Err(refusal) => Err(Bad { kind: BadKind::HostNotAllowed, field: String::new(), reason: refusal.message() }),
        }
    }

    /// Lowers `timeout-ms` to the bound; fills it in when left out and the
    /// component's default is over the bound. `0` is left for the
    /// component to refuse (`invalid-input`).
    pub fn timeout(&self, value: &mut Option<u32>) {
        let max = self.max_timeout_ms;
        match value {
            Some(ms) if *ms > max => *value = Some(max),
            None if COMPONENT_DEFAULT_TIMEOUT_MS > max => *value = Some(max),
            _ => {}
        }
    }
}

/// A config's URL field: `string` or `option<string>` in the WIT.
pub trait UrlField {
    /// The URL, when one is set.
    fn url_mut(&mut self) -> Option<&mut String>;
}

impl UrlField for String {
    fn url_mut(&mut self) -> Option<&mut String> {
        Some(self)
    }
}

impl UrlField for Option<String> {
    fn url_mut(&mut self) -> Option<&mut String> {
        self.as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbound(list: &str, max: u32) -> Outbound {
        Outbound { policy: Policy::parse(list).unwrap(), max_timeout_ms: max }
    }

    #[test]
    fn urls_are_checked_and_rewritten() {
        let o = outbound("https://*.tring.nu, http://127.0.0.1:9099", 60_000);
        let mut v = String::from("HTTPS://Api.Tring.NU./x");
        o.url(&mut v, false).unwrap();
        assert_eq!(v, "https://api.tring.nu/x");
        let mut v = String::from("api.tring.nu");
        o.url(&mut v, true).unwrap();
        assert_eq!(v, "https://api.tring.nu");
        let mut v = String::from("http://2130706433:9099/base/");
        o.url(&mut v, false).unwrap();
        assert_eq!(v, "http://127.0.0.1:9099/base/");
        for bad in ["https://evil.example/k", "http://127.0.0.1:9098", "https://u@api.tring.nu", "http://0x7f000001"] {
            let mut v = String::from(bad);
            let e = o.url(&mut v, false).unwrap_err();
            assert_eq!(e.kind, BadKind::HostNotAllowed, "{bad}");
            assert_eq!(v, bad, "a refused value is left alone");
            assert!(!e.reason.contains("/k") && !e.reason.contains("u@"), "{}", e.reason);
        }
    }

    #[test]
    fn timeouts_are_bounded() {
        let o = outbound("", 60_000);
        for (sent, passed) in [(Some(5_000), Some(5_000)), (Some(60_000), Some(60_000)), (Some(60_001), Some(60_000))] {
            let mut v = sent;
            o.timeout(&mut v);
            assert_eq!(v, passed);
        }
        let mut v = Some(u32::MAX);
        o.timeout(&mut v);
        assert_eq!(v, Some(60_000));
        let mut v = None;
        o.timeout(&mut v);
        assert_eq!(v, None, "the component's 30 s default is within 60 s");
        let low = outbound("", 2_000);
        let mut v = None;
        low.timeout(&mut v);
        assert_eq!(v, Some(2_000));
        let mut v = Some(0);
        low.timeout(&mut v);
        assert_eq!(v, Some(0), "left for the component to refuse");
    }
}

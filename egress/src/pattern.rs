//! One `PBX_ALLOWED_HOSTS` entry, in the form of Spin's
//! `allowed_outbound_hosts`: `scheme://host[:port]`, where
//! - scheme is `http`, `https` or `*`;
//! - host is `*` (any host), `*.example.com` (any name under
//!   `example.com`, at any depth, not `example.com` itself), a name, an IPv4
//!   address (any spelling [`crate::host::parse`] reads, so `127.1` names
//!   `127.0.0.1`) or an `[IPv6]` literal;
//! - port is a number, `*` (any), or absent: the scheme's default (80 for
//!   `http`, 443 for `https`; for scheme `*`, the default of the URL's own
//!   scheme).
//!
//! A trailing `/` is accepted; any other path, a query, user information or
//! another scheme is not a pattern.

use alloc::string::String;

use crate::host::{self, Host};
use crate::url::{parse_port, split_port, split_scheme, Scheme};

/// The host part of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// `*`.
    Any,
    /// `*.suffix`: names that end in `.suffix` (stored without the dot).
    Subdomains(String),
    /// Exactly this host.
    Exact(Host),
}

/// The port part of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortPattern {
    /// `*`.
    Any,
    /// None written: the scheme's default.
    Default,
    /// This port.
    Port(u16),
}

/// A parsed pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// `None` for `*`.
    pub scheme: Option<Scheme>,
    /// The host part.
    pub host: HostPattern,
    /// The port part.
    pub port: PortPattern,
}

impl Pattern {
    /// Reads one entry; the error says what is wrong without quoting it.
    pub fn parse(entry: &str) -> Result<Pattern, &'static str> {
        let (scheme, rest) = split_scheme(entry).ok_or("not scheme://host[:port]")?;
        let scheme = match scheme {
            "*" => None,
            s => Some(Scheme::parse(s).ok_or("the scheme is not http, https or *")?),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@', '\\']) {
            return Err("a pattern has no path, query or user information");
        }
        let (host, port) = split_port(authority)?;
        let port = match port {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(p) => PortPattern::Port(parse_port(p).ok_or("the port is not 1-65535 or *")?),
        };
        let host = match host {
            "*" => HostPattern::Any,
            h => match h.strip_prefix("*.") {
                Some(suffix) => match host::parse(suffix)? {
                    Host::Name(n) => HostPattern::Subdomains(n),
                    _ => return Err("*. is followed by an address, not a name"),
                },
                None => HostPattern::Exact(host::parse(h)?),
            },
        };
        Ok(Pattern { scheme, host, port })
    }

    /// Whether the scheme and port match.
    pub fn matches_scheme_port(&self, scheme: Scheme, port: u16) -> bool {
        let scheme_ok = self.scheme.is_none_or(|s| s == scheme);
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Port(p) => p == port,
            PortPattern::Default => port == self.scheme.unwrap_or(scheme).default_port(),
        };
        scheme_ok && port_ok
    }

    /// Whether the host matches: `Some(true)` when the pattern names it
    /// exactly, `Some(false)` when a wildcard covers it, `None` when not.
    pub fn matches_host(&self, h: &Host) -> Option<bool> {
        match (&self.host, h) {
            (HostPattern::Any, _) => Some(false),
            (HostPattern::Subdomains(suffix), Host::Name(n)) => {
                let under = n.len() > suffix.len() + 1
                    && n.ends_with(suffix.as_str())
                    && n.as_bytes()[n.len() - suffix.len() - 1] == b'.';
                under.then_some(false)
            }
            (HostPattern::Subdomains(_), _) => None,
            (HostPattern::Exact(e), h) => (e == h).then_some(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Host {
        Host::Name(n.into())
    }

    #[test]
    fn parses_patterns() {
        let p = Pattern::parse("https://api.tring.nu").unwrap();
        assert_eq!(
            p,
            Pattern {
                scheme: Some(Scheme::Https),
                host: HostPattern::Exact(name("api.tring.nu")),
                port: PortPattern::Default
            }
        );
        let p = Pattern::parse("https://*.Tring.nu/").unwrap();
        assert_eq!(p.host, HostPattern::Subdomains("tring.nu".into()));
        let p = Pattern::parse("*://*:*").unwrap();
        assert_eq!(p, Pattern { scheme: None, host: HostPattern::Any, port: PortPattern::Any });
        let p = Pattern::parse("http://127.1:9099").unwrap();
        assert_eq!(p.host, HostPattern::Exact(Host::V4("127.0.0.1".parse().unwrap())));
        assert_eq!(p.port, PortPattern::Port(9099));
        let p = Pattern::parse("http://[::1]:*").unwrap();
        assert_eq!((p.host, p.port), (HostPattern::Exact(Host::V6("::1".parse().unwrap())), PortPattern::Any));
        for bad in [
            "",
            "api.tring.nu",
            "ftp://h.example",
            "redis://h.example",
            "https://h.example/path",
            "https://h.example?x",
            "https://u@h.example",
            "https://h.example:0",
            "https://h.example:x",
            "https://h.example:",
            "https://",
            "https://*.",
            "https://*.127.0.0.1",
            "https://a.*.example",
            "https://*example.com",
            "https://h example",
            "https://1.2.3.09",
            "https://[::1",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn matches_scheme_and_port() {
        let p = Pattern::parse("https://h.example").unwrap();
        assert!(p.matches_scheme_port(Scheme::Https, 443));
        assert!(!p.matches_scheme_port(Scheme::Https, 8443));
        assert!(!p.matches_scheme_port(Scheme::Http, 443));
        assert!(!p.matches_scheme_port(Scheme::Http, 80));
        let p = Pattern::parse("http://h.example").unwrap();
        assert!(p.matches_scheme_port(Scheme::Http, 80) && !p.matches_scheme_port(Scheme::Http, 8080));
        let p = Pattern::parse("*://h.example").unwrap();
        assert!(p.matches_scheme_port(Scheme::Http, 80) && p.matches_scheme_port(Scheme::Https, 443));
        assert!(!p.matches_scheme_port(Scheme::Http, 443) && !p.matches_scheme_port(Scheme::Https, 80));
        let p = Pattern::parse("https://h.example:8443").unwrap();
        assert!(p.matches_scheme_port(Scheme::Https, 8443) && !p.matches_scheme_port(Scheme::Https, 443));
        let p = Pattern::parse("https://h.example:*").unwrap();
        assert!(p.matches_scheme_port(Scheme::Https, 1) && !p.matches_scheme_port(Scheme::Http, 1));
    }

    #[test]
    fn matches_hosts() {
        let p = Pattern::parse("https://*.tring.nu").unwrap();
        assert_eq!(p.matches_host(&name("api.tring.nu")), Some(false));
        assert_eq!(p.matches_host(&name("a.b.tring.nu")), Some(false));
        assert_eq!(p.matches_host(&name("tring.nu")), None);
        assert_eq!(p.matches_host(&name("eviltring.nu")), None);
        assert_eq!(p.matches_host(&name("tring.nu.evil.com")), None);
        assert_eq!(p.matches_host(&Host::V4("1.2.3.4".parse().unwrap())), None);
        let p = Pattern::parse("https://api.tring.nu").unwrap();
        assert_eq!(p.matches_host(&name("api.tring.nu")), Some(true));
        assert_eq!(p.matches_host(&name("x.api.tring.nu")), None);
        let p = Pattern::parse("*://*:*").unwrap();
        assert_eq!(p.matches_host(&name("anything.example")), Some(false));
    }
}

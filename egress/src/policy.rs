//! The policy: the parsed `PBX_ALLOWED_HOSTS` list, and the two questions
//! asked of it: may a request's URL be used ([`Policy::check_url`]), and may
//! a connection go to an address ([`Policy::allows_addr`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use crate::host::{self, push_u16, Host, Unreadable};
use crate::pattern::{HostPattern, Pattern};
use crate::special::{special, special_ip};
use crate::url::{self, Scheme, Target};

/// The allow-list. An empty policy (the variable unset or empty) allows no
/// URL at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    patterns: Vec<Pattern>,
}

/// An entry of the list that is not a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// Which entry, counting from 1.
    pub entry: usize,
    /// What is wrong with it (never quotes it).
    pub reason: &'static str,
}

impl PolicyError {
    /// `PBX_ALLOWED_HOSTS entry 2 is not a pattern (...)`: names the
    /// variable and the entry's position, never its text.
    pub fn message(&self) -> String {
        let mut m = String::from(ALLOWED_HOSTS);
        m.push_str(" entry ");
        push_usize(&mut m, self.entry);
        m.push_str(" is not a pattern (");
        m.push_str(self.reason);
        m.push_str(
            "); entries are comma-separated scheme://host[:port], e.g. https://api.tring.nu, \
             https://*.tring.nu, http://127.0.0.1:9099, *://*:*",
        );
        m
    }
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Why a URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The URL cannot be read one way only; says what was wrong, never
    /// quotes the URL.
    Unreadable(Unreadable),
    /// The policy is empty: no URL of a request's own is allowed. Carries
    /// `scheme://host:port`.
    NoAllowList(String),
    /// No pattern matches. Carries `scheme://host:port`.
    NotAllowed(String),
    /// A special address or name that no pattern names exactly. Carries
    /// `scheme://host:port` and the kind in words.
    Special(String, &'static str),
}

impl Refusal {
    /// The message for the caller: says why, never quotes the URL or its
    /// host (a key put in a `server` field by mistake is a bare host name,
    /// and would come back in the answer); [`Refusal::host`] has the host.
    pub fn message(&self) -> String {
        match self {
            Refusal::Unreadable(why) => ["the URL cannot be read unambiguously: ", why].concat(),
            Refusal::NoAllowList(_) => [
                "the URL's host is not allowed: ",
                ALLOWED_HOSTS,
                " is not set, so a request may not bring a URL of its own",
            ]
            .concat(),
            Refusal::NotAllowed(_) => ["the URL's scheme, host and port are not allowed by ", ALLOWED_HOSTS].concat(),
            Refusal::Special(_, kind) => [
                "the URL's host is ",
                kind,
                "; only a ",
                ALLOWED_HOSTS,
                " entry naming exactly this scheme, host and port allows it",
            ]
            .concat(),
        }
    }

    /// The refused `scheme://host:port`, for the operator's own log (never
    /// for the caller's answer); `None` when the URL could not be read.
    pub fn host(&self) -> Option<&str> {
        match self {
            Refusal::Unreadable(_) => None,
            Refusal::NoAllowList(h) | Refusal::NotAllowed(h) | Refusal::Special(h, _) => Some(h),
        }
    }
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

/// A URL the policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    /// The URL as read.
    pub target: Target,
    /// Its canonical text ([`Target::canonical`]): what to send on, so that
    /// the next parser reads the host this one judged.
    pub canonical: String,
}

impl Policy {
    /// Reads a comma-separated list of patterns (see [`crate::pattern`]);
    /// spaces around entries and empty entries are ignored. An empty list
    /// is the empty policy.
    pub fn parse(list: &str) -> Result<Policy, PolicyError> {
        let mut patterns = Vec::new();
        for (i, entry) in list.split(',').enumerate() {
            let entry = entry.trim_ascii();
            if entry.is_empty() {
                continue;
            }
            patterns.push(Pattern::parse(entry).map_err(|reason| PolicyError { entry: i + 1, reason })?);
        }
        Ok(Policy { patterns })
    }

    /// Whether no pattern is set (no URL of a request's own is allowed).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Checks an absolute `http://` / `https://` URL.
    pub fn check_url(&self, url: &str) -> Result<Allowed, Refusal> {
        self.check_base_url(url, false)
    }

    /// Checks a base URL; with `bare_host_is_https`, a value without `://`
    /// means `https://` it (TRiNG's `server`).
    pub fn check_base_url(&self, url: &str, bare_host_is_https: bool) -> Result<Allowed, Refusal> {
        let target = url::parse(url, bare_host_is_https).map_err(Refusal::Unreadable)?;
        self.check_target(&target)?;
        let canonical = target.canonical();
        Ok(Allowed { target, canonical })
    }

    /// Checks a URL already read: some pattern must match its scheme, host
    /// and port; a special address or name (loopback, private, link-local,
    /// metadata, `localhost` ...: see [`crate::special`]) only under a
    /// pattern that names that host exactly, never under a wildcard.
    pub fn check_target(&self, t: &Target) -> Result<(), Refusal> {
        let shown = || authority(t.scheme, &t.host, t.port);
        if self.is_empty() {
            return Err(Refusal::NoAllowList(shown()));
        }
        let mut wildcard = false;
        for p in self.patterns.iter().filter(|p| p.matches_scheme_port(t.scheme, t.port)) {
            match p.matches_host(&t.host) {
                Some(true) => return Ok(()),
                Some(false) => wildcard = true,
                None => {}
            }
        }
        match (wildcard, special(&t.host)) {
            (true, None) => Ok(()),
            (_, Some(kind)) => Err(Refusal::Special(shown(), kind)),
            (false, None) => Err(Refusal::NotAllowed(shown())),
        }
    }

    /// Whether a connection may go to `ip`, which `host` (the URL's host
    /// as sent: a name or an address literal, `[v6]` in brackets or not)
    /// resolved to, for `scheme` and `port`. For the host's connect-time
    /// check against DNS rebinding (a public name that resolves to
    /// `127.0.0.1`):
    ///
    /// - true when a pattern that matches `scheme` and `port` names exactly
    ///   `host` or `ip` (`http://127.0.0.1:9099`, `https://intranet.corp`:
    ///   the operator named it, wherever it resolves);
    /// - else true when neither `host` nor `ip` is special (an IPv4-mapped
    ///   IPv6 `ip` is judged by its IPv4 address);
    /// - false otherwise, and for a `host` that cannot be read.
    ///
    /// Whether the host itself may be used is [`Policy::check_url`]'s
    /// question, asked before; this one holds also for the providers'
    /// default hosts, which no pattern needs to name.
    pub fn allows_addr(&self, scheme: Scheme, host: &str, port: u16, ip: IpAddr) -> bool {
        let bracketed;
        let host = if host.contains(':') && !host.starts_with('[') {
            bracketed = ["[", host, "]"].concat();
            bracketed.as_str()
        } else {
            host
        };
        let Ok(host) = host::parse(host) else { return false };
        let ip_host = match ip.to_canonical() {
            IpAddr::V4(a) => Host::V4(a),
            IpAddr::V6(a) => Host::V6(a),
        };
        let named = self.patterns.iter().any(|p| {
            p.matches_scheme_port(scheme, port)
                && matches!(&p.host, HostPattern::Exact(e) if *e == host || *e == ip_host || Some(ip) == e.ip())
        });
        named || (special(&host).is_none() && special_ip(ip).is_none())
    }
}

/// `scheme://host:port`, the port always written.
fn authority(scheme: Scheme, host: &Host, port: u16) -> String {
    let mut s = String::from(scheme.as_str());
    s.push_str("://");
    s.push_str(&host.to_text());
    s.push(':');
    push_u16(&mut s, port);
    s
}

fn push_usize(out: &mut String, n: usize) {
    match u16::try_from(n) {
        Ok(n) => push_u16(out, n),
        Err(_) => out.push_str("past 65535"),
    }
}

/// The variable that holds the allow-list.
pub const ALLOWED_HOSTS: &str = "PBX_ALLOWED_HOSTS";

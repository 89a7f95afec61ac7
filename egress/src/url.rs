//! URLs a request brings (`base-url`, TRiNG `server`): split into scheme,
//! host, port and the rest, strictly, and written back in one canonical form.
//!
//! Refused outright (nothing a second parser could read differently):
//! a byte outside printable ASCII (controls, space, non-ASCII), a `\`
//! (WHATWG reads it as `/` in http URLs, others do not), user information
//! (`@` in the authority), a scheme other than `http`/`https`, more than one
//! `:` outside an IPv6 literal, a port that is not 1-65535 in digits.
//! Only the authority is judged and rewritten; the path (and any query, which
//! the component refuses) follows it verbatim.

use alloc::string::String;

use crate::host::{self, push_u16, Host, Unreadable};

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// Reads `http`/`https`, in any case.
    pub fn parse(s: &str) -> Option<Scheme> {
        if s.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if s.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }
}

/// A URL as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The scheme.
    pub scheme: Scheme,
    /// The host.
    pub host: Host,
    /// The port (the scheme's default when none was written).
    pub port: u16,
    /// Everything after the authority (`/path`, possibly empty), verbatim.
    pub rest: String,
}

impl Target {
    /// `scheme://host[:port]<rest>`: the host canonical (lower-case name,
    /// dotted-decimal IPv4, bracketed RFC 5952 IPv6), the port only when it
    /// is not the scheme's default.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(16 + self.rest.len());
        out.push_str(self.scheme.as_str());
        out.push_str("://");
        out.push_str(&self.host.to_text());
        if self.port != self.scheme.default_port() {
            out.push(':');
            push_u16(&mut out, self.port);
        }
        out.push_str(&self.rest);
        out
    }
}

/// Reads `url`. With `bare_host_is_https`, a value without `://` is an
/// `https://` URL (TRiNG's `server: "pbx.example.com"`).
pub fn parse(url: &str, bare_host_is_https: bool) -> Result<Target, Unreadable> {
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a URL with a control character, space or non-ASCII character");
    }
    if url.contains('\\') {
        return Err("a URL with a backslash");
    }
    let (scheme, rest) = match split_scheme(url) {
        Some((s, rest)) => (Scheme::parse(s).ok_or("a URL whose scheme is not http or https")?, rest),
        None if bare_host_is_https => (Scheme::Https, url),
        None => return Err("not an absolute http:// or https:// URL"),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err("a URL with user information (@)");
    }
    let (host_part, port_part) = split_port(authority)?;
    let host = host::parse(host_part)?;
    let port = match port_part {
        None => scheme.default_port(),
        Some(p) => parse_port(p).ok_or("a URL whose port is not 1-65535")?,
    };
    Ok(Target { scheme, host, port, rest: tail.into() })
}

/// The text before and after the first `://`. A byte search: `str`'s
/// substring searcher would cost the wasm build 2 KB.
pub(crate) fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let at = s.as_bytes().windows(3).position(|w| w == b"://")?;
    Some((s.get(..at)?, s.get(at + 3..)?))
}

/// `host` and the text after its `:` port separator, if any.
pub(crate) fn split_port(authority: &str) -> Result<(&str, Option<&str>), Unreadable> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or("an IPv6 literal without its closing ]")?;
        let (host, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => after.strip_prefix(':').map(|p| (host, Some(p))).ok_or("text after an IPv6 literal"),
        };
    }
    match authority.split_once(':') {
        Some((_, p)) if p.contains(':') => Err("a host with more than one :"),
        Some((h, p)) => Ok((h, Some(p))),
        None => Ok((authority, None)),
    }
}

/// 1-65535 in ASCII digits (leading zeros allowed, as WHATWG does).
pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = p.bytes().try_fold(0u32, |n, b| Some(n * 10 + u32::from(b - b'0')).filter(|n| *n <= 65535))?;
    u16::try_from(n).ok().filter(|n| *n != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(url: &str, bare: bool) -> Result<String, Unreadable> {
        parse(url, bare).map(|t| t.canonical())
    }

    #[test]
    fn canonical_forms() {
        for (url, bare, out) in [
            ("https://api.tring.nu", false, "https://api.tring.nu"),
            ("HTTPS://API.Tring.NU/", false, "https://api.tring.nu/"),
            ("https://api.tring.nu:443/x/y", false, "https://api.tring.nu/x/y"),
            ("https://api.tring.nu:00443", false, "https://api.tring.nu"),
            ("http://127.1:9099/base", false, "http://127.0.0.1:9099/base"),
            ("http://2130706433", false, "http://127.0.0.1"),
            ("http://[::FFFF:7f00:1]:80", false, "http://[::ffff:127.0.0.1]"),
            ("https://pbx.example.com.:8443", false, "https://pbx.example.com:8443"),
            ("pbx.example.com", true, "https://pbx.example.com"),
            ("pbx.example.com:8443/p", true, "https://pbx.example.com:8443/p"),
            ("https://%61pi.tring.nu", false, "https://api.tring.nu"),
            ("https://h.example?x=1", false, "https://h.example?x=1"),
        ] {
            assert_eq!(canon(url, bare).as_deref(), Ok(out), "{url}");
        }
    }

    #[test]
    fn unreadable_urls() {
        for (url, bare) in [
            ("", false),
            ("", true),
            ("pbx.example.com", false),
            ("ftp://h.example", false),
            ("file:///etc/passwd", false),
            ("https//h.example", false),
            ("https:/h.example", false),
            ("javascript://h.example", false),
            ("https://", false),
            ("https:///x", false),
            ("https://user@h.example", false),
            ("https://user:pass@h.example", false),
            ("https://h.example@127.0.0.1", false),
            ("https://h.example\\@127.0.0.1", false),
            ("https://127.0.0.1\\.h.example", false),
            ("https://h.example:0", false),
            ("https://h.example:65536", false),
            ("https://h.example:", false),
            ("https://h.example:80:80", false),
            ("https://h.example:8o", false),
            ("https://h.example:+80", false),
            ("https://h example", false),
            (" https://h.example", false),
            ("https://h.example\n", false),
            ("https://h\t.example", false),
            ("https://hé.example", false),
            ("https://[::1", false),
            ("https://[::1]80", false),
            ("https://::1", false),
            ("a:b:c", true),
            ("http:x", true),
        ] {
            assert!(parse(url, bare).is_err(), "{url:?}");
        }
    }
}

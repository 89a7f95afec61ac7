//! Base URLs, request targets, percent-encoded query strings and
//! `application/x-www-form-urlencoded` bodies. No value is ever concatenated
//! into a URL or body without going through [`encode_component`].

use crate::prelude::*;

use crate::error::{invalid, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 "unreserved" characters (letters, digits, `-`,
/// `.`, `_`, `~`) is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one query or form component (name or value), every byte
/// of its UTF-8 but the unreserved characters as `%XX` (upper-case hex),
/// through the `percent-encoding` crate.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// The longest request target (path and query) the component builds: 64
/// KiB. Hosts refuse longer ones anyway (the `http` crate, under wasmtime's
/// `wasi:http`, takes at most 65,534 bytes), and building one from a 6 MiB
/// argument (18 MiB percent-encoded, copied as it grew) ran the 64 MiB
/// instance out of memory (host-test `tests/it/caps.rs`).
pub const MAX_TARGET: usize = 64 * 1024;

/// Refuses a request whose target `path?query` would pass [`MAX_TARGET`]
/// once encoded, before it is built: `invalid-input` naming the longest
/// query parameter (as the provider names it).
pub fn check_target(path: &str, query: &[(&str, &str)]) -> Result<()> {
    // At most 3 bytes per byte (`%XX`): counted without encoding.
    let encoded = |s: &str| s.bytes().map(|b| if b.is_ascii_alphanumeric() { 1 } else { 3 }).sum::<usize>();
    let mut total = path.len();
    let mut longest = ("", 0);
    for (name, value) in query {
        let n = encoded(name) + encoded(value) + 2;
        total += n;
        if n > longest.1 {
            longest = (name, n);
        }
    }
    if total > MAX_TARGET {
        return Err(crate::error::invalid(longest.0, "too long: the request URL would pass 64 KiB"));
    }
    Ok(())
}

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (loopback stand-ins, private gateways).
    Http,
    /// HTTP over TLS.
    Https,
}

/// A validated base URL: scheme, authority and an optional path prefix
/// (without a trailing slash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// The scheme.
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// Path prefix, empty or starting with `/`, never ending with `/`.
    pub prefix: String,
}

/// Where one request goes: the base plus a path and an encoded query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The scheme.
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// Path and query, e.g. `/sipstatus/online?project_id=1`.
    pub path_and_query: String,
}

impl Target {
    /// The whole URL as text (for tests and the CLI; may contain secrets).
    pub fn to_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}{}", self.authority, self.path_and_query)
    }
}

impl BaseUrl {
    /// Parses an `http://` or `https://` URL, checked by
    /// [`base_url`]. With `bare_host_is_https`, a value with
    /// no scheme (`pbx.example.com`) means `https://` that host.
    pub fn parse(field: &str, value: &str, bare_host_is_https: bool) -> Result<BaseUrl> {
        let (https, authority, path) = base_url(field, value, bare_host_is_https)?;
        Ok(BaseUrl {
            scheme: if https { Scheme::Https } else { Scheme::Http },
            authority: authority.to_ascii_lowercase(),
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// The target `<base><path>?<query>`. `path` starts with `/` and is
    /// fixed text or already-encoded segments; query pairs are encoded here.
    pub fn target(&self, path: &str, query: &[(&str, &str)]) -> Target {
        let mut path_and_query = format!("{}{}", self.prefix, path);
        if !query.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(&encode_pairs(query));
        }
        Target { scheme: self.scheme, authority: self.authority.clone(), path_and_query }
    }
}

/// `a=1&b=x%20y`: each name and value percent-encoded.
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
    }
    out
}

/// An `application/x-www-form-urlencoded` body (spaces as `+`).
pub fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    crate::text::replace(&encode_pairs(pairs), "%20", "+").into_bytes()
}

/// The parts of a checked base URL: https or not, `host[:port]` and the
/// path (empty or starting with `/`, as given).
pub type BaseParts<'a> = (bool, &'a str, &'a str);

/// Checks a base URL (`base-url`, `server`): a well-formed absolute
/// `http://` or `https://` URL (scheme in lower case) with
/// - printable ASCII only, from the characters RFC 3986 allows (no space,
///   control character, non-ASCII, `"`, `<`, `>`, `\`, `^`, backtick,
///   `{`, `|`, `}`), `%` only as `%XX`;
/// - a host: a name of letters, digits, `-`, `_` and dots (no empty label),
///   or an IPv6 literal in brackets (`[::1]`); no user information (`@`);
/// - an optional port of 1-65535;
/// - a path without `.` or `..` segments (plain or percent-encoded) and
///   without empty segments (`//`); a trailing `/` is fine;
/// - no query (`?`) and no fragment (`#`).
///
/// With `bare_host_is_https`, a value without `://` means `https://` it.
pub fn base_url<'a>(field: &str, value: &'a str, bare_host_is_https: bool) -> Result<BaseParts<'a>> {
    const PATH: &str = "has an invalid path (an empty, . or .. segment, [ or ], or % not followed by two hex digits)";
    // Byte loops throughout: `str` patterns and splitters cost more code.
    let bad = |reason: &str| Err(invalid(field, reason));
    let v = value.as_bytes();
    if v.is_empty() {
        return bad("must not be empty");
    }
    if !v.iter().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:/@%[]?#".contains(b)) {
        return bad("must be ASCII without spaces, control characters or any of \" < > \\ ^ ` { | }");
    }
    let start = if v.starts_with(b"https://") {
        8
    } else if v.starts_with(b"http://") {
        7
    } else if bare_host_is_https && !crate::text::contains(value, "://") {
        0
    } else {
        return bad("must be an http:// or https:// URL");
    };
    let https = start != 7;
    let rest = &v[start..];
    if rest.contains(&b'?') || rest.contains(&b'#') {
        return bad("must not carry a query or a fragment");
    }
    let slash = rest.iter().position(|b| *b == b'/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(slash);
    if authority.contains(&b'@') {
        return bad("must not carry user information");
    }
    // The host ends at `]` for an IPv6 literal, else at the port's `:`.
    let host_end = match authority.first() {
        Some(b'[') => {
            let close = authority.iter().position(|b| *b == b']').unwrap_or(0);
            let literal = core::str::from_utf8(&authority[1..close.max(1)]).unwrap_or("");
            if close == 0 || literal.parse::<core::net::Ipv6Addr>().is_err() {
                return bad("has an invalid host");
            }
            close + 1
        }
        _ => {
            let end = authority.iter().position(|b| *b == b':').unwrap_or(authority.len());
            let host = &authority[..end];
            let name = host.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b));
            if !name || host.first().is_none_or(|b| *b == b'.') || host.windows(2).any(|w| w == b"..") {
                return bad("has an invalid host");
            }
            end
        }
    };
    match authority.get(host_end..) {
        Some([]) | None => {}
        Some([b':', port @ ..]) => {
            let digit = |n: u32, b: &u8| (b.is_ascii_digit() && n < 65536).then(|| n * 10 + u32::from(b - b'0'));
            let n = port.iter().try_fold(0u32, digit);
            if !matches!(n, Some(1..=65535)) || port.len() > 5 {
                return bad("has an invalid port (1-65535)");
            }
        }
        Some(_) => return bad("has an invalid host"),
    }
    // One pass over the path (it starts with `/` when not empty): each
    // segment's dots (plain or `%2e`) and other characters are counted when
    // its `/` or the end comes; only the last segment may be empty.
    let (mut i, mut dots, mut other) = (1, 0, 0);
    while i <= path.len() {
        match path.get(i) {
            None | Some(b'/') => {
                if dots + other == 0 && i < path.len() {
                    return bad(PATH);
                }
                if other == 0 && (1..=2).contains(&dots) {
                    return bad(PATH);
                }
                (dots, other) = (0, 0);
            }
            Some(b'[' | b']') => return bad(PATH),
            Some(b'%') => {
                let hex = |j: usize| path.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return bad(PATH);
                }
                if path[i + 1] == b'2' && path[i + 2] | 0x20 == b'e' {
                    dots += 1;
                } else {
                    other += 1;
                }
                i += 2;
            }
            Some(b'.') => dots += 1,
            Some(_) => other += 1,
        }
        i += 1;
    }
    let (authority, path) = value.get(start..).unwrap_or("").split_at_checked(slash).unwrap_or(("", ""));
    Ok((https, authority, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_targets_are_refused_naming_the_longest_parameter() {
        let long = "%".repeat(MAX_TARGET / 3);
        assert!(check_target("/p", &[("a", "b"), ("message", &long[..long.len() - 10])]).is_ok());
        match check_target("/p", &[("a", "b"), ("message", &long)]) {
            Err(crate::Error::InvalidInput(f)) => assert_eq!(f.field, "message"),
            other => panic!("{other:?}"),
        }
        assert!(check_target("/p", &[("key", &"a".repeat(MAX_TARGET))]).is_err());
    }

    #[test]
    fn parses_and_normalises_base_urls() {
        let b = BaseUrl::parse("f", "https://API.ringostat.net/", false).unwrap();
        assert_eq!((b.scheme, b.authority.as_str(), b.prefix.as_str()), (Scheme::Https, "api.ringostat.net", ""));
        let b = BaseUrl::parse("f", "http://127.0.0.1:8080/base/", false).unwrap();
        assert_eq!(b.target("/x", &[]).to_url(), "http://127.0.0.1:8080/base/x");
        let b = BaseUrl::parse("f", "pbx.example.com", true).unwrap();
        assert_eq!(
            b.target("/pbx/proxyapi.php", &[("a", "b")]).to_url(),
            "https://pbx.example.com/pbx/proxyapi.php?a=b"
        );
    }

    #[test]
    fn refuses_bad_base_urls() {
        for bad in [
            "",
            "ftp://x",
            "pbx.example.com",
            "https://",
            "https://a b",
            "https://h\r\nX: y",
            "https://u:p@h",
            "https://h?x=1",
            "https://h:99999",
            "https://h/%2e",
            "https://h:port",
        ] {
            assert!(
                matches!(BaseUrl::parse("cfg.base-url", bad, false), Err(crate::Error::InvalidInput(ref f)) if f.field == "cfg.base-url"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn encodes_all_but_unreserved_characters() {
        let unreserved = "ABCXYZabcxyz0189-._~";
        assert_eq!(encode_component(unreserved), unreserved);
        assert_eq!(
            encode_component(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}\u{7f}\0"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D%7F%00"
        );
        assert_eq!(encode_component("ÿ€😀"), "%C3%BF%E2%82%AC%F0%9F%98%80");
    }

    #[test]
    fn encodes_everything_that_could_break_a_query() {
        assert_eq!(
            encode_pairs(&[("a b", "x&y=z#?+%/\r\n"), ("k", "é")]),
            "a%20b=x%26y%3Dz%23%3F%2B%25%2F%0D%0A&k=%C3%A9"
        );
        assert_eq!(form_body(&[("m", "hi there"), ("n", "+1")]), b"m=hi+there&n=%2B1");
    }

    #[test]
    fn base_urls_that_are_accepted() {
        for (value, https, authority, path) in [
            ("https://api.ringostat.net", true, "api.ringostat.net", ""),
            ("https://API.example.com/", true, "API.example.com", "/"),
            ("http://127.0.0.1:8080/base/", false, "127.0.0.1:8080", "/base/"),
            ("http://[::1]:8080/x", false, "[::1]:8080", "/x"),
            ("https://[2001:db8::1]", true, "[2001:db8::1]", ""),
            ("https://h/a%20b/c~d-e_f.g", true, "h", "/a%20b/c~d-e_f.g"),
            ("https://h/..x/.y/x..", true, "h", "/..x/.y/x.."),
            ("https://my_host.example.", true, "my_host.example.", ""),
        ] {
            assert_eq!(base_url("cfg.base-url", value, false).unwrap(), (https, authority, path), "{value:?}");
        }
        assert_eq!(base_url("cfg.server", "pbx.example.com/x", true).unwrap(), (true, "pbx.example.com", "/x"));
    }

    #[test]
    fn base_urls_that_are_refused() {
        for bad in [
            "",
            "ftp://x",
            "pbx.example.com",
            "https://",
            "https:///x",
            "//h",
            "https://a b",
            "https://h/a b",
            "https://h\r\nX: y",
            "https://h\t",
            "https://h\0",
            "https://h\u{7f}",
            "https://hé.com",
            "https://h/é",
            "https://h/\"",
            "https://h/{x}",
            "https://h/<x>",
            "https://h/a\\b",
            "https://h/a^b",
            "https://h/a`b",
            "https://h/a|b",
            "https://[::1",
            "https://::1]",
            "https://[::1]]",
            "https://h/[x]",
            "https://[x]",
            "https://[::1]x",
            "https://h/.",
            "https://h/..",
            "https://h/a/../b",
            "https://h/./b",
            "https://h/%2e%2E/b",
            "https://h/.%2e",
            "https://h//b",
            "https://u:p@h",
            "https://u@h/x",
            "https://h#f",
            "https://h/#",
            "https://h?x=1",
            "https://h:99999",
            "https://h:0",
            "https://h:",
            "https://h:port",
            "https://h:80:81",
            "https://h:+80",
            "https://h/%",
            "https://h/%zz",
            "https://h/%2",
            "https://.h",
            "https://a..b",
            "https://h%2e.com",
            "HTTPS://h",
            "https://h/a//b/",
        ] {
            let out = base_url("cfg.base-url", bad, false);
            let field = matches!(out, Err(crate::Error::InvalidInput(ref f)) if f.field == "cfg.base-url");
            assert!(field, "{bad:?}: {out:?}");
        }
        assert!(base_url("cfg.server", "ftp://h", true).is_err());
    }
}

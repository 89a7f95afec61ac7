//! Base URLs, request targets, percent-encoded query strings and
//! `application/x-www-form-urlencoded` bodies. No value is ever concatenated
//! into a URL or body without going through [`encode_component`].

use crate::prelude::*;

use crate::error::Result;
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
    /// [`crate::validate::base_url`]. With `bare_host_is_https`, a value with
    /// no scheme (`pbx.example.com`) means `https://` that host.
    pub fn parse(field: &str, value: &str, bare_host_is_https: bool) -> Result<BaseUrl> {
        let (https, authority, path) = crate::validate::base_url(field, value, bare_host_is_https)?;
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
}

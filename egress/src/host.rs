//! Hosts, read the way the WHATWG URL standard's host parser reads them
//! (<https://url.spec.whatwg.org/#host-parsing>), but stricter: whatever a
//! browser, `inet_aton` or a resolver could read as an address is read as
//! that address (`2130706433`, `0x7f000001`, `017700000001`, `127.1` are all
//! `127.0.0.1`), and anything this parser cannot read one way only is
//! refused rather than guessed at.
//!
//! Steps for a host that is not an `[IPv6]` literal:
//! 1. percent-decode (`%31%32%37.0.0.1` is `127.0.0.1`; a `%` not followed
//!    by two hex digits is refused);
//! 2. refuse any byte but ASCII letters, digits, `-`, `_` and `.` (this
//!    catches control characters, spaces, `\`, `@`, `%` left after decoding,
//!    and non-ASCII: no IDNA mapping is done, so no Unicode trick survives);
//! 3. lower-case; drop one trailing `.` (`localhost.` is `localhost`);
//!    refuse empty labels, labels over 63 and names over 253 bytes;
//! 4. when the last label is a number (all digits, or `0x` and hex digits),
//!    the whole host must be an IPv4 address in the WHATWG (and `inet_aton`)
//!    sense: one to four parts, each decimal, `0x` hex or `0`-led octal, the
//!    last filling the remaining bytes; anything else (`1.2.3.09`,
//!    `foo.0x10`, `1.2.3.4.5`, a part over its range) is refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A host as read: a lower-case name (no trailing dot) or an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A domain name: ASCII letters, digits, `-`, `_`, dot-separated labels.
    Name(String),
    /// An IPv4 address, however it was spelled.
    V4(Ipv4Addr),
    /// An IPv6 address (written in brackets in a URL).
    V6(Ipv6Addr),
}

impl Host {
    /// The canonical text: the name, dotted-decimal IPv4, or `[IPv6]`
    /// (RFC 5952, as `core::net` writes it).
    pub fn to_text(&self) -> String {
        match self {
            Host::Name(n) => n.clone(),
            Host::V4(a) => {
                let mut out = String::with_capacity(15);
                push_v4(&mut out, *a);
                out
            }
            Host::V6(a) => {
                let mut out = String::with_capacity(41);
                out.push('[');
                push_v6(&mut out, *a);
                out.push(']');
                out
            }
        }
    }

    /// The address, when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Name(_) => None,
            Host::V4(a) => Some(IpAddr::V4(*a)),
            Host::V6(a) => Some(IpAddr::V6(*a)),
        }
    }
}

// The text forms are written here rather than with `Display`: `core::fmt`
// is not otherwise in the gateway's wasm build and would cost it ~25 KB.

/// Dotted decimal.
fn push_v4(out: &mut String, a: Ipv4Addr) {
    for (i, b) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u16(out, u16::from(b));
    }
}

/// RFC 5952, as `core::net` writes it: lower-case hex without leading
/// zeros, the longest run of two or more zero groups (the first of equal
/// ones) as `::`, and `::ffff:a.b.c.d` for IPv4-mapped addresses.
fn push_v6(out: &mut String, a: Ipv6Addr) {
    let g = a.segments();
    if let [0, 0, 0, 0, 0, 0xffff, hi, lo] = g {
        out.push_str("::ffff:");
        push_v4(out, Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
        return;
    }
    let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
    for (i, x) in g.iter().enumerate() {
        if *x == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best, best_len) = (run, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    let hex = |out: &mut String, x: u16| {
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (x >> shift) & 0xf;
            if started || d != 0 || shift == 0 {
                started = true;
                out.push(char::from(b"0123456789abcdef"[usize::from(d)]));
            }
        }
    };
    if best_len < 2 {
        for (i, x) in g.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            hex(out, *x);
        }
        return;
    }
    for (i, x) in g[..best].iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        hex(out, *x);
    }
    out.push_str("::");
    for (i, x) in g[best + best_len..].iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        hex(out, *x);
    }
}

/// Why a host cannot be read (never quotes it).
pub type Unreadable = &'static str;

/// Reads `raw` (the host part of an authority, without the port).
pub fn parse(raw: &str) -> Result<Host, Unreadable> {
    if let Some(inner) = raw.strip_prefix('[') {
        // No percent-decoding and no zone id inside brackets: `core::net`
        // refuses `%` there, as WHATWG does.
        let inner = inner.strip_suffix(']').ok_or("an IPv6 literal without its closing ]")?;
        return inner.parse::<Ipv6Addr>().map(Host::V6).map_err(|_| "an IPv6 literal that is not an IPv6 address");
    }
    let bytes = percent_decode(raw.as_bytes()).ok_or("a % in the host not followed by two hex digits")?;
    if !bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err("a host with a character other than ASCII letters, digits, -, _ and .");
    }
    let mut name: Vec<u8> = bytes.to_ascii_lowercase();
    if name.last() == Some(&b'.') {
        name.pop();
    }
    if name.is_empty() {
        return Err("an empty host");
    }
    if name.len() > 253 {
        return Err("a host name over 253 bytes");
    }
    let labels: Vec<&[u8]> = name.split(|b| *b == b'.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err("a host name with an empty label");
    }
    if labels.iter().any(|l| l.len() > 63) {
        return Err("a host name with a label over 63 bytes");
    }
    if labels.last().is_some_and(|l| is_number(l)) {
        return ipv4(&labels).map(Host::V4).ok_or("a host that ends in a number but is not an IPv4 address");
    }
    // Only ASCII bytes are left.
    Ok(Host::Name(String::from_utf8(name).map_err(|_| "a host that is not ASCII")?))
}

/// `%XX` sequences decoded; `None` for a `%` without two hex digits.
fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hi = hex(*s.get(i + 1)?)?;
            let lo = hex(*s.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// WHATWG "ends in a number": all digits, or `0x`/`0X` and hex digits
/// (possibly none).
fn is_number(label: &[u8]) -> bool {
    if label.iter().all(u8::is_ascii_digit) {
        return true;
    }
    match label {
        [b'0', b'x' | b'X', rest @ ..] => rest.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// The WHATWG IPv4 number parser: `0x` hex, `0`-led octal, else decimal;
/// `None` for a bad digit or a value past `u32` (every such host fails).
fn number(part: &[u8]) -> Option<u64> {
    let (digits, radix) = match part {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (part, 10),
    };
    digits.iter().try_fold(0u64, |n, b| {
        let d = (*b as char).to_digit(radix)?;
        n.checked_mul(u64::from(radix))?.checked_add(u64::from(d)).filter(|v| *v <= u64::from(u32::MAX))
    })
}

/// The WHATWG IPv4 parser over non-empty labels.
fn ipv4(parts: &[&[u8]]) -> Option<Ipv4Addr> {
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|p| number(p)).collect::<Option<_>>()?;
    let (last, first) = numbers.split_last()?;
    if first.iter().any(|n| *n > 255) {
        return None;
    }
    // The last part fills the bytes the others left: 4 - (parts - 1).
    let room = 8 * (5 - numbers.len() as u32);
    if room < 64 && *last >= 1u64 << room {
        return None;
    }
    let mut v = *last;
    for (i, n) in first.iter().enumerate() {
        v += n << (8 * (3 - i as u32));
    }
    u32::try_from(v).ok().map(Ipv4Addr::from)
}

/// Decimal digits without the `fmt` machinery.
pub(crate) fn push_u16(out: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Host {
        Host::V4(s.parse().unwrap())
    }

    #[test]
    fn every_spelling_of_an_ipv4_address() {
        for (raw, addr) in [
            ("127.0.0.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("0X7F000001", "127.0.0.1"),
            ("017700000001", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("0x7f.0.0.1", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("0", "0.0.0.0"),
            ("0x", "0.0.0.0"),
            ("00", "0.0.0.0"),
            ("%31%32%37.0.0.1", "127.0.0.1"),
            ("%31%32%37%2e0%2E0%2e1", "127.0.0.1"),
            ("169.254.43518", "169.254.169.254"),
            ("0xa9fea9fe", "169.254.169.254"),
            ("4294967295", "255.255.255.255"),
            ("1.2.3.4", "1.2.3.4"),
            ("10.0.0.010", "10.0.0.8"),
        ] {
            assert_eq!(parse(raw), Ok(v4(addr)), "{raw}");
        }
    }

    #[test]
    fn numbers_that_are_no_address_are_refused() {
        for raw in [
            "4294967296",
            "1.2.3.09",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.256.1.1",
            "1.2.65536",
            "1.16777216",
            "foo.0x10",
            "foo.123",
            "0x100000000",
            "99999999999999999999999",
            "08",
            "1..2",
        ] {
            assert!(parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn names_are_lowered_and_checked() {
        assert_eq!(parse("API.Tring.NU"), Ok(Host::Name("api.tring.nu".into())));
        assert_eq!(parse("localhost."), Ok(Host::Name("localhost".into())));
        assert_eq!(parse("LocalHost"), Ok(Host::Name("localhost".into())));
        assert_eq!(parse("%6c%6F%63%61%6c%68%6f%73%74"), Ok(Host::Name("localhost".into())));
        assert_eq!(parse("my_host-1.example"), Ok(Host::Name("my_host-1.example".into())));
        assert_eq!(parse("0x7f.example.com"), Ok(Host::Name("0x7f.example.com".into())));
        assert_eq!(parse("1.2.3.4.nip.io"), Ok(Host::Name("1.2.3.4.nip.io".into())));
        // WHATWG: the last label is no number, so this is a name (as for `inet_aton`, which refuses it).
        assert_eq!(parse("1.2.3.0xg"), Ok(Host::Name("1.2.3.0xg".into())));
        let long_label = "a".repeat(64);
        let long_name = ["a.".repeat(127), "a".into()].concat();
        for raw in [
            "",
            ".",
            "..",
            "a..b",
            ".a",
            "a b",
            "a\tb",
            "a\0b",
            "a\r\nb",
            "a\\b",
            "a@b",
            "a/b",
            "a:b",
            "a%b",
            "a%4",
            "a%zz",
            "a%2525",
            "a%00b",
            "a%20b",
            "exämple.com",
            "ex%C3%A4mple.com",
            "a*b",
            "a!b",
            "a~b",
            long_label.as_str(),
            long_name.as_str(),
            "localhost..",
        ] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn text_forms_are_cores() {
        use alloc::string::ToString;
        for a in ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.20.30.40"] {
            let ip: Ipv4Addr = a.parse().unwrap();
            assert_eq!(Host::V4(ip).to_text(), ip.to_string());
        }
        for a in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:0:0:2:0:0:0:3",
            "1:0:0:2:0:0:3:4",
            "0:0:1:0:0:1:0:0",
            "1:0:2:3:4:5:6:7",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:0:7f00:1",
            "::7f00:1",
            "64:ff9b::7f00:1",
            "2001:db8:0:0:1:0:0:1",
            "2001:DB8::ABCD:12",
            "fd00:ec2::254",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            let ip: Ipv6Addr = a.parse().unwrap();
            assert_eq!(Host::V6(ip).to_text(), ["[", &ip.to_string(), "]"].concat(), "{a}");
        }
        // Every single-group and two-group pattern of zeros and non-zeros.
        for bits in 0u16..256 {
            let g: [u16; 8] = core::array::from_fn(|i| if bits >> i & 1 == 1 { 0x10 * i as u16 + 1 } else { 0 });
            let ip = Ipv6Addr::from(g);
            assert_eq!(Host::V6(ip).to_text(), ["[", &ip.to_string(), "]"].concat(), "{g:?}");
        }
    }

    #[test]
    fn ipv6_literals() {
        assert_eq!(parse("[::1]"), Ok(Host::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(parse("[::FFFF:7f00:1]"), Ok(Host::V6("::ffff:127.0.0.1".parse().unwrap())));
        assert_eq!(parse("[::ffff:127.0.0.1]").map(|h| h.to_text()), Ok("[::ffff:127.0.0.1]".into()));
        for raw in ["[::1", "[fe80::1%25eth0]", "[fe80::1%eth0]", "[%3a%3a1]", "[1.2.3.4]", "[]", "[::1]x", "::1"] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
    }
}

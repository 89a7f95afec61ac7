//! Input checks that run before anything is sent. Each failure is
//! `invalid-input` naming the field; reasons never quote secret values.

use crate::error::{invalid, Result};

/// Default deadline for one exchange when `timeout-ms` is not given.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// The value must not be empty (or only whitespace).
pub fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(())
}

/// The value must be usable in an HTTP header: no CR, LF, NUL or other
/// control characters (a tab is allowed inside).
pub fn header_value(field: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(invalid(field, "must not contain CR, LF, NUL or other control characters"));
    }
    Ok(())
}

/// A credential that travels in a header: present and header-safe.
pub fn header_secret(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    header_value(field, value)
}

/// The value must not contain control characters (CR, LF, NUL, ...).
pub fn no_controls(field: &str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain CR, LF, NUL or other control characters"));
    }
    Ok(())
}

/// Whether `value` is 7-15 digits with an optional leading `+`.
pub fn is_phone(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A phone number: 7-15 digits with an optional leading `+`.
pub fn phone(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if !is_phone(value) {
        return Err(invalid(field, "must be a phone number: 7-15 digits with an optional leading +"));
    }
    Ok(())
}

/// A phone number, or a SIP login (letters, digits, `_`, `.`, `-`, `@`,
/// with at least one character that is not a digit, at most 128 long).
/// Something that looks like a number (digits and `+` only) must be a
/// valid phone number.
pub fn phone_or_login(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if is_phone(value) || is_login(value) {
        return Ok(());
    }
    Err(invalid(
        field,
        "must be a phone number (7-15 digits, optional leading +) or a SIP login (letters, digits, _ . - @)",
    ))
}

fn is_login(value: &str) -> bool {
    value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@'))
        && !value.bytes().all(|b| b.is_ascii_digit())
}

/// One or more ASCII digits (ids).
pub fn digits(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(field, "must be a number (digits only)"));
    }
    Ok(())
}

/// Whether `value` is an IPv4 or IPv6 address, in exactly the textual forms
/// `core::net::IpAddr`'s `FromStr` accepts (dotted quads without leading
/// zeros; eight hex groups, `::` for one or more zero groups, an embedded
/// IPv4 tail). The same grammar written out: the standard parser is several
/// kilobytes of code.
pub fn is_ip_addr(value: &str) -> bool {
    let b = value.as_bytes();
    // Like the standard parser: IPv4 first, and no second try as IPv6 when
    // an IPv4 address was read but text follows it.
    match ipv4(b, 0) {
        Some(end) => end == b.len(),
        None => ipv6(b) == Some(b.len()),
    }
}

/// A number of 1 to `max` digits in `radix` at `at`: its value and end.
fn number(b: &[u8], at: usize, radix: u32, max: usize) -> Option<(u32, usize)> {
    let mut n = 0u32;
    let mut end = at;
    while let Some(d) = b.get(end).and_then(|c| char::from(*c).to_digit(radix)) {
        n = n * radix + d;
        end += 1;
        if end - at > max {
            return None;
        }
    }
    (end > at).then_some((n, end))
}

/// A dotted-quad IPv4 address at `at`; where it ends.
fn ipv4(b: &[u8], mut at: usize) -> Option<usize> {
    for i in 0..4 {
        if i > 0 {
            if b.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let (n, end) = number(b, at, 10, 3)?;
        // No octal-looking leading zero.
        if n > 255 || (b.get(at) == Some(&b'0') && end - at > 1) {
            return None;
        }
        at = end;
    }
    Some(at)
}

/// Up to `limit` colon-separated hex groups from `at`, the last two of
/// which may be an embedded IPv4 address: (groups read, whether IPv4 ended
/// them, where they end).
fn ipv6_groups(b: &[u8], mut at: usize, limit: usize) -> (usize, bool, usize) {
    for i in 0..limit {
        let start = match i {
            0 => at,
            _ if b.get(at) == Some(&b':') => at + 1,
            _ => return (i, false, at),
        };
        if i + 1 < limit {
            if let Some(end) = ipv4(b, start) {
                return (i + 2, true, end);
            }
        }
        match number(b, start, 16, 4) {
            Some((_, end)) => at = end,
            None => return (i, false, at),
        }
    }
    (limit, false, at)
}

/// An IPv6 address at the start of `b`; where it ends.
fn ipv6(b: &[u8]) -> Option<usize> {
    let (head, head_ipv4, at) = ipv6_groups(b, 0, 8);
    if head == 8 {
        return Some(at);
    }
    // No IPv4 part before `::`, which stands for at least one zero group.
    if head_ipv4 || b.get(at..at + 2) != Some(&b"::"[..]) {
        return None;
    }
    Some(ipv6_groups(b, at + 2, 8 - (head + 1)).2)
}

/// `timeout-ms`: positive when given; [`DEFAULT_TIMEOUT_MS`] when not.
pub fn timeout_ms(field: &str, value: Option<u32>) -> Result<u32> {
    match value {
        Some(0) => Err(invalid(field, "must be greater than zero")),
        Some(ms) => Ok(ms),
        None => Ok(DEFAULT_TIMEOUT_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in ["+380671112233", "3806711", "123456789012345"] {
            assert!(phone("p", ok).is_ok(), "{ok}");
        }
        for bad in ["", "123456", "1234567890123456", "+38 067", "380-671112233", "++3806711122", "38067111223a"] {
            assert!(phone("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_or_logins() {
        for ok in ["supportrngst_manager1", "user@example.com", "a.b-c", "+380671112233"] {
            assert!(phone_or_login("p", ok).is_ok(), "{ok}");
        }
        for bad in ["", "12345", "+12", "sip user", "x\r\ny", "a&b=c", "имя"] {
            assert!(matches!(phone_or_login("req.caller", bad), Err(crate::Error::InvalidInput(ref f)) if f.field == "req.caller"), "{bad}");
        }
    }

    #[test]
    fn ip_addresses_parse_as_the_standard_library_does() {
        let same = |v: &str| assert_eq!(is_ip_addr(v), v.parse::<std::net::IpAddr>().is_ok(), "{v:?}");
        for v in [
            "10.10.10.10", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.", "1.2.3.4 ",
            "1..2.3", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::", "1::2::3", ":::", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4::", "::1.2.3.4:5", "fe80::1%1", "[::1]", "12345::", "ABCD:ef01::", "::01.2.3.4", "1:2:3:4:5::1.2.3.4",
            "", "٣.1.1.1", "1.2.3.4x",
        ] {
            same(v);
        }
        // Every string of up to 6 characters over a small alphabet.
        let alphabet = b"0125f:.x";
        let mut buf = Vec::new();
        for len in 0..=6u32 {
            for mut k in 0..(alphabet.len() as u32).pow(len) {
                buf.clear();
                for _ in 0..len {
                    buf.push(alphabet[(k % alphabet.len() as u32) as usize]);
                    k /= alphabet.len() as u32;
                }
                same(core::str::from_utf8(&buf).unwrap());
            }
        }
        // Random addresses made of plausible pieces.
        let pieces = ["0", "1", "00", "255", "256", "ffff", "fFfF0", "1.2.3.4", "01.1.1.1", ":", "::", ".", "10"];
        let mut seed = 0x2545_f491_u32;
        for _ in 0..20_000 {
            let mut v = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let mut r = seed;
            for _ in 0..(r % 12) {
                r = r.rotate_left(7) ^ 0x9e37_79b9;
                v.push_str(pieces[(r % pieces.len() as u32) as usize]);
                if r & 0x100 != 0 {
                    v.push(':');
                }
            }
            same(&v);
        }
    }

    #[test]
    fn headers_and_timeouts() {
        assert!(header_secret("k", "").is_err());
        assert!(header_secret("k", "  ").is_err());
        for bad in ["a\rb", "a\nb", "a\0b"] {
            assert!(header_secret("k", bad).is_err());
        }
        assert!(header_secret("k", "abc\tdef").is_ok());
        assert_eq!(timeout_ms("t", None).unwrap(), DEFAULT_TIMEOUT_MS);
        assert!(timeout_ms("t", Some(0)).is_err());
        assert!(digits("d", "12a").is_err() && digits("d", "").is_err() && digits("d", "123").is_ok());
    }
}

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

/// Whether `value` is an IPv4 or IPv6 address, as `core::net::IpAddr`
/// parses it (dotted quads without leading zeros; IPv6 with `::` and an
/// embedded IPv4 tail; no zone, no brackets).
pub fn is_ip_addr(value: &str) -> bool {
    value.parse::<core::net::IpAddr>().is_ok()
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
    fn ip_addresses() {
        for ok in ["10.10.10.10", "0.0.0.0", "255.255.255.255", "::", "::1", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "ABCD:ef01::"] {
            assert!(is_ip_addr(ok), "{ok:?}");
        }
        for bad in [
            "", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.", "1.2.3.4 ", "1..2.3", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::",
            "1.2.3.4::", "fe80::1%1", "[::1]", "12345::", "1.2.3.4\r\n", "not-an-ip",
        ] {
            assert!(!is_ip_addr(bad), "{bad:?}");
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

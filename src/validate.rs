//! Input checks that run before anything is sent. Each failure is
//! `invalid-input` naming the field; reasons never quote secret values.
//! Base URLs are parsed and checked in [`crate::url`].

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

/// A credential that travels in a header: present, header-safe and at
/// most [`MAX_SECRET_BYTES`](crate::redact::MAX_SECRET_BYTES) long.
pub fn header_secret(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    header_value(field, value)?;
    secret_len(field, value)
}

/// A credential (any secret the component sends) is at most
/// [`MAX_SECRET_BYTES`](crate::redact::MAX_SECRET_BYTES) long: the longest
/// secret redaction searches error texts for.
pub fn secret_len(field: &str, value: &str) -> Result<()> {
    if value.len() > crate::redact::MAX_SECRET_BYTES {
        return Err(invalid(field, "must be at most 8192 bytes"));
    }
    Ok(())
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

/// Default cap on a response body when `max-body-bytes` is not given: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// Largest `max-body-bytes` accepted: 256 MiB. The component holds the whole
/// body in its memory (and the host copies it once more into the result).
pub const MAX_BODY_BYTES_LIMIT: u64 = 256 * 1024 * 1024;

/// `max-body-bytes`: 1 to [`MAX_BODY_BYTES_LIMIT`] when given;
/// [`DEFAULT_MAX_BODY_BYTES`] when not.
pub fn max_body_bytes(field: &str, value: Option<u64>) -> Result<u64> {
    match value {
        None => Ok(DEFAULT_MAX_BODY_BYTES),
        Some(n) if (1..=MAX_BODY_BYTES_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(invalid(field, "must be 1 to 268435456 (256 MiB)")),
    }
}

// Request values of the provider functions. Each refuses with
// `invalid-input` naming `field`. The one-line checks are `#[inline]`: each
// was inline code at its one call site, and as functions of their own the
// eleven cost about 450 bytes of wasm (measured).

/// A token (numbers, extensions, channels, names, ids that are not database
/// ids): not empty, no whitespace or control characters.
pub fn token(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(field, "must not contain spaces or control characters"));
    }
    Ok(())
}

/// Free text (messages, date/times, caller ids): not empty or blank, no
/// control characters but tab, CR and LF.
pub fn text(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(invalid(field, "must not contain NUL or other control characters"));
    }
    Ok(())
}

/// JSON text of an object or an array.
pub fn json_container(field: &str, value: &str) -> Result<()> {
    let t = value.trim_start();
    let shaped = t.starts_with('{') || t.starts_with('[');
    // `from_slice`, not `from_str`: one JSON reader for the whole component.
    if !shaped || serde_json::from_slice::<serde::de::IgnoredAny>(value.as_bytes()).is_err() {
        return Err(invalid(field, "must be JSON text of an object or an array"));
    }
    Ok(())
}

/// A file name for a multipart part header: not empty, no quotes,
/// backslashes, slashes or control characters.
pub fn file_name(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if value.chars().any(|c| c.is_control() || matches!(c, '"' | '\\' | '/')) {
        return Err(invalid(field, "must not contain quotes, slashes or control characters"));
    }
    Ok(())
}

/// Bytes to upload: at least one.
#[inline]
pub fn non_empty_bytes(field: &str, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(())
}

/// At least one of several optional parameters is given (`given`);
/// `reason` names them.
#[inline]
pub fn any_given(field: &str, given: bool, reason: &'static str) -> Result<()> {
    if !given {
        return Err(invalid(field, reason));
    }
    Ok(())
}

/// An IPv4 or IPv6 address (see [`is_ip_addr`]).
#[inline]
pub fn ip_addr(field: &str, value: &str) -> Result<()> {
    if !is_ip_addr(value) {
        return Err(invalid(field, "must be an IPv4 or IPv6 address"));
    }
    Ok(())
}

/// Whether `value` is an employee's short extension number: 2-6 digits
/// (Ringostat's virtual PBX numbers its employees like `101`; 7 digits and
/// more are phone numbers, one digit is no extension).
#[inline]
pub fn is_short_extension(value: &str) -> bool {
    (2..=6).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// Where Ringostat lets an employee be named (`callee`, `destination`: "the
/// phone number or SIP account of the employee"): a phone number, a short
/// extension number (2-6 digits), or a SIP login.
pub fn employee(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if is_short_extension(value) || is_phone(value) || is_login(value) {
        return Ok(());
    }
    Err(invalid(
        field,
        "must be a phone number (7-15 digits, optional leading +), an extension number (2-6 digits) \
         or a SIP login (letters, digits, _ . - @)",
    ))
}

/// An id of a record: 1 or more.
#[inline]
pub fn positive_id(field: &str, value: i64) -> Result<()> {
    if value < 1 {
        return Err(invalid(field, "must be a positive id"));
    }
    Ok(())
}

/// A page number or size, when given: 1 or more.
#[inline]
pub fn page_number(field: &str, value: Option<u32>) -> Result<()> {
    if value == Some(0) {
        return Err(invalid(field, "must be 1 or more"));
    }
    Ok(())
}

/// A list that must hold at least one item; `reason` says of what.
#[inline]
pub fn non_empty_list<T>(field: &str, items: &[T], reason: &'static str) -> Result<()> {
    if items.is_empty() {
        return Err(invalid(field, reason));
    }
    Ok(())
}

/// A number to dial (RingMe click-to-call): a phone number or an extension
/// name such as `0001*101`, 1-64 characters of digits, letters and
/// `+ * # . _ @ -`.
pub fn dial_number(field: &str, value: &str) -> Result<()> {
    let ok =
        (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+*#._@-".contains(&b));
    if !ok {
        return Err(invalid(field, "must be 1-64 characters: digits, letters, + * # . _ @ -"));
    }
    Ok(())
}

/// A path segment that is `special` (such as RingMe's `@me`) or a numeric id
/// of at most 20 digits, so it can never carry `/`, `?`, `#`, `%` or spaces.
#[inline]
pub fn id_or(field: &str, value: &str, special: &str, reason: &'static str) -> Result<()> {
    let digits = !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit());
    if value != special && !digits {
        return Err(invalid(field, reason));
    }
    Ok(())
}

/// A `YYYY-MM-DD HH:MM:SS` date and time that is a real calendar date
/// (the one parser, [`crate::datetime::parse`]).
pub fn datetime(field: &str, value: &str) -> Result<()> {
    crate::datetime::parse(field, value).map(|_| ())
}

/// A time range given as two checked [`datetime`]s: the end (`field`) not
/// before the start (the fixed-width form sorts as text).
#[inline]
pub fn not_before(field: &str, start: Option<&str>, end: Option<&str>) -> Result<()> {
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(invalid(field, "must not be before start-datetime"));
        }
    }
    Ok(())
}

/// No field of an update is both set to a value and cleared (`both`: one
/// is).
#[inline]
pub fn set_or_cleared(field: &str, both: bool) -> Result<()> {
    if both {
        return Err(invalid(field, "names a field that is also set: a field is either set or cleared"));
    }
    Ok(())
}

/// An update that changes nothing.
#[inline]
pub fn some_change(field: &str, changed: bool) -> Result<()> {
    if !changed {
        return Err(invalid(field, "set or clear at least one field to update"));
    }
    Ok(())
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
            assert!(
                matches!(phone_or_login("req.caller", bad), Err(crate::Error::InvalidInput(ref f)) if f.field == "req.caller"),
                "{bad}"
            );
        }
    }

    #[test]
    fn ip_addresses() {
        for ok in [
            "10.10.10.10",
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "1:2:3:4:5:6:7:8",
            "::ffff:1.2.3.4",
            "ABCD:ef01::",
        ] {
            assert!(is_ip_addr(ok), "{ok:?}");
        }
        for bad in [
            "",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4 ",
            "1..2.3",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":::",
            "1.2.3.4::",
            "fe80::1%1",
            "[::1]",
            "12345::",
            "1.2.3.4\r\n",
            "not-an-ip",
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

    #[test]
    fn body_limits() {
        assert_eq!(max_body_bytes("m", None).unwrap(), 16 * 1024 * 1024);
        assert_eq!(max_body_bytes("m", Some(1)).unwrap(), 1);
        assert_eq!(max_body_bytes("m", Some(MAX_BODY_BYTES_LIMIT)).unwrap(), MAX_BODY_BYTES_LIMIT);
        for bad in [0, MAX_BODY_BYTES_LIMIT + 1, u64::MAX] {
            let out = max_body_bytes("cfg.max-body-bytes", Some(bad));
            assert!(matches!(out, Err(crate::Error::InvalidInput(ref f)) if f.field == "cfg.max-body-bytes"));
        }
    }

    fn field(r: Result<()>) -> String {
        match r {
            Err(crate::Error::InvalidInput(f)) => f.field,
            Ok(()) => "ok".into(),
            Err(_) => "other".into(),
        }
    }

    #[test]
    fn tokens_texts_json_files() {
        for (v, ok) in [("101", true), ("SIP/101-DEVEL-0000a1", true), ("", false), ("1 2", false), ("1\n", false)] {
            assert_eq!(token("f", v).is_ok(), ok, "{v:?}");
        }
        for (v, ok) in [("hi there\nline 2\t", true), ("  ", false), ("a\0b", false), ("a\u{7f}", false)] {
            assert_eq!(text("f", v).is_ok(), ok, "{v:?}");
        }
        for (v, ok) in [("{\"a\":1}", true), (" [{\"a\":1}]", true), ("\"x\"", false), ("{\"a\":", false), ("1", false)]
        {
            assert_eq!(json_container("f", v).is_ok(), ok, "{v:?}");
        }
        assert!(file_name("f", "a b.wav").is_ok());
        for bad in ["", "a\"b", "a/b", "a\\b", "a\r\nb"] {
            assert_eq!(field(file_name("file-name", bad)), "file-name", "{bad:?}");
        }
        assert_eq!(field(non_empty_bytes("req.pdf", b"")), "req.pdf");
        assert!(non_empty_bytes("req.pdf", b"%").is_ok());
        assert_eq!(field(any_given("channel", false, "give one")), "channel");
        assert!(any_given("channel", true, "give one").is_ok());
        assert_eq!(field(ip_addr("req.client-ip", "not-an-ip")), "req.client-ip");
        assert!(ip_addr("req.client-ip", "::1").is_ok());
    }

    #[test]
    fn employees_are_phones_extensions_or_logins() {
        for ok in ["101", "12", "123456", "1234567", "+380671112233", "manager1", "user@example.com"] {
            assert!(employee("req.callee", ok).is_ok(), "{ok}");
        }
        for bad in ["", "1", "+101", "1 01", "1234567890123456", "a b", "x\r\ny", "a&b=c", "имя", "+"] {
            assert_eq!(field(employee("req.callee", bad)), "req.callee", "{bad:?}");
        }
    }

    #[test]
    fn ringme_values() {
        assert_eq!(field(positive_id("extension-id", 0)), "extension-id");
        assert!(positive_id("extension-id", 1).is_ok());
        assert_eq!(field(page_number("page", Some(0))), "page");
        assert!(page_number("page", None).is_ok() && page_number("page", Some(1)).is_ok());
        assert_eq!(field(non_empty_list::<String>("req.src-num", &[], "r")), "req.src-num");
        for ok in ["+79001234567", "0001*101", "a.b_c@d-#"] {
            assert!(dial_number("n", ok).is_ok(), "{ok}");
        }
        for bad in ["", "1 2", "1/2", "1%2", &"1".repeat(65)] {
            assert!(dial_number("n", bad).is_err(), "{bad:?}");
        }
        for ok in ["@me", "1", "12345678901234567890"] {
            assert!(id_or("client-id", ok, "@me", "r").is_ok(), "{ok}");
        }
        for bad in ["", "me", "@me/", "1/2", "123456789012345678901", "-1", "1 "] {
            assert_eq!(field(id_or("client-id", bad, "@me", "r")), "client-id", "{bad:?}");
        }
        assert!(datetime("d", "2024-02-29 23:59:59").is_ok());
        for bad in
            ["2024-02-29", "2024-13-01 00:00:00", "2024-01-01 24:00:00", "2024-01-01T00:00:00", "2024-01-00 00:00:00"]
        {
            assert!(datetime("d", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            field(not_before("query.end-datetime", Some("2024-01-02 00:00:00"), Some("2024-01-01 00:00:00"))),
            "query.end-datetime"
        );
        assert!(not_before("e", Some("2024-01-01 00:00:00"), Some("2024-01-01 00:00:00")).is_ok());
        assert!(not_before("e", None, Some("2024-01-01 00:00:00")).is_ok());
        assert_eq!(field(set_or_cleared("changes.clear", true)), "changes.clear");
        assert!(set_or_cleared("c", false).is_ok());
        assert_eq!(field(some_change("changes", false)), "changes");
    }
}

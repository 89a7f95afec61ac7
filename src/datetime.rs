//! `YYYY-MM-DD HH:MM:SS` date-times as seconds and back, pure integer
//! arithmetic (days from the civil calendar, proleptic Gregorian, no time
//! zone: the providers read these strings in the account's own zone, and
//! only differences and midpoints are computed here).

use crate::prelude::*;

use crate::error::{invalid, Result};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Days from 1970-01-01 to `y-m-d` (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of the day `days` after 1970-01-01 (the inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days in `month` of `year`.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS` (a real calendar date, hours 00-23) into
/// seconds since 1970-01-01 00:00:00; anything else is `invalid-input` on
/// `field`.
pub fn parse(field: &str, value: &str) -> Result<i64> {
    let b = value.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return Err(invalid(field, "must be YYYY-MM-DD HH:MM:SS"));
    }
    let n = |from: usize, to: usize| b[from..to].iter().fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0'));
    let (y, mo, d, h, mi, s) = (n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19));
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return Err(invalid(field, "is not a valid date and time"));
    }
    Ok(days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s)
}

/// Writes `n` as at least `width` digits (zero-padded; `n` is never
/// negative here).
fn push_num(out: &mut String, n: i64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut len = 0;
    let mut rest = n.unsigned_abs();
    while rest > 0 || len < width {
        digits[len] = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    out.extend(digits[..len].iter().rev().map(|d| char::from(*d)));
}

/// Seconds since 1970-01-01 00:00:00 as `YYYY-MM-DD HH:MM:SS` (for the
/// seconds [`parse`] gives, years 0000-9999).
pub fn format(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    let t = secs.rem_euclid(DAY);
    let mut out = String::with_capacity(19);
    for (i, (value, width)) in
        [(y, 4), (m, 2), (d, 2), (t / 3600, 2), (t / 60 % 60, 2), (t % 60, 2)].into_iter().enumerate()
    {
        if i > 0 {
            out.push(match i {
                1 | 2 => '-',
                3 => ' ',
                _ => ':',
            });
        }
        push_num(&mut out, value, width);
    }
    out
}

/// Checks a `from`..`to` range (each `YYYY-MM-DD HH:MM:SS`, `to` not before
/// `from`) and gives it in seconds.
pub fn range(from_field: &str, from: &str, to_field: &str, to: &str) -> Result<(i64, i64)> {
    let (a, b) = (parse(from_field, from)?, parse(to_field, to)?);
    if b < a {
        return Err(invalid(to_field, "must not be before from"));
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        assert_eq!(parse("f", "1970-01-01 00:00:00").unwrap(), 0);
        assert_eq!(parse("f", "2000-03-01 00:00:00").unwrap(), 951_868_800);
        assert_eq!(parse("f", "2024-02-29 23:59:59").unwrap(), 1_709_251_199);
        assert_eq!(parse("f", "1969-12-31 23:59:59").unwrap(), -1);
        for s in [
            "0000-01-01 00:00:00",
            "1600-02-29 12:00:00",
            "2024-05-01 10:00:00",
            "9999-12-31 23:59:59",
            "1900-02-28 01:02:03",
        ] {
            assert_eq!(format(parse("f", s).unwrap()), s);
        }
        // Every day of four centuries maps back to itself.
        for day in days_from_civil(1900, 1, 1)..days_from_civil(2300, 1, 1) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            assert!(d >= 1 && d <= days_in_month(y, m));
        }
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2024-5-01 10:00:00",
            "2024-02-30 00:00:00",
            "2023-02-29 00:00:00",
            "1900-02-29 00:00:00",
            "2024-13-01 00:00:00",
            "2024-00-10 00:00:00",
            "2024-04-31 00:00:00",
            "2024-05-01 24:00:00",
            "2024-05-01 10:60:00",
            "2024-05-01 10:00:60",
            "2024-05-01 10:00:00 ",
            "+024-05-01 10:00:00",
            "２024-05-01 10:00:00",
        ] {
            assert!(
                matches!(parse("query.from", bad), Err(crate::Error::InvalidInput(ref f)) if f.field == "query.from"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ranges_are_ordered() {
        assert_eq!(
            range("a", "2024-05-01 00:00:00", "b", "2024-05-01 00:00:01").unwrap(),
            (1_714_521_600, 1_714_521_601)
        );
        assert!(range("a", "2024-05-01 00:00:00", "b", "2024-05-01 00:00:00").is_ok());
        assert!(
            matches!(range("a", "2024-05-01 00:00:01", "b", "2024-05-01 00:00:00"), Err(crate::Error::InvalidInput(ref f)) if f.field == "b")
        );
    }
}

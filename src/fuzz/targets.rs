//! The fuzz tests: each export table driven, the telephony and export
//! request shapers, date-times, the export's range splitting and the
//! RingMe page reader against their contracts.

use super::calls::*;
use super::gen::*;
use super::oracles::*;
use super::prelude::*;

#[test]
pub fn fuzz_ringostat() {
    eprintln!("fuzz_ringostat: {}", drive(RINGOSTAT, ringostat_config));
}

#[test]
pub fn fuzz_tring() {
    eprintln!("fuzz_tring: {}", drive(TRING, tring_config));
}

#[test]
pub fn fuzz_ringme() {
    eprintln!("fuzz_ringme: {}", drive(RINGME, ringme_config));
}

#[test]
pub fn the_generator_is_deterministic() {
    let a: Vec<u64> = {
        let mut r = Rng::new(7);
        (0..4).map(|_| r.next()).collect()
    };
    let b: Vec<u64> = {
        let mut r = Rng::new(7);
        (0..4).map(|_| r.next()).collect()
    };
    assert_eq!(a, b);
    assert_ne!(a[0], a[1]);
}

#[test]
pub fn fuzz_telephony() {
    eprintln!("fuzz_telephony: {}", drive(TELEPHONY, account));
}

/// The pure request shapers of `telephony` and of the call log export,
/// each into its provider's request builder, with hostile values: every
/// request built is checked; every error is typed and secret-free.
#[test]
pub fn fuzz_export_and_telephony_builders() {
    use crate::ringostat::requests as rr;
    use crate::telephony::{ringme as tme, ringostat as tro, tring as tt};
    let mut built = 0;
    let tried = run("builders", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (rcfg, tcfg, mcfg) = (ringostat_config(&mut g), tring_config(&mut g), ringme_config(&mut g));
        let (employee, customer, project) = (g.string(), g.string(), g.string());
        let (export, query): (CallLogExportQuery, CallLogQuery) = (g.arb(), g.arb());
        let mut requests: Vec<Result<Request, Error>> = vec![
            rr::extended_callback_request(&rcfg, &tro::callback_request(&project, &employee, &customer), 1),
            crate::tring::requests::dial_request(&tcfg, &tt::dial_request(&employee, &customer)),
            crate::tring::requests::info_cdrs_request(&tcfg, &tt::cdr_filter(&query)),
        ];
        if let Ok(api) = crate::ringme::requests::Api::new(&mcfg) {
            requests.push(crate::ringme::requests::call_history_request(&api, None, &tme::history_query(&query, 1)));
        }
        for q in [export, tro::export_query(&query)] {
            match rr::plan(&q) {
                Ok(p) => {
                    assert!(p.from <= p.to);
                    // The whole range, its first second and its last.
                    for (a, b) in [(p.from, p.to), (p.from, p.from), (p.to, p.to)] {
                        requests.push(rr::calls_list_request(&rcfg, &p, a, b));
                    }
                }
                Err(e) => requests.push(Err(e)),
            }
        }
        for r in requests {
            match r {
                Ok(req) => {
                    check_request(&req);
                    built += 1;
                }
                Err(e) => check_error(&e, &g.secrets),
            }
        }
    });
    eprintln!("fuzz_export_and_telephony_builders: {tried} inputs, {built} requests built and checked");
}

/// `YYYY-MM-DD HH:MM:SS` parsing with hostile and edge strings: what parses
/// formats back to itself; anything else is `invalid-input` on the field;
/// a range is ordered.
#[test]
pub fn fuzz_datetime() {
    use crate::datetime::{format, parse, range};
    let mut parsed = 0;
    let tried = run("datetime", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (from, to) = g.range();
        for s in [&from, &to] {
            match parse("query.from", s) {
                Ok(t) => {
                    assert_eq!(&format(t), s);
                    parsed += 1;
                }
                Err(Error::InvalidInput(f)) => assert_eq!(f.field, "query.from", "{s:?}"),
                Err(_) => panic!("{s:?}: not invalid-input"),
            }
        }
        match range("query.from", &from, "query.to", &to) {
            Ok((a, b)) => assert!(a <= b && format(a) == from && format(b) == to),
            Err(Error::InvalidInput(f)) => assert!(f.field == "query.from" || f.field == "query.to"),
            Err(_) => panic!("{from:?}..{to:?}: not invalid-input"),
        }
    });
    eprintln!("fuzz_datetime: {tried} inputs, {parsed} date-times parsed and formatted back");
}

/// The range splitting of the call log export against a stand-in log of
/// random density (none, under, at and over the cap, all in one second),
/// with hostile ranges (inverted, one second, the whole format, the ends
/// of `i64`) and failing fetches: at most the request bound, every part
/// inside the range, and on success the parts that answered tile the range
/// and every call comes back once, in order.
#[test]
pub fn fuzz_split_export() {
    use crate::ringostat::export::{self as rc, CALL_CAP, MAX_EXPORT_REQUESTS};
    let mut split = 0;
    let tried = run("split_export", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (from, to) = match g.rng.below(4) {
            0 => *g.rng.pick(&[
                (i64::MIN, i64::MAX),
                (i64::MIN, i64::MIN),
                (i64::MAX - 1, i64::MAX),
                (i64::MIN, 0),
                (0, i64::MAX),
                (-1, 0),
                (5, 4),
                (7, 7),
                (i64::MAX, i64::MIN),
            ]),
            _ => {
                let (f, t) = g.range();
                let p = |s: &str| crate::datetime::parse("f", s).unwrap_or(0);
                (p(&f), p(&t))
            }
        };
        let span = to.abs_diff(from);
        let calls = *g.rng.pick(&[0, 1, 10, CALL_CAP - 1, CALL_CAP, CALL_CAP + 1, 3 * CALL_CAP]);
        let one_second = g.rng.chance(10);
        let mut times: Vec<i64> = (0..calls)
            .map(|_| {
                let off = if one_second { span / 2 } else { g.rng.next() % span.saturating_add(1).max(1) };
                from.min(to).wrapping_add(off as i64)
            })
            .collect();
        times.sort_unstable();
        let newest_first = g.rng.chance(30);
        let fail_at = if g.rng.chance(10) { g.rng.below(8) } else { usize::MAX };
        let mut asked = Vec::new();
        let mut answered = Vec::new();
        let got = rc::split_export(from, to, newest_first, &mut |a, b| {
            asked.push((a, b));
            if asked.len() > fail_at {
                return Err(Error::Timeout);
            }
            let (lo, hi) = (times.partition_point(|t| *t < a), times.partition_point(|t| *t <= b));
            let mut rows = times[lo..hi.max(lo)].iter().copied().take(CALL_CAP).collect::<Vec<_>>();
            if rows.len() < CALL_CAP {
                answered.push((a, b));
            }
            if newest_first {
                rows.reverse();
            }
            Ok(rows)
        });
        assert!(asked.len() <= MAX_EXPORT_REQUESTS as usize, "{} requests", asked.len());
        split += usize::from(asked.len() > 1);
        if from <= to {
            assert!(asked.iter().all(|&(a, b)| from <= a && a <= b && b <= to), "{asked:?} outside {from}..{to}");
        }
        match got {
            Ok(rows) if from <= to => {
                answered.sort_unstable();
                assert_eq!(answered.first().map(|p| p.0), Some(from));
                assert_eq!(answered.last().map(|p| p.1), Some(to));
                assert!(answered.windows(2).all(|w| w[0].1.checked_add(1) == Some(w[1].0)), "{answered:?}");
                let mut want = times.clone();
                if newest_first {
                    want.reverse();
                }
                assert!(rows == want, "{} calls back of {}", rows.len(), want.len());
            }
            Ok(rows) => assert!(rows.is_empty()),
            Err(Error::Timeout) => assert!(fail_at < usize::MAX),
            Err(Error::Provider(p)) => {
                let code = p.code.as_deref().unwrap_or("");
                assert!(code == "request-limit" || code == "cap-in-one-second", "{code}");
            }
            Err(_) => panic!("another error"),
        }
    });
    eprintln!("fuzz_split_export: {tried} ranges, {split} of them split");
}

/// The page reader of the RingMe mappings against pages of random length,
/// with or without a reported `per_page` (0, short, equal, huge) and
/// failing fetches: at most the page bound, pages 1, 2, ... in order, and
/// on success every row of the pages read, stopping at the first empty or
/// short page.
#[test]
pub fn fuzz_all_pages() {
    use crate::telephony::ringme::{self as tme, MAX_PAGES};
    let tried = run("all_pages", |case| {
        let mut rng = Rng::new(case);
        let full = *rng.pick(&[0u32, 1, 2, 100]);
        let mut asked = Vec::new();
        let mut served = Vec::new();
        let mut stop = None;
        let mut repeated = None;
        let got = tme::all_pages(
            &mut |page| {
                asked.push(page);
                if rng.chance(3) {
                    return Err(Error::Timeout);
                }
                let n = if rng.chance(90) { full } else { rng.below(4) as u32 };
                let per_page = *rng.pick(&[None, Some(0), Some(n), Some(n + 1), Some(u32::MAX)]);
                let rows: Vec<(u32, u32)> = (0..n).map(|i| (page, i)).collect();
                // Now and then the fingerprint of page 1 again: a provider
                // that ignores `page`.
                let fingerprint = if page > 1 && rng.chance(5) { 1 } else { u64::from(page) };
                if fingerprint == 1 && page > 1 && n > 0 {
                    repeated = Some(page);
                    return Ok((rows, per_page, fingerprint));
                }
                served.extend(rows.iter().copied());
                if n == 0 || per_page.is_some_and(|p| n < p) {
                    stop = Some(page);
                }
                Ok((rows, per_page, fingerprint))
            },
            |_| 0,
            0,
        );
        assert!(asked.iter().copied().eq(1..=asked.len() as u32), "{asked:?}");
        assert!(asked.len() <= MAX_PAGES as usize);
        match got {
            Ok(rows) => {
                assert_eq!(stop, asked.last().copied());
                assert!(rows == served);
            }
            Err(Error::Provider(p)) if p.code.as_deref() == Some("repeated-page") => {
                assert_eq!((repeated, stop), (asked.last().copied(), None))
            }
            Err(Error::Provider(p)) => {
                assert_eq!((p.code.as_deref(), asked.len(), stop), (Some("request-limit"), MAX_PAGES as usize, None))
            }
            Err(Error::Timeout) => {}
            Err(_) => panic!("another error"),
        }
    });
    eprintln!("fuzz_all_pages: {tried} page sequences");
}

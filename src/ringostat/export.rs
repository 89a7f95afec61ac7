//! Ringostat call log export: the range splitting (pure) that gets every
//! call past the provider's cap of 6,500 calls per answer; the request is
//! [`super::requests::calls_list_request`], the rows
//! [`super::decode::decode_calls`].
//!
//! Decisions where the provider is silent (each is tested):
//! - both ends of `from`..`to` are inclusive, to the second, so the halves
//!   of a split are `[from, mid]` and `[mid + 1 s, to]`: no call is asked
//!   twice, none is skipped;
//! - an answer of 6,500 calls or more is taken as cut off (the provider
//!   documents "at most 6,500");
//! - the answer is a JSON array of call objects; a JSON object with an
//!   `error` member is `provider`.

use crate::prelude::*;

use crate::error::Result;
use crate::rows::limit_error;

/// The most calls the provider puts in one answer.
pub const CALL_CAP: usize = 6_500;
/// The most requests one `call-log-export` makes: enough for 32 full parts
/// (about 200,000 calls); a longer log needs a shorter range per call.
pub const MAX_EXPORT_REQUESTS: u32 = 64;
/// Fetches `from`..`to` (seconds, inclusive) with `fetch`, splitting every
/// part whose answer reaches [`CALL_CAP`] into `[a, mid]` and `[mid + 1, b]`,
/// until each part answers fewer. The rows come back once each, the parts
/// in time order (reversed with `newest_first`). At most
/// [`MAX_EXPORT_REQUESTS`] fetches; a one-second part at the cap cannot be
/// split. Both are `provider` errors ([`limit_error`]).
pub fn split_export<T>(
    from: i64,
    to: i64,
    newest_first: bool,
    fetch: &mut dyn FnMut(i64, i64) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    // Parts still to fetch; the next one in output order is on top.
    let mut pending = vec![(from, to)];
    let mut requests = 0u32;
    while let Some((a, b)) = pending.pop() {
        if requests == MAX_EXPORT_REQUESTS {
            return Err(limit_error(
                "request-limit",
                "the range holds more calls than 64 requests of 6,500 calls can fetch; ask for a shorter range",
            ));
        }
        requests += 1;
        let rows = fetch(a, b)?;
        if rows.len() < CALL_CAP {
            out.extend(rows);
            continue;
        }
        if a >= b {
            return Err(limit_error(
                "cap-in-one-second",
                "one second of the range holds 6,500 calls or more, the most one answer carries",
            ));
        }
        // `b - a` overflows `i64` for ranges wider than half of it (found by
        // the fuzz test); the distance as `u64` cannot, and `a` plus half of
        // it lies in `a..b`, so the wrapping add is exact.
        let mid = a.wrapping_add((b.abs_diff(a) / 2) as i64);
        let (first, second) = ((a, mid), (mid + 1, b));
        if newest_first {
            pending.extend([first, second]);
        } else {
            pending.extend([second, first]);
        }
    }
    Ok(out)
}

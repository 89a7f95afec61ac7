//! Substring search and replacement on `&str`, kept byte-simple: the
//! standard two-way searcher behind `str::contains(&str)` and
//! `str::replace` is several kilobytes of code, and every text here is short.

use crate::prelude::*;

/// Byte offset of the first occurrence of `needle` in `hay` (0 for an empty
/// `needle`). A match of valid UTF-8 in valid UTF-8 always starts and ends
/// on character boundaries.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` with every occurrence of `from` (left to right, not overlapping)
/// replaced by `to`, as `str::replace` does. An empty `from` changes nothing.
pub fn replace(hay: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    if !from.is_empty() {
        while let Some((before, after)) = find(rest, from).and_then(|i| rest.split_at_checked(i)) {
            out.push_str(before);
            out.push_str(to);
            rest = after.get(from.len()..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

/// A 64-bit FNV-1a hash of `texts`, each ended by a 0 byte (so `["ab"]`
/// and `["a", "b"]` differ): a page's fingerprint from its rows' raw JSON.
pub fn fingerprint<'a>(texts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in texts {
        for &b in t.as_bytes().iter().chain(&[0u8]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_str() {
        for (hay, needle) in [("abc", "b"), ("abc", "abcd"), ("", "a"), ("aaa", "aa"), ("é//x", "//"), ("x", "")] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
        for (hay, from, to) in [
            ("a%20b%20", "%20", "+"),
            ("aaaa", "aa", "b"),
            ("k1 bad k1", "k1", "[redacted]"),
            ("é", "x", "y"),
            ("", "a", "b"),
        ] {
            assert_eq!(replace(hay, from, to), hay.replace(from, to), "{hay:?} {from:?}");
        }
        assert_eq!(replace("ab", "", "x"), "ab");
    }
}

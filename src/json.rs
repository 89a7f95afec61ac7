//! JSON request bodies: objects written member by member in a fixed order,
//! each value through `serde_json` (string escaping, integers). One small
//! writer instead of a `Serialize` implementation per body keeps one copy of
//! the serializer in the component.

use crate::prelude::*;

use crate::error::{decode, Result};
use crate::Error;
use core::sync::atomic::{AtomicUsize, Ordering};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};

/// A JSON value (or number) as compact JSON text: what `Display` writes,
/// without the pretty printer and `std::io` adapter that `Value`'s `Display`
/// brings, and with the one integer and float writer the component has.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing a `Value` or a number into memory cannot fail (keys are
    // strings).
    serde_json::to_string(value).unwrap_or_default()
}

/// A JSON value as text: a string's content, any other value (number,
/// boolean, array, object) as compact JSON; `null` is none. The one way
/// every decoder reads "a value as text" (codes, ids, messages, fields).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(json_text(other)),
    }
}

// ---------------------------------------------------------------------------
// Reading answers within the memory a host gives.
//
// A `serde_json::Value` tree costs far more than its text: in the wasm build
// a 4 MB answer `["a","a",...]` (1M strings) built as one tree ran the
// component out of its 64 MiB of linear memory (issue 17). So no decoder
// builds the tree of a whole answer: lists are read one element at a time
// ([`rows`]), every tree is built within [`TREE_CAP`] ([`Bounded`]), and
// what a decoder keeps is counted against one result budget ([`Budget`]).
// ---------------------------------------------------------------------------

/// Estimated bytes of one `Value` in a tree (wasm32: a 16-byte `Value`, in
/// a `Vec` of up to twice the length it holds, plus allocator rounding).
const NODE: usize = 32;
/// Estimated bytes of one heap string besides its text (the allocator's
/// chunk header and rounding).
const HEAP: usize = 16;
/// Estimated bytes of one object member besides its key and value (a
/// B-tree slot of key and value, nodes at least half full).
const MEMBER: usize = 64;

/// The most one `Value` tree built from an answer may cost, estimated as it
/// is built ([`Bounded`]): one row of a list, an error body, a single record
/// (a documented row is a few hundred bytes of text, about 4 KB as a tree).
/// A larger value is not kept (`too-large` where it is needed).
pub const TREE_CAP: usize = 4 * 1024 * 1024;

/// The most a decoded result may take in the component's memory (estimated
/// from the Rust values: sizes, string bytes, allocation overhead).
///
/// Measured through the served gateway with 64 MiB per instance (host-test
/// `tests/it/caps.rs`): the worst shapes under the default 16 MiB
/// `max-body-bytes` (5.6M empty strings, 5.6M empty objects, 16M empty
/// pipe fields) end here with `too-large`, while results just under it
/// answer: 400,000 one-letter logins (21 MB estimated), 200,000 INFO
/// extstate rows (23.4 MB; each row's tree built and dropped between the
/// states kept, the most fragmented heap), 200,000 recording lines (21 MB),
/// with the body (up to 16 MiB) and the result. Why 24 (arithmetic, not
/// measured at other caps): a 16 MiB body, a result at the cap and its
/// lowering (the list arrays, about a third of it) come to about 48 MiB of
/// the 64, the rest left to the allocator's fragmentation and the 1 MiB
/// stack. The shipped gateway links the library into its face's module
/// (one memory for both, since 2026-12-07): the result is then not lowered
/// nor copied but handed to the face, which writes it out in chunks, so
/// the same caps hold there (caps.rs runs against it). A 6,000-call
/// Ringostat answer (3.5 MB) is about 13 MB estimated.
pub const RESULT_CAP: usize = 24 * 1024 * 1024;

/// The estimated memory a decoder's result may still take; past
/// [`RESULT_CAP`] (less what is [`Held`]) it is `too-large` carrying that cap.
pub struct Budget(usize);

impl Default for Budget {
    fn default() -> Budget {
        Budget::new()
    }
}

/// Estimated bytes of results held by callers that ask for more (pages,
/// parts of a range, two lists joined); each decoder's [`Budget`] is what
/// is left of [`RESULT_CAP`]. One instance runs one call at a time.
#[cfg(target_arch = "wasm32")]
static HELD: AtomicUsize = AtomicUsize::new(0);

// Native unit tests run in parallel threads: each has its own.
#[cfg(not(target_arch = "wasm32"))]
std::thread_local! {
    static HELD: AtomicUsize = const { AtomicUsize::new(0) };
}

/// Runs `f` on [`HELD`].
fn held<R>(f: impl FnOnce(&AtomicUsize) -> R) -> R {
    #[cfg(target_arch = "wasm32")]
    return f(&HELD);
    #[cfg(not(target_arch = "wasm32"))]
    HELD.with(f)
}

/// Results a caller holds while it asks for more; released when dropped.
pub struct Held(usize);

impl Default for Held {
    fn default() -> Held {
        Held::new()
    }
}

impl Held {
    /// Nothing held yet.
    pub fn new() -> Held {
        Held(0)
    }

    /// Holds `bytes` more; `too-large` when all that is held passes
    /// [`RESULT_CAP`].
    pub fn add(&mut self, bytes: usize) -> Result<()> {
        self.0 = self.0.saturating_add(bytes);
        let all = held(|h| h.fetch_add(bytes, Ordering::Relaxed)).saturating_add(bytes);
        if all > RESULT_CAP {
            return Err(too_large());
        }
        Ok(())
    }

    /// Holds the estimated cost of each of `items` ([`item_cost`]).
    pub fn items<T>(&mut self, items: &[T], text: fn(&T) -> usize, strings: usize) -> Result<()> {
        let mut sum = 0usize;
        for item in items {
            sum = sum.saturating_add(item_cost::<T>(text(item), strings));
        }
        self.add(sum)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        held(|h| h.fetch_sub(self.0.min(h.load(Ordering::Relaxed)), Ordering::Relaxed));
    }
}

/// The estimated memory of an item of type `T` holding `text` bytes of heap
/// text in `strings` strings. The item itself counts three times: a `Vec`
/// grown by doubling holds up to twice its length, and the old buffer while
/// it copies (measured: counted once, a list of 400,000 INFO extstate rows
/// within the budget still ran the 64 MiB instance out of memory).
pub fn item_cost<T>(text: usize, strings: usize) -> usize {
    (3 * core::mem::size_of::<T>()).saturating_add(text).saturating_add(strings.saturating_mul(HEAP))
}

impl Budget {
    /// What is left of [`RESULT_CAP`] once the [`Held`] results are counted.
    pub fn new() -> Budget {
        Budget(RESULT_CAP.saturating_sub(held(|h| h.load(Ordering::Relaxed))))
    }

    /// Takes `bytes` of it.
    pub fn take(&mut self, bytes: usize) -> Result<()> {
        match self.0.checked_sub(bytes) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(too_large()),
        }
    }

    /// Takes the cost of a kept item of type `T` holding `text` bytes of
    /// heap text in `strings` strings.
    pub fn item<T>(&mut self, text: usize, strings: usize) -> Result<()> {
        self.take(item_cost::<T>(text, strings))
    }
}

/// The error of a result past [`RESULT_CAP`] (or of a tree past
/// [`TREE_CAP`] where one is needed).
pub fn too_large() -> Error {
    Error::TooLarge(RESULT_CAP as u64)
}

/// Why [`parse_bounded`] built no tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unparsed {
    /// Not one JSON value.
    NotJson,
    /// Its tree would cost more than [`TREE_CAP`].
    TooBig,
}

/// The `Value` tree of the JSON text `bytes`, built within [`TREE_CAP`].
pub fn parse_bounded(bytes: &[u8]) -> core::result::Result<Value, Unparsed> {
    let mut left = TREE_CAP;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Bounded(&mut left).deserialize(&mut de).map_err(|_| Unparsed::NotJson)?;
    de.end().map_err(|_| Unparsed::NotJson)?;
    value.ok_or(Unparsed::TooBig)
}

/// [`parse_bounded`] for an answer's error body: `None` when it is not
/// JSON or too large to look at.
pub fn small_tree(bytes: &[u8]) -> Option<Value> {
    parse_bounded(bytes).ok()
}

/// Builds one `Value` of at most the estimated bytes it is given (what is
/// left is passed down); a larger one is read to its end and skipped
/// (`None`). serde_json's own `Value` reader would build any size.
pub struct Bounded<'b>(pub &'b mut usize);

impl Bounded<'_> {
    /// Takes `n` of what is left; `false` (and nothing left) when short.
    fn take(&mut self, n: usize) -> bool {
        match self.0.checked_sub(n) {
            Some(left) => {
                *self.0 = left;
                true
            }
            None => {
                *self.0 = 0;
                false
            }
        }
    }

    fn scalar<E>(mut self, v: Value) -> Built<E> {
        Ok(if self.take(NODE) { Some(v) } else { None })
    }
}

type Built<E> = core::result::Result<Option<Value>, E>;

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Built<D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Built<E> {
        self.scalar(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Built<E> {
        self.scalar(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Built<E> {
        self.scalar(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Built<E> {
        // JSON numbers are finite.
        self.scalar(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_unit<E>(self) -> Built<E> {
        self.scalar(Value::Null)
    }
    fn visit_str<E>(mut self, s: &str) -> Built<E> {
        Ok(if self.take(NODE + HEAP + s.len()) { Some(Value::String(s.to_string())) } else { None })
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Built<A::Error> {
        let mut items = Vec::new();
        let mut whole = self.take(NODE);
        while whole {
            match seq.next_element_seed(Bounded(&mut *self.0))? {
                Some(Some(v)) => items.push(v),
                Some(None) => whole = false,
                None => return Ok(Some(Value::Array(items))),
            }
        }
        drop(items);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Built<A::Error> {
        let mut members = Map::new();
        let mut whole = self.take(NODE);
        while whole {
            let Some(name) = map.next_key::<String>()? else { return Ok(Some(Value::Object(members))) };
            whole = self.take(MEMBER + HEAP + name.len());
            if whole {
                match map.next_value_seed(Bounded(&mut *self.0))? {
                    Some(v) => {
                        members.insert(name, v);
                    }
                    None => whole = false,
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        drop(members);
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// What [`rows`] found at the top of an answer.
pub enum Top {
    /// A JSON array: each element went to the row reader.
    Array,
    /// A JSON object: the members named in `keep` (each within
    /// [`TREE_CAP`]; a larger one is the string `(too large)`), and
    /// whether the rows member was there as an array (its elements went to
    /// the row reader).
    Object(Map<String, Value>, bool),
    /// Any other JSON value.
    Other,
}

/// Reads the answer `body` one row at a time: the elements of a top-level
/// array, or of the array in member `member` of a top-level object, each
/// parsed alone (within [`TREE_CAP`], else `too-large`) and handed to
/// `row`, whose first error ends the reading. `Ok(None)` when `body` is not
/// one JSON value. The answer's tree is never built whole.
pub fn rows(
    body: &[u8],
    member: Option<&str>,
    keep: &[&str],
    row: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<Option<Top>> {
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut reader = Reader { row, failed: &mut failed };
    let seed = TopSeed { member, keep, reader: &mut reader };
    let top = seed.deserialize(&mut de).ok().filter(|_| de.end().is_ok());
    match failed {
        Some(e) => Err(e),
        None => Ok(top),
    }
}

/// Hands rows to the row reader until it fails (then skips them).
struct Reader<'r> {
    row: &'r mut dyn FnMut(Value) -> Result<()>,
    failed: &'r mut Option<Error>,
}

impl Reader<'_> {
    fn each<'de, A: SeqAccess<'de>>(&mut self, mut seq: A) -> core::result::Result<(), A::Error> {
        loop {
            if self.failed.is_some() {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            let mut left = TREE_CAP;
            let Some(row) = seq.next_element_seed(Bounded(&mut left))? else { return Ok(()) };
            let outcome = match row {
                Some(v) => (self.row)(v),
                None => Err(too_large()),
            };
            if let Err(e) = outcome {
                *self.failed = Some(e);
            }
        }
    }
}

struct TopSeed<'a, 'r, 'k> {
    member: Option<&'k str>,
    keep: &'k [&'k str],
    reader: &'a mut Reader<'r>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_> {
    type Value = Top;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> core::result::Result<Top, D::Error> {
        d.deserialize_any(self)
    }
}

type Topped<E> = core::result::Result<Top, E>;

impl<'de> Visitor<'de> for TopSeed<'_, '_, '_> {
    type Value = Top;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Topped<A::Error> {
        self.reader.each(seq)?;
        Ok(Top::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Topped<A::Error> {
        let mut kept = Map::new();
        let mut had_rows = false;
        while let Some(name) = map.next_key::<String>()? {
            if self.member == Some(name.as_str()) {
                // The same visitor one level down: an array's elements are
                // the rows; anything else is skipped.
                let rows = TopSeed { member: None, keep: &[], reader: &mut *self.reader };
                had_rows = matches!(map.next_value_seed(rows)?, Top::Array);
            } else if self.keep.contains(&name.as_str()) {
                let mut left = TREE_CAP;
                let value = map.next_value_seed(Bounded(&mut left))?;
                kept.insert(name, value.unwrap_or_else(|| Value::String("(too large)".into())));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Top::Object(kept, had_rows))
    }
    fn visit_bool<E>(self, _: bool) -> Topped<E> {
        Ok(Top::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Topped<E> {
        Ok(Top::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Topped<E> {
        Ok(Top::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Topped<E> {
        Ok(Top::Other)
    }
    fn visit_str<E>(self, _: &str) -> Topped<E> {
        Ok(Top::Other)
    }
    fn visit_unit<E>(self) -> Topped<E> {
        Ok(Top::Other)
    }
}

/// A JSON object under construction; members appear in the order written.
pub struct Object {
    bytes: Vec<u8>,
    ok: bool,
}

impl Default for Object {
    fn default() -> Object {
        Object::new()
    }
}

impl Object {
    /// `{`.
    pub fn new() -> Object {
        Object { bytes: vec![b'{'], ok: true }
    }

    /// Writes `"name":` after a comma when needed.
    fn key(&mut self, name: &str) {
        if self.bytes.len() > 1 {
            self.bytes.push(b',');
        }
        self.value(name);
        self.bytes.push(b':');
    }

    /// Writes one JSON value.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) {
        // Writing strings and integers into memory cannot fail; keep the
        // outcome anyway, for `finish` to report.
        match serde_json::to_vec(value) {
            Ok(text) => self.bytes.extend_from_slice(&text),
            Err(_) => self.ok = false,
        }
    }

    /// A string member.
    pub fn string(mut self, name: &str, value: &str) -> Object {
        self.key(name);
        self.value(value);
        self
    }

    /// A string member, left out when `None`.
    pub fn opt_string(self, name: &str, value: Option<&str>) -> Object {
        match value {
            Some(v) => self.string(name, v),
            None => self,
        }
    }

    /// An integer member.
    pub fn int(mut self, name: &str, value: i64) -> Object {
        self.key(name);
        self.value(&value);
        self
    }

    /// An unsigned integer member.
    pub fn uint(mut self, name: &str, value: u64) -> Object {
        self.key(name);
        self.value(&value);
        self
    }

    /// An integer member, left out when `None`.
    pub fn opt_int(self, name: &str, value: Option<i64>) -> Object {
        match value {
            Some(v) => self.int(name, v),
            None => self,
        }
    }

    /// A `null` member when `null` is true; left out otherwise.
    pub fn null_if(mut self, name: &str, null: bool) -> Object {
        if null {
            self.key(name);
            self.bytes.extend_from_slice(b"null");
        }
        self
    }

    /// A member that is an array of strings.
    pub fn strings(mut self, name: &str, values: &[String]) -> Object {
        self.key(name);
        self.bytes.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.bytes.push(b',');
            }
            self.value(v.as_str());
        }
        self.bytes.push(b']');
        self
    }

    /// A member whose value is another object.
    pub fn object(mut self, name: &str, value: Object) -> Object {
        self.key(name);
        self.ok &= value.ok;
        self.bytes.extend_from_slice(&value.bytes);
        self.bytes.push(b'}');
        self
    }

    /// Whether no member was written.
    pub fn is_empty(&self) -> bool {
        self.bytes.len() == 1
    }

    /// The object's text, `}` included.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        if !self.ok {
            return Err(decode("encoding the request failed"));
        }
        self.bytes.push(b'}');
        Ok(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_members_in_order_and_escapes() {
        let inner = Object::new().string("a\"", "x\ny").opt_string("skip", None).opt_int("n", Some(-3));
        let body = Object::new()
            .uint("id", u64::MAX)
            .object("o", inner)
            .strings("s", &["1".to_string(), "é\\".to_string()])
            .opt_int("none", None)
            .null_if("cleared", true)
            .null_if("kept", false)
            .finish()
            .unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"id":18446744073709551615,"o":{"a\"":"x\ny","n":-3},"s":["1","é\\"],"cleared":null}"#
        );
        assert!(Object::new().is_empty());
        assert_eq!(Object::new().finish().unwrap(), b"{}");
    }

    #[test]
    fn trees_are_built_within_their_cap() {
        let text = br#"{"a":[1,-2,1.5,"x",null,true,{"b":[]}],"c":"\u00e9"}"#;
        assert_eq!(parse_bounded(text), Ok(serde_json::from_slice::<Value>(text).unwrap()));
        assert_eq!(parse_bounded(b"[1] 2"), Err(Unparsed::NotJson));
        assert_eq!(parse_bounded(b"{\"a\":"), Err(Unparsed::NotJson));
        // 200,000 numbers: 6.4 MB estimated, over the 4 MiB cap; skipped to
        // the end (the text after it is still checked).
        let mut big = b"{\"a\":[".to_vec();
        big.extend(b"0,".repeat(200_000));
        big.extend(b"0],\"b\":1}");
        assert_eq!(parse_bounded(&big), Err(Unparsed::TooBig));
        big.push(b'x');
        assert_eq!(parse_bounded(&big), Err(Unparsed::NotJson));
    }

    #[test]
    fn rows_are_read_one_at_a_time() {
        let mut seen = Vec::new();
        let top = rows(b" [1, {\"a\":2}, \"x\"] ", None, &[], &mut |v| {
            seen.push(v);
            Ok(())
        });
        assert!(matches!(top, Ok(Some(Top::Array))));
        assert_eq!(seen, vec![Value::from(1), serde_json::json!({"a": 2}), Value::from("x")]);
        // The rows of a member, and the kept members (one too large to keep).
        let mut n = 0;
        let mut body = br#"{"skip":[1],"page":3,"rows":[{},{}],"big":["#.to_vec();
        body.extend(b"0,".repeat(200_000));
        body.extend(b"0]}");
        match rows(&body, Some("rows"), &["page", "big"], &mut |_| {
            n += 1;
            Ok(())
        }) {
            Ok(Some(Top::Object(kept, true))) => {
                assert_eq!(kept.get("page"), Some(&Value::from(3)));
                assert_eq!(kept.get("big"), Some(&Value::from("(too large)")));
                assert!(!kept.contains_key("skip"));
            }
            _ => panic!("not read as an object with rows"),
        }
        assert_eq!(n, 2);
        // The first error of the row reader ends the reading; a row over
        // the cap of one tree is too-large; not JSON is `None`.
        let mut calls = 0;
        let out = rows(b"[1,2,3]", None, &[], &mut |_| {
            calls += 1;
            Err(decode("no"))
        });
        assert!(matches!(out, Err(Error::Decode(_))) && calls == 1);
        let mut huge = b"[[".to_vec();
        huge.extend(b"0,".repeat(200_000));
        huge.extend(b"0]]");
        assert!(matches!(rows(&huge, None, &[], &mut |_| Ok(())), Err(Error::TooLarge(_))));
        assert!(matches!(rows(b"[1,", None, &[], &mut |_| Ok(())), Ok(None)));
        assert!(matches!(rows(b"\"x\"", None, &[], &mut |_| Ok(())), Ok(Some(Top::Other))));
    }

    #[test]
    fn held_results_shrink_the_next_budget() {
        let mut budget = Budget::new();
        assert!(budget.take(RESULT_CAP / 2).is_ok());
        assert!(matches!(budget.take(RESULT_CAP), Err(Error::TooLarge(cap)) if cap == RESULT_CAP as u64));
        assert_eq!(item_cost::<u64>(5, 2), 3 * 8 + 5 + 2 * HEAP);
        let mut holding = Held::new();
        assert!(holding.add(RESULT_CAP / 4).is_ok());
        assert!(Budget::new().take(RESULT_CAP / 4 * 3 + 1).is_err());
        assert!(holding.add(RESULT_CAP).is_err());
        drop(holding);
        assert!(Budget::new().take(RESULT_CAP).is_ok());
    }

    #[test]
    fn values_as_text() {
        let v: Value = serde_json::from_slice(br#"[null, "a\"b", -12, 1.5, true, {"k":[1]}]"#).unwrap();
        let got: Vec<Option<String>> = v.as_array().unwrap().iter().map(text).collect();
        let want = [None, Some("a\"b"), Some("-12"), Some("1.5"), Some("true"), Some(r#"{"k":[1]}"#)];
        assert_eq!(got, want.map(|w| w.map(String::from)));
    }
}

//! [`Args`]: a request body read as the route's parameters, member by
//! member, each `Value` tree built within [`ARG_TREE_CAP`].

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::bad::Bad;

/// The most the `Value` trees of one request's parameters may cost together,
/// estimated as they are built ([`Bounded`]). Measured (host-test
/// `tests/it/caps.rs`, 64 MiB per instance): the worst shape in an 8 MiB
/// body, `[0,0,...]` (4M numbers), would cost 128 MB as a tree and is
/// refused at this estimate, while the body (8 MiB), trees at this cap, the
/// typed values built from them and the result fit; the largest legitimate
/// parameter, a base64 `list<u8>` of 6 MiB (one 8 MiB string), costs 8 MiB.
pub const ARG_TREE_CAP: usize = 16 * 1024 * 1024;

/// Estimated bytes of one `Value` in a tree (wasm32: 16 bytes, in a `Vec`
/// of up to twice the length it holds, plus allocator rounding).
const NODE: usize = 32;
/// Estimated bytes of a heap string besides its text.
const HEAP: usize = 16;
/// Estimated bytes of one object member besides its key and value.
const MEMBER: usize = 64;

/// Builds one `Value` of at most the estimated bytes it is given (what is
/// left is passed down); a larger one is read to its end and skipped
/// (`None`). serde_json's own `Value` reader would build any size.
struct Bounded<'b>(&'b mut usize);

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

type Built<E> = Result<Option<Value>, E>;

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
        Ok(if self.take(NODE + HEAP + s.len()) { Some(Value::String(s.to_owned())) } else { None })
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

/// The arguments of a call: each parameter sent, parsed (within
/// [`ARG_TREE_CAP`]). Only the route's parameter names are taken.
#[derive(Clone)]
pub struct Args {
    members: Vec<(&'static str, Value)>,
}

/// Why a body is not [`Args`].
pub enum NotArgs {
    /// Not JSON.
    Malformed,
    /// JSON, but not an object.
    NotObject,
    /// A member the route does not take, one given twice, or one too large
    /// to parse.
    Refused(Bad),
}

impl Args {
    /// No arguments (an empty body).
    pub fn empty() -> Args {
        Args { members: Vec::new() }
    }

    /// Reads `body`, a JSON object whose member names must be in `names`.
    /// The first unknown or repeated name is refused before its value is
    /// read (the rest is only checked to be JSON, nothing of it kept), as
    /// is a value whose tree would pass [`ARG_TREE_CAP`].
    pub fn parse(body: &[u8], names: &'static [&'static str]) -> Result<Args, NotArgs> {
        let mut refused = None;
        let mut de = serde_json::Deserializer::from_slice(body);
        let parsed = Members { names, refused: &mut refused }.deserialize(&mut de).and_then(|m| de.end().map(|()| m));
        if let Some(bad) = refused {
            return Err(NotArgs::Refused(bad));
        }
        match parsed {
            Ok(Some(members)) => Ok(Args { members }),
            Ok(None) => Err(NotArgs::NotObject),
            Err(_) => Err(NotArgs::Malformed),
        }
    }

    /// The value of parameter `name`, if it was sent.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The top-level object of a body: the parameters (each one of `names`,
/// once, within the cap); `None` for any other JSON value, or once refused.
struct Members<'r> {
    names: &'static [&'static str],
    refused: &'r mut Option<Bad>,
}

type Found<E> = Result<Option<Vec<(&'static str, Value)>>, E>;

impl<'de> DeserializeSeed<'de> for Members<'_> {
    type Value = Option<Vec<(&'static str, Value)>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Found<D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Members<'_> {
    type Value = Option<Vec<(&'static str, Value)>>;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Found<A::Error> {
        let mut out: Vec<(&'static str, Value)> = Vec::new();
        let mut left = ARG_TREE_CAP;
        while let Some(key) = map.next_key::<String>()? {
            let known = self.names.iter().copied().find(|n| *n == key);
            // The member's name is the caller's own key, not a value: naming
            // it is what makes the refusal useful.
            let refusal = match known {
                None => Some("unknown member"),
                Some(n) if out.iter().any(|(m, _)| *m == n) => Some("given twice"),
                Some(n) => match map.next_value_seed(Bounded(&mut left))? {
                    Some(v) => {
                        out.push((n, v));
                        None
                    }
                    None => Some(
                        "too large: as parsed it would take more than the gateway's 16 MiB for arguments \
                         (a list of that many items cannot be sent through the gateway)",
                    ),
                },
            };
            if let Some(reason) = refusal {
                *self.refused = Some(Bad::member(reason, &key));
                // Nothing more is kept: the rest is only read through.
                drop(out);
                if known.is_none() || reason == "given twice" {
                    map.next_value::<IgnoredAny>()?;
                }
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(None);
            }
        }
        Ok(Some(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Found<A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Found<E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Found<E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Found<E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Found<E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Found<E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Found<E> {
        Ok(None)
    }
}

//! The JSON mapping of WIT values, as [`pbx_convention`] writes it down
//! for the gateway and the `pbx-host` CLI alike (records keyed by WIT field
//! names, enums as strings, variants as `{"case": payload}` or `"case"`,
//! tuples as arrays, `list<u8>` as base64, strict scalars).
//! gateway/codegen generates the impls of every named type (src/dispatch.rs);
//! this file has the generic ones and the helpers they call.
//!
//! Refusals ([`Bad`]) name the argument path and the expected shape; they
//! never quote the value that was sent (it may be a secret).
//!
//! Memory (issue 17: the gateway has the 64 MiB of linear memory a host
//! such as `pbx-host serve` gives an instance): the body is read as a map of
//! the route's parameter names to values ([`Args`]), refusing an unknown name
//! before its value is read; the parameters' `Value` trees are built within
//! an estimate ([`ARG_TREE_CAP`]); results are written as JSON text straight
//! to the response stream ([`ToJson`], [`Out`]), never as a tree.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::base64;

// Re-exported: reply.rs and serve.rs name them from here.
pub use crate::bad::{Bad, BadKind};

/// `e` at list index `i` (`[2]` in front of its path).
fn at_index(e: Bad, i: usize) -> Bad {
    let mut buf = itoa(i as u64);
    buf.insert(0, '[');
    buf.push(']');
    e.at(&buf)
}

/// Decimal digits of `n` (no `format!` machinery in the wasm build).
pub fn itoa(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// What a call produced.
pub enum Outcome {
    /// The function's value, written as JSON when the answer is sent.
    Ok(Box<dyn ToJson>),
    /// The provider's (or the component's) typed error.
    Provider(crate::Error),
}

/// Where the server-held provider configs come from (the gateway's
/// settings, gateway/src/settings.rs). A trait, so that this module does not
/// import the settings, which build their configs as JSON with it.
pub trait Held {
    /// The server-held config of `iface`, as the JSON a caller would send.
    fn config(&self, iface: &str) -> Result<Value, Bad>;
}

/// What parsing needs to know: the server-held provider configs, when this
/// request may use them, and the outbound rules every config must satisfy.
pub struct Cx<'a> {
    /// `None` when no gateway token is set: server-held settings are then
    /// never used.
    pub held: Option<&'a dyn Held>,
    /// The allowed hosts and the timeout bound.
    pub outbound: &'a crate::outbound::Outbound,
    /// Whether the config being read is the server-held one: its URLs are
    /// the operator's and are not checked.
    pub trusted: bool,
}

impl<'a> Cx<'a> {
    /// The context of a caller's arguments.
    pub fn new<H: Held>(held: Option<&'a H>, outbound: &'a crate::outbound::Outbound) -> Self {
        Cx { held: held.map(|h| h as &dyn Held), outbound, trusted: false }
    }

    /// The context of a caller's arguments without server-held settings.
    pub fn unheld(outbound: &'a crate::outbound::Outbound) -> Self {
        Cx { held: None, outbound, trusted: false }
    }

    /// The server-held config of `iface`, as the JSON a caller would send.
    pub fn held(&self, iface: &str) -> Result<Value, Bad> {
        match self.held {
            None => Err(Bad::input(
                "required (server-held settings are used only when the gateway has a token, PBX_GATEWAY_TOKEN)",
            )),
            Some(s) => s.config(iface),
        }
    }

    /// The context for reading a server-held config itself: trusted, and
    /// without server-held settings of its own.
    pub fn for_held(&self) -> Cx<'a> {
        Cx { held: None, outbound: self.outbound, trusted: true }
    }

    /// Checks and rewrites a config's URL field `name` (see
    /// [`crate::outbound`]); a server-held config's is left as set.
    /// (Not generic over the field's type: one copy in the wasm build.)
    pub fn config_url(&self, url: Option<&mut String>, name: &str, bare_host_is_https: bool) -> Result<(), Bad> {
        match url {
            Some(url) if !self.trusted => self.outbound.url(url, bare_host_is_https).map_err(|e| e.at(name)),
            _ => Ok(()),
        }
    }
}

/// Values read from JSON. `v` is `None` when the member is absent.
pub trait FromJson: Sized {
    /// Reads the value.
    fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad>;

    /// Reads a list of values: a JSON array, except `list<u8>` (base64).
    fn list_from_json(v: &Value, cx: &Cx) -> Result<Vec<Self>, Bad> {
        let items = v.as_array().ok_or_else(|| Bad::input("expected an array"))?;
        items.iter().enumerate().map(|(i, item)| Self::from_json(Some(item), cx).map_err(|e| at_index(e, i))).collect()
    }
}

/// Values written as JSON text.
pub trait ToJson {
    /// Writes the value.
    fn write_json(&self, out: &mut Out);

    /// Writes a list: a JSON array, except `list<u8>` (base64).
    fn write_list(items: &[Self], out: &mut Out)
    where
        Self: Sized,
    {
        let mut sep = "[";
        for item in items {
            out.text(sep);
            sep = ",";
            item.write_json(out);
        }
        if items.is_empty() {
            out.text("[");
        }
        out.text("]");
    }
}

/// Bytes [`Out`] gathers before handing them on.
const OUT_CHUNK: usize = 64 * 1024;

/// Where JSON text goes: gathered in chunks of [`OUT_CHUNK`] bytes handed to
/// a sink (the response stream), or all of it kept ([`Out::collect`]). A
/// result of 16 MiB of strings is then never held a second time as text.
pub struct Out<'s> {
    buf: Vec<u8>,
    sink: Option<Sink<'s>>,
}

/// Where [`Out`] hands its chunks.
pub type Sink<'s> = &'s mut dyn FnMut(&[u8]);

impl<'s> Out<'s> {
    /// Hands the text to `sink` chunk by chunk.
    pub fn to(sink: Sink<'s>) -> Out<'s> {
        Out { buf: Vec::new(), sink: Some(sink) }
    }

    /// Keeps all the text ([`Out::into_bytes`]).
    pub fn collect() -> Out<'static> {
        Out { buf: Vec::new(), sink: None }
    }

    /// The kept text (empty once handed to a sink).
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.flush();
        core::mem::take(&mut self.buf)
    }

    /// Hands what is gathered to the sink, if any.
    pub fn flush(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            sink(&self.buf);
            self.buf.clear();
        }
    }

    /// Appends JSON text as is.
    pub fn text(&mut self, t: &str) {
        self.bytes(t.as_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.sink.is_some() && self.buf.len() >= OUT_CHUNK {
            self.flush();
        }
    }

    /// Appends a JSON string (escaped as `serde_json` does: `"`, `\\` and
    /// control characters).
    pub fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.bytes(b"\"");
        let bytes = s.as_bytes();
        let mut start = 0;
        let mut unicode = *b"\\u0000";
        for (i, &b) in bytes.iter().enumerate() {
            let escaped: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0..=0x1f => {
                    unicode[4] = HEX[usize::from(b >> 4)];
                    unicode[5] = HEX[usize::from(b & 15)];
                    &unicode
                }
                _ => continue,
            };
            self.bytes(&bytes[start..i]);
            self.bytes(escaped);
            start = i + 1;
        }
        self.bytes(&bytes[start..]);
        self.bytes(b"\"");
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut Out) {
        // Small values only (the health answer); serializing cannot fail.
        out.bytes(&serde_json::to_vec(self).unwrap_or_default());
    }
}

impl ToJson for Box<dyn ToJson> {
    fn write_json(&self, out: &mut Out) {
        (**self).write_json(out);
    }
}

/// The JSON text of `v` (tests, small values).
pub fn to_json_bytes<T: ToJson + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Out::collect();
    v.write_json(&mut out);
    out.into_bytes()
}

/// Lends an owned argument in the shape the imported function takes it
/// (`&str`, `&[T]`, `&Record`, `Option<&str>`, or the value itself); the
/// function's signature picks the impl, so the generated call sites need not
/// know wit-bindgen's borrowing rules.
pub trait Lend<'a, P> {
    /// The borrowed (or copied) form.
    fn lend(&'a self) -> P;
}

impl<'a, T> Lend<'a, &'a T> for T {
    fn lend(&'a self) -> &'a T {
        self
    }
}
impl<'a, T: Clone> Lend<'a, T> for T {
    fn lend(&'a self) -> T {
        self.clone()
    }
}
impl<'a> Lend<'a, &'a str> for String {
    fn lend(&'a self) -> &'a str {
        self
    }
}
impl<'a, T> Lend<'a, &'a [T]> for Vec<T> {
    fn lend(&'a self) -> &'a [T] {
        self
    }
}
impl<'a> Lend<'a, Option<&'a str>> for Option<String> {
    fn lend(&'a self) -> Option<&'a str> {
        self.as_deref()
    }
}
impl<'a, T> Lend<'a, Option<&'a [T]>> for Option<Vec<T>> {
    fn lend(&'a self) -> Option<&'a [T]> {
        self.as_deref()
    }
}
impl<'a, T> Lend<'a, Option<&'a T>> for Option<T> {
    fn lend(&'a self) -> Option<&'a T> {
        self.as_ref()
    }
}

/// Whether a member is absent or `null`.
pub fn absent(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

fn present(v: Option<&Value>) -> Result<&Value, Bad> {
    match v {
        None | Some(Value::Null) => Err(Bad::input("required")),
        Some(v) => Ok(v),
    }
}

/// The object at `v`, refusing members not in `fields`.
pub fn object<'v>(v: Option<&'v Value>, fields: &[&str]) -> Result<&'v Map<String, Value>, Bad> {
    let o = present(v)?.as_object().ok_or_else(|| Bad::input("expected an object"))?;
    only(o, fields)?;
    Ok(o)
}

/// Refuses members of `o` that are not in `names`.
pub fn only(o: &Map<String, Value>, names: &[&str]) -> Result<(), Bad> {
    match o.keys().find(|k| !names.contains(&k.as_str())) {
        // The member's name is the caller's own key, not a value: naming it
        // is what makes the refusal useful.
        Some(k) => Err(Bad::input("unknown member").at(k)),
        None => Ok(()),
    }
}

/// Reads member `name` of the record `o`.
pub fn field<T: FromJson>(o: &Map<String, Value>, name: &str, cx: &Cx) -> Result<T, Bad> {
    T::from_json(o.get(name), cx).map_err(|e| e.at(name))
}

/// Reads parameter `name` of `args` (parsed within [`ARG_TREE_CAP`]).
pub fn arg<T: FromJson>(args: &Args, name: &str, cx: &Cx) -> Result<T, Bad> {
    T::from_json(args.value(name), cx).map_err(|e| e.at(name))
}

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
                *self.refused = Some(Bad::input(reason).at(&key));
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

/// An enum's case name, one of `cases`.
pub fn enum_case<'v>(v: Option<&'v Value>, cases: &[&str]) -> Result<&'v str, Bad> {
    match present(v)?.as_str() {
        Some(s) if cases.contains(&s) => Ok(s),
        _ => Err(Bad::input(["expected one of: ", &cases.join(", ")].concat())),
    }
}

/// A variant's case and payload: `"case"` or `{"case": payload}`.
pub fn variant_case<'v>(v: Option<&'v Value>, cases: &[&str]) -> Result<(&'v str, Option<&'v Value>), Bad> {
    let wrong = || Bad::input(["expected {\"case\": payload} or \"case\", case one of: ", &cases.join(", ")].concat());
    let (case, payload) = match present(v)? {
        Value::String(s) => (s.as_str(), None),
        Value::Object(o) if o.len() == 1 => o.iter().next().map(|(k, p)| (k.as_str(), Some(p))).ok_or_else(wrong)?,
        _ => return Err(wrong()),
    };
    if cases.contains(&case) {
        Ok((case, payload))
    } else {
        Err(wrong())
    }
}

/// The names of a flags value: an array of strings, each one of `names`.
pub fn flag_names<'v>(v: Option<&'v Value>, names: &[&str]) -> Result<Vec<&'v str>, Bad> {
    let wrong = || Bad::input(["expected an array of: ", &names.join(", ")].concat());
    let items = present(v)?.as_array().ok_or_else(wrong)?;
    items.iter().map(|i| i.as_str().filter(|s| names.contains(s)).ok_or_else(wrong)).collect()
}

/// `{"case": payload}`.
pub fn case_json(case: &str, payload: Value) -> Value {
    let mut o = Map::new();
    o.insert(case.into(), payload);
    Value::Object(o)
}

impl FromJson for bool {
    fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
        present(v)?.as_bool().ok_or_else(|| Bad::input("expected true or false"))
    }
}
impl ToJson for bool {
    fn write_json(&self, out: &mut Out) {
        out.text(if *self { "true" } else { "false" });
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
                present(v)?
                    .as_u64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| Bad::input(concat!("expected an integer in the range of ", stringify!($t))))
            }
        }
        impl ToJson for $t {
            fn write_json(&self, out: &mut Out) {
                out.text(&itoa(u64::from(*self)));
            }
        }
    )*};
}
macro_rules! signed {
    ($($t:ty => $wit:literal),*) => {$(
        impl FromJson for $t {
            fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
                present(v)?
                    .as_i64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| Bad::input(concat!("expected an integer in the range of ", $wit)))
            }
        }
        impl ToJson for $t {
            fn write_json(&self, out: &mut Out) {
                let n = i64::from(*self);
                if n < 0 {
                    out.text("-");
                }
                out.text(&itoa(n.unsigned_abs()));
            }
        }
    )*};
}
unsigned!(u16, u32, u64);
signed!(i8 => "s8", i16 => "s16", i32 => "s32", i64 => "s64");

impl FromJson for u8 {
    fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
        present(v)?
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| Bad::input("expected an integer in the range of u8"))
    }
    fn list_from_json(v: &Value, _: &Cx) -> Result<Vec<Self>, Bad> {
        let s = v.as_str().ok_or_else(|| Bad::input("expected a base64 string"))?;
        base64::decode(s).ok_or_else(|| Bad::input("expected a base64 string (RFC 4648, padded)"))
    }
}
impl ToJson for u8 {
    fn write_json(&self, out: &mut Out) {
        out.text(&itoa(u64::from(*self)));
    }
    fn write_list(items: &[Self], out: &mut Out) {
        // Base64 needs no escaping.
        out.text("\"");
        out.text(&base64::encode(items));
        out.text("\"");
    }
}

macro_rules! float {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
                present(v)?.as_f64().map(|n| n as $t).ok_or_else(|| Bad::input("expected a number"))
            }
        }
        impl ToJson for $t {
            fn write_json(&self, out: &mut Out) {
                serde_json::Number::from_f64(f64::from(*self)).map_or(Value::Null, Value::Number).write_json(out);
            }
        }
    )*};
}
float!(f32, f64);

impl FromJson for char {
    fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
        let s = present(v)?.as_str().unwrap_or_default();
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Bad::input("expected a string of one character")),
        }
    }
}
impl ToJson for char {
    fn write_json(&self, out: &mut Out) {
        let mut buf = [0u8; 4];
        out.string(self.encode_utf8(&mut buf));
    }
}

impl FromJson for String {
    fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
        present(v)?.as_str().map(String::from).ok_or_else(|| Bad::input("expected a string"))
    }
}
impl ToJson for String {
    fn write_json(&self, out: &mut Out) {
        out.string(self);
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad> {
        T::list_from_json(present(v)?, cx)
    }
}
impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut Out) {
        T::write_list(self, out);
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad> {
        if absent(v) {
            Ok(None)
        } else {
            T::from_json(v, cx).map(Some)
        }
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut Out) {
        match self {
            Some(v) => v.write_json(out),
            None => out.text("null"),
        }
    }
}

/// `_` (no value): absent or `null`.
impl FromJson for () {
    fn from_json(v: Option<&Value>, _: &Cx) -> Result<Self, Bad> {
        if absent(v) {
            Ok(())
        } else {
            Err(Bad::input("expected null"))
        }
    }
}
impl ToJson for () {
    fn write_json(&self, out: &mut Out) {
        out.text("null");
    }
}

impl<T: FromJson, E: FromJson> FromJson for Result<T, E> {
    fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad> {
        let (case, p) = variant_case(v, &["ok", "err"])?;
        if case == "ok" {
            T::from_json(p, cx).map(Ok).map_err(|e| e.at("ok"))
        } else {
            E::from_json(p, cx).map(Err).map_err(|e| e.at("err"))
        }
    }
}
impl<T: ToJson, E: ToJson> ToJson for Result<T, E> {
    fn write_json(&self, out: &mut Out) {
        match self {
            Ok(v) => {
                out.text("{\"ok\":");
                v.write_json(out);
            }
            Err(e) => {
                out.text("{\"err\":");
                e.write_json(out);
            }
        }
        out.text("}");
    }
}

macro_rules! tuple {
    ($n:literal: $($t:ident $i:tt),*) => {
        impl<$($t: FromJson),*> FromJson for ($($t,)*) {
            fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad> {
                let items = present(v)?
                    .as_array()
                    .filter(|a| a.len() == $n)
                    .ok_or_else(|| Bad::input(concat!("expected an array of ", $n, " items")))?;
                Ok(($($t::from_json(items.get($i), cx).map_err(|e| at_index(e, $i))?,)*))
            }
        }
        impl<$($t: ToJson),*> ToJson for ($($t,)*) {
            fn write_json(&self, out: &mut Out) {
                let mut sep = "[";
                $(
                    out.text(sep);
                    sep = ",";
                    self.$i.write_json(out);
                )*
                let _ = sep;
                out.text("]");
            }
        }
    };
}
tuple!(1: A 0);
tuple!(2: A 0, B 1);
tuple!(3: A 0, B 1, C 2);
tuple!(4: A 0, B 1, C 2, D 3);
tuple!(5: A 0, B 1, C 2, D 3, E 4);
tuple!(6: A 0, B 1, C 2, D 3, E 4, F 5);

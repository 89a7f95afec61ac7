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

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

use crate::base64;

mod args;
mod out;

pub use args::{Args, NotArgs, ARG_TREE_CAP};
pub use out::{to_json_bytes, Out, Sink, ToJson};

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

/// Passes an argument to a library function: moved into the linked
/// library's own function (feature `linked`: it takes its arguments
/// owned, so a 6 MiB string is not copied), lent to an imported one (a
/// borrow, [`Lend`], which the composition's lowering then copies).
#[cfg(feature = "linked")]
macro_rules! pass {
    ($v:ident) => {
        $v
    };
}
/// See the `linked` definition above.
#[cfg(not(feature = "linked"))]
macro_rules! pass {
    ($v:ident) => {
        $crate::json::Lend::lend(&$v)
    };
}
pub(crate) use pass;

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
        Some(k) => Err(Bad::member("unknown member", k)),
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

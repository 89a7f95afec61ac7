//! Shared row and field helpers of every provider's decoders and of the
//! telephony mappings: [`Fields`], typed reads of one JSON object, and
//! [`limit_error`], the error of a list the component stops reading. They
//! live here, not in one provider's module, so that no provider imports
//! another.

use crate::prelude::*;

use crate::error::{decode, Result};
use crate::json as jt;
use crate::{Error, ProviderError};
use core::cell::Cell;
use serde_json::{Map, Value};

/// Typed reads of one JSON object's fields (the decoders of every provider
/// and the telephony mappings). Reads never fail: a value of
/// the wrong type is none, and with `strict` the first such field is kept
/// for [`Fields::done`] to report (one error path per decoder, not one per
/// field).
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    what: &'static str,
    strict: bool,
    wrong: Cell<Option<(&'static str, &'static str)>>,
}

impl<'a> Fields<'a> {
    /// The fields of `v`, which must be an object (`decode` naming `what`
    /// otherwise); `strict` makes [`Fields::done`] report a mistyped field.
    pub(crate) fn of(v: &'a Value, what: &'static str, strict: bool) -> Result<Fields<'a>> {
        match v {
            Value::Object(obj) => Ok(Fields { obj, what, strict, wrong: Cell::new(None) }),
            _ => Err(decode(format!("expected {what} to be a JSON object"))),
        }
    }

    /// The value, unless absent or null.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// Notes a value of the wrong type (the first one counts).
    fn mismatch<T>(&self, key: &'static str, expected: &'static str) -> Option<T> {
        if self.wrong.get().is_none() {
            self.wrong.set(Some((key, expected)));
        }
        None
    }

    /// The first wrong field, when strict.
    pub(crate) fn done(&self) -> Result<()> {
        match self.wrong.get() {
            Some((key, expected)) if self.strict => Err(decode(format!("{}: `{key}` is not {expected}", self.what))),
            _ => Ok(()),
        }
    }

    /// A text field; numbers, booleans and JSON are kept as text.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(jt::text)
    }

    /// An integer, as a number or a digit string (an empty string is none).
    pub(crate) fn int(&self, key: &'static str) -> Option<i64> {
        let n = match self.get(key)? {
            Value::String(s) if s.trim().is_empty() => return None,
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        n.or_else(|| self.mismatch(key, "an integer"))
    }

    /// A non-negative 32-bit integer.
    pub(crate) fn u32(&self, key: &'static str) -> Option<u32> {
        let n = self.int(key)?;
        u32::try_from(n).ok().or_else(|| self.mismatch(key, "a non-negative 32-bit integer"))
    }

    /// A boolean: `true`/`false`, as text, or 0/1.
    pub(crate) fn flag(&self, key: &'static str) -> Option<bool> {
        let b = match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            Value::Number(n) => n.as_u64().filter(|n| *n <= 1).map(|n| n == 1),
            _ => None,
        };
        b.or_else(|| self.mismatch(key, "a boolean"))
    }

    /// A required id (always checked).
    pub(crate) fn id(&self, key: &'static str) -> Result<i64> {
        let strict = Fields { obj: self.obj, what: self.what, strict: true, wrong: Cell::new(None) };
        let id = strict.int(key);
        strict.done()?;
        id.ok_or_else(|| decode(format!("{}: `{key}` is missing", self.what)))
    }
}

/// A `provider` error (status 200) the component itself raises when a list
/// cannot be read whole (a call log past its request limit, a provider
/// that ignores paging): `code` says which limit.
pub fn limit_error(code: &str, message: &str) -> Error {
    Error::Provider(ProviderError { status: 200, code: Some(code.to_string()), message: message.to_string() })
}

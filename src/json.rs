//! JSON request bodies: objects written member by member in a fixed order,
//! each value through `serde_json` (string escaping, integers). One small
//! writer instead of a `Serialize` implementation per body keeps one copy of
//! the serializer in the component.

use crate::prelude::*;

use crate::error::{decode, Result};
use serde::Serialize;
use serde_json::Value;

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
    fn values_as_text() {
        let v: Value = serde_json::from_slice(br#"[null, "a\"b", -12, 1.5, true, {"k":[1]}]"#).unwrap();
        let got: Vec<Option<String>> = v.as_array().unwrap().iter().map(text).collect();
        let want = [None, Some("a\"b"), Some("-12"), Some("1.5"), Some("true"), Some(r#"{"k":[1]}"#)];
        assert_eq!(got, want.map(|w| w.map(String::from)));
    }
}

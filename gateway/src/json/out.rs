//! [`Out`]: JSON text written to the response stream in chunks, never held
//! whole (a 16 MiB result is not kept a second time as text).

use alloc::boxed::Box;
use alloc::vec::Vec;
use serde_json::Value;

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

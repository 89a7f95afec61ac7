//! Decoding `proxyapi.php` answers (pure). The API reports most failures
//! with HTTP 200: the "Too bad... security api key" text, an empty body, a
//! `{"Response":"Error"}` object, or a body that is not what was asked for.

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::tring::{DialResult, Media, PeerCounts};
use crate::error::{decode, Result};
use crate::http::Response;
use crate::json;
use crate::redact::excerpt;
use crate::rows::Fields;
use crate::status::{describe_body, from_status};
use crate::{Error, ProviderError};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What a JSON-text function asked for; it decides what an empty body means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Rows: an empty body is the empty list `[]`.
    Rows,
    /// One object, or the answer to an action: an empty body is `not-found`.
    One,
    /// Text in another format (CSV, XML), returned unchecked; an empty body
    /// is the empty text.
    Text,
}

/// The message of [`Error::Unauthorized`] for the "Too bad" answer (the
/// body itself is not echoed).
pub const BAD_KEY: &str =
    "the server refused the API key (wrong key, unknown tenant, or a read-only key calling a write function)";
/// The message of [`Error::NotFound`] for an empty answer.
pub const EMPTY: &str = "the server answered with an empty body (nothing found, or an unknown id or parameter)";

/// The members of an answer object that carry a status.
const STATUS_KEYS: [&str; 3] = ["Response", "Message", "ID"];

/// The status members of an answer object (others are skipped); a `null`
/// member counts as absent.
struct Status {
    response: Option<Value>,
    message: Option<Value>,
    id: Option<Value>,
}

/// Status check, then the "Too bad" text; returns the trimmed body.
fn checked(resp: &Response) -> Result<&[u8]> {
    if !resp.is_success() {
        return Err(from_status(resp, None, describe_body(resp)));
    }
    let body = resp.body.trim_ascii();
    if is_bad_key(body) {
        return Err(Error::Unauthorized(BAD_KEY.into()));
    }
    Ok(body)
}

/// `Too bad... you mistaken the security api key.`, in any case.
pub fn is_bad_key(body: &[u8]) -> bool {
    let head = &body[..body.len().min(200)];
    let Ok(text) = core::str::from_utf8(head) else { return false };
    let text = text.to_ascii_lowercase();
    text.starts_with("too bad") && crate::text::contains(&text, "api key")
}

fn not_json(resp: &Response) -> Error {
    decode(format!("expected JSON, got {}", describe_body(resp)))
}

/// `provider` (status 200, no code) with the server's message.
fn refusal(status: u16, message: Option<String>) -> Error {
    let message = message.filter(|m| !m.trim().is_empty());
    Error::Provider(ProviderError {
        status,
        code: None,
        message: message.map_or_else(|| "the server refused the request".into(), |m| excerpt(&m)),
    })
}

/// Parses an answer object's status fields (validating the whole JSON) and
/// turns `Response: Error` into [`refusal`].
fn status(resp: &Response, body: &[u8]) -> Result<Status> {
    let members = object_members(body, Some(&STATUS_KEYS)).ok_or_else(|| not_json(resp))?;
    let mut found: [Option<Value>; 3] = [None, None, None];
    for (name, value) in members {
        let Some(index) = STATUS_KEYS.iter().position(|k| *k == name) else { continue };
        // A status member given twice makes the answer ambiguous.
        if found[index].is_some() {
            return Err(not_json(resp));
        }
        found[index] = value;
    }
    let [response, message, id] = found.map(|v| v.filter(|v| !v.is_null()));
    let answer = Status { response, message, id };
    match &answer.response {
        Some(Value::String(response)) if response.eq_ignore_ascii_case("error") => {
            Err(refusal(resp.status, answer.message.as_ref().and_then(json::text)))
        }
        _ => Ok(answer),
    }
}

/// A JSON answer as text, checked to be JSON; see [`Shape`] for empty
/// bodies. A JSON object with `Response: Error` is `provider`.
pub fn decode_json(resp: &Response, shape: Shape) -> Result<String> {
    let body = checked(resp)?;
    if body.is_empty() {
        return match shape {
            Shape::Rows => Ok("[]".into()),
            Shape::Text => Ok(String::new()),
            Shape::One => Err(Error::NotFound(EMPTY.into())),
        };
    }
    if shape == Shape::Text {
        return Ok(String::from_utf8_lossy(body).into_owned());
    }
    is_json(resp, body)?;
    String::from_utf8(body.to_vec()).map_err(|_| decode("the answer is not UTF-8"))
}

/// Checks a non-empty body is JSON: an object's status members (`Response:
/// Error` is `provider`), any other value whole.
fn is_json(resp: &Response, body: &[u8]) -> Result<()> {
    if body.first() == Some(&b'{') {
        status(resp, body)?;
    } else {
        serde_json::from_slice::<IgnoredAny>(body).map_err(|_| not_json(resp))?;
    }
    Ok(())
}

/// A rows answer checked as [`decode_json`] checks one of [`Shape::Rows`]
/// (status, the "Too bad" text, JSON, UTF-8), without copying it into text:
/// the typed row readers ([`decode_extstate_rows`], [`decode_cdr_rows`])
/// take it from here.
pub fn checked_rows(resp: Response) -> Result<Response> {
    let body = checked(&resp)?;
    if !body.is_empty() {
        is_json(&resp, body)?;
        core::str::from_utf8(body).map_err(|_| decode("the answer is not UTF-8"))?;
    }
    Ok(resp)
}

/// An INFO extstate row. The page fixes no row shape: MiRTA's column names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtState {
    /// `extension` (required).
    pub extension: String,
    /// `state`, the provider's word.
    pub state: Option<String>,
}

/// An INFO cdrs row: Asterisk's CDR columns, and `direction` (which the page
/// names as a filter), each none when absent or mistyped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cdr {
    /// `uniqueid`.
    pub uniqueid: Option<String>,
    /// `calldate`.
    pub calldate: Option<String>,
    /// `direction`.
    pub direction: Option<String>,
    /// `src`.
    pub src: Option<String>,
    /// `dst`.
    pub dst: Option<String>,
    /// `duration`, seconds.
    pub duration: Option<u32>,
    /// `billsec`, seconds talked.
    pub billsec: Option<u32>,
    /// `disposition`.
    pub disposition: Option<String>,
    /// The row as JSON.
    pub raw: String,
}

/// Reads the rows of a [`checked_rows`] answer one at a time with `row`,
/// never the answer's whole tree; an empty answer has none (as `[]`), any
/// other JSON than an array is `decode`.
fn each_row(resp: &Response, row: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    let body = resp.body.trim_ascii();
    if body.is_empty() {
        return Ok(());
    }
    match json::rows(body, None, &[], row)? {
        Some(json::Top::Array) => Ok(()),
        _ => Err(decode("expected a JSON array of rows")),
    }
}

/// INFO extstate rows of a [`checked_rows`] answer, each typed into `each`
/// as read. A row that is not an object, or has no extension, is `decode`.
pub fn decode_extstate_rows(resp: &Response, mut each: impl FnMut(ExtState) -> Result<()>) -> Result<()> {
    each_row(resp, &mut |row| {
        let f = Fields::of(&row, "an INFO extstate row", false)?;
        let extension = f.text("extension").ok_or_else(|| decode("an INFO extstate row has no `extension`"))?;
        each(ExtState { extension, state: f.text("state") })
    })
}

/// INFO cdrs rows of a [`checked_rows`] answer, each typed into `each` as
/// read (leniently: a mistyped column is none; `raw` keeps it).
pub fn decode_cdr_rows(resp: &Response, mut each: impl FnMut(Cdr) -> Result<()>) -> Result<()> {
    each_row(resp, &mut |row| {
        let f = Fields::of(&row, "an INFO cdrs row", false)?;
        each(Cdr {
            uniqueid: f.text("uniqueid"),
            calldate: f.text("calldate"),
            direction: f.text("direction"),
            src: f.text("src"),
            dst: f.text("dst"),
            duration: f.u32("duration"),
            billsec: f.u32("billsec"),
            disposition: f.text("disposition"),
            raw: json::json_text(&row),
        })
    })
}

/// Whether a media type names text rather than binary media.
fn is_text_type(media_type: &str) -> bool {
    let lower = media_type.to_ascii_lowercase();
    lower.starts_with("text/") || crate::text::contains(&lower, "json") || crate::text::contains(&lower, "xml")
}

/// The media type of well-known binary data.
pub fn sniff(data: &[u8]) -> &'static str {
    match data {
        [b'I', b'D', b'3', ..] | [0xFF, 0xE0..=0xFF, ..] => "audio/mpeg",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => "audio/wav",
        [b'O', b'g', b'g', b'S', ..] => "audio/ogg",
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// A binary answer. Empty: `not-found`. Labelled as text: when the bytes
/// are text it is not the media asked for (`provider` for a `Response:
/// Error` object, else `decode`); when they are binary, the server mislabelled
/// them and the type is guessed with [`sniff`].
pub fn decode_media(resp: &Response) -> Result<Media> {
    let body = checked(resp)?;
    if body.is_empty() {
        return Err(Error::NotFound(EMPTY.into()));
    }
    let declared = resp.content_type().filter(|c| !c.is_empty()).unwrap_or("application/octet-stream");
    let content_type = if is_text_type(declared) {
        let textual = core::str::from_utf8(body).is_ok_and(|t| !t.contains('\0'));
        if textual {
            if body.first() == Some(&b'{') {
                status(resp, body)?;
            }
            return Err(decode(format!("expected binary media, got {}", describe_body(resp))));
        }
        sniff(&resp.body).to_string()
    } else {
        declared.to_string()
    };
    Ok(Media { content_type, data: resp.body.clone() })
}

/// Pipe-separated text (INFO inforecording): one row per non-empty line,
/// one field per `|`, a trailing empty field dropped. Empty: `not-found`;
/// HTML: `decode`.
pub fn decode_rows(resp: &Response) -> Result<Vec<Vec<String>>> {
    let body = checked(resp)?;
    if body.is_empty() {
        return Err(Error::NotFound(EMPTY.into()));
    }
    if body.first() == Some(&b'<') {
        return Err(decode(format!("expected pipe-separated text, got {}", describe_body(resp))));
    }
    let text = String::from_utf8_lossy(body);
    let mut budget = json::Budget::new();
    let mut rows = Vec::new();
    // `split('\n')`, not `lines()`: `split_pipes` drops the `\r` itself.
    for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
        rows.push(split_pipes(line, &mut budget)?);
    }
    Ok(rows)
}

/// One line's fields, each taken from `budget` (a body of 16 MiB of `|`
/// is 16M empty strings: 192 MB of `String`s without it).
fn split_pipes(line: &str, budget: &mut json::Budget) -> Result<Vec<String>> {
    let line = line.trim_end_matches('\r');
    let line = line.strip_suffix('|').unwrap_or(line);
    budget.item::<Vec<String>>(0, 1)?;
    let mut fields = Vec::new();
    for field in line.split('|') {
        budget.item::<String>(field.len(), 1)?;
        fields.push(field.to_string());
    }
    Ok(fields)
}

/// The members of the JSON object `body` in body order, or `None` when
/// `body` is not exactly one JSON object. With `keep`, only the values of
/// those names are kept (the others are checked and skipped: `None`).
///
/// Parsed through `deserialize_any` with a visitor that answers every other
/// JSON type itself (with `None`): typed deserialization would bring serde's
/// "invalid type" messages, and with them float formatting, into the
/// component.
fn object_members(body: &[u8], keep: Option<&[&str]>) -> Option<Members> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let members = ObjectMembers { keep }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    members
}

/// Names and values of an object's members, in body order.
type Members = Vec<(String, Option<Value>)>;

/// The visitor of [`object_members`]: `Some` for an object, `None` for
/// anything else.
struct ObjectMembers<'k> {
    keep: Option<&'k [&'k str]>,
}

type Visited<E> = core::result::Result<Option<Members>, E>;

impl<'de> DeserializeSeed<'de> for ObjectMembers<'_> {
    type Value = Option<Members>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Visited<D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectMembers<'_> {
    type Value = Option<Members>;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Visited<A::Error> {
        let mut out = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = match self.keep {
                Some(keep) if !keep.contains(&name.as_str()) => {
                    map.next_value::<IgnoredAny>()?;
                    None
                }
                // Each kept value's tree within the cap: a larger one is
                // the string `(too large)` (a status member is a word).
                _ => {
                    let mut left = json::TREE_CAP;
                    let value = map.next_value_seed(json::Bounded(&mut left))?;
                    Some(value.unwrap_or_else(|| Value::String("(too large)".into())))
                }
            };
            out.push((name, value));
        }
        Ok(Some(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Visited<A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Visited<E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Visited<E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Visited<E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Visited<E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Visited<E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Visited<E> {
        Ok(None)
    }
}

/// A count sent as a number or as a string of digits.
fn count(value: &Value) -> Option<u32> {
    let number = match value {
        Value::Number(number) => number.as_u64()?,
        Value::String(digits) => digits.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    u32::try_from(number).ok()
}

/// COUNTPEERS: `{"<node>":"<n>",...,"total":n}`, nodes in body order.
/// Empty: `not-found`; `Response: Error`: `provider`; anything else that
/// is not an object of counts: `decode`.
pub fn decode_peer_counts(resp: &Response) -> Result<PeerCounts> {
    let body = checked(resp)?;
    if body.is_empty() {
        return Err(Error::NotFound(EMPTY.into()));
    }
    // Every member is kept: all of them within the cap of one tree.
    if json::parse_bounded(body) == Err(json::Unparsed::TooBig) {
        return Err(json::too_large());
    }
    let members = object_members(body, None).ok_or_else(|| not_json(resp))?;
    let member = |name: &str| members.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_ref());
    if let Some(Value::String(r)) = member("Response") {
        if r.eq_ignore_ascii_case("error") {
            return Err(refusal(resp.status, member("Message").and_then(json::text)));
        }
    }
    let mut nodes = Vec::new();
    let mut total = None;
    for (name, v) in &members {
        let n = v
            .as_ref()
            .and_then(count)
            .ok_or_else(|| decode(format!("COUNTPEERS: {} is not a count", excerpt(name))))?;
        if name == "total" {
            total = Some(n);
        } else {
            nodes.push((name.clone(), n));
        }
    }
    let total = total.unwrap_or_else(|| nodes.iter().fold(0u32, |a, (_, n)| a.saturating_add(*n)));
    Ok(PeerCounts { nodes, total })
}

/// DIAL: JSON `{"Response":"Success","Message":...,"ID":...}` or plain
/// `Success|<message>|<id>|`. `Response: Error` / `Error|<message>|` is
/// `provider` (status 200, no code); empty is `not-found`.
pub fn decode_dial(resp: &Response) -> Result<DialResult> {
    let body = checked(resp)?;
    if body.is_empty() {
        return Err(Error::NotFound(EMPTY.into()));
    }
    let (id, message) = if body.first() == Some(&b'{') {
        let answer = status(resp, body)?;
        (answer.id.as_ref().and_then(json::text), answer.message.as_ref().and_then(json::text))
    } else {
        let plain = String::from_utf8_lossy(body);
        // The first line (a `\r` before its `\n` ends up in a trimmed field).
        let fields: Vec<&str> = plain.split('\n').next().unwrap_or("").split('|').collect();
        let field = |i: usize| fields.get(i).map(|f| f.trim().to_string());
        match fields.first().map(|f| f.trim()) {
            Some(outcome) if outcome.eq_ignore_ascii_case("success") => (field(2), field(1)),
            Some(outcome) if outcome.eq_ignore_ascii_case("error") => return Err(refusal(resp.status, field(1))),
            _ => return Err(not_json(resp)),
        }
    };
    match id.filter(|i| !i.is_empty()) {
        Some(id) => Ok(DialResult { id, message: message.unwrap_or_default() }),
        None => Err(decode("DIAL answered without an originate ID")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::example;

    fn resp(status: u16, ct: &str, body: &[u8]) -> Response {
        Response { status, headers: vec![("content-type".into(), ct.as_bytes().to_vec())], body: body.to_vec() }
    }

    fn ok(body: &str) -> Response {
        resp(200, "application/json", body.as_bytes())
    }

    #[test]
    fn too_bad_is_unauthorized_whatever_the_type() {
        for ct in ["application/json", "text/html", "audio/mpeg", ""] {
            let r = resp(200, ct, example("tring.too-bad").as_bytes());
            assert!(matches!(decode_json(&r, Shape::Rows), Err(Error::Unauthorized(ref m)) if m == BAD_KEY));
            assert!(matches!(decode_json(&r, Shape::Text), Err(Error::Unauthorized(_))));
            assert!(matches!(decode_media(&r), Err(Error::Unauthorized(_))));
            assert!(matches!(decode_rows(&r), Err(Error::Unauthorized(_))));
            assert!(matches!(decode_peer_counts(&r), Err(Error::Unauthorized(_))));
            assert!(matches!(decode_dial(&r), Err(Error::Unauthorized(_))));
        }
        assert!(is_bad_key(b"TOO BAD... wrong API KEY"));
        assert!(!is_bad_key(b"too bad"));
    }

    #[test]
    fn empty_bodies_depend_on_the_shape() {
        assert_eq!(decode_json(&ok(""), Shape::Rows).unwrap(), "[]");
        assert_eq!(decode_json(&ok(" \r\n"), Shape::Rows).unwrap(), "[]");
        assert_eq!(decode_json(&ok(""), Shape::Text).unwrap(), "");
        assert!(matches!(decode_json(&ok(""), Shape::One), Err(Error::NotFound(_))));
        assert!(matches!(decode_media(&resp(200, "text/html", b"")), Err(Error::NotFound(_))));
        assert!(matches!(decode_rows(&ok("")), Err(Error::NotFound(_))));
        assert!(matches!(decode_peer_counts(&ok("")), Err(Error::NotFound(_))));
        assert!(matches!(decode_dial(&ok("")), Err(Error::NotFound(_))));
    }

    #[test]
    fn json_text_is_checked() {
        assert_eq!(decode_json(&ok(" [{\"a\":1}]\n"), Shape::Rows).unwrap(), "[{\"a\":1}]");
        assert_eq!(decode_json(&ok("{\"a\":{\"Response\":1}}"), Shape::One).unwrap(), "{\"a\":{\"Response\":1}}");
        assert_eq!(
            decode_json(&ok("{\"Response\":\"Success\",\"Message\":\"ok\"}"), Shape::One).unwrap(),
            "{\"Response\":\"Success\",\"Message\":\"ok\"}"
        );
        for bad in ["]", "<html></html>", "{\"a\":", "OK", "[1] 2"] {
            assert!(matches!(decode_json(&ok(bad), Shape::Rows), Err(Error::Decode(_))), "{bad}");
        }
        match decode_json(&ok("{\"Response\":\"Error\",\"Message\":\"Queue not found\"}"), Shape::One) {
            Err(Error::Provider(p)) => {
                assert_eq!((p.status, p.code, p.message.as_str()), (200, None, "Queue not found"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(decode_json(&ok("a,b\n1,2\n"), Shape::Text).unwrap(), "a,b\n1,2");
        match decode_json(&resp(500, "text/plain", b"boom"), Shape::Rows) {
            Err(Error::Provider(p)) => assert_eq!((p.status, p.message.as_str()), (500, "boom")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode_json(&resp(401, "text/plain", b"no"), Shape::Rows), Err(Error::Unauthorized(_))));
    }

    #[test]
    fn media_answers() {
        let m = decode_media(&resp(200, "audio/mpeg", b"ID3\x04data")).unwrap();
        assert_eq!((m.content_type.as_str(), m.data.as_slice()), ("audio/mpeg", &b"ID3\x04data"[..]));
        let m = decode_media(&Response { status: 200, headers: vec![], body: b"\x01\x02".to_vec() }).unwrap();
        assert_eq!(m.content_type, "application/octet-stream");
        let m = decode_media(&resp(200, "text/html; charset=UTF-8", b"RIFF\x10\0\0\0WAVEfmt ")).unwrap();
        assert_eq!(m.content_type, "audio/wav", "binary labelled as HTML is sniffed");
        assert!(matches!(decode_media(&resp(200, "text/html", b"<html>Not found</html>")), Err(Error::Decode(_))));
        assert!(matches!(
            decode_media(&resp(200, "application/json", b"{\"Response\":\"Error\",\"Message\":\"no file\"}")),
            Err(Error::Provider(ref p)) if p.message == "no file"
        ));
        assert_eq!(sniff(b"OggS"), "audio/ogg");
        assert_eq!(sniff(b"%PDF-1.7"), "application/pdf");
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90]), "audio/mpeg");
    }

    #[test]
    fn pipe_rows() {
        let rows =
            decode_rows(&resp(200, "text/html", b"1588|101|202|2024-01-02 10:00:00|\r\n\r\n1589|x||\n")).unwrap();
        assert_eq!(rows, vec![vec!["1588", "101", "202", "2024-01-02 10:00:00"], vec!["1589", "x", ""]]);
        assert!(matches!(decode_rows(&resp(200, "text/html", b"<html></html>")), Err(Error::Decode(_))));
    }

    #[test]
    fn peer_counts_keep_body_order_and_read_strings() {
        let p = decode_peer_counts(&ok("{\"zeta\":\"3\",\"alpha\":2,\"total\":\"5\"}")).unwrap();
        assert_eq!(p.nodes, vec![("zeta".to_string(), 3), ("alpha".to_string(), 2)]);
        assert_eq!(p.total, 5);
        let p = decode_peer_counts(&ok("{\"n1\":1,\"n2\":\"4\"}")).unwrap();
        assert_eq!(p.total, 5, "the sum when total is missing");
        for bad in ["[]", "]", "{\"n\":\"x\"}", "{\"n\":-1}", "{\"n\":1.5}", "{\"n\":4294967296}"] {
            assert!(matches!(decode_peer_counts(&ok(bad)), Err(Error::Decode(_))), "{bad}");
        }
        assert!(matches!(
            decode_peer_counts(&ok("{\"Response\":\"Error\",\"Message\":\"m\"}")),
            Err(Error::Provider(_))
        ));
    }

    #[test]
    fn status_members_edge_cases() {
        // A status member given twice is not a usable answer.
        assert!(matches!(
            decode_json(&ok("{\"Response\":\"Error\",\"Response\":\"x\"}"), Shape::One),
            Err(Error::Decode(_))
        ));
        assert!(matches!(decode_json(&ok("{\"Message\":null,\"Message\":\"m\"}"), Shape::One), Err(Error::Decode(_))));
        assert!(matches!(decode_dial(&ok("{\"ID\":\"1\",\"ID\":\"2\"}")), Err(Error::Decode(_))));
        // `null` members are absent; other members are only checked.
        assert_eq!(
            decode_json(&ok("{\"Response\":null,\"Message\":\"m\"}"), Shape::One).unwrap(),
            "{\"Response\":null,\"Message\":\"m\"}"
        );
        assert_eq!(
            decode_json(&ok("{\"a\":1e400,\"b\":[1,{\"c\":null}]}"), Shape::One).unwrap(),
            "{\"a\":1e400,\"b\":[1,{\"c\":null}]}"
        );
        match decode_json(&ok("{\"Response\":\"error\",\"Message\":null}"), Shape::One) {
            Err(Error::Provider(p)) => assert_eq!(p.message, "the server refused the request"),
            other => panic!("{other:?}"),
        }
        match decode_dial(&ok("{\"Response\":\"Success\",\"Message\":7,\"ID\":12}")) {
            Ok(d) => assert_eq!((d.id.as_str(), d.message.as_str()), ("12", "7")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode_peer_counts(&ok("{\"a\":1,\"a\":2}")), Ok(ref p) if p.total == 3));
        assert!(matches!(decode_peer_counts(&ok("\"x\"")), Err(Error::Decode(_))));
        assert!(matches!(decode_peer_counts(&ok("{\"a\":1} x")), Err(Error::Decode(_))));
    }

    #[test]
    fn dial_answers() {
        let d = decode_dial(&ok(
            "{\"Response\":\"Success\",\"Message\":\"Originate successfully queued\",\"ID\":\"15c5ec7352f0d7\"}",
        ))
        .unwrap();
        assert_eq!((d.id.as_str(), d.message.as_str()), ("15c5ec7352f0d7", "Originate successfully queued"));
        let d =
            decode_dial(&resp(200, "text/html", b"Success|Originate successfully queued|15a4cfe6429054|\n")).unwrap();
        assert_eq!((d.id.as_str(), d.message.as_str()), ("15a4cfe6429054", "Originate successfully queued"));
        match decode_dial(&ok("{\"Response\":\"Error\",\"Message\":\"Extension does not exist.\",\"ID\":\"\"}")) {
            Err(Error::Provider(p)) => {
                assert_eq!((p.status, p.code, p.message.as_str()), (200, None, "Extension does not exist."))
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(decode_dial(&ok("Error|No such extension|")), Err(Error::Provider(ref p)) if p.message == "No such extension")
        );
        assert!(matches!(decode_dial(&ok("{\"Response\":\"Success\"}")), Err(Error::Decode(_))));
        assert!(matches!(decode_dial(&ok("]")), Err(Error::Decode(_))));
        assert!(matches!(decode_dial(&ok("<html>")), Err(Error::Decode(_))));
    }
}

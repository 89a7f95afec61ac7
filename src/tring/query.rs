//! Building `proxyapi.php` requests: the checked config, the query in the
//! page's order, the input checks, and the bodies (form, multipart). Pure:
//! nothing here sends.

use crate::prelude::*;

use crate::bindings::exports::telephony::pbx::tring::Config;
use crate::error::Result;
use crate::http::{Method, Request};
use crate::url::{form_body, BaseUrl};
use crate::validate;

/// The API's path under `cfg.server`.
pub const PATH: &str = "/pbx/proxyapi.php";

/// The multipart boundary; a digit suffix is added while it occurs in the
/// uploaded bytes.
pub const BOUNDARY: &str = "pbx-tring-7c1e9b4a2f6d3e58";

/// What a value must look like before it is sent (each case is one
/// function of [`validate`]).
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Check {
    /// Numbers, extensions, names, channels, ids that are not database ids:
    /// [`validate::token`].
    Token,
    /// A database id: [`validate::digits`].
    Digits,
    /// Free text (messages, date/times, caller ids): [`validate::text`].
    Text,
    /// JSON text of an object or an array: [`validate::json_container`].
    Json,
    /// A fixed or generated value (an action, an enum value, a number).
    Fixed,
}

/// Checks one input value; the error names `field`.
pub fn check(field: &str, value: &str, check: Check) -> Result<()> {
    match check {
        Check::Fixed => Ok(()),
        Check::Digits => validate::digits(field, value),
        Check::Token => validate::token(field, value),
        Check::Text => validate::text(field, value),
        Check::Json => validate::json_container(field, value),
    }
}

/// The WIT name an `invalid-input` error gives for a parameter.
#[derive(Clone, Copy)]
pub enum Field {
    /// The query name: the function's parameter has the same name.
    Query,
    /// Another name: a record member (`filter.id`, see `member!`), a
    /// parameter named unlike the query, a variant.
    Named(&'static str),
}

/// One query parameter: its name, its value (left out when `None`), the
/// check it gets, and the WIT field an error names.
#[derive(Clone, Copy)]
pub struct Param<'a> {
    /// The query parameter's name.
    pub name: &'static str,
    /// Its value; `None` leaves the parameter out.
    pub value: Option<&'a str>,
    /// What the value must look like.
    pub check: Check,
    /// What an error calls it.
    pub field: Field,
}

impl<'a> Param<'a> {
    /// A value sent when given, checked; errors name `name`.
    pub fn optional(name: &'static str, value: Option<&'a str>, check: Check) -> Param<'a> {
        Param { name, value, check, field: Field::Query }
    }

    /// A value that is always sent, checked; errors name `name`.
    pub fn required(name: &'static str, value: &'a str, check: Check) -> Param<'a> {
        Param::optional(name, Some(value), check)
    }

    /// A fixed value (an action, an enum value): no check.
    pub fn fixed(name: &'static str, value: &'a str) -> Param<'a> {
        Param::optional(name, Some(value), Check::Fixed)
    }

    /// `name=<on>` when `value` is `Some(true)`; left out otherwise.
    pub fn flag(name: &'static str, value: Option<bool>, on: &'static str) -> Param<'static> {
        Param::optional(name, (value == Some(true)).then_some(on), Check::Fixed)
    }

    /// The same parameter, with errors naming `field`.
    pub fn named(self, field: &'static str) -> Param<'a> {
        Param { field: Field::Named(field), ..self }
    }
}

/// What a record member holds: a string that is always sent, or an
/// optional one.
pub trait MemberValue {
    /// The value to send, if any.
    fn as_param(&self) -> Option<&str>;
}

impl MemberValue for String {
    fn as_param(&self) -> Option<&str> {
        Some(self)
    }
}

impl MemberValue for Option<String> {
    fn as_param(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// `member!(filter.id, Token)`: the member `id` of the record parameter
/// `filter`, sent as the query parameter `id` (left out when `None`) and
/// checked with `Token`; its errors name the WIT field `filter.id`. Both
/// names come from the expression, so the Rust parameter and member are
/// named as in WIT. The field name is joined at compile time (`concat!`),
/// which costs nothing in the component, unlike a prefix joined at run time
/// (about 300 bytes measured).
macro_rules! member {
    ($record:ident . $member:ident, $check:expr) => {
        $crate::tring::query::Param {
            name: stringify!($member),
            value: $crate::tring::query::MemberValue::as_param(&$record.$member),
            check: $check,
            field: $crate::tring::query::Field::Named(concat!(stringify!($record), ".", stringify!($member))),
        }
    };
}
pub(crate) use member;

/// What a GET asks the server to answer with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// JSON: `format=json` last.
    Json,
    /// No `format` (binary answers, pipe-separated text).
    Raw,
}

impl Answer {
    /// The request's ending.
    pub fn tail(self) -> Tail<'static> {
        match self {
            Answer::Json => JSON,
            Answer::Raw => Tail::Raw,
        }
    }
}

/// How a request ends: `format`, method and body.
#[derive(Clone, Copy)]
pub enum Tail<'a> {
    /// `GET`, `format=<format>` last (`json` for JSON answers).
    Get(&'static str),
    /// `GET` without `format` (binary and pipe-separated answers).
    Raw,
    /// `POST`, `format=json` last, form body `<field>=<JSON text>`; the JSON
    /// is checked (errors name the field).
    Form(&'static str, &'a str),
    /// `POST`, `format=json` last, multipart body with the file field
    /// `filename`: (file name, media type, bytes), already checked.
    File(&'a str, &'a str, &'a [u8]),
}

/// `GET` with `format=json`.
pub const JSON: Tail<'static> = Tail::Get("json");

/// Checks `cfg` and every parameter, then builds the request:
/// `<server>/pbx/proxyapi.php?key=..&tenant=..&reqtype=..&<params>[&format=..]`.
pub fn build(cfg: &Config, reqtype: &'static str, params: &[Param<'_>], tail: Tail<'_>) -> Result<Request> {
    validate::non_empty("cfg.api-key", &cfg.api_key)?;
    validate::no_controls("cfg.api-key", &cfg.api_key)?;
    validate::secret_len("cfg.api-key", &cfg.api_key)?;
    let base = BaseUrl::parse("cfg.server", &cfg.server, true)?;
    let timeout_ms = validate::timeout_ms("cfg.timeout-ms", cfg.timeout_ms)?;
    let max_body = validate::max_body_bytes("cfg.max-body-bytes", cfg.max_body_bytes)?;
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(params.len() + 4);
    pairs.push(("key", &cfg.api_key));
    if let Some(tenant) = &cfg.tenant {
        check("cfg.tenant", tenant, Check::Token)?;
        pairs.push(("tenant", tenant));
    }
    pairs.push(("reqtype", reqtype));
    for param in params {
        if let Some(value) = param.value {
            check(if let Field::Named(field) = param.field { field } else { param.name }, value, param.check)?;
            pairs.push((param.name, value));
        }
    }
    let (method, format) = match tail {
        Tail::Get(format) => (Method::Get, Some(format)),
        Tail::Raw => (Method::Get, None),
        Tail::Form(field, json) => {
            check(field, json, Check::Json)?;
            (Method::Post, Some("json"))
        }
        Tail::File(..) => (Method::Post, Some("json")),
    };
    if let Some(format) = format {
        pairs.push(("format", format));
    }
    crate::url::check_target(PATH, &pairs)?;
    let acts = acts(reqtype, params);
    let req = Request::new(method, base.target(PATH, &pairs), timeout_ms).max_body(max_body).acts(acts);
    Ok(match tail {
        Tail::Form(field, json) => req.body("application/x-www-form-urlencoded", form_body(&[(field, json)])),
        Tail::File(name, content_type, data) => {
            let (ct, body) = multipart(name, content_type, data);
            req.body(&ct, body)
        }
        _ => req,
    })
}

/// Whether a request may act at the PBX: TRiNG sends `DIAL`, `HANGUP`,
/// `TRANSFER` and the rest as `GET`s, so the method does not tell. Only the
/// reqtypes that read (and MANAGEDB's reading actions) are reads; anything
/// else, including reqtypes that read or write by their parameters
/// (PHONEBOOK, QUEUE, VOICEMAIL), counts as acting, so a lost answer is
/// `outcome-unknown` rather than a promise that nothing was done.
pub fn acts(reqtype: &str, params: &[Param<'_>]) -> bool {
    const READS: [&str; 12] = [
        "INFO",
        "PEERS",
        "COUNTPEERS",
        "COUNTCALLS",
        "COUNTCHANNELS",
        "CHANNELS",
        "CHANNEL",
        "BLFS",
        "FLOWS",
        "CHECKAUTH",
        "GETWEBRTCAUTH",
        "MEDIAFILE",
    ];
    const MANAGEDB_READS: [&str; 6] = ["list", "get", "getbinary", "getextensions", "listtenants", "listroutes"];
    if reqtype == "MANAGEDB" {
        let action = params.iter().find(|p| p.name == "action").and_then(|p| p.value);
        return !action.is_some_and(|a| MANAGEDB_READS.contains(&a));
    }
    !READS.contains(&reqtype)
}

/// A `multipart/form-data` body with one file field, `filename`; returns
/// the Content-Type (with its boundary) and the bytes. The boundary is
/// [`BOUNDARY`], with a number appended while it occurs in `data`.
pub fn multipart(file_name: &str, content_type: &str, data: &[u8]) -> (String, Vec<u8>) {
    let mut boundary = BOUNDARY.to_string();
    let mut n = 0u32;
    while data.windows(boundary.len()).any(|w| w == boundary.as_bytes()) {
        n += 1;
        boundary = BOUNDARY.to_string() + &n.to_string();
    }
    let mut body = Vec::with_capacity(data.len() + 256);
    for part in [
        "--",
        &boundary,
        "\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"",
        file_name,
        "\"\r\nContent-Type: ",
        content_type,
        "\r\n\r\n",
    ] {
        body.extend_from_slice(part.as_bytes());
    }
    body.extend_from_slice(data);
    for part in ["\r\n--", &boundary, "--\r\n"] {
        body.extend_from_slice(part.as_bytes());
    }
    ("multipart/form-data; boundary=".to_string() + &boundary, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn cfg() -> Config {
        Config {
            server: "pbx.example.com".into(),
            api_key: "K&1".into(),
            tenant: Some("DEMO".into()),
            timeout_ms: None,
            max_body_bytes: None,
        }
    }

    fn field<T: core::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Err(Error::InvalidInput(f)) => f.field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_order_and_encoding() {
        let params = [
            Param::fixed("info", "cdrs"),
            Param::optional("id", None, Check::Token),
            Param::required("start", "2024-01-01 00:00", Check::Text),
        ];
        let r = build(&cfg(), "INFO", &params, JSON).unwrap();
        assert_eq!(
            r.target.to_url(),
            "https://pbx.example.com/pbx/proxyapi.php?key=K%261&tenant=DEMO&reqtype=INFO&info=cdrs&start=2024-01-01%2000%3A00&format=json"
        );
        assert_eq!(r.method, Method::Get);
        assert!(r.body.is_none());
        let mut c = cfg();
        c.tenant = None;
        c.server = "http://127.0.0.1:8080/x/".into();
        let params =
            [Param::fixed("n", "7"), Param::flag("a", Some(true), "yes"), Param::flag("b", Some(false), "yes")];
        let r = build(&c, "PEERS", &params, Tail::Raw).unwrap();
        assert_eq!(r.target.to_url(), "http://127.0.0.1:8080/x/pbx/proxyapi.php?key=K%261&reqtype=PEERS&n=7&a=yes");
        let r = build(&c, "X", &[], Tail::Form("values", "{\"a\":\"b c\"}")).unwrap();
        assert_eq!(
            (r.method, r.target.path_and_query.as_str()),
            (Method::Post, "/x/pbx/proxyapi.php?key=K%261&reqtype=X&format=json")
        );
        let body = r.body.unwrap();
        assert_eq!(
            (body.content_type.as_str(), body.bytes.as_slice()),
            ("application/x-www-form-urlencoded", &b"values=%7B%22a%22%3A%22b+c%22%7D"[..])
        );
        assert_eq!(field(build(&c, "X", &[], Tail::Form("values", "nope"))), "values");
        struct Req {
            id: String,
            server: Option<String>,
        }
        let req = Req { id: "x".into(), server: None };
        assert_eq!(
            field(build(&c, "X", &[member!(req.id, Check::Digits), member!(req.server, Check::Token)], JSON)),
            "req.id"
        );
        let req = Req { id: "7".into(), server: Some("a b".into()) };
        assert_eq!(
            field(build(&c, "X", &[member!(req.id, Check::Digits), member!(req.server, Check::Token)], JSON)),
            "req.server"
        );
        let req = Req { id: "7".into(), server: None };
        let r = build(&c, "X", &[member!(req.id, Check::Digits), member!(req.server, Check::Token)], JSON).unwrap();
        assert_eq!(r.target.path_and_query, "/x/pbx/proxyapi.php?key=K%261&reqtype=X&id=7&format=json");
        assert_eq!(field(build(&c, "X", &[Param::required("id", "x", Check::Digits).named("queue")], JSON)), "queue");
        assert_eq!(field(build(&c, "X", &[Param::required("id", "x", Check::Digits)], JSON)), "id");
    }

    #[test]
    fn config_checks() {
        let with = |f: &dyn Fn(&mut Config)| {
            let mut c = cfg();
            f(&mut c);
            field(build(&c, "PEERS", &[], JSON))
        };
        assert_eq!(with(&|c| c.api_key = String::new()), "cfg.api-key");
        assert_eq!(with(&|c| c.api_key = "k\r\n".into()), "cfg.api-key");
        assert_eq!(with(&|c| c.server = "ftp://x".into()), "cfg.server");
        assert_eq!(with(&|c| c.server = String::new()), "cfg.server");
        assert_eq!(with(&|c| c.tenant = Some(String::new())), "cfg.tenant");
        assert_eq!(with(&|c| c.tenant = Some("a b".into())), "cfg.tenant");
        assert_eq!(with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms");
        let mut c = cfg();
        c.tenant = Some("%".into());
        assert!(build(&c, "INFO", &[], JSON).is_ok(), "the CDR wildcard is a tenant");
    }

    #[test]
    fn value_checks() {
        for (value, kind, ok) in [
            ("101", Check::Token, true),
            ("SIP/101-DEVEL-0000a1", Check::Token, true),
            ("", Check::Token, false),
            ("1 2", Check::Token, false),
            ("1\n", Check::Token, false),
            ("12", Check::Digits, true),
            ("12a", Check::Digits, false),
            ("hi there\nline 2", Check::Text, true),
            ("  ", Check::Text, false),
            ("a\0b", Check::Text, false),
            ("{\"a\":1}", Check::Json, true),
            ("[{\"a\":1}]", Check::Json, true),
            ("\"x\"", Check::Json, false),
            ("{\"a\":", Check::Json, false),
        ] {
            assert_eq!(check("f", value, kind).is_ok(), ok, "{value:?} {kind:?}");
        }
    }

    #[test]
    fn multipart_is_exact_and_its_boundary_is_absent() {
        let (ct, body) = multipart("fax.pdf", "application/pdf", b"%PDF-1.4 x");
        assert_eq!(ct, format!("multipart/form-data; boundary={BOUNDARY}"));
        let expected = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--{BOUNDARY}--\r\n"
        );
        assert_eq!(body, expected.as_bytes());
        let tricky = format!("a{BOUNDARY}b{BOUNDARY}1c");
        let (ct, body) = multipart("f", "application/pdf", tricky.as_bytes());
        assert_eq!(ct, format!("multipart/form-data; boundary={BOUNDARY}2"));
        assert!(body.starts_with(format!("--{BOUNDARY}2\r\n").as_bytes()));
    }
}

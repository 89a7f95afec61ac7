//! The random input framework: the seeded generator ([`Rng`]), hostile
//! string pieces, [`Gen`] and the [`Arb`] values of every argument type,
//! edge date-times and the provider configs.

use super::prelude::*;

/// Inputs per decoder and per exported function in a default run.
pub const DEFAULT_ITERATIONS: usize = 400;

pub fn iterations() -> usize {
    std::env::var("PBX_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_ITERATIONS)
}

pub fn seed() -> u64 {
    std::env::var("PBX_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_1234_abcd_ef01)
}

/// xorshift64* (Vigna): enough for test inputs, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with `percent` % probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of hostile strings: separators and escapes of every format the
/// requests use, control characters, non-ASCII, and valid values (so that
/// some inputs pass validation). `INJ` marks what must never become a
/// parameter, member or header of its own.
pub const PIECES: &[&str] = &[
    "",
    " ",
    "a",
    "0",
    "1",
    "42",
    "123",
    "380671112233",
    "+380671112233",
    "manager1",
    "SIP/101-DEVEL-00000a",
    "@me",
    "2024-01-02 03:04:05",
    "&INJ=1",
    "?INJ=1",
    "#INJ",
    "=",
    "&",
    "%",
    "%00",
    "%0d%0aINJ: 1",
    "\r\nINJ: 1",
    "\n",
    "\r",
    "\0",
    "\t",
    "é",
    "😀",
    "\u{202e}",
    "\u{feff}",
    "\u{7f}",
    "\"",
    "\\",
    "/",
    "../",
    "./",
    "..",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "'",
    ";",
    ",",
    "+",
    "INJ",
    "{\"INJ\":1}",
    "[1,2]",
    "{}",
    "null",
    "-1",
    "99999999999999999999",
    "\",\"INJ\":\"",
    "Content-Type: INJ",
    "--pbx-tring-7c1e9b4a2f6d3e58",
    "\r\n\r\nINJ",
    "uniqueid=INJ",
    "calldate asc",
    "2024-02-29 23:59:59",
    "9999-12-31 23:59:59",
    "0000-01-01 00:00:00",
    "user@example.com",
    "DEVEL",
    "%2e%2e",
    "a b",
    "*",
    "#",
    "10.0.0.1",
    "::1",
];

/// Values that pass the input checks of many arguments.
pub const VALID: &[&str] = &[
    "1",
    "42",
    "1234567",
    "380671112233",
    "+380671112233",
    "manager1",
    "DEVEL",
    "2024-01-02 03:04:05",
    "@me",
    "{\"a\":1}",
    "[1]",
    "SIP/101-DEVEL-00000a",
    "10.0.0.1",
];

/// Example answers of the three providers, for mutation.
pub const SEEDS: &[&str] = &[
    r#"["a","b"]"#,
    "[]",
    r#"{"jsonrpc":"2.0","id":1,"result":{"ok":true}}"#,
    r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32602,"message":"Invalid"}}"#,
    r#"{"error":"Forbidden number"}"#,
    r#"{"status":"ok"}"#,
    r#"{"Response":"Error","Message":"no such peer"}"#,
    r#"{"Response":"Success","Message":"Originate successfully queued","ID":"1700000000.123"}"#,
    "Too bad... you mistaken the security api key.",
    r#"{"total":"3","node1":2,"node2":"1"}"#,
    "1|2024-01-01 10:00:00|101|/rec/a.wav\n2|x|y|z",
    r#"[{"id":1,"name":"x"}]"#,
    r#"{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":"all"}"#,
    r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
    r#"{"id":7,"name":"c","extension_len":"3","record_stereo":true,"dial_rule_id":null}"#,
    r#"[{"id":1,"name":"101","status":"active","type":"phone","label":"x"}]"#,
    r#"{"call_api_id":"abc","call_id":null}"#,
    r#"{"page":1,"per_page":2,"order":"desc","call_history":[{"call_uuid":"u","duration":"12","extension_id":5}]}"#,
    r#"{"message":"Record not found"}"#,
    concat!(
        r#"[{"calldate":"2024-05-01 10:00:00","caller":"380671112233","dst":"380441112233","#,
        r#""disposition":"ANSWERED","duration":"57","billsec":42,"call_type":"in","uniqueid":"1714550400.12","#,
        r#""utm_term":null}]"#
    ),
    r#"[{"extension":"101","state":"NOT_INUSE"},{"extension":102,"state":"inuse "},{"state":"BUSY"}]"#,
    concat!(
        r#"[{"uniqueid":"1.2","calldate":"2024-05-01 10:00:00","src":"101","dst":"380","duration":"10","#,
        r#""billsec":"5","disposition":"NO ANSWER","direction":"out"}]"#
    ),
    r#"[{"id":3,"name":"0001*101@d.example","status":"blocked","type":"phone"},{"id":4,"name":null,"type":"fax"}]"#,
    concat!(
        r#"{"page":1,"per_page":100,"call_history":[{"call_uuid":"u","flow":"in","result":"bridged","#,
        r#""start_time_gmt":"2024-05-01 10:00:00","bridged_duration":"3"}]}"#
    ),
    "<html><body>502</body></html>",
    "%PDF-1.4\n%\u{e2}\u{e3}",
    "RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ",
    "",
];

pub const STATUSES: &[u16] =
    &[200, 200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 408, 429, 500, 502, 503];

pub const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "text/html",
    "audio/wav",
    "application/pdf",
    "application/octet-stream",
    "",
    "json",
    "text/csv",
];

/// A generator of inputs: hostile strings, values of every argument type,
/// and secrets (remembered, to look for them in errors).
pub struct Gen {
    pub rng: Rng,
    pub secrets: Vec<String>,
}

impl Gen {
    pub fn string(&mut self) -> String {
        if self.rng.chance(45) {
            return self.rng.pick(VALID).to_string();
        }
        let mut s = String::new();
        for _ in 0..=self.rng.below(3) {
            s.push_str(self.rng.pick::<&str>(PIECES));
        }
        if self.rng.chance(3) {
            s.push_str(&"x".repeat(self.rng.below(400)));
        }
        s
    }

    /// A secret that passes validation (no control characters), with a
    /// character that every encoding changes at least every fourth place
    /// (so no 8-character run survives an encoding and only the redaction
    /// of the encoded forms can remove it); remembered for the checks.
    pub fn secret(&mut self) -> String {
        const SPECIAL: &[&str] = &[" ", "+", "/", "é", "\"", "&", "%", "😀", "Ж", "=", "\\", "#", "ü"];
        let mut s = String::from("S");
        for _ in 0..4 + self.rng.below(6) {
            for _ in 0..1 + self.rng.below(3) {
                s.push(*self.rng.pick(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~") as char);
            }
            s.push_str(self.rng.pick::<&str>(SPECIAL));
        }
        self.secrets.push(s.clone());
        s
    }

    pub fn arb<A: Arb>(&mut self) -> A {
        A::arb(self)
    }

    pub fn base(&mut self) -> String {
        match self.rng.below(10) {
            // A hostile base URL (its path is the caller's, so no `INJ`).
            0 => self.string().replace("INJ", "x"),
            1 => "https://h.example/p%20x/".into(),
            2 => "http://[::1]:8080".into(),
            _ => "http://h.example".into(),
        }
    }
}

/// A random value of an argument type.
pub trait Arb {
    fn arb(g: &mut Gen) -> Self;
}

impl Arb for String {
    fn arb(g: &mut Gen) -> String {
        g.string()
    }
}

impl<T: Arb> Arb for Option<T> {
    fn arb(g: &mut Gen) -> Option<T> {
        if g.rng.chance(35) {
            None
        } else {
            Some(T::arb(g))
        }
    }
}

impl<T: Arb> Arb for Vec<T> {
    fn arb(g: &mut Gen) -> Vec<T> {
        (0..g.rng.below(4)).map(|_| T::arb(g)).collect()
    }
}

impl Arb for u8 {
    fn arb(g: &mut Gen) -> u8 {
        g.rng.next() as u8
    }
}

impl Arb for bool {
    fn arb(g: &mut Gen) -> bool {
        g.rng.chance(50)
    }
}

impl Arb for u32 {
    fn arb(g: &mut Gen) -> u32 {
        let any = g.rng.next() as u32;
        *g.rng.pick(&[0, 1, 2, 60, 3600, u32::MAX, any])
    }
}

impl Arb for i64 {
    fn arb(g: &mut Gen) -> i64 {
        let any = g.rng.next() as i64;
        *g.rng.pick(&[-1, 0, 1, 42, i64::MAX, i64::MIN, any])
    }
}

/// Records: every field random.
macro_rules! arb_record {
    ($($t:path { $($f:ident),* $(,)? })*) => {$(
        impl Arb for $t {
            fn arb(g: &mut Gen) -> $t {
                $t { $($f: g.arb()),* }
            }
        }
    )*};
}

/// Enums: one of the listed cases.
macro_rules! arb_enum {
    ($($t:ident: $($c:ident),*;)*) => {$(
        impl Arb for $t {
            fn arb(g: &mut Gen) -> $t {
                *g.rng.pick(&[$($t::$c),*])
            }
        }
    )*};
}

arb_record! {
    DialRequest {
        source, dest, var, account, dial_timeout, timeout, source_clid, dest_clid, recording, server, auto_answer,
        no_follow
    }
    QueueLogEntry { uniqid, extension, event, data1, data2, data3, data4, data5 }
    FaxRequest {
        source_number, dest_number, pdf, quality, page_size, rotate, delete_after_send, schedule, status_email
    }
    CdrFilter { id, uniqueid, linkedid, src, firstdst, direction, phone, template, start, end, format }
    SimplecdrFilter {
        id, uniqueid, calleridnum, calleridname, disposition, direction, whoanswered, phone, start, end, format
    }
    Media { content_type, data }
    ClientUpdate {
        dial_rule_id, disk_space_notify_email, disk_space_notify_threshold, geo_list, hold_music,
        sip_network_permission_id, timezone, clear
    }
    CallbackRequest { src_num, dst_num }
    CallHistoryQuery { start_datetime, end_datetime, page, per_page }
    ExtendedCallbackRequest {
        project_id, caller, callee, callee_type, caller_type, direction, manager_first, client_ip, utm_source,
        utm_medium, utm_campaign, utm_term, utm_content, client_id, client_user_agent
    }
}

arb_enum! {
    RecordingMode: Yes, No, Yeschange, Nochange;
    AgentType: Nf, Ad, Cuff;
    FlowState: Inuse, NotInuse, Unavailable, Ringing;
    FaxQuality: Normal, Fine, Superfine;
    FaxPageSize: A4, Letter, Legal;
    FaxRotate: Auto, East, West, No;
    CdrFormat: Json, Csv, Xml;
    SimplecdrFormat: Json, Csv;
    ResponsepathFilter: Queue, Answer, Uniqueid;
    ManagedbObject: Tenant, Custom, Customtype, Phone, Mediafile, Huntlist, Extension, Provider, Did, User, Conference,
        Routingprofile, Route, Destination;
    PartyType: Default, Scheme;
    ClientField: DiskSpaceNotifyEmail, DiskSpaceNotifyThreshold, GeoList, HoldMusic, SipNetworkPermissionId;
    CallDirection: Inbound, Outbound;
    CallOrder: OldestFirst, NewestFirst;
}

impl Arb for QueueRef {
    fn arb(g: &mut Gen) -> QueueRef {
        if g.rng.chance(50) {
            QueueRef::Id(g.string())
        } else {
            QueueRef::Number(g.string())
        }
    }
}

/// Edge date-times: the ends of the years the format holds, leap days (real
/// and not), and fields one past their range.
pub const EDGE_DATETIMES: &[&str] = &[
    "0000-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "1970-01-01 00:00:00",
    "1969-12-31 23:59:59",
    "2024-02-29 23:59:59",
    "2000-02-29 00:00:00",
    "1900-02-29 00:00:00",
    "2023-02-29 00:00:00",
    "2024-04-31 00:00:00",
    "2024-12-31 24:00:00",
    "2024-05-01 10:60:00",
    "2024-05-01 10:00:60",
    "2024-00-01 00:00:00",
    "2024-13-01 00:00:00",
    "2024-05-00 00:00:00",
    "2024-05-01T10:00:00",
    "2024-05-01 10:00:00Z",
    "2024-05-01  10:00:0",
    "-024-05-01 10:00:00",
    "２024-05-01 10:00:00",
];

impl Gen {
    /// A date-time string: mostly a real `YYYY-MM-DD HH:MM:SS`, else an
    /// edge, a valid one with one or two bytes changed, or a hostile string.
    pub fn datetime(&mut self) -> String {
        match self.rng.below(10) {
            0 => self.string(),
            1 => self.rng.pick(EDGE_DATETIMES).to_string(),
            2 => {
                let mut b = self.valid_datetime().into_bytes();
                for _ in 0..1 + self.rng.below(2) {
                    let i = self.rng.below(b.len());
                    b[i] = *self.rng.pick(b"0123456789 -:+./\0\r\nT9");
                }
                String::from_utf8(b).unwrap_or_default()
            }
            _ => self.valid_datetime(),
        }
    }

    pub fn valid_datetime(&mut self) -> String {
        let lo = crate::datetime::parse("f", "0000-01-01 00:00:00").unwrap_or(0);
        let hi = crate::datetime::parse("f", "9999-12-31 23:59:59").unwrap_or(0);
        let t = lo + (self.rng.next() % (hi - lo + 1) as u64) as i64;
        crate::datetime::format(t)
    }

    /// `from` a date-time, `to` mostly a little after it (so that many
    /// queries pass the checks), else another date-time.
    pub fn range(&mut self) -> (String, String) {
        let from = self.datetime();
        let to = match crate::datetime::parse("f", &from) {
            Ok(t) if self.rng.chance(75) => {
                let span = *self.rng.pick(&[0i64, 1, 59, 3600, 86_399, 86_400 * 31, 86_400 * 3660, -1]);
                let t = (t + span).min(crate::datetime::parse("f", "9999-12-31 23:59:59").unwrap_or(t));
                crate::datetime::format(t)
            }
            _ => self.datetime(),
        };
        (from, to)
    }
}

impl Arb for CallLogExportQuery {
    fn arb(g: &mut Gen) -> CallLogExportQuery {
        let (from, to) = g.range();
        let fields = if g.rng.chance(50) {
            Vec::new()
        } else {
            const NAMES: &[&str] = &["calldate", "uniqueid", "utm_term", "department", "x_1"];
            (0..1 + g.rng.below(3))
                .map(|_| if g.rng.chance(70) { g.rng.pick(NAMES).to_string() } else { g.string() })
                .collect()
        };
        CallLogExportQuery { from, to, fields, filters: g.arb(), order: g.arb() }
    }
}

impl Arb for CallLogQuery {
    fn arb(g: &mut Gen) -> CallLogQuery {
        let (from, to) = g.range();
        let call_id = if g.rng.chance(50) {
            None
        } else {
            Some(if g.rng.chance(50) { "1714550400.12".into() } else { g.string() })
        };
        CallLogQuery { from, to, call_id }
    }
}

pub fn account(g: &mut Gen) -> Account {
    match g.rng.below(3) {
        0 => {
            let config = ringostat_config(g);
            let project_id = if g.rng.chance(60) { "12345".into() } else { g.string() };
            Account::Ringostat(RingostatAccount { config, project_id })
        }
        1 => Account::Tring(tring_config(g)),
        _ => Account::Ringme(ringme_config(g)),
    }
}

impl Arb for u64 {
    fn arb(g: &mut Gen) -> u64 {
        *g.rng.pick(&[0, 1, 1 << 24, 1 << 24, 1 << 28, (1 << 28) + 1, u64::MAX])
    }
}

/// `timeout-ms` and `max-body-bytes`: mostly valid, sometimes anything.
pub fn limits(g: &mut Gen) -> (Option<u32>, Option<u64>) {
    if g.rng.chance(85) {
        (None, None)
    } else {
        (g.arb(), g.arb())
    }
}

pub fn ringostat_config(g: &mut Gen) -> ringostat::Config {
    let base = if g.rng.chance(20) { None } else { Some(g.base()) };
    let (timeout_ms, max_body_bytes) = limits(g);
    ringostat::Config { auth_key: g.secret(), base_url: base, timeout_ms, max_body_bytes }
}

pub fn tring_config(g: &mut Gen) -> tring::Config {
    let server = if g.rng.chance(20) { "h.example".into() } else { g.base() };
    let (timeout_ms, max_body_bytes) = limits(g);
    tring::Config { server, api_key: g.secret(), tenant: g.arb(), timeout_ms, max_body_bytes }
}

pub fn ringme_config(g: &mut Gen) -> ringme::Config {
    let auth = if g.rng.chance(50) {
        ringme::Auth::Bearer(g.secret())
    } else {
        ringme::Auth::App(ringme::AppCredentials { client_id: g.string(), client_secret: g.secret() })
    };
    let (timeout_ms, max_body_bytes) = limits(g);
    ringme::Config { base_url: g.base(), auth, timeout_ms, max_body_bytes }
}

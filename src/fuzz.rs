//! Bounded fuzzing, run as unit tests (`cargo test -p pbx-component --lib
//! fuzz`): random and mutated bodies for every decoder and for the
//! telephony mappings of decoded provider rows, and hostile strings for
//! every request builder (through every exported function of the four
//! interfaces, answered by [`crate::http::TEST_ANSWER`] with echoes of the
//! request and mutated answers, and directly for the call log export and
//! the telephony request shapers). Each input must give no panic; every
//! request built must have no CR, LF or NUL in a header, no query or form
//! parameter, JSON member or multipart header that a value injected, and
//! nothing outside printable ASCII in its target; every error must be
//! short, printable and free of every secret of the call, in every
//! encoding. Date-time parsing, the export's range splitting (hostile and
//! edge ranges against a stand-in log) and the RingMe page reader are
//! checked against their contracts. A last test fails when an exported
//! function of the WIT, a decoder or a mapping function is not fuzzed.
//!
//! Deterministic: a tiny xorshift generator from a fixed seed. The default
//! run is bounded for CI: 400 inputs per target, 53,600 in all: 10,800
//! bodies for 27 decoders and mappings; 41,200 calls of the 103 exported
//! functions, of which about 15,000 pass the input checks and build a
//! request; 400 each for the direct builders (about 1,600 requests), the
//! date-time parser, the range splitter and the page reader. About 11 s
//! wall (7-9 s CPU) of the unoptimised test build on 2 cores.
//! `PBX_FUZZ_ITERATIONS=<n>` sets the inputs per target (`./dev fuzz` runs
//! 10,000) and `PBX_FUZZ_SEED=<n>` another seed. A failing input prints its
//! target, iteration and seed.

use crate::bindings::exports::telephony::pbx::{ringme, ringostat, tring};
use crate::http::{Request, Response, TEST_ANSWER};
use crate::{Component, Error};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Inputs per decoder and per exported function in a default run.
const DEFAULT_ITERATIONS: usize = 400;

std::thread_local! {
    /// Requests that passed validation and were built (and checked), per
    /// thread (each test runs on its own).
    static SENT: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

fn iterations() -> usize {
    std::env::var("PBX_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_ITERATIONS)
}

fn seed() -> u64 {
    std::env::var("PBX_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_1234_abcd_ef01)
}

/// xorshift64* (Vigna): enough for test inputs, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of hostile strings: separators and escapes of every format the
/// requests use, control characters, non-ASCII, and valid values (so that
/// some inputs pass validation). `INJ` marks what must never become a
/// parameter, member or header of its own.
const PIECES: &[&str] = &[
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
const VALID: &[&str] = &[
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
const SEEDS: &[&str] = &[
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

const STATUSES: &[u16] = &[200, 200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 408, 429, 500, 502, 503];

const CONTENT_TYPES: &[&str] = &[
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
struct Gen {
    rng: Rng,
    secrets: Vec<String>,
}

impl Gen {
    fn string(&mut self) -> String {
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
    fn secret(&mut self) -> String {
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

    fn arb<A: Arb>(&mut self) -> A {
        A::arb(self)
    }

    fn base(&mut self) -> String {
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
trait Arb {
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

use ringme::{CallHistoryQuery, CallbackRequest, ClientField, ClientUpdate};
use ringostat::{CallDirection, CallLogExportQuery, CallOrder, ExtendedCallbackRequest, PartyType};
use tring::{
    AgentType, CdrFilter, CdrFormat, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};

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

/// Calls an export with random arguments (`_`), mapping its result to `()`.
macro_rules! call {
    ($g:ident, $t:ident :: $f:ident ( $c:ident $(, $x:tt)* )) => {{
        let _ = &$g;
        <Component as $t>::$f($c $(, call!(@arg $g $x))*).map(drop)
    }};
    (@arg $g:ident _) => {
        $g.arb()
    };
}

type Call<C> = (&'static str, fn(&mut Gen, C) -> Result<(), Error>);

use ringme::Guest as M;
use ringostat::Guest as R;
use tring::Guest as T;

const RINGOSTAT: &[Call<ringostat::Config>] = &[
    ("sip_online", |_, c| <Component as R>::sip_online(c).map(drop)),
    ("smart_phone_online", |g, c| {
        let (project, token, dnd) = (g.arb(), g.secret(), g.arb());
        <Component as R>::smart_phone_online(c, project, token, dnd).map(drop)
    }),
    ("sip_speaking", |_, c| <Component as R>::sip_speaking(c).map(drop)),
    ("simple_callback", |g, c| call!(g, R::simple_callback(c, _, _))),
    ("extended_callback", |g, c| call!(g, R::extended_callback(c, _))),
    ("call_log_export", |g, c| call!(g, R::call_log_export(c, _))),
];

const RINGME: &[Call<ringme::Config>] = &[
    ("get_token", |_, c| <Component as M>::get_token(c).map(drop)),
    ("client_info", |g, c| call!(g, M::client_info(c, _))),
    ("update_client", |g, c| call!(g, M::update_client(c, _, _))),
    ("extensions", |g, c| call!(g, M::extensions(c, _, _, _))),
    ("click_to_call", |g, c| call!(g, M::click_to_call(c, _, _))),
    ("call_history", |g, c| call!(g, M::call_history(c, _, _))),
];

const TRING: &[Call<tring::Config>] = &[
    ("count_peers", |g, c| call!(g, T::count_peers(c))),
    ("count_channels", |g, c| call!(g, T::count_channels(c, _))),
    ("count_calls", |g, c| call!(g, T::count_calls(c))),
    ("peers", |g, c| call!(g, T::peers(c))),
    ("blfs", |g, c| call!(g, T::blfs(c))),
    ("flows", |g, c| call!(g, T::flows(c))),
    ("channel", |g, c| call!(g, T::channel(c, _))),
    ("channels", |g, c| call!(g, T::channels(c))),
    ("phonebook_query", |g, c| call!(g, T::phonebook_query(c, _, _, _))),
    ("phonebook_add", |g, c| call!(g, T::phonebook_add(c, _, _))),
    ("phonebook_delete", |g, c| call!(g, T::phonebook_delete(c, _, _))),
    ("phonebook_cleanall", |g, c| call!(g, T::phonebook_cleanall(c, _))),
    ("info_queues", |g, c| call!(g, T::info_queues(c))),
    ("info_queue", |g, c| call!(g, T::info_queue(c, _))),
    ("info_agents", |g, c| call!(g, T::info_agents(c, _))),
    ("info_agentsconnected", |g, c| call!(g, T::info_agentsconnected(c, _))),
    ("info_agentsdelay", |g, c| call!(g, T::info_agentsdelay(c, _))),
    ("info_outdialed", |g, c| call!(g, T::info_outdialed(c))),
    ("info_simpledialed", |g, c| call!(g, T::info_simpledialed(c))),
    ("info_call", |g, c| call!(g, T::info_call(c, _))),
    ("info_recording", |g, c| call!(g, T::info_recording(c, _))),
    ("recording", |g, c| call!(g, T::recording(c, _))),
    ("play_recording", |g, c| call!(g, T::play_recording(c, _))),
    ("info_voicemail", |g, c| call!(g, T::info_voicemail(c, _))),
    ("info_voicemailtranscript", |g, c| call!(g, T::info_voicemailtranscript(c, _))),
    ("info_dids", |g, c| call!(g, T::info_dids(c))),
    ("info_sms", |g, c| call!(g, T::info_sms(c, _, _))),
    ("info_extensions", |g, c| call!(g, T::info_extensions(c))),
    ("info_extstate", |g, c| call!(g, T::info_extstate(c))),
    ("info_config", |g, c| call!(g, T::info_config(c))),
    ("info_cdrs", |g, c| call!(g, T::info_cdrs(c, _))),
    ("info_simplecdrs", |g, c| call!(g, T::info_simplecdrs(c, _))),
    ("info_queuelogs", |g, c| call!(g, T::info_queuelogs(c, _, _, _))),
    ("info_balance", |g, c| call!(g, T::info_balance(c, _, _))),
    ("info_flow", |g, c| call!(g, T::info_flow(c, _))),
    ("info_variable", |g, c| call!(g, T::info_variable(c, _))),
    ("agent_pause", |g, c| call!(g, T::agent_pause(c, _, _, _))),
    ("agent_unpause", |g, c| call!(g, T::agent_unpause(c, _, _))),
    ("atx_transfer", |g, c| call!(g, T::atx_transfer(c, _, _))),
    ("dial", |g, c| call!(g, T::dial(c, _))),
    ("hangup", |g, c| call!(g, T::hangup(c, _, _, _))),
    ("transfer", |g, c| call!(g, T::transfer(c, _, _, _))),
    ("sms", |g, c| call!(g, T::sms(c, _, _, _, _))),
    ("campaign_start", |g, c| call!(g, T::campaign_start(c, _))),
    ("campaign_stop", |g, c| call!(g, T::campaign_stop(c, _))),
    ("campaign_pause", |g, c| call!(g, T::campaign_pause(c, _))),
    ("campaign_resume", |g, c| call!(g, T::campaign_resume(c, _))),
    ("campaign_addnumber", |g, c| call!(g, T::campaign_addnumber(c, _, _, _))),
    ("campaign_delnumber", |g, c| call!(g, T::campaign_delnumber(c, _, _))),
    ("fax_send", |g, c| call!(g, T::fax_send(c, _))),
    ("mediafile_getaudio", |g, c| call!(g, T::mediafile_getaudio(c, _))),
    ("queue_list", |g, c| call!(g, T::queue_list(c, _))),
    ("queue_fulllist", |g, c| call!(g, T::queue_fulllist(c, _))),
    ("queue_add", |g, c| call!(g, T::queue_add(c, _, _, _, _))),
    ("queue_del", |g, c| call!(g, T::queue_del(c, _, _))),
    ("queue_clean", |g, c| call!(g, T::queue_clean(c, _))),
    ("queue_log", |g, c| call!(g, T::queue_log(c, _, _))),
    ("queue_reset", |g, c| call!(g, T::queue_reset(c, _))),
    ("reboot", |g, c| call!(g, T::reboot(c, _))),
    ("unregister", |g, c| call!(g, T::unregister(c, _))),
    ("responsepath_list", |g, c| call!(g, T::responsepath_list(c, _, _, _))),
    ("responsepath_getid", |g, c| call!(g, T::responsepath_getid(c, _, _, _, _))),
    ("responsepath_getlast", |g, c| call!(g, T::responsepath_getlast(c, _, _, _))),
    ("set_flow", |g, c| call!(g, T::set_flow(c, _, _, _))),
    ("virtualext_list", |g, c| call!(g, T::virtualext_list(c, _))),
    ("virtualext_add", |g, c| call!(g, T::virtualext_add(c, _, _))),
    ("virtualext_del", |g, c| call!(g, T::virtualext_del(c, _, _))),
    ("virtualext_clean", |g, c| call!(g, T::virtualext_clean(c, _))),
    ("voicemail_list", |g, c| call!(g, T::voicemail_list(c, _))),
    ("voicemail_messages", |g, c| call!(g, T::voicemail_messages(c, _))),
    ("voicemail_message", |g, c| call!(g, T::voicemail_message(c, _, _))),
    ("voicemail_delete", |g, c| call!(g, T::voicemail_delete(c, _, _))),
    ("managedb_list", |g, c| call!(g, T::managedb_list(c, _, _, _, _))),
    ("managedb_get", |g, c| call!(g, T::managedb_get(c, _, _))),
    ("managedb_add", |g, c| call!(g, T::managedb_add(c, _, _))),
    ("managedb_update", |g, c| call!(g, T::managedb_update(c, _, _, _))),
    ("managedb_delete", |g, c| call!(g, T::managedb_delete(c, _, _))),
    ("managedb_getbinary", |g, c| call!(g, T::managedb_getbinary(c, _))),
    ("managedb_updatebinary", |g, c| call!(g, T::managedb_updatebinary(c, _, _, _))),
    ("managedb_getextensions", |g, c| call!(g, T::managedb_getextensions(c, _))),
    ("managedb_setextensions", |g, c| call!(g, T::managedb_setextensions(c, _, _))),
    ("managedb_listtenants", |g, c| call!(g, T::managedb_listtenants(c, _))),
    ("managedb_addtenant", |g, c| call!(g, T::managedb_addtenant(c, _, _))),
    ("managedb_deltenant", |g, c| call!(g, T::managedb_deltenant(c, _, _))),
    ("managedb_listroutes", |g, c| call!(g, T::managedb_listroutes(c, _))),
    ("managedb_replace", |g, c| call!(g, T::managedb_replace(c, _, _, _))),
    ("check_auth", |g, c| {
        let (u, p) = (g.arb(), g.secret());
        <Component as T>::check_auth(c, u, p).map(drop)
    }),
    ("get_webrtc_auth", |g, c| {
        let (u, p) = (g.arb(), g.secret());
        <Component as T>::get_webrtc_auth(c, u, p).map(drop)
    }),
];

use crate::bindings::exports::telephony::pbx::telephony::{self, Account, CallLogQuery, RingostatAccount};
use telephony::Guest as P;

const TELEPHONY: &[Call<Account>] = &[
    ("place_call", |g, a| call!(g, P::place_call(a, _, _))),
    ("agent_states", |g, a| call!(g, P::agent_states(a))),
    ("call_log", |g, a| call!(g, P::call_log(a, _))),
];

/// Edge date-times: the ends of the years the format holds, leap days (real
/// and not), and fields one past their range.
const EDGE_DATETIMES: &[&str] = &[
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
    fn datetime(&mut self) -> String {
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

    fn valid_datetime(&mut self) -> String {
        let lo = crate::datetime::parse("f", "0000-01-01 00:00:00").unwrap_or(0);
        let hi = crate::datetime::parse("f", "9999-12-31 23:59:59").unwrap_or(0);
        let t = lo + (self.rng.next() % (hi - lo + 1) as u64) as i64;
        crate::datetime::format(t)
    }

    /// `from` a date-time, `to` mostly a little after it (so that many
    /// queries pass the checks), else another date-time.
    fn range(&mut self) -> (String, String) {
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

fn account(g: &mut Gen) -> Account {
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
fn limits(g: &mut Gen) -> (Option<u32>, Option<u64>) {
    if g.rng.chance(85) {
        (None, None)
    } else {
        (g.arb(), g.arb())
    }
}

fn ringostat_config(g: &mut Gen) -> ringostat::Config {
    let base = if g.rng.chance(20) { None } else { Some(g.base()) };
    let (timeout_ms, max_body_bytes) = limits(g);
    ringostat::Config { auth_key: g.secret(), base_url: base, timeout_ms, max_body_bytes }
}

fn tring_config(g: &mut Gen) -> tring::Config {
    let server = if g.rng.chance(20) { "h.example".into() } else { g.base() };
    let (timeout_ms, max_body_bytes) = limits(g);
    tring::Config { server, api_key: g.secret(), tenant: g.arb(), timeout_ms, max_body_bytes }
}

fn ringme_config(g: &mut Gen) -> ringme::Config {
    let auth = if g.rng.chance(50) {
        ringme::Auth::Bearer(g.secret())
    } else {
        ringme::Auth::App(ringme::AppCredentials { client_id: g.string(), client_secret: g.secret() })
    };
    let (timeout_ms, max_body_bytes) = limits(g);
    ringme::Config { base_url: g.base(), auth, timeout_ms, max_body_bytes }
}

/// `%XX` for every byte but the unreserved ones (`plus`: space as `+`).
fn pct(s: &str, upper: bool, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(b as char),
            b if upper => out.push_str(&format!("%{b:02X}")),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// A JSON string's content, `/` escaped and (`ascii`) every non-ASCII
/// character as `\uXXXX` (surrogate pairs beyond the BMP).
fn json_escaped(s: &str, ascii: bool) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    let inner = quoted[1..quoted.len() - 1].replace('/', "\\/");
    if !ascii {
        return inner;
    }
    let mut out = String::new();
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04X}"));
            }
        }
    }
    out
}

/// The UTF-8 bytes of `s` read as Latin-1.
fn latin1(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// Every encoding a server may echo `s` in.
fn encodings(s: &str) -> Vec<String> {
    vec![
        s.to_string(),
        pct(s, true, false),
        pct(s, false, false),
        pct(s, true, true),
        json_escaped(s, false),
        json_escaped(s, true),
        latin1(s),
        pct(&latin1(s), false, true),
        json_escaped(&latin1(s), true),
    ]
}

/// `s` in one encoding, chosen at random.
fn encode(rng: &mut Rng, s: &str) -> String {
    let forms = encodings(s);
    forms[rng.below(forms.len())].clone()
}

/// What a server echoing the request might put in its answer.
fn echo_of(req: &Request) -> String {
    let mut text = req.target.to_url();
    for (n, v) in req.wire_headers() {
        text.push_str(&format!("\n{n}: {v}"));
    }
    if let Some(body) = &req.body {
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&body.bytes));
    }
    text
}

/// A random answer: the echo of the request in an error template, a
/// mutated example answer, or random bytes, with a random status and headers.
fn answer(rng: &mut Rng, echo: &str) -> Response {
    let status = *rng.pick(STATUSES);
    let encoded = encode(rng, echo);
    let in_json = serde_json::to_string(&encoded).unwrap_or_default();
    let body: Vec<u8> = match rng.below(10) {
        0 => encoded.clone().into_bytes(),
        1 => format!("{{\"message\":{in_json}}}").into_bytes(),
        2 => format!("{{\"error\":{{\"code\":{in_json},\"message\":{in_json}}}}}").into_bytes(),
        3 => format!("{{\"Response\":\"Error\",\"Message\":{in_json}}}").into_bytes(),
        4 => format!("{{\"error\":\"invalid_client\",\"error_description\":{in_json}}}").into_bytes(),
        5 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        _ => {
            let seed = rng.pick(SEEDS).as_bytes().to_vec();
            mutate(rng, seed, echo)
        }
    };
    let mut headers = vec![("content-type".to_string(), rng.pick(CONTENT_TYPES).as_bytes().to_vec())];
    if rng.chance(30) {
        let head: String = encoded.chars().take(40).collect();
        let v = [head.as_str(), "30", "-1", "99999999999", "Wed, 21 Oct 2015 07:28:00 GMT"];
        headers.push((rng.pick(&["retry-after", "x-ratelimit-reset"]).to_string(), rng.pick(&v).as_bytes().to_vec()));
    }
    if rng.chance(30) {
        let loc = [format!("https://evil.example/x?{encoded}"), format!("/p?{encoded}"), encoded.clone()];
        headers.push(("location".into(), rng.pick(&loc).as_bytes().to_vec()));
    }
    Response { status, headers, body }
}

/// One to four random edits of `body`.
fn mutate(rng: &mut Rng, mut body: Vec<u8>, echo: &str) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(body.len() + 1);
        match rng.below(6) {
            0 if !body.is_empty() => {
                let i = rng.below(body.len());
                body[i] ^= 1 << rng.below(8);
            }
            1 => body.splice(at..at, rng.pick(PIECES).bytes()).for_each(drop),
            2 => body.truncate(at),
            3 => {
                let end = (at + rng.below(16)).min(body.len());
                body.drain(at..end);
            }
            4 => {
                let piece = body[at..].iter().take(rng.below(32)).copied().collect::<Vec<_>>();
                body.splice(at..at, piece).for_each(drop);
            }
            _ => body.splice(at..at, encode(rng, echo).into_bytes()).for_each(drop),
        }
    }
    body
}

/// A request the component may send: no header, parameter, member or
/// multipart part that a value injected; a printable ASCII target.
fn check_request(req: &Request) {
    for (name, value) in req.wire_headers() {
        assert!(!value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)), "header {name}: {value:?}");
    }
    let auth = &req.target.authority;
    assert!(auth.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b)), "authority {auth:?}");
    let pq = &req.target.path_and_query;
    assert!(pq.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'#'), "target {pq:?}");
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let decoded = crate::redact::redact_text(path, &[]);
    assert!(!decoded.contains("INJ") && !path.split('/').any(|s| s == "." || s == ".."), "path {path:?}");
    check_pairs(query);
    let Some(body) = &req.body else { return };
    let ct = body.content_type.as_str();
    if ct == "application/x-www-form-urlencoded" {
        check_pairs(core::str::from_utf8(&body.bytes).expect("a form body is ASCII"));
    } else if ct == "application/json" {
        let v: serde_json::Value = serde_json::from_slice(&body.bytes).expect("a JSON body parses");
        check_members(&v);
    } else if let Some(boundary) = ct.strip_prefix("multipart/form-data; boundary=") {
        // RFC 2046: a delimiter is `--boundary` at the start of the body or
        // after CRLF; one part means one opening and one closing delimiter.
        let delim = format!("\r\n--{boundary}");
        let b = &body.bytes;
        assert!(b.starts_with(&delim.as_bytes()[2..]), "opening delimiter");
        let closing = b.windows(delim.len()).filter(|w| *w == delim.as_bytes()).count();
        assert_eq!(closing, 1, "one part, opened and closed");
        let head_end = b.windows(4).position(|w| w == b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&b[..head_end]);
        for line in head.split("\r\n").skip(1) {
            assert!(line.starts_with("Content-"), "multipart header {line:?}");
        }
    } else {
        panic!("unexpected body type {ct:?}");
    }
}

/// `a=1&b=2`: every name is a fixed identifier.
fn check_pairs(pairs: &str) {
    for pair in pairs.split('&').filter(|_| !pairs.is_empty()) {
        let name = pair.split('=').next().unwrap_or("");
        let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-[]".contains(&b));
        assert!(ok && !name.contains("INJ"), "parameter {name:?} in {pairs:?}");
    }
}

fn check_members(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                assert!(!k.contains("INJ"), "member {k:?}");
                check_members(v);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(check_members),
        _ => {}
    }
}

/// Every text of an error.
fn texts(e: &Error) -> Vec<&str> {
    match e {
        Error::InvalidInput(f) => vec![&f.field, &f.reason],
        Error::Unauthorized(m)
        | Error::Forbidden(m)
        | Error::NotFound(m)
        | Error::Transport(m)
        | Error::OutcomeUnknown(m)
        | Error::Decode(m) => {
            vec![m]
        }
        Error::Provider(p) => vec![&p.message, p.code.as_deref().unwrap_or("")],
        Error::RateLimited(_) | Error::Timeout | Error::TooLarge(_) => vec![],
    }
}

/// An error the component returns: short, printable, and without any
/// secret in any encoding, nor 8 consecutive characters of one.
fn check_error(e: &Error, secrets: &[String]) {
    let debug = format!("{e:?}");
    let texts_only = texts(e).len();
    for (i, text) in texts(e).into_iter().chain([debug.as_str()]).enumerate() {
        for s in secrets {
            for form in encodings(s) {
                assert!(!text.contains(&form), "secret {s:?} as {form:?} in {text:?}");
            }
            // Runs in the texts themselves (the Debug form's closing quote
            // could complete a run of 7 that a text legitimately ends with).
            let chars: Vec<char> = s.chars().collect();
            for run in chars.windows(8).filter(|_| i < texts_only) {
                let run: String = run.iter().collect();
                assert!(!text.contains(&run), "8 characters {run:?} of {s:?} in {text:?}");
            }
        }
    }
    for text in texts(e) {
        assert!(text.chars().count() <= crate::redact::MAX_MESSAGE_CHARS + 12, "{text:?}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}

fn case_seed(name: &str, i: usize) -> u64 {
    // FNV-1a of the name, mixed with the iteration.
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    seed() ^ h ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Runs `one` for every iteration of `name`; a panic names the input.
fn run(name: &str, mut one: impl FnMut(u64)) -> usize {
    let n = iterations();
    for i in 0..n {
        let case = case_seed(name, i);
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| one(case))) {
            TEST_ANSWER.with(|h| h.borrow_mut().take());
            eprintln!("fuzz: {name} failed at iteration {i} (case seed {case}, PBX_FUZZ_SEED {})", seed());
            resume_unwind(p);
        }
    }
    n
}

/// Every exported function of one interface, with hostile arguments and
/// answers.
fn drive<C>(calls: &[Call<C>], config: fn(&mut Gen) -> C) -> String {
    let mut tried = 0;
    let sent = SENT.get();
    for (name, f) in calls {
        tried += run(name, |case| {
            let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
            let cfg = config(&mut g);
            let mut rng = Rng::new(case.rotate_left(17));
            TEST_ANSWER.with(|h| {
                *h.borrow_mut() = Some(Box::new(move |req: &Request| {
                    check_request(req);
                    SENT.set(SENT.get() + 1);
                    let echo = echo_of(req);
                    if rng.chance(8) {
                        let code = wasi::http::types::ErrorCode::InternalError(Some(format!("cannot reach {echo}")));
                        return Err(crate::http::describe_error_code(&code));
                    }
                    Ok(answer(&mut rng, &echo))
                }))
            });
            let result = f(&mut g, cfg);
            TEST_ANSWER.with(|h| h.borrow_mut().take());
            if let Err(e) = result {
                check_error(&e, &g.secrets);
            }
        });
    }
    format!("{tried} inputs, {} requests built and checked", SENT.get() - sent)
}

type Decoder = (&'static str, fn(&Response) -> Result<(), Error>);

const DECODERS: &[Decoder] = {
    use crate::ringme::decode as rm;
    use crate::ringostat::decode as rd;
    use crate::telephony::{ringme as tme, ringostat as tro, words as tw};
    use crate::tring::decode::{self as td, Shape};
    &[
        ("ringostat::check_status", rd::check_status),
        ("ringostat::decode_logins", |r| rd::decode_logins(r).map(drop)),
        ("ringostat::decode_simple_callback", rd::decode_simple_callback),
        ("ringostat::decode_extended_callback", |r| rd::decode_extended_callback(r).map(drop)),
        ("tring::decode_json rows", |r| td::decode_json(r, Shape::Rows).map(drop)),
        ("tring::decode_json one", |r| td::decode_json(r, Shape::One).map(drop)),
        ("tring::decode_json text", |r| td::decode_json(r, Shape::Text).map(drop)),
        ("tring::decode_media", |r| td::decode_media(r).map(drop)),
        ("tring::decode_rows", |r| td::decode_rows(r).map(drop)),
        ("tring::decode_peer_counts", |r| td::decode_peer_counts(r).map(drop)),
        ("tring::decode_dial", |r| td::decode_dial(r).map(drop)),
        ("ringme::check_status", rm::check_status),
        ("ringme::decode_token", |r| rm::decode_token(r).map(drop)),
        ("ringme::decode_client", |r| rm::decode_client(r).map(drop)),
        ("ringme::decode_extensions", |r| rm::decode_extensions(r).map(drop)),
        ("ringme::decode_callback", |r| rm::decode_callback(r).map(drop)),
        ("ringme::decode_call_history", |r| rm::decode_call_history(r).map(drop)),
        ("ringostat::decode_calls", |r| rd::decode_calls(r).map(drop)),
        ("telephony::ringostat::entry", |r| {
            for c in rd::decode_calls(r)? {
                let e = tro::entry(c.clone());
                assert!(e.id == c.uniqueid && e.start_time == c.calldate && e.talk_seconds == c.billsec);
                check_entry(&e);
            }
            Ok(())
        }),
        ("telephony::ringostat::states", |r| {
            let logins = rd::decode_logins(r)?;
            let (online, speaking) = logins.split_at(logins.len() / 2);
            let states = tro::states(online.to_vec(), speaking.to_vec());
            for name in online.iter().chain(speaking) {
                let s = states.iter().find(|s| &s.agent == name).expect("every login is an agent");
                assert_eq!(speaking.contains(name), s.state == telephony::State::Busy, "{name:?}");
            }
            Ok(())
        }),
        ("telephony::tring::states", |r| {
            let text = td::decode_json(r, Shape::Rows)?;
            let rows = tring_states(&td::checked_rows(r.clone())?)?.len();
            let all: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|_| crate::error::decode("rows"))?;
            assert_eq!(rows, all.len());
            Ok(())
        }),
        ("telephony::tring::entries", |r| {
            tring_entries(&td::checked_rows(r.clone())?)?.iter().for_each(check_entry);
            Ok(())
        }),
        ("telephony::tring::rows (raw body)", |r| {
            let _ = tring_states(r);
            tring_entries(r).map(drop)
        }),
        ("telephony::ringme::states", |r| {
            let exts = rm::decode_extensions(r)?;
            let phones = exts.iter().filter(|e| e.type_.as_deref().is_none_or(|t| t == "phone")).count();
            assert_eq!(tme::states(&exts).len(), phones);
            for e in &exts {
                // Every extension is found by its id (the first with it).
                let id = crate::json::json_text(&e.id);
                assert!(tme::find_extension(&exts, &id).is_some_and(|f| f.id == e.id), "{id}");
                let name = e.name.as_deref().unwrap_or("");
                if !name.is_empty() {
                    assert!(tme::find_extension(&exts, name).is_some(), "{name:?}");
                }
                match tme::callback_request(e, "380671112233") {
                    Ok((id, req)) => assert!(id == e.id && req.src_num == [name]),
                    Err(err) => assert!(e.name.is_none() && matches!(err, Error::Decode(_))),
                }
            }
            Ok(())
        }),
        ("telephony::ringme::entry", |r| {
            for c in rm::decode_call_history(r)?.calls {
                let (id, talk) = (c.call_uuid.clone(), c.bridged_duration);
                let e = tme::entry(c);
                assert!(e.id == id && e.talk_seconds == talk);
                check_entry(&e);
            }
            Ok(())
        }),
        ("telephony::words (body as a word)", |r| {
            let word = String::from_utf8_lossy(&r.body);
            let _ = (tw::direction(Some(&word)), tw::agent_state(Some(&word)));
            let talk = r.body.len() as u32 % 3;
            let answered = tw::answered(Some(&word), Some(talk));
            assert!(answered.is_some(), "a known talk time always answers {word:?}");
            Ok(())
        }),
        ("status::from_status", |r| Err(crate::status::from_status(r, None, crate::status::describe_body(r)))),
        ("http::redirect", |r| Err(crate::http::redirect(r.status, r.header("location"), "h.example"))),
    ]
};

/// The agents of a TRiNG INFO extstate answer, each row mapped as
/// `agent-states` maps it ([`tt::push_state`], which is [`tt::state`]).
fn tring_states(r: &Response) -> Result<Vec<telephony::AgentState>, Error> {
    use crate::{telephony::tring as tt, tring::decode as td};
    let (mut out, mut budget) = (Vec::new(), crate::json::Budget::new());
    td::decode_extstate_rows(r, |row| {
        let expected = tt::state(row.clone());
        tt::push_state(&mut out, &mut budget, row)?;
        let got = out.last().expect("pushed");
        assert!(got.agent == expected.agent && got.provider_state == expected.provider_state);
        Ok(())
    })?;
    Ok(out)
}

/// The calls of a TRiNG INFO cdrs answer, each row mapped as `call-log`
/// maps it ([`tt::push_entry`], which is [`tt::entry`]).
fn tring_entries(r: &Response) -> Result<Vec<telephony::CallEntry>, Error> {
    use crate::{telephony::tring as tt, tring::decode as td};
    let (mut out, mut budget) = (Vec::new(), crate::json::Budget::new());
    td::decode_cdr_rows(r, |row| {
        let (id, talk) = (row.uniqueid.clone(), row.billsec);
        let expected = tt::entry(row.clone());
        assert!(expected.id == id && expected.talk_seconds == talk);
        tt::push_entry(&mut out, &mut budget, row)
    })?;
    Ok(out)
}

/// A mapped call: its provider record is a JSON object; with no outcome
/// word it is answered exactly when there was talk time.
fn check_entry(e: &telephony::CallEntry) {
    let raw: serde_json::Value = serde_json::from_str(&e.raw).expect("raw is JSON");
    assert!(raw.is_object(), "raw {:?}", e.raw);
    if e.answered.is_none() {
        assert!(e.talk_seconds.is_none(), "talk time but no answer in {:?}", e.raw);
    }
}

#[test]
fn fuzz_decoders() {
    let mut tried = 0;
    for (name, decode) in DECODERS {
        tried += run(name, |case| {
            let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
            let secret = g.secret();
            let echo = format!("GET https://h.example/x?key={secret}\nAuth-key: {secret}\nsome text");
            let resp = answer(&mut g.rng, &echo);
            if let Err(e) = decode(&resp) {
                check_error(&e.redact(&[&secret]), &g.secrets);
            }
        });
    }
    eprintln!("fuzz_decoders: {tried} inputs");
}

#[test]
fn fuzz_ringostat() {
    eprintln!("fuzz_ringostat: {}", drive(RINGOSTAT, ringostat_config));
}

#[test]
fn fuzz_tring() {
    eprintln!("fuzz_tring: {}", drive(TRING, tring_config));
}

#[test]
fn fuzz_ringme() {
    eprintln!("fuzz_ringme: {}", drive(RINGME, ringme_config));
}

#[test]
fn the_generator_is_deterministic() {
    let a: Vec<u64> = {
        let mut r = Rng::new(7);
        (0..4).map(|_| r.next()).collect()
    };
    let b: Vec<u64> = {
        let mut r = Rng::new(7);
        (0..4).map(|_| r.next()).collect()
    };
    assert_eq!(a, b);
    assert_ne!(a[0], a[1]);
}

#[test]
fn fuzz_telephony() {
    eprintln!("fuzz_telephony: {}", drive(TELEPHONY, account));
}

/// The pure request shapers of `telephony` and of the call log export,
/// each into its provider's request builder, with hostile values: every
/// request built is checked; every error is typed and secret-free.
#[test]
fn fuzz_export_and_telephony_builders() {
    use crate::ringostat::requests as rr;
    use crate::telephony::{ringme as tme, ringostat as tro, tring as tt};
    let mut built = 0;
    let tried = run("builders", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (rcfg, tcfg, mcfg) = (ringostat_config(&mut g), tring_config(&mut g), ringme_config(&mut g));
        let (employee, customer, project) = (g.string(), g.string(), g.string());
        let (export, query): (CallLogExportQuery, CallLogQuery) = (g.arb(), g.arb());
        let mut requests: Vec<Result<Request, Error>> = vec![
            rr::extended_callback_request(
                &rcfg,
                &tro::callback_request(&project, &employee, &customer),
                1,
            ),
            crate::tring::requests::dial_request(&tcfg, &tt::dial_request(&employee, &customer)),
            crate::tring::requests::info_cdrs_request(&tcfg, &tt::cdr_filter(&query)),
        ];
        if let Ok(api) = crate::ringme::requests::Api::new(&mcfg) {
            requests.push(crate::ringme::requests::call_history_request(&api, None, &tme::history_query(&query, 1)));
        }
        for q in [export, tro::export_query(&query)] {
            match rr::plan(&q) {
                Ok(p) => {
                    assert!(p.from <= p.to);
                    // The whole range, its first second and its last.
                    for (a, b) in [(p.from, p.to), (p.from, p.from), (p.to, p.to)] {
                        requests.push(rr::calls_list_request(&rcfg, &p, a, b));
                    }
                }
                Err(e) => requests.push(Err(e)),
            }
        }
        for r in requests {
            match r {
                Ok(req) => {
                    check_request(&req);
                    built += 1;
                }
                Err(e) => check_error(&e, &g.secrets),
            }
        }
    });
    eprintln!("fuzz_export_and_telephony_builders: {tried} inputs, {built} requests built and checked");
}

/// `YYYY-MM-DD HH:MM:SS` parsing with hostile and edge strings: what parses
/// formats back to itself; anything else is `invalid-input` on the field;
/// a range is ordered.
#[test]
fn fuzz_datetime() {
    use crate::datetime::{format, parse, range};
    let mut parsed = 0;
    let tried = run("datetime", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (from, to) = g.range();
        for s in [&from, &to] {
            match parse("query.from", s) {
                Ok(t) => {
                    assert_eq!(&format(t), s);
                    parsed += 1;
                }
                Err(Error::InvalidInput(f)) => assert_eq!(f.field, "query.from", "{s:?}"),
                Err(_) => panic!("{s:?}: not invalid-input"),
            }
        }
        match range("query.from", &from, "query.to", &to) {
            Ok((a, b)) => assert!(a <= b && format(a) == from && format(b) == to),
            Err(Error::InvalidInput(f)) => assert!(f.field == "query.from" || f.field == "query.to"),
            Err(_) => panic!("{from:?}..{to:?}: not invalid-input"),
        }
    });
    eprintln!("fuzz_datetime: {tried} inputs, {parsed} date-times parsed and formatted back");
}

/// The range splitting of the call log export against a stand-in log of
/// random density (none, under, at and over the cap, all in one second),
/// with hostile ranges (inverted, one second, the whole format, the ends
/// of `i64`) and failing fetches: at most the request bound, every part
/// inside the range, and on success the parts that answered tile the range
/// and every call comes back once, in order.
#[test]
fn fuzz_split_export() {
    use crate::ringostat::export::{self as rc, CALL_CAP, MAX_EXPORT_REQUESTS};
    let mut split = 0;
    let tried = run("split_export", |case| {
        let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
        let (from, to) = match g.rng.below(4) {
            0 => *g.rng.pick(&[
                (i64::MIN, i64::MAX),
                (i64::MIN, i64::MIN),
                (i64::MAX - 1, i64::MAX),
                (i64::MIN, 0),
                (0, i64::MAX),
                (-1, 0),
                (5, 4),
                (7, 7),
                (i64::MAX, i64::MIN),
            ]),
            _ => {
                let (f, t) = g.range();
                let p = |s: &str| crate::datetime::parse("f", s).unwrap_or(0);
                (p(&f), p(&t))
            }
        };
        let span = to.abs_diff(from);
        let calls = *g.rng.pick(&[0, 1, 10, CALL_CAP - 1, CALL_CAP, CALL_CAP + 1, 3 * CALL_CAP]);
        let one_second = g.rng.chance(10);
        let mut times: Vec<i64> = (0..calls)
            .map(|_| {
                let off = if one_second { span / 2 } else { g.rng.next() % span.saturating_add(1).max(1) };
                from.min(to).wrapping_add(off as i64)
            })
            .collect();
        times.sort_unstable();
        let newest_first = g.rng.chance(30);
        let fail_at = if g.rng.chance(10) { g.rng.below(8) } else { usize::MAX };
        let mut asked = Vec::new();
        let mut answered = Vec::new();
        let got = rc::split_export(from, to, newest_first, &mut |a, b| {
            asked.push((a, b));
            if asked.len() > fail_at {
                return Err(Error::Timeout);
            }
            let (lo, hi) = (times.partition_point(|t| *t < a), times.partition_point(|t| *t <= b));
            let mut rows = times[lo..hi.max(lo)].iter().copied().take(CALL_CAP).collect::<Vec<_>>();
            if rows.len() < CALL_CAP {
                answered.push((a, b));
            }
            if newest_first {
                rows.reverse();
            }
            Ok(rows)
        });
        assert!(asked.len() <= MAX_EXPORT_REQUESTS as usize, "{} requests", asked.len());
        split += usize::from(asked.len() > 1);
        if from <= to {
            assert!(asked.iter().all(|&(a, b)| from <= a && a <= b && b <= to), "{asked:?} outside {from}..{to}");
        }
        match got {
            Ok(rows) if from <= to => {
                answered.sort_unstable();
                assert_eq!(answered.first().map(|p| p.0), Some(from));
                assert_eq!(answered.last().map(|p| p.1), Some(to));
                assert!(answered.windows(2).all(|w| w[0].1.checked_add(1) == Some(w[1].0)), "{answered:?}");
                let mut want = times.clone();
                if newest_first {
                    want.reverse();
                }
                assert!(rows == want, "{} calls back of {}", rows.len(), want.len());
            }
            Ok(rows) => assert!(rows.is_empty()),
            Err(Error::Timeout) => assert!(fail_at < usize::MAX),
            Err(Error::Provider(p)) => {
                let code = p.code.as_deref().unwrap_or("");
                assert!(code == "request-limit" || code == "cap-in-one-second", "{code}");
            }
            Err(_) => panic!("another error"),
        }
    });
    eprintln!("fuzz_split_export: {tried} ranges, {split} of them split");
}

/// The page reader of the RingMe mappings against pages of random length,
/// with or without a reported `per_page` (0, short, equal, huge) and
/// failing fetches: at most the page bound, pages 1, 2, ... in order, and
/// on success every row of the pages read, stopping at the first empty or
/// short page.
#[test]
fn fuzz_all_pages() {
    use crate::telephony::ringme::{self as tme, MAX_PAGES};
    let tried = run("all_pages", |case| {
        let mut rng = Rng::new(case);
        let full = *rng.pick(&[0u32, 1, 2, 100]);
        let mut asked = Vec::new();
        let mut served = Vec::new();
        let mut stop = None;
        let mut repeated = None;
        let got = tme::all_pages(
            &mut |page| {
                asked.push(page);
                if rng.chance(3) {
                    return Err(Error::Timeout);
                }
                let n = if rng.chance(90) { full } else { rng.below(4) as u32 };
                let per_page = *rng.pick(&[None, Some(0), Some(n), Some(n + 1), Some(u32::MAX)]);
                let rows: Vec<(u32, u32)> = (0..n).map(|i| (page, i)).collect();
                // Now and then the fingerprint of page 1 again: a provider
                // that ignores `page`.
                let fingerprint = if page > 1 && rng.chance(5) { 1 } else { u64::from(page) };
                if fingerprint == 1 && page > 1 && n > 0 {
                    repeated = Some(page);
                    return Ok((rows, per_page, fingerprint));
                }
                served.extend(rows.iter().copied());
                if n == 0 || per_page.is_some_and(|p| n < p) {
                    stop = Some(page);
                }
                Ok((rows, per_page, fingerprint))
            },
            |_| 0,
            0,
        );
        assert!(asked.iter().copied().eq(1..=asked.len() as u32), "{asked:?}");
        assert!(asked.len() <= MAX_PAGES as usize);
        match got {
            Ok(rows) => {
                assert_eq!(stop, asked.last().copied());
                assert!(rows == served);
            }
            Err(Error::Provider(p)) if p.code.as_deref() == Some("repeated-page") => {
                assert_eq!((repeated, stop), (asked.last().copied(), None))
            }
            Err(Error::Provider(p)) => {
                assert_eq!((p.code.as_deref(), asked.len(), stop), (Some("request-limit"), MAX_PAGES as usize, None))
            }
            Err(Error::Timeout) => {}
            Err(_) => panic!("another error"),
        }
    });
    eprintln!("fuzz_all_pages: {tried} page sequences");
}

/// The names `pub fn` declares in `src`, before its tests.
fn pub_fns(src: &str) -> Vec<&str> {
    let src = src.split("#[cfg(test)]").next().unwrap_or(src);
    src.split("pub fn ").skip(1).map(ident).collect()
}

/// The identifier `s` starts with.
fn ident(s: &str) -> &str {
    &s[..s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())]
}

/// Nothing is missed (as `host-test/tests/it/coverage.rs` does for the
/// integration tests): every function the WIT exports has a row in a drive
/// table and every row names one; every decoder (`decode_*`,
/// `check_status`), every function of the call log export but the two
/// below, and every telephony mapping function but the three exports is
/// called in this file.
#[test]
fn every_export_decoder_and_mapping_is_fuzzed() {
    let tables: [(&str, &str, Vec<&str>); 4] = [
        ("ringostat", include_str!("../wit/ringostat.wit"), RINGOSTAT.iter().map(|c| c.0).collect()),
        ("ringme", include_str!("../wit/ringme.wit"), RINGME.iter().map(|c| c.0).collect()),
        ("tring", include_str!("../wit/tring.wit"), TRING.iter().map(|c| c.0).collect()),
        ("telephony", include_str!("../wit/telephony.wit"), TELEPHONY.iter().map(|c| c.0).collect()),
    ];
    let mut missing = Vec::new();
    let mut exports = 0;
    for (iface, wit, driven) in &tables {
        let mut declared = Vec::new();
        for line in wit.lines() {
            if let Some((name, _)) = line.trim().split_once(": func(") {
                declared.push(name.replace('-', "_"));
            }
        }
        exports += declared.len();
        missing.extend(declared.iter().filter(|d| !driven.contains(&d.as_str())).map(|d| format!("{iface}.{d}")));
        missing.extend(driven.iter().filter(|d| !declared.iter().any(|x| x == *d)).map(|d| format!("row {iface}.{d}")));
    }
    assert_eq!(exports, RINGOSTAT.len() + RINGME.len() + TRING.len() + TELEPHONY.len());
    assert!(exports >= 103, "{exports} exported functions");

    let me = include_str!("fuzz.rs");
    type Wanted = fn(&str) -> bool;
    let decoder: Wanted = |f| f.starts_with("decode_") || f == "check_status";
    // `place_call`, `agent_states`
    // and `call_log` are the telephony exports, driven above.
    let export: Wanted = |_| true;
    let mapping: Wanted = |f| !matches!(f, "place_call" | "agent_states" | "call_log");
    let sources: [(&str, &str, Wanted); 8] = [
        ("rd::", include_str!("ringostat/decode.rs"), decoder),
        ("rm::", include_str!("ringme/decode.rs"), decoder),
        ("td::", include_str!("tring/decode.rs"), decoder),
        ("rc::", include_str!("ringostat/export.rs"), export),
        ("tro::", include_str!("telephony/ringostat.rs"), mapping),
        ("tt::", include_str!("telephony/tring.rs"), mapping),
        ("tme::", include_str!("telephony/ringme.rs"), mapping),
        ("tw::", include_str!("telephony/words.rs"), mapping),
    ];
    let mut functions = 0;
    for (alias, src, wanted) in sources {
        for f in pub_fns(src).into_iter().filter(|f| wanted(f)) {
            functions += 1;
            let (call, pointer) = (format!("{alias}{f}("), format!("{alias}{f})"));
            if !me.contains(&call) && !me.contains(&pointer) {
                missing.push(format!("{alias}{f}"));
            }
        }
    }
    assert!(functions >= 30, "{functions} decoders and mappings");
    assert!(missing.is_empty(), "not fuzzed: {missing:?}");
}

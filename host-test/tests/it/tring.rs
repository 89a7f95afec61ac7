//! TRiNG / MiRTA `proxyapi.php` through the component: for every function
//! the exact request (method, URL with its encoded query, body) and the
//! decoded result; the 200-with-text quirks; the input checks; and the key,
//! which travels in the URL, in no error.

use super::common::{assert_no_secret, host, session};
use host_test::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};
use host_test::kit::mock::example;
use host_test::kit::mock::tring::{AUDIO, CALL_ID, WAV};
use host_test::kit::mock::{MockProvider, MockResponse, RecordedRequest};
use host_test::PbxError as Error;
use std::time::Duration;

/// The key, with a `/` so that it is percent-encoded in the URL.
const KEY: &str = "tr-SECRET-key/9";
const KEY_ENC: &str = "tr-SECRET-key%2F9";
/// Every URL up to the reqtype's value.
const BASE: &str = "https://pbx.example.com/pbx/proxyapi.php?key=tr-SECRET-key%2F9&tenant=DEMO&reqtype=";

fn cfg() -> Config {
    Config {
        server: "pbx.example.com".into(),
        api_key: KEY.into(),
        tenant: Some("DEMO".into()),
        timeout_ms: Some(2_000),
        max_body_bytes: None,
    }
}

fn url(rest: &str) -> String {
    format!("{BASE}{rest}")
}

fn headers(r: &RecordedRequest) -> Vec<(&str, &str)> {
    r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

fn dial_req(source: &str, dest: &str) -> DialRequest {
    DialRequest {
        source: source.into(),
        dest: dest.into(),
        var: None,
        account: None,
        dial_timeout: None,
        timeout: None,
        source_clid: None,
        dest_clid: None,
        recording: None,
        server: None,
        auto_answer: None,
        no_follow: None,
    }
}

fn cdr_filter() -> CdrFilter {
    CdrFilter {
        id: None,
        uniqueid: None,
        linkedid: None,
        src: None,
        firstdst: None,
        direction: None,
        phone: None,
        template: None,
        start: None,
        end: None,
        format: None,
    }
}

fn simplecdr_filter() -> SimplecdrFilter {
    SimplecdrFilter {
        id: None,
        uniqueid: None,
        calleridnum: None,
        calleridname: None,
        disposition: None,
        direction: None,
        whoanswered: None,
        phone: None,
        start: None,
        end: None,
        format: None,
    }
}

/// A FAX send with `pdf` (also the fault tests' large body).
pub(crate) fn fax_req(pdf: &[u8]) -> FaxRequest {
    FaxRequest {
        source_number: "3210".into(),
        dest_number: "+3212345678".into(),
        pdf: pdf.to_vec(),
        quality: None,
        page_size: None,
        rotate: None,
        delete_after_send: None,
        schedule: None,
        status_email: None,
    }
}

fn log_entry() -> QueueLogEntry {
    QueueLogEntry {
        uniqid: None,
        extension: None,
        event: None,
        data1: None,
        data2: None,
        data3: None,
        data4: None,
        data5: None,
    }
}

/// Runs one call in a fresh instance against `mock`:
/// `run!(mock, |t, s, c| t.call_x(s, &c, ...))` gives the call's result.
macro_rules! run {
    ($mock:expr, |$t:ident, $s:ident, $c:ident| $call:expr) => {{
        let mut sess = session(&$mock).await;
        let $c = cfg();
        let $t = sess.pbx.telephony_pbx_tring();
        let $s = &mut sess.store;
        $call.await.expect("no trap")
    }};
}

/// One JSON-text function: the mock answers `body` as JSON; the single
/// request must be a GET of `url(rest)` without a body, and the result the
/// body's text.
macro_rules! json_case {
    ($rest:expr, $body:expr, |$t:ident, $s:ident, $c:ident| $call:expr) => {{
        let mock = MockProvider::always(MockResponse::json(200, $body));
        let out: Result<String, Error> = run!(mock, |$t, $s, $c| $call);
        let r = mock.single();
        let expected = url($rest);
        assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", expected.as_str()));
        assert!(r.body.is_empty(), "{expected}");
        assert_eq!(out.expect(&expected), $body, "{expected}");
    }};
}

const ROWS: &str = r#"[{"a":"1"},{"a":"2"}]"#;
const OBJ: &str = r#"{"id":"9","name":"x"}"#;
const DONE: &str = r#"{"Response":"Success","Message":"done"}"#;

#[tokio::test]
async fn counts_peers_channels_and_status_reqtypes() {
    json_case!("COUNTCHANNELS&format=json", r#"{"total":4}"#, |t, s, c| t.call_count_channels(s, &c, None));
    json_case!("COUNTCHANNELS&nodename=node1.tring.nu&format=json", r#"{"node1.tring.nu":"3"}"#, |t, s, c| t
        .call_count_channels(s, &c, Some("node1.tring.nu")));
    json_case!("COUNTCALLS&format=json", "3", |t, s, c| t.call_count_calls(s, &c));
    json_case!("PEERS&format=json", ROWS, |t, s, c| t.call_peers(s, &c));
    json_case!("BLFS&format=json", ROWS, |t, s, c| t.call_blfs(s, &c));
    json_case!("FLOWS&format=json", ROWS, |t, s, c| t.call_flows(s, &c));
    json_case!("CHANNEL&channel=SIP%2F101-DEVEL-00000a1b&format=json", OBJ, |t, s, c| t.call_channel(
        s,
        &c,
        "SIP/101-DEVEL-00000a1b"
    ));
    json_case!("CHANNELS&format=json", ROWS, |t, s, c| t.call_channels(s, &c));
}

#[tokio::test]
async fn count_peers_keeps_node_order_and_reads_string_counts() {
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_count_peers(s, &c)).unwrap();
    assert_eq!(out.nodes, vec![("node1.tring.nu".to_string(), 12), ("node2.tring.nu".to_string(), 7)]);
    assert_eq!(out.total, 19);
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("COUNTPEERS&format=json").as_str()));
    assert_eq!(headers(&r), vec![("host", "pbx.example.com")]);
    let two = Some(Duration::from_millis(2_000));
    assert_eq!(r.timeouts, [two, two, two]);

    let mock = MockProvider::always(MockResponse::json(200, r#"{"zz":3,"aa":"10"}"#));
    let out = run!(mock, |t, s, c| t.call_count_peers(s, &c)).unwrap();
    assert_eq!((out.nodes, out.total), (vec![("zz".to_string(), 3), ("aa".to_string(), 10)], 13));
    let mock = MockProvider::always(MockResponse::json(200, r#"{"n1":"many"}"#));
    assert!(matches!(run!(mock, |t, s, c| t.call_count_peers(s, &c)), Err(Error::Decode(_))));
}

#[tokio::test]
async fn phonebook_functions() {
    json_case!(
        "PHONEBOOK&phonebook=Main%20book&subreqtype=query&field=name&value=Jo%25&format=json",
        ROWS,
        |t, s, c| t.call_phonebook_query(s, &c, "Main book", "name", "Jo%")
    );
    json_case!("PHONEBOOK&phonebook=Main&subreqtype=delete&peid=42&format=json", DONE, |t, s, c| t
        .call_phonebook_delete(s, &c, "Main", "42"));
    json_case!("PHONEBOOK&phonebook=Main&subreqtype=cleanall&format=json", DONE, |t, s, c| t
        .call_phonebook_cleanall(s, &c, "Main"));

    let mock = MockProvider::builtin();
    let values = r#"[{"name":"Jo Do","number":"+3212"}]"#;
    let out = run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "Main", values));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"Record added"}"#);
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", url("PHONEBOOK&phonebook=Main&subreqtype=add&format=json").as_str())
    );
    let body = "values=%5B%7B%22name%22%3A%22Jo+Do%22%2C%22number%22%3A%22%2B3212%22%7D%5D";
    assert_eq!(r.body_text(), body);
    assert_eq!(
        headers(&r),
        vec![
            ("host", "pbx.example.com"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );
}

#[tokio::test]
async fn info_json_functions() {
    json_case!("INFO&info=queues&format=json", ROWS, |t, s, c| t.call_info_queues(s, &c));
    json_case!("INFO&info=queue&id=3&format=json", OBJ, |t, s, c| t.call_info_queue(s, &c, "3"));
    json_case!("INFO&info=agents&format=json", ROWS, |t, s, c| t.call_info_agents(s, &c, None));
    json_case!("INFO&info=agents&queue=3&format=json", ROWS, |t, s, c| t.call_info_agents(s, &c, Some("3")));
    json_case!("INFO&info=agentsconnected&queue=3&format=json", ROWS, |t, s, c| t.call_info_agentsconnected(
        s,
        &c,
        Some("3")
    ));
    json_case!("INFO&info=agentsdelay&format=json", ROWS, |t, s, c| t.call_info_agentsdelay(s, &c, None));
    json_case!("INFO&info=outdialed&format=json", ROWS, |t, s, c| t.call_info_outdialed(s, &c));
    json_case!("INFO&info=simpledialed&format=json", ROWS, |t, s, c| t.call_info_simpledialed(s, &c));
    json_case!("INFO&info=call&id=15c5ec7352f0d7&format=json", OBJ, |t, s, c| t.call_info_call(s, &c, CALL_ID));
    json_case!("INFO&info=voicemailtranscript&id=7&format=json", OBJ, |t, s, c| t
        .call_info_voicemailtranscript(s, &c, "7"));
    json_case!("INFO&info=dids&format=json", ROWS, |t, s, c| t.call_info_dids(s, &c));
    json_case!("INFO&info=sms&start=2024-05-01%2000%3A00%3A00&end=2024-05-02&format=json", ROWS, |t, s, c| t
        .call_info_sms(s, &c, Some("2024-05-01 00:00:00"), Some("2024-05-02")));
    json_case!("INFO&info=extensions&format=json", ROWS, |t, s, c| t.call_info_extensions(s, &c));
    json_case!("INFO&info=extstate&format=json", ROWS, |t, s, c| t.call_info_extstate(s, &c));
    json_case!("INFO&info=config&format=json", OBJ, |t, s, c| t.call_info_config(s, &c));
    json_case!("INFO&info=queuelogs&queue=3&start=2024-05-01&format=json", ROWS, |t, s, c| t.call_info_queuelogs(
        s,
        &c,
        Some("3"),
        Some("2024-05-01"),
        None
    ));
    json_case!("INFO&info=balance&end=2024-05-31&format=json", r#"{"balance":"12.50"}"#, |t, s, c| t
        .call_info_balance(s, &c, None, Some("2024-05-31")));
    json_case!("INFO&info=flow&id=%2A50&format=json", OBJ, |t, s, c| t.call_info_flow(s, &c, Some("*50")));
    json_case!("INFO&info=variable&id=NIGHT&format=json", OBJ, |t, s, c| t.call_info_variable(s, &c, Some("NIGHT")));
    // `id` is optional on the page: left out when not given.
    json_case!("INFO&info=flow&format=json", ROWS, |t, s, c| t.call_info_flow(s, &c, None));
    json_case!("INFO&info=variable&format=json", ROWS, |t, s, c| t.call_info_variable(s, &c, None));
}

#[tokio::test]
async fn cdrs_with_every_filter_and_format() {
    let all = CdrFilter {
        id: Some("1".into()),
        uniqueid: Some("1714550400.12".into()),
        linkedid: Some("1714550400.11".into()),
        src: Some("101,102".into()),
        firstdst: Some("600".into()),
        direction: Some("in".into()),
        phone: Some("+3212345678".into()),
        template: Some("short list".into()),
        start: Some("2024-05-01 00:00:00".into()),
        end: Some("2024-05-02 00:00:00".into()),
        format: None,
    };
    json_case!(
        "INFO&info=cdrs&id=1&uniqueid=1714550400.12&linkedid=1714550400.11&src=101%2C102&firstdst=600&direction=in&phone=%2B3212345678&template=short%20list&start=2024-05-01%2000%3A00%3A00&end=2024-05-02%2000%3A00%3A00&format=json",
        ROWS,
        |t, s, c| t.call_info_cdrs(s, &c, &all)
    );
    let simple = SimplecdrFilter {
        id: Some("1".into()),
        uniqueid: Some("u".into()),
        calleridnum: Some("3212".into()),
        calleridname: Some("Jo Do".into()),
        disposition: Some("ANSWERED".into()),
        direction: Some("out".into()),
        whoanswered: Some("101".into()),
        phone: Some("3212".into()),
        start: Some("2024-05-01".into()),
        end: Some("2024-05-02".into()),
        format: Some(SimplecdrFormat::Json),
    };
    json_case!(
        "INFO&info=simplecdrs&id=1&uniqueid=u&calleridnum=3212&calleridname=Jo%20Do&disposition=ANSWERED&direction=out&whoanswered=101&phone=3212&start=2024-05-01&end=2024-05-02&format=json",
        ROWS,
        |t, s, c| t.call_info_simplecdrs(s, &c, &simple)
    );

    // CSV and XML come back as text, unchecked; empty CSV is the empty text.
    let csv = "calldate,src\n2024-05-01 10:00:00,101";
    for (format, body, rest) in [
        (CdrFormat::Csv, csv, "INFO&info=cdrs&format=csv"),
        (CdrFormat::Xml, "<cdrs><cdr/></cdrs>", "INFO&info=cdrs&format=xml"),
        (CdrFormat::Csv, "", "INFO&info=cdrs&format=csv"),
    ] {
        let mock = MockProvider::always(MockResponse::new(200, "text/plain", body));
        let f = CdrFilter { format: Some(format), ..cdr_filter() };
        let out = run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &f));
        assert_eq!(out.unwrap(), body.to_string());
        assert_eq!(mock.single().url, url(rest));
    }
    let mock = MockProvider::always(MockResponse::new(200, "text/csv", csv));
    let f = SimplecdrFilter { format: Some(SimplecdrFormat::Csv), ..simplecdr_filter() };
    assert_eq!(run!(mock, |t, s, c| t.call_info_simplecdrs(s, &c, &f)).unwrap(), csv);
    assert_eq!(mock.single().url, url("INFO&info=simplecdrs&format=csv"));
    // The `%` tenant wildcard of CDR queries.
    let mock = MockProvider::always(MockResponse::json(200, ROWS));
    let mut sess = session(&mock).await;
    let c = Config { tenant: Some("%".into()), ..cfg() };
    let out = sess.pbx.telephony_pbx_tring().call_info_cdrs(&mut sess.store, &c, &cdr_filter()).await.unwrap();
    assert_eq!(out.unwrap(), ROWS.to_string());
    assert!(mock.single().url.contains("&tenant=%25&reqtype=INFO&info=cdrs&format=json"));
}

#[tokio::test]
async fn recordings_and_every_binary_answer() {
    // INFO recording / playrecording: audio/mpeg from the builtin mock.
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!((out.content_type.as_str(), out.data.as_slice()), ("audio/mpeg", AUDIO));
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("INFO&info=recording&id=15c5ec7352f0d7").as_str()));

    let wav = || MockResponse::new(200, "audio/wav", WAV);
    let cases = [
        ("play", "INFO&info=playrecording&id=1714550400.12", MockResponse::new(200, "audio/mpeg", AUDIO)),
        ("voicemail", "INFO&info=voicemail&id=7", wav()),
        ("getaudio", "MEDIAFILE&action=getaudio&objectid=9", wav()),
        ("message", "VOICEMAIL&mailbox=101&msgid=7&action=message", wav()),
        ("getbinary", "MANAGEDB&object=mediafile&action=getbinary&objectid=9", wav()),
    ];
    for (which, rest, answer) in cases {
        let expected = (answer.headers[0].1.clone(), answer.body.clone());
        let mock = MockProvider::always(answer);
        let out = match which {
            "play" => run!(mock, |t, s, c| t.call_play_recording(s, &c, "1714550400.12")),
            "voicemail" => run!(mock, |t, s, c| t.call_info_voicemail(s, &c, "7")),
            "getaudio" => run!(mock, |t, s, c| t.call_mediafile_getaudio(s, &c, "9")),
            "message" => run!(mock, |t, s, c| t.call_voicemail_message(s, &c, Some("101"), "7")),
            _ => run!(mock, |t, s, c| t.call_managedb_getbinary(s, &c, "9")),
        };
        let out = out.unwrap();
        assert_eq!((out.content_type, out.data), expected, "{which}");
        let r = mock.single();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url(rest).as_str()), "{which}");
    }

    // Unknown id: 200 with an empty text/html body.
    let mock = MockProvider::builtin();
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, "unknown")), Err(Error::NotFound(_))));
    // An HTML page where audio was expected.
    let mock = MockProvider::always(MockResponse::html(200, "<html><body>No such file</body></html>"));
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)), Err(Error::Decode(_))));
    // Audio the server labelled text/html is still audio.
    let mock = MockProvider::always(MockResponse::html(200, "").tap_body(AUDIO));
    let out = run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!((out.content_type.as_str(), out.data.as_slice()), ("audio/mpeg", AUDIO));
    // No content type at all.
    let mut bare = MockResponse::new(200, "x", vec![1u8, 2, 3]);
    bare.headers.clear();
    let mock = MockProvider::always(bare);
    let out = run!(mock, |t, s, c| t.call_mediafile_getaudio(s, &c, "9")).unwrap();
    assert_eq!(out.content_type, "application/octet-stream");
}

/// Builds a response with binary `body`.
trait TapBody {
    fn tap_body(self, body: &[u8]) -> Self;
}

impl TapBody for MockResponse {
    fn tap_body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }
}

#[tokio::test]
async fn info_recording_is_plain_text_without_format() {
    let mock = MockProvider::builtin();
    let rows = run!(mock, |t, s, c| t.call_info_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!(rows, vec![vec!["1714550400.12", "101", "+3212345678", "2024-05-01 10:00:00", "42"]]);
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("INFO&info=inforecording&id=15c5ec7352f0d7").as_str()));
    assert!(!r.url.contains("format"), "inforecording ignores format=json; none is sent");
    let mock = MockProvider::builtin();
    assert!(matches!(run!(mock, |t, s, c| t.call_info_recording(s, &c, "nope")), Err(Error::NotFound(_))));
}

#[tokio::test]
async fn agent_transfer_calls_and_campaigns() {
    json_case!("AGENT&extension=101&queue=3&action=pause&pausereason=lunch%20break&format=json", DONE, |t, s, c| t
        .call_agent_pause(s, &c, "101", &QueueRef::Id("3".into()), Some("lunch break")));
    json_case!("AGENT&extension=101&queuenumber=600&action=unpause&format=json", DONE, |t, s, c| t.call_agent_unpause(
        s,
        &c,
        "101",
        &QueueRef::Number("600".into())
    ));
    json_case!("ATXTRANSFER&channel=SIP%2F101-1&dest=102&format=json", DONE, |t, s, c| t.call_atx_transfer(
        s,
        &c,
        "SIP/101-1",
        "102"
    ));
    json_case!("HANGUP&channel=SIP%2F101-1&extension=103-DEVEL&fast=yes&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        Some("SIP/101-1"),
        Some("103-DEVEL"),
        Some(true)
    ));
    json_case!("HANGUP&channel=SIP%2F101-1&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        Some("SIP/101-1"),
        None,
        Some(false)
    ));
    // The page lets `extension` stand alone.
    json_case!("HANGUP&extension=103-DEVEL&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        None,
        Some("103-DEVEL"),
        None
    ));
    json_case!("TRANSFER&channel=SIP%2F101-1&extrachannel=SIP%2F102-2&dest=600&format=json", DONE, |t, s, c| t
        .call_transfer(s, &c, "SIP/101-1", "600", Some("SIP/102-2")));
    json_case!(
        "SMS&dest=%2B3212345678&destclid=TRiNG&server=node2&message=Hello%2C%20world%21%0Abye&format=json",
        DONE,
        |t, s, c| t.call_sms(s, &c, "+3212345678", "Hello, world!\nbye", Some("TRiNG"), Some("node2"))
    );
    json_case!("CAMPAIGN&campaign=12&action=start&format=json", DONE, |t, s, c| t.call_campaign_start(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=stop&format=json", DONE, |t, s, c| t.call_campaign_stop(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=pause&format=json", DONE, |t, s, c| t.call_campaign_pause(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=resume&format=json", DONE, |t, s, c| t.call_campaign_resume(s, &c, "12"));
    json_case!(
        "CAMPAIGN&campaign=12&action=addnumber&number=%2B3212345678&numberdescription=VIP%20client&format=json",
        DONE,
        |t, s, c| t.call_campaign_addnumber(s, &c, "12", "+3212345678", Some("VIP client"))
    );
    json_case!("CAMPAIGN&campaign=12&action=delnumber&number=3212345678&format=json", DONE, |t, s, c| t
        .call_campaign_delnumber(s, &c, "12", "3212345678"));
}

#[tokio::test]
async fn dial_success_plain_and_refusal() {
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "+3212345678"))).unwrap();
    assert_eq!((out.id.as_str(), out.message.as_str()), (CALL_ID, "Originate successfully queued"));
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", url("DIAL&source=101&dest=%2B3212345678&format=json").as_str())
    );

    let full = DialRequest {
        var: Some("LANG=nl".into()),
        account: Some("SOURCE".into()),
        dial_timeout: Some(30),
        timeout: Some(3600),
        source_clid: Some("Sales <100>".into()),
        dest_clid: Some("3210".into()),
        recording: Some(RecordingMode::Nochange),
        server: Some("node2.tring.nu".into()),
        auto_answer: Some(true),
        no_follow: Some(true),
        ..dial_req("ACCOUNT", "600")
    };
    let mock = MockProvider::builtin();
    run!(mock, |t, s, c| t.call_dial(s, &c, &full)).unwrap();
    assert_eq!(
        mock.single().url,
        url("DIAL&source=ACCOUNT&dest=600&var=LANG%3Dnl&account=SOURCE&dialtimeout=30&timeout=3600&sourceclid=Sales%20%3C100%3E&destclid=3210&recording=nochange&server=node2.tring.nu&autoanswer=yes&nofollow=yes&format=json")
    );

    // A server that ignores format=json answers the plain form.
    let mock = MockProvider::always(MockResponse::html(200, "Success|Originate successfully queued|15a4cfe6429054|"));
    let out = run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))).unwrap();
    assert_eq!((out.id.as_str(), out.message.as_str()), ("15a4cfe6429054", "Originate successfully queued"));

    // Response: Error is a provider error with the message, status 200, no code.
    let mock = MockProvider::builtin();
    match run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "000"))) {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, None, "Extension does not exist."))
        }
        other => panic!("{other:?}"),
    }
    let mock = MockProvider::always(MockResponse::html(200, "Error|No route|"));
    assert!(
        matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::Provider(p)) if p.message == "No route")
    );
}

#[tokio::test]
async fn fax_send_uploads_the_pdf_as_multipart() {
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\n\x00\xff binary\r\n%%EOF\n".to_vec();
    let req = FaxRequest {
        quality: Some(FaxQuality::Superfine),
        page_size: Some(FaxPageSize::Letter),
        rotate: Some(FaxRotate::East),
        delete_after_send: Some(true),
        schedule: Some("2024-05-01 10:00".into()),
        status_email: Some("ops@example.com".into()),
        ..fax_req(&pdf)
    };
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_fax_send(s, &c, &req));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"Fax queued","ID":"77"}"#.to_string());
    let r = mock.single();
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.url,
        url("FAX&action=send&source_number=3210&dest_number=%2B3212345678&quality=204x392&pagesize=letter&rotate=E&deleteaftersend=on&schedule=2024-05-01%2010%3A00&statusemail=ops%40example.com&format=json")
    );
    let ct = r.header("content-type").unwrap().to_string();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").expect("multipart").to_string();
    assert!(!boundary.is_empty() && boundary.len() <= 70);
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(&pdf);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, expected);
    assert_eq!(r.header("content-length"), Some(expected.len().to_string().as_str()));
    assert!(r.header("transfer-encoding").is_none());

    // A PDF that contains the boundary gets another one.
    let tricky = format!("%PDF {boundary} {boundary}1 x").into_bytes();
    let mock = MockProvider::builtin();
    run!(mock, |t, s, c| t.call_fax_send(s, &c, &fax_req(&tricky))).unwrap();
    let r = mock.single();
    let other = r.header("content-type").unwrap().strip_prefix("multipart/form-data; boundary=").unwrap().to_string();
    assert!(!tricky.windows(other.len()).any(|w| w == other.as_bytes()), "{other}");
    assert_eq!(r.url, url("FAX&action=send&source_number=3210&dest_number=%2B3212345678&format=json"));
}

#[tokio::test]
async fn queue_functions() {
    let num = QueueRef::Number("600".into());
    let id = QueueRef::Id("3".into());
    json_case!("QUEUE&number=600&action=list&format=json", ROWS, |t, s, c| t.call_queue_list(s, &c, &num));
    json_case!("QUEUE&id=3&action=fulllist&format=json", ROWS, |t, s, c| t.call_queue_fulllist(s, &c, &id));
    json_case!("QUEUE&number=600&extension=101&action=add&order=2&type=CUFF&format=json", DONE, |t, s, c| t
        .call_queue_add(s, &c, &num, "101", Some(2), Some(AgentType::Cuff)));
    json_case!("QUEUE&number=600&extension=101&action=add&format=json", DONE, |t, s, c| t
        .call_queue_add(s, &c, &num, "101", None, None));
    json_case!("QUEUE&id=3&extension=101&action=del&format=json", DONE, |t, s, c| t.call_queue_del(s, &c, &id, "101"));
    json_case!("QUEUE&id=3&action=clean&format=json", DONE, |t, s, c| t.call_queue_clean(s, &c, &id));
    let entry = QueueLogEntry {
        uniqid: Some("1714550400.12".into()),
        extension: Some("NONE".into()),
        event: Some("CUSTOM".into()),
        data1: Some("a b".into()),
        data2: Some("2".into()),
        data3: Some("3".into()),
        data4: Some("4".into()),
        data5: Some("5".into()),
    };
    json_case!(
        "QUEUE&number=600&uniqid=1714550400.12&extension=NONE&action=log&event=CUSTOM&data1=a%20b&data2=2&data3=3&data4=4&data5=5&format=json",
        DONE,
        |t, s, c| t.call_queue_log(s, &c, &num, &entry)
    );
    json_case!("QUEUE&id=3&action=log&format=json", DONE, |t, s, c| t.call_queue_log(s, &c, &id, &log_entry()));
    json_case!("QUEUERESET&queueid=3&format=json", DONE, |t, s, c| t.call_queue_reset(s, &c, "3"));
}

#[tokio::test]
async fn peers_paths_flows_virtualext_voicemail() {
    json_case!("REBOOT&peer=ALL&format=json", DONE, |t, s, c| t.call_reboot(s, &c, "ALL"));
    json_case!("UNREGISTER&peer=101-DEVEL&format=json", DONE, |t, s, c| t.call_unregister(s, &c, "101-DEVEL"));
    json_case!("RESPONSEPATH&id=5&action=list&format=json", ROWS, |t, s, c| t
        .call_responsepath_list(s, &c, "5", None, None));
    json_case!("RESPONSEPATH&id=5&filter=queue&filterdata=3&action=list&format=json", ROWS, |t, s, c| t
        .call_responsepath_list(s, &c, "5", Some(ResponsepathFilter::Queue), Some("3")));
    json_case!(
        "RESPONSEPATH&id=5&rrid=1714550400.12&filter=uniqueid&filterdata=x&action=getid&format=json",
        OBJ,
        |t, s, c| t.call_responsepath_getid(s, &c, "5", "1714550400.12", Some(ResponsepathFilter::Uniqueid), Some("x"))
    );
    json_case!("RESPONSEPATH&id=5&filter=answer&filterdata=101&action=getlast&format=json", OBJ, |t, s, c| t
        .call_responsepath_getlast(s, &c, "5", Some(ResponsepathFilter::Answer), Some("101")));
    json_case!("SETFLOW&number=%2A50&state=NOT_INUSE&value=night%20mode&format=json", DONE, |t, s, c| t.call_set_flow(
        s,
        &c,
        "*50",
        Some(FlowState::NotInuse),
        Some("night mode")
    ));
    json_case!("SETFLOW&number=51&state=RINGING&format=json", DONE, |t, s, c| t.call_set_flow(
        s,
        &c,
        "51",
        Some(FlowState::Ringing),
        None
    ));
    json_case!("VIRTUALEXT&number=800&action=list&format=json", ROWS, |t, s, c| t.call_virtualext_list(s, &c, "800"));
    json_case!("VIRTUALEXT&number=800&extension=101&action=add&format=json", DONE, |t, s, c| t
        .call_virtualext_add(s, &c, "800", "101"));
    json_case!("VIRTUALEXT&number=800&extension=101&action=del&format=json", DONE, |t, s, c| t
        .call_virtualext_del(s, &c, "800", "101"));
    json_case!("VIRTUALEXT&number=800&action=clean&format=json", DONE, |t, s, c| t.call_virtualext_clean(s, &c, "800"));
    json_case!("VOICEMAIL&action=list&format=json", ROWS, |t, s, c| t.call_voicemail_list(s, &c, None));
    json_case!("VOICEMAIL&mailbox=101&action=list&format=json", ROWS, |t, s, c| t.call_voicemail_list(
        s,
        &c,
        Some("101")
    ));
    json_case!("VOICEMAIL&mailbox=101&action=messages&format=json", ROWS, |t, s, c| t
        .call_voicemail_messages(s, &c, "101"));
    json_case!("VOICEMAIL&msgid=7&action=delete&format=json", DONE, |t, s, c| t
        .call_voicemail_delete(s, &c, None, "7"));
}

#[tokio::test]
async fn managedb_reads_and_gets() {
    json_case!("MANAGEDB&object=extension&action=list&format=json", ROWS, |t, s, c| t.call_managedb_list(
        s,
        &c,
        ManagedbObject::Extension,
        None,
        None,
        None
    ));
    json_case!("MANAGEDB&object=route&routingprofileid=4&action=list&format=json", ROWS, |t, s, c| t
        .call_managedb_list(s, &c, ManagedbObject::Route, Some("4"), None, None));
    json_case!("MANAGEDB&object=destination&typesrc=DID&typeidsrc=12&action=list&format=json", ROWS, |t, s, c| t
        .call_managedb_list(s, &c, ManagedbObject::Destination, None, Some("DID"), Some("12")));
    json_case!("MANAGEDB&object=routingprofile&action=get&objectid=9&format=json", OBJ, |t, s, c| t.call_managedb_get(
        s,
        &c,
        ManagedbObject::Routingprofile,
        "9"
    ));
    json_case!("MANAGEDB&object=conference&action=delete&objectid=9&format=json", DONE, |t, s, c| t
        .call_managedb_delete(s, &c, ManagedbObject::Conference, "9"));
    json_case!("MANAGEDB&object=huntlist&action=getextensions&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_getextensions(s, &c, "9"));
    json_case!("MANAGEDB&object=user&action=listtenants&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_listtenants(s, &c, "9"));
    json_case!("MANAGEDB&object=user&action=addtenant&objectid=9&tenantid=3&format=json", DONE, |t, s, c| t
        .call_managedb_addtenant(s, &c, "9", "3"));
    json_case!("MANAGEDB&object=user&action=deltenant&objectid=9&tenantid=3&format=json", DONE, |t, s, c| t
        .call_managedb_deltenant(s, &c, "9", "3"));
    json_case!("MANAGEDB&object=provider&action=listroutes&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_listroutes(s, &c, "9"));
}

#[tokio::test]
async fn managedb_writes_post_jsondata() {
    let saved = r#"{"Response":"Success","Message":"Saved","ID":"9"}"#;
    let data = r#"{"name":"Night & day","number":"101"}"#;
    let encoded = "jsondata=%7B%22name%22%3A%22Night+%26+day%22%2C%22number%22%3A%22101%22%7D";
    let tags = r#"["EXT-101","EXT-102"]"#;
    let tags_enc = "jsondata=%5B%22EXT-101%22%2C%22EXT-102%22%5D";
    for (which, rest, body) in [
        ("add", "MANAGEDB&object=phone&action=add&format=json", encoded),
        ("update", "MANAGEDB&object=extension&action=update&objectid=9&format=json", encoded),
        ("setextensions", "MANAGEDB&object=huntlist&action=setextensions&objectid=9&format=json", tags_enc),
        ("replace", "MANAGEDB&object=destination&typesrc=DID&typeidsrc=12&action=replace&format=json", tags_enc),
    ] {
        let mock = MockProvider::builtin();
        let out = match which {
            "add" => run!(mock, |t, s, c| t.call_managedb_add(s, &c, ManagedbObject::Phone, data)),
            "update" => run!(mock, |t, s, c| t.call_managedb_update(s, &c, ManagedbObject::Extension, "9", data)),
            "setextensions" => run!(mock, |t, s, c| t.call_managedb_setextensions(s, &c, "9", tags)),
            _ => run!(mock, |t, s, c| t.call_managedb_replace(s, &c, Some("DID"), Some("12"), tags)),
        };
        assert_eq!(out.unwrap(), saved.to_string(), "{which}");
        let r = mock.single();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", url(rest).as_str()), "{which}");
        assert_eq!(r.body_text(), body, "{which}");
        assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
        assert_eq!(r.header("content-length"), Some(body.len().to_string().as_str()));
    }

    let file = Media { content_type: "audio/wav".into(), data: WAV.to_vec() };
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_managedb_updatebinary(s, &c, "9", "hold music.wav", &file));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"File stored"}"#.to_string());
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", url("MANAGEDB&object=mediafile&action=updatebinary&objectid=9&format=json").as_str())
    );
    let boundary =
        r.header("content-type").unwrap().strip_prefix("multipart/form-data; boundary=").unwrap().to_string();
    let mut expected = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"hold music.wav\"\r\nContent-Type: audio/wav\r\n\r\n").into_bytes();
    expected.extend_from_slice(WAV);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, expected);
}

#[tokio::test]
async fn check_auth_and_webrtc_auth() {
    json_case!("CHECKAUTH&username=admin&password=p%40ss%20w%26rd&format=json", OBJ, |t, s, c| t.call_check_auth(
        s,
        &c,
        "admin",
        "p@ss w&rd"
    ));
    json_case!("GETWEBRTCAUTH&username=101-DEVEL&password=s3cr%C3%A9t&format=json", OBJ, |t, s, c| t
        .call_get_webrtc_auth(s, &c, "101-DEVEL", "s3crét"));

    // The password is redacted like the key, raw and encoded.
    let password = "PW-secret/77";
    let echo = format!(r#"{{"Response":"Error","Message":"bad password {password} (PW-secret%2F77) for key {KEY}"}}"#);
    let mock = MockProvider::always(MockResponse::json(200, &echo));
    let err = run!(mock, |t, s, c| t.call_check_auth(s, &c, "admin", password)).unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.message == "bad password [redacted] ([redacted]) for key [redacted]"),
        "{err:?}"
    );
    assert_no_secret(&err, &[password, "PW-secret%2F77", KEY, KEY_ENC]);
}

/// "Too bad..." with a JSON content type is `unauthorized`, for every kind
/// of answer; the body is not echoed.
#[tokio::test]
async fn too_bad_text_is_unauthorized() {
    let too_bad = || MockResponse::json(200, example("tring.too-bad"));
    let mock = MockProvider::always(too_bad());
    let outs: Vec<Result<(), Error>> = vec![
        run!(mock, |t, s, c| t.call_count_peers(s, &c)).map(|_| ()),
        run!(mock, |t, s, c| t.call_peers(s, &c)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")).map(|_| ()),
        run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))).map(|_| ()),
        run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_recording(s, &c, CALL_ID)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &CdrFilter { format: Some(CdrFormat::Csv), ..cdr_filter() }))
            .map(|_| ()),
        run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "b", "{}")).map(|_| ()),
    ];
    for out in outs {
        match out {
            Err(Error::Unauthorized(m)) => assert!(!m.contains("Too bad"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    // The built-in mock refuses the wrong key the same way.
    let mock = MockProvider::builtin();
    let mut sess = session(&mock).await;
    let c = Config { api_key: "wrong-key".into(), ..cfg() };
    let out = sess.pbx.telephony_pbx_tring().call_count_peers(&mut sess.store, &c).await.unwrap();
    assert!(matches!(out, Err(Error::Unauthorized(_))), "{out:?}");
}

/// Empty bodies: rows are `[]`, one object, an action, media `not-found`.
#[tokio::test]
async fn empty_bodies() {
    let mock = MockProvider::always(MockResponse::html(200, ""));
    assert_eq!(run!(mock, |t, s, c| t.call_peers(s, &c)).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &cdr_filter())).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_queue_list(s, &c, &QueueRef::Id("3".into()))).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_managedb_list(s, &c, ManagedbObject::Did, None, None, None)).unwrap(), "[]");
    assert!(matches!(run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_channel(s, &c, "SIP/9")), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_hangup(s, &c, Some("SIP/9"), None, None)), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_info_flow(s, &c, Some("*99"))), Err(Error::NotFound(_))));
    assert_eq!(run!(mock, |t, s, c| t.call_info_variable(s, &c, None)).unwrap(), "[]");
    assert!(matches!(run!(mock, |t, s, c| t.call_count_peers(s, &c)), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_voicemail_message(s, &c, None, "7")), Err(Error::NotFound(_))));
    assert_eq!(mock.requests().len(), 12);
}

/// Bodies that are not JSON where JSON was asked: `decode`; and JSON
/// `Response: Error` from any function: `provider`.
#[tokio::test]
async fn invalid_bodies_and_refusals() {
    for body in ["]", "<html><body>Error</body></html>", "OK", "[{\"a\":1}"] {
        let mock = MockProvider::always(MockResponse::json(200, body));
        assert!(matches!(run!(mock, |t, s, c| t.call_peers(s, &c)), Err(Error::Decode(_))), "{body}");
        assert!(matches!(run!(mock, |t, s, c| t.call_info_config(s, &c)), Err(Error::Decode(_))), "{body}");
        assert!(
            matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::Decode(_))),
            "{body}"
        );
    }
    let mock = MockProvider::always(MockResponse::json(200, r#"{"Response":"Error","Message":"Agent not in queue"}"#));
    match run!(mock, |t, s, c| t.call_queue_del(s, &c, &QueueRef::Id("3".into()), "101")) {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code, p.message.as_str()), (200, None, "Agent not in queue"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)), Err(Error::Provider(_))));
}

/// Every error class, and the key (raw or encoded) is in none of them,
/// though it is in every URL.
#[tokio::test]
async fn error_classes_never_carry_the_key() {
    let big = vec![b'['; 17 * 1024 * 1024];
    type Expect = Box<dyn Fn(&Error) -> bool>;
    let cases: Vec<(MockResponse, Expect)> = vec![
        (MockResponse::json(200, example("tring.too-bad")), Box::new(|e| matches!(e, Error::Unauthorized(_)))),
        (MockResponse::new(401, "text/plain", "no"), Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "no"))),
        (MockResponse::new(403, "text/plain", "Forbidden"), Box::new(|e| matches!(e, Error::Forbidden(_)))),
        (
            MockResponse::html(404, "<html>nope</html>"),
            Box::new(|e| matches!(e, Error::NotFound(m) if m.contains("HTML"))),
        ),
        (
            MockResponse::json(429, "").header("retry-after", "9"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(9)))),
        ),
        (
            MockResponse::new(500, "text/plain", format!("failed GET /pbx/proxyapi.php?key={KEY_ENC}&x key={KEY}")),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 500 && p.message == "failed GET /pbx/proxyapi.php?key=[redacted]&x key=[redacted]"),
            ),
        ),
        (
            MockResponse::json(200, &format!(r#"{{"Response":"Error","Message":"invalid key {KEY}"}}"#)),
            Box::new(|e| matches!(e, Error::Provider(p) if p.message == "invalid key [redacted]")),
        ),
        (
            MockResponse::json(200, &format!("{KEY} ]")),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("[redacted]"))),
        ),
        (MockResponse::html(200, ""), Box::new(|e| matches!(e, Error::NotFound(_)))),
        (MockResponse::new(200, "application/json", big), Box::new(|e| matches!(e, Error::TooLarge(_)))),
        (
            MockResponse::json(200, "{}").delayed(Duration::from_millis(2_500)),
            Box::new(|e| matches!(e, Error::Timeout)),
        ),
    ];
    for (answer, expected) in cases {
        let mock = MockProvider::always(answer.clone());
        let err = run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")).expect_err("must fail");
        assert!(expected(&err), "{} answered -> {err:?}", answer.status);
        assert_no_secret(&err, &[KEY, KEY_ENC]);
        assert_eq!(mock.requests().len(), 1, "sent once");
    }
}

#[tokio::test]
async fn a_dead_server_is_a_transport_error_without_the_key() {
    let mut s = host().instance(host_test::Transport::Network).await.unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let c = Config { server: "http://127.0.0.1:9".into(), ..cfg() };
    let err = s.pbx.telephony_pbx_tring().call_count_peers(&mut s.store, &c).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_no_secret(&err, &[KEY, KEY_ENC]);
    let err = s.pbx.telephony_pbx_tring().call_recording(&mut s.store, &c, CALL_ID).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_no_secret(&err, &[KEY, KEY_ENC]);
}

/// Every input check refuses before sending anything and names the field.
#[tokio::test]
async fn bad_input_sends_nothing() {
    let mock = MockProvider::builtin();
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = cfg();
        f(&mut c);
        c
    };
    for (c, field) in [
        (with(&|c| c.api_key = String::new()), "cfg.api-key"),
        (with(&|c| c.api_key = format!("{KEY}\r\n")), "cfg.api-key"),
        (with(&|c| c.server = String::new()), "cfg.server"),
        (with(&|c| c.server = "ftp://pbx.example.com".into()), "cfg.server"),
        (with(&|c| c.server = "https://pbx.example.com/?x=1".into()), "cfg.server"),
        (with(&|c| c.server = "pbx example.com".into()), "cfg.server"),
        (with(&|c| c.tenant = Some(String::new())), "cfg.tenant"),
        (with(&|c| c.tenant = Some("DE MO".into())), "cfg.tenant"),
        (with(&|c| c.tenant = Some("DEMO\n".into())), "cfg.tenant"),
        (with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms"),
    ] {
        let out = run!(mock, |t, s, _c| t.call_count_peers(s, &c));
        match out {
            Err(Error::InvalidInput(f)) => {
                assert_eq!(f.field, field);
                assert_no_secret(&f, &[KEY, KEY_ENC]);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let field_of = |out: Result<String, Error>| match out {
        Err(Error::InvalidInput(f)) => f.field,
        other => panic!("{other:?}"),
    };
    let q3 = QueueRef::Id("3".into());
    let mut fields = vec![
        field_of(run!(mock, |t, s, c| t.call_channel(s, &c, ""))),
        field_of(run!(mock, |t, s, c| t.call_info_queue(s, &c, "3 OR 1"))),
        field_of(run!(mock, |t, s, c| t.call_info_agents(s, &c, Some("q")))),
        field_of(run!(mock, |t, s, c| t.call_info_sms(s, &c, Some("2024\u{0}"), None))),
        field_of(run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "b", "name=x"))),
        field_of(run!(mock, |t, s, c| t.call_phonebook_delete(s, &c, "b", "4a"))),
        field_of(run!(mock, |t, s, c| t.call_agent_pause(s, &c, "101", &QueueRef::Id("x".into()), None))),
        field_of(run!(mock, |t, s, c| t.call_campaign_start(s, &c, "abc"))),
        field_of(run!(mock, |t, s, c| t.call_sms(s, &c, "+32 12", "hi", None, None))),
        field_of(run!(mock, |t, s, c| t.call_sms(s, &c, "3212", " ", None, None))),
        field_of(run!(mock, |t, s, c| t.call_queue_add(s, &c, &q3, "", None, None))),
        field_of(run!(mock, |t, s, c| t.call_queue_log(
            s,
            &c,
            &q3,
            &QueueLogEntry { data3: Some("\u{7}".into()), ..log_entry() }
        ))),
        field_of(run!(mock, |t, s, c| t.call_queue_reset(s, &c, "-1"))),
        field_of(run!(mock, |t, s, c| t.call_responsepath_getid(s, &c, "5", "a b", None, None))),
        field_of(run!(mock, |t, s, c| t.call_managedb_get(s, &c, ManagedbObject::Huntlist, "9"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_delete(s, &c, ManagedbObject::Tenant, "9"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_update(s, &c, ManagedbObject::Phone, "9", "{oops"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_addtenant(s, &c, "9", "DEMO"))),
        field_of(run!(mock, |t, s, c| t.call_fax_send(s, &c, &fax_req(b"")))),
        field_of(run!(mock, |t, s, c| t.call_fax_send(
            s,
            &c,
            &FaxRequest { status_email: Some("a b@c".into()), ..fax_req(b"%PDF") }
        ))),
        field_of(run!(mock, |t, s, c| t.call_managedb_updatebinary(
            s,
            &c,
            "9",
            "a\"b.wav",
            &Media { content_type: "audio/wav".into(), data: WAV.to_vec() }
        ))),
        field_of(run!(mock, |t, s, c| t.call_check_auth(s, &c, "", "pw"))),
        field_of(run!(mock, |t, s, c| t.call_check_auth(s, &c, "admin", ""))),
        field_of(run!(mock, |t, s, c| t.call_hangup(s, &c, None, None, Some(true)))),
        field_of(run!(mock, |t, s, c| t.call_hangup(s, &c, None, Some("103 DEVEL"), None))),
        field_of(run!(mock, |t, s, c| t.call_info_flow(s, &c, Some("*5 0")))),
    ];
    let dial = |f: &dyn Fn(&mut DialRequest)| {
        let mut d = dial_req("101", "102");
        f(&mut d);
        d
    };
    for d in [
        dial(&|d| d.source = String::new()),
        dial(&|d| d.dest = "+32 12".into()),
        dial(&|d| d.dest = "102\r\nX: y".into()),
        dial(&|d| d.source_clid = Some("a\u{0}".into())),
        dial(&|d| d.server = Some("node 2".into())),
    ] {
        match run!(mock, |t, s, c| t.call_dial(s, &c, &d)) {
            Err(Error::InvalidInput(f)) => fields.push(f.field),
            other => panic!("{other:?}"),
        }
    }
    match run!(mock, |t, s, c| t.call_recording(s, &c, "")) {
        Err(Error::InvalidInput(f)) => fields.push(f.field),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fields,
        vec![
            "channel",
            "id",
            "queue",
            "start",
            "values",
            "peid",
            "queue",
            "campaign",
            "dest",
            "message",
            "extension",
            "entry.data3",
            "queueid",
            "rrid",
            "object",
            "object",
            "jsondata",
            "tenantid",
            "req.pdf",
            "req.status-email",
            "file-name",
            "username",
            "password",
            "channel",
            "extension",
            "id",
            "req.source",
            "req.dest",
            "req.dest",
            "req.source-clid",
            "req.server",
            "id",
        ]
    );
    assert!(mock.requests().is_empty(), "nothing was sent: {:?}", mock.requests());
}

/// The interface has one function per reqtype and sub-action of the page.
#[tokio::test]
async fn every_reqtype_and_sub_action_is_a_function() {
    let h = host();
    let mut names: Vec<String> = host_test::dynamic::list_functions(&h.engine, &h.component)
        .into_iter()
        .filter_map(|f| f.strip_prefix("tring.").map(str::to_string))
        .collect();
    names.sort();
    let mut expected = vec![
        "count-peers",
        "count-channels",
        "peers",
        "blfs",
        "flows",
        "channel",
        "channels",
        "phonebook-query",
        "phonebook-add",
        "phonebook-delete",
        "phonebook-cleanall",
        "info-queues",
        "info-queue",
        "info-agents",
        "info-agentsconnected",
        "info-agentsdelay",
        "info-outdialed",
        "info-simpledialed",
        "info-call",
        "info-recording",
        "recording",
        "play-recording",
        "info-voicemail",
        "info-voicemailtranscript",
        "info-dids",
        "info-sms",
        "info-extensions",
        "info-extstate",
        "info-config",
        "info-cdrs",
        "info-simplecdrs",
        "info-queuelogs",
        "info-balance",
        "info-flow",
        "info-variable",
        "agent-pause",
        "agent-unpause",
        "atx-transfer",
        "campaign-start",
        "campaign-stop",
        "campaign-pause",
        "campaign-resume",
        "campaign-addnumber",
        "campaign-delnumber",
        "dial",
        "fax-send",
        "hangup",
        "mediafile-getaudio",
        "queue-list",
        "queue-fulllist",
        "queue-add",
        "queue-del",
        "queue-clean",
        "queue-log",
        "queue-reset",
        "reboot",
        "responsepath-list",
        "responsepath-getid",
        "responsepath-getlast",
        "set-flow",
        "sms",
        "transfer",
        "unregister",
        "virtualext-list",
        "virtualext-add",
        "virtualext-del",
        "virtualext-clean",
        "voicemail-list",
        "voicemail-messages",
        "voicemail-message",
        "voicemail-delete",
        "count-calls",
        "managedb-list",
        "managedb-get",
        "managedb-add",
        "managedb-update",
        "managedb-delete",
        "managedb-getbinary",
        "managedb-updatebinary",
        "managedb-getextensions",
        "managedb-setextensions",
        "managedb-listtenants",
        "managedb-addtenant",
        "managedb-deltenant",
        "managedb-listroutes",
        "managedb-replace",
        "check-auth",
        "get-webrtc-auth",
    ];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(names.len(), 88);
}

/// The CLI's demo calls all run against the built-in mock, with the
/// documented outcomes.
#[tokio::test]
async fn demo_calls_run_against_the_builtin_mock() {
    let h = host();
    let mut outcomes = Vec::new();
    for (function, mut args) in host_test::kit::mock::tring::demo_calls() {
        args.as_object_mut()
            .unwrap()
            .insert("cfg".into(), serde_json::json!({"server": "https://api.tring.nu", "api-key": "demo-api-key"}));
        let mock = MockProvider::builtin();
        let mut store = h.store(host_test::kit::mock_transport(mock.clone()));
        let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
        let func = host_test::dynamic::find(&mut store, &instance, function).unwrap();
        let out = host_test::dynamic::call(&mut store, func, &args).await.unwrap();
        assert_eq!(mock.requests().len(), 1, "{function}");
        assert!(mock.single().url.starts_with("https://api.tring.nu/pbx/proxyapi.php?key=demo-api-key&reqtype="));
        outcomes.push(if out.get("ok").is_some() { "ok".to_string() } else { out["err"].to_string() });
    }
    let errs: Vec<&String> = outcomes.iter().filter(|o| *o != "ok").collect();
    assert_eq!(errs.len(), 3, "{outcomes:?}");
    assert!(errs[0].contains("provider") && errs[1].contains("not-found") && errs[2].contains("not-found"), "{errs:?}");
}

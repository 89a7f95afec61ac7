//! Native tests of the request builders: the exact URL, method and body of
//! each family, and the input checks.

use super::query::{Answer, Check, Tail, BOUNDARY, JSON};
use super::requests::*;
use crate::bindings::exports::telephony::pbx::tring::*;
use crate::error::Result;
use crate::http::{Method, Request};
use crate::Error;

const BASE: &str = "https://api.tring.nu/pbx/proxyapi.php?key=K1&tenant=DEMO&reqtype=";

fn cfg() -> Config {
    Config {
        server: "https://api.tring.nu".into(),
        api_key: "K1".into(),
        tenant: Some("DEMO".into()),
        timeout_ms: None,
        max_body_bytes: None,
    }
}

/// The URL after `reqtype=` of a GET without a body.
fn get(r: Result<Request>) -> String {
    let r = r.unwrap();
    assert_eq!(r.method, Method::Get);
    assert!(r.body.is_none());
    let url = r.target.to_url();
    url.strip_prefix(BASE).unwrap_or_else(|| panic!("{url}")).to_string()
}

fn field(r: Result<Request>) -> String {
    match r {
        Err(Error::InvalidInput(f)) => f.field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn simple_reqtypes() {
    assert_eq!(get(plain_request(&cfg(), "COUNTPEERS")), "COUNTPEERS&format=json");
    assert_eq!(
        get(one_param_request(&cfg(), "COUNTCHANNELS", "nodename", None, Check::Token)),
        "COUNTCHANNELS&format=json"
    );
    assert_eq!(
        get(one_param_request(&cfg(), "CHANNEL", "channel", Some("SIP/101-DEVEL-00000a"), Check::Token)),
        "CHANNEL&channel=SIP%2F101-DEVEL-00000a&format=json"
    );
    assert_eq!(
        get(one_param_request(&cfg(), "REBOOT", "peer", Some("ALL"), Check::Token)),
        "REBOOT&peer=ALL&format=json"
    );
    assert_eq!(field(one_param_request(&cfg(), "QUEUERESET", "queueid", Some("x1"), Check::Digits)), "queueid");
    assert_eq!(
        get(auth_request(&cfg(), "CHECKAUTH", "101-DEVEL", "p@ss w&rd")),
        "CHECKAUTH&username=101-DEVEL&password=p%40ss%20w%26rd&format=json"
    );
}

#[test]
fn phonebook() {
    assert_eq!(
        get(phonebook_request(&cfg(), "Main book", PhonebookAction::Query { field: "name", value: "Jo%" })),
        "PHONEBOOK&phonebook=Main%20book&subreqtype=query&field=name&value=Jo%25&format=json"
    );
    assert_eq!(
        get(phonebook_request(&cfg(), "b", PhonebookAction::Delete { peid: "42" })),
        "PHONEBOOK&phonebook=b&subreqtype=delete&peid=42&format=json"
    );
    assert_eq!(
        get(phonebook_request(&cfg(), "b", PhonebookAction::Cleanall)),
        "PHONEBOOK&phonebook=b&subreqtype=cleanall&format=json"
    );
    let r = phonebook_request(&cfg(), "b", PhonebookAction::Add { values: r#"{"name":"Jo Do","number":"+3212"}"# })
        .unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.target.to_url(), format!("{BASE}PHONEBOOK&phonebook=b&subreqtype=add&format=json"));
    let body = r.body.unwrap();
    assert_eq!(body.content_type, "application/x-www-form-urlencoded");
    assert_eq!(body.bytes, b"values=%7B%22name%22%3A%22Jo+Do%22%2C%22number%22%3A%22%2B3212%22%7D");
    assert_eq!(field(phonebook_request(&cfg(), "b", PhonebookAction::Add { values: "name=x" })), "values");
    assert_eq!(field(phonebook_request(&cfg(), "b", PhonebookAction::Delete { peid: "4 2" })), "peid");
}

#[test]
fn info() {
    assert_eq!(get(info_request(&cfg(), &Info::new("queues"))), "INFO&info=queues&format=json");
    let recording = Info { id: Some("1588.12"), answer: Answer::Raw, ..Info::new("recording") };
    assert_eq!(get(info_request(&cfg(), &recording)), "INFO&info=recording&id=1588.12");
    assert_eq!(
        get(info_request(
            &cfg(),
            &Info { queue: Some("7"), start: Some("2024-01-01 00:00:00"), ..Info::new("queuelogs") }
        )),
        "INFO&info=queuelogs&queue=7&start=2024-01-01%2000%3A00%3A00&format=json"
    );
    assert_eq!(
        field(info_request(&cfg(), &Info { id: Some("q1"), id_check: Check::Digits, ..Info::new("queue") })),
        "id"
    );
    assert_eq!(field(info_request(&cfg(), &Info { queue: Some("x"), ..Info::new("agents") })), "queue");
    assert_eq!(get(info_request(&cfg(), &Info::new("flow"))), "INFO&info=flow&format=json");
    assert_eq!(
        get(info_request(&cfg(), &Info { id: Some("*50"), ..Info::new("flow") })),
        "INFO&info=flow&id=%2A50&format=json"
    );
    let f = CdrFilter {
        id: None,
        uniqueid: None,
        linkedid: None,
        src: Some("101,102".into()),
        firstdst: None,
        direction: Some("in".into()),
        phone: None,
        template: None,
        start: Some("2024-01-01".into()),
        end: Some("2024-01-02".into()),
        format: Some(CdrFormat::Csv),
    };
    assert_eq!(
        get(info_cdrs_request(&cfg(), &f)),
        "INFO&info=cdrs&src=101%2C102&direction=in&start=2024-01-01&end=2024-01-02&format=csv"
    );
    let f = SimplecdrFilter {
        id: None,
        uniqueid: None,
        calleridnum: None,
        calleridname: Some("Jo Do".into()),
        disposition: None,
        direction: None,
        whoanswered: None,
        phone: Some("+3212".into()),
        start: None,
        end: None,
        format: None,
    };
    assert_eq!(
        get(info_simplecdrs_request(&cfg(), &f)),
        "INFO&info=simplecdrs&calleridname=Jo%20Do&phone=%2B3212&format=json"
    );
    let bad = SimplecdrFilter { phone: Some("1 2".into()), ..f };
    assert_eq!(field(info_simplecdrs_request(&cfg(), &bad)), "filter.phone");
}

#[test]
fn calls_agents_campaigns() {
    assert_eq!(
        get(agent_request(&cfg(), "pause", "101", &QueueRef::Number("600".into()), Some("lunch break"))),
        "AGENT&extension=101&queuenumber=600&action=pause&pausereason=lunch%20break&format=json"
    );
    assert_eq!(
        get(agent_request(&cfg(), "unpause", "101", &QueueRef::Id("3".into()), None)),
        "AGENT&extension=101&queue=3&action=unpause&format=json"
    );
    assert_eq!(field(agent_request(&cfg(), "unpause", "101", &QueueRef::Id("q".into()), None)), "queue");
    let transfer = Transfer { reqtype: "TRANSFER", channel: "c1", extrachannel: Some("c2"), dest: "200" };
    assert_eq!(get(transfer_request(&cfg(), &transfer)), "TRANSFER&channel=c1&extrachannel=c2&dest=200&format=json");
    let transfer = Transfer { reqtype: "ATXTRANSFER", extrachannel: None, ..transfer };
    assert_eq!(get(transfer_request(&cfg(), &transfer)), "ATXTRANSFER&channel=c1&dest=200&format=json");
    assert_eq!(
        get(campaign_request(&cfg(), "addnumber", "12", Some("+3212"), Some("VIP client"))),
        "CAMPAIGN&campaign=12&action=addnumber&number=%2B3212&numberdescription=VIP%20client&format=json"
    );
    let hangup = Hangup { channel: Some("c1"), extension: Some("103-DEVEL"), fast: Some(true) };
    assert_eq!(get(hangup_request(&cfg(), &hangup)), "HANGUP&channel=c1&extension=103-DEVEL&fast=yes&format=json");
    assert_eq!(
        get(hangup_request(&cfg(), &Hangup { extension: None, fast: Some(false), ..hangup })),
        "HANGUP&channel=c1&format=json"
    );
    assert_eq!(
        get(hangup_request(&cfg(), &Hangup { channel: None, ..hangup })),
        "HANGUP&extension=103-DEVEL&fast=yes&format=json"
    );
    assert_eq!(field(hangup_request(&cfg(), &Hangup { channel: None, extension: None, fast: Some(true) })), "channel");
    assert_eq!(
        field(hangup_request(&cfg(), &Hangup { channel: None, extension: Some("103 DEVEL"), fast: None })),
        "extension"
    );
    assert_eq!(
        get(sms_request(&cfg(), "+3212", "hi\nthere", Some("TRiNG"), None)),
        "SMS&dest=%2B3212&destclid=TRiNG&message=hi%0Athere&format=json"
    );
    assert_eq!(
        get(set_flow_request(&cfg(), "*50", Some(FlowState::NotInuse), None)),
        "SETFLOW&number=%2A50&state=NOT_INUSE&format=json"
    );
}

fn dial_req() -> DialRequest {
    DialRequest {
        source: "101".into(),
        dest: "+3212345678".into(),
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

#[test]
fn dial() {
    assert_eq!(get(dial_request(&cfg(), &dial_req())), "DIAL&source=101&dest=%2B3212345678&format=json");
    let full = DialRequest {
        var: Some("A=1".into()),
        account: Some("SOURCE".into()),
        dial_timeout: Some(30),
        timeout: Some(3600),
        source_clid: Some("Sales <100>".into()),
        dest_clid: Some("3210".into()),
        recording: Some(RecordingMode::Yeschange),
        server: Some("node2".into()),
        auto_answer: Some(true),
        no_follow: Some(true),
        ..dial_req()
    };
    assert_eq!(
        get(dial_request(&cfg(), &full)),
        "DIAL&source=101&dest=%2B3212345678&var=A%3D1&account=SOURCE&dialtimeout=30&timeout=3600&sourceclid=Sales%20%3C100%3E&destclid=3210&recording=yeschange&server=node2&autoanswer=yes&nofollow=yes&format=json"
    );
    for (req, f) in [
        (DialRequest { source: String::new(), ..dial_req() }, "req.source"),
        (DialRequest { dest: "32 12".into(), ..dial_req() }, "req.dest"),
        (DialRequest { server: Some("a\r\nb".into()), ..dial_req() }, "req.server"),
        (DialRequest { var: Some("a\0".into()), ..dial_req() }, "req.var"),
    ] {
        assert_eq!(field(dial_request(&cfg(), &req)), f);
    }
}

fn fax_req() -> FaxRequest {
    FaxRequest {
        source_number: "3210".into(),
        dest_number: "3212".into(),
        pdf: b"%PDF-1.4\n".to_vec(),
        quality: Some(FaxQuality::Fine),
        page_size: Some(FaxPageSize::A4),
        rotate: Some(FaxRotate::Auto),
        delete_after_send: Some(true),
        schedule: None,
        status_email: Some("ops@example.com".into()),
    }
}

#[test]
fn fax_is_multipart_with_the_rest_in_the_query() {
    let r = fax_send_request(&cfg(), &fax_req()).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(
        r.target.to_url(),
        format!("{BASE}FAX&action=send&source_number=3210&dest_number=3212&quality=204x196&pagesize=a4&rotate=&deleteaftersend=on&statusemail=ops%40example.com&format=json")
    );
    let body = r.body.unwrap();
    assert_eq!(body.content_type, format!("multipart/form-data; boundary={BOUNDARY}"));
    let expected = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n--{BOUNDARY}--\r\n");
    assert_eq!(String::from_utf8(body.bytes).unwrap(), expected);
    assert_eq!(field(fax_send_request(&cfg(), &FaxRequest { pdf: vec![], ..fax_req() })), "req.pdf");
    assert_eq!(field(fax_send_request(&cfg(), &FaxRequest { dest_number: "".into(), ..fax_req() })), "req.dest-number");
}

#[test]
fn queues_paths_virtualext_voicemail() {
    assert_eq!(
        get(queue_request(
            &cfg(),
            &Queue {
                extension: Some("101"),
                order: Some(2),
                agent_type: Some(AgentType::Eanmc),
                ..Queue::new("add", &QueueRef::Number("600".into()))
            }
        )),
        "QUEUE&number=600&extension=101&action=add&order=2&type=EANMC&format=json"
    );
    let entry = QueueLogEntry {
        uniqid: Some("u1".into()),
        extension: Some("NONE".into()),
        event: Some("CUSTOM".into()),
        data1: Some("a b".into()),
        data2: None,
        data3: None,
        data4: None,
        data5: Some("e".into()),
    };
    assert_eq!(
        get(queue_log_request(&cfg(), &QueueRef::Id("3".into()), &entry)),
        "QUEUE&id=3&uniqid=u1&extension=NONE&action=log&event=CUSTOM&data1=a%20b&data5=e&format=json"
    );
    assert_eq!(
        get(responsepath_request(
            &cfg(),
            &Responsepath {
                action: "getid",
                id: "5",
                rrid: Some("1588.1"),
                filter: Some(ResponsepathFilter::Answer),
                filterdata: Some("101"),
            }
        )),
        "RESPONSEPATH&id=5&rrid=1588.1&filter=answer&filterdata=101&action=getid&format=json"
    );
    assert_eq!(
        get(virtualext_request(&cfg(), "add", "800", Some("101"))),
        "VIRTUALEXT&number=800&extension=101&action=add&format=json"
    );
    let message = Voicemail { action: "message", mailbox: Some("101"), msgid: Some("7"), answer: Answer::Raw };
    assert_eq!(get(voicemail_request(&cfg(), &message)), "VOICEMAIL&mailbox=101&msgid=7&action=message");
    let list = Voicemail { action: "list", mailbox: None, msgid: None, answer: Answer::Json };
    assert_eq!(get(voicemail_request(&cfg(), &list)), "VOICEMAIL&action=list&format=json");
    assert_eq!(get(mediafile_getaudio_request(&cfg(), "9")), "MEDIAFILE&action=getaudio&objectid=9");
}

#[test]
fn managedb() {
    let db = Db { routingprofileid: Some("4"), ..Db::default() };
    assert_eq!(
        get(managedb_request(&cfg(), "route", "list", db, JSON)),
        "MANAGEDB&object=route&routingprofileid=4&action=list&format=json"
    );
    let db = Db { objectid: Some("9"), tenantid: Some("3"), ..Db::default() };
    assert_eq!(
        get(managedb_request(&cfg(), "user", "addtenant", db, JSON)),
        "MANAGEDB&object=user&action=addtenant&objectid=9&tenantid=3&format=json"
    );
    let db = Db { typesrc: Some("DID"), typeidsrc: Some("12"), ..Db::default() };
    let r = managedb_request(&cfg(), "destination", "replace", db, Tail::Form("jsondata", r#"["EXT-101"]"#)).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(
        r.target.to_url(),
        format!("{BASE}MANAGEDB&object=destination&typesrc=DID&typeidsrc=12&action=replace&format=json")
    );
    assert_eq!(r.body.unwrap().bytes, b"jsondata=%5B%22EXT-101%22%5D");
    assert_eq!(object_for(ManagedbObject::Route, "delete").unwrap(), "route");
    assert_eq!(object_for(ManagedbObject::Huntlist, "list").unwrap(), "huntlist");
    for (o, a) in
        [(ManagedbObject::Tenant, "delete"), (ManagedbObject::Huntlist, "get"), (ManagedbObject::Destination, "add")]
    {
        assert!(matches!(object_for(o, a), Err(Error::InvalidInput(ref f)) if f.field == "object"), "{o:?} {a}");
    }
    let file = Media { content_type: "audio/wav".into(), data: b"RIFF".to_vec() };
    let r = managedb_updatebinary_request(&cfg(), "9", "hold music.wav", &file).unwrap();
    assert_eq!(
        r.target.to_url(),
        format!("{BASE}MANAGEDB&object=mediafile&action=updatebinary&objectid=9&format=json")
    );
    let body = String::from_utf8(r.body.unwrap().bytes).unwrap();
    assert!(
        body.contains("name=\"filename\"; filename=\"hold music.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n"),
        "{body}"
    );
    assert_eq!(field(managedb_updatebinary_request(&cfg(), "9", "../x", &file)), "file-name");
    let empty = Media { content_type: "audio/wav".into(), data: vec![] };
    assert_eq!(field(managedb_updatebinary_request(&cfg(), "9", "x.wav", &empty)), "file.data");
    assert_eq!(
        field(managedb_request(&cfg(), "user", "get", Db { objectid: Some("9;"), ..Db::default() }, JSON)),
        "objectid"
    );
}

#[test]
fn gets_that_act_are_marked_so() {
    // TRiNG acts through GETs: DIAL, HANGUP, REBOOT are acting requests
    // (a lost answer is `outcome-unknown`); the readers are not.
    let dial = dial_request(&cfg(), &dial_req()).unwrap();
    assert_eq!((dial.method, dial.acts), (Method::Get, true));
    for reqtype in ["PEERS", "COUNTPEERS", "CHANNELS", "BLFS", "FLOWS"] {
        assert!(!plain_request(&cfg(), reqtype).unwrap().acts, "{reqtype}");
    }
    let reboot = one_param_request(&cfg(), "REBOOT", "peer", Some("101"), Check::Token).unwrap();
    assert!(reboot.acts);
    let get = managedb_request(&cfg(), "destination", "get", Db::object("7"), JSON).unwrap();
    assert!(!get.acts);
    let delete = managedb_request(&cfg(), "destination", "delete", Db::object("7"), JSON).unwrap();
    assert!(delete.acts);
    let add = managedb_request(&cfg(), "destination", "replace", Db::default(), Tail::Form("jsondata", "[]")).unwrap();
    assert_eq!((add.method, add.acts), (Method::Post, true));
}

#[test]
fn credentials_past_the_redaction_limit_are_refused() {
    let long = "k".repeat(crate::redact::MAX_SECRET_BYTES + 1);
    assert!(auth_request(&cfg(), "CHECKAUTH", "101-DEVEL", &long[1..]).is_ok());
    assert_eq!(field(auth_request(&cfg(), "CHECKAUTH", "101-DEVEL", &long)), "password");
    assert!(info_plain(&Config { api_key: long[1..].into(), ..cfg() }, "extstate").is_ok());
    assert_eq!(field(info_plain(&Config { api_key: long, ..cfg() }, "extstate")), "cfg.api-key");
}

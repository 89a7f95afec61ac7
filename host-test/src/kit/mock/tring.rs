//! TRiNG / MiRTA `proxyapi.php` answers, for the built-in mock: a small
//! MiRTA stand-in with the documented shapes and quirks (every failure is
//! HTTP 200: the "Too bad" text for a wrong key, empty bodies for unknown
//! ids).

use super::{MockResponse, RecordedRequest};

/// The body MiRTA sends for a wrong key, an unknown tenant or a read-only
/// key calling a write function, with a JSON content type.
pub const TOO_BAD: &str = "Too bad... you mistaken the security api key.";
/// The key the mock refuses with [`TOO_BAD`].
pub const WRONG_KEY: &str = "wrong-key";
/// The originate id DIAL returns, known to INFO call / recording.
pub const CALL_ID: &str = "15c5ec7352f0d7";
/// The audio of every recording (an MP3 with an ID3 header).
pub const AUDIO: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00mock-mp3-frames";
/// The audio of voicemail messages and media files (a WAV header).
pub const WAV: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt mock-wav";

/// The rows INFO cdrs (JSON) answers: Asterisk CDR columns plus MiRTA's
/// `direction`.
pub const CDRS: &str = r#"[{"calldate":"2024-05-01 10:00:00","src":"101","dst":"+3212345678","disposition":"ANSWERED","duration":"57","billsec":"42","uniqueid":"1714550400.12","direction":"out"},{"calldate":"2024-05-01 11:30:00","src":"+3287654321","dst":"101","disposition":"NO ANSWER","duration":"20","billsec":"0","uniqueid":"1714555800.31","direction":"in"}]"#;

fn json(body: &str) -> MockResponse {
    MockResponse::json(200, body)
}

/// MiRTA's answer to "nothing found" or a missing parameter: 200, empty.
fn empty() -> MockResponse {
    MockResponse::html(200, "")
}

fn done(what: &str) -> MockResponse {
    json(&format!(r#"{{"Response":"Success","Message":"{what}"}}"#))
}

fn refused(message: &str) -> MockResponse {
    json(&format!(r#"{{"Response":"Error","Message":"{message}"}}"#))
}

/// Answers a TRiNG request, or `None` when the reqtype is unknown.
pub fn answer(req: &RecordedRequest) -> Option<MockResponse> {
    let q = |name: &str| req.query_value(name).unwrap_or_default();
    if q("key").is_empty() || q("key") == WRONG_KEY {
        return Some(json(TOO_BAD));
    }
    let reqtype = q("reqtype");
    let action = q("action");
    Some(match reqtype.as_str() {
        "COUNTPEERS" => json(r#"{"node1.tring.nu":"12","node2.tring.nu":"7","total":19}"#),
        "COUNTCHANNELS" => match req.query_value("nodename") {
            Some(n) => json(&format!(r#"{{"{n}":"3","total":3}}"#)),
            None => json(r#"{"node1.tring.nu":"3","node2.tring.nu":"1","total":4}"#),
        },
        "COUNTCALLS" => json(r#"{"total":2}"#),
        "PEERS" => json(r#"[{"peer":"101-DEVEL","node":"node1.tring.nu","ip":"10.0.0.21","status":"OK (12 ms)"},{"peer":"102-DEVEL","node":"node2.tring.nu","ip":"10.0.0.22","status":"OK (9 ms)"}]"#),
        "BLFS" => json(r#"[{"type":"peer","name":"101-DEVEL","state":"INUSE"},{"type":"flow","name":"*50","state":"NOT_INUSE"}]"#),
        "FLOWS" => json(r#"[{"number":"*50","name":"Night","state":"NOT_INUSE"}]"#),
        "CHANNELS" => json(r#"[{"channel":"SIP/101-DEVEL-00000a1b","callerid":"101","state":"Up","duration":"42"}]"#),
        "CHANNEL" if q("channel").starts_with("SIP/101") => {
            json(r#"{"channel":"SIP/101-DEVEL-00000a1b","callerid":"101","connected":"+3212345678","state":"Up","duration":"42"}"#)
        }
        "CHANNEL" => empty(),
        "PHONEBOOK" => match q("subreqtype").as_str() {
            "query" => json(r#"[{"peid":"42","name":"Jo Do","number":"+3212345678"}]"#),
            "add" if req.method == "POST" && req.body_text().starts_with("values=") => done("Record added"),
            "delete" | "cleanall" => done("Records deleted"),
            _ => empty(),
        },
        "INFO" => info(req, &q("info"), &q("id"))?,
        "DIAL" => {
            if q("dest").starts_with("000") {
                refused("Extension does not exist.")
            } else if q("format") == "json" {
                json(&format!(r#"{{"Response":"Success","Message":"Originate successfully queued","ID":"{CALL_ID}"}}"#))
            } else {
                MockResponse::html(200, &format!("Success|Originate successfully queued|{CALL_ID}|"))
            }
        }
        "FAX" if action == "send" => {
            let multipart = req.header("content-type").is_some_and(|c| c.starts_with("multipart/form-data; boundary="));
            if req.method == "POST" && multipart && req.body_text().contains("name=\"filename\"; filename=\"fax.pdf\"") {
                json(r#"{"Response":"Success","Message":"Fax queued","ID":"77"}"#)
            } else {
                empty()
            }
        }
        "MEDIAFILE" if action == "getaudio" => MockResponse::new(200, "audio/wav", WAV),
        "VOICEMAIL" => match action.as_str() {
            "list" => json(r#"[{"mailbox":"101","context":"DEVEL","new":"2","old":"5"}]"#),
            "messages" => json(r#"[{"msgid":"7","callerid":"+3212345678","duration":"12","origtime":"1714550400"}]"#),
            "message" => MockResponse::new(200, "audio/wav", WAV),
            _ => done("Message deleted"),
        },
        "QUEUE" => match action.as_str() {
            "list" => json(r#"[{"extension":"101","type":"NF","order":"1","paused":"0"}]"#),
            "fulllist" => json(r#"[{"extension":"101","name":"Jo Do","type":"NF","order":"1","paused":"0","calls":"12"}]"#),
            _ => done(&format!("Queue {action} done")),
        },
        "RESPONSEPATH" => match action.as_str() {
            "list" => json(r#"[{"rrid":"9","uniqueid":"1714550400.12","answer":"1"}]"#),
            _ => json(r#"{"rrid":"9","uniqueid":"1714550400.12","answer":"1"}"#),
        },
        "VIRTUALEXT" if action == "list" => json(r#"[{"extension":"101"},{"extension":"102"}]"#),
        "MANAGEDB" => managedb(req, &action),
        "CHECKAUTH" => json(r#"{"username":"admin","tenant":"DEMO","privileges":["read","write"]}"#),
        "GETWEBRTCAUTH" => json(r#"{"username":"101-DEVEL","server":"wss://webrtc.tring.nu:8089/ws","realm":"tring.nu"}"#),
        // HANGUP names a channel, an extension, or both; neither is a missing parameter.
        "HANGUP" if q("channel").is_empty() && q("extension").is_empty() => empty(),
        "AGENT" | "ATXTRANSFER" | "CAMPAIGN" | "HANGUP" | "QUEUERESET" | "REBOOT" | "SETFLOW" | "SMS" | "TRANSFER"
        | "UNREGISTER" | "VIRTUALEXT" => done(&format!("{reqtype} done")),
        _ => return None,
    })
}

fn info(req: &RecordedRequest, what: &str, id: &str) -> Option<MockResponse> {
    let csv = req.query_value("format").as_deref() == Some("csv");
    Some(match what {
        "queues" => json(r#"[{"id":"3","number":"600","name":"Support"}]"#),
        "queue" if id == "3" => json(r#"{"id":"3","number":"600","name":"Support","strategy":"ringall"}"#),
        "agents" | "agentsconnected" => json(r#"[{"queue":"3","extension":"101","paused":"0"}]"#),
        "agentsdelay" => json(r#"[{"queue":"3","extension":"101","delay":"4"}]"#),
        "outdialed" | "simpledialed" => json(r#"[{"extension":"101","dst":"+3212345678","calldate":"2024-05-01 10:00:00"}]"#),
        "call" if id == CALL_ID => json(r#"{"id":"15c5ec7352f0d7","uniqueid":"1714550400.12","status":"ANSWERED"}"#),
        "inforecording" if id == CALL_ID => {
            MockResponse::html(200, "1714550400.12|101|+3212345678|2024-05-01 10:00:00|42|\n")
        }
        "recording" | "playrecording" if id == CALL_ID => MockResponse::new(200, "audio/mpeg", AUDIO),
        "voicemail" if id == "7" => MockResponse::new(200, "audio/wav", WAV),
        "voicemailtranscript" if id == "7" => json(r#"{"id":"7","transcript":"Please call me back."}"#),
        "dids" => json(r#"[{"did":"3212345678","destination":"EXT-101"}]"#),
        "sms" => json(r#"[{"direction":"out","dest":"+3212345678","message":"hello"}]"#),
        "extensions" => json(r#"[{"extension":"101","name":"Jo Do","state":"NOT_INUSE"}]"#),
        "extstate" => json(
            r#"[{"extension":"101","state":"INUSE","with":"+3212345678"},{"extension":"102","state":"NOT_INUSE","with":""},{"extension":"103","state":"UNAVAILABLE","with":""}]"#,
        ),
        "config" => json(r#"{"tenant":"DEMO","name":"Demo tenant"}"#),
        "cdrs" | "simplecdrs" if csv => MockResponse::new(200, "text/csv", "calldate,src,dst\n2024-05-01 10:00:00,101,+3212345678\n"),
        "cdrs" if req.query_value("format").as_deref() == Some("xml") => {
            MockResponse::new(200, "text/xml", "<cdrs><cdr><src>101</src></cdr></cdrs>")
        }
        "cdrs" | "simplecdrs" => json(CDRS),
        "queuelogs" => json(r#"[{"time":"2024-05-01 10:00:00","queue":"3","event":"CONNECT"}]"#),
        "balance" => json(r#"{"balance":"12.50","currency":"EUR"}"#),
        // Without an id (optional on the page) the stand-in lists them all;
        // an unknown id is an empty answer.
        "flow" if id.is_empty() => json(r#"[{"number":"*50","state":"NOT_INUSE"}]"#),
        "variable" if id.is_empty() => json(r#"[{"name":"NIGHT","value":"1"}]"#),
        "flow" if id == "*50" => json(r#"{"number":"*50","state":"NOT_INUSE"}"#),
        "variable" if id == "NIGHT" => json(r#"{"name":"NIGHT","value":"1"}"#),
        "flow" | "variable" => empty(),
        "queue" | "call" | "inforecording" | "recording" | "playrecording" | "voicemail" | "voicemailtranscript" => empty(),
        _ => return None,
    })
}

fn managedb(req: &RecordedRequest, action: &str) -> MockResponse {
    let posted = req.method == "POST" && req.body_text().starts_with("jsondata=");
    match action {
        "list" | "getextensions" | "listtenants" | "listroutes" => json(r#"[{"id":"9","name":"demo"}]"#),
        "get" => json(r#"{"id":"9","name":"demo"}"#),
        "getbinary" => MockResponse::new(200, "audio/wav", WAV),
        "add" | "update" | "setextensions" | "replace" if posted => json(r#"{"Response":"Success","Message":"Saved","ID":"9"}"#),
        "updatebinary" if req.method == "POST" => done("File stored"),
        "delete" | "addtenant" | "deltenant" => done("Done"),
        _ => empty(),
    }
}

/// The demo's calls for this provider: (function, arguments without `cfg`).
pub fn demo_calls() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("tring.count-peers", json!({})),
        ("tring.dial", json!({"req": {"source": "101", "dest": "+3212345678", "recording": "yes", "auto-answer": true}})),
        ("tring.info-call", json!({"id": CALL_ID})),
        ("tring.recording", json!({"id": CALL_ID})),
        ("tring.info-recording", json!({"id": CALL_ID})),
        ("tring.info-cdrs", json!({"filter": {"src": "101", "start": "2024-05-01 00:00:00"}})),
        ("tring.queue-add", json!({"queue": {"number": "600"}, "extension": "101", "agent-type": "nf"})),
        ("tring.phonebook-add", json!({"phonebook": "Main", "values": "{\"name\":\"Jo Do\",\"number\":\"+3212345678\"}"})),
        ("tring.fax-send", json!({"req": {"source-number": "3210", "dest-number": "3212", "pdf": "%PDF-1.4 demo", "quality": "fine"}})),
        ("tring.dial", json!({"req": {"source": "101", "dest": "000"}})),
        ("tring.recording", json!({"id": "unknown"})),
        ("tring.channel", json!({"channel": "SIP/999"})),
        ("tring.hangup", json!({"extension": "103-DEVEL"})),
        ("tring.info-flow", json!({})),
    ]
}

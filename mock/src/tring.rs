//! TRiNG / MiRTA `proxyapi.php` answers, for the built-in mock: a small
//! MiRTA stand-in with the documented shapes and quirks (every failure is
//! HTTP 200: the "Too bad" text for a wrong key, empty bodies for unknown
//! ids).

use crate::examples::example;
use crate::exchange::{MockResponse, RecordedRequest};

/// The key the mock refuses with the example `tring.too-bad` (the body
/// MiRTA sends for a wrong key, an unknown tenant or a read-only key calling
/// a write function, with a JSON content type).
pub const WRONG_KEY: &str = "wrong-key";
/// The originate id DIAL returns, known to INFO call / recording.
pub const CALL_ID: &str = "15c5ec7352f0d7";
/// The audio of every recording (an MP3 with an ID3 header).
pub const AUDIO: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00mock-mp3-frames";
/// The audio of voicemail messages and media files (a WAV header).
pub const WAV: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt mock-wav";

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
        return Some(json(example("tring.too-bad")));
    }
    let reqtype = q("reqtype");
    let action = q("action");
    Some(match reqtype.as_str() {
        "COUNTPEERS" => json(example("tring.count-peers")),
        "COUNTCHANNELS" => match req.query_value("nodename") {
            Some(n) => json(&format!(r#"{{"{n}":"3","total":3}}"#)),
            None => json(example("tring.count-channels")),
        },
        "COUNTCALLS" => json(example("tring.count-calls")),
        "PEERS" => json(example("tring.peers")),
        "BLFS" => json(example("tring.blfs")),
        "FLOWS" => json(example("tring.flows")),
        "CHANNELS" => json(example("tring.channels")),
        "CHANNEL" if q("channel").starts_with("SIP/101") => json(example("tring.channel")),
        "CHANNEL" => empty(),
        "PHONEBOOK" => match q("subreqtype").as_str() {
            "query" => json(example("tring.phonebook-query")),
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
            if req.method == "POST" && multipart && req.body_text().contains("name=\"filename\"; filename=\"fax.pdf\"")
            {
                json(example("tring.fax-send"))
            } else {
                empty()
            }
        }
        "MEDIAFILE" if action == "getaudio" => MockResponse::new(200, "audio/wav", WAV),
        "VOICEMAIL" => match action.as_str() {
            "list" => json(example("tring.voicemail-list")),
            "messages" => json(example("tring.voicemail-messages")),
            "message" => MockResponse::new(200, "audio/wav", WAV),
            _ => done("Message deleted"),
        },
        "QUEUE" => match action.as_str() {
            "list" => json(example("tring.queue-list")),
            "fulllist" => json(example("tring.queue-fulllist")),
            _ => done(&format!("Queue {action} done")),
        },
        "RESPONSEPATH" => match action.as_str() {
            "list" => json(example("tring.responsepath-list")),
            _ => json(example("tring.responsepath")),
        },
        "VIRTUALEXT" if action == "list" => json(example("tring.virtualext-list")),
        "MANAGEDB" => managedb(req, &action),
        "CHECKAUTH" => json(example("tring.checkauth")),
        "GETWEBRTCAUTH" => json(example("tring.getwebrtcauth")),
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
        "queues" => json(example("tring.info-queues")),
        "queue" if id == "3" => json(example("tring.info-queue")),
        "agents" | "agentsconnected" => json(example("tring.info-agents")),
        "agentsdelay" => json(example("tring.info-agentsdelay")),
        "outdialed" | "simpledialed" => json(example("tring.info-outdialed")),
        "call" if id == CALL_ID => json(example("tring.info-call")),
        "inforecording" if id == CALL_ID => MockResponse::html(200, example("tring.info-inforecording")),
        "recording" | "playrecording" if id == CALL_ID => MockResponse::new(200, "audio/mpeg", AUDIO),
        "voicemail" if id == "7" => MockResponse::new(200, "audio/wav", WAV),
        "voicemailtranscript" if id == "7" => json(example("tring.info-voicemailtranscript")),
        "dids" => json(example("tring.info-dids")),
        "sms" => json(example("tring.info-sms")),
        "extensions" => json(example("tring.info-extensions")),
        "extstate" => json(example("tring.info-extstate")),
        "config" => json(example("tring.info-config")),
        "cdrs" | "simplecdrs" if csv => MockResponse::new(200, "text/csv", example("tring.info-cdrs-csv")),
        "cdrs" if req.query_value("format").as_deref() == Some("xml") => {
            MockResponse::new(200, "text/xml", example("tring.info-cdrs-xml"))
        }
        // Asterisk CDR columns plus MiRTA's `direction`.
        "cdrs" | "simplecdrs" => json(example("tring.info-cdrs")),
        "queuelogs" => json(example("tring.info-queuelogs")),
        "balance" => json(example("tring.info-balance")),
        // Without an id (optional on the page) the stand-in lists them all;
        // an unknown id is an empty answer.
        "flow" if id.is_empty() => json(example("tring.info-flows")),
        "variable" if id.is_empty() => json(example("tring.info-variables")),
        "flow" if id == "*50" => json(example("tring.info-flow")),
        "variable" if id == "NIGHT" => json(example("tring.info-variable")),
        "flow" | "variable" => empty(),
        "queue" | "call" | "inforecording" | "recording" | "playrecording" | "voicemail" | "voicemailtranscript" => {
            empty()
        }
        _ => return None,
    })
}

fn managedb(req: &RecordedRequest, action: &str) -> MockResponse {
    let posted = req.method == "POST" && req.body_text().starts_with("jsondata=");
    match action {
        "list" | "getextensions" | "listtenants" | "listroutes" => json(example("tring.managedb-list")),
        "get" => json(example("tring.managedb-get")),
        "getbinary" => MockResponse::new(200, "audio/wav", WAV),
        "add" | "update" | "setextensions" | "replace" if posted => json(example("tring.managedb-saved")),
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
        (
            "tring.dial",
            json!({"req": {"source": "101", "dest": "+3212345678", "recording": "yes", "auto-answer": true}}),
        ),
        ("tring.info-call", json!({"id": CALL_ID})),
        ("tring.recording", json!({"id": CALL_ID})),
        ("tring.info-recording", json!({"id": CALL_ID})),
        ("tring.info-cdrs", json!({"filter": {"src": "101", "start": "2024-05-01 00:00:00"}})),
        ("tring.queue-add", json!({"queue": {"number": "600"}, "extension": "101", "agent-type": "nf"})),
        (
            "tring.phonebook-add",
            json!({"phonebook": "Main", "values": "{\"name\":\"Jo Do\",\"number\":\"+3212345678\"}"}),
        ),
        (
            "tring.fax-send",
            json!({"req": {"source-number": "3210", "dest-number": "3212", "pdf": "JVBERi0xLjQgZGVtbw==", "quality": "fine"}}),
        ),
        ("tring.dial", json!({"req": {"source": "101", "dest": "000"}})),
        ("tring.recording", json!({"id": "unknown"})),
        ("tring.channel", json!({"channel": "SIP/999"})),
        ("tring.hangup", json!({"extension": "103-DEVEL"})),
        ("tring.info-flow", json!({})),
    ]
}

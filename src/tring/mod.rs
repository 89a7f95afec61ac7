//! TRiNG / MiRTA PBX `proxyapi.php`: request building ([`query`],
//! [`requests`]), decoding ([`decode`]), all pure, and the `tring` export
//! that joins them through [`crate::http::send`].
//!
//! Decisions where the page and the notes are silent (also in the WIT docs):
//! - empty body: rows → `[]`; one object, an action's answer, media →
//!   `not-found`; CSV/XML text → the empty text;
//! - `{"Response":"Error","Message":m}` (any JSON object answer, not only
//!   DIAL) → `provider { status: 200, code: none, message: m }`;
//! - media labelled as text: text bytes → `decode` (or `provider` for a
//!   `Response: Error` object), binary bytes → accepted, type sniffed;
//! - `cfg.tenant` is sent whenever set and never required (admin keys).

use crate::prelude::*;

pub mod decode;
pub mod query;
pub mod requests;

use crate::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, DialResult, FaxRequest, FlowState, Guest, ManagedbObject, Media,
    PeerCounts, QueueLogEntry, QueueRef, ResponsepathFilter, SimplecdrFilter, SimplecdrFormat,
};
use crate::error::Result;
use crate::http::{self, Request};
use crate::Component;
use decode::{decode_json, decode_media, Shape};
use query::Check::{self, Digits, Fixed, Token};
use query::{Tail, JSON};
use requests::*;

/// Scrubs the API key (raw and percent-encoded) from an error.
fn fin<T>(cfg: &Config, r: Result<T>) -> Result<T> {
    r.map_err(|e| e.redact(&[&cfg.api_key]))
}

/// Sends a built request and decodes its JSON answer of `shape`; the key
/// and `secret` (a secret argument, `""` when none) are redacted in one
/// pass (redaction comes before the cut of an error text).
fn json(cfg: &Config, secret: &str, req: Result<Request>, shape: Shape) -> Result<String> {
    req.and_then(|r| decode_json(&http::send(&r)?, shape)).map_err(|e| e.redact(&[&cfg.api_key, secret]))
}

/// Rows: an empty answer is `[]`.
fn rows(cfg: &Config, req: Result<Request>) -> Result<String> {
    json(cfg, "", req, Shape::Rows)
}

/// One object or an action's answer: an empty answer is `not-found`.
fn one(cfg: &Config, req: Result<Request>) -> Result<String> {
    json(cfg, "", req, Shape::One)
}

/// A binary answer.
fn media(cfg: &Config, req: Result<Request>) -> Result<Media> {
    fin(cfg, req.and_then(|r| decode_media(&http::send(&r)?)))
}

fn db(objectid: &str) -> Db<'_> {
    Db { objectid: Some(objectid), ..Db::default() }
}

/// INFO with `id` only: JSON asked when `json`.
fn info_id(cfg: &Config, what: &'static str, id: &str, c: Check, json: bool) -> Result<Request> {
    info_request(cfg, what, Some(id), c, None, [None, None], json)
}

/// INFO with no parameter, JSON asked.
fn info_plain(cfg: &Config, what: &'static str) -> Result<Request> {
    info_request(cfg, what, None, Fixed, None, [None, None], true)
}

/// INFO with the optional `queue`, `start`, `end`, JSON asked.
fn info_range(cfg: &Config, what: &'static str, queue: Option<String>, start: Option<String>, end: Option<String>) -> Result<Request> {
    info_request(cfg, what, None, Fixed, queue.as_deref(), [start.as_deref(), end.as_deref()], true)
}

// Each function is inlined into its export's generated glue: one call and
// one copy of the arguments fewer per function (about 2 KB over the 88).
impl Guest for Component {
    #[inline(always)]
    fn count_peers(cfg: Config) -> Result<PeerCounts> {
        let r = plain_request(&cfg, "COUNTPEERS").and_then(|r| decode::decode_peer_counts(&http::send(&r)?));
        fin(&cfg, r)
    }

    #[inline(always)]
    fn count_channels(cfg: Config, nodename: Option<String>) -> Result<String> {
        one(&cfg, one_param_request(&cfg, "COUNTCHANNELS", "nodename", nodename.as_deref(), Token))
    }

    #[inline(always)]
    fn count_calls(cfg: Config) -> Result<String> {
        one(&cfg, plain_request(&cfg, "COUNTCALLS"))
    }

    #[inline(always)]
    fn peers(cfg: Config) -> Result<String> {
        rows(&cfg, plain_request(&cfg, "PEERS"))
    }

    #[inline(always)]
    fn blfs(cfg: Config) -> Result<String> {
        rows(&cfg, plain_request(&cfg, "BLFS"))
    }

    #[inline(always)]
    fn flows(cfg: Config) -> Result<String> {
        rows(&cfg, plain_request(&cfg, "FLOWS"))
    }

    #[inline(always)]
    fn channel(cfg: Config, channel: String) -> Result<String> {
        one(&cfg, one_param_request(&cfg, "CHANNEL", "channel", Some(&channel), Token))
    }

    #[inline(always)]
    fn channels(cfg: Config) -> Result<String> {
        rows(&cfg, plain_request(&cfg, "CHANNELS"))
    }

    #[inline(always)]
    fn phonebook_query(cfg: Config, phonebook: String, field: String, value: String) -> Result<String> {
        rows(&cfg, phonebook_request(&cfg, "query", &phonebook, Some(&field), Some(&value), None, None))
    }

    #[inline(always)]
    fn phonebook_add(cfg: Config, phonebook: String, values: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, "add", &phonebook, None, None, None, Some(&values)))
    }

    #[inline(always)]
    fn phonebook_delete(cfg: Config, phonebook: String, peid: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, "delete", &phonebook, None, None, Some(&peid), None))
    }

    #[inline(always)]
    fn phonebook_cleanall(cfg: Config, phonebook: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, "cleanall", &phonebook, None, None, None, None))
    }

    #[inline(always)]
    fn info_queues(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "queues"))
    }

    #[inline(always)]
    fn info_queue(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "queue", &id, Digits, true))
    }

    #[inline(always)]
    fn info_agents(cfg: Config, queue: Option<String>) -> Result<String> {
        rows(&cfg, info_range(&cfg, "agents", queue, None, None))
    }

    #[inline(always)]
    fn info_agentsconnected(cfg: Config, queue: Option<String>) -> Result<String> {
        rows(&cfg, info_range(&cfg, "agentsconnected", queue, None, None))
    }

    #[inline(always)]
    fn info_agentsdelay(cfg: Config, queue: Option<String>) -> Result<String> {
        rows(&cfg, info_range(&cfg, "agentsdelay", queue, None, None))
    }

    #[inline(always)]
    fn info_outdialed(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "outdialed"))
    }

    #[inline(always)]
    fn info_simpledialed(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "simpledialed"))
    }

    #[inline(always)]
    fn info_call(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "call", &id, Token, true))
    }

    #[inline(always)]
    fn info_recording(cfg: Config, id: String) -> Result<Vec<Vec<String>>> {
        let r = info_id(&cfg, "inforecording", &id, Token, false);
        fin(&cfg, r.and_then(|r| decode::decode_rows(&http::send(&r)?)))
    }

    #[inline(always)]
    fn recording(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "recording", &id, Token, false))
    }

    #[inline(always)]
    fn play_recording(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "playrecording", &id, Token, false))
    }

    #[inline(always)]
    fn info_voicemail(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "voicemail", &id, Digits, false))
    }

    #[inline(always)]
    fn info_voicemailtranscript(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "voicemailtranscript", &id, Digits, true))
    }

    #[inline(always)]
    fn info_dids(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "dids"))
    }

    #[inline(always)]
    fn info_sms(cfg: Config, start: Option<String>, end: Option<String>) -> Result<String> {
        rows(&cfg, info_range(&cfg, "sms", None, start, end))
    }

    #[inline(always)]
    fn info_extensions(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "extensions"))
    }

    #[inline(always)]
    fn info_extstate(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "extstate"))
    }

    #[inline(always)]
    fn info_config(cfg: Config) -> Result<String> {
        one(&cfg, info_plain(&cfg, "config"))
    }

    #[inline(always)]
    fn info_cdrs(cfg: Config, filter: CdrFilter) -> Result<String> {
        let shape = if matches!(filter.format, None | Some(CdrFormat::Json)) { Shape::Rows } else { Shape::Text };
        json(&cfg, "", info_cdrs_request(&cfg, &filter), shape)
    }

    #[inline(always)]
    fn info_simplecdrs(cfg: Config, filter: SimplecdrFilter) -> Result<String> {
        let shape = if filter.format == Some(SimplecdrFormat::Csv) { Shape::Text } else { Shape::Rows };
        json(&cfg, "", info_simplecdrs_request(&cfg, &filter), shape)
    }

    #[inline(always)]
    fn info_queuelogs(cfg: Config, queue: Option<String>, start: Option<String>, end: Option<String>) -> Result<String> {
        rows(&cfg, info_range(&cfg, "queuelogs", queue, start, end))
    }

    #[inline(always)]
    fn info_balance(cfg: Config, start: Option<String>, end: Option<String>) -> Result<String> {
        one(&cfg, info_range(&cfg, "balance", None, start, end))
    }

    #[inline(always)]
    fn info_flow(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "flow", &id, Token, true))
    }

    #[inline(always)]
    fn info_variable(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "variable", &id, Token, true))
    }

    #[inline(always)]
    fn agent_pause(cfg: Config, extension: String, queue: QueueRef, pausereason: Option<String>) -> Result<String> {
        one(&cfg, agent_request(&cfg, "pause", &extension, &queue, pausereason.as_deref()))
    }

    #[inline(always)]
    fn agent_unpause(cfg: Config, extension: String, queue: QueueRef) -> Result<String> {
        one(&cfg, agent_request(&cfg, "unpause", &extension, &queue, None))
    }

    #[inline(always)]
    fn atx_transfer(cfg: Config, channel: String, dest: String) -> Result<String> {
        one(&cfg, transfer_request(&cfg, "ATXTRANSFER", &channel, None, &dest))
    }

    #[inline(always)]
    fn dial(cfg: Config, req: DialRequest) -> Result<DialResult> {
        fin(&cfg, dial_request(&cfg, &req).and_then(|r| decode::decode_dial(&http::send(&r)?)))
    }

    #[inline(always)]
    fn hangup(cfg: Config, channel: String, extension: Option<String>, fast: Option<bool>) -> Result<String> {
        one(&cfg, hangup_request(&cfg, &channel, extension.as_deref(), fast))
    }

    #[inline(always)]
    fn transfer(cfg: Config, channel: String, dest: String, extrachannel: Option<String>) -> Result<String> {
        one(&cfg, transfer_request(&cfg, "TRANSFER", &channel, extrachannel.as_deref(), &dest))
    }

    #[inline(always)]
    fn sms(cfg: Config, dest: String, message: String, destclid: Option<String>, server: Option<String>) -> Result<String> {
        one(&cfg, sms_request(&cfg, &dest, &message, destclid.as_deref(), server.as_deref()))
    }

    #[inline(always)]
    fn campaign_start(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "start", &campaign, None, None))
    }

    #[inline(always)]
    fn campaign_stop(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "stop", &campaign, None, None))
    }

    #[inline(always)]
    fn campaign_pause(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "pause", &campaign, None, None))
    }

    #[inline(always)]
    fn campaign_resume(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "resume", &campaign, None, None))
    }

    #[inline(always)]
    fn campaign_addnumber(cfg: Config, campaign: String, number: String, numberdescription: Option<String>) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "addnumber", &campaign, Some(&number), numberdescription.as_deref()))
    }

    #[inline(always)]
    fn campaign_delnumber(cfg: Config, campaign: String, number: String) -> Result<String> {
        one(&cfg, campaign_request(&cfg, "delnumber", &campaign, Some(&number), None))
    }

    #[inline(always)]
    fn fax_send(cfg: Config, req: FaxRequest) -> Result<String> {
        one(&cfg, fax_send_request(&cfg, &req))
    }

    #[inline(always)]
    fn mediafile_getaudio(cfg: Config, objectid: String) -> Result<Media> {
        media(&cfg, mediafile_getaudio_request(&cfg, &objectid))
    }

    #[inline(always)]
    fn queue_list(cfg: Config, queue: QueueRef) -> Result<String> {
        rows(&cfg, queue_request(&cfg, "list", &queue, None, None, None))
    }

    #[inline(always)]
    fn queue_fulllist(cfg: Config, queue: QueueRef) -> Result<String> {
        rows(&cfg, queue_request(&cfg, "fulllist", &queue, None, None, None))
    }

    #[inline(always)]
    fn queue_add(cfg: Config, queue: QueueRef, extension: String, order: Option<u32>, agent_type: Option<AgentType>) -> Result<String> {
        one(&cfg, queue_request(&cfg, "add", &queue, Some(&extension), order, agent_type))
    }

    #[inline(always)]
    fn queue_del(cfg: Config, queue: QueueRef, extension: String) -> Result<String> {
        one(&cfg, queue_request(&cfg, "del", &queue, Some(&extension), None, None))
    }

    #[inline(always)]
    fn queue_clean(cfg: Config, queue: QueueRef) -> Result<String> {
        one(&cfg, queue_request(&cfg, "clean", &queue, None, None, None))
    }

    #[inline(always)]
    fn queue_log(cfg: Config, queue: QueueRef, entry: QueueLogEntry) -> Result<String> {
        one(&cfg, queue_log_request(&cfg, &queue, &entry))
    }

    #[inline(always)]
    fn queue_reset(cfg: Config, queueid: String) -> Result<String> {
        one(&cfg, one_param_request(&cfg, "QUEUERESET", "queueid", Some(&queueid), Digits))
    }

    #[inline(always)]
    fn reboot(cfg: Config, peer: String) -> Result<String> {
        one(&cfg, one_param_request(&cfg, "REBOOT", "peer", Some(&peer), Token))
    }

    #[inline(always)]
    fn unregister(cfg: Config, peer: String) -> Result<String> {
        one(&cfg, one_param_request(&cfg, "UNREGISTER", "peer", Some(&peer), Token))
    }

    #[inline(always)]
    fn responsepath_list(cfg: Config, id: String, filter: Option<ResponsepathFilter>, filterdata: Option<String>) -> Result<String> {
        rows(&cfg, responsepath_request(&cfg, "list", &id, None, filter, filterdata.as_deref()))
    }

    #[inline(always)]
    fn responsepath_getid(
        cfg: Config,
        id: String,
        rrid: String,
        filter: Option<ResponsepathFilter>,
        filterdata: Option<String>,
    ) -> Result<String> {
        one(&cfg, responsepath_request(&cfg, "getid", &id, Some(&rrid), filter, filterdata.as_deref()))
    }

    #[inline(always)]
    fn responsepath_getlast(cfg: Config, id: String, filter: Option<ResponsepathFilter>, filterdata: Option<String>) -> Result<String> {
        one(&cfg, responsepath_request(&cfg, "getlast", &id, None, filter, filterdata.as_deref()))
    }

    #[inline(always)]
    fn set_flow(cfg: Config, number: String, state: Option<FlowState>, value: Option<String>) -> Result<String> {
        one(&cfg, set_flow_request(&cfg, &number, state, value.as_deref()))
    }

    #[inline(always)]
    fn virtualext_list(cfg: Config, number: String) -> Result<String> {
        rows(&cfg, virtualext_request(&cfg, "list", &number, None))
    }

    #[inline(always)]
    fn virtualext_add(cfg: Config, number: String, extension: String) -> Result<String> {
        one(&cfg, virtualext_request(&cfg, "add", &number, Some(&extension)))
    }

    #[inline(always)]
    fn virtualext_del(cfg: Config, number: String, extension: String) -> Result<String> {
        one(&cfg, virtualext_request(&cfg, "del", &number, Some(&extension)))
    }

    #[inline(always)]
    fn virtualext_clean(cfg: Config, number: String) -> Result<String> {
        one(&cfg, virtualext_request(&cfg, "clean", &number, None))
    }

    #[inline(always)]
    fn voicemail_list(cfg: Config, mailbox: Option<String>) -> Result<String> {
        rows(&cfg, voicemail_request(&cfg, "list", mailbox.as_deref(), None, true))
    }

    #[inline(always)]
    fn voicemail_messages(cfg: Config, mailbox: String) -> Result<String> {
        rows(&cfg, voicemail_request(&cfg, "messages", Some(&mailbox), None, true))
    }

    #[inline(always)]
    fn voicemail_message(cfg: Config, mailbox: Option<String>, msgid: String) -> Result<Media> {
        media(&cfg, voicemail_request(&cfg, "message", mailbox.as_deref(), Some(&msgid), false))
    }

    #[inline(always)]
    fn voicemail_delete(cfg: Config, mailbox: Option<String>, msgid: String) -> Result<String> {
        one(&cfg, voicemail_request(&cfg, "delete", mailbox.as_deref(), Some(&msgid), true))
    }

    #[inline(always)]
    fn managedb_list(
        cfg: Config,
        object: ManagedbObject,
        routingprofileid: Option<String>,
        typesrc: Option<String>,
        typeidsrc: Option<String>,
    ) -> Result<String> {
        let db = Db {
            routingprofileid: routingprofileid.as_deref(),
            typesrc: typesrc.as_deref(),
            typeidsrc: typeidsrc.as_deref(),
            ..Db::default()
        };
        rows(&cfg, object_for(object, "list").and_then(|o| managedb_request(&cfg, o, "list", db, JSON)))
    }

    #[inline(always)]
    fn managedb_get(cfg: Config, object: ManagedbObject, objectid: String) -> Result<String> {
        one(&cfg, object_for(object, "get").and_then(|o| managedb_request(&cfg, o, "get", db(&objectid), JSON)))
    }

    #[inline(always)]
    fn managedb_add(cfg: Config, object: ManagedbObject, jsondata: String) -> Result<String> {
        let tail = Tail::Form("jsondata", &jsondata);
        one(&cfg, object_for(object, "add").and_then(|o| managedb_request(&cfg, o, "add", Db::default(), tail)))
    }

    #[inline(always)]
    fn managedb_update(cfg: Config, object: ManagedbObject, objectid: String, jsondata: String) -> Result<String> {
        let tail = Tail::Form("jsondata", &jsondata);
        one(&cfg, object_for(object, "update").and_then(|o| managedb_request(&cfg, o, "update", db(&objectid), tail)))
    }

    #[inline(always)]
    fn managedb_delete(cfg: Config, object: ManagedbObject, objectid: String) -> Result<String> {
        one(&cfg, object_for(object, "delete").and_then(|o| managedb_request(&cfg, o, "delete", db(&objectid), JSON)))
    }

    #[inline(always)]
    fn managedb_getbinary(cfg: Config, objectid: String) -> Result<Media> {
        media(&cfg, managedb_request(&cfg, "mediafile", "getbinary", db(&objectid), Tail::Raw))
    }

    #[inline(always)]
    fn managedb_updatebinary(cfg: Config, objectid: String, file_name: String, file: Media) -> Result<String> {
        one(&cfg, managedb_updatebinary_request(&cfg, &objectid, &file_name, &file))
    }

    #[inline(always)]
    fn managedb_getextensions(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "huntlist", "getextensions", db(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_setextensions(cfg: Config, objectid: String, jsondata: String) -> Result<String> {
        let tail = Tail::Form("jsondata", &jsondata);
        one(&cfg, managedb_request(&cfg, "huntlist", "setextensions", db(&objectid), tail))
    }

    #[inline(always)]
    fn managedb_listtenants(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "user", "listtenants", db(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_addtenant(cfg: Config, objectid: String, tenantid: String) -> Result<String> {
        let d = Db { tenantid: Some(&tenantid), ..db(&objectid) };
        one(&cfg, managedb_request(&cfg, "user", "addtenant", d, JSON))
    }

    #[inline(always)]
    fn managedb_deltenant(cfg: Config, objectid: String, tenantid: String) -> Result<String> {
        let d = Db { tenantid: Some(&tenantid), ..db(&objectid) };
        one(&cfg, managedb_request(&cfg, "user", "deltenant", d, JSON))
    }

    #[inline(always)]
    fn managedb_listroutes(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "provider", "listroutes", db(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_replace(cfg: Config, typesrc: Option<String>, typeidsrc: Option<String>, jsondata: String) -> Result<String> {
        let d = Db { typesrc: typesrc.as_deref(), typeidsrc: typeidsrc.as_deref(), ..Db::default() };
        one(&cfg, managedb_request(&cfg, "destination", "replace", d, Tail::Form("jsondata", &jsondata)))
    }

    #[inline(always)]
    fn check_auth(cfg: Config, username: String, password: String) -> Result<String> {
        json(&cfg, &password, auth_request(&cfg, "CHECKAUTH", &username, &password), Shape::One)
    }

    #[inline(always)]
    fn get_webrtc_auth(cfg: Config, username: String, password: String) -> Result<String> {
        json(&cfg, &password, auth_request(&cfg, "GETWEBRTCAUTH", &username, &password), Shape::One)
    }
}

#[cfg(test)]
mod tests;

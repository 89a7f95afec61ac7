//! TRiNG / MiRTA PBX `proxyapi.php`: request building ([`query`],
//! [`requests`]) and decoding ([`decode`]), all pure, the typed operations
//! that join them through [`crate::http::send`] ([`ops`]), and the `tring`
//! export (here).
//!
//! Decisions where the page and the notes are silent (also in the WIT docs):
//! - empty body: rows → `[]`; one object, an action's answer, media →
//!   `not-found`; CSV/XML text → the empty text;
//! - `{"Response":"Error","Message":m}` (any JSON object answer, not only
//!   DIAL) → `provider { status: 200, code: none, message: m }`;
//! - media labelled as text: text bytes → `decode` (or `provider` for a
//!   `Response: Error` object), binary bytes → accepted, type sniffed;
//! - `cfg.tenant` is sent whenever set and never required (admin keys);
//! - HANGUP needs `channel`, `extension`, or both (the page lets the
//!   extension stand alone); neither is `invalid-input` on `channel`;
//! - INFO flow / variable without `id` (optional on the page) leave it out;
//!   the answer's shape is undocumented, so an empty one is `[]` then, and
//!   `not-found` with an `id`.

use crate::prelude::*;

pub mod decode;
pub mod ops;
pub mod query;
pub mod requests;

use crate::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, DialResult, FaxRequest, FlowState, Guest, ManagedbObject,
    Media, PeerCounts, QueueLogEntry, QueueRef, ResponsepathFilter, SimplecdrFilter, SimplecdrFormat,
};
use crate::error::Result;
use crate::http;
use crate::Component;
use decode::Shape;
use ops::{info_optional_id, media, one, redact_key, rows, send_json, send_json_redacting};
use query::Check::{Digits, Token};
use query::{Answer, Tail, JSON};
use requests::*;

// Each function is inlined into its export's generated glue: one call and
// one copy of the arguments fewer per function (about 2 KB over the 88).
impl Guest for Component {
    #[inline(always)]
    fn count_peers(cfg: Config) -> Result<PeerCounts> {
        let counts = plain_request(&cfg, "COUNTPEERS").and_then(|req| decode::decode_peer_counts(&http::send(&req)?));
        redact_key(&cfg, counts)
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
        rows(&cfg, phonebook_request(&cfg, &phonebook, PhonebookAction::Query { field: &field, value: &value }))
    }

    #[inline(always)]
    fn phonebook_add(cfg: Config, phonebook: String, values: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, &phonebook, PhonebookAction::Add { values: &values }))
    }

    #[inline(always)]
    fn phonebook_delete(cfg: Config, phonebook: String, peid: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, &phonebook, PhonebookAction::Delete { peid: &peid }))
    }

    #[inline(always)]
    fn phonebook_cleanall(cfg: Config, phonebook: String) -> Result<String> {
        one(&cfg, phonebook_request(&cfg, &phonebook, PhonebookAction::Cleanall))
    }

    #[inline(always)]
    fn info_queues(cfg: Config) -> Result<String> {
        rows(&cfg, info_plain(&cfg, "queues"))
    }

    #[inline(always)]
    fn info_queue(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "queue", &id, Digits, Answer::Json))
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
        one(&cfg, info_id(&cfg, "call", &id, Token, Answer::Json))
    }

    #[inline(always)]
    fn info_recording(cfg: Config, id: String) -> Result<Vec<Vec<String>>> {
        let req = info_id(&cfg, "inforecording", &id, Token, Answer::Raw);
        redact_key(&cfg, req.and_then(|req| decode::decode_rows(&http::send(&req)?)))
    }

    #[inline(always)]
    fn recording(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "recording", &id, Token, Answer::Raw))
    }

    #[inline(always)]
    fn play_recording(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "playrecording", &id, Token, Answer::Raw))
    }

    #[inline(always)]
    fn info_voicemail(cfg: Config, id: String) -> Result<Media> {
        media(&cfg, info_id(&cfg, "voicemail", &id, Digits, Answer::Raw))
    }

    #[inline(always)]
    fn info_voicemailtranscript(cfg: Config, id: String) -> Result<String> {
        one(&cfg, info_id(&cfg, "voicemailtranscript", &id, Digits, Answer::Json))
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
        send_json(&cfg, info_cdrs_request(&cfg, &filter), shape)
    }

    #[inline(always)]
    fn info_simplecdrs(cfg: Config, filter: SimplecdrFilter) -> Result<String> {
        let shape = if filter.format == Some(SimplecdrFormat::Csv) { Shape::Text } else { Shape::Rows };
        send_json(&cfg, info_simplecdrs_request(&cfg, &filter), shape)
    }

    #[inline(always)]
    fn info_queuelogs(
        cfg: Config,
        queue: Option<String>,
        start: Option<String>,
        end: Option<String>,
    ) -> Result<String> {
        rows(&cfg, info_range(&cfg, "queuelogs", queue, start, end))
    }

    #[inline(always)]
    fn info_balance(cfg: Config, start: Option<String>, end: Option<String>) -> Result<String> {
        one(&cfg, info_range(&cfg, "balance", None, start, end))
    }

    #[inline(always)]
    fn info_flow(cfg: Config, id: Option<String>) -> Result<String> {
        info_optional_id(&cfg, "flow", id)
    }

    #[inline(always)]
    fn info_variable(cfg: Config, id: Option<String>) -> Result<String> {
        info_optional_id(&cfg, "variable", id)
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
        let transfer = Transfer { reqtype: "ATXTRANSFER", channel: &channel, extrachannel: None, dest: &dest };
        one(&cfg, transfer_request(&cfg, &transfer))
    }

    #[inline(always)]
    fn dial(cfg: Config, req: DialRequest) -> Result<DialResult> {
        ops::dial(&cfg, &req)
    }

    #[inline(always)]
    fn hangup(cfg: Config, channel: Option<String>, extension: Option<String>, fast: Option<bool>) -> Result<String> {
        let hangup = Hangup { channel: channel.as_deref(), extension: extension.as_deref(), fast };
        one(&cfg, hangup_request(&cfg, &hangup))
    }

    #[inline(always)]
    fn transfer(cfg: Config, channel: String, dest: String, extrachannel: Option<String>) -> Result<String> {
        let extrachannel = extrachannel.as_deref();
        let transfer = Transfer { reqtype: "TRANSFER", channel: &channel, extrachannel, dest: &dest };
        one(&cfg, transfer_request(&cfg, &transfer))
    }

    #[inline(always)]
    fn sms(
        cfg: Config,
        dest: String,
        message: String,
        destclid: Option<String>,
        server: Option<String>,
    ) -> Result<String> {
        one(&cfg, sms_request(&cfg, &dest, &message, destclid.as_deref(), server.as_deref()))
    }

    #[inline(always)]
    fn campaign_start(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_action(&cfg, "start", &campaign))
    }

    #[inline(always)]
    fn campaign_stop(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_action(&cfg, "stop", &campaign))
    }

    #[inline(always)]
    fn campaign_pause(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_action(&cfg, "pause", &campaign))
    }

    #[inline(always)]
    fn campaign_resume(cfg: Config, campaign: String) -> Result<String> {
        one(&cfg, campaign_action(&cfg, "resume", &campaign))
    }

    #[inline(always)]
    fn campaign_addnumber(
        cfg: Config,
        campaign: String,
        number: String,
        numberdescription: Option<String>,
    ) -> Result<String> {
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
        rows(&cfg, queue_request(&cfg, &Queue::new("list", &queue)))
    }

    #[inline(always)]
    fn queue_fulllist(cfg: Config, queue: QueueRef) -> Result<String> {
        rows(&cfg, queue_request(&cfg, &Queue::new("fulllist", &queue)))
    }

    #[inline(always)]
    fn queue_add(
        cfg: Config,
        queue: QueueRef,
        extension: String,
        order: Option<u32>,
        agent_type: Option<AgentType>,
    ) -> Result<String> {
        let add = Queue { extension: Some(&extension), order, agent_type, ..Queue::new("add", &queue) };
        one(&cfg, queue_request(&cfg, &add))
    }

    #[inline(always)]
    fn queue_del(cfg: Config, queue: QueueRef, extension: String) -> Result<String> {
        let del = Queue { extension: Some(&extension), ..Queue::new("del", &queue) };
        one(&cfg, queue_request(&cfg, &del))
    }

    #[inline(always)]
    fn queue_clean(cfg: Config, queue: QueueRef) -> Result<String> {
        one(&cfg, queue_request(&cfg, &Queue::new("clean", &queue)))
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
    fn responsepath_list(
        cfg: Config,
        id: String,
        filter: Option<ResponsepathFilter>,
        filterdata: Option<String>,
    ) -> Result<String> {
        let filterdata = filterdata.as_deref();
        let list = Responsepath { action: "list", id: &id, rrid: None, filter, filterdata };
        rows(&cfg, responsepath_request(&cfg, &list))
    }

    #[inline(always)]
    fn responsepath_getid(
        cfg: Config,
        id: String,
        rrid: String,
        filter: Option<ResponsepathFilter>,
        filterdata: Option<String>,
    ) -> Result<String> {
        let filterdata = filterdata.as_deref();
        let getid = Responsepath { action: "getid", id: &id, rrid: Some(&rrid), filter, filterdata };
        one(&cfg, responsepath_request(&cfg, &getid))
    }

    #[inline(always)]
    fn responsepath_getlast(
        cfg: Config,
        id: String,
        filter: Option<ResponsepathFilter>,
        filterdata: Option<String>,
    ) -> Result<String> {
        let filterdata = filterdata.as_deref();
        let getlast = Responsepath { action: "getlast", id: &id, rrid: None, filter, filterdata };
        one(&cfg, responsepath_request(&cfg, &getlast))
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
        let list = Voicemail { action: "list", mailbox: mailbox.as_deref(), msgid: None, answer: Answer::Json };
        rows(&cfg, voicemail_request(&cfg, &list))
    }

    #[inline(always)]
    fn voicemail_messages(cfg: Config, mailbox: String) -> Result<String> {
        let messages = Voicemail { action: "messages", mailbox: Some(&mailbox), msgid: None, answer: Answer::Json };
        rows(&cfg, voicemail_request(&cfg, &messages))
    }

    #[inline(always)]
    fn voicemail_message(cfg: Config, mailbox: Option<String>, msgid: String) -> Result<Media> {
        let mailbox = mailbox.as_deref();
        let message = Voicemail { action: "message", mailbox, msgid: Some(&msgid), answer: Answer::Raw };
        media(&cfg, voicemail_request(&cfg, &message))
    }

    #[inline(always)]
    fn voicemail_delete(cfg: Config, mailbox: Option<String>, msgid: String) -> Result<String> {
        let mailbox = mailbox.as_deref();
        let delete = Voicemail { action: "delete", mailbox, msgid: Some(&msgid), answer: Answer::Json };
        one(&cfg, voicemail_request(&cfg, &delete))
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
        rows(&cfg, managedb_generic(&cfg, object, "list", db, JSON))
    }

    #[inline(always)]
    fn managedb_get(cfg: Config, object: ManagedbObject, objectid: String) -> Result<String> {
        one(&cfg, managedb_generic(&cfg, object, "get", Db::object(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_add(cfg: Config, object: ManagedbObject, jsondata: String) -> Result<String> {
        one(&cfg, managedb_generic(&cfg, object, "add", Db::default(), Tail::Form("jsondata", &jsondata)))
    }

    #[inline(always)]
    fn managedb_update(cfg: Config, object: ManagedbObject, objectid: String, jsondata: String) -> Result<String> {
        let tail = Tail::Form("jsondata", &jsondata);
        one(&cfg, managedb_generic(&cfg, object, "update", Db::object(&objectid), tail))
    }

    #[inline(always)]
    fn managedb_delete(cfg: Config, object: ManagedbObject, objectid: String) -> Result<String> {
        one(&cfg, managedb_generic(&cfg, object, "delete", Db::object(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_getbinary(cfg: Config, objectid: String) -> Result<Media> {
        media(&cfg, managedb_request(&cfg, "mediafile", "getbinary", Db::object(&objectid), Tail::Raw))
    }

    #[inline(always)]
    fn managedb_updatebinary(cfg: Config, objectid: String, file_name: String, file: Media) -> Result<String> {
        one(&cfg, managedb_updatebinary_request(&cfg, &objectid, &file_name, &file))
    }

    #[inline(always)]
    fn managedb_getextensions(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "huntlist", "getextensions", Db::object(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_setextensions(cfg: Config, objectid: String, jsondata: String) -> Result<String> {
        let tail = Tail::Form("jsondata", &jsondata);
        one(&cfg, managedb_request(&cfg, "huntlist", "setextensions", Db::object(&objectid), tail))
    }

    #[inline(always)]
    fn managedb_listtenants(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "user", "listtenants", Db::object(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_addtenant(cfg: Config, objectid: String, tenantid: String) -> Result<String> {
        let db = Db { tenantid: Some(&tenantid), ..Db::object(&objectid) };
        one(&cfg, managedb_request(&cfg, "user", "addtenant", db, JSON))
    }

    #[inline(always)]
    fn managedb_deltenant(cfg: Config, objectid: String, tenantid: String) -> Result<String> {
        let db = Db { tenantid: Some(&tenantid), ..Db::object(&objectid) };
        one(&cfg, managedb_request(&cfg, "user", "deltenant", db, JSON))
    }

    #[inline(always)]
    fn managedb_listroutes(cfg: Config, objectid: String) -> Result<String> {
        rows(&cfg, managedb_request(&cfg, "provider", "listroutes", Db::object(&objectid), JSON))
    }

    #[inline(always)]
    fn managedb_replace(
        cfg: Config,
        typesrc: Option<String>,
        typeidsrc: Option<String>,
        jsondata: String,
    ) -> Result<String> {
        let db = Db { typesrc: typesrc.as_deref(), typeidsrc: typeidsrc.as_deref(), ..Db::default() };
        one(&cfg, managedb_request(&cfg, "destination", "replace", db, Tail::Form("jsondata", &jsondata)))
    }

    #[inline(always)]
    fn check_auth(cfg: Config, username: String, password: String) -> Result<String> {
        send_json_redacting(&cfg, &password, auth_request(&cfg, "CHECKAUTH", &username, &password), Shape::One)
    }

    #[inline(always)]
    fn get_webrtc_auth(cfg: Config, username: String, password: String) -> Result<String> {
        send_json_redacting(&cfg, &password, auth_request(&cfg, "GETWEBRTCAUTH", &username, &password), Shape::One)
    }
}

#[cfg(test)]
mod tests;

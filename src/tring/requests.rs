//! One request builder per reqtype (or family of sub-actions), pure. Each
//! lists its parameters in the page's order as a table for
//! [`build`](super::query::build), which checks them (`invalid-input` naming
//! the WIT field) and lays out the query.

use crate::prelude::*;

use super::query::{build, file_name, flag, fx, o, v, Check, Tail, JSON, P};
use crate::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};
use crate::error::{invalid, Result};
use crate::http::Request;
use Check::{Digits, Fixed, Text, Token};

/// A reqtype with no parameters of its own (COUNTPEERS, COUNTCALLS, PEERS,
/// BLFS, FLOWS, CHANNELS), JSON asked.
pub fn plain_request(cfg: &Config, reqtype: &'static str) -> Result<Request> {
    build(cfg, reqtype, &[], JSON)
}

/// A reqtype with one parameter, JSON asked: COUNTCHANNELS `nodename`,
/// CHANNEL `channel`, QUEUERESET `queueid`, REBOOT / UNREGISTER `peer`.
pub fn one_param_request(cfg: &Config, reqtype: &'static str, name: &'static str, value: Option<&str>, c: Check) -> Result<Request> {
    build(cfg, reqtype, &[o(name, value, c)], JSON)
}

/// PHONEBOOK `phonebook`, `subreqtype`, then `field`, `value` (query) or
/// `peid` (delete); add is a `POST` of the form `values=<JSON>`.
pub fn phonebook_request(
    cfg: &Config,
    sub: &'static str,
    book: &str,
    field: Option<&str>,
    value: Option<&str>,
    peid: Option<&str>,
    values: Option<&str>,
) -> Result<Request> {
    let params = [
        v("phonebook", book, Text),
        fx("subreqtype", sub),
        o("field", field, Token),
        o("value", value, Text),
        o("peid", peid, Digits),
    ];
    build(cfg, "PHONEBOOK", &params, values.map_or(JSON, |j| Tail::Form("values", j)))
}

/// INFO `info=<what>` with the optional `id` (checked with `c`), `queue`,
/// `start`, `end`; JSON asked when `json`, else no `format` (binary
/// answers, inforecording).
pub fn info_request(
    cfg: &Config,
    what: &'static str,
    id: Option<&str>,
    c: Check,
    queue: Option<&str>,
    range: [Option<&str>; 2],
    json: bool,
) -> Result<Request> {
    let params = [
        fx("info", what),
        o("id", id, c),
        o("queue", queue, Digits),
        o("start", range[0], Text),
        o("end", range[1], Text),
    ];
    build(cfg, "INFO", &params, if json { JSON } else { Tail::Raw })
}

/// INFO cdrs; `format` as `filter.format` says (`json` by default).
pub fn info_cdrs_request(cfg: &Config, f: &CdrFilter) -> Result<Request> {
    let params = [
        fx("info", "cdrs"),
        P("id", f.id.as_deref(), Token, "filter.id"),
        P("uniqueid", f.uniqueid.as_deref(), Token, "filter.uniqueid"),
        P("linkedid", f.linkedid.as_deref(), Token, "filter.linkedid"),
        P("src", f.src.as_deref(), Token, "filter.src"),
        P("firstdst", f.firstdst.as_deref(), Token, "filter.firstdst"),
        P("direction", f.direction.as_deref(), Token, "filter.direction"),
        P("phone", f.phone.as_deref(), Token, "filter.phone"),
        P("template", f.template.as_deref(), Text, "filter.template"),
        P("start", f.start.as_deref(), Text, "filter.start"),
        P("end", f.end.as_deref(), Text, "filter.end"),
    ];
    let format = match f.format {
        None | Some(CdrFormat::Json) => "json",
        Some(CdrFormat::Csv) => "csv",
        Some(CdrFormat::Xml) => "xml",
    };
    build(cfg, "INFO", &params, Tail::Get(format))
}

/// INFO simplecdrs; `format` as `filter.format` says (`json` by default).
pub fn info_simplecdrs_request(cfg: &Config, f: &SimplecdrFilter) -> Result<Request> {
    let params = [
        fx("info", "simplecdrs"),
        P("id", f.id.as_deref(), Token, "filter.id"),
        P("uniqueid", f.uniqueid.as_deref(), Token, "filter.uniqueid"),
        P("calleridnum", f.calleridnum.as_deref(), Token, "filter.calleridnum"),
        P("calleridname", f.calleridname.as_deref(), Text, "filter.calleridname"),
        P("disposition", f.disposition.as_deref(), Text, "filter.disposition"),
        P("direction", f.direction.as_deref(), Token, "filter.direction"),
        P("whoanswered", f.whoanswered.as_deref(), Token, "filter.whoanswered"),
        P("phone", f.phone.as_deref(), Token, "filter.phone"),
        P("start", f.start.as_deref(), Text, "filter.start"),
        P("end", f.end.as_deref(), Text, "filter.end"),
    ];
    let format = if f.format == Some(SimplecdrFormat::Csv) { "csv" } else { "json" };
    build(cfg, "INFO", &params, Tail::Get(format))
}

/// A queue reference as `id_name=<id>` (digits) or `number_name=<number>`.
fn queue_ref<'a>(id_name: &'static str, number_name: &'static str, queue: &'a QueueRef) -> P<'a> {
    match queue {
        QueueRef::Id(id) => P(id_name, Some(id), Digits, "queue"),
        QueueRef::Number(n) => P(number_name, Some(n), Token, "queue"),
    }
}

/// AGENT `extension`, `queue`|`queuenumber`, `action`, `pausereason`.
pub fn agent_request(
    cfg: &Config,
    action: &'static str,
    extension: &str,
    queue: &QueueRef,
    pausereason: Option<&str>,
) -> Result<Request> {
    let params = [
        v("extension", extension, Token),
        queue_ref("queue", "queuenumber", queue),
        fx("action", action),
        o("pausereason", pausereason, Text),
    ];
    build(cfg, "AGENT", &params, JSON)
}

/// ATXTRANSFER / TRANSFER `channel`, `extrachannel` (TRANSFER), `dest`.
pub fn transfer_request(
    cfg: &Config,
    reqtype: &'static str,
    channel: &str,
    extrachannel: Option<&str>,
    dest: &str,
) -> Result<Request> {
    let params = [v("channel", channel, Token), o("extrachannel", extrachannel, Token), v("dest", dest, Token)];
    build(cfg, reqtype, &params, JSON)
}

/// CAMPAIGN `campaign`, `action`, `number`, `numberdescription`.
pub fn campaign_request(
    cfg: &Config,
    action: &'static str,
    campaign: &str,
    number: Option<&str>,
    description: Option<&str>,
) -> Result<Request> {
    let params = [
        v("campaign", campaign, Digits),
        fx("action", action),
        o("number", number, Token),
        o("numberdescription", description, Text),
    ];
    build(cfg, "CAMPAIGN", &params, JSON)
}

/// DIAL: `source`, `dest`, then every option given, in the page's order.
pub fn dial_request(cfg: &Config, r: &DialRequest) -> Result<Request> {
    let dial_timeout = r.dial_timeout.map(|n| n.to_string());
    let timeout = r.timeout.map(|n| n.to_string());
    let recording = r.recording.map(|m| match m {
        RecordingMode::Yes => "yes",
        RecordingMode::No => "no",
        RecordingMode::Yeschange => "yeschange",
        RecordingMode::Nochange => "nochange",
    });
    let params = [
        P("source", Some(&r.source), Token, "req.source"),
        P("dest", Some(&r.dest), Token, "req.dest"),
        P("var", r.var.as_deref(), Text, "req.var"),
        P("account", r.account.as_deref(), Text, "req.account"),
        o("dialtimeout", dial_timeout.as_deref(), Fixed),
        o("timeout", timeout.as_deref(), Fixed),
        P("sourceclid", r.source_clid.as_deref(), Text, "req.source-clid"),
        P("destclid", r.dest_clid.as_deref(), Text, "req.dest-clid"),
        o("recording", recording, Fixed),
        P("server", r.server.as_deref(), Token, "req.server"),
        flag("autoanswer", r.auto_answer, "yes"),
        flag("nofollow", r.no_follow, "yes"),
    ];
    build(cfg, "DIAL", &params, JSON)
}

/// FAX send: the parameters in the query, the PDF as the multipart file
/// field `filename` (`fax.pdf`, `application/pdf`).
pub fn fax_send_request(cfg: &Config, r: &FaxRequest) -> Result<Request> {
    let quality = r.quality.map(|q| match q {
        FaxQuality::Normal => "204x98",
        FaxQuality::Fine => "204x196",
        FaxQuality::Superfine => "204x392",
    });
    let page_size = r.page_size.map(|s| match s {
        FaxPageSize::A4 => "a4",
        FaxPageSize::Letter => "letter",
        FaxPageSize::Legal => "legal",
    });
    let rotate = r.rotate.map(|x| match x {
        FaxRotate::Auto => "",
        FaxRotate::East => "E",
        FaxRotate::West => "W",
        FaxRotate::No => "no",
    });
    let params = [
        fx("action", "send"),
        P("source_number", Some(&r.source_number), Token, "req.source-number"),
        P("dest_number", Some(&r.dest_number), Token, "req.dest-number"),
        o("quality", quality, Fixed),
        o("pagesize", page_size, Fixed),
        o("rotate", rotate, Fixed),
        flag("deleteaftersend", r.delete_after_send, "on"),
        P("schedule", r.schedule.as_deref(), Text, "req.schedule"),
        P("statusemail", r.status_email.as_deref(), Token, "req.status-email"),
    ];
    if r.pdf.is_empty() {
        return Err(invalid("req.pdf", "must not be empty"));
    }
    build(cfg, "FAX", &params, Tail::File("fax.pdf", "application/pdf", &r.pdf))
}

/// HANGUP `channel`, `extension`, `fast=yes`.
pub fn hangup_request(cfg: &Config, channel: &str, extension: Option<&str>, fast: Option<bool>) -> Result<Request> {
    let params = [v("channel", channel, Token), o("extension", extension, Token), flag("fast", fast, "yes")];
    build(cfg, "HANGUP", &params, JSON)
}

/// MEDIAFILE getaudio `objectid` (binary: no `format`).
pub fn mediafile_getaudio_request(cfg: &Config, objectid: &str) -> Result<Request> {
    build(cfg, "MEDIAFILE", &[fx("action", "getaudio"), v("objectid", objectid, Digits)], Tail::Raw)
}

/// The QUEUE `type` value.
fn agent_type(t: AgentType) -> &'static str {
    match t {
        AgentType::Nf => "NF",
        AgentType::Ad => "AD",
        AgentType::Nfr => "NFR",
        AgentType::Adr => "ADR",
        AgentType::Ea => "EA",
        AgentType::Eanm => "EANM",
        AgentType::Eac => "EAC",
        AgentType::Eanmc => "EANMC",
        AgentType::Cu => "CU",
        AgentType::Cunm => "CUNM",
        AgentType::Cc => "CC",
        AgentType::Cuff => "CUFF",
    }
}

/// QUEUE list, fulllist, add, del, clean: `number`|`id`, `extension`,
/// `action`, `order`, `type`.
pub fn queue_request(
    cfg: &Config,
    action: &'static str,
    queue: &QueueRef,
    extension: Option<&str>,
    order: Option<u32>,
    kind: Option<AgentType>,
) -> Result<Request> {
    let order = order.map(|n| n.to_string());
    let params = [
        queue_ref("id", "number", queue),
        o("extension", extension, Token),
        fx("action", action),
        o("order", order.as_deref(), Fixed),
        o("type", kind.map(agent_type), Fixed),
    ];
    build(cfg, "QUEUE", &params, JSON)
}

/// QUEUE log: `number`|`id`, `uniqid`, `extension`, `action=log`, `event`,
/// `data1`..`data5`.
pub fn queue_log_request(cfg: &Config, queue: &QueueRef, e: &QueueLogEntry) -> Result<Request> {
    let params = [
        queue_ref("id", "number", queue),
        P("uniqid", e.uniqid.as_deref(), Token, "entry.uniqid"),
        P("extension", e.extension.as_deref(), Token, "entry.extension"),
        fx("action", "log"),
        P("event", e.event.as_deref(), Text, "entry.event"),
        P("data1", e.data1.as_deref(), Text, "entry.data1"),
        P("data2", e.data2.as_deref(), Text, "entry.data2"),
        P("data3", e.data3.as_deref(), Text, "entry.data3"),
        P("data4", e.data4.as_deref(), Text, "entry.data4"),
        P("data5", e.data5.as_deref(), Text, "entry.data5"),
    ];
    build(cfg, "QUEUE", &params, JSON)
}

/// RESPONSEPATH `id`, `rrid`, `filter`, `filterdata`, `action`.
pub fn responsepath_request(
    cfg: &Config,
    action: &'static str,
    id: &str,
    rrid: Option<&str>,
    filter: Option<ResponsepathFilter>,
    filterdata: Option<&str>,
) -> Result<Request> {
    let filter = filter.map(|f| match f {
        ResponsepathFilter::Queue => "queue",
        ResponsepathFilter::Answer => "answer",
        ResponsepathFilter::Uniqueid => "uniqueid",
    });
    let params = [
        v("id", id, Digits),
        o("rrid", rrid, Token),
        o("filter", filter, Fixed),
        o("filterdata", filterdata, Text),
        fx("action", action),
    ];
    build(cfg, "RESPONSEPATH", &params, JSON)
}

/// SETFLOW `number`, `state`, `value`.
pub fn set_flow_request(cfg: &Config, number: &str, state: Option<FlowState>, value: Option<&str>) -> Result<Request> {
    let state = state.map(|s| match s {
        FlowState::Inuse => "INUSE",
        FlowState::NotInuse => "NOT_INUSE",
        FlowState::Unavailable => "UNAVAILABLE",
        FlowState::Ringing => "RINGING",
    });
    build(cfg, "SETFLOW", &[v("number", number, Token), o("state", state, Fixed), o("value", value, Text)], JSON)
}

/// SMS `dest`, `destclid`, `server`, `message`.
pub fn sms_request(cfg: &Config, dest: &str, message: &str, destclid: Option<&str>, server: Option<&str>) -> Result<Request> {
    let params = [
        v("dest", dest, Token),
        o("destclid", destclid, Text),
        o("server", server, Token),
        v("message", message, Text),
    ];
    build(cfg, "SMS", &params, JSON)
}

/// VIRTUALEXT `number`, `extension`, `action`.
pub fn virtualext_request(cfg: &Config, action: &'static str, number: &str, extension: Option<&str>) -> Result<Request> {
    let params = [v("number", number, Token), o("extension", extension, Token), fx("action", action)];
    build(cfg, "VIRTUALEXT", &params, JSON)
}

/// VOICEMAIL `mailbox`, `msgid`, `action`; JSON asked when `json`.
pub fn voicemail_request(
    cfg: &Config,
    action: &'static str,
    mailbox: Option<&str>,
    msgid: Option<&str>,
    json: bool,
) -> Result<Request> {
    let params = [o("mailbox", mailbox, Token), o("msgid", msgid, Token), fx("action", action)];
    build(cfg, "VOICEMAIL", &params, if json { JSON } else { Tail::Raw })
}

/// The MANAGEDB `object` value.
pub fn object_name(o: ManagedbObject) -> &'static str {
    match o {
        ManagedbObject::Tenant => "tenant",
        ManagedbObject::Custom => "custom",
        ManagedbObject::Customtype => "customtype",
        ManagedbObject::Phone => "phone",
        ManagedbObject::Mediafile => "mediafile",
        ManagedbObject::Huntlist => "huntlist",
        ManagedbObject::Extension => "extension",
        ManagedbObject::Provider => "provider",
        ManagedbObject::Did => "did",
        ManagedbObject::User => "user",
        ManagedbObject::Conference => "conference",
        ManagedbObject::Routingprofile => "routingprofile",
        ManagedbObject::Route => "route",
        ManagedbObject::Destination => "destination",
    }
}

/// The `object` value for a generic action, refusing what the page rules
/// out: huntlist and destination only list (and their own actions); delete
/// exists for user, conference, provider and route only.
pub fn object_for(o: ManagedbObject, action: &'static str) -> Result<&'static str> {
    use ManagedbObject as O;
    let allowed = match action {
        "list" => true,
        "delete" => matches!(o, O::User | O::Conference | O::Provider | O::Route),
        _ => !matches!(o, O::Huntlist | O::Destination),
    };
    if !allowed {
        return Err(invalid("object", "this object has no such MANAGEDB action"));
    }
    Ok(object_name(o))
}

/// MANAGEDB parameters besides `object` and `action`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Db<'a> {
    /// `routingprofileid` (list of routes).
    pub routingprofileid: Option<&'a str>,
    /// `typesrc` (destination).
    pub typesrc: Option<&'a str>,
    /// `typeidsrc` (destination).
    pub typeidsrc: Option<&'a str>,
    /// `objectid`.
    pub objectid: Option<&'a str>,
    /// `tenantid` (user addtenant / deltenant).
    pub tenantid: Option<&'a str>,
}

/// MANAGEDB `object`, `routingprofileid`, `typesrc`, `typeidsrc`, `action`,
/// `objectid`, `tenantid`, in the page's order, ended by `tail`.
pub fn managedb_request(cfg: &Config, object: &'static str, action: &'static str, db: Db<'_>, tail: Tail<'_>) -> Result<Request> {
    let params = [
        fx("object", object),
        o("routingprofileid", db.routingprofileid, Digits),
        o("typesrc", db.typesrc, Token),
        o("typeidsrc", db.typeidsrc, Token),
        fx("action", action),
        o("objectid", db.objectid, Digits),
        o("tenantid", db.tenantid, Digits),
    ];
    build(cfg, "MANAGEDB", &params, tail)
}

/// MANAGEDB mediafile updatebinary: multipart file field `filename`.
pub fn managedb_updatebinary_request(cfg: &Config, objectid: &str, name: &str, file: &Media) -> Result<Request> {
    file_name("file-name", name)?;
    super::query::check("file.content-type", &file.content_type, Token)?;
    if file.data.is_empty() {
        return Err(invalid("file.data", "must not be empty"));
    }
    let db = Db { objectid: Some(objectid), ..Db::default() };
    managedb_request(cfg, "mediafile", "updatebinary", db, Tail::File(name, &file.content_type, &file.data))
}

/// CHECKAUTH / GETWEBRTCAUTH `username`, `password`.
pub fn auth_request(cfg: &Config, reqtype: &'static str, username: &str, password: &str) -> Result<Request> {
    build(cfg, reqtype, &[v("username", username, Token), v("password", password, Text)], JSON)
}
